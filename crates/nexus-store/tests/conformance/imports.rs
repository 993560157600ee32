//! Import batches that update existing records (`on_duplicate=update`): the updates commit with
//! the batch's new records, events and checkpoint, or — when a record moved on since the batch
//! was checked — nothing of the batch does. A batch of orders (a transactions import) keeps the
//! aggregates and the revenue rollup exact.

use crate::dashboards::{at, insert, recomputed, stored};
use crate::fixtures::{
    add_customers, add_product, add_team, add_user, assert_aggregates_exact, customer,
    next_version, product, query, transaction, transaction_event, updated_event,
};
use nexus_core::CoreError;
use nexus_core::auth::Scope;
use nexus_core::customer::{Customer, CustomerQuery};
use nexus_core::event::{Event, diff};
use nexus_core::ids::CustomerId;
use nexus_core::ids::ImportId;
use nexus_core::import::{
    ImportBatch, ImportCommit, ImportEntity, ImportJob, ImportProgress, ImportRecords,
    ImportStatus, ImportUpdate, OnDuplicate,
};
use nexus_core::store::Store;
use nexus_core::time::now;
use nexus_core::transaction::{Transaction, TransactionStatus::*};
use std::sync::Arc;

conformance!(
    an_import_batch_updates_with_its_checkpoint_or_not_at_all,
    an_import_batch_of_orders_keeps_aggregates_and_rollup_exact,
);

fn job(created_by: nexus_core::ids::UserId) -> ImportJob {
    let t = now();
    ImportJob {
        id: ImportId::new(),
        entity: ImportEntity::Customers,
        status: ImportStatus::Queued,
        file_name: "people.csv".into(),
        file_bytes: 1000,
        columns: vec!["name".into(), "email".into()],
        preview: vec![],
        mapping: Some([("name".to_owned(), "name".to_owned())].into()),
        suggested_mapping: Default::default(),
        on_duplicate: OnDuplicate::Update,
        progress: ImportProgress::default(),
        error: None,
        created_by,
        version: 1,
        created_at: t,
        updated_at: t,
        started_at: None,
        finished_at: None,
        file_path: "/nonexistent/people.csv".into(),
    }
}

async fn an_import_batch_updates_with_its_checkpoint_or_not_at_all(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let ada = customer(owner, "Ada");
    let grace = customer(owner, "Grace");
    add_customers(&*s, &[ada.clone(), grace.clone()]).await;
    let widget = product("W-1", 1250, "EUR");
    add_product(&*s, &widget).await;
    let j = job(owner);
    let ev = Event::new("import", j.id.0, "created", Some(owner), Default::default());
    s.insert_import(&j, &ev).await.unwrap();
    let until = now() + chrono::Duration::seconds(30);
    let j = s
        .claim_import(j.id, "worker", now(), until)
        .await
        .unwrap()
        .expect("claimed");

    // Batch 1: a new customer, Ada renamed, Grace changed by two rows (the second one expects
    // the version the first wrote, and gives her a tag), the widget repriced.
    let ada2 = next_version(&ada, |c| c.name = "Ada Lovelace".into());
    let grace2 = next_version(&grace, |c| c.name = "Grace Hopper".into());
    let grace3 = next_version(&grace2, |c| c.tags = vec!["navy".into()]);
    let mut widget2 = widget.clone();
    widget2.price = 1300;
    widget2.version = 2;
    let new = customer(owner, "New");
    let progress = ImportProgress {
        bytes_processed: 100,
        rows_processed: 3,
        rows_accepted: 1,
        rows_updated: 2,
        rows_rejected: 0,
        rows_duplicate: 0,
    };
    let batch = ImportBatch {
        progress,
        rejections: vec![],
    };
    let progress_ev = Event::new(
        "import",
        j.id.0,
        "progress",
        Some(owner),
        Default::default(),
    );
    let committed = s
        .commit_import_batch(ImportCommit {
            job: j.id,
            owner: "worker",
            from_offset: 0,
            until,
            records: ImportRecords::Customers(vec![new.clone()]),
            updates: vec![
                ImportUpdate::Customer {
                    next: ada2.clone(),
                    expected_version: 1,
                    event: updated_event(&ada, &ada2),
                },
                ImportUpdate::Customer {
                    next: grace2.clone(),
                    expected_version: 1,
                    event: updated_event(&grace, &grace2),
                },
                ImportUpdate::Customer {
                    next: grace3.clone(),
                    expected_version: 2,
                    event: updated_event(&grace2, &grace3),
                },
                ImportUpdate::Product {
                    next: widget2.clone(),
                    expected_version: 1,
                    event: Event::new(
                        "product",
                        widget.id.0,
                        "updated",
                        Some(owner),
                        diff(Some(&widget), Some(&widget2)),
                    ),
                },
            ],
            batch: &batch,
            event: &progress_ev,
        })
        .await
        .unwrap();
    assert!(committed);
    let stored = s.get_customer(ada.id).await.unwrap().unwrap();
    assert_eq!((stored.name.as_str(), stored.version), ("Ada Lovelace", 2));
    let p = s.get_product(widget.id).await.unwrap().unwrap();
    assert_eq!((p.price, p.version), (1300, 2));
    assert!(s.get_customer(new.id).await.unwrap().is_some());
    let actions: Vec<String> = s
        .entity_events(ada.id.0, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, vec!["created", "updated"]);
    assert_eq!(
        s.entity_events(widget.id.0, None, 10).await.unwrap().len(),
        2
    );
    let g = s.get_customer(grace.id).await.unwrap().unwrap();
    assert_eq!(
        (g.name.as_str(), g.version, g.tags.clone()),
        ("Grace Hopper", 3, vec!["navy".to_owned()])
    );
    assert_eq!(
        s.entity_events(grace.id.0, None, 10).await.unwrap().len(),
        3
    );
    let tagged = s
        .list_customers(&CustomerQuery {
            tag: Some("navy".into()),
            ..query()
        })
        .await
        .unwrap();
    assert_eq!(
        tagged.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![grace.id]
    );
    let job = s.get_import(j.id).await.unwrap().unwrap();
    assert_eq!(job.progress, progress);

    // Batch 2 read Ada at version 1 (someone changed her since): nothing of it lands, the
    // checkpoint stays, and the worker is told to check the batch again.
    let stale = next_version(&ada, |c| c.name = "Stale".into());
    let later = customer(owner, "Later");
    let batch2 = ImportBatch {
        progress: ImportProgress {
            bytes_processed: 200,
            rows_processed: 5,
            rows_accepted: 2,
            rows_updated: 3,
            ..progress
        },
        rejections: vec![],
    };
    let err = s
        .commit_import_batch(ImportCommit {
            job: j.id,
            owner: "worker",
            from_offset: 100,
            until,
            records: ImportRecords::Customers(vec![later.clone()]),
            updates: vec![ImportUpdate::Customer {
                next: stale.clone(),
                expected_version: 1,
                event: updated_event(&ada, &stale),
            }],
            batch: &batch2,
            event: &progress_ev,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, CoreError::Conflict { .. }), "{err:?}");
    assert_eq!(
        s.get_customer(ada.id).await.unwrap().unwrap().name,
        "Ada Lovelace"
    );
    assert!(s.get_customer(later.id).await.unwrap().is_none());
    assert_eq!(
        s.get_import(j.id).await.unwrap().unwrap().progress,
        progress
    );
    assert_eq!(s.entity_events(ada.id.0, None, 10).await.unwrap().len(), 2);
}

/// A batch of a transactions import over more customers than one step of the bulk writer
/// (500): the customer aggregates and the revenue rollup end as the same orders written one by
/// one leave them, revenue lands under each customer's owner and team, and a batch that fails
/// leaves nothing behind.
async fn an_import_batch_of_orders_keeps_aggregates_and_rollup_exact(s: Arc<dyn Store>) {
    let team = add_team(&*s, "North").await;
    let (alice, bob) = (add_user(&*s, Some(team)).await, add_user(&*s, None).await);
    let customers: Vec<Customer> = (0..520)
        .map(|i| {
            let mut c = customer(if i % 2 == 0 { alice } else { bob }, &format!("C{i}"));
            c.team_id = (i % 2 == 0).then_some(team);
            c
        })
        .collect();
    add_customers(&*s, &customers).await;
    let ids: Vec<CustomerId> = customers.iter().map(|c| c.id).collect();
    let eur = product("EUR-1", 1000, "EUR");
    let usd = product("USD-1", 700, "USD");
    add_product(&*s, &eur).await;
    add_product(&*s, &usd).await;
    // Earlier purchases of the first customers, written one by one.
    for (i, c) in customers.iter().take(3).enumerate() {
        let mut t = transaction(c.id, Completed, &[(&eur, 1 + i as i64)]);
        t.occurred_at = at(2026, 1, 10);
        insert(&*s, &t).await;
    }
    // Every customer one order (statuses, currencies and months varied), the first three more.
    let mut orders = Vec::new();
    for (i, c) in customers.iter().enumerate() {
        let status = [Completed, Completed, Pending, Refunded, Cancelled][i % 5];
        let p = if i % 3 == 0 { &usd } else { &eur };
        let mut t = transaction(c.id, status, &[(p, 1), (p, 2)]);
        t.occurred_at = at(2026, 1 + (i % 4) as u32, 15);
        t.external_ref = Some(format!("ORD-{i}"));
        t.attributes
            .insert("channel".into(), format!("web-{i}").into());
        orders.push(t);
    }
    for (i, c) in customers.iter().take(3).enumerate() {
        let mut t = transaction(c.id, Completed, &[(&eur, 3 + i as i64)]);
        t.occurred_at = at(2026, 5, 1);
        orders.push(t);
    }
    // One before the customer's earliest purchase: the first purchase time moves back.
    let mut early = transaction(customers[1].id, Completed, &[(&eur, 1)]);
    early.occurred_at = at(2025, 6, 1);
    orders.push(early);
    let records = |orders: &[Transaction]| {
        ImportRecords::Transactions(
            orders
                .iter()
                .map(|t| (t.clone(), transaction_event(t, "created")))
                .collect(),
        )
    };
    let mut j = job(alice);
    j.entity = ImportEntity::Transactions;
    let ev = Event::new("import", j.id.0, "created", Some(alice), Default::default());
    s.insert_import(&j, &ev).await.unwrap();
    let until = now() + chrono::Duration::seconds(30);
    s.claim_import(j.id, "worker", now(), until).await.unwrap();
    let batch = ImportBatch {
        progress: ImportProgress {
            bytes_processed: 100,
            rows_processed: orders.len() as i64,
            rows_accepted: orders.len() as i64,
            ..ImportProgress::default()
        },
        rejections: vec![],
    };
    let commit = |from_offset: i64, records: ImportRecords, batch: &ImportBatch| {
        let s = s.clone();
        let batch = batch.clone();
        let ev = Event::new(
            "import",
            j.id.0,
            "progress",
            Some(alice),
            Default::default(),
        );
        async move {
            s.commit_import_batch(ImportCommit {
                job: j.id,
                owner: "worker",
                from_offset,
                until,
                records,
                updates: vec![],
                batch: &batch,
                event: &ev,
            })
            .await
        }
    };
    assert!(commit(0, records(&orders), &batch).await.unwrap());

    assert_eq!(stored(&*s, Scope::All).await, recomputed(&*s, &ids).await);
    let alices: Vec<CustomerId> = ids.iter().step_by(2).copied().collect();
    let team_scope = Scope::Team {
        team_id: Some(team),
        user_id: alice,
    };
    assert_eq!(
        stored(&*s, team_scope).await,
        recomputed(&*s, &alices).await
    );
    for c in &ids {
        assert_aggregates_exact(&*s, *c).await;
    }
    let first = assert_aggregates_exact(&*s, ids[0]).await;
    assert_eq!(first.purchase_count, 3, "{first:?}");
    let second = assert_aggregates_exact(&*s, ids[1]).await;
    assert_eq!(second.first_purchase_at, Some(at(2025, 6, 1)), "{second:?}");
    let stored_order = s.get_transaction(orders[1].id).await.unwrap().unwrap();
    assert_eq!(stored_order.items, orders[1].items);
    assert_eq!(stored_order.external_ref.as_deref(), Some("ORD-1"));
    assert_eq!(stored_order.attributes["channel"], "web-1");
    let actions: Vec<String> = s
        .entity_events(orders[1].id.0, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, vec!["created"]);

    // A second batch repeating an order_ref (as a concurrent import might): none of it lands.
    let before = stored(&*s, Scope::All).await;
    let mut fresh = transaction(ids[5], Completed, &[(&eur, 1)]);
    fresh.occurred_at = at(2026, 6, 1);
    let mut repeat = transaction(ids[6], Completed, &[(&eur, 1)]);
    repeat.external_ref = Some("ORD-0".into());
    let batch2 = ImportBatch {
        progress: ImportProgress {
            bytes_processed: 200,
            ..batch.progress
        },
        rejections: vec![],
    };
    assert!(
        commit(100, records(&[fresh.clone(), repeat]), &batch2)
            .await
            .is_err()
    );
    assert!(s.get_transaction(fresh.id).await.unwrap().is_none());
    assert_eq!(stored(&*s, Scope::All).await, before);
    assert_aggregates_exact(&*s, ids[5]).await;
    assert_eq!(
        s.get_import(j.id).await.unwrap().unwrap().progress,
        batch.progress
    );
}

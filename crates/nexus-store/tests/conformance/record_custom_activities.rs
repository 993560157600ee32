//! Custom fields of activities and transactions (migration 0020): their values round-trip in
//! `attributes`, the uniqueness index is kept in the activity and transaction writes'
//! transactions (per entity), erasing a customer drops its activities' entries, `cf.<key>`
//! filters and sorts page with keyset cursors (transactions: with their items), and the upgrade
//! from 0019 keeps every activity and transaction.

use crate::crm_fixtures::{activity, activity_query, add_activity, owner_and_customer};
use crate::fixtures::{add_product, product, transaction, transaction_event};
use crate::harness::{Backend, run_unmigrated};
use crate::record_custom_fields::{add_def, attrs, conflict, criteria, def};
use nexus_core::activity::{Activity, ActivityQuery};
use nexus_core::custom_field::CustomField;
use nexus_core::event::{Event, diff};
use nexus_core::page::{Cursor, SortOrder};
use nexus_core::store::Store;
use nexus_core::transaction::{Transaction, TransactionQuery, TransactionStatus};
use serde_json::{Map, Value, json};
use std::sync::Arc;

conformance!(
    activity_and_transaction_values_keep_their_unique_index,
    activity_and_transaction_lists_filter_and_sort_by_custom_fields,
);

fn activity_event(a: &Activity, action: &str) -> Event {
    Event::new("activity", a.id.0, action, None, diff(None, Some(a)))
}

/// Writes a changed copy of `a` as the service does.
async fn write_activity(
    s: &dyn Store,
    a: &Activity,
    change: impl FnOnce(&mut Activity),
) -> nexus_core::error::CoreResult<Activity> {
    let mut next = a.clone();
    change(&mut next);
    next.version = a.version + 1;
    assert!(
        s.update_activity(&next, a.version, &activity_event(&next, "updated"))
            .await?
    );
    Ok(next)
}

async fn write_transaction(
    s: &dyn Store,
    t: &Transaction,
    change: impl FnOnce(&mut Transaction),
) -> nexus_core::error::CoreResult<Transaction> {
    let mut next = t.clone();
    change(&mut next);
    next.version = t.version + 1;
    assert!(
        s.update_transaction(&next, t.version, &transaction_event(&next, "updated"))
            .await?
    );
    Ok(next)
}

async fn activity_and_transaction_values_keep_their_unique_index(s: Arc<dyn Store>) {
    let (owner, cust) = owner_and_customer(&*s, None).await;
    let pr = product("CF-1", 100, "EUR");
    add_product(&*s, &pr).await;
    let mut fields = Vec::new();
    for entity in ["deal", "activity", "transaction"] {
        let f = def(
            json!({"entity": entity, "key": "code", "label": "Code", "field_type": "text", "unique": true}),
        );
        add_def(&*s, &f).await;
        fields.push(f);
    }
    let (activity_code, transaction_code) = (&fields[1], &fields[2]);

    // Values round-trip; the same value under each entity's field does not collide.
    let mut a = activity(cust, owner, "A");
    a.attributes = attrs(json!({"code": "ABC", "free": {"x": 1}}));
    add_activity(&*s, &a).await;
    assert_eq!(s.get_activity(a.id).await.unwrap(), Some(a.clone()));
    let mut t = transaction(cust, TransactionStatus::Pending, &[(&pr, 2)]);
    t.attributes = attrs(json!({"code": "abc"}));
    s.insert_transaction(&t, &transaction_event(&t, "created"))
        .await
        .unwrap();
    assert_eq!(s.get_transaction(t.id).await.unwrap(), Some(t.clone()));

    // Within an entity a taken value (case-insensitive) is refused, naming the field.
    let mut b = activity(cust, owner, "B");
    b.attributes = attrs(json!({"code": " abc "}));
    let r = s.insert_activity(&b, &activity_event(&b, "created")).await;
    assert_eq!(
        conflict(r),
        ("value_taken".into(), Some("attributes.code".into()))
    );
    assert_eq!(s.get_activity(b.id).await.unwrap(), None, "nothing written");
    let mut u = transaction(cust, TransactionStatus::Pending, &[(&pr, 1)]);
    u.attributes = attrs(json!({"code": "ABC"}));
    let r = s
        .insert_transaction(&u, &transaction_event(&u, "created"))
        .await;
    assert_eq!(conflict(r).0, "value_taken");
    assert_eq!(s.get_transaction(u.id).await.unwrap(), None);
    assert_eq!(
        s.custom_field_values_taken(transaction_code.id, &["abc".into(), "xyz".into()])
            .await
            .unwrap(),
        vec!["abc".to_owned()]
    );

    // An update moves the value (a status move too); a soft delete frees it; a restore over a
    // retaken one fails.
    let a2 = write_activity(&*s, &a, |a| a.attributes = attrs(json!({"code": "XYZ"})))
        .await
        .unwrap();
    add_activity(&*s, &b).await;
    let r = write_activity(&*s, &a2, |a| a.attributes = attrs(json!({"code": "abc"}))).await;
    assert_eq!(conflict(r).0, "value_taken");
    let t2 = write_transaction(&*s, &t, |t| {
        t.status = TransactionStatus::Completed;
        t.attributes = attrs(json!({"code": "XYZ"}));
    })
    .await
    .unwrap();
    assert_eq!(s.get_transaction(t.id).await.unwrap(), Some(t2.clone()));
    s.insert_transaction(&u, &transaction_event(&u, "created"))
        .await
        .unwrap();
    let u_gone = write_transaction(&*s, &u, |t| t.deleted_at = Some(nexus_core::time::now()))
        .await
        .unwrap();
    let t3 = write_transaction(&*s, &t2, |t| t.attributes = attrs(json!({"code": "ABC"})))
        .await
        .unwrap();
    let r = write_transaction(&*s, &u_gone, |t| t.deleted_at = None).await;
    assert_eq!(conflict(r).0, "value_taken");
    assert_eq!(t3.attributes["code"], "ABC");

    // Erasing the customer drops its activities' index entries with the activities.
    assert_eq!(
        s.custom_field_values_taken(activity_code.id, &["abc".into()])
            .await
            .unwrap()
            .len(),
        1
    );
    let erased = {
        let mut e = s.get_customer(cust).await.unwrap().unwrap();
        e.version += 1;
        e.deleted_at = Some(nexus_core::time::now());
        e
    };
    let ev = Event::new("customer", cust.0, "erased", None, Map::new());
    assert!(
        s.erase_customer(&erased, erased.version - 1, None, &ev)
            .await
            .unwrap()
    );
    assert!(
        s.custom_field_values_taken(activity_code.id, &["abc".into(), "xyz".into()])
            .await
            .unwrap()
            .is_empty()
    );
}

async fn activity_and_transaction_lists_filter_and_sort_by_custom_fields(s: Arc<dyn Store>) {
    let (owner, cust) = owner_and_customer(&*s, None).await;
    let pr = product("CF-L", 100, "EUR");
    add_product(&*s, &pr).await;
    let mut defs: Vec<Vec<CustomField>> = Vec::new();
    for entity in ["activity", "transaction"] {
        let set = vec![
            def(json!({"entity": entity, "key": "score", "label": "S", "field_type": "number"})),
            def(json!({"entity": entity, "key": "vip", "label": "V", "field_type": "boolean"})),
            def(
                json!({"entity": entity, "key": "tier", "label": "T", "field_type": "select", "options": ["gold", "silver"]}),
            ),
        ];
        for d in &set {
            add_def(&*s, d).await;
        }
        defs.push(set);
    }
    let rows: [(&str, Value); 5] = [
        ("nine", json!({"score": 9, "vip": true, "tier": "gold"})),
        ("ten", json!({"score": 10.0, "tier": "silver"})),
        (
            "two-half",
            json!({"score": 2.5, "vip": true, "tier": "gold"}),
        ),
        ("hundred", json!({"score": 100, "vip": false})),
        ("none", json!({})),
    ];
    for (name, v) in &rows {
        let mut a = activity(cust, owner, name);
        a.attributes = attrs(v.clone());
        add_activity(&*s, &a).await;
        // Two lines: the page's items join must not repeat or split transactions.
        let mut t = transaction(cust, TransactionStatus::Completed, &[(&pr, 1), (&pr, 3)]);
        t.reference = Some((*name).to_owned());
        t.attributes = attrs(v.clone());
        s.insert_transaction(&t, &transaction_event(&t, "created"))
            .await
            .unwrap();
    }

    let activities = |filters: &[(&str, &str)], sort: Option<&str>, order: SortOrder| {
        let custom = criteria(filters, sort, &defs[0]);
        ActivityQuery {
            custom,
            order,
            ..activity_query()
        }
    };
    let transactions = |filters: &[(&str, &str)], sort: Option<&str>, order: SortOrder| {
        let custom = criteria(filters, sort, &defs[1]);
        TransactionQuery {
            custom,
            order,
            ..TransactionQuery::default()
        }
    };
    for (filters, sort, order, want) in [
        (
            &[][..],
            Some("score"),
            SortOrder::Asc,
            &["two-half", "nine", "ten", "hundred", "none"][..],
        ),
        (
            &[],
            Some("score"),
            SortOrder::Desc,
            &["hundred", "ten", "nine", "two-half", "none"],
        ),
        (
            &[("vip", "true")],
            Some("score"),
            SortOrder::Asc,
            &["two-half", "nine"],
        ),
        (
            &[("tier", "gold")],
            Some("score"),
            SortOrder::Desc,
            &["nine", "two-half"],
        ),
        (&[("score", "10")], None, SortOrder::Desc, &["ten"]),
        (&[("vip", "false")], None, SortOrder::Desc, &["hundred"]),
    ] {
        for limit in [1, 2, 10] {
            // Activities, page by page through the custom cursor.
            let mut q = activities(filters, sort, order);
            q.limit = limit;
            let mut got = Vec::new();
            loop {
                let page = s.list_activities(&q).await.unwrap();
                got.extend(page.iter().map(|a| a.subject.clone()));
                match page.last() {
                    Some(last) if page.len() == limit as usize => {
                        q.after = Some(q.custom.cursor(last).unwrap_or_else(|| Cursor {
                            sort: q.sort.as_str().into(),
                            value: last.sort_value(q.sort),
                            id: last.id.0,
                        }))
                    }
                    _ => break,
                }
            }
            assert_eq!(
                got, want,
                "activities {filters:?} {sort:?} {order:?} {limit}"
            );

            let mut q = transactions(filters, sort, order);
            q.limit = limit;
            let mut got = Vec::new();
            loop {
                let page = s.list_transactions(&q).await.unwrap();
                assert!(page.iter().all(|t| t.items.len() == 2), "items kept whole");
                got.extend(page.iter().map(|t| t.reference.clone().unwrap()));
                match page.last() {
                    Some(last) if page.len() == limit as usize => {
                        q.after = Some(q.custom.cursor(last).unwrap_or_else(|| Cursor {
                            sort: q.sort.as_str().into(),
                            value: last.sort_value(q.sort),
                            id: last.id.0,
                        }))
                    }
                    _ => break,
                }
            }
            assert_eq!(
                got, want,
                "transactions {filters:?} {sort:?} {order:?} {limit}"
            );
        }
    }
}

/// 0019 → 0020 on a database holding activities and transactions: every row survives, with
/// empty attributes, and takes custom-field values afterwards.
async fn upgrade_keeps_activities_and_transactions(db: nexus_store::Db) {
    let all = if db.is_sqlite() {
        nexus_store::migrations::sqlite()
    } else {
        nexus_store::migrations::postgres()
    };
    let before = sqlx::migrate::Migrator::with_migrations(
        all.migrations
            .iter()
            .filter(|m| m.version < 20)
            .cloned()
            .collect(),
    );
    match &db {
        nexus_store::Db::Sqlite { writer, .. } => before.run(writer.inner()).await,
        nexus_store::Db::Postgres(p) => before.run(p.inner()).await,
    }
    .unwrap();
    let s: Arc<dyn Store> = Arc::new(db.clone());
    // Users and customers are written with the foundation's SQL, products as today.
    let (owner, cust) = crate::upgrade_previous::owner_and_customer(&db).await;
    let pr = product("OLD-1", 990, "EUR");
    add_product(&*s, &pr).await;
    let a = activity(cust, owner, "Old call");
    let mut t = transaction(cust, TransactionStatus::Completed, &[(&pr, 2)]);
    t.reference = Some("OLD-ORDER".into());
    macro_rules! fill {
        ($pool:expr) => {{
            sqlx::query("INSERT INTO activities (id, kind, subject, body, due_at, done, completed_at, assignee_id, customer_id, deal_id, \
                 owner_id, team_id, version, created_at, updated_at, deleted_at, sentiment) \
                 VALUES ($1, $2, $3, NULL, NULL, $4, NULL, NULL, $5, NULL, $6, NULL, 1, $7, $7, NULL, NULL)")
                .bind(a.id.0).bind(a.kind.as_str()).bind(&a.subject).bind(a.done).bind(cust.0).bind(owner.0)
                .bind(a.created_at)
                .execute($pool).await.unwrap();
            sqlx::query("INSERT INTO transactions (id, customer_id, status, currency, total, occurred_at, reference, external_ref, created_by, version, created_at, updated_at, deleted_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, 1, $8, $8, NULL)")
                .bind(t.id.0).bind(cust.0).bind(t.status.as_str()).bind(t.currency.as_str()).bind(t.total)
                .bind(t.occurred_at).bind(&t.reference).bind(t.created_at)
                .execute($pool).await.unwrap();
            let i = &t.items[0];
            sqlx::query("INSERT INTO transaction_items (transaction_id, position, product_id, sku, name, quantity, unit_price, line_total) \
                 VALUES ($1, 0, $2, $3, $4, $5, $6, $7)")
                .bind(t.id.0).bind(i.product_id.0).bind(&i.sku).bind(&i.name).bind(i.quantity).bind(i.unit_price)
                .bind(i.line_total)
                .execute($pool).await.unwrap();
        }};
    }
    match &db {
        nexus_store::Db::Sqlite { writer, .. } => fill!(writer.inner()),
        nexus_store::Db::Postgres(pool) => fill!(pool.inner()),
    }
    db.migrate().await.unwrap();

    let stored = s.get_activity(a.id).await.unwrap();
    assert_eq!(
        stored,
        Some(a.clone()),
        "every field as written, attributes empty"
    );
    let stored_t = s.get_transaction(t.id).await.unwrap();
    assert_eq!(
        stored_t,
        Some(t.clone()),
        "every field as written, attributes empty"
    );

    // The old rows take values and answer custom filters.
    let fa = def(
        json!({"entity": "activity", "key": "score", "label": "S", "field_type": "number", "unique": true}),
    );
    let ft = def(
        json!({"entity": "transaction", "key": "score", "label": "S", "field_type": "number", "unique": true}),
    );
    add_def(&*s, &fa).await;
    add_def(&*s, &ft).await;
    write_activity(&*s, &a, |a| a.attributes = attrs(json!({"score": 7})))
        .await
        .unwrap();
    write_transaction(&*s, &t, |t| t.attributes = attrs(json!({"score": 7})))
        .await
        .unwrap();
    let q = ActivityQuery {
        custom: criteria(&[("score", "7")], None, &[fa]),
        ..activity_query()
    };
    let found: Vec<_> = s
        .list_activities(&q)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(found, vec![a.id]);
    let q = TransactionQuery {
        custom: criteria(&[("score", "7")], None, &[ft]),
        ..TransactionQuery::default()
    };
    let found: Vec<_> = s
        .list_transactions(&q)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(found, vec![t.id]);
    s.close().await;
}

#[tokio::test]
async fn migration_0020_keeps_activities_and_transactions_sqlite() {
    run_unmigrated(Backend::Sqlite, upgrade_keeps_activities_and_transactions).await;
}

#[tokio::test]
async fn migration_0020_keeps_activities_and_transactions_postgres() {
    run_unmigrated(Backend::Postgres, upgrade_keeps_activities_and_transactions).await;
}

//! Import batches that update existing records (`on_duplicate=update`): the updates commit with
//! the batch's new records, events and checkpoint, or — when a record moved on since the batch
//! was checked — nothing of the batch does.

use crate::fixtures::{
    add_customers, add_product, add_user, customer, next_version, product, updated_event,
};
use nexus_core::CoreError;
use nexus_core::event::{Event, diff};
use nexus_core::ids::ImportId;
use nexus_core::import::{
    ImportBatch, ImportCommit, ImportEntity, ImportJob, ImportProgress, ImportRecords,
    ImportStatus, ImportUpdate, OnDuplicate,
};
use nexus_core::store::Store;
use nexus_core::time::now;
use std::sync::Arc;

conformance!(an_import_batch_updates_with_its_checkpoint_or_not_at_all);

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
    add_customers(&*s, std::slice::from_ref(&ada)).await;
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

    // Batch 1: a new customer, Ada renamed, the widget repriced.
    let ada2 = next_version(&ada, |c| c.name = "Ada Lovelace".into());
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

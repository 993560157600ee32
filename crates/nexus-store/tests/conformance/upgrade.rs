//! Upgrading a database of the foundation release (migration 0001 only): its data survives
//! the later migrations, which add the default pipeline, and work with the new tables.

use crate::crm_fixtures::{add_deal, deal};
use crate::fixtures::{add_customers, add_user, customer};
use nexus_core::store::Store;
use nexus_store::Db;
use std::borrow::Cow;
use std::sync::Arc;

mod upgrade_from_foundation {
    use crate::harness::{Backend, run_unmigrated};

    #[tokio::test]
    async fn sqlite() {
        run_unmigrated(Backend::Sqlite, super::upgrade_from_foundation).await;
    }

    #[tokio::test]
    async fn postgres() {
        run_unmigrated(Backend::Postgres, super::upgrade_from_foundation).await;
    }
}

/// Applies the migrations of this backend up to and including `version`.
async fn migrate_to(db: &Db, version: i64) {
    let dir = if db.is_sqlite() { "sqlite" } else { "postgres" };
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dir);
    let mut m = sqlx::migrate::Migrator::new(path).await.unwrap();
    m.migrations = Cow::Owned(
        m.migrations
            .iter()
            .filter(|x| x.version <= version)
            .cloned()
            .collect(),
    );
    match db {
        Db::Sqlite { writer, .. } => m.run(writer).await.unwrap(),
        Db::Postgres(pool) => m.run(pool).await.unwrap(),
    }
}

async fn upgrade_from_foundation(db: Db) {
    migrate_to(&db, 1).await;
    let store: Arc<dyn Store> = Arc::new(db.clone());
    let owner = add_user(&*store, None).await;
    let old = customer(owner, "Customer from the foundation release");
    add_customers(&*store, std::slice::from_ref(&old)).await;
    assert!(
        store.default_pipeline().await.is_err(),
        "no pipelines before the upgrade"
    );

    db.migrate().await.unwrap();
    assert_eq!(store.get_customer(old.id).await.unwrap(), Some(old.clone()));
    let sales = store
        .default_pipeline()
        .await
        .unwrap()
        .expect("the default pipeline");
    assert_eq!(sales.stages.len(), 6);
    let d = add_deal(
        &*store,
        &deal(&sales, old.id, owner, "First deal after the upgrade"),
    )
    .await;
    assert_eq!(store.get_deal(d.id).await.unwrap(), Some(d));
    // Migrating again changes nothing (one default pipeline, same stages).
    db.migrate().await.unwrap();
    assert_eq!(store.default_pipeline().await.unwrap(), Some(sales));
}

//! Schema upgrades: a database holding data at an older schema version is migrated to the
//! current one, and both the old data and the new features work afterwards.

use crate::crm_fixtures::{add_deal, deal};
use crate::fixtures::{
    add_customers, add_product, add_user, assert_aggregates_exact, customer, product, transaction,
    transaction_event,
};
use crate::harness::{Backend, run_unmigrated};
use nexus_core::ids::ProductId;
use nexus_core::store::Store;
use nexus_core::transaction::{CustomerAggregates, TransactionStatus};
use nexus_store::Db;
use sqlx::migrate::Migrator;
use std::sync::Arc;

/// Applies the migrations of `db`'s backend up to `version` only.
async fn migrate_to(db: &Db, version: i64) {
    let all = match db {
        Db::Sqlite { .. } => sqlx::migrate!("migrations/sqlite"),
        Db::Postgres(_) => sqlx::migrate!("migrations/postgres"),
    };
    let upto = Migrator::with_migrations(
        all.migrations
            .iter()
            .filter(|m| m.version <= version)
            .cloned()
            .collect(),
    );
    match db {
        Db::Sqlite { writer, .. } => upto.run(writer.inner()).await,
        Db::Postgres(pool) => upto.run(pool.inner()).await,
    }
    .unwrap();
}

/// 0001 (foundation) with customers → 0002 (products, transactions, aggregates).
async fn foundation_to_products_and_transactions(db: Db) {
    migrate_to(&db, 1).await;
    let store: Arc<dyn Store> = Arc::new(db.clone());
    let owner = add_user(&*store, None).await;
    let mut c = customer(owner, "Customer from 0001");
    c.email = Some("old@example.com".into());
    add_customers(&*store, std::slice::from_ref(&c)).await;
    assert!(
        store.get_product(ProductId::new()).await.is_err(),
        "the products table must not exist before 0002"
    );

    db.migrate().await.unwrap();
    assert_eq!(store.get_customer(c.id).await.unwrap(), Some(c.clone()));
    assert_eq!(
        store.customer_aggregates(c.id).await.unwrap(),
        CustomerAggregates::empty(c.id),
        "existing customers start without transactions"
    );
    let p = product("UPG-1", 700, "CHF");
    add_product(&*store, &p).await;
    let t = transaction(c.id, TransactionStatus::Completed, &[(&p, 3)]);
    store
        .insert_transaction(&t, &transaction_event(&t, "created"))
        .await
        .unwrap();
    let agg = assert_aggregates_exact(&*store, c.id).await;
    assert_eq!(agg.revenue[0].revenue, 2100);
    // Running the migrations again changes nothing.
    db.migrate().await.unwrap();
    assert_eq!(store.get_transaction(t.id).await.unwrap(), Some(t));
    store.close().await;
}

#[tokio::test]
async fn foundation_to_products_and_transactions_sqlite() {
    run_unmigrated(Backend::Sqlite, foundation_to_products_and_transactions).await;
}

#[tokio::test]
async fn foundation_to_products_and_transactions_postgres() {
    run_unmigrated(Backend::Postgres, foundation_to_products_and_transactions).await;
}

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

/// 0001 (foundation) → latest: the default pipeline appears and works with old customers.
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

//! Schema upgrades: a database holding data at an older schema version is migrated to the
//! current one, and both the old data and the new features work afterwards. Old rows are
//! written with plain SQL of their schema (today's store code writes tables that did not exist
//! then).

use crate::crm_fixtures::{add_deal, deal};
use crate::fixtures::{
    add_product, assert_aggregates_exact, product, transaction, transaction_event,
};
use crate::harness::{Backend, run_unmigrated};
use crate::upgrade_previous::{insert as insert_foundation, rows as foundation_rows};
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
    let old = foundation_rows();
    insert_foundation(&db, &old).await;
    let c = old.person.clone();
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
    let rows = foundation_rows();
    insert_foundation(&db, &rows).await;
    let (old, owner) = (rows.person.clone(), rows.person.owner_id);
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

mod rollups_are_backfilled {
    use crate::harness::{Backend, run_unmigrated};

    #[tokio::test]
    async fn sqlite() {
        run_unmigrated(Backend::Sqlite, super::rollups_are_backfilled).await;
    }

    #[tokio::test]
    async fn postgres() {
        run_unmigrated(Backend::Postgres, super::rollups_are_backfilled).await;
    }
}

/// 0004 → 0005 (dashboards): the revenue and signup rollups are filled from the rows already
/// there, and then kept up by later writes.
async fn rollups_are_backfilled(db: Db) {
    use chrono::{TimeZone, Utc};
    use nexus_core::auth::Scope;
    use nexus_core::dashboard::SignupQuery;
    migrate_to(&db, 4).await;
    let rows = foundation_rows();
    insert_foundation(&db, &rows).await;
    let p = product("BACK-1", 1000, "EUR");
    let at = |m: u32| Utc.with_ymd_and_hms(2026, m, 15, 9, 0, 0).unwrap();
    // (customer, status, total, month, deleted)
    let sales = [
        (rows.person.id, "completed", 500_i64, 1, false),
        (rows.person.id, "completed", 700, 1, false),
        (rows.company.id, "completed", 900, 2, false),
        (rows.company.id, "refunded", 111, 2, false),
        (rows.company.id, "completed", 222, 3, true),
        (rows.person.id, "pending", 333, 3, false),
    ];
    macro_rules! fill {
        ($pool:expr) => {{
            sqlx::query("INSERT INTO products (id, sku, sku_norm, name, name_norm, description, category, category_norm, price, currency, active, version, created_at, updated_at, deleted_at) \
                 VALUES ($1, $2, $3, $4, $5, NULL, NULL, NULL, $6, $7, true, 1, $8, $8, NULL)")
                .bind(p.id.0).bind(&p.sku).bind(p.sku.to_lowercase()).bind(&p.name).bind(p.name.to_lowercase())
                .bind(p.price).bind(p.currency.as_str()).bind(p.created_at)
                .execute($pool).await.unwrap();
            for (c, status, total, month, deleted) in sales {
                let t = at(month);
                sqlx::query("INSERT INTO transactions (id, customer_id, status, currency, total, occurred_at, reference, created_by, version, created_at, updated_at, deleted_at) \
                     VALUES ($1, $2, $3, 'EUR', $4, $5, NULL, NULL, 1, $5, $5, $6)")
                    .bind(uuid::Uuid::now_v7()).bind(c.0).bind(status).bind(total).bind(t)
                    .bind(deleted.then_some(t))
                    .execute($pool).await.unwrap();
            }
        }};
    }
    match &db {
        Db::Sqlite { writer, .. } => fill!(writer.inner()),
        Db::Postgres(pool) => fill!(pool.inner()),
    }

    db.migrate().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(db.clone());
    let revenue: Vec<(String, i64, i64)> = store
        .revenue_by_month(Scope::All, "2026-01", "2026-12")
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.month, r.revenue, r.purchases))
        .collect();
    assert_eq!(
        revenue,
        vec![("2026-01".into(), 1200, 2), ("2026-02".into(), 900, 1)]
    );
    let day = rows.person.created_at.date_naive();
    let signups = store
        .signups_by_day(&SignupQuery {
            scope: Scope::All,
            from: day,
            to: day,
        })
        .await
        .unwrap();
    assert_eq!(
        signups,
        vec![(day.format("%Y-%m-%d").to_string(), 2)],
        "two live customers; the deleted one does not count"
    );

    // Later writes move the backfilled rows.
    let mut t = transaction(rows.person.id, TransactionStatus::Completed, &[(&p, 1)]);
    t.occurred_at = at(1);
    store
        .insert_transaction(&t, &transaction_event(&t, "created"))
        .await
        .unwrap();
    let jan = store
        .revenue_by_month(Scope::All, "2026-01", "2026-01")
        .await
        .unwrap();
    assert_eq!((jan[0].revenue, jan[0].purchases), (2200, 3));
}

mod deal_rollup_is_backfilled {
    use crate::harness::{Backend, run_unmigrated};

    #[tokio::test]
    async fn sqlite() {
        run_unmigrated(Backend::Sqlite, super::deal_rollup_is_backfilled).await;
    }

    #[tokio::test]
    async fn postgres() {
        run_unmigrated(Backend::Postgres, super::deal_rollup_is_backfilled).await;
    }
}

/// 0016 → 0018 (pipeline rollup): the totals of the deals already there are filled in, deleted
/// deals left out, and later writes keep them up.
async fn deal_rollup_is_backfilled(db: Db) {
    use crate::crm_fixtures::pipeline;
    use nexus_core::auth::Scope;
    migrate_to(&db, 16).await;
    let rows = foundation_rows();
    insert_foundation(&db, &rows).await;
    let p = pipeline("Old board", &["One", "Two"]);
    let owner = rows.person.owner_id;
    // (stage, value, deleted)
    let old = [
        (0, 1000_i64, false),
        (0, 2500, false),
        (1, 400, false),
        (1, 9999, true),
    ];
    let mut deals = Vec::new();
    for (stage, value, deleted) in old {
        let mut d = deal(&p, rows.person.id, owner, "Old deal");
        d.stage_id = p.stages[stage].id;
        d.value = value;
        d.deleted_at = deleted.then_some(d.created_at);
        deals.push(d);
    }
    macro_rules! fill {
        ($pool:expr) => {{
            sqlx::query("INSERT INTO pipelines (id, name, is_default, version, created_at, updated_at, deleted_at) VALUES ($1, $2, false, 1, $3, $3, NULL)")
                .bind(p.id.0).bind(&p.name).bind(p.created_at).execute($pool).await.unwrap();
            for (i, s) in p.stages.iter().enumerate() {
                sqlx::query("INSERT INTO pipeline_stages (id, pipeline_id, position, name, probability, kind, archived_at) VALUES ($1, $2, $3, $4, $5, $6, NULL)")
                    .bind(s.id.0).bind(p.id.0).bind(i as i32).bind(&s.name).bind(i32::from(s.probability)).bind(s.kind.as_str())
                    .execute($pool).await.unwrap();
            }
            for (i, d) in deals.iter().enumerate() {
                sqlx::query("INSERT INTO deals (id, title, title_norm, customer_id, value, currency, pipeline_id, stage_id, status, lost_reason, \
                     owner_id, team_id, expected_close_date, closed_at, position, version, created_at, updated_at, deleted_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', NULL, $9, NULL, NULL, NULL, $10, 1, $11, $11, $12)")
                    .bind(d.id.0).bind(&d.title).bind(d.title.to_lowercase()).bind(d.customer_id.0).bind(d.value)
                    .bind(d.currency.as_str()).bind(p.id.0).bind(d.stage_id.0).bind(d.owner_id.0).bind(i as i64 * 1024)
                    .bind(d.created_at).bind(d.deleted_at)
                    .execute($pool).await.unwrap();
            }
        }};
    }
    match &db {
        Db::Sqlite { writer, .. } => fill!(writer.inner()),
        Db::Postgres(pool) => fill!(pool.inner()),
    }

    db.migrate().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(db.clone());
    async fn totals(
        store: &dyn Store,
        p: &nexus_core::pipeline::Pipeline,
    ) -> Vec<(usize, i64, i64)> {
        let mut t: Vec<(usize, i64, i64)> = store
            .pipeline_totals(Scope::All, p.id)
            .await
            .unwrap()
            .into_iter()
            .map(|t| {
                let stage = p.stages.iter().position(|s| s.id == t.stage_id).unwrap();
                (stage, t.deals, t.value)
            })
            .collect();
        t.sort();
        t
    }
    assert_eq!(
        totals(&*store, &p).await,
        vec![(0, 2, 3500), (1, 1, 400)],
        "the deleted deal does not count"
    );
    let mut d = deal(&p, rows.person.id, owner, "New deal");
    d.stage_id = p.stages[1].id;
    d.value = 600;
    add_deal(&*store, &d).await;
    assert_eq!(totals(&*store, &p).await, vec![(0, 2, 3500), (1, 2, 1000)]);
}

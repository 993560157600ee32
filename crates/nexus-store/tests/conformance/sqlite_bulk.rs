//! SQLite only: a bulk load (of customers, or of demo data) drops the search trigger and, when
//! large, some indexes for its duration; the schema afterwards is the one it found, whether the
//! load commits or fails.

use crate::fixtures::{add_user, bulk_load, customer};
use crate::harness::sqlite_config;
use nexus_core::customer::Customer;
use nexus_core::ids::UserId;

async fn schema(db: &nexus_store::Db) -> Vec<(String, String, Option<String>)> {
    let nexus_store::Db::Sqlite { reader, .. } = db else {
        panic!("not SQLite");
    };
    sqlx::query_as("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
        .fetch_all(reader.inner())
        .await
        .unwrap()
}

fn rows(owner: UserId, n: usize, tag: &str) -> Vec<Customer> {
    (0..n)
        .map(|i| {
            let mut c = customer(owner, &format!("Schema Check {i}"));
            c.email = Some(format!("row{i}@{tag}.example"));
            c
        })
        .collect()
}

#[tokio::test]
async fn bulk_load_leaves_the_schema_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = nexus_store::connect(&sqlite_config(dir.path(), None))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let before = schema(&db).await;
    for name in ["customers_fts_insert", "customers_name", "customers_email"] {
        assert!(before.iter().any(|(_, n, _)| n == name), "{name} exists");
    }
    let owner = add_user(&db, None).await;

    // Large (indexes rebuilt), small (indexes kept), and failing on a duplicate.
    bulk_load(&db, &rows(owner, 600, "a"), 250).await.unwrap();
    assert_eq!(schema(&db).await, before);
    bulk_load(&db, &rows(owner, 20, "b"), 20).await.unwrap();
    assert_eq!(schema(&db).await, before);
    let mut dup = rows(owner, 900, "c");
    dup[899].email = Some("row3@a.example".into());
    assert!(bulk_load(&db, &dup, 300).await.is_err());
    assert_eq!(schema(&db).await, before);
    db.close().await;
}

#[tokio::test]
async fn demo_load_leaves_the_schema_as_it_was() {
    use crate::demo_load::{fixture, load};
    use nexus_core::store::Store;
    let dir = tempfile::tempdir().unwrap();
    let db = nexus_store::connect(&sqlite_config(dir.path(), None))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let before = schema(&db).await;
    for name in [
        "transactions_occurred",
        "activities_volume",
        "customers_fts_insert",
    ] {
        assert!(before.iter().any(|(_, n, _)| n == name), "{name} exists");
    }
    let owner = add_user(&db, None).await;
    let p = db.default_pipeline().await.unwrap().unwrap();

    // Large for an empty database (indexes rebuilt), then failing on a stray order.
    let f = fixture(&p, [(owner, None), (owner, None)], "schema-a");
    load(&db, &f.products, f.batches).await.unwrap();
    assert_eq!(schema(&db).await, before);
    let mut g = fixture(&p, [(owner, None), (owner, None)], "schema-b");
    let stray = g.batches[0].transactions[0].clone();
    g.batches[1].transactions.push(stray);
    assert!(load(&db, &g.products, g.batches).await.is_err());
    assert_eq!(schema(&db).await, before);
    db.close().await;
}

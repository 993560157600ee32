//! Test support: the plan SQLite chooses for a statement. SQLite keeps no statistics here (no
//! `ANALYZE` runs on it), so its choices follow from the SQL and the indexes alone, and a
//! statement whose plan reads a whole table instead of a range can be caught by a test.

use crate::{Db, StoreConfig};
use std::time::Duration;

/// A freshly migrated SQLite store in a temporary directory (kept alive by the `TempDir`).
pub(crate) async fn migrated_sqlite() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::connect(&StoreConfig {
        database_url: None,
        data_dir: dir.path().to_path_buf(),
        db_key: None,
        max_connections: 2,
        acquire_timeout: Duration::from_secs(30),
    })
    .await
    .unwrap();
    db.migrate().await.unwrap();
    (dir, db)
}

/// The steps of SQLite's plan for `sql`, its `params` parameters bound to NULL (the plan does
/// not depend on the values).
pub(crate) async fn sqlite_plan(db: &Db, sql: &str, params: usize) -> Vec<String> {
    let Db::Sqlite { reader, .. } = db else {
        panic!("not SQLite")
    };
    let mut conn = reader.inner().acquire().await.unwrap();
    // A read brings the connection's copy of the schema up to date (an index created since it
    // last read would be missing from the plan: `EXPLAIN` alone does not check).
    sqlx::query("SELECT count(*) FROM sqlite_master")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(sqlx::AssertSqlSafe(format!(
        "EXPLAIN QUERY PLAN {sql}"
    )));
    for _ in 0..params {
        q = q.bind(None::<i64>);
    }
    let rows = q.fetch_all(&mut *conn).await.unwrap();
    rows.into_iter().map(|(.., step)| step).collect()
}

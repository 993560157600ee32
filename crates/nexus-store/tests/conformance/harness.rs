//! Opens a fresh store per test on each backend and runs the test body against it.

use futures::FutureExt;
use nexus_core::store::Store;
use nexus_store::StoreConfig;
use sqlx::Connection;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The environment variable naming the PostgreSQL server used by the `postgres` variants.
pub const PG_ENV: &str = "NEXUS_TEST_DATABASE_URL";

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A SQLite configuration with its database file in `dir`.
pub fn sqlite_config(dir: &Path, db_key: Option<&str>) -> StoreConfig {
    StoreConfig {
        database_url: None,
        data_dir: dir.to_path_buf(),
        db_key: db_key.map(str::to_owned),
        max_connections: 4,
        acquire_timeout: Duration::from_secs(30),
    }
}

/// Runs `test` against a freshly migrated store of `backend`. The PostgreSQL variant passes
/// (after saying so) when `NEXUS_TEST_DATABASE_URL` is unset, and fails when it is set but the
/// server cannot be used.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    run_unmigrated(backend, |db| async move {
        db.migrate().await.expect("migrations failed");
        let store: Arc<dyn Store> = Arc::new(db);
        test(store).await;
    })
    .await
}

/// Runs `test` against a fresh, empty database of `backend` (no migration applied), closing it
/// afterwards.
pub async fn run_unmigrated<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(nexus_store::Db) -> Fut,
    Fut: Future<Output = ()>,
{
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let db = nexus_store::connect(&sqlite_config(dir.path(), None))
                .await
                .expect("cannot open the SQLite store");
            assert_eq!(db.backend(), "sqlite");
            let outcome = AssertUnwindSafe(test(db.clone())).catch_unwind().await;
            db.close().await;
            if let Err(panic) = outcome {
                std::panic::resume_unwind(panic);
            }
        }
        Backend::Postgres => {
            let Some(base) = std::env::var(PG_ENV).ok().filter(|u| !u.trim().is_empty()) else {
                eprintln!("skipped: {PG_ENV} is not set, so the PostgreSQL variant does not run");
                return;
            };
            let name = format!("nexus_t_{}", uuid::Uuid::new_v4().simple());
            admin_sql(&base, &format!("CREATE DATABASE \"{name}\"")).await;
            let outcome = AssertUnwindSafe(async {
                let db = nexus_store::connect(&StoreConfig {
                    database_url: Some(with_database(&base, &name)),
                    data_dir: ".".into(),
                    db_key: None,
                    max_connections: 3,
                    acquire_timeout: Duration::from_secs(30),
                })
                .await
                .expect("cannot connect to the test database on PostgreSQL");
                assert!(!db.is_sqlite());
                let outcome = AssertUnwindSafe(test(db.clone())).catch_unwind().await;
                db.close().await;
                if let Err(panic) = outcome {
                    std::panic::resume_unwind(panic);
                }
            })
            .catch_unwind()
            .await;
            admin_sql(
                &base,
                &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
            )
            .await;
            if let Err(panic) = outcome {
                std::panic::resume_unwind(panic);
            }
        }
    }
}

/// Runs one statement on the server's default database (creating and dropping test databases).
async fn admin_sql(base: &str, sql: &str) {
    let mut conn = sqlx::PgConnection::connect(base)
        .await
        .unwrap_or_else(|e| panic!("{PG_ENV} is set but PostgreSQL is unreachable: {e}"));
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("`{sql}` failed: {e}"));
    conn.close().await.ok();
}

/// `url` with its database name replaced by `db` (query parameters are kept).
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url.split_at(url.find('?').unwrap_or(url.len()));
    let authority = base.find("://").map_or(0, |i| i + 3);
    let path = base[authority..]
        .find('/')
        .map_or(base.len(), |i| authority + i);
    format!("{}/{db}{query}", &base[..path])
}

#[test]
fn database_names_replace_the_path() {
    assert_eq!(
        with_database("postgres://root@127.0.0.1:5432/test", "x"),
        "postgres://root@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgresql://u:p@h/db?sslmode=disable", "x"),
        "postgresql://u:p@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h:1", "x"), "postgres://h:1/x");
}

//! Opening the store: SQLite (with SQLCipher key) or PostgreSQL, from configuration.

use crate::{Db, TrackedPool};
use nexus_core::CoreError;
use sqlx::ConnectOptions;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Page cache of each SQLite connection, in KiB.
pub(crate) const SQLITE_CACHE_KIB: i64 = 32_000;

/// Page cache of each SQLite reader, in KiB: there are up to `db_max_connections` readers, so
/// the writer's cache for each would bound memory only at ~0.5 GB (measured: 857 MB RSS after a
/// search load). The OS page cache still holds the file.
const SQLITE_READER_CACHE_KIB: i64 = 8_000;

/// How long a connection may sit idle in a pool before it is checked (pinged) on its way out.
const CHECK_IDLE_AFTER: Duration = Duration::from_secs(10);

/// Options shared by every pool. By default sqlx pings a connection on every acquisition, and
/// again when the connection returns to the pool: on PostgreSQL two round trips around every
/// query's one. The return's ping stays (sqlx always makes it), so a connection handed out
/// again soon after was checked moments ago; only one idle for longer than
/// [`CHECK_IDLE_AFTER`] (a server restart or a dropped link may have killed it) is pinged first.
fn pool_options<DB: sqlx::Database>() -> sqlx::pool::PoolOptions<DB> {
    sqlx::pool::PoolOptions::new()
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > CHECK_IDLE_AFTER {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}

/// What the store needs to know to connect.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    /// `postgres://…` for PostgreSQL; `sqlite://path` or `None` for the embedded default.
    pub database_url: Option<String>,
    /// Where the embedded database lives when no URL is given.
    pub data_dir: PathBuf,
    /// SQLCipher passphrase; `None` leaves the SQLite file unencrypted.
    pub db_key: Option<String>,
    /// Maximum pooled connections (PostgreSQL) or reader connections (SQLite).
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl StoreConfig {
    pub fn sqlite_path(&self) -> PathBuf {
        match self.database_url.as_deref().and_then(|u| {
            u.strip_prefix("sqlite://")
                .or_else(|| u.strip_prefix("sqlite:"))
        }) {
            Some(p) => PathBuf::from(p),
            None => self.data_dir.join("nexus.db"),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.database_url
            .as_deref()
            .is_some_and(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
    }
}

/// Connects and checks that the database can be read (a wrong SQLCipher key connects but
/// fails on the first read, so the check turns that into a clear error).
pub async fn connect(cfg: &StoreConfig) -> Result<Db, CoreError> {
    if cfg.is_postgres() {
        let url = cfg.database_url.as_deref().unwrap_or_default();
        let opts = PgConnectOptions::from_str(url)
            .map_err(|e| CoreError::Internal(format!("invalid database URL: {e}")))?
            // Statements are logged by the gateway's own metrics; sqlx's log would also print
            // slow statements verbatim.
            .disable_statement_logging()
            // No JIT compilation: every statement here is short (OLTP reads and writes, and
            // keyset pages for training and exports), and LLVM's ~200 ms per plan whose
            // estimated cost passes `jit_above_cost` dwarfed the work. A training run at
            // 1,000,000 customers compiled every page of baskets: 146 s of its read.
            .options([("jit", "off")]);
        let pool = pool_options::<sqlx::Postgres>()
            .max_connections(cfg.max_connections)
            .min_connections(1)
            .acquire_timeout(cfg.acquire_timeout)
            .connect_with(opts)
            .await
            .map_err(|e| CoreError::Unavailable(format!("cannot connect to PostgreSQL: {e}")))?;
        return Ok(Db::Postgres(TrackedPool::new(pool, "main")));
    }
    if let Some(u) = cfg.database_url.as_deref()
        && !u.starts_with("sqlite:")
    {
        return Err(CoreError::Internal(
            "database URL must start with postgres://, postgresql:// or sqlite://".into(),
        ));
    }
    let path = cfg.sqlite_path();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| CoreError::Internal(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut base = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a commit is on disk before it is acknowledged, also across power loss.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        .pragma("temp_store", "memory")
        // Deleted content is zeroed within its page (no extra I/O), so erased personal data
        // does not linger in free space of the file.
        .pragma("secure_delete", "fast")
        .pragma("cache_size", format!("-{SQLITE_CACHE_KIB}"))
        // sqlx logs slow statements verbatim; one of them is `PRAGMA key`, so never log them.
        .disable_statement_logging();
    if let Some(key) = &cfg.db_key {
        base = base.pragma("key", sqlcipher_raw_key(key));
    }
    let writer = pool_options::<sqlx::Sqlite>()
        .max_connections(1)
        .acquire_timeout(cfg.acquire_timeout)
        .connect_with(base.clone())
        .await
        .map_err(|e| open_error(&path, e))?;
    check_readable(&writer)
        .await
        .map_err(|e| open_error(&path, e))?;
    let reader = pool_options::<sqlx::Sqlite>()
        .max_connections(cfg.max_connections.max(2))
        .min_connections(1)
        .acquire_timeout(cfg.acquire_timeout)
        .connect_with(
            base.read_only(true)
                .pragma("cache_size", format!("-{SQLITE_READER_CACHE_KIB}")),
        )
        .await
        .map_err(|e| open_error(&path, e))?;
    Ok(Db::Sqlite {
        writer: TrackedPool::new(writer, "writer"),
        reader: TrackedPool::new(reader, "reader"),
        creates: Default::default(),
    })
}

async fn check_readable(pool: &sqlx::SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT count(*) FROM sqlite_master")
        .execute(pool)
        .await
        .map(|_| ())
}

/// The `PRAGMA key` value for a key secret: a raw 256-bit key (`x'…'`), SHA-256 of the secret.
///
/// Given a passphrase, SQLCipher runs PBKDF2 (256,000 rounds) on every connection it opens,
/// which costs ~0.2 s of CPU per connection and delays readiness. The secret is a machine key
/// (32 random bytes in the key file, or `NEXUS_DB_KEY`, which the configuration requires to be
/// at least 32 characters), so stretching it adds nothing; one hash turns it into a raw key and
/// SQLCipher skips its KDF. The per-database salt in the file header still applies.
fn sqlcipher_raw_key(secret: &str) -> String {
    let hex = nexus_core::password::sha256_hex(&format!("nexus-sqlcipher-v1:{secret}"));
    format!("\"x'{hex}'\"")
}

fn open_error(path: &std::path::Path, e: sqlx::Error) -> CoreError {
    let msg = e.to_string();
    if msg.contains("file is not a database") || msg.contains("notadb") {
        CoreError::Internal(format!(
            "cannot read {}: the database is encrypted with another key, or not a NEXUS database (check NEXUS_DB_KEY / NEXUS_DB_KEY_FILE)",
            path.display()
        ))
    } else {
        CoreError::Unavailable(format!("cannot open {}: {msg}", path.display()))
    }
}

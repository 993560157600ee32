//! Persistence for NEXUS on embedded SQLite (SQLCipher-encrypted) or PostgreSQL.
//!
//! One code path: every query is written once, with `$n` placeholders that both backends accept,
//! and the [`with_pool!`] macro compiles it against each backend's pool. The few places where the
//! dialects differ (search, job claiming, bulk load) are isolated in [`dialect`].

mod activities;
mod connect;
mod customers;
mod deals;
mod dialect;
mod events;
mod kanban;
mod pipelines;
mod port;
mod products;
mod query;
mod rows;
mod transactions;
mod users;

pub use connect::{StoreConfig, connect};

use nexus_core::CoreError;
use nexus_core::store::PoolStats;
use sqlx::{PgPool, SqlitePool};

/// A connected store.
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite: a single writer connection (SQLite serialises writes anyway, and one writer avoids
    /// lock upgrades and busy waits) and a pool of readers (WAL lets them run concurrently).
    Sqlite {
        writer: SqlitePool,
        reader: SqlitePool,
    },
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the backend's writer (or reader) pool. The body is
/// compiled once per backend, so the same SQL and bindings serve both.
#[macro_export]
#[doc(hidden)]
macro_rules! with_pool {
    ($db:expr, write, $pool:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite { writer: $pool, .. } => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
    ($db:expr, read, $pool:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite { reader: $pool, .. } => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

impl Db {
    pub fn is_sqlite(&self) -> bool {
        matches!(self, Db::Sqlite { .. })
    }

    /// Applies the embedded migrations of this backend.
    pub async fn migrate(&self) -> Result<(), CoreError> {
        match self {
            Db::Sqlite { writer, .. } => sqlx::migrate!("migrations/sqlite").run(writer).await,
            Db::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await,
        }
        .map_err(|e| CoreError::Internal(format!("migration failed: {e}")))
    }

    pub fn stats(&self) -> PoolStats {
        let (size, idle, max) = match self {
            Db::Sqlite { writer, reader } => {
                let (a, b, c) = of_sqlite(writer);
                let (d, e, f) = of_sqlite(reader);
                (a + d, b + e, c + f)
            }
            Db::Postgres(p) => (
                p.size(),
                p.num_idle() as u32,
                p.options().get_max_connections(),
            ),
        };
        PoolStats { size, idle, max }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite { writer, reader } => {
                reader.close().await;
                writer.close().await;
            }
            Db::Postgres(p) => p.close().await,
        }
    }
}

fn of_sqlite(p: &SqlitePool) -> (u32, u32, u32) {
    (
        p.size(),
        p.num_idle() as u32,
        p.options().get_max_connections(),
    )
}

/// Maps a driver error to the domain error: unique violations become conflicts naming the
/// field; everything else is internal (logged by the API, never shown).
pub(crate) fn db_err(e: sqlx::Error) -> CoreError {
    if let sqlx::Error::Database(d) = &e {
        let text = format!("{} {}", d.constraint().unwrap_or_default(), d.message());
        if d.is_unique_violation() {
            if text.contains("customers_email") || text.contains("customers.email_norm") {
                return CoreError::conflict(
                    "email_taken",
                    Some("email"),
                    "a customer with this email exists",
                );
            }
            if text.contains("products_sku") || text.contains("products.sku_norm") {
                return CoreError::conflict(
                    "sku_taken",
                    Some("sku"),
                    "a product with this SKU exists",
                );
            }
            if text.contains("users") && text.contains("email") {
                return CoreError::conflict(
                    "email_taken",
                    Some("email"),
                    "a user with this email exists",
                );
            }
            if text.contains("pipelines_name") {
                return CoreError::conflict(
                    "name_taken",
                    Some("name"),
                    "a pipeline with this name exists",
                );
            }
            if text.contains("pipelines_default") {
                return CoreError::conflict(
                    "default_changed",
                    Some("is_default"),
                    "another pipeline became the default meanwhile; retry",
                );
            }
            if text.contains("teams") {
                return CoreError::conflict(
                    "name_taken",
                    Some("name"),
                    "a team with this name exists",
                );
            }
            return CoreError::conflict("duplicate", None, "a record with these values exists");
        }
        if d.is_foreign_key_violation() {
            return CoreError::conflict(
                "reference_missing",
                None,
                "a referenced record does not exist",
            );
        }
    }
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
            CoreError::Unavailable(e.to_string())
        }
        other => CoreError::Internal(other.to_string()),
    }
}

//! Persistence for NEXUS on embedded SQLite (SQLCipher-encrypted) or PostgreSQL.
//!
//! One code path: every query is written once, with `$n` placeholders that both backends accept,
//! and the [`with_pool!`] macro compiles it against each backend's pool. The few places where the
//! dialects differ (search, job claiming, bulk load) are isolated in [`dialect`].

mod activities;
mod ai;
mod connect;
mod custom_fields;
mod customers;
mod dashboards;
mod deals;
mod demo_bulk;
mod dialect;
mod events;
mod imports;
mod kanban;
mod pipelines;
#[cfg(test)]
mod plans;
mod pool;
mod port;
mod products;
mod query;
mod rollups;
mod rows;
mod timeline;
mod transactions;
mod users;
mod views;
mod webhooks;

pub use connect::{StoreConfig, connect};
pub use pool::{Lease, TrackedPool};

use nexus_core::CoreError;
use nexus_core::store::PoolStats;
use sqlx::{Postgres, Sqlite};

/// A connected store.
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite: a single writer connection (SQLite serialises writes anyway, and one writer avoids
    /// lock upgrades and busy waits) and a pool of readers (WAL lets them run concurrently).
    Sqlite {
        writer: TrackedPool<Sqlite>,
        reader: TrackedPool<Sqlite>,
        /// Single creates waiting to share the writer's next transaction (group commit, see
        /// `customers/group.rs`).
        creates: customers::group::CreateQueue,
    },
    Postgres(TrackedPool<Postgres>),
}

/// Runs `$body` with `$pool` bound to a connection leased from the backend's writer (or reader)
/// pool, `&mut SqliteConnection` or `&mut PgConnection`. The body is compiled once per backend,
/// so the same SQL and bindings serve both; the lease returns to the pool after the body.
#[macro_export]
#[doc(hidden)]
macro_rules! with_pool {
    ($db:expr, write, $pool:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite { writer: p, .. } => $crate::with_pool!(@lease p, $pool => $body),
            $crate::Db::Postgres(p) => $crate::with_pool!(@lease p, $pool => $body),
        }
    };
    ($db:expr, read, $pool:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite { reader: p, .. } => $crate::with_pool!(@lease p, $pool => $body),
            $crate::Db::Postgres(p) => $crate::with_pool!(@lease p, $pool => $body),
        }
    };
    (@lease $p:ident, $pool:ident => $body:expr) => {{
        let mut lease = $p.lease().await.map_err($crate::db_err)?;
        let $pool = &mut *lease;
        $body
    }};
}

impl Db {
    pub fn is_sqlite(&self) -> bool {
        matches!(self, Db::Sqlite { .. })
    }

    /// Applies the embedded migrations of this backend, then builds the sort indexes of custom
    /// fields that lack one ([`Db::sync_sort_indexes`]).
    pub async fn migrate(&self) -> Result<(), CoreError> {
        match self {
            Db::Sqlite { writer, .. } => migrations::sqlite().run(writer.inner()).await,
            Db::Postgres(pool) => migrations::postgres().run(pool.inner()).await,
        }
        .map_err(|e| CoreError::Internal(format!("migration failed: {e}")))?;
        let started = std::time::Instant::now();
        // A sort index that cannot be built (stored values too long for PostgreSQL's B-tree
        // entries, written before text values were limited in bytes) must not keep the
        // server from starting: sorting by such a field still works, without its index.
        match self.sync_sort_indexes().await {
            Ok(built) if !built.is_empty() => {
                tracing::info!(indexes = ?built, elapsed_ms = started.elapsed().as_millis() as u64, "built custom-field sort indexes");
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "the custom-field sort indexes could not be brought in line with the definitions; sorting by custom fields works without them, more slowly");
            }
        }
        Ok(())
    }

    /// Figures of each connection pool.
    pub fn stats(&self) -> Vec<PoolStats> {
        match self {
            Db::Sqlite { writer, reader, .. } => vec![writer.stats(), reader.stats()],
            Db::Postgres(p) => vec![p.stats()],
        }
    }

    /// Gives back the memory idle SQLite connections hold in their page caches (see
    /// [`TrackedPool::shrink_idle`]); PostgreSQL's caches live in its server, so nothing there.
    /// Returns how many connections were shrunk.
    pub async fn release_memory(&self) -> u32 {
        match self {
            Db::Sqlite { writer, reader, .. } => {
                writer.shrink_idle().await + reader.shrink_idle().await
            }
            Db::Postgres(_) => 0,
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite { writer, reader, .. } => {
                reader.close().await;
                writer.close().await;
            }
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// The embedded migrations of each backend.
pub mod migrations {
    use sqlx::migrate::Migrator;

    pub fn sqlite() -> Migrator {
        sqlx::migrate!("migrations/sqlite")
    }

    pub fn postgres() -> Migrator {
        sqlx::migrate!("migrations/postgres")
    }
}

/// Maps a driver error to the domain error: unique violations become conflicts naming the
/// field; everything else is internal (logged by the API, never shown).
pub(crate) fn db_err(e: sqlx::Error) -> CoreError {
    if let sqlx::Error::Database(d) = &e {
        let text = format!("{} {}", d.constraint().unwrap_or_default(), d.message());
        if d.is_unique_violation() {
            if text.contains("custom_fields") {
                return CoreError::conflict(
                    "key_taken",
                    Some("key"),
                    "a live custom field of this entity has this key",
                );
            }
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
            if text.contains("transactions_external_ref")
                || text.contains("transactions.external_ref")
            {
                return CoreError::conflict(
                    "external_ref_taken",
                    Some("external_ref"),
                    "a live transaction has this external_ref",
                );
            }
            if text.contains("users") && text.contains("email") {
                return CoreError::conflict(
                    "email_taken",
                    Some("email"),
                    "a user with this email exists",
                );
            }
            if text.contains("saved_views") {
                return CoreError::conflict(
                    "name_taken",
                    Some("name"),
                    "you have a view of this list with this name",
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
        // Values the validation let through but the database cannot hold are the request's
        // fault, never a server error: an index entry over PostgreSQL's B-tree limit (a long
        // custom-field value under its sort index), and a sum or count beyond 64 bits.
        let code = d.code().unwrap_or_default();
        if code == "54000" {
            return CoreError::invalid(
                "attributes",
                "too_long_to_index",
                "a value is too long to be indexed for sorting (at most about 2,700 bytes)",
            );
        }
        if code == "22003" || d.message().contains("integer overflow") {
            return CoreError::invalid(
                "total",
                "out_of_range",
                "the totals this write would produce exceed 64-bit integers",
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

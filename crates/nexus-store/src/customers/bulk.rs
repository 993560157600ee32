//! Bulk load of customers (demo data, imports): the whole stream of batches in one transaction,
//! multi-row inserts, no per-row events.
//!
//! On SQLite the index work that a row-by-row load does badly is moved to the end of the
//! transaction:
//! - the full-text index: its insert trigger indexes row by row and FTS5 flushes its pending
//!   terms to a new segment at the end of every statement, so a load of many multi-row statements
//!   writes (and then merges) many small segments. The trigger is dropped for the load and the
//!   loaded rows are indexed with one `INSERT … SELECT`;
//! - the indexes whose keys arrive in random order (names, e-mails, update times, company
//!   links): each row lands on a random leaf page, so when the load is at least as large as the
//!   table they are dropped and rebuilt at the end, by a sort (`CREATE INDEX`), several times
//!   cheaper than the inserts. The time-ordered indexes stay: the generator's rows append to
//!   them.
//!
//! All of it happens inside the load's transaction: readers keep seeing the table with its
//! trigger and indexes (WAL snapshot), a failed load rolls the `DROP`s back, and SQLite has a
//! single writer, so no other insert can slip in while the trigger is gone. A unique index
//! rebuilt at the end still refuses duplicates, failing the whole load.
//!
//! Values of `unique` custom fields are indexed batch by batch like any customer write, so a
//! taken value fails the load; their types are the producer's business.
//!
//! PostgreSQL keeps its indexes as they are (the trigram index through the GIN pending list).
//!
//! On SQLite the load holds the single writer connection for its whole duration: other writes
//! of the process wait for it (and show up as pool waits on `/metrics`).

use super::INSERT_CUSTOMER;
use crate::dialect::Dialect;
use crate::{Db, db_err, with_pool};
use futures::StreamExt;
use nexus_core::customer::Customer;
use nexus_core::error::CoreResult;
use nexus_core::store::CustomerBatches;
use sqlx::{PgConnection, Postgres, Sqlite, SqliteConnection, Transaction};

/// Writes one batch of customers on a load's transaction: the rows, their tags and the values
/// of `unique` custom fields (signups are the caller's to count).
pub(crate) trait BulkCustomers {
    async fn write_customers(&mut self, sql: &BulkSql, batch: &[Customer]) -> CoreResult<()>;
}

macro_rules! impl_bulk_customers {
    ($db:ty) => {
        impl BulkCustomers for Transaction<'_, $db> {
            async fn write_customers(
                &mut self,
                sql: &BulkSql,
                batch: &[Customer],
            ) -> CoreResult<()> {
                let tx = &mut **self;
                for chunk in batch.chunks(BULK_CUSTOMER_ROWS) {
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.customers(chunk.len())));
                    for c in chunk {
                        query = bind_customer!(query, c);
                    }
                    query.execute(&mut *tx).await.map_err(db_err)?;
                }
                let tagged: Vec<(&str, uuid::Uuid)> = batch
                    .iter()
                    .flat_map(|c| c.tags.iter().map(move |t| (t.as_str(), c.id.0)))
                    .collect();
                for chunk in tagged.chunks(BULK_TAG_ROWS) {
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.tags(chunk.len())));
                    for (t, id) in chunk {
                        query = query.bind(*t).bind(*id);
                    }
                    query.execute(&mut *tx).await.map_err(db_err)?;
                }
                crate::custom_fields::write_unique_values!(tx, batch, false);
                Ok(())
            }
        }
    };
}
impl_bulk_customers!(Sqlite);
impl_bulk_customers!(Postgres);

/// Rows per multi-row customer insert (20 parameters each; SQLite allows 32,766 per statement,
/// PostgreSQL 65,535).
pub(crate) const BULK_CUSTOMER_ROWS: usize = 1000;
/// Rows per multi-row tag insert (2 parameters each).
pub(crate) const BULK_TAG_ROWS: usize = 2000;
const CUSTOMER_COLUMN_COUNT: usize = 20;

/// The SQLite indexes of `customers` whose keys arrive in random order during a load, rebuilt at
/// its end when the load is at least as large as the table. The unique one comes first, so that
/// a duplicate fails the load before the other builds.
const REBUILT_INDEXES: &[&str] = &[
    "customers_email",
    "customers_name",
    "customers_email_sort",
    "customers_updated",
    "customers_company",
];

/// SQLite page cache of the writer during a load, in KiB: the index builds at the end read the
/// loaded rows back, and a cache that holds them spares reading (and decrypting) every page once
/// per index. Pages are allocated as used and released when the load ends.
pub(crate) const BULK_CACHE_KIB: i64 = 256 * 1024;

/// FTS5's buffer of pending terms while the loaded rows are indexed, in bytes (measured best
/// around 32 MiB for demo data), and FTS5's default, restored afterwards.
const BULK_FTS_HASHSIZE: i64 = 32 * 1024 * 1024;
const FTS_DEFAULT_HASHSIZE: i64 = 1024 * 1024;

impl Db {
    /// Loads every batch of `batches` in one transaction (see the module documentation).
    pub(crate) async fn bulk_load_customers(
        &self,
        mut batches: CustomerBatches<'_>,
        expected: u64,
    ) -> CoreResult<u64> {
        let sql = if self.is_sqlite() {
            BulkSql::new::<Sqlite>()
        } else {
            BulkSql::new::<Postgres>()
        };
        with_pool!(self, write, conn => {
            conn.enter_bulk_load(BULK_CACHE_KIB).await?;
            let outcome: CoreResult<u64> = async {
                let mut tx = sqlx::Connection::begin(&mut *conn).await.map_err(db_err)?;
                let deferred = tx.defer_indexes(expected, true).await?;
                let mut loaded = 0u64;
                let mut signups = std::collections::BTreeMap::new();
                while let Some(batch) = batches.next().await {
                    let batch = batch?;
                    for (key, n) in crate::rollups::signup_counts(&batch) {
                        *signups.entry(key).or_insert(0) += n;
                    }
                    tx.write_customers(&sql, &batch).await?;
                    loaded += batch.len() as u64;
                }
                crate::rollups::bump_signups!(tx, signups);
                tx.restore_indexes(deferred).await?;
                tx.commit().await.map_err(db_err)?;
                Ok(loaded)
            }
            .await;
            conn.leave_bulk_load(&["customers", "customer_tags"]).await;
            outcome
        })
    }
}

/// Connection settings for the duration of a load.
pub(crate) trait BulkConnection {
    /// `cache_kib`: SQLite's page cache for the load (see [`BULK_CACHE_KIB`]).
    async fn enter_bulk_load(&mut self, cache_kib: i64) -> CoreResult<()>;
    /// Restores the settings (also after a failed load) and, on PostgreSQL, refreshes the
    /// planner's statistics of the tables in `loaded` (constant names): until autovacuum gets
    /// to them, the planner would plan for the tables as they were before the load (an
    /// empty table's figures made AI training read a whole index per deal). Failures are
    /// logged.
    async fn leave_bulk_load(&mut self, loaded: &[&str]);
}

impl BulkConnection for SqliteConnection {
    async fn enter_bulk_load(&mut self, cache_kib: i64) -> CoreResult<()> {
        set_cache_size(self, cache_kib).await.map_err(db_err)
    }

    async fn leave_bulk_load(&mut self, _loaded: &[&str]) {
        if let Err(e) = set_cache_size(self, crate::connect::SQLITE_CACHE_KIB).await {
            tracing::warn!(error = %e, "restoring the SQLite cache size after a bulk load");
        }
    }
}

async fn set_cache_size(conn: &mut SqliteConnection, kib: i64) -> Result<(), sqlx::Error> {
    // PRAGMA takes no parameters; the value is a constant of this crate.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = -{kib}")))
        .execute(conn)
        .await
        .map(|_| ())
}

impl BulkConnection for PgConnection {
    async fn enter_bulk_load(&mut self, _cache_kib: i64) -> CoreResult<()> {
        Ok(())
    }

    async fn leave_bulk_load(&mut self, loaded: &[&str]) {
        if loaded.is_empty() {
            return;
        }
        // ANALYZE takes no parameters; the names are constants of this crate.
        let sql = format!("ANALYZE {}", loaded.join(", "));
        if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(self).await {
            tracing::warn!(error = %e, "refreshing the statistics after a bulk load");
        }
    }
}

/// Index work taken out of the load and done at its end, inside the load's transaction.
pub(crate) trait BulkIndexes {
    /// Called before the rows are inserted, with the number of rows expected; `rebuild`: the
    /// random-order indexes may be dropped and rebuilt (a load in one transaction), not only the
    /// full-text indexing deferred.
    async fn defer_indexes(&mut self, expected: u64, rebuild: bool) -> CoreResult<Deferred>;
    /// Called after the rows are inserted, before commit.
    async fn restore_indexes(&mut self, deferred: Deferred) -> CoreResult<()>;
}

/// What [`BulkIndexes::restore_indexes`] has to rebuild.
#[derive(Default)]
pub(crate) struct Deferred {
    /// `CREATE INDEX …` of the dropped indexes, as stored in the schema, to restore verbatim.
    indexes: Vec<String>,
    /// The dropped full-text insert trigger, and the largest rowid before the load: rows above
    /// it are the loaded ones, to index.
    search: Option<(String, i64)>,
}

impl BulkIndexes for Transaction<'_, Sqlite> {
    async fn defer_indexes(&mut self, expected: u64, rebuild: bool) -> CoreResult<Deferred> {
        let mut deferred = Deferred::default();
        let trigger: Option<String> = sqlx::query_scalar(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'customers_fts_insert'",
        )
        .fetch_optional(&mut **self)
        .await
        .map_err(db_err)?;
        if let Some(trigger_sql) = trigger {
            let max_rowid: i64 =
                sqlx::query_scalar("SELECT coalesce(max(rowid), 0) FROM customers")
                    .fetch_one(&mut **self)
                    .await
                    .map_err(db_err)?;
            sqlx::query("DROP TRIGGER customers_fts_insert")
                .execute(&mut **self)
                .await
                .map_err(db_err)?;
            deferred.search = Some((trigger_sql, max_rowid));
        }
        if !rebuild {
            return Ok(deferred);
        }
        let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM customers")
            .fetch_one(&mut **self)
            .await
            .map_err(db_err)?;
        // Rebuilding reads the whole table: worth it when the load at least doubles it.
        if expected == 0 || expected < u64::try_from(existing).unwrap_or(u64::MAX) {
            return Ok(deferred);
        }
        for name in REBUILT_INDEXES {
            let sql: Option<String> = sqlx::query_scalar(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1 AND tbl_name = 'customers'",
            )
            .bind(*name)
            .fetch_optional(&mut **self)
            .await
            .map_err(db_err)?;
            let Some(sql) = sql else { continue };
            // Index names come from the constant list above, never from input.
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP INDEX \"{name}\"")))
                .execute(&mut **self)
                .await
                .map_err(db_err)?;
            deferred.indexes.push(sql);
        }
        Ok(deferred)
    }

    async fn restore_indexes(&mut self, deferred: Deferred) -> CoreResult<()> {
        for sql in deferred.indexes {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut **self)
                .await
                .map_err(db_err)?;
        }
        let Some((trigger_sql, max_rowid)) = deferred.search else {
            return Ok(());
        };
        // FTS5 flushes its in-memory terms to a new segment whenever they exceed `hashsize`
        // (1 MiB by default), and merges the segments as they pile up: for a load, a larger
        // buffer writes fewer, larger segments (and merges less). Much larger is slower again
        // (the buffer's hash table stops fitting the CPU caches). Restored before commit; the
        // terms buffered so far are flushed at commit whatever the setting.
        set_fts_hashsize(self, BULK_FTS_HASHSIZE).await?;
        // New rows get rowids above the previous maximum (the table never reached the largest
        // rowid, which is when SQLite would start picking free ones at random).
        sqlx::query(
            "INSERT INTO customers_fts (rowid, name, email, company_name, phone) \
             SELECT rowid, name, email, company_name, phone FROM customers WHERE rowid > $1",
        )
        .bind(max_rowid)
        .execute(&mut **self)
        .await
        .map_err(db_err)?;
        set_fts_hashsize(self, FTS_DEFAULT_HASHSIZE).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(trigger_sql))
            .execute(&mut **self)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

async fn set_fts_hashsize(tx: &mut Transaction<'_, Sqlite>, bytes: i64) -> CoreResult<()> {
    sqlx::query("INSERT INTO customers_fts (customers_fts, rank) VALUES ('hashsize', $1)")
        .bind(bytes)
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    Ok(())
}

impl BulkIndexes for Transaction<'_, Postgres> {
    async fn defer_indexes(&mut self, _expected: u64, _rebuild: bool) -> CoreResult<Deferred> {
        Ok(Deferred::default())
    }

    async fn restore_indexes(&mut self, _deferred: Deferred) -> CoreResult<()> {
        Ok(())
    }
}

/// Statement texts of a bulk load for one backend; full-size statements are built once (and,
/// having the same text, reuse one prepared statement).
pub(crate) struct BulkSql {
    positional: bool,
    full_customers: String,
    full_tags: String,
}

impl BulkSql {
    pub(crate) fn new<D: Dialect>() -> Self {
        let positional = D::positional_bulk_params();
        Self {
            positional,
            full_customers: customers_insert(positional, BULK_CUSTOMER_ROWS),
            full_tags: tags_insert(positional, BULK_TAG_ROWS),
        }
    }

    pub(crate) fn customers(&self, rows: usize) -> String {
        if rows == BULK_CUSTOMER_ROWS {
            self.full_customers.clone()
        } else {
            customers_insert(self.positional, rows)
        }
    }

    pub(crate) fn tags(&self, rows: usize) -> String {
        if rows == BULK_TAG_ROWS {
            self.full_tags.clone()
        } else {
            tags_insert(self.positional, rows)
        }
    }
}

/// A multi-row insert for one backend: the full-size statement is built once (and, having the
/// same text every time, reuses one prepared statement); the last, shorter chunk gets its own.
pub(crate) struct Rows {
    head: &'static str,
    cols: usize,
    pub(crate) rows: usize,
    positional: bool,
    full: String,
}

impl Rows {
    pub(crate) fn new(positional: bool, head: &'static str, cols: usize) -> Self {
        let rows = (30_000 / cols).min(4000);
        Self {
            head,
            cols,
            rows,
            positional,
            full: multi_row_values(head, positional, rows, cols),
        }
    }

    pub(crate) fn sql(&self, n: usize) -> sqlx::AssertSqlSafe<String> {
        sqlx::AssertSqlSafe(if n == self.rows {
            self.full.clone()
        } else {
            multi_row_values(self.head, self.positional, n, self.cols)
        })
    }
}

/// `INSERT … VALUES (…), (…)` for `rows` rows of `cols` parameters each.
pub(crate) fn multi_row_values(head: &str, positional: bool, rows: usize, cols: usize) -> String {
    use std::fmt::Write as _;
    let mut sql = String::with_capacity(head.len() + rows * cols * 7);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                sql.push_str(", ");
            }
            if positional {
                sql.push('?');
            } else {
                let _ = write!(sql, "${}", r * cols + c + 1);
            }
        }
        sql.push(')');
    }
    sql
}

fn customers_insert(positional: bool, rows: usize) -> String {
    let head = INSERT_CUSTOMER.split(" VALUES").next().unwrap_or_default();
    multi_row_values(head, positional, rows, CUSTOMER_COLUMN_COUNT)
}

fn tags_insert(positional: bool, rows: usize) -> String {
    multi_row_values(
        "INSERT INTO customer_tags (tag, customer_id)",
        positional,
        rows,
        2,
    )
}

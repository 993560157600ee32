//! Index work of the large demo tables taken out of the load and done at its end, inside the
//! load's transaction (see the module docs of [`super`]): the indexes of [`REBUILT`] (and, on
//! PostgreSQL, the foreign keys of [`KEYS_CHECKED_AT_END`]) are dropped when the load is expected
//! to at least double their table, and created again from their stored definitions before commit.
//!
//! PostgreSQL checks a foreign key row by row with a trigger that also locks the referenced row:
//! for the 1.6 million line items of 100,000 demo customers that took 20 of the load's 90 s.
//! Added back at the end, each key is checked once by a join (about a second). SQLite's checks
//! are plain index lookups, cheap enough to keep.

use crate::db_err;
use nexus_core::error::CoreResult;
use sqlx::{Postgres, Sqlite, Transaction as DbTransaction};

/// The indexes rebuilt at the end of a large load, per table, with the rows the load is expected
/// to add per customer. Their keys arrive in random order (times, totals, owners); the primary
/// keys and the per-customer indexes only append (time-ordered ids, customers in order) and
/// stay.
const REBUILT: &[(&str, &[&str], u64)] = &[
    (
        "transactions",
        &[
            "transactions_occurred",
            "transactions_created",
            "transactions_total",
        ],
        8,
    ),
    (
        "activities",
        &[
            "activities_created",
            "activities_updated",
            "activities_assignee",
            "activities_owner",
            "activities_team",
            "activities_open_due",
            "activities_volume",
        ],
        2,
    ),
];

pub(super) trait DemoIndexes {
    /// Drops the indexes to rebuild and the keys to check at the end; returns the statements that
    /// restore them.
    async fn defer_demo_indexes(&mut self, expected_customers: u64) -> CoreResult<Vec<String>>;
    async fn restore_demo_indexes(&mut self, indexes: Vec<String>) -> CoreResult<()>;
}

/// Tables whose foreign keys PostgreSQL checks once at the end of a large load, with the rows the
/// load is expected to add per customer.
const KEYS_CHECKED_AT_END: &[(&str, u64)] = &[
    ("transactions", 8),
    ("transaction_items", 12),
    ("activities", 2),
];

/// Whether the load is expected to at least double `table`: counts up to one row past
/// `expected`, so a large table costs no full scan. The table name comes from a constant list
/// of this module, never from input.
macro_rules! load_doubles {
    ($tx:expr, $table:expr, $expected:expr) => {{
        let expected: u64 = $expected;
        let limit = i64::try_from(expected).unwrap_or(i64::MAX - 1) + 1;
        let existing: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM (SELECT 1 FROM {} LIMIT $1) t",
            $table
        )))
        .bind(limit)
        .fetch_one(&mut **$tx)
        .await
        .map_err(db_err)?;
        expected > 0 && existing < limit
    }};
}

/// Where each backend keeps its index definitions.
trait IndexCatalog {
    /// The definition of the index of table `$1` named `$2`, as the backend stores it.
    const DEFINITION: &'static str;
    /// Run before the builds, if anything.
    const BEFORE_BUILDS: Option<&'static str>;
    /// The foreign keys of table `$1` (name, definition) to check at the end of a load, if any.
    const FOREIGN_KEYS: Option<&'static str>;
}

impl IndexCatalog for Sqlite {
    const DEFINITION: &'static str =
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND name = $2";
    // The load's page cache (see `DEMO_CACHE_KIB`) already holds the rows to sort.
    const BEFORE_BUILDS: Option<&'static str> = None;
    const FOREIGN_KEYS: Option<&'static str> = None;
}

impl IndexCatalog for Postgres {
    const DEFINITION: &'static str = "SELECT indexdef FROM pg_indexes \
         WHERE schemaname = current_schema() AND tablename = $1 AND indexname = $2";
    // Memory for each index build, for this transaction only: the default (64 MB) makes the
    // sorts of a million rows spill to disk.
    const BEFORE_BUILDS: Option<&'static str> = Some("SET LOCAL maintenance_work_mem = '256MB'");
    const FOREIGN_KEYS: Option<&'static str> = Some(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint \
         WHERE contype = 'f' AND conrelid = $1::text::regclass ORDER BY conname",
    );
}

macro_rules! impl_demo_indexes {
    ($db:ty) => {
        impl DemoIndexes for DbTransaction<'_, $db> {
            async fn defer_demo_indexes(
                &mut self,
                expected_customers: u64,
            ) -> CoreResult<Vec<String>> {
                let mut dropped = Vec::new();
                for (table, indexes, per_customer) in REBUILT {
                    if !load_doubles!(
                        self,
                        table,
                        expected_customers.saturating_mul(*per_customer)
                    ) {
                        continue;
                    }
                    for name in *indexes {
                        let sql: Option<String> =
                            sqlx::query_scalar(<$db as IndexCatalog>::DEFINITION)
                                .bind(*table)
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
                        dropped.push(sql);
                    }
                }
                let Some(keys_sql) = <$db as IndexCatalog>::FOREIGN_KEYS else {
                    return Ok(dropped);
                };
                for (table, per_customer) in KEYS_CHECKED_AT_END {
                    if !load_doubles!(
                        self,
                        table,
                        expected_customers.saturating_mul(*per_customer)
                    ) {
                        continue;
                    }
                    let keys: Vec<(String, String)> = sqlx::query_as(keys_sql)
                        .bind(*table)
                        .fetch_all(&mut **self)
                        .await
                        .map_err(db_err)?;
                    for (name, definition) in keys {
                        // The name and definition come from the catalog, the table from the
                        // constant list above.
                        let name = name.replace('"', "\"\"");
                        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                            "ALTER TABLE {table} DROP CONSTRAINT \"{name}\""
                        )))
                        .execute(&mut **self)
                        .await
                        .map_err(db_err)?;
                        dropped.push(format!(
                            "ALTER TABLE {table} ADD CONSTRAINT \"{name}\" {definition}"
                        ));
                    }
                }
                Ok(dropped)
            }

            async fn restore_demo_indexes(&mut self, indexes: Vec<String>) -> CoreResult<()> {
                if indexes.is_empty() {
                    return Ok(());
                }
                if let Some(sql) = <$db as IndexCatalog>::BEFORE_BUILDS {
                    sqlx::raw_sql(sql)
                        .execute(&mut **self)
                        .await
                        .map_err(db_err)?;
                }
                for sql in indexes {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut **self)
                        .await
                        .map_err(db_err)?;
                }
                Ok(())
            }
        }
    };
}
impl_demo_indexes!(Sqlite);
impl_demo_indexes!(Postgres);

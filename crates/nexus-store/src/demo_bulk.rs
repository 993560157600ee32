//! Bulk load of demo data (`nexus seed-demo`): products, then batches of customers with their
//! transactions, deals (with stage history) and activities, all in one database transaction,
//! with multi-row inserts and no per-row events.
//!
//! The customers go through the customer bulk loader's code (`customers/bulk.rs`: the search
//! trigger and the randomly ordered customer indexes are rebuilt at the end). Everything that
//! ordinary writes derive row by row is derived here once, in memory, and written once:
//! - the per-customer aggregates (`customer_aggregates`, `customer_revenue`) with the domain's
//!   own [`CustomerAggregates::compute`] over each customer's transactions, which is why all of a
//!   customer's transactions must come in the batch that holds the customer. Their `version` is
//!   the number of transactions (one per write, as if each had been recorded separately);
//! - the monthly revenue rollup and the daily signup rollup, accumulated over the whole load and
//!   added to the stored rows at the end (other customers' figures stay as they are);
//! - kanban positions: each deal goes to the bottom of its stage, in batch order, one gap after
//!   the last live deal there (as [`crate::kanban`] places a new deal).
//!
//! On SQLite, the secondary indexes of transactions and activities whose keys arrive in random
//! order are dropped for the load and rebuilt at its end by a sort, when the load is at least as
//! large as the table (as the customer loader does; the rebuild happens inside the transaction,
//! so readers and a failed load never see the schema without them). Ids are time-ordered
//! (UUIDv7) and the batches come in customer order, so the primary keys and the per-customer
//! indexes only ever append.
//!
//! No events are written: demo data is a bulk load, not a sequence of user changes, so it does
//! not flood the event log, the real-time feed or the webhooks. The one visible consequence is
//! that the demo deals have no "created"/"moved" entries on the customer timeline (which reads
//! deal events); their stage history is complete.

use crate::customers::bulk::{
    BulkConnection, BulkCustomers, BulkIndexes, BulkSql, multi_row_values,
};
use crate::dialect::Dialect;
use crate::kanban::{GAP, Kanban, LIMIT};
use crate::{Db, db_err, with_pool};
use async_trait::async_trait;
use futures::StreamExt;
use nexus_core::activity::Activity;
use nexus_core::deal::{Deal, StageChange};
use nexus_core::error::{CoreError, CoreResult};
use nexus_core::ids::{CustomerId, PipelineId, StageId, TeamId, UserId};
use nexus_core::product::Product;
use nexus_core::store::{DemoBatch, DemoBatches, DemoCounts, DemoStore};
use nexus_core::transaction::{CustomerAggregates, Transaction, TransactionStatus};
use sqlx::{Postgres, Sqlite, Transaction as DbTransaction};
use std::collections::{BTreeMap, HashMap, HashSet};

/// SQLite page cache of the writer during a demo load, in KiB: large enough to hold the loaded
/// pages until commit (a spilled page is written, and encrypted, twice). Allocated as used and
/// released when the load ends.
const DEMO_CACHE_KIB: i64 = 1024 * 1024;

/// SQLite indexes rebuilt at the end of a large load, per table, with the rows the load is
/// expected to add per customer (a load that at least doubles the table rebuilds them).
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

/// Columns per row of each multi-row insert, and rows per statement (parameters stay below
/// SQLite's 32,766 per statement).
const PRODUCT_COLS: usize = 15;
const TRANSACTION_COLS: usize = 12;
const ITEM_COLS: usize = 8;
const AGGREGATE_COLS: usize = 7;
const REVENUE_COLS: usize = 6;
const DEAL_COLS: usize = 19;
const STAGE_CHANGE_COLS: usize = 9;
const ACTIVITY_COLS: usize = 16;

/// A multi-row insert for one backend: the full-size statement is built once (and, having the
/// same text every time, reuses one prepared statement); the last, shorter chunk gets its own.
struct Rows {
    head: &'static str,
    cols: usize,
    rows: usize,
    positional: bool,
    full: String,
}

impl Rows {
    fn new(positional: bool, head: &'static str, cols: usize) -> Self {
        let rows = (30_000 / cols).min(4000);
        Self {
            head,
            cols,
            rows,
            positional,
            full: multi_row_values(head, positional, rows, cols),
        }
    }

    fn sql(&self, n: usize) -> sqlx::AssertSqlSafe<String> {
        sqlx::AssertSqlSafe(if n == self.rows {
            self.full.clone()
        } else {
            multi_row_values(self.head, self.positional, n, self.cols)
        })
    }
}

struct DemoSql {
    customers: BulkSql,
    products: Rows,
    transactions: Rows,
    items: Rows,
    aggregates: Rows,
    revenue: Rows,
    deals: Rows,
    stage_changes: Rows,
    activities: Rows,
}

impl DemoSql {
    fn new<D: Dialect>() -> Self {
        let p = D::positional_bulk_params();
        Self {
            customers: BulkSql::new::<D>(),
            products: Rows::new(
                p,
                "INSERT INTO products (id, sku, sku_norm, name, name_norm, description, category, category_norm, price, currency, active, version, created_at, updated_at, deleted_at)",
                PRODUCT_COLS,
            ),
            transactions: Rows::new(
                p,
                "INSERT INTO transactions (id, customer_id, status, currency, total, occurred_at, reference, created_by, version, created_at, updated_at, deleted_at)",
                TRANSACTION_COLS,
            ),
            items: Rows::new(
                p,
                "INSERT INTO transaction_items (transaction_id, position, product_id, sku, name, quantity, unit_price, line_total)",
                ITEM_COLS,
            ),
            aggregates: Rows::new(
                p,
                "INSERT INTO customer_aggregates (customer_id, purchase_count, refund_count, first_purchase_at, last_purchase_at, version, updated_at)",
                AGGREGATE_COLS,
            ),
            revenue: Rows::new(
                p,
                "INSERT INTO customer_revenue (customer_id, currency, revenue, purchase_count, refunded_amount, refund_count)",
                REVENUE_COLS,
            ),
            deals: Rows::new(
                p,
                "INSERT INTO deals (id, title, title_norm, customer_id, value, currency, pipeline_id, stage_id, status, lost_reason, \
                 owner_id, team_id, expected_close_date, closed_at, position, version, created_at, updated_at, deleted_at)",
                DEAL_COLS,
            ),
            stage_changes: Rows::new(
                p,
                "INSERT INTO deal_stage_changes (id, deal_id, pipeline_id, from_stage_id, from_stage_name, to_stage_id, to_stage_name, actor_id, changed_at)",
                STAGE_CHANGE_COLS,
            ),
            activities: Rows::new(
                p,
                "INSERT INTO activities (id, kind, subject, body, due_at, done, completed_at, assignee_id, customer_id, deal_id, \
                 owner_id, team_id, version, created_at, updated_at, deleted_at)",
                ACTIVITY_COLS,
            ),
        }
    }
}

/// Key of a `rollup_revenue` row: month, currency, owner, team (nil for none).
type RevenueKey = (String, &'static str, uuid::Uuid, uuid::Uuid);

/// What the load accumulates across batches and writes at the end.
#[derive(Default)]
struct Totals {
    counts: DemoCounts,
    signups: BTreeMap<crate::rollups::SignupKey, i64>,
    /// (revenue, purchases) per rollup key.
    revenue: BTreeMap<RevenueKey, (i64, i64)>,
    /// The position of the last live deal per stage (`None`: the stage is empty).
    last_position: HashMap<StageId, Option<i64>>,
    /// Pipelines and stages checked (live pipeline, current stage).
    checked_stages: HashSet<(PipelineId, StageId)>,
}

/// The aggregate rows of a batch, computed from its transactions.
struct BatchAggregates {
    aggregates: Vec<CustomerAggregates>,
}

/// Sorts the batch's transactions by customer, checks that each belongs to a customer of the
/// batch, and computes each customer's aggregates (and adds its completed transactions to the
/// revenue rollup).
fn aggregate(batch: &mut DemoBatch, totals: &mut Totals) -> CoreResult<BatchAggregates> {
    let owners: HashMap<CustomerId, (UserId, Option<TeamId>)> = batch
        .customers
        .iter()
        .map(|c| (c.id, (c.owner_id, c.team_id)))
        .collect();
    // A stable sort: already grouped input (the generator's) costs one pass.
    batch.transactions.sort_by_key(|t| t.customer_id);
    let mut aggregates = Vec::new();
    for run in batch
        .transactions
        .chunk_by(|a, b| a.customer_id == b.customer_id)
    {
        let customer = run[0].customer_id;
        let Some(&(owner, team)) = owners.get(&customer) else {
            return Err(CoreError::Internal(format!(
                "demo load: a transaction of customer {customer} that is not in its batch"
            )));
        };
        let mut a = CustomerAggregates::compute(customer, run);
        a.version = run.len() as i64;
        a.updated_at = run.iter().map(|t| t.updated_at).max();
        aggregates.push(a);
        let team = team.map_or(uuid::Uuid::nil(), |t| t.0);
        for t in run
            .iter()
            .filter(|t| t.deleted_at.is_none() && t.status == TransactionStatus::Completed)
        {
            let key = (
                t.occurred_at.format("%Y-%m").to_string(),
                t.currency.as_str(),
                owner.0,
                team,
            );
            let e = totals.revenue.entry(key).or_insert((0, 0));
            e.0 += t.total;
            e.1 += 1;
        }
    }
    Ok(BatchAggregates { aggregates })
}

/// The writes of a demo load, on its database transaction (implemented for both backends).
trait DemoRows {
    async fn insert_products(&mut self, sql: &DemoSql, products: &[Product]) -> CoreResult<()>;
    async fn insert_transactions(
        &mut self,
        sql: &DemoSql,
        transactions: &[Transaction],
        aggregates: &BatchAggregates,
    ) -> CoreResult<u64>;
    /// Places and inserts the deals (their positions are assigned here) and their history.
    async fn insert_deals(
        &mut self,
        sql: &DemoSql,
        deals: &mut [Deal],
        changes: &[StageChange],
        totals: &mut Totals,
    ) -> CoreResult<()>;
    async fn insert_activities(&mut self, sql: &DemoSql, activities: &[Activity])
    -> CoreResult<()>;
    /// Adds the accumulated revenue to `rollup_revenue`.
    async fn add_revenue(&mut self, totals: &Totals) -> CoreResult<()>;
}

macro_rules! impl_demo_rows {
    ($db:ty) => {
        impl DemoRows for DbTransaction<'_, $db> {
            async fn insert_products(
                &mut self,
                sql: &DemoSql,
                products: &[Product],
            ) -> CoreResult<()> {
                let tx = &mut **self;
                for chunk in products.chunks(sql.products.rows) {
                    let mut q = sqlx::query(sql.products.sql(chunk.len()));
                    for p in chunk {
                        q = q
                            .bind(p.id.0)
                            .bind(&p.sku)
                            .bind(p.sku_normalized())
                            .bind(&p.name)
                            .bind(p.name.to_lowercase())
                            .bind(&p.description)
                            .bind(&p.category)
                            .bind(p.category.as_ref().map(|c| c.to_lowercase()))
                            .bind(p.price)
                            .bind(p.currency.as_str())
                            .bind(p.active)
                            .bind(p.version)
                            .bind(p.created_at)
                            .bind(p.updated_at)
                            .bind(p.deleted_at);
                    }
                    q.execute(&mut *tx).await.map_err(db_err)?;
                }
                Ok(())
            }

            async fn insert_transactions(
                &mut self,
                sql: &DemoSql,
                transactions: &[Transaction],
                aggregates: &BatchAggregates,
            ) -> CoreResult<u64> {
                let tx = &mut **self;
                for chunk in transactions.chunks(sql.transactions.rows) {
                    let mut q = sqlx::query(sql.transactions.sql(chunk.len()));
                    for t in chunk {
                        q = q
                            .bind(t.id.0)
                            .bind(t.customer_id.0)
                            .bind(t.status.as_str())
                            .bind(t.currency.as_str())
                            .bind(t.total)
                            .bind(t.occurred_at)
                            .bind(&t.reference)
                            .bind(t.created_by.map(|u| u.0))
                            .bind(t.version)
                            .bind(t.created_at)
                            .bind(t.updated_at)
                            .bind(t.deleted_at);
                    }
                    q.execute(&mut *tx).await.map_err(db_err)?;
                }
                let items: Vec<_> = transactions
                    .iter()
                    .flat_map(|t| t.items.iter().enumerate().map(move |(i, item)| (t.id, i, item)))
                    .collect();
                for chunk in items.chunks(sql.items.rows) {
                    let mut q = sqlx::query(sql.items.sql(chunk.len()));
                    for (id, i, item) in chunk {
                        q = q
                            .bind(id.0)
                            .bind(*i as i64)
                            .bind(item.product_id.0)
                            .bind(&item.sku)
                            .bind(&item.name)
                            .bind(item.quantity)
                            .bind(item.unit_price)
                            .bind(item.line_total);
                    }
                    q.execute(&mut *tx).await.map_err(db_err)?;
                }
                for chunk in aggregates.aggregates.chunks(sql.aggregates.rows) {
                    let mut q = sqlx::query(sql.aggregates.sql(chunk.len()));
                    for a in chunk {
                        q = q
                            .bind(a.customer_id.0)
                            .bind(a.purchase_count)
                            .bind(a.refund_count)
                            .bind(a.first_purchase_at)
                            .bind(a.last_purchase_at)
                            .bind(a.version)
                            .bind(a.updated_at);
                    }
                    q.execute(&mut *tx).await.map_err(db_err)?;
                }
                let revenue: Vec<_> = aggregates
                    .aggregates
                    .iter()
                    .flat_map(|a| a.revenue.iter().map(move |r| (a.customer_id, r)))
                    .collect();
                for chunk in revenue.chunks(sql.revenue.rows) {
                    let mut q = sqlx::query(sql.revenue.sql(chunk.len()));
                    for (customer, r) in chunk {
                        q = q
                            .bind(customer.0)
                            .bind(r.currency.as_str())
                            .bind(r.revenue)
                            .bind(r.purchase_count)
                            .bind(r.refunded_amount)
                            .bind(r.refund_count);
                    }
                    q.execute(&mut *tx).await.map_err(db_err)?;
                }
                Ok(items.len() as u64)
            }

            async fn insert_deals(
                &mut self,
                sql: &DemoSql,
                deals: &mut [Deal],
                changes: &[StageChange],
                totals: &mut Totals,
            ) -> CoreResult<()> {
                for d in deals.iter_mut() {
                    if totals.checked_stages.insert((d.pipeline_id, d.stage_id)) {
                        self.lock_pipeline(d.pipeline_id, d.stage_id).await?;
                    }
                    let last = match totals.last_position.get(&d.stage_id) {
                        Some(last) => *last,
                        None => sqlx::query_scalar::<_, Option<i64>>(
                            "SELECT max(position) FROM deals WHERE stage_id = $1 AND deleted_at IS NULL",
                        )
                        .bind(d.stage_id.0)
                        .fetch_one(&mut **self)
                        .await
                        .map_err(db_err)?,
                    };
                    d.position = match last {
                        None => 0,
                        Some(l) => Some(l + GAP).filter(|p| *p <= LIMIT).ok_or_else(|| {
                            CoreError::Internal(format!(
                                "demo load: stage {} has no room left at its bottom",
                                d.stage_id
                            ))
                        })?,
                    };
                    totals.last_position.insert(d.stage_id, Some(d.position));
                }
                let tx = &mut **self;
                for chunk in deals.chunks(sql.deals.rows) {
                    let mut q = sqlx::query(sql.deals.sql(chunk.len()));
                    for d in chunk {
                        q = q
                            .bind(d.id.0)
                            .bind(&d.title)
                            .bind(d.title.to_lowercase())
                            .bind(d.customer_id.0)
                            .bind(d.value)
                            .bind(d.currency.as_str())
                            .bind(d.pipeline_id.0)
                            .bind(d.stage_id.0)
                            .bind(d.status.as_str())
                            .bind(&d.lost_reason)
                            .bind(d.owner_id.0)
                            .bind(d.team_id.map(|t| t.0))
                            .bind(d.expected_close_date)
                            .bind(d.closed_at)
                            .bind(d.position)
                            .bind(d.version)
                            .bind(d.created_at)
                            .bind(d.updated_at)
                            .bind(d.deleted_at);
                    }
                    q.execute(&mut *tx).await.map_err(db_err)?;
                }
                for chunk in changes.chunks(sql.stage_changes.rows) {
                    let mut q = sqlx::query(sql.stage_changes.sql(chunk.len()));
                    for c in chunk {
                        q = q
                            .bind(c.id.0)
                            .bind(c.deal_id.0)
                            .bind(c.pipeline_id.0)
                            .bind(c.from_stage_id.map(|s| s.0))
                            .bind(&c.from_stage_name)
                            .bind(c.to_stage_id.0)
                            .bind(&c.to_stage_name)
                            .bind(c.actor_id.map(|u| u.0))
                            .bind(c.changed_at);
                    }
                    q.execute(&mut *tx).await.map_err(db_err)?;
                }
                Ok(())
            }

            async fn insert_activities(
                &mut self,
                sql: &DemoSql,
                activities: &[Activity],
            ) -> CoreResult<()> {
                let tx = &mut **self;
                for chunk in activities.chunks(sql.activities.rows) {
                    let mut q = sqlx::query(sql.activities.sql(chunk.len()));
                    for a in chunk {
                        q = q
                            .bind(a.id.0)
                            .bind(a.kind.as_str())
                            .bind(&a.subject)
                            .bind(&a.body)
                            .bind(a.due_at)
                            .bind(a.done)
                            .bind(a.completed_at)
                            .bind(a.assignee_id.map(|u| u.0))
                            .bind(a.customer_id.0)
                            .bind(a.deal_id.map(|d| d.0))
                            .bind(a.owner_id.0)
                            .bind(a.team_id.map(|t| t.0))
                            .bind(a.version)
                            .bind(a.created_at)
                            .bind(a.updated_at)
                            .bind(a.deleted_at);
                    }
                    q.execute(&mut *tx).await.map_err(db_err)?;
                }
                Ok(())
            }

            async fn add_revenue(&mut self, totals: &Totals) -> CoreResult<()> {
                const SQL: &str = "INSERT INTO rollup_revenue (month, currency, owner_id, team_id, revenue, purchases) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (month, currency, owner_id, team_id) DO UPDATE SET \
                     revenue = rollup_revenue.revenue + excluded.revenue, \
                     purchases = rollup_revenue.purchases + excluded.purchases";
                let tx = &mut **self;
                for ((month, currency, owner, team), (revenue, purchases)) in &totals.revenue {
                    sqlx::query(SQL)
                        .bind(month)
                        .bind(*currency)
                        .bind(*owner)
                        .bind(*team)
                        .bind(*revenue)
                        .bind(*purchases)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                }
                Ok(())
            }
        }
    };
}
impl_demo_rows!(Sqlite);
impl_demo_rows!(Postgres);

/// Index work of the demo tables taken out of the load (SQLite; see the module docs).
trait DemoIndexes {
    /// Drops the indexes to rebuild; returns their `CREATE INDEX` statements.
    async fn defer_demo_indexes(&mut self, expected_customers: u64) -> CoreResult<Vec<String>>;
    async fn restore_demo_indexes(&mut self, indexes: Vec<String>) -> CoreResult<()>;
}

impl DemoIndexes for DbTransaction<'_, Sqlite> {
    async fn defer_demo_indexes(&mut self, expected_customers: u64) -> CoreResult<Vec<String>> {
        let mut dropped = Vec::new();
        for (table, indexes, per_customer) in REBUILT {
            // Table names come from the constant list above, never from input.
            let existing: i64 =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                    .fetch_one(&mut **self)
                    .await
                    .map_err(db_err)?;
            let expected = expected_customers.saturating_mul(*per_customer);
            if expected == 0 || expected < u64::try_from(existing).unwrap_or(u64::MAX) {
                continue;
            }
            for name in *indexes {
                let sql: Option<String> = sqlx::query_scalar(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1 AND tbl_name = $2",
                )
                .bind(*name)
                .bind(*table)
                .fetch_optional(&mut **self)
                .await
                .map_err(db_err)?;
                let Some(sql) = sql else { continue };
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP INDEX \"{name}\"")))
                    .execute(&mut **self)
                    .await
                    .map_err(db_err)?;
                dropped.push(sql);
            }
        }
        Ok(dropped)
    }

    async fn restore_demo_indexes(&mut self, indexes: Vec<String>) -> CoreResult<()> {
        for sql in indexes {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut **self)
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }
}

impl DemoIndexes for DbTransaction<'_, Postgres> {
    async fn defer_demo_indexes(&mut self, _expected_customers: u64) -> CoreResult<Vec<String>> {
        Ok(Vec::new())
    }

    async fn restore_demo_indexes(&mut self, _indexes: Vec<String>) -> CoreResult<()> {
        Ok(())
    }
}

#[async_trait]
impl DemoStore for Db {
    async fn bulk_load_demo(
        &self,
        products: &[Product],
        mut batches: DemoBatches<'_>,
        expected_customers: u64,
    ) -> CoreResult<DemoCounts> {
        let sql = if self.is_sqlite() {
            DemoSql::new::<Sqlite>()
        } else {
            DemoSql::new::<Postgres>()
        };
        with_pool!(self, write, conn => {
            conn.enter_bulk_load(DEMO_CACHE_KIB).await?;
            let outcome: CoreResult<DemoCounts> = async {
                let mut tx = sqlx::Connection::begin(&mut *conn).await.map_err(db_err)?;
                let deferred = tx.defer_indexes(expected_customers).await?;
                let demo_deferred = tx.defer_demo_indexes(expected_customers).await?;
                let mut totals = Totals::default();
                tx.insert_products(&sql, products).await?;
                totals.counts.products = products.len() as u64;
                while let Some(batch) = batches.next().await {
                    let mut batch = batch?;
                    for (key, n) in crate::rollups::signup_counts(&batch.customers) {
                        *totals.signups.entry(key).or_insert(0) += n;
                    }
                    tx.write_customers(&sql.customers, &batch.customers).await?;
                    let aggregates = aggregate(&mut batch, &mut totals)?;
                    let items = tx.insert_transactions(&sql, &batch.transactions, &aggregates).await?;
                    tx.insert_deals(&sql, &mut batch.deals, &batch.stage_changes, &mut totals).await?;
                    tx.insert_activities(&sql, &batch.activities).await?;
                    let c = &mut totals.counts;
                    c.customers += batch.customers.len() as u64;
                    c.transactions += batch.transactions.len() as u64;
                    c.line_items += items;
                    c.deals += batch.deals.len() as u64;
                    c.stage_changes += batch.stage_changes.len() as u64;
                    c.activities += batch.activities.len() as u64;
                }
                crate::rollups::bump_signups!(tx, std::mem::take(&mut totals.signups));
                tx.add_revenue(&totals).await?;
                tx.restore_demo_indexes(demo_deferred).await?;
                tx.restore_indexes(deferred).await?;
                tx.commit().await.map_err(db_err)?;
                Ok(totals.counts)
            }
            .await;
            conn.leave_bulk_load().await;
            outcome
        })
    }
}

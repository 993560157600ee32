//! Bulk load of demo data (`nexus seed-demo`): products, then batches of customers with their
//! transactions, deals (with stage history) and activities, all in one database transaction,
//! with multi-row inserts (array parameters for the large tables on PostgreSQL, see [`large`])
//! and no per-row events.
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
//! The secondary indexes of transactions and activities whose keys arrive in random order are
//! dropped for the load and rebuilt at its end by a sort when the load is at least as large as
//! the table (see [`indexes`]; on PostgreSQL this cuts the inserts of a million transactions
//! from about 17 s to 4 s plus 3 s of index builds). The rebuild happens inside the load's
//! transaction, so a failed load never leaves the schema without them. On SQLite readers keep
//! reading their WAL snapshot meanwhile; on PostgreSQL `DROP INDEX` locks the table until
//! commit, so readers of transactions and activities wait for the load (and, as their foreign
//! keys are also checked at the end there, writers of the customers, users, products and deals
//! they reference) — which is why it only happens when the load at least doubles the table (a
//! new or small demo database), never on a large one. Ids are time-ordered (UUIDv7) and the batches come in customer order, so the
//! primary keys and the per-customer indexes only ever append.
//!
//! No events are written: demo data is a bulk load, not a sequence of user changes, so it does
//! not flood the event log, the real-time feed or the webhooks. The one visible consequence is
//! that the demo deals have no "created"/"moved" entries on the customer timeline (which reads
//! deal events); their stage history is complete.

mod indexes;
mod large;
mod rows;

use crate::customers::bulk::{BulkConnection, BulkCustomers, BulkIndexes, BulkSql, Rows};
use crate::dialect::Dialect;
use crate::transactions::bulk::BulkTransactions;
use crate::{Db, db_err, with_pool};
use async_trait::async_trait;
use futures::StreamExt;
use indexes::DemoIndexes;
use large::LargeRows;
use nexus_core::error::{CoreError, CoreResult};
use nexus_core::ids::{CustomerId, PipelineId, StageId, TeamId, UserId};
use nexus_core::product::Product;
use nexus_core::store::{DemoBatch, DemoBatches, DemoCounts, DemoStore};
use nexus_core::transaction::{CustomerAggregates, TransactionStatus};
use rows::DemoRows;
use sqlx::{Postgres, Sqlite};
use std::collections::{BTreeMap, HashMap, HashSet};

/// SQLite page cache of the writer during a demo load, in KiB: large enough to hold the loaded
/// pages until commit (a spilled page is written, and encrypted, twice). Allocated as used and
/// released when the load ends.
const DEMO_CACHE_KIB: i64 = 1024 * 1024;

/// Columns per row of each multi-row insert, and rows per statement (parameters stay below
/// SQLite's 32,766 per statement).
const PRODUCT_COLS: usize = 16;
const AGGREGATE_COLS: usize = 7;
const REVENUE_COLS: usize = 6;
const DEAL_COLS: usize = 20;
const STAGE_CHANGE_COLS: usize = 9;
const ACTIVITY_COLS: usize = 17;

struct DemoSql {
    customers: BulkSql,
    products: Rows,
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
                "INSERT INTO products (id, sku, sku_norm, name, name_norm, description, category, category_norm, price, currency, active, version, created_at, updated_at, deleted_at, attributes)",
                PRODUCT_COLS,
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
                 owner_id, team_id, expected_close_date, closed_at, position, version, created_at, updated_at, deleted_at, attributes)",
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
                 owner_id, team_id, version, created_at, updated_at, deleted_at, sentiment)",
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
    activities: BTreeMap<crate::rollups::ActivityKey, i64>,
    /// (deals, value) per pipeline rollup key.
    deals: BTreeMap<crate::rollups::DealKey, (i64, i64)>,
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
                let deferred = tx.defer_indexes(expected_customers, true).await?;
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
                    let transactions: Vec<&_> = batch.transactions.iter().collect();
                    let items = tx.insert_transaction_rows(&transactions).await?;
                    tx.insert_aggregates(&sql, &aggregates).await?;
                    tx.insert_deals(&sql, &mut batch.deals, &batch.stage_changes, &mut totals).await?;
                    for (key, (n, value)) in batch.deals.iter().filter_map(crate::rollups::deal_count) {
                        let e = totals.deals.entry(key).or_insert((0, 0));
                        (e.0, e.1) = (e.0 + n, e.1 + value);
                    }
                    tx.insert_activities(&sql, &batch.activities).await?;
                    for a in batch.activities.iter().filter(|a| a.deleted_at.is_none()) {
                        *totals.activities.entry(crate::rollups::activity_key(a)).or_insert(0) += 1;
                    }
                    let c = &mut totals.counts;
                    c.customers += batch.customers.len() as u64;
                    c.transactions += batch.transactions.len() as u64;
                    c.line_items += items;
                    c.deals += batch.deals.len() as u64;
                    c.stage_changes += batch.stage_changes.len() as u64;
                    c.activities += batch.activities.len() as u64;
                }
                crate::rollups::bump_signups!(tx, std::mem::take(&mut totals.signups));
                crate::rollups::bump_activities!(tx, std::mem::take(&mut totals.activities));
                crate::rollups::bump_deals!(tx, std::mem::take(&mut totals.deals));
                tx.add_revenue(&totals).await?;
                tx.restore_demo_indexes(demo_deferred).await?;
                tx.restore_indexes(deferred).await?;
                tx.commit().await.map_err(db_err)?;
                Ok(totals.counts)
            }
            .await;
            conn.leave_bulk_load(&[
                "customers", "customer_tags", "products", "transactions", "transaction_items",
                "customer_aggregates", "customer_revenue", "deals", "deal_stage_changes", "activities",
            ])
            .await;
            outcome
        })
    }
}

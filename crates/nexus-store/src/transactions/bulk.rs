//! New transactions in bulk: the rows of a demo load, and the transactions of an import batch
//! recorded set by set.
//!
//! An import batch ([`BulkTransactions::record_transactions`]) goes through the steps of the
//! parent module for a chunk of [`CUSTOMERS_PER_STEP`] customers at a time (in id order), each
//! step a statement over the whole chunk instead of a dozen statements per order:
//! 1. one upsert locks the chunk's aggregate rows, in id order (so that concurrent writers,
//!    which lock one customer at a time or chunks in the same order, cannot deadlock);
//! 2. the transaction rows, their items and their events with multi-row inserts (on PostgreSQL
//!    one array parameter per column); the values of unique custom fields as any write does;
//! 3. the new transactions are **added** to the figures: the monthly revenue rollup (under
//!    their customers' owner and team as read after the lock, which a reassignment also takes),
//!    the per-currency figures, and the counts and first / last purchase times.
//!
//! Step 3 adds where a single write recomputes (parent module): an import only adds live
//! transactions, so the sums and counts grow by the new rows' and the first / last purchase
//! times can only move outwards — the figures a recomputation gives, without reading each
//! customer's older transactions. Every statement of step 3 finds the new rows by primary key,
//! so its plan stays an index lookup whatever the table's statistics say. (Recomputing per
//! chunk of customers, the first version, made PostgreSQL pick sequential scans of
//! `transactions` once an import had grown the table past its last `ANALYZE`.)

use crate::customers::bulk::Rows;
use crate::db_err;
use nexus_core::error::CoreResult;
use nexus_core::event::Event;
use nexus_core::transaction::{Transaction, TransactionStatus};
use sqlx::query::Query;
use sqlx::types::Json;
use sqlx::{Database, Postgres, Sqlite, Transaction as DbTransaction};
use std::sync::LazyLock;
use uuid::Uuid;

/// Customers per step of an import batch, and ids per statement over a set of ids.
const CUSTOMERS_PER_STEP: usize = 500;
/// Rows per PostgreSQL `unnest` statement.
pub(crate) const UNNEST_ROWS: usize = 10_000;

const TRANSACTION_HEAD: &str = "INSERT INTO transactions (id, customer_id, status, currency, total, occurred_at, reference, external_ref, created_by, version, created_at, updated_at, deleted_at, attributes)";
const ITEM_HEAD: &str = "INSERT INTO transaction_items (transaction_id, position, product_id, sku, name, quantity, unit_price, line_total)";
const EVENT_HEAD: &str = "INSERT INTO events (id, event_type, entity, entity_id, action, actor_id, owner_id, team_id, changes, occurred_at)";

/// SQLite's multi-row statements (anonymous parameters, see
/// [`crate::dialect::Dialect::positional_bulk_params`]).
static SQLITE_ROWS: LazyLock<[Rows; 3]> = LazyLock::new(|| {
    [
        Rows::new(true, TRANSACTION_HEAD, 14),
        Rows::new(true, ITEM_HEAD, 8),
        Rows::new(true, EVENT_HEAD, 10),
    ]
});

/// Locks (creates or bumps) the aggregate rows of the customers `ids` ($2…), in id order.
const LOCK_ALL: &str = "INSERT INTO customer_aggregates (customer_id, purchase_count, refund_count, first_purchase_at, last_purchase_at, version, updated_at) \
     SELECT id, 0, 0, NULL, NULL, 1, $1 FROM {ids} AS ids WHERE true ORDER BY id \
     ON CONFLICT (customer_id) DO UPDATE SET version = customer_aggregates.version + 1, updated_at = excluded.updated_at";

/// Adds the new transactions ($2…) to the revenue rollup (the live completed ones); `$1`
/// is the nil UUID (no team).
const ADD_REVENUE: &str = "INSERT INTO rollup_revenue (month, currency, owner_id, team_id, revenue, purchases) \
     SELECT {month}, t.currency, c.owner_id, coalesce(c.team_id, $1), sum(t.total), count(*) \
     FROM {new} {with_customer} \
     WHERE t.deleted_at IS NULL AND t.status = 'completed' \
     GROUP BY 1, 2, 3, 4 \
     ON CONFLICT (month, currency, owner_id, team_id, shard) DO UPDATE SET \
     revenue = rollup_revenue.revenue + excluded.revenue, \
     purchases = rollup_revenue.purchases + excluded.purchases";

/// Adds the new transactions ($1…) to their customers' figures per currency.
const ADD_CUSTOMER_REVENUE: &str = "INSERT INTO customer_revenue (customer_id, currency, revenue, purchase_count, refunded_amount, refund_count) \
     SELECT t.customer_id, t.currency, \
       coalesce(sum(CASE WHEN t.status = 'completed' THEN t.total END), 0), \
       count(CASE WHEN t.status = 'completed' THEN 1 END), \
       coalesce(sum(CASE WHEN t.status = 'refunded' THEN t.total END), 0), \
       count(CASE WHEN t.status = 'refunded' THEN 1 END) \
     FROM {new} \
     WHERE t.deleted_at IS NULL AND t.status IN ('completed', 'refunded') \
     GROUP BY t.customer_id, t.currency \
     ON CONFLICT (customer_id, currency) DO UPDATE SET \
     revenue = customer_revenue.revenue + excluded.revenue, \
     purchase_count = customer_revenue.purchase_count + excluded.purchase_count, \
     refunded_amount = customer_revenue.refunded_amount + excluded.refunded_amount, \
     refund_count = customer_revenue.refund_count + excluded.refund_count";

/// Adds the new transactions ($1…) to their customers' counts and purchase times.
const ADD_AGGREGATES: &str = "UPDATE customer_aggregates SET \
       purchase_count = customer_aggregates.purchase_count + d.purchases, \
       refund_count = customer_aggregates.refund_count + d.refunds, \
       first_purchase_at = CASE WHEN d.first_at IS NOT NULL AND (customer_aggregates.first_purchase_at IS NULL \
         OR d.first_at < customer_aggregates.first_purchase_at) THEN d.first_at ELSE customer_aggregates.first_purchase_at END, \
       last_purchase_at = CASE WHEN d.last_at IS NOT NULL AND (customer_aggregates.last_purchase_at IS NULL \
         OR d.last_at > customer_aggregates.last_purchase_at) THEN d.last_at ELSE customer_aggregates.last_purchase_at END \
     FROM (SELECT t.customer_id, \
         count(CASE WHEN t.status = 'completed' THEN 1 END) AS purchases, \
         count(CASE WHEN t.status = 'refunded' THEN 1 END) AS refunds, \
         min(CASE WHEN t.status = 'completed' THEN t.occurred_at END) AS first_at, \
         max(CASE WHEN t.status = 'completed' THEN t.occurred_at END) AS last_at \
       FROM {new} \
       WHERE t.deleted_at IS NULL AND t.status IN ('completed', 'refunded') \
       GROUP BY t.customer_id) AS d \
     WHERE customer_aggregates.customer_id = d.customer_id";

/// What differs between the backends in statements over a set of ids.
pub(crate) trait IdSet: Database {
    /// `n` ids bound from parameter `$first` on, as a subquery with one column `id`.
    fn id_set(first: usize, n: usize) -> String;
    /// Binds the ids of [`IdSet::id_set`].
    fn bind_ids<'q>(
        q: Query<'q, Self, Self::Arguments>,
        ids: &[Uuid],
    ) -> Query<'q, Self, Self::Arguments>;
    /// The UTC month (`YYYY-MM`) of `t.occurred_at`.
    const MONTH: &'static str;
    /// The transactions whose ids are bound from `$first` on, as table `t`, each found by
    /// primary key.
    fn new_rows(first: usize, n: usize) -> String;
    /// Joins the customer of each `t` as `c`, found by primary key.
    const WITH_CUSTOMER: &'static str;
}

impl IdSet for Sqlite {
    fn id_set(first: usize, n: usize) -> String {
        let rows: Vec<String> = (first..first + n).map(|i| format!("(${i})")).collect();
        format!("(SELECT column1 AS id FROM (VALUES {}))", rows.join(", "))
    }

    fn bind_ids<'q>(
        q: Query<'q, Self, Self::Arguments>,
        ids: &[Uuid],
    ) -> Query<'q, Self, Self::Arguments> {
        ids.iter().fold(q, |q, id| q.bind(*id))
    }

    const MONTH: &'static str = "substr(t.occurred_at, 1, 7)";

    // `CROSS JOIN` fixes the join order in SQLite: the ids first, each row then found by
    // primary key. Left to choose, it walked a whole index of `transactions` (in customer
    // order, for the `GROUP BY`) and probed the ids for each row.
    fn new_rows(first: usize, n: usize) -> String {
        format!(
            "{} AS ids CROSS JOIN transactions t ON t.id = ids.id",
            Self::id_set(first, n)
        )
    }

    const WITH_CUSTOMER: &'static str = "CROSS JOIN customers c ON c.id = t.customer_id";
}

impl IdSet for Postgres {
    fn id_set(first: usize, _n: usize) -> String {
        format!("(SELECT unnest(${first}::uuid[]) AS id)")
    }

    fn bind_ids<'q>(
        q: Query<'q, Self, Self::Arguments>,
        ids: &[Uuid],
    ) -> Query<'q, Self, Self::Arguments> {
        q.bind(ids.to_vec())
    }

    const MONTH: &'static str = "to_char(t.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM')";

    // One primary-key lookup per id, whatever the statistics say. A join is planned from
    // them, and a table an import is growing has none yet (no `ANALYZE` since): PostgreSQL
    // took `transactions` for a few rows and ran the id list as a semi-join over a sequential
    // scan of it (once per id), or, planning generically after five runs, as a hash join over
    // one. The `LIMIT 1` keeps each lateral subquery from being flattened into such a join.
    fn new_rows(first: usize, _n: usize) -> String {
        format!(
            "unnest(${first}::uuid[]) AS ids(id) \
             CROSS JOIN LATERAL (SELECT * FROM transactions x WHERE x.id = ids.id LIMIT 1) AS t"
        )
    }

    const WITH_CUSTOMER: &'static str = "CROSS JOIN LATERAL \
         (SELECT owner_id, team_id FROM customers x WHERE x.id = t.customer_id LIMIT 1) AS c";
}

/// `sql` over `n` ids bound from `$first` on (`{ids}`, or the transactions they name:
/// `{new}`), for backend `D`.
fn over_ids<D: IdSet>(sql: &str, first: usize, n: usize) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(
        sql.replace("{ids}", &D::id_set(first, n))
            .replace("{new}", &D::new_rows(first, n))
            .replace("{with_customer}", D::WITH_CUSTOMER)
            .replace("{month}", D::MONTH),
    )
}

pub(crate) trait BulkTransactions {
    /// The rows of new transactions and of their items (nothing else); returns the number of
    /// items.
    async fn insert_transaction_rows(&mut self, transactions: &[&Transaction]) -> CoreResult<u64>;
    /// New events.
    async fn insert_events(&mut self, events: &[&Event]) -> CoreResult<()>;
    /// New transactions with their events, customer aggregates and revenue rollup, as the
    /// module documentation describes.
    async fn record_transactions(&mut self, list: &[(Transaction, Event)]) -> CoreResult<()>;
}

/// `record_transactions`, the same on both backends.
macro_rules! record_transactions {
    ($db:ty) => {
        async fn record_transactions(&mut self, list: &[(Transaction, Event)]) -> CoreResult<()> {
            let mut list: Vec<&(Transaction, Event)> = list.iter().collect();
            list.sort_by_key(|(t, _)| t.customer_id);
            let mut rest = &list[..];
            while !rest.is_empty() {
                // The transactions of the next CUSTOMERS_PER_STEP customers.
                let mut customers: Vec<Uuid> = Vec::new();
                let mut end = 0;
                while end < rest.len() {
                    let c = rest[end].0.customer_id.0;
                    if customers.last() != Some(&c) {
                        if customers.len() == CUSTOMERS_PER_STEP {
                            break;
                        }
                        customers.push(c);
                    }
                    end += 1;
                }
                let (step, next) = rest.split_at(end);
                rest = next;
                let at = step[0].0.updated_at;
                let tx = &mut **self;
                let q = sqlx::query(over_ids::<$db>(LOCK_ALL, 2, customers.len())).bind(at);
                <$db>::bind_ids(q, &customers)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                let transactions: Vec<&Transaction> = step.iter().map(|(t, _)| t).collect();
                self.insert_transaction_rows(&transactions).await?;
                let tx = &mut **self;
                crate::custom_fields::write_unique_values!(tx, transactions.iter().copied(), false);
                let events: Vec<&Event> = step.iter().map(|(_, e)| e).collect();
                self.insert_events(&events).await?;
                let tx = &mut **self;
                let counted: Vec<Uuid> = transactions
                    .iter()
                    .filter(|t| {
                        t.deleted_at.is_none()
                            && matches!(
                                t.status,
                                TransactionStatus::Completed | TransactionStatus::Refunded
                            )
                    })
                    .map(|t| t.id.0)
                    .collect();
                for ids in counted.chunks(CUSTOMERS_PER_STEP) {
                    let q =
                        sqlx::query(over_ids::<$db>(ADD_REVENUE, 2, ids.len())).bind(Uuid::nil());
                    <$db>::bind_ids(q, ids)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?;
                    for sql in [ADD_CUSTOMER_REVENUE, ADD_AGGREGATES] {
                        let q = sqlx::query(over_ids::<$db>(sql, 1, ids.len()));
                        <$db>::bind_ids(q, ids)
                            .execute(&mut *tx)
                            .await
                            .map_err(db_err)?;
                    }
                }
            }
            Ok(())
        }
    };
}

impl BulkTransactions for DbTransaction<'_, Sqlite> {
    async fn insert_transaction_rows(&mut self, transactions: &[&Transaction]) -> CoreResult<u64> {
        let [rows, item_rows, _] = &*SQLITE_ROWS;
        let tx = &mut **self;
        for chunk in transactions.chunks(rows.rows) {
            let mut q = sqlx::query(rows.sql(chunk.len()));
            for t in chunk {
                q = q
                    .bind(t.id.0)
                    .bind(t.customer_id.0)
                    .bind(t.status.as_str())
                    .bind(t.currency.as_str())
                    .bind(t.total)
                    .bind(t.occurred_at)
                    .bind(&t.reference)
                    .bind(&t.external_ref)
                    .bind(t.created_by.map(|u| u.0))
                    .bind(t.version)
                    .bind(t.created_at)
                    .bind(t.updated_at)
                    .bind(t.deleted_at)
                    .bind(Json(&t.attributes));
            }
            q.execute(&mut *tx).await.map_err(db_err)?;
        }
        let items = lines(transactions);
        for chunk in items.chunks(item_rows.rows) {
            let mut q = sqlx::query(item_rows.sql(chunk.len()));
            for (id, i, item) in chunk {
                q = q
                    .bind(*id)
                    .bind(*i)
                    .bind(item.product_id.0)
                    .bind(&item.sku)
                    .bind(&item.name)
                    .bind(item.quantity)
                    .bind(item.unit_price)
                    .bind(item.line_total);
            }
            q.execute(&mut *tx).await.map_err(db_err)?;
        }
        Ok(items.len() as u64)
    }

    async fn insert_events(&mut self, events: &[&Event]) -> CoreResult<()> {
        let [_, _, rows] = &*SQLITE_ROWS;
        let tx = &mut **self;
        for chunk in events.chunks(rows.rows) {
            let mut q = sqlx::query(rows.sql(chunk.len()));
            for ev in chunk {
                q = crate::bind_event!(q, ev);
            }
            q.execute(&mut *tx).await.map_err(db_err)?;
        }
        Ok(())
    }

    record_transactions!(Sqlite);
}

impl BulkTransactions for DbTransaction<'_, Postgres> {
    async fn insert_transaction_rows(&mut self, transactions: &[&Transaction]) -> CoreResult<u64> {
        const TRANSACTIONS: &str = "INSERT INTO transactions (id, customer_id, status, currency, total, occurred_at, reference, external_ref, created_by, version, created_at, updated_at, deleted_at, attributes) \
             SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int8[], $6::timestamptz[], $7::text[], $8::text[], $9::uuid[], $10::int8[], $11::timestamptz[], $12::timestamptz[], $13::timestamptz[], $14::jsonb[])";
        const ITEMS: &str = "INSERT INTO transaction_items (transaction_id, position, product_id, sku, name, quantity, unit_price, line_total) \
             SELECT * FROM unnest($1::uuid[], $2::int8[], $3::uuid[], $4::text[], $5::text[], $6::int8[], $7::int8[], $8::int8[])";
        let tx = &mut **self;
        let mut count = 0u64;
        for chunk in transactions.chunks(UNNEST_ROWS) {
            let col = |f: fn(&Transaction) -> Uuid| chunk.iter().map(|t| f(t)).collect::<Vec<_>>();
            sqlx::query(TRANSACTIONS)
                .bind(col(|t| t.id.0))
                .bind(col(|t| t.customer_id.0))
                .bind(chunk.iter().map(|t| t.status.as_str()).collect::<Vec<_>>())
                .bind(
                    chunk
                        .iter()
                        .map(|t| t.currency.as_str())
                        .collect::<Vec<_>>(),
                )
                .bind(chunk.iter().map(|t| t.total).collect::<Vec<_>>())
                .bind(chunk.iter().map(|t| t.occurred_at).collect::<Vec<_>>())
                .bind(
                    chunk
                        .iter()
                        .map(|t| t.reference.as_deref())
                        .collect::<Vec<_>>(),
                )
                .bind(
                    chunk
                        .iter()
                        .map(|t| t.external_ref.as_deref())
                        .collect::<Vec<_>>(),
                )
                .bind(
                    chunk
                        .iter()
                        .map(|t| t.created_by.map(|u| u.0))
                        .collect::<Vec<_>>(),
                )
                .bind(chunk.iter().map(|t| t.version).collect::<Vec<_>>())
                .bind(chunk.iter().map(|t| t.created_at).collect::<Vec<_>>())
                .bind(chunk.iter().map(|t| t.updated_at).collect::<Vec<_>>())
                .bind(chunk.iter().map(|t| t.deleted_at).collect::<Vec<_>>())
                .bind(
                    chunk
                        .iter()
                        .map(|t| Json(&t.attributes))
                        .collect::<Vec<_>>(),
                )
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            let items = lines(chunk);
            count += items.len() as u64;
            sqlx::query(ITEMS)
                .bind(items.iter().map(|l| l.0).collect::<Vec<_>>())
                .bind(items.iter().map(|l| l.1).collect::<Vec<_>>())
                .bind(items.iter().map(|l| l.2.product_id.0).collect::<Vec<_>>())
                .bind(items.iter().map(|l| l.2.sku.as_str()).collect::<Vec<_>>())
                .bind(items.iter().map(|l| l.2.name.as_str()).collect::<Vec<_>>())
                .bind(items.iter().map(|l| l.2.quantity).collect::<Vec<_>>())
                .bind(items.iter().map(|l| l.2.unit_price).collect::<Vec<_>>())
                .bind(items.iter().map(|l| l.2.line_total).collect::<Vec<_>>())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        Ok(count)
    }

    async fn insert_events(&mut self, events: &[&Event]) -> CoreResult<()> {
        const EVENTS: &str = "INSERT INTO events (id, event_type, entity, entity_id, action, actor_id, owner_id, team_id, changes, occurred_at) \
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::uuid[], $7::uuid[], $8::uuid[], $9::jsonb[], $10::timestamptz[])";
        let tx = &mut **self;
        for chunk in events.chunks(UNNEST_ROWS) {
            sqlx::query(EVENTS)
                .bind(chunk.iter().map(|e| e.id.0).collect::<Vec<_>>())
                .bind(
                    chunk
                        .iter()
                        .map(|e| e.event_type.as_str())
                        .collect::<Vec<_>>(),
                )
                .bind(chunk.iter().map(|e| e.entity.as_str()).collect::<Vec<_>>())
                .bind(chunk.iter().map(|e| e.entity_id).collect::<Vec<_>>())
                .bind(chunk.iter().map(|e| e.action.as_str()).collect::<Vec<_>>())
                .bind(
                    chunk
                        .iter()
                        .map(|e| e.actor_id.map(|u| u.0))
                        .collect::<Vec<_>>(),
                )
                .bind(
                    chunk
                        .iter()
                        .map(|e| e.owner_id.map(|u| u.0))
                        .collect::<Vec<_>>(),
                )
                .bind(
                    chunk
                        .iter()
                        .map(|e| e.team_id.map(|t| t.0))
                        .collect::<Vec<_>>(),
                )
                .bind(chunk.iter().map(|e| Json(&e.changes)).collect::<Vec<_>>())
                .bind(chunk.iter().map(|e| e.occurred_at).collect::<Vec<_>>())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }

    record_transactions!(Postgres);
}

/// The items of `transactions` as rows: transaction id, position, item.
fn lines<'a>(
    transactions: &[&'a Transaction],
) -> Vec<(Uuid, i64, &'a nexus_core::transaction::LineItem)> {
    transactions
        .iter()
        .flat_map(|t| {
            t.items
                .iter()
                .enumerate()
                .map(move |(i, item)| (t.id.0, i as i64, item))
        })
        .collect()
}

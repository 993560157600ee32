//! Transaction persistence and the per-customer aggregates.
//!
//! Every write of a transaction runs, in one database transaction:
//! 1. **lock** the customer's `customer_aggregates` row (an upsert that bumps its version: on
//!    PostgreSQL it takes the row lock, waiting for any other writer of the same customer to
//!    commit; on SQLite the single writer connection already serialises writes);
//! 2. the transaction row (with the uniqueness index of its custom-field values), its items and
//!    its event;
//! 3. **refresh** the customer's aggregates by recomputing them from the transaction rows.
//!
//! Around step 2 the customer's rows of the monthly revenue rollup are taken out and put back
//! recomputed (see `rollups.rs`), under the same lock.
//!
//! Because the refresh is a new statement issued after the lock is held, it sees every other
//! writer of that customer that committed before (PostgreSQL READ COMMITTED takes a fresh
//! snapshot per statement), and none can commit in between. So the stored figures always equal
//! a recomputation from the rows, under any interleaving of creates, status changes, deletes
//! and restores; and recomputing (rather than adding deltas) keeps first / last purchase times
//! right when the latest purchase is refunded or deleted. The cost is one indexed scan of one
//! customer's transactions per write. An import's batch, which only adds transactions, takes
//! the same lock for many customers at once and adds the new rows to the figures instead
//! ([`bulk`]).

pub(crate) mod bulk;

use crate::custom_fields::{SortPart, custom_sort, list_in_sort_parts};
use crate::dialect::Dialect;
use crate::query::{Filter, direction, int_value, select_in, time_value};
use crate::rows::bind_args;
use crate::rows::{
    AggregateRow, Arg, ITEM_COLUMNS, TRANSACTION_COLUMNS, TransactionItemRow, aggregates_from_rows,
    transactions_from_rows,
};
use crate::{Db, db_err, with_pool};
use nexus_core::auth::Scope;
use nexus_core::error::CoreResult;
use nexus_core::event::Event;
use nexus_core::ids::{CustomerId, TransactionId};
use nexus_core::transaction::{
    CustomerAggregates, Transaction, TransactionQuery, TransactionSortField,
};
use sqlx::Connection as _;
use sqlx::{Postgres, Sqlite};

pub(crate) const INSERT_TRANSACTION: &str = "INSERT INTO transactions (id, customer_id, status, currency, total, occurred_at, reference, external_ref, created_by, version, created_at, updated_at, deleted_at, attributes) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

const UPDATE_TRANSACTION: &str = "UPDATE transactions SET status = $2, total = $3, occurred_at = $4, reference = $5, external_ref = $6, version = $7, updated_at = $8, deleted_at = $9, \
     attributes = $11 WHERE id = $1 AND version = $10";

pub(crate) const INSERT_ITEM: &str = "INSERT INTO transaction_items (transaction_id, position, product_id, sku, name, quantity, unit_price, line_total) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// Creates the customer's aggregate row or bumps its version; either way the row is locked
/// until commit.
pub(crate) const LOCK_AGGREGATES: &str = "INSERT INTO customer_aggregates (customer_id, purchase_count, refund_count, first_purchase_at, last_purchase_at, version, updated_at) \
     VALUES ($1, 0, 0, NULL, NULL, 1, $2) \
     ON CONFLICT (customer_id) DO UPDATE SET version = customer_aggregates.version + 1, updated_at = excluded.updated_at";

pub(crate) const CLEAR_REVENUE: &str = "DELETE FROM customer_revenue WHERE customer_id = $1";

/// The per-currency figures, recomputed from the live completed and refunded transactions.
pub(crate) const FILL_REVENUE: &str = "INSERT INTO customer_revenue (customer_id, currency, revenue, purchase_count, refunded_amount, refund_count) \
     SELECT customer_id, currency, \
       coalesce(sum(CASE WHEN status = 'completed' THEN total END), 0), \
       count(CASE WHEN status = 'completed' THEN 1 END), \
       coalesce(sum(CASE WHEN status = 'refunded' THEN total END), 0), \
       count(CASE WHEN status = 'refunded' THEN 1 END) \
     FROM transactions WHERE customer_id = $1 AND deleted_at IS NULL AND status IN ('completed', 'refunded') \
     GROUP BY customer_id, currency";

/// The customer-wide figures, recomputed likewise.
pub(crate) const FILL_AGGREGATES: &str = "UPDATE customer_aggregates SET \
       purchase_count = (SELECT count(*) FROM transactions WHERE customer_id = $1 AND deleted_at IS NULL AND status = 'completed'), \
       refund_count = (SELECT count(*) FROM transactions WHERE customer_id = $1 AND deleted_at IS NULL AND status = 'refunded'), \
       first_purchase_at = (SELECT min(occurred_at) FROM transactions WHERE customer_id = $1 AND deleted_at IS NULL AND status = 'completed'), \
       last_purchase_at = (SELECT max(occurred_at) FROM transactions WHERE customer_id = $1 AND deleted_at IS NULL AND status = 'completed') \
     WHERE customer_id = $1";

/// Runs `$sql` with the customer id (and `$extra` binds) on the transaction.
macro_rules! exec {
    ($tx:expr, $sql:expr, $($bind:expr),+) => {
        sqlx::query($sql)$(.bind($bind))+.execute(&mut *$tx).await.map_err($crate::db_err)?
    };
}
pub(crate) use exec;

/// Steps 1 and 3 of the module docs around `$write` (the writes of customer `$customer`'s
/// transactions), on the open database transaction `$tx`. `$write` may return early with
/// `Ok(false)` (rolling back) when an optimistic check fails.
macro_rules! under_customer_lock {
    ($db:expr, $tx:ident, $customer:expr, $at:expr, $write:block) => {{
        use $crate::transactions::{CLEAR_REVENUE, FILL_AGGREGATES, FILL_REVENUE, LOCK_AGGREGATES};
        let customer: uuid::Uuid = $customer;
        let (take_revenue, put_revenue) = $crate::rollups::revenue_sql($db.is_sqlite());
        $crate::transactions::exec!($tx, LOCK_AGGREGATES, customer, $at);
        $crate::rollups::move_revenue!($tx, take_revenue, customer);
        $write
        $crate::rollups::move_revenue!($tx, put_revenue, customer);
        $crate::transactions::exec!($tx, CLEAR_REVENUE, customer);
        $crate::transactions::exec!($tx, FILL_REVENUE, customer);
        $crate::transactions::exec!($tx, FILL_AGGREGATES, customer);
    }};
}

/// Step 2 for a new transaction: its row, its items and its event.
macro_rules! insert_transaction_rows {
    ($tx:ident, $t:expr, $event:expr) => {{
        use $crate::transactions::INSERT_TRANSACTION;
        let t: &nexus_core::transaction::Transaction = $t;
        $crate::transactions::exec!(
            $tx,
            INSERT_TRANSACTION,
            t.id.0,
            t.customer_id.0,
            t.status.as_str(),
            t.currency.as_str(),
            t.total,
            t.occurred_at,
            &t.reference,
            &t.external_ref,
            t.created_by.map(|u| u.0),
            t.version,
            t.created_at,
            t.updated_at,
            t.deleted_at,
            sqlx::types::Json(&t.attributes)
        );
        $crate::custom_fields::write_unique_values!($tx, [t], false);
        $crate::transactions::write_items_and_event!($tx, t, $event);
    }};
}

/// A transaction's items (replacing any) and its event.
macro_rules! write_items_and_event {
    ($tx:ident, $t:expr, $event:expr) => {{
        use $crate::transactions::INSERT_ITEM;
        let t: &nexus_core::transaction::Transaction = $t;
        $crate::transactions::exec!(
            $tx,
            "DELETE FROM transaction_items WHERE transaction_id = $1",
            t.id.0
        );
        for (i, item) in t.items.iter().enumerate() {
            $crate::transactions::exec!(
                $tx,
                INSERT_ITEM,
                t.id.0,
                i as i64,
                item.product_id.0,
                &item.sku,
                &item.name,
                item.quantity,
                item.unit_price,
                item.line_total
            );
        }
        $crate::insert_event!($tx, $event);
    }};
}

pub(crate) use write_items_and_event;

impl Db {
    pub(crate) async fn insert_transaction(
        &self,
        t: &Transaction,
        event: &Event,
    ) -> CoreResult<()> {
        with_pool!(self, write, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            under_customer_lock!(self, tx, t.customer_id.0, t.updated_at, {
                insert_transaction_rows!(tx, t, event);
            });
            tx.commit().await.map_err(db_err)?;
        });
        Ok(())
    }

    pub(crate) async fn update_transaction(
        &self,
        t: &Transaction,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool> {
        with_pool!(self, write, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            under_customer_lock!(self, tx, t.customer_id.0, t.updated_at, {
                let done = exec!(tx, UPDATE_TRANSACTION, t.id.0, t.status.as_str(), t.total, t.occurred_at,
                    &t.reference, &t.external_ref, t.version, t.updated_at, t.deleted_at, expected_version,
                    sqlx::types::Json(&t.attributes));
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                crate::custom_fields::write_unique_values!(tx, [t], true);
                write_items_and_event!(tx, t, event);
            });
            tx.commit().await.map_err(db_err)?;
        });
        Ok(true)
    }

    pub(crate) async fn get_transaction(
        &self,
        id: TransactionId,
    ) -> CoreResult<Option<Transaction>> {
        let cols = prefixed(TRANSACTION_COLUMNS, "t");
        let sql = format!(
            "SELECT {cols}, {ITEM_COLUMNS} FROM transactions t \
             LEFT JOIN transaction_items i ON i.transaction_id = t.id WHERE t.id = $1 ORDER BY i.position"
        );
        let rows: Vec<TransactionItemRow> = with_pool!(self, read, pool =>
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id.0).fetch_all(pool).await.map_err(db_err)?);
        Ok(transactions_from_rows(rows)?.pop())
    }

    pub(crate) async fn list_transactions(
        &self,
        q: &TransactionQuery,
    ) -> CoreResult<Vec<Transaction>> {
        list_in_sort_parts!(self, q, TransactionQuery, list_transactions_in)
    }

    /// The list of `q` within `part` of a custom-field sort (ignored by other sorts).
    async fn list_transactions_in(
        &self,
        q: &TransactionQuery,
        part: SortPart,
    ) -> CoreResult<Vec<Transaction>> {
        let (sql, args) = if self.is_sqlite() {
            list_sql::<Sqlite>(q, part)?
        } else {
            list_sql::<Postgres>(q, part)?
        };
        let rows: Vec<TransactionItemRow> = with_pool!(self, read, pool => {
            bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &args)
                .fetch_all(pool)
                .await
                .map_err(db_err)?
        });
        transactions_from_rows(rows)
    }

    /// Which of these external refs live transactions hold.
    pub(crate) async fn transactions_with_external_refs(
        &self,
        refs: &[String],
    ) -> CoreResult<Vec<String>> {
        const SQL: &str = "SELECT external_ref FROM transactions WHERE deleted_at IS NULL AND external_ref IN ({in})";
        Ok(select_in!(self, sqlx::query_scalar, SQL, [], refs, |r| r))
    }

    pub(crate) async fn customer_aggregates(
        &self,
        customer: CustomerId,
    ) -> CoreResult<CustomerAggregates> {
        // One statement: the customer-wide and per-currency figures come from one snapshot.
        const SQL: &str = "SELECT a.customer_id, a.purchase_count, a.refund_count, a.first_purchase_at, a.last_purchase_at, a.version, a.updated_at, \
             r.currency AS r_currency, r.revenue AS r_revenue, r.purchase_count AS r_purchase_count, \
             r.refunded_amount AS r_refunded_amount, r.refund_count AS r_refund_count \
             FROM customer_aggregates a LEFT JOIN customer_revenue r ON r.customer_id = a.customer_id \
             WHERE a.customer_id = $1 ORDER BY r.currency";
        let rows: Vec<AggregateRow> = with_pool!(self, read, pool =>
            sqlx::query_as(SQL).bind(customer.0).fetch_all(pool).await.map_err(db_err)?);
        Ok(aggregates_from_rows(rows)?.unwrap_or_else(|| CustomerAggregates::empty(customer)))
    }
}

fn prefixed(columns: &str, alias: &str) -> String {
    columns
        .split(", ")
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One page of transactions joined with their items: the page is chosen in a subquery (keyset
/// and filters), then its items are joined, all in one statement. The SQL is the same on both
/// backends but for the JSON of `cf.<key>` filters and sorts (`D`).
fn list_sql<D: Dialect>(q: &TransactionQuery, part: SortPart) -> CoreResult<(String, Vec<Arg>)> {
    let mut f = Filter::default();
    // Visibility follows the customer's owner and team.
    let join = match q.scope {
        Scope::All => "",
        Scope::Team { .. } => {
            f.scope(q.scope, "c");
            "JOIN customers c ON c.id = t.customer_id"
        }
    };
    f.deleted(q.deleted, "t");
    if let Some(c) = q.customer_id {
        let n = f.arg(Arg::Uuid(c.0));
        f.cond(format!("t.customer_id = ${n}"));
    }
    if !q.statuses.is_empty() {
        let ps: Vec<String> = q
            .statuses
            .iter()
            .map(|s| format!("${}", f.arg(Arg::Text(s.as_str().into()))))
            .collect();
        f.cond(format!("t.status IN ({})", ps.join(", ")));
    }
    if let Some(c) = q.currency {
        let n = f.arg(Arg::Text(c.as_str().into()));
        f.cond(format!("t.currency = ${n}"));
    }
    if let Some(r) = &q.external_ref {
        let n = f.arg(Arg::Text(r.clone()));
        f.cond(format!("t.external_ref = ${n}"));
    }
    if let Some(p) = q.product_id {
        let n = f.arg(Arg::Uuid(p.0));
        f.cond(format!(
            "EXISTS (SELECT 1 FROM transaction_items pi WHERE pi.transaction_id = t.id AND pi.product_id = ${n})"
        ));
    }
    for (expr, v) in [
        ("t.occurred_at >= ", q.occurred_after),
        ("t.occurred_at < ", q.occurred_before),
    ] {
        if let Some(t) = v {
            let n = f.arg(Arg::Time(t));
            f.cond(format!("{expr}${n}"));
        }
    }
    let cols = prefixed(TRANSACTION_COLUMNS, "t");
    if let Some(order_by) =
        custom_sort::<D>(&mut f, "t", &q.custom, q.order, q.after.as_ref(), part)?
    {
        // The outer `t` (the page) carries `attributes` too, so the same terms order it.
        let limit = f.arg(Arg::Int(i64::from(q.limit)));
        let sql = format!(
            "SELECT {cols}, {ITEM_COLUMNS} FROM ( \
               SELECT {cols} FROM transactions t {join} {} ORDER BY {order_by} LIMIT ${limit} \
             ) t LEFT JOIN transaction_items i ON i.transaction_id = t.id \
             ORDER BY {order_by}, i.position",
            f.where_clause()
        );
        return Ok((sql, f.args));
    }
    let (column, value): (&str, fn(&str) -> Option<Arg>) = match q.sort {
        TransactionSortField::OccurredAt => ("occurred_at", time_value),
        TransactionSortField::CreatedAt => ("created_at", time_value),
        TransactionSortField::Total => ("total", int_value),
    };
    let sort_expr = format!("t.{column}");
    if let Some(cur) = &q.after {
        f.after(cur, q.sort.as_str(), &sort_expr, "t.id", q.order, value)?;
    }
    let limit = f.arg(Arg::Int(i64::from(q.limit)));
    let dir = direction(q.order);
    let sql = format!(
        "SELECT {cols}, {ITEM_COLUMNS} FROM ( \
           SELECT {cols} FROM transactions t {join} {} ORDER BY {sort_expr} {dir}, t.id {dir} LIMIT ${limit} \
         ) t LEFT JOIN transaction_items i ON i.transaction_id = t.id \
         ORDER BY {sort_expr} {dir}, t.id {dir}, i.position",
        f.where_clause()
    );
    Ok((sql, f.args))
}

//! The large tables of a demo load (transactions with their items, activities), written per
//! backend: SQLite with multi-row `INSERT … VALUES` (anonymous parameters, see
//! [`crate::dialect::Dialect::positional_bulk_params`]); PostgreSQL with one array parameter per
//! column (`INSERT … SELECT * FROM unnest($1::uuid[], …)`), which it parses, plans and binds
//! several times faster than thousands of `VALUES` rows.

use super::DemoSql;
use crate::db_err;
use nexus_core::activity::Activity;
use nexus_core::error::CoreResult;
use nexus_core::transaction::Transaction;
use sqlx::{Postgres, Sqlite, Transaction as DbTransaction};
use uuid::Uuid;

/// Rows per PostgreSQL `unnest` statement.
const UNNEST_ROWS: usize = 10_000;

pub(super) trait LargeRows {
    /// Inserts the transactions and their items; returns the number of items.
    async fn insert_transactions(
        &mut self,
        sql: &DemoSql,
        transactions: &[Transaction],
    ) -> CoreResult<u64>;
    async fn insert_activities(&mut self, sql: &DemoSql, activities: &[Activity])
    -> CoreResult<()>;
}

impl LargeRows for DbTransaction<'_, Sqlite> {
    async fn insert_transactions(
        &mut self,
        sql: &DemoSql,
        transactions: &[Transaction],
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
            .flat_map(|t| {
                t.items
                    .iter()
                    .enumerate()
                    .map(move |(i, item)| (t.id, i, item))
            })
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
        Ok(items.len() as u64)
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
                    .bind(a.deleted_at)
                    .bind(a.sentiment);
            }
            q.execute(&mut *tx).await.map_err(db_err)?;
        }
        Ok(())
    }
}

impl LargeRows for DbTransaction<'_, Postgres> {
    async fn insert_transactions(
        &mut self,
        _sql: &DemoSql,
        transactions: &[Transaction],
    ) -> CoreResult<u64> {
        const TRANSACTIONS: &str = "INSERT INTO transactions (id, customer_id, status, currency, total, occurred_at, reference, created_by, version, created_at, updated_at, deleted_at) \
             SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int8[], $6::timestamptz[], $7::text[], $8::uuid[], $9::int8[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[])";
        const ITEMS: &str = "INSERT INTO transaction_items (transaction_id, position, product_id, sku, name, quantity, unit_price, line_total) \
             SELECT * FROM unnest($1::uuid[], $2::int8[], $3::uuid[], $4::text[], $5::text[], $6::int8[], $7::int8[], $8::int8[])";
        let tx = &mut **self;
        let mut items = 0u64;
        for chunk in transactions.chunks(UNNEST_ROWS) {
            let col = |f: fn(&Transaction) -> Uuid| chunk.iter().map(f).collect::<Vec<_>>();
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
                        .map(|t| t.created_by.map(|u| u.0))
                        .collect::<Vec<_>>(),
                )
                .bind(chunk.iter().map(|t| t.version).collect::<Vec<_>>())
                .bind(chunk.iter().map(|t| t.created_at).collect::<Vec<_>>())
                .bind(chunk.iter().map(|t| t.updated_at).collect::<Vec<_>>())
                .bind(chunk.iter().map(|t| t.deleted_at).collect::<Vec<_>>())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            let lines: Vec<_> = chunk
                .iter()
                .flat_map(|t| {
                    t.items
                        .iter()
                        .enumerate()
                        .map(move |(i, item)| (t.id.0, i as i64, item))
                })
                .collect();
            items += lines.len() as u64;
            sqlx::query(ITEMS)
                .bind(lines.iter().map(|l| l.0).collect::<Vec<_>>())
                .bind(lines.iter().map(|l| l.1).collect::<Vec<_>>())
                .bind(lines.iter().map(|l| l.2.product_id.0).collect::<Vec<_>>())
                .bind(lines.iter().map(|l| l.2.sku.as_str()).collect::<Vec<_>>())
                .bind(lines.iter().map(|l| l.2.name.as_str()).collect::<Vec<_>>())
                .bind(lines.iter().map(|l| l.2.quantity).collect::<Vec<_>>())
                .bind(lines.iter().map(|l| l.2.unit_price).collect::<Vec<_>>())
                .bind(lines.iter().map(|l| l.2.line_total).collect::<Vec<_>>())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        Ok(items)
    }

    async fn insert_activities(
        &mut self,
        _sql: &DemoSql,
        activities: &[Activity],
    ) -> CoreResult<()> {
        const ACTIVITIES: &str = "INSERT INTO activities (id, kind, subject, body, due_at, done, completed_at, assignee_id, customer_id, deal_id, \
             owner_id, team_id, version, created_at, updated_at, deleted_at, sentiment) \
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::bool[], $7::timestamptz[], $8::uuid[], \
             $9::uuid[], $10::uuid[], $11::uuid[], $12::uuid[], $13::int8[], $14::timestamptz[], $15::timestamptz[], $16::timestamptz[], $17::float8[])";
        let tx = &mut **self;
        for chunk in activities.chunks(UNNEST_ROWS) {
            sqlx::query(ACTIVITIES)
                .bind(chunk.iter().map(|a| a.id.0).collect::<Vec<_>>())
                .bind(chunk.iter().map(|a| a.kind.as_str()).collect::<Vec<_>>())
                .bind(chunk.iter().map(|a| a.subject.as_str()).collect::<Vec<_>>())
                .bind(chunk.iter().map(|a| a.body.as_deref()).collect::<Vec<_>>())
                .bind(chunk.iter().map(|a| a.due_at).collect::<Vec<_>>())
                .bind(chunk.iter().map(|a| a.done).collect::<Vec<_>>())
                .bind(chunk.iter().map(|a| a.completed_at).collect::<Vec<_>>())
                .bind(
                    chunk
                        .iter()
                        .map(|a| a.assignee_id.map(|u| u.0))
                        .collect::<Vec<_>>(),
                )
                .bind(chunk.iter().map(|a| a.customer_id.0).collect::<Vec<_>>())
                .bind(
                    chunk
                        .iter()
                        .map(|a| a.deal_id.map(|d| d.0))
                        .collect::<Vec<_>>(),
                )
                .bind(chunk.iter().map(|a| a.owner_id.0).collect::<Vec<_>>())
                .bind(
                    chunk
                        .iter()
                        .map(|a| a.team_id.map(|t| t.0))
                        .collect::<Vec<_>>(),
                )
                .bind(chunk.iter().map(|a| a.version).collect::<Vec<_>>())
                .bind(chunk.iter().map(|a| a.created_at).collect::<Vec<_>>())
                .bind(chunk.iter().map(|a| a.updated_at).collect::<Vec<_>>())
                .bind(chunk.iter().map(|a| a.deleted_at).collect::<Vec<_>>())
                .bind(chunk.iter().map(|a| a.sentiment).collect::<Vec<_>>())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }
}

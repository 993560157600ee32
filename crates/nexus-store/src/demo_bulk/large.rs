//! The activities of a demo load (its other large table, transactions with their items, is
//! written by [`crate::transactions::bulk`], shared with imports), written per backend: SQLite with multi-row `INSERT … VALUES` (anonymous parameters, see
//! [`crate::dialect::Dialect::positional_bulk_params`]); PostgreSQL with one array parameter per
//! column (`INSERT … SELECT * FROM unnest($1::uuid[], …)`), which it parses, plans and binds
//! several times faster than thousands of `VALUES` rows.

use super::DemoSql;
use crate::db_err;
use crate::transactions::bulk::UNNEST_ROWS;
use nexus_core::activity::Activity;
use nexus_core::error::CoreResult;
use sqlx::{Postgres, Sqlite, Transaction as DbTransaction};

pub(super) trait LargeRows {
    async fn insert_activities(&mut self, sql: &DemoSql, activities: &[Activity])
    -> CoreResult<()>;
}

impl LargeRows for DbTransaction<'_, Sqlite> {
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

//! The small tables of a demo load (products, aggregates, deals with their history, the revenue
//! rollup): multi-row inserts with the same SQL on both backends.

use super::{BatchAggregates, DemoSql, Totals};
use crate::db_err;
use crate::kanban::{GAP, Kanban, LIMIT};
use nexus_core::deal::{Deal, StageChange};
use nexus_core::error::{CoreError, CoreResult};
use nexus_core::product::Product;
use sqlx::{Postgres, Sqlite, Transaction as DbTransaction};

/// The writes of a demo load, on its database transaction (implemented for both backends).
pub(super) trait DemoRows {
    async fn insert_products(&mut self, sql: &DemoSql, products: &[Product]) -> CoreResult<()>;
    async fn insert_aggregates(
        &mut self,
        sql: &DemoSql,
        aggregates: &BatchAggregates,
    ) -> CoreResult<()>;
    /// Places and inserts the deals (their positions are assigned here) and their history.
    async fn insert_deals(
        &mut self,
        sql: &DemoSql,
        deals: &mut [Deal],
        changes: &[StageChange],
        totals: &mut Totals,
    ) -> CoreResult<()>;
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
                        q = crate::products::bind_product!(q, p);
                    }
                    q.execute(&mut *tx).await.map_err(db_err)?;
                }
                Ok(())
            }

            async fn insert_aggregates(
                &mut self,
                sql: &DemoSql,
                aggregates: &BatchAggregates,
            ) -> CoreResult<()> {
                let tx = &mut **self;
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
                Ok(())
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
                            .bind(d.deleted_at)
                            .bind(sqlx::types::Json(&d.attributes));
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

            async fn add_revenue(&mut self, totals: &Totals) -> CoreResult<()> {
                const SQL: &str = "INSERT INTO rollup_revenue (month, currency, owner_id, team_id, revenue, purchases) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (month, currency, owner_id, team_id, shard) DO UPDATE SET \
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

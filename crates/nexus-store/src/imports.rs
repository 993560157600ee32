//! Import jobs: the job rows, their claiming under a lease, and the commit of one batch with the
//! job's checkpoint in one transaction (customers written like a bulk load, see
//! [`crate::customers::bulk`]).

use crate::customers::bulk::{BULK_CACHE_KIB, BulkConnection, BulkCustomers, BulkIndexes, BulkSql};
use crate::customers::update_customers_in;
use crate::query::select_in;
use crate::rollups::revenue_sql;
use crate::transactions::bulk::BulkTransactions;
use crate::{Db, db_err, insert_event, with_pool};
use async_trait::async_trait;
use nexus_core::customer::Customer;
use nexus_core::error::{CoreError, CoreResult};
use nexus_core::event::Event;
use nexus_core::ids::{CustomerId, ImportId, UserId};
use nexus_core::import::{
    ImportCommit, ImportJob, ImportProgress, ImportRecords, ImportRejection, ImportUpdate,
    OnDuplicate, RowError,
};
use nexus_core::product::Product;
use nexus_core::store::ImportStore;
use nexus_core::time::Timestamp;
use serde_json::{Map, Value};
use sqlx::Connection as _;
use sqlx::types::Json;
use sqlx::{Postgres, Sqlite};
use std::collections::BTreeMap;
use uuid::Uuid;

const COLUMNS: &str = "id, entity, status, file_name, file_path, file_bytes, columns, preview, mapping, suggested, options, \
     byte_offset, rows_processed, rows_accepted, rows_rejected, rows_duplicate, error, created_by, version, created_at, \
     updated_at, started_at, finished_at, rows_updated";

#[derive(sqlx::FromRow)]
struct JobRow {
    id: Uuid,
    entity: String,
    status: String,
    file_name: String,
    file_path: String,
    file_bytes: i64,
    columns: Json<Vec<String>>,
    preview: Json<Vec<Vec<String>>>,
    mapping: Option<Json<BTreeMap<String, String>>>,
    suggested: Json<BTreeMap<String, String>>,
    options: Json<Options>,
    byte_offset: i64,
    rows_processed: i64,
    rows_accepted: i64,
    rows_rejected: i64,
    rows_duplicate: i64,
    error: Option<String>,
    created_by: Uuid,
    version: i64,
    created_at: Timestamp,
    updated_at: Timestamp,
    started_at: Option<Timestamp>,
    finished_at: Option<Timestamp>,
    rows_updated: i64,
}

/// The job's options column.
#[derive(serde::Serialize, serde::Deserialize)]
struct Options {
    on_duplicate: OnDuplicate,
}

/// A record an import batch updates changed since the batch was checked: the worker checks the
/// batch again.
fn moved_on() -> CoreError {
    CoreError::conflict(
        "concurrent_update",
        None,
        "a record the batch updates changed meanwhile",
    )
}

fn corrupt(what: &str, v: &str) -> CoreError {
    CoreError::Internal(format!("stored import {what} {v:?} is not valid"))
}

impl TryFrom<JobRow> for ImportJob {
    type Error = CoreError;
    fn try_from(r: JobRow) -> Result<Self, CoreError> {
        Ok(ImportJob {
            id: ImportId(r.id),
            entity: r
                .entity
                .parse()
                .map_err(|()| corrupt("entity", &r.entity))?,
            status: r
                .status
                .parse()
                .map_err(|()| corrupt("status", &r.status))?,
            file_name: r.file_name,
            file_bytes: r.file_bytes,
            columns: r.columns.0,
            preview: r.preview.0,
            mapping: r.mapping.map(|m| m.0),
            suggested_mapping: r.suggested.0,
            on_duplicate: r.options.0.on_duplicate,
            progress: ImportProgress {
                bytes_processed: r.byte_offset,
                rows_processed: r.rows_processed,
                rows_accepted: r.rows_accepted,
                rows_updated: r.rows_updated,
                rows_rejected: r.rows_rejected,
                rows_duplicate: r.rows_duplicate,
            },
            error: r.error,
            created_by: UserId(r.created_by),
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
            file_path: r.file_path,
        })
    }
}

fn rows_to_jobs(rows: Vec<JobRow>) -> CoreResult<Vec<ImportJob>> {
    rows.into_iter().map(ImportJob::try_from).collect()
}

#[async_trait]
impl ImportStore for Db {
    async fn insert_import(&self, j: &ImportJob, event: &Event) -> CoreResult<()> {
        let sql = format!(
            "INSERT INTO import_jobs ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
             $17, $18, $19, $20, $21, $22, $23, $24)"
        );
        let p = &j.progress;
        with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(j.id.0).bind(j.entity.as_str()).bind(j.status.as_str()).bind(&j.file_name)
                .bind(&j.file_path).bind(j.file_bytes).bind(Json(&j.columns)).bind(Json(&j.preview))
                .bind(j.mapping.as_ref().map(Json)).bind(Json(&j.suggested_mapping))
                .bind(Json(Options { on_duplicate: j.on_duplicate }))
                .bind(p.bytes_processed).bind(p.rows_processed).bind(p.rows_accepted).bind(p.rows_rejected)
                .bind(p.rows_duplicate).bind(&j.error).bind(j.created_by.0).bind(j.version)
                .bind(j.created_at).bind(j.updated_at).bind(j.started_at).bind(j.finished_at)
                .bind(p.rows_updated)
                .execute(&mut *tx).await.map_err(db_err)?;
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(())
    }

    async fn get_import(&self, id: ImportId) -> CoreResult<Option<ImportJob>> {
        let sql = format!("SELECT {COLUMNS} FROM import_jobs WHERE id = $1");
        let row: Option<JobRow> = with_pool!(self, read, conn =>
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id.0).fetch_optional(conn).await.map_err(db_err)?);
        row.map(ImportJob::try_from).transpose()
    }

    async fn list_imports(
        &self,
        created_by: Option<UserId>,
        before: Option<ImportId>,
        limit: u32,
    ) -> CoreResult<Vec<ImportJob>> {
        // Ids are UUIDv7: newest first is descending id order. The max UUID stands for "no
        // cursor"; the nil one for "every creator".
        let by = if created_by.is_some() {
            "created_by = $1"
        } else {
            "$1 = $1"
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM import_jobs WHERE {by} AND id < $2 ORDER BY id DESC LIMIT $3"
        );
        let creator = created_by.map_or(Uuid::nil(), |u| u.0);
        let before = before.map_or(Uuid::max(), |b| b.0);
        let rows: Vec<JobRow> = with_pool!(self, read, conn =>
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(creator).bind(before).bind(i64::from(limit))
                .fetch_all(conn).await.map_err(db_err)?);
        rows_to_jobs(rows)
    }

    async fn update_import(
        &self,
        j: &ImportJob,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool> {
        const SQL: &str = "UPDATE import_jobs SET status = $2, mapping = $3, options = $4, error = $5, version = $6, \
             updated_at = $7, started_at = $8, finished_at = $9, lease_owner = NULL, lease_until = NULL \
             WHERE id = $1 AND version = $10";
        with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            let done = sqlx::query(SQL)
                .bind(j.id.0).bind(j.status.as_str()).bind(j.mapping.as_ref().map(Json))
                .bind(Json(Options { on_duplicate: j.on_duplicate })).bind(&j.error).bind(j.version)
                .bind(j.updated_at).bind(j.started_at).bind(j.finished_at).bind(expected_version)
                .execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(true)
    }

    async fn claimable_imports(&self, now: Timestamp) -> CoreResult<Vec<ImportId>> {
        let ids: Vec<Uuid> = with_pool!(self, read, conn =>
            sqlx::query_scalar(
                "SELECT id FROM import_jobs WHERE status IN ('queued', 'running') \
                 AND (lease_until IS NULL OR lease_until <= $1) ORDER BY id LIMIT 50",
            )
            .bind(now).fetch_all(conn).await.map_err(db_err)?);
        Ok(ids.into_iter().map(ImportId).collect())
    }

    async fn claim_import(
        &self,
        id: ImportId,
        owner: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> CoreResult<Option<ImportJob>> {
        let sql = format!(
            "UPDATE import_jobs SET status = 'running', lease_owner = $2, lease_until = $3, version = version + 1, \
             updated_at = $4, started_at = coalesce(started_at, $4) \
             WHERE id = $1 AND status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until <= $4) \
             RETURNING {COLUMNS}"
        );
        let row: Option<JobRow> = with_pool!(self, write, conn =>
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id.0).bind(owner).bind(until).bind(now)
                .fetch_optional(conn).await.map_err(db_err)?);
        row.map(ImportJob::try_from).transpose()
    }

    async fn commit_import_batch(&self, c: ImportCommit<'_>) -> CoreResult<bool> {
        let ImportCommit {
            job,
            owner,
            from_offset,
            until,
            records,
            updates,
            batch,
            event,
        } = c;
        let revenue = revenue_sql(self.is_sqlite());
        const CHECKPOINT: &str = "UPDATE import_jobs SET byte_offset = $4, rows_processed = $5, rows_accepted = $6, \
             rows_rejected = $7, rows_duplicate = $8, lease_until = $9, version = version + 1, updated_at = $10, rows_updated = $11 \
             WHERE id = $1 AND status = 'running' AND lease_owner = $2 AND byte_offset = $3";
        const REJECT: &str = "INSERT INTO import_rejections (job_id, row_number, duplicate, errors, vals, group_key) \
             VALUES ($1, $2, $3, $4, $5, $6)";
        let p = &batch.progress;
        let sql = if self.is_sqlite() {
            BulkSql::new::<Sqlite>()
        } else {
            BulkSql::new::<Postgres>()
        };
        with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            let moved = sqlx::query(CHECKPOINT)
                .bind(job.0).bind(owner).bind(from_offset).bind(p.bytes_processed).bind(p.rows_processed)
                .bind(p.rows_accepted).bind(p.rows_rejected).bind(p.rows_duplicate).bind(until)
                .bind(event.occurred_at).bind(p.rows_updated)
                .execute(&mut *tx).await.map_err(db_err)?;
            if moved.rows_affected() == 0 {
                return Ok(false);
            }
            // Existing records first, while every index is in place (the bulk load below may
            // set some aside), as PATCHes write them: the customers together (multi-row
            // UPDATEs, see `update_customers_in!`), products one by one; then their events.
            let customers: Vec<(&Customer, i64)> = updates
                .iter()
                .filter_map(|u| match u {
                    ImportUpdate::Customer { next, expected_version, .. } => Some((next, *expected_version)),
                    ImportUpdate::Product { .. } => None,
                })
                .collect();
            if !customers.is_empty() {
                let written: CoreResult<bool> = async {
                    update_customers_in!(tx, customers, revenue);
                    Ok::<bool, CoreError>(true)
                }
                .await;
                if !written? {
                    return Err(moved_on());
                }
            }
            for u in &updates {
                if let ImportUpdate::Product { next, expected_version, .. } = u {
                    let done = crate::products::bind_product!(sqlx::query(crate::products::UPDATE_PRODUCT), next)
                        .bind(*expected_version)
                        .execute(&mut *tx).await.map_err(db_err)?;
                    if done.rows_affected() == 0 {
                        return Err(moved_on());
                    }
                    crate::custom_fields::write_unique_values!(tx, [next], true);
                }
            }
            crate::events::insert_events!(
                tx,
                updates.iter().map(|u| match u {
                    ImportUpdate::Customer { event, .. } | ImportUpdate::Product { event, .. } => event,
                })
            );
            match records {
                ImportRecords::Customers(customers) if !customers.is_empty() => {
                    let deferred = tx.defer_indexes(customers.len() as u64, false).await?;
                    tx.write_customers(&sql, &customers).await?;
                    crate::rollups::bump_signups!(tx, crate::rollups::signup_counts(&customers));
                    tx.restore_indexes(deferred).await?;
                }
                ImportRecords::Customers(_) => {}
                ImportRecords::Products(products) => {
                    for (p, ev) in &products {
                        crate::products::insert_product_row!(tx, p);
                        insert_event!(tx, ev);
                    }
                }
                ImportRecords::Transactions(transactions) => {
                    tx.record_transactions(&transactions).await?;
                }
            }
            for r in &batch.rejections {
                sqlx::query(REJECT)
                    .bind(job.0).bind(r.row).bind(r.duplicate).bind(Json(&r.errors)).bind(Json(&r.values))
                    .bind(&r.group)
                    .execute(&mut *tx).await.map_err(db_err)?;
            }
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(true)
    }

    async fn products_with_skus(&self, skus: &[String]) -> CoreResult<Vec<Product>> {
        Db::products_with_skus(self, skus).await
    }

    async fn live_customers_by_keys(
        &self,
        ids: &[CustomerId],
        emails: &[String],
    ) -> CoreResult<Vec<Customer>> {
        Db::live_customers_by_keys(self, ids, emails).await
    }

    async fn transactions_with_external_refs(&self, refs: &[String]) -> CoreResult<Vec<String>> {
        Db::transactions_with_external_refs(self, refs).await
    }

    async fn import_groups_seen(
        &self,
        job: ImportId,
        keys: &[String],
    ) -> CoreResult<Vec<(String, i64, i64)>> {
        const SQL: &str = "SELECT group_key, min(row_number), max(row_number) FROM import_rejections \
             WHERE job_id = $1 AND group_key IN ({in}) GROUP BY group_key";
        Ok(select_in!(self, sqlx::query_as, SQL, [job.0], keys, |k| k))
    }

    async fn import_writer_cache(&self, importing: bool) -> CoreResult<()> {
        if !self.is_sqlite() {
            return Ok(());
        }
        with_pool!(self, write, conn => {
            if importing {
                conn.enter_bulk_load(BULK_CACHE_KIB).await?;
            } else {
                conn.leave_bulk_load(&[]).await;
            }
        });
        Ok(())
    }

    async fn import_rejections(
        &self,
        job: ImportId,
        after_row: i64,
        limit: u32,
    ) -> CoreResult<Vec<ImportRejection>> {
        type Row = (i64, bool, Json<Vec<RowError>>, Json<Map<String, Value>>);
        let rows: Vec<Row> = with_pool!(self, read, conn =>
            sqlx::query_as(
                "SELECT row_number, duplicate, errors, vals FROM import_rejections \
                 WHERE job_id = $1 AND row_number > $2 ORDER BY row_number LIMIT $3",
            )
            .bind(job.0).bind(after_row).bind(i64::from(limit))
            .fetch_all(conn).await.map_err(db_err)?);
        Ok(rows
            .into_iter()
            .map(|(row, duplicate, errors, values)| ImportRejection {
                row,
                duplicate,
                errors: errors.0,
                values: values.0,
                group: None,
            })
            .collect())
    }
}

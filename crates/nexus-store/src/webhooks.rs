//! Webhooks: endpoints with their events, the fan-out of the event log into deliveries (cursor
//! moved by compare-and-set, one delivery per endpoint and event), the claiming of due deliveries
//! under a lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: its single writer), and the
//! attempt log with the bookkeeping of each outcome.

use crate::rows::{Arg, bind_args};
use crate::{Db, db_err, insert_event, with_pool};
use async_trait::async_trait;
use nexus_core::customer::DeletedFilter;
use nexus_core::error::{CoreError, CoreResult};
use nexus_core::event::Event;
use nexus_core::ids::{AttemptId, DeliveryId, EventId, UserId, WebhookId};
use nexus_core::store::WebhookStore;
use nexus_core::time::Timestamp;
use nexus_core::webhook::{
    AttemptRecord, ClaimedDelivery, Delivery, DeliveryAttempt, DeliveryOutcome, DeliveryQuery,
    DeliveryStatus, FailureCount, Webhook, WebhookQuery,
};
use serde_json::Value;
use sqlx::Connection as _;
use sqlx::types::Json;
use uuid::Uuid;

const COLUMNS: &str = "id, url, description, event_types, secret_sealed, active, disabled_at, disabled_reason, consecutive_failures, created_by, version, created_at, updated_at, deleted_at";

type Row = (
    Uuid,
    String,
    Option<String>,
    Json<Vec<String>>,
    String,
    bool,
    Option<Timestamp>,
    Option<String>,
    i64,
    Uuid,
    i64,
    Timestamp,
    Timestamp,
    Option<Timestamp>,
);

fn webhook(r: Row) -> Webhook {
    let (
        id,
        url,
        description,
        events,
        sealed,
        active,
        dis_at,
        dis_reason,
        fails,
        by,
        version,
        c,
        u,
        d,
    ) = r;
    Webhook {
        id: WebhookId(id),
        url,
        description,
        events: events.0,
        active,
        disabled_at: dis_at,
        disabled_reason: dis_reason,
        consecutive_failures: fails,
        created_by: UserId(by),
        version,
        created_at: c,
        updated_at: u,
        deleted_at: d,
        secret_sealed: sealed,
    }
}

const DELIVERY_COLUMNS: &str = "d.id, d.webhook_id, d.event_id, d.event_seq, d.event_type, d.payload, d.status, d.attempts, d.next_attempt_at, d.last_status, d.last_error, d.manual, d.created_at, d.updated_at";

type DeliveryRow = (
    Uuid,
    Uuid,
    Uuid,
    i64,
    String,
    Json<Value>,
    String,
    i64,
    Option<Timestamp>,
    Option<i64>,
    Option<String>,
    bool,
    Timestamp,
    Timestamp,
);

fn delivery(r: DeliveryRow) -> CoreResult<Delivery> {
    let (
        id,
        wh,
        ev,
        seq,
        ty,
        payload,
        status,
        attempts,
        next,
        last_status,
        last_error,
        manual,
        c,
        u,
    ) = r;
    Ok(Delivery {
        id: DeliveryId(id),
        webhook_id: WebhookId(wh),
        event_id: EventId(ev),
        event_seq: seq,
        event_type: ty,
        payload: payload.0,
        status: status
            .parse()
            .map_err(|()| CoreError::Internal(format!("stored delivery status {status:?}")))?,
        attempts,
        next_attempt_at: next,
        last_status,
        last_error,
        manual,
        created_at: c,
        updated_at: u,
    })
}

const ATTEMPT_COLUMNS: &str = "id, delivery_id, attempt, triggered_by, started_at, duration_ms, status_code, error, response_excerpt";

type AttemptRow = (
    Uuid,
    Uuid,
    i64,
    String,
    Timestamp,
    i64,
    Option<i64>,
    Option<String>,
    Option<String>,
);

fn attempt(r: AttemptRow) -> CoreResult<DeliveryAttempt> {
    let (id, d, n, trigger, started, ms, status, error, excerpt) = r;
    Ok(DeliveryAttempt {
        id: AttemptId(id),
        delivery_id: DeliveryId(d),
        attempt: n,
        trigger: trigger
            .parse()
            .map_err(|()| CoreError::Internal(format!("stored attempt trigger {trigger:?}")))?,
        started_at: started,
        duration_ms: ms,
        status_code: status,
        error,
        response_excerpt: excerpt,
    })
}

/// Binds a webhook's columns in the order of [`COLUMNS`].
macro_rules! bind_webhook {
    ($q:expr, $w:expr) => {{
        let w: &Webhook = $w;
        $q.bind(w.id.0)
            .bind(&w.url)
            .bind(&w.description)
            .bind(Json(&w.events))
            .bind(&w.secret_sealed)
            .bind(w.active)
            .bind(w.disabled_at)
            .bind(&w.disabled_reason)
            .bind(w.consecutive_failures)
            .bind(w.created_by.0)
            .bind(w.version)
            .bind(w.created_at)
            .bind(w.updated_at)
            .bind(w.deleted_at)
    }};
}

#[async_trait]
impl WebhookStore for Db {
    async fn insert_webhook(&self, w: &Webhook, event: &Event) -> CoreResult<()> {
        let sql = format!(
            "INSERT INTO webhooks ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        );
        with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            bind_webhook!(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), w).execute(&mut *tx).await.map_err(db_err)?;
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(())
    }

    async fn get_webhook(&self, id: WebhookId) -> CoreResult<Option<Webhook>> {
        let sql = format!("SELECT {COLUMNS} FROM webhooks WHERE id = $1");
        let row: Option<Row> = with_pool!(self, read, conn =>
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id.0).fetch_optional(conn).await.map_err(db_err)?);
        Ok(row.map(webhook))
    }

    async fn update_webhook(
        &self,
        w: &Webhook,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool> {
        // `consecutive_failures` is the delivery worker's (it counts without a new version): an
        // edit keeps the stored count, except when it re-enables the endpoint, which starts the
        // count afresh ($9, 0 then).
        const SQL: &str = "UPDATE webhooks SET id = $1, url = $2, description = $3, event_types = $4, secret_sealed = $5, active = $6, \
             disabled_at = $7, disabled_reason = $8, \
             consecutive_failures = CASE WHEN $6 AND NOT active THEN $9 ELSE consecutive_failures END, \
             created_by = $10, version = $11, created_at = $12, \
             updated_at = $13, deleted_at = $14 WHERE id = $1 AND version = $15";
        with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            let done = bind_webhook!(sqlx::query(SQL), w).bind(expected_version).execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(true)
    }

    async fn list_webhooks(&self, q: &WebhookQuery) -> CoreResult<Vec<Webhook>> {
        let deleted = match q.deleted {
            DeletedFilter::Exclude => "deleted_at IS NULL",
            DeletedFilter::Only => "deleted_at IS NOT NULL",
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM webhooks WHERE {deleted} AND id > $1 ORDER BY id LIMIT $2"
        );
        let after = q.after.map_or(Uuid::nil(), |w| w.0);
        let rows: Vec<Row> = with_pool!(self, read, conn =>
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(after).bind(i64::from(q.limit))
                .fetch_all(conn).await.map_err(db_err)?);
        Ok(rows.into_iter().map(webhook).collect())
    }

    async fn active_webhooks(&self) -> CoreResult<Vec<Webhook>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM webhooks WHERE active = $1 AND deleted_at IS NULL ORDER BY id"
        );
        let rows: Vec<Row> = with_pool!(self, read, conn =>
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(true).fetch_all(conn).await.map_err(db_err)?);
        Ok(rows.into_iter().map(webhook).collect())
    }

    async fn webhook_cursor(&self) -> CoreResult<i64> {
        let seq: Option<i64> = with_pool!(self, read, conn =>
            sqlx::query_scalar("SELECT seq FROM webhook_cursor WHERE id = 1")
                .fetch_optional(conn).await.map_err(db_err)?);
        Ok(seq.unwrap_or_default())
    }

    async fn fan_out(&self, deliveries: &[Delivery], from: i64, to: i64) -> CoreResult<bool> {
        const INSERT: &str = "INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_seq, event_type, payload, status, attempts, \
             next_attempt_at, locked_until, last_status, last_error, manual, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL, NULL, $10, $11, $12) \
             ON CONFLICT (webhook_id, event_id) DO NOTHING";
        with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            let moved = sqlx::query("UPDATE webhook_cursor SET seq = $2 WHERE id = 1 AND seq = $1")
                .bind(from).bind(to).execute(&mut *tx).await.map_err(db_err)?;
            if moved.rows_affected() == 0 {
                return Ok(false);
            }
            for d in deliveries {
                sqlx::query(INSERT)
                    .bind(d.id.0).bind(d.webhook_id.0).bind(d.event_id.0).bind(d.event_seq)
                    .bind(&d.event_type).bind(Json(&d.payload)).bind(d.status.as_str()).bind(d.attempts)
                    .bind(d.next_attempt_at).bind(d.manual).bind(d.created_at).bind(d.updated_at)
                    .execute(&mut *tx).await.map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)?;
        });
        Ok(true)
    }

    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease: Timestamp,
        limit: u32,
    ) -> CoreResult<Vec<ClaimedDelivery>> {
        // PostgreSQL: concurrent claimers skip each other's rows; SQLite: one writer at a time.
        let lock = if self.is_sqlite() {
            ""
        } else {
            " FOR UPDATE OF d SKIP LOCKED"
        };
        let claim = format!(
            "UPDATE webhook_deliveries SET locked_until = $2 WHERE id IN ( \
               SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
               WHERE d.status = 'pending' AND d.next_attempt_at <= $1 \
                 AND (d.locked_until IS NULL OR d.locked_until <= $1) \
                 AND w.active = $4 AND w.deleted_at IS NULL \
               ORDER BY d.next_attempt_at LIMIT $3{lock}) \
             RETURNING id"
        );
        type Claimed = (
            Uuid,
            Uuid,
            Uuid,
            i64,
            String,
            Json<Value>,
            String,
            i64,
            Option<Timestamp>,
            Option<i64>,
            Option<String>,
            bool,
            Timestamp,
            Timestamp,
            String,
            String,
        );
        let rows: Vec<Claimed> = with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            let ids: Vec<Uuid> = sqlx::query_scalar(sqlx::AssertSqlSafe(claim.clone()))
                .bind(now).bind(lease).bind(i64::from(limit)).bind(true)
                .fetch_all(&mut *tx).await.map_err(db_err)?;
            let rows = if ids.is_empty() {
                Vec::new()
            } else {
                let marks = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                let sql = format!(
                    "SELECT {DELIVERY_COLUMNS}, w.url, w.secret_sealed FROM webhook_deliveries d \
                     JOIN webhooks w ON w.id = d.webhook_id WHERE d.id IN ({marks}) ORDER BY d.next_attempt_at, d.id"
                );
                let args: Vec<Arg> = ids.iter().map(|u| Arg::Uuid(*u)).collect();
                bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &args)
                    .fetch_all(&mut *tx).await.map_err(db_err)?
            };
            tx.commit().await.map_err(db_err)?;
            rows
        });
        rows.into_iter()
            .map(|r| {
                let (a, b, c, d, e, f, g, h, i, j, k, l, m, n, url, sealed) = r;
                Ok(ClaimedDelivery {
                    delivery: delivery((a, b, c, d, e, f, g, h, i, j, k, l, m, n))?,
                    url,
                    secret_sealed: sealed,
                    lease,
                })
            })
            .collect()
    }

    async fn record_attempt(&self, r: &AttemptRecord<'_>) -> CoreResult<bool> {
        let a = r.attempt;
        let now = nexus_core::time::now();
        let (status, next) = match &r.outcome {
            DeliveryOutcome::Succeeded => (DeliveryStatus::Succeeded, None),
            DeliveryOutcome::Retry(at) => (DeliveryStatus::Pending, Some(*at)),
            DeliveryOutcome::Failed => (DeliveryStatus::Failed, None),
        };
        let insert = format!(
            "INSERT INTO webhook_attempts ({ATTEMPT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        );
        let disabled = with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            sqlx::query(sqlx::AssertSqlSafe(insert.clone()))
                .bind(a.id.0).bind(a.delivery_id.0).bind(a.attempt).bind(a.trigger.as_str())
                .bind(a.started_at).bind(a.duration_ms).bind(a.status_code).bind(&a.error)
                .bind(&a.response_excerpt)
                .execute(&mut *tx).await.map_err(db_err)?;
            let updated = sqlx::query(
                "UPDATE webhook_deliveries SET status = $3, attempts = $4, next_attempt_at = $5, locked_until = NULL, \
                 last_status = $6, last_error = $7, manual = $8, updated_at = $9 \
                 WHERE id = $1 AND locked_until = $2")
                .bind(a.delivery_id.0).bind(r.lease).bind(status.as_str()).bind(a.attempt).bind(next)
                .bind(a.status_code).bind(&a.error).bind(false).bind(now)
                .execute(&mut *tx).await.map_err(db_err)?;
            let mut disabled = false;
            if updated.rows_affected() == 1 {
                let webhook_id: Uuid = sqlx::query_scalar("SELECT webhook_id FROM webhook_deliveries WHERE id = $1")
                    .bind(a.delivery_id.0).fetch_one(&mut *tx).await.map_err(db_err)?;
                match &r.failures {
                    FailureCount::Keep => {}
                    FailureCount::Reset => {
                        sqlx::query("UPDATE webhooks SET consecutive_failures = 0 WHERE id = $1 AND consecutive_failures <> 0")
                            .bind(webhook_id).execute(&mut *tx).await.map_err(db_err)?;
                    }
                    FailureCount::Count { disable_after, reason, event } => {
                        let (count, active): (i64, bool) = sqlx::query_as(
                            "UPDATE webhooks SET consecutive_failures = consecutive_failures + 1 WHERE id = $1 \
                             RETURNING consecutive_failures, active")
                            .bind(webhook_id).fetch_one(&mut *tx).await.map_err(db_err)?;
                        if active && *disable_after > 0 && count >= *disable_after {
                            sqlx::query(
                                "UPDATE webhooks SET active = $2, disabled_at = $3, disabled_reason = $4, \
                                 version = version + 1, updated_at = $3 WHERE id = $1")
                                .bind(webhook_id).bind(false).bind(now).bind(*reason)
                                .execute(&mut *tx).await.map_err(db_err)?;
                            insert_event!(tx, *event);
                            disabled = true;
                        }
                    }
                }
            }
            tx.commit().await.map_err(db_err)?;
            disabled
        });
        Ok(disabled)
    }

    async fn get_delivery(&self, id: DeliveryId) -> CoreResult<Option<Delivery>> {
        let sql = format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE d.id = $1");
        let row: Option<DeliveryRow> = with_pool!(self, read, conn =>
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id.0).fetch_optional(conn).await.map_err(db_err)?);
        row.map(delivery).transpose()
    }

    async fn list_deliveries(&self, q: &DeliveryQuery) -> CoreResult<Vec<Delivery>> {
        let mut args = vec![Arg::Uuid(q.webhook_id.0)];
        let mut conds = vec!["d.webhook_id = $1".to_owned()];
        if let Some(s) = q.status {
            args.push(Arg::Text(s.as_str().into()));
            conds.push(format!("d.status = ${}", args.len()));
        }
        if let Some(c) = &q.after {
            args.push(Arg::Uuid(c.id));
            conds.push(format!("d.id < ${}", args.len()));
        }
        args.push(Arg::Int(i64::from(q.limit)));
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE {} ORDER BY d.id DESC LIMIT ${}",
            conds.join(" AND "),
            args.len()
        );
        let rows: Vec<DeliveryRow> = with_pool!(self, read, conn =>
            bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &args)
                .fetch_all(conn).await.map_err(db_err)?);
        rows.into_iter().map(delivery).collect()
    }

    async fn delivery_attempts(&self, id: DeliveryId) -> CoreResult<Vec<DeliveryAttempt>> {
        let sql = format!(
            "SELECT {ATTEMPT_COLUMNS} FROM webhook_attempts WHERE delivery_id = $1 ORDER BY started_at, attempt, id"
        );
        let rows: Vec<AttemptRow> = with_pool!(self, read, conn =>
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id.0).fetch_all(conn).await.map_err(db_err)?);
        rows.into_iter().map(attempt).collect()
    }

    async fn replay_delivery(&self, id: DeliveryId, now: Timestamp) -> CoreResult<bool> {
        let done = with_pool!(self, write, conn =>
            // Not while an attempt is in flight: its outcome would overwrite the replay.
            sqlx::query("UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $2, manual = $3, updated_at = $2 \
                 WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2)")
                .bind(id.0).bind(now).bind(true).execute(conn).await.map_err(db_err)?.rows_affected());
        Ok(done == 1)
    }
}

//! The delivery worker: fans committed events out to the webhooks that want them (from the event
//! log, after a cursor kept in the database), then sends due deliveries through a [`Transport`]
//! and records every attempt. Several instances may run it: the cursor moves by compare-and-set
//! and deliveries are claimed under a lease, so an attempt is never sent twice at once, and a
//! delivery whose sender died is picked up again when its lease runs out (at least once).

use super::{
    AttemptRecord, AttemptTrigger, ClaimedDelivery, Delivery, DeliveryAttempt, DeliveryOutcome,
    FailureCount, SecretBox, WebhookSettings,
};
use crate::bus::EventBus;
use crate::error::CoreResult;
use crate::ids::AttemptId;
use crate::store::Store;
use async_trait::async_trait;
use futures::StreamExt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::TryRecvError;
use tokio_util::sync::CancellationToken;

/// What one HTTP attempt got.
#[derive(Clone, Debug, Default)]
pub struct SendResult {
    /// The receiver's status, if it answered.
    pub status: Option<u16>,
    /// Why there is no answer (refused target, connection error, timeout).
    pub error: Option<String>,
    /// The first bytes of the answer.
    pub excerpt: Option<String>,
}

/// Sends one signed request. Implemented over HTTP by the server (with its address checks).
#[async_trait]
pub trait Transport: Send + Sync {
    async fn post(
        &self,
        url: &str,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    ) -> SendResult;
}

#[derive(Clone)]
pub struct Worker {
    store: Arc<dyn Store>,
    bus: EventBus,
    secrets: SecretBox,
    settings: Arc<WebhookSettings>,
    transport: Arc<dyn Transport>,
}

/// Events read per fan-out step, and deliveries claimed per dispatch step.
const BATCH: u32 = 200;

impl Worker {
    pub fn new(
        store: Arc<dyn Store>,
        bus: EventBus,
        secrets: SecretBox,
        settings: WebhookSettings,
        transport: Arc<dyn Transport>,
    ) -> Self {
        Self {
            store,
            bus,
            secrets,
            settings: Arc::new(settings),
            transport,
        }
    }

    /// Creates the deliveries of the events after the cursor (one batch); returns how many
    /// events it consumed. Without an active endpoint no event needs a delivery: the cursor
    /// moves to the end of the log without reading the events (and returns 0, nothing left).
    ///
    /// The endpoints are read after the events they are matched against: an endpoint
    /// registered while a batch is read is then in the list (and gets the batch's events that
    /// happened after its registration), never skipped by a cursor that moved past them.
    pub async fn fan_out(&self) -> CoreResult<usize> {
        let from = self.store.webhook_cursor().await?;
        let end = self.store.max_seq().await?;
        if self.store.active_webhooks().await?.is_empty() {
            // Every event up to `end` happened before any endpoint now registered.
            if end > from {
                self.store.fan_out(&[], from, end).await?;
            }
            return Ok(0);
        }
        let events = self.store.events_after(from, BATCH).await?;
        let hooks = self.store.active_webhooks().await?;
        let Some(to) = events.last().and_then(|e| e.seq) else {
            return Ok(0);
        };
        let now = crate::time::now();
        let deliveries: Vec<Delivery> = events
            .iter()
            .flat_map(|e| {
                hooks
                    .iter()
                    // An endpoint gets the events that happened since it was registered.
                    .filter(move |w| w.wants(&e.event_type) && e.occurred_at >= w.created_at)
                    .map(move |w| Delivery::new(w, e, now))
            })
            .collect();
        if self.store.fan_out(&deliveries, from, to).await? {
            Ok(events.len())
        } else {
            Ok(0)
        }
    }

    /// Claims due deliveries and sends them (a few at a time); returns how many it sent.
    pub async fn dispatch(&self) -> CoreResult<usize> {
        let now = crate::time::now();
        // The lease outlasts an attempt (its timeout) by a margin.
        let lease = now
            + chrono::Duration::from_std(self.settings.timeout + Duration::from_secs(30))
                .unwrap_or(chrono::Duration::seconds(60));
        let claimed = self.store.claim_deliveries(now, lease, BATCH).await?;
        let n = claimed.len();
        futures::stream::iter(claimed)
            .for_each_concurrent(self.settings.concurrency.max(1), |c| async move {
                if let Err(e) = self.attempt(c).await {
                    tracing::warn!(error = %e, "webhook attempt could not be recorded");
                }
            })
            .await;
        Ok(n)
    }

    /// Sends one claimed delivery and records the attempt.
    async fn attempt(&self, c: ClaimedDelivery) -> CoreResult<()> {
        let d = &c.delivery;
        let started_at = crate::time::now();
        let clock = Instant::now();
        let result = match self.secrets.open(d.webhook_id.0, &c.secret_sealed) {
            Ok(secret) => {
                let body = serde_json::to_vec(&d.payload).unwrap_or_default();
                let msg_id = d.id.to_string();
                let ts = chrono::Utc::now().timestamp();
                let headers = vec![
                    ("webhook-id", msg_id.clone()),
                    ("webhook-timestamp", ts.to_string()),
                    ("webhook-signature", secret.sign(&msg_id, ts, &body)),
                    ("content-type", "application/json".to_owned()),
                ];
                self.transport.post(&c.url, headers, body).await
            }
            Err(e) => SendResult {
                error: Some(e.to_string()),
                ..SendResult::default()
            },
        };
        let ok = result.status.is_some_and(|s| (200..300).contains(&s));
        let made = d.attempts + 1;
        let (outcome, counts) = if ok {
            (DeliveryOutcome::Succeeded, Count::Reset)
        } else if d.manual {
            (DeliveryOutcome::Failed, Count::Keep)
        } else {
            match self.settings.next_delay(made) {
                Some(delay) => (
                    DeliveryOutcome::Retry(
                        crate::time::now()
                            + chrono::Duration::from_std(delay)
                                .unwrap_or(chrono::Duration::hours(1)),
                    ),
                    Count::Keep,
                ),
                None => (DeliveryOutcome::Failed, Count::Failure),
            }
        };
        let attempt = DeliveryAttempt {
            id: AttemptId::new(),
            delivery_id: d.id,
            attempt: made,
            trigger: if d.manual {
                AttemptTrigger::Replay
            } else {
                AttemptTrigger::Scheduled
            },
            started_at,
            duration_ms: i64::try_from(clock.elapsed().as_millis()).unwrap_or(i64::MAX),
            status_code: result.status.map(i64::from),
            error: result.error,
            response_excerpt: result.excerpt,
        };
        let reason = format!(
            "{} deliveries in a row failed after every attempt",
            self.settings.disable_after_failures
        );
        let disabled_event = match counts {
            Count::Failure => self
                .store
                .get_webhook(d.webhook_id)
                .await?
                .map(|w| crate::services::webhooks::disabled_event(&w, &reason)),
            _ => None,
        };
        let failures = match (counts, &disabled_event) {
            (Count::Reset, _) => FailureCount::Reset,
            (Count::Failure, Some(event)) => FailureCount::Count {
                disable_after: i64::from(self.settings.disable_after_failures),
                reason: &reason,
                event,
            },
            _ => FailureCount::Keep,
        };
        let disabled = self
            .store
            .record_attempt(&AttemptRecord {
                attempt: &attempt,
                lease: c.lease,
                outcome,
                failures,
            })
            .await?;
        if disabled {
            tracing::warn!(webhook_id = %d.webhook_id, "webhook disabled: its deliveries keep failing");
            self.bus.committed();
        }
        Ok(())
    }

    /// Runs until `stop`: after every new event on the bus and every poll interval, fans out
    /// and dispatches until nothing is left to do.
    pub async fn run(self, stop: CancellationToken) {
        let mut events = self.bus.subscribe();
        loop {
            loop {
                match self.fan_out().await {
                    Ok(n) if n as u32 == BATCH => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "webhook fan-out failed");
                        break;
                    }
                }
            }
            loop {
                match self.dispatch().await {
                    Ok(n) if n as u32 == BATCH && !stop.is_cancelled() => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "webhook dispatch failed");
                        break;
                    }
                }
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = events.recv() => {
                    // Let a burst of writes settle and handle it in one pass: the worker's
                    // transactions share SQLite's single writer with the requests.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    while let Ok(_) | Err(TryRecvError::Lagged(_)) = events.try_recv() {}
                }
                _ = tokio::time::sleep(self.settings.poll_interval) => {}
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Count {
    Keep,
    Reset,
    Failure,
}

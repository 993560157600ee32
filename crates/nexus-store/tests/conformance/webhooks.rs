//! Webhooks: endpoints round-trip; the fan-out turns the event log into one delivery per
//! (endpoint, event) and moves its cursor by compare-and-set; due deliveries are claimed under a
//! lease by one claimer at a time; attempts follow the retry schedule, are logged, disable an
//! endpoint that keeps failing, and a replay keeps the delivery's id.

use crate::fixtures::{add_user, created_event, customer};
use async_trait::async_trait;
use nexus_core::bus::EventBus;
use nexus_core::customer::DeletedFilter;
use nexus_core::event::{Event, diff};
use nexus_core::ids::{UserId, WebhookId};
use nexus_core::store::Store;
use nexus_core::time::now;
use nexus_core::webhook::worker::{SendResult, Transport, Worker};
use nexus_core::webhook::{
    AttemptRecord, AttemptTrigger, DeliveryAttempt, DeliveryOutcome, DeliveryQuery, DeliveryStatus,
    FailureCount, SecretBox, Webhook, WebhookQuery, WebhookSecret, WebhookSettings,
};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

conformance!(
    webhooks_round_trip_and_list,
    fan_out_is_idempotent_and_moves_the_cursor,
    without_endpoints_the_cursor_skips_to_the_end,
    claims_are_exclusive_and_leased,
    attempts_follow_the_schedule_and_disable_the_endpoint,
);

fn secrets() -> SecretBox {
    SecretBox::derive(b"conformance-test-master-secret-0123456789")
}

fn webhook(by: UserId, events: &[&str]) -> Webhook {
    let t = now();
    let id = WebhookId::new();
    Webhook {
        id,
        url: "http://hooks.example.com/in".into(),
        description: Some("test".into()),
        events: events.iter().map(|s| s.to_string()).collect(),
        active: true,
        disabled_at: None,
        disabled_reason: None,
        consecutive_failures: 0,
        created_by: by,
        version: 1,
        created_at: t,
        updated_at: t,
        deleted_at: None,
        secret_sealed: secrets().seal(id.0, &WebhookSecret::generate()).unwrap(),
    }
}

fn webhook_event(w: &Webhook, action: &str) -> Event {
    Event::new("webhook", w.id.0, action, None, diff(None, Some(w)))
}

async fn add_webhook(s: &dyn Store, by: UserId, events: &[&str]) -> Webhook {
    let w = webhook(by, events);
    s.insert_webhook(&w, &webhook_event(&w, "created"))
        .await
        .unwrap();
    w
}

/// Writes `n` customers (with their `customer.created` events) and numbers the log.
async fn customers_created(s: &dyn Store, owner: UserId, n: usize) {
    let cs: Vec<_> = (0..n)
        .map(|i| customer(owner, &format!("Hooked {i}")))
        .collect();
    let evs: Vec<Event> = cs.iter().map(created_event).collect();
    s.insert_customers(&cs, &evs).await.unwrap();
    s.sequence_events(10_000).await.unwrap();
}

/// One request as sent: URL, headers, body.
type Sent = (String, Vec<(&'static str, String)>, Vec<u8>);

/// Answers every request with `status`, remembering what it was sent.
#[derive(Default)]
struct FakeReceiver {
    status: AtomicU16,
    seen: Mutex<Vec<Sent>>,
}

#[async_trait]
impl Transport for FakeReceiver {
    async fn post(
        &self,
        url: &str,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    ) -> SendResult {
        self.seen
            .lock()
            .unwrap()
            .push((url.to_owned(), headers, body));
        SendResult {
            status: Some(self.status.load(Ordering::SeqCst)),
            error: None,
            excerpt: Some("ok".into()),
        }
    }
}

fn worker(s: &Arc<dyn Store>, rx: Arc<FakeReceiver>, schedule: &[u64], disable: u32) -> Worker {
    let settings = WebhookSettings {
        retry_schedule: schedule.iter().map(|s| Duration::from_secs(*s)).collect(),
        disable_after_failures: disable,
        ..WebhookSettings::default()
    };
    Worker::new(s.clone(), EventBus::default(), secrets(), settings, rx)
}

async fn webhooks_round_trip_and_list(s: Arc<dyn Store>) {
    let admin = add_user(&*s, None).await;
    let a = add_webhook(&*s, admin, &["customer.*"]).await;
    let b = add_webhook(&*s, admin, &["*"]).await;
    let c = add_webhook(&*s, admin, &["deal.created"]).await;
    assert_eq!(s.get_webhook(a.id).await.unwrap(), Some(a.clone()));
    let opened = secrets()
        .open(
            a.id.0,
            &s.get_webhook(a.id).await.unwrap().unwrap().secret_sealed,
        )
        .unwrap();
    assert!(opened.as_str().starts_with("whsec_"));

    // Optimistic updates.
    let mut b2 = b.clone();
    b2.active = false;
    b2.version = 2;
    assert!(
        s.update_webhook(&b2, 1, &webhook_event(&b2, "updated"))
            .await
            .unwrap()
    );
    assert!(
        !s.update_webhook(&b2, 1, &webhook_event(&b2, "updated"))
            .await
            .unwrap(),
        "stale version"
    );
    let mut c2 = c.clone();
    c2.deleted_at = Some(now());
    c2.version = 2;
    assert!(
        s.update_webhook(&c2, 1, &webhook_event(&c2, "deleted"))
            .await
            .unwrap()
    );
    assert_eq!(s.get_webhook(c.id).await.unwrap(), Some(c2.clone()));

    // Lists page by id; active ones are the fan-out's targets.
    let q = |after, limit| WebhookQuery {
        deleted: DeletedFilter::Exclude,
        after,
        limit,
    };
    let first = s.list_webhooks(&q(None, 1)).await.unwrap();
    assert_eq!(first, vec![a.clone()]);
    let rest = s.list_webhooks(&q(Some(a.id), 10)).await.unwrap();
    assert_eq!(rest, vec![b2.clone()]);
    let deleted = s
        .list_webhooks(&WebhookQuery {
            deleted: DeletedFilter::Only,
            after: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(deleted, vec![c2]);
    assert_eq!(s.active_webhooks().await.unwrap(), vec![a]);
}

/// With no active endpoint the fan-out moves the cursor to the end of the log without reading
/// the events; an endpoint registered afterwards gets the events that follow.
async fn without_endpoints_the_cursor_skips_to_the_end(s: Arc<dyn Store>) {
    let admin = add_user(&*s, None).await;
    customers_created(&*s, admin, 3).await;
    let w = worker(&s, Arc::new(FakeReceiver::default()), &[0], 0);
    assert_eq!(w.fan_out().await.unwrap(), 0);
    let end = s.max_seq().await.unwrap();
    assert!(end >= 4, "{end}");
    assert_eq!(s.webhook_cursor().await.unwrap(), end);

    let hook = add_webhook(&*s, admin, &["customer.*"]).await;
    customers_created(&*s, admin, 2).await;
    while w.fan_out().await.unwrap() > 0 {}
    assert_eq!(
        s.webhook_cursor().await.unwrap(),
        s.max_seq().await.unwrap()
    );
    let got = s
        .list_deliveries(&DeliveryQuery {
            webhook_id: hook.id,
            status: None,
            after: None,
            limit: 100,
        })
        .await
        .unwrap();
    assert_eq!(got.len(), 2, "the two later customers only");
    assert!(got.iter().all(|d| d.event_seq > end));
}

async fn fan_out_is_idempotent_and_moves_the_cursor(s: Arc<dyn Store>) {
    let admin = add_user(&*s, None).await;
    s.sequence_events(100).await.unwrap();
    // The cursor starts at the end of the log: older events are nobody's.
    let start = s.webhook_cursor().await.unwrap();
    assert_eq!(start, 0, "a fresh database starts at 0");
    let all = add_webhook(&*s, admin, &["customer.*"]).await;
    let deals = add_webhook(&*s, admin, &["deal.created"]).await;
    customers_created(&*s, admin, 3).await;
    let rx = Arc::new(FakeReceiver::default());
    let w = worker(&s, rx, &[0], 0);
    let mut consumed = 0;
    loop {
        let n = w.fan_out().await.unwrap();
        if n == 0 {
            break;
        }
        consumed += n;
    }
    let end = s.max_seq().await.unwrap();
    assert_eq!(s.webhook_cursor().await.unwrap(), end);
    assert!(consumed >= 3, "{consumed}");
    let q = |id, status| DeliveryQuery {
        webhook_id: id,
        status,
        after: None,
        limit: 100,
    };
    let got = s.list_deliveries(&q(all.id, None)).await.unwrap();
    assert_eq!(got.len(), 3, "one per customer.created event");
    assert!(got.iter().all(|d| d.event_type == "customer.created"
        && d.status == DeliveryStatus::Pending
        && d.attempts == 0
        && d.payload["type"] == "customer.created"
        && d.payload["data"]["id"] == serde_json::json!(d.event_id)));
    assert!(got.windows(2).all(|p| p[0].id > p[1].id), "newest first");
    assert!(
        s.list_deliveries(&q(deals.id, None))
            .await
            .unwrap()
            .is_empty()
    );

    // Fanning the same events out again changes nothing: the cursor is compared and set, and
    // (webhook, event) pairs are unique.
    let again: Vec<_> = got
        .iter()
        .map(|d| {
            let mut d2 = d.clone();
            d2.id = nexus_core::ids::DeliveryId::new();
            d2
        })
        .collect();
    assert!(
        !s.fan_out(&again, start, end).await.unwrap(),
        "stale cursor"
    );
    assert!(s.fan_out(&again, end, end).await.unwrap());
    assert_eq!(s.list_deliveries(&q(all.id, None)).await.unwrap(), got);
    assert_eq!(w.fan_out().await.unwrap(), 0);

    // Paging by cursor.
    let page = s
        .list_deliveries(&DeliveryQuery {
            after: Some(nexus_core::page::Cursor {
                sort: "id".into(),
                value: String::new(),
                id: got[0].id.0,
            }),
            ..q(all.id, Some(DeliveryStatus::Pending))
        })
        .await
        .unwrap();
    assert_eq!(page, got[1..]);
    assert!(
        s.list_deliveries(&q(all.id, Some(DeliveryStatus::Failed)))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn claims_are_exclusive_and_leased(s: Arc<dyn Store>) {
    let admin = add_user(&*s, None).await;
    let hook = add_webhook(&*s, admin, &["customer.*"]).await;
    let idle = add_webhook(&*s, admin, &["customer.*"]).await;
    customers_created(&*s, admin, 6).await;
    let w = worker(&s, Arc::new(FakeReceiver::default()), &[0], 0);
    while w.fan_out().await.unwrap() > 0 {}
    // Switch one endpoint off: its deliveries wait.
    let mut off = idle.clone();
    off.active = false;
    off.version = 2;
    s.update_webhook(&off, 1, &webhook_event(&off, "updated"))
        .await
        .unwrap();

    let t = now() + chrono::Duration::seconds(1);
    let lease = t + chrono::Duration::seconds(60);
    let (a, b) = tokio::join!(
        s.claim_deliveries(t, lease, 4),
        s.claim_deliveries(t, lease, 4)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let rest = s.claim_deliveries(t, lease, 10).await.unwrap();
    let b: Vec<_> = b.into_iter().chain(rest).collect();
    let mut ids: Vec<_> = a.iter().chain(&b).map(|c| c.delivery.id).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "no delivery claimed twice");
    assert_eq!(n, 6, "the active endpoint's deliveries, one per customer");
    assert!(a.iter().chain(&b).all(|c| c.delivery.webhook_id == hook.id
        && c.url == hook.url
        && c.secret_sealed == hook.secret_sealed
        && c.lease == lease));
    // Leased: nobody else gets them until the lease runs out.
    assert!(s.claim_deliveries(t, lease, 10).await.unwrap().is_empty());
    let later = lease + chrono::Duration::seconds(1);
    let again = s
        .claim_deliveries(later, later + chrono::Duration::seconds(60), 100)
        .await
        .unwrap();
    assert_eq!(again.len(), n, "an expired lease is claimed again");
    // Not yet due: not claimed.
    let before = now() - chrono::Duration::hours(1);
    assert!(
        s.claim_deliveries(before, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn attempts_follow_the_schedule_and_disable_the_endpoint(s: Arc<dyn Store>) {
    let admin = add_user(&*s, None).await;
    let hook = add_webhook(&*s, admin, &["customer.created"]).await;
    customers_created(&*s, admin, 1).await;
    let rx = Arc::new(FakeReceiver::default());
    rx.status.store(500, Ordering::SeqCst);
    // Two attempts, no wait; the endpoint is disabled after two deliveries fail for good.
    let w = worker(&s, rx.clone(), &[0, 0], 2);
    while w.fan_out().await.unwrap() > 0 {}
    let hook_id = hook.id;
    let list = |status| {
        let s = s.clone();
        async move {
            s.list_deliveries(&DeliveryQuery {
                webhook_id: hook_id,
                status,
                after: None,
                limit: 100,
            })
            .await
            .unwrap()
        }
    };
    let first = list(None).await.remove(0);
    assert_eq!(first.webhook_id, hook_id);

    assert_eq!(w.dispatch().await.unwrap(), 1);
    let d = s.get_delivery(first.id).await.unwrap().unwrap();
    assert_eq!(
        (d.status, d.attempts, d.last_status),
        (DeliveryStatus::Pending, 1, Some(500))
    );
    assert_eq!(w.dispatch().await.unwrap(), 1);
    let d = s.get_delivery(first.id).await.unwrap().unwrap();
    assert_eq!((d.status, d.attempts), (DeliveryStatus::Failed, 2));
    assert_eq!(d.next_attempt_at, None);
    assert_eq!(w.dispatch().await.unwrap(), 0, "given up");
    let attempts = s.delivery_attempts(first.id).await.unwrap();
    assert_eq!(
        attempts
            .iter()
            .map(|a| (a.attempt, a.status_code, a.trigger))
            .collect::<Vec<_>>(),
        vec![
            (1, Some(500), AttemptTrigger::Scheduled),
            (2, Some(500), AttemptTrigger::Scheduled)
        ]
    );
    assert_eq!(attempts[0].response_excerpt.as_deref(), Some("ok"));
    // Every attempt carried the same webhook-id, and a signature.
    {
        let seen = rx.seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        for (url, headers, _) in seen.iter() {
            assert_eq!(url, &hook.url);
            let h = |n: &str| {
                headers
                    .iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| v.clone())
            };
            assert_eq!(h("webhook-id"), Some(first.id.to_string()));
            assert!(h("webhook-signature").unwrap().starts_with("v1,"));
        }
    }
    let w1 = s.get_webhook(hook.id).await.unwrap().unwrap();
    assert_eq!((w1.consecutive_failures, w1.active), (1, true));

    // A second delivery failing for good disables the endpoint, with an event.
    customers_created(&*s, admin, 1).await;
    while w.fan_out().await.unwrap() > 0 {}
    w.dispatch().await.unwrap();
    w.dispatch().await.unwrap();
    let w2 = s.get_webhook(hook.id).await.unwrap().unwrap();
    assert!(!w2.active && w2.disabled_at.is_some() && w2.disabled_reason.is_some());
    assert_eq!((w2.consecutive_failures, w2.version), (2, w1.version + 1));
    let events = s.entity_events(hook.id.0, None, 10).await.unwrap();
    assert_eq!(
        events.last().map(|e| e.event_type.as_str()),
        Some("webhook.disabled")
    );
    assert_eq!(list(Some(DeliveryStatus::Failed)).await.len(), 2);

    // Re-enabled and replayed: one manual attempt, same delivery id; a success resets the count.
    let mut on = w2.clone();
    on.active = true;
    on.consecutive_failures = 0;
    on.version += 1;
    s.update_webhook(&on, w2.version, &webhook_event(&on, "updated"))
        .await
        .unwrap();
    rx.status.store(204, Ordering::SeqCst);
    assert!(s.replay_delivery(first.id, now()).await.unwrap());
    let d = s.get_delivery(first.id).await.unwrap().unwrap();
    assert!(d.manual && d.status == DeliveryStatus::Pending);
    assert_eq!(w.dispatch().await.unwrap(), 1);
    let d = s.get_delivery(first.id).await.unwrap().unwrap();
    assert_eq!(
        (d.status, d.attempts, d.manual, d.last_status),
        (DeliveryStatus::Succeeded, 3, false, Some(204))
    );
    let attempts = s.delivery_attempts(first.id).await.unwrap();
    assert_eq!(attempts.len(), 3);
    assert_eq!(attempts[2].trigger, AttemptTrigger::Replay);
    assert_eq!(
        rx.seen.lock().unwrap().last().unwrap().1[0],
        ("webhook-id", first.id.to_string())
    );
    assert!(
        !s.replay_delivery(nexus_core::ids::DeliveryId::new(), now())
            .await
            .unwrap()
    );

    // An attempt recorded under a lease that was taken over is logged, but leaves the
    // delivery to the new claimant.
    customers_created(&*s, admin, 1).await;
    while w.fan_out().await.unwrap() > 0 {}
    let t = now() + chrono::Duration::seconds(1);
    let claimed = s
        .claim_deliveries(t, t + chrono::Duration::seconds(30), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let c = &claimed[0];
    let stale = DeliveryAttempt {
        id: nexus_core::ids::AttemptId::new(),
        delivery_id: c.delivery.id,
        attempt: 1,
        trigger: AttemptTrigger::Scheduled,
        started_at: t,
        duration_ms: 3,
        status_code: None,
        error: Some("timed out".into()),
        response_excerpt: None,
    };
    let disabled = s
        .record_attempt(&AttemptRecord {
            attempt: &stale,
            lease: t,
            outcome: DeliveryOutcome::Failed,
            failures: FailureCount::Keep,
        })
        .await
        .unwrap();
    assert!(!disabled);
    let d = s.get_delivery(c.delivery.id).await.unwrap().unwrap();
    assert_eq!((d.status, d.attempts), (DeliveryStatus::Pending, 0));
    assert_eq!(s.delivery_attempts(d.id).await.unwrap(), vec![stale]);
}

mod upgrade_to_webhooks {
    use crate::harness::{Backend, run_unmigrated};

    #[tokio::test]
    async fn sqlite() {
        run_unmigrated(Backend::Sqlite, super::cursor_starts_at_the_end_of_the_log).await;
    }

    #[tokio::test]
    async fn postgres() {
        run_unmigrated(
            Backend::Postgres,
            super::cursor_starts_at_the_end_of_the_log,
        )
        .await;
    }
}

/// Upgrading a database with history to 0009: the fan-out cursor starts at the end of the log,
/// so new endpoints get new events only, and the old log is not walked.
async fn cursor_starts_at_the_end_of_the_log(db: nexus_store::Db) {
    let all = match &db {
        nexus_store::Db::Sqlite { .. } => sqlx::migrate!("migrations/sqlite"),
        nexus_store::Db::Postgres(_) => sqlx::migrate!("migrations/postgres"),
    };
    let before = sqlx::migrate::Migrator::with_migrations(
        all.migrations
            .iter()
            .filter(|m| m.version < 9)
            .cloned()
            .collect(),
    );
    match &db {
        nexus_store::Db::Sqlite { writer, .. } => before.run(writer.inner()).await,
        nexus_store::Db::Postgres(pool) => before.run(pool.inner()).await,
    }
    .unwrap();
    let s: Arc<dyn Store> = Arc::new(db.clone());
    // History written with the users table, which later migrations leave alone (the current
    // customer code writes columns that version 8 does not have).
    let owner = add_user(&*s, None).await;
    for _ in 0..3 {
        add_user(&*s, None).await;
    }
    s.sequence_events(10_000).await.unwrap();
    let end = s.max_seq().await.unwrap();
    assert!(end >= 4);

    db.migrate().await.unwrap();
    assert_eq!(s.webhook_cursor().await.unwrap(), end);
    let hook = add_webhook(&*s, owner, &["customer.*"]).await;
    customers_created(&*s, owner, 1).await;
    let w = worker(&s, Arc::new(FakeReceiver::default()), &[0], 0);
    while w.fan_out().await.unwrap() > 0 {}
    let got = s
        .list_deliveries(&DeliveryQuery {
            webhook_id: hook.id,
            status: None,
            after: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(got.len(), 1, "only the event after the upgrade");
    assert!(got[0].event_seq > end);
}

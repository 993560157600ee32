//! Webhooks: endpoints that admins register for event types, and the deliveries of events to
//! them (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`).
//!
//! A delivery is created once per (webhook, event) by the fan-out, from the event log; its id is
//! the `webhook-id` header of every attempt, so a receiver can de-duplicate. Attempts are logged
//! one by one; a delivery is retried on the configured schedule and then marked failed.

pub mod crypto;
pub mod target;
pub mod worker;

use crate::customer::{DeletedFilter, string_enum};
use crate::error::FieldError;
use crate::event::Event;
use crate::ids::{AttemptId, DeliveryId, EventId, UserId, WebhookId};
use crate::page::Cursor;
use crate::validate::{Fields, Patch};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::str::FromStr;
use std::time::Duration;

pub use crypto::{SecretBox, WebhookSecret};

pub const URL_MAX: usize = 2000;
pub const DESCRIPTION_MAX: usize = 500;
pub const EVENTS_MAX: usize = 50;

/// The resources whose events a webhook can subscribe to (`<resource>.<action>`).
pub const EVENT_RESOURCES: &[&str] = &[
    "customer",
    "deal",
    "activity",
    "transaction",
    "product",
    "pipeline",
    "view",
    "user",
    "team",
    "api_key",
    "webhook",
];

/// A registered endpoint as stored and as returned by the API (never with its secret).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Webhook {
    pub id: WebhookId,
    /// Absolute `http(s)` URL receiving `POST`s.
    pub url: String,
    pub description: Option<String>,
    /// Event types: exact (`customer.created`), all of a resource (`customer.*`) or all (`*`).
    pub events: Vec<String>,
    /// Inactive endpoints receive nothing (their pending deliveries wait until re-enabled).
    pub active: bool,
    /// When the endpoint was disabled because its deliveries kept failing.
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
    /// Deliveries that failed for good in a row (reset by a success or by re-enabling).
    pub consecutive_failures: i64,
    pub created_by: UserId,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// The signing secret, sealed with the server's key ([`SecretBox`]); never serialised.
    #[serde(skip)]
    pub secret_sealed: String,
}

impl Webhook {
    pub fn etag(&self) -> String {
        format!("\"{}-{}\"", self.id.0.simple(), self.version)
    }

    /// Does this endpoint subscribe to events of this type?
    pub fn wants(&self, event_type: &str) -> bool {
        matches_any(&self.events, event_type)
    }
}

/// Whether `event_type` matches one of the patterns (`*`, `resource.*`, exact).
pub fn matches_any(patterns: &[String], event_type: &str) -> bool {
    patterns.iter().any(|p| {
        p == "*"
            || p == event_type
            || p.strip_suffix(".*").is_some_and(|r| {
                event_type
                    .strip_prefix(r)
                    .is_some_and(|rest| rest.starts_with('.'))
            })
    })
}

/// Checks one event-type pattern: `*`, `<resource>.*` or `<resource>.<action>` with a known
/// resource.
fn valid_pattern(p: &str) -> Result<(), &'static str> {
    if p == "*" {
        return Ok(());
    }
    let Some((resource, action)) = p.split_once('.') else {
        return Err("must be `*`, `<resource>.*` or `<resource>.<action>`");
    };
    if !EVENT_RESOURCES.contains(&resource) {
        return Err("names an unknown resource");
    }
    let action_ok = action == "*"
        || (!action.is_empty()
            && action.len() <= 64
            && action
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit()));
    if action_ok {
        Ok(())
    } else {
        Err("has an invalid action (lower case letters, digits and _, or *)")
    }
}

/// Reads `events`: 1 to 50 patterns, each checked, duplicates dropped.
fn events(f: &mut Fields<'_>) -> Patch<Vec<String>> {
    let Some(raw) = f.raw_value("events") else {
        return Patch::Absent;
    };
    let Some(items) = raw
        .as_array()
        .filter(|a| !a.is_empty() && a.len() <= EVENTS_MAX)
    else {
        f.error(
            "events",
            "invalid_events",
            format!("must be a list of 1 to {EVENTS_MAX} event types"),
        );
        return Patch::Absent;
    };
    let mut out: Vec<String> = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match item.as_str().map(|s| (s, valid_pattern(s))) {
            Some((s, Ok(()))) => {
                if !out.iter().any(|o| o == s) {
                    out.push(s.to_owned());
                }
            }
            Some((_, Err(msg))) => {
                ok = false;
                f.error(&format!("events[{i}]"), "invalid_event_type", msg);
            }
            None => {
                ok = false;
                f.error(&format!("events[{i}]"), "invalid_type", "must be a string");
            }
        }
    }
    if ok { Patch::Value(out) } else { Patch::Absent }
}

/// Reads `url`: an absolute http(s) URL, not pointing at a private address unless allowed.
fn url_field(f: &mut Fields<'_>, allow_private: bool) -> Patch<String> {
    match f.string("url", URL_MAX) {
        Patch::Value(s) => match target::parse_url(&s, allow_private) {
            Ok(u) => Patch::Value(u.to_string()),
            Err((code, msg)) => {
                f.error("url", code, msg);
                Patch::Absent
            }
        },
        other => other,
    }
}

/// Reads `secret`: a `whsec_` secret, or absent/null (one is generated).
fn secret_field(f: &mut Fields<'_>) -> Option<WebhookSecret> {
    match f.string("secret", 200) {
        Patch::Value(s) => match WebhookSecret::parse(&s) {
            Ok(k) => Some(k),
            Err(msg) => {
                f.error("secret", "invalid_secret", msg);
                None
            }
        },
        _ => None,
    }
}

/// Validated input of a webhook create.
#[derive(Clone, Debug)]
pub struct NewWebhook {
    pub url: String,
    pub description: Option<String>,
    pub events: Vec<String>,
    pub active: bool,
    /// The signing secret to use; `None` to generate one.
    pub secret: Option<WebhookSecret>,
}

impl NewWebhook {
    pub fn parse(v: &Value, allow_private: bool) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(v, "").map_err(crate::customer::validation_errors)?;
        let url = url_field(&mut f, allow_private);
        if matches!(url, Patch::Null)
            || (url.is_absent() && !f.errors.iter().any(|e| e.field == "url"))
        {
            f.error("url", "required", "is required");
        }
        let events = events(&mut f);
        if events.is_absent() && !f.errors.iter().any(|e| e.field.starts_with("events")) {
            f.error("events", "required", "is required");
        }
        let description = f.string("description", DESCRIPTION_MAX).value();
        let active = f.nullable_boolean("active").unwrap_or(true);
        let secret = secret_field(&mut f);
        f.finish()?;
        match (url, events) {
            (Patch::Value(url), Patch::Value(events)) => Ok(Self {
                url,
                description,
                events,
                active,
                secret,
            }),
            _ => Err(Vec::new()),
        }
    }
}

/// Validated input of a webhook update (merge patch).
#[derive(Clone, Debug, Default)]
pub struct WebhookPatch {
    pub url: Patch<String>,
    pub description: Patch<String>,
    pub events: Patch<Vec<String>>,
    pub active: Option<bool>,
}

impl WebhookPatch {
    pub fn parse(v: &Value, allow_private: bool) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(v, "").map_err(crate::customer::validation_errors)?;
        let url = url_field(&mut f, allow_private);
        if url == Patch::Null {
            f.error("url", "required", "cannot be empty");
        }
        let events = events(&mut f);
        let description = f.string("description", DESCRIPTION_MAX);
        let active = f.boolean("active");
        f.read_only("secret", "use POST /api/v1/webhooks/{id}/rotate-secret");
        f.finish()?;
        Ok(Self {
            url,
            description,
            events,
            active,
        })
    }

    /// `cur` with this patch applied (version and times untouched). Re-enabling an endpoint
    /// clears its failure count and the reason it was disabled.
    pub fn apply(&self, cur: &Webhook) -> Webhook {
        let mut n = cur.clone();
        if let Patch::Value(u) = &self.url {
            n.url = u.clone();
        }
        if let Patch::Value(e) = &self.events {
            n.events = e.clone();
        }
        match &self.description {
            Patch::Value(d) => n.description = Some(d.clone()),
            Patch::Null => n.description = None,
            Patch::Absent => {}
        }
        if let Some(a) = self.active {
            n.active = a;
            if a && !cur.active {
                n.consecutive_failures = 0;
                n.disabled_at = None;
                n.disabled_reason = None;
            }
        }
        n
    }
}

/// A list of webhooks, by id (creation order).
#[derive(Clone, Debug)]
pub struct WebhookQuery {
    pub deleted: DeletedFilter,
    pub after: Option<WebhookId>,
    pub limit: u32,
}

string_enum!(
    /// Where a delivery stands: waiting for its next attempt, delivered, or given up.
    DeliveryStatus { Pending => "pending", Succeeded => "succeeded", Failed => "failed" }
);

string_enum!(
    /// Why an attempt ran: on the retry schedule, or because an admin asked for a replay.
    AttemptTrigger { Scheduled => "scheduled", Replay => "replay" }
);

/// One event to deliver to one webhook.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Delivery {
    /// Also the `webhook-id` header of every attempt (stable across retries and replays).
    pub id: DeliveryId,
    pub webhook_id: WebhookId,
    pub event_id: EventId,
    pub event_seq: i64,
    pub event_type: String,
    /// The JSON body sent: `{"type", "timestamp", "data"}`.
    #[schema(value_type = Object)]
    pub payload: Value,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i64,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// HTTP status of the last attempt, if it got a response.
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    /// A replay was requested: the next attempt is a single manual one.
    pub manual: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Delivery {
    /// The delivery of `event` to `webhook`, due now.
    pub fn new(webhook: &Webhook, event: &Event, now: DateTime<Utc>) -> Self {
        Self {
            id: DeliveryId::new(),
            webhook_id: webhook.id,
            event_id: event.id,
            event_seq: event.seq.unwrap_or_default(),
            event_type: event.event_type.clone(),
            payload: payload(event),
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: Some(now),
            last_status: None,
            last_error: None,
            manual: false,
            created_at: now,
            updated_at: now,
        }
    }
}

/// The body of a delivery: `{"type", "timestamp", "data": <the event>}` (Standard Webhooks'
/// recommended shape).
pub fn payload(event: &Event) -> Value {
    json!({
        "type": event.event_type,
        "timestamp": event.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": event,
    })
}

/// One attempt of a delivery, as logged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryAttempt {
    pub id: AttemptId,
    pub delivery_id: DeliveryId,
    /// 1 for the first attempt.
    pub attempt: i64,
    pub trigger: AttemptTrigger,
    pub started_at: DateTime<Utc>,
    pub duration_ms: i64,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<i64>,
    /// Why the attempt failed without a (2xx) answer: connection error, timeout, refusal.
    pub error: Option<String>,
    /// The first bytes of the receiver's answer.
    pub response_excerpt: Option<String>,
}

/// A list of one webhook's deliveries, newest first.
#[derive(Clone, Debug)]
pub struct DeliveryQuery {
    pub webhook_id: WebhookId,
    pub status: Option<DeliveryStatus>,
    pub after: Option<Cursor>,
    pub limit: u32,
}

/// A due delivery claimed by one dispatcher until `lease`, with what is needed to send it.
#[derive(Clone, Debug)]
pub struct ClaimedDelivery {
    pub delivery: Delivery,
    pub url: String,
    pub secret_sealed: String,
    pub lease: DateTime<Utc>,
}

/// What becomes of a delivery after an attempt.
#[derive(Clone, Debug, PartialEq)]
pub enum DeliveryOutcome {
    Succeeded,
    /// Failed; try again at this time.
    Retry(DateTime<Utc>),
    /// Failed for good.
    Failed,
}

/// What an attempt means for its endpoint's failure count.
#[derive(Clone, Debug)]
pub enum FailureCount<'a> {
    /// No change (a retry is scheduled, or a manual replay failed).
    Keep,
    /// A delivery succeeded: the endpoint is healthy.
    Reset,
    /// A delivery failed for good. When the count reaches `disable_after` (0 = never) the
    /// endpoint is disabled with `reason`, and `event` (`webhook.disabled`) is written.
    Count {
        disable_after: i64,
        reason: &'a str,
        event: &'a Event,
    },
}

/// The result of one attempt, recorded in one transaction.
#[derive(Clone, Debug)]
pub struct AttemptRecord<'a> {
    pub attempt: &'a DeliveryAttempt,
    /// The lease of the claim this attempt ran under: a dispatcher whose lease was taken over
    /// logs its attempt but leaves the delivery to the new claimant.
    pub lease: DateTime<Utc>,
    pub outcome: DeliveryOutcome,
    pub failures: FailureCount<'a>,
}

/// Settings of delivery (from the configuration).
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// Delay before each attempt: the first (usually 0), then after each failure. Its length is
    /// the number of attempts.
    pub retry_schedule: Vec<Duration>,
    /// Deliver to loopback, private, link-local … addresses (tests, closed networks).
    pub allow_private_targets: bool,
    /// Disable an endpoint after this many deliveries in a row failed for good (0 = never).
    pub disable_after_failures: u32,
    /// Timeout of one attempt.
    pub timeout: Duration,
    /// How often the worker looks for new events and due deliveries.
    pub poll_interval: Duration,
    /// Deliveries sent at once by one instance.
    pub concurrency: usize,
}

/// The default schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts over
/// about 27 hours).
pub const DEFAULT_RETRY_SCHEDULE_SECS: [u64; 8] = [0, 5, 300, 1800, 7200, 18000, 36000, 36000];

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            retry_schedule: DEFAULT_RETRY_SCHEDULE_SECS
                .iter()
                .map(|s| Duration::from_secs(*s))
                .collect(),
            allow_private_targets: false,
            disable_after_failures: 5,
            timeout: Duration::from_secs(10),
            poll_interval: Duration::from_secs(1),
            concurrency: 8,
        }
    }
}

impl WebhookSettings {
    /// After `attempts_made` failed attempts, the delay before the next one; `None` when the
    /// schedule is used up.
    pub fn next_delay(&self, attempts_made: i64) -> Option<Duration> {
        usize::try_from(attempts_made)
            .ok()
            .and_then(|n| self.retry_schedule.get(n))
            .copied()
    }
}

/// Parses a retry schedule written as comma-separated seconds (`0,5,300`).
pub fn parse_schedule(s: &str) -> Result<Vec<Duration>, String> {
    let out: Result<Vec<Duration>, String> = s
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<u64>()
                .map(Duration::from_secs)
                .map_err(|_| format!("{p:?} is not a number of seconds"))
        })
        .collect();
    let out = out?;
    if out.is_empty() || out.len() > 50 {
        return Err("must list 1 to 50 delays".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_exact_resource_and_all() {
        let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(matches_any(&p(&["*"]), "deal.updated"));
        assert!(matches_any(&p(&["customer.*"]), "customer.created"));
        assert!(!matches_any(&p(&["customer.*"]), "customers.created"));
        assert!(!matches_any(&p(&["customer.*"]), "deal.created"));
        assert!(matches_any(
            &p(&["deal.stage_changed", "customer.created"]),
            "customer.created"
        ));
        assert!(!matches_any(&p(&["customer.created"]), "customer.updated"));
    }

    #[test]
    fn creates_are_checked_field_by_field() {
        let errs = NewWebhook::parse(
            &json!({"url": "ftp://x.example", "events": ["customer.created", "spaceship.*", 3], "colour": 1}),
            false,
        )
        .unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["url", "events[1]", "events[2]", "colour"]);
        let errs = NewWebhook::parse(&json!({}), false).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["url", "events"]);
        let errs = NewWebhook::parse(&json!({"url": "http://127.0.0.1:9/x", "events": []}), false)
            .unwrap_err();
        assert_eq!(errs[0].code, "private_address");
        assert_eq!(errs[1].field, "events");
        let ok = NewWebhook::parse(
            &json!({"url": "http://127.0.0.1:9/x", "events": ["*", "*"]}),
            true,
        )
        .unwrap();
        assert_eq!(ok.events, vec!["*"]);
        assert!(ok.active && ok.secret.is_none());
    }

    #[test]
    fn schedules_parse_and_run_out() {
        let s = WebhookSettings::default();
        assert_eq!(s.retry_schedule.len(), 8);
        let total: u64 = s.retry_schedule.iter().map(Duration::as_secs).sum();
        assert!((24 * 3600..30 * 3600).contains(&total), "{total}");
        assert_eq!(s.next_delay(1), Some(Duration::from_secs(5)));
        assert_eq!(s.next_delay(8), None);
        assert_eq!(
            parse_schedule("0, 1,2").unwrap(),
            vec![
                Duration::ZERO,
                Duration::from_secs(1),
                Duration::from_secs(2)
            ]
        );
        assert!(parse_schedule("").is_err() && parse_schedule("1,x").is_err());
    }
}

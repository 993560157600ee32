//! A customer's timeline: activities, transactions, deal changes and changes to the customer's
//! own fields, merged newest first and paginated by `(at, id)`.

use crate::auth::Scope;
use crate::ids::{CustomerId, UserId};
use crate::money::Currency;
use crate::time::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// What a timeline entry is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    /// A note, call, email, meeting or task logged on the customer (at its creation time).
    Activity,
    /// A sale (at its `occurred_at`).
    Transaction,
    /// A change to one of the customer's deals: created, updated, moved, won, lost, deleted.
    Deal,
    /// A change to the customer record itself.
    Customer,
}

impl TimelineKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "activity" => Some(Self::Activity),
            "transaction" => Some(Self::Transaction),
            "deal" => Some(Self::Deal),
            "customer" => Some(Self::Customer),
            _ => None,
        }
    }
}

/// One entry of the timeline.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TimelineItem {
    pub kind: TimelineKind,
    /// The entry's id: the activity or transaction id, or the event id of a change.
    pub id: Uuid,
    pub at: chrono::DateTime<chrono::Utc>,
    /// Activities: their kind (`call`, …); transactions: their status; changes: the event's
    /// action (`created`, `updated`, `stage_changed`, `deleted`, …).
    pub action: String,
    /// The id of the activity, transaction, deal or customer the entry is about.
    pub subject_id: Uuid,
    /// Activity subject, transaction reference or deal title.
    pub title: Option<String>,
    /// The first 280 characters of an activity's body.
    pub excerpt: Option<String>,
    /// Transactions: total in minor units.
    pub amount: Option<i64>,
    pub currency: Option<Currency>,
    /// Changes: who made them (activities: their owner; transactions: who recorded them).
    pub actor_id: Option<UserId>,
    /// Changes: `{field: [before, after]}`.
    #[schema(value_type = Option<Object>)]
    pub changes: Option<serde_json::Value>,
}

/// A page request of one customer's timeline.
#[derive(Clone, Debug)]
pub struct TimelineQuery {
    pub customer: CustomerId,
    /// Which activities and deals the caller may read (transactions and the customer's own
    /// changes follow the customer, which the service has checked).
    pub scope: Scope,
    /// Kinds to include (the service leaves out kinds the caller has no permission for).
    pub kinds: Vec<TimelineKind>,
    /// Entries strictly before this `(at, id)`.
    pub before: Option<(Timestamp, Uuid)>,
    pub limit: u32,
}

/// Longest excerpt of an activity body, in characters.
pub const EXCERPT_CHARS: usize = 280;

/// The first [`EXCERPT_CHARS`] characters of `body`.
pub fn excerpt(body: &str) -> String {
    match body.char_indices().nth(EXCERPT_CHARS) {
        Some((i, _)) => format!("{}…", &body[..i]),
        None => body.to_owned(),
    }
}

//! Activities: notes, calls, emails, meetings and tasks, linked to a customer and optionally to
//! one of its deals, with a due date, an assignee and a done flag.

use crate::auth::{Ownership, Scope};
use crate::custom_field::CustomCriteria;
use crate::customer::{ATTRIBUTES_MAX_BYTES, DeletedFilter, string_enum};
use crate::error::FieldError;
use crate::ids::{ActivityId, CustomerId, DealId, TeamId, UserId};
use crate::page::{Cursor, SortOrder};
use crate::validate::{Fields, Patch, field_errors};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::str::FromStr;

string_enum!(
    /// What happened or is planned.
    ActivityKind { Note => "note", Call => "call", Email => "email", Meeting => "meeting", Task => "task" }
);

/// An activity as stored and as returned by the API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Activity {
    pub id: ActivityId,
    pub kind: ActivityKind,
    pub subject: String,
    pub body: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub done: bool,
    /// When it was done; set exactly when `done` is true.
    pub completed_at: Option<DateTime<Utc>>,
    /// Who should do it; assignees can read and update the activity.
    pub assignee_id: Option<UserId>,
    /// Always set: given, or the customer of the linked deal.
    pub customer_id: CustomerId,
    pub deal_id: Option<DealId>,
    pub owner_id: UserId,
    /// The team of the linked deal or customer: that team sees the activity.
    pub team_id: Option<TeamId>,
    /// VADER compound score of the body (−1 most negative … +1 most positive), computed by the
    /// AI layer when the body is written; `null` without a body or while the AI layer is down.
    pub sentiment: Option<f64>,
    /// Custom-field values under their keys (see `/api/v1/custom-fields`, entity `activity`),
    /// and any other JSON the client keeps with the activity.
    #[schema(value_type = Object)]
    #[serde(default)]
    pub attributes: Map<String, Value>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Activity {
    pub fn ownership(&self) -> Ownership {
        Ownership {
            owner_id: self.owner_id,
            team_id: self.team_id,
        }
    }

    pub fn etag(&self) -> String {
        format!("\"{}-{}\"", self.id.0.simple(), self.version)
    }

    pub fn sort_value(&self, sort: ActivitySortField) -> String {
        let time = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        match sort {
            ActivitySortField::CreatedAt => time(self.created_at),
            ActivitySortField::UpdatedAt => time(self.updated_at),
            ActivitySortField::DueAt => time(self.due_at.unwrap_or_else(no_due_date)),
        }
    }
}

/// Activities without a due date sort after every dated one.
pub fn no_due_date() -> DateTime<Utc> {
    crate::validate::parse_datetime("9999-12-31T23:59:59.999999Z")
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

pub const SUBJECT_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;

/// Validated input of an activity create. Links and ownership are resolved by the service.
#[derive(Clone, Debug, PartialEq)]
pub struct NewActivity {
    pub kind: ActivityKind,
    pub subject: String,
    pub body: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub done: bool,
    pub completed_at: Option<DateTime<Utc>>,
    pub assignee_id: Option<UserId>,
    pub customer_id: Option<CustomerId>,
    pub deal_id: Option<DealId>,
    pub owner_id: Option<UserId>,
    pub attributes: Map<String, Value>,
}

impl NewActivity {
    /// Parses a create body. `done` defaults to false for tasks, meetings and anything with a
    /// due date, and to true for other kinds (a logged note, call or email happened).
    pub fn parse(v: &Value, now: DateTime<Utc>) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(v, "").map_err(field_errors)?;
        let kind = opt(f.choice::<ActivityKind>("kind", ActivityKind::NAMES));
        if kind.is_none() && !f.errors.iter().any(|e| e.field == "kind") {
            f.error("kind", "required", "is required");
        }
        let subject = f.required_string("subject", SUBJECT_MAX);
        let body = opt(f.string("body", BODY_MAX));
        let due_at = opt(f.datetime("due_at"));
        let done = f.nullable_boolean("done");
        let completed_at = f.datetime("completed_at");
        let assignee_id = opt(f.uuid("assignee_id")).map(UserId);
        let customer_id = opt(f.uuid("customer_id")).map(CustomerId);
        let deal_id = opt(f.uuid("deal_id")).map(DealId);
        let owner_id = opt(f.uuid("owner_id")).map(UserId);
        let attributes = opt(f.object("attributes", ATTRIBUTES_MAX_BYTES)).unwrap_or_default();
        if customer_id.is_none() && deal_id.is_none() && f.errors.is_empty() {
            f.error(
                "customer_id",
                "required",
                "link the activity to a customer, a deal or both",
            );
        }
        let default_done = kind.is_some_and(|k| {
            !matches!(k, ActivityKind::Task | ActivityKind::Meeting) && due_at.is_none()
        });
        let completion = completion(done, completed_at, (default_done, None), now);
        let (done, completed_at) = match completion {
            Ok(c) => c,
            Err(e) => {
                f.errors.push(e);
                (false, None)
            }
        };
        f.finish()?;
        match (kind, subject) {
            (Some(kind), Some(subject)) => Ok(Self {
                kind,
                subject,
                body,
                due_at,
                done,
                completed_at,
                assignee_id,
                customer_id,
                deal_id,
                owner_id,
                attributes,
            }),
            _ => Err(Vec::new()),
        }
    }
}

/// Resolves `done` and `completed_at` from what the client sent and the current state:
/// `done: true` stamps `completed_at` (now, unless given), `done: false` clears it, and a
/// `completed_at` alone marks the activity done (`null` reopens it).
pub fn completion(
    done: Option<bool>,
    completed_at: Patch<DateTime<Utc>>,
    current: (bool, Option<DateTime<Utc>>),
    now: DateTime<Utc>,
) -> Result<(bool, Option<DateTime<Utc>>), FieldError> {
    match (done, completed_at) {
        (Some(false), Patch::Value(_)) => Err(FieldError::new(
            "completed_at",
            "not_allowed",
            "an activity that is not done has no completion time",
        )),
        (Some(true), Patch::Null) => Err(FieldError::new(
            "completed_at",
            "required",
            "a done activity has a completion time",
        )),
        (Some(false), _) | (None, Patch::Null) => Ok((false, None)),
        (_, Patch::Value(t)) => Ok((true, Some(t))),
        (Some(true), Patch::Absent) => Ok((true, current.1.or(Some(now)))),
        (None, Patch::Absent) => Ok((
            current.0,
            if current.0 {
                current.1.or(Some(now))
            } else {
                None
            },
        )),
    }
}

/// Validated input of an activity update (JSON merge patch).
#[derive(Clone, Debug, PartialEq)]
pub struct ActivityPatch {
    pub kind: Patch<ActivityKind>,
    pub subject: Patch<String>,
    pub body: Patch<String>,
    pub due_at: Patch<DateTime<Utc>>,
    pub done: Option<bool>,
    pub completed_at: Patch<DateTime<Utc>>,
    pub assignee_id: Patch<UserId>,
    pub customer_id: Patch<CustomerId>,
    pub deal_id: Patch<DealId>,
    pub owner_id: Patch<UserId>,
    /// Replaces the whole object (custom-field values are checked against the definitions).
    pub attributes: Patch<Map<String, Value>>,
}

impl ActivityPatch {
    pub fn parse(v: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(v, "").map_err(field_errors)?;
        let p = Self {
            kind: f.choice::<ActivityKind>("kind", ActivityKind::NAMES),
            subject: f.string("subject", SUBJECT_MAX),
            body: f.string("body", BODY_MAX),
            due_at: f.datetime("due_at"),
            done: match f.raw_value("done") {
                Some(Value::Null) => {
                    f.error("done", "invalid_type", "must be true or false");
                    None
                }
                _ => f.boolean("done"),
            },
            completed_at: f.datetime("completed_at"),
            assignee_id: map(f.uuid("assignee_id"), UserId),
            customer_id: map(f.uuid("customer_id"), CustomerId),
            deal_id: map(f.uuid("deal_id"), DealId),
            owner_id: map(f.uuid("owner_id"), UserId),
            attributes: f.object("attributes", ATTRIBUTES_MAX_BYTES),
        };
        for (name, null) in [
            ("kind", p.kind == Patch::Null),
            ("subject", p.subject == Patch::Null),
            ("customer_id", p.customer_id == Patch::Null),
            ("owner_id", p.owner_id == Patch::Null),
        ] {
            if null {
                f.error(name, "required", "cannot be null");
            }
        }
        f.finish()?;
        Ok(p)
    }

    /// Applies the fields that need no lookup (not links, assignee or owner) to a copy of `a`.
    pub fn apply_plain(&self, a: &Activity, now: DateTime<Utc>) -> Result<Activity, FieldError> {
        let mut n = a.clone();
        if let Patch::Value(k) = self.kind {
            n.kind = k;
        }
        if let Patch::Value(s) = &self.subject {
            n.subject = s.clone();
        }
        match &self.body {
            Patch::Absent => {}
            Patch::Null => n.body = None,
            Patch::Value(b) => n.body = Some(b.clone()),
        }
        match self.due_at {
            Patch::Absent => {}
            Patch::Null => n.due_at = None,
            Patch::Value(t) => n.due_at = Some(t),
        }
        let (done, completed_at) = completion(
            self.done,
            self.completed_at.clone(),
            (a.done, a.completed_at),
            now,
        )?;
        n.done = done;
        n.completed_at = completed_at;
        if let Patch::Value(v) = &self.attributes {
            n.attributes = v.clone();
        }
        Ok(n)
    }
}

string_enum!(
    /// Fields an activity list can be sorted by (`due_at`: undated last).
    ActivitySortField { CreatedAt => "created_at", UpdatedAt => "updated_at", DueAt => "due_at" }
);

/// An activity list query after parsing, with the caller's scope folded in.
#[derive(Clone, Debug)]
pub struct ActivityQuery {
    pub scope: Scope,
    pub kinds: Vec<ActivityKind>,
    pub customer_id: Option<CustomerId>,
    pub deal_id: Option<DealId>,
    pub assignee_id: Option<UserId>,
    pub owner_id: Option<UserId>,
    /// "Mine": assigned to this user, or unassigned and owned by them.
    pub mine: Option<UserId>,
    /// `Some(true)`: not done; `Some(false)`: done.
    pub open: Option<bool>,
    /// `Some(true)`: not done and due before `now`; `Some(false)`: the others.
    pub overdue: Option<bool>,
    pub now: DateTime<Utc>,
    pub due_after: Option<DateTime<Utc>>,
    pub due_before: Option<DateTime<Utc>>,
    pub deleted: DeletedFilter,
    /// `cf.<key>` filters and a `sort=cf.<key>` (which then replaces `sort`).
    pub custom: CustomCriteria,
    pub sort: ActivitySortField,
    pub order: SortOrder,
    pub after: Option<Cursor>,
    pub limit: u32,
}

impl ActivityQuery {
    /// Every live activity, oldest first, in pages of the maximum size (narrow it with `..`).
    pub fn everything() -> Self {
        Self {
            scope: Scope::All,
            kinds: Vec::new(),
            customer_id: None,
            deal_id: None,
            assignee_id: None,
            owner_id: None,
            mine: None,
            open: None,
            overdue: None,
            now: crate::time::now(),
            due_after: None,
            due_before: None,
            deleted: DeletedFilter::Exclude,
            custom: CustomCriteria::default(),
            sort: ActivitySortField::CreatedAt,
            order: SortOrder::Asc,
            after: None,
            limit: crate::page::MAX_LIMIT,
        }
    }
}

fn opt<T>(p: Patch<T>) -> Option<T> {
    match p {
        Patch::Value(v) => Some(v),
        _ => None,
    }
}

fn map<T, U>(p: Patch<T>, f: impl Fn(T) -> U) -> Patch<U> {
    match p {
        Patch::Absent => Patch::Absent,
        Patch::Null => Patch::Null,
        Patch::Value(v) => Patch::Value(f(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn create_needs_a_link_and_defaults_done_by_kind() {
        let now = crate::time::now();
        let c = uuid::Uuid::now_v7();
        let note = NewActivity::parse(
            &json!({"kind": "note", "subject": "Met at fair", "customer_id": c}),
            now,
        )
        .unwrap();
        assert!(note.done);
        assert_eq!(note.completed_at, Some(now));
        let task = NewActivity::parse(
            &json!({"kind": "task", "subject": "Send quote", "deal_id": c}),
            now,
        )
        .unwrap();
        assert!(!task.done && task.completed_at.is_none());
        let call = NewActivity::parse(&json!({"kind": "call", "subject": "Call back", "customer_id": c, "due_at": "2030-01-01T09:00:00Z"}), now).unwrap();
        assert!(!call.done);
        let errs = NewActivity::parse(&json!({"kind": "chat", "subject": ""}), now).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["kind", "subject"]);
        let errs = NewActivity::parse(&json!({"kind": "task", "subject": "x"}), now).unwrap_err();
        assert_eq!(errs[0].field, "customer_id");
    }

    #[test]
    fn completion_rules() {
        let now = crate::time::now();
        let t = now - chrono::Duration::hours(1);
        assert_eq!(
            completion(Some(true), Patch::Absent, (false, None), now),
            Ok((true, Some(now)))
        );
        assert_eq!(
            completion(Some(true), Patch::Absent, (true, Some(t)), now),
            Ok((true, Some(t)))
        );
        assert_eq!(
            completion(None, Patch::Value(t), (false, None), now),
            Ok((true, Some(t)))
        );
        assert_eq!(
            completion(None, Patch::Null, (true, Some(t)), now),
            Ok((false, None))
        );
        assert_eq!(
            completion(Some(false), Patch::Absent, (true, Some(t)), now),
            Ok((false, None))
        );
        assert!(completion(Some(false), Patch::Value(t), (false, None), now).is_err());
        assert_eq!(
            completion(None, Patch::Absent, (true, Some(t)), now),
            Ok((true, Some(t)))
        );
    }
}

//! Deals: an opportunity with a customer, worth an amount of money, moving through the stages of
//! a pipeline. Their order inside a stage (the kanban column) is a server-assigned `position`.

use crate::auth::{Ownership, Scope};
use crate::custom_field::CustomCriteria;
use crate::customer::{ATTRIBUTES_MAX_BYTES, DeletedFilter, string_enum};
use crate::error::FieldError;
use crate::event::Event;
use crate::ids::{CustomerId, DealId, PipelineId, StageChangeId, StageId, TeamId, UserId};
use crate::money::{AMOUNT_MAX, Currency};
use crate::page::{Cursor, SortOrder};
use crate::validate::{Fields, Patch, field_errors};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::str::FromStr;

string_enum!(
    /// Follows the kind of the deal's stage: open, won or lost.
    DealStatus { Open => "open", Won => "won", Lost => "lost" }
);

/// A deal as stored and as returned by the API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Deal {
    pub id: DealId,
    pub title: String,
    pub customer_id: CustomerId,
    /// Amount in minor units of `currency` (cents for EUR, yen for JPY).
    #[schema(minimum = 0, maximum = 9_007_199_254_740_991_i64)]
    pub value: i64,
    pub currency: Currency,
    pub pipeline_id: PipelineId,
    pub stage_id: StageId,
    pub status: DealStatus,
    /// Why the deal was lost; set exactly when `status` is `lost`.
    pub lost_reason: Option<String>,
    pub owner_id: UserId,
    pub team_id: Option<TeamId>,
    #[schema(value_type = Option<String>, format = Date)]
    pub expected_close_date: Option<NaiveDate>,
    /// When the deal was won or lost; `null` while open.
    pub closed_at: Option<DateTime<Utc>>,
    /// Order inside the stage, ascending (kanban). Assigned by the server on create and on
    /// moves; the server may renumber a stage, always keeping its order.
    pub position: i64,
    /// Custom-field values under their keys (see `/api/v1/custom-fields`, entity `deal`), and
    /// any other JSON the client keeps with the deal.
    #[schema(value_type = Object)]
    pub attributes: Map<String, Value>,
    /// The win model's probability that this open deal is won (1 won, 0 lost), computed when
    /// the deal is read; `null` before the model is trained or while the AI layer is down. Not
    /// stored, and not part of the deal's change history.
    #[serde(default)]
    pub win_probability: Option<f64>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Deal {
    pub fn ownership(&self) -> Ownership {
        Ownership {
            owner_id: self.owner_id,
            team_id: self.team_id,
        }
    }

    pub fn etag(&self) -> String {
        format!("\"{}-{}\"", self.id.0.simple(), self.version)
    }

    /// The cursor value of this deal for a sort field.
    pub fn sort_value(&self, sort: DealSortField) -> String {
        let time = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        match sort {
            DealSortField::CreatedAt => time(self.created_at),
            DealSortField::UpdatedAt => time(self.updated_at),
            DealSortField::Value => self.value.to_string(),
            DealSortField::Title => self.title.to_lowercase(),
            DealSortField::ExpectedCloseDate => self
                .expected_close_date
                .unwrap_or(NO_CLOSE_DATE)
                .to_string(),
            DealSortField::Stage => {
                format!("{}/{}/{}", self.pipeline_id, self.stage_id, self.position)
            }
        }
    }
}

/// Deals without an expected close date sort after every dated one (dates end at 9999-12-31).
pub const NO_CLOSE_DATE: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

pub const TITLE_MAX: usize = 200;
pub const LOST_REASON_MAX: usize = 500;

/// Validated input of a deal create. Pipeline, stage and ownership defaults are resolved by the
/// service.
#[derive(Clone, Debug, PartialEq)]
pub struct NewDeal {
    pub title: String,
    pub customer_id: CustomerId,
    pub value: i64,
    pub currency: Currency,
    pub pipeline_id: Option<PipelineId>,
    pub stage_id: Option<StageId>,
    pub status: Option<DealStatus>,
    pub lost_reason: Option<String>,
    pub owner_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub expected_close_date: Option<NaiveDate>,
    pub attributes: Map<String, Value>,
}

impl NewDeal {
    pub fn parse(v: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(v, "").map_err(field_errors)?;
        let title = f.required_string("title", TITLE_MAX);
        let customer_id = opt(f.uuid("customer_id")).map(CustomerId);
        if customer_id.is_none() && !f.errors.iter().any(|e| e.field == "customer_id") {
            f.error("customer_id", "required", "is required");
        }
        let value = opt(f.integer("value", 0, AMOUNT_MAX)).unwrap_or(0);
        let currency = match currency(&mut f) {
            Patch::Value(c) => Some(c),
            Patch::Absent if f.errors.iter().any(|e| e.field == "currency") => None,
            _ => {
                f.error("currency", "required", "is required");
                None
            }
        };
        let pipeline_id = opt(f.uuid("pipeline_id")).map(PipelineId);
        let stage_id = opt(f.uuid("stage_id")).map(StageId);
        let status = opt(f.choice::<DealStatus>("status", DealStatus::NAMES));
        let lost_reason = opt(f.string("lost_reason", LOST_REASON_MAX));
        let owner_id = opt(f.uuid("owner_id")).map(UserId);
        let team_id = opt(f.uuid("team_id")).map(TeamId);
        let expected_close_date = opt(f.date("expected_close_date"));
        let attributes = opt(f.object("attributes", ATTRIBUTES_MAX_BYTES)).unwrap_or_default();
        f.finish()?;
        match (title, customer_id, currency) {
            (Some(title), Some(customer_id), Some(currency)) => Ok(Self {
                title,
                customer_id,
                value,
                currency,
                pipeline_id,
                stage_id,
                status,
                lost_reason,
                owner_id,
                team_id,
                expected_close_date,
                attributes,
            }),
            _ => Err(Vec::new()),
        }
    }
}

fn currency(f: &mut Fields<'_>) -> Patch<Currency> {
    match f.string("currency", 3) {
        Patch::Value(s) => match Currency::parse(&s) {
            Ok(c) => Patch::Value(c),
            Err(msg) => {
                f.error("currency", "invalid_currency", msg);
                Patch::Absent
            }
        },
        Patch::Null => Patch::Null,
        Patch::Absent => Patch::Absent,
    }
}

/// Validated input of a deal update (JSON merge patch). Changing `stage_id`, `pipeline_id` or
/// `status` moves the deal to the end of the resulting stage.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DealPatch {
    pub title: Patch<String>,
    pub customer_id: Patch<CustomerId>,
    pub value: Patch<i64>,
    pub currency: Patch<Currency>,
    pub pipeline_id: Patch<PipelineId>,
    pub stage_id: Patch<StageId>,
    pub status: Patch<DealStatus>,
    pub lost_reason: Patch<String>,
    pub owner_id: Patch<UserId>,
    pub team_id: Patch<TeamId>,
    pub expected_close_date: Patch<NaiveDate>,
    /// Replaces the whole object (custom-field values are checked against the definitions).
    pub attributes: Patch<Map<String, Value>>,
}

impl DealPatch {
    pub fn parse(v: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(v, "").map_err(field_errors)?;
        let p = Self {
            title: f.string("title", TITLE_MAX),
            customer_id: map(f.uuid("customer_id"), CustomerId),
            value: f.integer("value", 0, AMOUNT_MAX),
            currency: currency(&mut f),
            pipeline_id: map(f.uuid("pipeline_id"), PipelineId),
            stage_id: map(f.uuid("stage_id"), StageId),
            status: f.choice::<DealStatus>("status", DealStatus::NAMES),
            lost_reason: f.string("lost_reason", LOST_REASON_MAX),
            owner_id: map(f.uuid("owner_id"), UserId),
            team_id: map(f.uuid("team_id"), TeamId),
            expected_close_date: f.date("expected_close_date"),
            attributes: f.object("attributes", ATTRIBUTES_MAX_BYTES),
        };
        for (name, null) in [
            ("title", p.title == Patch::Null),
            ("customer_id", p.customer_id == Patch::Null),
            ("value", p.value == Patch::Null),
            ("currency", p.currency == Patch::Null),
            ("pipeline_id", p.pipeline_id == Patch::Null),
            ("stage_id", p.stage_id == Patch::Null),
            ("status", p.status == Patch::Null),
            ("owner_id", p.owner_id == Patch::Null),
        ] {
            if null {
                f.error(name, "required", "cannot be null");
            }
        }
        if f.present("position") {
            f.error(
                "position",
                "read_only",
                "use POST /api/v1/deals/{id}/move to reorder",
            );
        }
        f.finish()?;
        Ok(p)
    }

    /// Applies the plain fields (not stage, pipeline, status, lost reason or ownership, which
    /// the service resolves) to a copy of `d`.
    pub fn apply_plain(&self, d: &Deal) -> Deal {
        let mut n = d.clone();
        if let Patch::Value(v) = &self.title {
            n.title = v.clone();
        }
        if let Patch::Value(v) = self.customer_id {
            n.customer_id = v;
        }
        if let Patch::Value(v) = self.value {
            n.value = v;
        }
        if let Patch::Value(v) = &self.currency {
            n.currency = *v;
        }
        match self.expected_close_date {
            Patch::Absent => {}
            Patch::Null => n.expected_close_date = None,
            Patch::Value(v) => n.expected_close_date = Some(v),
        }
        if let Patch::Value(v) = &self.attributes {
            n.attributes = v.clone();
        }
        n
    }
}

/// Where a moved deal goes inside its target stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// After every other deal of the stage.
    Bottom,
    /// Right above this deal (which must be live and in the target stage).
    Before(DealId),
    /// Right below this deal.
    After(DealId),
}

/// Marks the event of a deal write whose placement renumbered the deal's stage: its
/// `changes.position` pair (added when the deal's own position did not change) gets
/// `"stage_renumbered": true`. Every other live deal of the stage changed position without an
/// event or a new version of its own, so readers of the log (record caches, kanban clients)
/// learn it here; renumbering is rare (a gap runs out after about twenty drops into one slot).
pub fn mark_stage_renumbered(event: &mut Event, deal: &Deal) {
    let pair = event
        .changes
        .entry("position")
        .or_insert_with(|| serde_json::json!({"before": deal.position, "after": deal.position}));
    if let Value::Object(pair) = pair {
        pair.insert(STAGE_RENUMBERED.into(), Value::Bool(true));
    }
}

/// Whether `event` is a deal write that renumbered its stage ([`mark_stage_renumbered`]).
pub fn renumbers_stage(event: &Event) -> bool {
    event.entity == "deal"
        && event
            .changes
            .get("position")
            .and_then(|p| p.get(STAGE_RENUMBERED))
            .and_then(Value::as_bool)
            .unwrap_or(false)
}

const STAGE_RENUMBERED: &str = "stage_renumbered";

/// A validated move: the target stage, the place in it, and a lost reason when the stage is a
/// lost stage.
#[derive(Clone, Debug, PartialEq)]
pub struct DealMove {
    pub stage_id: StageId,
    pub placement: Placement,
    pub lost_reason: Option<String>,
}

impl DealMove {
    pub fn parse(v: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(v, "").map_err(field_errors)?;
        let stage_id = opt(f.uuid("stage_id")).map(StageId);
        if stage_id.is_none() && !f.errors.iter().any(|e| e.field == "stage_id") {
            f.error("stage_id", "required", "is required");
        }
        let before = opt(f.uuid("before_id")).map(DealId);
        let after = opt(f.uuid("after_id")).map(DealId);
        let lost_reason = opt(f.string("lost_reason", LOST_REASON_MAX));
        let placement = match (before, after) {
            (Some(_), Some(_)) => {
                f.error(
                    "after_id",
                    "not_allowed",
                    "send before_id or after_id, not both",
                );
                Placement::Bottom
            }
            (Some(b), None) => Placement::Before(b),
            (None, Some(a)) => Placement::After(a),
            (None, None) => Placement::Bottom,
        };
        f.finish()?;
        let stage_id = stage_id.ok_or_else(Vec::new)?;
        Ok(Self {
            stage_id,
            placement,
            lost_reason,
        })
    }
}

/// One entry of a deal's stage history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StageChange {
    pub id: StageChangeId,
    pub deal_id: DealId,
    pub pipeline_id: PipelineId,
    /// `null` for the stage the deal was created in.
    pub from_stage_id: Option<StageId>,
    /// Stage names as they were at the time of the change.
    pub from_stage_name: Option<String>,
    pub to_stage_id: StageId,
    pub to_stage_name: String,
    pub actor_id: Option<UserId>,
    pub changed_at: DateTime<Utc>,
}

string_enum!(
    /// Fields a deal list can be sorted by; `stage` is the kanban order (pipeline, stage order,
    /// position in the stage).
    DealSortField {
        CreatedAt => "created_at",
        UpdatedAt => "updated_at",
        Value => "value",
        Title => "title",
        ExpectedCloseDate => "expected_close_date",
        Stage => "stage",
    }
);

/// A deal list query after parsing, with the caller's scope folded in.
#[derive(Clone, Debug)]
pub struct DealQuery {
    pub scope: Scope,
    pub pipeline_id: Option<PipelineId>,
    pub stage_id: Option<StageId>,
    pub statuses: Vec<DealStatus>,
    pub owner_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub customer_id: Option<CustomerId>,
    /// Expected close date range, both ends inclusive.
    pub close_from: Option<NaiveDate>,
    pub close_to: Option<NaiveDate>,
    /// Case-insensitive substring of the title.
    pub q: Option<String>,
    pub deleted: DeletedFilter,
    /// `cf.<key>` filters and a `sort=cf.<key>` (which then replaces `sort`).
    pub custom: CustomCriteria,
    pub sort: DealSortField,
    pub order: SortOrder,
    pub after: Option<Cursor>,
    pub limit: u32,
}

impl DealQuery {
    /// Every live deal, oldest first, in pages of the maximum size (narrow it with `..`).
    pub fn everything() -> Self {
        Self {
            scope: Scope::All,
            pipeline_id: None,
            stage_id: None,
            statuses: Vec::new(),
            owner_id: None,
            team_id: None,
            customer_id: None,
            close_from: None,
            close_to: None,
            q: None,
            deleted: DeletedFilter::Exclude,
            custom: CustomCriteria::default(),
            sort: DealSortField::CreatedAt,
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
    fn create_requires_title_customer_and_currency() {
        let errs = NewDeal::parse(&json!({"value": 12.5})).unwrap_err();
        let fields: Vec<String> = errs
            .iter()
            .map(|e| format!("{}:{}", e.field, e.code))
            .collect();
        assert_eq!(
            fields,
            vec![
                "title:required",
                "customer_id:required",
                "value:invalid_type",
                "currency:required"
            ]
        );
        let d = NewDeal::parse(
            &json!({"title": "Renewal", "customer_id": uuid::Uuid::now_v7(),
            "currency": "eur", "value": 125_000, "expected_close_date": "2026-06-30"}),
        )
        .unwrap();
        assert_eq!(d.currency.as_str(), "EUR");
        assert_eq!(d.value, 125_000);
        assert!(
            NewDeal::parse(&json!({"title": "X", "customer_id": uuid::Uuid::now_v7(), "currency": "EUR", "value": -1}))
                .is_err()
        );
    }

    #[test]
    fn a_renumbering_marks_the_position_change() {
        let id = uuid::Uuid::now_v7();
        let mut moved = Event::new("deal", id, "moved", None, Map::new());
        moved.changes.insert(
            "position".into(),
            json!({"before": 1 << 20, "after": 1 << 19}),
        );
        assert!(!renumbers_stage(&moved));
        let d: Deal = serde_json::from_value(json!({
            "id": id, "title": "T", "customer_id": id, "value": 0, "currency": "EUR",
            "pipeline_id": id, "stage_id": id, "status": "open", "lost_reason": null,
            "owner_id": id, "team_id": null, "expected_close_date": null, "closed_at": null,
            "position": 7, "attributes": {}, "version": 2,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
            "deleted_at": null
        }))
        .unwrap();
        mark_stage_renumbered(&mut moved, &d);
        assert!(renumbers_stage(&moved));
        assert_eq!(
            moved.changes["position"],
            json!({"before": 1 << 20, "after": 1 << 19, "stage_renumbered": true})
        );
        // Its own position unchanged: the pair is added.
        let mut same = Event::new("deal", id, "moved", None, Map::new());
        mark_stage_renumbered(&mut same, &d);
        assert_eq!(
            same.changes["position"],
            json!({"before": 7, "after": 7, "stage_renumbered": true})
        );
        // Only deal events mark.
        let other = Event {
            entity: "customer".into(),
            ..same
        };
        assert!(!renumbers_stage(&other));
    }

    #[test]
    fn moves_take_one_anchor() {
        let s = uuid::Uuid::now_v7();
        let a = uuid::Uuid::now_v7();
        let m = DealMove::parse(&json!({"stage_id": s, "after_id": a})).unwrap();
        assert_eq!(m.placement, Placement::After(DealId(a)));
        assert_eq!(
            DealMove::parse(&json!({"stage_id": s})).unwrap().placement,
            Placement::Bottom
        );
        assert!(DealMove::parse(&json!({"stage_id": s, "after_id": a, "before_id": a})).is_err());
        assert!(DealMove::parse(&json!({"before_id": a})).is_err());
    }

    #[test]
    fn patch_refuses_nulls_and_position() {
        let errs = DealPatch::parse(&json!({"title": null, "position": 3})).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["title", "position"]);
        let p = DealPatch::parse(&json!({"expected_close_date": null})).unwrap();
        assert_eq!(p.expected_close_date, Patch::Null);
    }
}

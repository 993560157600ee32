//! `GET /api/v1/customers/{id}/timeline`: everything that happened to a customer, newest first.

use crate::error::{ApiResult, Problem};
use crate::extract::{CurrentActor, QueryParams, keep, path_id};
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use nexus_core::FieldError;
use nexus_core::ids::CustomerId;
use nexus_core::page::{Cursor, parse_limit};
use nexus_core::timeline::{TimelineItem, TimelineKind};
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/customers/{id}/timeline", get(timeline))
}

#[derive(Serialize, ToSchema)]
pub struct Timeline {
    data: Vec<TimelineItem>,
    /// Pass as `cursor` for the next (older) page; null on the last page.
    next_cursor: Option<String>,
}

const SORT: &str = "at";

/// A customer's timeline: activities (at creation), transactions (at `occurred_at`), changes to
/// the customer's deals and to the customer's own fields, merged newest first and keyset
/// paginated. Entries the caller may not read (deals and activities outside their scope, kinds
/// their role cannot read) are left out.
#[utoipa::path(operation_id = "customer_timeline", get, path = "/api/v1/customers/{id}/timeline", tag = "customers", security(("bearer" = [])),
    params(("id" = CustomerId, Path),
        ("kind" = Option<Vec<String>>, Query, description = "Repeatable: activity, transaction, deal, customer (default: all)"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = Timeline), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn timeline(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Timeline>> {
    let id: CustomerId = path_id(&id, "customer")?;
    let p = QueryParams::parse(raw.as_deref(), &["kind", "limit", "cursor"], &["kind"])?;
    let mut errors = Vec::new();
    let mut kinds = Vec::new();
    for k in p.all("kind") {
        match TimelineKind::parse(k) {
            Some(k) => kinds.push(k),
            None => errors.push(FieldError::new(
                "kind",
                "invalid_choice",
                "must be one of: activity, transaction, deal, customer",
            )),
        }
    }
    let limit = keep(&mut errors, parse_limit(p.one("limit")));
    let before = match p.one("cursor").map(Cursor::decode) {
        None => None,
        Some(Ok(c)) if c.sort == SORT => match chrono::DateTime::parse_from_rfc3339(&c.value) {
            Ok(at) => Some((at.with_timezone(&chrono::Utc), c.id)),
            Err(_) => {
                errors.push(bad_cursor());
                None
            }
        },
        Some(_) => {
            errors.push(bad_cursor());
            None
        }
    };
    let (Some(limit), true) = (limit, errors.is_empty()) else {
        return Err(Problem::validation(errors));
    };
    let mut data = state
        .services
        .customers
        .timeline(&actor, id, &kinds, before, limit + 1)
        .await?;
    let next_cursor = if data.len() > limit as usize {
        data.truncate(limit as usize);
        data.last().map(|i| {
            Cursor {
                sort: SORT.into(),
                value: i.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                id: i.id,
            }
            .encode()
        })
    } else {
        None
    };
    Ok(Json(Timeline { data, next_cursor }))
}

fn bad_cursor() -> FieldError {
    FieldError::new(
        "cursor",
        "invalid_cursor",
        "is not a cursor returned by this API",
    )
}

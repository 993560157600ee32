//! `GET /api/v1/events?after=SEQ`: the event log as the caller may see it, for catching up after
//! a Socket.IO reconnect (or polling instead of webhooks).

use crate::error::{ApiResult, Problem};
use crate::extract::{CurrentActor, QueryParams, keep};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use nexus_core::event::Event;
use nexus_core::page::parse_limit;
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/events", get(list))
}

#[derive(Serialize, ToSchema)]
pub struct EventList {
    /// Events with `seq` greater than `after` that the caller may see, oldest first.
    data: Vec<Event>,
    /// Pass as `after` to continue: the last sequence number looked at (seen or not), so paging
    /// on never repeats nor skips an event.
    next_after: i64,
    /// More of the log follows `next_after` now; when false, the caller is up to date (new
    /// events arrive over Socket.IO).
    has_more: bool,
}

/// The event log after sequence number `after` (default 0), oldest first, keeping only events
/// about records the caller may read now. A Socket.IO client that reconnects passes the `seq`
/// of the last event it received and pages on while `has_more` is true: no gaps, no duplicates.
#[utoipa::path(operation_id = "list_events", get, path = "/api/v1/events", tag = "events", security(("bearer" = [])),
    params(("after" = Option<i64>, Query, minimum = 0, description = "Sequence number of the last event already seen"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500)),
    responses((status = 200, body = EventList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<EventList>> {
    let p = QueryParams::parse(raw.as_deref(), &["after", "limit"], &[])?;
    let mut errors = Vec::new();
    let limit = keep(&mut errors, parse_limit(p.one("limit")));
    let after = p.after("after", "a sequence number", &mut errors);
    let (Some(limit), true) = (limit, errors.is_empty()) else {
        return Err(Problem::validation(errors));
    };
    let page = state.services.events.list(&actor, after, limit).await?;
    Ok(Json(EventList {
        data: page.data,
        next_after: page.next_after,
        has_more: page.more,
    }))
}

//! `/api/v1/activities`: notes, calls, emails, meetings and tasks on customers and deals, with
//! ETags, soft delete and restore, keyset lists ("my open tasks", overdue, custom fields as
//! `cf.<key>`) and history.

use crate::error::{ApiResult, Problem};
use crate::extract::{CurrentActor, IdempotencyKey, IfMatch, JsonBody, path_id};
use crate::idempotency;
use crate::listing::{
    ListQuery, conditional, created, id_cursor, id_page, page, split_custom, with_etag,
};
use crate::routes::customers::EventList;
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use nexus_core::activity::{
    Activity, ActivityKind, ActivityPatch, ActivityQuery, ActivitySortField, NewActivity,
};
use nexus_core::auth::{Actor, Scope};
use nexus_core::ids::{ActivityId, CustomerId, DealId, EventId, UserId};
use nexus_core::page::{Cursor, SortOrder};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/activities", post(create).get(list))
        .route("/api/v1/activities/export", get(export))
        .route(
            "/api/v1/activities/{id}",
            get(read).patch(update).delete(remove),
        )
        .route("/api/v1/activities/{id}/restore", post(restore))
        .route("/api/v1/activities/{id}/history", get(history))
}

/// Body of an activity create: link it to a customer, a deal (its customer is implied) or both.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ActivityCreate {
    kind: ActivityKind,
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    subject: String,
    #[schema(max_length = 20000, nullable)]
    body: Option<String>,
    #[schema(nullable)]
    due_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Defaults to false for tasks, meetings and anything with a due date, true otherwise.
    #[schema(nullable)]
    done: Option<bool>,
    /// When it was done (implies `done`); defaults to now for done activities.
    #[schema(nullable)]
    completed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Any active user; assignees can read and update the activity.
    #[schema(nullable)]
    assignee_id: Option<UserId>,
    #[schema(nullable)]
    customer_id: Option<CustomerId>,
    #[schema(nullable)]
    deal_id: Option<DealId>,
    /// Defaults to the caller; other owners need `activities:reassign`.
    #[schema(nullable)]
    owner_id: Option<UserId>,
    /// Custom-field values under their keys (`GET /api/v1/custom-fields?entity=activity`):
    /// checked against the definitions (422 naming `attributes.<key>`; 409 `value_taken` for a
    /// value of a unique field that another activity holds). Other keys are kept as they are.
    #[schema(value_type = Option<Object>)]
    attributes: Option<serde_json::Value>,
}

/// Body of an activity update (merge patch). `done: true` stamps `completed_at`; `done: false`
/// clears it.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ActivityUpdate {
    kind: Option<ActivityKind>,
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    subject: Option<String>,
    #[schema(max_length = 20000, nullable)]
    body: Option<String>,
    #[schema(nullable)]
    due_at: Option<chrono::DateTime<chrono::Utc>>,
    done: Option<bool>,
    #[schema(nullable)]
    completed_at: Option<chrono::DateTime<chrono::Utc>>,
    #[schema(nullable)]
    assignee_id: Option<UserId>,
    customer_id: Option<CustomerId>,
    /// `null` unlinks the deal (the customer stays).
    #[schema(nullable)]
    deal_id: Option<DealId>,
    owner_id: Option<UserId>,
    /// Replaces the whole object (`null` clears it); custom-field values are checked as on
    /// create, values unchanged from the stored ones pass.
    #[schema(value_type = Option<Object>)]
    attributes: Option<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityList {
    pub data: Vec<Activity>,
    pub next_cursor: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ActivityListParams {
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    cursor: Option<String>,
    /// `created_at` (default, newest first), `updated_at`, `due_at` (undated last) or `cf.<key>`
    /// (a custom field; activities without a value come last); prefix `-` for descending.
    #[param(pattern = "^[-+]?(created_at|updated_at|due_at|cf\\.[a-z][a-z0-9_]*)$")]
    sort: Option<String>,
    /// One or more kinds, comma-separated.
    kind: Option<String>,
    customer_id: Option<CustomerId>,
    deal_id: Option<DealId>,
    assignee_id: Option<UserId>,
    owner_id: Option<UserId>,
    /// `true`: assigned to you, or unassigned and owned by you.
    mine: Option<bool>,
    /// `true`: not done; `false`: done.
    open: Option<bool>,
    /// `true`: not done and due before now; `false`: the others.
    overdue: Option<bool>,
    #[param(value_type = Option<String>, format = DateTime)]
    due_after: Option<String>,
    #[param(value_type = Option<String>, format = DateTime)]
    due_before: Option<String>,
    #[param(pattern = "^(only|exclude)$")]
    deleted: Option<String>,
}

const LIST_PARAMS: &[&str] = &[
    "limit",
    "cursor",
    "sort",
    "kind",
    "customer_id",
    "deal_id",
    "assignee_id",
    "owner_id",
    "mine",
    "open",
    "overdue",
    "due_after",
    "due_before",
    "deleted",
];

/// Parse and validate the list query. `cf.<key>` filters and `sort=cf.<key>` are checked for
/// shape here and against the field definitions by the service.
pub(crate) fn parse_list(actor: &Actor, raw: Option<&str>) -> ApiResult<ActivityQuery> {
    let mut errors = Vec::new();
    let custom = split_custom(raw, &mut errors);
    let mut p = ListQuery::parse(Some(&custom.rest), LIST_PARAMS, &["kind"])?;
    p.errors(errors);
    let limit = p.limit();
    let (sort, order) = p.sort(
        (ActivitySortField::CreatedAt, SortOrder::Desc),
        ActivitySortField::NAMES,
    );
    let order = custom.order.unwrap_or(order);
    let q = ActivityQuery {
        scope: Scope::All,
        kinds: p.choices("kind", ActivityKind::NAMES),
        customer_id: p.uuid("customer_id").map(CustomerId),
        deal_id: p.uuid("deal_id").map(DealId),
        assignee_id: p.uuid("assignee_id").map(UserId),
        owner_id: p.uuid("owner_id").map(UserId),
        mine: p.boolean("mine").filter(|m| *m).map(|_| actor.user_id),
        open: p.boolean("open"),
        overdue: p.boolean("overdue"),
        now: nexus_core::time::now(),
        due_after: p.time("due_after"),
        due_before: p.time("due_before"),
        deleted: p.deleted(),
        custom: custom.criteria,
        sort,
        order,
        after: p.cursor(),
        limit,
    };
    p.finish()?;
    Ok(q)
}

fn location(a: &Activity) -> String {
    format!("/api/v1/activities/{}", a.id)
}

/// Log or plan an activity.
#[utoipa::path(operation_id = "create_activity", post, path = "/api/v1/activities", tag = "activities", security(("bearer" = [])), request_body = ActivityCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried POST return the first response")),
    responses((status = 201, body = Activity, headers(("Location" = String), ("ETag" = String))), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    IdempotencyKey(key): IdempotencyKey,
    body: JsonBody,
) -> ApiResult<Response> {
    let work = async {
        let input = NewActivity::parse(&body.value, nexus_core::time::now())
            .map_err(Problem::validation)?;
        let a = state.services.activities.create(&actor, input).await?;
        created(&a, location(&a), a.etag())
    };
    idempotency::run(
        &state,
        &actor,
        key,
        "POST /api/v1/activities",
        &body.raw,
        work,
    )
    .await
}

/// List the activities you may read: `mine=true&open=true` is "my open tasks". Custom fields
/// filter as `cf.<key>=value` (exact match of the typed value; a `multi_select` field matches
/// activities whose list holds the value) and sort as `sort=cf.<key>`; unknown keys and values
/// that do not fit the field are a 422 naming `cf.<key>`.
#[utoipa::path(operation_id = "list_activities", get, path = "/api/v1/activities", tag = "activities", security(("bearer" = [])), params(ActivityListParams),
    responses((status = 200, body = ActivityList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<ActivityList>> {
    let mut q = parse_list(&actor, raw.as_deref())?;
    state
        .services
        .activities
        .resolve_custom(&actor, &mut q)
        .await?;
    let limit = q.limit;
    q.limit += 1;
    let rows = state.services.activities.list(&actor, q.clone()).await?;
    let (data, next_cursor) = page(rows, limit, |a| position(&q, a));
    Ok(Json(ActivityList { data, next_cursor }))
}

/// The keyset position of `a` in the order of `q`.
fn position(q: &ActivityQuery, a: &Activity) -> Cursor {
    q.custom.cursor(a).unwrap_or_else(|| Cursor {
        sort: q.sort.as_str().into(),
        value: a.sort_value(q.sort),
        id: a.id.0,
    })
}

/// Export the activities the caller may read as CSV, with the list's filters and sort (`limit` and
/// `cursor` are ignored: the export runs to the end), streamed page by page. Columns: the
/// activity's fields, then one `cf.<key>` column per custom field of activities.
#[utoipa::path(operation_id = "export_activities", get, path = "/api/v1/activities/export", tag = "activities", security(("bearer" = [])), params(ActivityListParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn export(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let mut q = parse_list(&actor, raw.as_deref())?;
    let service = state.services.activities.clone();
    service.resolve_custom(&actor, &mut q).await?;
    let defs = service.field_definitions(&actor).await?;
    let columns = crate::export::ACTIVITY_COLUMNS;
    crate::export::records(service, actor, q, columns, defs, "activities.csv").await
}

/// Read one activity (304 when `If-None-Match` holds the current `ETag`).
#[utoipa::path(operation_id = "read_activity", get, path = "/api/v1/activities/{id}", tag = "activities", security(("bearer" = [])),
    params(("id" = ActivityId, Path)),
    responses((status = 200, body = Activity, headers(("ETag" = String))), (status = 304), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn read(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let a = state
        .services
        .activities
        .get(&actor, path_id(&id, "activity")?)
        .await?;
    Ok(conditional(&headers, &a, &a.etag()))
}

/// Change some fields (JSON merge patch), e.g. `{"done": true}`; `If-Match` → 412 when stale.
#[utoipa::path(operation_id = "update_activity", patch, path = "/api/v1/activities/{id}", tag = "activities", security(("bearer" = [])), request_body = ActivityUpdate,
    params(("id" = ActivityId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Activity, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn update(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    body: JsonBody,
) -> ApiResult<Response> {
    let id = path_id(&id, "activity")?;
    let patch = ActivityPatch::parse(&body.value).map_err(Problem::validation)?;
    let a = state
        .services
        .activities
        .update(&actor, id, patch, if_match.as_deref())
        .await?;
    Ok(with_etag(&a, &a.etag()))
}

/// Soft-delete an activity (restorable).
#[utoipa::path(operation_id = "delete_activity", delete, path = "/api/v1/activities/{id}", tag = "activities", security(("bearer" = [])),
    params(("id" = ActivityId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 412, body = Problem)))]
async fn remove(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state
        .services
        .activities
        .delete(&actor, path_id(&id, "activity")?, if_match.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Restore a soft-deleted activity.
#[utoipa::path(operation_id = "restore_activity", post, path = "/api/v1/activities/{id}/restore", tag = "activities", security(("bearer" = [])),
    params(("id" = ActivityId, Path)),
    responses((status = 200, body = Activity), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn restore(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let a = state
        .services
        .activities
        .restore(&actor, path_id(&id, "activity")?)
        .await?;
    Ok(with_etag(&a, &a.etag()))
}

/// The change history of an activity, oldest first.
#[utoipa::path(operation_id = "activity_history", get, path = "/api/v1/activities/{id}/history", tag = "activities", security(("bearer" = [])),
    params(("id" = ActivityId, Path), ("limit" = Option<u32>, Query, minimum = 1, maximum = 500), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = EventList), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn history(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<EventList>> {
    let id: ActivityId = path_id(&id, "activity")?;
    let (limit, after) = id_page(raw.as_deref())?;
    let rows = state
        .services
        .activities
        .history(&actor, id, after.map(EventId), limit + 1)
        .await?;
    let (data, next_cursor) = page(rows, limit, |e| id_cursor(e.id.0));
    Ok(Json(EventList { data, next_cursor }))
}

//! `/api/v1/deals`: CRUD with ETags, soft delete and restore, kanban moves, keyset lists with
//! filters, custom fields (`cf.<key>`) and the board order, stage history and change history.

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
use nexus_core::auth::Scope;
use nexus_core::deal::{
    Deal, DealMove, DealPatch, DealQuery, DealSortField, DealStatus, NewDeal, StageChange,
};
use nexus_core::ids::{
    CustomerId, DealId, EventId, PipelineId, StageChangeId, StageId, TeamId, UserId,
};
use nexus_core::page::{Cursor, SortOrder};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/deals", post(create).get(list))
        .route("/api/v1/deals/export", get(export))
        .route("/api/v1/deals/{id}", get(read).patch(update).delete(remove))
        .route("/api/v1/deals/{id}/restore", post(restore))
        .route("/api/v1/deals/{id}/move", post(move_deal))
        .route("/api/v1/deals/{id}/stage-history", get(stage_history))
        .route("/api/v1/deals/{id}/history", get(history))
}

/// Body of a deal create.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DealCreate {
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    title: String,
    /// A live customer you can read.
    customer_id: CustomerId,
    /// Minor units of `currency` (e.g. cents); default 0.
    #[schema(minimum = 0, maximum = 9_007_199_254_740_991_i64, nullable)]
    value: Option<i64>,
    /// ISO 4217 code.
    #[schema(pattern = "^[A-Za-z]{3}$")]
    currency: String,
    /// Defaults to the stage's pipeline, else the default pipeline.
    #[schema(nullable)]
    pipeline_id: Option<PipelineId>,
    /// Defaults to the first stage of the pipeline matching `status` (open by default).
    #[schema(nullable)]
    stage_id: Option<StageId>,
    /// Must match the stage's kind when both are given.
    status: Option<DealStatus>,
    /// Required when the deal is created lost.
    #[schema(max_length = 500, nullable)]
    lost_reason: Option<String>,
    /// Defaults to the caller; other owners need `deals:reassign`.
    #[schema(nullable)]
    owner_id: Option<UserId>,
    /// Defaults to the owner's team.
    #[schema(nullable)]
    team_id: Option<TeamId>,
    #[schema(value_type = Option<String>, format = Date, nullable)]
    expected_close_date: Option<String>,
    /// Custom-field values under their keys (`GET /api/v1/custom-fields?entity=deal`): checked
    /// against the definitions (422 naming `attributes.<key>`; 409 `value_taken` for a value of
    /// a unique field that another deal holds). Other keys are kept as they are.
    #[schema(value_type = Option<Object>)]
    attributes: Option<serde_json::Value>,
}

/// Body of a deal update (merge patch). A new `stage_id`, `pipeline_id` or `status` puts the
/// deal at the bottom of the resulting stage; use the move endpoint to choose the place.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DealUpdate {
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    title: Option<String>,
    customer_id: Option<CustomerId>,
    #[schema(minimum = 0, maximum = 9_007_199_254_740_991_i64)]
    value: Option<i64>,
    #[schema(pattern = "^[A-Za-z]{3}$")]
    currency: Option<String>,
    pipeline_id: Option<PipelineId>,
    stage_id: Option<StageId>,
    status: Option<DealStatus>,
    #[schema(max_length = 500, nullable)]
    lost_reason: Option<String>,
    owner_id: Option<UserId>,
    #[schema(nullable)]
    team_id: Option<TeamId>,
    #[schema(value_type = Option<String>, format = Date, nullable)]
    expected_close_date: Option<String>,
    /// Replaces the whole object (`null` clears it); custom-field values are checked as on
    /// create, values unchanged from the stored ones pass.
    #[schema(value_type = Option<Object>)]
    attributes: Option<serde_json::Value>,
}

/// Body of a move: the target stage (of any live pipeline) and, optionally, the deal to land
/// just above (`before_id`) or below (`after_id`); neither puts it at the bottom.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DealMoveBody {
    stage_id: StageId,
    #[schema(nullable)]
    before_id: Option<DealId>,
    #[schema(nullable)]
    after_id: Option<DealId>,
    /// Required when moving into a lost stage (unless the deal was lost already).
    #[schema(max_length = 500, nullable)]
    lost_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DealList {
    pub data: Vec<Deal>,
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StageChangeList {
    pub data: Vec<StageChange>,
    pub next_cursor: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct DealListParams {
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    cursor: Option<String>,
    /// `created_at` (default, newest first), `updated_at`, `value`, `title`,
    /// `expected_close_date` (undated last), `stage` (board order: pipeline, stage, position) or
    /// `cf.<key>` (a custom field; deals without a value come last); prefix `-` for descending.
    #[param(
        pattern = "^[-+]?(created_at|updated_at|value|title|expected_close_date|stage|cf\\.[a-z][a-z0-9_]*)$"
    )]
    sort: Option<String>,
    pipeline_id: Option<PipelineId>,
    stage_id: Option<StageId>,
    /// One or more statuses, comma-separated.
    status: Option<String>,
    owner_id: Option<UserId>,
    team_id: Option<TeamId>,
    customer_id: Option<CustomerId>,
    /// Expected close on or after this date.
    #[param(value_type = Option<String>, format = Date)]
    expected_close_from: Option<String>,
    /// Expected close on or before this date.
    #[param(value_type = Option<String>, format = Date)]
    expected_close_to: Option<String>,
    /// Case-insensitive substring of the title.
    #[param(max_length = 200)]
    q: Option<String>,
    #[param(pattern = "^(only|exclude)$")]
    deleted: Option<String>,
}

const LIST_PARAMS: &[&str] = &[
    "limit",
    "cursor",
    "sort",
    "pipeline_id",
    "stage_id",
    "status",
    "owner_id",
    "team_id",
    "customer_id",
    "expected_close_from",
    "expected_close_to",
    "q",
    "deleted",
];

/// Parse and validate the list query. `cf.<key>` filters and `sort=cf.<key>` are checked for
/// shape here and against the field definitions by the service.
pub(crate) fn parse_list(raw: Option<&str>) -> ApiResult<DealQuery> {
    let mut errors = Vec::new();
    let custom = split_custom(raw, &mut errors);
    let mut p = ListQuery::parse(Some(&custom.rest), LIST_PARAMS, &["status"])?;
    p.errors(errors);
    let limit = p.limit();
    let (sort, order) = p.sort(
        (DealSortField::CreatedAt, SortOrder::Desc),
        DealSortField::NAMES,
    );
    let order = custom.order.unwrap_or(order);
    let q = DealQuery {
        scope: Scope::All,
        pipeline_id: p.uuid("pipeline_id").map(PipelineId),
        stage_id: p.uuid("stage_id").map(StageId),
        statuses: p.choices("status", DealStatus::NAMES),
        owner_id: p.uuid("owner_id").map(UserId),
        team_id: p.uuid("team_id").map(TeamId),
        customer_id: p.uuid("customer_id").map(CustomerId),
        close_from: p.date("expected_close_from"),
        close_to: p.date("expected_close_to"),
        q: p.text("q", 200),
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

fn location(d: &Deal) -> String {
    format!("/api/v1/deals/{}", d.id)
}

/// Create a deal: it lands at the bottom of its stage.
#[utoipa::path(operation_id = "create_deal", post, path = "/api/v1/deals", tag = "deals", security(("bearer" = [])), request_body = DealCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried POST return the first response")),
    responses((status = 201, body = Deal, headers(("Location" = String), ("ETag" = String))), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    IdempotencyKey(key): IdempotencyKey,
    body: JsonBody,
) -> ApiResult<Response> {
    let work = async {
        let input = NewDeal::parse(&body.value).map_err(Problem::validation)?;
        let d = state.services.deals.create(&actor, input).await?;
        created(&d, location(&d), d.etag())
    };
    idempotency::run(&state, &actor, key, "POST /api/v1/deals", &body.raw, work).await
}

/// List the deals you may read; `sort=stage` gives the kanban order. Custom fields filter as
/// `cf.<key>=value` (exact match of the typed value; a `multi_select` field matches deals whose
/// list holds the value) and sort as `sort=cf.<key>`; unknown keys and values that do not fit the
/// field are a 422 naming `cf.<key>`.
#[utoipa::path(operation_id = "list_deals", get, path = "/api/v1/deals", tag = "deals", security(("bearer" = [])), params(DealListParams),
    responses((status = 200, body = DealList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<DealList>> {
    let mut q = parse_list(raw.as_deref())?;
    state.services.deals.resolve_custom(&actor, &mut q).await?;
    let limit = q.limit;
    q.limit += 1;
    let rows = state.services.deals.list(&actor, q.clone()).await?;
    let (data, next_cursor) = page(rows, limit, |d| position(&q, d));
    Ok(Json(DealList { data, next_cursor }))
}

/// The keyset position of `d` in the order of `q`.
fn position(q: &DealQuery, d: &Deal) -> Cursor {
    q.custom.cursor(d).unwrap_or_else(|| Cursor {
        sort: q.sort.as_str().into(),
        value: d.sort_value(q.sort),
        id: d.id.0,
    })
}

/// Export the deals the caller may read as CSV, with the list's filters and sort (`limit` and
/// `cursor` are ignored: the export runs to the end), streamed page by page. Columns: the deal's
/// fields, then one `cf.<key>` column per custom field of deals.
#[utoipa::path(operation_id = "export_deals", get, path = "/api/v1/deals/export", tag = "deals", security(("bearer" = [])), params(DealListParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn export(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let mut q = parse_list(raw.as_deref())?;
    let service = state.services.deals.clone();
    service.resolve_custom(&actor, &mut q).await?;
    let defs = service.field_definitions(&actor).await?;
    let columns = crate::export::DEAL_COLUMNS;
    crate::export::records(service, actor, q, columns, defs, "deals.csv").await
}

/// Read one deal (304 when `If-None-Match` holds the current `ETag`).
#[utoipa::path(operation_id = "read_deal", get, path = "/api/v1/deals/{id}", tag = "deals", security(("bearer" = [])),
    params(("id" = DealId, Path)),
    responses((status = 200, body = Deal, headers(("ETag" = String))), (status = 304), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn read(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let d = state
        .services
        .deals
        .get(&actor, path_id(&id, "deal")?)
        .await?;
    Ok(conditional(&headers, &d, &d.etag()))
}

/// Change some fields (JSON merge patch); `If-Match` guards against lost updates (412).
#[utoipa::path(operation_id = "update_deal", patch, path = "/api/v1/deals/{id}", tag = "deals", security(("bearer" = [])), request_body = DealUpdate,
    params(("id" = DealId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Deal, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn update(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    body: JsonBody,
) -> ApiResult<Response> {
    let id = path_id(&id, "deal")?;
    let patch = DealPatch::parse(&body.value).map_err(Problem::validation)?;
    let d = state
        .services
        .deals
        .update(&actor, id, patch, if_match.as_deref())
        .await?;
    Ok(with_etag(&d, &d.etag()))
}

/// Move a deal on the board: into a stage, above `before_id` or below `after_id` (or to the
/// bottom). Concurrent moves are serialised per pipeline, so positions stay unique.
#[utoipa::path(operation_id = "move_deal", post, path = "/api/v1/deals/{id}/move", tag = "deals", security(("bearer" = [])), request_body = DealMoveBody,
    params(("id" = DealId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Deal, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem)))]
async fn move_deal(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    body: JsonBody,
) -> ApiResult<Response> {
    let id = path_id(&id, "deal")?;
    let mv = DealMove::parse(&body.value).map_err(Problem::validation)?;
    let d = state
        .services
        .deals
        .move_deal(&actor, id, mv, if_match.as_deref())
        .await?;
    Ok(with_etag(&d, &d.etag()))
}

/// Soft-delete a deal (restorable).
#[utoipa::path(operation_id = "delete_deal", delete, path = "/api/v1/deals/{id}", tag = "deals", security(("bearer" = [])),
    params(("id" = DealId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 412, body = Problem)))]
async fn remove(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state
        .services
        .deals
        .delete(&actor, path_id(&id, "deal")?, if_match.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Restore a soft-deleted deal at the bottom of its stage.
#[utoipa::path(operation_id = "restore_deal", post, path = "/api/v1/deals/{id}/restore", tag = "deals", security(("bearer" = [])),
    params(("id" = DealId, Path)),
    responses((status = 200, body = Deal), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn restore(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let d = state
        .services
        .deals
        .restore(&actor, path_id(&id, "deal")?)
        .await?;
    Ok(with_etag(&d, &d.etag()))
}

/// The stages a deal went through, oldest first (the first entry is where it was created).
#[utoipa::path(operation_id = "deal_stage_history", get, path = "/api/v1/deals/{id}/stage-history", tag = "deals", security(("bearer" = [])),
    params(("id" = DealId, Path), ("limit" = Option<u32>, Query, minimum = 1, maximum = 500), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = StageChangeList), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn stage_history(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<StageChangeList>> {
    let id: DealId = path_id(&id, "deal")?;
    let (limit, after) = id_page(raw.as_deref())?;
    let rows = state
        .services
        .deals
        .stage_history(&actor, id, after.map(StageChangeId), limit + 1)
        .await?;
    let (data, next_cursor) = page(rows, limit, |c| id_cursor(c.id.0));
    Ok(Json(StageChangeList { data, next_cursor }))
}

/// The change history of a deal, oldest first.
#[utoipa::path(operation_id = "deal_history", get, path = "/api/v1/deals/{id}/history", tag = "deals", security(("bearer" = [])),
    params(("id" = DealId, Path), ("limit" = Option<u32>, Query, minimum = 1, maximum = 500), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = EventList), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn history(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<EventList>> {
    let id: DealId = path_id(&id, "deal")?;
    let (limit, after) = id_page(raw.as_deref())?;
    let rows = state
        .services
        .deals
        .history(&actor, id, after.map(EventId), limit + 1)
        .await?;
    let (data, next_cursor) = page(rows, limit, |e| id_cursor(e.id.0));
    Ok(Json(EventList { data, next_cursor }))
}

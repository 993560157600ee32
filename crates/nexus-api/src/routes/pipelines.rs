//! `/api/v1/pipelines`: sales pipelines and their stages. Admins manage them; roles that work
//! with deals read them.

use crate::error::{ApiResult, Problem};
use crate::extract::{CurrentActor, IdempotencyKey, IfMatch, JsonBody, path_id};
use crate::idempotency;
use crate::listing::{ListQuery, conditional, created, page, with_etag};
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use nexus_core::ids::{PipelineId, StageId};
use nexus_core::page::{Cursor, SortOrder};
use nexus_core::pipeline::{
    NewPipeline, Pipeline, PipelinePatch, PipelineQuery, PipelineSortField, StageKind,
};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/pipelines", post(create).get(list))
        .route(
            "/api/v1/pipelines/{id}",
            get(read).patch(update).delete(remove),
        )
        .route("/api/v1/pipelines/{id}/restore", post(restore))
}

/// A stage in a create or update: with `id` it keeps an existing stage (and its deals), without
/// it adds one. The array order is the board order.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct StageInput {
    #[schema(nullable)]
    id: Option<StageId>,
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    name: String,
    /// Defaults to 100 for won stages and 0 otherwise; won stages must have 100, lost ones 0.
    #[schema(minimum = 0, maximum = 100, nullable)]
    probability: Option<u8>,
    /// `open` (default), `won` or `lost`.
    kind: Option<StageKind>,
}

/// Body of a pipeline create.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PipelineCreate {
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    name: String,
    /// Make this the default pipeline (the previous default stops being one).
    #[schema(nullable)]
    is_default: Option<bool>,
    /// 1 to 30 stages with distinct names, at least one of each kind.
    #[schema(min_items = 1, max_items = 30)]
    stages: Vec<StageInput>,
}

/// Body of a pipeline update (merge patch). `stages` replaces the list: stages left out are
/// removed (409 while they hold live deals).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PipelineUpdate {
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    name: Option<String>,
    /// Only `true`: make another pipeline the default to stop this one being it.
    is_default: Option<bool>,
    #[schema(min_items = 1, max_items = 30)]
    stages: Option<Vec<StageInput>>,
}

#[derive(Serialize, ToSchema)]
pub struct PipelineList {
    pub data: Vec<Pipeline>,
    pub next_cursor: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PipelineListParams {
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    cursor: Option<String>,
    /// `created_at` (default, oldest first) or `name`; prefix `-` for descending.
    #[param(pattern = "^[-+]?(created_at|name)$")]
    sort: Option<String>,
    /// `only` lists deleted pipelines instead of live ones.
    #[param(pattern = "^(only|exclude)$")]
    deleted: Option<String>,
}

fn location(p: &Pipeline) -> String {
    format!("/api/v1/pipelines/{}", p.id)
}

/// Create a pipeline (admins).
#[utoipa::path(operation_id = "create_pipeline", post, path = "/api/v1/pipelines", tag = "pipelines", security(("bearer" = [])), request_body = PipelineCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried POST return the first response")),
    responses((status = 201, body = Pipeline, headers(("Location" = String), ("ETag" = String))), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    IdempotencyKey(key): IdempotencyKey,
    body: JsonBody,
) -> ApiResult<Response> {
    let work = async {
        let input = NewPipeline::parse(&body.value).map_err(Problem::validation)?;
        let p = state.services.pipelines.create(&actor, input).await?;
        created(&p, location(&p), p.etag())
    };
    idempotency::run(
        &state,
        &actor,
        key,
        "POST /api/v1/pipelines",
        &body.raw,
        work,
    )
    .await
}

/// List pipelines with their stages, oldest first by default.
#[utoipa::path(operation_id = "list_pipelines", get, path = "/api/v1/pipelines", tag = "pipelines", security(("bearer" = [])), params(PipelineListParams),
    responses((status = 200, body = PipelineList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<PipelineList>> {
    let mut p = ListQuery::parse(raw.as_deref(), &["limit", "cursor", "sort", "deleted"], &[])?;
    let limit = p.limit();
    let (sort, order) = p.sort(
        (PipelineSortField::CreatedAt, SortOrder::Asc),
        PipelineSortField::NAMES,
    );
    let q = PipelineQuery {
        after: p.cursor(),
        deleted: p.deleted(),
        sort,
        order,
        limit: limit + 1,
    };
    p.finish()?;
    let rows = state.services.pipelines.list(&actor, q).await?;
    let (data, next_cursor) = page(rows, limit, |r| Cursor {
        sort: sort.as_str().into(),
        value: r.sort_value(sort),
        id: r.id.0,
    });
    Ok(Json(PipelineList { data, next_cursor }))
}

/// Read one pipeline with its stages (304 when `If-None-Match` holds the current `ETag`).
#[utoipa::path(operation_id = "read_pipeline", get, path = "/api/v1/pipelines/{id}", tag = "pipelines", security(("bearer" = [])),
    params(("id" = PipelineId, Path)),
    responses((status = 200, body = Pipeline, headers(("ETag" = String))), (status = 304), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn read(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let p = state
        .services
        .pipelines
        .get(&actor, path_id(&id, "pipeline")?)
        .await?;
    Ok(conditional(&headers, &p, &p.etag()))
}

/// Rename a pipeline, make it the default, or change its stages (admins).
#[utoipa::path(operation_id = "update_pipeline", patch, path = "/api/v1/pipelines/{id}", tag = "pipelines", security(("bearer" = [])), request_body = PipelineUpdate,
    params(("id" = PipelineId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Pipeline, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn update(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    body: JsonBody,
) -> ApiResult<Response> {
    let id = path_id(&id, "pipeline")?;
    let patch = PipelinePatch::parse(&body.value).map_err(Problem::validation)?;
    let p = state
        .services
        .pipelines
        .update(&actor, id, patch, if_match.as_deref())
        .await?;
    Ok(with_etag(&p, &p.etag()))
}

/// Soft-delete a pipeline (admins): not the default one, nor one holding live deals (409).
#[utoipa::path(operation_id = "delete_pipeline", delete, path = "/api/v1/pipelines/{id}", tag = "pipelines", security(("bearer" = [])),
    params(("id" = PipelineId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 412, body = Problem)))]
async fn remove(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state
        .services
        .pipelines
        .delete(&actor, path_id(&id, "pipeline")?, if_match.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Restore a soft-deleted pipeline (admins).
#[utoipa::path(operation_id = "restore_pipeline", post, path = "/api/v1/pipelines/{id}/restore", tag = "pipelines", security(("bearer" = [])),
    params(("id" = PipelineId, Path)),
    responses((status = 200, body = Pipeline), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn restore(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let p = state
        .services
        .pipelines
        .restore(&actor, path_id(&id, "pipeline")?)
        .await?;
    Ok(with_etag(&p, &p.etag()))
}

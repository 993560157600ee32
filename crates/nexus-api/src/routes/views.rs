//! `/api/v1/views`: saved views (named filter + sort + columns) of the customers, deals,
//! activities, products and transactions lists, private or shared with the owner's team.
//! Filters and sort are checked with the list endpoint's own parser when a view is saved, and
//! columns against the resource's schema, so a saved view always applies cleanly.

use crate::error::{ApiResult, Problem};
use crate::extract::{CurrentActor, IfMatch, JsonBody, QueryParams, path_id};
use crate::respond;
use crate::routes::{activities, customers, deals, products, transactions};
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use nexus_core::FieldError;
use nexus_core::auth::Actor;
use nexus_core::custom_field::CustomFieldEntity;
use nexus_core::ids::ViewId;
use nexus_core::page::Cursor;
use nexus_core::view::{
    NewView, View, ViewPatch, ViewQuery, ViewResource, Visibility, query_string,
};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::LazyLock;
use utoipa::{OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/views", post(create).get(list))
        .route("/api/v1/views/{id}", get(read).patch(update).delete(remove))
        .route("/api/v1/views/{id}/restore", post(restore))
}

/// Body of a view create.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ViewCreate {
    #[schema(max_length = 100)]
    name: String,
    resource: ViewResource,
    /// Query parameters of the resource's list endpoint (`{"status": ["lead", "prospect"], "tag": "vip"}`); not `cursor`, `limit` or `sort`.
    #[schema(value_type = Option<Object>)]
    filters: Option<Map<String, Value>>,
    /// A sort of the list endpoint (`-created_at`).
    sort: Option<String>,
    /// Field names of the resource, in display order (1 to 50).
    columns: Option<Vec<String>>,
    /// Default `private`; `team` shares the view with your team.
    visibility: Option<Visibility>,
}

/// Body of a view update (merge patch); `resource` is read-only.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ViewUpdate {
    name: Option<String>,
    #[schema(value_type = Option<Object>)]
    filters: Option<Map<String, Value>>,
    sort: Option<String>,
    columns: Option<Vec<String>>,
    visibility: Option<Visibility>,
}

#[derive(Serialize, ToSchema)]
pub struct ViewList {
    data: Vec<View>,
    next_cursor: Option<String>,
}

/// The schema of one row of a resource's list, for column names.
fn row_schema(r: ViewResource) -> &'static str {
    match r {
        ViewResource::Customers => "Customer",
        ViewResource::Deals => "Deal",
        ViewResource::Activities => "Activity",
        ViewResource::Products => "Product",
        ViewResource::Transactions => "Transaction",
    }
}

/// The top-level field names of a resource's row schema in the OpenAPI document (computed once).
fn known_columns(r: ViewResource) -> &'static [String] {
    static KNOWN: LazyLock<BTreeMap<&'static str, Vec<String>>> = LazyLock::new(|| {
        let doc = crate::openapi::ApiDoc::openapi();
        let schemas = doc.components.map(|c| c.schemas).unwrap_or_default();
        ViewResource::ALL
            .iter()
            .map(|r| {
                let name = row_schema(*r);
                let fields = match schemas.get(name) {
                    Some(utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(o))) => {
                        o.properties.keys().cloned().collect()
                    }
                    _ => Vec::new(),
                };
                (name, fields)
            })
            .collect()
    });
    KNOWN.get(row_schema(r)).map_or(&[], Vec::as_slice)
}

/// Checks filters and sort with the list endpoint's parser (errors renamed to `filters.<name>`
/// and `sort`) and columns against the row schema of the resource. Views of every resource
/// with custom fields may also filter, sort and show them (`cf.<key>`), checked against the live
/// definitions.
async fn check(
    state: &AppState,
    actor: &Actor,
    resource: ViewResource,
    filters: &Map<String, Value>,
    sort: Option<&str>,
    columns: &[String],
) -> Result<(), Problem> {
    let qs = query_string(filters, sort);
    let raw = Some(qs.as_str());
    let services = &state.services;
    let parsed: Result<(), Problem> = match resource {
        ViewResource::Customers => match customers::parse_list(raw) {
            Ok(mut q) => services
                .customers
                .resolve_custom(actor, &mut q)
                .await
                .map_err(Problem::from),
            Err(p) => Err(p),
        },
        ViewResource::Deals => match deals::parse_list(raw) {
            Ok(mut q) => services
                .deals
                .resolve_custom(actor, &mut q)
                .await
                .map_err(Problem::from),
            Err(p) => Err(p),
        },
        ViewResource::Products => match products::parse_list(raw) {
            Ok(mut q) => services
                .products
                .resolve_custom(actor, &mut q)
                .await
                .map_err(Problem::from),
            Err(p) => Err(p),
        },
        ViewResource::Activities => match activities::parse_list(actor, raw) {
            Ok(mut q) => services
                .activities
                .resolve_custom(actor, &mut q)
                .await
                .map_err(Problem::from),
            Err(p) => Err(p),
        },
        ViewResource::Transactions => match transactions::parse_list(raw) {
            Ok(mut q) => services
                .transactions
                .resolve_custom(actor, &mut q)
                .await
                .map_err(Problem::from),
            Err(p) => Err(p),
        },
    };
    let custom_keys = match custom_entity(resource) {
        Some(entity) if columns.iter().any(|c| c.starts_with("cf.")) => {
            custom_columns(state, actor, entity).await?
        }
        _ => Vec::new(),
    };
    let mut errors: Vec<FieldError> = match parsed {
        Ok(()) => Vec::new(),
        Err(p) => p
            .errors
            .into_iter()
            .map(|mut e| {
                if e.field != "sort" {
                    e.field = format!("filters.{}", e.field);
                }
                e
            })
            .collect(),
    };
    let known = known_columns(resource);
    for (i, c) in columns.iter().enumerate() {
        let top = c.split('.').next().unwrap_or_default();
        if top == "cf" {
            if !custom_keys.contains(c) {
                errors.push(FieldError::new(
                    format!("columns[{i}]"),
                    "unknown_column",
                    "is not a custom field of this resource",
                ));
            }
        } else if !known.iter().any(|k| k == top) {
            errors.push(FieldError::new(
                format!("columns[{i}]"),
                "unknown_column",
                format!("is not a field of {}", row_schema(resource)),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Problem::validation(errors))
    }
}

/// The entity whose custom fields a resource's rows carry.
fn custom_entity(r: ViewResource) -> Option<CustomFieldEntity> {
    match r {
        ViewResource::Customers => Some(CustomFieldEntity::Customer),
        ViewResource::Deals => Some(CustomFieldEntity::Deal),
        ViewResource::Products => Some(CustomFieldEntity::Product),
        ViewResource::Activities => Some(CustomFieldEntity::Activity),
        ViewResource::Transactions => Some(CustomFieldEntity::Transaction),
    }
}

/// The `cf.<key>` columns of an entity's live custom fields.
async fn custom_columns(
    state: &AppState,
    actor: &Actor,
    entity: CustomFieldEntity,
) -> Result<Vec<String>, Problem> {
    let fields = state
        .services
        .custom_fields
        .list(
            actor,
            nexus_core::custom_field::CustomFieldQuery {
                entities: vec![entity],
                deleted: nexus_core::customer::DeletedFilter::Exclude,
                after: None,
                limit: nexus_core::custom_field::FIELDS_MAX as u32,
            },
        )
        .await?;
    Ok(fields
        .into_iter()
        .map(|f| format!("cf.{}", f.key))
        .collect())
}

fn location(v: &View) -> String {
    format!("/api/v1/views/{}", v.id)
}

/// Save a view of a list. Its filters and sort must be valid for that list (422 naming
/// `filters.<param>` / `sort`), its columns fields of the resource.
#[utoipa::path(operation_id = "create_view", post, path = "/api/v1/views", tag = "views", security(("bearer" = [])), request_body = ViewCreate,
    responses((status = 201, body = View, headers(("Location" = String), ("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    body: JsonBody,
) -> ApiResult<Response> {
    let input = NewView::parse(&body.value).map_err(Problem::validation)?;
    check(
        &state,
        &actor,
        input.resource,
        &input.filters,
        input.sort.as_deref(),
        &input.columns,
    )
    .await?;
    let v = state.services.views.create(&actor, input).await?;
    respond::created(&v, location(&v), v.etag()).map(axum::response::IntoResponse::into_response)
}

const LIST_PARAMS: &[&str] = &["resource", "deleted", "limit", "cursor"];

/// The views you may use: your own and those shared with your team (admins: all), by name.
#[utoipa::path(operation_id = "list_views", get, path = "/api/v1/views", tag = "views", security(("bearer" = [])),
    params(("resource" = Option<ViewResource>, Query), ("deleted" = Option<String>, Query, description = "only | exclude (default)"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = ViewList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<ViewList>> {
    let p = QueryParams::parse(raw.as_deref(), LIST_PARAMS, &[])?;
    let mut errors = Vec::new();
    let resource = p.one("resource").and_then(|r| {
        let parsed = r.parse::<ViewResource>().ok();
        if parsed.is_none() {
            errors.push(FieldError::new(
                "resource",
                "invalid_choice",
                format!("must be one of: {}", ViewResource::NAMES.join(", ")),
            ));
        }
        parsed
    });
    let deleted = p.deleted(&mut errors);
    let limit = crate::extract::keep(&mut errors, nexus_core::page::parse_limit(p.one("limit")));
    let after = match p.one("cursor") {
        Some(c) => crate::extract::keep(&mut errors, Cursor::decode(c)),
        None => None,
    };
    let (Some(limit), true) = (limit, errors.is_empty()) else {
        return Err(Problem::validation(errors));
    };
    let q = ViewQuery {
        reader: None,
        resource,
        deleted,
        order: nexus_core::page::SortOrder::Asc,
        after,
        limit: limit + 1,
    };
    let rows = state.services.views.list(&actor, q).await?;
    let (data, next_cursor) = respond::page(rows, limit, |v| Cursor {
        sort: "name".into(),
        value: v.sort_value(),
        id: v.id.0,
    });
    Ok(Json(ViewList { data, next_cursor }))
}

/// Read a view. Use it with `GET /api/v1/<resource>?<filters>&sort=<sort>`.
#[utoipa::path(operation_id = "read_view", get, path = "/api/v1/views/{id}", tag = "views", security(("bearer" = [])),
    params(("id" = ViewId, Path), ("If-None-Match" = Option<String>, Header)),
    responses((status = 200, body = View, headers(("ETag" = String))), (status = 304), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn read(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let v = state
        .services
        .views
        .get(&actor, path_id(&id, "view")?)
        .await?;
    let etag = v.etag();
    Ok(respond::conditional(&headers, v, &etag))
}

/// Change a view (owner, admins, and managers for views shared with their team).
#[utoipa::path(operation_id = "update_view", patch, path = "/api/v1/views/{id}", tag = "views", security(("bearer" = [])), request_body = ViewUpdate,
    params(("id" = ViewId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = View, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn update(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    body: JsonBody,
) -> ApiResult<Response> {
    let id = path_id(&id, "view")?;
    let patch = ViewPatch::parse(&body.value).map_err(Problem::validation)?;
    let cur = state.services.views.get(&actor, id).await?;
    let next = patch.apply(&cur);
    check(
        &state,
        &actor,
        next.resource,
        &next.filters,
        next.sort.as_deref(),
        &next.columns,
    )
    .await?;
    let v = state
        .services
        .views
        .update(&actor, id, &patch, if_match.as_deref())
        .await?;
    let etag = v.etag();
    Ok(respond::with_etag(v, &etag))
}

/// Delete a view (restorable).
#[utoipa::path(operation_id = "delete_view", delete, path = "/api/v1/views/{id}", tag = "views", security(("bearer" = [])),
    params(("id" = ViewId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 412, body = Problem)))]
async fn remove(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state
        .services
        .views
        .delete(&actor, path_id(&id, "view")?, if_match.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Restore a deleted view (409 if you saved another of the same name meanwhile).
#[utoipa::path(operation_id = "restore_view", post, path = "/api/v1/views/{id}/restore", tag = "views", security(("bearer" = [])),
    params(("id" = ViewId, Path)),
    responses((status = 200, body = View, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn restore(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let v = state
        .services
        .views
        .restore(&actor, path_id(&id, "view")?)
        .await?;
    let etag = v.etag();
    Ok(respond::with_etag(v, &etag))
}

//! `/api/v1/custom-fields`: the custom fields of an entity (`customer`, `deal`, `product`,
//! `activity`, `transaction`). Admins define, change, delete and restore them; whoever reads the
//! entity reads its definitions. Values live in the records' `attributes` under the field's key
//! and are validated on every write.

use crate::error::{ApiResult, Problem};
use crate::extract::{CurrentActor, IdempotencyKey, IfMatch, JsonBody, QueryParams, path_id};
use crate::idempotency;
use crate::respond;
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use nexus_core::FieldError;
use nexus_core::custom_field::{
    CustomField, CustomFieldEntity, CustomFieldPatch, CustomFieldQuery, FieldType, NewCustomField,
};
use nexus_core::ids::CustomFieldId;
use nexus_core::money::Currency;
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/custom-fields", post(create).get(list))
        .route(
            "/api/v1/custom-fields/{id}",
            get(read).patch(update).delete(remove),
        )
        .route("/api/v1/custom-fields/{id}/restore", post(restore))
}

/// Body of a custom-field create. Unknown fields are refused (422).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CustomFieldCreate {
    entity: CustomFieldEntity,
    /// snake_case; the value lives in the record's `attributes.<key>`. Unique among the live
    /// fields of the entity (409 `key_taken`); cannot change.
    #[schema(min_length = 1, max_length = 48, pattern = "^[a-z][a-z0-9_]*$")]
    key: String,
    #[schema(min_length = 1, max_length = 100)]
    label: String,
    field_type: FieldType,
    /// Choices of a `select` or `multi_select` field (required for them, refused for others).
    #[schema(max_items = 200)]
    options: Option<Vec<String>>,
    /// ISO 4217 code of a `currency` field (required for it, refused for others); values are
    /// integer minor units.
    currency: Option<Currency>,
    /// Default `false`: writes without a value are refused (422 naming `attributes.<key>`).
    required: Option<bool>,
    /// Default `false`: no two live records hold the same value (409); not for `boolean` and
    /// `multi_select`.
    unique: Option<bool>,
    /// Display order, default 0.
    #[schema(minimum = 0, maximum = 1_000_000)]
    position: Option<i64>,
}

/// Body of a custom-field update (merge patch). `entity` and `key` are read-only; a new
/// `field_type` or `currency` while values exist is a 409 `values_exist`, removing an option in
/// use a 409 `option_in_use`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CustomFieldUpdate {
    #[schema(min_length = 1, max_length = 100)]
    label: Option<String>,
    field_type: Option<FieldType>,
    #[schema(max_items = 200)]
    options: Option<Vec<String>>,
    #[schema(nullable)]
    currency: Option<Currency>,
    required: Option<bool>,
    unique: Option<bool>,
    #[schema(minimum = 0, maximum = 1_000_000)]
    position: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CustomFieldList {
    data: Vec<CustomField>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    next_cursor: Option<String>,
}

fn location(f: &CustomField) -> String {
    format!("/api/v1/custom-fields/{}", f.id)
}

/// Define a custom field (admins). 409 `key_taken` when a live field of the entity has the key,
/// `values_exist` when records already hold values under it that the definition would reject.
#[utoipa::path(operation_id = "create_custom_field", post, path = "/api/v1/custom-fields", tag = "custom-fields", security(("bearer" = [])), request_body = CustomFieldCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried POST return the first response")),
    responses((status = 201, body = CustomField, headers(("Location" = String), ("ETag" = String))), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    IdempotencyKey(key): IdempotencyKey,
    body: JsonBody,
) -> ApiResult<Response> {
    let work = async {
        let input = NewCustomField::parse(&body.value).map_err(Problem::validation)?;
        let f = state.services.custom_fields.create(&actor, input).await?;
        respond::created(&f, location(&f), f.etag())
    };
    idempotency::run(
        &state,
        &actor,
        key,
        "POST /api/v1/custom-fields",
        &body.raw,
        work,
    )
    .await
}

const LIST_PARAMS: &[&str] = &["entity", "deleted", "limit", "cursor"];

/// The custom fields of the entities you may read (or of `entity`), by position.
#[utoipa::path(operation_id = "list_custom_fields", get, path = "/api/v1/custom-fields", tag = "custom-fields", security(("bearer" = [])),
    params(("entity" = Option<CustomFieldEntity>, Query), ("deleted" = Option<String>, Query, description = "only | exclude (default)"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = CustomFieldList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<CustomFieldList>> {
    let p = QueryParams::parse(raw.as_deref(), LIST_PARAMS, &[])?;
    let mut errors = Vec::new();
    let entity = p.one("entity").and_then(|e| {
        let parsed = e.parse::<CustomFieldEntity>().ok();
        if parsed.is_none() {
            errors.push(FieldError::new(
                "entity",
                "invalid_choice",
                format!("must be one of: {}", CustomFieldEntity::NAMES.join(", ")),
            ));
        }
        parsed
    });
    let deleted = p.deleted(&mut errors);
    let limit = crate::extract::keep(&mut errors, nexus_core::page::parse_limit(p.one("limit")));
    let after = match p.one("cursor") {
        Some(c) => crate::extract::keep(&mut errors, nexus_core::page::Cursor::decode(c)),
        None => None,
    };
    let (Some(limit), true) = (limit, errors.is_empty()) else {
        return Err(Problem::validation(errors));
    };
    let q = CustomFieldQuery {
        entities: entity.into_iter().collect(),
        deleted,
        after,
        limit: limit + 1,
    };
    let rows = state.services.custom_fields.list(&actor, q).await?;
    let (data, next_cursor) = respond::page(rows, limit, CustomField::cursor);
    Ok(Json(CustomFieldList { data, next_cursor }))
}

/// Read a custom field. `If-None-Match` with the current `ETag` answers 304.
#[utoipa::path(operation_id = "read_custom_field", get, path = "/api/v1/custom-fields/{id}", tag = "custom-fields", security(("bearer" = [])),
    params(("id" = CustomFieldId, Path), ("If-None-Match" = Option<String>, Header)),
    responses((status = 200, body = CustomField, headers(("ETag" = String))), (status = 304), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn read(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let f = state
        .services
        .custom_fields
        .get(&actor, path_id(&id, "custom_field")?)
        .await?;
    let etag = f.etag();
    Ok(respond::conditional(&headers, f, &etag))
}

/// Change a custom field (admins; merge patch, `If-Match` guards against lost updates).
#[utoipa::path(operation_id = "update_custom_field", patch, path = "/api/v1/custom-fields/{id}", tag = "custom-fields", security(("bearer" = [])), request_body = CustomFieldUpdate,
    params(("id" = CustomFieldId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = CustomField, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn update(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    body: JsonBody,
) -> ApiResult<Response> {
    let id = path_id(&id, "custom_field")?;
    let patch = CustomFieldPatch::parse(&body.value).map_err(Problem::validation)?;
    let f = state
        .services
        .custom_fields
        .update(&actor, id, &patch, if_match.as_deref())
        .await?;
    let etag = f.etag();
    Ok(respond::with_etag(f, &etag))
}

/// Delete a custom field (admins; restorable). The values stay in the records' `attributes`.
#[utoipa::path(operation_id = "delete_custom_field", delete, path = "/api/v1/custom-fields/{id}", tag = "custom-fields", security(("bearer" = [])),
    params(("id" = CustomFieldId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 412, body = Problem)))]
async fn remove(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state
        .services
        .custom_fields
        .delete(&actor, path_id(&id, "custom_field")?, if_match.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Restore a deleted custom field (admins). 409 when its key was taken meanwhile or when values
/// written while it was deleted do not fit it.
#[utoipa::path(operation_id = "restore_custom_field", post, path = "/api/v1/custom-fields/{id}/restore", tag = "custom-fields", security(("bearer" = [])),
    params(("id" = CustomFieldId, Path)),
    responses((status = 200, body = CustomField, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn restore(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let f = state
        .services
        .custom_fields
        .restore(&actor, path_id(&id, "custom_field")?)
        .await?;
    let etag = f.etag();
    Ok(respond::with_etag(f, &etag))
}

//! `/api/v1/webhooks` and `/api/v1/webhook-deliveries` (admins): endpoints registered for
//! event types, their signing secrets (shown once), their deliveries with every attempt, and
//! replays. Deliveries follow the Standard Webhooks specification (see docs/api.md).

use crate::error::{ApiResult, Problem};
use crate::extract::{CurrentActor, IfMatch, JsonBody, QueryParams, keep, path_id};
use crate::respond;
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use nexus_core::FieldError;
use nexus_core::ids::{DeliveryId, WebhookId};
use nexus_core::page::{Cursor, parse_limit};
use nexus_core::webhook::{
    Delivery, DeliveryAttempt, DeliveryQuery, DeliveryStatus, NewWebhook, Webhook, WebhookPatch,
    WebhookQuery, WebhookSecret,
};
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/webhooks", post(create).get(list))
        .route(
            "/api/v1/webhooks/{id}",
            get(read).patch(update).delete(remove),
        )
        .route("/api/v1/webhooks/{id}/restore", post(restore))
        .route("/api/v1/webhooks/{id}/rotate-secret", post(rotate_secret))
        .route("/api/v1/webhooks/{id}/deliveries", get(deliveries))
        .route("/api/v1/webhook-deliveries/{id}", get(read_delivery))
        .route("/api/v1/webhook-deliveries/{id}/replay", post(replay))
}

/// Body of a webhook create.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct WebhookCreate {
    /// Absolute http(s) URL. Private, loopback and link-local addresses are refused unless the
    /// server allows them (`webhook_allow_private_targets`).
    #[schema(max_length = 2000)]
    url: String,
    /// Event types: `customer.created`, `customer.*` (all of a resource) or `*`.
    events: Vec<String>,
    #[schema(max_length = 500)]
    description: Option<String>,
    /// Default true.
    active: Option<bool>,
    /// A `whsec_` secret (base64 of 24 to 64 bytes); generated when absent.
    secret: Option<String>,
}

/// Body of a webhook update (merge patch). Setting `active: true` re-enables a disabled
/// endpoint and clears its failure count.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct WebhookUpdate {
    url: Option<String>,
    events: Option<Vec<String>>,
    description: Option<String>,
    active: Option<bool>,
}

/// A webhook with its signing secret: the answer of a create or a secret rotation, the only
/// times the secret is shown.
#[derive(Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    webhook: Webhook,
    /// `whsec_…`: verify each delivery's `webhook-signature` with it.
    secret: String,
}

/// Body of a secret rotation (optional).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SecretRotate {
    /// A `whsec_` secret; a random one when absent.
    secret: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookList {
    data: Vec<Webhook>,
    next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryList {
    data: Vec<Delivery>,
    next_cursor: Option<String>,
}

/// A delivery with the log of its attempts, oldest first.
#[derive(Serialize, ToSchema)]
pub struct DeliveryDetail {
    #[serde(flatten)]
    delivery: Delivery,
    attempt_log: Vec<DeliveryAttempt>,
}

fn location(w: &Webhook) -> String {
    format!("/api/v1/webhooks/{}", w.id)
}

fn allow_private(state: &AppState) -> bool {
    state.config.webhooks.allow_private_targets
}

/// Register an endpoint. The answer holds its signing secret, shown this once.
#[utoipa::path(operation_id = "create_webhook", post, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = [])), request_body = WebhookCreate,
    responses((status = 201, body = WebhookWithSecret, headers(("Location" = String), ("ETag" = String))), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    body: JsonBody,
) -> ApiResult<Response> {
    let input =
        NewWebhook::parse(&body.value, allow_private(&state)).map_err(Problem::validation)?;
    let (webhook, secret) = state.webhooks.create(&actor, input).await?;
    let (loc, etag) = (location(&webhook), webhook.etag());
    let body = WebhookWithSecret {
        webhook,
        secret: secret.as_str().to_owned(),
    };
    let mut res = (StatusCode::CREATED, Json(body)).into_response();
    for (name, value) in [(header::LOCATION, loc), (header::ETAG, etag)] {
        if let Ok(v) = value.parse() {
            res.headers_mut().insert(name, v);
        }
    }
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

const LIST_PARAMS: &[&str] = &["deleted", "limit", "cursor"];

fn cursor_id(errors: &mut Vec<FieldError>, raw: Option<&str>) -> Option<uuid::Uuid> {
    raw.and_then(|c| keep(errors, Cursor::decode(c)))
        .map(|c| c.id)
}

/// Registered endpoints, in creation order.
#[utoipa::path(operation_id = "list_webhooks", get, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = [])),
    params(("deleted" = Option<String>, Query, description = "only | exclude (default)"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = WebhookList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<WebhookList>> {
    let p = QueryParams::parse(raw.as_deref(), LIST_PARAMS, &[])?;
    let mut errors = Vec::new();
    let deleted = p.deleted(&mut errors);
    let limit = keep(&mut errors, parse_limit(p.one("limit")));
    let after = cursor_id(&mut errors, p.one("cursor")).map(WebhookId);
    let (Some(limit), true) = (limit, errors.is_empty()) else {
        return Err(Problem::validation(errors));
    };
    let q = WebhookQuery {
        deleted,
        after,
        limit: limit + 1,
    };
    let rows = state.webhooks.list(&actor, &q).await?;
    let (data, next_cursor) = respond::page(rows, limit, |w| Cursor {
        sort: "id".into(),
        value: String::new(),
        id: w.id.0,
    });
    Ok(Json(WebhookList { data, next_cursor }))
}

/// Read an endpoint (never its secret).
#[utoipa::path(operation_id = "read_webhook", get, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = WebhookId, Path), ("If-None-Match" = Option<String>, Header)),
    responses((status = 200, body = Webhook, headers(("ETag" = String))), (status = 304), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn read(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let w = state.webhooks.get(&actor, path_id(&id, "webhook")?).await?;
    let etag = w.etag();
    Ok(respond::conditional(&headers, w, &etag))
}

/// Change an endpoint's URL, events, description or state.
#[utoipa::path(operation_id = "update_webhook", patch, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = [])), request_body = WebhookUpdate,
    params(("id" = WebhookId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Webhook, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn update(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    body: JsonBody,
) -> ApiResult<Response> {
    let id = path_id(&id, "webhook")?;
    let patch =
        WebhookPatch::parse(&body.value, allow_private(&state)).map_err(Problem::validation)?;
    let w = state
        .webhooks
        .update(&actor, id, &patch, if_match.as_deref())
        .await?;
    let etag = w.etag();
    Ok(respond::with_etag(w, &etag))
}

/// Delete an endpoint (restorable); its pending deliveries wait.
#[utoipa::path(operation_id = "delete_webhook", delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = WebhookId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 412, body = Problem)))]
async fn remove(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state
        .webhooks
        .delete(&actor, path_id(&id, "webhook")?, if_match.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Restore a deleted endpoint.
#[utoipa::path(operation_id = "restore_webhook", post, path = "/api/v1/webhooks/{id}/restore", tag = "webhooks", security(("bearer" = [])),
    params(("id" = WebhookId, Path)),
    responses((status = 200, body = Webhook, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
async fn restore(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let w = state
        .webhooks
        .restore(&actor, path_id(&id, "webhook")?)
        .await?;
    let etag = w.etag();
    Ok(respond::with_etag(w, &etag))
}

/// Replace the signing secret with a new random one (or `{"secret": "whsec_…"}`), returned once.
/// Deliveries from now on are signed with it.
#[utoipa::path(operation_id = "rotate_webhook_secret", post, path = "/api/v1/webhooks/{id}/rotate-secret", tag = "webhooks", security(("bearer" = [])),
    request_body(content = Option<SecretRotate>, description = "Optional: the new secret", content_type = "application/json"),
    params(("id" = WebhookId, Path)),
    responses((status = 200, body = WebhookWithSecret, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn rotate_secret(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let id = path_id(&id, "webhook")?;
    let body: Option<serde_json::Value> = if body.is_empty() {
        None
    } else {
        Some(serde_json::from_slice(&body).map_err(|e| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("the body is not valid JSON: {e}"),
            )
        })?)
    };
    if let Some(b) = &body
        && !(b.is_object() || b.is_null())
    {
        return Err(Problem::validation(vec![FieldError::new(
            "$",
            "invalid_type",
            "must be a JSON object",
        )]));
    }
    let secret = match body
        .as_ref()
        .and_then(|b| b.get("secret"))
        .filter(|v| !v.is_null())
    {
        Some(v) => match v.as_str().map(WebhookSecret::parse) {
            Some(Ok(s)) => Some(s),
            _ => {
                return Err(Problem::validation(vec![FieldError::new(
                    "secret",
                    "invalid_secret",
                    "must be whsec_ followed by base64 of 24 to 64 bytes",
                )]));
            }
        },
        None => None,
    };
    let (webhook, secret) = state.webhooks.rotate_secret(&actor, id, secret).await?;
    let etag = webhook.etag();
    let mut res = respond::with_etag(
        WebhookWithSecret {
            webhook,
            secret: secret.as_str().to_owned(),
        },
        &etag,
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

const DELIVERY_PARAMS: &[&str] = &["status", "limit", "cursor"];

/// An endpoint's deliveries, newest first.
#[utoipa::path(operation_id = "list_webhook_deliveries", get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", security(("bearer" = [])),
    params(("id" = WebhookId, Path), ("status" = Option<DeliveryStatus>, Query),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = DeliveryList), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn deliveries(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<DeliveryList>> {
    let webhook_id = path_id(&id, "webhook")?;
    let p = QueryParams::parse(raw.as_deref(), DELIVERY_PARAMS, &[])?;
    let mut errors = Vec::new();
    let status = p.one("status").and_then(|s| {
        let parsed = s.parse::<DeliveryStatus>().ok();
        if parsed.is_none() {
            errors.push(FieldError::new(
                "status",
                "invalid_choice",
                format!("must be one of: {}", DeliveryStatus::NAMES.join(", ")),
            ));
        }
        parsed
    });
    let limit = keep(&mut errors, parse_limit(p.one("limit")));
    let after = p
        .one("cursor")
        .and_then(|c| keep(&mut errors, Cursor::decode(c)));
    let (Some(limit), true) = (limit, errors.is_empty()) else {
        return Err(Problem::validation(errors));
    };
    let q = DeliveryQuery {
        webhook_id,
        status,
        after,
        limit: limit + 1,
    };
    let rows = state.webhooks.deliveries(&actor, &q).await?;
    let (data, next_cursor) = respond::page(rows, limit, |d| Cursor {
        sort: "id".into(),
        value: String::new(),
        id: d.id.0,
    });
    Ok(Json(DeliveryList { data, next_cursor }))
}

/// A delivery with every attempt (status, duration, error, the start of the answer).
#[utoipa::path(operation_id = "read_webhook_delivery", get, path = "/api/v1/webhook-deliveries/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = DeliveryId, Path)),
    responses((status = 200, body = DeliveryDetail), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn read_delivery(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> ApiResult<Json<DeliveryDetail>> {
    let (delivery, attempts) = state
        .webhooks
        .delivery(&actor, path_id(&id, "delivery")?)
        .await?;
    Ok(Json(DeliveryDetail {
        delivery,
        attempt_log: attempts,
    }))
}

/// Send a delivery again now, with the same `webhook-id` (one attempt; 409 when its endpoint
/// is deleted or disabled).
#[utoipa::path(operation_id = "replay_webhook_delivery", post, path = "/api/v1/webhook-deliveries/{id}/replay", tag = "webhooks", security(("bearer" = [])),
    params(("id" = DeliveryId, Path)),
    responses((status = 202, body = Delivery), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
async fn replay(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let d = state
        .webhooks
        .replay(&actor, path_id(&id, "delivery")?)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(d)).into_response())
}

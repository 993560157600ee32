//! `/api/v1/api-keys`: keys for integrations (admin), shown once, stored hashed, revocable.

use crate::error::{ApiResult, Problem};
use crate::extract::{CurrentActor, JsonBody, path_id};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, post};
use axum::{Json, Router};
use nexus_core::auth::Role;
use nexus_core::ids::{ApiKeyId, UserId};
use nexus_core::user::ApiKey;
use nexus_core::validate::{Fields, Patch};
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/api-keys", post(create).get(list))
        .route("/api/v1/api-keys/{id}", delete(revoke))
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ApiKeyCreate {
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    name: String,
    /// The role the key acts with; at most the role of the user it acts for.
    role: Role,
    /// The user the key acts for (default: the caller).
    user_id: Option<UserId>,
    #[schema(value_type = Option<String>, format = DateTime)]
    expires_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyCreated {
    #[serde(flatten)]
    pub key: ApiKey,
    /// The secret. It is shown only in this response.
    pub secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyList {
    pub data: Vec<ApiKey>,
}

/// Create an API key. The secret is in the response and never again.
#[utoipa::path(operation_id = "create_api_key", post, path = "/api/v1/api-keys", tag = "api-keys", security(("bearer" = [])), request_body = ApiKeyCreate,
    responses((status = 201, body = ApiKeyCreated), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<ApiKeyCreated>)> {
    actor.require(nexus_core::auth::Permission::ApiKeysManage)?;
    let mut f = Fields::of(&body.value, "")?;
    let name = f.required_string("name", 100);
    let role = match f.choice::<Role>(
        "role",
        &["admin", "manager", "sales_rep", "support", "viewer"],
    ) {
        Patch::Value(r) => Some(r),
        _ => {
            if !f.errors.iter().any(|e| e.field == "role") {
                f.error("role", "required", "is required");
            }
            None
        }
    };
    let user_id = match f.uuid("user_id") {
        Patch::Value(u) => Some(UserId(u)),
        _ => None,
    };
    let expires_at = match f.string("expires_at", 64) {
        Patch::Value(s) => match chrono::DateTime::parse_from_rfc3339(&s) {
            Ok(t) => Some(nexus_core::time::normalize(t.with_timezone(&chrono::Utc))),
            Err(_) => {
                f.error(
                    "expires_at",
                    "invalid_datetime",
                    "must be an RFC 3339 date-time",
                );
                None
            }
        },
        _ => None,
    };
    f.finish().map_err(Problem::validation)?;
    let (Some(name), Some(role)) = (name, role) else {
        return Err(Problem::validation(vec![]));
    };
    let (key, secret) = state
        .services
        .auth
        .create_api_key(&actor, name, role, user_id, expires_at)
        .await?;
    Ok((StatusCode::CREATED, Json(ApiKeyCreated { key, secret })))
}

/// List API keys (never their secrets).
#[utoipa::path(operation_id = "list_api_keys", get, path = "/api/v1/api-keys", tag = "api-keys", security(("bearer" = [])),
    responses((status = 200, body = ApiKeyList), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<ApiKeyList>> {
    Ok(Json(ApiKeyList {
        data: state.services.auth.list_api_keys(&actor).await?,
    }))
}

/// Revoke an API key; it stops working at once.
#[utoipa::path(operation_id = "revoke_api_key", delete, path = "/api/v1/api-keys/{id}", tag = "api-keys", security(("bearer" = [])), params(("id" = ApiKeyId, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn revoke(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state
        .services
        .auth
        .revoke_api_key(&actor, path_id(&id, "api_key")?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

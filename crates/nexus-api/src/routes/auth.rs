//! `/api/v1/auth`: login, refresh (rotation with reuse detection), logout, me, password change.

use crate::error::{ApiResult, Problem};
use crate::extract::{CurrentActor, JsonBody};
use crate::gateway::{ClientIp, hit, limited, session_of};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use nexus_core::FieldError;
use nexus_core::services::auth::{Grant, PasswordChanger};
use nexus_core::user::User;
use nexus_core::validate::{Fields, Patch};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/refresh", post(refresh))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/auth/me", get(me))
        .route("/api/v1/auth/password", post(change_password))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Lifetime of the access token in seconds.
    pub expires_in: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    /// Only when not signed in (to replace an expired password).
    pub email: Option<String>,
    pub current_password: String,
    pub new_password: String,
}

/// Reads a required, untrimmed string field (passwords, tokens).
fn secret_field(f: &mut Fields<'_>, name: &'static str) -> Option<String> {
    match f.raw_value(name) {
        Some(serde_json::Value::String(s)) if !s.is_empty() && s.len() <= 1024 => Some(s.clone()),
        Some(serde_json::Value::String(_)) => {
            f.error(name, "invalid_length", "must be 1 to 1024 characters");
            None
        }
        Some(serde_json::Value::Null) | None => {
            f.error(name, "required", "is required");
            None
        }
        Some(_) => {
            f.error(name, "invalid_type", "must be a string");
            None
        }
    }
}

fn tokens(state: &AppState, g: &Grant) -> ApiResult<Json<TokenResponse>> {
    let access = state
        .jwt
        .issue(g.user.id, g.session_id)
        .map_err(|e| Problem::from(nexus_core::CoreError::Internal(e.to_string())))?;
    Ok(Json(TokenResponse {
        access_token: access,
        refresh_token: g.refresh_token.clone(),
        token_type: "Bearer".into(),
        expires_in: state.jwt.access_ttl.num_seconds(),
    }))
}

async fn login_limits(state: &AppState, ip: ClientIp, account: &str) -> Result<(), Response> {
    let limits = &state.limits;
    let c = &state.config;
    if let Some(Err((s, wait))) = hit(
        state,
        limits.login_ip.as_ref(),
        c.login_limit_per_ip,
        "login-ip",
        &ip.0,
    )
    .await
    {
        return Err(limited(
            s,
            wait,
            "too many login attempts from this address",
        ));
    }
    let account = account.to_owned();
    if let Some(Err((s, wait))) = hit(
        state,
        limits.login_account.as_ref(),
        c.login_limit_per_account,
        "login-account",
        &account,
    )
    .await
    {
        return Err(limited(s, wait, "too many login attempts for this account"));
    }
    Ok(())
}

/// Log in with email and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn login(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    body: JsonBody,
) -> Result<Json<TokenResponse>, Response> {
    let mut f = Fields::of(&body.value, "").map_err(|e| Problem::from(e).into_response())?;
    let email = match f.string("email", 254) {
        Patch::Value(e) => Some(e),
        _ => {
            f.error("email", "required", "is required");
            None
        }
    };
    let password = secret_field(&mut f, "password");
    f.finish()
        .map_err(|e| Problem::validation(e).into_response())?;
    let (Some(email), Some(password)) = (email, password) else {
        return Err(Problem::validation(vec![]).into_response());
    };
    login_limits(&state, ip, &email.to_lowercase()).await?;
    let grant = state
        .services
        .auth
        .login(&email, &password)
        .await
        .map_err(|e| Problem::from(e).into_response())?;
    tokens(&state, &grant).map_err(IntoResponse::into_response)
}

/// Exchange a refresh token for a new pair. The old refresh token stops working; presenting it
/// again revokes the whole session.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn refresh(State(state): State<AppState>, body: JsonBody) -> ApiResult<Json<TokenResponse>> {
    let mut f = Fields::of(&body.value, "")?;
    let token = secret_field(&mut f, "refresh_token");
    f.finish().map_err(Problem::validation)?;
    let token = token.ok_or_else(|| Problem::validation(vec![]))?;
    match state.services.auth.refresh(&token).await {
        Ok((grant, _)) => tokens(&state, &grant),
        Err(e) => {
            if let nexus_core::CoreError::Unauthenticated("refresh_token_reused") = e {
                // The session was revoked in the store; refuse its access tokens here at once.
                state
                    .revoked
                    .refresh(&*state.store, state.jwt.access_ttl)
                    .await;
            }
            Err(e.into())
        }
    }
}

/// End the current session: its refresh token and access tokens stop working.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem)))]
async fn logout(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<StatusCode> {
    if let Some(s) = session_of(&actor) {
        state.services.auth.logout(s).await?;
        state.revoke_session(s);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = User), (status = 401, body = Problem)))]
async fn me(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<User>> {
    Ok(Json(state.services.users.get(&actor, actor.user_id).await?))
}

/// Change the password. Signed in: send `current_password` and `new_password`. With an expired
/// password (login answers `password_expired`): also send `email`, without a token. Every
/// session of the user ends.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = ChangePasswordRequest,
    responses((status = 204), (status = 401, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn change_password(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    actor: Result<CurrentActor, Problem>,
    body: JsonBody,
) -> Result<StatusCode, Response> {
    let bad = |e: Vec<FieldError>| Problem::validation(e).into_response();
    let mut f = Fields::of(&body.value, "").map_err(|e| Problem::from(e).into_response())?;
    let email = match f.string("email", 254) {
        Patch::Value(e) => Some(e),
        _ => None,
    };
    let current = secret_field(&mut f, "current_password");
    let new = secret_field(&mut f, "new_password");
    f.finish().map_err(bad)?;
    let (Some(current), Some(new)) = (current, new) else {
        return Err(bad(vec![]));
    };
    let sessions = match (&actor, &email) {
        (Ok(CurrentActor(a)), _) => {
            state
                .services
                .auth
                .change_password(PasswordChanger::Actor(a), &current, &new)
                .await
        }
        (Err(_), Some(e)) => {
            login_limits(&state, ip, &e.to_lowercase()).await?;
            state
                .services
                .auth
                .change_password(PasswordChanger::Email(e), &current, &new)
                .await
        }
        (Err(p), None) => {
            return Err(Problem::unauthorized(
                &p.code,
                "sign in, or send email with current_password",
            )
            .into_response());
        }
    }
    .map_err(|e| Problem::from(e).into_response())?;
    for s in sessions {
        state.revoke_session(s);
    }
    Ok(StatusCode::NO_CONTENT)
}

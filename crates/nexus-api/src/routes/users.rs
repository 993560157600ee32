//! `/api/v1/users` and `/api/v1/teams`: admins manage; managers read their own team.

use crate::error::{ApiResult, Problem};
use crate::extract::{CurrentActor, IfMatch, JsonBody, QueryParams, path_id};
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use nexus_core::auth::Role;
use nexus_core::ids::{TeamId, UserId};
use nexus_core::page::{Cursor, parse_limit};
use nexus_core::services::users::{team_etag, user_etag};
use nexus_core::user::{NewUser, Team, User, UserPatch, parse_team_name};
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", post(create_user).get(list_users))
        .route("/api/v1/users/{id}", get(read_user).patch(update_user))
        .route("/api/v1/teams", post(create_team).get(list_teams))
        .route(
            "/api/v1/teams/{id}",
            get(read_team).patch(rename_team).delete(delete_team),
        )
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UserCreate {
    #[schema(format = Email, max_length = 254)]
    email: String,
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    name: String,
    role: Role,
    #[schema(nullable)]
    team_id: Option<TeamId>,
    /// 12 to 256 characters.
    #[schema(min_length = 12, max_length = 256)]
    password: String,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UserUpdate {
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    name: Option<String>,
    role: Option<Role>,
    #[schema(nullable)]
    team_id: Option<TeamId>,
    /// `false` deactivates the user and ends their sessions.
    active: Option<bool>,
    /// Sets a new password (ends the user's sessions).
    #[schema(min_length = 12, max_length = 256)]
    password: Option<String>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct TeamInput {
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct UserList {
    pub data: Vec<User>,
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TeamList {
    pub data: Vec<Team>,
    pub next_cursor: Option<String>,
}

fn etagged<T: Serialize>(status: StatusCode, v: &T, etag: String) -> Response {
    let mut res = (status, Json(v)).into_response();
    if let Ok(h) = HeaderValue::from_str(&etag) {
        res.headers_mut().insert(header::ETAG, h);
    }
    res
}

fn page_args(raw: Option<&str>) -> ApiResult<(u32, Option<uuid::Uuid>)> {
    let p = QueryParams::parse(raw, &["limit", "cursor"], &[])?;
    let limit = parse_limit(p.one("limit"))?;
    let after = match p.one("cursor") {
        Some(c) => Some(Cursor::decode(c)?.id),
        None => None,
    };
    Ok((limit, after))
}

fn next_cursor(len: usize, limit: u32, last: Option<uuid::Uuid>) -> Option<String> {
    (len >= limit as usize).then_some(()).and(last).map(|id| {
        Cursor {
            sort: "id".into(),
            value: String::new(),
            id,
        }
        .encode()
    })
}

/// Create a user (admin).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])), request_body = UserCreate,
    responses((status = 201, body = User), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_user(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    body: JsonBody,
) -> ApiResult<Response> {
    actor.require(nexus_core::auth::Permission::UsersWrite)?;
    let input = NewUser::parse(&body.value).map_err(Problem::validation)?;
    let u = state.services.users.create(&actor, input).await?;
    let mut res = etagged(StatusCode::CREATED, &u, user_etag(&u));
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/users/{}", u.id)) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// List users: all for admins, their team for managers.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query, minimum = 1, maximum = 500), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = UserList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list_users(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<UserList>> {
    let (limit, after) = page_args(raw.as_deref())?;
    let data = state
        .services
        .users
        .list(&actor, after.map(UserId), limit)
        .await?;
    let next_cursor = next_cursor(data.len(), limit, data.last().map(|u| u.id.0));
    Ok(Json(UserList { data, next_cursor }))
}

/// Read a user (admins: any; managers: their team; everyone: themselves).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])), params(("id" = UserId, Path)),
    responses((status = 200, body = User), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn read_user(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let u = state
        .services
        .users
        .get(&actor, path_id(&id, "user")?)
        .await?;
    Ok(etagged(StatusCode::OK, &u, user_etag(&u)))
}

/// Change a user (admin). Role, team, activity and password changes end the user's sessions.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])), request_body = UserUpdate,
    params(("id" = UserId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = User), (status = 401, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn update_user(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    body: JsonBody,
) -> ApiResult<Response> {
    let id: UserId = path_id(&id, "user")?;
    let patch = UserPatch::parse(&body.value).map_err(Problem::validation)?;
    let (u, ended) = state
        .services
        .users
        .update(&actor, id, patch, if_match.as_deref())
        .await?;
    for s in ended {
        state.revoke_session(s);
    }
    state.actors.invalidate(id);
    Ok(etagged(StatusCode::OK, &u, user_etag(&u)))
}

/// Create a team (admin).
#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", security(("bearer" = [])), request_body = TeamInput,
    responses((status = 201, body = Team), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_team(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    body: JsonBody,
) -> ApiResult<Response> {
    actor.require(nexus_core::auth::Permission::TeamsWrite)?;
    let name = parse_team_name(&body.value).map_err(Problem::validation)?;
    let t = state.services.users.create_team(&actor, name).await?;
    let mut res = etagged(StatusCode::CREATED, &t, team_etag(&t));
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/teams/{}", t.id)) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// List teams: all for admins, their own for managers.
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query, minimum = 1, maximum = 500), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = TeamList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn list_teams(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<TeamList>> {
    let (limit, after) = page_args(raw.as_deref())?;
    let data = state
        .services
        .users
        .list_teams(&actor, after.map(TeamId), limit)
        .await?;
    let next_cursor = next_cursor(data.len(), limit, data.last().map(|t| t.id.0));
    Ok(Json(TeamList { data, next_cursor }))
}

#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "teams", security(("bearer" = [])), params(("id" = TeamId, Path)),
    responses((status = 200, body = Team), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn read_team(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let t = state
        .services
        .users
        .get_team(&actor, path_id(&id, "team")?)
        .await?;
    Ok(etagged(StatusCode::OK, &t, team_etag(&t)))
}

/// Rename a team (admin).
#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "teams", security(("bearer" = [])), request_body = TeamInput, params(("id" = TeamId, Path)),
    responses((status = 200, body = Team), (status = 401, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn rename_team(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult<Response> {
    let id: TeamId = path_id(&id, "team")?;
    actor
        .require(nexus_core::auth::Permission::TeamsWrite)
        .map_err(|_| Problem::from(nexus_core::CoreError::not_found("team")))?;
    let name = parse_team_name(&body.value).map_err(Problem::validation)?;
    let t = state.services.users.rename_team(&actor, id, name).await?;
    Ok(etagged(StatusCode::OK, &t, team_etag(&t)))
}

/// Delete a team without members (admin).
#[utoipa::path(delete, path = "/api/v1/teams/{id}", tag = "teams", security(("bearer" = [])), params(("id" = TeamId, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn delete_team(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state
        .services
        .users
        .delete_team(&actor, path_id(&id, "team")?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

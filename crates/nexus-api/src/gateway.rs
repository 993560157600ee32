//! The gateway layer: request ids, one access-log line per request, metrics, rate limits (per
//! IP and per user, with `RateLimit-*` headers), authentication, timeouts, security headers,
//! and turning every error response into an RFC 9457 problem document.

use crate::error::Problem;
use crate::state::{ApiConfig, AppState};
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use nexus_core::auth::{Actor, Credential};
use nexus_core::ids::{SessionId, UserId};
use sha2::{Digest, Sha256};
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// The request id of the current request, in request extensions.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Who the request authenticated as, set by [`authenticate`].
#[derive(Clone, Debug)]
pub enum Principal {
    Anonymous,
    Actor(Actor),
    Invalid(&'static str),
}

/// Filled by [`authenticate`] so that the access log can name the user.
#[derive(Clone, Default)]
struct UserSlot(Arc<OnceLock<UserId>>);

/// The client address (the peer, or the first `X-Forwarded-For` hop when trusted).
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

/// Keyed GCRA limiters.
#[derive(Clone)]
pub struct RateLimits {
    per_ip: Option<Arc<Keyed<IpAddr>>>,
    per_user: Option<Arc<Keyed<UserId>>>,
    pub login_ip: Option<Arc<Keyed<IpAddr>>>,
    pub login_account: Option<Arc<Keyed<String>>>,
}

fn keyed<K: Hash + Eq + Clone>(per_minute: u32) -> Option<Arc<Keyed<K>>> {
    NonZeroU32::new(per_minute).map(|n| {
        Arc::new(
            RateLimiter::keyed(Quota::per_minute(n))
                .with_middleware::<StateInformationMiddleware>(),
        )
    })
}

/// The outcome of one limiter check, for the `RateLimit-*` headers.
#[derive(Clone, Copy, Debug)]
pub struct LimitState {
    pub limit: u32,
    pub remaining: u32,
    pub reset_secs: u64,
}

/// Checks `key` against `limiter`: `Ok` with the state, or `Err(retry_after_secs)`.
pub fn check<K: Hash + Eq + Clone>(
    limiter: &Keyed<K>,
    key: &K,
) -> Result<LimitState, (LimitState, u64)> {
    let quota = limiter.check_key(key);
    match quota {
        Ok(snap) => {
            let q = snap.quota();
            let limit = q.burst_size().get();
            let remaining = snap.remaining_burst_capacity();
            let per = q.replenish_interval().as_secs_f64();
            let reset_secs = (f64::from(limit - remaining) * per).ceil() as u64;
            Ok(LimitState {
                limit,
                remaining,
                reset_secs,
            })
        }
        Err(not_until) => {
            let wait = not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1);
            let limit = not_until.quota().burst_size().get();
            Err((
                LimitState {
                    limit,
                    remaining: 0,
                    reset_secs: wait,
                },
                wait,
            ))
        }
    }
}

/// Counts one hit of `key` against a limit of `per_minute` named `scope`: in Redis when the
/// cluster has it (shared by every instance), in this instance's `local` limiter otherwise or
/// when Redis does not answer. `None` when the limit is switched off.
pub async fn hit<K: Hash + Eq + Clone + std::fmt::Display>(
    state: &AppState,
    local: Option<&Arc<Keyed<K>>>,
    per_minute: u32,
    scope: &str,
    key: &K,
) -> Option<Result<LimitState, (LimitState, u64)>> {
    let local = local?;
    if state.cluster.enabled() {
        // Keys are hashed: no address or e-mail address is stored in Redis.
        let digest = hex::encode(&Sha256::digest(key.to_string().as_bytes())[..16]);
        if let Some(r) = state
            .cluster
            .hit(&format!("{scope}:{digest}"), per_minute)
            .await
        {
            return Some(r);
        }
    }
    Some(check(local, key))
}

impl RateLimits {
    pub fn new(c: &ApiConfig) -> Self {
        Self {
            per_ip: keyed(c.rate_limit_per_ip),
            per_user: keyed(c.rate_limit_per_user),
            login_ip: keyed(c.login_limit_per_ip),
            login_account: keyed(c.login_limit_per_account),
        }
    }

    /// Forgets idle keys so memory stays bounded.
    pub fn housekeeping(&self) {
        if let Some(l) = &self.per_ip {
            l.retain_recent();
        }
        if let Some(l) = &self.per_user {
            l.retain_recent();
        }
        if let Some(l) = &self.login_ip {
            l.retain_recent();
        }
        if let Some(l) = &self.login_account {
            l.retain_recent();
        }
    }
}

fn valid_request_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (!s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c)))
    .then(|| s.to_owned())
}

fn client_ip(req: &Request, trust_forwarded: bool) -> IpAddr {
    if trust_forwarded
        && let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.split(',').next())
            .and_then(|s| s.trim().parse().ok())
    {
        return ip;
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Outermost middleware: request id, timing, metrics, access log, timeout, security headers,
/// and problem documents for every error.
pub async fn request_context(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(valid_request_id)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().as_str().to_owned();
    let ip = client_ip(&req, state.config.trust_forwarded_for);
    let slot = UserSlot::default();
    req.extensions_mut().insert(RequestId(request_id.clone()));
    req.extensions_mut().insert(ClientIp(ip));
    req.extensions_mut().insert(slot.clone());

    let in_flight = metrics::gauge!("http_requests_in_flight");
    in_flight.increment(1.0);
    // An upload streams a whole file: it gets the upload timeout.
    let timeout = if route == crate::routes::imports::UPLOAD_PATH && method == "POST" {
        state.config.imports.upload_timeout
    } else {
        state.config.request_timeout
    };
    let res = match tokio::time::timeout(timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "the request took too long and was cancelled",
        )
        .with_header(header::RETRY_AFTER, "1")
        .into_response(),
    };
    in_flight.decrement(1.0);
    let mut res = normalize_error(res, &request_id).await;
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    let labels = [
        ("method", method.clone()),
        ("route", route.clone()),
        ("status", status.to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!(
        "http_request_duration_seconds",
        &[("method", method.clone()), ("route", route.clone())]
    )
    .record(elapsed.as_secs_f64());
    let user = slot.0.get().map(|u| u.to_string()).unwrap_or_default();
    tracing::info!(
        target: "nexus::access",
        method = %method,
        route = %route,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        request_id = %request_id,
        user_id = %user,
        "request"
    );
    set_security_headers(res.headers_mut(), &route);
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    res
}

fn set_security_headers(h: &mut HeaderMap, route: &str) {
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    let csp = if route.starts_with("/api/docs") {
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
    } else {
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
    };
    h.insert("content-security-policy", HeaderValue::from_static(csp));
    if route.starts_with("/api/") && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// Rewrites error responses that are not problem documents yet (axum's 404/405/413/415
/// rejections, layer errors) and adds the request id to server errors.
async fn normalize_error(res: Response, request_id: &str) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let ct = res
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.as_bytes().to_vec())
        .unwrap_or_default();
    if ct.starts_with(b"application/json") {
        // A deliberate JSON error body (readiness reports its checks).
        return res;
    }
    let is_problem = ct.starts_with(b"application/problem+json");
    if is_problem && !status.is_server_error() {
        return res;
    }
    let (parts, body) = res.into_parts();
    let mut problem = if is_problem {
        let bytes = axum::body::to_bytes(body, 64 * 1024)
            .await
            .unwrap_or_default();
        let mut v: serde_json::Value =
            serde_json::from_slice(&bytes).unwrap_or_else(|_| serde_json::json!({}));
        v["request_id"] = serde_json::Value::String(request_id.to_owned());
        let mut r = (status, serde_json::to_vec(&v).unwrap_or_default()).into_response();
        *r.headers_mut() = parts.headers;
        return r;
    } else {
        match status {
            StatusCode::NOT_FOUND => Problem::new(status, "not_found", "no such resource or route"),
            StatusCode::METHOD_NOT_ALLOWED => Problem::new(
                status,
                "method_not_allowed",
                "this route does not accept the method",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => {
                Problem::new(status, "payload_too_large", "the request body is too large")
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                Problem::new(status, "unsupported_media_type", "send application/json")
            }
            StatusCode::BAD_REQUEST => {
                Problem::new(status, "bad_request", "the request is malformed")
            }
            StatusCode::REQUEST_TIMEOUT => {
                Problem::new(status, "timeout", "the request took too long")
            }
            s if s.is_server_error() => Problem::internal(),
            s => Problem::new(s, "error", s.canonical_reason().unwrap_or("error")),
        }
    };
    if status.is_server_error() {
        problem.request_id = Some(request_id.to_owned());
    }
    let mut out = problem.into_response();
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = parts.headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    drop(body);
    out
}

/// Resolves the bearer token (JWT or API key) into a [`Principal`] and applies the per-IP and
/// per-user rate limits.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let ip = req
        .extensions()
        .get::<ClientIp>()
        .map(|c| c.0)
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let principal = resolve(&state, req.headers()).await;
    if let (Principal::Actor(a), Some(slot)) = (&principal, req.extensions().get::<UserSlot>()) {
        let _ = slot.0.set(a.user_id);
    }
    let mut shown: Option<LimitState> = None;
    let mut note = |s: LimitState| {
        if shown.is_none_or(|cur| s.remaining < cur.remaining) {
            shown = Some(s);
        }
    };
    match hit(
        &state,
        state.limits.per_ip.as_ref(),
        state.config.rate_limit_per_ip,
        "ip",
        &ip,
    )
    .await
    {
        Some(Ok(s)) => note(s),
        Some(Err((s, wait))) => return limited(s, wait, "too many requests from this address"),
        None => {}
    }
    if let Principal::Actor(a) = &principal {
        match hit(
            &state,
            state.limits.per_user.as_ref(),
            state.config.rate_limit_per_user,
            "user",
            &a.user_id,
        )
        .await
        {
            Some(Ok(s)) => note(s),
            Some(Err((s, wait))) => return limited(s, wait, "too many requests for this user"),
            None => {}
        }
    }
    req.extensions_mut().insert(principal);
    let mut res = next.run(req).await;
    if let Some(s) = shown {
        put_limit_headers(res.headers_mut(), s);
    }
    res
}

pub fn limited(s: LimitState, wait: u64, detail: &str) -> Response {
    metrics::counter!("http_rate_limited_total").increment(1);
    let mut res = Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", detail)
        .with_header(header::RETRY_AFTER, &wait.to_string())
        .into_response();
    put_limit_headers(res.headers_mut(), s);
    res
}

fn put_limit_headers(h: &mut HeaderMap, s: LimitState) {
    for (name, v) in [
        ("ratelimit-limit", s.limit as u64),
        ("ratelimit-remaining", s.remaining as u64),
        ("ratelimit-reset", s.reset_secs),
    ] {
        if let Ok(v) = HeaderValue::from_str(&v.to_string()) {
            h.insert(HeaderName::from_static(name), v);
        }
    }
}

async fn resolve(state: &AppState, headers: &HeaderMap) -> Principal {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Principal::Anonymous;
    };
    let Some(token) = value
        .to_str()
        .ok()
        .and_then(|s| {
            s.strip_prefix("Bearer ")
                .or_else(|| s.strip_prefix("bearer "))
        })
        .map(str::trim)
    else {
        return Principal::Invalid("invalid_authorization_header");
    };
    resolve_token(state, token).await
}

/// Resolves a bearer token (access token or API key) into a [`Principal`]; shared by REST and
/// the Socket.IO handshake.
pub async fn resolve_token(state: &AppState, token: &str) -> Principal {
    if token.starts_with(nexus_core::services::auth::API_KEY_PREFIX) {
        return match state.services.auth.authenticate_api_key(token).await {
            Ok(a) => Principal::Actor(a),
            Err(_) => Principal::Invalid("invalid_api_key"),
        };
    }
    let Some(claims) = state.jwt.verify(token) else {
        return Principal::Invalid("invalid_token");
    };
    let session = SessionId(claims.sid);
    if state.revoked.contains(session) {
        return Principal::Invalid("token_revoked");
    }
    match state
        .actors
        .actor(&*state.store, UserId(claims.sub), session)
        .await
    {
        Some(a) => Principal::Actor(a),
        None => Principal::Invalid("invalid_token"),
    }
}

/// The session of an actor, if it authenticated with an access token.
pub fn session_of(a: &Actor) -> Option<SessionId> {
    match a.credential {
        Credential::Session(s) => Some(s),
        _ => None,
    }
}

/// Builds the CORS layer from configuration.
pub fn cors(c: &ApiConfig) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let base = CorsLayer::new()
        .allow_methods([
            axum::http::Method::GET,
            axum::http::Method::POST,
            axum::http::Method::PATCH,
            axum::http::Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            HeaderName::from_static("idempotency-key"),
            REQUEST_ID,
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            REQUEST_ID,
            header::RETRY_AFTER,
            HeaderName::from_static("ratelimit-limit"),
            HeaderName::from_static("ratelimit-remaining"),
            HeaderName::from_static("ratelimit-reset"),
        ])
        .max_age(std::time::Duration::from_secs(600));
    if c.cors_origins.iter().any(|o| o == "*") {
        base.allow_origin(AllowOrigin::any())
    } else {
        let list: Vec<HeaderValue> = c
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        base.allow_origin(AllowOrigin::list(list))
    }
}

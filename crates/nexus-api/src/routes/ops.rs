//! Operations endpoints: liveness, readiness (with per-dependency status and latency) and
//! Prometheus metrics.

use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/health/ready", get(ready))
        .route("/metrics", get(metrics))
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`
    pub status: String,
    pub version: String,
    pub uptime_seconds: u64,
}

#[derive(Serialize, ToSchema)]
pub struct DependencyStatus {
    /// `up`, `down`, or `degraded` (Redis unreachable: the instance serves on with local rate
    /// limits, without cross-instance notices, and reads records from the store instead of the
    /// record cache; AI layer unreachable: new customers wait for their segment).
    pub status: String,
    pub latency_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: String,
    pub checks: BTreeMap<String, DependencyStatus>,
}

/// Liveness: the process is up.
#[utoipa::path(get, path = "/health", tag = "operations", responses((status = 200, body = Health)))]
async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        uptime_seconds: state.started.elapsed().as_secs(),
    })
}

/// Readiness: the store answers (503 when it does not); Redis, when configured, is reported
/// (`degraded` while unreachable) without making the instance unready.
#[utoipa::path(get, path = "/health/ready", tag = "operations",
    responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
async fn ready(State(state): State<AppState>) -> Response {
    let started = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let store = match result {
        Ok(Ok(())) => DependencyStatus {
            status: "up".into(),
            latency_ms,
            error: None,
        },
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: store check failed");
            DependencyStatus {
                status: "down".into(),
                latency_ms,
                error: Some("store unreachable".into()),
            }
        }
        Err(_) => DependencyStatus {
            status: "down".into(),
            latency_ms,
            error: Some("store check timed out".into()),
        },
    };
    let up = store.status == "up";
    let mut checks = BTreeMap::new();
    checks.insert(format!("store_{}", state.store.backend()), store);
    // Redis is optional: without it the instance serves degraded (local rate limits, no
    // cross-instance notices), so it is reported but does not make the instance unready.
    if let Some(r) = state.cluster.health().await {
        checks.insert(
            "redis".into(),
            DependencyStatus {
                status: if r.up { "up" } else { "degraded" }.into(),
                latency_ms: r.latency_ms,
                error: r.error,
            },
        );
    }
    // The shared record cache: while Redis is away reads go to the store (slower, still right).
    if let Some(c) = state.services.records.health().await
        && c.backend == "redis"
    {
        checks.insert(
            "record_cache".into(),
            DependencyStatus {
                status: if c.serving { "up" } else { "degraded" }.into(),
                latency_ms: 0.0,
                error: c.detail,
            },
        );
    }
    // The AI layer is optional too: without it customers are created with a pending segment
    // and classified once it answers again.
    let started = Instant::now();
    let ai = tokio::time::timeout(Duration::from_secs(1), state.services.ai.layer().ready()).await;
    let (status, error) = match ai {
        Ok(Ok(())) => ("up", None),
        Ok(Err(e)) => ("degraded", Some(e.to_string())),
        Err(_) => ("degraded", Some("AI layer check timed out".to_owned())),
    };
    checks.insert(
        "ai".into(),
        DependencyStatus {
            status: status.into(),
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
            error,
        },
    );
    let body = Readiness {
        status: if up { "ready" } else { "not_ready" }.into(),
        checks,
    };
    let mut res = (
        if up {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(body),
    )
        .into_response();
    if !up {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    res
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, content_type = "text/plain", body = String)))]
async fn metrics(State(state): State<AppState>) -> Response {
    for p in state.store.pool_stats() {
        let pool = p.pool;
        metrics::gauge!("db_pool_connections", "pool" => pool, "state" => "open")
            .set(f64::from(p.size));
        metrics::gauge!("db_pool_connections", "pool" => pool, "state" => "idle")
            .set(f64::from(p.idle));
        metrics::gauge!("db_pool_max_connections", "pool" => pool).set(f64::from(p.max));
        metrics::gauge!("db_pool_waiting", "pool" => pool).set(f64::from(p.waiting));
        metrics::counter!("db_pool_acquire_waits_total", "pool" => pool).absolute(p.waits);
    }
    metrics::gauge!("process_uptime_seconds").set(state.started.elapsed().as_secs_f64());
    let body = state
        .metrics
        .as_ref()
        .map(|h| h.render())
        .unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

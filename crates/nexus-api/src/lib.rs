//! The HTTP layer of NEXUS: axum routers (one file per resource), the gateway middleware, RFC 9457
//! errors and the OpenAPI document. Handlers extract, call one service, and map the result.

pub mod ai_client;
pub mod ai_service;
pub mod cluster;
pub mod error;
mod export;
pub mod extract;
pub mod gateway;
pub mod idempotency;
pub mod listing;
pub mod openapi;
pub mod realtime;
pub mod record_cache;
pub mod respond;
pub mod routes;
pub mod state;
pub mod tokens;
pub mod webhook_delivery;

pub use state::{ApiConfig, AppState};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

/// The full application router.
pub fn router(state: AppState) -> Router {
    state.realtime.install(&state);
    let api = Router::new()
        .merge(routes::auth::router())
        .merge(routes::api_keys::router())
        .merge(routes::users::router())
        .merge(routes::customers::router())
        .merge(routes::custom_fields::router())
        .merge(routes::products::router())
        .merge(routes::transactions::router())
        .merge(routes::pipelines::router())
        .merge(routes::deals::router())
        .merge(routes::activities::router())
        .merge(routes::dashboards::router())
        .merge(routes::ai::router())
        .merge(routes::timeline::router())
        .merge(routes::privacy::router())
        .merge(routes::views::router())
        .merge(routes::events::router())
        .merge(routes::webhooks::router())
        .merge(routes::imports::router())
        .route(
            "/api/v1/openapi.json",
            get(|| async {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    openapi::json(),
                )
            }),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            gateway::authenticate,
        ));
    let limited = Router::new()
        .merge(api)
        .merge(routes::ops::router())
        .merge(
            SwaggerUi::new("/api/docs").url("/api/docs/openapi.json", openapi::ApiDoc::openapi()),
        )
        // The embedded web UI; misses under /api, /health, /metrics, /socket.io stay 404s.
        .fallback(nexus_web::fallback)
        .layer(DefaultBodyLimit::max(state.config.body_limit_bytes))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            state.config.body_limit_bytes,
        ));
    // CSV uploads stream to disk: their own size limit instead of the JSON body limit.
    let import_limit = usize::try_from(state.config.imports.max_bytes).unwrap_or(usize::MAX);
    let uploads = routes::imports::upload_router()
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            gateway::authenticate,
        ))
        .layer(DefaultBodyLimit::max(import_limit))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(import_limit));
    Router::new()
        .merge(uploads)
        .merge(limited)
        // A panic in a handler is a bug; the client still gets a problem+json 500 (and the
        // access log its line) instead of a dropped connection. The panic's message goes to
        // the error log only.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |panic: Box<dyn std::any::Any + Send>| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(panic = %what, "a request handler panicked");
                axum::response::IntoResponse::into_response(error::Problem::internal())
            },
        ))
        .layer(gateway::cors(&state.config))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            gateway::request_context,
        ))
        // Socket.IO answers /socket.io/ itself, before the REST gateway.
        .layer(state.realtime.layer.clone())
        .with_state(state)
}

/// The process-wide Prometheus recorder (installed once; later calls share it).
/// A builder of outgoing HTTP clients (webhooks, the AI service). reqwest is built without a
/// crypto provider of its own: this installs ring first (an error only means a provider is
/// installed already).
pub fn http_client() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

pub fn metrics_handle() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let buckets = [
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                10.0,
            ];
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("http_request_duration_seconds".into()),
                    &buckets,
                )
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            metrics::describe_counter!(
                "http_requests_total",
                "HTTP requests by method, route template and status"
            );
            metrics::describe_histogram!(
                "http_request_duration_seconds",
                metrics::Unit::Seconds,
                "HTTP request latency by method and route template"
            );
            metrics::describe_gauge!("http_requests_in_flight", "HTTP requests being served");
            metrics::describe_counter!(
                "http_rate_limited_total",
                "Requests refused by a rate limit"
            );
            metrics::describe_gauge!(
                "db_pool_connections",
                "Database pool connections by pool and state (open, idle)"
            );
            metrics::describe_gauge!("db_pool_max_connections", "Database pool size limit");
            metrics::describe_gauge!(
                "db_pool_waiting",
                "Database connection acquisitions queued now, every connection being in use"
            );
            metrics::describe_counter!(
                "db_pool_acquire_waits_total",
                "Database connection acquisitions that queued because every connection was in use"
            );
            metrics::describe_gauge!("nexus_build_info", "Build information (always 1)");
            metrics::describe_gauge!(
                "process_uptime_seconds",
                metrics::Unit::Seconds,
                "Seconds since the process started"
            );
            metrics::describe_counter!(
                "events_published_total",
                "Events numbered and published on the bus"
            );
            metrics::describe_gauge!(
                "socketio_connections",
                "Socket.IO clients connected to this instance"
            );
            metrics::describe_counter!(
                "socketio_events_delivered_total",
                "Events sent to at least one Socket.IO client"
            );
            metrics::describe_counter!(
                "record_cache_requests_total",
                "Single-record reads by resource and outcome (hit: served from the record cache)"
            );
            metrics::describe_counter!(
                "webhook_attempts_total",
                "Webhook delivery attempts by result (2xx, 3xx, 4xx, 5xx, error, refused)"
            );
            Some(handle)
        })
        .clone()
}

/// Background work of a serving instance: the event relay, record-cache eviction, revocation
/// refresh and limiter housekeeping. Ends when `stop` is cancelled.
pub fn spawn_background(
    state: &AppState,
    stop: CancellationToken,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    let (store, bus) = (state.store.clone(), state.services.bus.clone());
    let s = stop.clone();
    tasks.push(tokio::spawn(async move {
        nexus_core::bus::relay(store, bus, s).await
    }));
    let (st, s) = (state.clone(), stop.clone());
    tasks.push(tokio::spawn(realtime::run(st, s)));
    // The record cache forgets every record the log names, whichever instance wrote it.
    tasks.push(tokio::spawn(nexus_core::cache::evict_on_events(
        state.services.records.clone(),
        state.services.bus.clone(),
        stop.clone(),
    )));
    // The actor cache forgets a user as soon as the log says the user changed (role, team,
    // deactivation); the custom-field definitions and the win model's inputs are forgotten
    // when what they derive from changed, whichever instance made the change.
    let (actors, fields, win, mut events, s) = (
        state.actors.clone(),
        state.services.fields.clone(),
        state.services.win_inputs.clone(),
        state.services.bus.subscribe(),
        stop.clone(),
    );
    tasks.push(tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = s.cancelled() => break,
                e = events.recv() => match e {
                    Ok(e) => match e.entity.as_str() {
                        "user" => actors.invalidate(nexus_core::ids::UserId(e.entity_id)),
                        "custom_field" => fields.forget(),
                        _ => win.forget_on(&e),
                    },
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        actors.clear();
                        fields.forget();
                        win.forget_all();
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                },
            }
        }
    }));
    tasks.push(tokio::spawn(state.cluster.clone().run(
        state.services.bus.clone(),
        state.revoked.clone(),
        stop.clone(),
    )));
    let st = state.clone();
    let s = stop.clone();
    tasks.push(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        // Every 30 s idle connections drop their page caches (SQLite): memory a burst filled
        // goes back once the server is quiet (docs/benchmarks.md).
        let every = Duration::from_secs(30);
        let mut release = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        loop {
            tokio::select! {
                _ = s.cancelled() => break,
                _ = tick.tick() => {
                    st.revoked.refresh(&*st.store, st.jwt.access_ttl).await;
                    st.limits.housekeeping();
                }
                _ = release.tick() => {
                    let shrunk = st.store.release_memory().await;
                    tracing::debug!(connections = shrunk, "idle connections emptied their page caches");
                }
            }
        }
    }));
    let imports = nexus_core::import::worker::ImportWorker::new(
        state.services.clone(),
        state.config.imports.worker.clone(),
    );
    tasks.push(tokio::spawn(imports.run(stop.clone())));
    tasks.push(tokio::spawn(
        state
            .services
            .ai
            .clone()
            .run_jobs(state.config.ai.clone(), stop.clone()),
    ));
    let worker = webhook_delivery::worker(state);
    tasks.push(tokio::spawn(worker.run(stop.clone())));
    tasks
}

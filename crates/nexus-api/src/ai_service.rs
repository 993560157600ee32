//! `nexus ai serve`: the AI layer as its own HTTP service, as the seed's FastAPI services are.
//! It serves the in-process models ([`LocalAi`]) over REST with its own OpenAPI document,
//! `/health`, `/health/ready` and `/metrics`; the API calls it through
//! [`crate::ai_client::RemoteAi`] when `NEXUS_AI_URL` is set. It reads the same store as the API
//! (the models are trained from it and recorded in it) and runs the training schedule.
//!
//! When a token is configured every `/v1/*` call must carry `Authorization: Bearer <token>`.

use crate::error::Problem;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use metrics_exporter_prometheus::PrometheusHandle;
use nexus_core::ai::RecommendationsInsight;
use nexus_core::ai::local::LocalAi;
use nexus_core::ai::train::{TrainReport, Trainer};
use nexus_core::ai::{
    AiLayer, Classification, CustomerFacts, CustomerScores, DealFacts, ModelInfo, RevenueForecast,
    Segmentation, SentimentScore,
};
use nexus_core::ids::ProductId;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Instant;
use utoipa::{OpenApi, ToSchema};

/// Profiles to classify.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ClassifyRequest {
    /// Each profile as `attribute=value` tokens.
    pub profiles: Vec<Vec<String>>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct ClassifyResponse {
    /// One per profile; `null` while no new-customer model serves.
    pub results: Vec<Option<Classification>>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct TextsRequest {
    pub texts: Vec<String>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct SentimentResults {
    pub results: Vec<SentimentScore>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct ServingModels {
    pub models: Vec<ModelInfo>,
}

#[derive(Serialize, ToSchema)]
pub struct AiHealth {
    /// `ok`
    pub status: &'static str,
    pub version: &'static str,
    pub uptime_seconds: u64,
    /// Model versions serving.
    pub models: usize,
}

/// Texts one request may score.
const TEXTS_MAX: usize = 1000;

#[derive(Clone)]
pub struct AiServiceState {
    pub ai: LocalAi,
    pub trainer: Trainer,
    /// Bearer token the callers must send, if any.
    pub token: Option<Arc<str>>,
    pub metrics: Option<PrometheusHandle>,
    pub started: Instant,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "NEXUS AI service", description = "The NEXUS models over HTTP (`nexus ai serve`): classification of new customers, sentiment, customer scores, revenue forecast, segments, training."),
    paths(classify, sentiment, score, win, bought_together, forecast, segments, models, reload, train, health, ready),
    tags((name = "ai", description = "Models"), (name = "operations", description = "Health and metrics"))
)]
pub struct AiServiceDoc;

/// The service's router.
pub fn router(state: AiServiceState) -> Router {
    let v1 = Router::new()
        .route("/v1/classify", post(classify))
        .route("/v1/sentiment", post(sentiment))
        .route("/v1/score", post(score))
        .route("/v1/win", post(win))
        .route("/v1/bought-together", post(bought_together))
        .route("/v1/forecast", get(forecast))
        .route("/v1/segments", get(segments))
        .route("/v1/models", get(models))
        .route("/v1/reload", post(reload))
        .route("/v1/train", post(train))
        .layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .merge(v1)
        .route("/health", get(health))
        .route("/health/ready", get(ready))
        .route("/metrics", get(metrics))
        .route(
            "/openapi.json",
            get(|| async { Json(AiServiceDoc::openapi()) }),
        )
        .fallback(|| async {
            Problem::new(StatusCode::NOT_FOUND, "not_found", "no such route").into_response()
        })
        .layer(middleware::from_fn(count))
        .with_state(state)
}

async fn require_token(State(s): State<AiServiceState>, req: Request, next: Next) -> Response {
    if let Some(token) = &s.token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let ok = given.is_some_and(|g| {
            use sha2::Digest;
            // Compared as digests: no early exit on the first differing byte of the token.
            sha2::Sha256::digest(g.as_bytes()) == sha2::Sha256::digest(token.as_bytes())
        });
        if !ok {
            return Problem::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send Authorization: Bearer <ai_token>",
            )
            .into_response();
        }
    }
    next.run(req).await
}

/// Request counts and latencies per route, as the API records them.
async fn count(req: Request, next: Next) -> Response {
    let route = req.uri().path().to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!("ai_requests_total", "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("ai_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    res
}

fn bad_request(msg: impl Into<String>) -> Response {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", msg).into_response()
}

fn unavailable(e: impl std::fmt::Display) -> Response {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        e.to_string(),
    )
    .into_response()
}

/// The likely segment of new customers from their profiles.
#[utoipa::path(post, path = "/v1/classify", tag = "ai", request_body = ClassifyRequest,
    responses((status = 200, body = ClassifyResponse), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn classify(
    State(s): State<AiServiceState>,
    body: Result<Json<ClassifyRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(req)) = body else {
        return bad_request("body must be {\"profiles\": [[\"attribute=value\", ...], ...]}");
    };
    if req.profiles.len() > TEXTS_MAX {
        return bad_request(format!("at most {TEXTS_MAX} profiles"));
    }
    match s.ai.classify(&req.profiles).await {
        Ok(results) => Json(ClassifyResponse { results }).into_response(),
        Err(e) => unavailable(e),
    }
}

/// VADER scores of texts.
#[utoipa::path(post, path = "/v1/sentiment", tag = "ai", request_body = TextsRequest,
    responses((status = 200, body = SentimentResults), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn sentiment(
    State(s): State<AiServiceState>,
    body: Result<Json<TextsRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(req)) = body else {
        return bad_request("body must be {\"texts\": [\"...\"]}");
    };
    if req.texts.len() > TEXTS_MAX {
        return bad_request(format!("at most {TEXTS_MAX} texts"));
    }
    match s.ai.sentiment(&req.texts).await {
        Ok(results) => Json(SentimentResults { results }).into_response(),
        Err(e) => unavailable(e),
    }
}

/// Everything the models say about one customer, from the facts the API read from the store.
#[utoipa::path(post, path = "/v1/score", tag = "ai", request_body = CustomerFacts,
    responses((status = 200, body = CustomerScores), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn score(
    State(s): State<AiServiceState>,
    body: Result<Json<CustomerFacts>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(facts)) = body else {
        return bad_request("body must be the customer's facts (see the schema)");
    };
    match s.ai.score(&facts).await {
        Ok(scores) => Json(scores).into_response(),
        Err(e) => unavailable(e),
    }
}

/// A product whose companions are wanted.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct BoughtTogetherRequest {
    pub product_id: ProductId,
    /// How many (1 to 50).
    pub k: usize,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct BoughtTogetherResponse {
    /// `null` while no recommendation model serves.
    pub recommendations: Option<RecommendationsInsight>,
}

/// The products most often bought by the buyers of a product.
#[utoipa::path(post, path = "/v1/bought-together", tag = "ai", request_body = BoughtTogetherRequest,
    responses((status = 200, body = BoughtTogetherResponse), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn bought_together(
    State(s): State<AiServiceState>,
    body: Result<Json<BoughtTogetherRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(req)) = body else {
        return bad_request("body must be {\"product_id\": \"…\", \"k\": 5}");
    };
    if !(1..=50).contains(&req.k) {
        return bad_request("k must be from 1 to 50");
    }
    match s.ai.bought_together(req.product_id, req.k).await {
        Ok(recommendations) => Json(BoughtTogetherResponse { recommendations }).into_response(),
        Err(e) => unavailable(e),
    }
}

/// Open deals to score.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct WinRequest {
    pub deals: Vec<DealFacts>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct WinResponse {
    /// One probability per deal; `null` while no win model serves.
    pub probabilities: Option<Vec<f64>>,
}

/// Win probability of open deals.
#[utoipa::path(post, path = "/v1/win", tag = "ai", request_body = WinRequest,
    responses((status = 200, body = WinResponse), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn win(
    State(s): State<AiServiceState>,
    body: Result<Json<WinRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(req)) = body else {
        return bad_request("body must be {\"deals\": [...]} (see the schema)");
    };
    if req.deals.len() > TEXTS_MAX {
        return bad_request(format!("at most {TEXTS_MAX} deals"));
    }
    match s.ai.win_probability(&req.deals).await {
        Ok(probabilities) => Json(WinResponse { probabilities }).into_response(),
        Err(e) => unavailable(e),
    }
}

/// The revenue forecast of the serving version (404 before the first training).
#[utoipa::path(get, path = "/v1/forecast", tag = "ai",
    responses((status = 200, body = RevenueForecast), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn forecast(State(s): State<AiServiceState>) -> Response {
    match s.ai.forecast().await {
        Ok(Some(f)) => Json(f).into_response(),
        Ok(None) => Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no forecast trained yet",
        )
        .into_response(),
        Err(e) => unavailable(e),
    }
}

/// The segments of the serving version (404 before the first training).
#[utoipa::path(get, path = "/v1/segments", tag = "ai",
    responses((status = 200, body = Segmentation), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn segments(State(s): State<AiServiceState>) -> Response {
    match s.ai.segments().await {
        Ok(Some(x)) => Json(x).into_response(),
        Ok(None) => Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no segmentation trained yet",
        )
        .into_response(),
        Err(e) => unavailable(e),
    }
}

/// The versions serving.
#[utoipa::path(get, path = "/v1/models", tag = "ai",
    responses((status = 200, body = ServingModels), (status = 401, body = Problem)))]
async fn models(State(s): State<AiServiceState>) -> Response {
    match s.ai.serving().await {
        Ok(models) => Json(ServingModels { models }).into_response(),
        Err(e) => unavailable(e),
    }
}

/// Reloads the serving versions from the store.
#[utoipa::path(post, path = "/v1/reload", tag = "ai",
    responses((status = 204), (status = 401, body = Problem), (status = 503, body = Problem)))]
async fn reload(State(s): State<AiServiceState>) -> Response {
    match s.ai.reload().await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => unavailable(e),
    }
}

/// Runs a training run now and answers with what it recorded.
#[utoipa::path(post, path = "/v1/train", tag = "ai",
    responses((status = 200, body = TrainReport), (status = 401, body = Problem), (status = 503, body = Problem)))]
async fn train(State(s): State<AiServiceState>) -> Response {
    match s.trainer.run().await {
        Ok(r) => Json(r).into_response(),
        Err(e) => unavailable(e),
    }
}

/// Liveness.
#[utoipa::path(get, path = "/health", tag = "operations", responses((status = 200, body = AiHealth)))]
async fn health(State(s): State<AiServiceState>) -> Json<AiHealth> {
    Json(AiHealth {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        uptime_seconds: s.started.elapsed().as_secs(),
        models: s.ai.models().infos().len(),
    })
}

/// Readiness: the store the models are trained from answers.
#[utoipa::path(get, path = "/health/ready", tag = "operations", responses((status = 200, body = AiHealth), (status = 503, body = Problem)))]
async fn ready(State(s): State<AiServiceState>) -> Response {
    match s.ai.store_ping().await {
        Ok(()) => health(State(s)).await.into_response(),
        Err(e) => unavailable(e),
    }
}

async fn metrics(State(s): State<AiServiceState>) -> Response {
    metrics::gauge!("ai_models_serving").set(s.ai.models().infos().len() as f64);
    metrics::gauge!("process_uptime_seconds").set(s.started.elapsed().as_secs_f64());
    let body = s.metrics.as_ref().map(|h| h.render()).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

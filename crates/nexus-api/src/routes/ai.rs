//! The AI layer over REST: a customer's insights, the revenue forecast, the behavioural
//! segments, sentiment of free texts, and (admins) the model versions and on-demand training.

use crate::error::{ApiResult, Problem};
use crate::extract::{CurrentActor, JsonBody, QueryParams, path_id};
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use nexus_core::FieldError;
use nexus_core::ai::{RecommendationsInsight, RevenueForecast, Segmentation, SentimentScore};
use nexus_core::error::CoreError;
use nexus_core::ids::{CustomerId, ProductId};
use nexus_core::services::ai::{CustomerInsights, ModelVersions};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/customers/{id}/insights", get(insights))
        .route(
            "/api/v1/products/{id}/bought-together",
            get(bought_together),
        )
        .route("/api/v1/ai/forecast/revenue", get(forecast))
        .route("/api/v1/ai/segments", get(segments))
        .route("/api/v1/ai/sentiment", post(sentiment))
        .route("/api/v1/ai/models", get(models))
        .route("/api/v1/ai/training", post(train))
}

/// What the AI layer says about one customer: segment with RFM scores, 12-month CLV,
/// probability alive, expected purchases, churn risk, sentiment trend and next best products —
/// each with the model version it comes from, when it was computed, and the factors behind it.
/// A part is `null` while its model has not been trained (or the customer has nothing to score).
#[utoipa::path(operation_id = "customer_insights", get, path = "/api/v1/customers/{id}/insights", tag = "ai", security(("bearer" = [])),
    params(("id" = CustomerId, Path)),
    responses((status = 200, body = CustomerInsights), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem), (status = 503, body = Problem)))]
async fn insights(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<CustomerInsights>> {
    QueryParams::parse(raw.as_deref(), &[], &[])?;
    let id: CustomerId = path_id(&id, "customer")?;
    Ok(Json(state.services.ai.insights(&actor, id).await?))
}

/// The products most often bought by the buyers of this product (item-kNN over the
/// customers' purchases, as of the serving model's training run), best first. 404 for an
/// unknown product, or until recommendations have been trained.
#[utoipa::path(operation_id = "product_bought_together", get, path = "/api/v1/products/{id}/bought-together", tag = "ai", security(("bearer" = [])),
    params(("id" = ProductId, Path)),
    responses((status = 200, body = RecommendationsInsight), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem), (status = 503, body = Problem)))]
async fn bought_together(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<RecommendationsInsight>> {
    QueryParams::parse(raw.as_deref(), &[], &[])?;
    let id: ProductId = path_id(&id, "product")?;
    Ok(Json(state.services.ai.bought_together(&actor, id).await?))
}

/// Monthly revenue of the main currency (major units) and the next twelve months forecast
/// with 80% and 95% intervals, as of the serving model's training run. Company-wide figures:
/// roles that read every record only. 404 until a forecast has been trained.
#[utoipa::path(operation_id = "ai_revenue_forecast", get, path = "/api/v1/ai/forecast/revenue", tag = "ai", security(("bearer" = [])),
    responses((status = 200, body = RevenueForecast), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem)))]
async fn forecast(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<RevenueForecast>> {
    QueryParams::parse(raw.as_deref(), &[], &[])?;
    Ok(Json(state.services.ai.forecast(&actor).await?))
}

/// The behavioural segments (RFM k-means) with their names, centroids and sizes at training
/// time. Company-wide: roles that read every record only. 404 until segments have been trained.
#[utoipa::path(operation_id = "ai_segments", get, path = "/api/v1/ai/segments", tag = "ai", security(("bearer" = [])),
    responses((status = 200, body = Segmentation), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem)))]
async fn segments(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Segmentation>> {
    QueryParams::parse(raw.as_deref(), &[], &[])?;
    Ok(Json(state.services.ai.segments(&actor).await?))
}

/// Texts to score.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct SentimentRequest {
    /// 1 to 100 texts of at most 10,000 characters.
    texts: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SentimentResponse {
    /// One score per text, in order.
    results: Vec<SentimentScore>,
    /// `vader-3.3.2`.
    model: &'static str,
}

/// VADER sentiment of free texts (the scores activities get when their body is written).
#[utoipa::path(operation_id = "ai_sentiment", post, path = "/api/v1/ai/sentiment", tag = "ai", security(("bearer" = [])),
    request_body = SentimentRequest,
    responses((status = 200, body = SentimentResponse), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem)))]
async fn sentiment(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    body: JsonBody,
) -> ApiResult<Json<SentimentResponse>> {
    let texts = parse_texts(&body.value)?;
    let results = state.services.ai.sentiment(&actor, &texts).await?;
    Ok(Json(SentimentResponse {
        results,
        model: nexus_core::ai::SENTIMENT_MODEL,
    }))
}

fn parse_texts(v: &Value) -> Result<Vec<String>, CoreError> {
    let invalid = |field: String, code: &str, msg: &str| FieldError::new(field, code, msg);
    let Some(obj) = v.as_object() else {
        return Err(CoreError::Validation(vec![invalid(
            String::new(),
            "invalid_type",
            "must be a JSON object",
        )]));
    };
    let mut errors: Vec<FieldError> = obj
        .keys()
        .filter(|k| k.as_str() != "texts")
        .map(|k| invalid(k.clone(), "unknown_field", "not a field of this request"))
        .collect();
    let mut texts = Vec::new();
    match obj.get("texts") {
        None => errors.push(invalid("texts".into(), "required", "is required")),
        Some(Value::Array(items)) => {
            for (i, t) in items.iter().enumerate() {
                match t.as_str() {
                    Some(s) => texts.push(s.to_owned()),
                    None => errors.push(invalid(
                        format!("texts[{i}]"),
                        "invalid_type",
                        "must be a string",
                    )),
                }
            }
        }
        Some(_) => errors.push(invalid(
            "texts".into(),
            "invalid_type",
            "must be an array of strings",
        )),
    }
    if errors.is_empty() {
        Ok(texts)
    } else {
        Err(CoreError::Validation(errors))
    }
}

/// The model versions serving now and every recorded version with its metrics (admins).
#[utoipa::path(operation_id = "ai_models", get, path = "/api/v1/ai/models", tag = "ai", security(("bearer" = [])),
    responses((status = 200, body = ModelVersions), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem), (status = 503, body = Problem)))]
async fn models(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<ModelVersions>> {
    QueryParams::parse(raw.as_deref(), &[], &[])?;
    Ok(Json(state.services.ai.models(&actor).await?))
}

#[derive(Serialize, ToSchema)]
pub struct TrainingStarted {
    /// Always `started`; follow the result in `GET /api/v1/ai/models`.
    status: &'static str,
}

/// Starts a training run now (admins): every model is refitted from the store, recorded with
/// its metrics, and promoted only if it scores at least as well as the version serving.
#[utoipa::path(operation_id = "ai_train", post, path = "/api/v1/ai/training", tag = "ai", security(("bearer" = [])),
    responses((status = 202, body = TrainingStarted), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn train(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<(StatusCode, Json<TrainingStarted>)> {
    QueryParams::parse(raw.as_deref(), &[], &[])?;
    state.services.ai.start_training(&actor)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(TrainingStarted { status: "started" }),
    ))
}

//! The AI layer over HTTP: [`RemoteAi`] calls a `nexus ai serve` instance (`NEXUS_AI_URL`).
//! Every failure — refused connection, timeout, a 5xx, an unreadable answer — is
//! [`AiUnavailable`]: the services then go on without the AI layer (a new customer's segment
//! becomes `pending` and the retrying job classifies it once the service answers again).

use crate::ai_service::{BoughtTogetherRequest, BoughtTogetherResponse, WinRequest, WinResponse};
use crate::ai_service::{
    ClassifyRequest, ClassifyResponse, SentimentResults, ServingModels, TextsRequest,
};
use async_trait::async_trait;
use nexus_core::ai::RecommendationsInsight;
use nexus_core::ai::{
    AiLayer, AiUnavailable, Classification, CustomerFacts, CustomerScores, DealFacts, ModelInfo,
    RevenueForecast, Segmentation, SentimentScore,
};
use nexus_core::ids::ProductId;
use reqwest::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// A client of the AI service.
#[derive(Clone)]
pub struct RemoteAi {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl RemoteAi {
    /// `base` is the service's URL (`http://ai:8090`); requests time out after `timeout`.
    pub fn new(
        base: &str,
        token: Option<String>,
        timeout: Duration,
    ) -> Result<Self, AiUnavailable> {
        let http = crate::http_client()
            .timeout(timeout)
            .connect_timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| AiUnavailable(e.to_string()))?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            token,
            http,
        })
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    /// Sends a request; `Ok(None)` for a 404 (nothing trained yet).
    async fn send<T: DeserializeOwned>(
        &self,
        r: reqwest::RequestBuilder,
    ) -> Result<Option<T>, AiUnavailable> {
        let res = r
            .send()
            .await
            .map_err(|e| AiUnavailable(format!("AI service: {e}")))?;
        match res.status() {
            StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => res
                .json::<T>()
                .await
                .map(Some)
                .map_err(|e| AiUnavailable(format!("AI service answer: {e}"))),
            s => Err(AiUnavailable(format!("AI service answered {s}"))),
        }
    }

    async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, AiUnavailable> {
        self.send(self.request(reqwest::Method::POST, path).json(body))
            .await?
            .ok_or_else(|| AiUnavailable(format!("AI service has no {path}")))
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>, AiUnavailable> {
        self.send(self.request(reqwest::Method::GET, path)).await
    }
}

#[async_trait]
impl AiLayer for RemoteAi {
    fn location(&self) -> String {
        self.base.clone()
    }

    async fn ready(&self) -> Result<(), AiUnavailable> {
        let res = self
            .request(reqwest::Method::GET, "/health/ready")
            .send()
            .await
            .map_err(|e| AiUnavailable(format!("AI service: {e}")))?;
        if res.status().is_success() {
            Ok(())
        } else {
            Err(AiUnavailable(format!(
                "AI service answered {}",
                res.status()
            )))
        }
    }

    async fn classify(
        &self,
        profiles: &[Vec<String>],
    ) -> Result<Vec<Option<Classification>>, AiUnavailable> {
        let body = ClassifyRequest {
            profiles: profiles.to_vec(),
        };
        let r: ClassifyResponse = self.post("/v1/classify", &body).await?;
        if r.results.len() != profiles.len() {
            return Err(AiUnavailable(
                "AI service answered the wrong number of results".into(),
            ));
        }
        Ok(r.results)
    }

    async fn sentiment(&self, texts: &[String]) -> Result<Vec<SentimentScore>, AiUnavailable> {
        let body = TextsRequest {
            texts: texts.to_vec(),
        };
        let r: SentimentResults = self.post("/v1/sentiment", &body).await?;
        if r.results.len() != texts.len() {
            return Err(AiUnavailable(
                "AI service answered the wrong number of results".into(),
            ));
        }
        Ok(r.results)
    }

    async fn score(&self, facts: &CustomerFacts) -> Result<CustomerScores, AiUnavailable> {
        self.post("/v1/score", facts).await
    }

    async fn bought_together(
        &self,
        product: ProductId,
        k: usize,
    ) -> Result<Option<RecommendationsInsight>, AiUnavailable> {
        let body = BoughtTogetherRequest {
            product_id: product,
            k,
        };
        let r: BoughtTogetherResponse = self.post("/v1/bought-together", &body).await?;
        Ok(r.recommendations)
    }

    async fn win_probability(
        &self,
        deals: &[DealFacts],
    ) -> Result<Option<Vec<f64>>, AiUnavailable> {
        let body = WinRequest {
            deals: deals.to_vec(),
        };
        let r: WinResponse = self.post("/v1/win", &body).await?;
        match r.probabilities {
            Some(p) if p.len() != deals.len() => Err(AiUnavailable(
                "AI service answered the wrong number of results".into(),
            )),
            p => Ok(p),
        }
    }

    async fn forecast(&self) -> Result<Option<RevenueForecast>, AiUnavailable> {
        self.get("/v1/forecast").await
    }

    async fn segments(&self) -> Result<Option<Segmentation>, AiUnavailable> {
        self.get("/v1/segments").await
    }

    async fn serving(&self) -> Result<Vec<ModelInfo>, AiUnavailable> {
        Ok(self
            .get::<ServingModels>("/v1/models")
            .await?
            .map(|m| m.models)
            .unwrap_or_default())
    }

    /// The service reloads by itself (its own schedule); nothing to do here.
    async fn reload(&self) -> Result<(), AiUnavailable> {
        Ok(())
    }
}

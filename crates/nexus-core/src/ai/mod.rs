//! The AI layer as the domain sees it (issue 5): the port [`AiLayer`] that the services call,
//! the trained models it serves ([`ModelSet`]), and what goes in and out of it.
//!
//! The layer runs in-process ([`local::LocalAi`]) or as its own service (`nexus ai serve`, with
//! the API calling it over HTTP when `NEXUS_AI_URL` is set); both implement [`AiLayer`]. The
//! models themselves live in the `nexus-ai` crate; [`train`] fits them from the store, records
//! every version with its metrics and promotes a version only when it scores at least as well
//! as the one serving.

pub mod local;
pub mod train;

use crate::customer::{Customer, CustomerKind, string_enum};
use crate::ids::{CustomerId, ProductId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use nexus_ai::clv::{BgNbd, GammaGamma};
use nexus_ai::forecast::Point;
use nexus_ai::recommend::{ItemKnn, Popularity};
use nexus_ai::segments::Segmenter;
use nexus_ai::segments::tier::TierModel;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::str::FromStr;
use uuid::Uuid;

string_enum!(
    /// The trained models. Sentiment (VADER) is rule-based and not trained.
    ModelKind { Segments => "segments", Tier => "tier", Clv => "clv", Forecast => "forecast", Recommend => "recommend", Win => "win" }
);

string_enum!(
    /// A model version's place: `serving` (at most one per model), `retired` (served before),
    /// `rejected` (scored worse than the version serving when it was trained).
    ModelStatus { Serving => "serving", Retired => "retired", Rejected => "rejected" }
);

/// One trained version of a model, without its state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ModelInfo {
    pub id: Uuid,
    pub model: ModelKind,
    /// 1, 2, … per model.
    pub version: i64,
    pub status: ModelStatus,
    /// Evaluation of this version (and, for comparison, of the version serving when it was
    /// trained) on the data of its training run.
    #[schema(value_type = Object)]
    pub metrics: Value,
    /// Why the version was rejected.
    pub reason: Option<String>,
    /// Records the model was fitted on.
    pub training_rows: i64,
    pub fit_ms: i64,
    pub trained_at: DateTime<Utc>,
    pub promoted_at: Option<DateTime<Utc>>,
}

impl ModelInfo {
    /// `segments@3`: how insights name the version they come from.
    pub fn label(&self) -> String {
        format!("{}@{}", self.model.as_str(), self.version)
    }
}

/// The behavioural segmentation and what it found.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SegmentsState {
    pub segmenter: Segmenter,
    /// The currency whose revenue is the monetary value.
    pub currency: String,
    /// Customers per cluster at training time.
    pub counts: Vec<u64>,
}

/// The new-customer model: profile tokens → likely segment.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TierState {
    pub model: TierModel,
}

/// BG/NBD + Gamma-Gamma, in weeks and major units of `currency`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClvState {
    pub purchases: BgNbd,
    /// `None` when too few customers bought twice to fit spend.
    pub spend: Option<GammaGamma>,
    pub currency: String,
    /// Monthly discount rate of the 12-month CLV.
    pub monthly_discount: f64,
}

/// The monthly revenue forecast of the main currency.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ForecastState {
    pub currency: String,
    /// The fitted months (`YYYY-MM`) and their revenue in major units.
    pub history: Vec<(String, f64)>,
    /// How the forecast was made (versions trained before MSTL + AutoETS were Holt-Winters).
    #[serde(default = "holt_winters")]
    pub method: String,
    /// The forecast months after the history.
    pub forecast: Vec<(String, Point)>,
}

fn holt_winters() -> String {
    "Holt-Winters".to_owned()
}

/// Item-kNN and popularity over the catalogue.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecommendState {
    /// The product of each item index.
    pub products: Vec<ProductId>,
    pub knn: ItemKnn,
    pub popularity: Popularity,
    /// Whether item-kNN reached popularity's HR@10 on the holdout; if not, popularity serves.
    pub use_knn: bool,
}

/// Deal win probability: the logistic model and each owner's share of won deals.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WinState {
    pub model: nexus_ai::win::WinModel,
    /// Won / closed deals per owner at training time.
    pub owner_rates: std::collections::HashMap<crate::ids::UserId, f64>,
    /// Won / closed deals of everybody (for owners without closed deals).
    pub base_rate: f64,
}

/// What the win model reads of an open deal (the owner's win rate comes from the model).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DealFacts {
    pub owner_id: crate::ids::UserId,
    /// Position of the deal's stage among its pipeline's open stages (0 = first).
    pub stage_index: f64,
    /// The stage's configured probability, 0..1.
    pub stage_probability: f64,
    pub age_days: f64,
    /// Value in major units.
    pub amount: f64,
    /// Activities logged on the deal.
    pub activities: f64,
}

/// A won or lost deal as the win model trains on it.
#[derive(Clone, Debug, PartialEq)]
pub struct ClosedDeal {
    pub id: crate::ids::DealId,
    pub owner_id: crate::ids::UserId,
    pub pipeline_id: crate::ids::PipelineId,
    /// The stage the deal left for its closing stage (`None` when created closed).
    pub last_open_stage: Option<crate::ids::StageId>,
    pub won: bool,
    pub value: i64,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub activities: i64,
}

impl WinState {
    pub fn features(&self, d: &DealFacts) -> nexus_ai::win::DealFeatures {
        nexus_ai::win::DealFeatures {
            stage_index: d.stage_index,
            stage_probability: d.stage_probability,
            age_days: d.age_days,
            amount: d.amount,
            activities: d.activities,
            owner_win_rate: self
                .owner_rates
                .get(&d.owner_id)
                .copied()
                .unwrap_or(self.base_rate),
        }
    }
}

/// A model state with the version it belongs to.
#[derive(Clone, Debug)]
pub struct Served<T> {
    pub info: ModelInfo,
    pub state: T,
}

/// The versions serving now, one per model (any may be missing before the first training).
#[derive(Clone, Debug, Default)]
pub struct ModelSet {
    pub segments: Option<Served<SegmentsState>>,
    pub tier: Option<Served<TierState>>,
    pub clv: Option<Served<ClvState>>,
    pub forecast: Option<Served<ForecastState>>,
    pub recommend: Option<Served<RecommendState>>,
    pub win: Option<Served<WinState>>,
}

impl ModelSet {
    /// Builds the set from stored (info, state) pairs (see [`Self::install`]).
    pub fn from_stored(stored: Vec<(ModelInfo, Value)>) -> Self {
        let mut set = ModelSet::default();
        for (info, state) in stored {
            set.install(info, state);
        }
        set
    }

    /// Serves a version; a state that does not load (another format version) is skipped with
    /// a warning, leaving the previous version of that model in place.
    pub fn install(&mut self, info: ModelInfo, state: Value) {
        fn load<T: serde::de::DeserializeOwned>(
            slot: &mut Option<Served<T>>,
            info: ModelInfo,
            state: Value,
        ) {
            match serde_json::from_value::<T>(state) {
                Ok(state) => *slot = Some(Served { info, state }),
                Err(e) => {
                    tracing::warn!(model = %info.label(), error = %e, "model state does not load");
                }
            }
        }
        match info.model {
            ModelKind::Segments => load(&mut self.segments, info, state),
            ModelKind::Tier => load(&mut self.tier, info, state),
            ModelKind::Clv => load(&mut self.clv, info, state),
            ModelKind::Forecast => load(&mut self.forecast, info, state),
            ModelKind::Recommend => load(&mut self.recommend, info, state),
            ModelKind::Win => load(&mut self.win, info, state),
        }
    }

    pub fn infos(&self) -> Vec<ModelInfo> {
        [
            self.segments.as_ref().map(|s| &s.info),
            self.tier.as_ref().map(|s| &s.info),
            self.clv.as_ref().map(|s| &s.info),
            self.forecast.as_ref().map(|s| &s.info),
            self.recommend.as_ref().map(|s| &s.info),
            self.win.as_ref().map(|s| &s.info),
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect()
    }
}

/// The profile of a customer as the new-customer model reads it: `attribute=value` tokens.
pub fn profile_tokens(c: &Customer) -> Vec<String> {
    let mut t = Vec::with_capacity(8 + c.tags.len());
    t.push(format!("kind={}", c.kind.as_str()));
    t.push(format!("status={}", c.status.as_str()));
    let email = match c.email.as_deref().and_then(|e| e.rsplit_once('@')) {
        None => "none",
        Some((_, d)) if FREEMAIL.contains(&d.to_ascii_lowercase().as_str()) => "freemail",
        Some(_) => "business",
    };
    t.push(format!("email={email}"));
    if c.kind == CustomerKind::Person {
        t.push(format!(
            "company={}",
            c.company_id.is_some() || c.company_name.is_some()
        ));
    }
    t.push(format!("phone={}", c.phone.is_some()));
    t.extend(c.tags.iter().map(|tag| format!("tag={tag}")));
    // Short text and boolean custom attributes (country, source, industry, …).
    for (k, v) in c.attributes.iter().take(20) {
        match v {
            Value::String(s) if s.len() <= 40 => t.push(format!("attr.{k}={}", s.to_lowercase())),
            Value::Bool(b) => t.push(format!("attr.{k}={b}")),
            _ => {}
        }
    }
    t
}

/// Mail domains of private people (the rest count as business addresses).
const FREEMAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "live.com",
    "icloud.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "mail.com",
    "example.com",
    "example.org",
    "example.net",
];

/// The segment predicted for a profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Classification {
    pub segment: String,
    /// Posterior probability of `segment`, 0..1.
    pub confidence: f64,
    /// The model version, e.g. `tier@2`.
    pub model: String,
}

/// What the store knows about one customer's purchases, in the main currency.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PurchaseFacts {
    pub currency: Option<String>,
    /// Completed purchases in `currency`.
    pub purchases: i64,
    /// Their revenue, minor units.
    pub revenue: i64,
    pub first_purchase_at: Option<DateTime<Utc>>,
    pub last_purchase_at: Option<DateTime<Utc>>,
}

/// Everything the AI layer needs to score one customer.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustomerFacts {
    pub customer_id: CustomerId,
    pub profile: Vec<String>,
    pub purchases: PurchaseFacts,
    /// Distinct products bought.
    pub products: Vec<ProductId>,
    /// (time, compound) of the customer's activities with a scored body.
    pub sentiments: Vec<(DateTime<Utc>, f64)>,
    /// Scoring time (recency and ages are measured to it).
    pub at: DateTime<Utc>,
}

/// A reason behind a score: a named input and its value, with how it compares.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Factor {
    pub name: String,
    pub value: f64,
    /// How this value reads, e.g. "bought 12 days ago (segment typical: 30 days)".
    pub note: String,
}

/// Where an insight comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Provenance {
    /// The model version (`segments@3`), or `vader-3.3.2` for sentiment.
    pub model: String,
    pub trained_at: Option<DateTime<Utc>>,
    pub computed_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SegmentInsight {
    pub name: String,
    /// `behaviour` (RFM k-means over purchases) or `profile` (predicted before any purchase).
    pub basis: String,
    /// For a profile prediction, its probability.
    pub confidence: Option<f64>,
    /// Classic RFM scores, 1 (worst) to 5 (best), for customers with purchases.
    pub r_score: Option<u8>,
    pub f_score: Option<u8>,
    pub m_score: Option<u8>,
    pub factors: Vec<Factor>,
    pub source: Provenance,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ValueInsight {
    pub currency: String,
    /// Discounted value of the next 12 months, major units.
    pub clv_12_months: f64,
    /// Probability that the customer is still active (BG/NBD).
    pub probability_alive: f64,
    /// Expected purchases in the next 90 days.
    pub expected_purchases_90_days: f64,
    /// Probability of no purchase in the next 90 days (BG/NBD: dropped out, or alive and quiet).
    pub churn_risk: f64,
    /// `low` (< 0.3), `medium` or `high` (≥ 0.6).
    pub churn_level: String,
    pub factors: Vec<Factor>,
    pub source: Provenance,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SentimentInsight {
    /// Scored activities.
    pub n: usize,
    /// Exponentially weighted mean compound score (half-life 30 days).
    pub level: f64,
    /// Change of the compound score per 30 days.
    pub slope_per_30_days: f64,
    pub last: f64,
    /// `improving`, `declining` or `steady`.
    pub direction: String,
    pub source: Provenance,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Recommendation {
    pub product_id: ProductId,
    /// Filled in by the service from the catalogue.
    pub name: Option<String>,
    pub sku: Option<String>,
    pub score: f64,
    /// `similar_to_purchases` (item-kNN) or `popular` (for a customer without purchases).
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecommendationsInsight {
    pub items: Vec<Recommendation>,
    pub source: Provenance,
}

/// What the AI layer says about one customer; a part is `null` while its model has not been
/// trained (or, for value and recommendations, when the customer has nothing to score).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustomerScores {
    pub segment: Option<SegmentInsight>,
    pub value: Option<ValueInsight>,
    pub sentiment: Option<SentimentInsight>,
    pub recommendations: Option<RecommendationsInsight>,
}

/// One month of the revenue forecast (major units of the currency).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ForecastMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub mean: f64,
    pub lo80: f64,
    pub hi80: f64,
    pub lo95: f64,
    pub hi95: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HistoryMonth {
    pub month: String,
    pub revenue: f64,
}

/// The revenue forecast as of its training run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RevenueForecast {
    pub currency: String,
    pub history: Vec<HistoryMonth>,
    pub forecast: Vec<ForecastMonth>,
    /// Holdout evaluation of the model (MASE, MAPE, seasonal-naive MASE).
    #[schema(value_type = Object)]
    pub metrics: Value,
    pub source: Provenance,
}

/// One behavioural segment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SegmentSummary {
    pub name: String,
    /// Customers in it at training time.
    pub customers: u64,
    /// Centroid: days since the last purchase, purchases, revenue (major units).
    pub recency_days: f64,
    pub frequency: f64,
    pub monetary: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Segmentation {
    pub currency: String,
    pub segments: Vec<SegmentSummary>,
    #[schema(value_type = Object)]
    pub metrics: Value,
    pub source: Provenance,
}

/// Sentiment of one text.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SentimentScore {
    /// VADER compound score, −1..1.
    pub compound: f64,
    pub positive: f64,
    pub neutral: f64,
    pub negative: f64,
}

/// The AI layer is unreachable, failed or too slow.
#[derive(Debug, thiserror::Error)]
#[error("AI layer unavailable: {0}")]
pub struct AiUnavailable(pub String);

/// The AI layer as the services call it: in-process or over HTTP.
#[async_trait]
pub trait AiLayer: Send + Sync + 'static {
    /// `in-process`, or the URL of the AI service.
    fn location(&self) -> String;
    /// Reachable and answering.
    async fn ready(&self) -> Result<(), AiUnavailable>;
    /// The likely segment of each profile; `None` while no new-customer model is serving.
    async fn classify(
        &self,
        profiles: &[Vec<String>],
    ) -> Result<Vec<Option<Classification>>, AiUnavailable>;
    async fn sentiment(&self, texts: &[String]) -> Result<Vec<SentimentScore>, AiUnavailable>;
    async fn score(&self, facts: &CustomerFacts) -> Result<CustomerScores, AiUnavailable>;
    async fn forecast(&self) -> Result<Option<RevenueForecast>, AiUnavailable>;
    async fn segments(&self) -> Result<Option<Segmentation>, AiUnavailable>;
    /// The products most often bought by the buyers of `product` (item-kNN neighbours), best
    /// first; `None` while no recommendation model serves (an empty list for a product the
    /// model has not seen bought).
    async fn bought_together(
        &self,
        product: ProductId,
        k: usize,
    ) -> Result<Option<RecommendationsInsight>, AiUnavailable>;
    /// Whether a win model may answer: `false` only when the layer knows none serves, so that
    /// reading deals does not gather the model's inputs for nothing.
    fn may_score_deals(&self) -> bool {
        true
    }
    /// The win probability of each open deal; `None` while no win model serves.
    async fn win_probability(&self, deals: &[DealFacts])
    -> Result<Option<Vec<f64>>, AiUnavailable>;
    /// The versions serving now.
    async fn serving(&self) -> Result<Vec<ModelInfo>, AiUnavailable>;
    /// Reloads the serving versions from the store (after a training run elsewhere).
    async fn reload(&self) -> Result<(), AiUnavailable>;
}

/// The name VADER's scores carry.
pub const SENTIMENT_MODEL: &str = "vader-3.3.2";

//! The AI service: what the API asks of the AI layer (insights, forecast, segments, sentiment,
//! model versions, training), with permissions, and the classification steps of the
//! customer-creation flow ([`AiClient`]) that the customer and activity services call.

use crate::ai::train::{TrainReport, Trainer, round4, segment_event};
use crate::ai::{
    AiLayer, CustomerFacts, CustomerScores, ModelInfo, PurchaseFacts, RecommendationsInsight,
    RevenueForecast, Segmentation, SentimentScore, profile_tokens,
};
use crate::auth::{Actor, Permission, Scope};
use crate::bus::EventBus;
use crate::cache::RecordKind;
use crate::customer::{Customer, SegmentStatus};
use crate::error::{CoreError, CoreResult};
use crate::ids::{CustomerId, DealId, PipelineId};
use crate::memo::Memo;
use crate::pipeline::Pipeline;
use crate::services::customers::CustomerService;
use crate::store::Store;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Texts one sentiment request may score.
pub const SENTIMENT_TEXTS_MAX: usize = 100;
/// Characters per scored text.
pub const SENTIMENT_TEXT_MAX: usize = 10_000;
/// How long scoring one customer's insights may take before the AI layer counts as down.
const INSIGHTS_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the retrying jobs wait for a batch of classifications or sentiments.
const RETRY_TIMEOUT: Duration = Duration::from_secs(10);
/// Activities the sentiment job reads per page.
const SENTIMENT_PAGE: u32 = 100;
/// Bytes of activity bodies per sentiment request to the AI layer: well under the AI service's
/// 2 MB request limit even when JSON escaping doubles every byte (a body is at most 20,000
/// characters, so one request may carry a single larger body).
const SENTIMENT_REQUEST_BYTES: usize = 256 * 1024;

/// The AI layer with the time budget of a request that waits for it.
#[derive(Clone)]
pub struct AiClient {
    pub layer: Arc<dyn AiLayer>,
    /// The budget of the classification (and sentiment) inside a write request.
    pub budget: Duration,
    /// What scoring a deal reads from the store, kept between reads.
    pub win_inputs: WinInputs,
}

/// The win model's inputs that come from the store, kept in process ([`Memo`]s, 30 s at most)
/// so that reading a cached deal costs no store round trip:
///
/// - each pipeline (its stages' order and probabilities), forgotten by the pipeline service
///   after its writes and by every instance on `pipeline.*` events;
/// - each open deal's number of live activities, forgotten (all of them) by the activity
///   service after its writes and by every instance on `activity.*` events and on a customer's
///   erasure (which deletes activities).
#[derive(Clone)]
pub struct WinInputs {
    pipelines: Memo<PipelineId, Option<Arc<Pipeline>>>,
    activities: Memo<DealId, i64>,
}

impl WinInputs {
    pub fn cached() -> Self {
        let ttl = Duration::from_secs(30);
        Self {
            pipelines: Memo::cached(ttl, 1_000),
            activities: Memo::cached(ttl, 100_000),
        }
    }

    /// Every read goes to the store (services built alone, in tests).
    pub fn uncached() -> Self {
        Self {
            pipelines: Memo::uncached(),
            activities: Memo::uncached(),
        }
    }

    pub fn forget_pipelines(&self) {
        self.pipelines.forget();
    }

    pub fn forget_activities(&self) {
        self.activities.forget();
    }

    /// Forgets what the change of event `e` may have made stale.
    pub fn forget_on(&self, e: &crate::event::Event) {
        match e.entity.as_str() {
            "pipeline" => self.forget_pipelines(),
            "activity" => self.forget_activities(),
            "customer" if e.action == "erased" => self.forget_activities(),
            _ => {}
        }
    }

    pub fn forget_all(&self) {
        self.forget_pipelines();
        self.forget_activities();
    }
}

impl AiClient {
    /// Steps 5–7 of the customer-creation flow: asks the AI layer for the segment of each new
    /// customer within the budget. Without an answer in time (slow or down) the customers are
    /// marked `pending` for the retrying job; while no model serves, `unscored`.
    pub async fn classify_new(&self, customers: &mut [Customer]) {
        let profiles: Vec<Vec<String>> = customers.iter().map(profile_tokens).collect();
        let answer = tokio::time::timeout(self.budget, self.layer.classify(&profiles)).await;
        match answer {
            Ok(Ok(found)) => {
                for (c, p) in customers.iter_mut().zip(found) {
                    match p {
                        Some(p) => {
                            c.segment = Some(p.segment);
                            c.segment_confidence = Some(round4(p.confidence));
                            c.segment_status = SegmentStatus::Assigned;
                        }
                        None => c.segment_status = SegmentStatus::Unscored,
                    }
                }
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "classification failed; the customers wait for the retrying job");
                customers
                    .iter_mut()
                    .for_each(|c| c.segment_status = SegmentStatus::Pending);
            }
            Err(_) => {
                tracing::warn!(
                    budget_ms = self.budget.as_millis() as u64,
                    "classification over budget; the customers wait for the retrying job"
                );
                customers
                    .iter_mut()
                    .for_each(|c| c.segment_status = SegmentStatus::Pending);
            }
        }
    }

    /// The compound sentiment of an activity body, within the budget (`None` when the AI layer
    /// is slow or down: the activity is written without it).
    pub async fn sentiment_of(&self, body: Option<&str>) -> Option<f64> {
        let text = body?.trim();
        if text.is_empty() {
            return None;
        }
        let texts = [text.to_owned()];
        match tokio::time::timeout(self.budget, self.layer.sentiment(&texts)).await {
            Ok(Ok(scores)) => scores.first().map(|s| s.compound),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "sentiment failed; activity written without it");
                None
            }
            Err(_) => {
                tracing::warn!("sentiment over budget; activity written without it");
                None
            }
        }
    }
}

impl AiClient {
    /// Fills each deal's `win_probability`: 1 won, 0 lost, the win model's probability for an
    /// open deal (within the budget; left `null` while no model serves or the AI layer is slow
    /// or down).
    pub async fn score_deals(&self, store: &dyn Store, deals: &mut [crate::deal::Deal]) {
        use crate::deal::DealStatus;
        let mut open = Vec::new();
        for (i, d) in deals.iter_mut().enumerate() {
            d.win_probability = match d.status {
                DealStatus::Won => Some(1.0),
                DealStatus::Lost => Some(0.0),
                DealStatus::Open => {
                    open.push(i);
                    None
                }
            };
        }
        if open.is_empty() || !self.layer.may_score_deals() {
            return;
        }
        match self.deal_facts(store, deals, &open).await {
            Ok((positions, facts)) if !facts.is_empty() => {
                let answer =
                    tokio::time::timeout(self.budget, self.layer.win_probability(&facts)).await;
                match answer {
                    Ok(Ok(Some(p))) => {
                        for (i, p) in positions.into_iter().zip(p) {
                            deals[i].win_probability = Some(round4(p));
                        }
                    }
                    Ok(Ok(None)) => {}
                    Ok(Err(e)) => tracing::warn!(error = %e, "win probability unavailable"),
                    Err(_) => tracing::warn!("win probability over budget"),
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "win probability: deal facts unavailable"),
        }
    }

    /// The win model's inputs of the open deals at `open` (those whose stage is found).
    async fn deal_facts(
        &self,
        store: &dyn Store,
        deals: &[crate::deal::Deal],
        open: &[usize],
    ) -> CoreResult<(Vec<usize>, Vec<crate::ai::DealFacts>)> {
        let ids: Vec<_> = open.iter().map(|&i| deals[i].id).collect();
        let counts = self
            .win_inputs
            .activities
            .get_many(&ids, |missing| async move {
                // Deals without live activities are absent from the store's answer: 0.
                let found: HashMap<DealId, i64> = store
                    .deal_activity_counts(&missing)
                    .await?
                    .into_iter()
                    .collect();
                Ok::<_, CoreError>(
                    missing
                        .into_iter()
                        .map(|d| (d, found.get(&d).copied().unwrap_or(0)))
                        .collect(),
                )
            })
            .await?;
        let mut pipelines = HashMap::new();
        let now = crate::time::now();
        let (mut positions, mut facts) = (Vec::new(), Vec::new());
        for &i in open {
            let d = &deals[i];
            if let std::collections::hash_map::Entry::Vacant(slot) = pipelines.entry(d.pipeline_id)
            {
                let id = d.pipeline_id;
                let p = self
                    .win_inputs
                    .pipelines
                    .get(id, || async move {
                        Ok::<_, CoreError>(store.get_pipeline(id).await?.map(Arc::new))
                    })
                    .await?;
                slot.insert(p);
            }
            let Some((stage_index, stage_probability)) = pipelines
                .get(&d.pipeline_id)
                .and_then(Option::as_ref)
                .and_then(|p| crate::ai::train::stage_features(p, d.stage_id))
            else {
                continue;
            };
            positions.push(i);
            facts.push(crate::ai::DealFacts {
                owner_id: d.owner_id,
                stage_index,
                stage_probability,
                age_days: (now - d.created_at).num_seconds().max(0) as f64 / 86_400.0,
                amount: d.value as f64 / 100.0,
                activities: counts.get(&d.id).copied().unwrap_or(0) as f64,
            });
        }
        Ok((positions, facts))
    }
}

/// A customer's insights.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerInsights {
    pub customer_id: CustomerId,
    /// How the segment stored on the customer was reached (`pending` while the AI layer was
    /// down when it was written). `segment` below is the serving models' view now.
    pub segment_status: SegmentStatus,
    #[serde(flatten)]
    pub scores: CustomerScores,
}

/// Versions serving now and every recorded version.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ModelVersions {
    /// Where the AI layer runs: `in-process` or the AI service's URL.
    pub location: String,
    pub serving: Vec<ModelInfo>,
    /// Recorded versions, newest first (at most 200).
    pub versions: Vec<ModelInfo>,
}

#[derive(Clone)]
pub struct AiService {
    store: Arc<dyn Store>,
    bus: EventBus,
    client: AiClient,
    customers: CustomerService,
    /// Present when the models are trained in this process.
    trainer: Option<Trainer>,
}

impl AiService {
    pub fn new(
        store: Arc<dyn Store>,
        bus: EventBus,
        client: AiClient,
        customers: CustomerService,
        trainer: Option<Trainer>,
    ) -> Self {
        Self {
            store,
            bus,
            client,
            customers,
            trainer,
        }
    }

    pub fn layer(&self) -> &Arc<dyn AiLayer> {
        &self.client.layer
    }

    pub fn trainer(&self) -> Option<&Trainer> {
        self.trainer.as_ref()
    }

    fn unavailable(e: impl std::fmt::Display) -> CoreError {
        CoreError::Unavailable(e.to_string())
    }

    /// Company-wide figures: readable with `permission` by roles that see every record.
    fn require_company_wide(actor: &Actor, permission: Permission) -> CoreResult<()> {
        actor.require(permission)?;
        if actor.record_scope() == Scope::All {
            Ok(())
        } else {
            Err(CoreError::Forbidden)
        }
    }

    pub async fn insights(&self, actor: &Actor, id: CustomerId) -> CoreResult<CustomerInsights> {
        let c = self.customers.get(actor, id).await?;
        let at = crate::time::now();
        let aggregates = self.store.customer_aggregates(id).await?;
        let main = self
            .store
            .main_currency()
            .await?
            .map(|m| m.as_str().to_owned());
        let revenue = aggregates
            .revenue
            .iter()
            .find(|r| Some(r.currency.as_str()) == main.as_deref());
        let purchases = PurchaseFacts {
            currency: main.clone(),
            purchases: revenue.map_or(0, |r| r.purchase_count),
            revenue: revenue.map_or(0, |r| r.revenue),
            first_purchase_at: aggregates.first_purchase_at,
            last_purchase_at: aggregates.last_purchase_at,
        };
        let facts = CustomerFacts {
            customer_id: id,
            profile: profile_tokens(&c),
            purchases,
            products: self.store.customer_products(id).await?,
            sentiments: self.store.customer_sentiments(id, 200).await?,
            at,
        };
        let mut scores = tokio::time::timeout(INSIGHTS_TIMEOUT, self.client.layer.score(&facts))
            .await
            .map_err(|_| Self::unavailable("the AI layer did not answer in time"))?
            .map_err(Self::unavailable)?;
        if let Some(r) = &mut scores.recommendations {
            self.name_products(r).await?;
        }
        Ok(CustomerInsights {
            customer_id: id,
            segment_status: c.segment_status,
            scores,
        })
    }

    /// The products bought together with `product` (item-kNN), with names.
    pub async fn bought_together(
        &self,
        actor: &Actor,
        product: crate::ids::ProductId,
    ) -> CoreResult<RecommendationsInsight> {
        actor
            .require(Permission::ProductsRead)
            .map_err(|_| CoreError::not_found("product"))?;
        match self.store.get_product(product).await? {
            Some(p) if p.deleted_at.is_none() => {}
            _ => return Err(CoreError::not_found("product")),
        }
        let mut r = tokio::time::timeout(
            INSIGHTS_TIMEOUT,
            self.client.layer.bought_together(product, 5),
        )
        .await
        .map_err(|_| Self::unavailable("the AI layer did not answer in time"))?
        .map_err(Self::unavailable)?
        .ok_or_else(|| CoreError::not_found("recommendation model"))?;
        self.name_products(&mut r).await?;
        Ok(r)
    }

    /// Fills names and SKUs of recommended products; drops products deleted since training.
    async fn name_products(&self, r: &mut RecommendationsInsight) -> CoreResult<()> {
        let ids: Vec<_> = r.items.iter().map(|i| i.product_id).collect();
        let products = self.store.get_products(&ids).await?;
        for item in &mut r.items {
            if let Some(p) = products
                .iter()
                .find(|p| p.id == item.product_id && p.deleted_at.is_none())
            {
                item.name = Some(p.name.clone());
                item.sku = Some(p.sku.clone());
            }
        }
        r.items.retain(|i| i.name.is_some());
        Ok(())
    }

    pub async fn forecast(&self, actor: &Actor) -> CoreResult<RevenueForecast> {
        Self::require_company_wide(actor, Permission::TransactionsRead)?;
        self.client
            .layer
            .forecast()
            .await
            .map_err(Self::unavailable)?
            .ok_or_else(|| CoreError::not_found("forecast"))
    }

    pub async fn segments(&self, actor: &Actor) -> CoreResult<Segmentation> {
        Self::require_company_wide(actor, Permission::CustomersRead)?;
        self.client
            .layer
            .segments()
            .await
            .map_err(Self::unavailable)?
            .ok_or_else(|| CoreError::not_found("segmentation"))
    }

    pub async fn sentiment(
        &self,
        actor: &Actor,
        texts: &[String],
    ) -> CoreResult<Vec<SentimentScore>> {
        actor.require(Permission::ActivitiesRead)?;
        let mut errors = Vec::new();
        if texts.is_empty() || texts.len() > SENTIMENT_TEXTS_MAX {
            errors.push(crate::FieldError::new(
                "texts",
                "out_of_range",
                format!("must hold 1 to {SENTIMENT_TEXTS_MAX} texts"),
            ));
        }
        for (i, t) in texts.iter().enumerate() {
            if t.chars().count() > SENTIMENT_TEXT_MAX {
                errors.push(crate::FieldError::new(
                    format!("texts[{i}]"),
                    "too_long",
                    format!("at most {SENTIMENT_TEXT_MAX} characters"),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(CoreError::Validation(errors));
        }
        self.client
            .layer
            .sentiment(texts)
            .await
            .map_err(Self::unavailable)
    }

    pub async fn models(&self, actor: &Actor) -> CoreResult<ModelVersions> {
        actor.require(Permission::AiManage)?;
        Ok(ModelVersions {
            location: self.client.layer.location(),
            serving: self
                .client
                .layer
                .serving()
                .await
                .map_err(Self::unavailable)?,
            versions: self.store.model_versions(None, 200).await?,
        })
    }

    /// Starts a training run in the background (admins). Answers whether one was started.
    pub fn start_training(&self, actor: &Actor) -> CoreResult<()> {
        actor.require(Permission::AiManage)?;
        let Some(trainer) = self.trainer.clone() else {
            return Err(CoreError::Conflict {
                code: "trained_elsewhere",
                field: None,
                message:
                    "the models are trained by the AI service (NEXUS_AI_URL); start training there"
                        .into(),
            });
        };
        tokio::spawn(async move {
            if let Err(e) = trainer.run().await {
                tracing::error!(error = %e, "training run failed");
            }
        });
        Ok(())
    }

    /// Runs a training run now and waits for it (CLI, tests, the schedule).
    pub async fn train(&self) -> CoreResult<TrainReport> {
        match &self.trainer {
            Some(t) => t.run().await,
            None => Err(CoreError::Conflict {
                code: "trained_elsewhere",
                field: None,
                message: "no trainer in this process".into(),
            }),
        }
    }

    /// The retrying job of the creation flow: classifies up to `limit` pending customers and
    /// writes each segment with a `customer.updated` event. Returns how many were classified;
    /// fails while the AI layer is down (the caller backs off).
    pub async fn classify_pending(&self, limit: u32) -> CoreResult<u64> {
        let pending = self.store.pending_classifications(limit).await?;
        if pending.is_empty() {
            return Ok(0);
        }
        let profiles: Vec<Vec<String>> = pending.iter().map(profile_tokens).collect();
        let found = tokio::time::timeout(RETRY_TIMEOUT, self.client.layer.classify(&profiles))
            .await
            .map_err(|_| Self::unavailable("the AI layer did not answer in time"))?
            .map_err(Self::unavailable)?;
        let mut changes = Vec::new();
        let mut events = Vec::new();
        for (c, p) in pending.iter().zip(found) {
            let mut n = c.clone();
            match p {
                Some(p) => {
                    n.segment = Some(p.segment);
                    n.segment_confidence = Some(round4(p.confidence));
                    n.segment_status = SegmentStatus::Assigned;
                }
                // No model serves yet: the next training run scores it.
                None => n.segment_status = SegmentStatus::Unscored,
            }
            n.version += 1;
            n.updated_at = crate::time::now();
            events.push(segment_event(c, &n));
            changes.push((n, c.version));
        }
        let written = self.store.write_segments(&changes, &events).await?;
        if written > 0 {
            self.bus.committed();
            self.customers
                .records
                .evict_many(RecordKind::Customer, changes.iter().map(|(c, _)| c.id.0))
                .await;
        }
        Ok(written)
    }
}

impl AiService {
    /// The retrying sentiment job: scores up to `limit` live activities that have a body and no
    /// sentiment (written while the AI layer was slow or down), reading them in keyset pages,
    /// and writes each score with an `activity.updated` event (no user actor). An activity
    /// changed meanwhile is skipped and read again by a later run. Returns how many were
    /// written; fails while the AI layer is down (the caller backs off).
    ///
    /// The body is scored as stored, trimmed: a body of only whitespace (which the API never
    /// stores; it stores `null`) gets VADER's score of no words, 0, so that no activity is
    /// selected run after run.
    pub async fn score_pending_sentiments(&self, limit: u32) -> CoreResult<u64> {
        let (mut after, mut read, mut written) = (None, 0, 0);
        while read < limit {
            let want = SENTIMENT_PAGE.min(limit - read);
            let page = self.store.unscored_activities(after, want).await?;
            let Some(last) = page.last() else { break };
            after = Some((last.created_at, last.id));
            read += page.len() as u32;
            written += self.score_activities(&page).await?;
            if (page.len() as u32) < want {
                break;
            }
        }
        Ok(written)
    }

    /// Scores one page of activities (in requests of at most [`SENTIMENT_REQUEST_BYTES`]) and
    /// writes the scores with their events.
    async fn score_activities(&self, page: &[crate::activity::Activity]) -> CoreResult<u64> {
        let texts: Vec<String> = page
            .iter()
            .map(|a| a.body.as_deref().unwrap_or_default().trim().to_owned())
            .collect();
        let mut compound = Vec::with_capacity(texts.len());
        let mut rest = texts.as_slice();
        while !rest.is_empty() {
            let mut bytes = 0;
            let n = rest
                .iter()
                .take_while(|t| {
                    bytes += t.len();
                    bytes <= SENTIMENT_REQUEST_BYTES
                })
                .count()
                .max(1);
            let (batch, tail) = rest.split_at(n);
            let scores = tokio::time::timeout(RETRY_TIMEOUT, self.client.layer.sentiment(batch))
                .await
                .map_err(|_| Self::unavailable("the AI layer did not answer in time"))?
                .map_err(Self::unavailable)?;
            if scores.len() != batch.len() {
                return Err(Self::unavailable(
                    "the AI layer answered the wrong number of scores",
                ));
            }
            compound.extend(scores.into_iter().map(|s| s.compound));
            rest = tail;
        }
        let now = crate::time::now();
        let (mut changes, mut events) = (Vec::new(), Vec::new());
        for (a, score) in page.iter().zip(compound) {
            let mut n = a.clone();
            n.sentiment = Some(score);
            n.version += 1;
            n.updated_at = now.max(a.updated_at);
            events.push(
                crate::event::Event::new(
                    "activity",
                    n.id.0,
                    "updated",
                    None,
                    crate::event::diff(Some(a), Some(&n)),
                )
                .with_ownership(Some(n.owner_id), n.team_id),
            );
            changes.push((n, a.version));
        }
        let written = self.store.write_sentiments(&changes, &events).await?;
        if written > 0 {
            self.bus.committed();
        }
        Ok(written)
    }
}

/// When the AI layer's background jobs run.
#[derive(Clone, Debug)]
pub struct AiSchedule {
    /// How often pending classifications and activities without a sentiment are retried
    /// (backing off up to five minutes while the AI layer is down).
    pub retry_every: Duration,
    /// How often the models are retrained in this process; `None`: only on demand.
    pub train_every: Option<Duration>,
    /// How often this process checks the store for versions promoted elsewhere.
    pub reload_every: Duration,
}

impl Default for AiSchedule {
    fn default() -> Self {
        Self {
            retry_every: Duration::from_secs(5),
            train_every: Some(Duration::from_secs(24 * 3600)),
            reload_every: Duration::from_secs(60),
        }
    }
}

/// The longest pause of the retrying job while the AI layer is down.
const RETRY_BACKOFF_MAX: Duration = Duration::from_secs(300);

impl AiService {
    /// The AI layer's background jobs until `stop`: the retrying jobs (classification of
    /// pending customers, sentiment of activities written without one), the training schedule (a first run at start when nothing serves yet, then every
    /// `train_every` unless another instance trained more recently), and reloading versions
    /// promoted by another instance.
    pub async fn run_jobs(self, schedule: AiSchedule, stop: tokio_util::sync::CancellationToken) {
        let mut retry_wait = schedule.retry_every;
        let mut next_retry = tokio::time::Instant::now();
        let mut next_reload = tokio::time::Instant::now() + schedule.reload_every;
        let mut next_train = tokio::time::Instant::now();
        let mut newest_seen = None;
        loop {
            let wake = next_retry.min(next_reload).min(if self.trainer.is_some() {
                next_train
            } else {
                next_reload
            });
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep_until(wake) => {}
            }
            let now = tokio::time::Instant::now();
            if now >= next_retry {
                let classified = self.classify_pending(500).await;
                let scored = self.score_pending_sentiments(500).await;
                match (classified, scored) {
                    (Ok(classified), Ok(scored)) => {
                        retry_wait = schedule.retry_every;
                        if classified > 0 || scored > 0 {
                            tracing::info!(classified, scored, "pending AI work done");
                        }
                    }
                    (Err(e), _) | (_, Err(e)) => {
                        retry_wait = (retry_wait * 2).min(RETRY_BACKOFF_MAX);
                        tracing::warn!(error = %e, retry_in_s = retry_wait.as_secs(), "pending classifications and sentiments wait for the AI layer");
                    }
                }
                next_retry = tokio::time::Instant::now() + retry_wait;
            }
            if now >= next_reload {
                if let Ok(v) = self.store.model_versions(None, 1).await {
                    let newest = v.first().map(|m| m.id);
                    if newest != newest_seen {
                        if let Err(e) = self.client.layer.reload().await {
                            tracing::warn!(error = %e, "reloading the serving models failed");
                        }
                        newest_seen = newest;
                    }
                }
                next_reload = tokio::time::Instant::now() + schedule.reload_every;
            }
            if let Some(trainer) = &self.trainer
                && now >= next_train
            {
                let every = schedule.train_every;
                if self.training_due(every).await {
                    match trainer.run().await {
                        Ok(r) => tracing::info!(
                            models = r.models.len(),
                            resegmented = r.resegmented,
                            skipped = r.skipped.as_deref().unwrap_or(""),
                            "scheduled training done"
                        ),
                        Err(e) => tracing::error!(error = %e, "scheduled training failed"),
                    }
                    if let Ok(v) = self.store.model_versions(None, 1).await {
                        newest_seen = v.first().map(|m| m.id);
                    }
                }
                next_train =
                    tokio::time::Instant::now() + every.unwrap_or(Duration::from_secs(3600));
            }
        }
    }

    /// Whether a scheduled run is due: nothing serves yet, or the newest version (of any
    /// instance) is older than `every`.
    async fn training_due(&self, every: Option<Duration>) -> bool {
        match self.store.model_versions(None, 1).await {
            Ok(v) => match v.first() {
                None => true,
                Some(m) => every.is_some_and(|e| {
                    let age = crate::time::now() - m.trained_at;
                    age.to_std().is_ok_and(|a| a >= e.mul_f64(0.95))
                }),
            },
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the model registry");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::WinInputs;
    use crate::event::Event;
    use crate::ids::{DealId, PipelineId};

    /// Whether `win` keeps (the activity count of `deal`, `pipeline`): a kept value answers
    /// without calling the loader, which here fails.
    async fn kept(win: &WinInputs, deal: DealId, pipeline: PipelineId) -> (bool, bool) {
        let count = win
            .activities
            .get(deal, || async { Err::<i64, ()>(()) })
            .await;
        let p = win
            .pipelines
            .get(pipeline, || async { Err::<_, ()>(()) })
            .await;
        (count == Ok(1), p.is_ok())
    }

    #[tokio::test]
    async fn events_forget_the_inputs_they_can_change() {
        let (deal, pipeline) = (DealId::new(), PipelineId::new());
        let event = |entity: &str, action: &str| {
            Event::new(
                entity,
                uuid::Uuid::now_v7(),
                action,
                None,
                Default::default(),
            )
        };
        let win = WinInputs::cached();
        let fill = || async {
            win.forget_all();
            win.activities
                .get(deal, || async { Ok::<_, ()>(1) })
                .await
                .unwrap();
            win.pipelines
                .get(pipeline, || async { Ok::<_, ()>(None) })
                .await
                .unwrap();
        };
        for (entity, action, activities_forgotten, pipelines_forgotten) in [
            ("deal", "updated", false, false),
            ("customer", "updated", false, false),
            ("activity", "created", true, false),
            ("activity", "deleted", true, false),
            ("customer", "erased", true, false),
            ("pipeline", "updated", false, true),
        ] {
            fill().await;
            win.forget_on(&event(entity, action));
            let (count_kept, pipeline_kept) = kept(&win, deal, pipeline).await;
            assert_eq!(
                (!count_kept, !pipeline_kept),
                (activities_forgotten, pipelines_forgotten),
                "{entity}.{action}"
            );
        }
    }
}

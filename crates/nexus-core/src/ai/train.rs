//! A training run: reads the store in keyset pages, fits every model on the blocking pool,
//! evaluates each candidate next to the version serving, records the candidate (serving or
//! rejected) with its metrics, swaps the promoted versions in atomically, and finally
//! re-segments every customer whose segment changed (with a `customer.updated` event each).
//!
//! Promotion rules (a candidate that scores worse than the serving version is not promoted):
//! - segments: silhouette of the candidate's clusters vs the serving version's assignment of
//!   the same customers (a sample of at most [`SILHOUETTE_SAMPLE`]);
//! - clv: mean BG/NBD log-likelihood per customer on the same summaries;
//! - tier: accuracy on the same held-out fifth of the customers (labels from the segments
//!   serving after this run), also reported next to the majority-class baseline;
//! - forecast: holdout MASE (last months held out) vs the serving version's recorded MASE;
//! - recommend: leave-one-out HR@10 vs the serving version's recorded HR@10; item-kNN serves
//!   only if it reaches popularity's HR@10 on that holdout (else popularity serves).

use super::local::{LocalAi, classify_with, clv_summary, rfm_values};
use super::*;
use crate::auth::Scope;
use crate::bus::EventBus;
use crate::cache::{RecordKind, Records};
use crate::customer::SegmentStatus;
use crate::error::{CoreError, CoreResult};
use crate::event::{Event, diff};
use crate::store::Store;
use nexus_ai::forecast::{MONTHS, MonthlyForecast, mape, mase, seasonal_naive};
use nexus_ai::recommend::History;
use nexus_ai::segments::RfmValues;
use nexus_ai::segments::kmeans::silhouette;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

/// Customers whose silhouette is computed (it is quadratic).
pub const SILHOUETTE_SAMPLE: usize = 3000;
/// Profiles the new-customer model trains on at most.
const TIER_SAMPLE: usize = 200_000;
/// Customers re-segmented per page (and per write transaction).
const RESEGMENT_PAGE: u32 = 1000;
/// How far a predicted segment's confidence must move before a training run rewrites it. Each
/// refit of the new-customer model moves every prediction's confidence in the fourth decimal;
/// written as changes, that was a `customer.updated` event for half of a 1M-customer base on
/// every nightly run (499,821 of 1,000,000 demo customers, for differences like 0.4354 → 0.4362).
const CONFIDENCE_STEP: f64 = 0.05;
/// Repeat buyers the spend model is fitted on at most.
const GAMMA_GAMMA_SAMPLE: usize = 20_000;
/// Likelihood evaluations the spend fit may take (CDNOW's converges in a few hundred).
const GAMMA_GAMMA_EVALUATIONS: usize = 5_000;
/// Customers whose held-out product is predicted in the recommendation evaluation.
const RECOMMEND_EVAL: usize = 5000;

/// Knobs of a training run.
#[derive(Clone, Debug)]
pub struct TrainSettings {
    /// Behavioural segments (k of k-means).
    pub segments: usize,
    pub restarts: usize,
    pub seed: u64,
    /// Monthly discount rate of the 12-month CLV.
    pub monthly_discount: f64,
    /// Rows per store page.
    pub page: u32,
    /// Neighbours kept per product by item-kNN.
    pub neighbours: usize,
    /// Fewest customers with purchases before anything is trained.
    pub min_customers: usize,
}

impl Default for TrainSettings {
    fn default() -> Self {
        Self {
            segments: 5,
            restarts: 10,
            seed: 7,
            monthly_discount: 0.01,
            page: 10_000,
            neighbours: 50,
            min_customers: 20,
        }
    }
}

/// What a run did.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct TrainReport {
    /// The versions recorded by this run (serving or rejected).
    pub models: Vec<ModelInfo>,
    /// Customers whose segment changed.
    pub resegmented: u64,
    /// Why nothing was trained, if so.
    pub skipped: Option<String>,
}

/// Fits, evaluates, records and promotes the models.
#[derive(Clone)]
pub struct Trainer {
    store: Arc<dyn Store>,
    bus: EventBus,
    ai: LocalAi,
    settings: TrainSettings,
    /// One run at a time per process.
    running: Arc<tokio::sync::Mutex<()>>,
    /// Customers whose segment a run wrote are evicted from it.
    records: Records,
}

/// A candidate version before it is recorded.
struct Candidate {
    model: ModelKind,
    state: Value,
    metrics: Value,
    /// `Err(reason)`: rejected.
    verdict: Result<(), String>,
    rows: usize,
    fit_ms: i64,
}

fn elapsed_ms(t: Instant) -> i64 {
    i64::try_from(t.elapsed().as_millis()).unwrap_or(i64::MAX)
}

/// A stable pseudo-random number of an id, for deterministic samples and splits.
fn bucket(id: &uuid::Uuid, modulo: u64) -> u64 {
    id_hash(id) % modulo
}

/// FNV-1a of the id's bytes: a stable, well-spread key for deterministic sampling.
fn id_hash(id: &uuid::Uuid) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for x in id.as_bytes() {
        h = (h ^ u64::from(*x)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Hold-out flags for a stratified one-in-`every` split: within each class, examples in hash
/// order of their id, every `every`-th one (starting with the first) is held out, so each class
/// with at least two examples lands on both sides and the hold-out keeps the class balance.
/// Deterministic: the same ids always split the same way.
fn stratified_holdout(examples: &[(uuid::Uuid, bool)], every: usize) -> Vec<bool> {
    let mut held = vec![false; examples.len()];
    for class in [false, true] {
        let mut members: Vec<usize> = (0..examples.len())
            .filter(|&i| examples[i].1 == class)
            .collect();
        if members.len() < 2 {
            continue;
        }
        members.sort_by_key(|&i| (id_hash(&examples[i].0), examples[i].0));
        for (rank, i) in members.into_iter().enumerate() {
            held[i] = rank % every == 0;
        }
    }
    held
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> CoreResult<T> {
    crate::services::blocking(f).await
}

impl Trainer {
    pub fn new(store: Arc<dyn Store>, bus: EventBus, ai: LocalAi, settings: TrainSettings) -> Self {
        Self {
            store,
            bus,
            ai,
            settings,
            running: Arc::new(tokio::sync::Mutex::new(())),
            records: Records::disabled(),
        }
    }

    /// The same trainer evicting the customers it re-segments from `records`.
    pub fn with_records(mut self, records: Records) -> Self {
        self.records = records;
        self
    }

    pub fn ai(&self) -> &LocalAi {
        &self.ai
    }

    /// Runs one training run (waits for a run in progress to end first).
    pub async fn run(&self) -> CoreResult<TrainReport> {
        let _one = self.running.lock().await;
        let started = Instant::now();
        let serving = ModelSet::from_stored(self.store.serving_models().await?);
        let Some(currency) = self.store.main_currency().await? else {
            return Ok(TrainReport {
                skipped: Some("no completed transactions yet".into()),
                ..TrainReport::default()
            });
        };
        let currency = currency.as_str().to_owned();
        let at = crate::time::now();
        let facts = self.purchase_facts(&currency).await?;
        if facts.len() < self.settings.min_customers {
            return Ok(TrainReport {
                skipped: Some(format!(
                    "{} customers with purchases in {currency}; training needs {}",
                    facts.len(),
                    self.settings.min_customers
                )),
                ..TrainReport::default()
            });
        }
        let mut next = serving.clone();
        let mut report = TrainReport::default();

        // Segments and CLV, from the purchase figures.
        let rfm: Vec<RfmValues> = facts
            .iter()
            .filter_map(|(_, f)| rfm_values(f, at))
            .collect();
        let (s, old, cur) = (
            self.settings.clone(),
            serving.segments.clone(),
            currency.clone(),
        );
        let c = blocking(move || fit_segments(&rfm, &s, old.as_ref(), cur)).await??;
        self.record(c, &mut next, &mut report).await?;
        let summaries: Vec<nexus_ai::clv::Rfm> = facts
            .iter()
            .filter_map(|(_, f)| clv_summary(f, at))
            .collect();
        let (old, cur, rate) = (
            serving.clv.clone(),
            currency.clone(),
            self.settings.monthly_discount,
        );
        let c = blocking(move || fit_clv(&summaries, old.as_ref(), cur, rate)).await??;
        self.record(c, &mut next, &mut report).await?;

        // The new-customer model, labelled by the segments serving after this run.
        if let Some(segments) = next.segments.clone() {
            let labels: HashMap<CustomerId, String> = facts
                .iter()
                .filter_map(|(id, f)| {
                    let v = rfm_values(f, at)?;
                    Some((*id, segments.state.segmenter.score(&v).name))
                })
                .collect();
            let examples = self.tier_examples(&labels).await?;
            let old = serving.tier.clone();
            let c = blocking(move || fit_tier(&examples, old.as_ref())).await??;
            self.record(c, &mut next, &mut report).await?;
        }

        // Forecast from the monthly revenue rollup.
        let series = self.monthly_series(&currency, at).await?;
        if series.len() >= 6 {
            let (old, cur) = (serving.forecast.clone(), currency.clone());
            // A short or flat history may have no model that fits: the other models still train.
            match blocking(move || fit_forecast(&series, old.as_ref(), cur)).await? {
                Ok(c) => self.record(c, &mut next, &mut report).await?,
                Err(e) => tracing::warn!(error = %e, "revenue forecast not fitted"),
            }
        }

        // Recommendations from the baskets.
        let baskets = self.baskets().await?;
        if baskets.len() >= self.settings.min_customers {
            let (old, k) = (serving.recommend.clone(), self.settings.neighbours);
            let c = blocking(move || fit_recommend(baskets, old.as_ref(), k)).await??;
            self.record(c, &mut next, &mut report).await?;
        }

        // Win probability from the closed deals.
        let closed = self.closed_deals().await?;
        let wins = closed.iter().filter(|d| d.won).count();
        if closed.len() >= self.settings.min_customers && wins > 0 && wins < closed.len() {
            let pipelines = self.pipelines_of(&closed).await?;
            let old = serving.win.clone();
            let c = blocking(move || fit_win(&closed, &pipelines, old.as_ref())).await??;
            self.record(c, &mut next, &mut report).await?;
        }

        self.ai.swap(next);
        report.resegmented = self.resegment(&currency, at).await?;
        tracing::info!(
            ms = elapsed_ms(started),
            resegmented = report.resegmented,
            "training run done"
        );
        Ok(report)
    }

    /// Records a candidate under its model's next version; a promoted one joins `next`.
    async fn record(
        &self,
        c: Candidate,
        next: &mut ModelSet,
        report: &mut TrainReport,
    ) -> CoreResult<()> {
        let mut info = self.placeholder(&c);
        info.version = self.store.record_model(&info, &c.state).await?;
        tracing::info!(model = %info.label(), status = info.status.as_str(), fit_ms = info.fit_ms,
            reason = info.reason.as_deref().unwrap_or(""), "model trained");
        if info.status == ModelStatus::Serving {
            next.install(info.clone(), c.state);
        }
        report.models.push(info);
        Ok(())
    }

    /// The info a candidate is recorded with (its version is assigned by the store).
    fn placeholder(&self, c: &Candidate) -> ModelInfo {
        let now = crate::time::now();
        ModelInfo {
            id: uuid::Uuid::now_v7(),
            model: c.model,
            version: 0,
            status: if c.verdict.is_ok() {
                ModelStatus::Serving
            } else {
                ModelStatus::Rejected
            },
            metrics: c.metrics.clone(),
            reason: c.verdict.clone().err(),
            training_rows: i64::try_from(c.rows).unwrap_or(i64::MAX),
            fit_ms: c.fit_ms,
            trained_at: now,
            promoted_at: c.verdict.is_ok().then_some(now),
        }
    }

    async fn purchase_facts(&self, currency: &str) -> CoreResult<Vec<(CustomerId, PurchaseFacts)>> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .store
                .purchase_facts_page(currency, after, self.settings.page)
                .await?;
            after = page.last().map(|(id, _)| *id);
            let done = page.len() < self.settings.page as usize;
            out.extend(page);
            if done {
                return Ok(out);
            }
        }
    }

    /// (profile, segment) of labelled customers: a deterministic sample of at most
    /// [`TIER_SAMPLE`], each with its hold-out flag (one in five).
    async fn tier_examples(
        &self,
        labels: &HashMap<CustomerId, String>,
    ) -> CoreResult<Vec<(Vec<String>, String, bool)>> {
        let keep = (labels.len() / TIER_SAMPLE + 1) as u64;
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page = self.store.customers_page(after, self.settings.page).await?;
            after = page.last().map(|c| c.id);
            for c in &page {
                if let Some(label) = labels.get(&c.id)
                    && bucket(&c.id.0, keep) == 0
                {
                    out.push((
                        profile_tokens(c),
                        label.clone(),
                        bucket(&c.id.0, 5 * keep) < keep,
                    ));
                }
            }
            if page.len() < self.settings.page as usize {
                return Ok(out);
            }
        }
    }

    /// Completed months of revenue (major units), from the first month with revenue to the
    /// month before `at`, zeros filled in.
    async fn monthly_series(
        &self,
        currency: &str,
        at: DateTime<Utc>,
    ) -> CoreResult<Vec<(String, f64)>> {
        let last = at.format("%Y-%m").to_string();
        let rows = self
            .store
            .revenue_by_month(Scope::All, "1970-01", &last)
            .await?;
        let mut by_month: BTreeMap<String, f64> = BTreeMap::new();
        for r in rows
            .iter()
            .filter(|r| r.currency.as_str() == currency && r.month < last)
        {
            *by_month.entry(r.month.clone()).or_default() += r.revenue as f64 / 100.0;
        }
        let Some(first) = by_month.keys().next().cloned() else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut m = first;
        while m < last {
            out.push((m.clone(), by_month.get(&m).copied().unwrap_or(0.0)));
            m = next_month(&m);
        }
        Ok(out)
    }

    async fn closed_deals(&self) -> CoreResult<Vec<ClosedDeal>> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .store
                .closed_deals_page(after, self.settings.page)
                .await?;
            after = page.last().map(|d| d.id);
            let done = page.len() < self.settings.page as usize;
            out.extend(page);
            if done {
                return Ok(out);
            }
        }
    }

    /// The pipelines of these deals.
    async fn pipelines_of(
        &self,
        deals: &[ClosedDeal],
    ) -> CoreResult<HashMap<crate::ids::PipelineId, crate::pipeline::Pipeline>> {
        let mut out = HashMap::new();
        for d in deals {
            if !out.contains_key(&d.pipeline_id)
                && let Some(p) = self.store.get_pipeline(d.pipeline_id).await?
            {
                out.insert(d.pipeline_id, p);
            }
        }
        Ok(out)
    }

    /// Each buying customer's distinct products.
    async fn baskets(&self) -> CoreResult<Vec<Vec<ProductId>>> {
        let mut out: Vec<Vec<ProductId>> = Vec::new();
        let mut after = None;
        let customers = (self.settings.page / 10).max(1);
        loop {
            let page = self.store.bought_page(after, customers).await?;
            if page.is_empty() {
                return Ok(out);
            }
            let mut current = None;
            for (c, p) in page {
                if current != Some(c) {
                    out.push(Vec::new());
                    current = Some(c);
                }
                if let Some(b) = out.last_mut() {
                    b.push(p);
                }
                after = Some(c);
            }
        }
    }

    /// Gives every live customer the segment the serving models assign now: behavioural with
    /// purchases, predicted from the profile without. Writes only changes, each with an event.
    async fn resegment(&self, currency: &str, at: DateTime<Utc>) -> CoreResult<u64> {
        let set = self.ai.models();
        if set.segments.is_none() && set.tier.is_none() {
            return Ok(0);
        }
        let mut written = 0;
        let mut after = None;
        loop {
            let page = self.store.customers_page(after, RESEGMENT_PAGE).await?;
            let Some(last) = page.last().map(|c| c.id) else {
                return Ok(written);
            };
            // Buyers are live customers too: the first RESEGMENT_PAGE of them after the same
            // key cover every buyer of this page.
            let facts: HashMap<CustomerId, PurchaseFacts> = self
                .store
                .purchase_facts_page(currency, after, RESEGMENT_PAGE)
                .await?
                .into_iter()
                .filter(|(id, _)| id.0 <= last.0)
                .collect();
            after = Some(last);
            let mut changes = Vec::new();
            let mut events = Vec::new();
            for c in &page {
                let (segment, confidence) = match (
                    set.segments.as_ref(),
                    facts.get(&c.id).and_then(|f| rfm_values(f, at)),
                ) {
                    (Some(s), Some(v)) => (Some(s.state.segmenter.score(&v).name), None),
                    _ => match classify_with(&set, &profile_tokens(c)) {
                        Some(p) => (Some(p.segment), Some(round4(p.confidence))),
                        None => continue,
                    },
                };
                if !segment_changed(c, segment.as_deref(), confidence) {
                    continue;
                }
                let mut n = c.clone();
                n.segment = segment;
                n.segment_status = SegmentStatus::Assigned;
                n.segment_confidence = confidence;
                n.version += 1;
                n.updated_at = crate::time::now();
                events.push(segment_event(c, &n));
                changes.push((n, c.version));
            }
            if !changes.is_empty() {
                written += self.store.write_segments(&changes, &events).await?;
                self.bus.committed();
                self.records
                    .evict_many(RecordKind::Customer, changes.iter().map(|(c, _)| c.id.0))
                    .await;
            }
            if page.len() < RESEGMENT_PAGE as usize {
                return Ok(written);
            }
        }
    }
}

/// Whether assigning `segment` with `confidence` (`None`: behavioural, no confidence) to `c`
/// is a change worth writing: a new segment, a first assignment, a move between behavioural
/// and predicted, or a confidence that moved by [`CONFIDENCE_STEP`] or more.
fn segment_changed(c: &Customer, segment: Option<&str>, confidence: Option<f64>) -> bool {
    if c.segment.as_deref() != segment || c.segment_status != SegmentStatus::Assigned {
        return true;
    }
    match (c.segment_confidence, confidence) {
        (None, None) => false,
        (Some(was), Some(now)) => (now - was).abs() >= CONFIDENCE_STEP,
        _ => true,
    }
}

/// Confidence as stored: four decimals.
pub fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The `customer.updated` event of a segment change by the AI layer (no user actor).
pub fn segment_event(before: &Customer, after: &Customer) -> Event {
    Event::new(
        "customer",
        after.id.0,
        "updated",
        None,
        diff(Some(before), Some(after)),
    )
    .with_ownership(Some(after.owner_id), after.team_id)
}

fn next_month(m: &str) -> String {
    let (y, mo) = m.split_once('-').unwrap_or(("1970", "01"));
    let (y, mo): (i32, u32) = (y.parse().unwrap_or(1970), mo.parse().unwrap_or(1));
    if mo >= 12 {
        format!("{:04}-01", y + 1)
    } else {
        format!("{y:04}-{:02}", mo + 1)
    }
}

fn promote_if(better: bool, reason: impl FnOnce() -> String) -> Result<(), String> {
    if better { Ok(()) } else { Err(reason()) }
}

fn to_value<T: Serialize>(x: &T) -> Result<Value, CoreError> {
    serde_json::to_value(x).map_err(|e| CoreError::Internal(e.to_string()))
}

fn fit_segments(
    rfm: &[RfmValues],
    s: &TrainSettings,
    old: Option<&Served<SegmentsState>>,
    currency: String,
) -> CoreResult<Candidate> {
    let t = Instant::now();
    let k = s.segments.min(rfm.len());
    let segmenter = nexus_ai::segments::Segmenter::fit(rfm, k, s.restarts, s.seed)
        .map_err(|e| CoreError::Internal(e.to_string()))?;
    let fit_ms = elapsed_ms(t);
    let mut counts = vec![0u64; k];
    for v in rfm {
        counts[segmenter.kmeans.assign(&segmenter.features(v))] += 1;
    }
    let step = (rfm.len() / SILHOUETTE_SAMPLE).max(1);
    let sample: Vec<&RfmValues> = rfm.iter().step_by(step).collect();
    let points: Vec<[f64; 3]> = sample.iter().map(|v| segmenter.features(v)).collect();
    let labels: Vec<usize> = points.iter().map(|p| segmenter.kmeans.assign(p)).collect();
    let score = silhouette(&points, &labels, k);
    let old_score = old.map(|o| {
        let seg = &o.state.segmenter;
        let pts: Vec<[f64; 3]> = sample.iter().map(|v| seg.features(v)).collect();
        let l: Vec<usize> = pts.iter().map(|p| seg.kmeans.assign(p)).collect();
        silhouette(&pts, &l, seg.kmeans.centroids.len())
    });
    let metrics = json!({
        "silhouette": score,
        "serving_silhouette": old_score,
        "inertia_per_customer": segmenter.kmeans.sse / rfm.len().max(1) as f64,
        "k": k,
        "customers": rfm.len(),
        "sample": sample.len(),
    });
    let verdict = promote_if(old_score.is_none_or(|o| score >= o - 1e-9), || {
        format!(
            "silhouette {score:.4} below the serving version's {:.4}",
            old_score.unwrap_or(0.0)
        )
    });
    Ok(Candidate {
        model: ModelKind::Segments,
        state: to_value(&SegmentsState {
            segmenter,
            currency,
            counts,
        })?,
        metrics,
        verdict,
        rows: rfm.len(),
        fit_ms,
    })
}

fn fit_clv(
    summaries: &[nexus_ai::clv::Rfm],
    old: Option<&Served<ClvState>>,
    currency: String,
    monthly_discount: f64,
) -> CoreResult<Candidate> {
    let t = Instant::now();
    let purchases =
        nexus_ai::clv::BgNbd::fit(summaries).map_err(|e| CoreError::Internal(e.to_string()))?;
    let bgnbd_ms = elapsed_ms(t);
    // Spend is fitted on at most GAMMA_GAMMA_SAMPLE repeat buyers, within a budget (see
    // `GammaGamma::fit_within`); without a fit, value comes from each customer's own orders.
    let repeaters: Vec<nexus_ai::clv::Rfm> =
        summaries.iter().filter(|c| c.x > 0.0).copied().collect();
    let step = (repeaters.len() / GAMMA_GAMMA_SAMPLE).max(1);
    let sample: Vec<nexus_ai::clv::Rfm> = repeaters.iter().step_by(step).copied().collect();
    let spend = nexus_ai::clv::GammaGamma::fit_within(&sample, GAMMA_GAMMA_EVALUATIONS);
    let spend_error = match &spend {
        Err(e) => Some(e.to_string()),
        // A fit is kept (its numbers are worth seeing) but not used for values: see local.rs.
        Ok(s) if !s.has_mean() => Some(format!(
            "q = {:.3} <= 1: the fitted spend distribution has no finite mean, so each \
             customer's own mean order value is used",
            s.q
        )),
        Ok(_) => None,
    };
    let spend = spend.ok();
    let fit_ms = elapsed_ms(t);
    let n = summaries.len().max(1) as f64;
    let ll = purchases.log_likelihood_of(summaries) / n;
    let old_ll = old.map(|o| o.state.purchases.log_likelihood_of(summaries) / n);
    let metrics = json!({
        "log_likelihood_per_customer": ll,
        "serving_log_likelihood_per_customer": old_ll,
        "customers": summaries.len(),
        "repeat_customers": summaries.iter().filter(|c| c.x > 0.0).count(),
        "bgnbd": purchases,
        "bgnbd_ms": bgnbd_ms,
        "gamma_gamma_customers": sample.len(),
        "gamma_gamma_error": spend_error,
        "gamma_gamma": spend,
    });
    let verdict = promote_if(old_ll.is_none_or(|o| ll >= o - 1e-9), || {
        format!(
            "log-likelihood {ll:.4} below the serving version's {:.4}",
            old_ll.unwrap_or(0.0)
        )
    });
    Ok(Candidate {
        model: ModelKind::Clv,
        state: to_value(&ClvState {
            purchases,
            spend,
            currency,
            monthly_discount,
        })?,
        metrics,
        verdict,
        rows: summaries.len(),
        fit_ms,
    })
}

fn fit_tier(
    examples: &[(Vec<String>, String, bool)],
    old: Option<&Served<TierState>>,
) -> CoreResult<Candidate> {
    let t = Instant::now();
    let train: Vec<(Vec<String>, String)> = examples
        .iter()
        .filter(|e| !e.2)
        .map(|e| (e.0.clone(), e.1.clone()))
        .collect();
    let test: Vec<&(Vec<String>, String, bool)> = examples.iter().filter(|e| e.2).collect();
    let model = nexus_ai::segments::tier::TierModel::fit(&train, 1.0)
        .map_err(|e| CoreError::Internal(e.to_string()))?;
    let fit_ms = elapsed_ms(t);
    let accuracy = |m: &nexus_ai::segments::tier::TierModel| {
        let hits = test.iter().filter(|e| m.score(&e.0).tier == e.1).count();
        hits as f64 / test.len().max(1) as f64
    };
    let mut freq: HashMap<&str, usize> = HashMap::new();
    for e in &train {
        *freq.entry(e.1.as_str()).or_default() += 1;
    }
    let majority = freq
        .iter()
        .max_by_key(|(k, v)| (**v, std::cmp::Reverse(**k)))
        .map(|(k, _)| *k)
        .unwrap_or("");
    let baseline =
        test.iter().filter(|e| e.1 == majority).count() as f64 / test.len().max(1) as f64;
    let acc = accuracy(&model);
    let old_acc = old.map(|o| accuracy(&o.state.model));
    let metrics = json!({
        "accuracy": acc,
        "majority_baseline_accuracy": baseline,
        "majority_class": majority,
        "serving_accuracy": old_acc,
        "train": train.len(),
        "holdout": test.len(),
        "classes": model.classes(),
    });
    let verdict = promote_if(old_acc.is_none_or(|o| acc >= o - 1e-9), || {
        format!(
            "holdout accuracy {acc:.4} below the serving version's {:.4}",
            old_acc.unwrap_or(0.0)
        )
    });
    Ok(Candidate {
        model: ModelKind::Tier,
        state: to_value(&TierState { model })?,
        metrics,
        verdict,
        rows: train.len(),
        fit_ms,
    })
}

fn fit_forecast(
    series: &[(String, f64)],
    old: Option<&Served<ForecastState>>,
    currency: String,
) -> CoreResult<Candidate> {
    let t = Instant::now();
    let y: Vec<f64> = series.iter().map(|(_, v)| *v).collect();
    // Hold out the last year when there are three, else the last third.
    let h = if y.len() >= 3 * MONTHS {
        MONTHS
    } else {
        (y.len() / 3).max(1)
    };
    let (train, test) = y.split_at(y.len() - h);
    let held = MonthlyForecast::fit(train, h).map_err(|e| CoreError::Internal(e.to_string()))?;
    let predicted: Vec<f64> = held.forecast(h).iter().map(|p| p.mean).collect();
    let naive = seasonal_naive(train, h);
    let score = mase(train, test, &predicted);
    let naive_score = mase(train, test, &naive);
    let model = MonthlyForecast::fit(&y, MONTHS).map_err(|e| CoreError::Internal(e.to_string()))?;
    let fit_ms = elapsed_ms(t);
    let mut month = series.last().map(|(m, _)| m.clone()).unwrap_or_default();
    let forecast = model
        .forecast(MONTHS)
        .iter()
        .map(|p| {
            month = next_month(&month);
            (month.clone(), *p)
        })
        .collect();
    let old_score = old.and_then(|o| o.info.metrics.get("mase").and_then(Value::as_f64));
    let metrics = json!({
        "method": model.method.clone(),
        "mase": score,
        "mape": mape(test, &predicted),
        "seasonal_naive_mase": naive_score,
        "holdout_months": h,
        "months": y.len(),
        "serving_mase": old_score,
    });
    let verdict = promote_if(
        !score.is_finite() || old_score.is_none_or(|o| score <= o + 1e-9),
        || {
            format!(
                "holdout MASE {score:.4} above the serving version's {:.4}",
                old_score.unwrap_or(0.0)
            )
        },
    );
    Ok(Candidate {
        model: ModelKind::Forecast,
        state: to_value(&ForecastState {
            currency,
            history: series.to_vec(),
            method: model.method,
            forecast,
        })?,
        metrics,
        verdict,
        rows: y.len(),
        fit_ms,
    })
}

fn fit_recommend(
    baskets: Vec<Vec<ProductId>>,
    old: Option<&Served<RecommendState>>,
    neighbours: usize,
) -> CoreResult<Candidate> {
    let t = Instant::now();
    let mut products: Vec<ProductId> = baskets.iter().flatten().copied().collect();
    products.sort_by_key(|p| p.0);
    products.dedup();
    let index: HashMap<ProductId, u32> = products
        .iter()
        .enumerate()
        .map(|(i, p)| (*p, i as u32))
        .collect();
    let customers: Vec<Vec<u32>> = baskets
        .iter()
        .map(|b| b.iter().filter_map(|p| index.get(p).copied()).collect())
        .collect();
    // Leave one out: for a sample of customers with two or more products, hide one.
    let step = (customers.iter().filter(|c| c.len() >= 2).count() / RECOMMEND_EVAL).max(1);
    let mut train = customers.clone();
    let mut held: Vec<(usize, u32)> = Vec::new();
    for (u, c) in customers
        .iter()
        .enumerate()
        .filter(|(_, c)| c.len() >= 2)
        .step_by(step)
    {
        let hide = c[u % c.len()];
        train[u].retain(|&i| i != hide);
        held.push((u, hide));
    }
    let history = |customers: Vec<Vec<u32>>| History {
        items: products.len(),
        customers,
    };
    let train_h = history(train);
    let knn_eval = nexus_ai::recommend::ItemKnn::fit(&train_h)
        .map_err(|e| CoreError::Internal(e.to_string()))?;
    let pop_eval = nexus_ai::recommend::Popularity::fit(&train_h);
    let hit_rate = |rank: &dyn Fn(&[u32]) -> Vec<u32>| {
        let hits = held
            .iter()
            .filter(|(u, hide)| rank(&train_h.customers[*u]).contains(hide))
            .count();
        hits as f64 / held.len().max(1) as f64
    };
    let knn_hr = hit_rate(&|b| {
        knn_eval
            .recommend(b, true, 10)
            .iter()
            .map(|s| s.item)
            .collect()
    });
    let pop_hr = hit_rate(&|b| {
        let mut e = b.to_vec();
        e.sort_unstable();
        pop_eval
            .recommend(Some(&e), 10)
            .iter()
            .map(|s| s.item)
            .collect()
    });
    let full = history(customers);
    let mut knn =
        nexus_ai::recommend::ItemKnn::fit(&full).map_err(|e| CoreError::Internal(e.to_string()))?;
    knn.keep_nearest(neighbours);
    let popularity = nexus_ai::recommend::Popularity::fit(&full);
    let fit_ms = elapsed_ms(t);
    let use_knn = knn_hr >= pop_hr;
    let score = knn_hr.max(pop_hr);
    let old_score = old.and_then(|o| o.info.metrics.get("hr_at_10").and_then(Value::as_f64));
    let metrics = json!({
        "hr_at_10": score,
        "item_knn_hr_at_10": knn_hr,
        "popularity_hr_at_10": pop_hr,
        "serves": if use_knn { "item_knn" } else { "popularity" },
        "holdout_customers": held.len(),
        "products": products.len(),
        "serving_hr_at_10": old_score,
    });
    let verdict = promote_if(old_score.is_none_or(|o| score >= o - 1e-9), || {
        format!(
            "HR@10 {score:.4} below the serving version's {:.4}",
            old_score.unwrap_or(0.0)
        )
    });
    Ok(Candidate {
        model: ModelKind::Recommend,
        state: to_value(&RecommendState {
            products,
            knn,
            popularity,
            use_knn,
        })?,
        metrics,
        verdict,
        rows: full.customers.len(),
        fit_ms,
    })
}

/// Stage index among the pipeline's open stages and the stage's probability (0..1).
pub fn stage_features(
    pipeline: &crate::pipeline::Pipeline,
    stage: crate::ids::StageId,
) -> Option<(f64, f64)> {
    let open = pipeline
        .stages
        .iter()
        .filter(|s| s.kind == crate::pipeline::StageKind::Open);
    open.enumerate()
        .find(|(_, s)| s.id == stage)
        .map(|(i, s)| (i as f64, f64::from(s.probability) / 100.0))
}

fn fit_win(
    closed: &[ClosedDeal],
    pipelines: &HashMap<crate::ids::PipelineId, crate::pipeline::Pipeline>,
    old: Option<&Served<WinState>>,
) -> CoreResult<Candidate> {
    let t = Instant::now();
    let mut per_owner: HashMap<crate::ids::UserId, (f64, f64)> = HashMap::new();
    for d in closed {
        let e = per_owner.entry(d.owner_id).or_default();
        e.0 += f64::from(u8::from(d.won));
        e.1 += 1.0;
    }
    let total_won = closed.iter().filter(|d| d.won).count() as f64;
    let base_rate = total_won / closed.len().max(1) as f64;
    // (features, won, held out); the owner's rate leaves the deal itself out.
    let mut rows = Vec::new();
    for d in closed {
        let (Some(stage), Some(closed_at)) = (d.last_open_stage, d.closed_at) else {
            continue;
        };
        let Some((stage_index, stage_probability)) = pipelines
            .get(&d.pipeline_id)
            .and_then(|p| stage_features(p, stage))
        else {
            continue;
        };
        let (w, n) = per_owner.get(&d.owner_id).copied().unwrap_or((0.0, 0.0));
        let owner_win_rate = if n > 1.0 {
            (w - f64::from(u8::from(d.won))) / (n - 1.0)
        } else {
            base_rate
        };
        let features = nexus_ai::win::DealFeatures {
            stage_index,
            stage_probability,
            age_days: (closed_at - d.created_at).num_seconds().max(0) as f64 / 86_400.0,
            amount: d.value as f64 / 100.0,
            activities: d.activities as f64,
            owner_win_rate,
        };
        rows.push((features, d.won, d.id.0));
    }
    // Stratified, so the hold-out always holds won and lost deals when both exist (a hold-out of
    // one class has no AUC).
    let held = stratified_holdout(&rows.iter().map(|r| (r.2, r.1)).collect::<Vec<_>>(), 5);
    let rows: Vec<_> = rows
        .into_iter()
        .zip(held)
        .map(|((f, won, _), h)| (f, won, h))
        .collect();
    let train: Vec<(nexus_ai::win::DealFeatures, bool)> =
        rows.iter().filter(|r| !r.2).map(|r| (r.0, r.1)).collect();
    let test: Vec<&(nexus_ai::win::DealFeatures, bool, bool)> =
        rows.iter().filter(|r| r.2).collect();
    let model =
        nexus_ai::win::WinModel::fit(&train).map_err(|e| CoreError::Internal(e.to_string()))?;
    let fit_ms = elapsed_ms(t);
    let outcomes: Vec<bool> = test.iter().map(|r| r.1).collect();
    let evaluate = |m: &nexus_ai::win::WinModel| {
        let p: Vec<f64> = test.iter().map(|r| m.score(&r.0)).collect();
        (
            nexus_ai::win::auc(&p, &outcomes),
            nexus_ai::win::brier(&p, &outcomes),
        )
    };
    let (auc, brier) = evaluate(&model);
    let base_brier = nexus_ai::win::brier(&vec![base_rate; outcomes.len()], &outcomes);
    let old_auc = old.map(|o| evaluate(&o.state.model).0);
    let metrics = json!({
        "auc": auc,
        "brier": brier,
        "base_rate_brier": base_brier,
        "base_rate": base_rate,
        "serving_auc": old_auc,
        "train": train.len(),
        "holdout": test.len(),
    });
    let verdict = promote_if(
        !auc.is_finite() || old_auc.is_none_or(|o| !o.is_finite() || auc >= o - 1e-9),
        || {
            format!(
                "holdout AUC {auc:.4} below the serving version's {:.4}",
                old_auc.unwrap_or(0.0)
            )
        },
    );
    let owner_rates = per_owner
        .into_iter()
        .map(|(o, (w, n))| (o, w / n))
        .collect();
    Ok(Candidate {
        model: ModelKind::Win,
        state: to_value(&WinState {
            model,
            owner_rates,
            base_rate,
        })?,
        metrics,
        verdict,
        rows: train.len(),
        fit_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::{CONFIDENCE_STEP, segment_changed, stratified_holdout};
    use crate::customer::{SegmentStatus, test_customer};

    #[test]
    fn only_real_segment_changes_are_rewritten() {
        let mut c = test_customer("Ada Lovelace");
        assert!(
            segment_changed(&c, Some("champions"), None),
            "first segment"
        );
        c.segment = Some("champions".into());
        c.segment_status = SegmentStatus::Assigned;
        assert!(!segment_changed(&c, Some("champions"), None));
        assert!(segment_changed(&c, Some("at_risk"), None), "new segment");
        assert!(
            segment_changed(&c, Some("champions"), Some(0.9)),
            "now predicted"
        );
        c.segment_confidence = Some(0.4354);
        assert!(
            !segment_changed(&c, Some("champions"), Some(0.4362)),
            "refit noise"
        );
        assert!(!segment_changed(
            &c,
            Some("champions"),
            Some(0.4354 - CONFIDENCE_STEP / 2.0)
        ));
        assert!(segment_changed(
            &c,
            Some("champions"),
            Some(0.4354 + CONFIDENCE_STEP * 1.01)
        ));
        assert!(
            segment_changed(&c, Some("champions"), None),
            "now behavioural"
        );
        c.segment_status = SegmentStatus::Pending;
        assert!(
            segment_changed(&c, Some("champions"), Some(0.4354)),
            "pending is rewritten"
        );
    }

    fn ids(n: usize, won_every: usize) -> Vec<(uuid::Uuid, bool)> {
        (0..n)
            .map(|i| {
                (
                    uuid::Uuid::from_u128(i as u128 * 7919 + 1),
                    i % won_every == 0,
                )
            })
            .collect()
    }

    #[test]
    fn the_win_holdout_holds_both_classes_in_proportion() {
        // 3 won among 40: an unstratified one-in-five split can miss every won deal.
        for (n, won_every) in [(40, 13), (12, 6), (1000, 3)] {
            let ex = ids(n, won_every);
            let held = stratified_holdout(&ex, 5);
            for class in [false, true] {
                let members = ex.iter().filter(|e| e.1 == class).count();
                let out = ex
                    .iter()
                    .zip(&held)
                    .filter(|(e, h)| e.1 == class && **h)
                    .count();
                assert!(
                    out >= 1 && out < members,
                    "{n}/{won_every} class {class}: {out} of {members}"
                );
                assert_eq!(out, members.div_ceil(5), "{n}/{won_every} class {class}");
            }
            assert_eq!(held, stratified_holdout(&ex, 5), "deterministic");
        }
    }

    #[test]
    fn a_class_of_one_stays_in_training() {
        let ex = vec![
            (uuid::Uuid::from_u128(1), true),
            (uuid::Uuid::from_u128(2), false),
        ];
        assert_eq!(stratified_holdout(&ex, 5), vec![false, false]);
    }
}

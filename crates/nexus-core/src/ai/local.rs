//! The AI layer in-process: the serving model versions in memory, swapped atomically when a
//! training run promotes new ones (or another instance did and [`LocalAi::reload`] reads them).
//! Scoring one customer or one profile takes microseconds, so it runs on the calling task;
//! batches of texts go to the blocking pool.

use super::*;
use crate::store::Store;
use nexus_ai::clv::{DiscountRate, Rfm, clv_at_value};
use nexus_ai::segments::RfmValues;
use nexus_ai::sentiment::{TrendOptions, Vader, trend};
use std::sync::{Arc, LazyLock, RwLock};

/// VADER's lexicons, loaded once per process.
static VADER: LazyLock<Vader> = LazyLock::new(Vader::builtin);

/// The churn horizon: churn risk is the probability of no purchase in the next 90 days.
const CHURN_WEEKS: f64 = 90.0 / 7.0;

/// Texts scored on the calling task; longer batches go to the blocking pool.
const INLINE_TEXTS: usize = 16;

/// The in-process AI layer.
#[derive(Clone)]
pub struct LocalAi {
    models: Arc<RwLock<Arc<ModelSet>>>,
    store: Arc<dyn Store>,
}

impl LocalAi {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            models: Arc::new(RwLock::new(Arc::new(ModelSet::default()))),
            store,
        }
    }

    /// The serving versions (a snapshot: a swap does not change it).
    pub fn models(&self) -> Arc<ModelSet> {
        match self.models.read() {
            Ok(m) => m.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Serves `set` from now on.
    pub fn swap(&self, set: ModelSet) {
        let set = Arc::new(set);
        match self.models.write() {
            Ok(mut m) => *m = set,
            Err(poisoned) => *poisoned.into_inner() = set,
        }
    }

    /// Whether the store the models come from answers.
    pub async fn store_ping(&self) -> crate::error::CoreResult<()> {
        self.store.ping().await
    }

    /// Loads the serving versions from the store.
    pub async fn load(&self) -> crate::error::CoreResult<()> {
        let stored = self.store.serving_models().await?;
        self.swap(ModelSet::from_stored(stored));
        Ok(())
    }
}

/// VADER scores of one text.
pub fn sentiment_of(text: &str) -> SentimentScore {
    let p = VADER.polarity_scores(text);
    SentimentScore {
        compound: p.compound,
        positive: p.pos,
        neutral: p.neu,
        negative: p.neg,
    }
}

/// The likely segment of a profile under the serving new-customer model.
pub fn classify_with(set: &ModelSet, profile: &[String]) -> Option<Classification> {
    let tier = set.tier.as_ref()?;
    let p = tier.state.model.score(profile);
    Some(Classification {
        segment: p.tier,
        confidence: p.confidence,
        model: tier.info.label(),
    })
}

fn provenance(info: &ModelInfo, at: DateTime<Utc>) -> Provenance {
    Provenance {
        model: info.label(),
        trained_at: Some(info.trained_at),
        computed_at: at,
    }
}

fn days(d: chrono::TimeDelta) -> f64 {
    d.num_seconds() as f64 / 86_400.0
}

/// RFM values of a customer with purchases, in major units.
pub fn rfm_values(p: &PurchaseFacts, at: DateTime<Utc>) -> Option<RfmValues> {
    let last = p.last_purchase_at?;
    (p.purchases > 0).then(|| RfmValues {
        recency_days: days(at - last).max(0.0).floor(),
        frequency: p.purchases as f64,
        monetary: p.revenue as f64 / 100.0,
    })
}

/// The BG/NBD summary of a customer with purchases: repeat purchases, and times in weeks.
pub fn clv_summary(p: &PurchaseFacts, at: DateTime<Utc>) -> Option<Rfm> {
    let (first, last) = (p.first_purchase_at?, p.last_purchase_at?);
    if p.purchases <= 0 {
        return None;
    }
    let x = (p.purchases - 1) as f64;
    Some(Rfm {
        x,
        t_x: days(last - first).max(0.0) / 7.0,
        t: days(at - first).max(0.0) / 7.0,
        zbar: if x > 0.0 {
            p.revenue as f64 / 100.0 / p.purchases as f64
        } else {
            0.0
        },
    })
}

/// Scores one customer with the serving models.
pub fn score_with(set: &ModelSet, facts: &CustomerFacts) -> CustomerScores {
    let at = facts.at;
    let rfm = rfm_values(&facts.purchases, at);
    let segment = match (&set.segments, rfm) {
        (Some(seg), Some(v)) => {
            let s = seg.state.segmenter.score(&v);
            let typical = seg.state.segmenter.profiles.get(s.cluster).copied();
            let note = |what: &str, value: f64, typ: Option<f64>| match typ {
                Some(t) => format!("{what} {value:.0} (segment typical: {t:.0})"),
                None => format!("{what} {value:.0}"),
            };
            Some(SegmentInsight {
                name: s.name,
                basis: "behaviour".into(),
                confidence: None,
                r_score: Some(s.r_score),
                f_score: Some(s.f_score),
                m_score: Some(s.m_score),
                factors: vec![
                    Factor {
                        name: "recency_days".into(),
                        value: v.recency_days,
                        note: note(
                            "days since the last purchase:",
                            v.recency_days,
                            typical.map(|t| t.recency_days),
                        ),
                    },
                    Factor {
                        name: "frequency".into(),
                        value: v.frequency,
                        note: note("purchases:", v.frequency, typical.map(|t| t.frequency)),
                    },
                    Factor {
                        name: "monetary".into(),
                        value: v.monetary,
                        note: note(
                            &format!("revenue ({}):", seg.state.currency),
                            v.monetary,
                            typical.map(|t| t.monetary),
                        ),
                    },
                ],
                source: provenance(&seg.info, at),
            })
        }
        _ => set.tier.as_ref().map(|tier| {
            let p = tier.state.model.score(&facts.profile);
            SegmentInsight {
                name: p.tier,
                basis: "profile".into(),
                confidence: Some(p.confidence),
                r_score: None,
                f_score: None,
                m_score: None,
                factors: facts
                    .profile
                    .iter()
                    .map(|t| Factor {
                        name: t.clone(),
                        value: 1.0,
                        note: "profile attribute the prediction reads".into(),
                    })
                    .collect(),
                source: provenance(&tier.info, at),
            }
        }),
    };
    let value = match (&set.clv, clv_summary(&facts.purchases, at)) {
        (Some(m), Some(c)) if facts.purchases.currency.as_deref() == Some(&m.state.currency) => {
            let alive = m.state.purchases.p_alive(&c);
            let expected = m.state.purchases.expected_purchases(&c, CHURN_WEEKS);
            // Gamma-Gamma values the next purchases when its fit has a finite mean; else the
            // customer's own mean order value.
            let observed =
                facts.purchases.revenue as f64 / 100.0 / facts.purchases.purchases.max(1) as f64;
            let per_purchase = match &m.state.spend {
                Some(spend) if spend.has_mean() => spend.expected_spend(&c),
                _ => observed,
            };
            let clv_12 = clv_at_value(
                &m.state.purchases,
                per_purchase,
                &c,
                12,
                DiscountRate::Monthly(m.state.monthly_discount),
            );
            let churn = m.state.purchases.p_no_purchase(&c, CHURN_WEEKS);
            Some(ValueInsight {
                currency: m.state.currency.clone(),
                clv_12_months: clv_12,
                probability_alive: alive,
                expected_purchases_90_days: expected,
                churn_risk: churn,
                churn_level: match churn {
                    r if r >= 0.6 => "high",
                    r if r >= 0.3 => "medium",
                    _ => "low",
                }
                .into(),
                factors: vec![
                    Factor {
                        name: "repeat_purchases".into(),
                        value: c.x,
                        note: format!("{} purchases after the first", c.x),
                    },
                    Factor {
                        name: "weeks_since_last_purchase".into(),
                        value: c.t - c.t_x,
                        note: format!(
                            "{:.1} weeks since the last purchase, customer for {:.1} weeks",
                            c.t - c.t_x,
                            c.t
                        ),
                    },
                    Factor {
                        name: "value_per_purchase".into(),
                        value: per_purchase,
                        note: format!(
                            "expected value of a purchase {per_purchase:.2} {} (mean order so far {observed:.2})",
                            m.state.currency
                        ),
                    },
                ],
                source: provenance(&m.info, at),
            })
        }
        _ => None,
    };
    let observations: Vec<(i64, f64)> = facts
        .sentiments
        .iter()
        .map(|(t, s)| (t.timestamp(), *s))
        .collect();
    let sentiment = trend(&observations, TrendOptions::default()).map(|t| SentimentInsight {
        n: t.n,
        level: t.level,
        slope_per_30_days: t.slope_per_30_days,
        last: t.last,
        direction: match t.slope_per_30_days {
            s if s > 0.05 => "improving",
            s if s < -0.05 => "declining",
            _ => "steady",
        }
        .into(),
        source: Provenance {
            model: SENTIMENT_MODEL.into(),
            trained_at: None,
            computed_at: at,
        },
    });
    let recommendations = set.recommend.as_ref().map(|r| {
        let bought: Vec<u32> = facts
            .products
            .iter()
            .filter_map(|p| r.state.products.iter().position(|q| q == p))
            .filter_map(|i| u32::try_from(i).ok())
            .collect();
        let (scored, reason) = if bought.is_empty() || !r.state.use_knn {
            let mut exclude = bought.clone();
            exclude.sort_unstable();
            (r.state.popularity.recommend(Some(&exclude), 5), "popular")
        } else {
            let mut exclude = bought.clone();
            exclude.sort_unstable();
            let mut s = r.state.knn.recommend(&bought, true, 5);
            s.retain(|x| x.score > 0.0);
            if s.is_empty() {
                (r.state.popularity.recommend(Some(&exclude), 5), "popular")
            } else {
                (s, "similar_to_purchases")
            }
        };
        RecommendationsInsight {
            items: scored
                .into_iter()
                .filter_map(|s| {
                    Some(Recommendation {
                        product_id: *r.state.products.get(s.item as usize)?,
                        name: None,
                        sku: None,
                        score: s.score,
                        reason: reason.into(),
                    })
                })
                .collect(),
            source: provenance(&r.info, at),
        }
    });
    CustomerScores {
        segment,
        value,
        sentiment,
        recommendations,
    }
}

/// "Bought together" under the serving recommendation model.
pub fn bought_together_with(
    set: &ModelSet,
    product: ProductId,
    k: usize,
) -> Option<RecommendationsInsight> {
    let r = set.recommend.as_ref()?;
    let items = match r.state.products.iter().position(|p| *p == product) {
        Some(i) => r
            .state
            .knn
            .similar(u32::try_from(i).ok()?, k)
            .into_iter()
            .filter(|s| s.score > 0.0)
            .filter_map(|s| {
                Some(Recommendation {
                    product_id: *r.state.products.get(s.item as usize)?,
                    name: None,
                    sku: None,
                    score: s.score,
                    reason: "bought_together".into(),
                })
            })
            .collect(),
        None => Vec::new(),
    };
    Some(RecommendationsInsight {
        items,
        source: provenance(&r.info, crate::time::now()),
    })
}

/// Win probabilities under the serving win model.
pub fn win_with(set: &ModelSet, deals: &[DealFacts]) -> Option<Vec<f64>> {
    let w = set.win.as_ref()?;
    Some(
        deals
            .iter()
            .map(|d| w.state.model.score(&w.state.features(d)))
            .collect(),
    )
}

/// The forecast of the serving version.
pub fn forecast_of(set: &ModelSet) -> Option<RevenueForecast> {
    let f = set.forecast.as_ref()?;
    Some(RevenueForecast {
        currency: f.state.currency.clone(),
        history: f
            .state
            .history
            .iter()
            .map(|(month, revenue)| HistoryMonth {
                month: month.clone(),
                revenue: *revenue,
            })
            .collect(),
        forecast: f
            .state
            .forecast
            .iter()
            .map(|(month, p)| ForecastMonth {
                month: month.clone(),
                mean: p.mean,
                lo80: p.lo80,
                hi80: p.hi80,
                lo95: p.lo95,
                hi95: p.hi95,
            })
            .collect(),
        metrics: f.info.metrics.clone(),
        source: provenance(&f.info, f.info.trained_at),
    })
}

/// The segments of the serving segmentation.
pub fn segments_of(set: &ModelSet) -> Option<Segmentation> {
    let s = set.segments.as_ref()?;
    let seg = &s.state.segmenter;
    Some(Segmentation {
        currency: s.state.currency.clone(),
        segments: seg
            .names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let p = seg.profiles.get(i);
                SegmentSummary {
                    name: name.clone(),
                    customers: s.state.counts.get(i).copied().unwrap_or(0),
                    recency_days: p.map_or(0.0, |p| p.recency_days),
                    frequency: p.map_or(0.0, |p| p.frequency),
                    monetary: p.map_or(0.0, |p| p.monetary),
                }
            })
            .collect(),
        metrics: s.info.metrics.clone(),
        source: provenance(&s.info, s.info.trained_at),
    })
}

#[async_trait]
impl AiLayer for LocalAi {
    fn location(&self) -> String {
        "in-process".into()
    }

    fn may_score_deals(&self) -> bool {
        self.models().win.is_some()
    }

    async fn ready(&self) -> Result<(), AiUnavailable> {
        Ok(())
    }

    async fn classify(
        &self,
        profiles: &[Vec<String>],
    ) -> Result<Vec<Option<Classification>>, AiUnavailable> {
        let set = self.models();
        Ok(profiles.iter().map(|p| classify_with(&set, p)).collect())
    }

    async fn sentiment(&self, texts: &[String]) -> Result<Vec<SentimentScore>, AiUnavailable> {
        if texts.len() <= INLINE_TEXTS {
            return Ok(texts.iter().map(|t| sentiment_of(t)).collect());
        }
        let texts = texts.to_vec();
        tokio::task::spawn_blocking(move || texts.iter().map(|t| sentiment_of(t)).collect())
            .await
            .map_err(|e| AiUnavailable(e.to_string()))
    }

    async fn score(&self, facts: &CustomerFacts) -> Result<CustomerScores, AiUnavailable> {
        Ok(score_with(&self.models(), facts))
    }

    async fn forecast(&self) -> Result<Option<RevenueForecast>, AiUnavailable> {
        Ok(forecast_of(&self.models()))
    }

    async fn segments(&self) -> Result<Option<Segmentation>, AiUnavailable> {
        Ok(segments_of(&self.models()))
    }

    async fn bought_together(
        &self,
        product: ProductId,
        k: usize,
    ) -> Result<Option<RecommendationsInsight>, AiUnavailable> {
        Ok(bought_together_with(&self.models(), product, k))
    }

    async fn win_probability(
        &self,
        deals: &[DealFacts],
    ) -> Result<Option<Vec<f64>>, AiUnavailable> {
        Ok(win_with(&self.models(), deals))
    }

    async fn serving(&self) -> Result<Vec<ModelInfo>, AiUnavailable> {
        Ok(self.models().infos())
    }

    async fn reload(&self) -> Result<(), AiUnavailable> {
        self.load().await.map_err(|e| AiUnavailable(e.to_string()))
    }
}

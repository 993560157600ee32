//! Speed measurements behind `nexus ai bench`: segmenting 1M synthetic customers, the BG/NBD fit
//! on CDNOW_master, VADER texts per second on one core, and one customer's recommendations at
//! 100k customers × 10k products. Synthetic data are generated here from a fixed seed.

use crate::AiError;
use crate::clv::{BgNbd, Rfm};
use crate::recommend::{History, ItemIndex, ItemKnn};
use crate::segments::{RfmValues, Segmenter};
use crate::sentiment::Vader;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// Segmenting `n` synthetic customers (fit with 10 restarts + assigning everyone).
#[derive(Debug, Clone, Serialize)]
pub struct SegmentBench {
    pub customers: usize,
    pub k: usize,
    pub fit_seconds: f64,
    pub assign_seconds: f64,
}

pub fn segments(n: usize, k: usize) -> Result<SegmentBench, AiError> {
    let mut rng = StdRng::seed_from_u64(7);
    let customers: Vec<RfmValues> = (0..n)
        .map(|_| {
            let active = rng.random::<f64>() < 0.4;
            let frequency =
                1.0 + (rng.random::<f64>().powi(3) * if active { 40.0 } else { 4.0 }).floor();
            RfmValues {
                recency_days: if active {
                    rng.random_range(0.0..120.0)
                } else {
                    rng.random_range(90.0..540.0)
                },
                frequency,
                monetary: frequency * rng.random_range(5.0..80.0),
            }
        })
        .collect();
    let started = Instant::now();
    let model = Segmenter::fit(&customers, k, 10, 1)?;
    let fit_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let assigned: usize = customers.iter().map(|c| model.score(c).cluster).sum();
    let assign_seconds = started.elapsed().as_secs_f64();
    std::hint::black_box(assigned);
    Ok(SegmentBench {
        customers: n,
        k,
        fit_seconds,
        assign_seconds,
    })
}

/// BG/NBD fit time on a calibration summary (best and median of `runs`).
#[derive(Debug, Clone, Serialize)]
pub struct FitBench {
    pub customers: usize,
    pub best_seconds: f64,
    pub median_seconds: f64,
}

pub fn bgnbd(customers: &[Rfm], runs: usize) -> Result<FitBench, AiError> {
    let mut times = Vec::new();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        std::hint::black_box(BgNbd::fit(customers)?);
        times.push(started.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(FitBench {
        customers: customers.len(),
        best_seconds: times[0],
        median_seconds: times[times.len() / 2],
    })
}

/// VADER throughput on one thread.
#[derive(Debug, Clone, Serialize)]
pub struct SentimentBench {
    pub texts: usize,
    pub mean_chars: f64,
    pub seconds: f64,
    pub texts_per_second: f64,
}

pub fn sentiment(texts: &[String], rounds: usize) -> SentimentBench {
    let vader = Vader::builtin();
    let started = Instant::now();
    let mut sum = 0.0;
    for _ in 0..rounds.max(1) {
        for t in texts {
            sum += vader.compound(t);
        }
    }
    std::hint::black_box(sum);
    let seconds = started.elapsed().as_secs_f64();
    let total = texts.len() * rounds.max(1);
    SentimentBench {
        texts: total,
        mean_chars: texts.iter().map(|t| t.chars().count()).sum::<usize>() as f64
            / texts.len().max(1) as f64,
        seconds,
        texts_per_second: total as f64 / seconds.max(1e-9),
    }
}

/// Short texts for the throughput measurement when no data set is given.
pub fn sample_texts() -> Vec<String> {
    [
        "Great call with the buyer, they love the new dashboard!",
        "Customer is not happy with the delivery delay :(",
        "Invoice sent, waiting for the PO.",
        "The demo went really well but pricing is a concern.",
        "Please cancel my subscription, this is the worst support ever!!!",
        "Thanks a lot, problem solved 😊",
        "Meeting moved to Friday.",
        "They are VERY interested in the premium plan.",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// One customer's recommendations from an item-kNN model.
#[derive(Debug, Clone, Serialize)]
pub struct RecommendBench {
    pub customers: usize,
    pub products: usize,
    pub purchases: usize,
    pub fit_seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

pub fn recommend(
    customers: usize,
    products: usize,
    per_customer: usize,
) -> Result<RecommendBench, AiError> {
    let mut rng = StdRng::seed_from_u64(11);
    // Zipf-like popularity: item = ⌊products · u³⌋ favours low indices.
    let pick = |rng: &mut StdRng| ((products as f64) * rng.random::<f64>().powi(3)) as ItemIndex;
    let history = History {
        items: products,
        customers: (0..customers)
            .map(|_| {
                let n = rng.random_range(1..=per_customer * 2);
                (0..n).map(|_| pick(&mut rng)).collect()
            })
            .collect(),
    };
    let purchases = history.customers.iter().map(Vec::len).sum();
    let started = Instant::now();
    let knn = ItemKnn::fit(&history)?;
    let fit_seconds = started.elapsed().as_secs_f64();
    let mut latencies = Vec::with_capacity(1000);
    for c in 0..1000 {
        let bought = &history.customers[(c * 97) % customers];
        let started = Instant::now();
        std::hint::black_box(knn.recommend(bought, true, 10));
        latencies.push(started.elapsed().as_secs_f64() * 1e3);
    }
    latencies.sort_by(f64::total_cmp);
    Ok(RecommendBench {
        customers,
        products,
        purchases,
        fit_seconds,
        p50_ms: latencies[latencies.len() / 2],
        p99_ms: latencies[latencies.len() * 99 / 100],
        max_ms: latencies[latencies.len() - 1],
    })
}

/// Reads the texts of a sentiment ground-truth file (for [`sentiment`]).
pub fn texts_of(path: &Path) -> Result<Vec<String>, AiError> {
    Ok(crate::eval::sentiment::read_ground_truth(path)?
        .into_iter()
        .map(|r| r.text)
        .collect())
}

//! Deal win probability: logistic regression over deal features (stage index and probability,
//! age, log amount, activity count, the owner's historical win rate), fitted by Newton's method
//! (IRLS) on standardised features with a small L2 penalty, plus the weighted pipeline
//! Σ value × P(win). Hand-written: the model has seven weights, and the lean Rust options
//! (`linfa-logistic`) bring ndarray and an argmin backend for that.

use serde::{Deserialize, Serialize};

use crate::{AiError, FORMAT_VERSION, check_format};

/// What the model knows about an open deal.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DealFeatures {
    /// Position of the deal's stage in its pipeline (0 = first).
    pub stage_index: f64,
    /// The stage's configured win probability, 0..1.
    pub stage_probability: f64,
    pub age_days: f64,
    pub amount: f64,
    /// Activities (calls, e-mails, meetings) logged on the deal.
    pub activities: f64,
    /// Share of the owner's closed deals that were won.
    pub owner_win_rate: f64,
}

const K: usize = 6;

fn raw(d: &DealFeatures) -> [f64; K] {
    [
        d.stage_index,
        d.stage_probability,
        d.age_days,
        d.amount.max(0.0).ln_1p(),
        d.activities,
        d.owner_win_rate,
    ]
}

/// A fitted win-probability model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WinModel {
    pub format_version: u32,
    mean: [f64; K],
    sd: [f64; K],
    /// Intercept first, then one weight per standardised feature.
    weights: [f64; K + 1],
}

impl WinModel {
    /// Fits on (features, won) examples.
    pub fn fit(examples: &[(DealFeatures, bool)]) -> Result<Self, AiError> {
        let wins = examples.iter().filter(|e| e.1).count();
        if wins == 0 || wins == examples.len() {
            return Err(AiError::fit("win", "need both won and lost deals"));
        }
        let rows: Vec<[f64; K]> = examples.iter().map(|e| raw(&e.0)).collect();
        let n = rows.len() as f64;
        let mean: [f64; K] = std::array::from_fn(|i| rows.iter().map(|r| r[i]).sum::<f64>() / n);
        let sd: [f64; K] = std::array::from_fn(|i| {
            let v = rows.iter().map(|r| (r[i] - mean[i]).powi(2)).sum::<f64>() / n;
            if v > 1e-12 { v.sqrt() } else { 1.0 }
        });
        let x: Vec<[f64; K + 1]> = rows
            .iter()
            .map(|r| {
                let mut z = [1.0; K + 1];
                for i in 0..K {
                    z[i + 1] = (r[i] - mean[i]) / sd[i];
                }
                z
            })
            .collect();
        let y: Vec<f64> = examples.iter().map(|e| f64::from(u8::from(e.1))).collect();
        let lambda = 1e-3 * n;
        let mut w = [0.0; K + 1];
        for _ in 0..50 {
            let mut grad = [0.0; K + 1];
            let mut hess = [[0.0; K + 1]; K + 1];
            for (xi, yi) in x.iter().zip(&y) {
                let p = sigmoid(dot(&w, xi));
                let s = p * (1.0 - p);
                for a in 0..=K {
                    grad[a] += (p - yi) * xi[a];
                    for b in 0..=K {
                        hess[a][b] += s * xi[a] * xi[b];
                    }
                }
            }
            for a in 1..=K {
                grad[a] += lambda * w[a];
                hess[a][a] += lambda;
            }
            let Some(step) = solve(hess, grad) else { break };
            let mut change = 0.0_f64;
            for a in 0..=K {
                w[a] -= step[a];
                change = change.max(step[a].abs());
            }
            if change < 1e-9 {
                break;
            }
        }
        Ok(Self {
            format_version: FORMAT_VERSION,
            mean,
            sd,
            weights: w,
        })
    }

    pub fn validate(&self) -> Result<(), AiError> {
        check_format("win", self.format_version)
    }

    /// P(win) of a deal.
    pub fn score(&self, d: &DealFeatures) -> f64 {
        let r = raw(d);
        let mut z = [1.0; K + 1];
        for i in 0..K {
            z[i + 1] = (r[i] - self.mean[i]) / self.sd[i];
        }
        sigmoid(dot(&self.weights, &z))
    }
}

/// Σ value × P(win) over open deals.
pub fn weighted_pipeline(model: &WinModel, deals: &[DealFeatures]) -> f64 {
    deals.iter().map(|d| d.amount * model.score(d)).sum()
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn dot(a: &[f64; K + 1], b: &[f64; K + 1]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Solves H s = g by Gaussian elimination with partial pivoting.
fn solve(mut h: [[f64; K + 1]; K + 1], mut g: [f64; K + 1]) -> Option<[f64; K + 1]> {
    const N: usize = K + 1;
    for col in 0..N {
        let pivot = (col..N).max_by(|&a, &b| h[a][col].abs().total_cmp(&h[b][col].abs()))?;
        if h[pivot][col].abs() < 1e-12 {
            return None;
        }
        h.swap(col, pivot);
        g.swap(col, pivot);
        for row in col + 1..N {
            let f = h[row][col] / h[col][col];
            let pivot_row = h[col];
            for (target, source) in h[row].iter_mut().zip(pivot_row).skip(col) {
                *target -= f * source;
            }
            g[row] -= f * g[col];
        }
    }
    let mut s = [0.0; N];
    for row in (0..N).rev() {
        let tail: f64 = (row + 1..N).map(|c| h[row][c] * s[c]).sum();
        s[row] = (g[row] - tail) / h[row][row];
    }
    Some(s)
}

/// Brier score: mean squared difference of probability and outcome.
pub fn brier(probabilities: &[f64], outcomes: &[bool]) -> f64 {
    probabilities
        .iter()
        .zip(outcomes)
        .map(|(p, y)| (p - f64::from(u8::from(*y))).powi(2))
        .sum::<f64>()
        / probabilities.len().max(1) as f64
}

/// Area under the ROC curve (Mann-Whitney, ties count half).
pub fn auc(probabilities: &[f64], outcomes: &[bool]) -> f64 {
    let mut idx: Vec<usize> = (0..probabilities.len()).collect();
    idx.sort_by(|&a, &b| probabilities[a].total_cmp(&probabilities[b]));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && probabilities[idx[j + 1]] == probabilities[idx[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            if outcomes[k] {
                rank_sum += avg_rank;
            }
        }
        i = j + 1;
    }
    let pos = outcomes.iter().filter(|o| **o).count() as f64;
    let neg = outcomes.len() as f64 - pos;
    (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    #[test]
    fn learns_signal_and_reports_brier_and_auc() {
        // Synthetic deals: later stages and active deals of good owners win more often.
        let mut rng = StdRng::seed_from_u64(3);
        let deals: Vec<(DealFeatures, bool)> = (0..2000)
            .map(|_| {
                let stage = f64::from(rng.random_range(0..5u8));
                let d = DealFeatures {
                    stage_index: stage,
                    stage_probability: 0.1 + 0.2 * stage,
                    age_days: rng.random_range(1.0..200.0),
                    amount: rng.random_range(100.0..50_000.0),
                    activities: f64::from(rng.random_range(0..20u8)),
                    owner_win_rate: rng.random_range(0.1..0.6),
                };
                let z = -3.0 + 0.8 * stage + 0.1 * d.activities + 3.0 * d.owner_win_rate
                    - 0.005 * d.age_days;
                (d, rng.random::<f64>() < 1.0 / (1.0 + (-z).exp()))
            })
            .collect();
        let (train, test) = deals.split_at(1500);
        let model = WinModel::fit(train).unwrap_or_else(|e| panic!("{e}"));
        let p: Vec<f64> = test.iter().map(|(d, _)| model.score(d)).collect();
        let y: Vec<bool> = test.iter().map(|(_, w)| *w).collect();
        let base = y.iter().filter(|w| **w).count() as f64 / y.len() as f64;
        assert!(auc(&p, &y) > 0.75, "auc {}", auc(&p, &y));
        assert!(
            brier(&p, &y) < base * (1.0 - base),
            "brier {}",
            brier(&p, &y)
        );
        let open: Vec<DealFeatures> = test.iter().map(|(d, _)| *d).collect();
        assert!(weighted_pipeline(&model, &open) < open.iter().map(|d| d.amount).sum::<f64>());
    }

    #[test]
    fn auc_of_perfect_and_reversed_ranking() {
        assert_eq!(auc(&[0.1, 0.2, 0.8, 0.9], &[false, false, true, true]), 1.0);
        assert_eq!(auc(&[0.9, 0.8, 0.2, 0.1], &[false, false, true, true]), 0.0);
    }
}

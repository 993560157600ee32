//! Monthly revenue forecast: additive Holt-Winters (ETS(A,A,A): level, trend and a 12-month
//! seasonal component with additive errors), smoothing parameters fitted by minimising the
//! one-step-ahead squared error, with 80% and 95% prediction intervals from the model's
//! h-step forecast variance σ²(1 + Σ_{j<h} c_j²), c_j = α(1 + jβ) + γ·[j mod m = 0]
//! (Hyndman et al. 2008, "Forecasting with Exponential Smoothing", class 1 models). With fewer
//! than two seasons of history it falls back to Holt's linear trend (no seasonality).
//!
//! Written here because `augurs-ets` (a faithful port of statsforecast's AutoETS) is
//! non-seasonal only, and the seasonal `augurs-mstl` pulls its STL and linear algebra crates for
//! one series of a few dozen points. [`seasonal_naive`] is the baseline the protocol compares to.

use serde::{Deserialize, Serialize};

use crate::math::nelder_mead;
use crate::{AiError, FORMAT_VERSION, check_format};

/// Seasonal period of monthly data.
pub const MONTHS: usize = 12;

/// One forecast step with its intervals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub mean: f64,
    pub lo80: f64,
    pub hi80: f64,
    pub lo95: f64,
    pub hi95: f64,
}

/// A fitted Holt-Winters model: parameters and the final states.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoltWinters {
    pub format_version: u32,
    pub alpha: f64,
    pub beta: f64,
    /// 0 when fitted without seasonality.
    pub gamma: f64,
    pub level: f64,
    pub trend: f64,
    /// Seasonal states, `season[0]` applying to the first month after the data.
    pub season: Vec<f64>,
    /// Variance of the one-step errors.
    pub sigma2: f64,
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl HoltWinters {
    /// Fits to a monthly series (at least 4 points; seasonal from 2 full years).
    pub fn fit(y: &[f64]) -> Result<Self, AiError> {
        if y.len() < 4 {
            return Err(AiError::fit("forecast", "fewer than 4 months"));
        }
        let seasonal = y.len() >= 2 * MONTHS;
        let init = initial_states(y, seasonal);
        let sse = |p: &[f64]| {
            let (alpha, beta, gamma) = params(p, seasonal);
            run(y, &init, alpha, beta, gamma).0
        };
        let found = nelder_mead(
            sse,
            &[-1.0, -2.0, -2.0][..if seasonal { 3 } else { 2 }],
            0.5,
        );
        let (alpha, beta, gamma) = params(&found.x, seasonal);
        let (sse, level, trend, season) = run(y, &init, alpha, beta, gamma);
        let free = if seasonal { 3 + 2 + MONTHS } else { 2 + 2 };
        Ok(Self {
            format_version: FORMAT_VERSION,
            alpha,
            beta,
            gamma,
            level,
            trend,
            season,
            sigma2: sse / (y.len().saturating_sub(free).max(1)) as f64,
        })
    }

    pub fn validate(&self) -> Result<(), AiError> {
        check_format("forecast", self.format_version)
    }

    /// The next `h` months with 80% and 95% intervals.
    pub fn forecast(&self, h: usize) -> Vec<Point> {
        let m = self.season.len();
        let mut variance_sum = 1.0;
        (1..=h)
            .map(|step| {
                let s = if m > 0 {
                    self.season[(step - 1) % m]
                } else {
                    0.0
                };
                let mean = self.level + step as f64 * self.trend + s;
                if step > 1 {
                    let j = (step - 1) as f64;
                    let seasonal_hit = m > 0 && (step - 1) % m == 0;
                    let c = self.alpha * (1.0 + j * self.beta)
                        + if seasonal_hit { self.gamma } else { 0.0 };
                    variance_sum += c * c;
                }
                let sd = (self.sigma2 * variance_sum).sqrt();
                Point {
                    mean,
                    lo80: mean - 1.281_551_565_5 * sd,
                    hi80: mean + 1.281_551_565_5 * sd,
                    lo95: mean - 1.959_963_985 * sd,
                    hi95: mean + 1.959_963_985 * sd,
                }
            })
            .collect()
    }
}

/// Smoothing parameters from unconstrained ones: α in (0, 1), β = α·b and γ = (1 − α)·g with
/// b, g in (0, 1), the usual admissible region.
fn params(p: &[f64], seasonal: bool) -> (f64, f64, f64) {
    let alpha = logistic(p[0]);
    let beta = alpha * logistic(p[1]);
    let gamma = if seasonal {
        (1.0 - alpha) * logistic(p[2])
    } else {
        0.0
    };
    (alpha, beta, gamma)
}

struct Init {
    level: f64,
    trend: f64,
    season: Vec<f64>,
}

/// Classical start: level and trend from the first two years' means, seasonal states from the
/// first year's deviations from its mean.
fn initial_states(y: &[f64], seasonal: bool) -> Init {
    if !seasonal {
        return Init {
            level: y[0],
            trend: y[1] - y[0],
            season: Vec::new(),
        };
    }
    let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
    let (first, second) = (mean(&y[..MONTHS]), mean(&y[MONTHS..2 * MONTHS]));
    let trend = (second - first) / MONTHS as f64;
    Init {
        level: first - trend * (MONTHS as f64 - 1.0) / 2.0,
        trend,
        season: y[..MONTHS].iter().map(|v| v - first).collect(),
    }
}

/// Runs the recursions; returns the one-step SSE and the final states (season rotated so that
/// index 0 is the next month).
fn run(y: &[f64], init: &Init, alpha: f64, beta: f64, gamma: f64) -> (f64, f64, f64, Vec<f64>) {
    let (mut level, mut trend) = (init.level - init.trend, init.trend);
    let mut season = init.season.clone();
    let m = season.len();
    let mut sse = 0.0;
    for (t, &obs) in y.iter().enumerate() {
        let s = if m > 0 { season[t % m] } else { 0.0 };
        let predicted = level + trend + s;
        let e = obs - predicted;
        sse += e * e;
        let new_level = level + trend + alpha * e;
        trend += beta * e;
        level = new_level;
        if m > 0 {
            season[t % m] = s + gamma * e;
        }
    }
    if m > 0 {
        season.rotate_left(y.len() % m);
    }
    (sse, level, trend, season)
}

/// Seasonal naive: each future month repeats the same month of the last year.
pub fn seasonal_naive(y: &[f64], h: usize) -> Vec<f64> {
    let m = MONTHS.min(y.len());
    (0..h).map(|i| y[y.len() - m + i % m]).collect()
}

/// Mean absolute percentage error, in percent (months with zero actuals are skipped).
pub fn mape(actual: &[f64], predicted: &[f64]) -> f64 {
    let pairs: Vec<(f64, f64)> = actual
        .iter()
        .zip(predicted)
        .filter(|(a, _)| **a != 0.0)
        .map(|(a, p)| (*a, *p))
        .collect();
    100.0 * pairs.iter().map(|(a, p)| ((a - p) / a).abs()).sum::<f64>() / pairs.len().max(1) as f64
}

/// Mean absolute scaled error: holdout MAE over the in-sample MAE of the seasonal naive
/// forecast (y_t − y_{t−12}).
pub fn mase(train: &[f64], actual: &[f64], predicted: &[f64]) -> f64 {
    let m = MONTHS.min(train.len().saturating_sub(1)).max(1);
    let scale = train
        .windows(m + 1)
        .map(|w| (w[m] - w[0]).abs())
        .sum::<f64>()
        / (train.len() - m) as f64;
    let mae = actual
        .iter()
        .zip(predicted)
        .map(|(a, p)| (a - p).abs())
        .sum::<f64>()
        / actual.len().max(1) as f64;
    mae / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracks_trend_and_season_and_beats_seasonal_naive() {
        // Deterministic trend + season + a fixed pseudo-random wobble.
        let y: Vec<f64> = (0..60)
            .map(|t| {
                let t = t as f64;
                100.0
                    + 2.0 * t
                    + 15.0 * (t * std::f64::consts::TAU / 12.0).sin()
                    + 3.0 * ((t * 7.3).sin())
            })
            .collect();
        let (train, test) = y.split_at(48);
        let model = HoltWinters::fit(train).unwrap_or_else(|e| panic!("{e}"));
        let f = model.forecast(12);
        let mean: Vec<f64> = f.iter().map(|p| p.mean).collect();
        let hw = mase(train, test, &mean);
        let naive = mase(train, test, &seasonal_naive(train, 12));
        assert!(hw < naive, "hw {hw} naive {naive}");
        assert!(
            f.iter()
                .all(|p| p.lo95 < p.lo80 && p.lo80 < p.mean && p.mean < p.hi80 && p.hi80 < p.hi95)
        );
        assert!(f[11].hi95 - f[11].lo95 >= f[0].hi95 - f[0].lo95);
    }
}

//! Monthly revenue forecast with 80% and 95% prediction intervals.
//!
//! The model is statsforecast's `MSTL(season_length=12, trend_forecaster=AutoETS(model="ZZN"))`,
//! from Grafana's `augurs` crates (not written here), with one change: the seasonal LOESS is
//! locally linear (degree 1) rather than constant. MSTL (Bandara, Hyndman & Bergmeir 2021)
//! takes out the yearly seasonal component by LOESS, AutoETS (Hyndman et al. 2008: every
//! non-seasonal error/trend/damping combination, picked by AICc) forecasts the rest with its
//! analytic intervals, and the last seasonal cycle is added back. With fewer than two full years
//! there is no season to take out, so AutoETS alone forecasts the series. `augurs-ets` has no
//! seasonal ETS yet, hence MSTL for the season.
//!
//! The fitted `augurs` models are not serialisable, so the trained state is the forecast itself
//! (the next [`HORIZON`] months after the training data) with the method that produced it.
//! [`seasonal_naive`] is the baseline the protocol compares to.

use augurs_core::{Fit, Forecast, Predict};
use augurs_ets::AutoETS;
use augurs_ets::trend::AutoETSTrendModel;
use augurs_mstl::MSTLModel;
use augurs_mstl::stlrs::{MstlParams, StlParams};
use serde::{Deserialize, Serialize};

use crate::{AiError, FORMAT_VERSION, check_format};

/// Seasonal period of monthly data.
pub const MONTHS: usize = 12;

/// Months a fitted forecast holds.
pub const HORIZON: usize = 12;

/// Fewest months AutoETS is fitted to.
const MIN_MONTHS: usize = 4;

/// One forecast step with its intervals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub mean: f64,
    pub lo80: f64,
    pub hi80: f64,
    pub lo95: f64,
    pub hi95: f64,
}

/// A fitted forecast: the months after the training data, and how they were produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthlyForecast {
    pub format_version: u32,
    /// `MSTL(12) + AutoETS(ZZN)` or `AutoETS(ZZN)`.
    pub method: String,
    /// Months of training data.
    pub months: usize,
    /// The next `horizon` months.
    pub points: Vec<Point>,
}

impl MonthlyForecast {
    /// Fits to a monthly series (at least 4 months; seasonal from two full years) and forecasts
    /// the next `horizon` months.
    pub fn fit(y: &[f64], horizon: usize) -> Result<Self, AiError> {
        if y.len() < MIN_MONTHS {
            return Err(AiError::fit("forecast", "fewer than 4 months"));
        }
        if let Some(i) = y.iter().position(|v| !v.is_finite()) {
            return Err(AiError::fit(
                "forecast",
                format!("month {i} is not a number"),
            ));
        }
        let trend = AutoETS::non_seasonal();
        let (method, at80, at95) = if y.len() >= 2 * MONTHS {
            // Locally linear seasonal smoothing (statsforecast uses constant, degree 0): it
            // lets the seasonal shape grow with the series and measured better on all three
            // reference series (docs/ai.md).
            let mut stl = StlParams::new();
            stl.seasonal_degree(1);
            let mut mstl = MstlParams::new();
            mstl.stl_params(stl);
            let fitted = MSTLModel::new(vec![MONTHS], AutoETSTrendModel::from(trend))
                .mstl_params(mstl)
                .fit(y)
                .map_err(|e| AiError::fit("forecast", e.to_string()))?;
            let (at80, at95) = at_levels(&fitted, horizon)?;
            ("MSTL(12) + AutoETS(ZZN)", at80, at95)
        } else {
            let fitted = trend
                .fit(y)
                .map_err(|e| AiError::fit("forecast", e.to_string()))?;
            let (at80, at95) = at_levels(&fitted, horizon)?;
            ("AutoETS(ZZN)", at80, at95)
        };
        Ok(Self {
            format_version: FORMAT_VERSION,
            method: method.to_owned(),
            months: y.len(),
            points: points(&at80, &at95)?,
        })
    }

    pub fn validate(&self) -> Result<(), AiError> {
        check_format("forecast", self.format_version)
    }

    /// The first `h` forecast months (at most the fitted horizon).
    pub fn forecast(&self, h: usize) -> &[Point] {
        &self.points[..h.min(self.points.len())]
    }
}

/// The next `horizon` steps of a fitted model with 80% and 95% intervals.
fn at_levels<P: Predict>(fitted: &P, horizon: usize) -> Result<(Forecast, Forecast), AiError>
where
    P::Error: std::fmt::Display,
{
    let at = |level| {
        fitted
            .predict(horizon, level)
            .map_err(|e| AiError::fit("forecast", e.to_string()))
    };
    Ok((at(0.8)?, at(0.95)?))
}

/// Joins the 80% and 95% forecasts (same point forecast) into points.
fn points(at80: &Forecast, at95: &Forecast) -> Result<Vec<Point>, AiError> {
    let (Some(i80), Some(i95)) = (&at80.intervals, &at95.intervals) else {
        return Err(AiError::fit("forecast", "the model gave no intervals"));
    };
    let out: Vec<Point> = (0..at80.point.len())
        .map(|i| Point {
            mean: at80.point[i],
            lo80: i80.lower[i],
            hi80: i80.upper[i],
            lo95: i95.lower[i],
            hi95: i95.upper[i],
        })
        .collect();
    if out
        .iter()
        .any(|p| !(p.mean.is_finite() && p.lo95.is_finite() && p.hi95.is_finite()))
    {
        return Err(AiError::fit(
            "forecast",
            "the model forecast a non-finite value",
        ));
    }
    Ok(out)
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

    fn series(n: usize) -> Vec<f64> {
        // Trend + season + a fixed pseudo-random wobble.
        (0..n)
            .map(|t| {
                let t = t as f64;
                100.0
                    + 2.0 * t
                    + 15.0 * (t * std::f64::consts::TAU / 12.0).sin()
                    + 3.0 * ((t * 7.3).sin())
            })
            .collect()
    }

    #[test]
    fn tracks_trend_and_season_and_beats_seasonal_naive() {
        let y = series(60);
        let (train, test) = y.split_at(48);
        let model = MonthlyForecast::fit(train, 12).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(model.method, "MSTL(12) + AutoETS(ZZN)");
        let f = model.forecast(12);
        assert_eq!(f.len(), 12);
        let mean: Vec<f64> = f.iter().map(|p| p.mean).collect();
        let ours = mase(train, test, &mean);
        let naive = mase(train, test, &seasonal_naive(train, 12));
        assert!(ours < naive, "ours {ours} naive {naive}");
        assert!(
            f.iter()
                .all(|p| p.lo95 < p.lo80 && p.lo80 < p.mean && p.mean < p.hi80 && p.hi80 < p.hi95)
        );
        assert!(f[11].hi95 - f[11].lo95 >= f[0].hi95 - f[0].lo95);
    }

    #[test]
    fn short_histories_use_ets_alone_and_tiny_ones_are_refused() {
        let model = MonthlyForecast::fit(&series(10), 6).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(model.method, "AutoETS(ZZN)");
        assert_eq!(model.points.len(), 6);
        assert_eq!(model.forecast(12).len(), 6);
        assert!(MonthlyForecast::fit(&series(3), 6).is_err());
        let mut bad = series(30);
        bad[7] = f64::NAN;
        assert!(MonthlyForecast::fit(&bad, 6).is_err());
    }

    #[test]
    fn state_round_trips() {
        let model = MonthlyForecast::fit(&series(30), 12).unwrap_or_else(|e| panic!("{e}"));
        let json = serde_json::to_string(&model).unwrap_or_else(|e| panic!("{e}"));
        let back: MonthlyForecast = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((&back.method, back.months), (&model.method, model.months));
        assert_eq!(back.points.len(), model.points.len());
        for (b, m) in back.points.iter().zip(&model.points) {
            assert!((b.mean - m.mean).abs() < 1e-9 && (b.hi95 - m.hi95).abs() < 1e-9);
        }
        assert!(back.validate().is_ok());
    }
}

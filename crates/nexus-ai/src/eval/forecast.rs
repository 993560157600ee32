//! Revenue forecast on any monthly series given as CSV lines `month,revenue` (a header line is
//! skipped; rows in time order): hold out the last 12 months, fit on the rest, MAPE and MASE
//! (scaled by the in-sample seasonal-naive error, m = 12) of the forecast (MSTL + AutoETS) and of
//! seasonal naive, and how many held-out months fall inside the 80% and 95% intervals.

use super::read;
use crate::AiError;
use crate::forecast::{MONTHS, MonthlyForecast, Point, mape, mase, seasonal_naive};
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub months: usize,
    /// The method that forecast the holdout.
    pub method: String,
    pub mape: f64,
    pub mase: f64,
    pub seasonal_naive_mape: f64,
    pub seasonal_naive_mase: f64,
    /// Share of held-out months inside the 80% and 95% intervals.
    pub coverage80: f64,
    pub coverage95: f64,
    /// Time to fit and forecast, in milliseconds.
    pub fit_ms: f64,
}

/// Reads `month,revenue` rows.
pub fn read_series(path: &Path) -> Result<Vec<f64>, AiError> {
    let mut out = Vec::new();
    for (n, line) in read(path)?.lines().enumerate() {
        let Some((_, value)) = line.rsplit_once(',') else {
            continue;
        };
        match value.trim().parse::<f64>() {
            Ok(v) => out.push(v),
            Err(_) if n == 0 => {}
            Err(e) => {
                return Err(AiError::data(
                    path.display(),
                    format!("line {}: {e}", n + 1),
                ));
            }
        }
    }
    Ok(out)
}

/// Runs the protocol on a series.
pub fn evaluate_series(y: &[f64]) -> Result<Report, AiError> {
    if y.len() < MONTHS + 4 {
        return Err(AiError::fit(
            "forecast",
            "need at least 16 months (12 are held out)",
        ));
    }
    let (train, test) = y.split_at(y.len() - MONTHS);
    let started = std::time::Instant::now();
    let model = MonthlyForecast::fit(train, MONTHS)?;
    let fit_ms = started.elapsed().as_secs_f64() * 1e3;
    let f: &[Point] = model.forecast(MONTHS);
    let mean: Vec<f64> = f.iter().map(|p| p.mean).collect();
    let naive = seasonal_naive(train, MONTHS);
    let inside = |lo: fn(&Point) -> f64, hi: fn(&Point) -> f64| {
        test.iter()
            .zip(f)
            .filter(|(a, p)| lo(p) <= **a && **a <= hi(p))
            .count() as f64
            / MONTHS as f64
    };
    Ok(Report {
        months: y.len(),
        method: model.method.clone(),
        mape: mape(test, &mean),
        mase: mase(train, test, &mean),
        seasonal_naive_mape: mape(test, &naive),
        seasonal_naive_mase: mase(train, test, &naive),
        coverage80: inside(|p| p.lo80, |p| p.hi80),
        coverage95: inside(|p| p.lo95, |p| p.hi95),
        fit_ms,
    })
}

pub fn evaluate(path: &Path) -> Result<Report, AiError> {
    evaluate_series(&read_series(path)?)
}

//! A customer's sentiment over time: an exponentially weighted mean (recent messages count
//! more) and the slope of a weighted least-squares line, from (time, compound) pairs.

use serde::{Deserialize, Serialize};

/// How the trend weighs the past.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct TrendOptions {
    /// Age at which an observation weighs half as much as one made at the latest time.
    pub half_life_days: f64,
}

impl Default for TrendOptions {
    fn default() -> Self {
        Self {
            half_life_days: 30.0,
        }
    }
}

/// The sentiment trend of one customer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// Number of observations.
    pub n: usize,
    /// Exponentially weighted mean compound score.
    pub level: f64,
    /// Change of the compound score per 30 days (weighted least squares; 0 with one point or
    /// all points at one time).
    pub slope_per_30_days: f64,
    /// The latest compound score.
    pub last: f64,
}

/// The trend of `(unix seconds, compound)` observations (any order). `None` when empty.
pub fn trend(observations: &[(i64, f64)], options: TrendOptions) -> Option<Trend> {
    let latest = observations.iter().max_by_key(|(t, _)| *t)?;
    let decay = std::f64::consts::LN_2 / options.half_life_days.max(f64::MIN_POSITIVE);
    let (mut sw, mut swx, mut swy) = (0.0, 0.0, 0.0);
    let points: Vec<(f64, f64, f64)> = observations
        .iter()
        .map(|&(t, y)| {
            let age_days = (latest.0 - t) as f64 / 86_400.0;
            let w = (-decay * age_days).exp();
            (-age_days, y, w)
        })
        .collect();
    for &(x, y, w) in &points {
        sw += w;
        swx += w * x;
        swy += w * y;
    }
    let (mx, my) = (swx / sw, swy / sw);
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for &(x, y, w) in &points {
        sxx += w * (x - mx) * (x - mx);
        sxy += w * (x - mx) * (y - my);
    }
    let slope = if sxx > 1e-12 { sxy / sxx * 30.0 } else { 0.0 };
    Some(Trend {
        n: observations.len(),
        level: my,
        slope_per_30_days: slope,
        last: latest.1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rising_sentiment_has_positive_slope_and_recent_level() {
        let day = 86_400;
        let obs: Vec<(i64, f64)> = (0..10).map(|d| (d * day, -0.5 + 0.1 * d as f64)).collect();
        let t = trend(&obs, TrendOptions::default()).unwrap_or_else(|| panic!("non-empty"));
        assert!((t.slope_per_30_days - 3.0).abs() < 1e-9);
        assert!(t.level > -0.05);
        assert_eq!(t.last, 0.4);
        assert!(trend(&[], TrendOptions::default()).is_none());
    }
}

//! A customer's sentiment over time: an exponentially weighted mean (recent messages count
//! more) and the slope of a weighted least-squares line, from (time, compound) pairs.
//!
//! The slope is made robust against notes written close together: a least-squares slope divides
//! by the spread of the times, so two notes a few seconds apart would give a change of thousands
//! "per 30 days". The spread used is therefore never below that of two notes `min_span_days`
//! apart (a week by default), which shrinks the slope of a burst of notes toward 0 and leaves
//! notes spread over more than that untouched; and the result is clamped to
//! ±[`MAX_SLOPE_PER_30_DAYS`], the largest change the −1..1 compound scale allows.

use serde::{Deserialize, Serialize};

/// The slope is clamped to ± this: the compound score lives on −1..1, so no change is larger.
pub const MAX_SLOPE_PER_30_DAYS: f64 = 2.0;

/// How the trend weighs the past.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(default)]
pub struct TrendOptions {
    /// Age at which an observation weighs half as much as one made at the latest time.
    pub half_life_days: f64,
    /// The slope's time spread is at least that of two equally weighted notes this many days
    /// apart (its weighted variance is floored at `(min_span_days / 2)²`).
    pub min_span_days: f64,
}

impl Default for TrendOptions {
    fn default() -> Self {
        Self {
            half_life_days: 30.0,
            min_span_days: 7.0,
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
    /// Change of the compound score per 30 days: weighted least squares with the time spread
    /// floored (see [`TrendOptions::min_span_days`]), clamped to ±[`MAX_SLOPE_PER_30_DAYS`];
    /// 0 with one point or all points at one time.
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
    let half_span = options.min_span_days.max(0.0) / 2.0;
    let sxx = sxx.max(sw * half_span * half_span);
    let slope = if sxx > 1e-12 {
        (sxy / sxx * 30.0).clamp(-MAX_SLOPE_PER_30_DAYS, MAX_SLOPE_PER_30_DAYS)
    } else {
        0.0
    };
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

    const DAY: i64 = 86_400;

    fn of(obs: &[(i64, f64)]) -> Trend {
        trend(obs, TrendOptions::default()).unwrap_or_else(|| panic!("non-empty"))
    }

    #[test]
    fn rising_sentiment_has_positive_slope_and_recent_level() {
        // 0.02 a day over 20 days: a spread well past the one-week floor, so the exact slope.
        let obs: Vec<(i64, f64)> = (0..21).map(|d| (d * DAY, -0.5 + 0.02 * d as f64)).collect();
        let t = of(&obs);
        assert!((t.slope_per_30_days - 0.6).abs() < 1e-9, "{t:?}");
        assert!(
            t.level > -0.3,
            "recent notes weigh more than the plain mean −0.3: {t:?}"
        );
        assert!((t.last + 0.1).abs() < 1e-12);
        assert!(trend(&[], TrendOptions::default()).is_none());
    }

    #[test]
    fn notes_seconds_apart_do_not_explode_the_slope() {
        // Unfloored, −0.8 then +0.8 ten seconds apart is a change of 414,720 per 30 days.
        let t = of(&[(1_000_000, -0.8), (1_000_010, 0.8)]);
        assert!(t.slope_per_30_days > 0.0, "{t:?}");
        assert!(t.slope_per_30_days < 0.01, "{t:?}");
        // A burst of notes seconds apart after a month of history: the slope comes from the
        // month, not from the burst.
        let mut obs: Vec<(i64, f64)> = (0..5).map(|i| (i * 7 * DAY, 0.1 * i as f64)).collect();
        obs.extend((1..=6).map(|s| (28 * DAY + s, if s % 2 == 0 { -0.9 } else { 0.9 })));
        let t = of(&obs);
        assert!(t.slope_per_30_days.abs() <= MAX_SLOPE_PER_30_DAYS);
        assert!(t.slope_per_30_days.is_finite());
        // All at one instant: no slope at all.
        assert_eq!(of(&[(5, 0.3), (5, -0.3), (5, 0.9)]).slope_per_30_days, 0.0);
    }

    #[test]
    fn slope_is_clamped_to_the_scale() {
        // From −1 to +1 in a week, then +1 for a day: steeper than the scale allows per 30 days.
        let t = of(&[(0, -1.0), (7 * DAY, 1.0), (8 * DAY, 1.0)]);
        assert_eq!(t.slope_per_30_days, MAX_SLOPE_PER_30_DAYS);
        let t = of(&[(0, 1.0), (7 * DAY, -1.0), (8 * DAY, -1.0)]);
        assert_eq!(t.slope_per_30_days, -MAX_SLOPE_PER_30_DAYS);
        // The floor leaves spread-out notes alone: two notes 30 days apart, 0 → 0.5.
        let t = of(&[(0, 0.0), (30 * DAY, 0.5)]);
        assert!((t.slope_per_30_days - 0.5).abs() < 1e-9, "{t:?}");
    }
}

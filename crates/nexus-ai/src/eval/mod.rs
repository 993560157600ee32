//! The evaluation protocols of `docs/ai.md` on the public data sets (read from a path given at
//! run time, never shipped): each function reads the data, fits and scores the model, and returns
//! a report with the measured numbers next to the reference ones.

pub mod clv;
pub mod forecast;
pub mod recommend;
pub mod segments;
pub mod sentiment;

use crate::AiError;
use std::path::Path;

/// Reads a whole data file as UTF-8.
pub(crate) fn read(path: &Path) -> Result<String, AiError> {
    std::fs::read_to_string(path).map_err(|e| AiError::data(path.display(), e))
}

/// Pearson correlation of two equally long series.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len()) as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

//! RFM + k-means on CDNOW_master rows as given: snapshot 1998-07-01, R = days since the last
//! purchase, F = rows, M = Σ dollars, features [R, ln(1+F), ln(1+M)] z-scored (population sd),
//! k-means++ with 10 restarts, SSE and exact silhouette for k = 3..6.

use super::clv::read_cdnow;
use crate::AiError;
use crate::segments::kmeans::silhouette;
use crate::segments::{RfmValues, Segmenter, rfm_from_rows};
use chrono::NaiveDate;
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// scikit-learn's best SSE over 100 starts and the silhouette, for k = 3, 4, 5, 6.
pub const REFERENCE: [(usize, f64, f64); 4] = [
    (3, 17278.99, 0.5077),
    (4, 12816.98, 0.4256),
    (5, 10775.15, 0.4023),
    (6, 8879.70, 0.4025),
];

#[derive(Debug, Clone, Serialize)]
pub struct KReport {
    pub k: usize,
    pub sse: f64,
    pub reference_sse: f64,
    pub silhouette: f64,
    pub reference_silhouette: f64,
    pub names: Vec<String>,
    pub sizes: Vec<usize>,
    pub fit_seconds: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub customers: usize,
    pub ks: Vec<KReport>,
}

/// RFM values of CDNOW_master at the protocol's snapshot.
pub fn cdnow_rfm(path: &Path) -> Result<Vec<RfmValues>, AiError> {
    let rows: Vec<(u64, NaiveDate, f64)> = read_cdnow(path)?
        .into_iter()
        .map(|p| (p.customer, p.date, p.amount))
        .collect();
    let snapshot = NaiveDate::from_ymd_opt(1998, 7, 1).unwrap_or_default();
    Ok(rfm_from_rows(&rows, snapshot)
        .into_iter()
        .map(|(_, v)| v)
        .collect())
}

/// Runs the protocol; `silhouettes` false skips the O(n²) silhouette.
pub fn evaluate(path: &Path, silhouettes: bool) -> Result<Report, AiError> {
    let customers = cdnow_rfm(path)?;
    let mut ks = Vec::new();
    for (k, reference_sse, reference_silhouette) in REFERENCE {
        let started = Instant::now();
        let model = Segmenter::fit(&customers, k, 10, 42)?;
        let fit_seconds = started.elapsed().as_secs_f64();
        let points: Vec<[f64; 3]> = customers.iter().map(|c| model.features(c)).collect();
        let labels: Vec<usize> = points.iter().map(|p| model.kmeans.assign(p)).collect();
        let mut sizes = vec![0; k];
        for &l in &labels {
            sizes[l] += 1;
        }
        ks.push(KReport {
            k,
            sse: model.kmeans.sse,
            reference_sse,
            silhouette: if silhouettes {
                silhouette(&points, &labels, k)
            } else {
                f64::NAN
            },
            reference_silhouette,
            names: model.names.clone(),
            sizes,
            fit_seconds,
        });
    }
    Ok(Report {
        customers: customers.len(),
        ks,
    })
}

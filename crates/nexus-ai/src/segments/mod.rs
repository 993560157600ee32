//! Behavioural segments of customers with purchases: RFM values, the classic 1–5 RFM scores,
//! and k-means on [R, ln(1+F), ln(1+M)] (z-scored) with stable human segment names derived from
//! the centroids. New customers without purchases get a likely tier from [`tier`].

pub mod kmeans;
pub mod tier;

use chrono::NaiveDate;
use kmeans::KMeans;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use crate::{AiError, FORMAT_VERSION, check_format};

/// Recency, frequency and monetary value of one customer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RfmValues {
    /// Days from the last purchase to the snapshot.
    pub recency_days: f64,
    /// Number of purchases.
    pub frequency: f64,
    /// Total spent.
    pub monetary: f64,
}

/// RFM values per customer from (customer, date, amount) rows taken as given: F counts rows,
/// M sums amounts, R is the days from the latest date to `snapshot`. Sorted by customer.
pub fn rfm_from_rows(rows: &[(u64, NaiveDate, f64)], snapshot: NaiveDate) -> Vec<(u64, RfmValues)> {
    let mut by_customer: HashMap<u64, (NaiveDate, f64, f64)> = HashMap::new();
    for &(c, d, amount) in rows {
        let e = by_customer.entry(c).or_insert((d, 0.0, 0.0));
        e.0 = e.0.max(d);
        e.1 += 1.0;
        e.2 += amount;
    }
    let mut out: Vec<(u64, RfmValues)> = by_customer
        .into_iter()
        .map(|(c, (last, f, m))| {
            (
                c,
                RfmValues {
                    recency_days: (snapshot - last).num_days() as f64,
                    frequency: f,
                    monetary: m,
                },
            )
        })
        .collect();
    out.sort_by_key(|(c, _)| *c);
    out
}

/// The clustering features before scaling: [R, ln(1+F), ln(1+M)].
pub fn raw_features(v: &RfmValues) -> [f64; 3] {
    [
        v.recency_days,
        v.frequency.ln_1p(),
        v.monetary.max(0.0).ln_1p(),
    ]
}

/// A customer's segment and RFM scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub cluster: usize,
    pub name: String,
    /// Classic RFM scores, 1 (worst) to 5 (best): recent, frequent and high spenders score 5.
    pub r_score: u8,
    pub f_score: u8,
    pub m_score: u8,
}

/// A fitted segmentation: scaling, k-means centroids, names, and RFM quintile edges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segmenter {
    pub format_version: u32,
    pub mean: [f64; 3],
    pub sd: [f64; 3],
    pub kmeans: KMeans<3>,
    /// Name of each cluster.
    pub names: Vec<String>,
    /// Centroids in RFM units (recency days, frequency, monetary; geometric for F and M).
    pub profiles: Vec<RfmValues>,
    /// Quintile edges (20/40/60/80%) of recency, frequency and monetary.
    pub quintiles: [[f64; 4]; 3],
}

impl Segmenter {
    /// Z-scores the features (population sd), runs k-means++ with `restarts` restarts, names
    /// the clusters.
    pub fn fit(
        customers: &[RfmValues],
        k: usize,
        restarts: usize,
        seed: u64,
    ) -> Result<Self, AiError> {
        if customers.len() < k || k == 0 {
            return Err(AiError::fit(
                "segments",
                format!("{} customers for k = {k}", customers.len()),
            ));
        }
        let raw: Vec<[f64; 3]> = customers.iter().map(raw_features).collect();
        let (mean, sd) = moments(&raw);
        let scaled: Vec<[f64; 3]> = raw.iter().map(|r| scale(r, &mean, &sd)).collect();
        let kmeans = KMeans::fit(&scaled, k, restarts, seed);
        let profiles: Vec<RfmValues> = kmeans
            .centroids
            .iter()
            .map(|c| {
                let r: [f64; 3] = std::array::from_fn(|i| c[i] * sd[i] + mean[i]);
                RfmValues {
                    recency_days: r[0],
                    frequency: r[1].exp_m1(),
                    monetary: r[2].exp_m1(),
                }
            })
            .collect();
        let names = name_clusters(&kmeans.centroids);
        let quintiles = [
            quintile_edges(customers.iter().map(|c| c.recency_days)),
            quintile_edges(customers.iter().map(|c| c.frequency)),
            quintile_edges(customers.iter().map(|c| c.monetary)),
        ];
        Ok(Self {
            format_version: FORMAT_VERSION,
            mean,
            sd,
            kmeans,
            names,
            profiles,
            quintiles,
        })
    }

    /// Checks a deserialised state.
    pub fn validate(&self) -> Result<(), AiError> {
        check_format("segments", self.format_version)
    }

    /// The scaled feature vector of a customer.
    pub fn features(&self, v: &RfmValues) -> [f64; 3] {
        scale(&raw_features(v), &self.mean, &self.sd)
    }

    /// The segment and RFM scores of a customer.
    pub fn score(&self, v: &RfmValues) -> Segment {
        let cluster = self.kmeans.assign(&self.features(v));
        let q = |i: usize, x: f64| 1 + self.quintiles[i].iter().filter(|e| x > **e).count() as u8;
        Segment {
            cluster,
            name: self.names.get(cluster).cloned().unwrap_or_default(),
            r_score: 6 - q(0, v.recency_days),
            f_score: q(1, v.frequency),
            m_score: q(2, v.monetary),
        }
    }
}

fn moments(raw: &[[f64; 3]]) -> ([f64; 3], [f64; 3]) {
    let n = raw.len().max(1) as f64;
    let mean: [f64; 3] = std::array::from_fn(|i| raw.iter().map(|r| r[i]).sum::<f64>() / n);
    let sd: [f64; 3] = std::array::from_fn(|i| {
        let var = raw.iter().map(|r| (r[i] - mean[i]).powi(2)).sum::<f64>() / n;
        if var > 0.0 { var.sqrt() } else { 1.0 }
    });
    (mean, sd)
}

fn scale(r: &[f64; 3], mean: &[f64; 3], sd: &[f64; 3]) -> [f64; 3] {
    std::array::from_fn(|i| (r[i] - mean[i]) / sd[i])
}

fn quintile_edges(values: impl Iterator<Item = f64>) -> [f64; 4] {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return [0.0; 4];
    }
    std::array::from_fn(|i| v[((i + 1) * v.len() / 5).min(v.len() - 1)])
}

/// Names clusters from their scaled centroids [R, F, M]: "recent" is below-average recency,
/// "valuable" is above-average F + M. Within each of the four groups clusters are ordered by
/// value (F + M − R) and take the group's names in turn, so names depend only on the centroids.
pub fn name_clusters(centroids: &[[f64; 3]]) -> Vec<String> {
    const GROUPS: [&[&str]; 4] = [
        &["Champions", "Loyal", "Potential loyalists"],
        &["Promising", "New customers", "Need attention"],
        &["At risk", "Cannot lose them", "About to sleep"],
        &["Hibernating", "Lost", "Lost (inactive)"],
    ];
    let group_of = |c: &[f64; 3]| match (c[0] < 0.0, c[1] + c[2] > 0.0) {
        (true, true) => 0,
        (true, false) => 1,
        (false, true) => 2,
        (false, false) => 3,
    };
    let value = |c: &[f64; 3]| c[1] + c[2] - c[0];
    let mut names = vec![String::new(); centroids.len()];
    for (g, group_names) in GROUPS.iter().enumerate() {
        let mut members: Vec<usize> = (0..centroids.len())
            .filter(|&i| group_of(&centroids[i]) == g)
            .collect();
        members.sort_by(|&a, &b| value(&centroids[b]).total_cmp(&value(&centroids[a])));
        for (rank, i) in members.into_iter().enumerate() {
            names[i] = group_names.get(rank).map_or_else(
                || format!("{} {}", group_names[0], rank + 1),
                |s| (*s).to_string(),
            );
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 90 customers (three clear groups) the recorded state below was fitted on.
    fn sample_customers() -> Vec<RfmValues> {
        (0..90)
            .map(|i| {
                let g = i % 3;
                let j = (i / 3) as f64;
                RfmValues {
                    recency_days: [10.0, 200.0, 400.0][g] + (j * 7.0) % 30.0,
                    frequency: [12.0, 3.0, 1.0][g] + (j % 4.0),
                    monetary: [900.0, 150.0, 30.0][g] + (j * 13.0) % 50.0,
                }
            })
            .collect()
    }

    /// A state as recorded in `ai_models` (format version 1): written by the hand-written
    /// k-means of commit 3c7d366 (k = 3, 10 restarts, seed 42) from `sample_customers()`.
    const RECORDED: &str = include_str!("../../tests/fixtures/segmenter_v1.json");

    fn recorded() -> Segmenter {
        serde_json::from_str(RECORDED).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_recorded_state_still_loads_and_scores() {
        let seg = recorded();
        seg.validate().unwrap_or_else(|e| panic!("{e}"));
        let customers = sample_customers();
        let names: Vec<String> = customers[..3].iter().map(|c| seg.score(c).name).collect();
        assert_eq!(names, ["Champions", "Promising", "Hibernating"]);
        let first = seg.score(&customers[0]);
        assert_eq!((first.r_score, first.f_score, first.m_score), (5, 4, 4));
        let again = serde_json::to_value(&seg).unwrap_or_default();
        let original: serde_json::Value = serde_json::from_str(RECORDED).unwrap_or_default();
        assert_eq!(again, original, "the stored format changed");
    }

    /// The same keys, recursively (array lengths included), so either build loads the other's
    /// states.
    fn shape(v: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match v {
            Value::Object(m) => {
                Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect())
            }
            Value::Array(a) => Value::Array(a.iter().map(shape).collect()),
            Value::Number(_) => Value::from(0),
            other => other.clone(),
        }
    }

    #[test]
    fn a_new_fit_matches_the_recorded_state() {
        let old = recorded();
        let new = Segmenter::fit(&sample_customers(), 3, 10, 42).unwrap_or_else(|e| panic!("{e}"));
        let as_json = |s: &Segmenter| serde_json::to_value(s).unwrap_or_default();
        let (mut a, mut b) = (shape(&as_json(&new)), shape(&as_json(&old)));
        a["names"] = serde_json::Value::Null;
        b["names"] = serde_json::Value::Null;
        assert_eq!(a, b);
        // Three clear groups: the same partition, so the same means and names (in any order).
        for (c, name) in new.kmeans.centroids.iter().zip(&new.names) {
            let i = old
                .kmeans
                .centroids
                .iter()
                .position(|o| (0..3).all(|d| (o[d] - c[d]).abs() < 1e-9))
                .unwrap_or_else(|| panic!("centroid {c:?} not in the recorded state"));
            assert_eq!(name, &old.names[i]);
        }
        assert!((new.kmeans.sse - old.kmeans.sse).abs() < 1e-9);
    }

    #[test]
    fn names_come_from_the_centroids() {
        let centroids = [
            [-1.0, 1.0, 1.0],
            [-0.5, 0.2, 0.1],
            [1.0, -1.0, -1.0],
            [1.0, 1.0, 1.0],
            [-1.0, -1.0, -1.0],
        ];
        assert_eq!(
            name_clusters(&centroids),
            ["Champions", "Loyal", "Hibernating", "At risk", "Promising"]
        );
    }

    #[test]
    fn fewer_customers_than_clusters_is_an_error() {
        assert!(Segmenter::fit(&sample_customers()[..2], 3, 10, 1).is_err());
        assert!(Segmenter::fit(&sample_customers(), 0, 10, 1).is_err());
    }

    #[test]
    fn rfm_from_rows_counts_rows_and_sums_amounts() {
        let d = |m, day| NaiveDate::from_ymd_opt(1998, m, day).unwrap_or_default();
        let rows = [(2, d(1, 10), 5.0), (1, d(3, 1), 10.0), (2, d(6, 1), 7.5)];
        let rfm = rfm_from_rows(&rows, d(7, 1));
        assert_eq!(rfm.len(), 2);
        assert_eq!(
            rfm[1],
            (
                2,
                RfmValues {
                    recency_days: 30.0,
                    frequency: 2.0,
                    monetary: 12.5
                }
            )
        );
        assert_eq!(rfm[0].1.recency_days, 122.0);
    }
}

//! The likely segment (or value tier) of a new customer who has not bought yet, from profile
//! attributes such as country, whether a company is given, lead source, tags and e-mail domain
//! kind: a multinomial naive Bayes over "attribute=value" tokens with Laplace smoothing, trained
//! on existing customers whose segment is known. Its posterior is the confidence.
//!
//! Naive Bayes is hand-written (~60 lines): it is counting, and no lean crate offers categorical
//! naive Bayes over sparse string features without ndarray.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use crate::{AiError, FORMAT_VERSION, check_format};

/// A profile as "attribute=value" tokens, e.g. `["country=DE", "company=yes", "source=web",
/// "email=freemail", "tag=vip"]`.
pub type Profile = Vec<String>;

/// A prediction with its posterior probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierPrediction {
    pub tier: String,
    pub confidence: f64,
}

/// The trained naive Bayes model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TierModel {
    pub format_version: u32,
    classes: Vec<String>,
    /// ln P(class).
    log_prior: Vec<f64>,
    /// token → count per class.
    counts: HashMap<String, Vec<f64>>,
    /// Total token count per class.
    totals: Vec<f64>,
    alpha: f64,
}

impl TierModel {
    /// Trains on (profile, tier) pairs with Laplace smoothing `alpha` (1 is usual).
    pub fn fit(examples: &[(Profile, String)], alpha: f64) -> Result<Self, AiError> {
        let mut classes: Vec<String> = examples.iter().map(|(_, t)| t.clone()).collect();
        classes.sort();
        classes.dedup();
        if classes.is_empty() {
            return Err(AiError::fit("tier", "no examples"));
        }
        let mut class_n = vec![0.0; classes.len()];
        let mut counts: HashMap<String, Vec<f64>> = HashMap::new();
        let mut totals = vec![0.0; classes.len()];
        for (profile, tier) in examples {
            let c = classes.binary_search(tier).unwrap_or(0);
            class_n[c] += 1.0;
            for token in profile {
                counts
                    .entry(token.clone())
                    .or_insert_with(|| vec![0.0; classes.len()])[c] += 1.0;
                totals[c] += 1.0;
            }
        }
        let n = examples.len() as f64;
        Ok(Self {
            format_version: FORMAT_VERSION,
            log_prior: class_n.iter().map(|k| (k / n).ln()).collect(),
            classes,
            counts,
            totals,
            alpha,
        })
    }

    /// Checks a deserialised state.
    pub fn validate(&self) -> Result<(), AiError> {
        check_format("tier", self.format_version)
    }

    /// Posterior probability of each tier (same order as [`Self::classes`]).
    pub fn probabilities(&self, profile: &[String]) -> Vec<f64> {
        let vocabulary = self.counts.len() as f64;
        let mut log_p = self.log_prior.clone();
        for token in profile {
            let Some(per_class) = self.counts.get(token) else {
                continue;
            };
            for (c, lp) in log_p.iter_mut().enumerate() {
                *lp +=
                    ((per_class[c] + self.alpha) / (self.totals[c] + self.alpha * vocabulary)).ln();
            }
        }
        let max = log_p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let exp: Vec<f64> = log_p.iter().map(|l| (l - max).exp()).collect();
        let sum: f64 = exp.iter().sum();
        exp.into_iter().map(|e| e / sum).collect()
    }

    /// The most likely tier and its probability.
    pub fn score(&self, profile: &[String]) -> TierPrediction {
        let p = self.probabilities(profile);
        let (best, confidence) =
            p.iter()
                .copied()
                .enumerate()
                .fold(
                    (0, f64::NEG_INFINITY),
                    |acc, (i, v)| if v > acc.1 { (i, v) } else { acc },
                );
        TierPrediction {
            tier: self.classes[best].clone(),
            confidence,
        }
    }

    pub fn classes(&self) -> &[String] {
        &self.classes
    }
}

/// Accuracy of the model and of always predicting the training set's majority tier.
#[derive(Debug, Clone, Serialize)]
pub struct TierEval {
    pub train: usize,
    pub test: usize,
    pub accuracy: f64,
    pub majority_baseline: f64,
    /// Mean confidence of the predictions.
    pub mean_confidence: f64,
}

/// Trains on `train`, evaluates on `test`.
pub fn evaluate(
    train: &[(Profile, String)],
    test: &[(Profile, String)],
) -> Result<TierEval, AiError> {
    let model = TierModel::fit(train, 1.0)?;
    let mut freq: HashMap<&str, usize> = HashMap::new();
    for (_, t) in train {
        *freq.entry(t).or_default() += 1;
    }
    let majority = freq
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(t, _)| t.to_string())
        .unwrap_or_default();
    let (mut hit, mut base, mut conf) = (0usize, 0usize, 0.0);
    for (profile, tier) in test {
        let p = model.score(profile);
        hit += usize::from(&p.tier == tier);
        base += usize::from(&majority == tier);
        conf += p.confidence;
    }
    let n = test.len().max(1) as f64;
    Ok(TierEval {
        train: train.len(),
        test: test.len(),
        accuracy: hit as f64 / n,
        majority_baseline: base as f64 / n,
        mean_confidence: conf / n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_an_attribute_that_predicts_the_tier() {
        // Synthetic: companies from "referral" are mostly high value; a noise attribute varies.
        let mut examples = Vec::new();
        for i in 0..400 {
            let company = i % 2 == 0;
            let referral = i % 3 == 0;
            let tier = if company && referral || i % 17 == 0 {
                "high"
            } else {
                "low"
            };
            let profile = vec![
                format!("company={}", if company { "yes" } else { "no" }),
                format!("source={}", if referral { "referral" } else { "web" }),
                format!("country=C{}", i % 5),
            ];
            examples.push((profile, tier.to_string()));
        }
        let (train, test) = examples.split_at(300);
        let e = evaluate(train, test).unwrap_or_else(|e| panic!("{e}"));
        assert!(e.accuracy > e.majority_baseline, "{e:?}");
        let model = TierModel::fit(train, 1.0).unwrap_or_else(|e| panic!("{e}"));
        let p = model.score(&["company=yes".into(), "source=referral".into()]);
        assert_eq!(p.tier, "high");
        assert!(p.confidence > 0.5);
    }
}

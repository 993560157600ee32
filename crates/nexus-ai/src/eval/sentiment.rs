//! VADER on the four human-rated ground-truth files of Hutto & Gilbert (2014): Pearson r of the
//! compound score against the human mean rating, binary accuracy, and, when given the reference
//! scores of vaderSentiment 3.3.2, the number of texts whose rounded compound differs.
//!
//! Binary accuracy (the definition that reproduces the reference values to 4 decimals): the
//! human mean is put on the compound's −1..1 scale (divided by 4), both sides go through VADER's
//! usual neutral band (positive ≥ 0.05, negative ≤ −0.05, neutral in between), and the accuracy
//! is the share of texts that are non-neutral on both sides whose polarities agree.

use super::{pearson, read};
use crate::AiError;
use crate::sentiment::{Vader, round_half_even};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

/// The ground-truth files with vaderSentiment 3.3.2's Pearson r and binary accuracy on them.
pub const FILES: [(&str, f64, f64); 4] = [
    ("tweets_GroundTruth.txt", 0.8722, 0.9813),
    ("movieReviewSnippets_GroundTruth.txt", 0.4274, 0.6631),
    ("amazonReviewSnippets_GroundTruth.txt", 0.5896, 0.7950),
    ("nytEditorialSnippets_GroundTruth.txt", 0.5029, 0.7426),
];

/// Half-width of the neutral band around 0 (vaderSentiment's README: compound ≥ 0.05 is
/// positive, ≤ −0.05 negative).
pub const NEUTRAL_BAND: f64 = 0.05;

/// The human ratings are means on −4..4; dividing by this puts them on the compound's −1..1.
pub const HUMAN_SCALE: f64 = 4.0;

/// One human-rated text.
pub struct Rated {
    pub id: String,
    pub human_mean: f64,
    pub text: String,
}

/// Results on one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub file: String,
    pub n: usize,
    pub pearson_r: f64,
    pub reference_r: f64,
    /// Share of the texts polar on both sides (see the module docs) whose polarities agree.
    pub binary_accuracy: f64,
    /// Texts polar on both sides: the denominator of `binary_accuracy`.
    pub binary_n: usize,
    pub reference_accuracy: f64,
    /// Texts whose compound, rounded to 4 decimals, differs from the reference (when given).
    pub mismatches: Option<usize>,
    /// Ids of the first few mismatching texts.
    pub first_mismatches: Vec<String>,
}

/// Results on all files.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub files: Vec<FileReport>,
    pub texts: usize,
    pub seconds: f64,
    pub texts_per_second: f64,
}

/// Positive (`Some(true)`), negative (`Some(false)`) or neutral (`None`) for a score on −1..1.
fn polarity(score: f64) -> Option<bool> {
    if score >= NEUTRAL_BAND {
        Some(true)
    } else if score <= -NEUTRAL_BAND {
        Some(false)
    } else {
        None
    }
}

/// `(agreeing, polar)`: the texts whose human mean (on −4..4) and compound are both outside the
/// neutral band, and how many of them have the same polarity.
pub fn binary_agreement(human_mean: &[f64], compound: &[f64]) -> (usize, usize) {
    let (mut agree, mut polar) = (0, 0);
    for (h, c) in human_mean.iter().zip(compound) {
        if let (Some(h), Some(c)) = (polarity(h / HUMAN_SCALE), polarity(*c)) {
            polar += 1;
            agree += usize::from(h == c);
        }
    }
    (agree, polar)
}

/// Reads one `id TAB mean TAB text` file (CRLF line ends).
pub fn read_ground_truth(path: &Path) -> Result<Vec<Rated>, AiError> {
    let data = read(path)?;
    let mut rows = Vec::new();
    for (n, line) in data.split('\n').enumerate() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, '\t');
        let (Some(id), Some(mean), Some(text)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(AiError::data(
                path.display(),
                format!("line {}: expected 3 fields", n + 1),
            ));
        };
        let human_mean = mean
            .parse()
            .map_err(|e| AiError::data(path.display(), format!("line {}: {e}", n + 1)))?;
        rows.push(Rated {
            id: id.to_string(),
            human_mean,
            text: text.to_string(),
        });
    }
    Ok(rows)
}

/// Reads reference scores: `## file` headers, then one rounded compound per line.
pub fn read_reference(path: &Path) -> Result<HashMap<String, Vec<f64>>, AiError> {
    let mut out: HashMap<String, Vec<f64>> = HashMap::new();
    let mut current: Option<String> = None;
    for line in read(path)?.lines() {
        if let Some(file) = line.strip_prefix("## ") {
            current = Some(file.to_string());
        } else if !line.starts_with('#') && !line.is_empty() {
            let file = current
                .clone()
                .ok_or_else(|| AiError::data(path.display(), "score before a ## header"))?;
            let v = line.parse().map_err(|e| AiError::data(path.display(), e))?;
            out.entry(file).or_default().push(v);
        }
    }
    Ok(out)
}

/// Runs the protocol on `dir` (the `ground-truth` folder, or the `sentiment` folder above it).
pub fn evaluate(dir: &Path, reference: Option<&Path>) -> Result<Report, AiError> {
    let dir = if dir.join("ground-truth").is_dir() {
        dir.join("ground-truth")
    } else {
        dir.to_path_buf()
    };
    let reference = reference.map(read_reference).transpose()?;
    let vader = Vader::builtin();
    let mut files = Vec::new();
    let (mut texts, mut seconds) = (0, 0.0);
    for (file, reference_r, reference_accuracy) in FILES {
        let rows = read_ground_truth(&dir.join(file))?;
        let started = Instant::now();
        let compound: Vec<f64> = rows.iter().map(|r| vader.compound(&r.text)).collect();
        seconds += started.elapsed().as_secs_f64();
        texts += rows.len();
        let human: Vec<f64> = rows.iter().map(|r| r.human_mean).collect();
        let (agree, polar) = binary_agreement(&human, &compound);
        let (mut mismatches, mut first_mismatches) = (None, Vec::new());
        if let Some(reference) = &reference {
            let expected = reference.get(file).map(Vec::as_slice).unwrap_or_default();
            if expected.len() != rows.len() {
                return Err(AiError::data(
                    file,
                    format!(
                        "{} reference scores for {} texts",
                        expected.len(),
                        rows.len()
                    ),
                ));
            }
            let bad: Vec<&Rated> = rows
                .iter()
                .zip(&compound)
                .zip(expected)
                .filter(|((_, c), e)| round_half_even(**c, 4) != **e)
                .map(|((r, _), _)| r)
                .collect();
            mismatches = Some(bad.len());
            first_mismatches = bad.iter().take(5).map(|r| r.id.clone()).collect();
        }
        files.push(FileReport {
            file: file.to_string(),
            n: rows.len(),
            pearson_r: pearson(&compound, &human),
            reference_r,
            binary_accuracy: agree as f64 / polar.max(1) as f64,
            binary_n: polar,
            reference_accuracy,
            mismatches,
            first_mismatches,
        });
    }
    Ok(Report {
        files,
        texts,
        seconds,
        texts_per_second: texts as f64 / seconds.max(1e-9),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_agreement_skips_texts_neutral_on_either_side() {
        // Human means on −4..4: 0.2 is the edge of the band (0.2 / 4 = 0.05), 0.19 is neutral.
        let human = [2.0, -1.0, 0.2, -0.2, 0.19, 3.0, -3.0];
        let compound = [0.5, 0.3, 0.05, -0.05, 0.9, 0.049, -0.6];
        // Polar on both sides: texts 0 (agree), 1 (disagree), 2 (agree), 3 (agree), 6 (agree).
        assert_eq!(binary_agreement(&human, &compound), (4, 5));
        assert_eq!(binary_agreement(&[], &[]), (0, 0));
    }
}

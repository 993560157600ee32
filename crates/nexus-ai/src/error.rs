//! The crate's one error type.

/// What can go wrong when fitting, scoring or loading a model, or reading an evaluation data set.
#[derive(Debug, thiserror::Error)]
pub enum AiError {
    /// A serialised model state was written by another version of this crate.
    #[error("{model} state has format version {found}, this build reads {expected}")]
    FormatVersion {
        model: &'static str,
        found: u32,
        expected: u32,
    },
    /// The input cannot be fitted (too few rows, no variation, ...).
    #[error("cannot fit {model}: {reason}")]
    Fit { model: &'static str, reason: String },
    /// An evaluation data file could not be read or parsed.
    #[error("{path}: {reason}")]
    Data { path: String, reason: String },
}

impl AiError {
    pub(crate) fn fit(model: &'static str, reason: impl Into<String>) -> Self {
        Self::Fit {
            model,
            reason: reason.into(),
        }
    }

    pub(crate) fn data(path: impl std::fmt::Display, reason: impl std::fmt::Display) -> Self {
        Self::Data {
            path: path.to_string(),
            reason: reason.to_string(),
        }
    }
}

//! The domain error type. The API maps each variant once to an RFC 9457 problem document.

use serde::Serialize;

/// One invalid field of an input, named by its JSON path (`email`, `items[3].name`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    #[error("permission denied")]
    Forbidden,
    #[error("authentication required: {0}")]
    Unauthenticated(&'static str),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("{message}")]
    Conflict {
        code: &'static str,
        field: Option<String>,
        message: String,
    },
    #[error("the resource changed since it was read")]
    PreconditionFailed,
    #[error("too many attempts")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("dependency unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl CoreError {
    pub fn not_found(entity: &'static str) -> Self {
        Self::NotFound { entity }
    }

    pub fn invalid(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn conflict(code: &'static str, field: Option<&str>, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            field: field.map(str::to_owned),
            message: message.into(),
        }
    }
}

pub type CoreResult<T> = Result<T, CoreError>;

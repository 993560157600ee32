//! RFC 9457 problem documents. Every error response of the API, including unknown routes,
//! wrong methods, malformed JSON and rate limits, goes through [`Problem`].

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nexus_core::{CoreError, FieldError};
use serde::Serialize;

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable, snake_case machine-readable code.
    pub code: String,
    /// One entry per invalid field (422), with its JSON path.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The request id, to quote when reporting a server error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip)]
    #[schema(ignore)]
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            problem_type: format!("https://nexus-crm.dev/problems/{}", code.replace('_', "-")),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_owned(),
            errors: Vec::new(),
            request_id: None,
            headers: Vec::new(),
        }
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    pub fn with_header(mut self, name: header::HeaderName, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.push((name, v));
        }
        self
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn unauthorized(code: &str, detail: &str) -> Self {
        Problem::new(StatusCode::UNAUTHORIZED, code, detail)
            .with_header(header::WWW_AUTHENTICATE, "Bearer realm=\"nexus\"")
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "the request has invalid fields",
        )
        .with_errors(errors)
    }

    pub fn internal() -> Self {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "an unexpected error occurred; quote the request id when reporting it",
        )
    }
}

impl From<CoreError> for Problem {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::NotFound { entity } => Problem::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{entity} not found"),
            ),
            CoreError::Forbidden => Problem::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "your role does not allow this action",
            ),
            CoreError::Unauthenticated(code) => Problem::unauthorized(
                code,
                match code {
                    "password_expired" => {
                        "the password has expired; change it with POST /api/v1/auth/password"
                    }
                    "refresh_token_reused" => {
                        "the refresh token was already used; the session has been revoked"
                    }
                    _ => "authentication failed",
                },
            ),
            CoreError::Validation(errors) => Problem::validation(errors),
            CoreError::Conflict {
                code,
                field,
                message,
            } => {
                let errors = field
                    .map(|f| vec![FieldError::new(f, code, message.clone())])
                    .unwrap_or_default();
                Problem::new(StatusCode::CONFLICT, code, message).with_errors(errors)
            }
            CoreError::PreconditionFailed => Problem::new(
                StatusCode::PRECONDITION_FAILED,
                "precondition_failed",
                "the resource changed since you read it (If-Match does not match)",
            ),
            CoreError::TooManyAttempts { retry_after_secs } => Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many attempts; retry later",
            )
            .with_header(header::RETRY_AFTER, &retry_after_secs.to_string()),
            CoreError::Unavailable(msg) => {
                tracing::error!(error = %msg, "dependency unavailable");
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "a dependency is unavailable; retry shortly",
                )
                .with_header(header::RETRY_AFTER, "1")
            }
            CoreError::Internal(msg) => {
                tracing::error!(error = %msg, "internal error");
                Problem::internal()
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (status, body).into_response();
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        for (k, v) in self.headers {
            h.insert(k, v);
        }
        res
    }
}

pub type ApiResult<T> = Result<T, Problem>;

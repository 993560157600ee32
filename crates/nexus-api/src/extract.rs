//! Request extractors: the authenticated actor, JSON bodies (415/400/413 as problems), strict
//! query strings (unknown parameters are a 422), and conditional-request headers.

use crate::error::Problem;
use crate::gateway::Principal;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use nexus_core::FieldError;
use nexus_core::auth::Actor;
use serde_json::Value;
use std::collections::BTreeMap;

/// The authenticated caller; 401 (with `WWW-Authenticate`) when missing or invalid.
pub struct CurrentActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for CurrentActor {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        match parts.extensions.get::<Principal>() {
            Some(Principal::Actor(a)) => Ok(CurrentActor(a.clone())),
            Some(Principal::Invalid(code)) => Err(Problem::unauthorized(
                code,
                "the access token or API key is invalid, expired or revoked",
            )),
            _ => Err(Problem::unauthorized(
                "missing_token",
                "send Authorization: Bearer <access token or API key>",
            )),
        }
    }
}

/// A JSON request body, parsed to a value; typed parsing with per-field errors happens in the
/// domain parsers. Also keeps the raw bytes (idempotency hashes them).
pub struct JsonBody {
    pub value: Value,
    pub raw: Bytes,
}

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = Problem;
    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mime = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if mime != "application/json"
            && !(mime.starts_with("application/") && mime.ends_with("+json"))
        {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as application/json",
            ));
        }
        let raw = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "the request body is too large",
                )
            } else {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "the request body could not be read",
                )
            }
        })?;
        let value = serde_json::from_slice(&raw).map_err(|e| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("the body is not valid JSON: {e}"),
            )
        })?;
        Ok(JsonBody { value, raw })
    }
}

/// The query string as name → values, rejecting unknown names.
pub struct QueryParams(pub BTreeMap<String, Vec<String>>);

impl QueryParams {
    /// Parses the query and fails with one 422 entry per unknown or repeated parameter.
    pub fn parse(
        raw: Option<&str>,
        allowed: &[&str],
        repeatable: &[&str],
    ) -> Result<Self, Problem> {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            map.entry(k.into_owned()).or_default().push(v.into_owned());
        }
        let mut errors = Vec::new();
        for (k, vs) in &map {
            if !allowed.contains(&k.as_str()) {
                errors.push(FieldError::new(
                    k.clone(),
                    "unknown_parameter",
                    format!(
                        "is not a parameter of this operation; allowed: {}",
                        allowed.join(", ")
                    ),
                ));
            } else if vs.len() > 1 && !repeatable.contains(&k.as_str()) {
                errors.push(FieldError::new(
                    k.clone(),
                    "repeated_parameter",
                    "may appear only once",
                ));
            }
        }
        if errors.is_empty() {
            Ok(Self(map))
        } else {
            Err(Problem::validation(errors))
        }
    }

    pub fn one(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(|v| v.first()).map(String::as_str)
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .get(name)
            .map(|v| {
                v.iter()
                    .flat_map(|s| s.split(','))
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The `If-Match` header, if any: `*` or a list of entity tags (422 otherwise, so that a
/// malformed header is never mistaken for a stale one).
pub struct IfMatch(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        let Some(v) = parts.headers.get(header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        match v.to_str() {
            Ok(s) if valid_if_match(s) => Ok(IfMatch(Some(s.to_owned()))),
            _ => Err(Problem::validation(vec![FieldError::new(
                "If-Match",
                "invalid_header",
                "must be * or a comma-separated list of entity tags (\"…\" or W/\"…\")",
            )])),
        }
    }
}

/// `*`, or one or more `"tag"` / `W/"tag"` separated by commas (RFC 9110).
fn valid_if_match(s: &str) -> bool {
    if s.trim() == "*" {
        return true;
    }
    let tag = |t: &str| {
        let t = t.trim();
        let t = t.strip_prefix("W/").unwrap_or(t);
        t.len() >= 2 && t.starts_with('"') && t.ends_with('"') && !t[1..t.len() - 1].contains('"')
    };
    !s.trim().is_empty() && s.split(',').all(tag)
}

/// The `Idempotency-Key` header, if any (1 to 255 visible ASCII characters).
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        match parts.headers.get("idempotency-key") {
            None => Ok(IdempotencyKey(None)),
            Some(v) => match v.to_str() {
                Ok(s)
                    if !s.is_empty()
                        && s.len() <= 255
                        && s.bytes().all(|b| (0x21..0x7f).contains(&b)) =>
                {
                    Ok(IdempotencyKey(Some(s.to_owned())))
                }
                _ => Err(Problem::validation(vec![FieldError::new(
                    "Idempotency-Key",
                    "invalid_header",
                    "must be 1 to 255 visible ASCII characters",
                )])),
            },
        }
    }
}

/// Parses a path id, answering 404 for anything that is not a UUID.
pub fn path_id<T: std::str::FromStr>(raw: &str, entity: &'static str) -> Result<T, Problem> {
    raw.parse::<T>()
        .map_err(|_| Problem::from(nexus_core::CoreError::not_found(entity)))
}

#[cfg(test)]
mod tests {
    use super::valid_if_match;

    #[test]
    fn if_match_syntax() {
        for ok in ["*", "\"abc-1\"", " W/\"x\" , \"y\"", "\"\""] {
            assert!(valid_if_match(ok), "{ok}");
        }
        for bad in ["", " ", "abc", "\"a", "\"a\",", "*, \"a\"", "\"a\"b\""] {
            assert!(!valid_if_match(bad), "{bad}");
        }
    }
}

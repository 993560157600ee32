//! Request extractors: the authenticated actor, JSON bodies (415/400/413 as problems), strict
//! query strings (unknown parameters are a 422), and conditional-request headers.

use crate::error::Problem;
use crate::gateway::Principal;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use nexus_core::auth::Actor;
use nexus_core::customer::DeletedFilter;
use nexus_core::page::{Cursor, SortOrder, parse_limit, parse_sort};
use nexus_core::{CoreError, FieldError};
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
        let mut errors = Vec::new();
        check_json(&value, "", 1, &mut errors);
        if !errors.is_empty() {
            return Err(Problem::validation(errors));
        }
        Ok(JsonBody { value, raw })
    }
}

/// Deepest nesting a request body may have (the body's own object is level 1). Stored values
/// come back one level deeper inside events (`changes.<field>.before`), and decoders stop at
/// 128 levels: a limit well below keeps every stored event readable.
pub const MAX_JSON_DEPTH: usize = 32;

/// Checks what every JSON body must satisfy whatever the operation: nesting at most
/// [`MAX_JSON_DEPTH`] levels, and no NUL character in any string or key (PostgreSQL cannot
/// store one in text or `jsonb`). Errors name the field by its path (`attributes.notes`).
fn check_json(v: &Value, path: &str, depth: usize, errors: &mut Vec<FieldError>) {
    if errors.len() >= 20 {
        return;
    }
    let field = || {
        if path.is_empty() {
            "body".to_owned()
        } else {
            path.to_owned()
        }
    };
    let nested = matches!(v, Value::Array(_) | Value::Object(_));
    if nested && depth > MAX_JSON_DEPTH {
        errors.push(FieldError::new(
            field(),
            "too_deep",
            format!("must not nest arrays and objects more than {MAX_JSON_DEPTH} levels deep"),
        ));
        return;
    }
    match v {
        Value::String(s) if s.contains('\0') => errors.push(nul_error(field())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_json(item, &format!("{path}[{i}]"), depth + 1, errors);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if k.contains('\0') {
                    errors.push(nul_error(field()));
                } else {
                    check_json(item, &child, depth + 1, errors);
                }
            }
        }
        _ => {}
    }
}

fn nul_error(field: String) -> FieldError {
    FieldError::new(
        field,
        "nul_character",
        "must not contain a NUL character (U+0000)",
    )
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
            if k.contains('\0') || vs.iter().any(|v| v.contains('\0')) {
                errors.push(nul_error(k.replace('\0', "\u{fffd}")));
            } else if !allowed.contains(&k.as_str()) {
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

    /// A position to continue after (an event's sequence number, a row number): an integer
    /// ≥ 0, 0 when absent; a malformed one is reported in `errors`.
    pub fn after(&self, name: &str, what: &str, errors: &mut Vec<FieldError>) -> i64 {
        match self.one(name).map(str::parse::<i64>) {
            None => 0,
            Some(Ok(n)) if n >= 0 => n,
            Some(_) => {
                errors.push(FieldError::new(
                    name,
                    "invalid_number",
                    format!("must be {what} (an integer ≥ 0)"),
                ));
                0
            }
        }
    }

    /// A UUID parameter; a malformed one is reported in `errors`.
    pub fn uuid(&self, name: &str, errors: &mut Vec<FieldError>) -> Option<uuid::Uuid> {
        self.one(name).and_then(|v| match v.parse::<uuid::Uuid>() {
            Ok(u) => Some(u),
            Err(_) => {
                errors.push(FieldError::new(name, "invalid_uuid", "must be a UUID"));
                None
            }
        })
    }

    /// An RFC 3339 date-time parameter, in UTC.
    pub fn time(
        &self,
        name: &str,
        errors: &mut Vec<FieldError>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        self.one(name)
            .and_then(|v| match chrono::DateTime::parse_from_rfc3339(v) {
                Ok(t) => Some(t.with_timezone(&chrono::Utc)),
                Err(_) => {
                    errors.push(FieldError::new(
                        name,
                        "invalid_datetime",
                        "must be an RFC 3339 date-time",
                    ));
                    None
                }
            })
    }

    /// `true` or `false`.
    pub fn boolean(&self, name: &str, errors: &mut Vec<FieldError>) -> Option<bool> {
        self.one(name).and_then(|v| match v {
            "true" => Some(true),
            "false" => Some(false),
            _ => {
                errors.push(FieldError::new(
                    name,
                    "invalid_choice",
                    "must be true or false",
                ));
                None
            }
        })
    }

    /// An ISO 4217 currency code.
    pub fn currency(
        &self,
        name: &str,
        errors: &mut Vec<FieldError>,
    ) -> Option<nexus_core::money::Currency> {
        self.one(name)
            .and_then(|v| match nexus_core::money::Currency::parse(v) {
                Ok(c) => Some(c),
                Err(msg) => {
                    errors.push(FieldError::new(name, "invalid_currency", msg));
                    None
                }
            })
    }

    /// A text parameter of 1 to `max` characters.
    pub fn text(&self, name: &str, max: usize, errors: &mut Vec<FieldError>) -> Option<String> {
        self.one(name).map(str::to_owned).filter(|v| {
            let ok = !v.is_empty() && v.chars().count() <= max;
            if !ok {
                errors.push(FieldError::new(
                    name,
                    "invalid_length",
                    format!("must be 1 to {max} characters"),
                ));
            }
            ok
        })
    }

    /// The search text `q`: at most 200 characters; blank counts as absent.
    pub fn search(&self, errors: &mut Vec<FieldError>) -> Option<String> {
        let q = self.one("q").map(str::trim).filter(|q| !q.is_empty())?;
        if q.chars().count() > 200 {
            errors.push(FieldError::new(
                "q",
                "too_long",
                "must be at most 200 characters",
            ));
            return None;
        }
        Some(q.to_owned())
    }

    /// `deleted=only|exclude` (default `exclude`).
    pub fn deleted(&self, errors: &mut Vec<FieldError>) -> DeletedFilter {
        match self.one("deleted") {
            None | Some("exclude") => DeletedFilter::Exclude,
            Some("only") => DeletedFilter::Only,
            Some(_) => {
                errors.push(FieldError::new(
                    "deleted",
                    "invalid_choice",
                    "must be only or exclude",
                ));
                DeletedFilter::Exclude
            }
        }
    }

    /// `limit`, `sort` (one of `names`, `-` for descending, `default` descending when absent)
    /// and `cursor`; `None` when one of them was reported in `errors`.
    pub fn page<F: std::str::FromStr>(
        &self,
        default: F,
        names: &[&str],
        errors: &mut Vec<FieldError>,
    ) -> Option<PageParams<F>> {
        let limit = keep(errors, parse_limit(self.one("limit")));
        let sort = keep(errors, parse_sort(self.one("sort"), default, names));
        let after = match self.one("cursor") {
            Some(c) => Some(keep(errors, Cursor::decode(c))?),
            None => None,
        };
        let (limit, (sort, order)) = (limit?, sort?);
        Some(PageParams {
            limit,
            sort,
            order,
            after,
        })
    }

    /// Every value of a repeatable parameter, comma-separated lists split, each value once (in
    /// order of first appearance): a list repeating one value thousands of times costs no more
    /// than the value once.
    pub fn all(&self, name: &str) -> Vec<&str> {
        let mut seen = std::collections::HashSet::new();
        self.0
            .get(name)
            .map(|v| {
                v.iter()
                    .flat_map(|s| s.split(','))
                    .map(str::trim)
                    .filter(|s| !s.is_empty() && seen.insert(*s))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The paging part of a list query.
pub struct PageParams<F> {
    pub limit: u32,
    pub sort: F,
    pub order: SortOrder,
    pub after: Option<Cursor>,
}

/// Keeps the value, or collects its validation errors.
pub fn keep<T>(errors: &mut Vec<FieldError>, r: Result<T, CoreError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(CoreError::Validation(e)) => {
            errors.extend(e);
            None
        }
        Err(e) => {
            errors.push(FieldError::new("$", "invalid", e.to_string()));
            None
        }
    }
}

/// The `If-Match` header, if any: `*` or a list of entity tags (`"…"` or `W/"…"`). A value that
/// is neither (empty, unquoted) is a malformed request (422 on `If-Match`), not a failed
/// precondition.
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
                "must be * or a list of entity tags such as \"0191…-3\" (the ETag you read)",
            )])),
        }
    }
}

/// `*`, or one or more comma-separated (possibly weak) quoted entity tags; empty list elements
/// are ignored (RFC 9110 §5.6.1).
fn valid_if_match(s: &str) -> bool {
    if s.trim() == "*" {
        return true;
    }
    let tags: Vec<&str> = s
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    !tags.is_empty()
        && tags.iter().all(|t| {
            let t = t.strip_prefix("W/").unwrap_or(t);
            t.len() >= 2
                && t.starts_with('"')
                && t.ends_with('"')
                && !t[1..t.len() - 1].contains('"')
        })
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
    use super::{QueryParams, valid_if_match};

    #[test]
    fn list_parameters_hold_each_value_once() {
        let p = QueryParams::parse(
            Some("status=lead,lead&status=won, lead,,won"),
            &["status"],
            &["status"],
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(p.all("status"), vec!["lead", "won"]);
        assert!(QueryParams::parse(Some("q=a%00b"), &["q"], &[]).is_err());
    }

    #[test]
    fn if_match_must_be_a_star_or_entity_tags() {
        for ok in [
            "*",
            "\"a-1\"",
            "W/\"a-1\"",
            "\"a-1\", W/\"b-2\"",
            " \"a\" ,, ",
        ] {
            assert!(valid_if_match(ok), "{ok}");
        }
        for bad in ["", " ", ",", "a-1", "\"a", "\"a\"b\"", "W/a", "\"a\", b"] {
            assert!(!valid_if_match(bad), "{bad}");
        }
    }
}

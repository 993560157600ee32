//! Keyset pagination: an opaque cursor holding the last row's sort key and id.

use crate::error::CoreError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SortOrder {
    Asc,
    #[default]
    Desc,
}

/// The position after which the next page starts. Its value is the sort column of the last row
/// (as text: RFC 3339 for times), and the id breaks ties. Clients see it only base64-encoded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// Sort field name, so that a cursor cannot be replayed against another sort.
    #[serde(rename = "s")]
    pub sort: String,
    #[serde(rename = "v")]
    pub value: String,
    #[serde(rename = "i")]
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(s: &str) -> Result<Self, CoreError> {
        let bad = || {
            CoreError::invalid(
                "cursor",
                "invalid_cursor",
                "is not a cursor returned by this API",
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(s.as_bytes()).map_err(|_| bad())?;
        let cursor: Self = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        // The API never writes a NUL into a cursor, and PostgreSQL refuses one as text.
        if cursor.sort.contains('\0') || cursor.value.contains('\0') {
            return Err(bad());
        }
        Ok(cursor)
    }
}

/// Parses `limit`, applying the default and bounds.
pub fn parse_limit(raw: Option<&str>) -> Result<u32, CoreError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(s) => match s.parse::<u32>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(CoreError::invalid(
                "limit",
                "out_of_range",
                format!("must be an integer from 1 to {MAX_LIMIT}"),
            )),
        },
    }
}

/// Parses `sort=field` / `sort=-field` against the allowed fields.
pub fn parse_sort<F: std::str::FromStr>(
    raw: Option<&str>,
    default: F,
    allowed: &[&str],
) -> Result<(F, SortOrder), CoreError> {
    let Some(s) = raw else {
        return Ok((default, SortOrder::Desc));
    };
    let (name, order) = match s.strip_prefix('-') {
        Some(rest) => (rest, SortOrder::Desc),
        None => (s.strip_prefix('+').unwrap_or(s), SortOrder::Asc),
    };
    name.parse::<F>().map(|f| (f, order)).map_err(|_| {
        CoreError::invalid(
            "sort",
            "invalid_sort",
            format!(
                "must be one of {} with an optional leading -",
                allowed.join(", ")
            ),
        )
    })
}

/// One page of a list.
#[derive(Clone, Debug, Serialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_garbage() {
        let c = Cursor {
            sort: "name".into(),
            value: "Ada".into(),
            id: Uuid::now_v7(),
        };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        assert!(Cursor::decode("not-a-cursor").is_err());
        assert!(Cursor::decode("").is_err());
    }

    #[test]
    fn limits() {
        assert_eq!(parse_limit(None).unwrap(), 50);
        assert_eq!(parse_limit(Some("500")).unwrap(), 500);
        assert!(parse_limit(Some("501")).is_err());
        assert!(parse_limit(Some("0")).is_err());
        assert!(parse_limit(Some("-3")).is_err());
    }
}

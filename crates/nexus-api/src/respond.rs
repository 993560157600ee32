//! Response helpers shared by the resource routers: created resources (storable for
//! idempotent replays), `ETag` headers and conditional GETs, and keyset pages.

use crate::error::{ApiResult, Problem};
use crate::idempotency::Stored;
use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nexus_core::CoreError;
use nexus_core::page::Cursor;
use serde::Serialize;

/// A `201 Created` with `Location` and `ETag`, in the form the idempotency layer stores.
pub fn created<T: Serialize>(value: &T, location: String, etag: String) -> ApiResult<Stored> {
    Ok(Stored {
        status: StatusCode::CREATED,
        body: serde_json::to_string(value)
            .map_err(|e| Problem::from(CoreError::Internal(e.to_string())))?,
        location: Some(location),
        etag: Some(etag),
    })
}

/// `200` with the resource and its `ETag`.
pub fn with_etag<T: Serialize>(value: T, etag: &str) -> Response {
    let mut res = Json(value).into_response();
    if let Ok(v) = HeaderValue::from_str(etag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

/// `304 Not Modified` when `If-None-Match` names the current `ETag`, the resource otherwise.
pub fn conditional<T: Serialize>(headers: &HeaderMap, value: T, etag: &str) -> Response {
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag || t.trim() == "*")
        });
    if !unchanged {
        return with_etag(value, etag);
    }
    let mut res = StatusCode::NOT_MODIFIED.into_response();
    if let Ok(v) = HeaderValue::from_str(etag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

/// Cuts a list fetched with `limit + 1` rows down to `limit`, and returns the cursor of the
/// next page (the last kept row's position) when there is one.
pub fn page<T>(
    mut data: Vec<T>,
    limit: u32,
    position: impl Fn(&T) -> Cursor,
) -> (Vec<T>, Option<String>) {
    let limit = limit as usize;
    if data.len() <= limit {
        return (data, None);
    }
    data.truncate(limit);
    let next = data.last().map(|t| position(t).encode());
    (data, next)
}

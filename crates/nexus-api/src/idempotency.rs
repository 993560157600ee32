//! `Idempotency-Key` for POST: the first response to a key is stored and replayed for retries of
//! the same request; the same key with a different body is rejected.

use crate::error::{ApiResult, Problem};
use crate::state::AppState;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nexus_core::auth::Actor;
use nexus_core::password::sha256_hex;
use nexus_core::store::{IdempotencyClaim, IdempotentResponse};
use std::future::Future;

/// A JSON response that can be stored and replayed.
pub struct Stored {
    pub status: StatusCode,
    pub body: String,
    pub location: Option<String>,
    pub etag: Option<String>,
}

impl IntoResponse for Stored {
    fn into_response(self) -> Response {
        let mut res = (self.status, self.body).into_response();
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        for (name, v) in [(header::LOCATION, self.location), (header::ETAG, self.etag)] {
            if let Some(v) = v.and_then(|v| HeaderValue::from_str(&v).ok()) {
                h.insert(name, v);
            }
        }
        res
    }
}

pub async fn run<Fut>(
    state: &AppState,
    actor: &Actor,
    key: Option<String>,
    route: &str,
    raw: &[u8],
    f: Fut,
) -> ApiResult<Response>
where
    Fut: Future<Output = ApiResult<Stored>>,
{
    let Some(key) = key else {
        return f.await.map(IntoResponse::into_response);
    };
    let scope = format!("{}:{route}", actor.user_id);
    let hash = sha256_hex(&String::from_utf8_lossy(raw));
    match state
        .store
        .claim_idempotency_key(&scope, &key, &hash, nexus_core::time::now())
        .await?
    {
        IdempotencyClaim::Claimed => {}
        IdempotencyClaim::InProgress { .. } => {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                "idempotency_key_in_use",
                "a request with this Idempotency-Key is still being processed",
            ));
        }
        IdempotencyClaim::Done(r) => {
            if r.request_hash != hash {
                return Err(Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency_key_reused",
                    "this Idempotency-Key was used with a different request body",
                ));
            }
            let mut res = Stored {
                status: StatusCode::from_u16(r.status).unwrap_or(StatusCode::OK),
                body: r.body,
                location: r.location,
                etag: None,
            }
            .into_response();
            res.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            return Ok(res);
        }
    }
    match f.await {
        Ok(stored) => {
            let saved = IdempotentResponse {
                request_hash: hash,
                status: stored.status.as_u16(),
                body: stored.body.clone(),
                location: stored.location.clone(),
            };
            if let Err(e) = state
                .store
                .complete_idempotency_key(&scope, &key, &saved)
                .await
            {
                tracing::warn!(error = %e, "could not store idempotent response");
            }
            Ok(stored.into_response())
        }
        Err(p) => {
            // Failed requests are not remembered: a retry with the same key runs again.
            if let Err(e) = state.store.release_idempotency_key(&scope, &key).await {
                tracing::warn!(error = %e, "could not release idempotency key");
            }
            Err(p)
        }
    }
}

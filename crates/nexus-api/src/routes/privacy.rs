//! Privacy requests on one customer (admins): export everything held about them, and erase
//! their personal data. Both are recorded in the event log.

use crate::error::{ApiResult, Problem};
use crate::extract::{CurrentActor, path_id};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use nexus_core::ids::CustomerId;
use nexus_core::services::privacy::{Erasure, PrivacyExport};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/customers/{id}/privacy-export", get(export))
        .route("/api/v1/customers/{id}/erase", post(erase))
}

/// Everything held about one customer (also a deleted one) as one JSON document: the record,
/// lifetime figures, every transaction, deal and activity, and the change history. Admins only;
/// recorded as a `customer.exported` event.
#[utoipa::path(operation_id = "export_customer_data", get, path = "/api/v1/customers/{id}/privacy-export", tag = "privacy", security(("bearer" = [])),
    params(("id" = CustomerId, Path)),
    responses((status = 200, body = PrivacyExport), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, description = "Already erased", body = Problem)))]
async fn export(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id: CustomerId = path_id(&id, "customer")?;
    let doc = state.services.privacy.export(&actor, id).await?;
    let disposition = format!("attachment; filename=\"customer-{}.json\"", id.0);
    Ok(([(header::CONTENT_DISPOSITION, disposition)], Json(doc)).into_response())
}

/// Erases a customer's personal data: the record becomes an anonymised, deleted tombstone that
/// cannot be restored; its activities, deals and tags are deleted and the recorded changes of
/// all of them emptied. Transactions are kept (anonymised through the tombstone) so revenue
/// figures stay right. Admins only; recorded as a `customer.erased` event.
#[utoipa::path(operation_id = "erase_customer", post, path = "/api/v1/customers/{id}/erase", tag = "privacy", security(("bearer" = [])),
    params(("id" = CustomerId, Path)),
    responses((status = 200, body = Erasure), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, description = "Already erased", body = Problem)))]
async fn erase(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> ApiResult<Json<Erasure>> {
    let id: CustomerId = path_id(&id, "customer")?;
    Ok(Json(state.services.privacy.erase(&actor, id).await?))
}

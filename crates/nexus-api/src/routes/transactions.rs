//! `/api/v1/transactions`: sales with line items. CRUD with ETags, status moves, soft delete
//! and restore, keyset lists with filters and custom fields (`cf.<key>`); and `/api/v1/customers/{id}/aggregates`, the
//! customer's lifetime figures kept in step with every transaction write.

use crate::error::{ApiResult, Problem};
use crate::extract::{CurrentActor, IdempotencyKey, IfMatch, JsonBody, QueryParams, path_id};
use crate::idempotency;
use crate::listing::split_custom;
use crate::respond;
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use nexus_core::FieldError;
use nexus_core::ids::{CustomerId, ProductId, TransactionId};
use nexus_core::money::Currency;
use nexus_core::page::Cursor;
use nexus_core::transaction::{
    CustomerAggregates, NewTransaction, Transaction, TransactionPatch, TransactionQuery,
    TransactionSortField, TransactionStatus,
};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/transactions", post(create).get(list))
        .route("/api/v1/transactions/export", get(export))
        .route(
            "/api/v1/transactions/{id}",
            get(read).patch(update).delete(remove),
        )
        .route("/api/v1/transactions/{id}/restore", post(restore))
        .route("/api/v1/customers/{id}/aggregates", get(aggregates))
}

/// A requested line item. Send only these fields: `line_total`, `sku` and `name` are computed
/// by the server and refused (422 `read_only`) if sent.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct LineItemInput {
    /// A live, active product priced in the transaction's currency.
    product_id: ProductId,
    #[schema(minimum = 1, maximum = 1_000_000)]
    quantity: i64,
    /// Minor units; defaults to the product's current price.
    #[schema(minimum = 0, maximum = 1_000_000_000_000_000_i64)]
    unit_price: Option<i64>,
}

/// Body of a transaction create. The total is computed by the server: sending `total` (or an
/// item's `line_total`) is refused with 422 `read_only`, like any unknown field.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct TransactionCreate {
    /// A live customer you may write (422 `unknown_customer` if out of reach).
    customer_id: CustomerId,
    /// Default `pending`.
    status: Option<TransactionStatus>,
    /// Defaults to the currency of the products; every product must be priced in it.
    currency: Option<Currency>,
    /// Default: now.
    #[schema(value_type = Option<String>, format = DateTime)]
    occurred_at: Option<String>,
    #[schema(max_length = 100, nullable)]
    reference: Option<String>,
    /// The order's key in another system; unique among live transactions (409
    /// `external_ref_taken`).
    #[schema(max_length = 100, nullable)]
    external_ref: Option<String>,
    #[schema(min_items = 1, max_items = 100)]
    items: Vec<LineItemInput>,
    /// Custom-field values under their keys (`GET /api/v1/custom-fields?entity=transaction`):
    /// checked against the definitions (422 naming `attributes.<key>`; 409 `value_taken` for a
    /// value of a unique field that another transaction holds). Other keys are kept as they are.
    #[schema(value_type = Option<Object>)]
    attributes: Option<serde_json::Value>,
}

/// Body of a transaction update (merge patch). `status` moves: pending → completed |
/// cancelled, completed → refunded (others: 409 `invalid_status_transition`). `items` replaces
/// all lines and re-prices them; only while the transaction is pending or completed (409
/// `transaction_closed`). `customer_id`, `currency` and `total` are read-only.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct TransactionUpdate {
    status: Option<TransactionStatus>,
    #[schema(value_type = Option<String>, format = DateTime)]
    occurred_at: Option<String>,
    #[schema(max_length = 100, nullable)]
    reference: Option<String>,
    /// Unique among live transactions (409 `external_ref_taken`); `null` clears it.
    #[schema(max_length = 100, nullable)]
    external_ref: Option<String>,
    #[schema(min_items = 1, max_items = 100)]
    items: Option<Vec<LineItemInput>>,
    /// Replaces the whole object (`null` clears it); custom-field values are checked as on
    /// create (also with a status move), values unchanged from the stored ones pass.
    #[schema(value_type = Option<Object>)]
    attributes: Option<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct TransactionList {
    pub data: Vec<Transaction>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Query parameters of the transaction list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct TransactionListParams {
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// Opaque cursor from `next_cursor`.
    cursor: Option<String>,
    /// `occurred_at` (default, newest first), `created_at`, `total` or `cf.<key>` (a custom
    /// field; transactions without a value come last); prefix `-` for descending.
    #[param(pattern = "^[-+]?(occurred_at|created_at|total|cf\\.[a-z][a-z0-9_]*)$")]
    sort: Option<String>,
    customer_id: Option<CustomerId>,
    /// One or more statuses, comma-separated.
    status: Option<String>,
    currency: Option<Currency>,
    /// Transactions with at least one line of this product.
    product_id: Option<ProductId>,
    /// The transaction with exactly this `external_ref`.
    external_ref: Option<String>,
    /// `occurred_at` on or after this time.
    #[param(value_type = Option<String>, format = DateTime)]
    occurred_after: Option<String>,
    /// `occurred_at` strictly before this time.
    #[param(value_type = Option<String>, format = DateTime)]
    occurred_before: Option<String>,
    /// `only` lists soft-deleted transactions instead of live ones.
    #[param(pattern = "^(only|exclude)$")]
    deleted: Option<String>,
}

const LIST_PARAMS: &[&str] = &[
    "limit",
    "cursor",
    "sort",
    "customer_id",
    "status",
    "currency",
    "product_id",
    "external_ref",
    "occurred_after",
    "occurred_before",
    "deleted",
];

/// Record a transaction. Unit prices default to the products' prices; the server computes
/// line totals and the total. An `Idempotency-Key` makes retries safe.
#[utoipa::path(operation_id = "create_transaction", post, path = "/api/v1/transactions", tag = "transactions", security(("bearer" = [])), request_body = TransactionCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried POST return the first response")),
    responses((status = 201, body = Transaction, headers(("Location" = String), ("ETag" = String))), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    IdempotencyKey(key): IdempotencyKey,
    body: JsonBody,
) -> ApiResult<Response> {
    let work = async {
        let input = NewTransaction::parse(&body.value).map_err(Problem::validation)?;
        let t = state.services.transactions.create(&actor, input).await?;
        respond::created(&t, format!("/api/v1/transactions/{}", t.id), t.etag())
    };
    let route = "POST /api/v1/transactions";
    idempotency::run(&state, &actor, key, route, &body.raw, work).await
}

/// Parse and validate the list query. `cf.<key>` filters and `sort=cf.<key>` are checked for
/// shape here and against the field definitions by the service.
pub(crate) fn parse_list(raw: Option<&str>) -> ApiResult<TransactionQuery> {
    let mut errors = Vec::new();
    let custom = split_custom(raw, &mut errors);
    let p = QueryParams::parse(Some(&custom.rest), LIST_PARAMS, &["status"])?;
    let page = p.page(
        TransactionSortField::OccurredAt,
        TransactionSortField::NAMES,
        &mut errors,
    );
    let mut statuses = Vec::new();
    for s in p.all("status") {
        match s.parse::<TransactionStatus>() {
            Ok(st) => statuses.push(st),
            Err(()) => errors.push(FieldError::new(
                "status",
                "invalid_choice",
                format!("must be one of: {}", TransactionStatus::NAMES.join(", ")),
            )),
        }
    }
    let customer_id = p.uuid("customer_id", &mut errors).map(CustomerId);
    let product_id = p.uuid("product_id", &mut errors).map(ProductId);
    let currency = p.currency("currency", &mut errors);
    let external_ref = p.text(
        "external_ref",
        nexus_core::transaction::REFERENCE_MAX,
        &mut errors,
    );
    let occurred_after = p.time("occurred_after", &mut errors);
    let occurred_before = p.time("occurred_before", &mut errors);
    let deleted = p.deleted(&mut errors);
    match page {
        Some(page) if errors.is_empty() => Ok(TransactionQuery {
            scope: nexus_core::auth::Scope::All,
            customer_id,
            statuses,
            currency,
            product_id,
            external_ref,
            occurred_after,
            occurred_before,
            deleted,
            custom: custom.criteria,
            sort: page.sort,
            order: custom.order.unwrap_or(page.order),
            after: page.after,
            limit: page.limit,
        }),
        _ => Err(Problem::validation(errors)),
    }
}

/// List transactions of customers the caller may read, newest first by default. Custom fields
/// filter as `cf.<key>=value` (exact match of the typed value; a `multi_select` field matches
/// transactions whose list holds the value) and sort as `sort=cf.<key>`; unknown keys and values
/// that do not fit the field are a 422 naming `cf.<key>`.
#[utoipa::path(operation_id = "list_transactions", get, path = "/api/v1/transactions", tag = "transactions", security(("bearer" = [])), params(TransactionListParams),
    responses((status = 200, body = TransactionList), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<TransactionList>> {
    let mut q = parse_list(raw.as_deref())?;
    let service = &state.services.transactions;
    service.resolve_custom(&actor, &mut q).await?;
    let limit = q.limit;
    q.limit += 1;
    let rows = service.list(&actor, q.clone()).await?;
    let (data, next_cursor) = respond::page(rows, limit, |t| position(&q, t));
    Ok(Json(TransactionList { data, next_cursor }))
}

/// The keyset position of `t` in the order of `q`.
fn position(q: &TransactionQuery, t: &Transaction) -> Cursor {
    q.custom.cursor(t).unwrap_or_else(|| Cursor {
        sort: q.sort.as_str().into(),
        value: t.sort_value(q.sort),
        id: t.id.0,
    })
}

/// Export the transactions the caller may read as CSV, with the list's filters and sort (`limit` and
/// `cursor` are ignored: the export runs to the end), streamed page by page. Columns: the
/// transaction's fields, then one `cf.<key>` column per custom field of transactions.
#[utoipa::path(operation_id = "export_transactions", get, path = "/api/v1/transactions/export", tag = "transactions", security(("bearer" = [])), params(TransactionListParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn export(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let mut q = parse_list(raw.as_deref())?;
    let service = state.services.transactions.clone();
    service.resolve_custom(&actor, &mut q).await?;
    let defs = service.field_definitions(&actor).await?;
    let columns = crate::export::TRANSACTION_COLUMNS;
    crate::export::records(service, actor, q, columns, defs, "transactions.csv").await
}

/// Read a transaction with its items. `If-None-Match` with the current `ETag` answers 304.
#[utoipa::path(operation_id = "read_transaction", get, path = "/api/v1/transactions/{id}", tag = "transactions", security(("bearer" = [])),
    params(("id" = TransactionId, Path), ("If-None-Match" = Option<String>, Header)),
    responses((status = 200, body = Transaction, headers(("ETag" = String))), (status = 304), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn read(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let t = state
        .services
        .transactions
        .get(&actor, path_id(&id, "transaction")?)
        .await?;
    let etag = t.etag();
    Ok(respond::conditional(&headers, t, &etag))
}

/// Change status, time, reference or items; `If-Match` guards against lost updates (412).
#[utoipa::path(operation_id = "update_transaction", patch, path = "/api/v1/transactions/{id}", tag = "transactions", security(("bearer" = [])), request_body = TransactionUpdate,
    params(("id" = TransactionId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Transaction, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn update(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    body: JsonBody,
) -> ApiResult<Response> {
    let id = path_id(&id, "transaction")?;
    let patch = TransactionPatch::parse(&body.value).map_err(Problem::validation)?;
    let t = state
        .services
        .transactions
        .update(&actor, id, patch, if_match.as_deref())
        .await?;
    let etag = t.etag();
    Ok(respond::with_etag(t, &etag))
}

/// Soft-delete a transaction (restorable); it stops counting in the customer's aggregates.
#[utoipa::path(operation_id = "delete_transaction", delete, path = "/api/v1/transactions/{id}", tag = "transactions", security(("bearer" = [])),
    params(("id" = TransactionId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 412, body = Problem)))]
async fn remove(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state
        .services
        .transactions
        .delete(&actor, path_id(&id, "transaction")?, if_match.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Restore a soft-deleted transaction; it counts again.
#[utoipa::path(operation_id = "restore_transaction", post, path = "/api/v1/transactions/{id}/restore", tag = "transactions", security(("bearer" = [])),
    params(("id" = TransactionId, Path)),
    responses((status = 200, body = Transaction, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
async fn restore(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let t = state
        .services
        .transactions
        .restore(&actor, path_id(&id, "transaction")?)
        .await?;
    let etag = t.etag();
    Ok(respond::with_etag(t, &etag))
}

/// The customer's lifetime figures: revenue per currency, purchase and refund counts, first and
/// last purchase. Updated in the same database transaction as every transaction write, so they
/// always match the transactions. Only live transactions count; `completed` ones are purchases;
/// `refunded` ones are excluded from revenue, counts and purchase times and reported as
/// `refunded_amount` / `refund_count`; `pending` and `cancelled` ones do not count.
#[utoipa::path(operation_id = "customer_aggregates", get, path = "/api/v1/customers/{id}/aggregates", tag = "customers", security(("bearer" = [])),
    params(("id" = CustomerId, Path)),
    responses((status = 200, body = CustomerAggregates), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn aggregates(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> ApiResult<Json<CustomerAggregates>> {
    let a = state
        .services
        .transactions
        .aggregates(&actor, path_id(&id, "customer")?)
        .await?;
    Ok(Json(a))
}

//! `/api/v1/products`: the catalogue. CRUD with ETags, soft delete and restore, keyset lists
//! with filters, custom fields (`cf.<key>`), sort and search. Every role reads; admins and
//! managers write.

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
use nexus_core::ids::ProductId;
use nexus_core::money::Currency;
use nexus_core::page::Cursor;
use nexus_core::product::{NewProduct, Product, ProductPatch, ProductQuery, ProductSortField};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/products", post(create).get(list))
        .route("/api/v1/products/export", get(export))
        .route(
            "/api/v1/products/{id}",
            get(read).patch(update).delete(remove),
        )
        .route("/api/v1/products/{id}/restore", post(restore))
}

/// Body of a product create (documentation of what [`NewProduct::parse`] accepts). Unknown
/// fields are refused (422).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ProductCreate {
    /// Unique among live products, case-insensitively (409 `sku_taken`).
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[A-Za-z0-9][A-Za-z0-9._/-]*$"
    )]
    sku: String,
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    name: String,
    #[schema(max_length = 4000, nullable)]
    description: Option<String>,
    #[schema(max_length = 100, nullable)]
    category: Option<String>,
    /// List price in minor units of `currency` (an integer: 1999 = 19.99 EUR).
    #[schema(minimum = 0, maximum = 1_000_000_000_000_000_i64)]
    price: i64,
    /// ISO 4217 code (any case; stored upper case).
    currency: Currency,
    /// Default `true`. Inactive products cannot be added to new transactions.
    active: Option<bool>,
    /// Custom-field values under their keys (`GET /api/v1/custom-fields?entity=product`):
    /// checked against the definitions (422 naming `attributes.<key>`; 409 `value_taken` for a
    /// value of a unique field that another product holds). Other keys are kept as they are.
    #[schema(value_type = Option<Object>)]
    attributes: Option<serde_json::Value>,
}

/// Body of a product update: JSON merge patch; `null` clears `description` or `category`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ProductUpdate {
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[A-Za-z0-9][A-Za-z0-9._/-]*$"
    )]
    sku: Option<String>,
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    name: Option<String>,
    #[schema(max_length = 4000, nullable)]
    description: Option<String>,
    #[schema(max_length = 100, nullable)]
    category: Option<String>,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_000_i64)]
    price: Option<i64>,
    currency: Option<Currency>,
    active: Option<bool>,
    /// Replaces the whole object (`null` clears it); custom-field values are checked as on
    /// create, values unchanged from the stored ones pass.
    #[schema(value_type = Option<Object>)]
    attributes: Option<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct ProductList {
    pub data: Vec<Product>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Query parameters of the product list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ProductListParams {
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// Opaque cursor from `next_cursor`.
    cursor: Option<String>,
    /// `created_at` (default, newest first), `updated_at`, `name`, `sku`, `price` or `cf.<key>`
    /// (a custom field; products without a value come last); prefix `-` for descending.
    #[param(pattern = "^[-+]?(created_at|updated_at|name|sku|price|cf\\.[a-z][a-z0-9_]*)$")]
    sort: Option<String>,
    active: Option<bool>,
    /// Exact category, case-insensitive.
    #[param(max_length = 100)]
    category: Option<String>,
    currency: Option<Currency>,
    /// Case-insensitive substring of the name or the SKU.
    #[param(max_length = 200)]
    q: Option<String>,
    /// `only` lists soft-deleted products instead of live ones.
    #[param(pattern = "^(only|exclude)$")]
    deleted: Option<String>,
}

const LIST_PARAMS: &[&str] = &[
    "limit", "cursor", "sort", "active", "category", "currency", "q", "deleted",
];

fn location(p: &Product) -> String {
    format!("/api/v1/products/{}", p.id)
}

/// Add a product to the catalogue (admins and managers). An `Idempotency-Key` makes retries safe.
#[utoipa::path(operation_id = "create_product", post, path = "/api/v1/products", tag = "products", security(("bearer" = [])), request_body = ProductCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried POST return the first response")),
    responses((status = 201, body = Product, headers(("Location" = String), ("ETag" = String))), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    IdempotencyKey(key): IdempotencyKey,
    body: JsonBody,
) -> ApiResult<Response> {
    let work = async {
        let input = NewProduct::parse(&body.value).map_err(Problem::validation)?;
        let p = state.services.products.create(&actor, input).await?;
        respond::created(&p, location(&p), p.etag())
    };
    idempotency::run(
        &state,
        &actor,
        key,
        "POST /api/v1/products",
        &body.raw,
        work,
    )
    .await
}

/// Parse and validate the list query. `cf.<key>` filters and `sort=cf.<key>` are checked for
/// shape here and against the field definitions by the service.
pub(crate) fn parse_list(raw: Option<&str>) -> ApiResult<ProductQuery> {
    let mut errors = Vec::new();
    let custom = split_custom(raw, &mut errors);
    let p = QueryParams::parse(Some(&custom.rest), LIST_PARAMS, &[])?;
    let page = p.page(
        ProductSortField::CreatedAt,
        ProductSortField::NAMES,
        &mut errors,
    );
    let active = p.boolean("active", &mut errors);
    let category = p.text("category", 100, &mut errors);
    let currency = p.currency("currency", &mut errors);
    let q = p.search(&mut errors);
    let deleted = p.deleted(&mut errors);
    match page {
        Some(page) if errors.is_empty() => Ok(ProductQuery {
            active,
            category,
            currency,
            q,
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

/// List the catalogue, one keyset page at a time. Custom fields filter as `cf.<key>=value`
/// (exact match of the typed value; a `multi_select` field matches products whose list holds the
/// value) and sort as `sort=cf.<key>`; unknown keys and values that do not fit the field are a
/// 422 naming `cf.<key>`.
#[utoipa::path(operation_id = "list_products", get, path = "/api/v1/products", tag = "products", security(("bearer" = [])), params(ProductListParams),
    responses((status = 200, body = ProductList), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<ProductList>> {
    let mut q = parse_list(raw.as_deref())?;
    let products = &state.services.products;
    products.resolve_custom(&actor, &mut q).await?;
    let limit = q.limit;
    q.limit += 1;
    let rows = products.list(&actor, q.clone()).await?;
    let (data, next_cursor) = respond::page(rows, limit, |p| position(&q, p));
    Ok(Json(ProductList { data, next_cursor }))
}

/// The keyset position of `p` in the order of `q`.
fn position(q: &ProductQuery, p: &Product) -> Cursor {
    q.custom.cursor(p).unwrap_or_else(|| Cursor {
        sort: q.sort.as_str().into(),
        value: p.sort_value(q.sort),
        id: p.id.0,
    })
}

/// Export the products the caller may read as CSV, with the list's filters and sort (`limit` and
/// `cursor` are ignored: the export runs to the end), streamed page by page. Columns: the
/// product's fields, then one `cf.<key>` column per custom field of products.
#[utoipa::path(operation_id = "export_products", get, path = "/api/v1/products/export", tag = "products", security(("bearer" = [])), params(ProductListParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn export(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let mut q = parse_list(raw.as_deref())?;
    let service = state.services.products.clone();
    service.resolve_custom(&actor, &mut q).await?;
    let defs = service.field_definitions(&actor).await?;
    let columns = crate::export::PRODUCT_COLUMNS;
    crate::export::records(service, actor, q, columns, defs, "products.csv").await
}

/// Read a product. `If-None-Match` with the current `ETag` answers 304.
#[utoipa::path(operation_id = "read_product", get, path = "/api/v1/products/{id}", tag = "products", security(("bearer" = [])),
    params(("id" = ProductId, Path), ("If-None-Match" = Option<String>, Header)),
    responses((status = 200, body = Product, headers(("ETag" = String))), (status = 304), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn read(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let p = state
        .services
        .products
        .get(&actor, path_id(&id, "product")?)
        .await?;
    let etag = p.etag();
    Ok(respond::conditional(&headers, p, &etag))
}

/// Change some fields (JSON merge patch); `If-Match` guards against lost updates (412).
#[utoipa::path(operation_id = "update_product", patch, path = "/api/v1/products/{id}", tag = "products", security(("bearer" = [])), request_body = ProductUpdate,
    params(("id" = ProductId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Product, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn update(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    body: JsonBody,
) -> ApiResult<Response> {
    let id = path_id(&id, "product")?;
    let patch = ProductPatch::parse(&body.value).map_err(Problem::validation)?;
    let p = state
        .services
        .products
        .update(&actor, id, patch, if_match.as_deref())
        .await?;
    let etag = p.etag();
    Ok(respond::with_etag(p, &etag))
}

/// Soft-delete a product (restorable). Past transactions keep their lines.
#[utoipa::path(operation_id = "delete_product", delete, path = "/api/v1/products/{id}", tag = "products", security(("bearer" = [])),
    params(("id" = ProductId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 412, body = Problem)))]
async fn remove(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state
        .services
        .products
        .delete(&actor, path_id(&id, "product")?, if_match.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Restore a soft-deleted product (409 if its SKU was taken meanwhile).
#[utoipa::path(operation_id = "restore_product", post, path = "/api/v1/products/{id}/restore", tag = "products", security(("bearer" = [])),
    params(("id" = ProductId, Path)),
    responses((status = 200, body = Product, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn restore(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let p = state
        .services
        .products
        .restore(&actor, path_id(&id, "product")?)
        .await?;
    let etag = p.etag();
    Ok(respond::with_etag(p, &etag))
}

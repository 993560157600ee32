//! `/api/v1/customers`: CRUD with ETags, soft delete and restore, batch create, keyset lists with
//! filters, sort and search, and the change history.

use crate::error::{ApiResult, Problem};
use crate::extract::{CurrentActor, IdempotencyKey, IfMatch, JsonBody, QueryParams, path_id};
use crate::idempotency::{self, Stored};
use crate::listing::split_custom;
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use nexus_core::CoreError;
use nexus_core::FieldError;
use nexus_core::customer::{
    Customer, CustomerKind, CustomerPatch, CustomerQuery, CustomerSortField, CustomerStatus,
    DeletedFilter, NewCustomer,
};
use nexus_core::event::Event;
use nexus_core::ids::{CustomerId, EventId, TeamId, UserId};
use nexus_core::page::{Cursor, parse_limit, parse_sort};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/customers", post(create).get(list))
        .route("/api/v1/customers/batch", post(create_batch))
        .route("/api/v1/customers/export", get(export))
        .route(
            "/api/v1/customers/{id}",
            get(read).patch(update).delete(remove),
        )
        .route("/api/v1/customers/{id}/restore", post(restore))
        .route("/api/v1/customers/{id}/history", get(history))
}

/// Body of a customer create (documentation of what [`NewCustomer::parse`] accepts).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CustomerCreate {
    /// `person` (default) or `company`.
    kind: Option<CustomerKind>,
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    name: String,
    #[schema(format = Email, max_length = 254, nullable)]
    email: Option<String>,
    #[schema(
        max_length = 32,
        pattern = "^[0-9 +().x/-]*[0-9][0-9 +().x/-]*[0-9][0-9 +().x/-]*[0-9][0-9 +().x/-]*$",
        nullable
    )]
    phone: Option<String>,
    /// A company customer this person belongs to.
    #[schema(nullable)]
    company_id: Option<CustomerId>,
    #[schema(max_length = 200, nullable)]
    company_name: Option<String>,
    status: Option<CustomerStatus>,
    /// Defaults to the caller; other owners need `customers:reassign`.
    #[schema(nullable)]
    owner_id: Option<UserId>,
    /// Defaults to the owner's team.
    #[schema(nullable)]
    team_id: Option<TeamId>,
    #[schema(max_items = 50)]
    tags: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    attributes: Option<serde_json::Value>,
}

/// Body of a customer update: JSON merge patch; `null` clears an optional field.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CustomerUpdate {
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    name: Option<String>,
    #[schema(format = Email, max_length = 254, nullable)]
    email: Option<String>,
    #[schema(max_length = 32, nullable)]
    phone: Option<String>,
    #[schema(nullable)]
    company_id: Option<CustomerId>,
    #[schema(max_length = 200, nullable)]
    company_name: Option<String>,
    status: Option<CustomerStatus>,
    owner_id: Option<UserId>,
    #[schema(nullable)]
    team_id: Option<TeamId>,
    #[schema(max_items = 50)]
    tags: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    attributes: Option<serde_json::Value>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CustomerBatch {
    #[schema(min_items = 1, max_items = 1000)]
    items: Vec<CustomerCreate>,
}

#[derive(Serialize, ToSchema)]
pub struct CustomerList {
    pub data: Vec<Customer>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EventList {
    pub data: Vec<Event>,
    pub next_cursor: Option<String>,
}

/// Query parameters of the customer list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct CustomerListParams {
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// Opaque cursor from `next_cursor`.
    cursor: Option<String>,
    /// `created_at` (default, newest first), `updated_at`, `name`, `email` or `cf.<key>` (a
    /// custom field; records without a value come last); prefix `-` for descending.
    #[param(pattern = "^[-+]?(created_at|updated_at|name|email|cf\\.[a-z][a-z0-9_]*)$")]
    sort: Option<String>,
    /// One or more statuses, comma-separated.
    status: Option<String>,
    kind: Option<CustomerKind>,
    owner_id: Option<UserId>,
    team_id: Option<TeamId>,
    company_id: Option<CustomerId>,
    tag: Option<String>,
    segment: Option<String>,
    #[param(value_type = Option<String>, format = DateTime)]
    created_after: Option<String>,
    #[param(value_type = Option<String>, format = DateTime)]
    created_before: Option<String>,
    #[param(value_type = Option<String>, format = DateTime)]
    updated_after: Option<String>,
    #[param(value_type = Option<String>, format = DateTime)]
    updated_before: Option<String>,
    /// Substring search over name, email, company and phone.
    #[param(max_length = 200)]
    q: Option<String>,
    /// `only` lists soft-deleted customers instead of live ones.
    #[param(pattern = "^(only|exclude)$")]
    deleted: Option<String>,
}

const LIST_PARAMS: &[&str] = &[
    "limit",
    "cursor",
    "sort",
    "status",
    "kind",
    "owner_id",
    "team_id",
    "company_id",
    "tag",
    "segment",
    "created_after",
    "created_before",
    "updated_after",
    "updated_before",
    "q",
    "deleted",
];

fn json_response(status: StatusCode, c: &Customer) -> ApiResult<Stored> {
    Ok(Stored {
        status,
        body: serde_json::to_string(c)
            .map_err(|e| Problem::from(CoreError::Internal(e.to_string())))?,
        location: Some(format!("/api/v1/customers/{}", c.id)),
        etag: Some(c.etag()),
    })
}

fn with_etag(c: Customer) -> Response {
    let etag = c.etag();
    let mut res = Json(c).into_response();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

/// Create a customer. The response carries `Location` and `ETag`; an `Idempotency-Key` makes
/// retries safe.
#[utoipa::path(operation_id = "create_customer", post, path = "/api/v1/customers", tag = "customers", security(("bearer" = [])), request_body = CustomerCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried POST return the first response")),
    responses((status = 201, body = Customer, headers(("Location" = String), ("ETag" = String))), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    IdempotencyKey(key): IdempotencyKey,
    body: JsonBody,
) -> ApiResult<Response> {
    let work = async {
        let input = NewCustomer::parse(&body.value, "").map_err(Problem::validation)?;
        let c = state.services.customers.create(&actor, input).await?;
        json_response(StatusCode::CREATED, &c)
    };
    idempotency::run(
        &state,
        &actor,
        key,
        "POST /api/v1/customers",
        &body.raw,
        work,
    )
    .await
}

/// Create up to 1,000 customers at once: all or nothing, with one error per bad item field.
#[utoipa::path(operation_id = "create_customers_batch", post, path = "/api/v1/customers/batch", tag = "customers", security(("bearer" = [])), request_body = CustomerBatch,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried POST return the first response")),
    responses((status = 201, body = CustomerList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 413, body = Problem), (status = 422, body = Problem)))]
async fn create_batch(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    IdempotencyKey(key): IdempotencyKey,
    body: JsonBody,
) -> ApiResult<Response> {
    let work = async {
        let items = match body.value.as_object().map(|o| (o.get("items"), o.len())) {
            Some((Some(serde_json::Value::Array(items)), 1)) => items,
            Some((Some(serde_json::Value::Array(_)), _)) => {
                let extra = body
                    .value
                    .as_object()
                    .into_iter()
                    .flat_map(|o| o.keys())
                    .filter(|k| *k != "items");
                return Err(Problem::validation(
                    extra
                        .map(|k| {
                            FieldError::new(k.clone(), "unknown_field", "is not a known field")
                        })
                        .collect(),
                ));
            }
            _ => {
                return Err(Problem::validation(vec![FieldError::new(
                    "items",
                    "required",
                    "must be an array of customers",
                )]));
            }
        };
        let created = state.services.customers.create_batch(&actor, items).await?;
        let body = serde_json::to_string(&CustomerList {
            data: created,
            next_cursor: None,
        })
        .map_err(|e| Problem::from(CoreError::Internal(e.to_string())))?;
        Ok(Stored {
            status: StatusCode::CREATED,
            body,
            location: None,
            etag: None,
        })
    };
    idempotency::run(
        &state,
        &actor,
        key,
        "POST /api/v1/customers/batch",
        &body.raw,
        work,
    )
    .await
}

/// Keeps the value, or collects its validation errors.
fn take<T>(errors: &mut Vec<FieldError>, r: Result<T, CoreError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(CoreError::Validation(e)) => {
            errors.extend(e);
            None
        }
        Err(_) => None,
    }
}

/// Parse and validate the list query. `cf.<key>` filters and `sort=cf.<key>` are checked for
/// shape here and against the field definitions by the service.
pub(crate) fn parse_list(raw: Option<&str>) -> ApiResult<CustomerQuery> {
    let mut errors: Vec<FieldError> = Vec::new();
    let custom_part = split_custom(raw, &mut errors);
    let custom = custom_part.criteria;
    let p = QueryParams::parse(Some(&custom_part.rest), LIST_PARAMS, &["status"])?;
    let limit = take(&mut errors, parse_limit(p.one("limit")));
    let sort = match custom_part.order {
        Some(order) => Some((CustomerSortField::CreatedAt, order)),
        None => take(
            &mut errors,
            parse_sort(
                p.one("sort"),
                CustomerSortField::CreatedAt,
                CustomerSortField::NAMES,
            ),
        ),
    };
    let after = p
        .one("cursor")
        .and_then(|c| take(&mut errors, Cursor::decode(c)));
    let mut statuses = Vec::new();
    for s in p.all("status") {
        match s.parse::<CustomerStatus>() {
            Ok(st) => statuses.push(st),
            Err(()) => errors.push(FieldError::new(
                "status",
                "invalid_choice",
                format!("must be one of: {}", CustomerStatus::NAMES.join(", ")),
            )),
        }
    }
    let kind = p.one("kind").and_then(|k| match k.parse::<CustomerKind>() {
        Ok(k) => Some(k),
        Err(()) => {
            errors.push(FieldError::new(
                "kind",
                "invalid_choice",
                "must be person or company",
            ));
            None
        }
    });
    let mut uuid = |name: &str| {
        p.one(name).and_then(|v| match v.parse::<uuid::Uuid>() {
            Ok(u) => Some(u),
            Err(_) => {
                errors.push(FieldError::new(name, "invalid_uuid", "must be a UUID"));
                None
            }
        })
    };
    let owner_id = uuid("owner_id").map(UserId);
    let team_id = uuid("team_id").map(TeamId);
    let company_id = uuid("company_id").map(CustomerId);
    let mut time = |name: &str| {
        p.one(name)
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
    };
    let (created_after, created_before, updated_after, updated_before) = (
        time("created_after"),
        time("created_before"),
        time("updated_after"),
        time("updated_before"),
    );
    let q = p.one("q").map(str::to_owned);
    if q.as_ref().is_some_and(|q| q.chars().count() > 200) {
        errors.push(FieldError::new(
            "q",
            "too_long",
            "must be at most 200 characters",
        ));
    }
    let deleted = match p.one("deleted") {
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
    };
    let text = |name: &str, errors: &mut Vec<FieldError>| {
        p.one(name).map(str::to_owned).filter(|v| {
            let ok = !v.is_empty() && v.chars().count() <= 100;
            if !ok {
                errors.push(FieldError::new(
                    name,
                    "invalid_length",
                    "must be 1 to 100 characters",
                ));
            }
            ok
        })
    };
    let tag = text("tag", &mut errors);
    let segment = text("segment", &mut errors);
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let (Some(limit), Some((sort, order))) = (limit, sort) else {
        return Err(Problem::validation(vec![]));
    };
    Ok(CustomerQuery {
        scope: nexus_core::auth::Scope::All,
        statuses,
        kind,
        owner_id,
        team_id,
        company_id,
        tag,
        segment,
        created_after,
        created_before,
        updated_after,
        updated_before,
        q,
        deleted,
        custom,
        sort,
        order,
        after,
        limit,
    })
}

/// List customers the caller may read, newest first by default, one keyset page at a time.
/// Custom fields filter as `cf.<key>=value` (exact match of the typed value; a `multi_select`
/// field matches records whose list holds the value) and sort as `sort=cf.<key>`; unknown keys
/// and values that do not fit the field are a 422 naming `cf.<key>`.
#[utoipa::path(operation_id = "list_customers", get, path = "/api/v1/customers", tag = "customers", security(("bearer" = [])), params(CustomerListParams),
    responses((status = 200, body = CustomerList), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<CustomerList>> {
    let mut q = parse_list(raw.as_deref())?;
    state
        .services
        .customers
        .resolve_custom(&actor, &mut q)
        .await?;
    let limit = q.limit as usize;
    q.limit += 1;
    let mut data = state.services.customers.list(&actor, q.clone()).await?;
    let next_cursor = if data.len() > limit {
        data.truncate(limit);
        data.last().map(|c| position(&q, c).encode())
    } else {
        None
    };
    Ok(Json(CustomerList { data, next_cursor }))
}

/// The keyset position of `c` in the order of `q`.
fn position(q: &CustomerQuery, c: &Customer) -> Cursor {
    q.custom.cursor(c).unwrap_or_else(|| Cursor {
        sort: q.sort.as_str().into(),
        value: c.sort_value(q.sort),
        id: c.id.0,
    })
}

/// Export the customers the caller may read as CSV, streamed page by page, with the list's
/// filters and sort (`limit` and `cursor` are ignored: the export runs to the end). Columns: the
/// customer's fields, then one `cf.<key>` column per custom field. Lists (tags, multi-select
/// values) are joined with `;`; cells that a spreadsheet would run as a formula (starting with
/// `=`, `@`, or `+`/`-` not followed by a digit) are prefixed with `'`.
#[utoipa::path(operation_id = "export_customers", get, path = "/api/v1/customers/export", tag = "customers", security(("bearer" = [])), params(CustomerListParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn export(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let mut q = parse_list(raw.as_deref())?;
    let customers = state.services.customers.clone();
    customers.resolve_custom(&actor, &mut q).await?;
    let defs = customers.field_definitions(&actor).await?;
    let header = crate::export::customer_header(&defs);
    crate::export::stream(
        q,
        header,
        "customers.csv",
        move |q| {
            let (customers, actor) = (customers.clone(), actor.clone());
            async move { customers.list(&actor, q).await }
        },
        position,
        move |out, rows| crate::export::customer_rows(out, rows, &defs),
    )
    .await
}

/// Read one customer. Answers 304 when `If-None-Match` holds the current `ETag`.
#[utoipa::path(operation_id = "read_customer", get, path = "/api/v1/customers/{id}", tag = "customers", security(("bearer" = [])),
    params(("id" = CustomerId, Path)),
    responses((status = 200, body = Customer, headers(("ETag" = String))), (status = 304), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn read(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let c = state
        .services
        .customers
        .get(&actor, path_id(&id, "customer")?)
        .await?;
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == c.etag()))
    {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(v) = HeaderValue::from_str(&c.etag()) {
            res.headers_mut().insert(header::ETAG, v);
        }
        return Ok(res);
    }
    Ok(with_etag(c))
}

/// Change some fields (JSON merge patch). Send `If-Match` with the `ETag` you read to avoid
/// overwriting someone else's change (412 when it moved on).
#[utoipa::path(operation_id = "update_customer", patch, path = "/api/v1/customers/{id}", tag = "customers", security(("bearer" = [])), request_body = CustomerUpdate,
    params(("id" = CustomerId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = Customer, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn update(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    body: JsonBody,
) -> ApiResult<Response> {
    let id = path_id(&id, "customer")?;
    let patch = CustomerPatch::parse(&body.value).map_err(Problem::validation)?;
    let c = state
        .services
        .customers
        .update(&actor, id, patch, if_match.as_deref())
        .await?;
    Ok(with_etag(c))
}

/// Soft-delete a customer (restorable).
#[utoipa::path(operation_id = "delete_customer", delete, path = "/api/v1/customers/{id}", tag = "customers", security(("bearer" = [])),
    params(("id" = CustomerId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 412, body = Problem)))]
async fn remove(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state
        .services
        .customers
        .delete(&actor, path_id(&id, "customer")?, if_match.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Restore a soft-deleted customer.
#[utoipa::path(operation_id = "restore_customer", post, path = "/api/v1/customers/{id}/restore", tag = "customers", security(("bearer" = [])),
    params(("id" = CustomerId, Path)),
    responses((status = 200, body = Customer), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn restore(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(with_etag(
        state
            .services
            .customers
            .restore(&actor, path_id(&id, "customer")?)
            .await?,
    ))
}

/// The change history of a customer, oldest first: who changed which fields from what to what.
#[utoipa::path(operation_id = "customer_history", get, path = "/api/v1/customers/{id}/history", tag = "customers", security(("bearer" = [])),
    params(("id" = CustomerId, Path), ("limit" = Option<u32>, Query, minimum = 1, maximum = 500), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = EventList), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn history(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<EventList>> {
    let id: CustomerId = path_id(&id, "customer")?;
    let p = QueryParams::parse(raw.as_deref(), &["limit", "cursor"], &[])?;
    let limit = parse_limit(p.one("limit"))?;
    let after = match p.one("cursor") {
        Some(c) => Some(EventId(Cursor::decode(c)?.id)),
        None => None,
    };
    let mut data = state
        .services
        .customers
        .history(&actor, id, after, limit + 1)
        .await?;
    let next_cursor = if data.len() > limit as usize {
        data.truncate(limit as usize);
        data.last().map(|e| {
            Cursor {
                sort: "id".into(),
                value: String::new(),
                id: e.id.0,
            }
            .encode()
        })
    } else {
        None
    };
    Ok(Json(EventList { data, next_cursor }))
}

//! `/api/v1/imports`: CSV import jobs. The client uploads a file (the body, streamed to disk),
//! gets back its columns, first rows and a suggested mapping, then starts the job with the
//! mapping it wants; the worker imports the rows in the background while
//! `GET /api/v1/imports/{id}` (and `import.progress` events) report progress. Rejected rows are
//! listed with their reasons, column by column.

use crate::error::{ApiResult, Problem};
use crate::extract::{CurrentActor, IfMatch, JsonBody, QueryParams, keep, path_id};
use crate::respond;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;
use nexus_core::FieldError;
use nexus_core::ids::ImportId;
use nexus_core::import::csv_file::{self, FileError};
use nexus_core::import::{
    COLUMNS_MAX, ImportEntity, ImportField, ImportJob, ImportRejection, PREVIEW_ROWS,
};
use nexus_core::page::{Cursor, parse_limit};
use nexus_core::services::imports::{ImportService, Upload};
use serde::Serialize;
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;
use utoipa::ToSchema;

/// The upload route: mounted apart from the others, with the import size limit instead of the
/// JSON body limit (see `crate::router`).
pub const UPLOAD_PATH: &str = "/api/v1/imports";

pub fn upload_router() -> Router<AppState> {
    Router::new().route(UPLOAD_PATH, post(upload))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/imports", get(list))
        .route("/api/v1/imports/fields", get(fields))
        .route("/api/v1/imports/{id}", get(read))
        .route("/api/v1/imports/{id}/start", post(start))
        .route("/api/v1/imports/{id}/cancel", post(cancel))
        .route("/api/v1/imports/{id}/rejections", get(rejections))
}

#[derive(Serialize, ToSchema)]
pub struct ImportList {
    data: Vec<ImportJob>,
    next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RejectionList {
    data: Vec<ImportRejection>,
    /// Pass as `after` for the next page (absent on the last one).
    next_after: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldList {
    data: Vec<ImportField>,
}

/// Body of a start (every member optional).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImportStart {
    /// Column → field (`name`, `email`, …, `cf.<key>`); columns left out are ignored. Default:
    /// the job's `suggested_mapping`.
    mapping: Option<std::collections::BTreeMap<String, String>>,
    /// A row whose key is taken (a customer's e-mail, a product's SKU, an order's `order_ref`;
    /// by a live record or an earlier row): `skip` (the default) skips it and lists it as a
    /// duplicate; `update` (customers and products) merges its non-empty cells into the record
    /// as a PATCH would (same checks and event; only records the importer may write), counted
    /// in `rows_updated`; `reject` refuses it like an invalid row.
    on_duplicate: Option<nexus_core::import::OnDuplicate>,
}

fn location(j: &ImportJob) -> String {
    format!("/api/v1/imports/{}", j.id)
}

fn entity_param(p: &QueryParams, errors: &mut Vec<FieldError>) -> Option<ImportEntity> {
    match p.one("entity").map(str::parse::<ImportEntity>) {
        Some(Ok(e)) => Some(e),
        Some(Err(())) => {
            errors.push(FieldError::new(
                "entity",
                "invalid_choice",
                format!("must be one of: {}", ImportEntity::NAMES.join(", ")),
            ));
            None
        }
        None => {
            errors.push(FieldError::new("entity", "required", "is required"));
            None
        }
    }
}

/// Removes an upload's file when the upload fails half-way.
struct FileGuard(Option<PathBuf>);

impl FileGuard {
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for FileGuard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Upload a CSV file (the request body, UTF-8, first row naming the columns) for import into
/// `entity` (`customers`, `products` or `transactions`: one row per line item, the rows of an
/// order adjacent and sharing its `order_ref`). Answers with the new job: its columns, first
/// rows and a suggested mapping; start it with `POST /api/v1/imports/{id}/start`. Larger than
/// `import_max_bytes`: 413.
#[utoipa::path(operation_id = "upload_import", post, path = "/api/v1/imports", tag = "imports", security(("bearer" = [])),
    params(("entity" = String, Query, description = "customers, products or transactions"),
        ("file_name" = Option<String>, Query, description = "The file's name, for display")),
    request_body(content = String, content_type = "text/csv", description = "The CSV file"),
    responses((status = 201, body = ImportJob, headers(("Location" = String), ("ETag" = String))), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn upload(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let p = QueryParams::parse(raw.as_deref(), &["entity", "file_name"], &[])?;
    let mut errors = Vec::new();
    let entity = entity_param(&p, &mut errors);
    let file_name = p
        .text("file_name", 255, &mut errors)
        .unwrap_or_else(|| "upload.csv".to_owned());
    let Some(entity) = entity.filter(|_| errors.is_empty()) else {
        return Err(Problem::validation(errors));
    };
    ImportService::require(&actor, entity)?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    if !matches!(
        ct.as_deref(),
        None | Some("text/csv" | "application/csv" | "text/plain" | "application/octet-stream")
    ) {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the CSV file as the body, Content-Type text/csv",
        ));
    }
    let cfg = &state.config.imports;
    let id = ImportId::new();
    tokio::fs::create_dir_all(&cfg.dir)
        .await
        .map_err(|e| io_problem("creating the import folder", &e))?;
    let path = cfg.dir.join(format!("{}.csv", id.0));
    let guard = FileGuard(Some(path.clone()));
    let mut file = tokio::fs::File::create(&path)
        .await
        .map_err(|e| io_problem("creating the import file", &e))?;
    let mut bytes: u64 = 0;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            if over_limit(&e) {
                too_large(cfg.max_bytes)
            } else {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    "incomplete_body",
                    "the upload was interrupted",
                )
            }
        })?;
        bytes += chunk.len() as u64;
        if bytes > cfg.max_bytes {
            return Err(too_large(cfg.max_bytes));
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| io_problem("writing the import file", &e))?;
    }
    file.flush()
        .await
        .map_err(|e| io_problem("writing the import file", &e))?;
    file.sync_all()
        .await
        .map_err(|e| io_problem("writing the import file", &e))?;
    drop(file);
    let inspected = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || csv_file::inspect(&path, PREVIEW_ROWS, COLUMNS_MAX))
            .await
            .map_err(|_| Problem::internal())?
    };
    let inspected = match inspected {
        Ok(i) => i,
        Err(FileError::Io(e)) => return Err(io_problem("reading the import file", &e)),
        Err(e) => {
            return Err(Problem::validation(vec![FieldError::new(
                "file",
                "invalid_file",
                e.to_string(),
            )]));
        }
    };
    let job = state
        .services
        .imports
        .create(
            &actor,
            Upload {
                id,
                entity,
                file_name,
                file_path: path.to_string_lossy().into_owned(),
                file_bytes: i64::try_from(bytes).unwrap_or(i64::MAX),
                columns: inspected.columns,
                preview: inspected.preview,
            },
        )
        .await?;
    guard.keep();
    let (loc, etag) = (location(&job), job.etag());
    Ok(respond::created(&job, loc, etag)?.into_response())
}

fn too_large(max: u64) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!("an import file is at most {max} bytes"),
    )
}

/// Whether a body error is the size limit's (a body without `Content-Length` that grew too big).
fn over_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = s.source();
    }
    false
}

fn io_problem(what: &str, e: &std::io::Error) -> Problem {
    tracing::error!(error = %e, "{what}");
    Problem::internal()
}

/// Import jobs, newest first: the caller's own (an admin's: everybody's).
#[utoipa::path(operation_id = "list_imports", get, path = "/api/v1/imports", tag = "imports", security(("bearer" = [])),
    params(("limit" = Option<u32>, Query, minimum = 1, maximum = 500), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = ImportList), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<ImportList>> {
    let p = QueryParams::parse(raw.as_deref(), &["limit", "cursor"], &[])?;
    let mut errors = Vec::new();
    let limit = keep(&mut errors, parse_limit(p.one("limit")));
    let before = p
        .one("cursor")
        .and_then(|c| keep(&mut errors, Cursor::decode(c)))
        .map(|c| ImportId(c.id));
    let (Some(limit), true) = (limit, errors.is_empty()) else {
        return Err(Problem::validation(errors));
    };
    let rows = state
        .services
        .imports
        .list(&actor, before, limit + 1)
        .await?;
    let (data, next_cursor) = respond::page(rows, limit, |j| Cursor {
        sort: "id".into(),
        value: String::new(),
        id: j.id.0,
    });
    Ok(Json(ImportList { data, next_cursor }))
}

/// The fields a column can be mapped to, for an entity (custom fields as `cf.<key>`).
#[utoipa::path(operation_id = "list_import_fields", get, path = "/api/v1/imports/fields", tag = "imports", security(("bearer" = [])),
    params(("entity" = String, Query, description = "customers, products or transactions")),
    responses((status = 200, body = FieldList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn fields(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<FieldList>> {
    let p = QueryParams::parse(raw.as_deref(), &["entity"], &[])?;
    let mut errors = Vec::new();
    let Some(entity) = entity_param(&p, &mut errors) else {
        return Err(Problem::validation(errors));
    };
    let data = state.services.imports.fields(&actor, entity).await?;
    Ok(Json(FieldList { data }))
}

/// A job: status, mapping and progress (`rows_processed`, `rows_accepted`, `rows_rejected`,
/// `rows_duplicate`, `bytes_processed` of `file_bytes`).
#[utoipa::path(operation_id = "read_import", get, path = "/api/v1/imports/{id}", tag = "imports", security(("bearer" = [])),
    params(("id" = ImportId, Path), ("If-None-Match" = Option<String>, Header)),
    responses((status = 200, body = ImportJob, headers(("ETag" = String))), (status = 304), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
async fn read(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let j = state
        .services
        .imports
        .get(&actor, path_id(&id, "import")?)
        .await?;
    let etag = j.etag();
    Ok(respond::conditional(&headers, j, &etag))
}

/// Start an uploaded job with a column mapping; the import runs in the background (202).
/// A mapping naming unknown columns or fields, mapping two columns to one field, or leaving a
/// required field unmapped is a 422 naming each problem.
#[utoipa::path(operation_id = "start_import", post, path = "/api/v1/imports/{id}/start", tag = "imports", security(("bearer" = [])),
    request_body = ImportStart, params(("id" = ImportId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 202, body = ImportJob, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn start(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    body: JsonBody,
) -> ApiResult<Response> {
    let j = state
        .services
        .imports
        .start(
            &actor,
            path_id(&id, "import")?,
            &body.value,
            if_match.as_deref(),
        )
        .await?;
    let etag = j.etag();
    let mut res = respond::with_etag(j, &etag);
    *res.status_mut() = StatusCode::ACCEPTED;
    Ok(res)
}

/// Cancel a job that has not ended. Batches committed before stay imported; the job reports how
/// many rows that was.
#[utoipa::path(operation_id = "cancel_import", post, path = "/api/v1/imports/{id}/cancel", tag = "imports", security(("bearer" = [])),
    params(("id" = ImportId, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = ImportJob, headers(("ETag" = String))), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 412, body = Problem)))]
async fn cancel(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<Response> {
    let j = state
        .services
        .imports
        .cancel(&actor, path_id(&id, "import")?, if_match.as_deref())
        .await?;
    let etag = j.etag();
    Ok(respond::with_etag(j, &etag))
}

/// Rows that were not imported, by row number (the header is row 1), with the reasons field by
/// field and the column each came from. `duplicate: true` marks rows skipped for a taken key
/// (e-mail, SKU, order_ref). Every row of a refused order is listed: those without errors of
/// their own with `order_rejected`.
#[utoipa::path(operation_id = "list_import_rejections", get, path = "/api/v1/imports/{id}/rejections", tag = "imports", security(("bearer" = [])),
    params(("id" = ImportId, Path), ("after" = Option<i64>, Query, description = "Row number to continue after"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500)),
    responses((status = 200, body = RejectionList), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn rejections(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<RejectionList>> {
    let id = path_id(&id, "import")?;
    let p = QueryParams::parse(raw.as_deref(), &["after", "limit"], &[])?;
    let mut errors = Vec::new();
    let limit = keep(&mut errors, parse_limit(p.one("limit")));
    let after = p.after("after", "a row number", &mut errors);
    let (Some(limit), true) = (limit, errors.is_empty()) else {
        return Err(Problem::validation(errors));
    };
    let mut data = state
        .services
        .imports
        .rejections(&actor, id, after, limit + 1)
        .await?;
    let next_after = if data.len() > limit as usize {
        data.truncate(limit as usize);
        data.last().map(|r| r.row)
    } else {
        None
    };
    Ok(Json(RejectionList { data, next_after }))
}

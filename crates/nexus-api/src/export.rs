//! CSV exports of lists: the pages of a list query streamed as CSV (memory stays flat whatever
//! the size), the columns of each resource, and cells kept safe for spreadsheets. The `csv`
//! crate does the quoting.

use axum::http::{HeaderValue, header};
use axum::response::Response;
use nexus_core::custom_field::CustomField;
use nexus_core::customer::Customer;
use nexus_core::error::CoreResult;
use nexus_core::page::Cursor;
use serde::Serialize;
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;

/// Rows per page read by an export.
pub const PAGE: u32 = 1000;

/// A list query an export pages through.
pub trait Paged: Clone + Send + 'static {
    fn set_page(&mut self, after: Option<Cursor>, limit: u32);
}

macro_rules! paged {
    ($($t:ty),+) => {$(
        impl Paged for $t {
            fn set_page(&mut self, after: Option<Cursor>, limit: u32) {
                self.after = after;
                self.limit = limit;
            }
        }
    )+};
}
paged!(
    nexus_core::customer::CustomerQuery,
    nexus_core::product::ProductQuery,
    nexus_core::transaction::TransactionQuery,
    nexus_core::deal::DealQuery,
    nexus_core::activity::ActivityQuery
);

/// Streams every page of `q` as CSV: `header`, then `render` of each page. `list` runs a query
/// (with the caller's permissions), `position` is a row's keyset cursor in the query's order.
/// The first page is read before answering, so a refusal is a proper error status; an error on
/// a later page ends the body early (the status line is out already): the client sees a
/// truncated transfer, and the log says why.
pub async fn stream<Q, T, L, Fut, P, R>(
    mut q: Q,
    header: Vec<u8>,
    file_name: &'static str,
    list: L,
    position: P,
    render: R,
) -> crate::error::ApiResult<Response>
where
    Q: Paged,
    T: Send + 'static,
    L: Fn(Q) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = CoreResult<Vec<T>>> + Send,
    P: Fn(&Q, &T) -> Cursor + Send + Sync + 'static,
    R: Fn(&mut Vec<u8>, &[T]) + Send + Sync + 'static,
{
    q.set_page(None, PAGE + 1);
    let first = list(q.clone()).await?;
    let fns = Arc::new((list, position, render));
    // State: the query of the page to read (None: done), the page read already, the header.
    let start = (Some(q), Some(first), Some(header));
    let pages = futures::stream::unfold(start, move |(q, ready, header)| {
        let fns = fns.clone();
        async move {
            let mut q = q?;
            let (list, position, render) = &*fns;
            let mut rows = match ready {
                Some(rows) => rows,
                None => match list(q.clone()).await {
                    Ok(rows) => rows,
                    Err(e) => {
                        tracing::error!(error = %e, file = file_name, "export stopped");
                        let err = std::io::Error::other("export failed");
                        return Some((Err(err), (None, None, None)));
                    }
                },
            };
            let more = rows.len() > PAGE as usize;
            rows.truncate(PAGE as usize);
            let mut out = header.unwrap_or_default();
            render(&mut out, &rows);
            let next = match rows.last() {
                Some(last) if more => {
                    let after = position(&q, last);
                    q.set_page(Some(after), PAGE + 1);
                    Some(q)
                }
                _ => None,
            };
            Some((Ok(axum::body::Bytes::from(out)), (next, None, None)))
        }
    });
    let mut res = Response::new(axum::body::Body::from_stream(pages));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// A list service whose records export as JSON columns: its query type, how it lists, and a
/// record's keyset position in a query's order.
pub trait RecordList: Clone + Send + Sync + 'static {
    type Query: Paged;
    type Record: Serialize + Send + 'static;
    fn list(
        &self,
        actor: &nexus_core::auth::Actor,
        q: Self::Query,
    ) -> impl Future<Output = CoreResult<Vec<Self::Record>>> + Send;
    fn position(q: &Self::Query, r: &Self::Record) -> Cursor;
}

/// `custom`: the query's custom-field criteria, whose `sort=cf.<key>` gives the position.
macro_rules! record_list {
    ($($service:ty => $query:ty, $record:ty $(, $custom:ident)?);+ $(;)?) => {$(
        impl RecordList for $service {
            type Query = $query;
            type Record = $record;
            async fn list(
                &self,
                actor: &nexus_core::auth::Actor,
                q: $query,
            ) -> CoreResult<Vec<$record>> {
                <$service>::list(self, actor, q).await
            }
            fn position(q: &$query, r: &$record) -> Cursor {
                $(if let Some(c) = q.$custom.cursor(r) {
                    return c;
                })?
                Cursor {
                    sort: q.sort.as_str().into(),
                    value: r.sort_value(q.sort),
                    id: r.id.0,
                }
            }
        }
    )+};
}
record_list!(
    nexus_core::services::products::ProductService => nexus_core::product::ProductQuery, nexus_core::product::Product, custom;
    nexus_core::services::transactions::TransactionService => nexus_core::transaction::TransactionQuery, nexus_core::transaction::Transaction, custom;
    nexus_core::services::deals::DealService => nexus_core::deal::DealQuery, nexus_core::deal::Deal, custom;
    nexus_core::services::activities::ActivityService => nexus_core::activity::ActivityQuery, nexus_core::activity::Activity, custom;
);

/// The export of a list service's records as `columns`, then one `cf.<key>` column per custom
/// field of `defs` (empty for records without custom fields; see [`stream`]).
pub async fn records<S: RecordList>(
    service: S,
    actor: nexus_core::auth::Actor,
    q: S::Query,
    columns: &'static [&'static str],
    defs: std::sync::Arc<Vec<CustomField>>,
    file_name: &'static str,
) -> crate::error::ApiResult<Response> {
    stream(
        q,
        custom_header(columns, &defs),
        file_name,
        move |q| {
            let (service, actor) = (service.clone(), actor.clone());
            async move { service.list(&actor, q).await }
        },
        S::position,
        move |out, rows| json_rows(out, rows, columns, &defs),
    )
    .await
}

/// A header row of `columns`, then `cf.<key>` per custom field of `defs`.
pub fn custom_header(columns: &[&str], defs: &[CustomField]) -> Vec<u8> {
    let mut names: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
    names.extend(defs.iter().map(|d| format!("cf.{}", d.key)));
    let mut out = Vec::new();
    write_record(&mut out, &names);
    out
}

/// Renders rows by their JSON form: one cell per column, by key, then one per custom field of
/// `defs` (the value under `attributes.<key>`).
pub fn json_rows<T: Serialize>(
    out: &mut Vec<u8>,
    rows: &[T],
    columns: &[&str],
    defs: &[CustomField],
) {
    for r in rows {
        let v = serde_json::to_value(r).unwrap_or(Value::Null);
        let attributes = v.get("attributes");
        let mut cells: Vec<String> = columns.iter().map(|c| cell(v.get(*c))).collect();
        cells.extend(
            defs.iter()
                .map(|d| cell(attributes.and_then(|a| a.get(&d.key)))),
        );
        write_record(out, &cells);
    }
}

pub const PRODUCT_COLUMNS: &[&str] = &[
    "id",
    "sku",
    "name",
    "description",
    "category",
    "price",
    "currency",
    "active",
    "created_at",
    "updated_at",
];
/// `items` is the JSON array of line items.
pub const TRANSACTION_COLUMNS: &[&str] = &[
    "id",
    "customer_id",
    "status",
    "currency",
    "total",
    "occurred_at",
    "reference",
    "external_ref",
    "items",
    "created_by",
    "created_at",
    "updated_at",
];
pub const DEAL_COLUMNS: &[&str] = &[
    "id",
    "title",
    "customer_id",
    "value",
    "currency",
    "pipeline_id",
    "stage_id",
    "status",
    "lost_reason",
    "owner_id",
    "team_id",
    "expected_close_date",
    "closed_at",
    "position",
    "created_at",
    "updated_at",
];
pub const ACTIVITY_COLUMNS: &[&str] = &[
    "id",
    "kind",
    "subject",
    "body",
    "due_at",
    "done",
    "completed_at",
    "assignee_id",
    "customer_id",
    "deal_id",
    "owner_id",
    "team_id",
    "created_at",
    "updated_at",
];

/// The fixed columns of a customer export, before the `cf.<key>` ones.
const CUSTOMER_COLUMNS: &[&str] = &[
    "id",
    "kind",
    "name",
    "email",
    "phone",
    "company_id",
    "company_name",
    "status",
    "owner_id",
    "team_id",
    "tags",
    "segment",
    "created_at",
    "updated_at",
];

/// The header row of a customer export.
pub fn customer_header(defs: &[CustomField]) -> Vec<u8> {
    custom_header(CUSTOMER_COLUMNS, defs)
}

/// Appends one CSV row per customer.
pub fn customer_rows(out: &mut Vec<u8>, rows: &[Customer], defs: &[CustomField]) {
    let mut cells: Vec<String> = Vec::with_capacity(CUSTOMER_COLUMNS.len() + defs.len());
    for c in rows {
        cells.clear();
        let time = |t: chrono::DateTime<chrono::Utc>| {
            t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        };
        cells.extend([
            c.id.0.to_string(),
            c.kind.as_str().to_owned(),
            c.name.clone(),
            c.email.clone().unwrap_or_default(),
            c.phone.clone().unwrap_or_default(),
            c.company_id.map(|i| i.0.to_string()).unwrap_or_default(),
            c.company_name.clone().unwrap_or_default(),
            c.status.as_str().to_owned(),
            c.owner_id.0.to_string(),
            c.team_id.map(|t| t.0.to_string()).unwrap_or_default(),
            c.tags.join(";"),
            c.segment.clone().unwrap_or_default(),
            time(c.created_at),
            time(c.updated_at),
        ]);
        cells.extend(defs.iter().map(|d| cell(c.attributes.get(&d.key))));
        write_record(out, &cells);
    }
}

/// A value as a cell: text as is, numbers and booleans as JSON writes them, lists of strings
/// joined with `;`, anything else (line items) as JSON.
fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(";"),
        Some(other) => other.to_string(),
    }
}

/// A cell that a spreadsheet would evaluate gets a leading `'` (OWASP's advice against CSV
/// injection); phone numbers and signed numbers (`+44 …`, `-5`) stay as they are.
fn defuse(s: &str) -> std::borrow::Cow<'_, str> {
    let mut chars = s.chars();
    let risky = match chars.next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !chars
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == ' ' || c == '('),
        _ => false,
    };
    if risky {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

fn write_record(out: &mut Vec<u8>, cells: &[String]) {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    // Writing to a Vec cannot fail.
    let _ = w.write_record(cells.iter().map(|c| defuse(c).into_owned()));
    let _ = w.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_but_phone_numbers_kept() {
        assert_eq!(defuse("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(defuse("@cmd"), "'@cmd");
        assert_eq!(defuse("-cmd|calc"), "'-cmd|calc");
        assert_eq!(defuse("+44 20 7946 0000"), "+44 20 7946 0000");
        assert_eq!(defuse("-5"), "-5");
        assert_eq!(defuse("Ada"), "Ada");
    }

    #[test]
    fn records_are_quoted_as_needed() {
        let mut out = Vec::new();
        write_record(&mut out, &["a,b".into(), "say \"hi\"".into(), "x".into()]);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a,b\",\"say \"\"hi\"\"\",x\r\n"
        );
        assert_eq!(cell(Some(&serde_json::json!(["a", "b"]))), "a;b");
        assert_eq!(cell(Some(&serde_json::json!(2.5))), "2.5");
        assert_eq!(cell(None), "");
        assert_eq!(
            cell(Some(&serde_json::json!([{"sku": "A"}]))),
            "[{\"sku\":\"A\"}]"
        );
    }
}

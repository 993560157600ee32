//! Saved views: a named filter, sort and column choice over one list (customers, deals,
//! activities, products, transactions), private to its owner or shared with the owner's team.
//!
//! Filters are kept as the list endpoint's own query parameters (`{"status": ["lead"],
//! "tag": "vip"}`), so applying a view is `GET /api/v1/<resource>?<filters>&sort=<sort>`; the API
//! checks them with that endpoint's parser when the view is saved.

use crate::customer::{DeletedFilter, string_enum};
use crate::error::FieldError;
use crate::ids::{TeamId, UserId, ViewId};
use crate::page::{Cursor, SortOrder};
use crate::validate::{Fields, Patch};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::str::FromStr;

pub const NAME_MAX: usize = 100;
pub const COLUMNS_MAX: usize = 50;
pub const COLUMN_MAX: usize = 64;
pub const FILTERS_MAX: usize = 30;
pub const FILTER_VALUE_MAX: usize = 200;

string_enum!(
    /// The list a view applies to.
    ViewResource { Customers => "customers", Deals => "deals", Activities => "activities", Products => "products", Transactions => "transactions" }
);

string_enum!(
    /// Who sees a view: its owner only, or the owner's team too.
    Visibility { Private => "private", Team => "team" }
);

/// A saved view as stored and as returned by the API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct View {
    pub id: ViewId,
    pub name: String,
    pub resource: ViewResource,
    /// Query parameters of the resource's list endpoint: a string or a list of strings each.
    #[schema(value_type = Object)]
    pub filters: Map<String, Value>,
    /// A sort of the resource's list endpoint (`-created_at`, `name`, …), or null for its default.
    pub sort: Option<String>,
    /// Columns to show, in order: field names of the resource.
    pub columns: Vec<String>,
    pub visibility: Visibility,
    pub owner_id: UserId,
    /// The team a `team` view is shared with (the owner's team when it was shared).
    pub team_id: Option<TeamId>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl View {
    pub fn etag(&self) -> String {
        format!("\"{}-{}\"", self.id.0.simple(), self.version)
    }

    /// The cursor value for the list order (name, case-insensitive).
    pub fn sort_value(&self) -> String {
        self.name.to_lowercase()
    }

    /// The query string that applies this view to its list endpoint.
    pub fn query_string(&self) -> String {
        query_string(&self.filters, self.sort.as_deref())
    }
}

/// `k=v&k=v2&sort=s`, form-encoded, for filters (string or list values) and a sort.
pub fn query_string(filters: &Map<String, Value>, sort: Option<&str>) -> String {
    let mut out = form_pairs();
    for (k, v) in filters {
        match v {
            Value::Array(items) => {
                for i in items {
                    if let Some(s) = i.as_str() {
                        out.append_pair(k, s);
                    }
                }
            }
            Value::String(s) => {
                out.append_pair(k, s);
            }
            _ => {}
        }
    }
    if let Some(s) = sort {
        out.append_pair("sort", s);
    }
    out.finish()
}

fn form_pairs() -> form_urlencoded::Serializer<'static, String> {
    form_urlencoded::Serializer::new(String::new())
}

/// Reads `filters`: an object of at most 30 parameters, each a string or a list of strings;
/// `cursor` and `limit` belong to paging, not to a view.
fn filters(f: &mut Fields<'_>) -> Patch<Map<String, Value>> {
    let obj = f.object("filters", 16 * 1024);
    let Patch::Value(map) = &obj else {
        return obj;
    };
    if map.len() > FILTERS_MAX {
        f.error(
            "filters",
            "too_many",
            format!("at most {FILTERS_MAX} parameters"),
        );
    }
    for (k, v) in map {
        let path = format!("filters.{k}");
        if matches!(k.as_str(), "cursor" | "limit" | "sort") {
            f.error(
                &path,
                "not_a_filter",
                "paging and sort are not filters (use `sort`)",
            );
            continue;
        }
        let ok = |s: &Value| {
            s.as_str()
                .is_some_and(|s| s.chars().count() <= FILTER_VALUE_MAX)
        };
        let valid = match v {
            Value::String(_) => ok(v),
            Value::Array(items) => !items.is_empty() && items.len() <= 50 && items.iter().all(ok),
            _ => false,
        };
        if !valid {
            f.error(
                &path,
                "invalid_filter",
                format!("must be a string or a non-empty list of strings (each at most {FILTER_VALUE_MAX} characters)"),
            );
        }
    }
    obj
}

/// Reads `columns`: 1 to 50 field names.
fn columns(f: &mut Fields<'_>) -> Patch<Vec<String>> {
    let Some(raw) = f.raw_value("columns") else {
        return Patch::Absent;
    };
    let names: Option<Vec<String>> = raw.as_array().and_then(|items| {
        items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect()
    });
    match names {
        Some(n)
            if !n.is_empty()
                && n.len() <= COLUMNS_MAX
                && n.iter().all(|c| !c.is_empty() && c.len() <= COLUMN_MAX) =>
        {
            Patch::Value(n)
        }
        _ => {
            f.error(
                "columns",
                "invalid_columns",
                format!("must be a list of 1 to {COLUMNS_MAX} field names"),
            );
            Patch::Absent
        }
    }
}

/// Validated input of a view create.
#[derive(Clone, Debug, PartialEq)]
pub struct NewView {
    pub name: String,
    pub resource: ViewResource,
    pub filters: Map<String, Value>,
    pub sort: Option<String>,
    pub columns: Vec<String>,
    pub visibility: Visibility,
}

impl NewView {
    pub fn parse(v: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(v, "").map_err(crate::customer::validation_errors)?;
        let name = f.required_string("name", NAME_MAX);
        let resource = f.choice::<ViewResource>("resource", ViewResource::NAMES);
        if resource.is_absent() && !f.errors.iter().any(|e| e.field == "resource") {
            f.error("resource", "required", "is required");
        }
        let filters = filters(&mut f).value().unwrap_or_default();
        let sort = f.string("sort", 64).value();
        let columns = columns(&mut f).value().unwrap_or_default();
        let visibility = f
            .choice::<Visibility>("visibility", Visibility::NAMES)
            .value()
            .unwrap_or(Visibility::Private);
        f.finish()?;
        match (name, resource) {
            (Some(name), Patch::Value(resource)) => Ok(Self {
                name,
                resource,
                filters,
                sort,
                columns,
                visibility,
            }),
            _ => Err(Vec::new()),
        }
    }
}

/// Validated input of a view update (merge patch); `resource` cannot change.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewPatch {
    pub name: Patch<String>,
    pub filters: Patch<Map<String, Value>>,
    pub sort: Patch<String>,
    pub columns: Patch<Vec<String>>,
    pub visibility: Patch<Visibility>,
}

impl ViewPatch {
    pub fn parse(v: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(v, "").map_err(crate::customer::validation_errors)?;
        let name = f.string("name", NAME_MAX);
        if name == Patch::Null {
            f.error("name", "required", "cannot be empty");
        }
        f.read_only(
            "resource",
            "a view's resource cannot change; save a new view",
        );
        let filters = filters(&mut f);
        let sort = f.string("sort", 64);
        let columns = columns(&mut f);
        let visibility = f.choice::<Visibility>("visibility", Visibility::NAMES);
        f.finish()?;
        Ok(Self {
            name,
            filters,
            sort,
            columns,
            visibility,
        })
    }

    /// `cur` with this patch applied (version and times untouched).
    pub fn apply(&self, cur: &View) -> View {
        let mut n = cur.clone();
        if let Patch::Value(v) = &self.name {
            n.name = v.clone();
        }
        match &self.filters {
            Patch::Value(v) => n.filters = v.clone(),
            Patch::Null => n.filters = Map::new(),
            Patch::Absent => {}
        }
        match &self.sort {
            Patch::Value(v) => n.sort = Some(v.clone()),
            Patch::Null => n.sort = None,
            Patch::Absent => {}
        }
        match &self.columns {
            Patch::Value(v) => n.columns = v.clone(),
            Patch::Null => n.columns = Vec::new(),
            Patch::Absent => {}
        }
        if let Patch::Value(v) = self.visibility {
            n.visibility = v;
        }
        n
    }
}

/// A list of the views an actor may read, ordered by name.
#[derive(Clone, Debug)]
pub struct ViewQuery {
    /// `None` for admins (every view); otherwise the reader's id and team.
    pub reader: Option<(UserId, Option<TeamId>)>,
    pub resource: Option<ViewResource>,
    pub deleted: DeletedFilter,
    pub order: SortOrder,
    pub after: Option<Cursor>,
    pub limit: u32,
}

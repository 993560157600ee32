//! The customer aggregate: people and companies, their parsed inputs and list queries.

use crate::auth::{Ownership, Scope};
use crate::error::{CoreError, FieldError};
use crate::ids::{CustomerId, TeamId, UserId};
use crate::page::{Cursor, SortOrder};
use crate::validate::{EmailAddress, Fields, Patch};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::str::FromStr;

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $s:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const NAMES: &'static [&'static str] = &[$($s),+];
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
        }

        impl FromStr for $name {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                match s { $($s => Ok($name::$variant),)+ _ => Err(()) }
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use string_enum;

string_enum!(
    /// A person, or a company that people can belong to.
    CustomerKind { Person => "person", Company => "company" }
);
string_enum!(
    /// How the customer's segment was reached: `assigned` by a model, `pending` (the AI layer
    /// was slow or down when the customer was written; a retrying job classifies it), or
    /// `unscored` (no model was serving yet; the next training run scores it).
    SegmentStatus { Assigned => "assigned", Pending => "pending", Unscored => "unscored" }
);
string_enum!(
    /// Lifecycle stage: lead → prospect → customer → churned.
    CustomerStatus { Lead => "lead", Prospect => "prospect", Customer => "customer", Churned => "churned" }
);

/// A customer as stored and as returned by the API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Customer {
    pub id: CustomerId,
    pub kind: CustomerKind,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The company customer this person belongs to.
    pub company_id: Option<CustomerId>,
    /// Company name as shown and searched (the linked company's name at write time, or free text).
    pub company_name: Option<String>,
    pub status: CustomerStatus,
    pub owner_id: UserId,
    pub team_id: Option<TeamId>,
    pub tags: Vec<String>,
    /// Custom attributes: any JSON object.
    #[schema(value_type = Object)]
    pub attributes: Map<String, Value>,
    /// Segment assigned by the AI layer: from purchase behaviour (RFM k-means) once the
    /// customer has bought, from the profile before that.
    pub segment: Option<String>,
    pub segment_status: SegmentStatus,
    /// The model's confidence in `segment` (0..1), for a segment predicted from the profile.
    pub segment_confidence: Option<f64>,
    /// Increases by one on every change; the ETag is derived from it.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Customer {
    pub fn ownership(&self) -> Ownership {
        Ownership {
            owner_id: self.owner_id,
            team_id: self.team_id,
        }
    }

    pub fn email_normalized(&self) -> Option<String> {
        self.email.as_ref().map(|e| e.to_lowercase())
    }

    /// The cursor value of this customer for a sort field.
    pub fn sort_value(&self, sort: CustomerSortField) -> String {
        match sort {
            CustomerSortField::CreatedAt => self
                .created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            CustomerSortField::UpdatedAt => self
                .updated_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            CustomerSortField::Name => self.name.clone(),
            CustomerSortField::Email => self.email_normalized().unwrap_or_default(),
        }
    }

    pub fn etag(&self) -> String {
        format!("\"{}-{}\"", self.id.0.simple(), self.version)
    }
}

pub const NAME_MAX: usize = 200;
pub const ATTRIBUTES_MAX_BYTES: usize = 16 * 1024;

/// Validated input of a create. Ownership defaults are resolved by the service.
#[derive(Clone, Debug, PartialEq)]
pub struct NewCustomer {
    pub kind: CustomerKind,
    pub name: String,
    pub email: Option<EmailAddress>,
    pub phone: Option<String>,
    pub company_id: Option<CustomerId>,
    pub company_name: Option<String>,
    pub status: CustomerStatus,
    pub owner_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub tags: Vec<String>,
    pub attributes: Map<String, Value>,
}

impl NewCustomer {
    /// Parses a create body, reporting every bad field under `prefix` (e.g. `items[3]`).
    pub fn parse(v: &Value, prefix: &str) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(v, prefix).map_err(validation_errors)?;
        let kind = opt(f.choice::<CustomerKind>("kind", CustomerKind::NAMES))
            .unwrap_or(CustomerKind::Person);
        let name = f.required_string("name", NAME_MAX);
        let email = opt(f.email("email"));
        let phone = opt(f.phone("phone"));
        let company_id = opt(f.uuid("company_id")).map(CustomerId);
        let company_name = opt(f.string("company_name", NAME_MAX));
        let status = opt(f.choice::<CustomerStatus>("status", CustomerStatus::NAMES))
            .unwrap_or(CustomerStatus::Lead);
        let owner_id = opt(f.uuid("owner_id")).map(UserId);
        let team_id = opt(f.uuid("team_id")).map(TeamId);
        let tags = opt(f.tags("tags")).unwrap_or_default();
        let attributes = opt(f.object("attributes", ATTRIBUTES_MAX_BYTES)).unwrap_or_default();
        if kind == CustomerKind::Company && company_id.is_some() {
            f.error(
                "company_id",
                "not_allowed",
                "a company cannot belong to another company",
            );
        }
        f.finish()?;
        let name = name.ok_or_else(Vec::new)?;
        Ok(Self {
            kind,
            name,
            email,
            phone,
            company_id,
            company_name,
            status,
            owner_id,
            team_id,
            tags,
            attributes,
        })
    }
}

/// Validated input of a partial update (JSON merge patch).
#[derive(Clone, Debug, PartialEq)]
pub struct CustomerPatch {
    pub name: Patch<String>,
    pub email: Patch<EmailAddress>,
    pub phone: Patch<String>,
    pub company_id: Patch<CustomerId>,
    pub company_name: Patch<String>,
    pub status: Patch<CustomerStatus>,
    pub owner_id: Patch<UserId>,
    pub team_id: Patch<TeamId>,
    pub tags: Patch<Vec<String>>,
    pub attributes: Patch<Map<String, Value>>,
}

impl CustomerPatch {
    pub fn parse(v: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(v, "").map_err(validation_errors)?;
        let name = f.string("name", NAME_MAX);
        if name == Patch::Null {
            f.error("name", "required", "cannot be empty");
        }
        let email = f.email("email");
        let phone = f.phone("phone");
        let company_id = map(f.uuid("company_id"), CustomerId);
        let company_name = f.string("company_name", NAME_MAX);
        let status = f.choice::<CustomerStatus>("status", CustomerStatus::NAMES);
        if status == Patch::Null {
            f.error("status", "required", "cannot be null");
        }
        let owner_id = map(f.uuid("owner_id"), UserId);
        if owner_id == Patch::Null {
            f.error("owner_id", "required", "cannot be null");
        }
        let team_id = map(f.uuid("team_id"), TeamId);
        let tags = f.tags("tags");
        let attributes = f.object("attributes", ATTRIBUTES_MAX_BYTES);
        if f.present("kind") {
            f.error("kind", "read_only", "cannot be changed after creation");
        }
        f.finish()?;
        Ok(Self {
            name,
            email,
            phone,
            company_id,
            company_name,
            status,
            owner_id,
            team_id,
            tags,
            attributes,
        })
    }

    /// Applies the patch to a copy of `c` (ownership changes are checked by the service).
    pub fn apply(&self, c: &Customer) -> Customer {
        let mut n = c.clone();
        if let Patch::Value(v) = &self.name {
            n.name = v.clone();
        }
        set_opt(&mut n.email, &self.email, |e| e.as_str().to_owned());
        set_opt(&mut n.phone, &self.phone, Clone::clone);
        set_opt(&mut n.company_id, &self.company_id, |v| *v);
        set_opt(&mut n.company_name, &self.company_name, Clone::clone);
        if let Patch::Value(v) = self.status {
            n.status = v;
        }
        if let Patch::Value(v) = self.owner_id {
            n.owner_id = v;
        }
        set_opt(&mut n.team_id, &self.team_id, |v| *v);
        if let Patch::Value(v) = &self.tags {
            n.tags = v.clone();
        }
        if let Patch::Value(v) = &self.attributes {
            n.attributes = v.clone();
        }
        n
    }
}

fn set_opt<T, U>(field: &mut Option<U>, p: &Patch<T>, f: impl Fn(&T) -> U) {
    match p {
        Patch::Absent => {}
        Patch::Null => *field = None,
        Patch::Value(v) => *field = Some(f(v)),
    }
}

fn opt<T>(p: Patch<T>) -> Option<T> {
    match p {
        Patch::Value(v) => Some(v),
        _ => None,
    }
}

fn map<T, U>(p: Patch<T>, f: impl Fn(T) -> U) -> Patch<U> {
    match p {
        Patch::Absent => Patch::Absent,
        Patch::Null => Patch::Null,
        Patch::Value(v) => Patch::Value(f(v)),
    }
}

pub(crate) fn validation_errors(e: CoreError) -> Vec<FieldError> {
    match e {
        CoreError::Validation(v) => v,
        other => vec![FieldError::new("$", "invalid", other.to_string())],
    }
}

string_enum!(
    /// Fields a customer list can be sorted by.
    CustomerSortField { CreatedAt => "created_at", UpdatedAt => "updated_at", Name => "name", Email => "email" }
);

/// Which deleted records a list returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DeletedFilter {
    #[default]
    Exclude,
    Only,
}

/// A customer list query after parsing, with the caller's scope folded in.
#[derive(Clone, Debug)]
pub struct CustomerQuery {
    pub scope: Scope,
    pub statuses: Vec<CustomerStatus>,
    pub kind: Option<CustomerKind>,
    pub owner_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub company_id: Option<CustomerId>,
    pub tag: Option<String>,
    pub segment: Option<String>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub updated_after: Option<DateTime<Utc>>,
    pub updated_before: Option<DateTime<Utc>>,
    pub q: Option<String>,
    pub deleted: DeletedFilter,
    /// `cf.<key>=value` filters and `sort=cf.<key>` (which replaces `sort` when set).
    pub custom: crate::custom_field::CustomCriteria,
    pub sort: CustomerSortField,
    pub order: SortOrder,
    pub after: Option<Cursor>,
    pub limit: u32,
}

impl CustomerQuery {
    /// Every live customer, whoever owns it, newest first, `limit` a page: no filter, no
    /// search, no cursor. Callers narrow it with struct update syntax. Only for callers that
    /// may see everything (tests, tools): request handlers build their query with the caller's
    /// scope.
    pub fn all_live(limit: u32) -> Self {
        CustomerQuery {
            scope: Scope::All,
            statuses: vec![],
            kind: None,
            owner_id: None,
            team_id: None,
            company_id: None,
            tag: None,
            segment: None,
            created_after: None,
            created_before: None,
            updated_after: None,
            updated_before: None,
            q: None,
            deleted: DeletedFilter::Exclude,
            custom: crate::custom_field::CustomCriteria::default(),
            sort: CustomerSortField::CreatedAt,
            order: SortOrder::Desc,
            after: None,
            limit,
        }
    }
}

/// A stored person with only a name, owned by a new user, for tests.
#[cfg(test)]
pub(crate) fn test_customer(name: &str) -> Customer {
    let now = crate::time::now();
    Customer {
        id: CustomerId::new(),
        kind: CustomerKind::Person,
        name: name.to_owned(),
        email: None,
        phone: None,
        company_id: None,
        company_name: None,
        status: CustomerStatus::Lead,
        owner_id: UserId::new(),
        team_id: None,
        tags: vec![],
        attributes: Map::new(),
        segment: None,
        segment_status: SegmentStatus::Unscored,
        segment_confidence: None,
        version: 1,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn create_defaults_and_errors() {
        let c = NewCustomer::parse(&json!({"name": " Ada ", "tags": ["VIP", "vip"]}), "").unwrap();
        assert_eq!(c.name, "Ada");
        assert_eq!(c.kind, CustomerKind::Person);
        assert_eq!(c.status, CustomerStatus::Lead);
        assert_eq!(c.tags, vec!["vip"]);
        let errs =
            NewCustomer::parse(&json!({"status": "gone", "email": "x"}), "items[2]").unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["items[2].name", "items[2].email", "items[2].status"]
        );
    }

    #[test]
    fn patch_applies_merge_semantics() {
        let base = NewCustomer::parse(&json!({"name": "Ada", "phone": "+1 555 0100"}), "").unwrap();
        let c = Customer {
            kind: base.kind,
            phone: base.phone,
            status: base.status,
            ..test_customer(&base.name)
        };
        let p = CustomerPatch::parse(&json!({"phone": null, "status": "customer"})).unwrap();
        let n = p.apply(&c);
        assert_eq!(n.phone, None);
        assert_eq!(n.status, CustomerStatus::Customer);
        assert_eq!(n.name, "Ada");
        assert!(CustomerPatch::parse(&json!({"kind": "company"})).is_err());
        assert!(CustomerPatch::parse(&json!({"name": null})).is_err());
    }
}

//! Custom fields: fields that admins define per entity (customers, deals, products, activities,
//! transactions), typed, optionally required or unique. A record keeps its values in its
//! `attributes` JSON under the field's key (`attributes.<key>`); this module validates them
//! against the definitions, and turns `cf.<key>=value` filters and `sort=cf.<key>` into typed
//! criteria for the store. Records that carry custom fields implement [`HasCustomFields`], so
//! that one code path (here, in the services' `custom_values` helpers and in the store) serves
//! them all.

use crate::customer::{DeletedFilter, string_enum};
use crate::error::FieldError;
use crate::ids::CustomFieldId;
use crate::money::{AMOUNT_MAX, Currency};
use crate::page::Cursor;
use crate::validate::{Fields, Patch, parse_date};

mod criteria;
use chrono::{DateTime, Utc};
pub use criteria::{CfCondition, CfSort, CfValue, CustomCriteria};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::str::FromStr;

pub const KEY_MAX: usize = 48;
pub const LABEL_MAX: usize = 100;
pub const OPTIONS_MAX: usize = 200;
pub const OPTION_MAX: usize = 100;
/// The longest value of a `text` field, in bytes of UTF-8 (2,000 Latin letters, fewer of other
/// scripts): every text field has a sort index, and PostgreSQL's B-tree entries hold at most
/// about 2,700 bytes.
pub const TEXT_VALUE_MAX: usize = 2000;
/// Live definitions per entity.
pub const FIELDS_MAX: usize = 200;

string_enum!(
    /// The kind of record a field belongs to.
    CustomFieldEntity { Customer => "customer", Deal => "deal", Product => "product", Activity => "activity", Transaction => "transaction" }
);

impl CustomFieldEntity {
    /// The record's name in messages ("another deal holds this value").
    pub fn noun(self) -> &'static str {
        self.as_str()
    }
}

/// A record that carries custom-field values in its `attributes`: customers, deals, products,
/// activities and transactions.
/// Validation, the uniqueness index, filters, sorts and exports go through this trait, so every
/// entity gets the same behaviour from one code path.
pub trait HasCustomFields {
    /// The entity whose definitions apply.
    const ENTITY: CustomFieldEntity;
    /// The record's id (the uniqueness index keys values by it).
    fn record_id(&self) -> uuid::Uuid;
    /// The record's attributes, custom-field values under their keys.
    fn attributes(&self) -> &Map<String, Value>;
    /// Whether the record is soft-deleted (its values then hold no unique key).
    fn is_deleted(&self) -> bool;
}

macro_rules! has_custom_fields {
    ($($t:ty => $entity:ident),+ $(,)?) => {$(
        impl HasCustomFields for $t {
            const ENTITY: CustomFieldEntity = CustomFieldEntity::$entity;
            fn record_id(&self) -> uuid::Uuid {
                self.id.0
            }
            fn attributes(&self) -> &Map<String, Value> {
                &self.attributes
            }
            fn is_deleted(&self) -> bool {
                self.deleted_at.is_some()
            }
        }
    )+};
}
has_custom_fields!(
    crate::customer::Customer => Customer,
    crate::deal::Deal => Deal,
    crate::product::Product => Product,
    crate::activity::Activity => Activity,
    crate::transaction::Transaction => Transaction,
);

string_enum!(
    /// What a field holds. `currency` values are integer minor units of the field's currency.
    FieldType { Text => "text", Number => "number", Date => "date", Boolean => "boolean", Select => "select", MultiSelect => "multi_select", Currency => "currency" }
);

/// How values of a type compare in SQL: as text (text, date, select: dates are `YYYY-MM-DD`, so
/// text order is date order), as numbers, as booleans, or as a list (membership only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    Text,
    Number,
    Boolean,
    List,
}

impl FieldType {
    pub fn kind(self) -> ValueKind {
        match self {
            FieldType::Text | FieldType::Date | FieldType::Select => ValueKind::Text,
            FieldType::Number | FieldType::Currency => ValueKind::Number,
            FieldType::Boolean => ValueKind::Boolean,
            FieldType::MultiSelect => ValueKind::List,
        }
    }

    fn has_options(self) -> bool {
        matches!(self, FieldType::Select | FieldType::MultiSelect)
    }

    /// Whether `unique` makes sense for the type (not for yes/no or lists).
    fn can_be_unique(self) -> bool {
        !matches!(self, FieldType::Boolean | FieldType::MultiSelect)
    }
}

/// A field definition as stored and as returned by the API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustomField {
    pub id: CustomFieldId,
    pub entity: CustomFieldEntity,
    /// snake_case name of the value in the record's `attributes`; cannot change.
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    /// The choices of a `select` or `multi_select` field (empty otherwise).
    pub options: Vec<String>,
    /// The currency of a `currency` field's amounts (null otherwise).
    #[schema(value_type = Option<String>)]
    pub currency: Option<Currency>,
    /// Writes without a value are refused (422).
    pub required: bool,
    /// No two live records hold the same value (409); text compares case-insensitively.
    pub unique: bool,
    /// Display order (ascending).
    pub position: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl CustomField {
    pub fn etag(&self) -> String {
        format!("\"{}-{}\"", self.id.0.simple(), self.version)
    }

    /// The JSON path of this field's value in a record body.
    pub fn path(&self, prefix: &str) -> String {
        if prefix.is_empty() {
            format!("attributes.{}", self.key)
        } else {
            format!("{prefix}.attributes.{}", self.key)
        }
    }

    /// Checks one (non-null) value against the definition: `(code, message)` when it does not
    /// fit.
    pub fn check_value(&self, v: &Value) -> Result<(), (&'static str, String)> {
        let wrong = |what: &str| Err(("invalid_type", format!("must be {what}")));
        match self.field_type {
            FieldType::Text => match v.as_str() {
                Some(s) if s.len() > TEXT_VALUE_MAX => Err((
                    "too_long",
                    format!("must be at most {TEXT_VALUE_MAX} bytes of UTF-8 text"),
                )),
                Some(s) if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') => Err((
                    "invalid_characters",
                    "must not contain control characters".into(),
                )),
                Some(_) => Ok(()),
                None => wrong("a string"),
            },
            FieldType::Number => match v {
                Value::Number(_) => Ok(()),
                _ => wrong("a number"),
            },
            FieldType::Date => match v.as_str() {
                Some(s) if parse_date(s).is_some() => Ok(()),
                Some(_) => Err(("invalid_date", "must be a date, YYYY-MM-DD".into())),
                None => wrong("a date string, YYYY-MM-DD"),
            },
            FieldType::Boolean => match v {
                Value::Bool(_) => Ok(()),
                _ => wrong("true or false"),
            },
            FieldType::Select => match v.as_str() {
                Some(s) if self.options.iter().any(|o| o == s) => Ok(()),
                Some(_) => Err(("invalid_choice", self.choices())),
                None => wrong("a string"),
            },
            FieldType::MultiSelect => {
                let Some(items) = v.as_array() else {
                    return wrong("an array of strings");
                };
                let mut seen = Vec::with_capacity(items.len());
                for i in items {
                    match i.as_str() {
                        Some(s) if !self.options.iter().any(|o| o == s) => {
                            return Err(("invalid_choice", self.choices()));
                        }
                        Some(s) if seen.contains(&s) => {
                            return Err(("duplicate_choice", format!("lists {s:?} twice")));
                        }
                        Some(s) => seen.push(s),
                        None => return wrong("an array of strings"),
                    }
                }
                Ok(())
            }
            FieldType::Currency => match v.as_i64() {
                Some(a) if (-AMOUNT_MAX..=AMOUNT_MAX).contains(&a) => Ok(()),
                Some(_) => Err((
                    "out_of_range",
                    format!("must be from {} to {AMOUNT_MAX}", -AMOUNT_MAX),
                )),
                None => wrong("an integer amount in minor units"),
            },
        }
    }

    fn choices(&self) -> String {
        format!("must be one of: {}", self.options.join(", "))
    }

    /// The value as the uniqueness index holds it (`None`: no value, or one that the index does
    /// not cover). Text compares case-insensitively and numbers by value (`5` = `5.0`).
    pub fn unique_key(&self, v: Option<&Value>) -> Option<String> {
        unique_key(self.field_type, v)
    }

    /// Whether a stored value uses `option` (select and multi-select fields).
    pub fn uses_option(v: &Value, option: &str) -> bool {
        match v {
            Value::String(s) => s == option,
            Value::Array(items) => items.iter().any(|i| i.as_str() == Some(option)),
            _ => false,
        }
    }
}

/// A value of a field of type `t` as the uniqueness index holds it (see
/// [`CustomField::unique_key`]).
pub fn unique_key(t: FieldType, v: Option<&Value>) -> Option<String> {
    let v = v?;
    match t.kind() {
        ValueKind::Text => v.as_str().map(|s| s.trim().to_lowercase()),
        ValueKind::Number => v
            .as_i64()
            .map(|i| i.to_string())
            .or_else(|| v.as_f64().map(canonical_number)),
        ValueKind::Boolean | ValueKind::List => None,
    }
}

/// `n` as a decimal without exponent (`1000`, `0.25`), the same for `5` and `5.0`.
fn canonical_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Whether `s` is a valid key: snake_case ASCII, starting with a letter, at most 48 characters.
pub fn is_key(s: &str) -> bool {
    s.len() <= KEY_MAX
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Checks the custom-field values of a record's `attributes` against the live `defs`: every
/// value present must fit its field (unless it is unchanged from `prev`, so that values stored
/// before a field was defined do not block unrelated edits), and `required` fields must hold a
/// value when `check_required` (creates, and updates that send `attributes`). `null` counts as
/// no value. Errors name `<prefix>.attributes.<key>`.
pub fn check_attributes(
    defs: &[CustomField],
    next: &Map<String, Value>,
    prev: Option<&Map<String, Value>>,
    prefix: &str,
    check_required: bool,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for d in defs.iter().filter(|d| d.deleted_at.is_none()) {
        match next.get(&d.key).filter(|v| !v.is_null()) {
            None if d.required && check_required => {
                errors.push(FieldError::new(d.path(prefix), "required", "is required"));
            }
            None => {}
            Some(v) if prev.and_then(|p| p.get(&d.key)) == Some(v) => {}
            Some(v) => {
                if let Err((code, msg)) = d.check_value(v) {
                    errors.push(FieldError::new(d.path(prefix), code, msg));
                }
            }
        }
    }
    errors
}

/// Reads the options of a select field: 1 to 200 distinct, non-empty strings.
fn options(f: &mut Fields<'_>) -> Patch<Vec<String>> {
    let Some(raw) = f.raw_value("options") else {
        return Patch::Absent;
    };
    if raw.is_null() {
        return Patch::Null;
    }
    let list: Option<Vec<String>> = raw.as_array().and_then(|items| {
        items
            .iter()
            .map(|i| i.as_str().map(|s| s.trim().to_owned()))
            .collect()
    });
    match list {
        Some(l)
            if l.len() <= OPTIONS_MAX
                && l.iter()
                    .all(|o| !o.is_empty() && o.chars().count() <= OPTION_MAX)
                && l.iter().enumerate().all(|(i, o)| !l[..i].contains(o)) =>
        {
            Patch::Value(l)
        }
        _ => {
            f.error(
                "options",
                "invalid_options",
                format!(
                    "must be a list of at most {OPTIONS_MAX} distinct strings of 1 to {OPTION_MAX} characters"
                ),
            );
            Patch::Absent
        }
    }
}

/// Reports what does not fit together in a definition (options only for selects, a currency
/// only for currency fields, `unique` not for booleans and lists).
fn check_shape(d: &CustomField) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut err = |field: &str, code: &str, msg: &str| {
        errors.push(FieldError::new(field, code, msg));
    };
    if d.field_type.has_options() && d.options.is_empty() {
        err(
            "options",
            "required",
            "select fields need at least one option",
        );
    }
    if !d.field_type.has_options() && !d.options.is_empty() {
        err(
            "options",
            "not_allowed",
            "only select and multi_select fields have options",
        );
    }
    match (d.field_type, d.currency) {
        (FieldType::Currency, None) => err("currency", "required", "currency fields need one"),
        (FieldType::Currency, Some(_)) | (_, None) => {}
        (_, Some(_)) => err(
            "currency",
            "not_allowed",
            "only currency fields have a currency",
        ),
    }
    if d.unique && !d.field_type.can_be_unique() {
        err(
            "unique",
            "not_allowed",
            "boolean and multi_select fields cannot be unique",
        );
    }
    errors
}

/// Validated input of a definition create.
#[derive(Clone, Debug, PartialEq)]
pub struct NewCustomField {
    pub entity: CustomFieldEntity,
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    pub options: Vec<String>,
    pub currency: Option<Currency>,
    pub required: bool,
    pub unique: bool,
    pub position: i64,
}

fn required<T>(f: &mut Fields<'_>, name: &str, p: &Patch<T>) {
    if matches!(p, Patch::Absent | Patch::Null) && !f.errors.iter().any(|e| e.field == name) {
        f.error(name, "required", "is required");
    }
}

impl NewCustomField {
    pub fn parse(v: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(v, "").map_err(crate::validate::field_errors)?;
        let entity = f.choice::<CustomFieldEntity>("entity", CustomFieldEntity::NAMES);
        required(&mut f, "entity", &entity);
        let key = f.string("key", KEY_MAX);
        if let Patch::Value(k) = &key
            && !is_key(k)
        {
            f.error(
                "key",
                "invalid_key",
                "must be snake_case: a lower-case letter, then letters, digits and _",
            );
        }
        required(&mut f, "key", &key);
        let label = f.string("label", LABEL_MAX);
        required(&mut f, "label", &label);
        let field_type = f.choice::<FieldType>("field_type", FieldType::NAMES);
        required(&mut f, "field_type", &field_type);
        let options = options(&mut f).value().unwrap_or_default();
        let currency = f.currency("currency").value();
        let required_flag = f.boolean("required").unwrap_or(false);
        let unique = f.boolean("unique").unwrap_or(false);
        let position = f.integer("position", 0, 1_000_000).value().unwrap_or(0);
        f.finish()?;
        let (
            Patch::Value(entity),
            Patch::Value(key),
            Patch::Value(label),
            Patch::Value(field_type),
        ) = (entity, key, label, field_type)
        else {
            return Err(Vec::new());
        };
        let input = Self {
            entity,
            key,
            label,
            field_type,
            options,
            currency,
            required: required_flag,
            unique,
            position,
        };
        let errors = check_shape(&input.clone().into_field());
        if errors.is_empty() {
            Ok(input)
        } else {
            Err(errors)
        }
    }

    /// The definition this input describes, created now.
    pub fn into_field(self) -> CustomField {
        let now = crate::time::now();
        CustomField {
            id: CustomFieldId::new(),
            entity: self.entity,
            key: self.key,
            label: self.label,
            field_type: self.field_type,
            options: self.options,
            currency: self.currency,
            required: self.required,
            unique: self.unique,
            position: self.position,
            version: 1,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        }
    }
}

/// Validated input of a definition update (merge patch); `entity` and `key` cannot change.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomFieldPatch {
    pub label: Patch<String>,
    pub field_type: Patch<FieldType>,
    pub options: Patch<Vec<String>>,
    pub currency: Patch<Currency>,
    pub required: Option<bool>,
    pub unique: Option<bool>,
    pub position: Patch<i64>,
}

impl CustomFieldPatch {
    pub fn parse(v: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(v, "").map_err(crate::validate::field_errors)?;
        f.read_only("entity", "a field's entity cannot change");
        f.read_only(
            "key",
            "a field's key cannot change (its values are stored under it)",
        );
        let label = f.string("label", LABEL_MAX);
        let field_type = f.choice::<FieldType>("field_type", FieldType::NAMES);
        let options = options(&mut f);
        let currency = f.currency("currency");
        let required = f.boolean("required");
        let unique = f.boolean("unique");
        let position = f.integer("position", 0, 1_000_000);
        for (name, null) in [
            ("label", label == Patch::Null),
            ("field_type", field_type == Patch::Null),
            ("position", position == Patch::Null),
        ] {
            if null {
                f.error(name, "required", "cannot be null");
            }
        }
        f.finish()?;
        Ok(Self {
            label,
            field_type,
            options,
            currency,
            required,
            unique,
            position,
        })
    }

    /// `cur` with this patch applied, or the fields that do not fit together. Changing to a
    /// type without options (or currency) drops them.
    pub fn apply(&self, cur: &CustomField) -> Result<CustomField, Vec<FieldError>> {
        let mut n = cur.clone();
        if let Patch::Value(v) = &self.label {
            n.label = v.clone();
        }
        if let Patch::Value(t) = self.field_type {
            n.field_type = t;
            if !t.has_options() && self.options.is_absent() {
                n.options.clear();
            }
            if t != FieldType::Currency && self.currency.is_absent() {
                n.currency = None;
            }
        }
        match &self.options {
            Patch::Value(o) => n.options = o.clone(),
            Patch::Null => n.options.clear(),
            Patch::Absent => {}
        }
        match self.currency {
            Patch::Value(c) => n.currency = Some(c),
            Patch::Null => n.currency = None,
            Patch::Absent => {}
        }
        if let Some(r) = self.required {
            n.required = r;
        }
        if let Some(u) = self.unique {
            n.unique = u;
        }
        if let Patch::Value(p) = self.position {
            n.position = p;
        }
        let errors = check_shape(&n);
        if errors.is_empty() {
            Ok(n)
        } else {
            Err(errors)
        }
    }
}

/// A list of definitions, ordered by position then id.
#[derive(Clone, Debug)]
pub struct CustomFieldQuery {
    /// The entities whose fields to list (the service keeps those the actor may read).
    pub entities: Vec<CustomFieldEntity>,
    pub deleted: DeletedFilter,
    pub after: Option<Cursor>,
    pub limit: u32,
}

impl CustomField {
    /// The cursor of this definition in the list order.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            sort: "position".into(),
            value: self.position.to_string(),
            id: self.id.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(v: Value) -> CustomField {
        NewCustomField::parse(&v).unwrap().into_field()
    }

    #[test]
    fn definitions_parse_and_fit_together() {
        let f = field(json!({"entity": "customer", "key": "tier", "label": "Tier",
            "field_type": "select", "options": ["gold", "silver"], "required": true}));
        assert_eq!(f.options, vec!["gold", "silver"]);
        assert!(f.required && !f.unique);
        let errs = NewCustomField::parse(&json!({"entity": "customer", "key": "Bad Key",
            "label": "x", "field_type": "select"}))
        .unwrap_err();
        assert_eq!(errs[0].field, "key");
        let errs = NewCustomField::parse(&json!({"entity": "customer", "key": "amt",
            "label": "x", "field_type": "number", "currency": "EUR", "options": ["a"]}))
        .unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["options", "currency"]);
        let p = CustomFieldPatch::parse(&json!({"field_type": "text"})).unwrap();
        let n = p.apply(&f).unwrap();
        assert!(n.options.is_empty());
        assert!(CustomFieldPatch::parse(&json!({"key": "other"})).is_err());
    }

    #[test]
    fn values_are_checked_by_type() {
        let sel = field(json!({"entity": "customer", "key": "tier", "label": "Tier",
            "field_type": "multi_select", "options": ["a", "b"], "required": true}));
        let num = field(
            json!({"entity": "customer", "key": "score", "label": "Score",
            "field_type": "number"}),
        );
        let date = field(
            json!({"entity": "customer", "key": "since", "label": "Since",
            "field_type": "date"}),
        );
        let defs = vec![sel, num, date];
        let attrs = |v: Value| v.as_object().cloned().unwrap();
        let errs = check_attributes(
            &defs,
            &attrs(json!({"tier": ["a", "c"], "score": "9", "since": "2026-13-01"})),
            None,
            "items[1]",
            true,
        );
        let got: Vec<_> = errs
            .iter()
            .map(|e| format!("{}:{}", e.field, e.code))
            .collect();
        assert_eq!(
            got,
            vec![
                "items[1].attributes.tier:invalid_choice",
                "items[1].attributes.score:invalid_type",
                "items[1].attributes.since:invalid_date"
            ]
        );
        let errs = check_attributes(&defs, &attrs(json!({"score": 1.5})), None, "", true);
        assert_eq!(errs[0].field, "attributes.tier");
        assert_eq!(errs[0].code, "required");
        // An unchanged legacy value does not block an update.
        let old = attrs(json!({"tier": ["a"], "score": "high"}));
        assert!(check_attributes(&defs, &old, Some(&old), "", false).is_empty());
    }

    #[test]
    fn unique_keys_and_cursor_values() {
        let t = field(json!({"entity": "customer", "key": "code", "label": "Code",
            "field_type": "text", "unique": true}));
        assert_eq!(t.unique_key(Some(&json!(" AbC "))), Some("abc".into()));
        let n = field(json!({"entity": "customer", "key": "n", "label": "N",
            "field_type": "number", "unique": true}));
        assert_eq!(
            n.unique_key(Some(&json!(5.0))),
            n.unique_key(Some(&json!(5)))
        );
        let s = CfSort {
            key: "n".into(),
            kind: ValueKind::Number,
        };
        assert_eq!(s.cursor_value(Some(&json!(2.5))), "v:2.5");
        assert_eq!(s.cursor_value(Some(&json!("x"))), "n");
        assert_eq!(CfSort::parse_cursor_value("v:2.5"), Some(Some("2.5")));
        assert_eq!(CfSort::parse_cursor_value("n"), Some(None));
        assert_eq!(CfSort::parse_cursor_value("x"), None);
    }
}

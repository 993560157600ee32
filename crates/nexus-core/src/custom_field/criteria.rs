//! `cf.<key>=value` filters and `sort=cf.<key>` of list queries: as given by the client, then
//! typed with the field definitions for the store, and the cursor values of a custom sort.

use super::{CustomField, FieldType, ValueKind};
use crate::error::FieldError;
use crate::validate::parse_date;
use serde_json::Value;

/// A typed value of a `cf.<key>=…` filter.
#[derive(Clone, Debug, PartialEq)]
pub enum CfValue {
    Text(String),
    /// A decimal number, written without exponent.
    Number(String),
    Boolean(bool),
}

/// `cf.<key>=value` resolved against the definition: equality for single values, membership
/// for lists.
#[derive(Clone, Debug, PartialEq)]
pub struct CfCondition {
    pub key: String,
    pub kind: ValueKind,
    pub value: CfValue,
}

/// `sort=cf.<key>` resolved against the definition. Records without a value (or with one of
/// another type) come last in either direction.
#[derive(Clone, Debug, PartialEq)]
pub struct CfSort {
    pub key: String,
    pub kind: ValueKind,
}

impl CfSort {
    /// The cursor's sort name.
    pub fn name(&self) -> String {
        format!("cf.{}", self.key)
    }

    /// The cursor value of a record holding `v`: `v:<value>`, or `n` when the sort sees no
    /// value (the store applies the same typing).
    pub fn cursor_value(&self, v: Option<&Value>) -> String {
        let typed = match (self.kind, v) {
            (ValueKind::Text, Some(Value::String(s))) => Some(s.clone()),
            (ValueKind::Number, Some(Value::Number(n))) => Some(
                n.as_i64()
                    .map(|i| i.to_string())
                    .or_else(|| n.as_f64().map(|f| format!("{f}")))
                    .unwrap_or_default(),
            ),
            (ValueKind::Boolean, Some(Value::Bool(b))) => Some(if *b { "1" } else { "0" }.into()),
            _ => None,
        };
        match typed {
            Some(s) => format!("v:{s}"),
            None => "n".into(),
        }
    }

    /// Splits a cursor value into "no value" (`Some(None)`) or the value; `None` if malformed.
    pub fn parse_cursor_value(raw: &str) -> Option<Option<&str>> {
        if raw == "n" {
            Some(None)
        } else {
            raw.strip_prefix("v:").map(Some)
        }
    }
}

/// The custom-field part of a list query: filters and sort as given (`cf.<key>` → value,
/// `sort=cf.<key>`), and once the service resolved them against the definitions, typed.
#[derive(Clone, Debug, Default)]
pub struct CustomCriteria {
    pub filters: Vec<(String, String)>,
    pub sort_key: Option<String>,
    pub conditions: Vec<CfCondition>,
    pub sort: Option<CfSort>,
}

impl CustomCriteria {
    /// The keyset cursor of record `r` when the list is sorted by a custom field (`None`
    /// otherwise: the list's own sort gives the cursor).
    pub fn cursor<R: super::HasCustomFields>(&self, r: &R) -> Option<crate::page::Cursor> {
        self.sort.as_ref().map(|s| crate::page::Cursor {
            sort: s.name(),
            value: s.cursor_value(r.attributes().get(&s.key)),
            id: r.record_id(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.filters.is_empty() && self.sort_key.is_none()
    }

    /// Whether [`CustomCriteria::resolve`] typed every filter and the sort.
    pub fn is_resolved(&self) -> bool {
        self.conditions.len() == self.filters.len()
            && self.sort.is_some() == self.sort_key.is_some()
    }

    /// Types the filters and the sort with the live definitions `defs`. Unknown keys, values
    /// that do not fit the field, and sorting by a list field are reported as `cf.<key>` /
    /// `sort`.
    pub fn resolve(&mut self, defs: &[CustomField]) -> Result<(), Vec<FieldError>> {
        let find = |key: &str| defs.iter().find(|d| d.key == key && d.deleted_at.is_none());
        let mut errors = Vec::new();
        let mut conditions = Vec::new();
        for (key, raw) in &self.filters {
            let name = format!("cf.{key}");
            let Some(d) = find(key) else {
                errors.push(FieldError::new(
                    name,
                    "unknown_custom_field",
                    "no custom field has this key",
                ));
                continue;
            };
            match filter_value(d, raw) {
                Ok(value) => conditions.push(CfCondition {
                    key: key.clone(),
                    kind: d.field_type.kind(),
                    value,
                }),
                Err((code, msg)) => errors.push(FieldError::new(name, code, msg)),
            }
        }
        let mut sort = None;
        if let Some(key) = &self.sort_key {
            match find(key) {
                Some(d) if d.field_type.kind() != ValueKind::List => {
                    sort = Some(CfSort {
                        key: key.clone(),
                        kind: d.field_type.kind(),
                    });
                }
                Some(_) => errors.push(FieldError::new(
                    "sort",
                    "not_sortable",
                    "multi_select fields cannot be sorted by",
                )),
                None => errors.push(FieldError::new(
                    "sort",
                    "unknown_custom_field",
                    format!("no custom field has the key {key:?}"),
                )),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        self.conditions = conditions;
        self.sort = sort;
        Ok(())
    }
}

/// Parses the text of a `cf.<key>=` filter as a value of the field.
fn filter_value(d: &CustomField, raw: &str) -> Result<CfValue, (&'static str, String)> {
    match d.field_type {
        FieldType::Text => Ok(CfValue::Text(raw.to_owned())),
        FieldType::Select | FieldType::MultiSelect => {
            if d.options.iter().any(|o| o == raw) {
                Ok(CfValue::Text(raw.to_owned()))
            } else {
                Err(("invalid_choice", d.choices()))
            }
        }
        FieldType::Date => parse_date(raw)
            .map(|dt| CfValue::Text(dt.format("%Y-%m-%d").to_string()))
            .ok_or(("invalid_date", "must be a date, YYYY-MM-DD".into())),
        FieldType::Boolean => match raw {
            "true" => Ok(CfValue::Boolean(true)),
            "false" => Ok(CfValue::Boolean(false)),
            _ => Err(("invalid_boolean", "must be true or false".into())),
        },
        FieldType::Currency => raw
            .parse::<i64>()
            .map(|i| CfValue::Number(i.to_string()))
            .map_err(|_| ("invalid_number", "must be an integer amount".into())),
        FieldType::Number => match raw.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(CfValue::Number(
                raw.parse::<i64>()
                    .map(|i| i.to_string())
                    .unwrap_or_else(|_| format!("{n}")),
            )),
            _ => Err(("invalid_number", "must be a number".into())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::custom_field::NewCustomField;
    use serde_json::json;

    fn field(v: Value) -> CustomField {
        NewCustomField::parse(&v).unwrap().into_field()
    }

    #[test]
    fn criteria_resolve_against_definitions() {
        let defs = vec![
            field(
                json!({"entity": "customer", "key": "score", "label": "S", "field_type": "number"}),
            ),
            field(json!({"entity": "customer", "key": "tags2", "label": "T",
                "field_type": "multi_select", "options": ["x"]})),
        ];
        let mut c = CustomCriteria {
            filters: vec![("score".into(), "1e1".into())],
            sort_key: Some("score".into()),
            ..Default::default()
        };
        c.resolve(&defs).unwrap();
        assert_eq!(c.conditions[0].value, CfValue::Number("10".into()));
        let mut bad = CustomCriteria {
            filters: vec![("nope".into(), "1".into()), ("score".into(), "x".into())],
            sort_key: Some("tags2".into()),
            ..Default::default()
        };
        let errs = bad.resolve(&defs).unwrap_err();
        let got: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(got, vec!["cf.nope", "cf.score", "sort"]);
    }
}

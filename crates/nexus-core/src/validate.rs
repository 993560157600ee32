//! Parse, don't validate: readers that turn an untrusted JSON object into typed values, collecting
//! one [`FieldError`] per bad field (with its JSON path) instead of stopping at the first.

use crate::error::{CoreError, FieldError};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use uuid::Uuid;

/// A syntactically valid e-mail address, stored as given (trimmed) and compared lower-cased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.trim();
        if s.is_empty() || s.len() > 254 {
            return Err("must be between 1 and 254 characters");
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err("must contain @");
        };
        let bad_char = |c: char| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"')
        };
        if local.is_empty()
            || local.len() > 64
            || local.chars().any(bad_char)
            || local.contains('@')
        {
            return Err("has an invalid local part");
        }
        let labels_ok = domain.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
        if !domain.contains('.') || !labels_ok {
            return Err("has an invalid domain");
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive key used for uniqueness and lookups.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Reads the fields of one JSON object, remembering which ones it has seen so that unknown
/// fields can be reported, and collecting errors.
pub struct Fields<'a> {
    obj: &'a Map<String, Value>,
    prefix: String,
    seen: BTreeSet<&'static str>,
    pub errors: Vec<FieldError>,
}

/// The three states of a field in a partial update (JSON merge patch semantics).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Patch<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<T> Patch<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Patch::Absent)
    }

    /// The value, if the field held one.
    pub fn value(self) -> Option<T> {
        match self {
            Patch::Value(v) => Some(v),
            Patch::Absent | Patch::Null => None,
        }
    }

    /// Applies the patch to an optional field: absent keeps it, null clears it, a value sets it.
    pub fn apply_to(&self, field: &mut Option<T>)
    where
        T: Clone,
    {
        match self {
            Patch::Absent => {}
            Patch::Null => *field = None,
            Patch::Value(v) => *field = Some(v.clone()),
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Value(v) => Patch::Value(f(v)),
        }
    }
}

impl<'a> Fields<'a> {
    /// Starts reading `value`, which must be a JSON object.
    pub fn of(value: &'a Value, prefix: &str) -> Result<Self, CoreError> {
        match value.as_object() {
            Some(obj) => Ok(Self {
                obj,
                prefix: prefix.to_owned(),
                seen: BTreeSet::new(),
                errors: Vec::new(),
            }),
            None => Err(CoreError::invalid(
                if prefix.is_empty() { "$" } else { prefix },
                "invalid_type",
                "must be a JSON object",
            )),
        }
    }

    /// The JSON path of a field of this object (`items[2].quantity`).
    pub fn path(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    pub fn error(&mut self, name: &str, code: &str, message: impl Into<String>) {
        let p = self.path(name);
        self.errors.push(FieldError::new(p, code, message));
    }

    fn raw(&mut self, name: &'static str) -> Patch<&'a Value> {
        self.seen.insert(name);
        match self.obj.get(name) {
            None => Patch::Absent,
            Some(Value::Null) => Patch::Null,
            Some(v) => Patch::Value(v),
        }
    }

    /// The field's raw JSON value, marking it as known.
    pub fn raw_value(&mut self, name: &'static str) -> Option<&'a Value> {
        self.seen.insert(name);
        self.obj.get(name)
    }

    /// An optional boolean.
    pub fn boolean(&mut self, name: &'static str) -> Option<bool> {
        match self.raw(name) {
            Patch::Value(Value::Bool(b)) => Some(*b),
            Patch::Absent => None,
            _ => {
                self.error(name, "invalid_type", "must be true or false");
                None
            }
        }
    }

    /// An optional boolean where `null` means "not given" (create bodies).
    pub fn nullable_boolean(&mut self, name: &'static str) -> Option<bool> {
        match self.raw_value(name) {
            Some(Value::Null) => None,
            _ => self.boolean(name),
        }
    }

    /// Marks the field as known and tells whether the object has it.
    pub fn present(&mut self, name: &'static str) -> bool {
        self.seen.insert(name);
        self.obj.contains_key(name)
    }

    /// A string field, trimmed; empty strings count as null. `max` is in characters.
    pub fn string(&mut self, name: &'static str, max: usize) -> Patch<String> {
        match self.raw(name) {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Value(Value::String(s)) => {
                let t = s.trim();
                if t.is_empty() {
                    Patch::Null
                } else if t.chars().count() > max {
                    self.error(
                        name,
                        "too_long",
                        format!("must be at most {max} characters"),
                    );
                    Patch::Absent
                } else if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
                    self.error(
                        name,
                        "invalid_characters",
                        "must not contain control characters",
                    );
                    Patch::Absent
                } else {
                    Patch::Value(t.to_owned())
                }
            }
            Patch::Value(_) => {
                self.error(name, "invalid_type", "must be a string");
                Patch::Absent
            }
        }
    }

    /// A required string on create.
    pub fn required_string(&mut self, name: &'static str, max: usize) -> Option<String> {
        match self.string(name, max) {
            Patch::Value(v) => Some(v),
            Patch::Null | Patch::Absent => {
                if !self.errors.iter().any(|e| e.field == self.path(name)) {
                    self.error(name, "required", "is required");
                }
                None
            }
        }
    }

    pub fn email(&mut self, name: &'static str) -> Patch<EmailAddress> {
        match self.string(name, 254) {
            Patch::Value(s) => match EmailAddress::parse(&s) {
                Ok(e) => Patch::Value(e),
                Err(msg) => {
                    self.error(name, "invalid_email", msg);
                    Patch::Absent
                }
            },
            Patch::Null => Patch::Null,
            Patch::Absent => Patch::Absent,
        }
    }

    pub fn phone(&mut self, name: &'static str) -> Patch<String> {
        match self.string(name, 32) {
            Patch::Value(s) => {
                let digits = s.chars().filter(char::is_ascii_digit).count();
                let allowed = s
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +-().x/".contains(c));
                if !allowed || digits < 3 {
                    self.error(
                        name,
                        "invalid_phone",
                        "must be a phone number (digits, spaces, + - ( ) .)",
                    );
                    Patch::Absent
                } else {
                    Patch::Value(s)
                }
            }
            other => other,
        }
    }

    /// A string that must be one of the variants of an enum with `FromStr`.
    pub fn choice<T: std::str::FromStr>(
        &mut self,
        name: &'static str,
        allowed: &[&str],
    ) -> Patch<T> {
        match self.raw(name) {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Value(Value::String(s)) => match s.parse::<T>() {
                Ok(v) => Patch::Value(v),
                Err(_) => {
                    self.error(
                        name,
                        "invalid_choice",
                        format!("must be one of: {}", allowed.join(", ")),
                    );
                    Patch::Absent
                }
            },
            Patch::Value(_) => {
                self.error(name, "invalid_type", "must be a string");
                Patch::Absent
            }
        }
    }

    pub fn uuid(&mut self, name: &'static str) -> Patch<Uuid> {
        match self.raw(name) {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Value(Value::String(s)) => match Uuid::parse_str(s) {
                Ok(u) => Patch::Value(u),
                Err(_) => {
                    self.error(name, "invalid_uuid", "must be a UUID");
                    Patch::Absent
                }
            },
            Patch::Value(_) => {
                self.error(name, "invalid_type", "must be a UUID string");
                Patch::Absent
            }
        }
    }

    /// A list of short labels: trimmed, lower-cased, de-duplicated, order kept.
    pub fn tags(&mut self, name: &'static str) -> Patch<Vec<String>> {
        match self.raw(name) {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Value(Vec::new()),
            Patch::Value(Value::Array(items)) => {
                if items.len() > 50 {
                    self.error(name, "too_many", "at most 50 tags");
                    return Patch::Absent;
                }
                let mut out: Vec<String> = Vec::with_capacity(items.len());
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    match item.as_str().map(|s| s.trim().to_lowercase()) {
                        Some(t)
                            if !t.is_empty()
                                && t.chars().count() <= 50
                                && !t.chars().any(char::is_control) =>
                        {
                            if !out.contains(&t) {
                                out.push(t);
                            }
                        }
                        _ => {
                            ok = false;
                            let p = format!("{}[{i}]", self.path(name));
                            self.errors.push(FieldError::new(
                                p,
                                "invalid_tag",
                                "tags are strings of 1 to 50 characters",
                            ));
                        }
                    }
                }
                if ok { Patch::Value(out) } else { Patch::Absent }
            }
            Patch::Value(_) => {
                self.error(name, "invalid_type", "must be an array of strings");
                Patch::Absent
            }
        }
    }

    /// An integer from `min` to `max`. Numbers with a fraction or an exponent are refused, so
    /// that no amount of money ever passes through a float.
    pub fn integer(&mut self, name: &'static str, min: i64, max: i64) -> Patch<i64> {
        match self.raw(name) {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Value(Value::Number(n)) => match n.as_i64() {
                Some(i) if (min..=max).contains(&i) => Patch::Value(i),
                Some(_) => {
                    self.error(name, "out_of_range", format!("must be from {min} to {max}"));
                    Patch::Absent
                }
                None if n.is_u64() => {
                    self.error(name, "out_of_range", format!("must be from {min} to {max}"));
                    Patch::Absent
                }
                None => {
                    self.error(name, "invalid_type", "must be an integer");
                    Patch::Absent
                }
            },
            Patch::Value(_) => {
                self.error(name, "invalid_type", "must be an integer");
                Patch::Absent
            }
        }
    }

    /// An ISO 4217 currency code (any case; stored upper case).
    pub fn currency(&mut self, name: &'static str) -> Patch<crate::money::Currency> {
        match self.raw(name) {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Value(Value::String(s)) => match crate::money::Currency::parse(s) {
                Ok(c) => Patch::Value(c),
                Err(msg) => {
                    self.error(name, "invalid_currency", msg);
                    Patch::Absent
                }
            },
            Patch::Value(_) => {
                self.error(name, "invalid_type", "must be a currency code string");
                Patch::Absent
            }
        }
    }

    /// Reports a field that clients may read but not write (e.g. computed totals).
    pub fn read_only(&mut self, name: &'static str, message: &str) {
        if self.present(name) {
            self.error(name, "read_only", message.to_owned());
        }
    }

    /// A free-form JSON object, bounded in size.
    pub fn object(&mut self, name: &'static str, max_bytes: usize) -> Patch<Map<String, Value>> {
        match self.raw(name) {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Value(Map::new()),
            Patch::Value(Value::Object(m)) => {
                if serde_json::to_string(m)
                    .map(|s| s.len())
                    .unwrap_or(usize::MAX)
                    > max_bytes
                {
                    self.error(
                        name,
                        "too_large",
                        format!("must be at most {max_bytes} bytes of JSON"),
                    );
                    Patch::Absent
                } else {
                    Patch::Value(m.clone())
                }
            }
            Patch::Value(_) => {
                self.error(name, "invalid_type", "must be a JSON object");
                Patch::Absent
            }
        }
    }

    /// A calendar date, `YYYY-MM-DD`.
    pub fn date(&mut self, name: &'static str) -> Patch<NaiveDate> {
        match self.raw(name) {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Value(Value::String(s)) => match parse_date(s) {
                Some(d) => Patch::Value(d),
                None => {
                    self.error(name, "invalid_date", "must be a date, YYYY-MM-DD");
                    Patch::Absent
                }
            },
            Patch::Value(_) => {
                self.error(name, "invalid_type", "must be a date string, YYYY-MM-DD");
                Patch::Absent
            }
        }
    }

    /// An RFC 3339 date-time, converted to UTC and truncated to microseconds.
    pub fn datetime(&mut self, name: &'static str) -> Patch<DateTime<Utc>> {
        match self.raw(name) {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Value(Value::String(s)) => match parse_datetime(s) {
                Some(t) => Patch::Value(t),
                None => {
                    self.error(
                        name,
                        "invalid_datetime",
                        "must be an RFC 3339 date-time between the years 1 and 9999",
                    );
                    Patch::Absent
                }
            },
            Patch::Value(_) => {
                self.error(name, "invalid_type", "must be an RFC 3339 date-time string");
                Patch::Absent
            }
        }
    }

    /// Ends reading: reports fields that were not asked for, and returns all errors.
    pub fn finish(mut self) -> Result<(), Vec<FieldError>> {
        let unknown: Vec<String> = self
            .obj
            .keys()
            .filter(|k| !self.seen.contains(k.as_str()))
            .cloned()
            .collect();
        for k in unknown {
            self.error(&k, "unknown_field", "is not a known field");
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

/// The field errors of a parse failure (a non-object body becomes one error at `$`).
pub fn field_errors(e: CoreError) -> Vec<FieldError> {
    match e {
        CoreError::Validation(v) => v,
        other => vec![FieldError::new("$", "invalid", other.to_string())],
    }
}

/// Parses `YYYY-MM-DD` (exactly that shape, years 1 to 9999).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| d.year() >= 1)
}

/// Text received from outside to be stored and shown as is (a preview cell, a webhook receiver's
/// answer): control characters other than line breaks and tabs, NUL among them (which
/// PostgreSQL refuses in text), become U+FFFD.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

/// Parses an RFC 3339 date-time into UTC at the stored precision (years 1 to 9999 after the
/// conversion to UTC, so that it can be written back as RFC 3339).
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| crate::time::normalize(t.with_timezone(&Utc)))
        .filter(|t| (1..=9999).contains(&t.year()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn email_parsing() {
        assert!(EmailAddress::parse("Ann.Lee@Example.com").is_ok());
        assert_eq!(
            EmailAddress::parse(" A@B.io ").map(|e| e.normalized()),
            Ok("a@b.io".into())
        );
        for bad in [
            "", "plain", "a@b", "@b.io", "a b@c.io", "a@-b.io", "a@b..io",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fields_collect_every_error_with_paths() {
        let v = json!({"name": 5, "email": "nope", "tags": ["ok", ""], "extra": 1});
        let mut f = Fields::of(&v, "").unwrap_or_else(|_| panic!("object"));
        let _ = f.required_string("name", 10);
        let _ = f.email("email");
        let _ = f.tags("tags");
        let errs = f.finish().err().unwrap_or_default();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["name", "email", "tags[1]", "extra"]);
    }

    #[test]
    fn integers_refuse_fractions_and_bounds() {
        let v =
            json!({"a": 5, "b": 2.5, "c": 1e3, "d": -1, "e": "7", "f": 18446744073709551615u64});
        let mut f = Fields::of(&v, "x[0]").unwrap_or_else(|_| panic!("object"));
        assert_eq!(f.integer("a", 0, 10), Patch::Value(5));
        for name in ["b", "c", "d", "e", "f"] {
            assert_eq!(f.integer(name, 0, 10), Patch::Absent, "{name}");
        }
        let errs = f.finish().err().unwrap_or_default();
        let got: Vec<(&str, &str)> = errs
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("x[0].b", "invalid_type"),
                ("x[0].c", "invalid_type"),
                ("x[0].d", "out_of_range"),
                ("x[0].e", "invalid_type"),
                ("x[0].f", "out_of_range"),
            ]
        );
    }

    #[test]
    fn numbers_dates_and_times() {
        let v = json!({"a": 5, "b": 2.5, "c": -1, "d": "2026-02-28", "e": "2026-2-3",
            "f": "2026-02-30", "g": "2026-01-01T10:00:00.1234567+02:00", "h": "yesterday",
            "i": 18446744073709551615_u64});
        let mut f = Fields::of(&v, "").unwrap_or_else(|_| panic!("object"));
        assert_eq!(f.integer("a", 0, 10), Patch::Value(5));
        assert_eq!(f.integer("b", 0, 10), Patch::Absent);
        assert_eq!(f.integer("c", 0, 10), Patch::Absent);
        assert_eq!(
            f.date("d"),
            Patch::Value(NaiveDate::from_ymd_opt(2026, 2, 28).unwrap_or_default())
        );
        assert_eq!(f.date("e"), Patch::Absent);
        assert_eq!(f.date("f"), Patch::Absent);
        let Patch::Value(t) = f.datetime("g") else {
            panic!("a valid time")
        };
        assert_eq!(t.to_rfc3339(), "2026-01-01T08:00:00.123456+00:00");
        assert_eq!(f.datetime("h"), Patch::Absent);
        assert_eq!(f.integer("i", 0, i64::MAX), Patch::Absent);
        let codes: Vec<String> = f
            .errors
            .iter()
            .map(|e| format!("{}:{}", e.field, e.code))
            .collect();
        assert_eq!(
            codes,
            vec![
                "b:invalid_type",
                "c:out_of_range",
                "e:invalid_date",
                "f:invalid_date",
                "h:invalid_datetime",
                "i:out_of_range"
            ]
        );
    }

    #[test]
    fn datetimes_are_utc_microseconds() {
        let v = json!({"t": "2024-05-01T14:00:00.1234567+02:00", "bad": "yesterday"});
        let mut f = Fields::of(&v, "").unwrap_or_else(|_| panic!("object"));
        let t = f.datetime("t").value().map(|t| t.to_rfc3339());
        assert_eq!(t.as_deref(), Some("2024-05-01T12:00:00.123456+00:00"));
        assert_eq!(f.datetime("bad"), Patch::Absent);
        assert_eq!(f.errors.len(), 1);
    }

    #[test]
    fn patch_distinguishes_null_and_absent() {
        let v = json!({"phone": null});
        let mut f = Fields::of(&v, "").unwrap_or_else(|_| panic!("object"));
        assert_eq!(f.phone("phone"), Patch::Null);
        assert_eq!(f.string("name", 5), Patch::Absent);
    }
}

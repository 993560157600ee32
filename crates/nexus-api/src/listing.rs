//! Helpers shared by resource handlers: strict list-query parsing that collects one error per
//! bad parameter, keyset pages, and responses carrying an `ETag`.

use crate::error::{ApiResult, Problem};
use crate::extract::QueryParams;
use crate::idempotency::Stored;
use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use nexus_core::custom_field::{CustomCriteria, is_key};
use nexus_core::customer::DeletedFilter;
use nexus_core::page::{Cursor, DEFAULT_LIMIT, SortOrder, parse_limit, parse_sort};
use nexus_core::{CoreError, FieldError};
use serde::Serialize;
use std::str::FromStr;
use uuid::Uuid;

/// A list query being read: every accessor records its errors, [`ListQuery::finish`] reports
/// them all as one 422.
pub struct ListQuery {
    p: QueryParams,
    errors: Vec<FieldError>,
}

impl ListQuery {
    pub fn parse(raw: Option<&str>, allowed: &[&str], repeatable: &[&str]) -> ApiResult<Self> {
        Ok(Self {
            p: QueryParams::parse(raw, allowed, repeatable)?,
            errors: Vec::new(),
        })
    }

    /// Adds errors found outside this query's parameters (custom-field ones).
    pub fn errors(&mut self, errors: Vec<FieldError>) {
        self.errors.extend(errors);
    }

    fn keep<T>(&mut self, r: Result<T, CoreError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(CoreError::Validation(e)) => {
                self.errors.extend(e);
                None
            }
            Err(_) => None,
        }
    }

    pub fn limit(&mut self) -> u32 {
        let r = parse_limit(self.p.one("limit"));
        self.keep(r).unwrap_or(DEFAULT_LIMIT)
    }

    /// `sort=field` (ascending) or `sort=-field`; `default` when absent.
    pub fn sort<F: FromStr + Copy>(
        &mut self,
        default: (F, SortOrder),
        names: &[&str],
    ) -> (F, SortOrder) {
        if self.p.one("sort").is_none() {
            return default;
        }
        let r = parse_sort(self.p.one("sort"), default.0, names);
        self.keep(r).unwrap_or(default)
    }

    pub fn cursor(&mut self) -> Option<Cursor> {
        let r = self.p.one("cursor").map(Cursor::decode)?;
        self.keep(r)
    }

    pub fn uuid(&mut self, name: &str) -> Option<Uuid> {
        let v = self.p.one(name)?;
        match v.parse::<Uuid>() {
            Ok(u) => Some(u),
            Err(_) => {
                self.errors
                    .push(FieldError::new(name, "invalid_uuid", "must be a UUID"));
                None
            }
        }
    }

    pub fn time(&mut self, name: &str) -> Option<DateTime<Utc>> {
        let v = self.p.one(name)?;
        let t = nexus_core::validate::parse_datetime(v);
        if t.is_none() {
            self.errors.push(FieldError::new(
                name,
                "invalid_datetime",
                "must be an RFC 3339 date-time",
            ));
        }
        t
    }

    pub fn date(&mut self, name: &str) -> Option<NaiveDate> {
        let v = self.p.one(name)?;
        let d = nexus_core::validate::parse_date(v);
        if d.is_none() {
            self.errors.push(FieldError::new(
                name,
                "invalid_date",
                "must be a date, YYYY-MM-DD",
            ));
        }
        d
    }

    pub fn boolean(&mut self, name: &str) -> Option<bool> {
        match self.p.one(name)? {
            "true" => Some(true),
            "false" => Some(false),
            _ => {
                self.errors.push(FieldError::new(
                    name,
                    "invalid_boolean",
                    "must be true or false",
                ));
                None
            }
        }
    }

    /// One or more values (repeated or comma-separated) out of `names`.
    pub fn choices<T: FromStr>(&mut self, name: &str, names: &[&str]) -> Vec<T> {
        let mut out = Vec::new();
        let mut bad = false;
        for v in self.p.all(name) {
            match v.parse::<T>() {
                Ok(t) => out.push(t),
                Err(_) => bad = true,
            }
        }
        if bad {
            self.errors.push(FieldError::new(
                name,
                "invalid_choice",
                format!("must be one or more of: {}", names.join(", ")),
            ));
        }
        out
    }

    pub fn text(&mut self, name: &str, max: usize) -> Option<String> {
        let v = self.p.one(name)?;
        if v.chars().count() > max {
            self.errors.push(FieldError::new(
                name,
                "too_long",
                format!("must be at most {max} characters"),
            ));
            return None;
        }
        Some(v.to_owned())
    }

    /// `deleted=only` lists soft-deleted records instead of live ones.
    pub fn deleted(&mut self) -> DeletedFilter {
        match self.p.one("deleted") {
            None | Some("exclude") => DeletedFilter::Exclude,
            Some("only") => DeletedFilter::Only,
            Some(_) => {
                self.errors.push(FieldError::new(
                    "deleted",
                    "invalid_choice",
                    "must be only or exclude",
                ));
                DeletedFilter::Exclude
            }
        }
    }

    pub fn finish(self) -> ApiResult<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Problem::validation(self.errors))
        }
    }
}

/// The custom-field part of a list query string, split off by [`split_custom`].
pub struct CustomPart {
    /// The other parameters, as a query string for the list's own parser.
    pub rest: String,
    /// `cf.<key>` filters and the `sort=cf.<key>` key, as given (the service types them).
    pub criteria: CustomCriteria,
    /// The order of a `sort=cf.<key>` (`-cf.<key>`: descending).
    pub order: Option<SortOrder>,
}

/// Splits the custom-field parameters off a list query string (customers, deals, products):
/// the `cf.<key>` filters, and a `sort=cf.<key>` / `sort=-cf.<key>`, which leaves `sort` out of
/// the rest. A malformed key or a repeated filter is reported in `errors`.
pub fn split_custom(raw: Option<&str>, errors: &mut Vec<FieldError>) -> CustomPart {
    let mut rest = form_urlencoded::Serializer::new(String::new());
    let mut criteria = CustomCriteria::default();
    let mut order = None;
    let mut sorts = 0;
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        sorts += usize::from(k == "sort");
        if k == "sort"
            && let Some((key, o)) = custom_sort(&v)
        {
            if !is_key(key) {
                errors.push(FieldError::new(
                    "sort",
                    "invalid_sort",
                    "cf.<key> needs the key of a custom field",
                ));
            } else if sorts > 1 {
                errors.push(FieldError::new(
                    "sort",
                    "repeated_parameter",
                    "may appear only once",
                ));
            } else {
                criteria.sort_key = Some(key.to_owned());
                order = Some(o);
            }
            continue;
        }
        let Some(key) = k.strip_prefix("cf.") else {
            rest.append_pair(&k, &v);
            continue;
        };
        if !is_key(key) {
            errors.push(FieldError::new(
                k.as_ref(),
                "unknown_parameter",
                "custom-field filters are cf.<key> with the key of a custom field",
            ));
        } else if criteria.filters.iter().any(|(f, _)| f == key) {
            errors.push(FieldError::new(
                k.as_ref(),
                "repeated_parameter",
                "may appear only once",
            ));
        } else {
            criteria.filters.push((key.to_owned(), v.into_owned()));
        }
    }
    if sorts > 1 && criteria.sort_key.is_some() {
        // `sort=cf.<key>` after another sort: the other one stays in `rest` otherwise.
        errors.push(FieldError::new(
            "sort",
            "repeated_parameter",
            "may appear only once",
        ));
    }
    CustomPart {
        rest: rest.finish(),
        criteria,
        order,
    }
}

/// The custom-field key and order of `sort=cf.<key>` / `sort=-cf.<key>`, if the sort names one
/// (the key is not checked here).
fn custom_sort(s: &str) -> Option<(&str, SortOrder)> {
    let (name, order) = match s.strip_prefix('-') {
        Some(rest) => (rest, SortOrder::Desc),
        None => (s.strip_prefix('+').unwrap_or(s), SortOrder::Asc),
    };
    name.strip_prefix("cf.").map(|key| (key, order))
}

/// Cuts a page out of `limit + 1` rows: the extra row only says that there is a next page, whose
/// cursor is the last kept row's.
pub fn page<T>(
    mut data: Vec<T>,
    limit: u32,
    cursor: impl Fn(&T) -> Cursor,
) -> (Vec<T>, Option<String>) {
    if data.len() > limit as usize {
        data.truncate(limit as usize);
        let next = data.last().map(|d| cursor(d).encode());
        (data, next)
    } else {
        (data, None)
    }
}

/// A JSON body with its `ETag`.
pub fn with_etag<T: Serialize>(v: &T, etag: &str) -> Response {
    let mut res = Json(v).into_response();
    if let Ok(h) = HeaderValue::from_str(etag) {
        res.headers_mut().insert(header::ETAG, h);
    }
    res
}

/// A read: 304 when `If-None-Match` lists the current `ETag`, else the body with its `ETag`.
pub fn conditional<T: Serialize>(headers: &HeaderMap, v: &T, etag: &str) -> Response {
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| {
            h.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag)
        });
    if fresh {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(h) = HeaderValue::from_str(etag) {
            res.headers_mut().insert(header::ETAG, h);
        }
        return res;
    }
    with_etag(v, etag)
}

/// A created resource as a storable (idempotent) response: 201, `Location`, `ETag`.
pub fn created<T: Serialize>(v: &T, location: String, etag: String) -> ApiResult<Stored> {
    Ok(Stored {
        status: StatusCode::CREATED,
        body: serde_json::to_string(v)
            .map_err(|e| Problem::from(CoreError::Internal(e.to_string())))?,
        location: Some(location),
        etag: Some(etag),
    })
}

/// Parses the `limit` and `cursor` of a history-like endpoint (ordered by id).
pub fn id_page(raw: Option<&str>) -> ApiResult<(u32, Option<Uuid>)> {
    let mut q = ListQuery::parse(raw, &["limit", "cursor"], &[])?;
    let limit = q.limit();
    let after = q.cursor().map(|c| c.id);
    q.finish()?;
    Ok((limit, after))
}

/// The cursor of a row in an id-ordered list.
pub fn id_cursor(id: Uuid) -> Cursor {
    Cursor {
        sort: "id".into(),
        value: String::new(),
        id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_parameters_split_off_the_list_query() {
        let mut errors = Vec::new();
        let part = split_custom(
            Some("status=lead&cf.tier=gold&sort=-cf.score&limit=5"),
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(part.rest, "status=lead&limit=5");
        assert_eq!(
            part.criteria.filters,
            vec![("tier".to_owned(), "gold".to_owned())]
        );
        assert_eq!(part.criteria.sort_key.as_deref(), Some("score"));
        assert_eq!(part.order, Some(SortOrder::Desc));

        let part = split_custom(Some("sort=name&q=x"), &mut errors);
        assert_eq!((part.rest.as_str(), part.order), ("sort=name&q=x", None));

        for (raw, field) in [
            ("sort=cf.Bad", "sort"),
            ("cf.a=1&cf.a=2", "cf.a"),
            ("cf.Nope=1", "cf.Nope"),
            ("sort=name&sort=cf.a", "sort"),
            ("sort=cf.a&sort=name", "sort"),
        ] {
            let mut errors = Vec::new();
            split_custom(Some(raw), &mut errors);
            let got: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(got, vec![field], "{raw}");
        }
    }
}

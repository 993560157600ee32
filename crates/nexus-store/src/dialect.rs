//! The places where SQLite and PostgreSQL need different SQL, kept small and together.

use crate::db_err;
use nexus_core::custom_field::ValueKind;
use nexus_core::error::CoreResult;
use sqlx::{Postgres, Sqlite, Transaction};

/// How a customer search finds its rows on SQLite (PostgreSQL's trigram index serves every
/// case the same way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SearchPlan {
    /// `LIKE` on each row: needles under three characters (too short for the trigram index),
    /// and the window of a windowed search.
    Like,
    /// The trigram index hands back every match, which are then sorted: for needles that match
    /// few rows.
    Index,
    /// The rows are walked in list order (by the sort's index) and each checked against the
    /// index's matches, until a page is full: for needles that match many rows, where fetching
    /// and sorting every match would read most of the table.
    Walk,
}

/// Backend-specific pieces, implemented once per backend.
pub(crate) trait Dialect {
    /// A predicate matching customers whose name, email, company or phone contains the text
    /// bound at `$n` (as produced by [`Dialect::search_arg`]).
    fn search_clause(n: usize, plan: SearchPlan) -> String;
    /// The bind value for a search text.
    fn search_arg(q: &str, plan: SearchPlan) -> String;
    /// Whether statements with thousands of parameters (bulk loads) use anonymous `?`
    /// placeholders, bound in order, instead of `$n`.
    fn positional_bulk_params() -> bool;
    /// The clause that locks the rows a `SELECT` reads until the transaction ends (SQLite has
    /// a single writer, so its write transactions are serialised anyway).
    fn for_update() -> &'static str;
    /// The bind value addressing the attribute `key` of a record's `attributes` (a validated
    /// snake_case key, bound, never spliced into SQL).
    fn attr_path(key: &str) -> String;
    /// The attribute addressed by the path operand `p` (a parameter, or a literal of
    /// [`attr_path`](Self::attr_path)) of the record of table alias `t` (a constant of the
    /// caller; empty in an index definition), typed as `kind` (NULL when it is missing or of
    /// another JSON type, so that stray values never break a cast).
    fn attr_value(t: &str, kind: ValueKind, p: &str) -> String;
    /// Whether the list attribute addressed by `$p` of record `t` holds the text `$v`.
    fn attr_contains(t: &str, p: usize, v: usize) -> String;
    /// Whether record `t` holds a non-null value at the attribute addressed by `$n`.
    fn attr_present(t: &str, n: usize) -> String;
    /// A constant no value of [`attr_value`](Self::attr_value) of `kind` is below, for backends
    /// that need `value >= bound` to start an index range after the NULLs: SQLite reads
    /// `IS NOT NULL` as a range only with STAT4 statistics, so an ascending sort by a field
    /// most records lack would first step over all of them (1 s at 1M customers).
    fn attr_lower_bound(kind: ValueKind) -> Option<&'static str>;
}

/// The dialect of a connection, for code written once for both backends (macros that only see
/// the connection).
pub(crate) trait ConnectionDialect {
    /// [`Dialect::positional_bulk_params`] of the connection's backend.
    fn bulk_positional(&self) -> bool;
}

impl ConnectionDialect for sqlx::SqliteConnection {
    fn bulk_positional(&self) -> bool {
        Sqlite::positional_bulk_params()
    }
}

impl ConnectionDialect for sqlx::PgConnection {
    fn bulk_positional(&self) -> bool {
        Postgres::positional_bulk_params()
    }
}

impl Dialect for Sqlite {
    fn search_clause(n: usize, plan: SearchPlan) -> String {
        match plan {
            SearchPlan::Like => format!(
                "(c.name LIKE ${n} ESCAPE '\\' OR c.email LIKE ${n} ESCAPE '\\' OR c.company_name LIKE ${n} ESCAPE '\\' OR c.phone LIKE ${n} ESCAPE '\\')"
            ),
            SearchPlan::Index => {
                format!(
                    "c.rowid IN (SELECT rowid FROM customers_fts WHERE customers_fts MATCH ${n})"
                )
            }
            // The unary `+` keeps the planner from driving the query by the matches' rowids: it
            // walks an index in list order and tests each row against the matches, gathered
            // once into a temporary index.
            SearchPlan::Walk => format!(
                "+c.rowid IN (SELECT rowid FROM customers_fts WHERE customers_fts MATCH ${n})"
            ),
        }
    }
    fn search_arg(q: &str, plan: SearchPlan) -> String {
        if plan == SearchPlan::Like {
            like_pattern(q)
        } else {
            format!("\"{}\"", q.replace('"', "\"\""))
        }
    }
    fn positional_bulk_params() -> bool {
        // sqlx resolves every `$n` through `sqlite3_bind_parameter_name`, a linear scan of the
        // statement's parameter names: binding thousands of named parameters is quadratic and
        // cost more than the insert itself (a 500-row statement: half of the load's time). Anonymous `?` parameters have no names to scan.
        true
    }
    fn for_update() -> &'static str {
        ""
    }
    fn attr_path(key: &str) -> String {
        format!("$.\"{key}\"")
    }
    fn attr_value(t: &str, kind: ValueKind, p: &str) -> String {
        let a = attributes_of(t);
        let v = format!("json_extract({a}, {p})");
        let t = format!("json_type({a}, {p})");
        match kind {
            ValueKind::Text => format!("(CASE WHEN {t} = 'text' THEN {v} END)"),
            ValueKind::Number => format!("(CASE WHEN {t} IN ('integer', 'real') THEN {v} END)"),
            ValueKind::Boolean => format!("(CASE {t} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)"),
            ValueKind::List => "NULL".into(),
        }
    }
    fn attr_contains(t: &str, p: usize, v: usize) -> String {
        format!(
            "(json_type({t}.attributes, ${p}) = 'array' AND EXISTS (SELECT 1 FROM json_each({t}.attributes, ${p}) j WHERE j.value = ${v}))"
        )
    }
    fn attr_present(t: &str, n: usize) -> String {
        format!("coalesce(json_type({t}.attributes, ${n}), 'null') <> 'null'")
    }
    fn attr_lower_bound(kind: ValueKind) -> Option<&'static str> {
        match kind {
            // The empty string sorts first under BINARY; -9e999 is SQLite's -Infinity.
            ValueKind::Text => Some("''"),
            ValueKind::Number | ValueKind::Boolean => Some("-9e999"),
            ValueKind::List => None,
        }
    }
}

impl Dialect for Postgres {
    fn search_clause(n: usize, _plan: SearchPlan) -> String {
        // The trigram index on `search_text` finds candidates; the per-field recheck keeps a
        // match from spanning two fields (as on SQLite, whose index is per column).
        format!(
            "(c.search_text LIKE ${n} ESCAPE '\\' AND (lower(c.name) LIKE ${n} ESCAPE '\\' \
             OR lower(c.email) LIKE ${n} ESCAPE '\\' OR lower(c.company_name) LIKE ${n} ESCAPE '\\' \
             OR lower(c.phone) LIKE ${n} ESCAPE '\\'))"
        )
    }
    fn search_arg(q: &str, _plan: SearchPlan) -> String {
        like_pattern(&q.to_lowercase())
    }
    fn positional_bulk_params() -> bool {
        // PostgreSQL only accepts `$n`.
        false
    }
    fn for_update() -> &'static str {
        " FOR UPDATE"
    }
    fn attr_path(key: &str) -> String {
        key.to_owned()
    }
    fn attr_value(t: &str, kind: ValueKind, p: &str) -> String {
        let a = attributes_of(t);
        let v = format!("({a} ->> {p})");
        let t = format!("jsonb_typeof({a} -> {p})");
        match kind {
            ValueKind::Text => format!("(CASE WHEN {t} = 'string' THEN {v} END)"),
            ValueKind::Number => format!("(CASE WHEN {t} = 'number' THEN {v}::numeric END)"),
            ValueKind::Boolean => format!(
                "(CASE WHEN {t} = 'boolean' THEN (CASE WHEN {v} = 'true' THEN 1 ELSE 0 END) END)"
            ),
            ValueKind::List => "NULL".into(),
        }
    }
    fn attr_contains(t: &str, p: usize, v: usize) -> String {
        format!(
            "(jsonb_typeof({t}.attributes -> ${p}) = 'array' AND ({t}.attributes -> ${p}) @> jsonb_build_array(${v}::text))"
        )
    }
    fn attr_present(t: &str, n: usize) -> String {
        format!("coalesce(jsonb_typeof({t}.attributes -> ${n}), 'null') <> 'null'")
    }
    fn attr_lower_bound(_: ValueKind) -> Option<&'static str> {
        // A btree index range starts after the NULLs on `IS NOT NULL` alone.
        None
    }
}

/// The `attributes` column of table alias `t`, unqualified when `t` is empty.
fn attributes_of(t: &str) -> String {
    if t.is_empty() {
        "attributes".into()
    } else {
        format!("{t}.attributes")
    }
}

/// `%text%` with LIKE wildcards escaped.
pub(crate) fn like_pattern(q: &str) -> String {
    let mut s = String::with_capacity(q.len() + 2);
    s.push('%');
    for ch in q.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(ch);
    }
    s.push('%');
    s
}

/// Takes the sequencer's lock for this transaction, or reports that another instance holds it.
pub(crate) trait SequencerLock {
    async fn try_lock(&mut self) -> CoreResult<bool>;
}

impl SequencerLock for Transaction<'_, Sqlite> {
    async fn try_lock(&mut self) -> CoreResult<bool> {
        // SQLite has a single writer connection: whoever runs here holds the write lock.
        Ok(true)
    }
}

impl SequencerLock for Transaction<'_, Postgres> {
    async fn try_lock(&mut self) -> CoreResult<bool> {
        sqlx::query_scalar::<_, bool>("SELECT pg_try_advisory_xact_lock(7346132)")
            .fetch_one(&mut **self)
            .await
            .map_err(db_err)
    }
}

pub(crate) async fn try_lock_sequencer<T: SequencerLock>(tx: &mut T) -> CoreResult<bool> {
    tx.try_lock().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(
            <Sqlite as Dialect>::search_arg("say \"hi\"", SearchPlan::Index),
            "\"say \"\"hi\"\"\""
        );
    }
}

//! The places where SQLite and PostgreSQL need different SQL, kept small and together.

use crate::db_err;
use nexus_core::error::CoreResult;
use sqlx::{Postgres, Sqlite, Transaction};

/// Backend-specific pieces, implemented once per backend.
pub(crate) trait Dialect {
    /// A predicate matching customers whose name, email, company or phone contains the text
    /// bound at `$n` (as produced by [`Dialect::search_arg`]).
    fn search_clause(n: usize, short: bool) -> String;
    /// The bind value for a search text.
    fn search_arg(q: &str, short: bool) -> String;
    /// Whether statements with thousands of parameters (bulk loads) use anonymous `?`
    /// placeholders, bound in order, instead of `$n`.
    fn positional_bulk_params() -> bool;
    /// The clause that locks the rows a `SELECT` reads until the transaction ends (SQLite has
    /// a single writer, so its write transactions are serialised anyway).
    fn for_update() -> &'static str;
}

impl Dialect for Sqlite {
    fn search_clause(n: usize, short: bool) -> String {
        if short {
            // Trigram indexes need three characters; shorter needles scan.
            format!(
                "(c.name LIKE ${n} ESCAPE '\\' OR c.email LIKE ${n} ESCAPE '\\' OR c.company_name LIKE ${n} ESCAPE '\\' OR c.phone LIKE ${n} ESCAPE '\\')"
            )
        } else {
            format!("c.rowid IN (SELECT rowid FROM customers_fts WHERE customers_fts MATCH ${n})")
        }
    }
    fn search_arg(q: &str, short: bool) -> String {
        if short {
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
}

impl Dialect for Postgres {
    fn search_clause(n: usize, _short: bool) -> String {
        // The trigram index on `search_text` finds candidates; the per-field recheck keeps a
        // match from spanning two fields (as on SQLite, whose index is per column).
        format!(
            "(c.search_text LIKE ${n} ESCAPE '\\' AND (lower(c.name) LIKE ${n} ESCAPE '\\' \
             OR lower(c.email) LIKE ${n} ESCAPE '\\' OR lower(c.company_name) LIKE ${n} ESCAPE '\\' \
             OR lower(c.phone) LIKE ${n} ESCAPE '\\'))"
        )
    }
    fn search_arg(q: &str, _short: bool) -> String {
        like_pattern(&q.to_lowercase())
    }
    fn positional_bulk_params() -> bool {
        // PostgreSQL only accepts `$n`.
        false
    }
    fn for_update() -> &'static str {
        " FOR UPDATE"
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
            <Sqlite as Dialect>::search_arg("say \"hi\"", false),
            "\"say \"\"hi\"\"\""
        );
    }
}

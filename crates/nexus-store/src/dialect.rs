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

/// Search-index maintenance around a bulk load, inside the load's transaction.
pub(crate) trait BulkSearchIndex {
    /// Called before the rows are inserted; returns what
    /// [`BulkSearchIndex::resume_search_index`] needs.
    async fn suspend_search_index(&mut self) -> CoreResult<Option<SuspendedSearchIndex>>;
    /// Called after the rows are inserted, before commit: indexes the loaded rows.
    async fn resume_search_index(
        &mut self,
        suspended: Option<SuspendedSearchIndex>,
    ) -> CoreResult<()>;
}

/// The SQLite FTS insert trigger, dropped for the duration of a bulk load.
pub(crate) struct SuspendedSearchIndex {
    /// `CREATE TRIGGER …` as stored in the schema, to restore it verbatim.
    trigger_sql: String,
    /// Rows with a larger rowid are the loaded ones.
    max_rowid: i64,
}

impl BulkSearchIndex for Transaction<'_, Sqlite> {
    async fn suspend_search_index(&mut self) -> CoreResult<Option<SuspendedSearchIndex>> {
        // The trigger indexes row by row, and FTS5 flushes its pending terms to a new segment
        // at the end of every statement, so a load of many multi-row statements writes (and
        // then merges) many small segments. Instead the trigger is dropped for the load and
        // the loaded rows are indexed with one INSERT … SELECT. All of it happens in the
        // load's transaction: readers keep seeing the table with its trigger (WAL snapshot),
        // and a failed load rolls the DROP back. SQLite has a single writer, so no other
        // insert can slip in while the trigger is gone.
        let sql: Option<String> = sqlx::query_scalar(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'customers_fts_insert'",
        )
        .fetch_optional(&mut **self)
        .await
        .map_err(db_err)?;
        let Some(trigger_sql) = sql else {
            return Ok(None);
        };
        let max_rowid: i64 = sqlx::query_scalar("SELECT coalesce(max(rowid), 0) FROM customers")
            .fetch_one(&mut **self)
            .await
            .map_err(db_err)?;
        sqlx::query("DROP TRIGGER customers_fts_insert")
            .execute(&mut **self)
            .await
            .map_err(db_err)?;
        Ok(Some(SuspendedSearchIndex {
            trigger_sql,
            max_rowid,
        }))
    }

    async fn resume_search_index(
        &mut self,
        suspended: Option<SuspendedSearchIndex>,
    ) -> CoreResult<()> {
        let Some(s) = suspended else {
            return Ok(());
        };
        // New rows get rowids above the previous maximum (the table never reached the largest
        // rowid, which is when SQLite would start picking free ones at random).
        sqlx::query(
            "INSERT INTO customers_fts (rowid, name, email, company_name, phone) \
             SELECT rowid, name, email, company_name, phone FROM customers WHERE rowid > $1",
        )
        .bind(s.max_rowid)
        .execute(&mut **self)
        .await
        .map_err(db_err)?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(s.trigger_sql))
            .execute(&mut **self)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

impl BulkSearchIndex for Transaction<'_, Postgres> {
    async fn suspend_search_index(&mut self) -> CoreResult<Option<SuspendedSearchIndex>> {
        // The trigram index covers a generated column and PostgreSQL maintains it (GIN pending
        // list): nothing to defer.
        Ok(None)
    }

    async fn resume_search_index(
        &mut self,
        _suspended: Option<SuspendedSearchIndex>,
    ) -> CoreResult<()> {
        Ok(())
    }
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

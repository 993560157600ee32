//! A small builder for the `WHERE` clause of keyset-paginated lists: numbered placeholders with
//! their arguments, the caller's scope, and the "after this cursor" condition.

use crate::rows::Arg;
use chrono::{DateTime, Utc};
use nexus_core::auth::Scope;
use nexus_core::customer::DeletedFilter;
use nexus_core::error::{CoreError, CoreResult};
use nexus_core::page::{Cursor, SortOrder};

#[derive(Default)]
pub(crate) struct Filter {
    pub args: Vec<Arg>,
    pub conds: Vec<String>,
}

impl Filter {
    /// Adds an argument and returns its placeholder number.
    pub fn arg(&mut self, a: Arg) -> usize {
        self.args.push(a);
        self.args.len()
    }

    pub fn cond(&mut self, c: impl Into<String>) {
        self.conds.push(c.into());
    }

    /// Restricts to records whose owner / team columns (on table alias `t`) are in `scope`.
    pub fn scope(&mut self, scope: Scope, t: &str) {
        match scope {
            Scope::All => {}
            Scope::Team {
                team_id: Some(team),
                user_id,
            } => {
                let a = self.arg(Arg::Uuid(team.0));
                let b = self.arg(Arg::Uuid(user_id.0));
                self.cond(format!("({t}.team_id = ${a} OR {t}.owner_id = ${b})"));
            }
            Scope::Team {
                team_id: None,
                user_id,
            } => {
                let b = self.arg(Arg::Uuid(user_id.0));
                self.cond(format!("{t}.owner_id = ${b}"));
            }
        }
    }

    /// Live rows, or only the soft-deleted ones, of table alias `t`.
    pub fn deleted(&mut self, d: DeletedFilter, t: &str) {
        self.cond(match d {
            DeletedFilter::Exclude => format!("{t}.deleted_at IS NULL"),
            DeletedFilter::Only => format!("{t}.deleted_at IS NOT NULL"),
        });
    }

    /// Rows after `cursor` in `(sort_expr, id_expr)` order. `value` decodes the cursor's
    /// sort value into the right bind type.
    pub fn after(
        &mut self,
        cursor: &Cursor,
        sort_name: &str,
        sort_expr: &str,
        id_expr: &str,
        order: SortOrder,
        value: impl FnOnce(&str) -> Option<Arg>,
    ) -> CoreResult<()> {
        if cursor.sort != sort_name {
            return Err(CoreError::invalid(
                "cursor",
                "invalid_cursor",
                "was issued for another sort order",
            ));
        }
        let v = value(&cursor.value).ok_or_else(bad_cursor)?;
        let a = self.arg(v);
        let b = self.arg(Arg::Uuid(cursor.id));
        let cmp = match order {
            SortOrder::Asc => ">",
            SortOrder::Desc => "<",
        };
        self.cond(format!("({sort_expr}, {id_expr}) {cmp} (${a}, ${b})"));
        Ok(())
    }

    /// `WHERE a AND b …` (or nothing).
    pub fn where_clause(&self) -> String {
        if self.conds.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conds.join(" AND "))
        }
    }
}

pub(crate) fn bad_cursor() -> CoreError {
    CoreError::invalid(
        "cursor",
        "invalid_cursor",
        "is not a cursor returned by this API",
    )
}

/// A cursor value holding a time.
pub(crate) fn time_value(v: &str) -> Option<Arg> {
    DateTime::parse_from_rfc3339(v)
        .ok()
        .map(|t| Arg::Time(t.with_timezone(&Utc)))
}

/// A cursor value holding an integer.
pub(crate) fn int_value(v: &str) -> Option<Arg> {
    v.parse::<i64>().ok().map(Arg::Int)
}

/// A cursor value holding text.
pub(crate) fn text_value(v: &str) -> Option<Arg> {
    Some(Arg::Text(v.to_owned()))
}

pub(crate) fn direction(order: SortOrder) -> &'static str {
    match order {
        SortOrder::Asc => "ASC",
        SortOrder::Desc => "DESC",
    }
}

/// Values bound per statement by [`select_in!`].
pub(crate) const IN_CHUNK: usize = 500;

/// Runs `$sql` once per chunk of [`IN_CHUNK`] `$values` and collects the rows: `{in}` in the
/// SQL stands for the chunk's placeholders, numbered after the `[$pre]` values bound first.
/// `$query` is `sqlx::query_as` or `sqlx::query_scalar`; `|v| expr` binds one value. The result
/// type comes from the caller (`let rows: Vec<Row> = select_in!(…)`).
macro_rules! select_in {
    ($db:expr, $query:path, $sql:expr, [$($pre:expr),*], $values:expr, |$v:ident| $bind:expr) => {{
        let mut out = Vec::new();
        let first = 1 $(+ { let _ = &$pre; 1 })*;
        for chunk in $values.chunks($crate::query::IN_CHUNK) {
            let list: Vec<String> =
                (first..first + chunk.len()).map(|i| format!("${i}")).collect();
            let sql = $sql.replace("{in}", &list.join(", "));
            let mut rows = $crate::with_pool!($db, read, conn => {
                let q = $query(sqlx::AssertSqlSafe(sql.clone()));
                $(let q = q.bind($pre);)*
                let mut q = q;
                for $v in chunk {
                    q = q.bind($bind);
                }
                q.fetch_all(conn).await.map_err($crate::db_err)?
            });
            out.append(&mut rows);
        }
        out
    }};
}
pub(crate) use select_in;

/// Rows per multi-row `UPDATE` of [`update_from_values`] (at most 21 parameters each: within
/// SQLite's 32,766 and PostgreSQL's 65,535).
pub(crate) const UPDATE_ROWS: usize = 1000;

/// `UPDATE {table} SET … FROM (VALUES …) AS v … WHERE …` for `rows` rows, each bound as
/// `columns` (the id first, then the columns to set) followed by the version it replaces: every
/// column but the id takes the row's value where the id matches, the version is the expected
/// one and `and` (more conditions on `{table}`'s columns, or empty) holds. One statement writes
/// many rows where an `UPDATE` per row costs a round trip each (and, on a table with a trigram
/// index, one flush of FTS5's pending entries each). The VALUES columns are `column1`…`columnN`
/// on both backends.
pub(crate) fn update_from_values(
    table: &str,
    columns: &[&str],
    and: &str,
    positional: bool,
    rows: usize,
) -> String {
    let sets: Vec<String> = columns
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, col)| format!("{col} = v.column{}", i + 1))
        .collect();
    let n = columns.len() + 1;
    format!(
        "UPDATE {table} SET {} FROM ({}) AS v WHERE {table}.id = v.column1 AND {table}.version = v.column{n}{and}",
        sets.join(", "),
        crate::customers::bulk::multi_row_values("", positional, rows, n).trim_start(),
    )
}

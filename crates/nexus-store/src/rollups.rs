//! The dashboard rollups (migration 0005): revenue by month and new customers by day, keyed by
//! the customer's owner and team (the nil UUID for "no team"). The store keeps them exact by
//! moving them in the same database transaction as the write that changes them:
//!
//! - a transaction write takes its customer's aggregate lock (see `transactions.rs`), subtracts
//!   the customer's revenue rows, writes, and adds them back recomputed — so a status change,
//!   a re-dated or deleted transaction lands in the right month;
//! - a customer write that changes the owner or team does the same under the same lock, so the
//!   customer's revenue follows it to the new owner; creating, deleting, restoring or
//!   reassigning a customer moves its day's signup count.
//!
//! Like the per-customer aggregates, the revenue step recomputes from the customer's rows
//! rather than adding a client-computed delta, so it cannot drift.

use std::sync::LazyLock;

/// `(subtract, add)`: the customer's (`$1`) live completed transactions grouped by UTC month
/// and currency, upserted negatively or positively into `rollup_revenue`; `$2` is the nil UUID.
pub(crate) fn revenue_sql(sqlite: bool) -> (&'static str, &'static str) {
    static SQL: LazyLock<[String; 4]> = LazyLock::new(|| {
        let build = |month: &str, sign: &str| {
            format!(
                "INSERT INTO rollup_revenue (month, currency, owner_id, team_id, revenue, purchases) \
                 SELECT {month}, t.currency, c.owner_id, coalesce(c.team_id, $2), {sign}sum(t.total), {sign}count(*) \
                 FROM transactions t JOIN customers c ON c.id = t.customer_id \
                 WHERE t.customer_id = $1 AND t.deleted_at IS NULL AND t.status = 'completed' \
                 GROUP BY 1, 2, 3, 4 \
                 ON CONFLICT (month, currency, owner_id, team_id, shard) DO UPDATE SET \
                 revenue = rollup_revenue.revenue + excluded.revenue, \
                 purchases = rollup_revenue.purchases + excluded.purchases"
            )
        };
        let sqlite = "substr(t.occurred_at, 1, 7)";
        let pg = "to_char(t.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM')";
        [
            build(sqlite, "-"),
            build(sqlite, ""),
            build(pg, "-"),
            build(pg, ""),
        ]
    });
    let i = if sqlite { 0 } else { 2 };
    (&SQL[i], &SQL[i + 1])
}

/// Adds `$4` customers to day `$1` of owner `$2` and team `$3`.
pub(crate) const BUMP_SIGNUPS: &str = "INSERT INTO rollup_signups (day, owner_id, team_id, customers) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (day, owner_id, team_id, shard) DO UPDATE SET customers = rollup_signups.customers + excluded.customers";

/// The rollup key of a customer's signup: its UTC creation day, owner and team.
pub(crate) type SignupKey = (String, uuid::Uuid, uuid::Uuid);

pub(crate) fn signup_key(
    created_at: nexus_core::time::Timestamp,
    owner: nexus_core::ids::UserId,
    team: Option<nexus_core::ids::TeamId>,
) -> SignupKey {
    (
        created_at.format("%Y-%m-%d").to_string(),
        owner.0,
        team.map_or(uuid::Uuid::nil(), |t| t.0),
    )
}

/// Live customers grouped by signup key, for the inserts of a batch.
pub(crate) fn signup_counts<'a>(
    customers: impl IntoIterator<Item = &'a nexus_core::customer::Customer>,
) -> std::collections::BTreeMap<SignupKey, i64> {
    let mut counts = std::collections::BTreeMap::new();
    for c in customers {
        if c.deleted_at.is_none() {
            *counts
                .entry(signup_key(c.created_at, c.owner_id, c.team_id))
                .or_insert(0) += 1;
        }
    }
    counts
}

/// Applies rollup deltas on a transaction: `$sql` upserts one row, bound with the key's parts
/// then the measures; `(key parts…), pattern => measures…` names them. Zero deltas are skipped.
/// Many deltas (a bulk load's thousands of days × owners) go in multi-row upserts of up to
/// [`ROLLUP_ROWS`] rows, built from `$sql` (see [`multi_row_upsert`]): one statement per row
/// would cost a round trip each.
macro_rules! bump_rollup {
    ($tx:expr, $sql:expr, $deltas:expr, ($($k:ident),+), $vp:pat => $($v:ident),+) => {{
        use $crate::dialect::ConnectionDialect as _;
        let rows: Vec<_> = $deltas
            .into_iter()
            .filter(|(_, $vp)| $(*$v != 0)||+)
            .collect();
        let cols = [$(stringify!($k)),+, $(stringify!($v)),+].len();
        let positional = (&*$tx).bulk_positional();
        for chunk in rows.chunks($crate::rollups::ROLLUP_ROWS) {
            let sql = $crate::rollups::multi_row_upsert($sql, positional, chunk.len(), cols)?;
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (($($k),+), $vp) in chunk {
                query = query $(.bind($k))+ $(.bind($v))+;
            }
            query.execute(&mut *$tx).await.map_err($crate::db_err)?;
        }
    }};
}
pub(crate) use bump_rollup;

/// Rows per multi-row rollup upsert (at most 7 parameters each).
pub(crate) const ROLLUP_ROWS: usize = 1000;

/// The `rows`-row form of `sql`, a one-row `INSERT … VALUES ($1, …, $cols) ON CONFLICT …`:
/// `sql` itself for one row (the statement ordinary writes prepare), else the same insert with
/// `rows` value lists (`?` placeholders when `positional`, see
/// [`crate::dialect::Dialect::positional_bulk_params`]).
pub(crate) fn multi_row_upsert(
    sql: &'static str,
    positional: bool,
    rows: usize,
    cols: usize,
) -> nexus_core::error::CoreResult<std::borrow::Cow<'static, str>> {
    if rows == 1 {
        return Ok(sql.into());
    }
    let malformed =
        || nexus_core::error::CoreError::Internal(format!("not a one-row upsert: {sql}"));
    let (head, rest) = sql.split_once(" VALUES (").ok_or_else(malformed)?;
    let (_, tail) = rest.split_once(')').ok_or_else(malformed)?;
    let mut out = crate::customers::bulk::multi_row_values(head, positional, rows, cols);
    out.push_str(tail);
    Ok(out.into())
}

/// Applies signup deltas on a transaction.
macro_rules! bump_signups {
    ($tx:expr, $deltas:expr) => {
        $crate::rollups::bump_rollup!($tx, $crate::rollups::BUMP_SIGNUPS, $deltas, (day, owner, team), n => n)
    };
}
pub(crate) use bump_signups;

/// What a rollup row adds up: a count, or a count and an amount.
pub(crate) trait Measure: Copy {
    fn minus(self, other: Self) -> Self;
    fn negated(self) -> Self;
}

impl Measure for i64 {
    fn minus(self, other: Self) -> Self {
        self - other
    }
    fn negated(self) -> Self {
        -self
    }
}

impl Measure for (i64, i64) {
    fn minus(self, other: Self) -> Self {
        (self.0 - other.0, self.1 - other.1)
    }
    fn negated(self) -> Self {
        (-self.0, -self.1)
    }
}

/// The rollup deltas of replacing a record that counted `old` under its key (`None`: it did not
/// count, being absent or deleted) by one that counts `new`: one delta when the key stays, else
/// the old row's subtraction and the new row's addition.
pub(crate) fn replace_deltas<K: PartialEq, V: Measure>(
    old: Option<(K, V)>,
    new: Option<(K, V)>,
) -> Vec<(K, V)> {
    match (old, new) {
        (Some((ko, vo)), Some((kn, vn))) if ko == kn => vec![(kn, vn.minus(vo))],
        (old, new) => old
            .map(|(k, v)| (k, v.negated()))
            .into_iter()
            .chain(new)
            .collect(),
    }
}

/// Runs one of [`revenue_sql`]'s statements for customer `$customer` on a transaction.
macro_rules! move_revenue {
    ($tx:expr, $sql:expr, $customer:expr) => {{
        sqlx::query($sql)
            .bind($customer)
            .bind(uuid::Uuid::nil())
            .execute(&mut *$tx)
            .await
            .map_err($crate::db_err)?;
    }};
}
pub(crate) use move_revenue;

/// Adds `$5` activities to day `$1`, owner `$2`, team `$3` and kind `$4` (migration 0016).
pub(crate) const BUMP_ACTIVITIES: &str = "INSERT INTO rollup_activities (day, owner_id, team_id, kind, activities) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (day, owner_id, team_id, kind, shard) DO UPDATE SET \
     activities = rollup_activities.activities + excluded.activities";

/// The rollup key of an activity: its UTC creation day, owner, team (nil for none) and kind.
pub(crate) type ActivityKey = (String, uuid::Uuid, uuid::Uuid, &'static str);

pub(crate) fn activity_key(a: &nexus_core::activity::Activity) -> ActivityKey {
    (
        a.created_at.format("%Y-%m-%d").to_string(),
        a.owner_id.0,
        a.team_id.map_or(uuid::Uuid::nil(), |t| t.0),
        a.kind.as_str(),
    )
}

/// The rollup deltas of replacing activity state `old` (`None`: it did not exist) by `new`:
/// a live activity counts once under its key.
pub(crate) fn activity_deltas(
    old: Option<(ActivityKey, bool)>,
    new: &nexus_core::activity::Activity,
) -> Vec<(ActivityKey, i64)> {
    replace_deltas(
        old.filter(|(_, live)| *live).map(|(k, _)| (k, 1)),
        new.deleted_at.is_none().then(|| (activity_key(new), 1)),
    )
}

/// `$1`-scoped subtraction of the live activities a customer erasure deletes (`$1` the customer,
/// `$2` the nil UUID), grouped into their rollup rows.
pub(crate) fn unroll_erased_activities_sql(sqlite: bool) -> &'static str {
    static SQL: LazyLock<[String; 2]> = LazyLock::new(|| {
        let build = |day: &str| {
            format!(
                "INSERT INTO rollup_activities (day, owner_id, team_id, kind, activities) \
                 SELECT {day}, a.owner_id, coalesce(a.team_id, $2), a.kind, -count(*) FROM activities a \
                 WHERE a.deleted_at IS NULL AND (a.customer_id = $1 OR a.deal_id IN (SELECT id FROM deals WHERE customer_id = $1)) \
                 GROUP BY 1, 2, 3, 4 \
                 ON CONFLICT (day, owner_id, team_id, kind, shard) DO UPDATE SET \
                 activities = rollup_activities.activities + excluded.activities"
            )
        };
        [
            build("substr(a.created_at, 1, 10)"),
            build("to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"),
        ]
    });
    &SQL[usize::from(!sqlite)]
}

/// Applies activity deltas on a transaction.
macro_rules! bump_activities {
    ($tx:expr, $deltas:expr) => {
        $crate::rollups::bump_rollup!($tx, $crate::rollups::BUMP_ACTIVITIES, $deltas, (day, owner, team, kind), n => n)
    };
}
pub(crate) use bump_activities;

/// Adds `$6` deals worth `$7` to pipeline `$1`, stage `$2`, currency `$3`, owner `$4` and team
/// `$5` (migration 0018).
pub(crate) const BUMP_DEALS: &str = "INSERT INTO rollup_deals (pipeline_id, stage_id, currency, owner_id, team_id, deals, value) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (pipeline_id, stage_id, currency, owner_id, team_id, shard) DO UPDATE SET \
     deals = rollup_deals.deals + excluded.deals, value = rollup_deals.value + excluded.value";

/// The rollup key of a deal: pipeline, stage, currency, owner and team (nil for none).
pub(crate) type DealKey = (uuid::Uuid, uuid::Uuid, &'static str, uuid::Uuid, uuid::Uuid);

/// What a deal adds to the pipeline rollup: `None` when deleted, else its key with one deal and
/// its value.
pub(crate) fn deal_count(d: &nexus_core::deal::Deal) -> Option<(DealKey, (i64, i64))> {
    d.deleted_at.is_none().then(|| {
        (
            (
                d.pipeline_id.0,
                d.stage_id.0,
                d.currency.as_str(),
                d.owner_id.0,
                d.team_id.map_or(uuid::Uuid::nil(), |t| t.0),
            ),
            (1, d.value),
        )
    })
}

/// Subtraction of the live deals a customer erasure deletes (`$1` the customer, `$2` the nil
/// UUID), grouped into their rollup rows (the same SQL on both backends).
pub(crate) const UNROLL_ERASED_DEALS: &str = "INSERT INTO rollup_deals (pipeline_id, stage_id, currency, owner_id, team_id, deals, value) \
     SELECT d.pipeline_id, d.stage_id, d.currency, d.owner_id, coalesce(d.team_id, $2), -count(*), -CAST(sum(d.value) AS BIGINT) \
     FROM deals d WHERE d.deleted_at IS NULL AND d.customer_id = $1 \
     GROUP BY 1, 2, 3, 4, 5 \
     ON CONFLICT (pipeline_id, stage_id, currency, owner_id, team_id, shard) DO UPDATE SET \
     deals = rollup_deals.deals + excluded.deals, value = rollup_deals.value + excluded.value";

/// Applies pipeline deltas on a transaction.
macro_rules! bump_deals {
    ($tx:expr, $deltas:expr) => {
        $crate::rollups::bump_rollup!($tx, $crate::rollups::BUMP_DEALS, $deltas, (pipeline, stage, currency, owner, team), (n, value) => n, value)
    };
}
pub(crate) use bump_deals;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multi_row_upsert_repeats_the_values_and_keeps_the_conflict_clause() {
        assert_eq!(
            multi_row_upsert(BUMP_SIGNUPS, true, 1, 4).unwrap(),
            BUMP_SIGNUPS
        );
        let tail = BUMP_SIGNUPS.split_once(") ON CONFLICT").unwrap().1;
        assert_eq!(
            multi_row_upsert(BUMP_SIGNUPS, true, 2, 4).unwrap(),
            format!(
                "INSERT INTO rollup_signups (day, owner_id, team_id, customers) VALUES \
                 (?, ?, ?, ?), (?, ?, ?, ?) ON CONFLICT{tail}"
            )
        );
        assert_eq!(
            multi_row_upsert(BUMP_DEALS, false, 2, 7).unwrap(),
            BUMP_DEALS.replacen(
                "($1, $2, $3, $4, $5, $6, $7)",
                "($1, $2, $3, $4, $5, $6, $7), ($8, $9, $10, $11, $12, $13, $14)",
                1
            )
        );
        assert!(multi_row_upsert("DELETE FROM rollup_signups", true, 2, 4).is_err());
    }
}

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
                 ON CONFLICT (month, currency, owner_id, team_id) DO UPDATE SET \
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
     ON CONFLICT (day, owner_id, team_id) DO UPDATE SET customers = rollup_signups.customers + excluded.customers";

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

/// Applies signup deltas on a transaction.
macro_rules! bump_signups {
    ($tx:expr, $deltas:expr) => {{
        for ((day, owner, team), n) in $deltas {
            if n != 0 {
                sqlx::query($crate::rollups::BUMP_SIGNUPS)
                    .bind(day)
                    .bind(owner)
                    .bind(team)
                    .bind(n)
                    .execute(&mut *$tx)
                    .await
                    .map_err($crate::db_err)?;
            }
        }
    }};
}
pub(crate) use bump_signups;

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
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (day, owner_id, team_id, kind) DO UPDATE SET \
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
    let mut out: Vec<(ActivityKey, i64)> = Vec::with_capacity(2);
    if let Some((key, true)) = old {
        out.push((key, -1));
    }
    if new.deleted_at.is_none() {
        let key = activity_key(new);
        match out.iter().position(|(k, _)| *k == key) {
            Some(i) => {
                out.remove(i);
            }
            None => out.push((key, 1)),
        }
    }
    out
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
                 ON CONFLICT (day, owner_id, team_id, kind) DO UPDATE SET \
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
    ($tx:expr, $deltas:expr) => {{
        for ((day, owner, team, kind), n) in $deltas {
            if n != 0 {
                sqlx::query($crate::rollups::BUMP_ACTIVITIES)
                    .bind(day)
                    .bind(owner)
                    .bind(team)
                    .bind(kind)
                    .bind(n)
                    .execute(&mut *$tx)
                    .await
                    .map_err($crate::db_err)?;
            }
        }
    }};
}
pub(crate) use bump_activities;

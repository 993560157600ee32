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

//! Activity persistence: inserts and optimistic updates with their events, keyset lists with
//! the "my open tasks" and overdue filters and `cf.<key>` custom fields, and the sentiment job's
//! reads and writes. Custom-field values live in `attributes`; the uniqueness index follows in
//! the write's transaction.

use crate::custom_fields::{SortPart, custom_sort, list_in_sort_parts, write_unique_values};
use crate::dialect::Dialect;
use crate::events::write_unless_changed;
use crate::query::Filter;
use crate::rollups::{activity_deltas, bump_activities};
use crate::rows::{Arg, bind_args};
use crate::{Db, db_err, insert_event, with_pool};
use chrono::{DateTime, Utc};
use nexus_core::activity::{Activity, ActivityKind, ActivityQuery, ActivitySortField, no_due_date};
use nexus_core::auth::Scope;
use nexus_core::error::{CoreError, CoreResult};
use nexus_core::event::Event;
use nexus_core::ids::{ActivityId, CustomerId, DealId, TeamId, UserId};
use nexus_core::page::SortOrder;
use nexus_core::time::Timestamp;
use serde_json::{Map, Value};
use sqlx::Connection as _;
use sqlx::types::Json;
use sqlx::{Postgres, Sqlite};
use uuid::Uuid;

const ACTIVITY_COLUMNS: &str = "a.id, a.kind, a.subject, a.body, a.due_at, a.done, a.completed_at, a.assignee_id, \
     a.customer_id, a.deal_id, a.owner_id, a.team_id, a.version, a.created_at, a.updated_at, a.deleted_at, a.sentiment, a.attributes";

#[derive(sqlx::FromRow)]
struct ActivityRow {
    id: Uuid,
    kind: String,
    subject: String,
    body: Option<String>,
    due_at: Option<DateTime<Utc>>,
    done: bool,
    completed_at: Option<DateTime<Utc>>,
    assignee_id: Option<Uuid>,
    customer_id: Uuid,
    deal_id: Option<Uuid>,
    owner_id: Uuid,
    team_id: Option<Uuid>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
    sentiment: Option<f64>,
    attributes: Json<Map<String, Value>>,
}

impl TryFrom<ActivityRow> for Activity {
    type Error = CoreError;
    fn try_from(r: ActivityRow) -> Result<Self, CoreError> {
        Ok(Activity {
            id: ActivityId(r.id),
            kind: r
                .kind
                .parse::<ActivityKind>()
                .map_err(|_| CoreError::Internal(format!("stored activity kind {:?}", r.kind)))?,
            subject: r.subject,
            body: r.body,
            due_at: r.due_at,
            done: r.done,
            completed_at: r.completed_at,
            assignee_id: r.assignee_id.map(UserId),
            customer_id: CustomerId(r.customer_id),
            deal_id: r.deal_id.map(DealId),
            owner_id: UserId(r.owner_id),
            team_id: r.team_id.map(TeamId),
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
            sentiment: r.sentiment,
            attributes: r.attributes.0,
        })
    }
}

impl Db {
    pub(crate) async fn insert_activity(&self, a: &Activity, event: &Event) -> CoreResult<()> {
        with_pool!(self, write, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query(
                "INSERT INTO activities (id, kind, subject, body, due_at, done, completed_at, assignee_id, customer_id, deal_id, \
                 owner_id, team_id, version, created_at, updated_at, deleted_at, sentiment, attributes) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
            )
            .bind(a.id.0).bind(a.kind.as_str()).bind(&a.subject).bind(&a.body).bind(a.due_at).bind(a.done)
            .bind(a.completed_at).bind(a.assignee_id.map(|u| u.0)).bind(a.customer_id.0).bind(a.deal_id.map(|d| d.0))
            .bind(a.owner_id.0).bind(a.team_id.map(|t| t.0)).bind(a.version).bind(a.created_at).bind(a.updated_at)
            .bind(a.deleted_at).bind(a.sentiment).bind(Json(&a.attributes))
            .execute(&mut *tx).await.map_err(db_err)?;
            write_unique_values!(tx, [a], false);
            bump_activities!(tx, activity_deltas(None, a));
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(())
    }

    pub(crate) async fn get_activity(&self, id: ActivityId) -> CoreResult<Option<Activity>> {
        let sql = format!("SELECT {ACTIVITY_COLUMNS} FROM activities a WHERE a.id = $1");
        let row: Option<ActivityRow> = with_pool!(self, read, pool =>
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id.0).fetch_optional(pool).await.map_err(db_err)?);
        row.map(Activity::try_from).transpose()
    }

    pub(crate) async fn update_activity(
        &self,
        a: &Activity,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool> {
        const SQL: &str = "UPDATE activities SET kind = $2, subject = $3, body = $4, due_at = $5, done = $6, completed_at = $7, \
             assignee_id = $8, customer_id = $9, deal_id = $10, owner_id = $11, team_id = $12, version = $13, \
             updated_at = $14, deleted_at = $15, sentiment = $17, attributes = $18 WHERE id = $1 AND version = $16";
        // The rollup key of the version being replaced (a concurrent writer changes the version,
        // and then the update below matches no row).
        const PREV: &str = "SELECT kind, owner_id, team_id, created_at, deleted_at FROM activities WHERE id = $1 AND version = $2";
        type Prev = (
            String,
            Uuid,
            Option<Uuid>,
            DateTime<Utc>,
            Option<DateTime<Utc>>,
        );
        with_pool!(self, write, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let prev: Option<Prev> = sqlx::query_as(PREV).bind(a.id.0).bind(expected_version)
                .fetch_optional(&mut *tx).await.map_err(db_err)?;
            let Some((kind, owner, team, created_at, deleted_at)) = prev else {
                return Ok(false);
            };
            let kind = kind.parse::<ActivityKind>()
                .map_err(|()| CoreError::Internal(format!("stored activity kind {kind:?}")))?;
            let old_key = (created_at.format("%Y-%m-%d").to_string(), owner, team.unwrap_or(Uuid::nil()), kind.as_str());
            let done = sqlx::query(SQL)
                .bind(a.id.0).bind(a.kind.as_str()).bind(&a.subject).bind(&a.body).bind(a.due_at).bind(a.done)
                .bind(a.completed_at).bind(a.assignee_id.map(|u| u.0)).bind(a.customer_id.0).bind(a.deal_id.map(|d| d.0))
                .bind(a.owner_id.0).bind(a.team_id.map(|t| t.0)).bind(a.version).bind(a.updated_at).bind(a.deleted_at)
                .bind(expected_version).bind(a.sentiment).bind(Json(&a.attributes))
                .execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            write_unique_values!(tx, [a], true);
            bump_activities!(tx, activity_deltas(Some((old_key, deleted_at.is_none())), a));
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(true)
    }

    /// Live activities with a non-empty body and no sentiment, in (created_at, id) order after
    /// `after`. The predicate is that of the partial index `activities_sentiment_pending`
    /// (migration 0014), so a page costs its own rows however many activities are scored.
    pub(crate) async fn unscored_activities(
        &self,
        after: Option<(Timestamp, ActivityId)>,
        limit: u32,
    ) -> CoreResult<Vec<Activity>> {
        const PENDING: &str =
            "a.sentiment IS NULL AND a.body IS NOT NULL AND a.body <> '' AND a.deleted_at IS NULL";
        let keyset = if after.is_some() {
            " AND (a.created_at, a.id) > ($2, $3)"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {ACTIVITY_COLUMNS} FROM activities a WHERE {PENDING}{keyset} \
             ORDER BY a.created_at, a.id LIMIT $1"
        );
        let rows: Vec<ActivityRow> = with_pool!(self, read, pool => {
            let q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(i64::from(limit));
            let q = match after {
                Some((t, id)) => q.bind(t).bind(id.0),
                None => q,
            };
            q.fetch_all(pool).await.map_err(db_err)?
        });
        rows.into_iter().map(Activity::try_from).collect()
    }

    /// Writes the sentiment (and version, `updated_at`) of each activity whose stored version
    /// is still the paired expected one, with its event; others are skipped (changed since
    /// they were read: the job reads them again). Returns how many were written.
    pub(crate) async fn write_sentiments(
        &self,
        changes: &[(Activity, i64)],
        events: &[Event],
    ) -> CoreResult<u64> {
        Ok(write_unless_changed!(
            self,
            "write_sentiments",
            changes,
            events,
            "activities",
            ["sentiment", "version", "updated_at"],
            |q, a, expected| q
                .bind(a.id.0)
                .bind(a.sentiment)
                .bind(a.version)
                .bind(a.updated_at)
                .bind(*expected)
        ))
    }

    pub(crate) async fn list_activities(&self, q: &ActivityQuery) -> CoreResult<Vec<Activity>> {
        list_in_sort_parts!(self, q, ActivityQuery, list_activities_in)
    }

    /// The list of `q` within `part` of a custom-field sort (ignored by other sorts).
    async fn list_activities_in(
        &self,
        q: &ActivityQuery,
        part: SortPart,
    ) -> CoreResult<Vec<Activity>> {
        let (sql, args) = if self.is_sqlite() {
            list_sql::<Sqlite>(q, part)?
        } else {
            list_sql::<Postgres>(q, part)?
        };
        let rows: Vec<ActivityRow> = with_pool!(self, read, pool => {
            bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &args)
                .fetch_all(pool)
                .await
                .map_err(db_err)?
        });
        rows.into_iter().map(Activity::try_from).collect()
    }
}

/// Builds the list statement and its arguments for backend `D` (the same SQL on both, but for
/// the JSON of `cf.<key>` filters and sorts).
fn list_sql<D: Dialect>(q: &ActivityQuery, part: SortPart) -> CoreResult<(String, Vec<Arg>)> {
    let mut f = Filter::default();
    if let Scope::Team { team_id, user_id } = q.scope {
        // Assignees see their activities whatever the team.
        let u = f.arg(Arg::Uuid(user_id.0));
        match team_id {
            Some(t) => {
                let t = f.arg(Arg::Uuid(t.0));
                f.cond(format!(
                    "(a.team_id = ${t} OR a.owner_id = ${u} OR a.assignee_id = ${u})"
                ));
            }
            None => f.cond(format!("(a.owner_id = ${u} OR a.assignee_id = ${u})")),
        }
    }
    f.deleted(q.deleted, "a");
    if !q.kinds.is_empty() {
        let ps: Vec<String> = q
            .kinds
            .iter()
            .map(|k| format!("${}", f.arg(Arg::Text(k.as_str().into()))))
            .collect();
        f.cond(format!("a.kind IN ({})", ps.join(", ")));
    }
    for (col, v) in [
        ("customer_id", q.customer_id.map(|x| x.0)),
        ("deal_id", q.deal_id.map(|x| x.0)),
        ("assignee_id", q.assignee_id.map(|x| x.0)),
        ("owner_id", q.owner_id.map(|x| x.0)),
    ] {
        if let Some(v) = v {
            let n = f.arg(Arg::Uuid(v));
            f.cond(format!("a.{col} = ${n}"));
        }
    }
    if let Some(me) = q.mine {
        let u = f.arg(Arg::Uuid(me.0));
        f.cond(format!(
            "(a.assignee_id = ${u} OR (a.assignee_id IS NULL AND a.owner_id = ${u}))"
        ));
    }
    if let Some(open) = q.open {
        let done = f.arg(Arg::Bool(!open));
        f.cond(format!("a.done = ${done}"));
    }
    if let Some(overdue) = q.overdue {
        let not_done = f.arg(Arg::Bool(false));
        let now = f.arg(Arg::Time(q.now));
        let expr = format!("(a.done = ${not_done} AND a.due_at IS NOT NULL AND a.due_at < ${now})");
        f.cond(if overdue { expr } else { format!("NOT {expr}") });
    }
    for (expr, v) in [("a.due_at >= ", q.due_after), ("a.due_at < ", q.due_before)] {
        if let Some(t) = v {
            let n = f.arg(Arg::Time(t));
            f.cond(format!("{expr}${n}"));
        }
    }
    if let Some(order_by) =
        custom_sort::<D>(&mut f, "a", &q.custom, q.order, q.after.as_ref(), part)?
    {
        let limit = f.arg(Arg::Int(i64::from(q.limit)));
        let sql = format!(
            "SELECT {ACTIVITY_COLUMNS} FROM activities a WHERE {} ORDER BY {order_by} LIMIT ${limit}",
            f.conds.join(" AND ")
        );
        return Ok((sql, f.args));
    }
    let sort_expr = match q.sort {
        ActivitySortField::CreatedAt => "a.created_at".to_owned(),
        ActivitySortField::UpdatedAt => "a.updated_at".to_owned(),
        ActivitySortField::DueAt => {
            let n = f.arg(Arg::Time(no_due_date()));
            format!("coalesce(a.due_at, ${n})")
        }
    };
    let (cmp, dir) = match q.order {
        SortOrder::Asc => (">", "ASC"),
        SortOrder::Desc => ("<", "DESC"),
    };
    if let Some(cur) = &q.after {
        let bad = || {
            CoreError::invalid(
                "cursor",
                "invalid_cursor",
                "is not a cursor returned by this API",
            )
        };
        if cur.sort != q.sort.as_str() {
            return Err(bad());
        }
        let t = DateTime::parse_from_rfc3339(&cur.value).map_err(|_| bad())?;
        let a = f.arg(Arg::Time(t.with_timezone(&Utc)));
        let b = f.arg(Arg::Uuid(cur.id));
        f.cond(format!("({sort_expr}, a.id) {cmp} (${a}, ${b})"));
    }
    let limit = f.arg(Arg::Int(i64::from(q.limit)));
    let sql = format!(
        "SELECT {ACTIVITY_COLUMNS} FROM activities a WHERE {} ORDER BY {sort_expr} {dir}, a.id {dir} LIMIT ${limit}",
        f.conds.join(" AND ")
    );
    Ok((sql, f.args))
}

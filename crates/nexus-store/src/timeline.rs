//! A customer's timeline: one `UNION ALL` over activities, transactions, the events of the
//! customer's deals and the customer's own events. Each branch reads an index on the customer
//! (or the entity id), stops at the page size, and the outer query merges them by `(at, id)`
//! descending. The same SQL runs on both backends (typed NULLs via `CAST`).

use crate::query::Filter;
use crate::rows::{Arg, bind_args};
use crate::{Db, db_err, with_pool};
use async_trait::async_trait;
use nexus_core::error::{CoreError, CoreResult};
use nexus_core::ids::UserId;
use nexus_core::money::Currency;
use nexus_core::store::TimelineStore;
use nexus_core::time::Timestamp;
use nexus_core::timeline::{TimelineItem, TimelineKind, TimelineQuery, excerpt};
use sqlx::types::Json;
use uuid::Uuid;

type Row = (
    String,
    Uuid,
    Timestamp,
    String,
    Uuid,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<Uuid>,
    Option<Json<serde_json::Value>>,
);

/// The select list of one branch: kind, id, at, action, subject_id, title, excerpt, amount,
/// currency, actor_id, changes.
struct Branch {
    kind: &'static str,
    id: &'static str,
    at: &'static str,
    action: &'static str,
    subject: &'static str,
    title: &'static str,
    excerpt: &'static str,
    amount: &'static str,
    currency: &'static str,
    actor: &'static str,
    changes: &'static str,
    from: &'static str,
    /// Conditions besides the customer, scope and cursor; `$C` is the customer placeholder.
    cond: &'static str,
    /// Table alias carrying owner and team columns for the scope, if the branch is scoped.
    scoped: Option<&'static str>,
}

const NO_TEXT: &str = "CAST(NULL AS TEXT)";
const NO_INT: &str = "CAST(NULL AS BIGINT)";
const NO_JSON_PG: &str = "CAST(NULL AS JSONB)";

fn branches(sqlite: bool) -> [(TimelineKind, Branch); 4] {
    let no_json = if sqlite { "NULL" } else { NO_JSON_PG };
    [
        (
            TimelineKind::Activity,
            Branch {
                kind: "'activity'",
                id: "a.id",
                at: "a.created_at",
                action: "a.kind",
                subject: "a.id",
                title: "a.subject",
                excerpt: "substr(a.body, 1, 400)",
                amount: NO_INT,
                currency: NO_TEXT,
                actor: "a.owner_id",
                changes: no_json,
                from: "activities a",
                cond: "a.customer_id = $C AND a.deleted_at IS NULL",
                scoped: Some("a"),
            },
        ),
        (
            TimelineKind::Transaction,
            Branch {
                kind: "'transaction'",
                id: "t.id",
                at: "t.occurred_at",
                action: "t.status",
                subject: "t.id",
                title: "t.reference",
                excerpt: NO_TEXT,
                amount: "t.total",
                currency: "t.currency",
                actor: "t.created_by",
                changes: no_json,
                from: "transactions t",
                cond: "t.customer_id = $C AND t.deleted_at IS NULL",
                scoped: None,
            },
        ),
        (
            TimelineKind::Deal,
            Branch {
                kind: "'deal'",
                id: "e.id",
                at: "e.occurred_at",
                action: "e.action",
                subject: "d.id",
                title: "d.title",
                excerpt: NO_TEXT,
                amount: NO_INT,
                currency: NO_TEXT,
                actor: "e.actor_id",
                changes: "e.changes",
                from: "deals d JOIN events e ON e.entity_id = d.id",
                cond: "d.customer_id = $C AND e.entity = 'deal'",
                scoped: Some("d"),
            },
        ),
        (
            TimelineKind::Customer,
            Branch {
                kind: "'customer'",
                id: "e.id",
                at: "e.occurred_at",
                action: "e.action",
                subject: "e.entity_id",
                title: NO_TEXT,
                excerpt: NO_TEXT,
                amount: NO_INT,
                currency: NO_TEXT,
                actor: "e.actor_id",
                changes: "e.changes",
                from: "events e",
                cond: "e.entity_id = $C AND e.entity = 'customer'",
                scoped: None,
            },
        ),
    ]
}

fn timeline_sql(q: &TimelineQuery, sqlite: bool) -> (String, Filter) {
    let mut f = Filter::default();
    let c = f.arg(Arg::Uuid(q.customer.0));
    let cursor = q
        .before
        .map(|(at, id)| (f.arg(Arg::Time(at)), f.arg(Arg::Uuid(id))));
    let limit = f.arg(Arg::Int(i64::from(q.limit)));
    let mut parts = Vec::new();
    for (kind, b) in branches(sqlite) {
        if !q.kinds.contains(&kind) {
            continue;
        }
        let mut conds = vec![b.cond.replace("$C", &format!("${c}"))];
        if let Some(alias) = b.scoped {
            let mut scope = Filter {
                args: std::mem::take(&mut f.args),
                conds: Vec::new(),
            };
            scope.scope(q.scope, alias);
            f.args = scope.args;
            conds.extend(scope.conds);
        }
        if let Some((at, id)) = cursor {
            conds.push(format!(
                "({at_col} < ${at} OR ({at_col} = ${at} AND {id_col} < ${id}))",
                at_col = b.at,
                id_col = b.id
            ));
        }
        parts.push(format!(
            "SELECT * FROM (SELECT {} AS kind, {} AS id, {} AS at, {} AS action, {} AS subject_id, {} AS title, \
             {} AS excerpt, {} AS amount, {} AS currency, {} AS actor_id, {} AS changes FROM {} WHERE {} \
             ORDER BY {} DESC, {} DESC LIMIT ${limit}) AS b_{}",
            b.kind,
            b.id,
            b.at,
            b.action,
            b.subject,
            b.title,
            b.excerpt,
            b.amount,
            b.currency,
            b.actor,
            b.changes,
            b.from,
            conds.join(" AND "),
            b.at,
            b.id,
            b.kind.trim_matches('\''),
        ));
    }
    let sql = format!(
        "SELECT kind, id, at, action, subject_id, title, excerpt, amount, currency, actor_id, changes FROM ({}) AS merged \
         ORDER BY at DESC, id DESC LIMIT ${limit}",
        parts.join(" UNION ALL ")
    );
    (sql, f)
}

#[async_trait]
impl TimelineStore for Db {
    async fn customer_timeline(&self, q: &TimelineQuery) -> CoreResult<Vec<TimelineItem>> {
        if q.kinds.is_empty() {
            return Ok(Vec::new());
        }
        let (sql, f) = timeline_sql(q, self.is_sqlite());
        let rows: Vec<Row> = with_pool!(self, read, conn => {
            bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &f.args)
                .fetch_all(conn)
                .await
                .map_err(db_err)?
        });
        rows.into_iter().map(item).collect()
    }
}

fn item(r: Row) -> CoreResult<TimelineItem> {
    let (kind, id, at, action, subject_id, title, body, amount, currency, actor, changes) = r;
    Ok(TimelineItem {
        kind: TimelineKind::parse(&kind)
            .ok_or_else(|| CoreError::Internal(format!("timeline kind {kind:?}")))?,
        id,
        at,
        action,
        subject_id,
        title,
        excerpt: body.as_deref().map(excerpt),
        amount,
        currency: currency
            .map(|c| Currency::parse(&c))
            .transpose()
            .map_err(|e| CoreError::Internal(format!("stored currency: {e}")))?,
        actor_id: actor.map(UserId),
        changes: changes.map(|j| j.0),
    })
}

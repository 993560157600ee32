//! Deal persistence: inserts and optimistic updates that place the deal in its stage (see
//! [`crate::kanban`]) and record stage changes and events in the same transaction; keyset lists
//! with filters, `cf.<key>` custom fields and the kanban sort; the stage history. Custom-field
//! values live in `attributes`; the uniqueness index follows in the write's transaction.

use crate::custom_fields::{SortPart, custom_sort, list_in_sort_parts, write_unique_values};
use crate::dialect::{Dialect, like_pattern};
use crate::kanban::Kanban;
use crate::query::{Filter, bad_cursor};
use crate::rollups::{DealKey, bump_deals, deal_count, replace_deltas};
use crate::rows::{Arg, bind_args};
use crate::{Db, db_err, insert_event, with_pool};
use chrono::{DateTime, NaiveDate, Utc};
use nexus_core::deal::{
    Deal, DealQuery, DealSortField, DealStatus, NO_CLOSE_DATE, Placement, StageChange,
    mark_stage_renumbered,
};
use nexus_core::error::{CoreError, CoreResult};
use nexus_core::event::Event;
use nexus_core::ids::{CustomerId, DealId, PipelineId, StageChangeId, StageId, TeamId, UserId};
use nexus_core::money::Currency;
use nexus_core::page::SortOrder;
use nexus_core::store::{DealEventFn, DealWrite, StoredDeal};
use serde_json::{Map, Value};
use sqlx::Connection as _;
use sqlx::types::Json;
use sqlx::{Postgres, Sqlite};
use uuid::Uuid;

const DEAL_COLUMNS: &str = "d.id, d.title, d.customer_id, d.value, d.currency, d.pipeline_id, d.stage_id, d.status, \
     d.lost_reason, d.owner_id, d.team_id, d.expected_close_date, d.closed_at, d.position, d.attributes, d.version, d.created_at, \
     d.updated_at, d.deleted_at";

#[derive(sqlx::FromRow)]
struct DealRow {
    id: Uuid,
    title: String,
    customer_id: Uuid,
    value: i64,
    currency: String,
    pipeline_id: Uuid,
    stage_id: Uuid,
    status: String,
    lost_reason: Option<String>,
    owner_id: Uuid,
    team_id: Option<Uuid>,
    expected_close_date: Option<NaiveDate>,
    closed_at: Option<DateTime<Utc>>,
    position: i64,
    attributes: Json<Map<String, Value>>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
}

impl TryFrom<DealRow> for Deal {
    type Error = CoreError;
    fn try_from(r: DealRow) -> Result<Self, CoreError> {
        let corrupt = |what: &str, v: &str| CoreError::Internal(format!("stored {what} {v:?}"));
        Ok(Deal {
            id: DealId(r.id),
            title: r.title,
            customer_id: CustomerId(r.customer_id),
            value: r.value,
            currency: Currency::parse(&r.currency).map_err(|_| corrupt("currency", &r.currency))?,
            pipeline_id: PipelineId(r.pipeline_id),
            stage_id: StageId(r.stage_id),
            status: r
                .status
                .parse::<DealStatus>()
                .map_err(|_| corrupt("deal status", &r.status))?,
            lost_reason: r.lost_reason,
            owner_id: UserId(r.owner_id),
            team_id: r.team_id.map(TeamId),
            expected_close_date: r.expected_close_date,
            closed_at: r.closed_at,
            position: r.position,
            attributes: r.attributes.0,
            win_probability: None,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
        })
    }
}

const STAGE_CHANGE_COLUMNS: &str = "id, deal_id, pipeline_id, from_stage_id, from_stage_name, to_stage_id, to_stage_name, actor_id, changed_at";

#[derive(sqlx::FromRow)]
struct StageChangeRow {
    id: Uuid,
    deal_id: Uuid,
    pipeline_id: Uuid,
    from_stage_id: Option<Uuid>,
    from_stage_name: Option<String>,
    to_stage_id: Uuid,
    to_stage_name: String,
    actor_id: Option<Uuid>,
    changed_at: DateTime<Utc>,
}

impl From<StageChangeRow> for StageChange {
    fn from(r: StageChangeRow) -> Self {
        StageChange {
            id: StageChangeId(r.id),
            deal_id: DealId(r.deal_id),
            pipeline_id: PipelineId(r.pipeline_id),
            from_stage_id: r.from_stage_id.map(StageId),
            from_stage_name: r.from_stage_name,
            to_stage_id: StageId(r.to_stage_id),
            to_stage_name: r.to_stage_name,
            actor_id: r.actor_id.map(UserId),
            changed_at: r.changed_at,
        }
    }
}

/// Inserts a stage-history entry on a transaction.
macro_rules! insert_stage_change {
    ($tx:expr, $c:expr) => {{
        let c: &StageChange = $c;
        sqlx::query(
            "INSERT INTO deal_stage_changes (id, deal_id, pipeline_id, from_stage_id, from_stage_name, to_stage_id, to_stage_name, actor_id, changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(c.id.0)
        .bind(c.deal_id.0)
        .bind(c.pipeline_id.0)
        .bind(c.from_stage_id.map(|s| s.0))
        .bind(&c.from_stage_name)
        .bind(c.to_stage_id.0)
        .bind(&c.to_stage_name)
        .bind(c.actor_id.map(|u| u.0))
        .bind(c.changed_at)
        .execute(&mut *$tx)
        .await
        .map_err(db_err)?;
    }};
}

/// The event of a deal write, marked when its placement renumbered the stage.
fn deal_event(event: DealEventFn<'_>, d: &Deal, renumbered: &[DealId]) -> Event {
    let mut e = event(d);
    if !renumbered.is_empty() {
        mark_stage_renumbered(&mut e, d);
    }
    e
}

impl Db {
    pub(crate) async fn insert_deal(
        &self,
        deal: &Deal,
        change: &StageChange,
        event: DealEventFn<'_>,
    ) -> CoreResult<StoredDeal> {
        let mut d = deal.clone();
        let renumbered;
        with_pool!(self, write, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            tx.lock_pipeline(d.pipeline_id, d.stage_id).await?;
            (d.position, renumbered) = tx.place(d.stage_id, d.id, Placement::Bottom).await?;
            sqlx::query(
                "INSERT INTO deals (id, title, title_norm, customer_id, value, currency, pipeline_id, stage_id, status, lost_reason, \
                 owner_id, team_id, expected_close_date, closed_at, position, version, created_at, updated_at, deleted_at, attributes) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
            )
            .bind(d.id.0).bind(&d.title).bind(d.title.to_lowercase()).bind(d.customer_id.0).bind(d.value)
            .bind(d.currency.as_str()).bind(d.pipeline_id.0).bind(d.stage_id.0).bind(d.status.as_str())
            .bind(&d.lost_reason).bind(d.owner_id.0).bind(d.team_id.map(|t| t.0)).bind(d.expected_close_date)
            .bind(d.closed_at).bind(d.position).bind(d.version).bind(d.created_at).bind(d.updated_at)
            .bind(d.deleted_at).bind(Json(&d.attributes))
            .execute(&mut *tx).await.map_err(db_err)?;
            write_unique_values!(tx, [&d], false);
            insert_stage_change!(tx, change);
            bump_deals!(tx, replace_deltas(None, deal_count(&d)));
            insert_event!(tx, &deal_event(event, &d, &renumbered));
            tx.commit().await.map_err(db_err)?;
        });
        Ok(StoredDeal {
            deal: d,
            renumbered,
        })
    }

    pub(crate) async fn get_deal(&self, id: DealId) -> CoreResult<Option<Deal>> {
        let sql = format!("SELECT {DEAL_COLUMNS} FROM deals d WHERE d.id = $1");
        let row: Option<DealRow> = with_pool!(self, read, pool =>
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id.0).fetch_optional(pool).await.map_err(db_err)?);
        row.map(Deal::try_from).transpose()
    }

    pub(crate) async fn update_deal(&self, w: DealWrite<'_>) -> CoreResult<Option<StoredDeal>> {
        const SQL: &str = "UPDATE deals SET title = $2, title_norm = $3, customer_id = $4, value = $5, currency = $6, \
             pipeline_id = $7, stage_id = $8, status = $9, lost_reason = $10, owner_id = $11, team_id = $12, \
             expected_close_date = $13, closed_at = $14, version = $15, updated_at = $16, deleted_at = $17, \
             position = coalesce($18, position), attributes = $20 WHERE id = $1 AND version = $19 RETURNING position";
        // The rollup key of the version being replaced (a concurrent writer changes the version,
        // and then the update below matches no row).
        const PREV: &str = "SELECT pipeline_id, stage_id, currency, owner_id, team_id, value, deleted_at \
             FROM deals WHERE id = $1 AND version = $2";
        type Prev = (
            Uuid,
            Uuid,
            String,
            Uuid,
            Option<Uuid>,
            i64,
            Option<DateTime<Utc>>,
        );
        let mut d = w.deal.clone();
        let mut renumbered = Vec::new();
        with_pool!(self, write, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let prev: Option<Prev> = sqlx::query_as(PREV).bind(d.id.0).bind(w.expected_version)
                .fetch_optional(&mut *tx).await.map_err(db_err)?;
            let Some((pipeline, stage, currency, owner, team, value, deleted_at)) = prev else {
                return Ok(None);
            };
            let currency = Currency::parse(&currency)
                .map_err(|_| CoreError::Internal(format!("stored currency {currency:?}")))?;
            let old: Option<(DealKey, (i64, i64))> = deleted_at.is_none().then(|| {
                ((pipeline, stage, currency.as_str(), owner, team.unwrap_or(Uuid::nil())), (1, value))
            });
            let mut placed = None;
            if let Some(placement) = w.placement {
                tx.lock_pipeline(d.pipeline_id, d.stage_id).await?;
                let (position, ids) = tx.place(d.stage_id, d.id, placement).await?;
                placed = Some(position);
                renumbered = ids;
            }
            let position: Option<i64> = sqlx::query_scalar(SQL)
                .bind(d.id.0).bind(&d.title).bind(d.title.to_lowercase()).bind(d.customer_id.0).bind(d.value)
                .bind(d.currency.as_str()).bind(d.pipeline_id.0).bind(d.stage_id.0).bind(d.status.as_str())
                .bind(&d.lost_reason).bind(d.owner_id.0).bind(d.team_id.map(|t| t.0)).bind(d.expected_close_date)
                .bind(d.closed_at).bind(d.version).bind(d.updated_at).bind(d.deleted_at).bind(placed)
                .bind(w.expected_version).bind(Json(&d.attributes))
                .fetch_optional(&mut *tx).await.map_err(db_err)?;
            let Some(position) = position else {
                return Ok(None);
            };
            d.position = position;
            write_unique_values!(tx, [&d], true);
            if let Some(c) = w.stage_change {
                insert_stage_change!(tx, c);
            }
            bump_deals!(tx, replace_deltas(old, deal_count(&d)));
            insert_event!(tx, &deal_event(w.event, &d, &renumbered));
            tx.commit().await.map_err(db_err)?;
        });
        Ok(Some(StoredDeal {
            deal: d,
            renumbered,
        }))
    }

    pub(crate) async fn list_deals(&self, q: &DealQuery) -> CoreResult<Vec<Deal>> {
        list_in_sort_parts!(self, q, DealQuery, list_deals_in)
    }

    /// The list of `q` within `part` of a custom-field sort (ignored by other sorts).
    async fn list_deals_in(&self, q: &DealQuery, part: SortPart) -> CoreResult<Vec<Deal>> {
        let (sql, args) = if self.is_sqlite() {
            list_sql::<Sqlite>(q, part)?
        } else {
            list_sql::<Postgres>(q, part)?
        };
        let rows: Vec<DealRow> = with_pool!(self, read, pool => {
            bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &args)
                .fetch_all(pool)
                .await
                .map_err(db_err)?
        });
        rows.into_iter().map(Deal::try_from).collect()
    }

    pub(crate) async fn deal_stage_history(
        &self,
        deal: DealId,
        after: Option<StageChangeId>,
        limit: u32,
    ) -> CoreResult<Vec<StageChange>> {
        let sql = format!(
            "SELECT {STAGE_CHANGE_COLUMNS} FROM deal_stage_changes WHERE deal_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        );
        let rows: Vec<StageChangeRow> = with_pool!(self, read, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(deal.0).bind(after.map(|a| a.0).unwrap_or(Uuid::nil())).bind(i64::from(limit))
            .fetch_all(pool).await.map_err(db_err)?);
        Ok(rows.into_iter().map(StageChange::from).collect())
    }
}

/// Builds the list statement and its arguments for backend `D` (the same SQL on both, but for
/// the JSON of `cf.<key>` filters and sorts).
fn list_sql<D: Dialect>(q: &DealQuery, part: SortPart) -> CoreResult<(String, Vec<Arg>)> {
    let mut f = Filter::default();
    f.scope(q.scope, "d");
    f.deleted(q.deleted, "d");
    if !q.statuses.is_empty() {
        let ps: Vec<String> = q
            .statuses
            .iter()
            .map(|s| format!("${}", f.arg(Arg::Text(s.as_str().into()))))
            .collect();
        f.cond(format!("d.status IN ({})", ps.join(", ")));
    }
    for (col, v) in [
        ("pipeline_id", q.pipeline_id.map(|x| x.0)),
        ("stage_id", q.stage_id.map(|x| x.0)),
        ("owner_id", q.owner_id.map(|x| x.0)),
        ("team_id", q.team_id.map(|x| x.0)),
        ("customer_id", q.customer_id.map(|x| x.0)),
    ] {
        if let Some(v) = v {
            let n = f.arg(Arg::Uuid(v));
            f.cond(format!("d.{col} = ${n}"));
        }
    }
    for (expr, v) in [
        ("d.expected_close_date >= ", q.close_from),
        ("d.expected_close_date <= ", q.close_to),
    ] {
        if let Some(day) = v {
            let n = f.arg(Arg::Date(day));
            f.cond(format!("{expr}${n}"));
        }
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let n = f.arg(Arg::Text(like_pattern(&text.to_lowercase())));
        f.cond(format!("d.title_norm LIKE ${n} ESCAPE '\\'"));
    }
    if let Some(order_by) =
        custom_sort::<D>(&mut f, "d", &q.custom, q.order, q.after.as_ref(), part)?
    {
        let limit = f.arg(Arg::Int(i64::from(q.limit)));
        let sql = format!(
            "SELECT {DEAL_COLUMNS} FROM deals d WHERE {} ORDER BY {order_by} LIMIT ${limit}",
            f.conds.join(" AND ")
        );
        return Ok((sql, f.args));
    }
    let (cmp, dir) = match q.order {
        SortOrder::Asc => (">", "ASC"),
        SortOrder::Desc => ("<", "DESC"),
    };
    let mut join = "";
    let keys: Vec<String> = match q.sort {
        DealSortField::CreatedAt => vec!["d.created_at".into()],
        DealSortField::UpdatedAt => vec!["d.updated_at".into()],
        DealSortField::Value => vec!["d.value".into()],
        DealSortField::Title => vec!["d.title_norm".into()],
        DealSortField::ExpectedCloseDate => {
            let n = f.arg(Arg::Date(NO_CLOSE_DATE));
            vec![format!("coalesce(d.expected_close_date, ${n})")]
        }
        DealSortField::Stage => {
            join = " JOIN pipeline_stages s ON s.id = d.stage_id";
            vec![
                "d.pipeline_id".into(),
                "s.position".into(),
                "d.position".into(),
            ]
        }
    };
    if let Some(cur) = &q.after {
        if cur.sort != q.sort.as_str() {
            return Err(CoreError::invalid(
                "cursor",
                "invalid_cursor",
                "was issued for another sort order",
            ));
        }
        let values: Vec<String> = match q.sort {
            DealSortField::CreatedAt | DealSortField::UpdatedAt => {
                let t = DateTime::parse_from_rfc3339(&cur.value).map_err(|_| bad_cursor())?;
                vec![format!("${}", f.arg(Arg::Time(t.with_timezone(&Utc))))]
            }
            DealSortField::Value => {
                let v = cur.value.parse::<i64>().map_err(|_| bad_cursor())?;
                vec![format!("${}", f.arg(Arg::Int(v)))]
            }
            DealSortField::Title => vec![format!("${}", f.arg(Arg::Text(cur.value.clone())))],
            DealSortField::ExpectedCloseDate => {
                let day = cur.value.parse::<NaiveDate>().map_err(|_| bad_cursor())?;
                vec![format!("${}", f.arg(Arg::Date(day)))]
            }
            DealSortField::Stage => {
                // "pipeline/stage/position": the stage's order is looked up now.
                let mut parts = cur.value.split('/');
                let (Some(p), Some(s), Some(pos), None) =
                    (parts.next(), parts.next(), parts.next(), parts.next())
                else {
                    return Err(bad_cursor());
                };
                let p = p.parse::<Uuid>().map_err(|_| bad_cursor())?;
                let s = s.parse::<Uuid>().map_err(|_| bad_cursor())?;
                let pos = pos.parse::<i64>().map_err(|_| bad_cursor())?;
                let a = f.arg(Arg::Uuid(p));
                let b = f.arg(Arg::Uuid(s));
                let c = f.arg(Arg::Int(pos));
                vec![
                    format!("${a}"),
                    format!("(SELECT position FROM pipeline_stages WHERE id = ${b})"),
                    format!("${c}"),
                ]
            }
        };
        let id = f.arg(Arg::Uuid(cur.id));
        f.cond(format!(
            "({}, d.id) {cmp} ({}, ${id})",
            keys.join(", "),
            values.join(", ")
        ));
    }
    let limit = f.arg(Arg::Int(i64::from(q.limit)));
    let order: Vec<String> = keys.iter().map(|k| format!("{k} {dir}")).collect();
    let sql = format!(
        "SELECT {DEAL_COLUMNS} FROM deals d{join} WHERE {} ORDER BY {}, d.id {dir} LIMIT ${limit}",
        f.conds.join(" AND "),
        order.join(", ")
    );
    Ok((sql, f.args))
}

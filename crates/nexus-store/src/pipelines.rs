//! Pipeline persistence: pipelines with their ordered stages (removed stages are archived), the
//! single default pipeline, and keyset lists.

use crate::query::{Filter, direction, text_value, time_value};
use crate::rows::{Arg, bind_args};
use crate::{Db, db_err, insert_event, with_pool};
use chrono::{DateTime, Utc};
use nexus_core::error::{CoreError, CoreResult};
use nexus_core::event::Event;
use nexus_core::ids::{PipelineId, StageId};
use nexus_core::pipeline::{Pipeline, PipelineQuery, PipelineSortField, Stage, StageKind};
use sqlx::Connection as _;
use uuid::Uuid;

const PIPELINE_COLUMNS: &str =
    "p.id, p.name, p.is_default, p.version, p.created_at, p.updated_at, p.deleted_at";
const STAGE_COLUMNS: &str = "s.id, s.pipeline_id, s.name, s.probability, s.kind";

#[derive(sqlx::FromRow)]
struct PipelineRow {
    id: Uuid,
    name: String,
    is_default: bool,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct StageRow {
    id: Uuid,
    pipeline_id: Uuid,
    name: String,
    probability: i32,
    kind: String,
}

impl TryFrom<StageRow> for Stage {
    type Error = CoreError;
    fn try_from(r: StageRow) -> Result<Self, CoreError> {
        Ok(Stage {
            id: StageId(r.id),
            name: r.name,
            probability: u8::try_from(r.probability).map_err(|_| {
                CoreError::Internal(format!("stored probability {}", r.probability))
            })?,
            kind: r
                .kind
                .parse::<StageKind>()
                .map_err(|_| CoreError::Internal(format!("stored stage kind {:?}", r.kind)))?,
        })
    }
}

fn pipeline(r: PipelineRow, stages: Vec<Stage>) -> Pipeline {
    Pipeline {
        id: PipelineId(r.id),
        name: r.name,
        is_default: r.is_default,
        stages,
        version: r.version,
        created_at: r.created_at,
        updated_at: r.updated_at,
        deleted_at: r.deleted_at,
    }
}

/// Counts live deals matching `cond` (on `stage_id` or `pipeline_id` = `$1`) on a transaction.
macro_rules! live_deals {
    ($tx:expr, $cond:literal, $id:expr) => {{
        let n: i64 = sqlx::query_scalar(concat!(
            "SELECT count(*) FROM deals WHERE deleted_at IS NULL AND ",
            $cond,
            " = $1"
        ))
        .bind($id)
        .fetch_one(&mut *$tx)
        .await
        .map_err(db_err)?;
        n
    }};
}

/// Makes every pipeline but `id` non-default (bumping their versions) on a transaction.
macro_rules! unset_default {
    ($tx:expr, $id:expr, $now:expr) => {{
        sqlx::query(
            "UPDATE pipelines SET is_default = $1, version = version + 1, updated_at = $2 \
             WHERE is_default AND id <> $3",
        )
        .bind(false)
        .bind($now)
        .bind($id)
        .execute(&mut *$tx)
        .await
        .map_err(db_err)?;
    }};
}

/// Inserts one stage at board position `i` on a transaction.
macro_rules! insert_stage {
    ($tx:expr, $pipeline:expr, $i:expr, $s:expr) => {{
        let s: &Stage = $s;
        sqlx::query(
            "INSERT INTO pipeline_stages (id, pipeline_id, position, name, probability, kind, archived_at) \
             VALUES ($1, $2, $3, $4, $5, $6, NULL)",
        )
        .bind(s.id.0)
        .bind($pipeline)
        .bind($i as i32)
        .bind(&s.name)
        .bind(i32::from(s.probability))
        .bind(s.kind.as_str())
        .execute(&mut *$tx)
        .await
        .map_err(db_err)?;
    }};
}

fn stage_in_use(name: &str, what: &str) -> CoreError {
    CoreError::conflict(
        "stage_in_use",
        Some("stages"),
        format!("stage {name:?} holds live deals and cannot be {what}; move them first"),
    )
}

impl Db {
    pub(crate) async fn insert_pipeline(&self, p: &Pipeline, event: &Event) -> CoreResult<()> {
        with_pool!(self, write, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            if p.is_default {
                unset_default!(tx, p.id.0, p.updated_at);
            }
            sqlx::query(
                "INSERT INTO pipelines (id, name, is_default, version, created_at, updated_at, deleted_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(p.id.0).bind(&p.name).bind(p.is_default).bind(p.version)
            .bind(p.created_at).bind(p.updated_at).bind(p.deleted_at)
            .execute(&mut *tx).await.map_err(db_err)?;
            for (i, s) in p.stages.iter().enumerate() {
                insert_stage!(tx, p.id.0, i, s);
            }
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(())
    }

    pub(crate) async fn get_pipeline(&self, id: PipelineId) -> CoreResult<Option<Pipeline>> {
        self.pipeline_where("p.id = $1", Some(id.0)).await
    }

    pub(crate) async fn default_pipeline(&self) -> CoreResult<Option<Pipeline>> {
        self.pipeline_where("p.is_default AND p.deleted_at IS NULL", None)
            .await
    }

    async fn pipeline_where(&self, cond: &str, arg: Option<Uuid>) -> CoreResult<Option<Pipeline>> {
        let sql = format!("SELECT {PIPELINE_COLUMNS} FROM pipelines p WHERE {cond} LIMIT 1");
        let row: Option<PipelineRow> = with_pool!(self, read, pool => {
            let q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            let q = match arg { Some(a) => q.bind(a), None => q };
            q.fetch_optional(pool).await.map_err(db_err)?
        });
        let Some(row) = row else { return Ok(None) };
        let id = row.id;
        let mut stages = self.stages_of(&[id]).await?;
        Ok(Some(pipeline(row, stages.remove(&id).unwrap_or_default())))
    }

    /// The current stages of some pipelines, in board order, by pipeline.
    async fn stages_of(
        &self,
        ids: &[Uuid],
    ) -> CoreResult<std::collections::HashMap<Uuid, Vec<Stage>>> {
        let mut out: std::collections::HashMap<Uuid, Vec<Stage>> = Default::default();
        if ids.is_empty() {
            return Ok(out);
        }
        let ps: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {STAGE_COLUMNS} FROM pipeline_stages s WHERE s.archived_at IS NULL \
             AND s.pipeline_id IN ({}) ORDER BY s.pipeline_id, s.position",
            ps.join(", ")
        );
        let rows: Vec<StageRow> = with_pool!(self, read, pool => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            for id in ids {
                q = q.bind(*id);
            }
            q.fetch_all(pool).await.map_err(db_err)?
        });
        for r in rows {
            let pid = r.pipeline_id;
            out.entry(pid).or_default().push(Stage::try_from(r)?);
        }
        for id in ids {
            out.entry(*id).or_default();
        }
        Ok(out)
    }

    pub(crate) async fn stage_pipeline(&self, stage: StageId) -> CoreResult<Option<PipelineId>> {
        let id: Option<Uuid> = with_pool!(self, read, pool => sqlx::query_scalar(
            "SELECT s.pipeline_id FROM pipeline_stages s JOIN pipelines p ON p.id = s.pipeline_id \
             WHERE s.id = $1 AND s.archived_at IS NULL AND p.deleted_at IS NULL",
        ).bind(stage.0).fetch_optional(pool).await.map_err(db_err)?);
        Ok(id.map(PipelineId))
    }

    pub(crate) async fn update_pipeline(
        &self,
        p: &Pipeline,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool> {
        with_pool!(self, write, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            if p.is_default && p.deleted_at.is_none() {
                unset_default!(tx, p.id.0, p.updated_at);
            }
            let done = sqlx::query(
                "UPDATE pipelines SET name = $2, is_default = $3, version = $4, updated_at = $5, deleted_at = $6 \
                 WHERE id = $1 AND version = $7",
            )
            .bind(p.id.0).bind(&p.name).bind(p.is_default).bind(p.version).bind(p.updated_at)
            .bind(p.deleted_at).bind(expected_version)
            .execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            if p.deleted_at.is_some() && live_deals!(tx, "pipeline_id", p.id.0) > 0 {
                return Err(CoreError::conflict(
                    "pipeline_in_use",
                    None,
                    "the pipeline holds live deals; move or delete them first",
                ));
            }
            let current: Vec<(Uuid, String, String)> = sqlx::query_as(
                "SELECT id, name, kind FROM pipeline_stages WHERE pipeline_id = $1 AND archived_at IS NULL",
            )
            .bind(p.id.0)
            .fetch_all(&mut *tx).await.map_err(db_err)?;
            for (id, name, _) in &current {
                if p.stage(StageId(*id)).is_none() {
                    if live_deals!(tx, "stage_id", *id) > 0 {
                        return Err(stage_in_use(name, "removed"));
                    }
                    sqlx::query("UPDATE pipeline_stages SET archived_at = $2 WHERE id = $1")
                        .bind(*id).bind(p.updated_at)
                        .execute(&mut *tx).await.map_err(db_err)?;
                }
            }
            for (i, s) in p.stages.iter().enumerate() {
                match current.iter().find(|c| c.0 == s.id.0) {
                    None => insert_stage!(tx, p.id.0, i, s),
                    Some((id, name, kind)) => {
                        if kind != s.kind.as_str() && live_deals!(tx, "stage_id", *id) > 0 {
                            return Err(stage_in_use(name, "given another kind"));
                        }
                        sqlx::query(
                            "UPDATE pipeline_stages SET position = $2, name = $3, probability = $4, kind = $5 WHERE id = $1",
                        )
                        .bind(*id).bind(i as i32).bind(&s.name).bind(i32::from(s.probability)).bind(s.kind.as_str())
                        .execute(&mut *tx).await.map_err(db_err)?;
                    }
                }
            }
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(true)
    }

    pub(crate) async fn list_pipelines(&self, q: &PipelineQuery) -> CoreResult<Vec<Pipeline>> {
        let mut f = Filter::default();
        f.deleted(q.deleted, "p");
        let sort_expr = match q.sort {
            PipelineSortField::CreatedAt => "p.created_at",
            PipelineSortField::Name => "p.name",
        };
        if let Some(cur) = &q.after {
            f.after(
                cur,
                q.sort.as_str(),
                sort_expr,
                "p.id",
                q.order,
                |v| match q.sort {
                    PipelineSortField::CreatedAt => time_value(v),
                    PipelineSortField::Name => text_value(v),
                },
            )?;
        }
        let limit = f.arg(Arg::Int(i64::from(q.limit)));
        let dir = direction(q.order);
        let sql = format!(
            "SELECT {PIPELINE_COLUMNS} FROM pipelines p {} ORDER BY {sort_expr} {dir}, p.id {dir} LIMIT ${limit}",
            f.where_clause()
        );
        let args = f.args;
        let rows: Vec<PipelineRow> = with_pool!(self, read, pool => {
            bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &args)
                .fetch_all(pool)
                .await
                .map_err(db_err)?
        });
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut stages = self.stages_of(&ids).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let s = stages.remove(&r.id).unwrap_or_default();
                pipeline(r, s)
            })
            .collect())
    }
}

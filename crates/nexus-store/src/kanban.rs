//! Kanban positions: where a deal goes inside a stage.
//!
//! Positions are integers with gaps of [`GAP`]; a deal dropped between two others takes the
//! midpoint, one dropped at either end steps one gap further. When a gap is used up (about 20
//! drops into the same slot) the stage is renumbered, order kept, inside the same transaction;
//! the placement then names the renumbered deals, and the write marks its event
//! ([`nexus_core::deal::mark_stage_renumbered`]).
//! Every placement runs after [`Kanban::lock_pipeline`], which holds the pipeline's row until
//! commit (PostgreSQL `FOR UPDATE`; SQLite has one writer), so two concurrent moves never read
//! the same neighbours; the unique index on `(stage_id, position)` backs this up.

use crate::db_err;
use crate::dialect::Dialect;
use nexus_core::deal::Placement;
use nexus_core::error::{CoreError, CoreResult};
use nexus_core::ids::{DealId, PipelineId, StageId};
use sqlx::{Postgres, Sqlite, Transaction};

/// Distance between neighbours after a renumbering, and the step at both ends.
pub(crate) const GAP: i64 = 1 << 20;
/// Positions stay within ±LIMIT (below 2^53, so JavaScript reads them exactly).
pub(crate) const LIMIT: i64 = 1 << 52;
/// Renumbering first moves a stage's positions below −OFFSET, out of the way of live values,
/// because both backends check the unique index row by row.
const OFFSET: i64 = 1 << 53;

pub(crate) trait Kanban {
    /// Locks the pipeline for placements until commit and checks that `stage` is one of its
    /// current stages.
    async fn lock_pipeline(&mut self, pipeline: PipelineId, stage: StageId) -> CoreResult<()>;
    /// The position `deal` takes in `stage` (its own row is left alone; it may be in the stage
    /// already, or elsewhere, or not exist yet), and the deals whose position it renumbered
    /// first (empty unless the stage ran out of gaps).
    async fn place(
        &mut self,
        stage: StageId,
        deal: DealId,
        placement: Placement,
    ) -> CoreResult<(i64, Vec<DealId>)>;
}

/// The position for `placement` given the anchor's position and its neighbour on the far side
/// (both without the moved deal), or `None` when the stage must be renumbered first.
fn between(placement: Placement, anchor: Option<i64>, neighbour: Option<i64>) -> Option<i64> {
    match (placement, anchor, neighbour) {
        (Placement::Bottom, None, _) => Some(0),
        (Placement::Bottom, Some(last), _) => Some(last + GAP).filter(|p| *p <= LIMIT),
        (Placement::Before(_), Some(a), None) => Some(a - GAP).filter(|p| *p >= -LIMIT),
        (Placement::After(_), Some(a), None) => Some(a + GAP).filter(|p| *p <= LIMIT),
        (_, Some(a), Some(n)) if (a - n).abs() >= 2 => Some(n + (a - n) / 2),
        _ => None,
    }
}

fn not_in_stage(placement: Placement) -> CoreError {
    let field = match placement {
        Placement::After(_) => "after_id",
        _ => "before_id",
    };
    CoreError::invalid(
        field,
        "not_in_stage",
        "must be a live deal of the target stage",
    )
}

macro_rules! impl_kanban {
    ($db:ty) => {
        impl Kanban for Transaction<'_, $db> {
            async fn lock_pipeline(
                &mut self,
                pipeline: PipelineId,
                stage: StageId,
            ) -> CoreResult<()> {
                let sql = format!(
                    "SELECT id FROM pipelines WHERE id = $1 AND deleted_at IS NULL{}",
                    <$db as Dialect>::for_update()
                );
                let locked: Option<uuid::Uuid> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(pipeline.0)
                    .fetch_optional(&mut **self)
                    .await
                    .map_err(db_err)?;
                let current: Option<uuid::Uuid> = sqlx::query_scalar(
                    "SELECT id FROM pipeline_stages WHERE id = $1 AND pipeline_id = $2 AND archived_at IS NULL",
                )
                .bind(stage.0)
                .bind(pipeline.0)
                .fetch_optional(&mut **self)
                .await
                .map_err(db_err)?;
                if locked.is_none() || current.is_none() {
                    return Err(CoreError::conflict(
                        "stage_unavailable",
                        Some("stage_id"),
                        "the stage or its pipeline was removed meanwhile; reload the pipeline",
                    ));
                }
                Ok(())
            }

            async fn place(
                &mut self,
                stage: StageId,
                deal: DealId,
                placement: Placement,
            ) -> CoreResult<(i64, Vec<DealId>)> {
                let mut renumbered = Vec::new();
                for _ in 0..2 {
                    let (anchor, neighbour) = match placement {
                        Placement::Bottom => {
                            let last: Option<i64> = sqlx::query_scalar(
                                "SELECT max(position) FROM deals WHERE stage_id = $1 AND deleted_at IS NULL AND id <> $2",
                            )
                            .bind(stage.0)
                            .bind(deal.0)
                            .fetch_one(&mut **self)
                            .await
                            .map_err(db_err)?;
                            (last, None)
                        }
                        Placement::Before(a) | Placement::After(a) => {
                            let pos: Option<i64> = sqlx::query_scalar(
                                "SELECT position FROM deals WHERE id = $1 AND stage_id = $2 AND deleted_at IS NULL",
                            )
                            .bind(a.0)
                            .bind(stage.0)
                            .fetch_optional(&mut **self)
                            .await
                            .map_err(db_err)?;
                            let pos = pos.ok_or_else(|| not_in_stage(placement))?;
                            let sql = if matches!(placement, Placement::Before(_)) {
                                "SELECT max(position) FROM deals WHERE stage_id = $1 AND deleted_at IS NULL AND id <> $2 AND position < $3"
                            } else {
                                "SELECT min(position) FROM deals WHERE stage_id = $1 AND deleted_at IS NULL AND id <> $2 AND position > $3"
                            };
                            let next: Option<i64> = sqlx::query_scalar(sql)
                                .bind(stage.0)
                                .bind(deal.0)
                                .bind(pos)
                                .fetch_one(&mut **self)
                                .await
                                .map_err(db_err)?;
                            (Some(pos), next)
                        }
                    };
                    if let Some(p) = between(placement, anchor, neighbour) {
                        return Ok((p, renumbered));
                    }
                    // Their positions change without an event of their own: the caller names
                    // them (record caches evict them).
                    let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
                        "SELECT id FROM deals WHERE stage_id = $1 AND deleted_at IS NULL",
                    )
                    .bind(stage.0)
                    .fetch_all(&mut **self)
                    .await
                    .map_err(db_err)?;
                    renumbered = ids.into_iter().map(DealId).collect();
                    // Two steps, so that no intermediate value collides in the unique index.
                    sqlx::query(
                        "UPDATE deals SET position = -($2 + r.n) FROM ( \
                           SELECT id, row_number() OVER (ORDER BY position, id) AS n FROM deals \
                           WHERE stage_id = $1 AND deleted_at IS NULL \
                         ) AS r WHERE deals.id = r.id AND deals.stage_id = $1 AND deals.deleted_at IS NULL",
                    )
                    .bind(stage.0)
                    .bind(OFFSET)
                    .execute(&mut **self)
                    .await
                    .map_err(db_err)?;
                    sqlx::query(
                        "UPDATE deals SET position = (-position - $2) * $3 \
                         WHERE stage_id = $1 AND deleted_at IS NULL AND position < -$2",
                    )
                    .bind(stage.0)
                    .bind(OFFSET)
                    .bind(GAP)
                    .execute(&mut **self)
                    .await
                    .map_err(db_err)?;
                }
                Err(CoreError::Internal(format!(
                    "no position found in stage {stage} after renumbering"
                )))
            }
        }
    };
}

impl_kanban!(Sqlite);
impl_kanban!(Postgres);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midpoints_ends_and_exhaustion() {
        let b = Placement::Before(DealId::new());
        let a = Placement::After(DealId::new());
        assert_eq!(between(Placement::Bottom, None, None), Some(0));
        assert_eq!(between(Placement::Bottom, Some(5), None), Some(5 + GAP));
        assert_eq!(between(b, Some(0), None), Some(-GAP));
        assert_eq!(between(a, Some(0), None), Some(GAP));
        assert_eq!(between(b, Some(10), Some(0)), Some(5));
        assert_eq!(between(a, Some(0), Some(10)), Some(5));
        assert_eq!(between(a, Some(4), Some(5)), None);
        assert_eq!(between(Placement::Bottom, Some(LIMIT), None), None);
        assert_eq!(between(b, Some(-LIMIT), None), None);
    }
}

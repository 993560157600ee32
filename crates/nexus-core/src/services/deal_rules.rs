//! The rules tying a deal's stage, status, lost reason and close time together, shared by
//! create, update, move and restore.

use crate::deal::{Deal, DealStatus, StageChange};
use crate::error::FieldError;
use crate::ids::{StageChangeId, StageId, UserId};
use crate::pipeline::{Pipeline, Stage, StageKind};
use crate::validate::Patch;
use chrono::{DateTime, Utc};

pub(crate) fn status_of(kind: StageKind) -> DealStatus {
    match kind {
        StageKind::Open => DealStatus::Open,
        StageKind::Won => DealStatus::Won,
        StageKind::Lost => DealStatus::Lost,
    }
}

pub(crate) fn kind_of(status: DealStatus) -> StageKind {
    match status {
        DealStatus::Open => StageKind::Open,
        DealStatus::Won => StageKind::Won,
        DealStatus::Lost => StageKind::Lost,
    }
}

/// The stage a deal goes to in `p`: the requested one (whose kind must match a requested
/// status), else the first stage of the requested status's kind.
pub(crate) fn pick_stage(
    p: &Pipeline,
    stage: Option<StageId>,
    status: DealStatus,
    status_given: bool,
) -> Result<&Stage, FieldError> {
    match stage {
        Some(id) => {
            let s = p.stage(id).ok_or_else(|| {
                FieldError::new(
                    "stage_id",
                    "unknown_stage",
                    "is not a stage of the deal's pipeline",
                )
            })?;
            if status_given && status_of(s.kind) != status {
                return Err(FieldError::new(
                    "status",
                    "stage_mismatch",
                    format!("the stage is a {} stage", s.kind.as_str()),
                ));
            }
            Ok(s)
        }
        None => p.first_stage(kind_of(status)).ok_or_else(|| {
            FieldError::new(
                "status",
                "no_stage",
                format!("the pipeline has no {} stage", kind_of(status).as_str()),
            )
        }),
    }
}

/// The lost reason after a change: required in a lost stage (the current one is kept when the
/// deal was already lost), refused elsewhere.
pub(crate) fn lost_reason(
    status: DealStatus,
    requested: Patch<String>,
    current: Option<&Deal>,
) -> Result<Option<String>, FieldError> {
    let kept = current
        .filter(|d| d.status == DealStatus::Lost)
        .and_then(|d| d.lost_reason.clone());
    match (status, requested) {
        (DealStatus::Lost, Patch::Value(r)) => Ok(Some(r)),
        (DealStatus::Lost, Patch::Absent) if kept.is_some() => Ok(kept),
        (DealStatus::Lost, _) => Err(FieldError::new(
            "lost_reason",
            "required",
            "a lost deal needs a lost_reason",
        )),
        (_, Patch::Value(_)) => Err(FieldError::new(
            "lost_reason",
            "not_allowed",
            "only lost deals have a lost_reason",
        )),
        (_, _) => Ok(None),
    }
}

/// Puts `next` into `stage` of `p`, setting status, lost reason and close time.
pub(crate) fn enter_stage(
    next: &mut Deal,
    p: &Pipeline,
    stage: &Stage,
    reason: Patch<String>,
    current: Option<&Deal>,
    now: DateTime<Utc>,
) -> Result<(), FieldError> {
    let status = status_of(stage.kind);
    next.lost_reason = lost_reason(status, reason, current)?;
    next.pipeline_id = p.id;
    next.stage_id = stage.id;
    if current.is_none_or(|c| c.status != status) {
        next.closed_at = (status != DealStatus::Open).then_some(now);
    }
    next.status = status;
    Ok(())
}

/// The stage-history entry of a deal entering `to` (from `from`, if it was somewhere).
pub(crate) fn stage_change(
    deal: &Deal,
    from: Option<(StageId, Option<String>)>,
    to: &Stage,
    actor: UserId,
    at: DateTime<Utc>,
) -> StageChange {
    StageChange {
        id: StageChangeId::new(),
        deal_id: deal.id,
        pipeline_id: deal.pipeline_id,
        from_stage_id: from.as_ref().map(|f| f.0),
        from_stage_name: from.and_then(|f| f.1),
        to_stage_id: to.id,
        to_stage_name: to.name.clone(),
        actor_id: Some(actor),
        changed_at: at,
    }
}

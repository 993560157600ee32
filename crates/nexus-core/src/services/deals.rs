//! Deal service: create, read, update, move (kanban), soft delete, restore, list, stage history
//! and change history. Every stage change is recorded in the stage history and announced as a
//! `deal.stage_changed` event, in the same transaction as the change. Single reads go through
//! the record cache ([`crate::cache`]); every write evicts the deal after its commit, with the
//! deals of its stage when the placement renumbered them.

use crate::auth::{Actor, Permission, RecordKind};
use crate::bus::EventBus;
use crate::cache::{self, Records};
use crate::custom_field::{CustomField, CustomFieldEntity, check_attributes};
use crate::deal::{
    Deal, DealMove, DealPatch, DealQuery, DealStatus, NewDeal, Placement, StageChange,
};
use crate::error::{CoreError, CoreResult, FieldError};
use crate::event::{Event, diff};
use crate::ids::{CustomerId, DealId, EventId, PipelineId, StageChangeId, StageId};
use crate::pipeline::Pipeline;
use crate::services::ai::AiClient;
use crate::services::custom_values::{self, FieldDefs};
use crate::services::deal_rules::{self, enter_stage, pick_stage, stage_change};
use crate::services::ownership::{check_if_match, new_ownership, reassignment};
use crate::store::{DealWrite, Store, StoredDeal};
use crate::validate::Patch;
use std::sync::Arc;

const ENTITY: &str = "deal";
/// Optimistic-concurrency retries of a change without `If-Match` before answering 409.
const UPDATE_ATTEMPTS: u64 = 30;

#[derive(Clone)]
pub struct DealService {
    store: Arc<dyn Store>,
    bus: EventBus,
    ai: AiClient,
    records: Records,
    fields: FieldDefs,
}

/// A prepared change: the next state, where it goes, and its history entry and event action.
struct Change {
    next: Deal,
    placement: Option<Placement>,
    stage_change: Option<StageChange>,
    action: &'static str,
}

impl DealService {
    pub fn new(store: Arc<dyn Store>, bus: EventBus, ai: AiClient, fields: FieldDefs) -> Self {
        Self {
            store,
            bus,
            ai,
            records: Records::disabled(),
            fields,
        }
    }

    /// The same service reading single deals through `records`.
    pub fn with_records(mut self, records: Records) -> Self {
        self.records = records;
        self
    }

    /// Forgets the written deal, and the deals its placement renumbered, in the record cache
    /// once the write committed.
    async fn written(&self, stored: &StoredDeal) {
        self.bus.committed();
        let ids = std::iter::once(stored.deal.id.0).chain(stored.renumbered.iter().map(|d| d.0));
        self.records.evict_many(cache::RecordKind::Deal, ids).await;
    }

    async fn create_unscored(&self, actor: &Actor, input: NewDeal) -> CoreResult<Deal> {
        actor.require(Permission::DealsWrite)?;
        let mut errors = Vec::new();
        if let Err(e) = self.check_customer(actor, input.customer_id).await? {
            errors.push(e);
        }
        let defs = self
            .fields
            .get(&*self.store, CustomFieldEntity::Deal)
            .await?;
        let custom_errors = check_attributes(&defs, &input.attributes, None, "", true);
        let pipeline = match self
            .target_pipeline(input.pipeline_id, input.stage_id)
            .await?
        {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let ownership = new_ownership(&*self.store, actor, input.owner_id, input.team_id).await;
        let (owner_id, team_id) = match ownership {
            Ok(o) => o,
            Err(e) => {
                errors.extend(e);
                (actor.user_id, actor.team_id)
            }
        };
        let now = crate::time::now();
        let mut deal = Deal {
            id: DealId::new(),
            title: input.title,
            customer_id: input.customer_id,
            value: input.value,
            currency: input.currency,
            pipeline_id: PipelineId(uuid::Uuid::nil()),
            stage_id: StageId(uuid::Uuid::nil()),
            status: DealStatus::Open,
            lost_reason: None,
            owner_id,
            team_id,
            expected_close_date: input.expected_close_date,
            closed_at: None,
            position: 0,
            attributes: input.attributes,
            win_probability: None,
            version: 1,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        let mut change = None;
        if let Some(p) = &pipeline {
            let status = input.status.unwrap_or(DealStatus::Open);
            let entered =
                pick_stage(p, input.stage_id, status, input.status.is_some()).and_then(|stage| {
                    let reason = input
                        .lost_reason
                        .clone()
                        .map_or(Patch::Absent, Patch::Value);
                    enter_stage(&mut deal, p, stage, reason, None, now)?;
                    Ok(stage_change(&deal, None, stage, actor.user_id, now))
                });
            match entered {
                Ok(c) => change = Some(c),
                Err(e) => errors.push(e),
            }
        }
        errors.extend(custom_errors);
        let Some(change) = change.filter(|_| errors.is_empty()) else {
            return Err(CoreError::Validation(errors));
        };
        let event = |d: &Deal| {
            Event::new(
                ENTITY,
                d.id.0,
                "created",
                Some(actor.user_id),
                diff(None, Some(d)),
            )
            .with_ownership(Some(d.owner_id), d.team_id)
        };
        let stored = self.store.insert_deal(&deal, &change, &event).await?;
        self.written(&stored).await;
        Ok(stored.deal)
    }

    /// A live deal the actor may read, with its win probability; anything else is "not
    /// found". The stored deal comes from the record cache when it holds it; the checks run on
    /// every read all the same, and the win probability is computed after the cache.
    pub async fn get(&self, actor: &Actor, id: DealId) -> CoreResult<Deal> {
        actor
            .require(Permission::DealsRead)
            .map_err(|_| CoreError::not_found(ENTITY))?;
        let stored = self
            .records
            .read(cache::RecordKind::Deal, id.0, || self.store.get_deal(id))
            .await?;
        match visible(actor, stored)? {
            d if d.deleted_at.is_none() => Ok(self.scored(d).await),
            _ => Err(CoreError::not_found(ENTITY)),
        }
    }

    /// A live deal the actor may read; anything else is "not found".
    async fn live(&self, actor: &Actor, id: DealId) -> CoreResult<Deal> {
        match self.readable(actor, id).await? {
            d if d.deleted_at.is_none() => Ok(d),
            _ => Err(CoreError::not_found(ENTITY)),
        }
    }

    /// A deal the actor may read, deleted or not, from the store (never the cache: what writes
    /// and histories start from).
    async fn readable(&self, actor: &Actor, id: DealId) -> CoreResult<Deal> {
        actor
            .require(Permission::DealsRead)
            .map_err(|_| CoreError::not_found(ENTITY))?;
        visible(actor, self.store.get_deal(id).await?)
    }

    async fn update_unscored(
        &self,
        actor: &Actor,
        id: DealId,
        patch: DealPatch,
        if_match: Option<&str>,
    ) -> CoreResult<Deal> {
        self.retrying(actor, id, if_match, |cur| {
            self.plan_update(actor, cur, &patch)
        })
        .await
    }

    /// Moves a deal into a stage (of any live pipeline), above or below another deal of that
    /// stage, or to its bottom.
    async fn move_deal_unscored(
        &self,
        actor: &Actor,
        id: DealId,
        mv: DealMove,
        if_match: Option<&str>,
    ) -> CoreResult<Deal> {
        if matches!(mv.placement, Placement::Before(a) | Placement::After(a) if a == id) {
            let field = match mv.placement {
                Placement::Before(_) => "before_id",
                _ => "after_id",
            };
            return Err(CoreError::invalid(
                field,
                "self_reference",
                "cannot be the moved deal",
            ));
        }
        self.retrying(actor, id, if_match, |cur| self.plan_move(actor, cur, &mv))
            .await
    }

    /// Reads, plans and writes a change, retrying when another writer got there first.
    async fn retrying<F, Fut>(
        &self,
        actor: &Actor,
        id: DealId,
        if_match: Option<&str>,
        plan: F,
    ) -> CoreResult<Deal>
    where
        F: Fn(Deal) -> Fut,
        Fut: Future<Output = CoreResult<Option<Change>>>,
    {
        for attempt in 0..UPDATE_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(rand::random_range(
                    0..(2 + 2 * attempt),
                )))
                .await;
            }
            let cur = self.live(actor, id).await?;
            check_if_match(if_match, &cur.etag())?;
            if !actor.can_write(RecordKind::Deal, cur.ownership(), None) {
                return Err(CoreError::Forbidden);
            }
            let Some(change) = plan(cur.clone()).await? else {
                return Ok(cur);
            };
            if let Some(d) = self.write(actor, &cur, change).await? {
                return Ok(d);
            }
            if if_match.is_some() {
                return Err(CoreError::PreconditionFailed);
            }
        }
        Err(CoreError::conflict(
            "concurrent_update",
            None,
            "the deal is being changed by others; retry",
        ))
    }

    async fn plan_update(
        &self,
        actor: &Actor,
        cur: Deal,
        patch: &DealPatch,
    ) -> CoreResult<Option<Change>> {
        let now = crate::time::now();
        let mut next = patch.apply_plain(&cur);
        if next.customer_id != cur.customer_id {
            self.check_customer(actor, next.customer_id)
                .await?
                .map_err(|e| CoreError::Validation(vec![e]))?;
        }
        let mut placement = None;
        let mut history = None;
        let touches_stage = !patch.pipeline_id.is_absent()
            || !patch.stage_id.is_absent()
            || !patch.status.is_absent();
        let stage_id = opt(&patch.stage_id);
        let status = opt(&patch.status);
        let same_place = stage_id.is_none()
            && opt(&patch.pipeline_id).is_none_or(|p| p == cur.pipeline_id)
            && status.is_none_or(|s| s == cur.status);
        if touches_stage && !same_place {
            // The named pipeline, else the named stage's, else (a status change) the current one.
            let pipeline =
                opt(&patch.pipeline_id).or(stage_id.is_none().then_some(cur.pipeline_id));
            let p = match self.target_pipeline(pipeline, stage_id).await? {
                Ok(p) => p,
                Err(e) => return Err(CoreError::Validation(vec![e])),
            };
            let stage = pick_stage(&p, stage_id, status.unwrap_or(cur.status), status.is_some())
                .map_err(|e| CoreError::Validation(vec![e]))?;
            enter_stage(
                &mut next,
                &p,
                stage,
                patch.lost_reason.clone(),
                Some(&cur),
                now,
            )
            .map_err(|e| CoreError::Validation(vec![e]))?;
            if next.stage_id != cur.stage_id {
                placement = Some(Placement::Bottom);
                let from = self.stage_name(&p, cur.pipeline_id, cur.stage_id).await?;
                history = Some(stage_change(
                    &next,
                    Some((cur.stage_id, from)),
                    stage,
                    actor.user_id,
                    now,
                ));
            }
        } else {
            next.lost_reason =
                deal_rules::lost_reason(cur.status, patch.lost_reason.clone(), Some(&cur))
                    .map_err(|e| CoreError::Validation(vec![e]))?;
        }
        if let Patch::Value(o) = patch.owner_id {
            next.owner_id = o;
        }
        if let Patch::Value(t) = patch.team_id {
            next.team_id = Some(t);
        } else if patch.team_id == Patch::Null {
            next.team_id = None;
        }
        next.team_id = reassignment(
            &*self.store,
            actor,
            RecordKind::Deal,
            (cur.owner_id, cur.team_id),
            (next.owner_id, next.team_id),
            !patch.team_id.is_absent(),
        )
        .await?;
        if next == cur {
            return Ok(None);
        }
        custom_values::check_update(
            &self.fields,
            &*self.store,
            &cur,
            &next,
            !patch.attributes.is_absent(),
        )
        .await?;
        let action = if history.is_some() {
            "stage_changed"
        } else {
            "updated"
        };
        Ok(Some(Change {
            next,
            placement,
            stage_change: history,
            action,
        }))
    }

    async fn plan_move(
        &self,
        actor: &Actor,
        cur: Deal,
        mv: &DealMove,
    ) -> CoreResult<Option<Change>> {
        let now = crate::time::now();
        let p = match self.target_pipeline(None, Some(mv.stage_id)).await? {
            Ok(p) => p,
            Err(e) => return Err(CoreError::Validation(vec![e])),
        };
        let stage = pick_stage(&p, Some(mv.stage_id), cur.status, false)
            .map_err(|e| CoreError::Validation(vec![e]))?;
        let mut next = cur.clone();
        let reason = mv.lost_reason.clone().map_or(Patch::Absent, Patch::Value);
        enter_stage(&mut next, &p, stage, reason, Some(&cur), now)
            .map_err(|e| CoreError::Validation(vec![e]))?;
        let history = if next.stage_id == cur.stage_id {
            None
        } else {
            let from = self.stage_name(&p, cur.pipeline_id, cur.stage_id).await?;
            Some(stage_change(
                &next,
                Some((cur.stage_id, from)),
                stage,
                actor.user_id,
                now,
            ))
        };
        let action = if history.is_some() {
            "stage_changed"
        } else {
            "moved"
        };
        Ok(Some(Change {
            next,
            placement: Some(mv.placement),
            stage_change: history,
            action,
        }))
    }

    /// Soft delete: the deal disappears from reads, lists and the board but can be restored.
    pub async fn delete(
        &self,
        actor: &Actor,
        id: DealId,
        if_match: Option<&str>,
    ) -> CoreResult<()> {
        let cur = self.live(actor, id).await?;
        check_if_match(if_match, &cur.etag())?;
        if !actor.can_write(RecordKind::Deal, cur.ownership(), None) {
            return Err(CoreError::Forbidden);
        }
        let mut next = cur.clone();
        next.deleted_at = Some(crate::time::now());
        let change = Change {
            next,
            placement: None,
            stage_change: None,
            action: "deleted",
        };
        match self.write(actor, &cur, change).await? {
            Some(_) => Ok(()),
            None => Err(CoreError::PreconditionFailed),
        }
    }

    /// Restores a soft-deleted deal at the bottom of its stage (or of the first stage of the
    /// same kind, when its stage was removed meanwhile).
    async fn restore_unscored(&self, actor: &Actor, id: DealId) -> CoreResult<Deal> {
        let cur = self.readable(actor, id).await?;
        if !actor.can_write(RecordKind::Deal, cur.ownership(), None) {
            return Err(CoreError::Forbidden);
        }
        if cur.deleted_at.is_none() {
            return Ok(cur);
        }
        let p = match self.store.get_pipeline(cur.pipeline_id).await? {
            Some(p) if p.deleted_at.is_none() => p,
            _ => {
                return Err(CoreError::conflict(
                    "pipeline_deleted",
                    Some("pipeline_id"),
                    "the deal's pipeline is deleted; restore the pipeline first",
                ));
            }
        };
        let now = crate::time::now();
        let mut next = cur.clone();
        next.deleted_at = None;
        let mut history = None;
        if p.stage(cur.stage_id).is_none() {
            let stage = pick_stage(&p, None, cur.status, false)
                .map_err(|e| CoreError::conflict("no_stage", Some("stage_id"), e.message))?;
            next.stage_id = stage.id;
            history = Some(stage_change(
                &next,
                Some((cur.stage_id, None)),
                stage,
                actor.user_id,
                now,
            ));
        }
        let change = Change {
            next,
            placement: Some(Placement::Bottom),
            stage_change: history,
            action: "restored",
        };
        self.write(actor, &cur, change)
            .await?
            .ok_or(CoreError::PreconditionFailed)
    }

    /// Lists deals; the query's scope is replaced by the actor's.
    /// A page of deals, each with its win probability.
    pub async fn list(&self, actor: &Actor, mut q: DealQuery) -> CoreResult<Vec<Deal>> {
        actor.require(Permission::DealsRead)?;
        q.scope = actor.record_scope();
        custom_values::resolve(
            &self.fields,
            &*self.store,
            CustomFieldEntity::Deal,
            &mut q.custom,
        )
        .await?;
        let mut deals = self.store.list_deals(&q).await?;
        self.ai.score_deals(&*self.store, &mut deals).await;
        Ok(deals)
    }

    /// Types the query's `cf.<key>` filters and sort with the live custom-field definitions of
    /// deals (422 naming `cf.<key>` or `sort` when they do not fit). Lists call it; handlers call
    /// it first when they need the resolved sort for the next cursor.
    pub async fn resolve_custom(&self, actor: &Actor, q: &mut DealQuery) -> CoreResult<()> {
        actor.require(Permission::DealsRead)?;
        custom_values::resolve(
            &self.fields,
            &*self.store,
            CustomFieldEntity::Deal,
            &mut q.custom,
        )
        .await
    }

    /// The live custom-field definitions of deals, for a reader of deals.
    pub async fn field_definitions(&self, actor: &Actor) -> CoreResult<Arc<Vec<CustomField>>> {
        actor.require(Permission::DealsRead)?;
        self.fields.get(&*self.store, CustomFieldEntity::Deal).await
    }

    async fn scored(&self, mut d: Deal) -> Deal {
        self.ai
            .score_deals(&*self.store, std::slice::from_mut(&mut d))
            .await;
        d
    }

    pub async fn create(&self, actor: &Actor, input: NewDeal) -> CoreResult<Deal> {
        let d = self.create_unscored(actor, input).await?;
        Ok(self.scored(d).await)
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: DealId,
        patch: DealPatch,
        if_match: Option<&str>,
    ) -> CoreResult<Deal> {
        let d = self.update_unscored(actor, id, patch, if_match).await?;
        Ok(self.scored(d).await)
    }

    pub async fn move_deal(
        &self,
        actor: &Actor,
        id: DealId,
        mv: DealMove,
        if_match: Option<&str>,
    ) -> CoreResult<Deal> {
        let d = self.move_deal_unscored(actor, id, mv, if_match).await?;
        Ok(self.scored(d).await)
    }

    pub async fn restore(&self, actor: &Actor, id: DealId) -> CoreResult<Deal> {
        let d = self.restore_unscored(actor, id).await?;
        Ok(self.scored(d).await)
    }

    /// The stage history of a deal (also of a deleted one), oldest first.
    pub async fn stage_history(
        &self,
        actor: &Actor,
        id: DealId,
        after: Option<StageChangeId>,
        limit: u32,
    ) -> CoreResult<Vec<StageChange>> {
        self.readable(actor, id).await?;
        self.store.deal_stage_history(id, after, limit).await
    }

    /// The change history of a deal (also of a deleted one), oldest first.
    pub async fn history(
        &self,
        actor: &Actor,
        id: DealId,
        after: Option<EventId>,
        limit: u32,
    ) -> CoreResult<Vec<Event>> {
        actor
            .require(Permission::EventsRead)
            .map_err(|_| CoreError::not_found(ENTITY))?;
        self.readable(actor, id).await?;
        self.store.entity_events(id.0, after, limit).await
    }

    async fn write(&self, actor: &Actor, cur: &Deal, change: Change) -> CoreResult<Option<Deal>> {
        let mut next = change.next;
        next.version = cur.version + 1;
        next.updated_at = crate::time::now().max(cur.updated_at);
        let action = change.action;
        let event = |d: &Deal| {
            Event::new(
                ENTITY,
                d.id.0,
                action,
                Some(actor.user_id),
                diff(Some(cur), Some(d)),
            )
            .with_ownership(Some(d.owner_id), d.team_id)
        };
        let stored = self
            .store
            .update_deal(DealWrite {
                deal: &next,
                expected_version: cur.version,
                placement: change.placement,
                stage_change: change.stage_change.as_ref(),
                event: &event,
            })
            .await?;
        let Some(stored) = stored else {
            return Ok(None);
        };
        self.written(&stored).await;
        Ok(Some(stored.deal))
    }

    /// `Err(field error)` unless the customer is live and readable by the actor.
    async fn check_customer(
        &self,
        actor: &Actor,
        id: CustomerId,
    ) -> CoreResult<Result<(), FieldError>> {
        Ok(match self.store.get_customer(id).await? {
            Some(c) if c.deleted_at.is_none() && actor.can_read_record(c.ownership()) => Ok(()),
            _ => Err(FieldError::new(
                "customer_id",
                "unknown_customer",
                "no customer you can see has this id",
            )),
        })
    }

    /// The live pipeline of a write: the one named, else the one of the named stage, else the
    /// default pipeline.
    async fn target_pipeline(
        &self,
        pipeline: Option<PipelineId>,
        stage: Option<StageId>,
    ) -> CoreResult<Result<Pipeline, FieldError>> {
        let (id, field) = match (pipeline, stage) {
            (Some(p), _) => (Some(p), "pipeline_id"),
            (None, Some(s)) => (self.store.stage_pipeline(s).await?, "stage_id"),
            (None, None) => match self.store.default_pipeline().await? {
                Some(p) => return Ok(Ok(p)),
                None => (None, "pipeline_id"),
            },
        };
        let found = match id {
            Some(id) => self.store.get_pipeline(id).await?,
            None => None,
        };
        Ok(match found {
            Some(p) if p.deleted_at.is_none() => Ok(p),
            _ => Err(FieldError::new(
                field,
                if field == "stage_id" {
                    "unknown_stage"
                } else {
                    "unknown_pipeline"
                },
                format!("no live {} has this id", &field[..field.len() - 3]),
            )),
        })
    }

    /// The name of a deal's current stage, looked up in `p` or in its own pipeline.
    async fn stage_name(
        &self,
        p: &Pipeline,
        pipeline: PipelineId,
        stage: StageId,
    ) -> CoreResult<Option<String>> {
        if p.id == pipeline {
            return Ok(p.stage(stage).map(|s| s.name.clone()));
        }
        Ok(self
            .store
            .get_pipeline(pipeline)
            .await?
            .and_then(|o| o.stage(stage).map(|s| s.name.clone())))
    }
}

/// The deal (deleted or not) if the actor may read it; anything else is "not found".
fn visible(actor: &Actor, stored: Option<Deal>) -> CoreResult<Deal> {
    match stored {
        Some(d) if actor.can_read(RecordKind::Deal, d.ownership(), None) => Ok(d),
        _ => Err(CoreError::not_found(ENTITY)),
    }
}

fn opt<T: Clone>(p: &Patch<T>) -> Option<T> {
    match p {
        Patch::Value(v) => Some(v.clone()),
        _ => None,
    }
}

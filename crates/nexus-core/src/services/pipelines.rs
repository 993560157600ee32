//! Pipeline service: admins create, change, delete and restore pipelines and their stages;
//! everyone who works with deals reads them.

use crate::auth::{Actor, Permission};
use crate::bus::EventBus;
use crate::error::{CoreError, CoreResult};
use crate::event::{Event, diff};
use crate::ids::PipelineId;
use crate::pipeline::{NewPipeline, Pipeline, PipelinePatch, PipelineQuery, resolve_stages};
use crate::services::ai::WinInputs;
use crate::services::ownership::check_if_match;
use crate::store::Store;
use crate::validate::Patch;
use std::sync::Arc;

const ENTITY: &str = "pipeline";
/// Optimistic-concurrency retries of an update without `If-Match` before answering 409.
const UPDATE_ATTEMPTS: u32 = 10;

#[derive(Clone)]
pub struct PipelineService {
    store: Arc<dyn Store>,
    bus: EventBus,
    win_inputs: WinInputs,
}

impl PipelineService {
    pub fn new(store: Arc<dyn Store>, bus: EventBus) -> Self {
        Self {
            store,
            bus,
            win_inputs: WinInputs::uncached(),
        }
    }

    /// The same service forgetting the pipelines `win_inputs` keeps after each write.
    pub fn with_win_inputs(mut self, win_inputs: WinInputs) -> Self {
        self.win_inputs = win_inputs;
        self
    }

    pub async fn create(&self, actor: &Actor, input: NewPipeline) -> CoreResult<Pipeline> {
        actor.require(Permission::PipelinesManage)?;
        let stages = resolve_stages(&input.stages, &[]).map_err(CoreError::Validation)?;
        let now = crate::time::now();
        let p = Pipeline {
            id: PipelineId::new(),
            name: input.name,
            is_default: input.is_default,
            stages,
            version: 1,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        let ev = Event::new(
            ENTITY,
            p.id.0,
            "created",
            Some(actor.user_id),
            diff(None, Some(&p)),
        );
        self.store.insert_pipeline(&p, &ev).await?;
        self.bus.committed();
        Ok(p)
    }

    /// A live pipeline; "not found" for deleted ones and for roles that do not read pipelines.
    pub async fn get(&self, actor: &Actor, id: PipelineId) -> CoreResult<Pipeline> {
        actor
            .require(Permission::PipelinesRead)
            .map_err(|_| CoreError::not_found(ENTITY))?;
        match self.store.get_pipeline(id).await? {
            Some(p) if p.deleted_at.is_none() => Ok(p),
            _ => Err(CoreError::not_found(ENTITY)),
        }
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: PipelineId,
        patch: PipelinePatch,
        if_match: Option<&str>,
    ) -> CoreResult<Pipeline> {
        for _ in 0..UPDATE_ATTEMPTS {
            let cur = self.get(actor, id).await?;
            actor.require(Permission::PipelinesManage)?;
            check_if_match(if_match, &cur.etag())?;
            let mut next = cur.clone();
            if let Patch::Value(name) = &patch.name {
                next.name = name.clone();
            }
            match patch.is_default {
                Some(true) => next.is_default = true,
                Some(false) if cur.is_default => {
                    return Err(CoreError::invalid(
                        "is_default",
                        "not_allowed",
                        "make another pipeline the default instead",
                    ));
                }
                _ => {}
            }
            if let Some(stages) = &patch.stages {
                next.stages = resolve_stages(stages, &cur.stages).map_err(CoreError::Validation)?;
            }
            if next == cur {
                return Ok(cur);
            }
            next.version = cur.version + 1;
            next.updated_at = crate::time::now().max(cur.updated_at);
            if self.write(actor, &cur, &next, "updated").await? {
                return Ok(next);
            }
            if if_match.is_some() {
                return Err(CoreError::PreconditionFailed);
            }
        }
        Err(CoreError::conflict(
            "concurrent_update",
            None,
            "the pipeline is being changed by others; retry",
        ))
    }

    /// Soft delete. The default pipeline, and pipelines holding live deals, stay.
    pub async fn delete(
        &self,
        actor: &Actor,
        id: PipelineId,
        if_match: Option<&str>,
    ) -> CoreResult<()> {
        let cur = self.get(actor, id).await?;
        actor.require(Permission::PipelinesManage)?;
        check_if_match(if_match, &cur.etag())?;
        if cur.is_default {
            return Err(CoreError::conflict(
                "default_pipeline",
                None,
                "the default pipeline cannot be deleted; make another pipeline the default first",
            ));
        }
        let mut next = cur.clone();
        let now = crate::time::now();
        next.deleted_at = Some(now);
        next.version += 1;
        next.updated_at = now.max(cur.updated_at);
        if !self.write(actor, &cur, &next, "deleted").await? {
            return Err(CoreError::PreconditionFailed);
        }
        Ok(())
    }

    pub async fn restore(&self, actor: &Actor, id: PipelineId) -> CoreResult<Pipeline> {
        actor
            .require(Permission::PipelinesRead)
            .map_err(|_| CoreError::not_found(ENTITY))?;
        let cur = self
            .store
            .get_pipeline(id)
            .await?
            .ok_or(CoreError::not_found(ENTITY))?;
        actor.require(Permission::PipelinesManage)?;
        if cur.deleted_at.is_none() {
            return Ok(cur);
        }
        let mut next = cur.clone();
        next.deleted_at = None;
        next.version += 1;
        next.updated_at = crate::time::now().max(cur.updated_at);
        if !self.write(actor, &cur, &next, "restored").await? {
            return Err(CoreError::PreconditionFailed);
        }
        Ok(next)
    }

    pub async fn list(&self, actor: &Actor, q: PipelineQuery) -> CoreResult<Vec<Pipeline>> {
        actor.require(Permission::PipelinesRead)?;
        self.store.list_pipelines(&q).await
    }

    async fn write(
        &self,
        actor: &Actor,
        cur: &Pipeline,
        next: &Pipeline,
        action: &str,
    ) -> CoreResult<bool> {
        let ev = Event::new(
            ENTITY,
            next.id.0,
            action,
            Some(actor.user_id),
            diff(Some(cur), Some(next)),
        );
        let done = self.store.update_pipeline(next, cur.version, &ev).await?;
        if done {
            self.win_inputs.forget_pipelines();
            self.bus.committed();
        }
        Ok(done)
    }
}

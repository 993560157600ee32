//! Activity service: log and plan notes, calls, emails, meetings and tasks on customers and
//! deals. Support agents may create activities and edit their own; assignees may update theirs.
//! Custom-field values (`attributes`) are checked against the activity definitions on writes.

use crate::activity::{Activity, ActivityPatch, ActivityQuery, NewActivity};
use crate::auth::{Actor, Permission, RecordKind, Role};
use crate::bus::EventBus;
use crate::custom_field::{CustomField, CustomFieldEntity, check_attributes};
use crate::error::{CoreError, CoreResult, FieldError};
use crate::event::{Event, diff};
use crate::ids::{ActivityId, CustomerId, DealId, EventId, TeamId, UserId};
use crate::services::ai::AiClient;
use crate::services::custom_values::{self, FieldDefs};
use crate::services::ownership::{OwnerCache, check_assignment, check_if_match};
use crate::store::Store;
use crate::validate::Patch;
use std::sync::Arc;

const ENTITY: &str = "activity";
/// The entity whose custom-field definitions apply to activities.
const ENTITY_FIELDS: CustomFieldEntity = CustomFieldEntity::Activity;
/// Optimistic-concurrency retries of an update without `If-Match` before answering 409.
const UPDATE_ATTEMPTS: u64 = 30;

#[derive(Clone)]
pub struct ActivityService {
    store: Arc<dyn Store>,
    bus: EventBus,
    ai: AiClient,
    fields: FieldDefs,
}

impl ActivityService {
    pub fn new(store: Arc<dyn Store>, bus: EventBus, ai: AiClient, fields: FieldDefs) -> Self {
        Self {
            store,
            bus,
            ai,
            fields,
        }
    }

    /// After a write's commit: activity counts kept for scoring deals are stale, and the
    /// event relay has an event to number.
    fn committed(&self) {
        self.ai.win_inputs.forget_activities();
        self.bus.committed();
    }

    pub async fn create(&self, actor: &Actor, input: NewActivity) -> CoreResult<Activity> {
        actor.require(Permission::ActivitiesWrite)?;
        let mut errors = Vec::new();
        let links = self
            .resolve_links(actor, input.customer_id, input.deal_id)
            .await?;
        let owner_id = input.owner_id.unwrap_or(actor.user_id);
        if let Err(e) = self.check_owner(actor, owner_id).await? {
            errors.push(e);
        }
        if let Some(a) = input.assignee_id
            && let Err(e) = self.check_assignee(a).await?
        {
            errors.push(e);
        }
        let defs = self.fields.get(&*self.store, ENTITY_FIELDS).await?;
        errors.extend(check_attributes(&defs, &input.attributes, None, "", true));
        let (customer_id, team_id) = match links {
            Ok(l) if errors.is_empty() => l,
            Ok(_) => return Err(CoreError::Validation(errors)),
            Err(e) => {
                errors.insert(0, e);
                return Err(CoreError::Validation(errors));
            }
        };
        let now = crate::time::now();
        let sentiment = self.ai.sentiment_of(input.body.as_deref()).await;
        let a = Activity {
            id: ActivityId::new(),
            kind: input.kind,
            subject: input.subject,
            body: input.body,
            due_at: input.due_at,
            done: input.done,
            completed_at: input.completed_at,
            assignee_id: input.assignee_id,
            customer_id,
            deal_id: input.deal_id,
            owner_id,
            team_id,
            sentiment,
            attributes: input.attributes,
            version: 1,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        let ev = event(actor, None, &a, "created");
        self.store.insert_activity(&a, &ev).await?;
        self.committed();
        Ok(a)
    }

    /// A live activity the actor may read; anything else is "not found".
    pub async fn get(&self, actor: &Actor, id: ActivityId) -> CoreResult<Activity> {
        match self.readable(actor, id).await? {
            a if a.deleted_at.is_none() => Ok(a),
            _ => Err(CoreError::not_found(ENTITY)),
        }
    }

    async fn readable(&self, actor: &Actor, id: ActivityId) -> CoreResult<Activity> {
        actor
            .require(Permission::ActivitiesRead)
            .map_err(|_| CoreError::not_found(ENTITY))?;
        match self.store.get_activity(id).await? {
            Some(a) if actor.can_read(RecordKind::Activity, a.ownership(), a.assignee_id) => Ok(a),
            _ => Err(CoreError::not_found(ENTITY)),
        }
    }

    fn writable(actor: &Actor, a: &Activity) -> CoreResult<()> {
        if actor.can_write(RecordKind::Activity, a.ownership(), a.assignee_id) {
            Ok(())
        } else {
            Err(CoreError::Forbidden)
        }
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: ActivityId,
        patch: ActivityPatch,
        if_match: Option<&str>,
    ) -> CoreResult<Activity> {
        for attempt in 0..UPDATE_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(rand::random_range(
                    0..(2 + 2 * attempt),
                )))
                .await;
            }
            let cur = self.get(actor, id).await?;
            check_if_match(if_match, &cur.etag())?;
            Self::writable(actor, &cur)?;
            let now = crate::time::now();
            let mut next = patch
                .apply_plain(&cur, now)
                .map_err(|e| CoreError::Validation(vec![e]))?;
            let deal = match patch.deal_id {
                Patch::Absent => cur.deal_id,
                Patch::Null => None,
                Patch::Value(d) => Some(d),
            };
            let customer = match patch.customer_id {
                Patch::Value(c) => Some(c),
                _ if deal == cur.deal_id || deal.is_none() => Some(cur.customer_id),
                _ => None,
            };
            if deal != cur.deal_id || customer != Some(cur.customer_id) {
                let (c, team) = self
                    .resolve_links(actor, customer, deal)
                    .await?
                    .map_err(|e| CoreError::Validation(vec![e]))?;
                next.customer_id = c;
                next.deal_id = deal;
                next.team_id = team;
            }
            match patch.assignee_id {
                Patch::Absent => {}
                Patch::Null => next.assignee_id = None,
                Patch::Value(u) => {
                    if u != cur.assignee_id.unwrap_or(UserId(uuid::Uuid::nil())) {
                        self.check_assignee(u)
                            .await?
                            .map_err(|e| CoreError::Validation(vec![e]))?;
                    }
                    next.assignee_id = Some(u);
                }
            }
            if let Patch::Value(o) = patch.owner_id
                && o != cur.owner_id
            {
                if !actor.has(Permission::ActivitiesReassign) {
                    return Err(CoreError::Forbidden);
                }
                self.check_owner(actor, o)
                    .await?
                    .map_err(|e| CoreError::Validation(vec![e]))?;
                next.owner_id = o;
            }
            if next == cur {
                return Ok(cur);
            }
            custom_values::check_update(
                &self.fields,
                &*self.store,
                &cur,
                &next,
                !patch.attributes.is_absent(),
            )
            .await?;
            if next.body != cur.body {
                next.sentiment = self.ai.sentiment_of(next.body.as_deref()).await;
            }
            next.version = cur.version + 1;
            next.updated_at = now.max(cur.updated_at);
            let action = if next.done && !cur.done {
                "completed"
            } else {
                "updated"
            };
            let ev = event(actor, Some(&cur), &next, action);
            if self.store.update_activity(&next, cur.version, &ev).await? {
                self.committed();
                return Ok(next);
            }
            if if_match.is_some() {
                return Err(CoreError::PreconditionFailed);
            }
        }
        Err(CoreError::conflict(
            "concurrent_update",
            None,
            "the activity is being changed by others; retry",
        ))
    }

    /// Soft delete: the activity disappears from reads and lists but can be restored.
    pub async fn delete(
        &self,
        actor: &Actor,
        id: ActivityId,
        if_match: Option<&str>,
    ) -> CoreResult<()> {
        let cur = self.get(actor, id).await?;
        check_if_match(if_match, &cur.etag())?;
        Self::writable(actor, &cur)?;
        let mut next = cur.clone();
        let now = crate::time::now();
        next.deleted_at = Some(now);
        next.version += 1;
        next.updated_at = now.max(cur.updated_at);
        let ev = event(actor, Some(&cur), &next, "deleted");
        if !self.store.update_activity(&next, cur.version, &ev).await? {
            return Err(CoreError::PreconditionFailed);
        }
        self.committed();
        Ok(())
    }

    pub async fn restore(&self, actor: &Actor, id: ActivityId) -> CoreResult<Activity> {
        let cur = self.readable(actor, id).await?;
        Self::writable(actor, &cur)?;
        if cur.deleted_at.is_none() {
            return Ok(cur);
        }
        let mut next = cur.clone();
        next.deleted_at = None;
        next.version += 1;
        next.updated_at = crate::time::now().max(cur.updated_at);
        let ev = event(actor, Some(&cur), &next, "restored");
        if !self.store.update_activity(&next, cur.version, &ev).await? {
            return Err(CoreError::PreconditionFailed);
        }
        self.committed();
        Ok(next)
    }

    /// Lists activities; the query's scope is replaced by the actor's.
    pub async fn list(&self, actor: &Actor, mut q: ActivityQuery) -> CoreResult<Vec<Activity>> {
        actor.require(Permission::ActivitiesRead)?;
        q.scope = actor.record_scope();
        custom_values::resolve(&self.fields, &*self.store, ENTITY_FIELDS, &mut q.custom).await?;
        self.store.list_activities(&q).await
    }

    /// Types the query's `cf.<key>` filters and sort with the live custom-field definitions of
    /// activities (422 naming `cf.<key>` or `sort` when they do not fit). Lists call it; handlers
    /// call it first when they need the resolved sort for the next cursor.
    pub async fn resolve_custom(&self, actor: &Actor, q: &mut ActivityQuery) -> CoreResult<()> {
        actor.require(Permission::ActivitiesRead)?;
        custom_values::resolve(&self.fields, &*self.store, ENTITY_FIELDS, &mut q.custom).await
    }

    /// The live custom-field definitions of activities, for a reader of activities.
    pub async fn field_definitions(&self, actor: &Actor) -> CoreResult<Arc<Vec<CustomField>>> {
        actor.require(Permission::ActivitiesRead)?;
        self.fields.get(&*self.store, ENTITY_FIELDS).await
    }

    /// The change history of an activity (also of a deleted one), oldest first.
    pub async fn history(
        &self,
        actor: &Actor,
        id: ActivityId,
        after: Option<EventId>,
        limit: u32,
    ) -> CoreResult<Vec<Event>> {
        actor
            .require(Permission::EventsRead)
            .map_err(|_| CoreError::not_found(ENTITY))?;
        self.readable(actor, id).await?;
        self.store.entity_events(id.0, after, limit).await
    }

    /// The customer and team of an activity linked to `customer` and/or `deal`: the deal must
    /// be a live deal the actor can read, the customer a live one it can read, and the deal's
    /// customer when both are given. The team is the deal's, else the customer's.
    async fn resolve_links(
        &self,
        actor: &Actor,
        customer: Option<CustomerId>,
        deal: Option<DealId>,
    ) -> CoreResult<Result<(CustomerId, Option<TeamId>), FieldError>> {
        let mut team = None;
        let mut customer_id = customer;
        if let Some(id) = deal {
            match self.store.get_deal(id).await? {
                Some(d)
                    if d.deleted_at.is_none()
                        && actor.can_read(RecordKind::Deal, d.ownership(), None) =>
                {
                    if customer.is_some_and(|c| c != d.customer_id) {
                        return Ok(Err(FieldError::new(
                            "customer_id",
                            "deal_customer_mismatch",
                            "is not the customer of the deal",
                        )));
                    }
                    customer_id = Some(d.customer_id);
                    team = Some(d.team_id);
                }
                _ => {
                    return Ok(Err(FieldError::new(
                        "deal_id",
                        "unknown_deal",
                        "no deal you can see has this id",
                    )));
                }
            }
        }
        let unknown = || {
            FieldError::new(
                "customer_id",
                "unknown_customer",
                "no customer you can see has this id",
            )
        };
        let Some(cid) = customer_id else {
            return Ok(Err(unknown()));
        };
        Ok(match self.store.get_customer(cid).await? {
            Some(c) if c.deleted_at.is_none() && actor.can_read_record(c.ownership()) => {
                Ok((cid, team.unwrap_or(c.team_id)))
            }
            _ => Err(unknown()),
        })
    }

    /// Others than the actor may own an activity only when the actor may reassign (admins
    /// anyone, managers members of their team).
    async fn check_owner(
        &self,
        actor: &Actor,
        owner: UserId,
    ) -> CoreResult<Result<(), FieldError>> {
        if owner == actor.user_id {
            return Ok(Ok(()));
        }
        let Some(owner_team) = OwnerCache::of(actor).team_of(&*self.store, owner).await? else {
            return Ok(Err(FieldError::new(
                "owner_id",
                "unknown_user",
                "no active user has this id",
            )));
        };
        if actor.role != Role::Admin && !actor.has(Permission::ActivitiesReassign) {
            return Ok(Err(FieldError::new(
                "owner_id",
                "forbidden",
                "you can only create activities you own",
            )));
        }
        // The activity's team follows its customer or deal, so only the owner is checked.
        Ok(check_assignment(actor, owner, owner_team, actor.team_id)
            .map_err(|e| FieldError::new(e.0, e.1, e.2)))
    }

    async fn check_assignee(&self, assignee: UserId) -> CoreResult<Result<(), FieldError>> {
        Ok(
            match OwnerCache::default()
                .team_of(&*self.store, assignee)
                .await?
            {
                Some(_) => Ok(()),
                None => Err(FieldError::new(
                    "assignee_id",
                    "unknown_user",
                    "no active user has this id",
                )),
            },
        )
    }
}

fn event(actor: &Actor, before: Option<&Activity>, after: &Activity, action: &str) -> Event {
    Event::new(
        ENTITY,
        after.id.0,
        action,
        Some(actor.user_id),
        diff(before, Some(after)),
    )
    .with_ownership(Some(after.owner_id), after.team_id)
}

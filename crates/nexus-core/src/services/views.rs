//! Saved-view service. Anyone who may read a list may save views of it. A view is private to its
//! owner, or shared with the owner's team (`visibility: team`); admins see and manage every view,
//! managers also manage the views shared with their team. A view outside reach answers 404.

use crate::auth::{Actor, Permission, Role};
use crate::bus::EventBus;
use crate::error::{CoreError, CoreResult};
use crate::event::{Event, diff};
use crate::ids::ViewId;
use crate::store::Store;
use crate::view::{NewView, View, ViewPatch, ViewQuery, ViewResource, Visibility};
use std::sync::Arc;

const ENTITY: &str = "view";

#[derive(Clone)]
pub struct ViewService {
    store: Arc<dyn Store>,
    bus: EventBus,
}

/// The permission to read the list a view applies to.
fn read_permission(r: ViewResource) -> Permission {
    match r {
        ViewResource::Customers => Permission::CustomersRead,
        ViewResource::Deals => Permission::DealsRead,
        ViewResource::Activities => Permission::ActivitiesRead,
        ViewResource::Products => Permission::ProductsRead,
        ViewResource::Transactions => Permission::TransactionsRead,
    }
}

fn can_read(actor: &Actor, v: &View) -> bool {
    actor.role == Role::Admin
        || v.owner_id == actor.user_id
        || (v.visibility == Visibility::Team && v.team_id.is_some() && v.team_id == actor.team_id)
}

fn can_manage(actor: &Actor, v: &View) -> bool {
    actor.role == Role::Admin
        || v.owner_id == actor.user_id
        || (actor.role == Role::Manager
            && v.visibility == Visibility::Team
            && v.team_id.is_some()
            && v.team_id == actor.team_id)
}

/// A `team` view needs a team: the owner's.
fn check_team(v: &View) -> CoreResult<()> {
    if v.visibility == Visibility::Team && v.team_id.is_none() {
        return Err(CoreError::invalid(
            "visibility",
            "no_team",
            "a view can be shared only by a member of a team",
        ));
    }
    Ok(())
}

impl ViewService {
    pub fn new(store: Arc<dyn Store>, bus: EventBus) -> Self {
        Self { store, bus }
    }

    pub async fn create(&self, actor: &Actor, input: NewView) -> CoreResult<View> {
        actor.require(read_permission(input.resource))?;
        let now = crate::time::now();
        let v = View {
            id: ViewId::new(),
            name: input.name,
            resource: input.resource,
            filters: input.filters,
            sort: input.sort,
            columns: input.columns,
            visibility: input.visibility,
            owner_id: actor.user_id,
            team_id: match input.visibility {
                Visibility::Team => actor.team_id,
                Visibility::Private => None,
            },
            version: 1,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        check_team(&v)?;
        let ev = event(actor, &v, None, "created");
        self.store.insert_view(&v, &ev).await?;
        self.bus.committed();
        Ok(v)
    }

    /// A view the actor may read, deleted ones only when `deleted` is true.
    async fn readable(&self, actor: &Actor, id: ViewId, deleted: bool) -> CoreResult<View> {
        match self.store.get_view(id).await? {
            Some(v)
                if v.deleted_at.is_some() == deleted
                    && can_read(actor, &v)
                    && actor.has(read_permission(v.resource)) =>
            {
                Ok(v)
            }
            _ => Err(CoreError::not_found(ENTITY)),
        }
    }

    pub async fn get(&self, actor: &Actor, id: ViewId) -> CoreResult<View> {
        self.readable(actor, id, false).await
    }

    /// Applies `patch` (the caller has validated filters and sort against the resource).
    pub async fn update(
        &self,
        actor: &Actor,
        id: ViewId,
        patch: &ViewPatch,
        if_match: Option<&str>,
    ) -> CoreResult<View> {
        let cur = self.readable(actor, id, false).await?;
        super::check_if_match(if_match, &cur.etag())?;
        if !can_manage(actor, &cur) {
            return Err(CoreError::Forbidden);
        }
        let mut next = patch.apply(&cur);
        next.team_id = match next.visibility {
            Visibility::Team if cur.visibility == Visibility::Team => cur.team_id,
            Visibility::Team => actor.team_id,
            Visibility::Private => None,
        };
        check_team(&next)?;
        if next == cur {
            return Ok(cur);
        }
        self.write(actor, &cur, next, "updated").await
    }

    pub async fn delete(
        &self,
        actor: &Actor,
        id: ViewId,
        if_match: Option<&str>,
    ) -> CoreResult<()> {
        let cur = self.readable(actor, id, false).await?;
        super::check_if_match(if_match, &cur.etag())?;
        if !can_manage(actor, &cur) {
            return Err(CoreError::Forbidden);
        }
        let mut next = cur.clone();
        next.deleted_at = Some(crate::time::now().max(cur.updated_at));
        self.write(actor, &cur, next, "deleted").await.map(|_| ())
    }

    pub async fn restore(&self, actor: &Actor, id: ViewId) -> CoreResult<View> {
        let cur = match self.readable(actor, id, false).await {
            Ok(live) => return Ok(live),
            Err(_) => self.readable(actor, id, true).await?,
        };
        if !can_manage(actor, &cur) {
            return Err(CoreError::Forbidden);
        }
        let mut next = cur.clone();
        next.deleted_at = None;
        self.write(actor, &cur, next, "restored").await
    }

    /// Views the actor may read; `q.reader` is set here from the actor.
    pub async fn list(&self, actor: &Actor, mut q: ViewQuery) -> CoreResult<Vec<View>> {
        if let Some(r) = q.resource {
            actor.require(read_permission(r))?;
        }
        q.reader = match actor.role {
            Role::Admin => None,
            _ => Some((actor.user_id, actor.team_id)),
        };
        let mut views = self.store.list_views(&q).await?;
        views.retain(|v| actor.has(read_permission(v.resource)));
        Ok(views)
    }

    async fn write(
        &self,
        actor: &Actor,
        cur: &View,
        mut next: View,
        action: &str,
    ) -> CoreResult<View> {
        next.version = cur.version + 1;
        next.updated_at = crate::time::now().max(cur.updated_at);
        if let Some(d) = &mut next.deleted_at {
            *d = next.updated_at;
        }
        let ev = event(actor, &next, Some(cur), action);
        if !self.store.update_view(&next, cur.version, &ev).await? {
            return Err(CoreError::PreconditionFailed);
        }
        self.bus.committed();
        Ok(next)
    }
}

fn event(actor: &Actor, v: &View, before: Option<&View>, action: &str) -> Event {
    Event::new(
        ENTITY,
        v.id.0,
        action,
        Some(actor.user_id),
        diff(before, Some(v)),
    )
    .with_ownership(Some(v.owner_id), v.team_id)
}

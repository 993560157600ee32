//! Reading the event log as a user: who may see which event (the same rule for the REST
//! catch-up `GET /api/v1/events` and for Socket.IO delivery), and the resource an event is about,
//! as the REST API returns it.

use crate::auth::{Actor, Ownership, Permission, RecordKind, Role};
use crate::error::CoreResult;
use crate::event::Event;
use crate::ids::{
    ActivityId, CustomerId, DealId, PipelineId, ProductId, TeamId, TransactionId, UserId, ViewId,
};
use crate::store::Store;
use serde_json::Value;
use std::sync::Arc;

/// How many log entries one catch-up page scans at most, visible or not. Bounds the work of a
/// request by a reader who may see little of the log.
const SCAN_LIMIT: u32 = 5_000;

/// One page of the log as a reader sees it.
#[derive(Debug)]
pub struct EventPage {
    pub data: Vec<Event>,
    /// The sequence number to pass as `after` for the next page: the last entry scanned, seen
    /// or not, so that paging on never returns an event twice and never skips one.
    pub next_after: i64,
    /// More of the log exists beyond `next_after` right now.
    pub more: bool,
}

#[derive(Clone)]
pub struct EventService {
    store: Arc<dyn Store>,
}

impl EventService {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// The events after sequence number `after` that `actor` may see, oldest first, at most
    /// `limit` of them (fewer when the scan limit is reached first).
    pub async fn list(&self, actor: &Actor, after: i64, limit: u32) -> CoreResult<EventPage> {
        actor.require(Permission::EventsRead)?;
        let mut data = Vec::new();
        let mut cursor = after;
        let mut scanned = 0u32;
        let batch = limit.clamp(100, 1_000);
        loop {
            let rows = self.store.events_after(cursor, batch).await?;
            let full = rows.len() as u32 == batch;
            for e in rows {
                scanned += 1;
                let Some(seq) = e.seq else { continue };
                if visible(actor, &e) {
                    if data.len() as u32 == limit {
                        return Ok(EventPage {
                            data,
                            next_after: cursor,
                            more: true,
                        });
                    }
                    data.push(e);
                }
                cursor = seq;
            }
            if !full {
                return Ok(EventPage {
                    data,
                    next_after: cursor,
                    more: false,
                });
            }
            if scanned >= SCAN_LIMIT {
                return Ok(EventPage {
                    data,
                    next_after: cursor,
                    more: true,
                });
            }
        }
    }

    /// The record an event is about, as the REST API would return it (deleted records
    /// included, with their `deleted_at`); `None` when it no longer exists or the entity has
    /// no REST representation.
    pub async fn resource(&self, e: &Event) -> CoreResult<Option<Value>> {
        let id = e.entity_id;
        let s = &self.store;
        let v = match e.entity.as_str() {
            "customer" => s.get_customer(CustomerId(id)).await?.map(to_value),
            "deal" => s.get_deal(DealId(id)).await?.map(to_value),
            "activity" => s.get_activity(ActivityId(id)).await?.map(to_value),
            "transaction" => s.get_transaction(TransactionId(id)).await?.map(to_value),
            "product" => s.get_product(ProductId(id)).await?.map(to_value),
            "pipeline" => s.get_pipeline(PipelineId(id)).await?.map(to_value),
            "view" => s.get_view(ViewId(id)).await?.map(to_value),
            "user" => s.get_user(UserId(id)).await?.map(|r| to_value(r.user)),
            "team" => s.get_team(TeamId(id)).await?.map(to_value),
            "custom_field" => s
                .get_custom_field(crate::ids::CustomFieldId(id))
                .await?
                .map(to_value),
            "import" => s.get_import(crate::ids::ImportId(id)).await?.map(to_value),
            _ => None,
        };
        Ok(v)
    }
}

fn to_value<T: serde::Serialize>(t: T) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

/// May `actor` see this event? The record's owner and team after the change (carried by the
/// event) decide, by the same rules as reading the record through REST; so a reassignment moves
/// visibility from the event on.
pub fn visible(actor: &Actor, e: &Event) -> bool {
    if !actor.has(Permission::EventsRead) {
        return false;
    }
    let ownership = e.owner_id.map(|owner_id| Ownership {
        owner_id,
        team_id: e.team_id,
    });
    let owned = |kind: RecordKind, assignee: Option<UserId>| {
        ownership.is_some_and(|o| actor.can_read(kind, o, assignee))
    };
    match e.entity.as_str() {
        "customer" => owned(RecordKind::Customer, None),
        "deal" => owned(RecordKind::Deal, None),
        "activity" => owned(RecordKind::Activity, assignee(e)),
        "transaction" => {
            ownership.is_some_and(|o| actor.can_read_owned(Permission::TransactionsRead, o))
        }
        "product" => actor.has(Permission::ProductsRead),
        "pipeline" => actor.has(Permission::PipelinesRead),
        // Admins read every team, managers their own (as `GET /api/v1/teams/{id}` answers).
        "team" => {
            actor.role == Role::Admin
                || (actor.has(Permission::TeamsRead)
                    && actor.team_id.is_some_and(|t| t.0 == e.entity_id))
        }
        // Field definitions and saved views belong to one entity, which their events name only
        // when they are created (a later change's `changes` holds what changed): their events
        // reach only those who read every entity, so that no definition of deals (or view of
        // deals) reaches a support agent. Support agents read the definitions and views they
        // may see through the API.
        "custom_field" => reads_every_entity(actor),
        "view" => {
            reads_every_entity(actor)
                && (actor.role == Role::Admin
                    || e.owner_id == Some(actor.user_id)
                    || (e.team_id.is_some() && e.team_id == actor.team_id))
        }
        "user" => actor.role == Role::Admin || e.entity_id == actor.user_id.0,
        // Import jobs: their creator and admins.
        "import" => actor.role == Role::Admin || e.owner_id == Some(actor.user_id),
        // Audit entries without a record behind them (API keys, sessions, …).
        _ => actor.role == Role::Admin,
    }
}

/// Whether the actor reads the records of every entity that has custom fields and saved views.
fn reads_every_entity(actor: &Actor) -> bool {
    [
        Permission::CustomersRead,
        Permission::DealsRead,
        Permission::ActivitiesRead,
        Permission::ProductsRead,
        Permission::TransactionsRead,
    ]
    .into_iter()
    .all(|p| actor.has(p))
}

/// The assignee of an activity after the change, when the change names one.
fn assignee(e: &Event) -> Option<UserId> {
    e.changes
        .get("assignee_id")
        .and_then(|c| c.get("after"))
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .map(UserId)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Credential;
    use serde_json::{Map, json};
    use uuid::Uuid;

    fn actor(role: Role, team: Option<TeamId>) -> Actor {
        Actor {
            user_id: UserId::new(),
            role,
            team_id: team,
            credential: Credential::System,
        }
    }

    fn event(entity: &str, owner: UserId, team: Option<TeamId>) -> Event {
        Event::new(entity, Uuid::now_v7(), "updated", None, Map::new())
            .with_ownership(Some(owner), team)
    }

    #[test]
    fn owned_records_follow_the_read_rules() {
        let team = Some(TeamId::new());
        let rep = actor(Role::SalesRep, team);
        let other_rep = actor(Role::SalesRep, Some(TeamId::new()));
        let viewer = actor(Role::Viewer, None);
        let support = actor(Role::Support, None);
        let e = event("customer", UserId::new(), team);
        assert!(visible(&rep, &e), "team records are visible to the team");
        assert!(!visible(&other_rep, &e), "another team's records are not");
        assert!(visible(&viewer, &e));
        let deal = event("deal", UserId::new(), team);
        assert!(!visible(&support, &deal), "support cannot read deals");
        let mine = event("deal", other_rep.user_id, None);
        assert!(visible(&other_rep, &mine), "owners see their records");
    }

    #[test]
    fn an_activity_assignee_sees_it() {
        let rep = actor(Role::SalesRep, Some(TeamId::new()));
        let mut changes = Map::new();
        changes.insert(
            "assignee_id".into(),
            json!({"before": null, "after": rep.user_id.0.to_string()}),
        );
        let e = Event::new("activity", Uuid::now_v7(), "updated", None, changes)
            .with_ownership(Some(UserId::new()), Some(TeamId::new()));
        assert!(visible(&rep, &e));
        let mut plain = e.clone();
        plain.changes = Map::new();
        assert!(!visible(&rep, &plain));
    }

    #[test]
    fn administrative_events_reach_admins_only() {
        let admin = actor(Role::Admin, None);
        let manager = actor(Role::Manager, Some(TeamId::new()));
        let key = Event::new("api_key", Uuid::now_v7(), "revoked", None, Map::new());
        assert!(visible(&admin, &key));
        assert!(!visible(&manager, &key));
        let user = Event::new("user", manager.user_id.0, "updated", None, Map::new());
        assert!(visible(&manager, &user), "users see changes to themselves");
        assert!(!visible(&actor(Role::Viewer, None), &user));
        let team = Event::new("team", Uuid::now_v7(), "created", None, Map::new());
        assert!(visible(&admin, &team));
        assert!(
            !visible(&manager, &team),
            "another team's changes stay out of reach"
        );
        let own = manager.team_id.map(|t| t.0).unwrap_or_default();
        let own_team = Event::new("team", own, "updated", None, Map::new());
        assert!(visible(&manager, &own_team), "managers see their own team");
        assert!(!visible(&actor(Role::SalesRep, manager.team_id), &own_team));
        // Definitions and views may belong to deals, which support agents do not read.
        let field = Event::new("custom_field", Uuid::now_v7(), "updated", None, Map::new());
        assert!(visible(&actor(Role::SalesRep, None), &field));
        assert!(!visible(&actor(Role::Support, None), &field));
        let team = manager.team_id;
        let view = Event::new("view", Uuid::now_v7(), "updated", None, Map::new())
            .with_ownership(Some(UserId::new()), team);
        assert!(
            visible(&actor(Role::SalesRep, team), &view),
            "shared with the team"
        );
        assert!(!visible(&actor(Role::Support, team), &view));
        assert!(!visible(&actor(Role::SalesRep, Some(TeamId::new())), &view));
    }
}

//! Ownership rules shared by the services of owned records (customers, deals, activities): who
//! may own a record of which team, owner lookups, and `If-Match` checks.

use crate::auth::{Actor, RecordKind, Role};
use crate::error::{CoreError, CoreResult, FieldError};
use crate::ids::{TeamId, UserId};
use crate::store::Store;
use std::collections::HashMap;

/// Fails with 412 unless `if_match` is absent, `*`, or lists `etag` (weak or strong).
pub(crate) fn check_if_match(if_match: Option<&str>, etag: &str) -> CoreResult<()> {
    match if_match {
        Some(tag)
            if tag.trim() != "*"
                && !tag
                    .split(',')
                    .any(|t| t.trim().trim_start_matches("W/") == etag) =>
        {
            Err(CoreError::PreconditionFailed)
        }
        _ => Ok(()),
    }
}

/// Who may own a record of which team: admins assign freely; managers within their team;
/// everyone else only to themselves in their own team.
pub(crate) fn check_assignment(
    actor: &Actor,
    owner: UserId,
    owner_team: Option<TeamId>,
    team: Option<TeamId>,
) -> Result<(), (&'static str, &'static str, &'static str)> {
    match actor.role {
        Role::Admin => Ok(()),
        Role::Manager => {
            if owner != actor.user_id && (owner_team.is_none() || owner_team != actor.team_id) {
                Err((
                    "owner_id",
                    "not_in_team",
                    "managers assign records to members of their own team",
                ))
            } else if team != actor.team_id && !(team.is_none() && actor.team_id.is_none()) {
                Err((
                    "team_id",
                    "not_in_team",
                    "managers assign records to their own team",
                ))
            } else {
                Ok(())
            }
        }
        _ => {
            if owner != actor.user_id {
                Err((
                    "owner_id",
                    "forbidden",
                    "you can only create records you own",
                ))
            } else if team != actor.team_id {
                Err((
                    "team_id",
                    "forbidden",
                    "you can only assign records to your own team",
                ))
            } else {
                Ok(())
            }
        }
    }
}

/// Remembers owners' teams during one request (`None` = no such active user).
#[derive(Default)]
pub(crate) struct OwnerCache(HashMap<UserId, Option<Option<TeamId>>>);

impl OwnerCache {
    /// A cache that knows the actor's own team already where the actor carries it (see
    /// [`Actor::own_team`]), so records the actor creates for themself read no user row.
    pub(crate) fn of(actor: &Actor) -> Self {
        let mut known = HashMap::new();
        if let Some(team) = actor.own_team() {
            known.insert(actor.user_id, Some(team));
        }
        Self(known)
    }

    pub(crate) async fn team_of(
        &mut self,
        store: &dyn Store,
        id: UserId,
    ) -> CoreResult<Option<Option<TeamId>>> {
        if let Some(v) = self.0.get(&id) {
            return Ok(*v);
        }
        let v = store
            .get_user(id)
            .await?
            .filter(|u| u.user.active)
            .map(|u| u.user.team_id);
        self.0.insert(id, v);
        Ok(v)
    }
}

/// The owner and team of a new record: the owner defaults to the actor, the team to the
/// owner's; both must be allowed by [`check_assignment`].
pub(crate) async fn new_ownership(
    store: &dyn Store,
    actor: &Actor,
    owner: Option<UserId>,
    team: Option<TeamId>,
) -> Result<(UserId, Option<TeamId>), Vec<FieldError>> {
    let owner_id = owner.unwrap_or(actor.user_id);
    let owner_team = match OwnerCache::of(actor).team_of(store, owner_id).await {
        Ok(Some(t)) => t,
        Ok(None) => {
            return Err(vec![FieldError::new(
                "owner_id",
                "unknown_user",
                "no active user has this id",
            )]);
        }
        Err(e) => {
            return Err(vec![FieldError::new(
                "owner_id",
                "unavailable",
                e.to_string(),
            )]);
        }
    };
    let team_id = team.or(owner_team);
    check_assignment(actor, owner_id, owner_team, team_id)
        .map_err(|e| vec![FieldError::new(e.0, e.1, e.2)])?;
    Ok((owner_id, team_id))
}

/// Checks a change of owner or team on an update and returns the resulting team: a new owner
/// brings their team unless the team was set explicitly. Needs the kind's reassign permission.
pub(crate) async fn reassignment(
    store: &dyn Store,
    actor: &Actor,
    kind: RecordKind,
    current: (UserId, Option<TeamId>),
    next: (UserId, Option<TeamId>),
    team_given: bool,
) -> CoreResult<Option<TeamId>> {
    if next == current {
        return Ok(next.1);
    }
    let owner_team = if next.0 == current.0 {
        None
    } else {
        match OwnerCache::of(actor).team_of(store, next.0).await? {
            Some(t) => t,
            None => {
                return Err(CoreError::invalid(
                    "owner_id",
                    "unknown_user",
                    "no active user has this id",
                ));
            }
        }
    };
    let team = if !team_given && next.0 != current.0 {
        owner_team.or(next.1)
    } else {
        next.1
    };
    if !actor.has(kind.reassign()) {
        return Err(CoreError::Forbidden);
    }
    check_assignment(actor, next.0, owner_team.or(team), team)
        .map_err(|e| CoreError::invalid(e.0, e.1, e.2))?;
    Ok(team)
}

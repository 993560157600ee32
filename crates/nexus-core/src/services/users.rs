//! Users and teams: admins manage them; managers read their own team.

use super::{Policy, blocking};
use crate::auth::{Actor, Permission, Role};
use crate::bus::EventBus;
use crate::error::{CoreError, CoreResult};
use crate::event::{Event, diff};
use crate::ids::{TeamId, UserId};
use crate::password::hash_password;
use crate::store::Store;
use crate::user::{NewUser, Team, User, UserPatch, UserRecord};
use crate::validate::Patch;
use std::sync::Arc;

#[derive(Clone)]
pub struct UserService {
    store: Arc<dyn Store>,
    bus: EventBus,
    policy: Policy,
}

impl UserService {
    pub fn new(store: Arc<dyn Store>, bus: EventBus, policy: Policy) -> Self {
        Self { store, bus, policy }
    }

    fn expiry(&self, now: crate::time::Timestamp) -> Option<crate::time::Timestamp> {
        self.policy.password_max_age.map(|d| now + d)
    }

    pub async fn create(&self, actor: &Actor, input: NewUser) -> CoreResult<User> {
        actor.require(Permission::UsersWrite)?;
        if let Some(t) = input.team_id
            && self.store.get_team(t).await?.is_none()
        {
            return Err(CoreError::invalid(
                "team_id",
                "unknown_team",
                "no team has this id",
            ));
        }
        let pw = input.password.clone();
        let hash = blocking(move || hash_password(&pw))
            .await?
            .map_err(CoreError::Internal)?;
        let now = crate::time::now();
        let user = User {
            id: UserId::new(),
            email: input.email.as_str().to_owned(),
            name: input.name,
            role: input.role,
            team_id: input.team_id,
            active: true,
            password_expires_at: self.expiry(now),
            version: 1,
            created_at: now,
            updated_at: now,
            last_login_at: None,
        };
        let ev = Event::new(
            "user",
            user.id.0,
            "created",
            Some(actor.user_id),
            diff(None, Some(&user)),
        );
        self.store
            .insert_user(
                &UserRecord {
                    user: user.clone(),
                    password_hash: hash,
                },
                &ev,
            )
            .await?;
        self.bus.committed();
        Ok(user)
    }

    /// Whether the actor may see this user (themselves; admins everyone; whoever may read users,
    /// their team's).
    pub(crate) fn can_read(actor: &Actor, u: &User) -> bool {
        actor.user_id == u.id
            || actor.role == Role::Admin
            || (actor.has(Permission::UsersRead)
                && actor.team_id.is_some()
                && u.team_id == actor.team_id)
    }

    pub async fn get(&self, actor: &Actor, id: UserId) -> CoreResult<User> {
        match self.store.get_user(id).await? {
            Some(r) if Self::can_read(actor, &r.user) => Ok(r.user),
            _ => Err(CoreError::not_found("user")),
        }
    }

    pub async fn list(
        &self,
        actor: &Actor,
        after: Option<UserId>,
        limit: u32,
    ) -> CoreResult<Vec<User>> {
        actor.require(Permission::UsersRead)?;
        let team = if actor.role == Role::Admin {
            None
        } else {
            match actor.team_id {
                Some(t) => Some(t),
                None => return Ok(Vec::new()),
            }
        };
        self.store.list_users(team, after, limit).await
    }

    /// Admin changes to a user. Changing role, team, activity or password ends the user's
    /// sessions; the ids of the ended sessions are returned so the gateway can reject their
    /// access tokens at once.
    pub async fn update(
        &self,
        actor: &Actor,
        id: UserId,
        patch: UserPatch,
        if_match: Option<&str>,
    ) -> CoreResult<(User, Vec<crate::ids::SessionId>)> {
        actor
            .require(Permission::UsersWrite)
            .map_err(|_| CoreError::not_found("user"))?;
        let cur = self
            .store
            .get_user(id)
            .await?
            .ok_or_else(|| CoreError::not_found("user"))?;
        if let Some(tag) = if_match
            && tag.trim() != "*"
            && tag.trim().trim_start_matches("W/") != user_etag(&cur.user)
        {
            return Err(CoreError::PreconditionFailed);
        }
        if id == actor.user_id
            && (patch.active == Some(false) || patch.role.is_some_and(|r| r != Role::Admin))
        {
            return Err(CoreError::conflict(
                "self_lockout",
                Some("role"),
                "admins cannot demote or deactivate themselves",
            ));
        }
        let mut next = cur.clone();
        if let Some(n) = &patch.name {
            next.user.name = n.clone();
        }
        if let Some(r) = patch.role {
            next.user.role = r;
        }
        match patch.team_id {
            Patch::Value(t) => {
                if self.store.get_team(t).await?.is_none() {
                    return Err(CoreError::invalid(
                        "team_id",
                        "unknown_team",
                        "no team has this id",
                    ));
                }
                next.user.team_id = Some(t);
            }
            Patch::Null => next.user.team_id = None,
            Patch::Absent => {}
        }
        if let Some(a) = patch.active {
            next.user.active = a;
        }
        let now = crate::time::now();
        if let Some(pw) = patch.password.clone() {
            next.password_hash = blocking(move || hash_password(&pw))
                .await?
                .map_err(CoreError::Internal)?;
            next.user.password_expires_at = self.expiry(now);
        }
        if next == cur {
            return Ok((cur.user, Vec::new()));
        }
        next.user.version += 1;
        next.user.updated_at = now.max(cur.user.updated_at);
        let ev = Event::new(
            "user",
            id.0,
            "updated",
            Some(actor.user_id),
            diff(Some(&cur.user), Some(&next.user)),
        );
        if !self
            .store
            .update_user(&next, cur.user.version, Some(&ev))
            .await?
        {
            return Err(CoreError::PreconditionFailed);
        }
        self.bus.committed();
        let security_change = next.user.role != cur.user.role
            || next.user.team_id != cur.user.team_id
            || next.user.active != cur.user.active
            || next.password_hash != cur.password_hash;
        let ended = if security_change {
            self.store.revoke_user_sessions(id, now).await?
        } else {
            Vec::new()
        };
        Ok((next.user, ended))
    }

    pub async fn create_team(&self, actor: &Actor, name: String) -> CoreResult<Team> {
        actor.require(Permission::TeamsWrite)?;
        let now = crate::time::now();
        let team = Team {
            id: TeamId::new(),
            name,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let ev = Event::new(
            "team",
            team.id.0,
            "created",
            Some(actor.user_id),
            diff(None, Some(&team)),
        );
        self.store.insert_team(&team, &ev).await?;
        self.bus.committed();
        Ok(team)
    }

    pub async fn get_team(&self, actor: &Actor, id: TeamId) -> CoreResult<Team> {
        let visible = actor.role == Role::Admin
            || (actor.has(Permission::TeamsRead) && actor.team_id == Some(id));
        match self.store.get_team(id).await? {
            Some(t) if visible => Ok(t),
            _ => Err(CoreError::not_found("team")),
        }
    }

    pub async fn list_teams(
        &self,
        actor: &Actor,
        after: Option<TeamId>,
        limit: u32,
    ) -> CoreResult<Vec<Team>> {
        actor.require(Permission::TeamsRead)?;
        if actor.role == Role::Admin {
            self.store.list_teams(None, after, limit).await
        } else {
            match actor.team_id {
                Some(t) => self.store.list_teams(Some(t), after, limit).await,
                None => Ok(Vec::new()),
            }
        }
    }

    pub async fn rename_team(&self, actor: &Actor, id: TeamId, name: String) -> CoreResult<Team> {
        actor
            .require(Permission::TeamsWrite)
            .map_err(|_| CoreError::not_found("team"))?;
        let cur = self
            .store
            .get_team(id)
            .await?
            .ok_or_else(|| CoreError::not_found("team"))?;
        if cur.name == name {
            return Ok(cur);
        }
        let mut next = cur.clone();
        next.name = name;
        next.version += 1;
        next.updated_at = crate::time::now().max(cur.updated_at);
        let ev = Event::new(
            "team",
            id.0,
            "updated",
            Some(actor.user_id),
            diff(Some(&cur), Some(&next)),
        );
        if !self.store.update_team(&next, cur.version, &ev).await? {
            return Err(CoreError::PreconditionFailed);
        }
        self.bus.committed();
        Ok(next)
    }

    /// Deletes an empty team (no members); records keep their team id for history.
    pub async fn delete_team(&self, actor: &Actor, id: TeamId) -> CoreResult<()> {
        actor
            .require(Permission::TeamsWrite)
            .map_err(|_| CoreError::not_found("team"))?;
        let cur = self
            .store
            .get_team(id)
            .await?
            .ok_or_else(|| CoreError::not_found("team"))?;
        if !self.store.list_users(Some(id), None, 1).await?.is_empty() {
            return Err(CoreError::conflict(
                "team_not_empty",
                None,
                "move the team's members to another team first",
            ));
        }
        let ev = Event::new(
            "team",
            id.0,
            "deleted",
            Some(actor.user_id),
            diff(Some(&cur), None),
        );
        if !self.store.delete_team(id, &ev).await? {
            return Err(CoreError::not_found("team"));
        }
        self.bus.committed();
        Ok(())
    }
}

pub fn user_etag(u: &User) -> String {
    format!("\"{}-{}\"", u.id.0.simple(), u.version)
}

pub fn team_etag(t: &Team) -> String {
    format!("\"{}-{}\"", t.id.0.simple(), t.version)
}

//! Authentication: password login, refresh-token rotation with reuse detection, logout,
//! password changes, API keys, and the bootstrap admin.

use super::{Policy, blocking};
use crate::auth::{Actor, Credential, Permission, Role};
use crate::bus::EventBus;
use crate::error::{CoreError, CoreResult};
use crate::event::{Event, diff};
use crate::ids::{ApiKeyId, RefreshTokenId, SessionId, UserId};
use crate::password::{
    Verified, burn_time, hash_password, random_token, sha256_hex, verify_password,
};
use crate::store::Store;
use crate::time::Timestamp;
use crate::user::{ApiKey, RefreshToken, User, UserRecord, check_password_policy};
use std::sync::Arc;

/// A successful login or refresh: who, which session, and the new refresh token (plain text,
/// shown to the client once).
#[derive(Clone, Debug)]
pub struct Grant {
    pub user: User,
    pub session_id: SessionId,
    pub refresh_token: String,
}

pub const API_KEY_PREFIX: &str = "nxk_";

#[derive(Clone)]
pub struct AuthService {
    store: Arc<dyn Store>,
    bus: EventBus,
    policy: Policy,
}

impl AuthService {
    pub fn new(store: Arc<dyn Store>, bus: EventBus, policy: Policy) -> Self {
        Self { store, bus, policy }
    }

    /// Checks email and password. Unknown accounts cost the same time as known ones.
    pub async fn login(&self, email: &str, password: &str) -> CoreResult<Grant> {
        let rec = self.verify_credentials(email, password, false).await?;
        let now = crate::time::now();
        self.store.record_login(rec.user.id, now).await?;
        self.start_session(rec.user, now).await
    }

    async fn verify_credentials(
        &self,
        email: &str,
        password: &str,
        allow_expired: bool,
    ) -> CoreResult<UserRecord> {
        let found = self
            .store
            .get_user_by_email(&email.trim().to_lowercase())
            .await?;
        let Some(mut rec) = found else {
            let pw = password.to_owned();
            blocking(move || burn_time(&pw)).await?;
            return Err(CoreError::Unauthenticated("invalid_credentials"));
        };
        let (pw, hash) = (password.to_owned(), rec.password_hash.clone());
        let verdict = blocking(move || verify_password(&pw, &hash)).await?;
        if verdict == Verified::No || !rec.user.active {
            return Err(CoreError::Unauthenticated("invalid_credentials"));
        }
        let now = crate::time::now();
        if !allow_expired && rec.user.password_expires_at.is_some_and(|t| t <= now) {
            return Err(CoreError::Unauthenticated("password_expired"));
        }
        if verdict == Verified::YesRehash {
            let pw = password.to_owned();
            if let Ok(Ok(h)) = blocking(move || hash_password(&pw)).await {
                let mut next = rec.clone();
                next.password_hash = h;
                if self
                    .store
                    .update_user(&next, rec.user.version, None)
                    .await?
                {
                    rec = next;
                }
            }
        }
        Ok(rec)
    }

    async fn start_session(&self, user: User, now: Timestamp) -> CoreResult<Grant> {
        let session_id = SessionId::new();
        let refresh_token = self.issue_refresh(session_id, user.id, now).await?;
        Ok(Grant {
            user,
            session_id,
            refresh_token,
        })
    }

    async fn issue_refresh(
        &self,
        session_id: SessionId,
        user_id: UserId,
        now: Timestamp,
    ) -> CoreResult<String> {
        let plain = format!("nxr_{}", random_token(32));
        let token = RefreshToken {
            id: RefreshTokenId::new(),
            session_id,
            user_id,
            token_hash: sha256_hex(&plain),
            expires_at: now + self.policy.refresh_ttl,
            used_at: None,
            revoked_at: None,
            created_at: now,
        };
        self.store.insert_refresh_token(&token).await?;
        Ok(plain)
    }

    /// Rotates a refresh token. Presenting a token that was already rotated revokes its whole
    /// session (the token was probably stolen); the error says so.
    pub async fn refresh(&self, plain: &str) -> CoreResult<(Grant, Option<SessionId>)> {
        let now = crate::time::now();
        let Some(tok) = self.store.get_refresh_token(&sha256_hex(plain)).await? else {
            return Err(CoreError::Unauthenticated("invalid_refresh_token"));
        };
        if tok.revoked_at.is_some() || tok.expires_at <= now {
            return Err(CoreError::Unauthenticated("invalid_refresh_token"));
        }
        if tok.used_at.is_some() || !self.store.use_refresh_token(tok.id, now).await? {
            self.store.revoke_session(tok.session_id, now).await?;
            tracing::warn!(session = %tok.session_id, "refresh token reuse detected; session revoked");
            return Err(CoreError::Unauthenticated("refresh_token_reused"));
        }
        let user = match self.store.get_user(tok.user_id).await? {
            Some(r) if r.user.active => r.user,
            _ => return Err(CoreError::Unauthenticated("invalid_refresh_token")),
        };
        let refresh_token = self.issue_refresh(tok.session_id, user.id, now).await?;
        Ok((
            Grant {
                user,
                session_id: tok.session_id,
                refresh_token,
            },
            None,
        ))
    }

    pub async fn logout(&self, session: SessionId) -> CoreResult<()> {
        self.store.revoke_session(session, crate::time::now()).await
    }

    /// Changes a password. Either `actor` is the signed-in user, or (for an expired password)
    /// `email` identifies the account; both need the current password. Ends every session of
    /// the user and returns their ids.
    pub async fn change_password(
        &self,
        who: PasswordChanger<'_>,
        current: &str,
        new: &str,
    ) -> CoreResult<Vec<SessionId>> {
        check_password_policy("new_password", new).map_err(|e| CoreError::Validation(vec![e]))?;
        if current == new {
            return Err(CoreError::invalid(
                "new_password",
                "unchanged",
                "must differ from the current password",
            ));
        }
        let rec = match who {
            PasswordChanger::Actor(a) => {
                let rec = self
                    .store
                    .get_user(a.user_id)
                    .await?
                    .ok_or(CoreError::Unauthenticated("invalid_credentials"))?;
                let (pw, hash) = (current.to_owned(), rec.password_hash.clone());
                if blocking(move || verify_password(&pw, &hash)).await? == Verified::No {
                    return Err(CoreError::invalid(
                        "current_password",
                        "incorrect",
                        "is not the current password",
                    ));
                }
                rec
            }
            PasswordChanger::Email(e) => self.verify_credentials(e, current, true).await?,
        };
        let pw = new.to_owned();
        let hash = blocking(move || hash_password(&pw))
            .await?
            .map_err(CoreError::Internal)?;
        let now = crate::time::now();
        let mut next = rec.clone();
        next.password_hash = hash;
        next.user.password_expires_at = self.policy.password_max_age.map(|d| now + d);
        next.user.version += 1;
        next.user.updated_at = now.max(rec.user.updated_at);
        let mut changes = serde_json::Map::new();
        changes.insert(
            "password".into(),
            serde_json::json!({"before": "[redacted]", "after": "[redacted]"}),
        );
        let ev = Event::new(
            "user",
            rec.user.id.0,
            "password_changed",
            Some(rec.user.id),
            changes,
        );
        if !self
            .store
            .update_user(&next, rec.user.version, Some(&ev))
            .await?
        {
            return Err(CoreError::PreconditionFailed);
        }
        self.bus.committed();
        self.store.revoke_user_sessions(rec.user.id, now).await
    }

    /// Creates an API key acting for `user_id` (default: the caller) with a role no higher than
    /// that user's. Returns the key and its secret, which is never shown again.
    pub async fn create_api_key(
        &self,
        actor: &Actor,
        name: String,
        role: Role,
        user_id: Option<UserId>,
        expires_at: Option<Timestamp>,
    ) -> CoreResult<(ApiKey, String)> {
        actor.require(Permission::ApiKeysManage)?;
        let owner_id = user_id.unwrap_or(actor.user_id);
        let owner = match self.store.get_user(owner_id).await? {
            Some(r) if r.user.active => r.user,
            _ => {
                return Err(CoreError::invalid(
                    "user_id",
                    "unknown_user",
                    "no active user has this id",
                ));
            }
        };
        if !role.within(owner.role) {
            return Err(CoreError::invalid(
                "role",
                "above_user_role",
                format!(
                    "cannot grant more than the role of the user the key acts for ({}): a key's role \
                     must have no permission and no reach over other teams' records that the user lacks",
                    owner.role
                ),
            ));
        }
        let now = crate::time::now();
        if expires_at.is_some_and(|t| t <= now) {
            return Err(CoreError::invalid(
                "expires_at",
                "in_past",
                "must be in the future",
            ));
        }
        let secret = format!("{API_KEY_PREFIX}{}", random_token(32));
        let key = ApiKey {
            id: ApiKeyId::new(),
            name,
            prefix: secret.chars().take(12).collect(),
            role,
            user_id: owner.id,
            team_id: owner.team_id,
            created_at: now,
            expires_at,
            last_used_at: None,
            revoked_at: None,
        };
        let ev = Event::new(
            "api_key",
            key.id.0,
            "created",
            Some(actor.user_id),
            diff(None, Some(&key)),
        );
        self.store
            .insert_api_key(&key, &sha256_hex(&secret), &ev)
            .await?;
        self.bus.committed();
        Ok((key, secret))
    }

    pub async fn list_api_keys(&self, actor: &Actor) -> CoreResult<Vec<ApiKey>> {
        actor.require(Permission::ApiKeysManage)?;
        self.store.list_api_keys().await
    }

    pub async fn revoke_api_key(&self, actor: &Actor, id: ApiKeyId) -> CoreResult<()> {
        actor
            .require(Permission::ApiKeysManage)
            .map_err(|_| CoreError::not_found("api_key"))?;
        let ev = Event::new(
            "api_key",
            id.0,
            "revoked",
            Some(actor.user_id),
            serde_json::Map::new(),
        );
        if self
            .store
            .revoke_api_key(id, crate::time::now(), &ev)
            .await?
        {
            self.bus.committed();
            Ok(())
        } else {
            Err(CoreError::not_found("api_key"))
        }
    }

    /// Resolves an API key secret to the actor it stands for.
    pub async fn authenticate_api_key(&self, secret: &str) -> CoreResult<Actor> {
        let now = crate::time::now();
        let key = match self.store.get_api_key_by_hash(&sha256_hex(secret)).await? {
            Some(k) if k.revoked_at.is_none() && k.expires_at.is_none_or(|t| t > now) => k,
            _ => return Err(CoreError::Unauthenticated("invalid_api_key")),
        };
        let owner = match self.store.get_user(key.user_id).await? {
            Some(r) if r.user.active => r.user,
            _ => return Err(CoreError::Unauthenticated("invalid_api_key")),
        };
        if key
            .last_used_at
            .is_none_or(|t| now - t > chrono::Duration::minutes(1))
        {
            self.store.touch_api_key(key.id, now).await?;
        }
        // The user's role may have changed since the key was made: the key never grants more
        // than the user has now. A key above the user's role works with the user's role; a key
        // whose role is neither within nor above it (a viewer key for a user now a sales rep)
        // no longer works.
        let role = if key.role.within(owner.role) {
            key.role
        } else if owner.role.within(key.role) {
            owner.role
        } else {
            return Err(CoreError::Unauthenticated("invalid_api_key"));
        };
        Ok(Actor {
            user_id: owner.id,
            role,
            team_id: owner.team_id,
            credential: Credential::ApiKey(key.id),
        })
    }

    /// Creates the first admin of an empty database. Returns the password when it was generated
    /// (to print once), `None` when the caller supplied it, or nothing when users exist.
    pub async fn bootstrap_admin(
        &self,
        email: &str,
        password: Option<&str>,
    ) -> CoreResult<Option<Bootstrap>> {
        if self.store.count_users().await? > 0 {
            return Ok(None);
        }
        let email = crate::validate::EmailAddress::parse(email)
            .map_err(|m| CoreError::invalid("bootstrap_admin_email", "invalid_email", m))?;
        let (pw, generated) = match password {
            Some(p) => {
                check_password_policy("bootstrap_admin_password", p)
                    .map_err(|e| CoreError::Validation(vec![e]))?;
                (p.to_owned(), false)
            }
            None => (crate::password::random_password(), true),
        };
        let now = crate::time::now();
        let p2 = pw.clone();
        let hash = blocking(move || hash_password(&p2))
            .await?
            .map_err(CoreError::Internal)?;
        // A generated password is for the first login only: it stops working after a day.
        let expires = if generated {
            Some(now + chrono::Duration::days(1))
        } else {
            self.policy.password_max_age.map(|d| now + d)
        };
        let user = User {
            id: UserId::new(),
            email: email.as_str().to_owned(),
            name: "Administrator".into(),
            role: Role::Admin,
            team_id: None,
            active: true,
            password_expires_at: expires,
            version: 1,
            created_at: now,
            updated_at: now,
            last_login_at: None,
        };
        let ev = Event::new("user", user.id.0, "created", None, diff(None, Some(&user)));
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
        Ok(Some(Bootstrap {
            user,
            password: generated.then_some(pw),
        }))
    }
}

/// Who is changing a password.
pub enum PasswordChanger<'a> {
    Actor(&'a Actor),
    Email(&'a str),
}

/// The admin created on first start.
#[derive(Debug)]
pub struct Bootstrap {
    pub user: User,
    /// Set when the password was generated and must be shown once.
    pub password: Option<String>,
}

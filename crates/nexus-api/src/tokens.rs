//! Access tokens (JWT, HS256), the revoked-session list and the actor cache.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use nexus_core::auth::{Actor, Credential};
use nexus_core::ids::{SessionId, UserId};
use nexus_core::store::Store;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: uuid::Uuid,
    pub sid: uuid::Uuid,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
}

const ISSUER: &str = "nexus";
/// Seconds of clock skew allowed on `exp`.
const LEEWAY: i64 = 5;
/// Verified tokens remembered at most (then the memory starts over).
const VERIFIED_MAX: usize = 10_000;

#[derive(Clone)]
pub struct JwtKeys {
    enc: EncodingKey,
    dec: DecodingKey,
    validation: Arc<Validation>,
    /// Tokens whose signature and issuer were verified, with their claims. Neither can change
    /// for a given token, so a hit skips `decode`'s base64, HMAC and JSON work (a few
    /// microseconds on every request); the expiry is checked on every use, and revocation is
    /// the caller's check either way.
    verified: Arc<RwLock<HashMap<String, Claims>>>,
    pub access_ttl: chrono::Duration,
}

impl JwtKeys {
    pub fn new(secret: &[u8], access_ttl: chrono::Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.leeway = LEEWAY as u64;
        Self {
            enc: EncodingKey::from_secret(secret),
            dec: DecodingKey::from_secret(secret),
            validation: Arc::new(validation),
            verified: Arc::default(),
            access_ttl,
        }
    }

    pub fn issue(
        &self,
        user: UserId,
        session: SessionId,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user.0,
            sid: session.0,
            iat: now,
            exp: now + self.access_ttl.num_seconds(),
            iss: ISSUER.into(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.enc)
    }

    pub fn verify(&self, token: &str) -> Option<Claims> {
        self.verify_at(token, chrono::Utc::now().timestamp())
    }

    /// [`Self::verify`] at `now` (seconds): a remembered token is valid until `exp` plus the
    /// leeway, as `decode` would judge it.
    fn verify_at(&self, token: &str, now: i64) -> Option<Claims> {
        let known = self
            .verified
            .read()
            .ok()
            .and_then(|m| m.get(token).cloned());
        if let Some(claims) = known {
            return (claims.exp + LEEWAY >= now).then_some(claims);
        }
        let claims = decode::<Claims>(token, &self.dec, &self.validation)
            .ok()?
            .claims;
        if let Ok(mut m) = self.verified.write() {
            if m.len() >= VERIFIED_MAX {
                m.clear();
            }
            m.insert(token.to_owned(), claims.clone());
        }
        Some(claims)
    }
}

/// Sessions whose access tokens must be refused before they expire. Filled on logout, password
/// change or user deactivation in this process, and refreshed from the store every few seconds
/// for changes made by other instances.
#[derive(Clone, Default)]
pub struct RevokedSessions(Arc<RwLock<HashSet<SessionId>>>);

impl RevokedSessions {
    pub fn insert(&self, s: SessionId) {
        if let Ok(mut set) = self.0.write() {
            set.insert(s);
        }
    }

    pub fn contains(&self, s: SessionId) -> bool {
        self.0.read().map(|set| set.contains(&s)).unwrap_or(true)
    }

    pub fn replace(&self, all: Vec<SessionId>) {
        if let Ok(mut set) = self.0.write() {
            set.extend(all);
        }
    }

    /// Reloads sessions revoked within the access-token lifetime.
    pub async fn refresh(&self, store: &dyn Store, access_ttl: chrono::Duration) {
        match store
            .revoked_sessions_since(chrono::Utc::now() - access_ttl)
            .await
        {
            Ok(list) => self.replace(list),
            Err(e) => tracing::warn!(error = %e, "could not refresh revoked sessions"),
        }
    }
}

/// Caches the role and team of users so that a request does not read the user row. A change to a
/// user invalidates the entry as soon as its event reaches this instance (see
/// `spawn_background`); the time limit only bounds staleness if events stop flowing.
#[derive(Clone)]
pub struct ActorCache {
    ttl: Duration,
    map: Arc<RwLock<HashMap<UserId, (Actor, Instant)>>>,
}

impl ActorCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            map: Arc::new(RwLock::new(HashMap::new())),
        }
    }

    pub async fn actor(
        &self,
        store: &dyn Store,
        user: UserId,
        session: SessionId,
    ) -> Option<Actor> {
        if let Some((a, at)) = self.map.read().ok().and_then(|m| m.get(&user).cloned())
            && at.elapsed() < self.ttl
        {
            return Some(Actor {
                credential: Credential::Session(session),
                ..a
            });
        }
        let rec = store
            .get_user(user)
            .await
            .ok()
            .flatten()
            .filter(|r| r.user.active)?;
        let actor = Actor {
            user_id: user,
            role: rec.user.role,
            team_id: rec.user.team_id,
            credential: Credential::Session(session),
        };
        if let Ok(mut m) = self.map.write() {
            if m.len() > 100_000 {
                m.clear();
            }
            m.insert(user, (actor.clone(), Instant::now()));
        }
        Some(actor)
    }

    pub fn clear(&self) {
        if let Ok(mut m) = self.map.write() {
            m.clear();
        }
    }

    pub fn invalidate(&self, user: UserId) {
        if let Ok(mut m) = self.map.write() {
            m.remove(&user);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_token_still_expires_and_a_forged_one_never_passes() {
        let keys = JwtKeys::new(
            b"test-secret-test-secret-test-secret",
            chrono::Duration::seconds(60),
        );
        let token = keys.issue(UserId::new(), SessionId::new()).unwrap();
        let now = chrono::Utc::now().timestamp();
        let claims = keys.verify_at(&token, now).expect("fresh token");
        assert_eq!(
            keys.verify_at(&token, now).unwrap().sid,
            claims.sid,
            "remembered"
        );
        assert!(keys.verify_at(&token, claims.exp + LEEWAY).is_some());
        assert!(
            keys.verify_at(&token, claims.exp + LEEWAY + 1).is_none(),
            "expired"
        );
        // Another signature on the same claims is not the remembered token.
        let (head, _) = token.rsplit_once('.').unwrap();
        assert!(keys.verify(&format!("{head}.AAAA")).is_none());
        // A token of another key is refused.
        let other = JwtKeys::new(
            b"other-secret-other-secret-other-sec",
            chrono::Duration::seconds(60),
        );
        assert!(
            keys.verify(&other.issue(UserId::new(), SessionId::new()).unwrap())
                .is_none()
        );
    }
}

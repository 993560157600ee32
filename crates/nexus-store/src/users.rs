//! Users, teams, refresh tokens, API keys and idempotency keys.

use crate::rows::{API_KEY_COLUMNS, ApiKeyRow, RefreshRow, TeamRow, USER_COLUMNS, UserRow};
use crate::{Db, db_err, insert_event, with_pool};
use chrono::{DateTime, Utc};
use nexus_core::error::{CoreError, CoreResult};
use nexus_core::event::Event;
use nexus_core::ids::{ApiKeyId, RefreshTokenId, SessionId, TeamId, UserId};
use nexus_core::store::{IdempotencyClaim, IdempotentResponse};
use nexus_core::user::{ApiKey, RefreshToken, Team, User, UserRecord};
use sqlx::Connection as _;
use uuid::Uuid;

/// Age after which an idempotency claim that was never completed nor released may be taken over
/// by a retry: well past the request timeout (30 s by default), after which the request holding
/// it cannot still be running.
pub(crate) const IDEMPOTENCY_CLAIM_STALE_SECS: i64 = 120;

impl Db {
    pub(crate) async fn count_users(&self) -> CoreResult<i64> {
        with_pool!(self, read, conn => sqlx::query_scalar::<_, i64>("SELECT count(*) FROM users").fetch_one(conn).await.map_err(db_err))
    }

    pub(crate) async fn insert_user(&self, r: &UserRecord, event: &Event) -> CoreResult<()> {
        let u = &r.user;
        with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            sqlx::query(
                "INSERT INTO users (id, email, email_norm, name, role, team_id, active, password_hash, password_expires_at, version, created_at, updated_at, last_login_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(u.id.0).bind(&u.email).bind(u.email.to_lowercase()).bind(&u.name).bind(u.role.as_str())
            .bind(u.team_id.map(|t| t.0)).bind(u.active).bind(&r.password_hash).bind(u.password_expires_at)
            .bind(u.version).bind(u.created_at).bind(u.updated_at).bind(u.last_login_at)
            .execute(&mut *tx).await.map_err(db_err)?;
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(())
    }

    async fn user_where(
        &self,
        cond: &'static str,
        arg: UserKey<'_>,
    ) -> CoreResult<Option<UserRecord>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {cond}");
        let row: Option<UserRow> = with_pool!(self, read, conn => {
            let q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            let q = match arg { UserKey::Id(id) => q.bind(id), UserKey::Email(e) => q.bind(e.to_owned()) };
            q.fetch_optional(conn).await.map_err(db_err)?
        });
        row.map(UserRecord::try_from).transpose()
    }

    pub(crate) async fn get_user(&self, id: UserId) -> CoreResult<Option<UserRecord>> {
        self.user_where("id = $1", UserKey::Id(id.0)).await
    }

    pub(crate) async fn get_user_by_email(&self, email: &str) -> CoreResult<Option<UserRecord>> {
        self.user_where("email_norm = $1", UserKey::Email(email))
            .await
    }

    pub(crate) async fn update_user(
        &self,
        r: &UserRecord,
        expected_version: i64,
        event: Option<&Event>,
    ) -> CoreResult<bool> {
        let u = &r.user;
        with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            let done = sqlx::query(
                "UPDATE users SET name = $2, role = $3, team_id = $4, active = $5, password_hash = $6, password_expires_at = $7, \
                 version = $8, updated_at = $9 WHERE id = $1 AND version = $10",
            )
            .bind(u.id.0).bind(&u.name).bind(u.role.as_str()).bind(u.team_id.map(|t| t.0)).bind(u.active)
            .bind(&r.password_hash).bind(u.password_expires_at).bind(u.version).bind(u.updated_at).bind(expected_version)
            .execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            if let Some(ev) = event {
                insert_event!(tx, ev);
            }
            tx.commit().await.map_err(db_err)?;
        });
        Ok(true)
    }

    pub(crate) async fn record_login(&self, id: UserId, at: DateTime<Utc>) -> CoreResult<()> {
        with_pool!(self, write, conn => sqlx::query("UPDATE users SET last_login_at = $2 WHERE id = $1")
            .bind(id.0).bind(at).execute(conn).await.map_err(db_err)?.rows_affected());
        Ok(())
    }

    pub(crate) async fn list_users(
        &self,
        team: Option<TeamId>,
        after: Option<UserId>,
        limit: u32,
    ) -> CoreResult<Vec<User>> {
        let after = after.map(|u| u.0).unwrap_or(Uuid::nil());
        let rows: Vec<UserRow> = match team {
            Some(t) => {
                let sql = format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE team_id = $1 AND id > $2 ORDER BY id LIMIT $3"
                );
                with_pool!(self, read, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(t.0).bind(after).bind(i64::from(limit)).fetch_all(conn).await.map_err(db_err)?)
            }
            None => {
                let sql =
                    format!("SELECT {USER_COLUMNS} FROM users WHERE id > $1 ORDER BY id LIMIT $2");
                with_pool!(self, read, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(after).bind(i64::from(limit)).fetch_all(conn).await.map_err(db_err)?)
            }
        };
        rows.into_iter()
            .map(|r| UserRecord::try_from(r).map(|r| r.user))
            .collect()
    }

    pub(crate) async fn insert_team(&self, t: &Team, event: &Event) -> CoreResult<()> {
        with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            sqlx::query("INSERT INTO teams (id, name, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(t.id.0).bind(&t.name).bind(t.version).bind(t.created_at).bind(t.updated_at)
                .execute(&mut *tx).await.map_err(db_err)?;
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(())
    }

    pub(crate) async fn get_team(&self, id: TeamId) -> CoreResult<Option<Team>> {
        let row: Option<TeamRow> = with_pool!(self, read, conn =>
            sqlx::query_as("SELECT id, name, version, created_at, updated_at FROM teams WHERE id = $1")
                .bind(id.0).fetch_optional(conn).await.map_err(db_err)?);
        Ok(row.map(Team::from))
    }

    pub(crate) async fn update_team(
        &self,
        t: &Team,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool> {
        with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            let done = sqlx::query("UPDATE teams SET name = $2, version = $3, updated_at = $4 WHERE id = $1 AND version = $5")
                .bind(t.id.0).bind(&t.name).bind(t.version).bind(t.updated_at).bind(expected_version)
                .execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(true)
    }

    pub(crate) async fn delete_team(&self, id: TeamId, event: &Event) -> CoreResult<bool> {
        with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            // The service checks for members first; a member added concurrently still makes
            // the delete fail (foreign key), and that is the same conflict, not a missing reference.
            let done = sqlx::query("DELETE FROM teams WHERE id = $1").bind(id.0).execute(&mut *tx).await.map_err(team_delete_err)?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(true)
    }

    pub(crate) async fn list_teams(
        &self,
        only: Option<TeamId>,
        after: Option<TeamId>,
        limit: u32,
    ) -> CoreResult<Vec<Team>> {
        let after = after.map(|t| t.0).unwrap_or(Uuid::nil());
        let rows: Vec<TeamRow> = match only {
            Some(t) => with_pool!(self, read, conn =>
                sqlx::query_as("SELECT id, name, version, created_at, updated_at FROM teams WHERE id = $1 AND id > $2 ORDER BY id LIMIT $3")
                    .bind(t.0).bind(after).bind(i64::from(limit)).fetch_all(conn).await.map_err(db_err)?),
            None => with_pool!(self, read, conn =>
                sqlx::query_as("SELECT id, name, version, created_at, updated_at FROM teams WHERE id > $1 ORDER BY id LIMIT $2")
                    .bind(after).bind(i64::from(limit)).fetch_all(conn).await.map_err(db_err)?),
        };
        Ok(rows.into_iter().map(Team::from).collect())
    }

    pub(crate) async fn insert_refresh_token(&self, t: &RefreshToken) -> CoreResult<()> {
        with_pool!(self, write, conn => sqlx::query(
            "INSERT INTO refresh_tokens (id, session_id, user_id, token_hash, expires_at, used_at, revoked_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(t.id.0).bind(t.session_id.0).bind(t.user_id.0).bind(&t.token_hash).bind(t.expires_at)
            .bind(t.used_at).bind(t.revoked_at).bind(t.created_at)
            .execute(conn).await.map_err(db_err)?.rows_affected());
        Ok(())
    }

    pub(crate) async fn get_refresh_token(&self, hash: &str) -> CoreResult<Option<RefreshToken>> {
        let row: Option<RefreshRow> = with_pool!(self, read, conn => sqlx::query_as(
            "SELECT id, session_id, user_id, token_hash, expires_at, used_at, revoked_at, created_at FROM refresh_tokens WHERE token_hash = $1")
            .bind(hash.to_owned()).fetch_optional(conn).await.map_err(db_err)?);
        Ok(row.map(RefreshToken::from))
    }

    pub(crate) async fn use_refresh_token(
        &self,
        id: RefreshTokenId,
        at: DateTime<Utc>,
    ) -> CoreResult<bool> {
        let done = with_pool!(self, write, conn => sqlx::query(
            "UPDATE refresh_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL")
            .bind(id.0).bind(at).execute(conn).await.map_err(db_err)?.rows_affected());
        Ok(done == 1)
    }

    pub(crate) async fn revoke_session(&self, s: SessionId, at: DateTime<Utc>) -> CoreResult<()> {
        with_pool!(self, write, conn => sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $2 WHERE session_id = $1 AND revoked_at IS NULL")
            .bind(s.0).bind(at).execute(conn).await.map_err(db_err)?.rows_affected());
        Ok(())
    }

    pub(crate) async fn revoke_user_sessions(
        &self,
        u: UserId,
        at: DateTime<Utc>,
    ) -> CoreResult<Vec<SessionId>> {
        let ids: Vec<Uuid> = with_pool!(self, write, conn => sqlx::query_scalar(
            "UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL RETURNING session_id")
            .bind(u.0).bind(at).fetch_all(conn).await.map_err(db_err)?);
        let mut out: Vec<SessionId> = ids.into_iter().map(SessionId).collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    pub(crate) async fn revoked_sessions_since(
        &self,
        since: DateTime<Utc>,
    ) -> CoreResult<Vec<SessionId>> {
        let ids: Vec<Uuid> = with_pool!(self, read, conn => sqlx::query_scalar(
            "SELECT DISTINCT session_id FROM refresh_tokens WHERE revoked_at IS NOT NULL AND revoked_at >= $1")
            .bind(since).fetch_all(conn).await.map_err(db_err)?);
        Ok(ids.into_iter().map(SessionId).collect())
    }

    pub(crate) async fn insert_api_key(
        &self,
        k: &ApiKey,
        hash: &str,
        event: &Event,
    ) -> CoreResult<()> {
        with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            sqlx::query(
                "INSERT INTO api_keys (id, name, prefix, key_hash, role, user_id, team_id, created_at, expires_at, last_used_at, revoked_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
                .bind(k.id.0).bind(&k.name).bind(&k.prefix).bind(hash.to_owned()).bind(k.role.as_str()).bind(k.user_id.0)
                .bind(k.team_id.map(|t| t.0)).bind(k.created_at).bind(k.expires_at).bind(k.last_used_at).bind(k.revoked_at)
                .execute(&mut *tx).await.map_err(db_err)?;
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(())
    }

    pub(crate) async fn get_api_key_by_hash(&self, hash: &str) -> CoreResult<Option<ApiKey>> {
        let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys WHERE key_hash = $1");
        let row: Option<ApiKeyRow> = with_pool!(self, read, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(hash.to_owned()).fetch_optional(conn).await.map_err(db_err)?);
        row.map(ApiKey::try_from).transpose()
    }

    pub(crate) async fn list_api_keys(&self) -> CoreResult<Vec<ApiKey>> {
        let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys ORDER BY id");
        let rows: Vec<ApiKeyRow> = with_pool!(self, read, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_all(conn).await.map_err(db_err)?);
        rows.into_iter().map(ApiKey::try_from).collect()
    }

    pub(crate) async fn revoke_api_key(
        &self,
        id: ApiKeyId,
        at: DateTime<Utc>,
        event: &Event,
    ) -> CoreResult<bool> {
        with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            let done = sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                .bind(id.0).bind(at).execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(true)
    }

    pub(crate) async fn touch_api_key(&self, id: ApiKeyId, at: DateTime<Utc>) -> CoreResult<()> {
        with_pool!(self, write, conn => sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
            .bind(id.0).bind(at).execute(conn).await.map_err(db_err)?.rows_affected());
        Ok(())
    }

    /// Claims `key` for a request, or reports the stored response or the request holding it.
    /// A claim whose request never completed nor released it (its future was dropped by the
    /// request timeout, the client went away, the process stopped) is taken over once it is
    /// [`IDEMPOTENCY_CLAIM_STALE_SECS`] old, so a key never stays "in progress" for good. A
    /// claim released between this request's insert and its read is claimed again, with a row,
    /// so that the response is stored.
    pub(crate) async fn claim_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        hash: &str,
        now: DateTime<Utc>,
    ) -> CoreResult<IdempotencyClaim> {
        let stale = now - chrono::Duration::seconds(IDEMPOTENCY_CLAIM_STALE_SECS);
        for _ in 0..3 {
            let inserted = with_pool!(self, write, conn => sqlx::query(
                "INSERT INTO idempotency_keys (scope, key, request_hash, status, body, location, created_at) VALUES ($1, $2, $3, NULL, NULL, NULL, $4) \
                 ON CONFLICT (scope, key) DO NOTHING")
                .bind(scope.to_owned()).bind(key.to_owned()).bind(hash.to_owned()).bind(now)
                .execute(conn).await.map_err(db_err)?.rows_affected());
            if inserted == 1 {
                return Ok(IdempotencyClaim::Claimed);
            }
            let taken = with_pool!(self, write, conn => sqlx::query(
                "UPDATE idempotency_keys SET request_hash = $3, created_at = $4 \
                 WHERE scope = $1 AND key = $2 AND status IS NULL AND created_at < $5")
                .bind(scope.to_owned()).bind(key.to_owned()).bind(hash.to_owned()).bind(now).bind(stale)
                .execute(conn).await.map_err(db_err)?.rows_affected());
            if taken == 1 {
                return Ok(IdempotencyClaim::Claimed);
            }
            let row: Option<IdempotencyRow> = with_pool!(self, write, conn => sqlx::query_as(
                "SELECT request_hash, status, body, location FROM idempotency_keys WHERE scope = $1 AND key = $2")
                .bind(scope.to_owned()).bind(key.to_owned()).fetch_optional(conn).await.map_err(db_err)?);
            match row {
                // Released meanwhile: claim it again.
                None => continue,
                Some((request_hash, Some(status), body, location)) => {
                    return Ok(IdempotencyClaim::Done(IdempotentResponse {
                        request_hash,
                        status: u16::try_from(status).unwrap_or(500),
                        body: body.unwrap_or_default(),
                        location,
                    }));
                }
                Some((request_hash, None, _, _)) => {
                    return Ok(IdempotencyClaim::InProgress { request_hash });
                }
            }
        }
        // Claimed and released by others three times over: report it as busy.
        Ok(IdempotencyClaim::InProgress {
            request_hash: hash.to_owned(),
        })
    }

    pub(crate) async fn complete_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        r: &IdempotentResponse,
    ) -> CoreResult<()> {
        with_pool!(self, write, conn => sqlx::query(
            "UPDATE idempotency_keys SET status = $3, body = $4, location = $5 WHERE scope = $1 AND key = $2")
            .bind(scope.to_owned()).bind(key.to_owned()).bind(i32::from(r.status)).bind(r.body.clone()).bind(r.location.clone())
            .execute(conn).await.map_err(db_err)?.rows_affected());
        Ok(())
    }

    pub(crate) async fn release_idempotency_key(&self, scope: &str, key: &str) -> CoreResult<()> {
        with_pool!(self, write, conn => sqlx::query("DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status IS NULL")
            .bind(scope.to_owned()).bind(key.to_owned()).execute(conn).await.map_err(db_err)?.rows_affected());
        Ok(())
    }
}

/// `request_hash, status, body, location` of an idempotency key.
type IdempotencyRow = (String, Option<i32>, Option<String>, Option<String>);

enum UserKey<'a> {
    Id(Uuid),
    Email(&'a str),
}

/// A team still referenced by users cannot be deleted: the conflict the service reports too.
fn team_delete_err(e: sqlx::Error) -> CoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => CoreError::conflict(
            "team_not_empty",
            None,
            "move the team's members to another team first",
        ),
        _ => db_err(e),
    }
}

//! The persistence port. `nexus-store` implements it for SQLite and PostgreSQL. Every method that
//! changes data writes the change and its event(s) in one transaction; the store never decides
//! permissions.

use crate::customer::{Customer, CustomerQuery};
use crate::error::CoreResult;
use crate::event::Event;
use crate::ids::{ApiKeyId, CustomerId, RefreshTokenId, SessionId, TeamId, UserId};
use crate::time::Timestamp;
use crate::user::{ApiKey, RefreshToken, Team, User, UserRecord};
use async_trait::async_trait;

/// Figures of one connection pool, for `/metrics`.
#[derive(Clone, Copy, Debug, Default)]
pub struct PoolStats {
    /// Which pool: `main` (PostgreSQL), `writer` or `reader` (SQLite).
    pub pool: &'static str,
    /// Open connections.
    pub size: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// Connection limit.
    pub max: u32,
    /// Acquisitions since start that found every connection in use and queued for one.
    pub waits: u64,
    /// Acquisitions queued right now.
    pub waiting: u32,
}

/// The customers of a bulk load, in batches, as the producer generates or parses them. An error
/// item (the producer failed) aborts the load.
pub type CustomerBatches<'a> = futures::stream::BoxStream<'a, CoreResult<Vec<Customer>>>;

/// A stored response of an idempotent request.
#[derive(Clone, Debug)]
pub struct IdempotentResponse {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
}

/// Result of trying to claim an idempotency key.
#[derive(Clone, Debug)]
pub enum IdempotencyClaim {
    /// The key is new: the request runs and its response is saved.
    Claimed,
    /// The key is being processed by another request right now.
    InProgress { request_hash: String },
    /// The key was used before: replay this response.
    Done(IdempotentResponse),
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> CoreResult<()>;
    /// One entry per connection pool.
    fn pool_stats(&self) -> Vec<PoolStats>;
    /// Closes the connection pools (waits for connections in use to return).
    async fn close(&self);

    // Users and teams.
    async fn count_users(&self) -> CoreResult<i64>;
    async fn insert_user(&self, user: &UserRecord, event: &Event) -> CoreResult<()>;
    async fn get_user(&self, id: UserId) -> CoreResult<Option<UserRecord>>;
    async fn get_user_by_email(&self, email_normalized: &str) -> CoreResult<Option<UserRecord>>;
    /// Writes `user` if the stored version is still `expected_version`; `false` otherwise.
    async fn update_user(
        &self,
        user: &UserRecord,
        expected_version: i64,
        event: Option<&Event>,
    ) -> CoreResult<bool>;
    async fn record_login(&self, id: UserId, at: Timestamp) -> CoreResult<()>;
    async fn list_users(
        &self,
        team: Option<TeamId>,
        after: Option<UserId>,
        limit: u32,
    ) -> CoreResult<Vec<User>>;
    async fn insert_team(&self, team: &Team, event: &Event) -> CoreResult<()>;
    async fn get_team(&self, id: TeamId) -> CoreResult<Option<Team>>;
    async fn update_team(
        &self,
        team: &Team,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool>;
    async fn delete_team(&self, id: TeamId, event: &Event) -> CoreResult<bool>;
    async fn list_teams(
        &self,
        only: Option<TeamId>,
        after: Option<TeamId>,
        limit: u32,
    ) -> CoreResult<Vec<Team>>;

    // Sessions (refresh-token families) and API keys.
    async fn insert_refresh_token(&self, token: &RefreshToken) -> CoreResult<()>;
    async fn get_refresh_token(&self, token_hash: &str) -> CoreResult<Option<RefreshToken>>;
    /// Marks a token used if it was not used yet; `false` if another request used it first.
    async fn use_refresh_token(&self, id: RefreshTokenId, at: Timestamp) -> CoreResult<bool>;
    async fn revoke_session(&self, session: SessionId, at: Timestamp) -> CoreResult<()>;
    async fn revoke_user_sessions(&self, user: UserId, at: Timestamp)
    -> CoreResult<Vec<SessionId>>;
    /// Sessions revoked whose tokens may still be unexpired (revoked after `since`).
    async fn revoked_sessions_since(&self, since: Timestamp) -> CoreResult<Vec<SessionId>>;
    async fn insert_api_key(&self, key: &ApiKey, key_hash: &str, event: &Event) -> CoreResult<()>;
    async fn get_api_key_by_hash(&self, key_hash: &str) -> CoreResult<Option<ApiKey>>;
    async fn list_api_keys(&self) -> CoreResult<Vec<ApiKey>>;
    async fn revoke_api_key(&self, id: ApiKeyId, at: Timestamp, event: &Event) -> CoreResult<bool>;
    async fn touch_api_key(&self, id: ApiKeyId, at: Timestamp) -> CoreResult<()>;

    // Customers.
    /// Inserts customers and their events in one transaction (all or nothing).
    async fn insert_customers(&self, customers: &[Customer], events: &[Event]) -> CoreResult<()>;
    /// Which of these normalised emails belong to live customers.
    async fn customers_with_emails(&self, emails: &[String]) -> CoreResult<Vec<String>>;
    async fn get_customer(&self, id: CustomerId) -> CoreResult<Option<Customer>>;
    /// Writes `customer` if the stored version is still `expected_version`; `false` otherwise.
    async fn update_customer(
        &self,
        customer: &Customer,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool>;
    async fn list_customers(&self, q: &CustomerQuery) -> CoreResult<Vec<Customer>>;
    /// Bulk load for demo data and imports: every batch of `batches` in one transaction (all or
    /// nothing), and no per-row events. `expected` is about how many customers the batches hold;
    /// the store uses it to choose between maintaining its indexes row by row and rebuilding them
    /// once at the end. Returns the number of customers loaded.
    async fn bulk_load_customers(
        &self,
        batches: CustomerBatches<'_>,
        expected: u64,
    ) -> CoreResult<u64>;

    // Event log.
    async fn entity_events(
        &self,
        entity_id: uuid::Uuid,
        after: Option<crate::ids::EventId>,
        limit: u32,
    ) -> CoreResult<Vec<Event>>;
    /// Numbers committed, unnumbered events in commit order; returns them. Only one caller at a
    /// time does the numbering (others return an empty list).
    async fn sequence_events(&self, max: u32) -> CoreResult<Vec<Event>>;
    async fn events_after(&self, seq: i64, limit: u32) -> CoreResult<Vec<Event>>;
    async fn max_seq(&self) -> CoreResult<i64>;

    // Idempotency keys.
    async fn claim_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        request_hash: &str,
        now: Timestamp,
    ) -> CoreResult<IdempotencyClaim>;
    async fn complete_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        response: &IdempotentResponse,
    ) -> CoreResult<()>;
    async fn release_idempotency_key(&self, scope: &str, key: &str) -> CoreResult<()>;
}

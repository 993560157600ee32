//! The persistence port. `nexus-store` implements it for SQLite and PostgreSQL. Every method that
//! changes data writes the change and its event(s) in one transaction; the store never decides
//! permissions.

use crate::activity::{Activity, ActivityQuery};
use crate::customer::{Customer, CustomerQuery};
use crate::deal::{Deal, DealQuery, Placement, StageChange};
use crate::error::CoreResult;
use crate::event::Event;
use crate::ids::{
    ActivityId, ApiKeyId, CustomerId, DealId, PipelineId, ProductId, RefreshTokenId, SessionId,
    StageChangeId, StageId, TeamId, TransactionId, UserId,
};
use crate::pipeline::{Pipeline, PipelineQuery};
use crate::product::{Product, ProductQuery};
use crate::time::Timestamp;
use crate::transaction::{CustomerAggregates, Transaction, TransactionQuery};
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

/// One batch of a demo-data load (see [`DemoStore`]): customers and the records that hang off
/// them.
#[derive(Clone, Debug, Default)]
pub struct DemoBatch {
    pub customers: Vec<Customer>,
    /// Every transaction of a customer comes in the batch that holds the customer (the store
    /// computes the customer's aggregates from them). Items refer to the load's products or to
    /// stored ones.
    pub transactions: Vec<Transaction>,
    /// Deals of this batch's customers. Their `position` is ignored: the store places each at the
    /// bottom of its stage, in batch order.
    pub deals: Vec<Deal>,
    /// The stage history of this batch's deals.
    pub stage_changes: Vec<StageChange>,
    /// Activities of this batch's customers (and, optionally, deals).
    pub activities: Vec<Activity>,
}

/// The batches of a demo-data load, as the producer generates them. An error item (the producer
/// failed) aborts the load.
pub type DemoBatches<'a> = futures::stream::BoxStream<'a, CoreResult<DemoBatch>>;

/// What a demo-data load wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DemoCounts {
    pub customers: u64,
    pub products: u64,
    pub transactions: u64,
    pub line_items: u64,
    pub deals: u64,
    pub stage_changes: u64,
    pub activities: u64,
}

/// A stored response of an idempotent request.
#[derive(Clone, Debug)]
pub struct IdempotentResponse {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
}

/// Builds the event of a deal write from the deal as stored (the store assigns `position`).
pub type DealEventFn<'a> = &'a (dyn Fn(&Deal) -> Event + Send + Sync);

/// A deal write: the next state, checked against the stored version, optionally placed in its
/// stage (which the store does under a lock on the pipeline, so concurrent moves never share a
/// position). When placing it had to renumber the stage, the store marks the event
/// ([`crate::deal::mark_stage_renumbered`]) and names the renumbered deals in [`StoredDeal`].
pub struct DealWrite<'a> {
    /// The next state. Its `position` is ignored: the stored one is kept unless `placement` is
    /// set, in which case the store computes it.
    pub deal: &'a Deal,
    pub expected_version: i64,
    pub placement: Option<Placement>,
    pub stage_change: Option<&'a StageChange>,
    pub event: DealEventFn<'a>,
}

/// A deal as a write stored it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredDeal {
    pub deal: Deal,
    /// The live deals of its stage whose `position` the write renumbered (their versions and
    /// events left alone), the written deal included when it was in the stage already; empty
    /// unless the stage ran out of gaps.
    pub renumbered: Vec<DealId>,
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
pub trait Store:
    DashboardStore
    + TimelineStore
    + ViewStore
    + CustomFieldStore
    + WebhookStore
    + ImportStore
    + DemoStore
    + AiStore
    + Send
    + Sync
    + 'static
{
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> CoreResult<()>;
    /// One entry per connection pool.
    fn pool_stats(&self) -> Vec<PoolStats>;
    /// Closes the connection pools (waits for connections in use to return).
    async fn close(&self);
    /// Gives back memory that idle connections keep cached (SQLite's page caches); the server
    /// calls it periodically. Returns how many connections gave memory back.
    async fn release_memory(&self) -> u32;

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
    /// Erases a customer's personal data: the row becomes the anonymised `customer` (if the
    /// stored version is still `expected_version`; `false` otherwise), and its activities,
    /// deals, tags and recorded changes go, in one transaction with `event`. Transactions stay.
    async fn erase_customer(
        &self,
        customer: &Customer,
        expected_version: i64,
        erased_by: Option<UserId>,
        event: &Event,
    ) -> CoreResult<bool>;
    /// When the customer's personal data was erased, if it was.
    async fn customer_erased_at(&self, id: CustomerId) -> CoreResult<Option<Timestamp>>;
    /// Bulk load for demo data and imports: every batch of `batches` in one transaction (all or
    /// nothing), and no per-row events. `expected` is about how many customers the batches hold;
    /// the store uses it to choose between maintaining its indexes row by row and rebuilding them
    /// once at the end. Returns the number of customers loaded.
    async fn bulk_load_customers(
        &self,
        batches: CustomerBatches<'_>,
        expected: u64,
    ) -> CoreResult<u64>;

    // Products.
    async fn insert_product(&self, product: &Product, event: &Event) -> CoreResult<()>;
    async fn get_product(&self, id: ProductId) -> CoreResult<Option<Product>>;
    /// The products with these ids, deleted ones included (unknown ids are left out).
    async fn get_products(&self, ids: &[ProductId]) -> CoreResult<Vec<Product>>;
    /// Writes `product` if the stored version is still `expected_version`; `false` otherwise.
    async fn update_product(
        &self,
        product: &Product,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool>;
    async fn list_products(&self, q: &ProductQuery) -> CoreResult<Vec<Product>>;

    // Transactions and the per-customer aggregates derived from them.
    /// Inserts a transaction, its items and its event, and brings the customer's aggregates up
    /// to date, in one database transaction.
    async fn insert_transaction(&self, transaction: &Transaction, event: &Event) -> CoreResult<()>;
    async fn get_transaction(&self, id: TransactionId) -> CoreResult<Option<Transaction>>;
    /// Writes `transaction` (replacing its items) if the stored version is still
    /// `expected_version`, with its event and the customer's aggregates, in one database
    /// transaction; `false` when the version moved on.
    async fn update_transaction(
        &self,
        transaction: &Transaction,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool>;
    async fn list_transactions(&self, q: &TransactionQuery) -> CoreResult<Vec<Transaction>>;
    /// The stored aggregates of a customer (all zero when it has no transactions).
    async fn customer_aggregates(&self, customer: CustomerId) -> CoreResult<CustomerAggregates>;

    // Event log.
    async fn entity_events(
        &self,
        entity_id: uuid::Uuid,
        after: Option<crate::ids::EventId>,
        limit: u32,
    ) -> CoreResult<Vec<Event>>;
    /// Numbers committed, unnumbered events in commit order; returns their ids and numbers, by
    /// number (readers get the events themselves from [`Self::events_after`]). Only one caller
    /// at a time does the numbering (others return an empty list).
    async fn sequence_events(&self, max: u32) -> CoreResult<Vec<(crate::ids::EventId, i64)>>;
    async fn events_after(&self, seq: i64, limit: u32) -> CoreResult<Vec<Event>>;
    /// Appends an event that records an action without a data change (an audit entry).
    async fn record_event(&self, event: &Event) -> CoreResult<()>;
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

    // Pipelines.
    /// Inserts a pipeline with its stages; when it is the default, the previous default stops
    /// being one.
    async fn insert_pipeline(&self, pipeline: &Pipeline, event: &Event) -> CoreResult<()>;
    /// A pipeline (also a deleted one) with its current stages in board order.
    async fn get_pipeline(&self, id: PipelineId) -> CoreResult<Option<Pipeline>>;
    async fn default_pipeline(&self) -> CoreResult<Option<Pipeline>>;
    /// The live pipeline a current stage belongs to.
    async fn stage_pipeline(&self, stage: StageId) -> CoreResult<Option<PipelineId>>;
    /// Writes `pipeline` (name, default flag, deletion, and its stage list: new stages are
    /// added, missing ones removed) if the stored version is still `expected_version`; `false`
    /// otherwise. Removing or re-kinding a stage that holds live deals, or deleting a pipeline
    /// with live deals, is a conflict.
    async fn update_pipeline(
        &self,
        pipeline: &Pipeline,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool>;
    async fn list_pipelines(&self, q: &PipelineQuery) -> CoreResult<Vec<Pipeline>>;

    // Deals.
    /// Inserts a deal at the bottom of its stage, with its first stage-history entry and its
    /// event; returns it as stored.
    async fn insert_deal(
        &self,
        deal: &Deal,
        stage_change: &StageChange,
        event: DealEventFn<'_>,
    ) -> CoreResult<StoredDeal>;
    async fn get_deal(&self, id: DealId) -> CoreResult<Option<Deal>>;
    /// Applies a [`DealWrite`]; `None` when the stored version moved on.
    async fn update_deal(&self, write: DealWrite<'_>) -> CoreResult<Option<StoredDeal>>;
    async fn list_deals(&self, q: &DealQuery) -> CoreResult<Vec<Deal>>;
    /// A deal's stage changes, oldest first.
    async fn deal_stage_history(
        &self,
        deal: DealId,
        after: Option<StageChangeId>,
        limit: u32,
    ) -> CoreResult<Vec<StageChange>>;

    // Activities.
    async fn insert_activity(&self, activity: &Activity, event: &Event) -> CoreResult<()>;
    async fn get_activity(&self, id: ActivityId) -> CoreResult<Option<Activity>>;
    /// Writes `activity` if the stored version is still `expected_version`; `false` otherwise.
    async fn update_activity(
        &self,
        activity: &Activity,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool>;
    async fn list_activities(&self, q: &ActivityQuery) -> CoreResult<Vec<Activity>>;
}

/// The dashboard queries (see [`crate::dashboard`]); each answers from rollups or covering
/// indexes within the caller's scope.
#[async_trait]
pub trait DashboardStore: Send + Sync {
    /// Revenue per month (`YYYY-MM`, inclusive range) and currency.
    async fn revenue_by_month(
        &self,
        scope: crate::auth::Scope,
        from: &str,
        to: &str,
    ) -> CoreResult<Vec<crate::dashboard::RevenueMonth>>;
    /// Live customers created per UTC day (`YYYY-MM-DD`) in the range.
    async fn signups_by_day(
        &self,
        q: &crate::dashboard::SignupQuery,
    ) -> CoreResult<Vec<(String, i64)>>;
    /// Live deals of a pipeline per stage and currency.
    async fn pipeline_totals(
        &self,
        scope: crate::auth::Scope,
        pipeline: PipelineId,
    ) -> CoreResult<Vec<crate::dashboard::StageCurrencyTotal>>;
    /// Live activities created in `[from, to)` per owner and kind.
    async fn activity_counts(
        &self,
        scope: crate::auth::Scope,
        from: Timestamp,
        to: Timestamp,
    ) -> CoreResult<Vec<crate::dashboard::ActivityCount>>;
    /// The live customers with the largest lifetime revenue in `currency`.
    async fn top_customers(
        &self,
        scope: crate::auth::Scope,
        currency: crate::money::Currency,
        limit: u32,
    ) -> CoreResult<Vec<crate::dashboard::TopCustomer>>;
    /// The currency with the most revenue in the rollup (for a default), if any.
    async fn main_currency(&self) -> CoreResult<Option<crate::money::Currency>>;
}

/// One page of a customer's timeline (see [`crate::timeline`]).
#[async_trait]
pub trait TimelineStore: Send + Sync {
    async fn customer_timeline(
        &self,
        q: &crate::timeline::TimelineQuery,
    ) -> CoreResult<Vec<crate::timeline::TimelineItem>>;
}

/// Saved views (see [`crate::view`]).
#[async_trait]
pub trait ViewStore: Send + Sync {
    async fn insert_view(&self, view: &crate::view::View, event: &Event) -> CoreResult<()>;
    /// A view, also a deleted one.
    async fn get_view(&self, id: crate::ids::ViewId) -> CoreResult<Option<crate::view::View>>;
    /// Writes `view` if the stored version is still `expected_version`; `false` otherwise.
    async fn update_view(
        &self,
        view: &crate::view::View,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool>;
    async fn list_views(&self, q: &crate::view::ViewQuery) -> CoreResult<Vec<crate::view::View>>;
}

/// Judges the values already stored under a field's key (of live and deleted records) before a
/// definition write; an error aborts the write.
pub type StoredValuesCheck<'a> = &'a (dyn Fn(&[serde_json::Value]) -> CoreResult<()> + Send + Sync);

/// Custom-field definitions (see [`crate::custom_field`]). Record writes keep the uniqueness
/// index of `unique` fields in step in their own transaction.
#[async_trait]
pub trait CustomFieldStore: Send + Sync {
    /// Inserts a definition and its event, after `check` accepted the values stored under its
    /// key; a `unique` field's index is built from them (409 `values_not_unique` on duplicates).
    async fn insert_custom_field(
        &self,
        field: &crate::custom_field::CustomField,
        event: &Event,
        check: StoredValuesCheck<'_>,
    ) -> CoreResult<()>;
    /// A definition, also a deleted one.
    async fn get_custom_field(
        &self,
        id: crate::ids::CustomFieldId,
    ) -> CoreResult<Option<crate::custom_field::CustomField>>;
    /// Writes `field` if the stored version is still `expected_version` (`false` otherwise),
    /// after `check` accepted the stored values, and rebuilds or drops its uniqueness index.
    /// Record writes of the entity wait meanwhile, so the check sees every committed value.
    async fn update_custom_field(
        &self,
        field: &crate::custom_field::CustomField,
        expected_version: i64,
        event: &Event,
        check: StoredValuesCheck<'_>,
    ) -> CoreResult<bool>;
    async fn list_custom_fields(
        &self,
        q: &crate::custom_field::CustomFieldQuery,
    ) -> CoreResult<Vec<crate::custom_field::CustomField>>;
    /// The live definitions of an entity, by position.
    async fn custom_field_definitions(
        &self,
        entity: crate::custom_field::CustomFieldEntity,
    ) -> CoreResult<Vec<crate::custom_field::CustomField>>;
    /// Which of these unique keys ([`crate::custom_field::CustomField::unique_key`]) of a field
    /// live records hold.
    async fn custom_field_values_taken(
        &self,
        field: crate::ids::CustomFieldId,
        values: &[String],
    ) -> CoreResult<Vec<String>>;
}

/// Webhooks, their deliveries and the attempt log (see [`crate::webhook`]).
#[async_trait]
pub trait WebhookStore: Send + Sync {
    async fn insert_webhook(&self, w: &crate::webhook::Webhook, event: &Event) -> CoreResult<()>;
    /// A webhook, also a deleted one.
    async fn get_webhook(
        &self,
        id: crate::ids::WebhookId,
    ) -> CoreResult<Option<crate::webhook::Webhook>>;
    /// Writes `w` if the stored version is still `expected_version`; `false` otherwise.
    async fn update_webhook(
        &self,
        w: &crate::webhook::Webhook,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool>;
    async fn list_webhooks(
        &self,
        q: &crate::webhook::WebhookQuery,
    ) -> CoreResult<Vec<crate::webhook::Webhook>>;
    /// Active, live webhooks (the fan-out's targets).
    async fn active_webhooks(&self) -> CoreResult<Vec<crate::webhook::Webhook>>;

    /// The sequence number of the last event fanned out to webhooks.
    async fn webhook_cursor(&self) -> CoreResult<i64>;
    /// Inserts `deliveries` (skipping any (webhook, event) pair that already has one) and moves
    /// the cursor from `from` to `to`, in one transaction; `false` (and nothing written) when
    /// the cursor is no longer at `from` (another instance fanned these events out).
    async fn fan_out(
        &self,
        deliveries: &[crate::webhook::Delivery],
        from: i64,
        to: i64,
    ) -> CoreResult<bool>;
    /// Claims up to `limit` pending deliveries of active webhooks that are due at `now` and not
    /// leased, leasing them until `lease`. Concurrent claimers never get the same delivery.
    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease: Timestamp,
        limit: u32,
    ) -> CoreResult<Vec<crate::webhook::ClaimedDelivery>>;
    /// Logs an attempt and applies its outcome to the delivery (if the lease still holds) and
    /// to the webhook's failure count, in one transaction. Returns whether the webhook was
    /// disabled by it.
    async fn record_attempt(&self, r: &crate::webhook::AttemptRecord<'_>) -> CoreResult<bool>;
    async fn get_delivery(
        &self,
        id: crate::ids::DeliveryId,
    ) -> CoreResult<Option<crate::webhook::Delivery>>;
    async fn list_deliveries(
        &self,
        q: &crate::webhook::DeliveryQuery,
    ) -> CoreResult<Vec<crate::webhook::Delivery>>;
    /// A delivery's attempts, oldest first.
    async fn delivery_attempts(
        &self,
        id: crate::ids::DeliveryId,
    ) -> CoreResult<Vec<crate::webhook::DeliveryAttempt>>;
    /// Makes a delivery pending again, due at `now`, for one manual attempt; `false` when it
    /// does not exist.
    async fn replay_delivery(&self, id: crate::ids::DeliveryId, now: Timestamp)
    -> CoreResult<bool>;
}

/// CSV import jobs (see [`crate::import`]).
#[async_trait]
pub trait ImportStore: Send + Sync {
    async fn insert_import(&self, job: &crate::import::ImportJob, event: &Event) -> CoreResult<()>;
    async fn get_import(
        &self,
        id: crate::ids::ImportId,
    ) -> CoreResult<Option<crate::import::ImportJob>>;
    /// Jobs newest first (by id), after `before`, of one creator or of all.
    async fn list_imports(
        &self,
        created_by: Option<UserId>,
        before: Option<crate::ids::ImportId>,
        limit: u32,
    ) -> CoreResult<Vec<crate::import::ImportJob>>;
    /// Writes the job's status, mapping, error and times if the stored version is still
    /// `expected_version`, and releases its lease; `false` otherwise.
    async fn update_import(
        &self,
        job: &crate::import::ImportJob,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool>;
    /// Queued or running jobs whose lease has run out at `now` (candidates for a worker).
    async fn claimable_imports(&self, now: Timestamp) -> CoreResult<Vec<crate::ids::ImportId>>;
    /// Takes a queued or running job whose lease has run out, for `owner` until `until`, and
    /// marks it running; `None` if another worker took it first.
    async fn claim_import(
        &self,
        id: crate::ids::ImportId,
        owner: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> CoreResult<Option<crate::import::ImportJob>>;
    /// Commits one batch, in one transaction: the records (customers as a bulk load: tags,
    /// unique custom-field values, sign-up counts, no per-row events; products with their
    /// events; transactions with their items and events, and their customers' aggregates and
    /// revenue rollups kept as a create keeps them), the rejected rows, the job's new
    /// checkpoint and counters, a renewed lease and `event`. Only while the job is running,
    /// held by `owner`, and its checkpoint is still `from_offset`; `false` (nothing written)
    /// otherwise: the job was cancelled or taken over.
    async fn commit_import_batch(&self, c: crate::import::ImportCommit<'_>) -> CoreResult<bool>;
    /// The live products holding these normalized (lower-case) SKUs.
    async fn products_with_skus(&self, skus: &[String]) -> CoreResult<Vec<Product>>;
    /// Live customers with one of these ids or normalized (lower-case) e-mails.
    async fn live_customers_by_keys(
        &self,
        ids: &[CustomerId],
        emails: &[String],
    ) -> CoreResult<Vec<Customer>>;
    /// Which of these `external_ref`s live transactions hold.
    async fn transactions_with_external_refs(&self, refs: &[String]) -> CoreResult<Vec<String>>;
    /// For each of these group keys that rejected rows of `job` carry: the key, and the first
    /// and last of those rows (see [`crate::import::ImportRejection::group`]).
    async fn import_groups_seen(
        &self,
        job: crate::ids::ImportId,
        keys: &[String],
    ) -> CoreResult<Vec<(String, i64, i64)>>;
    /// Sizes the writer for an import (`true`: a page cache that holds the indexes the batches
    /// insert into at random places) or back to normal (`false`); a no-op where the database
    /// manages its own memory (PostgreSQL).
    async fn import_writer_cache(&self, importing: bool) -> CoreResult<()>;
    /// Rejected rows of a job by row number, after `after_row`.
    async fn import_rejections(
        &self,
        job: crate::ids::ImportId,
        after_row: i64,
        limit: u32,
    ) -> CoreResult<Vec<crate::import::ImportRejection>>;
}

/// Bulk load of demo data (`nexus seed-demo`).
#[async_trait]
pub trait DemoStore: Send + Sync {
    /// Writes `products` and every batch of `batches` in one transaction (all or nothing), with
    /// no per-row events, like [`Store::bulk_load_customers`], whose index handling it shares.
    /// The derived data is written as the ordinary writes would leave it: the per-customer
    /// aggregates (computed from each batch's transactions), the revenue and signup rollups, and
    /// the search index. `expected_customers` is about how many customers the batches hold.
    async fn bulk_load_demo(
        &self,
        products: &[Product],
        batches: DemoBatches<'_>,
        expected_customers: u64,
    ) -> CoreResult<DemoCounts>;
}

/// The AI layer's reads and its model registry (see [`crate::ai`]).
#[async_trait]
pub trait AiStore: Send + Sync {
    /// The serving version of every model, with its state.
    async fn serving_models(&self) -> CoreResult<Vec<(crate::ai::ModelInfo, serde_json::Value)>>;
    /// Recorded versions (all models, or one), newest first, without their states.
    async fn model_versions(
        &self,
        model: Option<crate::ai::ModelKind>,
        limit: u32,
    ) -> CoreResult<Vec<crate::ai::ModelInfo>>;
    /// Records a trained version under the next version number of its model (which it
    /// returns). A `serving` version retires the one serving, in the same transaction.
    async fn record_model(
        &self,
        info: &crate::ai::ModelInfo,
        state: &serde_json::Value,
    ) -> CoreResult<i64>;
    /// Purchase figures in `currency` of live customers who bought in it, in id order after
    /// `after`.
    async fn purchase_facts_page(
        &self,
        currency: &str,
        after: Option<CustomerId>,
        limit: u32,
    ) -> CoreResult<Vec<(CustomerId, crate::ai::PurchaseFacts)>>;
    /// Live customers in id order after `after`.
    async fn customers_page(
        &self,
        after: Option<CustomerId>,
        limit: u32,
    ) -> CoreResult<Vec<Customer>>;
    /// Distinct (customer, product) pairs of live completed transactions of live customers,
    /// in customer order, for customers after `after`; a page ends at a customer boundary.
    async fn bought_page(
        &self,
        after: Option<CustomerId>,
        limit: u32,
    ) -> CoreResult<Vec<(CustomerId, ProductId)>>;
    /// Distinct products of a customer's live completed transactions.
    async fn customer_products(&self, customer: CustomerId) -> CoreResult<Vec<ProductId>>;
    /// (created_at, sentiment) of a customer's latest live activities with a score.
    async fn customer_sentiments(
        &self,
        customer: CustomerId,
        limit: u32,
    ) -> CoreResult<Vec<(Timestamp, f64)>>;
    /// Live won or lost deals in id order after `after`, with the stage each left to close and
    /// its activity count.
    async fn closed_deals_page(
        &self,
        after: Option<DealId>,
        limit: u32,
    ) -> CoreResult<Vec<crate::ai::ClosedDeal>>;
    /// Live activities per deal, for these deals (absent: none).
    async fn deal_activity_counts(&self, deals: &[DealId]) -> CoreResult<Vec<(DealId, i64)>>;
    /// Live customers whose classification is pending, oldest first.
    async fn pending_classifications(&self, limit: u32) -> CoreResult<Vec<Customer>>;
    /// Live activities with a non-empty body and no sentiment (written while the AI layer was
    /// slow or down), oldest first, in (created_at, id) order after `after`.
    async fn unscored_activities(
        &self,
        after: Option<(Timestamp, ActivityId)>,
        limit: u32,
    ) -> CoreResult<Vec<Activity>>;
    /// Writes the sentiment (and version, `updated_at`) of each activity whose stored version
    /// is still the paired expected one, with its event (`events[i]` belongs to `changes[i]`);
    /// others are skipped. Returns how many were written.
    async fn write_sentiments(
        &self,
        changes: &[(Activity, i64)],
        events: &[Event],
    ) -> CoreResult<u64>;
    /// Writes the segment fields (and version, `updated_at`) of each customer whose stored
    /// version is still the paired expected one, with its event (`events[i]` belongs to
    /// `changes[i]`); others are skipped. Returns how many were written.
    async fn write_segments(
        &self,
        changes: &[(Customer, i64)],
        events: &[Event],
    ) -> CoreResult<u64>;
}

//! `impl Store for Db`: the domain's persistence port, delegating to the per-aggregate modules.

use crate::{Db, db_err, with_pool};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use nexus_core::activity::{Activity, ActivityQuery};
use nexus_core::customer::{Customer, CustomerQuery};
use nexus_core::deal::{Deal, DealQuery, StageChange};
use nexus_core::error::CoreResult;
use nexus_core::event::Event;
use nexus_core::ids::{
    ActivityId, ApiKeyId, CustomerId, DealId, EventId, PipelineId, ProductId, RefreshTokenId,
    SessionId, StageChangeId, StageId, TeamId, TransactionId, UserId,
};
use nexus_core::pipeline::{Pipeline, PipelineQuery};
use nexus_core::product::{Product, ProductQuery};
use nexus_core::store::{
    CustomerBatches, DealEventFn, DealWrite, IdempotencyClaim, IdempotentResponse, PoolStats,
    Store, StoredDeal,
};
use nexus_core::transaction::{CustomerAggregates, Transaction, TransactionQuery};
use nexus_core::user::{ApiKey, RefreshToken, Team, User, UserRecord};
use uuid::Uuid;

#[async_trait]
impl Store for Db {
    fn backend(&self) -> &'static str {
        if self.is_sqlite() {
            "sqlite"
        } else {
            "postgres"
        }
    }
    async fn ping(&self) -> CoreResult<()> {
        with_pool!(self, read, conn => sqlx::query("SELECT 1").execute(conn).await.map_err(db_err)?.rows_affected());
        Ok(())
    }
    fn pool_stats(&self) -> Vec<PoolStats> {
        self.stats()
    }
    async fn close(&self) {
        Db::close(self).await
    }
    async fn release_memory(&self) -> u32 {
        Db::release_memory(self).await
    }
    async fn count_users(&self) -> CoreResult<i64> {
        Db::count_users(self).await
    }
    async fn insert_user(&self, user: &UserRecord, event: &Event) -> CoreResult<()> {
        Db::insert_user(self, user, event).await
    }
    async fn get_user(&self, id: UserId) -> CoreResult<Option<UserRecord>> {
        Db::get_user(self, id).await
    }
    async fn get_user_by_email(&self, email: &str) -> CoreResult<Option<UserRecord>> {
        Db::get_user_by_email(self, email).await
    }
    async fn update_user(
        &self,
        user: &UserRecord,
        expected_version: i64,
        event: Option<&Event>,
    ) -> CoreResult<bool> {
        Db::update_user(self, user, expected_version, event).await
    }
    async fn record_login(&self, id: UserId, at: DateTime<Utc>) -> CoreResult<()> {
        Db::record_login(self, id, at).await
    }
    async fn list_users(
        &self,
        team: Option<TeamId>,
        after: Option<UserId>,
        limit: u32,
    ) -> CoreResult<Vec<User>> {
        Db::list_users(self, team, after, limit).await
    }
    async fn insert_team(&self, team: &Team, event: &Event) -> CoreResult<()> {
        Db::insert_team(self, team, event).await
    }
    async fn get_team(&self, id: TeamId) -> CoreResult<Option<Team>> {
        Db::get_team(self, id).await
    }
    async fn update_team(
        &self,
        team: &Team,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool> {
        Db::update_team(self, team, expected_version, event).await
    }
    async fn delete_team(&self, id: TeamId, event: &Event) -> CoreResult<bool> {
        Db::delete_team(self, id, event).await
    }
    async fn list_teams(
        &self,
        only: Option<TeamId>,
        after: Option<TeamId>,
        limit: u32,
    ) -> CoreResult<Vec<Team>> {
        Db::list_teams(self, only, after, limit).await
    }
    async fn insert_refresh_token(&self, token: &RefreshToken) -> CoreResult<()> {
        Db::insert_refresh_token(self, token).await
    }
    async fn get_refresh_token(&self, token_hash: &str) -> CoreResult<Option<RefreshToken>> {
        Db::get_refresh_token(self, token_hash).await
    }
    async fn use_refresh_token(&self, id: RefreshTokenId, at: DateTime<Utc>) -> CoreResult<bool> {
        Db::use_refresh_token(self, id, at).await
    }
    async fn revoke_session(&self, session: SessionId, at: DateTime<Utc>) -> CoreResult<()> {
        Db::revoke_session(self, session, at).await
    }
    async fn revoke_user_sessions(
        &self,
        user: UserId,
        at: DateTime<Utc>,
    ) -> CoreResult<Vec<SessionId>> {
        Db::revoke_user_sessions(self, user, at).await
    }
    async fn revoked_sessions_since(&self, since: DateTime<Utc>) -> CoreResult<Vec<SessionId>> {
        Db::revoked_sessions_since(self, since).await
    }
    async fn insert_api_key(&self, key: &ApiKey, key_hash: &str, event: &Event) -> CoreResult<()> {
        Db::insert_api_key(self, key, key_hash, event).await
    }
    async fn get_api_key_by_hash(&self, key_hash: &str) -> CoreResult<Option<ApiKey>> {
        Db::get_api_key_by_hash(self, key_hash).await
    }
    async fn list_api_keys(&self) -> CoreResult<Vec<ApiKey>> {
        Db::list_api_keys(self).await
    }
    async fn revoke_api_key(
        &self,
        id: ApiKeyId,
        at: DateTime<Utc>,
        event: &Event,
    ) -> CoreResult<bool> {
        Db::revoke_api_key(self, id, at, event).await
    }
    async fn touch_api_key(&self, id: ApiKeyId, at: DateTime<Utc>) -> CoreResult<()> {
        Db::touch_api_key(self, id, at).await
    }
    async fn insert_customers(&self, customers: &[Customer], events: &[Event]) -> CoreResult<()> {
        Db::insert_customers(self, customers, events).await
    }
    async fn customers_with_emails(&self, emails: &[String]) -> CoreResult<Vec<String>> {
        Db::customers_with_emails(self, emails).await
    }
    async fn get_customer(&self, id: CustomerId) -> CoreResult<Option<Customer>> {
        Db::get_customer(self, id).await
    }
    async fn update_customer(
        &self,
        customer: &Customer,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool> {
        Db::update_customer(self, customer, expected_version, event).await
    }
    async fn erase_customer(
        &self,
        customer: &Customer,
        expected_version: i64,
        erased_by: Option<UserId>,
        event: &Event,
    ) -> CoreResult<bool> {
        Db::erase_customer(self, customer, expected_version, erased_by, event).await
    }
    async fn customer_erased_at(&self, id: CustomerId) -> CoreResult<Option<DateTime<Utc>>> {
        Db::customer_erased_at(self, id).await
    }
    async fn list_customers(&self, q: &CustomerQuery) -> CoreResult<Vec<Customer>> {
        Db::list_customers(self, q).await
    }
    async fn bulk_load_customers(
        &self,
        batches: CustomerBatches<'_>,
        expected: u64,
    ) -> CoreResult<u64> {
        Db::bulk_load_customers(self, batches, expected).await
    }
    async fn insert_product(&self, product: &Product, event: &Event) -> CoreResult<()> {
        Db::insert_product(self, product, event).await
    }
    async fn get_product(&self, id: ProductId) -> CoreResult<Option<Product>> {
        Db::get_product(self, id).await
    }
    async fn get_products(&self, ids: &[ProductId]) -> CoreResult<Vec<Product>> {
        Db::get_products(self, ids).await
    }
    async fn update_product(
        &self,
        product: &Product,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool> {
        Db::update_product(self, product, expected_version, event).await
    }
    async fn list_products(&self, q: &ProductQuery) -> CoreResult<Vec<Product>> {
        Db::list_products(self, q).await
    }
    async fn insert_transaction(&self, transaction: &Transaction, event: &Event) -> CoreResult<()> {
        Db::insert_transaction(self, transaction, event).await
    }
    async fn get_transaction(&self, id: TransactionId) -> CoreResult<Option<Transaction>> {
        Db::get_transaction(self, id).await
    }
    async fn update_transaction(
        &self,
        transaction: &Transaction,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool> {
        Db::update_transaction(self, transaction, expected_version, event).await
    }
    async fn list_transactions(&self, q: &TransactionQuery) -> CoreResult<Vec<Transaction>> {
        Db::list_transactions(self, q).await
    }
    async fn customer_aggregates(&self, customer: CustomerId) -> CoreResult<CustomerAggregates> {
        Db::customer_aggregates(self, customer).await
    }
    async fn entity_events(
        &self,
        entity_id: Uuid,
        after: Option<EventId>,
        limit: u32,
    ) -> CoreResult<Vec<Event>> {
        Db::entity_events(self, entity_id, after, limit).await
    }
    async fn sequence_events(&self, max: u32) -> CoreResult<Vec<(EventId, i64)>> {
        Db::sequence_events(self, max).await
    }
    async fn events_after(&self, seq: i64, limit: u32) -> CoreResult<Vec<Event>> {
        Db::events_after(self, seq, limit).await
    }
    async fn record_event(&self, event: &Event) -> CoreResult<()> {
        with_pool!(self, write, conn => {
            let mut tx = sqlx::Connection::begin(&mut *conn).await.map_err(db_err)?;
            crate::insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(())
    }
    async fn max_seq(&self) -> CoreResult<i64> {
        Db::max_seq(self).await
    }
    async fn claim_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        request_hash: &str,
        now: DateTime<Utc>,
    ) -> CoreResult<IdempotencyClaim> {
        Db::claim_idempotency_key(self, scope, key, request_hash, now).await
    }
    async fn complete_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        response: &IdempotentResponse,
    ) -> CoreResult<()> {
        Db::complete_idempotency_key(self, scope, key, response).await
    }
    async fn release_idempotency_key(&self, scope: &str, key: &str) -> CoreResult<()> {
        Db::release_idempotency_key(self, scope, key).await
    }
    async fn insert_pipeline(&self, pipeline: &Pipeline, event: &Event) -> CoreResult<()> {
        Db::insert_pipeline(self, pipeline, event).await
    }
    async fn get_pipeline(&self, id: PipelineId) -> CoreResult<Option<Pipeline>> {
        Db::get_pipeline(self, id).await
    }
    async fn default_pipeline(&self) -> CoreResult<Option<Pipeline>> {
        Db::default_pipeline(self).await
    }
    async fn stage_pipeline(&self, stage: StageId) -> CoreResult<Option<PipelineId>> {
        Db::stage_pipeline(self, stage).await
    }
    async fn update_pipeline(
        &self,
        pipeline: &Pipeline,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool> {
        Db::update_pipeline(self, pipeline, expected_version, event).await
    }
    async fn list_pipelines(&self, q: &PipelineQuery) -> CoreResult<Vec<Pipeline>> {
        Db::list_pipelines(self, q).await
    }
    async fn insert_deal(
        &self,
        deal: &Deal,
        stage_change: &StageChange,
        event: DealEventFn<'_>,
    ) -> CoreResult<StoredDeal> {
        Db::insert_deal(self, deal, stage_change, event).await
    }
    async fn get_deal(&self, id: DealId) -> CoreResult<Option<Deal>> {
        Db::get_deal(self, id).await
    }
    async fn update_deal(&self, write: DealWrite<'_>) -> CoreResult<Option<StoredDeal>> {
        Db::update_deal(self, write).await
    }
    async fn list_deals(&self, q: &DealQuery) -> CoreResult<Vec<Deal>> {
        Db::list_deals(self, q).await
    }
    async fn deal_stage_history(
        &self,
        deal: DealId,
        after: Option<StageChangeId>,
        limit: u32,
    ) -> CoreResult<Vec<StageChange>> {
        Db::deal_stage_history(self, deal, after, limit).await
    }
    async fn insert_activity(&self, activity: &Activity, event: &Event) -> CoreResult<()> {
        Db::insert_activity(self, activity, event).await
    }
    async fn get_activity(&self, id: ActivityId) -> CoreResult<Option<Activity>> {
        Db::get_activity(self, id).await
    }
    async fn update_activity(
        &self,
        activity: &Activity,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool> {
        Db::update_activity(self, activity, expected_version, event).await
    }
    async fn list_activities(&self, q: &ActivityQuery) -> CoreResult<Vec<Activity>> {
        Db::list_activities(self, q).await
    }
}

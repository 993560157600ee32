//! Domain services, one per aggregate. Each takes an [`Actor`](crate::auth::Actor), checks
//! permissions and ownership, and calls the store once per change.

pub mod activities;
pub mod auth;
pub mod custom_fields;
pub mod customers;
pub mod dashboards;
mod deal_rules;
pub mod deals;
pub mod events;
pub mod imports;
pub(crate) mod ownership;
pub mod pipelines;
pub mod privacy;
pub mod products;
pub mod transactions;
pub mod users;
pub mod views;
pub mod webhooks;

pub(crate) use ownership::check_if_match;

use crate::bus::EventBus;
use crate::store::Store;
use std::sync::Arc;

/// Settings the services need from the configuration.
#[derive(Clone, Debug)]
pub struct Policy {
    pub refresh_ttl: chrono::Duration,
    /// How long a password works after it was set; `None` disables expiry.
    pub password_max_age: Option<chrono::Duration>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            refresh_ttl: chrono::Duration::days(30),
            password_max_age: Some(chrono::Duration::days(90)),
        }
    }
}

/// All services over one store and bus.
#[derive(Clone)]
pub struct Services {
    pub store: Arc<dyn Store>,
    pub bus: EventBus,
    pub customers: customers::CustomerService,
    pub custom_fields: custom_fields::CustomFieldService,
    pub privacy: privacy::PrivacyService,
    pub dashboards: dashboards::DashboardService,
    pub products: products::ProductService,
    pub transactions: transactions::TransactionService,
    pub pipelines: pipelines::PipelineService,
    pub deals: deals::DealService,
    pub events: events::EventService,
    pub activities: activities::ActivityService,
    pub users: users::UserService,
    pub views: views::ViewService,
    pub imports: imports::ImportService,
    pub auth: auth::AuthService,
}

impl Services {
    pub fn new(store: Arc<dyn Store>, bus: EventBus, policy: Policy) -> Self {
        Self {
            customers: customers::CustomerService::new(store.clone(), bus.clone()),
            custom_fields: custom_fields::CustomFieldService::new(store.clone(), bus.clone()),
            dashboards: dashboards::DashboardService::new(store.clone()),
            privacy: privacy::PrivacyService::new(store.clone(), bus.clone()),
            products: products::ProductService::new(store.clone(), bus.clone()),
            transactions: transactions::TransactionService::new(store.clone(), bus.clone()),
            pipelines: pipelines::PipelineService::new(store.clone(), bus.clone()),
            deals: deals::DealService::new(store.clone(), bus.clone()),
            events: events::EventService::new(store.clone()),
            activities: activities::ActivityService::new(store.clone(), bus.clone()),
            views: views::ViewService::new(store.clone(), bus.clone()),
            imports: imports::ImportService::new(store.clone(), bus.clone()),
            users: users::UserService::new(store.clone(), bus.clone(), policy.clone()),
            auth: auth::AuthService::new(store.clone(), bus.clone(), policy),
            store,
            bus,
        }
    }
}

/// Runs CPU-heavy work (password hashing) off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, crate::CoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| crate::CoreError::Internal(e.to_string()))
}

/// Sleeps a little before retrying an optimistic write that lost a race (grows with `attempt`).
pub(crate) async fn backoff(attempt: u64) {
    tokio::time::sleep(std::time::Duration::from_millis(rand::random_range(
        0..(2 + 2 * attempt),
    )))
    .await;
}

//! Domain services, one per aggregate. Each takes an [`Actor`](crate::auth::Actor), checks
//! permissions and ownership, and calls the store once per change.

pub mod activities;
pub mod ai;
pub mod auth;
pub mod custom_fields;
pub mod custom_values;
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
use crate::cache::Records;
use crate::store::Store;
use std::sync::Arc;

/// Settings the services need from the configuration.
#[derive(Clone, Debug)]
pub struct Policy {
    pub refresh_ttl: chrono::Duration,
    /// How long a password works after it was set; `None` disables expiry.
    pub password_max_age: Option<chrono::Duration>,
    /// How long a write waits for the AI layer (classification, sentiment) before it goes on
    /// without it.
    pub ai_budget: std::time::Duration,
    /// The hot-read cache of single records (in process unless the caller brings a shared one).
    pub record_cache: crate::cache::CacheSettings,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            refresh_ttl: chrono::Duration::days(30),
            password_max_age: Some(chrono::Duration::days(90)),
            ai_budget: std::time::Duration::from_millis(200),
            record_cache: crate::cache::CacheSettings::default(),
        }
    }
}

/// All services over one store and bus.
#[derive(Clone)]
pub struct Services {
    pub store: Arc<dyn Store>,
    pub bus: EventBus,
    /// The hot-read cache of customers and products (see [`crate::cache`]).
    pub records: Records,
    /// The custom-field definitions the record services validate with (see
    /// [`custom_values::FieldDefs`]).
    pub fields: custom_values::FieldDefs,
    /// What scoring a deal reads from the store (see [`ai::WinInputs`]).
    pub win_inputs: ai::WinInputs,
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
    pub ai: ai::AiService,
}

impl Services {
    /// Services with the AI layer in-process (trained in this process).
    pub fn new(store: Arc<dyn Store>, bus: EventBus, policy: Policy) -> Self {
        Self::with_ai(store, bus, policy, None)
    }

    /// Services calling `remote` as their AI layer, or the in-process one when `None`, with
    /// the in-process record cache of `policy`.
    pub fn with_ai(
        store: Arc<dyn Store>,
        bus: EventBus,
        policy: Policy,
        remote: Option<Arc<dyn crate::ai::AiLayer>>,
    ) -> Self {
        let records = Records::local(policy.record_cache);
        Self::with_cache(store, bus, policy, remote, records)
    }

    /// [`Self::with_ai`] with the record cache `records` (a shared one, or none).
    pub fn with_cache(
        store: Arc<dyn Store>,
        bus: EventBus,
        policy: Policy,
        remote: Option<Arc<dyn crate::ai::AiLayer>>,
        records: Records,
    ) -> Self {
        let (layer, trainer) = match remote {
            Some(r) => (r, None),
            None => {
                let local = crate::ai::local::LocalAi::new(store.clone());
                let trainer = crate::ai::train::Trainer::new(
                    store.clone(),
                    bus.clone(),
                    local.clone(),
                    crate::ai::train::TrainSettings::default(),
                )
                .with_records(records.clone());
                (
                    Arc::new(local) as Arc<dyn crate::ai::AiLayer>,
                    Some(trainer),
                )
            }
        };
        let win_inputs = ai::WinInputs::cached();
        let client = ai::AiClient {
            layer,
            budget: policy.ai_budget,
            win_inputs: win_inputs.clone(),
        };
        // Definitions kept as long as the actor cache keeps users (see `custom_values`).
        let fields = custom_values::FieldDefs::cached(std::time::Duration::from_secs(30));
        let customers = customers::CustomerService::new(
            store.clone(),
            bus.clone(),
            client.clone(),
            fields.clone(),
        )
        .with_records(records.clone());
        Self {
            ai: ai::AiService::new(
                store.clone(),
                bus.clone(),
                client.clone(),
                customers.clone(),
                trainer,
            ),
            customers,
            custom_fields: custom_fields::CustomFieldService::new(
                store.clone(),
                bus.clone(),
                fields.clone(),
            ),
            dashboards: dashboards::DashboardService::new(store.clone()),
            privacy: privacy::PrivacyService::new(store.clone(), bus.clone())
                .with_records(records.clone()),
            products: products::ProductService::new(store.clone(), bus.clone(), fields.clone())
                .with_records(records.clone()),
            transactions: transactions::TransactionService::new(
                store.clone(),
                bus.clone(),
                fields.clone(),
            ),
            pipelines: pipelines::PipelineService::new(store.clone(), bus.clone())
                .with_win_inputs(win_inputs.clone()),
            deals: deals::DealService::new(
                store.clone(),
                bus.clone(),
                client.clone(),
                fields.clone(),
            )
            .with_records(records.clone()),
            events: events::EventService::new(store.clone()),
            activities: activities::ActivityService::new(
                store.clone(),
                bus.clone(),
                client,
                fields.clone(),
            ),
            views: views::ViewService::new(store.clone(), bus.clone()),
            imports: imports::ImportService::new(store.clone(), bus.clone()),
            users: users::UserService::new(store.clone(), bus.clone(), policy.clone()),
            auth: auth::AuthService::new(store.clone(), bus.clone(), policy),
            records,
            fields,
            win_inputs,
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

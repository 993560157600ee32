//! Store conformance suite: every test body runs against SQLite (always) and PostgreSQL (when
//! `NEXUS_TEST_DATABASE_URL` is set), on a fresh database each time. The SQLCipher tests are
//! SQLite-only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// Generates, for each named `async fn name(store: Arc<dyn Store>)` of the invoking module, a
/// module `name` holding the tests `sqlite` and `postgres` that run that body on each backend.
macro_rules! conformance {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    crate::harness::run(crate::harness::Backend::Sqlite, super::$name).await;
                }

                #[tokio::test]
                async fn postgres() {
                    crate::harness::run(crate::harness::Backend::Postgres, super::$name).await;
                }
            }
        )+
    };
}

mod activities;
mod crm_fixtures;
mod custom_fields;
mod customers;
mod dashboards;
mod deals;
mod demo_load;
mod events;
mod fixtures;
mod harness;
mod idempotency;
mod imports;
mod listing;
mod pipelines;
mod products;
mod record_custom_activities;
mod record_custom_fields;
mod sqlcipher;
mod sqlite_bulk;
mod timeline;
mod transactions;
mod upgrade;
mod upgrade_previous;
mod users;
mod webhooks;

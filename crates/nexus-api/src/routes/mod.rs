//! One module per resource, each ending in `pub fn router()`.

pub mod activities;
pub mod ai;
pub mod api_keys;
pub mod auth;
pub mod custom_fields;
pub mod customers;
pub mod dashboards;
pub mod deals;
pub mod events;
pub mod imports;
pub mod ops;
pub mod pipelines;
pub mod privacy;
pub mod products;
pub mod timeline;
pub mod transactions;
pub mod users;
pub mod views;
pub mod webhooks;

//! One module per resource, each ending in `pub fn router()`.

pub mod api_keys;
pub mod auth;
pub mod customers;
pub mod ops;
pub mod products;
pub mod transactions;
pub mod users;

//! NEXUS domain layer: identifiers, value types, validation, permissions, the event model and
//! one service per aggregate. Nothing in here knows about HTTP or SQL: services take an
//! [`auth::Actor`], check permissions, and call the [`store::Store`] port, which writes each change
//! together with its event in one transaction.

pub mod activity;
pub mod ai;
pub mod auth;
pub mod bus;
pub mod cache;
pub mod custom_field;
pub mod customer;
pub mod dashboard;
pub mod deal;
pub mod error;
pub mod event;
pub mod ids;
pub mod import;
pub mod memo;
pub mod money;
pub mod page;
pub mod password;
pub mod pipeline;
pub mod product;
pub mod services;
pub mod store;
pub mod time;
pub mod timeline;
pub mod transaction;
pub mod user;
pub mod validate;
pub mod view;
pub mod webhook;

pub use error::{CoreError, FieldError};

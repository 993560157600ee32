//! API integration tests: the real router in-process (`oneshot`) on a fresh database per test,
//! on SQLite always and on PostgreSQL when `NEXUS_TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod activities;
mod ai;
mod auth;
mod cache;
mod custom_fields;
mod customers;
mod dashboards;
mod deal_cache;
mod deals;
mod events;
mod gateway;
mod hardening;
mod import_updates;
mod imports;
mod pipelines;
mod privacy;
mod products;
mod rbac;
mod record_custom_activities;
mod record_custom_fields;
mod record_custom_lists;
mod timeline;
mod transaction_imports;
mod transactions;
mod views;
mod web;
mod webhooks;

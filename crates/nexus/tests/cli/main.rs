//! End-to-end tests of the `nexus` binary's commands.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ai;
mod help;
mod import;
mod seed_demo;

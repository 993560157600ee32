//! The quality bars of `docs/ai.md`, asserted on the real data sets (see `common::eval_data`).
//! Speed is not asserted here: `nexus ai bench` measures it.

mod clv;
mod common;
mod recommend;
mod segments;
mod sentiment;

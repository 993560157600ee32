//! Timestamps. Every stored time is UTC truncated to microseconds, the precision PostgreSQL
//! keeps, so that a value reads back identically from both backends (ETags and cursors depend
//! on that).

use chrono::{DateTime, SubsecRound, Utc};

pub type Timestamp = DateTime<Utc>;

/// The current time, truncated to microseconds.
pub fn now() -> Timestamp {
    Utc::now().trunc_subsecs(6)
}

/// Truncates a client-supplied time to the stored precision.
pub fn normalize(t: Timestamp) -> Timestamp {
    t.trunc_subsecs(6)
}

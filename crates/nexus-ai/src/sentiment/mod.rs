//! Sentiment of customer notes, e-mails, calls and messages: VADER ([`Vader`]) and a
//! per-customer [`trend`] over time.

mod trend;
mod vader;

pub use trend::{MAX_SLOPE_PER_30_DAYS, Trend, TrendOptions, trend};
pub use vader::{Polarity, Vader, round_half_even};

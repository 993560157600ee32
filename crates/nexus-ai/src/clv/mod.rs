//! Customer lifetime value: BG/NBD for the number of future purchases and P(alive)
//! ([`BgNbd`]), Gamma-Gamma for the value of a purchase ([`GammaGamma`]), and their product,
//! the discounted CLV ([`clv`]). Input is a per-customer [`Rfm`] summary built from dated
//! transactions by [`summarise`].

mod bgnbd;
mod gamma_gamma;

pub use bgnbd::BgNbd;
pub use gamma_gamma::GammaGamma;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One purchase of one customer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Purchase {
    pub customer: u64,
    pub date: NaiveDate,
    pub amount: f64,
}

/// A customer's purchase history as the models see it, in model time units (weeks here).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rfm {
    /// Number of repeat purchases (distinct purchase days − 1).
    pub x: f64,
    /// Time of the last purchase, since the first one.
    pub t_x: f64,
    /// Age: time from the first purchase to the end of the observation.
    pub t: f64,
    /// Mean value of the repeat purchases (0 without any).
    pub zbar: f64,
}

/// A customer's summary plus what they did after the calibration end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerHistory {
    pub customer: u64,
    pub calibration: Rfm,
    /// Purchase days in the holdout period.
    pub holdout_purchases: u32,
}

/// Builds the calibration summary of every customer with a purchase on or before
/// `calibration_end`: purchases on one day are merged into one transaction (amounts summed),
/// times are in units of `unit_days` days, and purchase days after `calibration_end` up to
/// `holdout_end` (inclusive) are counted as holdout purchases.
pub fn summarise(
    purchases: &[Purchase],
    calibration_end: NaiveDate,
    holdout_end: NaiveDate,
    unit_days: f64,
) -> Vec<CustomerHistory> {
    let mut days: BTreeMap<(u64, NaiveDate), f64> = BTreeMap::new();
    for p in purchases {
        *days.entry((p.customer, p.date)).or_default() += p.amount;
    }
    let mut out = Vec::new();
    let mut iter = days.into_iter().peekable();
    // The first purchase only starts the clock: zbar is the mean of the repeat purchases.
    while let Some(((customer, first), _first_amount)) = iter.next() {
        let mut rest: Vec<(NaiveDate, f64)> = Vec::new();
        while let Some(((c, d), a)) = iter.peek().copied() {
            if c != customer {
                break;
            }
            rest.push((d, a));
            iter.next();
        }
        if first > calibration_end {
            continue;
        }
        let repeats: Vec<&(NaiveDate, f64)> =
            rest.iter().filter(|(d, _)| *d <= calibration_end).collect();
        let holdout = rest
            .iter()
            .filter(|(d, _)| *d > calibration_end && *d <= holdout_end)
            .count();
        let last = repeats.last().map_or(first, |(d, _)| *d);
        let weeks = |from: NaiveDate, to: NaiveDate| (to - from).num_days() as f64 / unit_days;
        let zbar = if repeats.is_empty() {
            0.0
        } else {
            repeats.iter().map(|(_, a)| a).sum::<f64>() / repeats.len() as f64
        };
        out.push(CustomerHistory {
            customer,
            calibration: Rfm {
                x: repeats.len() as f64,
                t_x: weeks(first, last),
                t: weeks(first, calibration_end),
                zbar,
            },
            holdout_purchases: u32::try_from(holdout).unwrap_or(u32::MAX),
        });
    }
    out
}

/// How future value is discounted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum DiscountRate {
    /// Rate per month, e.g. 0.01.
    Monthly(f64),
    /// Rate per year, e.g. 0.10, turned into the equivalent monthly rate.
    Annual(f64),
}

impl DiscountRate {
    fn monthly(self) -> f64 {
        match self {
            Self::Monthly(m) => m,
            Self::Annual(a) => (1.0 + a).powf(1.0 / 12.0) - 1.0,
        }
    }
}

/// Weeks per month, as in `lifetimes` (`customer_lifetime_value` with weekly data).
pub const WEEKS_PER_MONTH: f64 = 4.345;

/// Discounted customer lifetime value over `months`: for each month the expected purchases in
/// it (BG/NBD) times the expected value of a purchase (Gamma-Gamma), discounted to today.
pub fn clv(
    purchases: &BgNbd,
    spend: &GammaGamma,
    customer: &Rfm,
    months: u32,
    rate: DiscountRate,
) -> f64 {
    clv_at_value(
        purchases,
        spend.expected_spend(customer),
        customer,
        months,
        rate,
    )
}

/// [`clv`] with a given expected value per purchase (for a customer the spend model cannot
/// value, e.g. the observed mean order value).
pub fn clv_at_value(
    purchases: &BgNbd,
    value: f64,
    customer: &Rfm,
    months: u32,
    rate: DiscountRate,
) -> f64 {
    let monthly = rate.monthly();
    let mut previous = 0.0;
    let mut total = 0.0;
    for m in 1..=months {
        let expected = purchases.expected_purchases(customer, f64::from(m) * WEEKS_PER_MONTH);
        total += (expected - previous) * value / (1.0 + monthly).powi(m as i32);
        previous = expected;
    }
    total
}

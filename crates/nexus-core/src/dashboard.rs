//! Dashboard figures: revenue by month, pipeline by stage, new customers per period, activity
//! volume per rep and top customers. The store answers from rollups and covering indexes (see
//! migration 0005); the service fills gaps, buckets periods and applies the caller's scope.

use crate::auth::Scope;
use crate::ids::{CustomerId, PipelineId, StageId, UserId};
use crate::money::Currency;
use crate::pipeline::StageKind;
use crate::time::Timestamp;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// Revenue of one month and currency: live completed transactions by `occurred_at` (UTC).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RevenueMonth {
    /// `YYYY-MM`.
    #[schema(example = "2026-03")]
    pub month: String,
    pub currency: Currency,
    /// Minor units.
    pub revenue: i64,
    /// Completed transactions.
    pub purchases: i64,
}

/// New customers created in one period and still live.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SignupCount {
    /// First day of the period (weeks start on Monday).
    pub period_start: NaiveDate,
    pub customers: i64,
}

/// Live deals of one stage and currency, as the store counts them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageCurrencyTotal {
    pub stage_id: StageId,
    pub currency: Currency,
    pub deals: i64,
    pub value: i64,
}

/// Value of a stage's deals in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StageValue {
    pub currency: Currency,
    /// Σ deal value, minor units.
    pub value: i64,
    /// Σ value × stage probability, minor units (rounded half up).
    pub weighted_value: i64,
}

/// One stage of the pipeline summary, in board order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StageSummary {
    pub stage_id: StageId,
    pub name: String,
    pub kind: StageKind,
    /// Win probability of the stage, percent.
    pub probability: u8,
    pub deals: i64,
    /// One entry per currency of the stage's deals, ordered by currency.
    pub totals: Vec<StageValue>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PipelineSummary {
    pub pipeline_id: PipelineId,
    pub name: String,
    pub stages: Vec<StageSummary>,
}

/// Activities of one owner and kind, as the store counts them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityCount {
    pub owner_id: UserId,
    pub owner_name: String,
    pub kind: crate::activity::ActivityKind,
    pub count: i64,
}

/// Activities a rep created in the period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RepActivity {
    pub user_id: UserId,
    pub name: String,
    pub total: i64,
    /// Counts per kind (`note`, `call`, `email`, `meeting`, `task`); kinds without any are left
    /// out.
    pub by_kind: std::collections::BTreeMap<String, i64>,
}

/// A customer ranked by lifetime revenue in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TopCustomer {
    pub customer_id: CustomerId,
    pub name: String,
    pub currency: Currency,
    /// Lifetime revenue of live completed transactions, minor units.
    pub revenue: i64,
    pub purchases: i64,
}

/// Period length of the new-customers series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Day,
    Week,
    Month,
}

impl Period {
    pub const NAMES: &'static [&'static str] = &["day", "week", "month"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "day" => Some(Self::Day),
            "week" => Some(Self::Week),
            "month" => Some(Self::Month),
            _ => None,
        }
    }

    /// The first day of the period that holds `d`.
    pub fn start(self, d: NaiveDate) -> NaiveDate {
        match self {
            Period::Day => d,
            Period::Week => d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday())),
            Period::Month => d.with_day(1).unwrap_or(d),
        }
    }

    /// The first day of the period after the one starting at `start`.
    pub fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Period::Day => start + chrono::Days::new(1),
            Period::Week => start + chrono::Days::new(7),
            Period::Month => start + chrono::Months::new(1),
        }
    }
}

/// A range of months, `YYYY-MM` inclusive at both ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl MonthRange {
    /// Longest range a request may ask for.
    pub const MAX_MONTHS: u32 = 120;

    /// The twelve months up to and including the month of `now`.
    pub fn last_year(now: Timestamp) -> Self {
        let to = Period::Month.start(now.date_naive());
        Self {
            from: to - chrono::Months::new(11),
            to,
        }
    }

    /// Every month of the range as `YYYY-MM`, oldest first.
    pub fn months(self) -> Vec<String> {
        let mut out = Vec::new();
        let mut m = self.from;
        while m <= self.to {
            out.push(month_key(m));
            m = m + chrono::Months::new(1);
        }
        out
    }
}

/// `YYYY-MM` of a date.
pub fn month_key(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// Parses `YYYY-MM` (years 1 to 9999) into the first day of that month.
pub fn parse_month(s: &str) -> Option<NaiveDate> {
    if s.len() != 7 {
        return None;
    }
    crate::validate::parse_date(&format!("{s}-01"))
}

/// A day-granular store query: live customers created per UTC day in `[from, to]`.
#[derive(Clone, Copy, Debug)]
pub struct SignupQuery {
    pub scope: Scope,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Buckets per-day counts (`YYYY-MM-DD`, any order) into periods covering `[from, to]`, every
/// period present, oldest first.
pub fn bucket_signups(
    days: &[(String, i64)],
    period: Period,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<SignupCount> {
    let mut out = Vec::new();
    let mut start = period.start(from);
    while start <= to {
        out.push(SignupCount {
            period_start: start,
            customers: 0,
        });
        start = period.next(start);
    }
    let first = period.start(from);
    for (day, n) in days {
        let Ok(d) = NaiveDate::parse_from_str(day, "%Y-%m-%d") else {
            continue;
        };
        if d < from || d > to {
            continue;
        }
        let key = period.start(d);
        let idx = match period {
            Period::Day => (key - first).num_days(),
            Period::Week => (key - first).num_days() / 7,
            Period::Month => i64::from(
                (key.year() - first.year()) * 12 + key.month() as i32 - first.month() as i32,
            ),
        };
        if let Some(slot) = usize::try_from(idx).ok().and_then(|i| out.get_mut(i)) {
            slot.customers += n;
        }
    }
    out
}

/// Σ value × probability%, rounded half up, without overflow for any stored value.
pub fn weighted(value: i64, probability: u8) -> i64 {
    let w = (i128::from(value) * i128::from(probability) + 50) / 100;
    i64::try_from(w).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        assert_eq!(Period::Week.start(d("2026-11-27")), d("2026-11-23"));
        assert_eq!(Period::Week.start(d("2026-11-23")), d("2026-11-23"));
        assert_eq!(Period::Month.start(d("2026-02-28")), d("2026-02-01"));
        assert_eq!(Period::Month.next(d("2026-12-01")), d("2027-01-01"));
    }

    #[test]
    fn buckets_cover_the_range_with_zeros_and_drop_days_outside_it() {
        let days = vec![
            ("2026-01-31".to_owned(), 2),
            ("2026-02-01".to_owned(), 3),
            ("2026-03-15".to_owned(), 1),
            ("2025-12-31".to_owned(), 7),
        ];
        let b = bucket_signups(&days, Period::Month, d("2026-01-10"), d("2026-04-02"));
        let got: Vec<(String, i64)> = b
            .iter()
            .map(|s| (s.period_start.to_string(), s.customers))
            .collect();
        assert_eq!(
            got,
            vec![
                ("2026-01-01".into(), 2),
                ("2026-02-01".into(), 3),
                ("2026-03-01".into(), 1),
                ("2026-04-01".into(), 0)
            ]
        );
        let w = bucket_signups(&days, Period::Week, d("2026-01-26"), d("2026-02-08"));
        assert_eq!(w.len(), 2);
        assert_eq!((w[0].customers, w[1].customers), (5, 0));
    }

    #[test]
    fn months_and_weighting() {
        let r = MonthRange {
            from: d("2025-11-01"),
            to: d("2026-02-01"),
        };
        assert_eq!(r.months(), vec!["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(parse_month("2026-1"), None);
        assert_eq!(parse_month("2026-01"), Some(d("2026-01-01")));
        assert_eq!(weighted(999, 25), 250);
        assert_eq!(weighted(i64::MAX, 100), i64::MAX);
    }
}

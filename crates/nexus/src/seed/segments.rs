//! The hidden behaviour segments of the demo customers.
//!
//! Every generated customer belongs to exactly one segment, drawn from its kind and its age (the
//! time since its `created_at`). The segment is **not stored** in the database: it only drives
//! the customer's status and history, so that a clustering model has something real to find. An
//! evaluation recovers it with `nexus seed-demo --segments-out key.csv` (`customer_id,segment`
//! for every generated customer), or by generating again with the same `--seed`: the i-th
//! customer (in creation order) gets the same segment again.
//!
//! | segment | who | orders | basket | categories | recency |
//! |---|---|---|---|---|---|
//! | `whale` | 4 % of people, 30 % of companies (older than 90 days) | ~5 a year | 2–4 lines, large quantities for companies, often negotiated 10 % off | laptops, services, software, networking | throughout |
//! | `loyal` | 30 % / 35 % | ~18 a year, evenly spread | 1–3 lines, mid-size | software, accessories, monitors, audio, consumables | up to now |
//! | `bargain` | 30 % / 5 % | ~32 a year | 1–2 cheap lines, extra November (sales) peak, 20 % off in November, more refunds | consumables, accessories, cheap storage | up to now |
//! | `lapsed` | 30 % / 15 % of customers older than 14 months | ~14 a year, during their first 6–12 months only | 1–3 lines | mixed | nothing in the last 9+ months; status `churned` (80 %) |
//! | `new` | 75 % of customers younger than 90 days | 1–2 | 1–2 lines | mixed | recent |
//! | `prospect` | the rest (25 % / 20 %) | none | – | – | leads and prospects, with deals and activities |
//!
//! Within a segment, each customer also has its own basket size (log-normal around 1, σ = 0.4)
//! that scales its lines (at most 6) and quantities, so customers of one segment differ in what
//! they spend per order.
//!
//! Deals (about 0.3 per customer) and activities (about 2.5) also follow the segment: whales
//! have the most deals (mostly won) and the most contact, bargain hunters hardly any, lapsed
//! customers lost deals and more negative notes.

use super::catalogue::Category;
use nexus_core::customer::{CustomerKind, CustomerStatus};
use rand::Rng;
use rand::rngs::SmallRng;

/// A hidden behaviour segment (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    Whale,
    Loyal,
    Bargain,
    Lapsed,
    New,
    Prospect,
}

/// Days after which a customer is no longer "new".
pub const NEW_DAYS: i64 = 90;
/// Minimum age of a lapsed customer, in days.
pub const LAPSED_MIN_AGE_DAYS: i64 = 420;

/// Weights of positive, neutral, mixed and negative note texts.
pub type SentimentWeights = [u32; 4];

impl Segment {
    /// The name used in the `--segments-out` answer key.
    pub fn name(self) -> &'static str {
        match self {
            Segment::Whale => "whale",
            Segment::Loyal => "loyal",
            Segment::Bargain => "bargain",
            Segment::Lapsed => "lapsed",
            Segment::New => "new",
            Segment::Prospect => "prospect",
        }
    }

    /// Draws the segment of a customer of `kind` created `age_days` ago.
    pub fn of(rng: &mut SmallRng, kind: CustomerKind, age_days: i64) -> Self {
        use Segment::*;
        if age_days < NEW_DAYS {
            return if rng.random_bool(0.75) { New } else { Prospect };
        }
        let lapsed_ok = age_days >= LAPSED_MIN_AGE_DAYS;
        let weights: [(Segment, u32); 5] = match kind {
            CustomerKind::Person => [
                (Whale, 4),
                (Loyal, 30),
                (Bargain, 30),
                (Lapsed, if lapsed_ok { 30 } else { 0 }),
                (Prospect, 25),
            ],
            CustomerKind::Company => [
                (Whale, 30),
                (Loyal, 35),
                (Bargain, 5),
                (Lapsed, if lapsed_ok { 15 } else { 0 }),
                (Prospect, 20),
            ],
        };
        weighted(rng, &weights)
    }

    /// The customer status that goes with the segment.
    pub fn status(self, rng: &mut SmallRng) -> CustomerStatus {
        match self {
            Segment::Prospect if rng.random_bool(0.6) => CustomerStatus::Lead,
            Segment::Prospect => CustomerStatus::Prospect,
            Segment::Lapsed if rng.random_bool(0.8) => CustomerStatus::Churned,
            _ => CustomerStatus::Customer,
        }
    }

    /// Orders per year of activity.
    pub fn orders_per_year(self) -> f64 {
        match self {
            Segment::Whale => 5.0,
            Segment::Loyal => 18.0,
            Segment::Bargain => 32.0,
            Segment::Lapsed => 14.0,
            Segment::New | Segment::Prospect => 0.0,
        }
    }

    /// Weights of the categories a line is drawn from.
    pub fn categories(self) -> &'static [(Category, u32)] {
        use Category::*;
        match self {
            Segment::Whale => &[
                (Laptops, 30),
                (Services, 20),
                (Software, 20),
                (Networking, 15),
                (Monitors, 10),
                (Storage, 5),
            ],
            Segment::Loyal => &[
                (Software, 20),
                (Accessories, 20),
                (Monitors, 15),
                (Audio, 15),
                (Consumables, 15),
                (Storage, 10),
                (Networking, 5),
            ],
            Segment::Bargain => &[(Consumables, 45), (Accessories, 45), (Storage, 10)],
            Segment::Lapsed => &[
                (Accessories, 20),
                (Monitors, 20),
                (Laptops, 15),
                (Audio, 15),
                (Software, 15),
                (Consumables, 15),
            ],
            Segment::New | Segment::Prospect => &[
                (Accessories, 30),
                (Audio, 20),
                (Monitors, 20),
                (Laptops, 15),
                (Software, 15),
            ],
        }
    }

    /// Only products up to this list price (USD cents or EUR cents), if limited.
    pub fn max_price(self) -> Option<i64> {
        match self {
            Segment::Bargain => Some(5_000),
            _ => None,
        }
    }

    /// Number of lines of an order.
    pub fn lines(self, rng: &mut SmallRng) -> usize {
        match self {
            Segment::Whale => rng.random_range(2..=4),
            Segment::Loyal | Segment::Lapsed => rng.random_range(1..=3),
            _ => rng.random_range(1..=2),
        }
    }

    /// Quantity of one line.
    pub fn quantity(self, rng: &mut SmallRng, kind: CustomerKind) -> i64 {
        match (self, kind) {
            (Segment::Whale, CustomerKind::Company) => rng.random_range(5..=60),
            (Segment::Whale, CustomerKind::Person) => rng.random_range(1..=4),
            (Segment::Loyal | Segment::Lapsed, CustomerKind::Company) => rng.random_range(2..=10),
            (Segment::Bargain, _) => rng.random_range(1..=2),
            _ => {
                if rng.random_bool(0.8) {
                    1
                } else {
                    2
                }
            }
        }
    }

    /// Share of orders that are refunded.
    pub fn refund_rate(self) -> f64 {
        match self {
            Segment::Bargain => 0.09,
            Segment::Whale => 0.02,
            _ => 0.04,
        }
    }

    /// Probability of one deal (whales may get a second).
    pub fn deal_rate(self) -> f64 {
        match self {
            Segment::Whale => 0.8,
            Segment::Loyal => 0.3,
            Segment::Bargain => 0.05,
            Segment::Lapsed => 0.25,
            Segment::New => 0.3,
            Segment::Prospect => 0.45,
        }
    }

    /// Weights of (open, won, lost) for a deal.
    pub fn deal_outcomes(self) -> [u32; 3] {
        match self {
            Segment::Whale => [30, 60, 10],
            Segment::Loyal => [35, 50, 15],
            Segment::Bargain => [40, 30, 30],
            Segment::Lapsed => [10, 20, 70],
            Segment::New => [60, 40, 0],
            Segment::Prospect => [70, 0, 30],
        }
    }

    /// Deal value range in major units.
    pub fn deal_value(self) -> (i64, i64) {
        match self {
            Segment::Whale => (20_000, 250_000),
            Segment::Bargain => (300, 3_000),
            _ => (1_000, 40_000),
        }
    }

    /// Range of the number of activities.
    pub fn activities(self) -> (u32, u32) {
        match self {
            Segment::Whale => (4, 8),
            Segment::Loyal => (2, 5),
            Segment::Bargain => (0, 2),
            Segment::Lapsed => (1, 4),
            Segment::New => (1, 3),
            Segment::Prospect => (2, 5),
        }
    }

    /// Sentiment of the notes: weights of positive, neutral, mixed, negative.
    pub fn sentiment(self) -> SentimentWeights {
        match self {
            Segment::Whale => [45, 30, 15, 10],
            Segment::Loyal => [40, 35, 15, 10],
            Segment::Bargain => [20, 40, 20, 20],
            Segment::Lapsed => [10, 25, 20, 45],
            Segment::New => [40, 40, 10, 10],
            Segment::Prospect => [25, 45, 15, 15],
        }
    }
}

/// One of `items`, with probability proportional to its weight (at least one weight non-zero).
pub fn weighted<T: Copy>(rng: &mut SmallRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut r = rng.random_range(0..total.max(1));
    for &(item, w) in items {
        if r < w {
            return item;
        }
        r -= w;
    }
    items[items.len() - 1].0
}

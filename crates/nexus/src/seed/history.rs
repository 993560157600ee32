//! A demo customer's history, driven by its hidden segment (see [`super::segments`]): orders
//! with seasonality, deals moving through the default pipeline, and activities with notes.
//!
//! Order totals come from the domain's own pricing ([`price_items`]), exactly as the
//! transaction service computes them; the store derives the aggregates and rollups from them.

use super::catalogue::{Category, Sellable};
use super::generate::Rep;
use super::notes::{self, SENTIMENTS};
use super::segments::{Segment, weighted};
use chrono::{Datelike, Duration, Weekday};
use nexus_core::activity::{Activity, ActivityKind};
use nexus_core::customer::{Customer, CustomerKind};
use nexus_core::deal::{Deal, DealStatus, StageChange};
use nexus_core::ids::{ActivityId, DealId, ProductId, StageChangeId, TransactionId};
use nexus_core::money::Currency;
use nexus_core::pipeline::{Pipeline, Stage, StageKind};
use nexus_core::product::Product;
use nexus_core::time::{Timestamp, normalize};
use nexus_core::transaction::{ItemInput, Transaction, TransactionStatus, price_items};
use rand::Rng;
use rand::rngs::SmallRng;
use std::collections::HashMap;

/// Relative order volume per calendar month (January first): a summer dip, an autumn pick-up
/// and the November/December peak.
const MONTH_WEIGHTS: [f64; 12] = [
    0.85, 0.8, 0.9, 0.95, 0.95, 0.8, 0.65, 0.65, 0.95, 1.05, 1.5, 1.75,
];
/// Upper bound of a time's weight (month × weekday × segment boost), for rejection sampling.
const MAX_WEIGHT: f64 = 1.75 * 1.4 * 1.1;
/// Discontinued products were sold until this many days ago.
const DISCONTINUED_DAYS: i64 = 365;
/// Orders placed in the last days may still be pending.
const PENDING_DAYS: i64 = 7;

const LOST_REASONS: &[&str] = &[
    "Chose a competitor",
    "Budget cut",
    "No decision made",
    "Price too high",
    "Timing: revisit next year",
    "Went with an in-house solution",
    "Champion left the company",
    "Requirements not met",
];

const DEAL_TOPICS: &[&str] = &[
    "Laptop refresh",
    "Office Suite renewal",
    "Network upgrade",
    "Managed support contract",
    "Monitor rollout",
    "Security licences",
    "Data migration project",
    "Training programme",
    "Headsets for the support team",
    "New office fit-out",
];

/// What the history of every customer draws on: the catalogue, the pipeline, the reps.
pub struct Context {
    pub now: Timestamp,
    /// Every product, for pricing.
    pub products: HashMap<ProductId, Product>,
    /// Sellable products per (currency, category).
    pub shelves: HashMap<(Currency, Category), Vec<Sellable>>,
    /// Open stages in board order, then the won and the lost stage.
    pub pipeline: Option<(Pipeline, Vec<Stage>, Stage, Stage)>,
    pub reps: Vec<Rep>,
    /// Product names for notes, in a fixed order (reproducible with `--seed`).
    names: Vec<String>,
}

impl Context {
    pub fn new(
        now: Timestamp,
        products: &[Product],
        sellable: Vec<Sellable>,
        pipeline: Option<Pipeline>,
        reps: Vec<Rep>,
    ) -> Self {
        let mut shelves: HashMap<(Currency, Category), Vec<Sellable>> = HashMap::new();
        for s in sellable {
            shelves.entry((s.currency, s.category)).or_default().push(s);
        }
        let pipeline = pipeline.and_then(|p| {
            let open: Vec<Stage> = p
                .stages
                .iter()
                .filter(|s| s.kind == StageKind::Open)
                .cloned()
                .collect();
            let won = p.first_stage(StageKind::Won)?.clone();
            let lost = p.first_stage(StageKind::Lost)?.clone();
            (!open.is_empty()).then_some((p, open, won, lost))
        });
        let mut names: Vec<String> = products.iter().map(|p| p.name.clone()).collect();
        names.sort();
        names.dedup();
        Self {
            now,
            names,
            products: products.iter().map(|p| (p.id, p.clone())).collect(),
            shelves,
            pipeline,
            reps,
        }
    }
}

/// The records generated for one batch.
#[derive(Default)]
pub struct Records {
    pub transactions: Vec<Transaction>,
    pub deals: Vec<Deal>,
    pub stage_changes: Vec<StageChange>,
    pub activities: Vec<Activity>,
}

/// A uniformly random time in `[from, to]`.
fn between(rng: &mut SmallRng, from: Timestamp, to: Timestamp) -> Timestamp {
    let span = (to - from).num_microseconds().unwrap_or(0).max(0);
    normalize(from + Duration::microseconds(rng.random_range(0..=span)))
}

/// A time in `[from, to]` following the seasonality.
fn seasonal(
    rng: &mut SmallRng,
    from: Timestamp,
    to: Timestamp,
    seg: Segment,
    kind: CustomerKind,
) -> Timestamp {
    loop {
        let t = between(rng, from, to);
        let mut w = MONTH_WEIGHTS[t.month0() as usize];
        if seg == Segment::Bargain && t.month() == 11 {
            w *= 1.4;
        }
        let weekend = matches!(t.weekday(), Weekday::Sat | Weekday::Sun);
        w *= match (kind, weekend) {
            (CustomerKind::Company, true) => 0.3,
            (CustomerKind::Person, true) => 1.1,
            _ => 1.0,
        };
        if rng.random::<f64>() * MAX_WEIGHT < w {
            return t;
        }
    }
}

/// How one customer buys: its segment, its currency and its own basket size.
#[derive(Clone, Copy)]
struct Buyer {
    seg: Segment,
    currency: Currency,
    basket: f64,
}

/// Most lines an order has, whatever the customer's basket size.
pub const MAX_LINES: i64 = 6;

/// A customer's own basket size relative to its segment: log-normal around 1 (σ = 0.4), so
/// that customers of one segment differ in what they spend per order, as real customers do
/// (and as the Gamma-Gamma spend model assumes: a customer's mean order value varies between
/// customers, not only between orders).
fn basket_scale(rng: &mut SmallRng) -> f64 {
    // Box-Muller: one standard normal draw from two uniforms.
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    (0.4 * z).exp()
}

/// `n` scaled by `f`, rounded up or down at random so that the mean stays `n × f`; at least 1.
fn scale(n: i64, f: f64, rng: &mut SmallRng) -> i64 {
    let x = n as f64 * f;
    let whole = x.floor();
    let up = rng.random::<f64>() < x - whole;
    (whole as i64 + i64::from(up)).max(1)
}

/// The contact named in notes: the person, or someone at the company.
fn contact(rng: &mut SmallRng, c: &Customer) -> String {
    match c.kind {
        CustomerKind::Person => c.name.split(' ').next().unwrap_or(&c.name).to_owned(),
        CustomerKind::Company => super::words::FIRST_NAMES
            [rng.random_range(0..super::words::FIRST_NAMES.len())]
        .to_owned(),
    }
}

impl Context {
    /// Appends the customer's orders to `out`. `reference` numbers the orders of the run.
    pub fn orders(
        &self,
        rng: &mut SmallRng,
        c: &Customer,
        seg: Segment,
        currency: Currency,
        reference: &mut dyn FnMut(bool) -> String,
        out: &mut Vec<Transaction>,
    ) {
        let now = self.now;
        let (from, to) = match seg {
            Segment::Prospect => return,
            Segment::Lapsed => {
                let active = Duration::days(rng.random_range(180..=365));
                (
                    c.created_at,
                    (c.created_at + active).min(now - Duration::days(270)),
                )
            }
            _ => (c.created_at, now),
        };
        if to <= from {
            return;
        }
        let count = match seg {
            Segment::New => rng.random_range(1..=2),
            _ => {
                let years = (to - from).num_days() as f64 / 365.25;
                let n = seg.orders_per_year() * years * rng.random_range(0.7..1.3);
                (n.round() as usize).clamp(1, 200)
            }
        };
        let mut times: Vec<Timestamp> = (0..count)
            .map(|_| seasonal(rng, from, to, seg, c.kind))
            .collect();
        times.sort();
        let buyer = Buyer {
            seg,
            currency,
            basket: basket_scale(rng),
        };
        for at in times {
            if let Some(t) = self.order(rng, c, buyer, at, reference) {
                out.push(t);
            }
        }
    }

    fn order(
        &self,
        rng: &mut SmallRng,
        c: &Customer,
        buyer: Buyer,
        at: Timestamp,
        reference: &mut dyn FnMut(bool) -> String,
    ) -> Option<Transaction> {
        let Buyer {
            seg,
            currency,
            basket,
        } = buyer;
        let old = at < self.now - Duration::days(DISCONTINUED_DAYS);
        let mut inputs: Vec<ItemInput> = Vec::with_capacity(4);
        let mut keep: Vec<ProductId> = Vec::new();
        for _ in 0..scale(seg.lines(rng) as i64, basket, rng).min(MAX_LINES) {
            let Some(p) = self.pick_product(rng, seg, currency, old) else {
                continue;
            };
            if inputs.iter().any(|i| i.product_id == p.id) {
                continue;
            }
            if p.discontinued {
                keep.push(p.id);
            }
            let discount = match seg {
                Segment::Whale if c.kind == CustomerKind::Company && rng.random_bool(0.3) => 90,
                Segment::Bargain if at.month() == 11 && rng.random_bool(0.5) => 80,
                _ => 100,
            };
            inputs.push(ItemInput {
                product_id: p.id,
                quantity: scale(seg.quantity(rng, c.kind), basket, rng),
                unit_price: (discount < 100).then_some(p.price * discount / 100),
            });
        }
        // The same pricing as the transaction service; the generator only offers products it
        // may sell, so a refusal (a catalogue edited in between) just drops the order.
        let (currency, items, total) =
            price_items(&inputs, &self.products, Some(currency), &keep).ok()?;
        let recent = at > self.now - Duration::days(PENDING_DAYS);
        let r: f64 = rng.random();
        let status = if recent && r < 0.35 {
            TransactionStatus::Pending
        } else if r < seg.refund_rate() {
            TransactionStatus::Refunded
        } else if r < seg.refund_rate() + 0.04 {
            TransactionStatus::Cancelled
        } else {
            TransactionStatus::Completed
        };
        let updated_at = match status {
            TransactionStatus::Refunded => {
                (at + Duration::days(rng.random_range(3..=30))).min(self.now)
            }
            TransactionStatus::Cancelled => {
                (at + Duration::hours(rng.random_range(1..=48))).min(self.now)
            }
            _ => at,
        };
        // Sales orders are keyed in by the owner; web-shop orders come in without a user.
        let sales_order = match seg {
            Segment::Whale => rng.random_bool(0.9),
            Segment::Bargain => rng.random_bool(0.1),
            _ => rng.random_bool(0.5),
        };
        Some(Transaction {
            id: TransactionId::new(),
            customer_id: c.id,
            status,
            currency,
            occurred_at: at,
            reference: Some(reference(sales_order)),
            external_ref: None,
            items,
            total,
            created_by: sales_order.then_some(c.owner_id),
            attributes: Default::default(),
            version: if updated_at > at { 2 } else { 1 },
            created_at: at,
            updated_at,
            deleted_at: None,
        })
    }

    fn pick_product(
        &self,
        rng: &mut SmallRng,
        seg: Segment,
        currency: Currency,
        old: bool,
    ) -> Option<&Sellable> {
        for _ in 0..4 {
            let category = weighted(rng, seg.categories());
            let Some(shelf) = self.shelves.get(&(currency, category)) else {
                continue;
            };
            let ok = |p: &&Sellable| {
                (old || !p.discontinued) && seg.max_price().is_none_or(|m| p.price <= m)
            };
            let n = shelf.iter().filter(ok).count();
            if n > 0 {
                return shelf.iter().filter(ok).nth(rng.random_range(0..n));
            }
        }
        None
    }

    /// Appends the customer's deals and their stage history.
    pub fn deals(
        &self,
        rng: &mut SmallRng,
        c: &Customer,
        seg: Segment,
        currency: Currency,
        out: &mut Records,
    ) {
        let Some((pipeline, open, won, lost)) = &self.pipeline else {
            return;
        };
        let mut n = usize::from(rng.random_bool(seg.deal_rate()));
        if seg == Segment::Whale && rng.random_bool(0.3) {
            n += 1;
        }
        for _ in 0..n {
            let outcome = weighted(
                rng,
                &[
                    (DealStatus::Open, seg.deal_outcomes()[0]),
                    (DealStatus::Won, seg.deal_outcomes()[1]),
                    (DealStatus::Lost, seg.deal_outcomes()[2]),
                ],
            );
            let now = self.now;
            // Open deals are recent; closed ones ran for two weeks to four months.
            let earliest = match outcome {
                DealStatus::Open => c.created_at.max(now - Duration::days(150)),
                _ => c.created_at,
            };
            let created = between(rng, earliest, now - Duration::hours(2));
            let (path, end): (Vec<&Stage>, Timestamp) = match outcome {
                DealStatus::Open => {
                    let i = weighted(rng, &[(0usize, 40), (1, 30), (2, 20), (3, 10)])
                        .min(open.len() - 1);
                    let end = if i == 0 {
                        created
                    } else {
                        between(rng, created, now)
                    };
                    (open[..=i].iter().collect(), end)
                }
                DealStatus::Won => {
                    let mut p: Vec<&Stage> = open.iter().collect();
                    p.push(won);
                    let end = (created + Duration::days(rng.random_range(14..=120))).min(now);
                    (p, end)
                }
                DealStatus::Lost => {
                    let i = rng.random_range(0..open.len());
                    let mut p: Vec<&Stage> = open[..=i].iter().collect();
                    p.push(lost);
                    let end = (created + Duration::days(rng.random_range(7..=90))).min(now);
                    (p, end)
                }
            };
            let (lo, hi) = seg.deal_value();
            let scale = if c.kind == CustomerKind::Company {
                2
            } else {
                1
            };
            let value = rng.random_range(lo..=hi) * scale / 10 * 10 * 100;
            let topic = DEAL_TOPICS[rng.random_range(0..DEAL_TOPICS.len())];
            let stage = path[path.len() - 1];
            let closed_at = (outcome != DealStatus::Open).then_some(end);
            let expected_close_date = match closed_at {
                Some(t) => t.date_naive(),
                None => (created + Duration::days(rng.random_range(20..=150))).date_naive(),
            };
            let deal = Deal {
                id: DealId::new(),
                title: format!("{} – {topic}", c.name),
                customer_id: c.id,
                value,
                currency,
                pipeline_id: pipeline.id,
                stage_id: stage.id,
                status: outcome,
                lost_reason: (outcome == DealStatus::Lost)
                    .then(|| LOST_REASONS[rng.random_range(0..LOST_REASONS.len())].to_owned()),
                owner_id: c.owner_id,
                team_id: c.team_id,
                expected_close_date: Some(expected_close_date),
                closed_at,
                position: 0,
                attributes: Default::default(),
                win_probability: None,
                version: path.len() as i64,
                created_at: created,
                updated_at: end,
                deleted_at: None,
            };
            // One history entry per stage entered, evenly spread from creation to the last move.
            let step = (end - created) / (path.len().max(2) as i32 - 1);
            for (i, s) in path.iter().enumerate() {
                let at = match i {
                    0 => created,
                    _ if i + 1 == path.len() => end,
                    _ => normalize(created + step * i as i32),
                };
                out.stage_changes.push(StageChange {
                    id: StageChangeId::new(),
                    deal_id: deal.id,
                    pipeline_id: pipeline.id,
                    from_stage_id: (i > 0).then(|| path[i - 1].id),
                    from_stage_name: (i > 0).then(|| path[i - 1].name.clone()),
                    to_stage_id: s.id,
                    to_stage_name: s.name.clone(),
                    actor_id: Some(c.owner_id),
                    changed_at: at,
                });
            }
            out.deals.push(deal);
        }
    }

    /// Appends the customer's activities; `deals` are the customer's deals (some activities
    /// link to one and fall within its lifetime).
    pub fn activities(
        &self,
        rng: &mut SmallRng,
        c: &Customer,
        seg: Segment,
        deals: &[Deal],
        out: &mut Vec<Activity>,
    ) {
        let now = self.now;
        let (lo, hi) = seg.activities();
        let n = rng.random_range(lo..=hi);
        let person = contact(rng, c);
        let teammates: Vec<&Rep> = self
            .reps
            .iter()
            .filter(|r| r.team_id == c.team_id && r.id != c.owner_id)
            .collect();
        for _ in 0..n {
            let kind = weighted(
                rng,
                &[
                    (ActivityKind::Note, 30),
                    (ActivityKind::Call, 25),
                    (ActivityKind::Email, 20),
                    (ActivityKind::Meeting, 10),
                    (ActivityKind::Task, 15),
                ],
            );
            let deal = (!deals.is_empty() && rng.random_bool(0.5))
                .then(|| &deals[rng.random_range(0..deals.len())]);
            let created_at = match deal {
                Some(d) => between(rng, d.created_at, d.updated_at.max(d.created_at)),
                None => between(rng, c.created_at, now),
            };
            let mut weights = seg.sentiment();
            if deal.is_some_and(|d| d.status == DealStatus::Lost) {
                weights[3] += 30;
            }
            let sentiment = weighted(
                rng,
                &[
                    (SENTIMENTS[0], weights[0]),
                    (SENTIMENTS[1], weights[1]),
                    (SENTIMENTS[2], weights[2]),
                    (SENTIMENTS[3], weights[3]),
                ],
            );
            let product = self.any_product_name(rng);
            let subject = notes::subject(rng, kind, &person, product);
            let (due_at, done, completed_at, assignee_id, body) = match kind {
                ActivityKind::Task | ActivityKind::Meeting => {
                    let due =
                        normalize(created_at + Duration::hours(rng.random_range(24..=21 * 24)));
                    // Meetings are done once held; most past tasks are done, some are overdue.
                    let done =
                        due < now && (kind == ActivityKind::Meeting || rng.random_bool(0.85));
                    let completed = done.then(|| {
                        (due - Duration::hours(rng.random_range(0..=48))).clamp(created_at, now)
                    });
                    let assignee = match teammates.len() {
                        0 => c.owner_id,
                        k if rng.random_bool(0.15) => teammates[rng.random_range(0..k)].id,
                        _ => c.owner_id,
                    };
                    let body = (kind == ActivityKind::Meeting && done)
                        .then(|| notes::body(rng, kind, sentiment, &person, product));
                    (Some(due), done, completed, Some(assignee), body)
                }
                _ => (
                    None,
                    true,
                    Some(created_at),
                    None,
                    Some(notes::body(rng, kind, sentiment, &person, product)),
                ),
            };
            let updated_at = completed_at.unwrap_or(created_at).max(created_at);
            // Scored as the activity service scores a written body.
            let score = body
                .as_deref()
                .map(|b| nexus_core::ai::local::sentiment_of(b).compound);
            out.push(Activity {
                id: ActivityId::new(),
                kind,
                subject,
                body,
                due_at,
                done,
                completed_at,
                assignee_id,
                customer_id: c.id,
                deal_id: deal.map(|d| d.id),
                owner_id: c.owner_id,
                team_id: c.team_id,
                sentiment: score,
                attributes: Default::default(),
                version: if updated_at > created_at { 2 } else { 1 },
                created_at,
                updated_at,
                deleted_at: None,
            });
        }
    }

    fn any_product_name(&self, rng: &mut SmallRng) -> &str {
        match self.names.len() {
            0 => "order",
            n => &self.names[rng.random_range(0..n)],
        }
    }
}

//! The customer generator: realistic people and companies from the embedded word lists, driven
//! by a seeded [`SmallRng`] so that `--seed` reproduces the same names, links and distributions.
//! Each customer gets a hidden segment ([`Segment`]) and the history that goes with it
//! ([`super::history`]).

use super::catalogue::{eur, usd};
use super::history::{Context, Records};
use super::segments::Segment;
use super::words::{
    CITIES, COMPANY_CORES, COMPANY_MAILBOXES, COMPANY_PREFIXES, COMPANY_SUFFIXES, FIRST_NAMES,
    INDUSTRIES, JOB_TITLES, LAST_NAMES, MAIL_DOMAINS, SOURCES, TAGS, slug,
};
use chrono::Duration;
use nexus_core::customer::{Customer, CustomerKind, CustomerStatus};
use nexus_core::ids::{CustomerId, TeamId, UserId};
use nexus_core::money::Currency;
use nexus_core::store::DemoBatch;
use nexus_core::time::{Timestamp, normalize};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};
use std::fmt::Write as _;

/// Share of companies among the generated customers.
const COMPANY_SHARE: f64 = 0.15;
/// Share of people that work for one of the seeded companies.
const EMPLOYED_SHARE: f64 = 0.5;
/// How far back `created_at` reaches.
const HISTORY_DAYS: i64 = 730;
/// Countries whose customers buy in EUR (everyone else buys in USD).
const EURO_AREA: &[&str] = &["AT", "BE", "DE", "ES", "FI", "FR", "IE", "IT", "NL", "PT"];

/// A sales rep customers are assigned to.
#[derive(Clone, Copy, Debug)]
pub struct Rep {
    pub id: UserId,
    pub team_id: Option<TeamId>,
}

/// A company seeded in this run, for people to belong to.
struct Company {
    id: CustomerId,
    name: String,
    domain: String,
    city: usize,
    rep: usize,
}

pub struct Generator {
    rng: SmallRng,
    /// Fixed-length run tag that makes e-mails unique across runs (with `counter` within one).
    run_tag: String,
    counter: u64,
    reps: Vec<Rep>,
    companies: Vec<Company>,
    now: Timestamp,
    /// Customers this generator will produce, and how many it produced so far: creation times
    /// follow the generation order (a CRM fills up over time), which also keeps the time-ordered
    /// indexes append-mostly during the load (random creation times made it 3x slower).
    total: u64,
    produced: u64,
    /// The catalogue, pipeline and reps the histories draw on.
    context: Context,
    /// Orders numbered so far (for their references).
    orders: u64,
    /// The hidden segments of the customers generated since the last [`Generator::take_segments`].
    segments: Vec<(CustomerId, Segment)>,
}

impl Generator {
    /// `reps` must not be empty; `total` is the number of customers that will be generated.
    pub fn new(
        seed: u64,
        run_tag: String,
        reps: Vec<Rep>,
        now: Timestamp,
        total: u64,
        context: Context,
    ) -> Self {
        Self {
            context,
            orders: 0,
            segments: Vec::new(),
            rng: SmallRng::seed_from_u64(seed),
            run_tag,
            counter: 0,
            reps,
            companies: Vec::new(),
            now,
            total: total.max(1),
            produced: 0,
        }
    }

    /// The next `n` customers with their histories (see [`Generator::customers`]).
    pub fn batch(&mut self, n: usize) -> DemoBatch {
        let mut customers = self.customers(n);
        let mut records = Records::default();
        for c in &mut customers {
            self.history(c, &mut records);
        }
        DemoBatch {
            customers,
            transactions: records.transactions,
            deals: records.deals,
            stage_changes: records.stage_changes,
            activities: records.activities,
        }
    }

    /// The hidden segments of the customers generated since the last call, in generation order.
    pub fn take_segments(&mut self) -> Vec<(CustomerId, Segment)> {
        std::mem::take(&mut self.segments)
    }

    /// Draws the customer's hidden segment, sets its status from it and appends its orders,
    /// deals and activities.
    fn history(&mut self, c: &mut Customer, out: &mut Records) {
        let age = (self.now - c.created_at).num_days();
        let rng = &mut self.rng;
        let seg = Segment::of(rng, c.kind, age);
        self.segments.push((c.id, seg));
        c.status = seg.status(rng);
        let currency = currency_of(c);
        let (run_tag, orders) = (&self.run_tag, &mut self.orders);
        let mut reference = |sales_order: bool| {
            *orders += 1;
            let prefix = if sales_order { "SO" } else { "WEB" };
            format!("{prefix}-{}-{:07}", run_tag.to_uppercase(), *orders)
        };
        let ctx = &self.context;
        ctx.orders(rng, c, seg, currency, &mut reference, &mut out.transactions);
        let first_deal = out.deals.len();
        ctx.deals(rng, c, seg, currency, out);
        ctx.activities(rng, c, seg, &out.deals[first_deal..], &mut out.activities);
    }

    /// The next `n` customers. Companies come first in the batch, so every person's
    /// `company_id` refers to a company of this or an earlier batch (inserted before it).
    pub fn customers(&mut self, n: usize) -> Vec<Customer> {
        let companies = (0..n)
            .filter(|_| self.rng.random_bool(COMPANY_SHARE))
            .count();
        let mut out = Vec::with_capacity(n);
        for _ in 0..companies {
            out.push(self.company());
        }
        for _ in companies..n {
            out.push(self.person());
        }
        out
    }

    fn pick<T: Copy>(&mut self, list: &[T]) -> T {
        list[self.rng.random_range(0..list.len())]
    }

    /// `<tag><counter>`, unique within the run.
    fn unique_suffix(&mut self, out: &mut String) {
        self.counter += 1;
        let _ = write!(out, "{}{}", self.run_tag, self.counter);
    }

    /// Creation time spread over the history, denser towards the present (a growing business)
    /// and increasing with the generation order; the update time lies between creation and now,
    /// mostly close to creation.
    fn times(&mut self) -> (Timestamp, Timestamp) {
        let span = Duration::days(HISTORY_DAYS)
            .num_microseconds()
            .unwrap_or(i64::MAX);
        // Stratified sample: the i-th customer gets a uniform value within the i-th of `total`
        // equal slots, mapped through the (square-root) creation-time distribution.
        let q = ((self.produced as f64 + self.rng.random::<f64>()) / self.total as f64).min(1.0);
        self.produced += 1;
        let ago = (span as f64 * (1.0 - q.sqrt())) as i64;
        let created = normalize(self.now - Duration::microseconds(ago));
        let since = (self.now - created).num_microseconds().unwrap_or(0).max(0);
        let later = (since as f64 * self.rng.random::<f64>().powi(3)) as i64;
        let updated = normalize(created + Duration::microseconds(later));
        (created, updated.max(created))
    }

    fn status(&mut self, weights: [u32; 4]) -> CustomerStatus {
        let total: u32 = weights.iter().sum();
        let mut r = self.rng.random_range(0..total);
        for (w, s) in weights.into_iter().zip([
            CustomerStatus::Lead,
            CustomerStatus::Prospect,
            CustomerStatus::Customer,
            CustomerStatus::Churned,
        ]) {
            if r < w {
                return s;
            }
            r -= w;
        }
        CustomerStatus::Churned
    }

    fn phone(&mut self, prefix: &str) -> String {
        let a = self.rng.random_range(100..1000);
        let b = self.rng.random_range(1000..10000);
        format!("{prefix} {a} {b}")
    }

    /// 0–3 distinct tags, optionally starting with `first`.
    fn tags(&mut self, first: Option<&str>, status: CustomerStatus) -> Vec<String> {
        let mut tags: Vec<String> = Vec::with_capacity(3);
        if let Some(t) = first {
            tags.push(t.to_owned());
        }
        if status == CustomerStatus::Customer && self.rng.random_bool(0.08) {
            tags.push("churn-risk".to_owned());
        }
        let extra = match self.rng.random_range(0..100) {
            0..30 => 0,
            30..70 => 1,
            70..92 => 2,
            _ => 3,
        };
        for _ in 0..extra {
            if tags.len() >= 3 {
                break;
            }
            let t = self.pick(TAGS);
            if !tags.iter().any(|x| x == t) {
                tags.push(t.to_owned());
            }
        }
        tags
    }

    fn base(&mut self, kind: CustomerKind, name: String, rep: usize) -> Customer {
        let (created_at, updated_at) = self.times();
        let Rep { id, team_id } = self.reps[rep];
        Customer {
            id: CustomerId::new(),
            kind,
            name,
            email: None,
            phone: None,
            company_id: None,
            company_name: None,
            status: CustomerStatus::Lead,
            owner_id: id,
            team_id,
            tags: Vec::new(),
            attributes: Map::new(),
            segment: None,
            segment_status: nexus_core::customer::SegmentStatus::Unscored,
            segment_confidence: None,
            version: 1,
            created_at,
            updated_at,
            deleted_at: None,
        }
    }

    fn company(&mut self) -> Customer {
        let prefix = self.pick(COMPANY_PREFIXES);
        let core = self.pick(COMPANY_CORES);
        let suffix = self.pick(COMPANY_SUFFIXES);
        let city = self.rng.random_range(0..CITIES.len());
        let (city_name, country, phone_prefix, tld) = CITIES[city];
        let mut domain = String::with_capacity(32);
        slug(prefix, None, &mut domain);
        domain.push('-');
        slug(core, None, &mut domain);
        domain.push('.');
        domain.push_str(tld);
        let name = format!("{prefix} {core} {suffix}");
        let rep = self.rng.random_range(0..self.reps.len());
        let mut c = self.base(CustomerKind::Company, name.clone(), rep);
        let mut email = String::with_capacity(48);
        email.push_str(self.pick(COMPANY_MAILBOXES));
        email.push('.');
        self.unique_suffix(&mut email);
        email.push('@');
        email.push_str(&domain);
        let employees: u32 = match self.rng.random_range(0..100) {
            0..45 => self.rng.random_range(2..50),
            45..80 => self.rng.random_range(50..250),
            80..95 => self.rng.random_range(250..1000),
            _ => self.rng.random_range(1000..50_000),
        };
        let size_tag = match employees {
            0..250 if self.rng.random_bool(0.6) => Some("smb"),
            1000.. if self.rng.random_bool(0.8) => Some("enterprise"),
            _ => None,
        };
        c.status = self.status([20, 25, 45, 10]);
        c.tags = self.tags(size_tag, c.status);
        c.phone = Some(self.phone(phone_prefix));
        c.attributes = attrs(json!({
            "industry": self.pick(INDUSTRIES),
            "city": city_name,
            "country": country,
            "employees": employees,
            "website": format!("https://www.{domain}"),
        }));
        c.email = Some(email);
        self.companies.push(Company {
            id: c.id,
            name,
            domain,
            city,
            rep,
        });
        c
    }

    fn person(&mut self) -> Customer {
        let first = self.pick(FIRST_NAMES);
        let last = self.pick(LAST_NAMES);
        let employer = if !self.companies.is_empty() && self.rng.random_bool(EMPLOYED_SHARE) {
            Some(self.rng.random_range(0..self.companies.len()))
        } else {
            None
        };
        // People of a company usually share its owner (account ownership), and its city.
        let rep = match employer {
            Some(i) if self.rng.random_bool(0.8) => self.companies[i].rep,
            _ => self.rng.random_range(0..self.reps.len()),
        };
        let city = match employer {
            Some(i) if self.rng.random_bool(0.7) => self.companies[i].city,
            _ => self.rng.random_range(0..CITIES.len()),
        };
        let (city_name, country, phone_prefix, _) = CITIES[city];
        let mut c = self.base(CustomerKind::Person, format!("{first} {last}"), rep);
        let mut email = String::with_capacity(48);
        match self.rng.random_range(0..10) {
            0..6 => {
                slug(first, Some('.'), &mut email);
                email.push('.');
                slug(last, Some('.'), &mut email);
            }
            6..8 => {
                slug(
                    &first[..first.chars().next().map_or(0, char::len_utf8)],
                    None,
                    &mut email,
                );
                slug(last, None, &mut email);
            }
            _ => {
                slug(first, None, &mut email);
                email.push('_');
                slug(last, None, &mut email);
            }
        }
        email.push('.');
        self.unique_suffix(&mut email);
        email.push('@');
        let mut attributes = Map::new();
        attributes.insert("city".into(), Value::from(city_name));
        attributes.insert("country".into(), Value::from(country));
        attributes.insert("source".into(), Value::from(self.pick(SOURCES)));
        let mut decision_maker = None;
        match employer {
            Some(i) => {
                let co = &self.companies[i];
                email.push_str(&co.domain);
                c.company_id = Some(co.id);
                c.company_name = Some(co.name.clone());
                let title = self.pick(JOB_TITLES);
                if matches!(title, "CEO" | "CTO" | "CFO" | "Founder" | "IT Director") {
                    decision_maker = Some("decision-maker");
                }
                attributes.insert("job_title".into(), Value::from(title));
            }
            None => email.push_str(self.pick(MAIL_DOMAINS)),
        }
        c.status = self.status([40, 25, 27, 8]);
        c.tags = self.tags(decision_maker, c.status);
        if self.rng.random_bool(0.85) {
            c.phone = Some(self.phone(phone_prefix));
        }
        c.attributes = attributes;
        c.email = Some(email);
        c
    }
}

/// The currency a customer buys in, from its country.
fn currency_of(c: &Customer) -> Currency {
    let country = c.attributes.get("country").and_then(Value::as_str);
    if country.is_some_and(|k| EURO_AREA.contains(&k)) {
        eur()
    } else {
        usd()
    }
}

fn attrs(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::collections::HashSet;

    fn reps() -> Vec<Rep> {
        (0..3)
            .map(|_| Rep {
                id: UserId::new(),
                team_id: Some(TeamId::new()),
            })
            .collect()
    }

    pub(crate) fn context(reps: &[Rep], now: Timestamp) -> Context {
        use nexus_core::pipeline::{Pipeline, Stage, StageKind};
        let products = crate::seed::catalogue::products(now);
        let stage = |name: &str, probability, kind| Stage {
            id: nexus_core::ids::StageId::new(),
            name: name.into(),
            probability,
            kind,
        };
        let pipeline = Pipeline {
            id: nexus_core::ids::PipelineId::new(),
            name: "Sales".into(),
            is_default: true,
            stages: vec![
                stage("Lead-in", 10, StageKind::Open),
                stage("Qualified", 25, StageKind::Open),
                stage("Proposal", 50, StageKind::Open),
                stage("Negotiation", 75, StageKind::Open),
                stage("Won", 100, StageKind::Won),
                stage("Lost", 0, StageKind::Lost),
            ],
            version: 1,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        let sellable = crate::seed::catalogue::sellable(&products);
        Context::new(now, &products, sellable, Some(pipeline), reps.to_vec())
    }

    fn generator(seed: u64, reps: &[Rep], now: Timestamp, total: u64) -> Generator {
        let ctx = context(reps, now);
        Generator::new(seed, "abc123".into(), reps.to_vec(), now, total, ctx)
    }

    #[test]
    fn batches_are_consistent_and_reproducible() {
        let now = nexus_core::time::now();
        let reps = reps();
        let mut g = generator(7, &reps, now, 10_000);
        let mut seen_companies = HashSet::new();
        let mut emails = HashSet::new();
        let mut all = Vec::new();
        for _ in 0..4 {
            let b = g.customers(2500);
            assert_eq!(b.len(), 2500);
            for c in &b {
                match c.kind {
                    CustomerKind::Company => {
                        seen_companies.insert(c.id);
                        assert!(c.company_id.is_none());
                    }
                    CustomerKind::Person => {
                        if let Some(id) = c.company_id {
                            assert!(seen_companies.contains(&id), "company inserted first");
                            assert!(c.company_name.is_some());
                        }
                    }
                }
                let e = c.email.clone().unwrap();
                assert_eq!(e, e.to_lowercase());
                assert!(e.is_ascii() && e.contains(".abc123"), "{e}");
                assert!(nexus_core::validate::EmailAddress::parse(&e).is_ok(), "{e}");
                assert!(emails.insert(e));
                assert!(c.tags.len() <= 3);
                assert!(c.updated_at >= c.created_at && c.created_at <= now);
                assert!(c.created_at >= now - Duration::days(HISTORY_DAYS + 1));
                assert_eq!(c.created_at, normalize(c.created_at));
                assert!(
                    reps.iter()
                        .any(|r| r.id == c.owner_id && r.team_id == c.team_id)
                );
                assert!(c.phone.as_ref().is_none_or(|p| p.len() <= 32));
            }
            all.extend(b);
        }
        let created: Vec<_> = all.iter().map(|c| c.created_at).collect();
        assert!(
            created.windows(2).all(|w| w[0] <= w[1]),
            "creation follows generation"
        );
        assert!(created[0] < now - Duration::days(HISTORY_DAYS - 30));
        assert!(created[created.len() - 1] > now - Duration::days(1));
        let companies = all
            .iter()
            .filter(|c| c.kind == CustomerKind::Company)
            .count();
        assert!((1000..2000).contains(&companies), "{companies}");
        let employed = all.iter().filter(|c| c.company_id.is_some()).count();
        assert!((3000..5500).contains(&employed), "{employed}");
        let mut again = generator(7, &reps, now, 10_000);
        let first = again.customers(2500);
        let names: Vec<_> = first.iter().map(|c| (&c.name, &c.email)).collect();
        let orig: Vec<_> = all[..2500].iter().map(|c| (&c.name, &c.email)).collect();
        assert_eq!(names, orig);
    }

    #[test]
    fn histories_follow_the_rules_and_the_seasons() {
        use chrono::Datelike;
        use nexus_core::deal::DealStatus;
        use nexus_core::transaction::TransactionStatus;
        let now = nexus_core::time::now();
        let reps = reps();
        let mut g = generator(11, &reps, now, 6000);
        let batches: Vec<DemoBatch> = (0..3).map(|_| g.batch(2000)).collect();
        let customers: std::collections::HashMap<_, _> = batches
            .iter()
            .flat_map(|b| &b.customers)
            .map(|c| (c.id, c))
            .collect();
        let (mut txs, mut deals, mut acts) = (0, 0, 0);
        let mut per_month = [0usize; 12];
        for b in &batches {
            let ids: HashSet<_> = b.customers.iter().map(|c| c.id).collect();
            for t in &b.transactions {
                assert!(
                    ids.contains(&t.customer_id),
                    "a customer's orders come with it"
                );
                let c = customers[&t.customer_id];
                assert!(t.occurred_at >= c.created_at && t.occurred_at <= now);
                assert!((1..=crate::seed::history::MAX_LINES as usize).contains(&t.items.len()));
                assert_eq!(t.total, t.items.iter().map(|i| i.line_total).sum::<i64>());
                assert!(t.updated_at >= t.created_at && t.updated_at <= now);
                if t.status == TransactionStatus::Completed {
                    per_month[t.occurred_at.month0() as usize] += 1;
                }
            }
            for d in &b.deals {
                assert!(ids.contains(&d.customer_id));
                let c = customers[&d.customer_id];
                assert_eq!((d.owner_id, d.team_id), (c.owner_id, c.team_id));
                assert_eq!(d.lost_reason.is_some(), d.status == DealStatus::Lost);
                assert_eq!(d.closed_at.is_some(), d.status != DealStatus::Open);
                let history: Vec<_> = b
                    .stage_changes
                    .iter()
                    .filter(|s| s.deal_id == d.id)
                    .collect();
                assert_eq!(history.len() as i64, d.version);
                assert!(history[0].from_stage_id.is_none());
                assert_eq!(history[history.len() - 1].to_stage_id, d.stage_id);
                assert!(
                    history
                        .windows(2)
                        .all(|w| w[0].changed_at <= w[1].changed_at
                            && w[1].from_stage_id == Some(w[0].to_stage_id))
                );
                assert_eq!(history[0].changed_at, d.created_at);
            }
            for a in &b.activities {
                let c = customers[&a.customer_id];
                assert_eq!((a.owner_id, a.team_id), (c.owner_id, c.team_id));
                assert_eq!(a.done, a.completed_at.is_some());
                assert!(a.created_at >= c.created_at && a.created_at <= now);
                if let Some(d) = a.deal_id {
                    assert!(b.deals.iter().any(|x| x.id == d && x.customer_id == c.id));
                }
            }
            txs += b.transactions.len();
            deals += b.deals.len();
            acts += b.activities.len();
        }
        let n = customers.len() as f64;
        let (t, d, a) = (txs as f64 / n, deals as f64 / n, acts as f64 / n);
        assert!((6.0..14.0).contains(&t), "{t} transactions per customer");
        assert!((0.2..0.45).contains(&d), "{d} deals per customer");
        assert!((2.0..3.5).contains(&a), "{a} activities per customer");
        // The November/December peak and the summer dip.
        let peak = per_month[10] + per_month[11];
        let summer = per_month[6] + per_month[7];
        assert!(peak as f64 > summer as f64 * 1.6, "{per_month:?}");
        let open_overdue = batches
            .iter()
            .flat_map(|b| &b.activities)
            .filter(|a| !a.done && a.due_at.is_some_and(|d| d < now))
            .count();
        assert!(open_overdue > 0);

        let mut again = generator(11, &reps, now, 6000);
        let first = again.batch(2000);
        let totals = |b: &DemoBatch| b.transactions.iter().map(|t| t.total).collect::<Vec<_>>();
        assert_eq!(
            totals(&first),
            totals(&batches[0]),
            "--seed reproduces the orders"
        );
    }
}

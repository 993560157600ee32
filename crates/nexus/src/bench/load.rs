//! The closed loops: `concurrency` tasks per scenario, each sending one request at a time until
//! the scenario's deadline.

use super::Scenario;
use super::report::{ScenarioReport, Tally};
use super::setup::{Prepared, customer_body, endpoint};
use anyhow::{Context, Result, bail};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Client, RequestBuilder, StatusCode, Url};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// A request still unanswered after this counts as a `timeout` transport error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Pause after a transport error so a dead server is not hammered in a busy loop.
const ERROR_PAUSE: Duration = Duration::from_millis(10);

/// One HTTP/1.1 client for the whole run: keep-alive, an idle pool as large as the
/// concurrency, no proxy and no redirects (only the `--url` host is ever contacted).
pub fn client(concurrency: usize) -> Result<Client> {
    // reqwest is built without a crypto provider of its own (see nexus-api): without one
    // installed, building a client panics even for plain HTTP.
    nexus_api::http_client()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .connect_timeout(Duration::from_secs(5))
        .timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("nexus-bench/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("building the HTTP client")
}

/// Everything the workers share.
pub struct Ctx {
    client: Client,
    auth: HeaderValue,
    run_id: String,
    seq: AtomicU64,
    create_url: Url,
    list_url: Url,
    get_urls: Vec<Url>,
    insights_urls: Vec<Url>,
    search_urls: Vec<Url>,
    deal_urls: Vec<Url>,
}

impl Ctx {
    pub fn new(
        client: Client,
        base: &Url,
        auth: &HeaderValue,
        run_id: String,
        data: &Prepared,
    ) -> Result<Self> {
        let create_url = endpoint(base, "/api/v1/customers")?;
        let mut list_url = create_url.clone();
        list_url
            .query_pairs_mut()
            .append_pair("status", "customer")
            .append_pair("limit", "50");
        let get_urls = data
            .ids
            .iter()
            .map(|id| endpoint(base, &format!("/api/v1/customers/{id}")))
            .collect::<Result<Vec<_>>>()?;
        let insights_urls = data
            .ids
            .iter()
            .map(|id| endpoint(base, &format!("/api/v1/customers/{id}/insights")))
            .collect::<Result<Vec<_>>>()?;
        let deal_urls = data
            .deal_ids
            .iter()
            .map(|id| endpoint(base, &format!("/api/v1/deals/{id}")))
            .collect::<Result<Vec<_>>>()?;
        let search_urls = data
            .terms
            .iter()
            .map(|t| {
                let mut u = create_url.clone();
                u.query_pairs_mut()
                    .append_pair("q", t)
                    .append_pair("limit", "20");
                u
            })
            .collect();
        Ok(Self {
            client,
            auth: auth.clone(),
            run_id,
            seq: AtomicU64::new(0),
            create_url,
            list_url,
            get_urls,
            insights_urls,
            search_urls,
            deal_urls,
        })
    }

    /// The next request of a scenario; `None` when it has nothing to draw from.
    fn request(&self, s: Scenario, rng: &mut SmallRng) -> Option<RequestBuilder> {
        let rb = match s {
            Scenario::Create => {
                let n = self.seq.fetch_add(1, Ordering::Relaxed);
                self.client
                    .post(self.create_url.clone())
                    .json(&customer_body(&self.run_id, "", n))
            }
            Scenario::Get => self.client.get(self.get_urls.choose(rng)?.clone()),
            Scenario::List => self.client.get(self.list_url.clone()),
            Scenario::Search => self.client.get(self.search_urls.choose(rng)?.clone()),
            Scenario::Insights => self.client.get(self.insights_urls.choose(rng)?.clone()),
            Scenario::DealGet => self.client.get(self.deal_urls.choose(rng)?.clone()),
        };
        Some(rb.header(AUTHORIZATION, self.auth.clone()))
    }
}

/// Sends a request and reads the whole response (so the connection goes back to the pool).
async fn send(rb: RequestBuilder) -> Result<StatusCode, reqwest::Error> {
    let res = rb.send().await?;
    let status = res.status();
    res.bytes().await?;
    Ok(status)
}

fn transport_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_body() || e.is_decode() {
        "body"
    } else if e.is_request() {
        "request"
    } else {
        "other"
    }
}

async fn worker(
    ctx: Arc<Ctx>,
    s: Scenario,
    measure_from: Instant,
    end: Instant,
    mut tally: Tally,
    seed: u64,
) -> (Tally, Instant) {
    let mut rng = SmallRng::seed_from_u64(seed);
    loop {
        let started = Instant::now();
        if started >= end {
            return (tally, started);
        }
        let Some(rb) = ctx.request(s, &mut rng) else {
            return (tally, started);
        };
        let outcome = send(rb).await;
        let measured = started >= measure_from;
        match outcome {
            Ok(status) if status.is_success() => {
                if measured {
                    tally.ok(started.elapsed());
                }
            }
            Ok(status) => {
                if measured {
                    tally.status(status.as_u16());
                }
            }
            Err(e) => {
                if measured {
                    tally.transport(transport_kind(&e));
                }
                tokio::time::sleep_until(end.min(Instant::now() + ERROR_PAUSE)).await;
            }
        }
    }
}

/// Runs one scenario: warm-up, then the measured window; requests started before the window
/// are not counted. Returns once every task has seen the deadline.
pub async fn run_scenario(
    ctx: Arc<Ctx>,
    s: Scenario,
    concurrency: usize,
    warmup: Duration,
    duration: Duration,
) -> Result<ScenarioReport> {
    let empty = match s {
        Scenario::Get | Scenario::Insights => ctx.get_urls.is_empty(),
        Scenario::Search => ctx.search_urls.is_empty(),
        Scenario::DealGet => ctx.deal_urls.is_empty(),
        Scenario::Create | Scenario::List => false,
    };
    if empty {
        let what = if s == Scenario::DealGet {
            "deals"
        } else {
            "customers"
        };
        bail!("scenario {} has no {what} to draw from", s.name());
    }
    let template = Tally::new()?;
    let measure_from = Instant::now() + warmup;
    let end = measure_from + duration;
    let mut tasks = JoinSet::new();
    for _ in 0..concurrency {
        tasks.spawn(worker(
            ctx.clone(),
            s,
            measure_from,
            end,
            template.clone(),
            rand::random(),
        ));
    }
    let mut total = template;
    let mut finished = measure_from;
    while let Some(joined) = tasks.join_next().await {
        let (t, at) = joined.context("a bench task failed")?;
        total.merge(&t)?;
        finished = finished.max(at);
    }
    Ok(ScenarioReport {
        name: s.name(),
        elapsed: finished.saturating_duration_since(measure_from),
        tally: total,
    })
}

//! `nexus bench`: a closed-loop load generator for a running server.
//!
//! It logs in once, makes sure there are customers to read (listing existing ones and topping
//! them up to [`setup::TARGET_CUSTOMERS`] with one batch create), then runs each chosen scenario
//! in turn: `concurrency` tasks each send one request, wait for the whole response, and send the
//! next, first for the warm-up (not measured) and then for the measured duration. Every loop is
//! bounded in time and stops by itself; the only host contacted is the one in `--url`.

mod load;
mod report;
mod setup;

use anyhow::{Context, Result, bail};
use reqwest::Url;
use std::sync::Arc;
use std::time::Duration;

const AFTER_HELP: &str = "\
Server settings for benchmarks:
  The server's default per-IP and per-user rate limits throttle a benchmark within seconds
  (HTTP 429). Run the server under test with the limits off, e.g.
    NEXUS_RATE_LIMIT_PER_IP=0 NEXUS_RATE_LIMIT_PER_USER=0 nexus serve

Output:
  One row per scenario: requests sent, req/s (2xx responses per second), latency percentiles
  of 2xx responses in milliseconds, and errors (non-2xx responses and transport errors, listed
  by status or kind below the table). --json adds one JSON summary line at the end.";

/// A workload `nexus bench` can drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// POST /api/v1/customers with a unique e-mail per request.
    Create,
    /// GET /api/v1/customers/{id} for random existing ids.
    Get,
    /// GET /api/v1/customers?status=customer&limit=50.
    List,
    /// GET /api/v1/customers?q=<term from existing names>&limit=20.
    Search,
    /// GET /api/v1/customers/{id}/insights for random existing ids (every model scores the
    /// customer: segment, CLV, churn, sentiment trend, recommendations). Not in the default set.
    Insights,
    /// GET /api/v1/deals/{id} for random existing deals (up to 1,000 listed; none are created,
    /// so the server needs deals, e.g. from `nexus seed-demo`). Not in the default set.
    DealGet,
}

impl Scenario {
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Create => "create",
            Scenario::Get => "get",
            Scenario::List => "list",
            Scenario::Search => "search",
            Scenario::Insights => "insights",
            Scenario::DealGet => "deal-get",
        }
    }

    /// Whether the scenario needs existing customers (ids, names, a `customer` status).
    fn needs_customers(self) -> bool {
        !matches!(self, Scenario::Create | Scenario::DealGet)
    }
}

// No doc comment here: the subcommand's description comes from `Command::Bench` in main.rs.
#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct BenchArgs {
    /// Base URL of the server (plain http://).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// E-mail of the user to log in as.
    #[arg(long, env = "NEXUS_BENCH_EMAIL")]
    pub email: String,
    /// Password of that user.
    #[arg(long, env = "NEXUS_BENCH_PASSWORD", hide_env_values = true)]
    pub password: String,
    /// Measured seconds per scenario.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub duration: u64,
    /// Concurrent requests in flight (one closed-loop task and pooled connection each).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub concurrency: u32,
    /// Scenarios to run one after the other, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "create,get,list,search"
    )]
    pub scenarios: Vec<Scenario>,
    /// Unmeasured warm-up seconds before each scenario.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(0..=600))]
    pub warmup: u64,
    /// Also print a one-line JSON summary.
    #[arg(long)]
    pub json: bool,
}

/// The scenarios in the order given, each once.
fn unique_scenarios(list: &[Scenario]) -> Vec<Scenario> {
    let mut out: Vec<Scenario> = Vec::with_capacity(list.len());
    for s in list {
        if !out.contains(s) {
            out.push(*s);
        }
    }
    out
}

fn parse_base_url(raw: &str) -> Result<Url> {
    let url = Url::parse(raw).with_context(|| format!("--url {raw:?} is not a valid URL"))?;
    if url.scheme() != "http" {
        bail!(
            "--url must be a plain http:// URL (bench has no TLS); got scheme {:?}",
            url.scheme()
        );
    }
    if url.host_str().is_none() {
        bail!("--url {raw:?} has no host");
    }
    Ok(url)
}

pub async fn run(args: BenchArgs) -> Result<()> {
    let base = parse_base_url(&args.url)?;
    let scenarios = unique_scenarios(&args.scenarios);
    if scenarios.is_empty() {
        bail!("--scenarios names no scenario");
    }
    let concurrency = args.concurrency as usize;
    let duration = Duration::from_secs(args.duration);
    let warmup = Duration::from_secs(args.warmup);
    let run_id = format!("{:08x}", rand::random::<u32>());

    let client = load::client(concurrency)?;
    let api = setup::Api::new(client.clone(), base.clone());
    let token = api.login(&args.email, &args.password).await?;
    eprintln!("bench: logged in to {base} as {}", args.email);

    let mut data = if scenarios.iter().any(|s| s.needs_customers()) {
        let d = api.prepare(&token, &run_id).await?;
        eprintln!(
            "bench: {} customers to read ({} created now), {} search terms",
            d.ids.len(),
            d.created,
            d.terms.len()
        );
        d
    } else {
        setup::Prepared::default()
    };
    if scenarios.contains(&Scenario::DealGet) {
        data.deal_ids = api.deal_ids(&token).await?;
        eprintln!("bench: {} deals to read", data.deal_ids.len());
    }

    let ctx = Arc::new(load::Ctx::new(
        client,
        &base,
        &token,
        run_id.clone(),
        &data,
    )?);
    let mut reports = Vec::with_capacity(scenarios.len());
    for s in scenarios {
        eprintln!(
            "bench: {:<6} {}s warm-up + {}s measured, concurrency {concurrency}",
            s.name(),
            args.warmup,
            args.duration
        );
        let r = load::run_scenario(ctx.clone(), s, concurrency, warmup, duration).await?;
        eprintln!(
            "bench: {:<6} done: {} requests, {} errors",
            s.name(),
            r.requests(),
            r.errors()
        );
        reports.push(r);
    }

    print!("{}", report::render_table(&reports));
    if let Some(hint) = report::rate_limit_hint(&reports) {
        eprintln!("{hint}");
    }
    if args.json {
        let summary = report::summary_json(
            &run_id,
            base.as_str(),
            concurrency,
            duration,
            warmup,
            &reports,
        );
        println!("{}", serde_json::to_string(&summary)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        bench: BenchArgs,
    }

    fn parse(extra: &[&str]) -> Result<BenchArgs, clap::Error> {
        let mut argv = vec!["bench", "--email", "a@b.test", "--password", "pw"];
        argv.extend_from_slice(extra);
        Cli::try_parse_from(argv).map(|c| c.bench)
    }

    #[test]
    fn scenarios_default_to_all_in_order() {
        let a = parse(&[]).unwrap();
        assert_eq!(
            a.scenarios,
            vec![
                Scenario::Create,
                Scenario::Get,
                Scenario::List,
                Scenario::Search
            ]
        );
        assert_eq!(a.concurrency, 64);
        assert_eq!(a.duration, 10);
        assert_eq!(a.warmup, 2);
        assert!(!a.json);
    }

    #[test]
    fn scenarios_parse_as_comma_list_and_dedupe() {
        let a = parse(&["--scenarios", "search,get,search"]).unwrap();
        assert_eq!(
            a.scenarios,
            vec![Scenario::Search, Scenario::Get, Scenario::Search]
        );
        assert_eq!(
            unique_scenarios(&a.scenarios),
            vec![Scenario::Search, Scenario::Get]
        );
        assert_eq!(
            parse(&["--scenarios", "get,deal-get"]).unwrap().scenarios,
            vec![Scenario::Get, Scenario::DealGet]
        );
        assert!(!Scenario::DealGet.needs_customers());
        assert!(parse(&["--scenarios", "get,delete"]).is_err());
        assert!(parse(&["--concurrency", "0"]).is_err());
        assert!(parse(&["--duration", "0"]).is_err());
    }

    #[test]
    fn base_url_must_be_plain_http() {
        assert!(parse_base_url("http://127.0.0.1:8181").is_ok());
        assert!(parse_base_url("https://127.0.0.1:8181").is_err());
        assert!(parse_base_url("127.0.0.1:8181").is_err());
    }
}

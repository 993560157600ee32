//! Counting outcomes and printing them: the table, the error breakdown and the JSON summary.

use anyhow::{Context, Result};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

pub const RATE_LIMIT_HINT: &str = "hint: the server answered 429 Too Many Requests, so it is \
rate limiting the benchmark; restart it with NEXUS_RATE_LIMIT_PER_IP=0 \
NEXUS_RATE_LIMIT_PER_USER=0 to measure its throughput.";

/// Latencies are recorded in microseconds, from 1 µs to 2 minutes, to 3 significant digits.
const MAX_LATENCY_US: u64 = 120_000_000;

/// Outcomes of the requests of one task (or, merged, of a scenario).
#[derive(Clone)]
pub struct Tally {
    pub requests: u64,
    pub ok: u64,
    /// Latency of 2xx responses in microseconds.
    pub hist: Histogram<u64>,
    /// Non-2xx responses by status code.
    pub status_errors: BTreeMap<u16, u64>,
    /// Requests that got no response, by kind (`timeout`, `connect`, ...).
    pub transport_errors: BTreeMap<&'static str, u64>,
}

impl Tally {
    pub fn new() -> Result<Self> {
        Ok(Self {
            requests: 0,
            ok: 0,
            hist: Histogram::new_with_bounds(1, MAX_LATENCY_US, 3)
                .context("creating a latency histogram")?,
            status_errors: BTreeMap::new(),
            transport_errors: BTreeMap::new(),
        })
    }

    pub fn ok(&mut self, latency: Duration) {
        self.requests += 1;
        self.ok += 1;
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.hist.saturating_record(us.max(1));
    }

    pub fn status(&mut self, code: u16) {
        self.requests += 1;
        *self.status_errors.entry(code).or_default() += 1;
    }

    pub fn transport(&mut self, kind: &'static str) {
        self.requests += 1;
        *self.transport_errors.entry(kind).or_default() += 1;
    }

    pub fn merge(&mut self, other: &Tally) -> Result<()> {
        self.requests += other.requests;
        self.ok += other.ok;
        self.hist
            .add(&other.hist)
            .context("merging latency histograms")?;
        for (k, v) in &other.status_errors {
            *self.status_errors.entry(*k).or_default() += v;
        }
        for (k, v) in &other.transport_errors {
            *self.transport_errors.entry(k).or_default() += v;
        }
        Ok(())
    }

    pub fn errors(&self) -> u64 {
        self.status_errors.values().sum::<u64>() + self.transport_errors.values().sum::<u64>()
    }
}

/// The result of one scenario's measured window.
pub struct ScenarioReport {
    pub name: &'static str,
    pub elapsed: Duration,
    pub tally: Tally,
}

impl ScenarioReport {
    pub fn requests(&self) -> u64 {
        self.tally.requests
    }

    pub fn errors(&self) -> u64 {
        self.tally.errors()
    }

    /// 2xx responses per second.
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.tally.ok as f64 / secs
        } else {
            0.0
        }
    }

    /// Latency at `quantile` (0..=1) of 2xx responses in milliseconds; `None` without any.
    pub fn latency_ms(&self, quantile: f64) -> Option<f64> {
        (self.tally.ok > 0).then(|| self.tally.hist.value_at_quantile(quantile) as f64 / 1000.0)
    }

    pub fn max_ms(&self) -> Option<f64> {
        (self.tally.ok > 0).then(|| self.tally.hist.max() as f64 / 1000.0)
    }

    /// `429×12, 500×1, timeout×3`, or empty.
    fn error_breakdown(&self) -> String {
        let statuses = self
            .tally
            .status_errors
            .iter()
            .map(|(code, n)| format!("{code}×{n}"));
        let transport = self
            .tally
            .transport_errors
            .iter()
            .map(|(kind, n)| format!("{kind}×{n}"));
        statuses.chain(transport).collect::<Vec<_>>().join(", ")
    }
}

fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}"))
}

/// The results table, then one line per scenario with errors.
pub fn render_table(reports: &[ScenarioReport]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<8} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9} {:>8}",
        "scenario", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors"
    );
    for r in reports {
        let _ = writeln!(
            out,
            "{:<8} {:>10} {:>10.1} {:>9} {:>9} {:>9} {:>9} {:>8}",
            r.name,
            r.requests(),
            r.rate(),
            ms(r.latency_ms(0.50)),
            ms(r.latency_ms(0.90)),
            ms(r.latency_ms(0.99)),
            ms(r.max_ms()),
            r.errors()
        );
    }
    let with_errors: Vec<&ScenarioReport> = reports.iter().filter(|r| r.errors() > 0).collect();
    if !with_errors.is_empty() {
        out.push('\n');
        for r in &with_errors {
            let _ = writeln!(out, "{} errors: {}", r.name, r.error_breakdown());
        }
        out.push_str("(req/s and latencies count 2xx responses only)\n");
    }
    out
}

/// A hint to switch off the server's rate limits when any scenario saw a 429.
pub fn rate_limit_hint(reports: &[ScenarioReport]) -> Option<&'static str> {
    reports
        .iter()
        .any(|r| r.tally.status_errors.contains_key(&429))
        .then_some(RATE_LIMIT_HINT)
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The machine-readable summary (one JSON object).
pub fn summary_json(
    run_id: &str,
    url: &str,
    concurrency: usize,
    duration: Duration,
    warmup: Duration,
    reports: &[ScenarioReport],
) -> Value {
    let scenarios: Vec<Value> = reports
        .iter()
        .map(|r| {
            let statuses: BTreeMap<String, u64> = r
                .tally
                .status_errors
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect();
            json!({
                "name": r.name,
                "requests": r.requests(),
                "ok": r.tally.ok,
                "errors": r.errors(),
                "elapsed_s": round2(r.elapsed.as_secs_f64()),
                "req_per_s": round2(r.rate()),
                "p50_ms": r.latency_ms(0.50).map(round2),
                "p90_ms": r.latency_ms(0.90).map(round2),
                "p99_ms": r.latency_ms(0.99).map(round2),
                "max_ms": r.max_ms().map(round2),
                "status_errors": statuses,
                "transport_errors": r.tally.transport_errors,
            })
        })
        .collect();
    json!({
        "run_id": run_id,
        "url": url,
        "concurrency": concurrency,
        "duration_s": duration.as_secs(),
        "warmup_s": warmup.as_secs(),
        "scenarios": scenarios,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 100 successes of 1..=100 ms over 2 s, plus three 429s and one timeout.
    fn sample() -> ScenarioReport {
        let mut a = Tally::new().unwrap();
        let mut b = Tally::new().unwrap();
        for ms in 1..=50u64 {
            a.ok(Duration::from_millis(ms));
        }
        for ms in 51..=100u64 {
            b.ok(Duration::from_millis(ms));
        }
        for _ in 0..3 {
            b.status(429);
        }
        a.transport("timeout");
        a.merge(&b).unwrap();
        ScenarioReport {
            name: "get",
            elapsed: Duration::from_secs(2),
            tally: a,
        }
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 0.1)
    }

    #[test]
    fn percentiles_come_from_merged_histograms() {
        let r = sample();
        assert_eq!(r.requests(), 104);
        assert_eq!(r.tally.ok, 100);
        assert_eq!(r.errors(), 4);
        assert!(close(r.latency_ms(0.5), 50.0), "{:?}", r.latency_ms(0.5));
        assert!(close(r.latency_ms(0.9), 90.0), "{:?}", r.latency_ms(0.9));
        assert!(close(r.latency_ms(0.99), 99.0), "{:?}", r.latency_ms(0.99));
        assert!(close(r.max_ms(), 100.0), "{:?}", r.max_ms());
        assert!((r.rate() - 50.0).abs() < 1e-9);
    }

    #[test]
    fn no_successes_means_no_latency() {
        let mut t = Tally::new().unwrap();
        t.status(500);
        let r = ScenarioReport {
            name: "list",
            elapsed: Duration::ZERO,
            tally: t,
        };
        assert_eq!(r.latency_ms(0.5), None);
        assert_eq!(r.rate(), 0.0);
        let table = render_table(&[r]);
        let row = table.lines().nth(1).unwrap();
        assert!(row.starts_with("list "), "{row}");
        assert!(row.contains(" - "), "{row}");
        assert!(table.contains("list errors: 500×1"), "{table}");
    }

    #[test]
    fn table_has_a_row_per_scenario_and_an_error_breakdown() {
        let table = render_table(&[sample()]);
        let mut lines = table.lines();
        let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
        assert_eq!(header[0], "scenario");
        assert_eq!(header.last(), Some(&"errors"));
        let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
        assert_eq!(row[0], "get");
        assert_eq!(row[1], "104");
        assert_eq!(row[2], "50.0");
        assert_eq!(row[7], "4");
        assert!(table.contains("get errors: 429×3, timeout×1"), "{table}");
    }

    #[test]
    fn hint_only_on_429_and_json_summary_shape() {
        let reports = [sample()];
        assert_eq!(rate_limit_hint(&reports), Some(RATE_LIMIT_HINT));
        let mut clean = Tally::new().unwrap();
        clean.ok(Duration::from_millis(3));
        clean.status(404);
        let clean = ScenarioReport {
            name: "get",
            elapsed: Duration::from_secs(1),
            tally: clean,
        };
        assert_eq!(rate_limit_hint(&[clean]), None);

        let v = summary_json(
            "abcd",
            "http://127.0.0.1:8181/",
            16,
            Duration::from_secs(3),
            Duration::from_secs(2),
            &reports,
        );
        assert_eq!(v["concurrency"], 16);
        let s = &v["scenarios"][0];
        assert_eq!(s["name"], "get");
        assert_eq!(s["requests"], 104);
        assert_eq!(s["status_errors"]["429"], 3);
        assert_eq!(s["transport_errors"]["timeout"], 1);
        assert_eq!(s["req_per_s"], 50.0);
        assert!(s["p99_ms"].as_f64().is_some_and(|p| (p - 99.0).abs() < 0.1));
    }
}

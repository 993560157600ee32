//! The HTTP side of webhook delivery: a [`Transport`] over reqwest that refuses private targets.
//! Host names are resolved by [`GuardedResolver`], which hands the connector only public
//! addresses, so the address checked is the address connected to (no DNS rebinding); literal
//! IP hosts are checked before sending. Redirects are not followed, proxies are not used.
//! `https://` endpoints are verified against the system's trust store (rustls on ring).

use crate::state::AppState;
use async_trait::async_trait;
use nexus_core::webhook::target::{is_forbidden, literal_ip};
use nexus_core::webhook::worker::{SendResult, Transport, Worker};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::SocketAddr;
use std::sync::Arc;

/// The answer bytes kept in the attempt log.
const EXCERPT_BYTES: usize = 1024;

/// The worker of this instance, over HTTP.
pub fn worker(state: &AppState) -> Worker {
    let settings = state.config.webhooks.clone();
    let transport = HttpTransport::new(settings.timeout, settings.allow_private_targets);
    Worker::new(
        state.store.clone(),
        state.services.bus.clone(),
        state.webhooks.secrets().clone(),
        settings,
        Arc::new(transport),
    )
}

/// Resolves names to public addresses only (all of them when private targets are allowed).
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| allow_private || !is_forbidden(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(format!(
                    "refused: {} resolves only to private or special-purpose addresses",
                    name.as_str()
                )
                .into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

pub struct HttpTransport {
    client: Option<reqwest::Client>,
    allow_private: bool,
}

impl HttpTransport {
    pub fn new(timeout: std::time::Duration, allow_private: bool) -> Self {
        let client = crate::http_client()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("NEXUS-Webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(GuardedResolver { allow_private }))
            .build();
        if let Err(e) = &client {
            tracing::error!(error = %e, "webhook HTTP client cannot be built; deliveries will fail");
        }
        Self {
            client: client.ok(),
            allow_private,
        }
    }
}

fn failed(error: impl Into<String>) -> SendResult {
    SendResult {
        error: Some(error.into()),
        ..SendResult::default()
    }
}

/// The error and its causes on one line (reqwest's own message is generic).
fn describe(e: &reqwest::Error) -> String {
    let mut out = if e.is_timeout() {
        "timed out".to_owned()
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[async_trait]
impl Transport for HttpTransport {
    async fn post(
        &self,
        url: &str,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    ) -> SendResult {
        let Some(client) = &self.client else {
            return failed("the HTTP client could not be built");
        };
        let parsed = match url::Url::parse(url) {
            Ok(u) => u,
            Err(e) => return failed(format!("invalid URL: {e}")),
        };
        if let Some(ip) = literal_ip(&parsed)
            && !self.allow_private
            && is_forbidden(ip)
        {
            metrics::counter!("webhook_attempts_total", "result" => "refused").increment(1);
            return failed(format!(
                "refused: {ip} is a private or special-purpose address"
            ));
        }
        let mut req = client.post(parsed).body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let mut res = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                metrics::counter!("webhook_attempts_total", "result" => "error").increment(1);
                return failed(describe(&e));
            }
        };
        let status = res.status().as_u16();
        let class = match status {
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        metrics::counter!("webhook_attempts_total", "result" => class).increment(1);
        let mut excerpt: Vec<u8> = Vec::new();
        // Read at most the excerpt; the rest of the answer is dropped with the connection.
        while excerpt.len() < EXCERPT_BYTES {
            match res.chunk().await {
                Ok(Some(c)) => excerpt.extend_from_slice(&c),
                Ok(None) | Err(_) => break,
            }
        }
        excerpt.truncate(EXCERPT_BYTES);
        // Stored as text: control characters (a NUL among them) are shown as U+FFFD.
        let text = nexus_core::validate::printable(&String::from_utf8_lossy(&excerpt));
        SendResult {
            status: Some(status),
            error: None,
            excerpt: (!text.is_empty()).then_some(text),
        }
    }
}

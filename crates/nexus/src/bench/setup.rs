//! Before the load: log in, and make sure there are customers to fetch, list and search.

use super::report::RATE_LIMIT_HINT;
use anyhow::{Context, Result, bail};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Client, Response, StatusCode, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

/// How many customers (and deals) the read scenarios draw from.
pub const TARGET_CUSTOMERS: usize = 1000;
/// Most distinct search terms kept.
const MAX_TERMS: usize = 200;

const FIRST_NAMES: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Margaret",
    "Dennis",
    "Frances",
    "Ken",
    "Radia",
    "Niklaus",
    "Hedy",
    "Claude",
    "Katherine",
    "Leslie",
    "Sophie",
    "John",
    "Mary",
    "Tim",
];
const LAST_NAMES: &[&str] = &[
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Ritchie", "Allen",
    "Thompson", "Perlman", "Wirth", "Lamarr", "Shannon", "Johnson", "Lamport", "Wilson", "Backus",
    "Keller", "Berners",
];
const COMPANIES: &[&str] = &[
    "Analytical Engines",
    "Compiler Works",
    "Difference Labs",
    "Packet Systems",
    "Lambda Trading",
];
const STATUSES: &[&str] = &["lead", "prospect", "customer", "churned"];

/// What the read scenarios need.
#[derive(Default)]
pub struct Prepared {
    pub ids: Vec<String>,
    pub terms: Vec<String>,
    pub created: usize,
    pub deal_ids: Vec<String>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
}

#[derive(Deserialize)]
struct Row {
    id: String,
    name: String,
}

#[derive(Deserialize)]
struct Page<R = Row> {
    data: Vec<R>,
    next_cursor: Option<String>,
}

#[derive(Deserialize)]
struct IdRow {
    id: String,
}

/// A deterministic, realistic-looking customer body; `n` makes the e-mail unique within a run.
pub fn customer_body(run_id: &str, tag: &str, n: u64) -> serde_json::Value {
    let i = n as usize;
    let first = FIRST_NAMES[i % FIRST_NAMES.len()];
    let last = LAST_NAMES[(i / FIRST_NAMES.len()) % LAST_NAMES.len()];
    json!({
        "name": format!("{first} {last}"),
        "email": format!("bench-{run_id}-{tag}{n}@example.test"),
        "company_name": COMPANIES[i % COMPANIES.len()],
        "status": STATUSES[i % STATUSES.len()],
    })
}

/// Distinct words of at least three characters from the names, for `?q=` (each is a substring
/// of some existing customer's name, so searches find something).
pub fn search_terms<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut terms: Vec<String> = names
        .into_iter()
        .flat_map(str::split_whitespace)
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_owned)
        .collect();
    terms.sort();
    terms.dedup();
    terms.truncate(MAX_TERMS);
    terms
}

/// `path` under the base URL, keeping any path prefix of the base (`http://h/crm/` + `/api/x`
/// = `http://h/crm/api/x`).
pub fn endpoint(base: &Url, path: &str) -> Result<Url> {
    let mut joined = base.clone();
    joined.set_query(None);
    joined.set_fragment(None);
    let s = format!("{}{path}", joined.as_str().trim_end_matches('/'));
    Url::parse(&s).with_context(|| format!("cannot build a URL for {path}"))
}

/// The problem detail of an error response, for messages (never echoes the request).
async fn describe(res: Response) -> String {
    let status = res.status();
    let body = res.text().await.unwrap_or_default();
    let detail = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v.get("detail")
                .or_else(|| v.get("title"))
                .and_then(|d| d.as_str().map(str::to_owned))
        })
        .unwrap_or_else(|| body.chars().take(200).collect());
    let hint = if status == StatusCode::TOO_MANY_REQUESTS {
        format!("\n{RATE_LIMIT_HINT}")
    } else {
        String::new()
    };
    format!("HTTP {status}: {detail}{hint}")
}

pub struct Api {
    client: Client,
    base: Url,
}

impl Api {
    pub fn new(client: Client, base: Url) -> Self {
        Self { client, base }
    }

    fn url(&self, path: &str) -> Result<Url> {
        endpoint(&self.base, path)
    }

    /// Logs in; returns the `Authorization` header value (marked sensitive).
    pub async fn login(&self, email: &str, password: &str) -> Result<HeaderValue> {
        let res = self
            .client
            .post(self.url("/api/v1/auth/login")?)
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .with_context(|| {
                format!(
                    "could not reach the server at {} (is `nexus serve` running there?)",
                    self.base
                )
            })?;
        if !res.status().is_success() {
            bail!("login as {email} failed: {}", describe(res).await);
        }
        let t: TokenResponse = res.json().await.context("reading the login response")?;
        let mut v = HeaderValue::from_str(&format!("Bearer {}", t.access_token))
            .context("the server sent an access token that is not a valid header value")?;
        v.set_sensitive(true);
        Ok(v)
    }

    /// Up to [`TARGET_CUSTOMERS`] rows of the list at `path` (`what` names it in errors), in
    /// keyset pages of 500.
    async fn list<R: DeserializeOwned>(
        &self,
        auth: &HeaderValue,
        path: &str,
        what: &str,
    ) -> Result<Vec<R>> {
        let mut rows: Vec<R> = Vec::new();
        let mut cursor: Option<String> = None;
        while rows.len() < TARGET_CUSTOMERS {
            let mut url = self.url(path)?;
            url.query_pairs_mut().append_pair("limit", "500");
            if let Some(c) = &cursor {
                url.query_pairs_mut().append_pair("cursor", c);
            }
            let res = self
                .client
                .get(url)
                .header(AUTHORIZATION, auth.clone())
                .send()
                .await
                .with_context(|| format!("listing {what}"))?;
            if !res.status().is_success() {
                bail!("listing {what} failed: {}", describe(res).await);
            }
            let page: Page<R> = res
                .json()
                .await
                .with_context(|| format!("reading the list of {what}"))?;
            rows.extend(page.data);
            cursor = page.next_cursor;
            if cursor.is_none() {
                break;
            }
        }
        rows.truncate(TARGET_CUSTOMERS);
        Ok(rows)
    }

    /// The ids of up to [`TARGET_CUSTOMERS`] existing deals (none are created).
    pub async fn deal_ids(&self, auth: &HeaderValue) -> Result<Vec<String>> {
        let rows: Vec<IdRow> = self.list(auth, "/api/v1/deals", "deals").await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// Lists up to [`TARGET_CUSTOMERS`] customers and creates the missing ones in one batch.
    pub async fn prepare(&self, auth: &HeaderValue, run_id: &str) -> Result<Prepared> {
        let mut rows: Vec<Row> = self.list(auth, "/api/v1/customers", "customers").await?;
        let missing = TARGET_CUSTOMERS - rows.len();
        if missing > 0 {
            let items: Vec<serde_json::Value> = (0..missing as u64)
                .map(|n| customer_body(run_id, "seed-", n))
                .collect();
            let res = self
                .client
                .post(self.url("/api/v1/customers/batch")?)
                .header(AUTHORIZATION, auth.clone())
                .json(&json!({ "items": items }))
                .send()
                .await
                .context("creating customers to read")?;
            if !res.status().is_success() {
                bail!(
                    "creating {missing} customers to read failed: {}",
                    describe(res).await
                );
            }
            let page: Page = res.json().await.context("reading the batch response")?;
            rows.extend(page.data);
        }
        let mut terms = search_terms(rows.iter().map(|r| r.name.as_str()));
        if terms.is_empty() {
            // Only very short names: search for whole names of at least three characters.
            terms = rows
                .iter()
                .map(|r| r.name.trim().to_owned())
                .filter(|n| n.chars().count() >= 3)
                .take(MAX_TERMS)
                .collect();
        }
        if rows.is_empty() {
            bail!("there are no customers to read, and none could be created");
        }
        if terms.is_empty() {
            bail!("no customer has a name of at least three characters to search for");
        }
        Ok(Prepared {
            ids: rows.into_iter().map(|r| r.id).collect(),
            terms,
            created: missing,
            deal_ids: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_terms_are_distinct_words_of_three_or_more_chars() {
        let t = search_terms([
            "Ada Lovelace",
            "Al Bo",
            "ada Lovelace",
            "Émile (Zola)",
            "Ada",
        ]);
        assert_eq!(t, vec!["Ada", "Lovelace", "Zola", "ada", "Émile"]);
        assert!(search_terms(["Al", "Bo Li"]).is_empty());
    }

    #[test]
    fn customer_bodies_have_unique_emails_and_all_statuses() {
        let bodies: Vec<_> = (0..8).map(|n| customer_body("abcd1234", "", n)).collect();
        let mut emails: Vec<&str> = bodies.iter().filter_map(|b| b["email"].as_str()).collect();
        assert_eq!(emails[0], "bench-abcd1234-0@example.test");
        emails.sort_unstable();
        emails.dedup();
        assert_eq!(emails.len(), 8);
        let statuses: Vec<&str> = bodies.iter().filter_map(|b| b["status"].as_str()).collect();
        assert_eq!(&statuses[..4], STATUSES);
        for b in &bodies {
            assert!(b["name"].as_str().is_some_and(|n| n.len() >= 3));
        }
    }

    #[test]
    fn endpoints_keep_the_base_path() {
        let base = Url::parse("http://127.0.0.1:8181").unwrap();
        assert_eq!(
            endpoint(&base, "/api/v1/customers").unwrap().as_str(),
            "http://127.0.0.1:8181/api/v1/customers"
        );
        let prefixed = Url::parse("http://localhost/crm/?x=1").unwrap();
        assert_eq!(
            endpoint(&prefixed, "/api/v1/auth/login").unwrap().as_str(),
            "http://localhost/crm/api/v1/auth/login"
        );
    }
}

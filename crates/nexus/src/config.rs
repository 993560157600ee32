//! Configuration: defaults → optional TOML file → `NEXUS_*` environment variables → command-line
//! flags. Secrets never appear in printouts.

use anyhow::{Context, Result};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Every setting of NEXUS. Each field is documented in the README's configuration table.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub listen: String,
    /// Directory for the embedded database, its key file and the token-signing secret.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; unset for the embedded SQLite database.
    pub database_url: Option<String>,
    /// Maximum database connections (PostgreSQL pool, or SQLite readers).
    pub db_max_connections: u32,
    /// Encrypt the embedded database with SQLCipher (AES-256).
    pub db_encryption: bool,
    /// SQLCipher passphrase. Default: read from `db_key_file`.
    pub db_key: Option<String>,
    /// File holding the SQLCipher passphrase. Default: `<data_dir>/nexus.key`, created with a
    /// random key when a new database is created.
    pub db_key_file: Option<PathBuf>,
    /// Redis shared by several instances: commit notices, revocations, rate-limit counters,
    /// the record cache.
    pub redis_url: Option<String>,
    /// Seconds a single record (customer, product) stays in the hot-read cache (0 = no cache).
    pub cache_ttl_secs: u64,
    /// Records the in-process cache holds at most (the Redis one is bounded by the time to live).
    pub cache_max_entries: usize,
    /// E-mail of the admin created on the first start of an empty database.
    pub bootstrap_admin_email: String,
    /// Password of that admin; without it a random one is generated and printed once.
    pub bootstrap_admin_password: Option<String>,
    /// HMAC secret for access tokens. Default: `<data_dir>/jwt.secret`, created at random.
    /// Instances sharing one database must share this secret.
    pub jwt_secret: Option<String>,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    /// Days a password works after it is set (0 = forever).
    pub password_max_age_days: i64,
    /// Requests per minute per client IP (0 = unlimited).
    pub rate_limit_per_ip: u32,
    /// Requests per minute per user or API key (0 = unlimited).
    pub rate_limit_per_user: u32,
    pub login_limit_per_ip: u32,
    pub login_limit_per_account: u32,
    pub body_limit_bytes: usize,
    pub request_timeout_secs: u64,
    /// Comma-separated allowed CORS origins (`*` for any; empty = same origin only).
    pub cors_origins: String,
    /// Use the first `X-Forwarded-For` address as the client IP (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// `json` (one JSON object per line) or `text`.
    pub log_format: String,
    /// A tracing filter, e.g. `info` or `info,nexus::access=warn`.
    pub log_level: String,
    /// Delays in seconds before each webhook delivery attempt, comma-separated: the first
    /// attempt, then one per retry (the count of delays is the number of attempts).
    pub webhook_retry_schedule_secs: String,
    /// Deliver webhooks to loopback, private and link-local addresses (tests, closed networks).
    pub webhook_allow_private_targets: bool,
    /// Disable a webhook after this many deliveries in a row failed every attempt (0 = never).
    pub webhook_disable_after_failures: u32,
    /// Timeout of one webhook delivery attempt.
    pub webhook_timeout_secs: u64,
    /// Folder of uploaded import files. Default: `<data_dir>/imports`.
    pub import_dir: Option<PathBuf>,
    /// Largest CSV upload accepted, in bytes.
    pub import_max_bytes: u64,
    /// Rows per committed import batch.
    pub import_batch_rows: usize,
    /// Seconds an import job stays held by a worker that stopped committing before another
    /// worker (another instance, or this one after a restart) takes it over.
    pub import_lease_secs: u64,
    /// Milliseconds a write waits for the AI layer (the new customer's segment, an activity's
    /// sentiment) before it goes on without it (the segment is then classified by a retrying
    /// job).
    pub ai_budget_ms: u64,
    /// Hours between scheduled training runs (0 = only on demand, `POST /api/v1/ai/training`).
    pub ai_train_interval_hours: u64,
    /// URL of a separate AI service (`nexus ai serve`); unset = the AI layer runs in-process.
    pub ai_url: Option<String>,
    /// Bearer token between the API and the AI service (both sides); unset = none required.
    pub ai_token: Option<String>,
    /// Listen address of `nexus ai serve`.
    pub ai_listen: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("nexus-data"),
            database_url: None,
            db_max_connections: 16,
            db_encryption: true,
            db_key: None,
            db_key_file: None,
            redis_url: None,
            cache_ttl_secs: 300,
            cache_max_entries: 10_000,
            bootstrap_admin_email: "admin@nexus.local".into(),
            bootstrap_admin_password: None,
            jwt_secret: None,
            access_token_ttl_secs: 7 * 24 * 3600,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            password_max_age_days: 90,
            rate_limit_per_ip: 6000,
            rate_limit_per_user: 3000,
            login_limit_per_ip: 30,
            login_limit_per_account: 10,
            body_limit_bytes: 2 * 1024 * 1024,
            request_timeout_secs: 30,
            cors_origins: String::new(),
            trust_forwarded_for: false,
            log_format: "json".into(),
            log_level: "info".into(),
            webhook_retry_schedule_secs: nexus_core::webhook::DEFAULT_RETRY_SCHEDULE_SECS
                .map(|s| s.to_string())
                .join(","),
            webhook_allow_private_targets: false,
            webhook_disable_after_failures: 5,
            webhook_timeout_secs: 10,
            import_dir: None,
            import_max_bytes: 1 << 30,
            import_batch_rows: 50_000,
            import_lease_secs: 30,
            ai_budget_ms: 200,
            ai_train_interval_hours: 24,
            ai_url: None,
            ai_token: None,
            ai_listen: "127.0.0.1:8090".into(),
        }
    }
}

/// Settings given as command-line flags (highest precedence).
#[derive(Clone, Debug, Default, Serialize, clap::Args)]
pub struct Overrides {
    /// TOML configuration file (also NEXUS_CONFIG).
    #[arg(long, global = true, env = "NEXUS_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Listen address (NEXUS_LISTEN).
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// Data directory (NEXUS_DATA_DIR).
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// Database URL (NEXUS_DATABASE_URL).
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

const SECRET_KEYS: &[&str] = &[
    "db_key",
    "bootstrap_admin_password",
    "jwt_secret",
    "ai_token",
];

impl Config {
    pub fn load(o: &Overrides) -> Result<Self> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = &o.config {
            anyhow::ensure!(
                path.exists(),
                "configuration file {} does not exist",
                path.display()
            );
            fig = fig.merge(Toml::file(path));
        }
        // Only variables naming a setting: other tools share the prefix (NEXUS_CONFIG,
        // NEXUS_TEST_DATABASE_URL, NEXUS_BENCH_*), while a typo in a TOML file is still an error.
        let known = Config::keys();
        fig = fig
            .merge(Env::prefixed("NEXUS_").filter(move |k| known.iter().any(|n| k == n.as_str())))
            .merge(Serialized::defaults(o));
        let mut c: Config = fig.extract().context("invalid configuration")?;
        // An empty variable (`NEXUS_DATABASE_URL=`) means "not set", as in most tools.
        for v in [
            &mut c.database_url,
            &mut c.db_key,
            &mut c.redis_url,
            &mut c.bootstrap_admin_password,
            &mut c.jwt_secret,
            &mut c.ai_url,
            &mut c.ai_token,
        ] {
            if v.as_deref().is_some_and(|s| s.trim().is_empty()) {
                *v = None;
            }
        }
        c.validate()?;
        Ok(c)
    }

    /// The names of all settings.
    fn keys() -> Vec<String> {
        match serde_json::to_value(Config::default()) {
            Ok(serde_json::Value::Object(m)) => m.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }

    fn validate(&self) -> Result<()> {
        anyhow::ensure!(
            self.listen.parse::<std::net::SocketAddr>().is_ok(),
            "listen: {:?} is not an address like 127.0.0.1:8080",
            self.listen
        );
        anyhow::ensure!(
            matches!(self.log_format.as_str(), "json" | "text"),
            "log_format must be json or text"
        );
        anyhow::ensure!(
            self.access_token_ttl_secs > 0 && self.refresh_token_ttl_secs > 0,
            "token lifetimes must be positive"
        );
        // Below the age at which a retry takes over an idempotency claim whose request never
        // finished (120 s): a request still running keeps its claim.
        anyhow::ensure!(
            (1..=100).contains(&self.request_timeout_secs),
            "request_timeout_secs must be from 1 to 100"
        );
        anyhow::ensure!(
            self.db_max_connections > 0,
            "db_max_connections must be at least 1"
        );
        self.webhook_settings()?;
        anyhow::ensure!(
            (100..=100_000).contains(&self.import_batch_rows),
            "import_batch_rows must be from 100 to 100000"
        );
        anyhow::ensure!(
            (1..=3600).contains(&self.import_lease_secs),
            "import_lease_secs must be from 1 to 3600"
        );
        anyhow::ensure!(
            (1..=60_000).contains(&self.ai_budget_ms),
            "ai_budget_ms must be from 1 to 60000"
        );
        anyhow::ensure!(
            self.cache_ttl_secs <= 86_400,
            "cache_ttl_secs must be from 0 to 86400"
        );
        anyhow::ensure!(
            (1..=10_000_000).contains(&self.cache_max_entries),
            "cache_max_entries must be from 1 to 10000000"
        );
        Ok(())
    }

    /// The record cache's settings.
    pub fn cache_settings(&self) -> nexus_core::cache::CacheSettings {
        nexus_core::cache::CacheSettings {
            ttl: std::time::Duration::from_secs(self.cache_ttl_secs),
            max_entries: self.cache_max_entries,
        }
    }

    /// CSV import settings.
    pub fn import_config(&self) -> nexus_api::state::ImportConfig {
        let dir = self
            .import_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("imports"));
        nexus_api::state::ImportConfig {
            dir: dir.clone(),
            max_bytes: self.import_max_bytes,
            upload_timeout: std::time::Duration::from_secs(3600),
            worker: nexus_core::import::worker::ImportSettings {
                batch_rows: self.import_batch_rows,
                lease: std::time::Duration::from_secs(self.import_lease_secs),
                poll: std::time::Duration::from_secs(2),
                upload_dir: Some(dir),
            },
        }
    }

    /// When the AI layer's background jobs run.
    pub fn ai_schedule(&self) -> nexus_core::services::ai::AiSchedule {
        nexus_core::services::ai::AiSchedule {
            train_every: (self.ai_train_interval_hours > 0)
                .then(|| std::time::Duration::from_secs(self.ai_train_interval_hours * 3600)),
            ..Default::default()
        }
    }

    /// TOML with secrets replaced by `[redacted]`.
    pub fn to_redacted_toml(&self) -> Result<String> {
        let mut v = toml::Value::try_from(self)?;
        if let Some(t) = v.as_table_mut() {
            for k in SECRET_KEYS {
                if t.contains_key(*k) {
                    t.insert((*k).to_owned(), toml::Value::String("[redacted]".into()));
                }
            }
        }
        Ok(toml::to_string_pretty(&v)?)
    }

    /// The webhook delivery settings.
    pub fn webhook_settings(&self) -> Result<nexus_core::webhook::WebhookSettings> {
        let retry_schedule = nexus_core::webhook::parse_schedule(&self.webhook_retry_schedule_secs)
            .map_err(|e| anyhow::anyhow!("webhook_retry_schedule_secs: {e}"))?;
        anyhow::ensure!(
            (1..=300).contains(&self.webhook_timeout_secs),
            "webhook_timeout_secs must be from 1 to 300"
        );
        Ok(nexus_core::webhook::WebhookSettings {
            retry_schedule,
            allow_private_targets: self.webhook_allow_private_targets,
            disable_after_failures: self.webhook_disable_after_failures,
            timeout: std::time::Duration::from_secs(self.webhook_timeout_secs),
            ..Default::default()
        })
    }

    pub fn is_postgres(&self) -> bool {
        self.database_url
            .as_deref()
            .is_some_and(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
    }

    /// The SQLCipher passphrase to use, creating a key file for a new database.
    pub fn resolve_db_key(&self, db_path: &Path) -> Result<Option<String>> {
        if self.is_postgres() || !self.db_encryption {
            return Ok(None);
        }
        if let Some(k) = &self.db_key {
            // A machine secret, not a password: it is hashed into the AES key without stretching.
            anyhow::ensure!(
                k.chars().count() >= 32,
                "db_key (NEXUS_DB_KEY) must be at least 32 characters, e.g. `openssl rand -hex 32`"
            );
            return Ok(Some(k.clone()));
        }
        let file = self
            .db_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("nexus.key"));
        if file.exists() {
            let k = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let k = k.trim().to_owned();
            anyhow::ensure!(
                k.chars().count() >= 32,
                "the key in {} must be at least 32 characters",
                file.display()
            );
            return Ok(Some(k));
        }
        if db_path.exists() {
            anyhow::bail!(
                "{} exists but its key file {} does not: set NEXUS_DB_KEY or NEXUS_DB_KEY_FILE (or NEXUS_DB_ENCRYPTION=false for an unencrypted database)",
                db_path.display(),
                file.display()
            );
        }
        let key = nexus_core::password::random_token(32);
        write_secret(&file, &key)?;
        Ok(Some(key))
    }

    /// The token-signing secret, from configuration or a file in the data directory.
    pub fn resolve_jwt_secret(&self) -> Result<Vec<u8>> {
        if let Some(s) = &self.jwt_secret {
            anyhow::ensure!(s.len() >= 32, "jwt_secret must be at least 32 characters");
            return Ok(s.as_bytes().to_vec());
        }
        let file = self.data_dir.join("jwt.secret");
        if file.exists() {
            return Ok(std::fs::read_to_string(&file)?.trim().as_bytes().to_vec());
        }
        let s = nexus_core::password::random_token(48);
        write_secret(&file, &s)?;
        Ok(s.into_bytes())
    }
}

/// Writes a secret file readable only by its owner.
fn write_secret(path: &Path, value: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .with_context(|| format!("creating {}", path.display()))?;
        f.write_all(value.as_bytes())?;
    }
    #[cfg(not(unix))]
    std::fs::write(path, value)?;
    Ok(())
}

/// The defaults as a commented TOML file.
pub fn default_toml() -> Result<String> {
    Ok(format!(
        "# NEXUS configuration (defaults). Every key can also be set as NEXUS_<KEY> in the environment.\n# Secrets (db_key, bootstrap_admin_password, jwt_secret) are unset by default.\n\n{}",
        Config::default().to_redacted_toml()?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_file_and_flags_override_env() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "nexus.toml",
                "listen = \"127.0.0.1:9000\"\nrate_limit_per_ip = 5\n",
            )?;
            jail.set_env("NEXUS_RATE_LIMIT_PER_IP", "7");
            jail.set_env("NEXUS_LISTEN", "127.0.0.1:9001");
            let o = Overrides {
                config: Some("nexus.toml".into()),
                listen: Some("127.0.0.1:9002".into()),
                ..Default::default()
            };
            let c = Config::load(&o).map_err(|e| e.to_string())?;
            assert_eq!(c.rate_limit_per_ip, 7);
            assert_eq!(c.listen, "127.0.0.1:9002");
            Ok(())
        });
    }

    #[test]
    fn secrets_are_redacted_and_unknown_keys_rejected() {
        let c = Config {
            jwt_secret: Some("s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t".into()),
            db_key: Some("k3y".into()),
            ..Default::default()
        };
        let out = c.to_redacted_toml().unwrap();
        assert!(!out.contains("s3cr3t") && !out.contains("k3y"));
        assert!(out.contains("[redacted]"));
        figment::Jail::expect_with(|jail| {
            jail.create_file("typo.toml", "lisen = \"127.0.0.1:9000\"\n")?;
            let o = Overrides {
                config: Some("typo.toml".into()),
                ..Default::default()
            };
            assert!(Config::load(&o).is_err(), "a typo in the file is an error");
            Ok(())
        });
    }

    #[test]
    fn other_nexus_variables_are_ignored_and_empty_ones_unset() {
        figment::Jail::expect_with(|jail| {
            // Variables of other tools sharing the prefix must not break the server.
            jail.set_env("NEXUS_BENCH_CUSTOMERS", "100000");
            jail.set_env("NEXUS_TEST_DATABASE_URL", "postgres://x@y/z");
            jail.set_env("NEXUS_DATABASE_URL", "");
            jail.set_env("NEXUS_DB_MAX_CONNECTIONS", "3");
            let c = Config::load(&Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(c.database_url, None);
            assert!(!c.is_postgres());
            assert_eq!(c.db_max_connections, 3);
            Ok(())
        });
    }

    #[test]
    fn short_database_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let short = Config {
            db_key: Some("too-short".into()),
            data_dir: dir.path().to_path_buf(),
            ..Default::default()
        };
        assert!(short.resolve_db_key(&dir.path().join("nexus.db")).is_err());
        let long = Config {
            db_key: Some("x".repeat(32)),
            ..short.clone()
        };
        assert_eq!(
            long.resolve_db_key(&dir.path().join("nexus.db")).unwrap(),
            Some("x".repeat(32))
        );
        // A generated key file is long enough and is read back unchanged.
        let generated = Config {
            db_key: None,
            ..short
        };
        let k = generated
            .resolve_db_key(&dir.path().join("nexus.db"))
            .unwrap()
            .unwrap();
        assert!(k.len() >= 32);
        assert_eq!(
            generated
                .resolve_db_key(&dir.path().join("nexus.db"))
                .unwrap(),
            Some(k)
        );
    }
}

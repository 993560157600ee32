//! Shared state of the HTTP layer and its configuration.

use crate::gateway::RateLimits;
use crate::tokens::{ActorCache, JwtKeys, RevokedSessions};
use metrics_exporter_prometheus::PrometheusHandle;
use nexus_core::services::Services;
use nexus_core::services::webhooks::WebhookService;
use nexus_core::store::Store;
use nexus_core::webhook::SecretBox;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Settings of the HTTP layer (a slice of the binary's configuration).
#[derive(Clone, Debug)]
pub struct ApiConfig {
    pub jwt_secret: Vec<u8>,
    pub access_ttl: chrono::Duration,
    pub refresh_ttl: chrono::Duration,
    /// Requests per minute per client IP (0 = unlimited).
    pub rate_limit_per_ip: u32,
    /// Requests per minute per authenticated user or API key (0 = unlimited).
    pub rate_limit_per_user: u32,
    /// Login attempts per minute per client IP and per account.
    pub login_limit_per_ip: u32,
    pub login_limit_per_account: u32,
    pub body_limit_bytes: usize,
    pub request_timeout: Duration,
    /// Allowed CORS origins; empty = same-origin only; `*` = any.
    pub cors_origins: Vec<String>,
    /// Take the client IP from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Webhook delivery: retry schedule, private targets, disabling, timeouts.
    pub webhooks: nexus_core::webhook::WebhookSettings,
    /// CSV imports: where uploads are kept, their size limit, the worker's settings.
    pub imports: ImportConfig,
    /// When the AI layer's background jobs run.
    pub ai: nexus_core::services::ai::AiSchedule,
}

/// Settings of CSV imports.
#[derive(Clone, Debug)]
pub struct ImportConfig {
    /// Folder of the uploaded files (kept until the job ends; a job resumes from its file).
    pub dir: std::path::PathBuf,
    /// Largest upload accepted, in bytes.
    pub max_bytes: u64,
    /// Time allowed for one upload request (instead of the request timeout).
    pub upload_timeout: Duration,
    pub worker: nexus_core::import::worker::ImportSettings,
}

impl Default for ImportConfig {
    fn default() -> Self {
        let dir = std::env::temp_dir().join("nexus-imports");
        Self {
            dir: dir.clone(),
            max_bytes: 1 << 30,
            upload_timeout: Duration::from_secs(3600),
            worker: nexus_core::import::worker::ImportSettings {
                upload_dir: Some(dir),
                ..Default::default()
            },
        }
    }
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            jwt_secret: Vec::new(),
            access_ttl: chrono::Duration::days(7),
            refresh_ttl: chrono::Duration::days(30),
            rate_limit_per_ip: 6000,
            rate_limit_per_user: 3000,
            login_limit_per_ip: 30,
            login_limit_per_account: 10,
            body_limit_bytes: 2 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            cors_origins: Vec::new(),
            trust_forwarded_for: false,
            webhooks: Default::default(),
            imports: Default::default(),
            ai: Default::default(),
        }
    }
}

/// The state every handler and middleware gets. Cloned for each of them on every request, so it
/// is one reference-counted pointer: cloning the fields themselves (the services hold dozens of
/// `Arc`s, the event bus a broadcast sender) cost over half of the server's CPU under a
/// GET-by-id load, the two cores bouncing the same reference counts between them
/// (docs/benchmarks.md, Get by id: where the time went).
#[derive(Clone)]
pub struct AppState(Arc<AppStateInner>);

impl std::ops::Deref for AppState {
    type Target = AppStateInner;
    fn deref(&self) -> &AppStateInner {
        &self.0
    }
}

/// What [`AppState`] points to.
pub struct AppStateInner {
    pub services: Services,
    pub store: Arc<dyn Store>,
    pub config: Arc<ApiConfig>,
    pub jwt: JwtKeys,
    pub revoked: RevokedSessions,
    pub actors: ActorCache,
    pub limits: RateLimits,
    pub metrics: Option<PrometheusHandle>,
    pub started: Instant,
    /// Redis coordination with other instances (`Cluster::local()` without Redis).
    pub cluster: crate::cluster::Cluster,
    /// Socket.IO server of this instance.
    pub realtime: crate::realtime::Realtime,
    /// Webhooks (secrets sealed with a key derived from `jwt_secret`).
    pub webhooks: WebhookService,
}

impl AppState {
    /// The state of an instance without Redis.
    pub fn new(services: Services, config: ApiConfig, metrics: Option<PrometheusHandle>) -> Self {
        Self::with_cluster(services, config, metrics, crate::cluster::Cluster::local())
    }

    /// The state of an instance coordinating with others through `cluster`.
    pub fn with_cluster(
        services: Services,
        config: ApiConfig,
        metrics: Option<PrometheusHandle>,
        cluster: crate::cluster::Cluster,
    ) -> Self {
        let jwt = JwtKeys::new(&config.jwt_secret, config.access_ttl);
        let limits = RateLimits::new(&config);
        let webhooks = WebhookService::new(
            services.store.clone(),
            services.bus.clone(),
            SecretBox::derive(&config.jwt_secret),
        );
        Self(Arc::new(AppStateInner {
            webhooks,
            store: services.store.clone(),
            services,
            jwt,
            revoked: RevokedSessions::default(),
            actors: ActorCache::new(Duration::from_secs(30)),
            limits,
            metrics,
            started: Instant::now(),
            realtime: crate::realtime::Realtime::new(),
            cluster,
            config: Arc::new(config),
        }))
    }
}

impl AppState {
    /// Refuses the access tokens of `session` from now on, on this instance and (through Redis)
    /// on the others.
    pub fn revoke_session(&self, session: nexus_core::ids::SessionId) {
        self.revoked.insert(session);
        self.cluster.revoked(session);
    }
}

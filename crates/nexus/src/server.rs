//! Opening the store, the first-start bootstrap, and the `serve`, `migrate` and `user create`
//! commands.

use crate::config::Config;
use anyhow::{Context, Result};
use nexus_api::{ApiConfig, AppState};
use nexus_core::auth::{Actor, Role};
use nexus_core::services::{Policy, Services};
use nexus_core::store::Store;
use nexus_store::StoreConfig;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub fn init_tracing(cfg: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&cfg.log_level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if cfg.log_format == "json" {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init()
    } else {
        builder.try_init()
    };
}

fn store_config(cfg: &Config) -> Result<StoreConfig> {
    let mut sc = StoreConfig {
        database_url: cfg.database_url.clone(),
        data_dir: cfg.data_dir.clone(),
        db_key: None,
        max_connections: cfg.db_max_connections,
        acquire_timeout: Duration::from_secs(10),
    };
    if !sc.is_postgres() {
        sc.db_key = cfg.resolve_db_key(&sc.sqlite_path())?;
    }
    Ok(sc)
}

fn policy(cfg: &Config) -> Policy {
    Policy {
        refresh_ttl: chrono::Duration::seconds(cfg.refresh_token_ttl_secs),
        password_max_age: (cfg.password_max_age_days > 0)
            .then(|| chrono::Duration::days(cfg.password_max_age_days)),
        ai_budget: Duration::from_millis(cfg.ai_budget_ms),
        record_cache: cfg.cache_settings(),
    }
}

/// Connects, migrates, and builds the services; their AI layer is the AI service at `ai_url`
/// when set, else in-process.
pub async fn open(cfg: &Config) -> Result<(Services, nexus_store::Db)> {
    open_with(cfg, cfg.ai_url.as_deref(), None).await
}

/// [`open`] with the AI layer at `ai_url` and the record cache `records` (`None`: the
/// in-process one of the configuration).
async fn open_with(
    cfg: &Config,
    ai_url: Option<&str>,
    records: Option<nexus_core::cache::Records>,
) -> Result<(Services, nexus_store::Db)> {
    let db = nexus_store::connect(&store_config(cfg)?)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    db.migrate().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let store: Arc<dyn Store> = Arc::new(db.clone());
    let remote: Option<Arc<dyn nexus_core::ai::AiLayer>> = match ai_url {
        Some(url) => Some(Arc::new(
            nexus_api::ai_client::RemoteAi::new(url, cfg.ai_token.clone(), Duration::from_secs(10))
                .map_err(|e| anyhow::anyhow!("NEXUS_AI_URL: {e}"))?,
        )),
        None => None,
    };
    let policy = policy(cfg);
    let records = records.unwrap_or_else(|| nexus_core::cache::Records::local(policy.record_cache));
    let services = Services::with_cache(
        store,
        nexus_core::bus::EventBus::default(),
        policy,
        remote,
        records,
    );
    // The model versions serving, as recorded by the last training run.
    if let Err(e) = services.ai.layer().reload().await {
        tracing::warn!(error = %e, "the AI models could not be loaded; they load with the next training run");
    }
    Ok((services, db))
}

pub async fn migrate(cfg: Config) -> Result<()> {
    let (_, db) = open(&cfg).await?;
    println!(
        "migrations applied ({})",
        if db.is_sqlite() { "sqlite" } else { "postgres" }
    );
    db.close().await;
    Ok(())
}

fn api_config(cfg: &Config) -> Result<ApiConfig> {
    Ok(ApiConfig {
        jwt_secret: cfg.resolve_jwt_secret()?,
        access_ttl: chrono::Duration::seconds(cfg.access_token_ttl_secs),
        refresh_ttl: chrono::Duration::seconds(cfg.refresh_token_ttl_secs),
        rate_limit_per_ip: cfg.rate_limit_per_ip,
        rate_limit_per_user: cfg.rate_limit_per_user,
        login_limit_per_ip: cfg.login_limit_per_ip,
        login_limit_per_account: cfg.login_limit_per_account,
        body_limit_bytes: cfg.body_limit_bytes,
        request_timeout: Duration::from_secs(cfg.request_timeout_secs),
        cors_origins: cfg
            .cors_origins
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        trust_forwarded_for: cfg.trust_forwarded_for,
        webhooks: cfg.webhook_settings()?,
        imports: cfg.import_config(),
        ai: cfg.ai_schedule(),
    })
}

/// Creates the first admin when the database has no user yet, and returns what to tell the
/// operator about it (the generated password appears there and nowhere else).
pub async fn bootstrap(services: &Services, cfg: &Config) -> Result<Option<String>> {
    let boot = services
        .auth
        .bootstrap_admin(
            &cfg.bootstrap_admin_email,
            cfg.bootstrap_admin_password.as_deref(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("creating the first admin: {e}"))?;
    Ok(boot.map(|b| match b.password {
        Some(pw) => format!(
            "First start: log in as {} with password {pw}\nThis password works for 24 hours: change it after logging in (POST /api/v1/auth/password).\n",
            b.user.email
        ),
        None => format!(
            "First start: log in as {} with the password from NEXUS_BOOTSTRAP_ADMIN_PASSWORD.\n",
            b.user.email
        ),
    }))
}

pub async fn serve(cfg: Config) -> Result<()> {
    let addr: SocketAddr = cfg.listen.parse().context("listen address")?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let cluster = match cfg.redis_url.as_deref().filter(|u| !u.is_empty()) {
        Some(url) => nexus_api::cluster::Cluster::connect(url).map_err(|e| {
            anyhow::anyhow!("NEXUS_REDIS_URL is not a valid Redis URL ({:?})", e.kind())
        })?,
        None => nexus_api::cluster::Cluster::local(),
    };
    // With Redis the record cache is shared by every instance; without, each has its own.
    let records = (cluster.enabled() && cfg.cache_ttl_secs > 0).then(|| {
        nexus_core::cache::Records::new(Arc::new(nexus_api::record_cache::RedisRecordCache::new(
            cluster.clone(),
            Duration::from_secs(cfg.cache_ttl_secs),
        )))
    });
    let (services, db) = open_with(&cfg, cfg.ai_url.as_deref(), records).await?;
    let boot = bootstrap(&services, &cfg).await?;
    let metrics = nexus_api::metrics_handle();
    metrics::gauge!("nexus_build_info", "version" => env!("CARGO_PKG_VERSION"), "backend" => if db.is_sqlite() { "sqlite" } else { "postgres" }).set(1.0);
    let state = AppState::with_cluster(services, api_config(&cfg)?, metrics, cluster);
    state
        .revoked
        .refresh(&*state.store, state.jwt.access_ttl)
        .await;
    let stop = CancellationToken::new();
    let tasks = nexus_api::spawn_background(&state, stop.clone());
    let app = nexus_api::router(state);
    let url = format!("http://{addr}");
    match boot {
        Some(first) => eprintln!("\nNEXUS is running at {url}\n{first}"),
        None => eprintln!(
            "\nNEXUS is running at {url} (log in with an existing account; `nexus user create` adds one)\n"
        ),
    }
    tracing::info!(%addr, backend = if db.is_sqlite() { "sqlite" } else { "postgres" }, "listening");
    let shutdown = stop.clone();
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        wait_for_signal().await;
        tracing::info!("shutting down");
        shutdown.cancel();
    })
    .await?;
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
    }
    db.close().await;
    Ok(())
}

/// `nexus ai train`: one training run in this process, its report printed as JSON.
pub async fn ai_train(cfg: Config) -> Result<()> {
    let (services, db) = open_with(&cfg, None, None).await?;
    let started = std::time::Instant::now();
    let report = services
        .ai
        .train()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    eprintln!("training run: {:.1} s", started.elapsed().as_secs_f64());
    db.close().await;
    Ok(())
}

/// `nexus ai serve`: the AI layer as its own HTTP service on `ai_listen`, over the same store.
pub async fn ai_serve(cfg: Config) -> Result<()> {
    let addr: SocketAddr = cfg.ai_listen.parse().context("ai_listen address")?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let (services, db) = open_with(&cfg, None, None).await?;
    let trainer = services
        .ai
        .trainer()
        .cloned()
        .context("the in-process AI layer has a trainer")?;
    let stop = CancellationToken::new();
    let jobs = tokio::spawn(
        services
            .ai
            .clone()
            .run_jobs(cfg.ai_schedule(), stop.clone()),
    );
    let state = nexus_api::ai_service::AiServiceState {
        ai: trainer.ai().clone(),
        trainer,
        token: cfg.ai_token.as_deref().map(Arc::from),
        metrics: nexus_api::metrics_handle(),
        started: std::time::Instant::now(),
    };
    eprintln!("\nNEXUS AI service is running at http://{addr} (OpenAPI: /openapi.json)\n");
    tracing::info!(%addr, "AI service listening");
    let shutdown = stop.clone();
    axum::serve(listener, nexus_api::ai_service::router(state))
        .with_graceful_shutdown(async move {
            wait_for_signal().await;
            shutdown.cancel();
        })
        .await?;
    let _ = tokio::time::timeout(Duration::from_secs(5), jobs).await;
    db.close().await;
    Ok(())
}

async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

#[derive(clap::Args)]
pub struct UserCreateArgs {
    #[arg(long)]
    email: String,
    #[arg(long)]
    name: String,
    /// admin, manager, sales_rep, support or viewer.
    #[arg(long, default_value = "sales_rep")]
    role: String,
    /// Team id (UUID).
    #[arg(long)]
    team: Option<uuid::Uuid>,
    /// Read the password from standard input instead of generating one.
    #[arg(long)]
    password_stdin: bool,
}

pub async fn create_user(cfg: Config, args: UserCreateArgs) -> Result<()> {
    let (services, db) = open(&cfg).await?;
    let password = if args.password_stdin {
        let mut s = String::new();
        std::io::stdin().read_line(&mut s)?;
        s.trim_end_matches(['\n', '\r']).to_owned()
    } else {
        nexus_core::password::random_password()
    };
    let role: Role = args.role.parse().map_err(|_| {
        anyhow::anyhow!("--role must be one of admin, manager, sales_rep, support, viewer")
    })?;
    let body = serde_json::json!({"email": args.email, "name": args.name, "role": role.as_str(), "team_id": args.team, "password": password});
    let input = nexus_core::user::NewUser::parse(&body).map_err(|errs| {
        anyhow::anyhow!(
            errs.iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    let system = Actor::system(nexus_core::ids::UserId::new());
    let user = services
        .users
        .create(&system, input)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "created user {} ({}) with id {}",
        user.email, user.role, user.id
    );
    if !args.password_stdin {
        println!("password: {password}");
    }
    db.close().await;
    Ok(())
}

//! Test harness: a fresh store per test, the real router, and request helpers.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use nexus_api::{ApiConfig, AppState};
use nexus_core::auth::Role;
use nexus_core::bus::EventBus;
use nexus_core::services::{Policy, Services};
use nexus_core::store::Store;
use nexus_store::StoreConfig;
use serde_json::{Value, json};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

pub const ADMIN_EMAIL: &str = "admin@test.local";
pub const ADMIN_PASSWORD: &str = "admin-password-123";

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub admin: String,
    _dir: Option<tempfile::TempDir>,
    /// The PostgreSQL database created for this test, dropped afterwards.
    pg_database: Option<String>,
    /// How the store was opened (for [`TestApp::peer`]).
    store_config: StoreConfig,
}

pub struct Res {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Res {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    #[track_caller]
    pub fn expect(self, status: StatusCode) -> Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        self
    }
}

/// Runs one statement on the PostgreSQL server of `NEXUS_TEST_DATABASE_URL`.
async fn admin_sql(base: &str, sql: &str) {
    let admin = nexus_store::connect(&StoreConfig {
        database_url: Some(base.to_owned()),
        data_dir: ".".into(),
        db_key: None,
        max_connections: 1,
        acquire_timeout: Duration::from_secs(10),
    })
    .await
    .expect("NEXUS_TEST_DATABASE_URL is set but PostgreSQL is unreachable");
    if let nexus_store::Db::Postgres(pool) = &admin {
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(pool.inner())
            .await
            .unwrap();
    }
    admin.close().await;
}

/// Which backends to run: SQLite always, PostgreSQL when configured.
async fn open_store(
    kind: &str,
) -> Option<(
    nexus_store::Db,
    Option<tempfile::TempDir>,
    Option<String>,
    StoreConfig,
)> {
    match kind {
        "sqlite" => {
            let dir = tempfile::tempdir().unwrap();
            let cfg = StoreConfig {
                database_url: None,
                data_dir: dir.path().to_owned(),
                db_key: Some("test-key".into()),
                max_connections: 4,
                acquire_timeout: Duration::from_secs(10),
            };
            let db = nexus_store::connect(&cfg).await.unwrap();
            Some((db, Some(dir), None, cfg))
        }
        _ => {
            let base = std::env::var("NEXUS_TEST_DATABASE_URL").ok()?;
            let name = format!("nexus_api_{}", uuid::Uuid::now_v7().simple());
            admin_sql(&base, &format!("CREATE DATABASE {name}")).await;
            let url = match base.rsplit_once('/') {
                Some((head, _)) => format!("{head}/{name}"),
                None => panic!("NEXUS_TEST_DATABASE_URL must name a database"),
            };
            let cfg = StoreConfig {
                database_url: Some(url),
                data_dir: ".".into(),
                db_key: None,
                max_connections: 8,
                acquire_timeout: Duration::from_secs(10),
            };
            Some((
                nexus_store::connect(&cfg).await.unwrap(),
                None,
                Some(name),
                cfg,
            ))
        }
    }
}

impl TestApp {
    /// Starts an app whose services `services` builds over the fresh store.
    pub async fn start_with(
        kind: &str,
        tweak: impl FnOnce(&mut ApiConfig),
        services: impl FnOnce(Arc<dyn Store>) -> Services,
    ) -> Option<Self> {
        let (db, dir, pg_database, store_config) = open_store(kind).await?;
        db.migrate().await.unwrap();
        let store: Arc<dyn Store> = Arc::new(db);
        let services = services(store);
        services
            .auth
            .bootstrap_admin(ADMIN_EMAIL, Some(ADMIN_PASSWORD))
            .await
            .unwrap();
        let mut cfg = test_config();
        tweak(&mut cfg);
        let state = AppState::new(services, cfg, nexus_api::metrics_handle());
        let router = nexus_api::router(state.clone());
        let mut app = TestApp {
            router,
            state,
            admin: String::new(),
            _dir: dir,
            pg_database,
            store_config,
        };
        app.admin = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        Some(app)
    }

    /// A second instance on this app's database, as another process behind the same load
    /// balancer would be: its own connection pool, services (from `services`), state and
    /// router, and the same JWT secret (tokens of one work on the other). The database stays
    /// this app's to drop.
    pub async fn peer(&self, services: impl FnOnce(Arc<dyn Store>) -> Services) -> TestApp {
        let db = nexus_store::connect(&self.store_config).await.unwrap();
        let store: Arc<dyn Store> = Arc::new(db);
        let state = AppState::new(
            services(store),
            (*self.state.config).clone(),
            nexus_api::metrics_handle(),
        );
        TestApp {
            router: nexus_api::router(state.clone()),
            state,
            admin: self.admin.clone(),
            _dir: None,
            pg_database: None,
            store_config: self.store_config.clone(),
        }
    }

    pub async fn raw(&self, req: Request<Body>) -> Res {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Res {
            status,
            headers,
            body,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Res {
        self.call_with(method, path, token, body, &[]).await
    }

    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Res {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let req = match body {
            Some(v) => b
                .header("content-type", "application/json")
                .body(Body::from(v.to_string()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        self.raw(req).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Res {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Res {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Res {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Res {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    pub async fn login_res(&self, email: &str, password: &str) -> Res {
        self.call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": email, "password": password})),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self.login_res(email, password).await.expect(StatusCode::OK);
        r.body["access_token"].as_str().unwrap().to_owned()
    }

    /// Creates a user through the API and returns (id, access token).
    pub async fn user(&self, email: &str, role: Role, team: Option<&str>) -> (String, String) {
        let r = self
            .post("/api/v1/users", &self.admin, json!({"email": email, "name": email, "role": role.as_str(), "team_id": team, "password": "user-password-123"}))
            .await
            .expect(StatusCode::CREATED);
        let id = r.body["id"].as_str().unwrap().to_owned();
        (id, self.login(email, "user-password-123").await)
    }

    pub async fn team(&self, name: &str) -> String {
        let r = self
            .post("/api/v1/teams", &self.admin, json!({"name": name}))
            .await
            .expect(StatusCode::CREATED);
        r.body["id"].as_str().unwrap().to_owned()
    }

    pub async fn customer(&self, token: &str, body: Value) -> Value {
        self.post("/api/v1/customers", token, body)
            .await
            .expect(StatusCode::CREATED)
            .body
    }

    /// Creates a product (as admin) and returns it.
    pub async fn product(&self, sku: &str, price: i64, currency: &str) -> Value {
        self.post(
            "/api/v1/products",
            &self.admin,
            json!({"sku": sku, "name": format!("Product {sku}"), "price": price, "currency": currency}),
        )
        .await
        .expect(StatusCode::CREATED)
        .body
    }

    /// Every item of a list, walked through its `next_cursor` pages (`path` may hold a query).
    pub async fn all_pages(&self, path: &str, token: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = match &cursor {
                Some(c) => format!("{path}{sep}cursor={c}"),
                None => path.to_owned(),
            };
            let page = self.get(&url, token).await.expect(StatusCode::OK).body;
            items.extend(page["data"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return items,
            }
        }
    }

    /// Records a transaction and returns it.
    pub async fn transaction(&self, token: &str, body: Value) -> Value {
        self.post("/api/v1/transactions", token, body)
            .await
            .expect(StatusCode::CREATED)
            .body
    }
}

/// The API settings of every test app: a fixed JWT secret, no rate limits.
fn test_config() -> ApiConfig {
    ApiConfig {
        jwt_secret: b"test-secret-test-secret-test-secret!".to_vec(),
        rate_limit_per_ip: 0,
        rate_limit_per_user: 0,
        login_limit_per_ip: 0,
        login_limit_per_account: 0,
        ..ApiConfig::default()
    }
}

/// Runs a test body on SQLite, and on PostgreSQL when `NEXUS_TEST_DATABASE_URL` is set.
pub async fn on_backends<F, Fut>(test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    on_backends_with(|_| {}, test).await
}

pub async fn on_backends_with<F, Fut>(tweak: impl Fn(&mut ApiConfig), test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    on_backends_built(
        tweak,
        |store| Services::new(store, EventBus::default(), Policy::default()),
        test,
    )
    .await
}

/// [`on_backends_with`] with services built by `services` over each fresh store.
pub async fn on_backends_built<F, Fut>(
    tweak: impl Fn(&mut ApiConfig),
    services: impl Fn(Arc<dyn Store>) -> Services,
    test: F,
) where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    for kind in ["sqlite", "postgres"] {
        match TestApp::start_with(kind, &tweak, &services).await {
            Some(app) => {
                eprintln!("running on {kind}");
                let (db, store) = (app.pg_database.clone(), app.state.store.clone());
                test(app).await;
                if let (Some(name), Ok(base)) = (db, std::env::var("NEXUS_TEST_DATABASE_URL")) {
                    store.close().await;
                    admin_sql(
                        &base,
                        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                    )
                    .await;
                }
            }
            None => eprintln!("{kind}: skipped (NEXUS_TEST_DATABASE_URL not set)"),
        }
    }
}

/// The `id` of a JSON resource.
/// `field:code` of each entry of a problem document's `errors`, in order.
pub fn codes(r: &Res) -> Vec<String> {
    r.body["errors"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["field"].as_str().unwrap_or_default(),
                e["code"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

pub fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("resource without id").to_owned()
}

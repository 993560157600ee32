//! The record cache of single-record reads (`GET /customers/{id}`, `GET /products/{id}`; deals
//! in `deal_cache.rs`), in process and in a real Redis (a private `redis-server` per test): every kind of write is seen
//! by the next read, on the same instance and on another one; permissions apply to cached
//! records as to stored ones; without Redis reads go on, and the cache comes back by itself
//! without serving what changed meanwhile.

use crate::helpers::{TestApp, id_of, on_backends_built};
use crate::imports::{run_next, upload_as};
use axum::http::{Method, StatusCode};
use nexus_api::cluster::Cluster;
use nexus_api::record_cache::RedisRecordCache;
use nexus_core::auth::Role;
use nexus_core::bus::EventBus;
use nexus_core::cache::Records;
use nexus_core::event::Event;
use nexus_core::ids::{CustomerId, ProductId};
use nexus_core::services::{Policy, Services};
use nexus_core::store::Store;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A private `redis-server` on a free port (no persistence unless asked), stopped on drop.
pub(crate) struct RedisServer {
    child: std::process::Child,
    port: u16,
    dir: PathBuf,
}

impl RedisServer {
    /// `None` (the test is skipped) where `redis-server` is not installed.
    pub(crate) fn start(dir: &std::path::Path) -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Self::start_on(port, dir)
    }

    fn start_on(port: u16, dir: &std::path::Path) -> Option<Self> {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--dbfilename",
                "cache-test.rdb",
            ])
            .arg("--dir")
            .arg(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        let child = match child {
            Ok(c) => c,
            Err(e) => {
                eprintln!("redis-server not available ({e}): skipped");
                return None;
            }
        };
        let r = Self {
            child,
            port,
            dir: dir.to_owned(),
        };
        for _ in 0..100 {
            if r.command("PING").starts_with("+PONG") {
                return Some(r);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server did not start on port {port}");
    }

    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// One inline command; its raw reply (empty when Redis does not answer).
    fn command(&self, cmd: &str) -> String {
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
            return String::new();
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        let _ = s.write_all(format!("{cmd}\r\n").as_bytes());
        let mut buf = [0u8; 512];
        let n = s.read(&mut buf).unwrap_or(0);
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    /// Kills the server at once (no shutdown save).
    fn kill(mut self) -> (u16, PathBuf) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        (self.port, self.dir.clone())
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Services whose record cache is the Redis at `url`.
pub(crate) fn redis_services(url: String) -> impl Fn(Arc<dyn Store>) -> Services {
    move |store| {
        let cluster = Cluster::connect(&url).unwrap();
        let records = Records::new(Arc::new(RedisRecordCache::new(
            cluster,
            Duration::from_secs(300),
        )));
        Services::with_cache(store, EventBus::default(), Policy::default(), None, records)
    }
}

/// Services with the in-process record cache (the default).
pub(crate) fn local_services(store: Arc<dyn Store>) -> Services {
    Services::new(store, EventBus::default(), Policy::default())
}

fn customer_id(id: &str) -> CustomerId {
    CustomerId(Uuid::parse_str(id).unwrap())
}

/// Renames a customer in the store behind the cache's back (no eviction, and no event relay
/// runs in these apps): a read that still shows the old name was served from the cache.
async fn rename_behind_the_cache(app: &TestApp, id: &str, name: &str) {
    let mut c = app
        .state
        .store
        .get_customer(customer_id(id))
        .await
        .unwrap()
        .unwrap();
    let expected = c.version;
    c.name = name.into();
    c.version += 1;
    let ev = Event::new("customer", c.id.0, "updated", None, Default::default());
    assert!(
        app.state
            .store
            .update_customer(&c, expected, &ev)
            .await
            .unwrap()
    );
}

/// `GET path` answers what the store holds now (or 404 when the store holds no live record).
async fn assert_fresh(app: &TestApp, path: &str) {
    let id = path.rsplit('/').next().unwrap();
    let uuid = Uuid::parse_str(id).unwrap();
    let stored = if path.starts_with("/api/v1/customers/") {
        app.state
            .store
            .get_customer(CustomerId(uuid))
            .await
            .unwrap()
            .filter(|c| c.deleted_at.is_none())
            .map(|c| (c.etag(), serde_json::to_value(c).unwrap()))
    } else {
        app.state
            .store
            .get_product(ProductId(uuid))
            .await
            .unwrap()
            .filter(|p| p.deleted_at.is_none())
            .map(|p| (p.etag(), serde_json::to_value(p).unwrap()))
    };
    // Twice: the first read may fill the cache, the second is served from it.
    for _ in 0..2 {
        let r = app.get(path, &app.admin).await;
        match &stored {
            Some((etag, v)) => {
                let r = r.expect(StatusCode::OK);
                assert_eq!(&r.body, v, "{path} differs from the store");
                assert_eq!(r.header("etag"), Some(etag.as_str()));
            }
            None => {
                r.expect(StatusCode::NOT_FOUND);
            }
        }
    }
}

/// The ETag of the customer as stored now.
async fn stored_etag(app: &TestApp, id: &str) -> String {
    app.state
        .store
        .get_customer(customer_id(id))
        .await
        .unwrap()
        .unwrap()
        .etag()
}

/// The upload folder of imports, per test.
fn import_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    (dir, path)
}

/// Every kind of write, each after the record was read (so cached), then read again.
async fn every_write_then_read(app: TestApp) {
    let c = app
        .customer(
            &app.admin,
            json!({"name": "Ada", "email": "ada@cache.test"}),
        )
        .await;
    let path = format!("/api/v1/customers/{}", id_of(&c));
    let first = app.get(&path, &app.admin).await.expect(StatusCode::OK);
    let etag = first.header("etag").unwrap().to_owned();

    // The cache serves: a change made behind its back is not seen.
    rename_behind_the_cache(&app, &id_of(&c), "Behind").await;
    let cached = app.get(&path, &app.admin).await.expect(StatusCode::OK);
    assert_eq!(cached.body["name"], "Ada");
    assert_eq!(cached.header("etag"), Some(etag.as_str()));

    // If-Match is checked against the store, not the cache: the cached ETag is stale.
    app.call_with(
        Method::PATCH,
        &path,
        Some(&app.admin),
        Some(json!({"name": "X"})),
        &[("if-match", etag.as_str())],
    )
    .await
    .expect(StatusCode::PRECONDITION_FAILED);
    // An update.
    let stored_etag = stored_etag(&app, &id_of(&c)).await;
    assert_ne!(stored_etag, etag);
    let updated = app
        .call_with(
            Method::PATCH,
            &path,
            Some(&app.admin),
            Some(json!({"name": "Patched"})),
            &[("if-match", stored_etag.as_str())],
        )
        .await
        .expect(StatusCode::OK);
    let read = app.get(&path, &app.admin).await.expect(StatusCode::OK);
    assert_eq!(read.body["name"], "Patched");
    assert_eq!(read.header("etag"), updated.header("etag"));
    assert_eq!(read.body, updated.body);
    assert_fresh(&app, &path).await;

    // Soft delete, then restore.
    app.delete(&path, &app.admin)
        .await
        .expect(StatusCode::NO_CONTENT);
    app.get(&path, &app.admin)
        .await
        .expect(StatusCode::NOT_FOUND);
    let restored = app
        .post(&format!("{path}/restore"), &app.admin, json!({}))
        .await
        .expect(StatusCode::OK);
    let read = app.get(&path, &app.admin).await.expect(StatusCode::OK);
    assert_eq!(read.body["version"], restored.body["version"]);
    assert_fresh(&app, &path).await;

    // Custom fields: a value set, then the field deleted.
    let field = app
        .post(
            "/api/v1/custom-fields",
            &app.admin,
            json!({"entity": "customer", "key": "tier",
            "label": "Tier", "field_type": "select", "options": ["gold", "silver"]}),
        )
        .await
        .expect(StatusCode::CREATED)
        .body;
    app.patch(&path, &app.admin, json!({"attributes": {"tier": "gold"}}))
        .await
        .expect(StatusCode::OK);
    let read = app.get(&path, &app.admin).await.expect(StatusCode::OK);
    assert_eq!(read.body["attributes"]["tier"], "gold");
    app.delete(
        &format!("/api/v1/custom-fields/{}", id_of(&field)),
        &app.admin,
    )
    .await
    .expect(StatusCode::NO_CONTENT);
    assert_fresh(&app, &path).await;

    // The AI layer's segment write: a customer waiting for its segment is read (cached), then
    // the retrying job classifies it (no model serves yet: `unscored`, a new version).
    let d = app
        .customer(&app.admin, json!({"name": "Pending Person"}))
        .await;
    let mut pending = app
        .state
        .store
        .get_customer(customer_id(&id_of(&d)))
        .await
        .unwrap()
        .unwrap();
    let expected = pending.version;
    pending.segment_status = nexus_core::customer::SegmentStatus::Pending;
    pending.version += 1;
    let ev = Event::new(
        "customer",
        pending.id.0,
        "updated",
        None,
        Default::default(),
    );
    assert!(
        app.state
            .store
            .update_customer(&pending, expected, &ev)
            .await
            .unwrap()
    );
    let d_path = format!("/api/v1/customers/{}", id_of(&d));
    let before = app
        .get(&d_path, &app.admin)
        .await
        .expect(StatusCode::OK)
        .body;
    assert_eq!(before["segment_status"], "pending");
    assert!(app.state.services.ai.classify_pending(100).await.unwrap() >= 1);
    let after = app
        .get(&d_path, &app.admin)
        .await
        .expect(StatusCode::OK)
        .body;
    assert_ne!(after["segment_status"], "pending");
    assert_eq!(after["version"], before["version"].as_i64().unwrap() + 1);
    assert_fresh(&app, &d_path).await;

    // Erasure (GDPR): the erased customer is gone from reads at once.
    app.get(&path, &app.admin).await.expect(StatusCode::OK);
    app.post(&format!("{path}/erase"), &app.admin, json!({}))
        .await
        .expect(StatusCode::OK);
    app.get(&path, &app.admin)
        .await
        .expect(StatusCode::NOT_FOUND);
    assert_fresh(&app, &path).await;

    // Products: update, delete, restore.
    let p = app.product("SKU-1", 1000, "EUR").await;
    let p_path = format!("/api/v1/products/{}", id_of(&p));
    app.get(&p_path, &app.admin).await.expect(StatusCode::OK);
    app.patch(&p_path, &app.admin, json!({"price": 1500}))
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        app.get(&p_path, &app.admin)
            .await
            .expect(StatusCode::OK)
            .body["price"],
        1500
    );
    app.delete(&p_path, &app.admin)
        .await
        .expect(StatusCode::NO_CONTENT);
    app.get(&p_path, &app.admin)
        .await
        .expect(StatusCode::NOT_FOUND);
    app.post(&format!("{p_path}/restore"), &app.admin, json!({}))
        .await
        .expect(StatusCode::OK);
    assert_fresh(&app, &p_path).await;

    // An import: a row repeating a cached product's SKU is a duplicate and leaves it as it is;
    // the new one reads as stored.
    let csv =
        "Item Code,Product Name,Unit Price,Currency\nsku-1,Again,500,EUR\nSKU-2,Fresh,250,EUR\n";
    let job = upload_as(&app, &app.admin, csv, "text/csv", "products")
        .await
        .expect(StatusCode::CREATED);
    app.post(
        &format!("/api/v1/imports/{}/start", id_of(&job.body)),
        &app.admin,
        json!({}),
    )
    .await
    .expect(StatusCode::ACCEPTED);
    let done = run_next(&app).await;
    assert_eq!(done.progress.rows_accepted, 1);
    assert_fresh(&app, &p_path).await;
    let list = app
        .get("/api/v1/products?limit=10", &app.admin)
        .await
        .expect(StatusCode::OK);
    let fresh = list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["sku"] == "SKU-2")
        .expect("the imported product")
        .clone();
    assert_fresh(&app, &format!("/api/v1/products/{}", id_of(&fresh))).await;

    // An import that updates (on_duplicate=update): the cached product and customer it changes
    // are read as the batch left them.
    let bo = app
        .customer(&app.admin, json!({"name": "Bo", "email": "bo@cache.test"}))
        .await;
    let bo_path = format!("/api/v1/customers/{}", id_of(&bo));
    app.get(&p_path, &app.admin).await.expect(StatusCode::OK);
    app.get(&bo_path, &app.admin).await.expect(StatusCode::OK);
    for (entity, csv) in [
        ("products", "sku,price\nSKU-1,777\n"),
        ("customers", "name,email\nImported,BO@cache.test\n"),
    ] {
        let job = upload_as(&app, &app.admin, csv, "text/csv", entity)
            .await
            .expect(StatusCode::CREATED);
        app.post(
            &format!("/api/v1/imports/{}/start", id_of(&job.body)),
            &app.admin,
            json!({"mapping": null, "on_duplicate": "update"}),
        )
        .await
        .expect(StatusCode::ACCEPTED);
        assert_eq!(run_next(&app).await.progress.rows_updated, 1, "{entity}");
    }
    let read = app.get(&p_path, &app.admin).await.expect(StatusCode::OK);
    assert_eq!(read.body["price"], 777);
    assert_fresh(&app, &p_path).await;
    let read = app.get(&bo_path, &app.admin).await.expect(StatusCode::OK);
    assert_eq!(read.body["name"], "Imported");
    assert_fresh(&app, &bo_path).await;

    // Hits and misses are counted per resource.
    let metrics = app
        .call(Method::GET, "/metrics", None, None)
        .await
        .expect(StatusCode::OK)
        .body;
    let text = metrics.as_str().unwrap();
    for needle in [
        "record_cache_requests_total{resource=\"customer\",outcome=\"hit\"}",
        "record_cache_requests_total{resource=\"customer\",outcome=\"miss\"}",
        "record_cache_requests_total{resource=\"product\",outcome=\"hit\"}",
    ] {
        assert!(text.contains(needle), "no {needle} in /metrics");
    }
}

#[tokio::test]
async fn in_process_every_write_is_seen_by_the_next_read() {
    let (_dir, path) = import_dir();
    on_backends_built(
        move |c| c.imports.dir = path.clone(),
        local_services,
        every_write_then_read,
    )
    .await;
}

#[tokio::test]
async fn in_redis_every_write_is_seen_by_the_next_read() {
    let data = tempfile::tempdir().unwrap();
    let Some(redis) = RedisServer::start(data.path()) else {
        return;
    };
    let (_dir, path) = import_dir();
    on_backends_built(
        move |c| c.imports.dir = path.clone(),
        redis_services(redis.url()),
        every_write_then_read,
    )
    .await;
}

/// A rep who may not see a record gets 404 even after an admin's read cached it, and sees it
/// once it moves to their team (and not after it moves away).
async fn permissions_apply_to_cached_records(app: TestApp) {
    let team_a = app.team("A").await;
    let team_b = app.team("B").await;
    let (_, rep) = app
        .user("rep@cache.test", Role::SalesRep, Some(&team_a))
        .await;
    let (_, rep_b) = app
        .user("rep-b@cache.test", Role::SalesRep, Some(&team_b))
        .await;
    let c = app
        .customer(&app.admin, json!({"name": "Team B Co", "team_id": team_b}))
        .await;
    let path = format!("/api/v1/customers/{}", id_of(&c));
    for _ in 0..2 {
        app.get(&path, &app.admin).await.expect(StatusCode::OK);
    }
    app.get(&path, &rep).await.expect(StatusCode::NOT_FOUND);
    app.patch(&path, &rep, json!({"name": "Mine"}))
        .await
        .expect(StatusCode::NOT_FOUND);
    app.get(&path, &rep_b).await.expect(StatusCode::OK);

    // Moved to the rep's team: visible to the rep, no longer to team B's rep.
    app.patch(&path, &app.admin, json!({"team_id": team_a}))
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        app.get(&path, &rep).await.expect(StatusCode::OK).body["team_id"],
        json!(team_a)
    );
    app.get(&path, &rep_b).await.expect(StatusCode::NOT_FOUND);
    // And back.
    app.patch(&path, &app.admin, json!({"team_id": team_b}))
        .await
        .expect(StatusCode::OK);
    app.get(&path, &rep).await.expect(StatusCode::NOT_FOUND);
    app.get(&path, &rep_b).await.expect(StatusCode::OK);
}

#[tokio::test]
async fn in_process_permissions_apply_to_cached_records() {
    on_backends_built(|_| {}, local_services, permissions_apply_to_cached_records).await;
}

#[tokio::test]
async fn in_redis_permissions_apply_to_cached_records() {
    let data = tempfile::tempdir().unwrap();
    let Some(redis) = RedisServer::start(data.path()) else {
        return;
    };
    on_backends_built(
        |_| {},
        redis_services(redis.url()),
        permissions_apply_to_cached_records,
    )
    .await;
}

#[tokio::test]
async fn two_instances_sharing_redis_see_each_others_writes_at_once() {
    let data = tempfile::tempdir().unwrap();
    let Some(redis) = RedisServer::start(data.path()) else {
        return;
    };
    let url = redis.url();
    on_backends_built(
        |_| {},
        redis_services(url.clone()),
        |a| {
            let url = url.clone();
            async move {
                // Several instances share PostgreSQL (one SQLite file has one server).
                if a.state.store.backend() == "sqlite" {
                    return;
                }
                let b = a.peer(redis_services(url)).await;
                let c = a.customer(&a.admin, json!({"name": "Shared"})).await;
                let path = format!("/api/v1/customers/{}", id_of(&c));
                let p = a.product("SHARED-1", 100, "EUR").await;
                let p_path = format!("/api/v1/products/{}", id_of(&p));
                for app in [&a, &b, &a, &b] {
                    app.get(&path, &app.admin).await.expect(StatusCode::OK);
                    app.get(&p_path, &app.admin).await.expect(StatusCode::OK);
                }
                // No relay runs here: B sees A's writes because A evicted them from the shared cache.
                let updated = a
                    .patch(&path, &a.admin, json!({"name": "Changed on A"}))
                    .await
                    .expect(StatusCode::OK);
                let on_b = b.get(&path, &b.admin).await.expect(StatusCode::OK);
                assert_eq!(on_b.body["name"], "Changed on A");
                assert_eq!(on_b.header("etag"), updated.header("etag"));
                a.patch(&p_path, &a.admin, json!({"price": 250}))
                    .await
                    .expect(StatusCode::OK);
                assert_eq!(
                    b.get(&p_path, &b.admin).await.expect(StatusCode::OK).body["price"],
                    250
                );
                b.delete(&path, &b.admin)
                    .await
                    .expect(StatusCode::NO_CONTENT);
                a.get(&path, &a.admin).await.expect(StatusCode::NOT_FOUND);
                b.state.store.close().await;
            }
        },
    )
    .await;
}

#[tokio::test]
async fn two_instances_without_redis_evict_through_the_event_log() {
    on_backends_built(
        |_| {},
        local_services,
        |a| async move {
            if a.state.store.backend() == "sqlite" {
                return;
            }
            let b = a.peer(local_services).await;
            let stop = CancellationToken::new();
            let tasks = nexus_api::spawn_background(&b.state, stop.clone());
            let c = a.customer(&a.admin, json!({"name": "Local"})).await;
            let path = format!("/api/v1/customers/{}", id_of(&c));
            for _ in 0..2 {
                b.get(&path, &b.admin).await.expect(StatusCode::OK);
            }
            a.patch(&path, &a.admin, json!({"name": "Changed on A"}))
                .await
                .expect(StatusCode::OK);
            // B's relay reads A's event from the shared log (its poll: 250 ms) and evicts.
            let mut seen = Value::Null;
            for _ in 0..100 {
                seen = b.get(&path, &b.admin).await.expect(StatusCode::OK).body;
                if seen["name"] == "Changed on A" {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert_eq!(seen["name"], "Changed on A");
            stop.cancel();
            for t in tasks {
                let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
            }
            b.state.store.close().await;
        },
    )
    .await;
}

pub(crate) async fn record_cache_status(app: &TestApp) -> Value {
    let ready = app
        .call(Method::GET, "/health/ready", None, None)
        .await
        .expect(StatusCode::OK)
        .body;
    ready["checks"]["record_cache"]["status"].clone()
}

#[tokio::test]
async fn without_redis_reads_are_served_from_the_store() {
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    on_backends_built(
        |_| {},
        redis_services(format!("redis://127.0.0.1:{port}")),
        |app| async move {
            let c = app.customer(&app.admin, json!({"name": "No Redis"})).await;
            let path = format!("/api/v1/customers/{}", id_of(&c));
            for _ in 0..3 {
                app.get(&path, &app.admin).await.expect(StatusCode::OK);
            }
            assert_eq!(record_cache_status(&app).await, "degraded");
            // Served from the store: a change behind the cache's back shows at once.
            rename_behind_the_cache(&app, &id_of(&c), "Seen").await;
            assert_eq!(
                app.get(&path, &app.admin).await.expect(StatusCode::OK).body["name"],
                "Seen"
            );
            app.patch(&path, &app.admin, json!({"name": "Written"}))
                .await
                .expect(StatusCode::OK);
            assert_fresh(&app, &path).await;
        },
    )
    .await;
}

#[tokio::test]
async fn after_a_redis_outage_the_cache_recovers_without_serving_stale_records() {
    let data = tempfile::tempdir().unwrap();
    let Some(redis) = RedisServer::start(data.path()) else {
        return;
    };
    let url = redis.url();
    let redis = std::sync::Mutex::new(Some(redis));
    on_backends_built(
        |_| {},
        redis_services(url),
        |app| {
            let redis = &redis;
            async move {
                let server = redis.lock().unwrap().take().unwrap();
                let c = app.customer(&app.admin, json!({"name": "Before"})).await;
                let path = format!("/api/v1/customers/{}", id_of(&c));
                app.get(&path, &app.admin).await.expect(StatusCode::OK);
                assert_eq!(record_cache_status(&app).await, "up");
                // Redis keeps the cached record on disk and goes away.
                assert!(server.command("SAVE").starts_with("+OK"));
                let (port, dir) = server.kill();

                // Reads and writes go on; the write cannot evict.
                app.patch(&path, &app.admin, json!({"name": "During"}))
                    .await
                    .expect(StatusCode::OK);
                assert_eq!(
                    app.get(&path, &app.admin).await.expect(StatusCode::OK).body["name"],
                    "During"
                );
                assert_eq!(record_cache_status(&app).await, "degraded");

                // Redis comes back with the old record: the cache flushes before serving again.
                let server = RedisServer::start_on(port, &dir).unwrap();
                let mut status = Value::Null;
                for _ in 0..100 {
                    status = record_cache_status(&app).await;
                    if status == "up" {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                assert_eq!(status, "up", "the record cache did not recover");
                assert_eq!(
                    app.get(&path, &app.admin).await.expect(StatusCode::OK).body["name"],
                    "During"
                );
                // And it serves from Redis again.
                rename_behind_the_cache(&app, &id_of(&c), "Behind").await;
                assert_eq!(
                    app.get(&path, &app.admin).await.expect(StatusCode::OK).body["name"],
                    "During"
                );
                *redis.lock().unwrap() = Some(server);
            }
        },
    )
    .await;
}

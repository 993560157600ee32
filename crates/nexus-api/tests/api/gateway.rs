//! The gateway: problem documents for every error, request ids, rate-limit headers, body
//! limits, security headers, metrics keyed by route template, OpenAPI drift.

use crate::helpers::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;

#[tokio::test]
async fn every_error_is_a_problem_document() {
    on_backends_with(
        |c| c.body_limit_bytes = 4096,
        |app| async move {
            let cases = [
                (
                    app.call(Method::GET, "/api/v1/nowhere", Some(&app.admin), None)
                        .await,
                    StatusCode::NOT_FOUND,
                    "not_found",
                ),
                (
                    app.call(Method::PUT, "/api/v1/customers", Some(&app.admin), None)
                        .await,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                ),
                (
                    app.call(Method::GET, "/api/v1/customers", None, None).await,
                    StatusCode::UNAUTHORIZED,
                    "missing_token",
                ),
                (
                    app.call(Method::GET, "/api/v1/customers", Some("garbage"), None)
                        .await,
                    StatusCode::UNAUTHORIZED,
                    "invalid_token",
                ),
                (
                    app.raw(
                        Request::post("/api/v1/customers")
                            .header("authorization", format!("Bearer {}", app.admin))
                            .header("content-type", "application/json")
                            .body(Body::from("{\"name\": "))
                            .unwrap(),
                    )
                    .await,
                    StatusCode::BAD_REQUEST,
                    "malformed_json",
                ),
                (
                    app.raw(
                        Request::post("/api/v1/customers")
                            .header("authorization", format!("Bearer {}", app.admin))
                            .header("content-type", "text/plain")
                            .body(Body::from("hi"))
                            .unwrap(),
                    )
                    .await,
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                ),
                (
                    app.post(
                        "/api/v1/customers",
                        &app.admin,
                        json!({"name": "x".repeat(5000)}),
                    )
                    .await,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                ),
                (
                    app.post("/api/v1/customers", &app.admin, json!([1, 2]))
                        .await,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                ),
            ];
            for (res, status, code) in cases {
                assert_eq!(res.status, status, "{code}: {}", res.body);
                assert_eq!(
                    res.header("content-type"),
                    Some("application/problem+json"),
                    "{code}"
                );
                assert_eq!(res.body["code"], code);
                assert_eq!(res.body["status"], status.as_u16());
                assert!(
                    res.body["title"].is_string()
                        && res.body["detail"].is_string()
                        && res.body["type"].is_string()
                );
            }
        },
    )
    .await;
}

#[tokio::test]
async fn request_ids_and_security_headers() {
    on_backends(|app| async move {
        let r = app
            .call_with(
                Method::GET,
                "/health",
                None,
                None,
                &[("x-request-id", "abc-123")],
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.header("x-request-id"), Some("abc-123"));
        let r = app
            .call_with(
                Method::GET,
                "/health",
                None,
                None,
                &[("x-request-id", "bad id with spaces")],
            )
            .await;
        assert_ne!(r.header("x-request-id"), Some("bad id with spaces"));
        assert!(r.header("x-request-id").is_some_and(|v| v.len() == 36));
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
        assert!(r.header("content-security-policy").is_some());
        let api = app.get("/api/v1/auth/me", &app.admin).await;
        assert_eq!(api.header("cache-control"), Some("no-store"));
    })
    .await;
}

#[tokio::test]
async fn rate_limits_per_ip_and_per_user_with_headers() {
    on_backends_with(
        |c| {
            c.rate_limit_per_user = 5;
        },
        |app| async move {
            let first = app
                .get("/api/v1/auth/me", &app.admin)
                .await
                .expect(StatusCode::OK);
            assert_eq!(first.header("ratelimit-limit"), Some("5"));
            assert_eq!(first.header("ratelimit-remaining"), Some("4"));
            for _ in 0..4 {
                app.get("/api/v1/auth/me", &app.admin)
                    .await
                    .expect(StatusCode::OK);
            }
            let limited = app
                .get("/api/v1/auth/me", &app.admin)
                .await
                .expect(StatusCode::TOO_MANY_REQUESTS);
            assert_eq!(limited.body["code"], "rate_limited");
            assert!(
                limited
                    .header("retry-after")
                    .unwrap()
                    .parse::<u64>()
                    .unwrap()
                    >= 1
            );
            // Unauthenticated requests from the same address are not counted against the user.
            app.call(Method::GET, "/api/v1/customers", None, None)
                .await
                .expect(StatusCode::UNAUTHORIZED);
        },
    )
    .await;
    on_backends_with(
        |c| c.rate_limit_per_ip = 3,
        |app| async move {
            // The harness's login used one request of this address; health checks are not limited.
            for _ in 0..2 {
                app.call(Method::GET, "/health", None, None)
                    .await
                    .expect(StatusCode::OK);
                app.call(Method::GET, "/api/v1/customers", None, None)
                    .await
                    .expect(StatusCode::UNAUTHORIZED);
            }
            let r = app
                .call(Method::GET, "/api/v1/customers", None, None)
                .await
                .expect(StatusCode::TOO_MANY_REQUESTS);
            assert_eq!(r.header("ratelimit-remaining"), Some("0"));
        },
    )
    .await;
}

#[tokio::test]
async fn readiness_metrics_and_openapi() {
    on_backends(|app| async move {
        let r = app
            .call(Method::GET, "/health/ready", None, None)
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.body["status"], "ready");
        let check = r.body["checks"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()
            .clone();
        assert_eq!(check["status"], "up");
        assert!(check["latency_ms"].as_f64().unwrap() >= 0.0);
        app.get("/api/v1/customers", &app.admin)
            .await
            .expect(StatusCode::OK);
        let m = app
            .call(Method::GET, "/metrics", None, None)
            .await
            .expect(StatusCode::OK);
        let text = m.body.as_str().unwrap();
        assert!(
            text.contains(
                "http_requests_total{method=\"GET\",route=\"/api/v1/customers\",status=\"200\"}"
            ),
            "{text}"
        );
        assert!(text.contains(
            "http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/customers\""
        ));
        let pools: &[&str] = if app.state.store.backend() == "sqlite" {
            &["writer", "reader"]
        } else {
            &["main"]
        };
        for pool in pools {
            for series in [
                format!("db_pool_connections{{pool=\"{pool}\",state=\"open\"}}"),
                format!("db_pool_connections{{pool=\"{pool}\",state=\"idle\"}}"),
                format!("db_pool_max_connections{{pool=\"{pool}\"}}"),
                format!("db_pool_waiting{{pool=\"{pool}\"}}"),
                format!("db_pool_acquire_waits_total{{pool=\"{pool}\"}}"),
            ] {
                assert!(text.contains(&series), "{series} in\n{text}");
            }
        }
        assert!(text.contains("# TYPE db_pool_acquire_waits_total counter"));
        assert!(text.contains("# HELP db_pool_waiting "));
        let doc = app
            .call(Method::GET, "/api/v1/openapi.json", None, None)
            .await
            .expect(StatusCode::OK);
        assert_eq!(doc.body["openapi"], "3.1.0");
        assert!(doc.body["paths"]["/api/v1/customers/{id}"]["patch"].is_object());
        let ui = app.call(Method::GET, "/api/docs/", None, None).await;
        assert_eq!(ui.status, StatusCode::OK);
    })
    .await;
}

/// Concurrent writes queue for SQLite's single writer connection: the store counts the waits
/// and `/metrics` reports them.
#[tokio::test]
async fn pool_waits_are_counted_and_exported() {
    on_backends(|app| async move {
        let writes = (0..12).map(|i| {
            app.post(
                "/api/v1/customers",
                &app.admin,
                json!({"name": format!("Concurrent {i}")}),
            )
        });
        for r in futures::future::join_all(writes).await {
            r.expect(StatusCode::CREATED);
        }
        let stats = app.state.store.pool_stats();
        let m = app
            .call(Method::GET, "/metrics", None, None)
            .await
            .expect(StatusCode::OK);
        let text = m.body.as_str().unwrap();
        for p in &stats {
            assert_eq!(p.waiting, 0, "{p:?}");
            assert!(p.size <= p.max, "{p:?}");
            // The recorder is shared by every test of this binary, so the exported counter is
            // at least this store's figure.
            let series = format!("db_pool_acquire_waits_total{{pool=\"{}\"}} ", p.pool);
            let exported: u64 = text
                .lines()
                .find_map(|l| l.strip_prefix(&series))
                .unwrap_or_else(|| panic!("{series} in\n{text}"))
                .trim()
                .parse()
                .unwrap();
            assert!(exported >= p.waits, "{series}{exported} < {}", p.waits);
        }
        if app.state.store.backend() == "sqlite" {
            let writer = stats.iter().find(|p| p.pool == "writer").unwrap();
            assert_eq!(writer.max, 1);
            assert!(writer.waits > 0, "{writer:?}");
        }
    })
    .await;
}

/// `openapi.json` at the repository root is the generated document; regenerate it with
/// `NEXUS_UPDATE_OPENAPI=1 cargo test -p nexus-api openapi_document_is_committed`.
#[test]
fn openapi_document_is_committed() {
    let generated = nexus_api::openapi::json() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi.json");
    if std::env::var_os("NEXUS_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi.json is out of date: run NEXUS_UPDATE_OPENAPI=1 cargo test -p nexus-api openapi_document_is_committed"
    );
}

/// Client generators (the web UI's RTK Query endpoints) name one function per operationId, so
/// every operation needs its own.
#[test]
fn openapi_operation_ids_are_unique() {
    let doc: serde_json::Value = serde_json::from_str(&nexus_api::openapi::json()).unwrap();
    let mut seen = std::collections::BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path}: no operationId"));
            if let Some(other) = seen.insert(id.to_owned(), format!("{method} {path}")) {
                panic!("operationId {id} used by {other} and {method} {path}");
            }
        }
    }
}

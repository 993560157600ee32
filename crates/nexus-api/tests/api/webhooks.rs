//! Webhooks: admin-only endpoints, the secret shown once, field-by-field 422s, private targets
//! refused, soft delete and restore; deliveries over real HTTP to a local receiver (signed,
//! retried, logged, replayed with the same `webhook-id`), and the transport's address checks.

use crate::helpers::*;
use axum::http::{HeaderMap, Method, StatusCode};
use nexus_api::webhook_delivery::HttpTransport;
use nexus_core::auth::Role;
use nexus_core::webhook::WebhookSecret;
use nexus_core::webhook::worker::Transport;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn fields(r: &Res) -> Vec<String> {
    r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn webhooks_are_admin_only_validated_and_keep_their_secret() {
    on_backends(|app| async move {
        let (_, manager) = app.user("manager@hooks.test", Role::Manager, None).await;
        let body = json!({"url": "https://hooks.example.com/in", "events": ["customer.*", "deal.created"], "description": "CRM sync"});
        app.post("/api/v1/webhooks", &manager, body.clone())
            .await
            .expect(StatusCode::FORBIDDEN);
        app.get("/api/v1/webhooks", &manager)
            .await
            .expect(StatusCode::FORBIDDEN);

        // Field by field.
        let r = app
            .post("/api/v1/webhooks", &app.admin, json!({"url": "ftp://x", "events": ["customer.created", "spaceship.*", ""], "secret": "nope", "extra": 1}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            fields(&r),
            vec!["url", "events[1]", "events[2]", "secret", "extra"],
            "{}",
            r.body
        );
        let r = app
            .post("/api/v1/webhooks", &app.admin, json!({"url": "http://169.254.169.254/latest", "events": []}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.body["errors"][0]["code"], "private_address", "{}", r.body);
        assert_eq!(fields(&r), vec!["url", "events"]);
        app.post("/api/v1/webhooks", &app.admin, json!({"url": "http://localhost:9/x", "events": ["*"]}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);

        // Created: 201, Location, the secret once.
        let r = app
            .post("/api/v1/webhooks", &app.admin, body)
            .await
            .expect(StatusCode::CREATED);
        let id = id_of(&r.body);
        assert_eq!(r.header("location"), Some(format!("/api/v1/webhooks/{id}").as_str()));
        let secret = r.body["secret"].as_str().unwrap().to_owned();
        assert!(WebhookSecret::parse(&secret).is_ok(), "{secret}");
        assert_eq!(r.body["events"], json!(["customer.*", "deal.created"]));
        assert_eq!(r.body["active"], true);
        let got = app
            .get(&format!("/api/v1/webhooks/{id}"), &app.admin)
            .await
            .expect(StatusCode::OK);
        assert!(got.body.get("secret").is_none() && !got.body.to_string().contains(&secret));
        let etag = got.header("etag").unwrap().to_owned();
        let listed = app.get("/api/v1/webhooks", &app.admin).await.expect(StatusCode::OK);
        assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
        assert!(!listed.body.to_string().contains(&secret));
        app.get(&format!("/api/v1/webhooks/{id}"), &manager)
            .await
            .expect(StatusCode::FORBIDDEN);

        // A given secret is kept; rotation returns a new one once.
        let mine = WebhookSecret::generate();
        let r = app
            .post("/api/v1/webhooks", &app.admin, json!({"url": "https://b.example.com/", "events": ["*"], "secret": mine.as_str()}))
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(r.body["secret"], mine.as_str());
        let r = app
            .call(Method::POST, &format!("/api/v1/webhooks/{id}/rotate-secret"), Some(&app.admin), None)
            .await
            .expect(StatusCode::OK);
        let rotated = r.body["secret"].as_str().unwrap();
        assert!(rotated.starts_with("whsec_") && rotated != secret);

        // PATCH with If-Match; a stale ETag is 412.
        let r = app
            .call_with(Method::PATCH, &format!("/api/v1/webhooks/{id}"), Some(&app.admin),
                Some(json!({"events": ["deal.*"]})), &[("if-match", &etag)])
            .await;
        assert_eq!(r.status, StatusCode::PRECONDITION_FAILED, "{}", r.body);
        let r = app
            .patch(&format!("/api/v1/webhooks/{id}"), &app.admin, json!({"events": ["deal.*"], "active": false, "url": "https://c.example.com/hook"}))
            .await
            .expect(StatusCode::OK);
        assert_eq!((r.body["active"].clone(), r.body["url"].clone()), (json!(false), json!("https://c.example.com/hook")));
        let r = app
            .patch(&format!("/api/v1/webhooks/{id}"), &app.admin, json!({"events": null, "secret": "whsec_x", "url": "http://10.0.0.1/"}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        let mut f = fields(&r);
        f.sort();
        assert_eq!(f, vec!["events", "secret", "url"], "{}", r.body);

        // Soft delete and restore.
        app.delete(&format!("/api/v1/webhooks/{id}"), &app.admin)
            .await
            .expect(StatusCode::NO_CONTENT);
        app.get(&format!("/api/v1/webhooks/{id}"), &app.admin)
            .await
            .expect(StatusCode::NOT_FOUND);
        let deleted = app.get("/api/v1/webhooks?deleted=only", &app.admin).await.expect(StatusCode::OK);
        assert_eq!(deleted.body["data"][0]["id"], json!(id));
        app.post(&format!("/api/v1/webhooks/{id}/restore"), &app.admin, json!({}))
            .await
            .expect(StatusCode::OK);
        app.get("/api/v1/webhooks?colour=red", &app.admin)
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        app.get(&format!("/api/v1/webhooks/{id}/deliveries?status=lost"), &app.admin)
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);

        // The log has the webhook's events, without the secret.
        let history = app.state.store.entity_events(id.parse().unwrap(), None, 20).await.unwrap();
        let types: Vec<&str> = history.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(types, vec!["webhook.created", "webhook.updated", "webhook.updated", "webhook.deleted", "webhook.restored"]);
        assert!(!serde_json::to_string(&history).unwrap().contains("whsec_"));
    })
    .await;
}

type Seen = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// A receiver on 127.0.0.1 that fails the first request with 500 and accepts the rest.
async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let s = s.clone();
            async move {
                let mut v = s.lock().unwrap();
                v.push((headers, body));
                if v.len() == 1 {
                    (StatusCode::INTERNAL_SERVER_ERROR, "try later")
                } else {
                    (StatusCode::OK, "thanks")
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (format!("http://{addr}/hook"), seen)
}

#[tokio::test]
async fn deliveries_are_signed_retried_logged_and_replayed() {
    on_backends_with(
        |c| {
            c.webhooks.allow_private_targets = true;
            c.webhooks.retry_schedule = vec![Duration::ZERO, Duration::ZERO, Duration::ZERO];
        },
        |app| async move {
            let (url, seen) = receiver().await;
            let r = app
                .post(
                    "/api/v1/webhooks",
                    &app.admin,
                    json!({"url": url, "events": ["customer.created"]}),
                )
                .await
                .expect(StatusCode::CREATED);
            let hook = id_of(&r.body);
            let secret = WebhookSecret::parse(r.body["secret"].as_str().unwrap()).unwrap();
            let customer = app
                .customer(&app.admin, json!({"name": "Hooked Ltd", "kind": "company"}))
                .await;

            let worker = nexus_api::webhook_delivery::worker(&app.state);
            app.state.store.sequence_events(1000).await.unwrap();
            while worker.fan_out().await.unwrap() > 0 {}
            assert_eq!(worker.dispatch().await.unwrap(), 1, "first attempt: 500");
            assert_eq!(worker.dispatch().await.unwrap(), 1, "retry: 200");
            assert_eq!(worker.dispatch().await.unwrap(), 0);

            let list = app
                .get(&format!("/api/v1/webhooks/{hook}/deliveries"), &app.admin)
                .await
                .expect(StatusCode::OK);
            let d = &list.body["data"][0];
            assert_eq!(d["status"], "succeeded", "{}", list.body);
            assert_eq!(d["attempts"], 2);
            let delivery = id_of(d);
            let detail = app
                .get(
                    &format!("/api/v1/webhook-deliveries/{delivery}"),
                    &app.admin,
                )
                .await
                .expect(StatusCode::OK);
            let attempts: Vec<(Value, Value)> = detail.body["attempt_log"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| (a["status_code"].clone(), a["response_excerpt"].clone()))
                .collect();
            assert_eq!(
                attempts,
                vec![
                    (json!(500), json!("try later")),
                    (json!(200), json!("thanks"))
                ]
            );

            // Replay: a third request with the same webhook-id.
            app.post(
                &format!("/api/v1/webhook-deliveries/{delivery}/replay"),
                &app.admin,
                json!({}),
            )
            .await
            .expect(StatusCode::ACCEPTED);
            assert_eq!(worker.dispatch().await.unwrap(), 1);
            let seen = seen.lock().unwrap().clone();
            assert_eq!(seen.len(), 3);
            for (headers, body) in &seen {
                let h = |n: &str| headers.get(n).unwrap().to_str().unwrap().to_owned();
                assert_eq!(h("webhook-id"), delivery);
                assert_eq!(h("content-type"), "application/json");
                let ts: i64 = h("webhook-timestamp").parse().unwrap();
                assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
                assert_eq!(
                    h("webhook-signature"),
                    secret.sign(&delivery, ts, body.as_bytes())
                );
                let payload: Value = serde_json::from_str(body).unwrap();
                assert_eq!(payload["type"], "customer.created");
                assert_eq!(payload["data"]["entity_id"], customer["id"]);
            }
            let detail = app
                .get(
                    &format!("/api/v1/webhook-deliveries/{delivery}"),
                    &app.admin,
                )
                .await
                .expect(StatusCode::OK);
            assert_eq!(detail.body["attempt_log"][2]["trigger"], "replay");
            assert_eq!(detail.body["attempt_log"].as_array().unwrap().len(), 3);

            // A disabled endpoint's deliveries cannot be replayed.
            app.patch(
                &format!("/api/v1/webhooks/{hook}"),
                &app.admin,
                json!({"active": false}),
            )
            .await
            .expect(StatusCode::OK);
            app.post(
                &format!("/api/v1/webhook-deliveries/{delivery}/replay"),
                &app.admin,
                json!({}),
            )
            .await
            .expect(StatusCode::CONFLICT);
            let (_, manager) = app.user("m@hooks.test", Role::Manager, None).await;
            app.get(&format!("/api/v1/webhook-deliveries/{delivery}"), &manager)
                .await
                .expect(StatusCode::FORBIDDEN);
        },
    )
    .await;
}

#[tokio::test]
async fn the_transport_refuses_private_targets() {
    let t = HttpTransport::new(Duration::from_secs(2), false);
    for url in [
        "http://127.0.0.1:9/",
        "http://[::1]:9/",
        "http://localhost:9/",
        "http://169.254.169.254/latest",
    ] {
        let r = t.post(url, vec![], b"{}".to_vec()).await;
        assert_eq!(r.status, None, "{url}");
        let e = r.error.unwrap();
        assert!(e.contains("refused") || e.contains("private"), "{url}: {e}");
    }
    // TLS is built in: an https URL gets as far as the address check.
    let r = t.post("https://10.1.2.3/", vec![], vec![]).await;
    assert!(r.error.unwrap().contains("refused"));
}

//! Input that the validation of each resource does not see but the databases refuse (NUL
//! characters, nesting beyond what events can hold back, dates outside the calendar the
//! dashboards step through, repeated list parameters, cursor numbers outside NUMERIC, text
//! over PostgreSQL's index entry size) is a field-by-field 422 on both backends, never a 500
//! or a dropped connection. And reach: a company out of the caller's reach cannot be linked by
//! PATCH, an API key cannot read more than its user, erasure reaches webhook payloads and
//! rejected import rows.

use crate::helpers::*;
use crate::imports::{run_next, upload_as};
use axum::http::StatusCode;
use base64::Engine;
use nexus_core::auth::Role;
use serde_json::{Value, json};

#[tokio::test]
async fn input_the_databases_refuse_is_a_422_on_both_backends() {
    on_backends(|app| async move {
        // Nesting: 40 levels inside `attributes` (serde_json alone accepts 127).
        let mut deep = json!("bottom");
        for _ in 0..40 {
            deep = json!([deep]);
        }
        let r = app
            .post(
                "/api/v1/customers",
                &app.admin,
                json!({"name": "Deep", "attributes": {"k": deep}}),
            )
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        let got = codes(&r);
        assert!(
            got.iter()
                .any(|c| c.starts_with("attributes.k") && c.ends_with(":too_deep")),
            "{got:?}"
        );

        // NUL characters: in a field, inside attributes (key or value), in the query string.
        let r = app
            .post("/api/v1/customers", &app.admin, json!({"name": "A\u{0}B"}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(codes(&r), vec!["name:nul_character"]);
        let r = app
            .post(
                "/api/v1/customers",
                &app.admin,
                json!({"name": "Ok", "attributes": {"note": "x\u{0}y", "k\u{0}": 1}}),
            )
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        let got = codes(&r);
        assert!(
            got.contains(&"attributes.note:nul_character".to_owned()),
            "{got:?}"
        );
        assert!(
            got.contains(&"attributes:nul_character".to_owned()),
            "{got:?}"
        );
        let r = app
            .get("/api/v1/customers?q=ab%00cd", &app.admin)
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(codes(&r), vec!["q:nul_character"]);
        // Nothing was written.
        let list = app
            .get("/api/v1/customers", &app.admin)
            .await
            .expect(StatusCode::OK);
        assert_eq!(list.body["data"].as_array().map(Vec::len), Some(0));

        // Dates the dashboards would step past the calendar with (they panicked).
        for q in [
            "/api/v1/dashboards/new-customers?to=-262143-01-01",
            "/api/v1/dashboards/new-customers?period=day&from=%2B262142-12-31&to=%2B262142-12-31",
            "/api/v1/dashboards/revenue?from=-999-01",
        ] {
            let r = app.get(q, &app.admin).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{q}: {}",
                r.body
            );
        }
        app.get(
            "/api/v1/dashboards/new-customers?period=day&from=9999-12-30&to=9999-12-31",
            &app.admin,
        )
        .await
        .expect(StatusCode::OK);

        // One status repeated as often as a URL allows (64 KiB) counts once.
        let statuses = vec!["lead"; 12_000].join(",");
        app.get(&format!("/api/v1/customers?status={statuses}"), &app.admin)
            .await
            .expect(StatusCode::OK);

        // Text values are limited in bytes: 1,000 euro signs are 3,000 bytes, more than a
        // PostgreSQL index entry holds.
        app.post(
            "/api/v1/custom-fields",
            &app.admin,
            json!({"entity": "customer", "key": "motto", "label": "Motto", "field_type": "text"}),
        )
        .await
        .expect(StatusCode::CREATED);
        let r = app
            .post(
                "/api/v1/customers",
                &app.admin,
                json!({"name": "Euro", "attributes": {"motto": "€".repeat(1000)}}),
            )
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(codes(&r), vec!["attributes.motto:too_long"]);
        app.customer(
            &app.admin,
            json!({"name": "Euro", "attributes": {"motto": "€".repeat(600)}}),
        )
        .await;

        // A number cursor that parses but overflows NUMERIC is read as the number it is.
        app.post(
            "/api/v1/custom-fields",
            &app.admin,
            json!({"entity": "customer", "key": "score", "label": "Score", "field_type": "number"}),
        )
        .await
        .expect(StatusCode::CREATED);
        app.customer(
            &app.admin,
            json!({"name": "Scored", "attributes": {"score": 5}}),
        )
        .await;
        for v in ["1e-100000", "v:1e-100000"] {
            let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(json!({"s": "cf.score", "v": v, "i": uuid::Uuid::nil()}).to_string());
            let r = app
                .get(
                    &format!("/api/v1/customers?sort=cf.score&cursor={cursor}"),
                    &app.admin,
                )
                .await;
            assert!(
                r.status == StatusCode::OK || r.status == StatusCode::UNPROCESSABLE_ENTITY,
                "{v}: {} {}",
                r.status,
                r.body
            );
        }
    })
    .await;
}

#[tokio::test]
async fn reach_holds_for_company_links_and_api_key_roles() {
    on_backends(|app| async move {
        let east = app.team("East").await;
        let west = app.team("West").await;
        let (rep_id, rep) = app.user("rep@east.test", Role::SalesRep, Some(&east)).await;
        let (_, west_rep) = app.user("rep@west.test", Role::SalesRep, Some(&west)).await;
        let west_co = app
            .customer(
                &west_rep,
                json!({"name": "Westco Secret", "kind": "company"}),
            )
            .await;
        let mine = app.customer(&rep, json!({"name": "Mine"})).await;
        // Linking another team's company by PATCH says no such company, as create does.
        let r = app
            .patch(
                &format!("/api/v1/customers/{}", id_of(&mine)),
                &rep,
                json!({"company_id": west_co["id"]}),
            )
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(codes(&r), vec!["company_id:unknown_company"]);
        let r = app
            .post(
                "/api/v1/customers",
                &rep,
                json!({"name": "Other", "company_id": west_co["id"]}),
            )
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(codes(&r), vec!["company_id:unknown_company"]);

        // A viewer key acting for a sales rep would read every team's records: refused.
        let r = app
            .post(
                "/api/v1/api-keys",
                &app.admin,
                json!({"name": "ro", "role": "viewer", "user_id": rep_id}),
            )
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(codes(&r), vec!["role:above_user_role"]);
        // A sales-rep key for the rep works, within the rep's team.
        let r = app
            .post(
                "/api/v1/api-keys",
                &app.admin,
                json!({"name": "rep", "role": "sales_rep", "user_id": rep_id}),
            )
            .await
            .expect(StatusCode::CREATED);
        let key = r.body["secret"].as_str().unwrap().to_owned();
        app.get(&format!("/api/v1/customers/{}", id_of(&mine)), &key)
            .await
            .expect(StatusCode::OK);
        app.get(&format!("/api/v1/customers/{}", id_of(&west_co)), &key)
            .await
            .expect(StatusCode::NOT_FOUND);
    })
    .await;
}

/// Numbers the events, fans them out to the webhooks and returns the id of webhook `hook`'s
/// newest delivery.
async fn first_delivery(app: &TestApp, hook: &str) -> String {
    let worker = nexus_api::webhook_delivery::worker(&app.state);
    app.state.store.sequence_events(1000).await.unwrap();
    while worker.fan_out().await.unwrap() > 0 {}
    let list = app
        .get(&format!("/api/v1/webhooks/{hook}/deliveries"), &app.admin)
        .await
        .expect(StatusCode::OK);
    id_of(&list.body["data"][0])
}

/// The rejected rows of an import job.
async fn rejected(app: &TestApp, job: &str) -> Vec<Value> {
    let url = format!("/api/v1/imports/{job}/rejections");
    app.get(&url, &app.admin).await.expect(StatusCode::OK).body["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn erasure_reaches_webhook_payloads_and_rejected_import_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    on_backends_with(
        move |c| {
            c.imports.dir = path.clone();
            c.webhooks.allow_private_targets = true;
        },
        |app| async move {
            let r = app
                .post(
                    "/api/v1/webhooks",
                    &app.admin,
                    json!({"url": "http://127.0.0.1:9/hook", "events": ["customer.created"]}),
                )
                .await
                .expect(StatusCode::CREATED);
            let hook = id_of(&r.body);
            let erin = app
                .customer(
                    &app.admin,
                    json!({"name": "Erin Example", "email": "erin@private.example"}),
                )
                .await;
            let id = id_of(&erin);

            // Rejected rows: a duplicate of Erin (her e-mail), one without a name, one with a NUL.
            let csv =
                "Name,Email\nErin Again, ERIN@private.example\n,noname@x.io\nNul,nul\u{0}@x.io\n";
            let job = upload_as(&app, &app.admin, csv, "text/csv", "customers")
                .await
                .expect(StatusCode::CREATED)
                .body;
            let job = id_of(&job);
            app.post(
                &format!("/api/v1/imports/{job}/start"),
                &app.admin,
                json!({}),
            )
            .await
            .expect(StatusCode::ACCEPTED);
            run_next(&app).await;
            let before = rejected(&app, &job).await;
            assert_eq!(before.len(), 3, "{before:?}");
            assert_eq!(
                before[2]["errors"][0]["code"], "nul_character",
                "{before:?}"
            );

            let delivery = first_delivery(&app, &hook).await;
            let url = format!("/api/v1/webhook-deliveries/{delivery}");
            let d = app.get(&url, &app.admin).await.expect(StatusCode::OK).body;
            assert!(
                d["payload"]["data"]["changes"]
                    .to_string()
                    .contains("erin@private.example"),
                "{d}"
            );

            app.post(
                &format!("/api/v1/customers/{id}/erase"),
                &app.admin,
                json!({}),
            )
            .await
            .expect(StatusCode::OK);
            let d = app.get(&url, &app.admin).await.expect(StatusCode::OK).body;
            assert_eq!(d["payload"]["data"]["changes"], json!({}), "{d}");
            assert_eq!(
                d["payload"]["type"], "customer.created",
                "the envelope stays"
            );
            let after = rejected(&app, &job).await;
            let rows: Vec<i64> = after.iter().filter_map(|r| r["row"].as_i64()).collect();
            assert_eq!(
                rows,
                vec![3, 4],
                "Erin's row went, the others stay: {after:?}"
            );
        },
    )
    .await;
}

#[tokio::test]
async fn a_replay_waits_for_the_attempt_in_flight() {
    on_backends_with(
        |c| c.webhooks.allow_private_targets = true,
        |app| async move {
            let r = app
                .post(
                    "/api/v1/webhooks",
                    &app.admin,
                    json!({"url": "http://127.0.0.1:9/hook", "events": ["customer.created"]}),
                )
                .await
                .expect(StatusCode::CREATED);
            let hook = id_of(&r.body);
            app.customer(&app.admin, json!({"name": "In Flight Ltd"}))
                .await;
            let delivery = first_delivery(&app, &hook).await;
            // A dispatcher holds the delivery: its outcome would overwrite a replay.
            let now = nexus_core::time::now();
            let claimed = app
                .state
                .store
                .claim_deliveries(now, now + chrono::Duration::seconds(60), 10)
                .await
                .unwrap();
            assert_eq!(claimed.len(), 1);
            let url = format!("/api/v1/webhook-deliveries/{delivery}/replay");
            let r = app
                .post(&url, &app.admin, json!({}))
                .await
                .expect(StatusCode::CONFLICT);
            assert_eq!(r.body["code"], "delivery_in_flight");
        },
    )
    .await;
}

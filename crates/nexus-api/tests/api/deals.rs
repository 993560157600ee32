//! The deal contract: create with defaults, field-by-field 422s, ETags, status and stage rules
//! (won/lost with reason), kanban moves (also many at once), lists with filters and the board
//! order, soft delete and restore, stage history and events.

use crate::helpers::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use std::collections::HashSet;

/// The seeded pipeline's id and its stage ids in board order.
async fn sales(app: &TestApp) -> (String, Vec<String>) {
    let p = app.get("/api/v1/pipelines", &app.admin).await.body["data"][0].clone();
    let stages = p["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    (p["id"].as_str().unwrap().to_owned(), stages)
}

async fn new_deal(app: &TestApp, token: &str, body: Value) -> Value {
    app.post("/api/v1/deals", token, body)
        .await
        .expect(StatusCode::CREATED)
        .body
}

fn ids(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn create_read_update_delete_restore() {
    on_backends(|app| async move {
        let (pipeline, stages) = sales(&app).await;
        let c = app.customer(&app.admin, json!({"name": "Acme"})).await;
        let r = app
            .call_with(Method::POST, "/api/v1/deals", Some(&app.admin),
                Some(json!({"title": "Acme renewal", "customer_id": c["id"], "value": 1_250_000, "currency": "eur", "expected_close_date": "2026-09-30"})),
                &[("idempotency-key", "deal-1")])
            .await
            .expect(StatusCode::CREATED);
        let id = r.body["id"].as_str().unwrap().to_owned();
        assert_eq!(r.header("location"), Some(format!("/api/v1/deals/{id}").as_str()));
        let etag = r.header("etag").unwrap().to_owned();
        assert_eq!(r.body["pipeline_id"], json!(pipeline));
        assert_eq!(r.body["stage_id"], json!(stages[0]));
        assert_eq!(r.body["status"], "open");
        assert_eq!(r.body["currency"], "EUR");
        assert_eq!(r.body["value"], 1_250_000);
        assert_eq!(r.body["expected_close_date"], "2026-09-30");
        let replay = app
            .call_with(Method::POST, "/api/v1/deals", Some(&app.admin),
                Some(json!({"title": "Acme renewal", "customer_id": c["id"], "value": 1_250_000, "currency": "eur", "expected_close_date": "2026-09-30"})),
                &[("idempotency-key", "deal-1")])
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(replay.body["id"], r.body["id"]);
        assert_eq!(replay.header("idempotent-replayed"), Some("true"));

        let g = app.get(&format!("/api/v1/deals/{id}"), &app.admin).await.expect(StatusCode::OK);
        assert_eq!(g.body, r.body);
        let nm = app.call_with(Method::GET, &format!("/api/v1/deals/{id}"), Some(&app.admin), None, &[("if-none-match", &etag)]).await;
        assert_eq!(nm.status, StatusCode::NOT_MODIFIED);
        let p = app
            .call_with(Method::PATCH, &format!("/api/v1/deals/{id}"), Some(&app.admin), Some(json!({"title": "Acme renewal 2027", "expected_close_date": null})), &[("if-match", &etag)])
            .await
            .expect(StatusCode::OK);
        assert_eq!(p.body["version"], 2);
        assert_eq!(p.body["expected_close_date"], Value::Null);
        assert_eq!(p.body["position"], r.body["position"]);
        app.call_with(Method::PATCH, &format!("/api/v1/deals/{id}"), Some(&app.admin), Some(json!({"value": 1})), &[("if-match", &etag)])
            .await
            .expect(StatusCode::PRECONDITION_FAILED);
        // A malformed If-Match is an invalid request, not a stale one.
        for bad in ["", "not-an-etag"] {
            let r = app.call_with(Method::PATCH, &format!("/api/v1/deals/{id}"), Some(&app.admin), Some(json!({"value": 1})), &[("if-match", bad)]).await;
            assert_eq!(r.expect(StatusCode::UNPROCESSABLE_ENTITY).body["errors"][0]["field"], "If-Match");
        }

        // Won: the deal moves to the Won stage, closes, and the stage history says so.
        let won = app.patch(&format!("/api/v1/deals/{id}"), &app.admin, json!({"status": "won"})).await.expect(StatusCode::OK);
        assert_eq!(won.body["stage_id"], json!(stages[4]));
        assert!(won.body["closed_at"].is_string());
        // Lost needs a reason; with one it moves to Lost; reopening clears reason and close time.
        let r = app.patch(&format!("/api/v1/deals/{id}"), &app.admin, json!({"status": "lost"})).await;
        assert_eq!(r.expect(StatusCode::UNPROCESSABLE_ENTITY).body["errors"][0]["field"], "lost_reason");
        let lost = app.patch(&format!("/api/v1/deals/{id}"), &app.admin, json!({"status": "lost", "lost_reason": "Budget cut"})).await.expect(StatusCode::OK);
        assert_eq!((lost.body["stage_id"].clone(), lost.body["lost_reason"].clone()), (json!(stages[5]), json!("Budget cut")));
        let r = app.patch(&format!("/api/v1/deals/{id}"), &app.admin, json!({"stage_id": stages[2], "status": "won"})).await;
        assert_eq!(r.expect(StatusCode::UNPROCESSABLE_ENTITY).body["errors"][0]["code"], "stage_mismatch");
        let reopened = app.patch(&format!("/api/v1/deals/{id}"), &app.admin, json!({"stage_id": stages[2]})).await.expect(StatusCode::OK);
        assert_eq!(reopened.body["status"], "open");
        assert_eq!(reopened.body["lost_reason"], Value::Null);
        assert_eq!(reopened.body["closed_at"], Value::Null);
        let r = app.patch(&format!("/api/v1/deals/{id}"), &app.admin, json!({"lost_reason": "n/a"})).await;
        assert_eq!(r.expect(StatusCode::UNPROCESSABLE_ENTITY).body["errors"][0]["code"], "not_allowed");
        let h = app.get(&format!("/api/v1/deals/{id}/stage-history"), &app.admin).await.expect(StatusCode::OK);
        let path: Vec<(Value, Value)> = h.body["data"].as_array().unwrap().iter().map(|c| (c["from_stage_name"].clone(), c["to_stage_name"].clone())).collect();
        assert_eq!(path, vec![
            (Value::Null, json!("Lead-in")), (json!("Lead-in"), json!("Won")), (json!("Won"), json!("Lost")), (json!("Lost"), json!("Proposal")),
        ]);
        let page = app.get(&format!("/api/v1/deals/{id}/stage-history?limit=3"), &app.admin).await.expect(StatusCode::OK);
        let next = page.body["next_cursor"].as_str().unwrap().to_owned();
        let rest = app.get(&format!("/api/v1/deals/{id}/stage-history?limit=3&cursor={next}"), &app.admin).await.expect(StatusCode::OK);
        assert_eq!(rest.body["data"][0]["to_stage_name"], "Proposal");
        let events = app.get(&format!("/api/v1/deals/{id}/history"), &app.admin).await.expect(StatusCode::OK);
        let types: Vec<&str> = events.body["data"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(types, vec!["deal.created", "deal.updated", "deal.stage_changed", "deal.stage_changed", "deal.stage_changed"]);

        app.delete(&format!("/api/v1/deals/{id}"), &app.admin).await.expect(StatusCode::NO_CONTENT);
        app.get(&format!("/api/v1/deals/{id}"), &app.admin).await.expect(StatusCode::NOT_FOUND);
        let deleted = app.get("/api/v1/deals?deleted=only", &app.admin).await.expect(StatusCode::OK);
        assert_eq!(ids(&deleted.body), vec![id.clone()]);
        let back = app.post(&format!("/api/v1/deals/{id}/restore"), &app.admin, json!({})).await.expect(StatusCode::OK);
        assert_eq!(back.body["deleted_at"], Value::Null);
        app.get("/api/v1/deals/not-a-uuid", &app.admin).await.expect(StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn deal_input_is_validated_field_by_field() {
    on_backends(|app| async move {
        let (_, stages) = sales(&app).await;
        let r = app
            .post("/api/v1/deals", &app.admin, json!({"title": "", "value": 12.5, "currency": "EURO", "expected_close_date": "31/12/2026", "status": "pending", "extra": 1}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<String> = r.body["errors"].as_array().unwrap().iter().map(|e| format!("{}:{}", e["field"].as_str().unwrap(), e["code"].as_str().unwrap())).collect();
        assert_eq!(fields, vec![
            "title:required", "customer_id:required", "value:invalid_type", "currency:too_long",
            "status:invalid_choice", "expected_close_date:invalid_date", "extra:unknown_field",
        ]);
        let c = app.customer(&app.admin, json!({"name": "Validated"})).await;
        let base = |extra: Value| {
            let mut b = json!({"title": "T", "customer_id": c["id"], "currency": "USD"});
            b.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            b
        };
        for (extra, field, code) in [
            (json!({"customer_id": uuid::Uuid::now_v7()}), "customer_id", "unknown_customer"),
            (json!({"currency": "XYZ"}), "currency", "invalid_currency"),
            (json!({"value": -1}), "value", "out_of_range"),
            (json!({"value": 9_007_199_254_740_992_i64}), "value", "out_of_range"),
            (json!({"stage_id": uuid::Uuid::now_v7()}), "stage_id", "unknown_stage"),
            (json!({"pipeline_id": uuid::Uuid::now_v7()}), "pipeline_id", "unknown_pipeline"),
            (json!({"status": "lost"}), "lost_reason", "required"),
            (json!({"status": "won", "stage_id": stages[0]}), "status", "stage_mismatch"),
            (json!({"lost_reason": "why"}), "lost_reason", "not_allowed"),
            (json!({"owner_id": uuid::Uuid::now_v7()}), "owner_id", "unknown_user"),
        ] {
            let r = app.post("/api/v1/deals", &app.admin, base(extra.clone())).await;
            let r = r.expect(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!((r.body["errors"][0]["field"].as_str(), r.body["errors"][0]["code"].as_str()), (Some(field), Some(code)), "{extra}");
        }
        // A deal created won or lost starts in that stage, closed.
        let lost = new_deal(&app, &app.admin, base(json!({"status": "lost", "lost_reason": "Too late"}))).await;
        assert_eq!(lost["stage_id"], json!(stages[5]));
        assert!(lost["closed_at"].is_string());
        let d = new_deal(&app, &app.admin, base(json!({}))).await;
        let id = d["id"].as_str().unwrap();
        let r = app.patch(&format!("/api/v1/deals/{id}"), &app.admin, json!({"position": 1, "title": null})).await;
        let r = r.expect(StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["title", "position"]);
        let r = app.post(&format!("/api/v1/deals/{id}/move"), &app.admin, json!({"stage_id": stages[1], "before_id": id})).await;
        assert_eq!(r.expect(StatusCode::UNPROCESSABLE_ENTITY).body["errors"][0]["code"], "self_reference");
        let r = app.post(&format!("/api/v1/deals/{id}/move"), &app.admin, json!({"stage_id": stages[1], "after_id": lost["id"]})).await;
        assert_eq!(r.expect(StatusCode::UNPROCESSABLE_ENTITY).body["errors"][0]["code"], "not_in_stage");
        let r = app.post(&format!("/api/v1/deals/{id}/move"), &app.admin, json!({"stage_id": stages[5]})).await;
        assert_eq!(r.expect(StatusCode::UNPROCESSABLE_ENTITY).body["errors"][0]["field"], "lost_reason");
        for q in ["colour=red", "status=pending", "expected_close_from=tomorrow", "sort=position", "owner_id=me", "limit=0"] {
            app.get(&format!("/api/v1/deals?{q}"), &app.admin).await.expect(StatusCode::UNPROCESSABLE_ENTITY);
        }
    })
    .await;
}

#[tokio::test]
async fn moves_order_the_board_and_lists_filter() {
    on_backends(|app| async move {
        let (pipeline, stages) = sales(&app).await;
        let team = app.team("Board team").await;
        let (rep, rep_token) = app.user("board.rep@test.local", nexus_core::auth::Role::SalesRep, Some(&team)).await;
        let c1 = app.customer(&app.admin, json!({"name": "C1"})).await;
        let c2 = app.customer(&rep_token, json!({"name": "C2"})).await;
        let mut d = Vec::new();
        for (i, (c, token, close)) in [(&c1, &app.admin, "2026-01-15"), (&c1, &app.admin, "2026-03-01"), (&c2, &rep_token, "2026-02-10"), (&c2, &rep_token, "2026-12-01")].iter().enumerate() {
            let body = json!({"title": format!("Deal {i} Widget"), "customer_id": c["id"], "currency": "EUR", "value": (4 - i) * 100, "expected_close_date": close});
            d.push(new_deal(&app, token, body).await["id"].as_str().unwrap().to_owned());
        }
        let mv = |id: &str, body: Value| {
            let app = &app;
            let path = format!("/api/v1/deals/{id}/move");
            async move { app.post(&path, &app.admin, body).await.expect(StatusCode::OK).body }
        };
        // Lead-in: d0 d1 d2 d3 → d3 to the top, d0 below d1, d2 to Qualified.
        mv(&d[3], json!({"stage_id": stages[0], "before_id": d[0]})).await;
        mv(&d[0], json!({"stage_id": stages[0], "after_id": d[1]})).await;
        let moved = mv(&d[2], json!({"stage_id": stages[1]})).await;
        assert_eq!(moved["stage_id"], json!(stages[1]));
        let board = app.get(&format!("/api/v1/deals?pipeline_id={pipeline}&sort=stage"), &app.admin).await.expect(StatusCode::OK);
        assert_eq!(ids(&board.body), vec![d[3].clone(), d[1].clone(), d[0].clone(), d[2].clone()]);
        let reversed = app.get(&format!("/api/v1/deals?pipeline_id={pipeline}&sort=-stage&limit=3"), &app.admin).await.expect(StatusCode::OK);
        assert_eq!(ids(&reversed.body), vec![d[2].clone(), d[0].clone(), d[1].clone()]);
        let cursor = reversed.body["next_cursor"].as_str().unwrap();
        let rest = app.get(&format!("/api/v1/deals?pipeline_id={pipeline}&sort=-stage&limit=3&cursor={cursor}"), &app.admin).await.expect(StatusCode::OK);
        assert_eq!(ids(&rest.body), vec![d[3].clone()]);
        let events = app.get(&format!("/api/v1/deals/{}/history", d[3]), &app.admin).await.expect(StatusCode::OK);
        assert_eq!(events.body["data"][1]["type"], "deal.moved");
        let events = app.get(&format!("/api/v1/deals/{}/history", d[2]), &app.admin).await.expect(StatusCode::OK);
        assert_eq!(events.body["data"][1]["type"], "deal.stage_changed");
        assert_eq!(events.body["data"][1]["changes"]["stage_id"]["after"], json!(stages[1]));

        // Filters.
        let q = |query: String| {
            let app = &app;
            async move { ids(&app.get(&format!("/api/v1/deals?{query}&sort=created_at"), &app.admin).await.expect(StatusCode::OK).body) }
        };
        assert_eq!(q(format!("stage_id={}", stages[1])).await, vec![d[2].clone()]);
        assert_eq!(q(format!("owner_id={rep}")).await, vec![d[2].clone(), d[3].clone()]);
        assert_eq!(q(format!("team_id={team}")).await, vec![d[2].clone(), d[3].clone()]);
        assert_eq!(q(format!("customer_id={}", c1["id"].as_str().unwrap())).await, vec![d[0].clone(), d[1].clone()]);
        assert_eq!(q("expected_close_from=2026-02-10&expected_close_to=2026-03-01".into()).await, vec![d[1].clone(), d[2].clone()]);
        assert_eq!(q("q=1%20WIDGET".into()).await, vec![d[1].clone()]);
        assert_eq!(q("status=won,lost".into()).await, Vec::<String>::new());
        app.patch(&format!("/api/v1/deals/{}", d[1]), &app.admin, json!({"status": "won"})).await.expect(StatusCode::OK);
        assert_eq!(q("status=won,lost".into()).await, vec![d[1].clone()]);
        assert_eq!(q("status=open".into()).await, vec![d[0].clone(), d[2].clone(), d[3].clone()]);
        // Sorts with keyset pages.
        let by_value = app.get("/api/v1/deals?sort=-value&limit=2", &app.admin).await.expect(StatusCode::OK);
        assert_eq!(ids(&by_value.body), vec![d[0].clone(), d[1].clone()]);
        let next = by_value.body["next_cursor"].as_str().unwrap();
        let by_value = app.get(&format!("/api/v1/deals?sort=-value&limit=2&cursor={next}"), &app.admin).await.expect(StatusCode::OK);
        assert_eq!(ids(&by_value.body), vec![d[2].clone(), d[3].clone()]);
        let undated = new_deal(&app, &app.admin, json!({"title": "Undated", "customer_id": c1["id"], "currency": "EUR"})).await;
        let by_close = app.get("/api/v1/deals?sort=expected_close_date", &app.admin).await.expect(StatusCode::OK);
        assert_eq!(ids(&by_close.body), vec![d[0].clone(), d[2].clone(), d[1].clone(), d[3].clone(), undated["id"].as_str().unwrap().to_owned()]);
        // The rep sees the team's deals only (theirs), and may not move the admin's.
        let mine = app.get("/api/v1/deals", &rep_token).await.expect(StatusCode::OK);
        assert_eq!(ids(&mine.body).into_iter().collect::<HashSet<_>>(), [d[2].clone(), d[3].clone()].into_iter().collect());
        app.post(&format!("/api/v1/deals/{}/move", d[0]), &rep_token, json!({"stage_id": stages[1]})).await.expect(StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn many_concurrent_moves_keep_the_board_consistent() {
    on_backends(|app| async move {
        let (pipeline, stages) = sales(&app).await;
        let c = app.customer(&app.admin, json!({"name": "Busy"})).await;
        let mut deals = Vec::new();
        for i in 0..10 {
            deals.push(
                new_deal(
                    &app,
                    &app.admin,
                    json!({"title": format!("B{i}"), "customer_id": c["id"], "currency": "EUR"}),
                )
                .await["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        // 60 moves at once: every deal, six times, to one of three stages, mostly right below
        // the first deal of the board (an anchor that may itself be moving).
        let requests = (0..60).map(|i| {
            let id = &deals[i % deals.len()];
            let anchor = &deals[(i * 7 + 3) % deals.len()];
            let body = match i % 3 {
                0 => json!({"stage_id": stages[i % 3]}),
                _ if anchor != id => json!({"stage_id": stages[i % 3], "after_id": anchor}),
                _ => json!({"stage_id": stages[i % 3]}),
            };
            let req = Request::builder()
                .method(Method::POST)
                .uri(format!("/api/v1/deals/{id}/move"))
                .header("authorization", format!("Bearer {}", app.admin))
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap();
            app.raw(req)
        });
        let results = futures::future::join_all(requests).await;
        let mut ok = 0;
        for r in &results {
            match r.status.as_u16() {
                200 => ok += 1,
                // The anchor had left the target stage by the time the move ran.
                422 => assert_eq!(r.body["errors"][0]["code"], "not_in_stage", "{}", r.body),
                other => panic!("unexpected {other}: {}", r.body),
            }
        }
        assert!(ok >= 20, "{ok} moves succeeded");
        let board = app
            .get(
                &format!("/api/v1/deals?pipeline_id={pipeline}&sort=stage&limit=500"),
                &app.admin,
            )
            .await
            .expect(StatusCode::OK);
        let rows = board.body["data"].as_array().unwrap();
        assert_eq!(rows.len(), deals.len());
        let mut seen = HashSet::new();
        for w in rows.windows(2) {
            let key = |d: &Value| {
                (
                    stages
                        .iter()
                        .position(|s| d["stage_id"] == json!(s))
                        .unwrap(),
                    d["position"].as_i64().unwrap(),
                )
            };
            assert!(
                key(&w[0]) < key(&w[1]),
                "board order is total: {} then {}",
                w[0],
                w[1]
            );
        }
        for d in rows {
            assert!(seen.insert(d["id"].as_str().unwrap().to_owned()));
            let one = app
                .get(
                    &format!("/api/v1/deals/{}", d["id"].as_str().unwrap()),
                    &app.admin,
                )
                .await
                .expect(StatusCode::OK);
            assert_eq!(
                (one.body["stage_id"].clone(), one.body["position"].clone()),
                (d["stage_id"].clone(), d["position"].clone())
            );
        }
    })
    .await;
}

//! The customer contract of api.md: create, ETags, If-Match, soft delete and restore, batch,
//! idempotency, lists (filters, sort, search, keyset cursors), history and the event bus.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use nexus_core::auth::Role;
use serde_json::{Value, json};
use std::collections::HashSet;

#[tokio::test]
async fn create_read_update_delete_restore() {
    on_backends(|app| async move {
        let r = app.post("/api/v1/customers", &app.admin, json!({"name": "Ada Lovelace", "email": "Ada@Example.com", "tags": ["VIP"], "attributes": {"city": "London"}})).await;
        let r = r.expect(StatusCode::CREATED);
        let id = r.body["id"].as_str().unwrap().to_owned();
        assert_eq!(r.header("location"), Some(format!("/api/v1/customers/{id}").as_str()));
        let etag = r.header("etag").unwrap().to_owned();
        assert_eq!(r.body["tags"], json!(["vip"]));
        assert_eq!(r.body["attributes"]["city"], "London");
        assert_eq!(r.body["status"], "lead");

        let g = app.get(&format!("/api/v1/customers/{id}"), &app.admin).await.expect(StatusCode::OK);
        assert_eq!(g.header("etag"), Some(etag.as_str()));
        assert_eq!(g.body, r.body);
        let nm = app.call_with(Method::GET, &format!("/api/v1/customers/{id}"), Some(&app.admin), None, &[("if-none-match", &etag)]).await;
        assert_eq!(nm.status, StatusCode::NOT_MODIFIED);

        let p = app
            .call_with(Method::PATCH, &format!("/api/v1/customers/{id}"), Some(&app.admin), Some(json!({"status": "customer", "phone": "+44 20 7946 0000"})), &[("if-match", &etag)])
            .await
            .expect(StatusCode::OK);
        assert_eq!(p.body["version"], 2);
        assert_ne!(p.header("etag"), Some(etag.as_str()));
        // A write based on the old ETag is refused.
        let stale = app.call_with(Method::PATCH, &format!("/api/v1/customers/{id}"), Some(&app.admin), Some(json!({"name": "Other"})), &[("if-match", &etag)]).await;
        stale.expect(StatusCode::PRECONDITION_FAILED);
        // Clearing with null; unknown fields and read-only fields are 422 with their names.
        let c = app.patch(&format!("/api/v1/customers/{id}"), &app.admin, json!({"phone": null})).await.expect(StatusCode::OK);
        assert_eq!(c.body["phone"], Value::Null);
        let bad = app.patch(&format!("/api/v1/customers/{id}"), &app.admin, json!({"kind": "company", "colour": "red", "email": "nope"})).await;
        let fields: Vec<String> = bad.expect(StatusCode::UNPROCESSABLE_ENTITY).body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
        assert_eq!(fields, vec!["email", "kind", "colour"]);

        app.delete(&format!("/api/v1/customers/{id}"), &app.admin).await.expect(StatusCode::NO_CONTENT);
        app.get(&format!("/api/v1/customers/{id}"), &app.admin).await.expect(StatusCode::NOT_FOUND);
        let deleted = app.get("/api/v1/customers?deleted=only", &app.admin).await.expect(StatusCode::OK);
        assert_eq!(deleted.body["data"].as_array().unwrap().len(), 1);
        let back = app.post(&format!("/api/v1/customers/{id}/restore"), &app.admin, json!({})).await.expect(StatusCode::OK);
        assert_eq!(back.body["deleted_at"], Value::Null);
        app.get(&format!("/api/v1/customers/{id}"), &app.admin).await.expect(StatusCode::OK);
        app.get("/api/v1/customers/not-a-uuid", &app.admin).await.expect(StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn emails_are_unique_case_insensitively_among_live_customers() {
    on_backends(|app| async move {
        let a = app
            .customer(&app.admin, json!({"name": "A", "email": "dup@example.com"}))
            .await;
        let r = app
            .post(
                "/api/v1/customers",
                &app.admin,
                json!({"name": "B", "email": "DUP@example.COM"}),
            )
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(r.body["code"], "email_taken");
        assert_eq!(r.body["errors"][0]["field"], "email");
        app.delete(
            &format!("/api/v1/customers/{}", a["id"].as_str().unwrap()),
            &app.admin,
        )
        .await
        .expect(StatusCode::NO_CONTENT);
        app.post(
            "/api/v1/customers",
            &app.admin,
            json!({"name": "B", "email": "DUP@example.COM"}),
        )
        .await
        .expect(StatusCode::CREATED);
        // Restoring the first one would duplicate the email.
        app.post(
            &format!("/api/v1/customers/{}/restore", a["id"].as_str().unwrap()),
            &app.admin,
            json!({}),
        )
        .await
        .expect(StatusCode::CONFLICT);
    })
    .await;
}

#[tokio::test]
async fn people_belong_to_companies() {
    on_backends(|app| async move {
        let co = app
            .customer(&app.admin, json!({"name": "Initech", "kind": "company"}))
            .await;
        let co_id = co["id"].as_str().unwrap();
        let p = app
            .customer(&app.admin, json!({"name": "Peter", "company_id": co_id}))
            .await;
        assert_eq!(p["company_name"], "Initech");
        let list = app
            .get(&format!("/api/v1/customers?company_id={co_id}"), &app.admin)
            .await
            .expect(StatusCode::OK);
        assert_eq!(list.body["data"][0]["id"], p["id"]);
        let bad = app
            .post(
                "/api/v1/customers",
                &app.admin,
                json!({"name": "Q", "company_id": p["id"]}),
            )
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.body["errors"][0]["code"], "unknown_company");
        let bad = app
            .post(
                "/api/v1/customers",
                &app.admin,
                json!({"name": "Sub", "kind": "company", "company_id": co_id}),
            )
            .await;
        bad.expect(StatusCode::UNPROCESSABLE_ENTITY);
    })
    .await;
}

#[tokio::test]
async fn idempotency_key_replays_the_first_response() {
    on_backends(|app| async move {
        let body = json!({"name": "Once", "email": "once@example.com"});
        let h = [("idempotency-key", "k-123")];
        let first = app
            .call_with(
                Method::POST,
                "/api/v1/customers",
                Some(&app.admin),
                Some(body.clone()),
                &h,
            )
            .await
            .expect(StatusCode::CREATED);
        let again = app
            .call_with(
                Method::POST,
                "/api/v1/customers",
                Some(&app.admin),
                Some(body.clone()),
                &h,
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(first.body, again.body);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.header("location"), first.header("location"));
        let other = app
            .call_with(
                Method::POST,
                "/api/v1/customers",
                Some(&app.admin),
                Some(json!({"name": "Different"})),
                &h,
            )
            .await;
        assert_eq!(
            other.expect(StatusCode::UNPROCESSABLE_ENTITY).body["code"],
            "idempotency_key_reused"
        );
        let list = app
            .get("/api/v1/customers", &app.admin)
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            list.body["data"].as_array().unwrap().len(),
            1,
            "the retry created a duplicate"
        );
        // A failed request does not burn its key.
        let h2 = [("idempotency-key", "k-456")];
        app.call_with(
            Method::POST,
            "/api/v1/customers",
            Some(&app.admin),
            Some(json!({"name": ""})),
            &h2,
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
        app.call_with(
            Method::POST,
            "/api/v1/customers",
            Some(&app.admin),
            Some(json!({"name": "Fixed"})),
            &h2,
        )
        .await
        .expect(StatusCode::CREATED);
    })
    .await;
}

#[tokio::test]
async fn batch_is_all_or_nothing_with_item_errors() {
    on_backends(|app| async move {
        app.customer(
            &app.admin,
            json!({"name": "Existing", "email": "taken@example.com"}),
        )
        .await;
        let items: Vec<Value> = (0..12)
            .map(|i| json!({"name": format!("P{i}"), "email": format!("p{i}@example.com")}))
            .collect();
        let mut bad = items.clone();
        bad[3] = json!({"name": "", "email": "x"});
        bad[7] = json!({"name": "Dup", "email": "taken@example.com"});
        bad[10] = json!({"name": "Twin", "email": "P0@example.com"});
        let r = app
            .post("/api/v1/customers/batch", &app.admin, json!({"items": bad}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<String> = r.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            fields,
            vec![
                "items[3].name",
                "items[3].email",
                "items[7].email",
                "items[10].email"
            ]
        );
        let list = app
            .get("/api/v1/customers", &app.admin)
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            list.body["data"].as_array().unwrap().len(),
            1,
            "a failed batch wrote something"
        );
        let ok = app
            .post(
                "/api/v1/customers/batch",
                &app.admin,
                json!({"items": items}),
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(ok.body["data"].as_array().unwrap().len(), 12);
        let too_many: Vec<Value> = (0..1001)
            .map(|i| json!({"name": format!("N{i}")}))
            .collect();
        app.post(
            "/api/v1/customers/batch",
            &app.admin,
            json!({"items": too_many}),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
        app.post("/api/v1/customers/batch", &app.admin, json!({"items": []}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
    })
    .await;
}

async fn all_pages(app: &TestApp, query: &str, limit: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let sep = if query.is_empty() { "" } else { "&" };
        let url = match &cursor {
            Some(c) => format!("/api/v1/customers?{query}{sep}limit={limit}&cursor={c}"),
            None => format!("/api/v1/customers?{query}{sep}limit={limit}"),
        };
        let r = app.get(&url, &app.admin).await.expect(StatusCode::OK);
        let page = r.body["data"].as_array().unwrap().clone();
        assert!(page.len() <= limit);
        out.extend(page);
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
    panic!("pagination did not end");
}

#[tokio::test]
async fn keyset_pages_filters_sorting_and_search() {
    on_backends(|app| async move {
        let statuses = ["lead", "prospect", "customer", "churned"];
        let items: Vec<Value> = (0..40)
            .map(|i| {
                json!({"name": format!("Person {:02}", (i * 7) % 40), "email": format!("user{i}@corp{}.test", i % 3),
                    "status": statuses[i % 4], "tags": if i % 5 == 0 { json!(["vip"]) } else { json!([]) },
                    "phone": format!("+1 555 {:04}", i)})
            })
            .collect();
        app.post("/api/v1/customers/batch", &app.admin, json!({"items": items})).await.expect(StatusCode::CREATED);
        for (sort, key) in [("name", "name"), ("-name", "name"), ("created_at", "created_at"), ("-updated_at", "updated_at"), ("email", "email")] {
            let all = all_pages(&app, &format!("sort={sort}"), 7).await;
            assert_eq!(all.len(), 40, "sort {sort}");
            let ids: HashSet<&str> = all.iter().map(|c| c["id"].as_str().unwrap()).collect();
            assert_eq!(ids.len(), 40, "duplicates with sort {sort}");
            let sort_key = |c: &Value| {
                let v = c[key].as_str().unwrap_or("");
                match chrono::DateTime::parse_from_rfc3339(v) {
                    Ok(t) if key.ends_with("_at") => format!("{:020}", t.timestamp_micros()),
                    _ => v.to_lowercase(),
                }
            };
            let keys: Vec<(String, String)> = all.iter().map(|c| (sort_key(c), c["id"].as_str().unwrap().to_owned())).collect();
            let mut sorted = keys.clone();
            sorted.sort();
            if sort.starts_with('-') {
                sorted.reverse();
            }
            if key != "name" {
                assert_eq!(keys, sorted, "order with sort {sort}");
            } else {
                let names: Vec<&String> = keys.iter().map(|k| &k.0).collect();
                let mut s: Vec<&String> = names.clone();
                s.sort();
                if sort.starts_with('-') {
                    s.reverse();
                }
                assert_eq!(names, s, "order with sort {sort}");
            }
        }
        assert_eq!(all_pages(&app, "status=customer", 3).await.len(), 10);
        assert_eq!(all_pages(&app, "status=customer,churned", 50).await.len(), 20);
        assert_eq!(all_pages(&app, "tag=VIP", 50).await.len(), 8);
        assert_eq!(all_pages(&app, "q=corp1", 50).await.len(), 13);
        assert_eq!(all_pages(&app, "q=PERSON%2007", 50).await.len(), 1);
        assert_eq!(all_pages(&app, "q=555%200012", 50).await.len(), 1);
        assert_eq!(all_pages(&app, "q=%25", 50).await.len(), 0);
        let bad = app.get("/api/v1/customers?limit=501&sort=colour&status=gone&created_after=yesterday&cursor=zzz&extra=1", &app.admin).await;
        let fields: Vec<String> = bad.expect(StatusCode::UNPROCESSABLE_ENTITY).body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
        assert_eq!(fields, vec!["extra"]);
        let bad = app.get("/api/v1/customers?limit=501&sort=colour&status=gone&created_after=yesterday&cursor=zzz", &app.admin).await;
        let fields: HashSet<String> = bad.expect(StatusCode::UNPROCESSABLE_ENTITY).body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
        assert_eq!(fields, ["limit", "sort", "status", "created_after", "cursor"].into_iter().map(String::from).collect());
        let default_page = app.get("/api/v1/customers", &app.admin).await.expect(StatusCode::OK);
        assert_eq!(default_page.body["data"].as_array().unwrap().len(), 40);
        let future = app.get("/api/v1/customers?created_after=2999-01-01T00:00:00Z", &app.admin).await.expect(StatusCode::OK);
        assert_eq!(future.body["data"].as_array().unwrap().len(), 0);
    })
    .await;
}

#[tokio::test]
async fn history_records_every_change_and_the_bus_publishes_in_order() {
    on_backends(|app| async move {
        let mut rx = app.state.services.bus.subscribe();
        let stop = tokio_util::sync::CancellationToken::new();
        let tasks = nexus_api::spawn_background(&app.state, stop.clone());
        let c = app.customer(&app.admin, json!({"name": "Hist"})).await;
        let id = c["id"].as_str().unwrap();
        app.patch(
            &format!("/api/v1/customers/{id}"),
            &app.admin,
            json!({"name": "Hist 2", "tags": ["a"]}),
        )
        .await
        .expect(StatusCode::OK);
        app.delete(&format!("/api/v1/customers/{id}"), &app.admin)
            .await
            .expect(StatusCode::NO_CONTENT);
        let mut seen = Vec::new();
        while seen.len() < 3 {
            let ev = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
                .await
                .expect("no event published")
                .unwrap();
            if ev.entity == "customer" {
                seen.push(ev);
            }
        }
        let types: Vec<&str> = seen.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(
            types,
            vec!["customer.created", "customer.updated", "customer.deleted"]
        );
        let seqs: Vec<i64> = seen.iter().map(|e| e.seq.unwrap()).collect();
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "sequence not increasing: {seqs:?}"
        );
        let h = app
            .get(&format!("/api/v1/customers/{id}/history"), &app.admin)
            .await
            .expect(StatusCode::OK);
        let evs = h.body["data"].as_array().unwrap();
        assert_eq!(evs.len(), 3);
        assert_eq!(
            evs[1]["changes"]["name"],
            json!({"before": "Hist", "after": "Hist 2"})
        );
        assert_eq!(
            evs[1]["actor_id"],
            app.get("/api/v1/auth/me", &app.admin).await.body["id"]
        );
        let page = app
            .get(
                &format!("/api/v1/customers/{id}/history?limit=2"),
                &app.admin,
            )
            .await
            .expect(StatusCode::OK);
        let next = page.body["next_cursor"].as_str().unwrap().to_owned();
        let rest = app
            .get(
                &format!("/api/v1/customers/{id}/history?limit=2&cursor={next}"),
                &app.admin,
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(rest.body["data"][0]["type"], "customer.deleted");
        stop.cancel();
        for t in tasks {
            let _ = t.await;
        }
    })
    .await;
}

#[tokio::test]
async fn concurrent_updates_lose_nothing() {
    on_backends(|app| async move {
        let c = app
            .customer(&app.admin, json!({"name": "Busy", "attributes": {}}))
            .await;
        let id = c["id"].as_str().unwrap().to_owned();
        let app = std::sync::Arc::new(app);
        let mut handles = Vec::new();
        for i in 0..8 {
            let app = app.clone();
            let id = id.clone();
            handles.push(tokio::spawn(async move {
                app.patch(
                    &format!("/api/v1/customers/{id}"),
                    &app.admin,
                    json!({"tags": [format!("t{i}")]}),
                )
                .await
                .status
            }));
        }
        for h in handles {
            assert_eq!(h.await.unwrap(), StatusCode::OK);
        }
        let r = app
            .get(&format!("/api/v1/customers/{id}"), &app.admin)
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.body["version"], 9, "every update must apply exactly once");
        let h = app
            .get(&format!("/api/v1/customers/{id}/history"), &app.admin)
            .await
            .expect(StatusCode::OK);
        assert_eq!(h.body["data"].as_array().unwrap().len(), 9);
        let _ = Role::Admin;
    })
    .await;
}

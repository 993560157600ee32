//! The customer timeline: activities, transactions, deal changes and field changes merged newest
//! first, keyset pages without gaps or repeats, kind filters, and what each role may see.

use crate::helpers::*;
use axum::http::StatusCode;
use nexus_core::auth::Role;
use serde_json::{Value, json};
use std::collections::HashSet;

fn entries(body: &Value) -> Vec<(String, String)> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn timeline_merges_everything_newest_first_in_pages() {
    on_backends(|app| async move {
        let team = app.team("Timeline").await;
        let (_, rep) = app.user("rep@timeline.test", Role::SalesRep, Some(&team)).await;
        let (_, support) = app.user("support@timeline.test", Role::Support, None).await;
        let (_, other) = app.user("other@timeline.test", Role::SalesRep, None).await;
        let c = app.customer(&rep, json!({"name": "Timeline Co"})).await;
        let id = id_of(&c);
        let url = format!("/api/v1/customers/{id}/timeline");
        let p = app.product("TL-1", 400, "EUR").await;
        // An old sale first (occurred long ago), then the rest in order.
        app.transaction(&rep, json!({"customer_id": id, "status": "completed", "occurred_at": "2024-05-01T09:00:00Z",
            "items": [{"product_id": p["id"], "quantity": 2}]})).await;
        app.post("/api/v1/activities", &rep, json!({"kind": "call", "subject": "Intro call", "body": "Went well.", "customer_id": id}))
            .await
            .expect(StatusCode::CREATED);
        let deal = app
            .post("/api/v1/deals", &rep, json!({"title": "Pilot", "customer_id": id, "value": 900, "currency": "EUR"}))
            .await
            .expect(StatusCode::CREATED)
            .body;
        let board = app.get("/api/v1/pipelines", &rep).await.expect(StatusCode::OK).body;
        let second = board["data"][0]["stages"][1]["id"].clone();
        app.post(&format!("/api/v1/deals/{}/move", id_of(&deal)), &rep, json!({"stage_id": second}))
            .await
            .expect(StatusCode::OK);
        app.patch(&format!("/api/v1/customers/{id}"), &rep, json!({"status": "prospect"}))
            .await
            .expect(StatusCode::OK);

        let all = app.get(&url, &rep).await.expect(StatusCode::OK).body;
        let got = entries(&all);
        assert_eq!(got.first(), Some(&("customer".into(), "updated".into())), "{all}");
        assert_eq!(got.last(), Some(&("transaction".into(), "completed".into())), "{all}");
        assert!(got.contains(&("activity".into(), "call".into())));
        assert!(got.contains(&("customer".into(), "created".into())));
        let deal_actions: Vec<&str> = got.iter().filter(|(k, _)| k == "deal").map(|(_, a)| a.as_str()).collect();
        assert!(deal_actions.len() >= 2 && deal_actions.contains(&"created"), "{deal_actions:?}");
        let times: Vec<&str> = all["data"].as_array().unwrap().iter().map(|e| e["at"].as_str().unwrap()).collect();
        let mut sorted = times.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(times, sorted, "newest first");
        let sale = all["data"].as_array().unwrap().last().unwrap();
        assert_eq!((sale["amount"].as_i64(), sale["currency"].as_str()), (Some(800), Some("EUR")));
        let call = all["data"].as_array().unwrap().iter().find(|e| e["kind"] == "activity").unwrap();
        assert_eq!((call["title"].as_str(), call["excerpt"].as_str()), (Some("Intro call"), Some("Went well.")));

        // Pages of two walk the same entries, none twice.
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page_url = match &cursor {
                Some(c) => format!("{url}?limit=2&cursor={c}"),
                None => format!("{url}?limit=2"),
            };
            let page = app.get(&page_url, &rep).await.expect(StatusCode::OK).body;
            seen.extend(page["data"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()));
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let ids: Vec<String> = all["data"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(seen, ids);
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len());

        // Kind filter; support reads customers and activities but no deals.
        let only = app.get(&format!("{url}?kind=activity&kind=transaction"), &rep).await.expect(StatusCode::OK).body;
        assert_eq!(only["data"].as_array().unwrap().len(), 2);
        let s = app.get(&url, &support).await.expect(StatusCode::OK).body;
        assert!(entries(&s).iter().all(|(k, _)| k != "deal"), "{s}");
        assert_eq!(entries(&s).len(), got.len() - deal_actions.len());
        // A rep of another team cannot read the customer at all.
        app.get(&url, &other).await.expect(StatusCode::NOT_FOUND);

        for bad in ["kind=email", "limit=0", "cursor=nope"] {
            let r = app.get(&format!("{url}?{bad}"), &rep).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {}", r.body);
        }
    })
    .await;
}

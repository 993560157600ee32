//! The activity contract: links to customers and deals, done/completed rules, support agents,
//! assignees, "my open tasks", overdue and due ranges, ETags, soft delete and history.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use nexus_core::auth::Role;
use serde_json::{Value, json};

fn ids(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn activities_link_customers_and_deals() {
    on_backends(|app| async move {
        let team = app.team("Accounts").await;
        let (_, rep) = app.user("acc.rep@test.local", Role::SalesRep, Some(&team)).await;
        let c = app.customer(&rep, json!({"name": "Linked"})).await;
        let other = app.customer(&app.admin, json!({"name": "Other"})).await;
        let deal = app.post("/api/v1/deals", &rep, json!({"title": "D", "customer_id": c["id"], "currency": "EUR"})).await.expect(StatusCode::CREATED).body;

        // A note on the customer is done at once; a task on the deal is open, linked to its customer.
        let note = app
            .call_with(Method::POST, "/api/v1/activities", Some(&rep), Some(json!({"kind": "note", "subject": "Met at the fair", "body": "Interested in\nthe premium plan", "customer_id": c["id"]})), &[("idempotency-key", "act-1")])
            .await
            .expect(StatusCode::CREATED);
        let note_id = note.body["id"].as_str().unwrap().to_owned();
        assert_eq!(note.header("location"), Some(format!("/api/v1/activities/{note_id}").as_str()));
        assert_eq!((note.body["done"].clone(), note.body["completed_at"].is_string()), (json!(true), true));
        assert_eq!(note.body["team_id"], json!(team));
        let task = app.post("/api/v1/activities", &rep, json!({"kind": "task", "subject": "Send quote", "deal_id": deal["id"], "due_at": "2030-01-01T09:00:00+01:00"})).await.expect(StatusCode::CREATED);
        assert_eq!(task.body["customer_id"], c["id"]);
        assert_eq!(task.body["done"], false);
        assert_eq!(task.body["due_at"], "2030-01-01T08:00:00Z");

        // Field-by-field errors.
        let r = app.post("/api/v1/activities", &rep, json!({"kind": "fax", "subject": " ", "due_at": "soon", "done": "yes"})).await.expect(StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["kind", "subject", "due_at", "done"]);
        for (body, field, code) in [
            (json!({"kind": "call", "subject": "S"}), "customer_id", "required"),
            (json!({"kind": "call", "subject": "S", "customer_id": other["id"], "deal_id": deal["id"]}), "customer_id", "deal_customer_mismatch"),
            (json!({"kind": "call", "subject": "S", "customer_id": other["id"]}), "customer_id", "unknown_customer"),
            (json!({"kind": "call", "subject": "S", "deal_id": uuid::Uuid::now_v7()}), "deal_id", "unknown_deal"),
            (json!({"kind": "call", "subject": "S", "customer_id": c["id"], "assignee_id": uuid::Uuid::now_v7()}), "assignee_id", "unknown_user"),
            (json!({"kind": "call", "subject": "S", "customer_id": c["id"], "done": false, "completed_at": "2026-01-01T00:00:00Z"}), "completed_at", "not_allowed"),
            (json!({"kind": "call", "subject": "S", "customer_id": c["id"], "owner_id": uuid::Uuid::now_v7()}), "owner_id", "unknown_user"),
        ] {
            let r = app.post("/api/v1/activities", &rep, body.clone()).await.expect(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!((r.body["errors"][0]["field"].as_str(), r.body["errors"][0]["code"].as_str()), (Some(field), Some(code)), "{body}");
        }

        // Completing a task: ETag, If-Match, the completed event; reopening clears the time.
        let task_id = task.body["id"].as_str().unwrap().to_owned();
        let etag = task.header("etag").unwrap().to_owned();
        let done = app.call_with(Method::PATCH, &format!("/api/v1/activities/{task_id}"), Some(&rep), Some(json!({"done": true})), &[("if-match", &etag)]).await.expect(StatusCode::OK);
        assert!(done.body["completed_at"].is_string());
        app.call_with(Method::PATCH, &format!("/api/v1/activities/{task_id}"), Some(&rep), Some(json!({"subject": "x"})), &[("if-match", &etag)]).await.expect(StatusCode::PRECONDITION_FAILED);
        let open = app.patch(&format!("/api/v1/activities/{task_id}"), &rep, json!({"completed_at": null, "deal_id": null})).await.expect(StatusCode::OK);
        assert_eq!((open.body["done"].clone(), open.body["completed_at"].clone(), open.body["deal_id"].clone()), (json!(false), Value::Null, Value::Null));
        assert_eq!(open.body["customer_id"], c["id"]);
        let h = app.get(&format!("/api/v1/activities/{task_id}/history"), &rep).await.expect(StatusCode::OK);
        let types: Vec<&str> = h.body["data"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(types, vec!["activity.created", "activity.completed", "activity.updated"]);
        let r = app.patch(&format!("/api/v1/activities/{task_id}"), &rep, json!({"subject": null, "customer_id": null, "colour": 1})).await;
        let r = r.expect(StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["subject", "customer_id", "colour"]);

        // Listing by customer and deal; soft delete and restore.
        let by_customer = app.get(&format!("/api/v1/activities?customer_id={}&sort=created_at", c["id"].as_str().unwrap()), &rep).await.expect(StatusCode::OK);
        assert_eq!(ids(&by_customer.body), vec![note_id.clone(), task_id.clone()]);
        let by_deal = app.get(&format!("/api/v1/activities?deal_id={}", deal["id"].as_str().unwrap()), &rep).await.expect(StatusCode::OK);
        assert!(ids(&by_deal.body).is_empty());
        app.delete(&format!("/api/v1/activities/{note_id}"), &rep).await.expect(StatusCode::NO_CONTENT);
        app.get(&format!("/api/v1/activities/{note_id}"), &rep).await.expect(StatusCode::NOT_FOUND);
        let deleted = app.get("/api/v1/activities?deleted=only", &rep).await.expect(StatusCode::OK);
        assert_eq!(ids(&deleted.body), vec![note_id.clone()]);
        app.post(&format!("/api/v1/activities/{note_id}/restore"), &rep, json!({})).await.expect(StatusCode::OK);
        app.get(&format!("/api/v1/activities/{note_id}"), &rep).await.expect(StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn my_open_tasks_overdue_and_support_agents() {
    on_backends(|app| async move {
        let team_a = app.team("Team A").await;
        let team_b = app.team("Team B").await;
        let (rep_id, rep) = app.user("rep.a@test.local", Role::SalesRep, Some(&team_a)).await;
        let (_, rep_b) = app.user("rep.b@test.local", Role::SalesRep, Some(&team_b)).await;
        let (support_id, support) = app.user("support@test.local", Role::Support, None).await;
        let c = app.customer(&rep, json!({"name": "Support case"})).await;
        let past = (chrono::Utc::now() - chrono::Duration::hours(2)).to_rfc3339();
        let future = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
        let create = |token: &str, body: Value| {
            let app = &app;
            let token = token.to_owned();
            async move { app.post("/api/v1/activities", &token, body).await.expect(StatusCode::CREATED).body["id"].as_str().unwrap().to_owned() }
        };
        // The support agent logs a call and assigns the follow-up task to the rep.
        let call = create(&support, json!({"kind": "call", "subject": "Customer called", "customer_id": c["id"]})).await;
        let overdue = create(&support, json!({"kind": "task", "subject": "Call back", "customer_id": c["id"], "assignee_id": rep_id, "due_at": past})).await;
        let upcoming = create(&rep, json!({"kind": "task", "subject": "Prepare demo", "customer_id": c["id"], "due_at": future})).await;
        let delegated = create(&rep, json!({"kind": "meeting", "subject": "Handover", "customer_id": c["id"], "assignee_id": support_id})).await;
        let finished = create(&rep, json!({"kind": "task", "subject": "Old task", "customer_id": c["id"], "done": true})).await;

        let list = |token: &str, q: &str| {
            let app = &app;
            let (token, q) = (token.to_owned(), q.to_owned());
            async move { ids(&app.get(&format!("/api/v1/activities?{q}&sort=created_at"), &token).await.expect(StatusCode::OK).body) }
        };
        assert_eq!(list(&rep, "mine=true&open=true").await, vec![overdue.clone(), upcoming.clone()]);
        assert_eq!(list(&rep, "mine=true&open=false").await, vec![finished.clone()]);
        assert_eq!(list(&support, "mine=true&open=true").await, vec![delegated.clone()]);
        assert_eq!(list(&support, "mine=true").await, vec![call.clone(), delegated.clone()]);
        assert_eq!(list(&rep, "overdue=true").await, vec![overdue.clone()]);
        assert_eq!(list(&rep, &format!("due_after={}", urlencode(&past))).await, vec![overdue.clone(), upcoming.clone()]);
        assert_eq!(list(&rep, &format!("due_before={}", urlencode(&future))).await, vec![overdue.clone()]);
        assert_eq!(list(&rep, "kind=meeting,call").await, vec![call.clone(), delegated.clone()]);
        let by_due = app.get("/api/v1/activities?sort=due_at&open=true", &rep).await.expect(StatusCode::OK);
        assert_eq!(ids(&by_due.body), vec![overdue.clone(), upcoming.clone(), delegated.clone()]);
        for q in ["mine=yes", "overdue=1", "kind=fax", "due_after=yesterday", "sort=subject", "colour=red"] {
            app.get(&format!("/api/v1/activities?{q}"), &rep).await.expect(StatusCode::UNPROCESSABLE_ENTITY);
        }

        // Support edits its own activities and those assigned to it, not the rep's.
        app.patch(&format!("/api/v1/activities/{call}"), &support, json!({"body": "Wants a callback"})).await.expect(StatusCode::OK);
        app.patch(&format!("/api/v1/activities/{delegated}"), &support, json!({"done": true})).await.expect(StatusCode::OK);
        app.patch(&format!("/api/v1/activities/{upcoming}"), &support, json!({"subject": "x"})).await.expect(StatusCode::FORBIDDEN);
        // The assignee completes the task the support agent created for them.
        app.patch(&format!("/api/v1/activities/{overdue}"), &rep, json!({"done": true})).await.expect(StatusCode::OK);
        assert!(list(&rep, "overdue=true").await.is_empty());
        // Only those who may reassign hand activities to other owners.
        let r = app.patch(&format!("/api/v1/activities/{upcoming}"), &rep, json!({"owner_id": support_id})).await;
        r.expect(StatusCode::FORBIDDEN);
        app.patch(&format!("/api/v1/activities/{upcoming}"), &app.admin, json!({"owner_id": support_id})).await.expect(StatusCode::OK);
        // Another team's rep sees none of it.
        assert!(list(&rep_b, "limit=500").await.is_empty());
        app.get(&format!("/api/v1/activities/{call}"), &rep_b).await.expect(StatusCode::NOT_FOUND);
    })
    .await;
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

//! The pipeline contract: the seeded default, admin-managed CRUD with ETags, stage edits guarded
//! by live deals, one default at a time, field-by-field validation.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

fn stages() -> Value {
    json!([{"name": "New"}, {"name": "Demo", "probability": 40}, {"name": "Won", "kind": "won"}, {"name": "Lost", "kind": "lost"}])
}

#[tokio::test]
async fn default_pipeline_exists_and_admins_manage_pipelines() {
    on_backends(|app| async move {
        let list = app.get("/api/v1/pipelines", &app.admin).await.expect(StatusCode::OK);
        let data = list.body["data"].as_array().unwrap();
        assert_eq!(data.len(), 1);
        let sales = &data[0];
        assert_eq!(sales["name"], "Sales");
        assert_eq!(sales["is_default"], true);
        let names: Vec<&str> = sales["stages"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(names, vec!["Lead-in", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]);

        let r = app
            .call_with(Method::POST, "/api/v1/pipelines", Some(&app.admin), Some(json!({"name": "Partners", "stages": stages()})), &[("idempotency-key", "pipe-1")])
            .await
            .expect(StatusCode::CREATED);
        let id = r.body["id"].as_str().unwrap().to_owned();
        assert_eq!(r.header("location"), Some(format!("/api/v1/pipelines/{id}").as_str()));
        assert_eq!(r.body["stages"][1]["probability"], 40);
        assert_eq!(r.body["stages"][2]["probability"], 100);
        assert_eq!(r.body["is_default"], false);
        // The retry replays the first response instead of failing on the taken name.
        let again = app
            .call_with(Method::POST, "/api/v1/pipelines", Some(&app.admin), Some(json!({"name": "Partners", "stages": stages()})), &[("idempotency-key", "pipe-1")])
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(again.body["id"], r.body["id"]);
        let dup = app.post("/api/v1/pipelines", &app.admin, json!({"name": "partners", "stages": stages()})).await;
        assert_eq!(dup.expect(StatusCode::CONFLICT).body["code"], "name_taken");

        // ETags and conditional updates.
        let g = app.get(&format!("/api/v1/pipelines/{id}"), &app.admin).await.expect(StatusCode::OK);
        let etag = g.header("etag").unwrap().to_owned();
        let stage_ids: Vec<Value> = g.body["stages"].as_array().unwrap().iter().map(|s| s["id"].clone()).collect();
        let nm = app.call_with(Method::GET, &format!("/api/v1/pipelines/{id}"), Some(&app.admin), None, &[("if-none-match", &etag)]).await;
        assert_eq!(nm.status, StatusCode::NOT_MODIFIED);
        // Reorder, rename and drop "Demo", add "Trial".
        let body = json!({"stages": [
            {"id": stage_ids[0], "name": "Inbound"}, {"name": "Trial", "probability": 60},
            {"id": stage_ids[2], "name": "Won", "kind": "won"}, {"id": stage_ids[3], "name": "Lost", "kind": "lost"}]});
        let p = app
            .call_with(Method::PATCH, &format!("/api/v1/pipelines/{id}"), Some(&app.admin), Some(body.clone()), &[("if-match", &etag)])
            .await
            .expect(StatusCode::OK);
        assert_eq!(p.body["version"], 2);
        assert_eq!(p.body["stages"][0]["id"], stage_ids[0]);
        assert_eq!(p.body["stages"][0]["name"], "Inbound");
        assert_eq!(p.body["stages"][1]["name"], "Trial");
        assert!(p.body["stages"].as_array().unwrap().iter().all(|s| s["id"] != stage_ids[1]));
        let stale = app.call_with(Method::PATCH, &format!("/api/v1/pipelines/{id}"), Some(&app.admin), Some(json!({"name": "X"})), &[("if-match", &etag)]).await;
        stale.expect(StatusCode::PRECONDITION_FAILED);

        // Making it the default unsets the seeded one; the default cannot be deleted.
        app.patch(&format!("/api/v1/pipelines/{id}"), &app.admin, json!({"is_default": true})).await.expect(StatusCode::OK);
        let old = app.get(&format!("/api/v1/pipelines/{}", sales["id"].as_str().unwrap()), &app.admin).await.expect(StatusCode::OK);
        assert_eq!(old.body["is_default"], false);
        let r = app.delete(&format!("/api/v1/pipelines/{id}"), &app.admin).await.expect(StatusCode::CONFLICT);
        assert_eq!(r.body["code"], "default_pipeline");
        let r = app.patch(&format!("/api/v1/pipelines/{id}"), &app.admin, json!({"is_default": false})).await;
        assert_eq!(r.expect(StatusCode::UNPROCESSABLE_ENTITY).body["errors"][0]["field"], "is_default");
        // Deals created without a pipeline now land in the new default's first open stage.
        let c = app.customer(&app.admin, json!({"name": "Pipeline customer"})).await;
        let d = app.post("/api/v1/deals", &app.admin, json!({"title": "T", "customer_id": c["id"], "currency": "EUR"})).await.expect(StatusCode::CREATED);
        assert_eq!(d.body["pipeline_id"], json!(id));
        assert_eq!(d.body["stage_id"], stage_ids[0]);
        // Its stage cannot be removed while the deal is live.
        let r = app.patch(&format!("/api/v1/pipelines/{id}"), &app.admin, json!({"stages": [{"name": "Only"}, {"id": stage_ids[2], "name": "Won", "kind": "won"}, {"id": stage_ids[3], "name": "Lost", "kind": "lost"}]})).await;
        assert_eq!(r.expect(StatusCode::CONFLICT).body["code"], "stage_in_use");

        // Delete and restore a non-default pipeline.
        let sales_id = sales["id"].as_str().unwrap();
        app.delete(&format!("/api/v1/pipelines/{sales_id}"), &app.admin).await.expect(StatusCode::NO_CONTENT);
        app.get(&format!("/api/v1/pipelines/{sales_id}"), &app.admin).await.expect(StatusCode::NOT_FOUND);
        let deleted = app.get("/api/v1/pipelines?deleted=only", &app.admin).await.expect(StatusCode::OK);
        assert_eq!(deleted.body["data"][0]["id"], sales["id"]);
        let back = app.post(&format!("/api/v1/pipelines/{sales_id}/restore"), &app.admin, json!({})).await.expect(StatusCode::OK);
        assert_eq!(back.body["deleted_at"], Value::Null);
        let names = app.get("/api/v1/pipelines?sort=-name&limit=1", &app.admin).await.expect(StatusCode::OK);
        assert_eq!(names.body["data"][0]["name"], "Sales");
        let next = names.body["next_cursor"].as_str().unwrap();
        let page2 = app.get(&format!("/api/v1/pipelines?sort=-name&limit=1&cursor={next}"), &app.admin).await.expect(StatusCode::OK);
        assert_eq!(page2.body["data"][0]["name"], "Partners");
        assert_eq!(page2.body["next_cursor"], Value::Null);
        // Events were written for each change.
        let events = app.state.store.entity_events(id.parse().unwrap(), None, 50).await.unwrap();
        let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(types, vec!["pipeline.created", "pipeline.updated", "pipeline.updated"]);
    })
    .await;
}

#[tokio::test]
async fn pipeline_input_is_validated_field_by_field() {
    on_backends(|app| async move {
        let r = app
            .post("/api/v1/pipelines", &app.admin, json!({"name": " ", "stages": [
                {"name": "A", "probability": 150}, {"name": "a"}, {"name": "W", "kind": "won", "probability": 90},
                {"name": "L", "kind": "maybe"}, "not an object"], "colour": "red"}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<String> = r.body["errors"].as_array().unwrap().iter().map(|e| format!("{}:{}", e["field"].as_str().unwrap(), e["code"].as_str().unwrap())).collect();
        assert_eq!(fields, vec![
            "name:required",
            "stages[0].probability:out_of_range",
            "stages[1].name:duplicate",
            "stages[2].probability:out_of_range",
            "stages[3].kind:invalid_choice",
            "stages[4]:invalid_type",
            "colour:unknown_field",
        ]);
        let r = app.post("/api/v1/pipelines", &app.admin, json!({"name": "No won", "stages": [{"name": "A"}, {"name": "L", "kind": "lost"}]})).await;
        assert_eq!(r.expect(StatusCode::UNPROCESSABLE_ENTITY).body["errors"][0]["code"], "missing_stage_kind");
        let r = app.post("/api/v1/pipelines", &app.admin, json!({"name": "No stages"})).await;
        assert_eq!(r.expect(StatusCode::UNPROCESSABLE_ENTITY).body["errors"][0]["field"], "stages");
        let p = app.get("/api/v1/pipelines", &app.admin).await.body["data"][0].clone();
        let r = app.patch(&format!("/api/v1/pipelines/{}", p["id"].as_str().unwrap()), &app.admin, json!({"stages": [
            {"id": uuid::Uuid::now_v7(), "name": "Ghost"}, {"name": "W", "kind": "won"}, {"name": "L", "kind": "lost"}]})).await;
        let r = r.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.body["errors"][0]["field"], "stages[0].id");
        assert_eq!(r.body["errors"][0]["code"], "unknown_stage");
        app.get("/api/v1/pipelines?colour=red", &app.admin).await.expect(StatusCode::UNPROCESSABLE_ENTITY);
        app.get("/api/v1/pipelines/not-a-uuid", &app.admin).await.expect(StatusCode::NOT_FOUND);
        app.get(&format!("/api/v1/pipelines/{}", uuid::Uuid::now_v7()), &app.admin).await.expect(StatusCode::NOT_FOUND);
    })
    .await;
}

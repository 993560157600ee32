//! Privacy requests: an admin exports everything held about a customer and erases it; personal
//! data is gone from every read path, revenue figures stay, both actions are audited, and no
//! other role may do either.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use nexus_core::auth::Role;
use serde_json::json;

#[tokio::test]
async fn export_then_erase_keeps_revenue_and_leaves_no_personal_data() {
    on_backends(|app| async move {
        let (_, manager) = app.user("manager@privacy.test", Role::Manager, None).await;
        let erin = json!({"name": "Erin Example", "email": "erin@private.example", "phone": "+1 555 0100", "tags": ["vip"]});
        let key = [("idempotency-key", "privacy-create-erin")];
        let c = app
            .call_with(Method::POST, "/api/v1/customers", Some(&app.admin), Some(erin.clone()), &key)
            .await
            .expect(StatusCode::CREATED)
            .body;
        let id = id_of(&c);
        let p = app.product("PRIV-1", 2500, "EUR").await;
        let sale = app
            .transaction(&app.admin, json!({"customer_id": id, "status": "completed", "occurred_at": "2026-02-03T10:00:00Z",
                "items": [{"product_id": p["id"], "quantity": 2}]}))
            .await;
        let deal = app
            .post("/api/v1/deals", &app.admin, json!({"title": "Erin's renewal", "customer_id": id, "value": 100, "currency": "EUR"}))
            .await
            .expect(StatusCode::CREATED)
            .body;
        app.post("/api/v1/activities", &app.admin, json!({"kind": "note", "subject": "Call Erin", "body": "Erin's home number is +1 555 0100", "customer_id": id}))
            .await
            .expect(StatusCode::CREATED);

        // Export: everything, admins only.
        let url = format!("/api/v1/customers/{id}/privacy-export");
        app.get(&url, &manager).await.expect(StatusCode::FORBIDDEN);
        let r = app.get(&url, &app.admin).await.expect(StatusCode::OK);
        assert!(r.header("content-disposition").unwrap().contains("attachment"));
        let doc = r.body;
        assert_eq!(doc["customer"]["email"], "erin@private.example");
        assert_eq!(doc["transactions"].as_array().unwrap().len(), 1);
        assert_eq!(doc["deals"][0]["title"], "Erin's renewal");
        assert_eq!(doc["activities"][0]["subject"], "Call Erin");
        assert_eq!(doc["aggregates"]["revenue"][0]["revenue"], 5000);
        assert_eq!(doc["history"][0]["action"], "created");

        let revenue_before = app
            .get("/api/v1/dashboards/revenue?from=2026-02&to=2026-02", &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;

        // Erase: admins only; then the customer is gone from every read path.
        let erase = format!("/api/v1/customers/{id}/erase");
        app.post(&erase, &manager, json!({})).await.expect(StatusCode::FORBIDDEN);
        let done = app.post(&erase, &app.admin, json!({})).await.expect(StatusCode::OK).body;
        assert_eq!(done["customer_id"], id.as_str());
        app.post(&erase, &app.admin, json!({})).await.expect(StatusCode::CONFLICT);
        app.get(&url, &app.admin).await.expect(StatusCode::CONFLICT);
        app.get(&format!("/api/v1/customers/{id}"), &app.admin).await.expect(StatusCode::NOT_FOUND);
        let restore = app.post(&format!("/api/v1/customers/{id}/restore"), &app.admin, json!({})).await;
        assert_eq!(restore.status, StatusCode::CONFLICT, "{}", restore.body);
        assert_eq!(restore.body["code"], "customer_erased");
        app.get(&format!("/api/v1/deals/{}", id_of(&deal)), &app.admin).await.expect(StatusCode::NOT_FOUND);
        let found = app.get("/api/v1/customers?q=erin&deleted=only", &app.admin).await.expect(StatusCode::OK).body;
        assert_eq!(found["data"].as_array().unwrap().len(), 0, "search finds nothing: {found}");
        let gone = app.get("/api/v1/customers?deleted=only", &app.admin).await.expect(StatusCode::OK).body;
        let tomb = gone["data"].as_array().unwrap().iter().find(|x| x["id"] == id.as_str()).unwrap();
        assert_eq!((tomb["name"].as_str(), tomb["email"].as_str(), tomb["phone"].as_str()), (Some("Erased person"), None, None));
        assert_eq!(tomb["tags"], json!([]));
        let notes = app.get(&format!("/api/v1/activities?customer_id={id}"), &app.admin).await.expect(StatusCode::OK).body;
        assert_eq!(notes["data"].as_array().unwrap().len(), 0);

        // The history keeps who did what, with no personal data left in it.
        let history = app.get(&format!("/api/v1/customers/{id}/history"), &app.admin).await.expect(StatusCode::OK).body;
        let text = history.to_string();
        assert!(!text.contains("erin@private.example") && !text.contains("Erin Example"), "{text}");
        let actions: Vec<&str> = history["data"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, vec!["created", "exported", "erased"]);

        // Transactions and revenue stay.
        let kept = app.get(&format!("/api/v1/transactions/{}", id_of(&sale)), &app.admin).await.expect(StatusCode::OK).body;
        assert_eq!((kept["total"].as_i64(), kept["customer_id"].as_str()), (Some(5000), Some(id.as_str())));
        let revenue_after = app
            .get("/api/v1/dashboards/revenue?from=2026-02&to=2026-02", &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(revenue_after, revenue_before);
        // The stored response of the idempotent create (it held Erin's data) is gone: replaying
        // the key runs the request again, and the email is free for the new customer.
        let again = app
            .call_with(Method::POST, "/api/v1/customers", Some(&app.admin), Some(erin), &key)
            .await
            .expect(StatusCode::CREATED)
            .body;
        assert_ne!(id_of(&again), id);
    })
    .await;
}

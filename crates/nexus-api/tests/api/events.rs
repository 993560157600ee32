//! `GET /api/v1/events`: the log after a sequence number, filtered by what the caller may read,
//! paged without gaps or repeats.

use crate::helpers::*;
use axum::http::StatusCode;
use nexus_core::auth::Role;
use serde_json::{Value, json};

/// Every event `token` may see after `after`, walking pages of `limit`.
async fn walk(app: &TestApp, token: &str, after: i64, limit: u32) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = after;
    for _ in 0..1000 {
        let page = app
            .get(
                &format!("/api/v1/events?after={after}&limit={limit}"),
                token,
            )
            .await
            .expect(StatusCode::OK)
            .body;
        out.extend(page["data"].as_array().unwrap().iter().cloned());
        let next = page["next_after"].as_i64().unwrap();
        assert!(next >= after, "the cursor never moves back");
        after = next;
        if !page["has_more"].as_bool().unwrap() {
            return out;
        }
    }
    panic!("paging did not end");
}

#[tokio::test]
async fn events_are_paged_and_filtered_by_what_the_caller_may_read() {
    on_backends(|app| async move {
        let team_a = app.team("Events A").await;
        let team_b = app.team("Events B").await;
        let (rep_a, rep_a_token) = app
            .user("a@events.test", Role::SalesRep, Some(&team_a))
            .await;
        let (_, rep_b_token) = app
            .user("b@events.test", Role::SalesRep, Some(&team_b))
            .await;
        let (_, viewer) = app.user("v@events.test", Role::Viewer, None).await;
        let mine = id_of(&app.customer(&rep_a_token, json!({"name": "Mine"})).await);
        let theirs = id_of(&app.customer(&rep_b_token, json!({"name": "Theirs"})).await);
        app.patch(
            &format!("/api/v1/customers/{mine}"),
            &rep_a_token,
            json!({"status": "prospect"}),
        )
        .await
        .expect(StatusCode::OK);
        // Numbering happens right after commit: wait until the log holds the last change.
        app.state.store.sequence_events(10_000).await.unwrap();

        let all = walk(&app, &app.admin, 0, 500).await;
        let seqs: Vec<i64> = all.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "oldest first, no repeats: {seqs:?}"
        );
        let about = |events: &[Value], id: &str| {
            events
                .iter()
                .filter(|e| e["entity_id"] == id)
                .map(|e| e["type"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(about(&all, &mine), ["customer.created", "customer.updated"]);
        assert_eq!(about(&all, &theirs), ["customer.created"]);

        // Pages of one walk the same log.
        let small: Vec<i64> = walk(&app, &app.admin, 0, 1)
            .await
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect();
        assert_eq!(small, seqs);
        // Starting after an event leaves it out.
        let later = walk(&app, &app.admin, seqs[0], 500).await;
        assert_eq!(later.len(), seqs.len() - 1);

        // Rep A sees their customer but not team B's, nor user administration.
        let a = walk(&app, &rep_a_token, 0, 2).await;
        assert_eq!(about(&a, &mine).len(), 2);
        assert!(
            about(&a, &theirs).is_empty(),
            "another team's customer is invisible"
        );
        assert!(
            !a.iter()
                .any(|e| e["entity"] == "user" && e["entity_id"] != rep_a.as_str()),
            "no other users' changes"
        );
        let b = walk(&app, &rep_b_token, 0, 500).await;
        assert!(about(&b, &mine).is_empty());
        assert_eq!(about(&b, &theirs).len(), 1);
        let v = walk(&app, &viewer, 0, 500).await;
        assert_eq!(
            about(&v, &mine).len() + about(&v, &theirs).len(),
            3,
            "viewers read every customer"
        );

        // Bad input is a 422 per field; no token is a 401.
        let bad = app
            .get("/api/v1/events?after=-3&limit=0", &app.admin)
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY)
            .body;
        let fields: Vec<&str> = bad["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["limit", "after"]);
        app.get("/api/v1/events", "")
            .await
            .expect(StatusCode::UNAUTHORIZED);
    })
    .await;
}

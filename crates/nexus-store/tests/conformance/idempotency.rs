//! Idempotency keys: claim, conflict while in progress, replay when done, release.

use nexus_core::store::{IdempotencyClaim, IdempotentResponse, Store};
use nexus_core::time::now;
use std::sync::Arc;

conformance!(
    idempotency_key_lifecycle,
    release_deletes_only_in_progress_keys,
    an_abandoned_claim_is_taken_over_after_two_minutes
);

async fn idempotency_key_lifecycle(s: Arc<dyn Store>) {
    let claim = |scope: &'static str, key: &'static str, hash: &'static str| {
        let s = s.clone();
        async move {
            s.claim_idempotency_key(scope, key, hash, now())
                .await
                .unwrap()
        }
    };
    assert!(matches!(
        claim("user:1", "k1", "h1").await,
        IdempotencyClaim::Claimed
    ));
    match claim("user:1", "k1", "h2").await {
        IdempotencyClaim::InProgress { request_hash } => assert_eq!(request_hash, "h1"),
        other => panic!("expected InProgress, got {other:?}"),
    }
    // Keys are per scope.
    assert!(matches!(
        claim("user:2", "k1", "h9").await,
        IdempotencyClaim::Claimed
    ));
    assert!(matches!(
        claim("user:1", "k2", "h9").await,
        IdempotencyClaim::Claimed
    ));

    let response = IdempotentResponse {
        request_hash: "h1".into(),
        status: 201,
        body: r#"{"id":"c-1","name":"Zoë"}"#.into(),
        location: Some("/api/v1/customers/c-1".into()),
    };
    s.complete_idempotency_key("user:1", "k1", &response)
        .await
        .unwrap();
    for _ in 0..2 {
        match claim("user:1", "k1", "h1").await {
            IdempotencyClaim::Done(r) => {
                assert_eq!(r.request_hash, "h1");
                assert_eq!(r.status, 201);
                assert_eq!(r.body, response.body);
                assert_eq!(r.location, response.location);
            }
            other => panic!("expected Done, got {other:?}"),
        }
    }
    // A different body under the same key still sees the stored hash (the caller compares).
    match claim("user:1", "k1", "other").await {
        IdempotencyClaim::Done(r) => assert_eq!(r.request_hash, "h1"),
        other => panic!("expected Done, got {other:?}"),
    }
    // The other scope's key is still in progress.
    assert!(matches!(
        claim("user:2", "k1", "h9").await,
        IdempotencyClaim::InProgress { .. }
    ));

    let no_location = IdempotentResponse {
        request_hash: "h9".into(),
        status: 200,
        body: String::new(),
        location: None,
    };
    s.complete_idempotency_key("user:1", "k2", &no_location)
        .await
        .unwrap();
    match claim("user:1", "k2", "h9").await {
        IdempotencyClaim::Done(r) => {
            assert_eq!((r.status, r.body.as_str(), r.location), (200, "", None));
        }
        other => panic!("expected Done, got {other:?}"),
    }
}

async fn release_deletes_only_in_progress_keys(s: Arc<dyn Store>) {
    let t = now();
    assert!(matches!(
        s.claim_idempotency_key("a", "in-progress", "h", t)
            .await
            .unwrap(),
        IdempotencyClaim::Claimed
    ));
    assert!(matches!(
        s.claim_idempotency_key("a", "done", "h", t).await.unwrap(),
        IdempotencyClaim::Claimed
    ));
    let r = IdempotentResponse {
        request_hash: "h".into(),
        status: 204,
        body: String::new(),
        location: None,
    };
    s.complete_idempotency_key("a", "done", &r).await.unwrap();

    s.release_idempotency_key("a", "in-progress").await.unwrap();
    s.release_idempotency_key("a", "done").await.unwrap();
    s.release_idempotency_key("a", "never-claimed")
        .await
        .unwrap();

    // The released key can be claimed again, by a new request.
    assert!(matches!(
        s.claim_idempotency_key("a", "in-progress", "h2", t)
            .await
            .unwrap(),
        IdempotencyClaim::Claimed
    ));
    match s
        .claim_idempotency_key("a", "in-progress", "h3", t)
        .await
        .unwrap()
    {
        IdempotencyClaim::InProgress { request_hash } => assert_eq!(request_hash, "h2"),
        other => panic!("expected InProgress, got {other:?}"),
    }
    // The completed response survives a release.
    match s.claim_idempotency_key("a", "done", "h", t).await.unwrap() {
        IdempotencyClaim::Done(r) => assert_eq!(r.status, 204),
        other => panic!("expected Done, got {other:?}"),
    }
}

async fn an_abandoned_claim_is_taken_over_after_two_minutes(s: Arc<dyn Store>) {
    let t = now();
    let at = |secs: i64| t + chrono::Duration::seconds(secs);
    assert!(matches!(
        s.claim_idempotency_key("u", "k", "h1", t).await.unwrap(),
        IdempotencyClaim::Claimed
    ));
    // Its request never completes nor releases it (dropped by the request timeout).
    match s
        .claim_idempotency_key("u", "k", "h1", at(90))
        .await
        .unwrap()
    {
        IdempotencyClaim::InProgress { request_hash } => assert_eq!(request_hash, "h1"),
        other => panic!("expected InProgress at 90 s, got {other:?}"),
    }
    assert!(matches!(
        s.claim_idempotency_key("u", "k", "h1", at(121))
            .await
            .unwrap(),
        IdempotencyClaim::Claimed
    ));
    // The new claim is fresh: a third request waits again, and the response is stored.
    assert!(matches!(
        s.claim_idempotency_key("u", "k", "h1", at(122))
            .await
            .unwrap(),
        IdempotencyClaim::InProgress { .. }
    ));
    let r = IdempotentResponse {
        request_hash: "h1".into(),
        status: 201,
        body: "{}".into(),
        location: None,
    };
    s.complete_idempotency_key("u", "k", &r).await.unwrap();
    // A completed key is never taken over, however old.
    match s
        .claim_idempotency_key("u", "k", "h1", at(100_000))
        .await
        .unwrap()
    {
        IdempotencyClaim::Done(r) => assert_eq!(r.status, 201),
        other => panic!("expected Done, got {other:?}"),
    }
}

//! The embedded web UI behind the API: `/` and client-side routes get `index.html` (not cached),
//! hashed assets are immutable, and misses under the API stay problem documents.

use crate::helpers::*;
use axum::http::{Method, StatusCode};

#[tokio::test]
async fn the_ui_is_served_next_to_the_api() {
    on_backends(|app| async move {
        let index = app
            .call(Method::GET, "/", None, None)
            .await
            .expect(StatusCode::OK);
        assert_eq!(index.header("cache-control"), Some("no-cache"));
        assert_eq!(
            index.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        let html = index.body.as_str().unwrap().to_owned();

        let route = app
            .call(Method::GET, "/customers/abc", None, None)
            .await
            .expect(StatusCode::OK);
        assert_eq!(route.body.as_str(), Some(html.as_str()));

        let script = html
            .split("src=\"/")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("index.html loads a script");
        assert!(script.starts_with("assets/"), "{script}");
        let asset = app
            .call(Method::GET, &format!("/{script}"), None, None)
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            asset.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );

        let miss = app
            .call(Method::GET, "/api/v1/nope", Some(&app.admin), None)
            .await
            .expect(StatusCode::NOT_FOUND);
        assert_eq!(
            miss.header("content-type"),
            Some("application/problem+json")
        );
        assert_eq!(miss.body["code"], "not_found");
        let miss = app.call(Method::GET, "/health/nope", None, None).await;
        assert_eq!(miss.status, StatusCode::NOT_FOUND);
    })
    .await;
}

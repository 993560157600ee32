//! The NEXUS web UI, embedded: the Vite build of `web/` (see `build.rs`) compiled into the binary
//! and served by [`fallback`], the last handler of the application router.
//!
//! - Files under `assets/` carry a content hash in their name: cached for a year, `immutable`.
//! - `index.html` (and every other unhashed file) is `no-cache`: browsers revalidate it with its
//!   ETag, so a new release is picked up on the next navigation.
//! - Text assets have a gzip twin (`name.gz`, written by the Vite build): clients that accept
//!   gzip get it with `Content-Encoding: gzip`, so nothing is compressed at request time.
//! - Any other path that is not a file is a client-side route: it gets `index.html` (SPA
//!   fallback), except under the server's own prefixes (`/api/`, `/health`, `/metrics`,
//!   `/socket.io/`) and `assets/`, which keep a plain 404 for the gateway to turn into a problem
//!   document.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../web/dist"]
struct Dist;

/// Path prefixes served by the API and operations routes, never by the UI.
const SERVER_PREFIXES: &[&str] = &["/api/", "/health", "/metrics", "/socket.io/"];

/// Cache policy of hashed build assets.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache policy of `index.html` and other unhashed files.
pub const NO_CACHE: &str = "no-cache";

/// Whether `path` belongs to the server's own routes (a miss there is a 404, not the UI).
pub fn is_server_path(path: &str) -> bool {
    path == "/api" || SERVER_PREFIXES.iter().any(|p| path.starts_with(p))
}

/// The router's fallback: an embedded file, the UI's `index.html` for client-side routes, or a
/// bare 404 (turned into a problem document by the gateway).
pub async fn fallback(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    if is_server_path(path) || !(method == Method::GET || method == Method::HEAD) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let file = path.trim_start_matches('/');
    let file = if file.is_empty() { "index.html" } else { file };
    if let Some(res) = serve_file(file, &headers) {
        return res;
    }
    if file.starts_with("assets/") {
        // A stale hashed name: an HTML page here would only confuse the browser.
        return StatusCode::NOT_FOUND.into_response();
    }
    serve_file("index.html", &headers).unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

fn serve_file(name: &str, req: &HeaderMap) -> Option<Response> {
    let plain = Dist::get(name)?;
    let mime = plain.metadata.mimetype().to_owned();
    let gzipped = Dist::get(&format!("{name}.gz"));
    let has_variant = gzipped.is_some();
    let (file, gzip) = match gzipped {
        Some(gz) if accepts_gzip(req) => (gz, true),
        _ => (plain, false),
    };
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()[..16]));
    let cache = if name.starts_with("assets/") {
        IMMUTABLE
    } else {
        NO_CACHE
    };
    let content_type = if mime.starts_with("text/") && !mime.contains("charset") {
        format!("{mime}; charset=utf-8")
    } else {
        mime
    };
    let not_modified = req
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag)
        });
    let mut res = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Response::new(Body::from(file.data.into_owned()))
    };
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if has_variant {
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if gzip {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    Some(res)
}

/// Whether `Accept-Encoding` allows gzip (present, and not with `q=0`).
fn accepts_gzip(req: &HeaderMap) -> bool {
    req.get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Names of the embedded files (for tests and diagnostics).
pub fn files() -> impl Iterator<Item = String> {
    Dist::iter().map(|f| f.into_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use axum::Router;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn get(path: &str, headers: &[(&str, &str)]) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut req = Request::get(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = Router::new()
            .fallback(fallback)
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let (parts, body) = res.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes().to_vec();
        (parts.status, parts.headers, bytes)
    }

    #[tokio::test]
    async fn index_is_html_and_not_cached() {
        let (status, h, body) = get("/", &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(h[header::CACHE_CONTROL], NO_CACHE);
        assert_eq!(h[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert!(String::from_utf8_lossy(&body).contains("<div id=\"root\">"));
        // Revalidation answers 304 while the file is unchanged.
        let etag = h[header::ETAG].to_str().unwrap().to_owned();
        let (status, _, body) = get("/", &[("if-none-match", &etag)]).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED);
        assert!(body.is_empty());
    }

    #[tokio::test]
    async fn hashed_assets_are_immutable() {
        let js = files()
            .find(|f| f.starts_with("assets/") && f.ends_with(".js"))
            .expect("the build has a hashed script");
        let (status, h, _) = get(&format!("/{js}"), &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(h[header::CACHE_CONTROL], IMMUTABLE);
        assert!(
            h[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .contains("javascript")
        );
        let (status, _, _) = get("/assets/gone-1234abcd.js", &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn scripts_go_out_gzipped_to_clients_that_accept_it() {
        let js = files()
            .find(|f| f.starts_with("assets/index-") && f.ends_with(".js"))
            .expect("the build has an entry script");
        let (_, plain, raw) = get(&format!("/{js}"), &[]).await;
        assert!(plain.get(header::CONTENT_ENCODING).is_none());
        let (status, h, gz) = get(&format!("/{js}"), &[("accept-encoding", "br, gzip")]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(h[header::CONTENT_ENCODING], "gzip");
        assert_eq!(h[header::VARY], "accept-encoding");
        assert!(
            h[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .contains("javascript")
        );
        assert_ne!(h[header::ETAG], plain[header::ETAG]);
        assert!(gz.len() * 2 < raw.len(), "{} vs {}", gz.len(), raw.len());
        let (_, h, _) = get(&format!("/{js}"), &[("accept-encoding", "gzip;q=0")]).await;
        assert!(h.get(header::CONTENT_ENCODING).is_none());
    }

    #[tokio::test]
    async fn client_routes_get_the_app_and_server_paths_do_not() {
        let (status, h, _) = get("/customers/0190-abc", &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(h[header::CACHE_CONTROL], NO_CACHE);
        for p in [
            "/api/v1/nope",
            "/api",
            "/health/x",
            "/metrics2",
            "/socket.io/",
        ] {
            assert_eq!(get(p, &[]).await.0, StatusCode::NOT_FOUND, "{p}");
        }
    }
}

//! Pages, static files and security headers through the real router.

use crate::support::TestApp;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use std::net::SocketAddr;

fn nonce_of(csp: &str) -> String {
    let start = csp.find("'nonce-").expect("CSP has a nonce") + 7;
    csp[start..]
        .split('\'')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Every `/static/...` URL referenced by a page.
fn static_urls(html: &str) -> Vec<String> {
    html.split('"')
        .filter(|s| s.starts_with("/static/"))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn home_page_has_layout_and_security_headers() {
    let app = TestApp::new().await;
    let r = app.get("/").await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(
        html.contains("de.NBI Service Registration Platform"),
        "site name in layout"
    );
    assert!(
        html.contains("mailto:servicecoordination@denbi.de"),
        "footer contact"
    );
    assert!(html.contains("href=\"/register/\"") && html.contains("href=\"/update/\""));

    let csp = r.header("content-security-policy");
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"));
    let script_src = csp
        .split(';')
        .find(|d| d.trim().starts_with("script-src"))
        .expect("script-src");
    assert!(
        !script_src.contains("unsafe-inline") && !script_src.contains("unsafe-eval"),
        "{script_src}"
    );
    let nonce = nonce_of(&csp);
    assert!(nonce.len() >= 16);
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "scripts carry the response's nonce"
    );
    assert!(
        !html.contains("<script>"),
        "no inline scripts without a nonce"
    );

    assert_eq!(r.header("x-frame-options"), "DENY");
    assert_eq!(r.header("x-content-type-options"), "nosniff");
    assert_eq!(
        r.header("referrer-policy"),
        "strict-origin-when-cross-origin"
    );
    assert!(
        r.header("strict-transport-security").is_empty(),
        "no HSTS over plain HTTP"
    );

    let again = app.get("/").await;
    assert_ne!(
        nonce_of(&again.header("content-security-policy")),
        nonce,
        "nonce is per request"
    );
}

#[tokio::test]
async fn hsts_only_when_a_trusted_proxy_reports_https() {
    let app = TestApp::new().await;
    let req = |peer: &str| {
        let mut r = Request::get("/")
            .header("x-forwarded-proto", "https")
            .body(Body::empty())
            .expect("request");
        let addr: SocketAddr = peer.parse().expect("addr");
        r.extensions_mut().insert(ConnectInfo(addr));
        r
    };
    let trusted = app.send(req("127.0.0.1:50000")).await;
    assert!(
        trusted
            .header("strict-transport-security")
            .starts_with("max-age=31536000")
    );
    let spoofed = app.send(req("203.0.113.9:50000")).await;
    assert!(spoofed.header("strict-transport-security").is_empty());
}

#[tokio::test]
async fn static_files_are_hashed_immutable_and_all_referenced_files_exist() {
    let app = TestApp::new().await;
    let mut urls = static_urls(&app.get("/").await.text());
    urls.extend(static_urls(&app.get("/api/docs/").await.text()));
    urls.extend(static_urls(&app.get("/api/redoc/").await.text()));
    assert!(urls.len() >= 6, "{urls:?}");
    for url in &urls {
        let r = app.get(url).await;
        assert_eq!(r.status, StatusCode::OK, "{url}");
        assert_eq!(
            r.header("cache-control"),
            "public, max-age=31536000, immutable",
            "{url}"
        );
        assert!(!r.header("etag").is_empty());
        // The name carries a content hash.
        let file = url.rsplit('/').next().unwrap_or_default();
        assert!(file.split('.').count() >= 3, "{url} is not hashed");
    }
    let css = app.get("/static/css/registry.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.header("cache-control"), "no-cache");
    assert!(css.header("content-type").starts_with("text/css"));
    assert_eq!(
        app.get("/static/../Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/static/nope.js").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn unknown_pages_get_an_html_404_page_with_the_layout() {
    let app = TestApp::new().await;
    let r = app.get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.header("content-type").starts_with("text/html"));
    let html = r.text();
    assert!(html.contains("Page not found"));
    assert!(
        html.contains(&r.header("x-request-id")),
        "reference id shown"
    );
    assert!(!r.header("content-security-policy").is_empty());
}

#[tokio::test]
async fn api_docs_pages_use_only_local_assets() {
    let app = TestApp::new().await;
    for path in ["/api/docs/", "/api/redoc/"] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        let html = r.text();
        for attr in ["src=\"http", "href=\"http://", "//cdn", "unpkg", "jsdelivr"] {
            assert!(
                !html.contains(attr),
                "{path} references an external URL ({attr})"
            );
        }
        assert!(html.contains("data-spec-url=\"/api/schema/?format=json\""));
    }
}

#[tokio::test]
async fn production_refuses_unknown_host_headers_except_for_health_probes() {
    let app = TestApp::build(
        &[
            ("ENVIRONMENT", "production"),
            ("ALLOWED_HOSTS", "registry.example.org"),
            // This test is about hosts; the HTTPS redirect has its own.
            ("SECURE_SSL_REDIRECT", "false"),
        ],
        axum::Router::new(),
    )
    .await;
    let get = |path: &str, host: &str| {
        Request::get(path)
            .header("host", host)
            .body(Body::empty())
            .expect("request")
    };
    let ok = app.send(get("/", "registry.example.org")).await;
    assert_eq!(ok.status, StatusCode::OK);
    let evil = app.send(get("/", "evil.example.com")).await;
    assert_eq!(evil.status, StatusCode::BAD_REQUEST);
    assert!(evil.header("content-type").starts_with("text/html"));
    let api = app.send(get("/api/v1/edam/?q=x", "evil.example.com")).await;
    assert_eq!(api.status, StatusCode::BAD_REQUEST);
    assert_eq!(api.json()["error"]["message"], "Invalid Host header.");
    let probe = app.send(get("/health/live/", "10.0.0.7:8000")).await;
    assert_eq!(
        probe.status,
        StatusCode::OK,
        "container probes use the container address"
    );
}

/// A request as it reaches the server: from `peer`, naming `host`, maybe with `X-Forwarded-Proto`.
fn arriving(path: &str, host: &str, peer: &str, proto: Option<&str>) -> Request<Body> {
    let mut r = Request::get(path).header("host", host);
    if let Some(p) = proto {
        r = r.header("x-forwarded-proto", p);
    }
    let mut r = r.body(Body::empty()).expect("request");
    let addr: SocketAddr = peer.parse().expect("addr");
    r.extensions_mut().insert(ConnectInfo(addr));
    r
}

#[tokio::test]
async fn production_redirects_plain_http_to_https_except_health_probes() {
    let app = TestApp::build(
        &[
            ("ENVIRONMENT", "production"),
            ("ALLOWED_HOSTS", "registry.example.org"),
            ("FORWARDED_ALLOW_IPS", "10.0.0.2"),
        ],
        axum::Router::new(),
    )
    .await;
    let host = "registry.example.org";
    let moved = |r: &crate::support::TestResponse, location: &str| {
        assert_eq!(r.status, StatusCode::MOVED_PERMANENTLY, "{}", r.text());
        assert_eq!(r.header("location"), location);
    };
    // Directly over plain HTTP: host, path and query are kept.
    let direct = app
        .send(arriving(
            "/api/v1/edam/?q=blast&branch=operation",
            host,
            "192.0.2.7:4000",
            None,
        ))
        .await;
    moved(
        &direct,
        "https://registry.example.org/api/v1/edam/?q=blast&branch=operation",
    );
    assert!(
        direct.header("x-request-id").len() > 8,
        "security layers still run"
    );
    // A trusted proxy that terminated TLS: served; one that reports plain HTTP: redirected.
    let proxied = app
        .send(arriving("/about/", host, "10.0.0.2:4000", Some("https")))
        .await;
    assert_eq!(proxied.status, StatusCode::OK);
    let proxied_http = app
        .send(arriving(
            "/about/?x=1",
            "registry.example.org:8443",
            "10.0.0.2:4000",
            Some("http"),
        ))
        .await;
    moved(
        &proxied_http,
        "https://registry.example.org:8443/about/?x=1",
    );
    // An untrusted client cannot claim HTTPS.
    let spoofed = app
        .send(arriving("/about/", host, "192.0.2.7:4000", Some("https")))
        .await;
    moved(&spoofed, "https://registry.example.org/about/");
    // Probes on the plain port keep working.
    for path in ["/health/live/", "/health/ready/"] {
        let r = app
            .send(arriving(path, "10.0.0.9:8000", "10.0.0.9:4000", None))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
    }
    // An unknown host is refused, never redirected to.
    let evil = app
        .send(arriving("/", "evil.example.com", "192.0.2.7:4000", None))
        .await;
    assert_eq!(evil.status, StatusCode::BAD_REQUEST);
    assert!(evil.header("location").is_empty());
}

#[tokio::test]
async fn no_https_redirect_when_disabled_or_in_development() {
    let off = TestApp::build(
        &[
            ("ENVIRONMENT", "production"),
            ("ALLOWED_HOSTS", "registry.example.org"),
            ("SECURE_SSL_REDIRECT", "false"),
        ],
        axum::Router::new(),
    )
    .await;
    let r = off
        .send(arriving(
            "/about/",
            "registry.example.org",
            "192.0.2.7:4000",
            None,
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let dev = TestApp::build(&[("SECURE_SSL_REDIRECT", "true")], axum::Router::new()).await;
    let r = dev
        .send(arriving("/about/", "localhost", "192.0.2.7:4000", None))
        .await;
    assert_eq!(r.status, StatusCode::OK, "development never redirects");
}

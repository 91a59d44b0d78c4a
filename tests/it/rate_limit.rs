//! Rate limits through the real router: keyed calls per key, anonymous calls per trusted client
//! address, 429 + `Retry-After`, Redis shared across replicas (when TEST_REDIS_URL is set), and the
//! fail-closed answer when a configured Redis is unreachable.

use crate::reference_api::{keys, req};
use crate::support::TestApp;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use service_registry::auth::api_keys;

#[tokio::test]
async fn keyed_calls_are_rate_limited_per_key() {
    let app = TestApp::build(&[("RATE_LIMIT_API", "2/m")], Router::new()).await;
    let k = keys(&app).await;
    for _ in 0..2 {
        let r = req(&app, "GET", "/api/v1/categories/", Some(&k.read), None).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let r = req(&app, "GET", "/api/v1/categories/", Some(&k.read), None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r
        .header("retry-after")
        .parse()
        .expect("Retry-After seconds");
    assert!((1..=60).contains(&retry));
    assert_eq!(r.json()["error"]["code"], "rate_limited");
    // Another key has its own bucket; failed authentication never counts or gets 429.
    let r = req(&app, "GET", "/api/v1/categories/", Some(&k.full), None).await;
    assert_eq!(r.status, StatusCode::OK);
    for _ in 0..3 {
        let r = req(&app, "GET", "/api/v1/categories/", None, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn an_unreachable_redis_fails_closed() {
    // Port 1 refuses connections: the limiter cannot count, so it refuses rather than waving through.
    let app = TestApp::build(&[("REDIS_URL", "redis://127.0.0.1:1/0")], Router::new()).await;
    assert!(app.state.limiter.uses_redis());
    let k = keys(&app).await;
    let r = req(&app, "GET", "/api/v1/categories/", Some(&k.read), None).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "unavailable");
}

#[tokio::test]
async fn redis_backed_limit() {
    let Some(url) = std::env::var("TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!(
            "SKIPPED: TEST_REDIS_URL is not set (the Redis-backed rate-limit test needs a server)"
        );
        return;
    };
    let app = TestApp::build(
        &[("REDIS_URL", &url), ("RATE_LIMIT_API", "2/m")],
        Router::new(),
    )
    .await;
    assert!(app.state.limiter.uses_redis());
    let k = keys(&app).await; // fresh key ids: no clash with earlier runs on the same server
    for _ in 0..2 {
        let r = req(&app, "GET", "/api/v1/categories/", Some(&k.read), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    let r = req(&app, "GET", "/api/v1/categories/", Some(&k.read), None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r
        .header("retry-after")
        .parse()
        .expect("Retry-After seconds");
    assert!((1..=60).contains(&retry));
    // A second app (another replica) shares the counter through Redis.
    let other = TestApp::build(
        &[("REDIS_URL", &url), ("RATE_LIMIT_API", "2/m")],
        Router::new(),
    )
    .await;
    let shared = service_registry::web::rate_limit::Limiter::new(
        &other.state.config.rate_limits,
        other.state.redis.clone(),
    )
    .expect("limiter");
    let key_id = api_keys::verify_admin_key(&app.state.db, k.read.trim_start_matches("AdminKey "))
        .await
        .expect("db")
        .expect("key")
        .id;
    let res = shared
        .check(
            service_registry::web::rate_limit::Policy::Api,
            &format!("key:{key_id}"),
        )
        .await;
    assert!(res.is_err(), "the other replica sees the exhausted bucket");
}

fn anon_probe() -> Router<service_registry::app::AppState> {
    Router::new().route("/probe/anon/", axum::routing::post(|| async { "created" }))
}

async fn anon_app(extra: &[(&str, &str)]) -> TestApp {
    // The layer needs the state, so the probe app is built first and the layer added with its state.
    let mut env: Vec<(&str, &str)> = vec![("RATE_LIMIT_API_ANON", "2/m")];
    env.extend_from_slice(extra);
    let app = TestApp::build(&env, Router::new()).await;
    let routes = anon_probe().route_layer(axum::middleware::from_fn_with_state(
        app.state.clone(),
        service_registry::web::rate_limit::anonymous_layer,
    ));
    let router = service_registry::app::router_with_api(app.state.clone(), routes);
    TestApp { router, ..app }
}

async fn anon_post(app: &TestApp, peer: &str, xff: Option<&str>) -> StatusCode {
    let mut r = Request::post("/api/v1/probe/anon/").header("authorization", "ApiKey ignored");
    if let Some(x) = xff {
        r = r.header("x-forwarded-for", x);
    }
    let mut req = r.body(Body::empty()).expect("request");
    let addr: std::net::SocketAddr = format!("{peer}:40000").parse().expect("addr");
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    app.send(req).await.status
}

#[tokio::test]
async fn anonymous_calls_are_limited_per_client_address() {
    let app = anon_app(&[("FORWARDED_ALLOW_IPS", "127.0.0.1")]).await;
    // Two clients behind the trusted proxy get separate buckets.
    for _ in 0..2 {
        assert_eq!(
            anon_post(&app, "127.0.0.1", Some("198.51.100.7")).await,
            StatusCode::OK
        );
    }
    let limited = anon_post(&app, "127.0.0.1", Some("198.51.100.7")).await;
    assert_eq!(limited, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        anon_post(&app, "127.0.0.1", Some("198.51.100.8")).await,
        StatusCode::OK
    );
    // An untrusted peer cannot mint fresh buckets by varying X-Forwarded-For.
    for (i, expected) in [
        StatusCode::OK,
        StatusCode::OK,
        StatusCode::TOO_MANY_REQUESTS,
    ]
    .into_iter()
    .enumerate()
    {
        let spoof = format!("203.0.113.{i}");
        assert_eq!(
            anon_post(&app, "192.0.2.50", Some(&spoof)).await,
            expected,
            "call {i}"
        );
    }
}

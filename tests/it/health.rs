//! Health probes: live always; ready only with a reachable, fully migrated database.

use crate::support::TestApp;
use axum::http::StatusCode;

#[tokio::test]
async fn live_and_ready_when_everything_is_fine() {
    let app = TestApp::new().await;
    let live = app.get("/health/live/").await;
    assert_eq!(live.status, StatusCode::OK);
    assert_eq!(live.json()["status"], "ok");
    let ready = app.get("/health/ready/").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text());
    assert_eq!(ready.json()["status"], "ok");
    assert_eq!(ready.json()["checks"]["database"], "ok");
}

#[tokio::test]
async fn not_ready_when_a_migration_is_missing() {
    let app = TestApp::new().await;
    service_registry::db::migrate_down(&app.db.cfg, app.db.search_path.as_deref(), Some(1))
        .await
        .expect("down 1");
    let r = app.get("/health/ready/").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.json()["status"], "error");
    assert!(
        r.json()["checks"]["database"]
            .as_str()
            .unwrap_or_default()
            .contains("not applied")
    );
}

#[tokio::test]
async fn not_ready_within_a_second_when_the_database_is_gone() {
    let app = TestApp::new().await;
    app.state.db.close_by_ref().await.expect("close pool");
    let r = app.get("/health/ready/").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text());
    assert_eq!(r.json()["status"], "error");
    assert_ne!(r.json()["checks"]["database"], "ok");
    // Liveness does not depend on the database.
    assert_eq!(app.get("/health/live/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn not_ready_when_configured_redis_is_unreachable() {
    // Port 9 (discard) on loopback: nothing listens there.
    let app = TestApp::build(
        &[("REDIS_URL", "redis://127.0.0.1:9/0")],
        axum::Router::new(),
    )
    .await;
    let r = app.get("/health/ready/").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_ne!(r.json()["checks"]["redis"], "ok");
    assert_eq!(r.json()["checks"]["database"], "ok");
}

#[tokio::test]
async fn ready_with_a_reachable_redis() {
    let Some(url) = std::env::var("TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("SKIPPED: TEST_REDIS_URL is not set (.ci/run sets it)");
        return;
    };
    let app = TestApp::build(&[("REDIS_URL", url.as_str())], axum::Router::new()).await;
    let r = app.get("/health/ready/").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["checks"]["redis"], "ok");
}

//! The access log: one compact line per response under the tracing target `access`, switched off by
//! `LOG_REQUESTS=false` or by the log filter (`access=off`). The log output is captured in-process.

use crate::support::TestApp;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use std::sync::{Arc, Mutex};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Everything the subscriber writes, kept in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

/// Builds the app with `env`, then sends one request with a credential in its query and headers while
/// a subscriber with `filter` (the `RUST_LOG` syntax) captures this thread's log output.
async fn one_request(env: &[(&str, &str)], filter: &str) -> (String, String) {
    let app = TestApp::build(env, Router::new()).await;
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(filter))
        .with_writer(logs.clone())
        .with_ansi(false)
        .compact()
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    let resp = app
        .send(
            Request::get("/health/live/?token=query-secret")
                .header("authorization", "AdminKey header-secret")
                .header("user-agent", "access-log-test")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    drop(guard);
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    (logs.text(), resp.header("x-request-id"))
}

fn access_lines(logs: &str) -> Vec<&str> {
    logs.lines().filter(|l| l.contains(" access:")).collect()
}

#[tokio::test]
async fn one_compact_line_per_response_by_default() {
    let (logs, request_id) = one_request(&[], "info").await;
    let lines = access_lines(&logs);
    assert_eq!(lines.len(), 1, "exactly one access line: {logs}");
    let line = lines[0];
    for part in [
        " INFO ",
        "method=GET",
        "path=/health/live/",
        "status=200",
        "latency_ms=",
        &format!("request_id={request_id}"),
    ] {
        assert!(line.contains(part), "{part:?} missing from {line:?}");
    }
    // Compact: no header dump, no query string, and no second per-response line at info.
    for leak in [
        "query-secret",
        "header-secret",
        "access-log-test",
        "headers",
    ] {
        assert!(!logs.contains(leak), "{leak:?} must not be logged: {logs}");
    }
    assert_eq!(
        logs.lines().filter(|l| l.contains("/health/live/")).count(),
        1,
        "one line per request at info: {logs}"
    );
}

#[tokio::test]
async fn log_requests_false_writes_no_access_line() {
    let (logs, _) = one_request(&[("LOG_REQUESTS", "false")], "trace").await;
    assert!(access_lines(&logs).is_empty(), "{logs}");
}

#[tokio::test]
async fn the_log_filter_can_turn_the_access_log_off() {
    let (logs, _) = one_request(&[("LOG_REQUESTS", "true")], "info,access=off").await;
    assert!(access_lines(&logs).is_empty(), "{logs}");
}

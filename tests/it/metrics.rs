//! `/metrics`: the named series in the OpenMetrics text format with plausible values after a few
//! requests (route templates, never raw paths), and the optional bearer token.

use crate::submissions_api::{register, send};
use crate::support::TestApp;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};

/// The value of the sample line that starts with `prefix` (name and labels), if any.
fn sample(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn series_are_exposed_by_route_template_with_plausible_values() {
    let app = TestApp::new().await;
    let (id, auth) = register(&app).await;
    for _ in 0..3 {
        let r = send(
            &app,
            Method::GET,
            &format!("/api/v1/submissions/{id}/"),
            Some(&auth),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    assert_eq!(
        app.get("/no/such/page/").await.status,
        StatusCode::NOT_FOUND
    );
    service_registry::jobs::queue::enqueue(
        &app.state.db,
        "send_email",
        serde_json::json!({}),
        chrono::DateTime::UNIX_EPOCH,
    )
    .await
    .expect("enqueue");

    let r = app.get("/metrics").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.header("content-type")
            .starts_with("application/openmetrics-text")
    );
    let text = r.text();
    let route = "/api/v1/submissions/{id}/";
    assert_eq!(
        sample(
            &text,
            &format!(
                "service_registry_http_requests_total{{method=\"GET\",route=\"{route}\",status=\"200\"}}"
            )
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            &format!(
                "service_registry_http_request_duration_seconds_count{{method=\"GET\",route=\"{route}\"}}"
            )
        ),
        Some(3.0),
        "{text}"
    );
    assert!(
        text.contains(
            "service_registry_http_request_duration_seconds_bucket{le=\"+Inf\",method=\"GET\""
        ) || text.contains(&format!("route=\"{route}\",le=\"+Inf\"}}")),
        "{text}"
    );
    assert!(!text.contains(&id), "a raw path reached the labels: {text}");
    assert!(!text.contains("/no/such/page/"), "{text}");
    let queued = sample(
        &text,
        "service_registry_jobs{kind=\"send_email\",state=\"queued\"}",
    )
    .expect("queued send_email jobs");
    assert!(queued >= 1.0, "{text}");
    let terms = sample(&text, "service_registry_edam_terms ").expect("edam terms");
    assert!(terms > 100.0, "the seeded EDAM terms: {text}");
    assert_eq!(
        sample(&text, "service_registry_biotools_sync_errors "),
        Some(0.0)
    );
    assert!(text.trim_end().ends_with("# EOF"), "{text}");
}

#[tokio::test]
async fn the_token_is_required_when_configured() {
    let app = TestApp::build(&[("METRICS_TOKEN", "scrape-token-123")], Default::default()).await;
    let r = app.get("/metrics").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.header("www-authenticate").starts_with("Bearer"));
    assert!(!r.text().contains("service_registry_"));
    let with = |value: &str| {
        Request::get("/metrics")
            .header("authorization", value)
            .body(Body::empty())
            .expect("request")
    };
    let r = app.send(with("Bearer wrong-token")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.send(with("Bearer scrape-token-123")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("service_registry_edam_terms"));
}

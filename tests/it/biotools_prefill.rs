//! `GET /biotools/prefill/` through the real router against a local stand-in for bio.tools: the values
//! the form may fill in (EDAM terms matched to current terms, licences to current SPDX ids, GitHub,
//! publications), 404 and outage answers, a bad id refused before any request, the short cache, and
//! the rate limit.

use crate::support::TestApp;
use axum::http::StatusCode;
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn minitool() -> Value {
    let text = std::fs::read_to_string(crate::support::repo_path(
        "tests/fixtures/biotools/minitool.json",
    ))
    .expect("fixture");
    serde_json::from_str(&text).expect("json")
}

async fn app_for(server: &MockServer, extra: &[(&str, &str)]) -> TestApp {
    let uri = server.uri();
    let mut env = vec![("BIOTOOLS_API_URL", uri.as_str())];
    env.extend_from_slice(extra);
    TestApp::build(&env, axum::Router::new()).await
}

#[tokio::test]
async fn an_entry_becomes_the_values_the_form_may_fill_in() {
    let server = MockServer::start().await;
    let mut tool = minitool();
    tool["license"] = Value::String("MIT".into());
    Mock::given(method("GET"))
        .and(path("/tool/minitool/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(tool))
        .expect(1)
        .mount(&server)
        .await;
    let app = app_for(&server, &[]).await;
    let r = app
        .get("/biotools/prefill/?id=https%3A%2F%2Fbio.tools%2FMiniTool%2F")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let j = r.json();
    assert_eq!(j["found"], true);
    assert_eq!(j["name"], "MiniTool");
    assert_eq!(j["github_url"], "https://github.com/example/minitool");
    let topics: Vec<&str> = j["edam_topics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["accession"].as_str())
        .collect();
    assert_eq!(
        topics,
        ["topic_0080", "topic_0091"],
        "matched to current terms, once each"
    );
    assert!(
        j["edam_topics"][0]["id"].as_i64().is_some(),
        "the row id the picker posts"
    );
    let ops: Vec<&str> = j["edam_operations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["accession"].as_str())
        .collect();
    assert!(ops.contains(&"operation_0292"), "{ops:?}");
    assert_eq!(j["licenses"][0]["id"], "MIT");
    assert!(!j["publications"].as_str().unwrap_or_default().is_empty());
    // The second lookup is answered from the cache (the mock expects exactly one request).
    let again = app.get("/biotools/prefill/?id=minitool").await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["name"], "MiniTool");
}

#[tokio::test]
async fn unknown_entries_outages_and_bad_ids_say_so() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/tool/nosuchtool/"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/tool/down/"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let app = app_for(&server, &[]).await;
    let r = app.get("/biotools/prefill/?id=nosuchtool").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["found"], false);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap_or_default()
            .contains("nosuchtool")
    );
    let r = app.get("/biotools/prefill/?id=down").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap_or_default()
            .contains("unavailable")
    );
    for bad in ["", "https%3A%2F%2Fevil.example%2Fx", "a%2Fb"] {
        let r = app.get(&format!("/biotools/prefill/?id={bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(r.json()["found"], false);
    }
    let hosts: Vec<String> = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|q| q.url.path().to_string())
        .collect();
    assert_eq!(
        hosts,
        ["/tool/nosuchtool/", "/tool/down/"],
        "bad ids never reach bio.tools"
    );
}

#[tokio::test]
async fn lookups_are_rate_limited() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let app = app_for(&server, &[("RATE_LIMIT_BIOTOOLS", "2/h")]).await;
    assert_eq!(
        app.get("/biotools/prefill/?id=a1").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/biotools/prefill/?id=a2").await.status,
        StatusCode::NOT_FOUND
    );
    let r = app.get("/biotools/prefill/?id=a3").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!r.header("retry-after").is_empty());
}

//! API plumbing: the error envelope for every failure, request ids, and the OpenAPI document.

use crate::support::TestApp;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use axum::routing::post;
use serde::Deserialize;
use service_registry::api::json::ApiJson;
use service_registry::app::AppState;
use std::net::SocketAddr;

#[derive(Deserialize)]
struct Probe {
    #[allow(dead_code)]
    name: String,
    #[allow(dead_code)]
    count: u32,
}

/// A JSON-accepting route mounted under `/api/v1` so the body extractor's errors can be exercised
/// through the real layers before the domain endpoints exist.
fn probe_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/probe/",
            post(|ApiJson(_p): ApiJson<Probe>| async { "ok" }),
        )
        .route(
            "/panic/",
            axum::routing::get(|| async {
                let v: Vec<u8> = Vec::new();
                // An out-of-bounds index: the kind of bug a handler might have.
                format!("{}", v[usize::from(v.is_empty())])
            }),
        )
}

fn assert_envelope(r: &crate::support::TestResponse, status: u16, code: &str) -> serde_json::Value {
    assert_eq!(r.status.as_u16(), status, "{}", r.text());
    assert!(
        r.header("content-type").starts_with("application/json"),
        "{}",
        r.header("content-type")
    );
    let body = r.json();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert_eq!(body["error"]["status"], status);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    let rid = body["request_id"].as_str().expect("request_id");
    assert_eq!(
        rid,
        r.header("x-request-id"),
        "body and header carry the same id"
    );
    assert!(uuid::Uuid::parse_str(rid).is_ok(), "{rid}");
    body
}

#[tokio::test]
async fn unknown_api_route_gets_the_envelope() {
    let app = TestApp::new().await;
    assert_envelope(&app.get("/api/v1/does-not-exist/").await, 404, "not_found");
    assert_envelope(&app.get("/api/nothing").await, 404, "not_found");
}

#[tokio::test]
async fn wrong_method_gets_the_envelope() {
    let app = TestApp::build(&[], probe_routes()).await;
    let r = app
        .call(Method::DELETE, "/api/schema/", "application/json", "")
        .await;
    let body = assert_envelope(&r, 405, "method_not_allowed");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("DELETE")
    );
    let r = app.get("/api/v1/probe/").await;
    assert_envelope(&r, 405, "method_not_allowed");
}

#[tokio::test]
async fn malformed_json_wrong_types_and_content_type_get_the_envelope() {
    let app = TestApp::build(&[], probe_routes()).await;
    let ok = app
        .call(
            Method::POST,
            "/api/v1/probe/",
            "application/json",
            r#"{"name":"a","count":1}"#,
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);

    let r = app
        .call(
            Method::POST,
            "/api/v1/probe/",
            "application/json",
            r#"{"name": "a", "#,
        )
        .await;
    let body = assert_envelope(&r, 400, "malformed_json");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("line"),
        "{body}"
    );

    let r = app
        .call(
            Method::POST,
            "/api/v1/probe/",
            "application/json",
            r#"{"name": 5, "count": "x"}"#,
        )
        .await;
    assert_envelope(&r, 400, "invalid_json");

    let r = app
        .call(
            Method::POST,
            "/api/v1/probe/",
            "text/plain",
            r#"{"name":"a","count":1}"#,
        )
        .await;
    assert_envelope(&r, 415, "unsupported_media_type");

    let r = app
        .call(
            Method::POST,
            "/api/v1/probe/",
            "application/json",
            "\u{0}\u{1}garbage",
        )
        .await;
    assert_envelope(&r, 400, "malformed_json");
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let app = TestApp::build(&[("MAX_BODY_BYTES", "1024")], probe_routes()).await;
    let big = format!(r#"{{"name":"{}","count":1}}"#, "x".repeat(4096));
    let r = app
        .call(Method::POST, "/api/v1/probe/", "application/json", &big)
        .await;
    assert_envelope(&r, 413, "payload_too_large");
}

#[tokio::test]
async fn request_ids_from_untrusted_clients_are_replaced_and_from_proxies_kept() {
    let app = TestApp::new().await;
    let req = |peer: &str| {
        let mut r = Request::get("/api/v1/missing/")
            .header("x-request-id", "proxy-chosen-id-123")
            .body(Body::empty())
            .expect("request");
        r.extensions_mut()
            .insert(ConnectInfo(peer.parse::<SocketAddr>().expect("addr")));
        r
    };
    let from_proxy = app.send(req("127.0.0.1:4000")).await;
    assert_eq!(from_proxy.header("x-request-id"), "proxy-chosen-id-123");
    assert_eq!(from_proxy.json()["request_id"], "proxy-chosen-id-123");
    let from_client = app.send(req("198.51.100.7:4000")).await;
    assert_ne!(from_client.header("x-request-id"), "proxy-chosen-id-123");
    assert!(uuid::Uuid::parse_str(&from_client.header("x-request-id")).is_ok());
}

#[tokio::test]
async fn openapi_document_yaml_by_default_json_on_request() {
    let app = TestApp::new().await;
    let yaml = app.get("/api/schema/").await;
    assert_eq!(yaml.status, StatusCode::OK);
    assert!(
        yaml.header("content-type")
            .starts_with("application/vnd.oai.openapi")
    );
    let doc: serde_json::Value = serde_yaml::from_str(&yaml.text()).expect("valid YAML");
    assert!(
        doc["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["version"], service_registry::api::API_VERSION);
    assert_eq!(
        doc["info"]["title"],
        "de.NBI Service Registration Platform API"
    );
    assert!(doc["paths"]["/health/ready/"].is_object());

    let json = app.get("/api/schema/?format=json").await;
    assert_eq!(json.status, StatusCode::OK);
    assert_eq!(json.json(), doc, "both formats carry the same document");
    assert_envelope(
        &app.get("/api/schema/?format=xml").await,
        400,
        "bad_request",
    );
}

#[tokio::test]
async fn a_panicking_handler_gives_a_500_envelope_without_details() {
    let app = TestApp::build(&[], probe_routes()).await;
    let r = app.get("/api/v1/panic/").await;
    let body = assert_envelope(&r, 500, "internal_error");
    assert!(
        !body.to_string().contains("index out of bounds"),
        "no internals leak: {body}"
    );
}

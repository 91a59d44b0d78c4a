//! `/api/v1/biotools/` and the `biotoolsrecord` nested in submissions: admin keys only, the synced
//! record with its functions in order and its topics resolved, filters, the choice among several
//! records of one tool, and the record gone with the URL.

use axum::http::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use service_registry::auth::api_keys::AdminScope;
use service_registry::jobs::{Clock, ManualClock};
use service_registry::submissions::entity::service_submission as sub;
use wiremock::{MockServer, ResponseTemplate};

use crate::biotools_sync::{app_for, minitool, patch_url, run_jobs, serve, start};
use crate::submissions_api::{admin_auth, send, valid_body};
use crate::support::TestApp;

pub(crate) async fn serving_minitool() -> (MockServer, TestApp) {
    let server = MockServer::start().await;
    serve(
        &server,
        "minitool",
        ResponseTemplate::new(200).set_body_json(minitool()),
        None,
    )
    .await;
    let app = app_for(&server).await;
    (server, app)
}

/// Registers with the bio.tools URL; returns (id, the submission's own key).
async fn register(app: &TestApp, url: &str) -> (String, String) {
    let body = valid_body(app).await;
    register_body(app, body, url).await
}

async fn register_body(app: &TestApp, mut body: Value, url: &str) -> (String, String) {
    body["biotools_url"] = json!(url);
    let r = send(app, Method::POST, "/api/v1/submissions/", None, Some(&body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    assert_eq!(
        v["biotoolsrecord"],
        Value::Null,
        "no record before the sync ran"
    );
    (
        v["id"].as_str().expect("id").to_string(),
        v["api_key"].as_str().expect("key").to_string(),
    )
}

async fn get(app: &TestApp, path: &str, auth: Option<&str>) -> (StatusCode, Value) {
    let r = send(app, Method::GET, path, auth, None).await;
    let status = r.status;
    (
        status,
        serde_json::from_str(&r.text()).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn biotools_endpoints_need_an_admin_key() {
    let (_server, app) = serving_minitool().await;
    let (_, key) = register(&app, "https://bio.tools/minitool").await;
    let submission_key = format!("ApiKey {key}");
    for path in ["/api/v1/biotools/", "/api/v1/biotools/minitool/"] {
        let (status, body) = get(&app, path, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path} anonymous: {body}");
        let (status, body) = get(&app, path, Some("AdminKey not-a-key")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path} bad key: {body}");
        let (status, body) = get(&app, path, Some(&submission_key)).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{path} submission key: {body}"
        );
        assert_eq!(
            body["error"]["message"],
            service_registry::api::auth::ADMIN_REQUIRED
        );
    }
}

#[tokio::test]
async fn a_synced_record_is_listed_found_by_id_and_nested_in_its_submission() {
    let (_server, app) = serving_minitool().await;
    let (id, key) = register(&app, "https://bio.tools/minitool").await;
    let admin = admin_auth(&app, AdminScope::Read).await;
    let (status, page) = get(&app, "/api/v1/biotools/", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["count"], 0, "nothing before the sync: {page}");

    let clock = ManualClock::new(start());
    run_jobs(&app, &clock).await;

    let (status, page) = get(&app, "/api/v1/biotools/", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["count"], 1, "{page}");
    let r = &page["results"][0];
    assert_eq!(r["biotools_id"], "minitool");
    assert_eq!(r["biotools_url"], "https://bio.tools/minitool");
    assert_eq!(r["name"], "MiniTool");
    assert_eq!(r["sync_error"], "");
    assert_eq!(r["sync_ok"], true);
    assert_eq!(r["submission"], id.as_str());
    assert!(
        r["submission_url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/api/v1/submissions/{id}/"))),
        "{r}"
    );
    let positions: Vec<i64> = r["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .filter_map(|f| f["position"].as_i64())
        .collect();
    assert_eq!(positions, [0, 1]);
    assert_eq!(r["functions"][0]["cmd"], "minitool <in.fa >out.aln");
    assert_eq!(
        r["functions"][1]["operations"][0]["uri"],
        "http://edamontology.org/operation_0004"
    );
    let uris: Vec<&str> = r["edam_topic_uris"]
        .as_array()
        .expect("uris")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(uris.contains(&"http://edamontology.org/topic_0080"), "{r}");
    let resolved = r["edam_topics_resolved"].as_array().expect("resolved");
    assert!(
        resolved
            .iter()
            .any(|t| t["uri"] == "http://edamontology.org/topic_0080"
                && t["label"] == "Sequence analysis"
                && t["accession"] == "topic_0080"),
        "the built-in EDAM release resolves the topic: {resolved:?}"
    );

    // Filters.
    for (query, count) in [
        ("?biotools_id=MiniTool", 1),
        ("?biotools_id=https://bio.tools/minitool/", 1),
        ("?biotools_id=blast", 0),
        ("?biotools_id=a/b", 0),
        ("?biotools_id=%C3%A5", 0),
        (&format!("?submission={id}") as &str, 1),
        ("?submission=00000000-0000-4000-8000-000000000000", 0),
    ] {
        let (status, page) = get(&app, &format!("/api/v1/biotools/{query}"), Some(&admin)).await;
        assert_eq!(status, StatusCode::OK, "{query}: {page}");
        assert_eq!(page["count"], count, "{query}: {page}");
    }
    for query in ["?submission=nope", "?submission=", "?page_size=0"] {
        let (status, body) = get(&app, &format!("/api/v1/biotools/{query}"), Some(&admin)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
    }

    // One tool by id, case-insensitive; unknown and malformed ids are 404.
    let (status, one) = get(&app, "/api/v1/biotools/MINITOOL/", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one, *r, "the detail is the listed object");
    for bad in ["/api/v1/biotools/blast/", "/api/v1/biotools/a%20b/"] {
        let (status, body) = get(&app, bad, Some(&admin)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}: {body}");
    }

    // Nested in the submission, for its own key and for admin keys, in the list too.
    let own = format!("ApiKey {key}");
    let (status, s) = get(&app, &format!("/api/v1/submissions/{id}/"), Some(&own)).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["biotoolsrecord"], *r);
    let (_, list) = get(&app, "/api/v1/submissions/", Some(&admin)).await;
    assert_eq!(
        list["results"][0]["biotoolsrecord"]["biotools_id"],
        "minitool"
    );

    // Removing the URL removes the record.
    patch_url(&app, &id, "").await;
    run_jobs(&app, &clock).await;
    let (_, s) = get(&app, &format!("/api/v1/submissions/{id}/"), Some(&own)).await;
    assert_eq!(s["biotoolsrecord"], Value::Null, "{s}");
    let (_, page) = get(&app, "/api/v1/biotools/", Some(&admin)).await;
    assert_eq!(page["count"], 0, "{page}");
    let (status, _) = get(&app, "/api/v1/biotools/minitool/", Some(&admin)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn of_two_submissions_linking_one_tool_the_approved_ones_record_is_shown() {
    let (_server, app) = serving_minitool().await;
    let mut body = valid_body(&app).await;
    let (first, _) = register_body(&app, body.clone(), "https://bio.tools/minitool").await;
    body["service_name"] = json!("Another service of the same tool");
    let (second, _) = register_body(&app, body, "https://bio.tools/MiniTool/").await;
    let clock = ManualClock::new(start());
    run_jobs(&app, &clock).await;
    let admin = admin_auth(&app, AdminScope::Full).await;
    let (_, page) = get(&app, "/api/v1/biotools/?biotools_id=minitool", Some(&admin)).await;
    assert_eq!(page["count"], 2, "one record per submission: {page}");

    let uuid = uuid::Uuid::parse_str(&second).expect("uuid");
    let row = sub::Entity::find_by_id(uuid)
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("row");
    let mut am: sub::ActiveModel = row.into();
    am.status = Set("approved".into());
    am.update(&app.state.db).await.expect("approve");
    let (status, one) = get(&app, "/api/v1/biotools/minitool/", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(
        one["submission"],
        second.as_str(),
        "approved wins over {first}"
    );
}

#[tokio::test]
async fn a_resync_asks_with_the_stored_validators_and_a_304_keeps_the_data_as_current() {
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, Request};
    let server = MockServer::start().await;
    let etag = "\"minitool-v1\"";
    let modified = "Tue, 01 Dec 2026 10:00:00 GMT";
    // Asked with both validators → 304; asked without → the tool with them.
    Mock::given(method("GET"))
        .and(path("/tool/minitool/"))
        .and(header("if-none-match", etag))
        .and(header("if-modified-since", modified))
        .respond_with(ResponseTemplate::new(304))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/tool/minitool/"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", etag)
                .insert_header("last-modified", modified)
                .set_body_json(minitool()),
        )
        .mount(&server)
        .await;
    let app = app_for(&server).await;
    let (id, _) = register(&app, "https://bio.tools/minitool").await;
    let clock = ManualClock::new(start());
    run_jobs(&app, &clock).await;
    let admin = admin_auth(&app, AdminScope::Read).await;
    let (_, first) = get(&app, "/api/v1/biotools/minitool/", Some(&admin)).await;
    assert_eq!(first["name"], "MiniTool", "{first}");

    // The daily job a day later: a conditional request, answered 304.
    clock.advance(chrono::Duration::days(1));
    service_registry::jobs::enqueue(&app.state.db, "biotools.sync_all", json!({}), clock.now())
        .await
        .expect("enqueue");
    run_jobs(&app, &clock).await;
    let requests: Vec<Request> = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 2, "one request per sync");
    assert!(requests[0].headers.get("if-none-match").is_none());
    assert_eq!(
        requests[1]
            .headers
            .get("if-none-match")
            .and_then(|v| v.to_str().ok()),
        Some(etag)
    );
    let (_, second) = get(&app, "/api/v1/biotools/minitool/", Some(&admin)).await;
    assert_eq!(second["functions"], first["functions"], "the data is kept");
    assert_eq!(second["name"], "MiniTool");
    assert_eq!(second["sync_ok"], true);
    assert_ne!(
        second["last_synced_at"], first["last_synced_at"],
        "a 304 counts as a successful sync"
    );
    assert_eq!(second["submission"], id.as_str());
}

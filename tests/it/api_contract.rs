//! The API contract the original's clients rely on, through the real router: plain arrays for the
//! reference lists, one pagination rule (`page=last`, 404 past the end, 400 for a bad `page_size`, no
//! overflow for huge numbers), links from the request's own origin, NUL bytes refused before the
//! database, and `Allow` on every 405.

use crate::reference_api::{keys, req};
use crate::submissions_api::{admin_auth, send, valid_body};
use crate::support::{TestApp, TestResponse};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;
use service_registry::auth::api_keys::AdminScope;
use std::net::SocketAddr;

const HUGE: &str = "9223372036854775807";
const REFERENCE_LISTS: [&str; 3] = [
    "/api/v1/categories/",
    "/api/v1/service-centers/",
    "/api/v1/pis/",
];

fn assert_envelope(r: &TestResponse, status: u16, code: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.text());
    let body = r.json();
    assert_eq!(body["error"]["status"], status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["request_id"].is_string(), "{body}");
}

/// An app with `n` registered submissions (registration limits raised) and a read admin key.
async fn with_submissions(n: usize) -> (TestApp, String) {
    let app = TestApp::build(&[("RATE_LIMIT_API_ANON", "1000/m")], axum::Router::new()).await;
    if n > 0 {
        let body = valid_body(&app).await;
        for i in 0..n {
            let mut b = body.clone();
            b["service_name"] = json!(format!("Service {i}"));
            let r = send(&app, Method::POST, "/api/v1/submissions/", None, Some(&b)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
    }
    let auth = admin_auth(&app, AdminScope::Read).await;
    (app, auth)
}

async fn list(app: &TestApp, auth: &str, query: &str) -> TestResponse {
    let r = Request::get(format!("/api/v1/submissions/{query}"))
        .header("authorization", auth)
        .header("host", "localhost")
        .body(Body::empty())
        .expect("request");
    app.send(r).await
}

#[tokio::test]
async fn reference_lists_are_plain_arrays_whose_filters_work_and_ignore_page_numbers() {
    let app = TestApp::new().await;
    let k = keys(&app).await;
    let full = Some(k.full.as_str());
    for body in [
        r#"{"name":"Alpha"}"#,
        r#"{"name":"Beta","is_active":false}"#,
    ] {
        let r = req(&app, "POST", "/api/v1/categories/", full, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let r = req(
        &app,
        "POST",
        "/api/v1/service-centers/",
        full,
        Some(r#"{"short_name":"HD","full_name":"Heidelberg"}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = req(
        &app,
        "POST",
        "/api/v1/pis/",
        full,
        Some(r#"{"last_name":"Doe","first_name":"Jane"}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    for path in REFERENCE_LISTS {
        let r = req(&app, "GET", path, Some(&k.read), None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
        let rows = r.json();
        let rows = rows.as_array().expect("a plain JSON array");
        assert!(!rows.is_empty(), "{path}");
        assert!(
            rows.iter()
                .all(|row| row["id"].is_string() || row["id"].is_i64())
        );
        // Paging parameters mean nothing to an unpaginated list, however large.
        for q in [format!("?page={HUGE}"), format!("?page_size=0&page={HUGE}")] {
            let r = req(&app, "GET", &format!("{path}{q}"), Some(&k.read), None).await;
            assert_eq!(r.status, StatusCode::OK, "{path}{q}: {}", r.text());
            assert_eq!(r.json().as_array().map(Vec::len), Some(rows.len()));
        }
    }
    let active = req(
        &app,
        "GET",
        "/api/v1/categories/?is_active=true",
        Some(&k.read),
        None,
    )
    .await
    .json();
    assert_eq!(
        active,
        json!([{"id": active[0]["id"], "name": "Alpha", "is_active": true}])
    );
    let inactive = req(
        &app,
        "GET",
        "/api/v1/categories/?is_active=false",
        Some(&k.read),
        None,
    )
    .await
    .json();
    assert_eq!(inactive.as_array().map(Vec::len), Some(1));
    assert_eq!(inactive[0]["name"], "Beta");
}

#[tokio::test]
async fn pages_by_number_and_last_with_links_on_the_request_origin() {
    let (app, auth) = with_submissions(3).await;
    let first = list(&app, &auth, "?page_size=2").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let j = first.json();
    assert_eq!(j["count"], 3);
    assert_eq!(j["results"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        j["next"],
        "http://localhost/api/v1/submissions/?page_size=2&page=2"
    );
    assert!(j["previous"].is_null());

    let last = list(&app, &auth, "?page_size=2&page=last").await;
    assert_eq!(last.status, StatusCode::OK, "{}", last.text());
    let l = last.json();
    assert_eq!(l["results"].as_array().map(Vec::len), Some(1));
    assert!(l["next"].is_null());
    // The link to page 1 carries no page number, as in the original.
    assert_eq!(
        l["previous"],
        "http://localhost/api/v1/submissions/?page_size=2"
    );
    assert_eq!(
        list(&app, &auth, "?page_size=2&page=2").await.json(),
        l,
        "last is the last page"
    );
    // The three submissions, each exactly once across the pages.
    let mut ids: Vec<String> = [&j, &l]
        .iter()
        .flat_map(|p| p["results"].as_array().cloned().unwrap_or_default())
        .map(|s| s["id"].as_str().unwrap_or_default().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3);

    // page_size above the maximum is capped, not refused.
    let capped = TestApp::build(
        &[
            ("RATE_LIMIT_API_ANON", "1000/m"),
            ("API_MAX_PAGE_SIZE", "2"),
        ],
        axum::Router::new(),
    )
    .await;
    let body = valid_body(&capped).await;
    for i in 0..3 {
        let mut b = body.clone();
        b["service_name"] = json!(format!("Capped {i}"));
        let r = send(
            &capped,
            Method::POST,
            "/api/v1/submissions/",
            None,
            Some(&b),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let cap_auth = admin_auth(&capped, AdminScope::Read).await;
    let r = list(&capped, &cap_auth, "?page_size=1000").await.json();
    assert_eq!(r["count"], 3);
    assert_eq!(r["results"].as_array().map(Vec::len), Some(2));
    let r = list(&capped, &cap_auth, "?page_size=99999999999999999999999").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["results"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn bad_pages_are_404_and_bad_page_sizes_400_before_any_arithmetic() {
    let (app, auth) = with_submissions(2).await;
    let past = [
        "?page=3".to_string(),
        "?page_size=1&page=3".to_string(),
        format!("?page={HUGE}"),
        format!("?page_size=100&page={HUGE}"),
        format!("?page={}", u64::MAX),
        "?page=99999999999999999999999".to_string(),
        "?page=0".to_string(),
        "?page=-1".to_string(),
        "?page=abc".to_string(),
        "?page=1.5".to_string(),
        "?page=LAST".to_string(),
    ];
    for q in past {
        let r = list(&app, &auth, &q).await;
        assert_envelope(&r, 404, "not_found");
        assert_eq!(r.json()["error"]["message"], "Invalid page.", "{q}");
    }
    for q in [
        "?page_size=0",
        "?page_size=-1",
        "?page_size=abc",
        "?page_size=1e2",
        "?page=1&page_size=-9223372036854775808",
    ] {
        assert_envelope(&list(&app, &auth, q).await, 400, "bad_request");
    }
    assert_eq!(list(&app, &auth, "?page=2&page_size=1").await.status, 200);
    assert_eq!(
        list(&app, &auth, "?page=").await.status,
        200,
        "empty = page 1"
    );
}

#[tokio::test]
async fn an_empty_list_has_a_page_one_and_nothing_after_it() {
    let (app, auth) = with_submissions(0).await;
    for q in ["", "?page=1", "?page=last", "?status=approved&page=last"] {
        let r = list(&app, &auth, q).await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text());
        assert_eq!(
            r.json(),
            json!({"count": 0, "next": null, "previous": null, "results": []})
        );
    }
    assert_envelope(&list(&app, &auth, "?page=2").await, 404, "not_found");
    assert_envelope(
        &list(&app, &auth, &format!("?page={HUGE}")).await,
        404,
        "not_found",
    );
}

#[tokio::test]
async fn link_scheme_follows_only_trusted_proxies_and_unknown_hosts_get_the_public_url() {
    let (app, auth) = with_submissions(2).await;
    let next = |host: &str, peer: &str, proto: &str| {
        let mut r = Request::get("/api/v1/submissions/?page_size=1")
            .header("authorization", auth.as_str())
            .header("host", host)
            .header("x-forwarded-proto", proto)
            .body(Body::empty())
            .expect("request");
        let addr: SocketAddr = peer.parse().expect("addr");
        r.extensions_mut().insert(ConnectInfo(addr));
        r
    };
    let trusted = app
        .send(next("localhost:8000", "127.0.0.1:5000", "https"))
        .await;
    assert_eq!(
        trusted.json()["next"],
        "https://localhost:8000/api/v1/submissions/?page_size=1&page=2"
    );
    let spoofed = app.send(next("localhost", "10.9.8.7:5000", "https")).await;
    assert_eq!(
        spoofed.json()["next"],
        "http://localhost/api/v1/submissions/?page_size=1&page=2"
    );
    // A Host outside ALLOWED_HOSTS never reaches a link: the configured public URL is used instead.
    let other = app
        .send(next("evil.example.com", "10.9.8.7:5000", "http"))
        .await;
    let site = app
        .state
        .config
        .site
        .site
        .url
        .trim_end_matches('/')
        .to_string();
    assert_eq!(
        other.json()["next"],
        format!("{site}/api/v1/submissions/?page_size=1&page=2")
    );
}

#[tokio::test]
async fn nul_bytes_in_path_or_query_are_refused_before_the_database() {
    let app = TestApp::new().await;
    let admin = admin_auth(&app, AdminScope::Full).await;
    for path in [
        "/api/v1/edam/%00/",
        "/api/v1/edam/topic_%000121/",
        "/api/v1/edam/?q=%00",
        "/api/v1/edam/?branch=%00",
        "/api/v1/submissions/?status=%00",
        "/api/v1/submissions/?service_center=%00",
        "/api/v1/submissions/?%00=x",
        "/api/v1/submissions/%00/",
        "/api/v1/categories/%00/",
        "/api/v1/service-centers/%00/",
        "/api/v1/pis/?is_active=tr%00ue",
    ] {
        for auth in [None, Some(admin.as_str())] {
            let r = send(&app, Method::GET, path, auth, None).await;
            assert_envelope(&r, 400, "bad_request");
        }
    }
    let r = send(
        &app,
        Method::PATCH,
        "/api/v1/submissions/%00/",
        Some(&admin),
        Some(&json!({})),
    )
    .await;
    assert_envelope(&r, 400, "bad_request");
    // Pages get the HTML error page, not a database error.
    let page = app.get("/edam/search/?q=%00").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    // An encoded percent sign followed by zeros is not a NUL.
    let r = send(&app, Method::GET, "/api/v1/edam/?q=%2500", None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

fn allow(r: &TestResponse) -> Vec<String> {
    let mut methods: Vec<String> = r
        .header("allow")
        .split(',')
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty())
        .collect();
    methods.sort();
    methods
}

#[tokio::test]
async fn every_405_names_the_allowed_methods() {
    let app = TestApp::new().await;
    let admin = admin_auth(&app, AdminScope::Full).await;
    let cases: [(Method, &str, &[&str]); 8] = [
        (
            Method::DELETE,
            "/api/v1/categories/",
            &["GET", "HEAD", "POST"],
        ),
        (
            Method::POST,
            "/api/v1/pis/00000000-0000-0000-0000-000000000000/",
            &["DELETE", "GET", "HEAD", "PATCH", "PUT"],
        ),
        (
            Method::DELETE,
            "/api/v1/submissions/",
            &["GET", "HEAD", "POST"],
        ),
        (Method::POST, "/api/v1/edam/", &["GET", "HEAD"]),
        (Method::DELETE, "/api/schema/", &["GET", "HEAD"]),
        (Method::POST, "/health/ready/", &["GET", "HEAD"]),
        // PUT and OPTIONS on a submission: the same Allow, naming only what is routed.
        (
            Method::PUT,
            "/api/v1/submissions/00000000-0000-0000-0000-000000000000/",
            &["GET", "HEAD", "PATCH"],
        ),
        (
            Method::OPTIONS,
            "/api/v1/submissions/00000000-0000-0000-0000-000000000000/",
            &["GET", "HEAD", "PATCH"],
        ),
    ];
    for (method, path, expected) in cases {
        let r = send(&app, method.clone(), path, Some(&admin), Some(&json!({}))).await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_eq!(allow(&r), expected, "{method} {path}");
        if path.starts_with("/api/") {
            assert_envelope(&r, 405, "method_not_allowed");
        }
    }
}

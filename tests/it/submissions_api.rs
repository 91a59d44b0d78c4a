//! The submissions API through the real router: registration, keyed access, PATCH with the lifecycle
//! rule and the change log, hostile input, listing.

use crate::support::{TestApp, TestResponse};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use service_registry::edam::entity::edam_term;
use service_registry::registry::entity::{
    principal_investigator as pi, service_category, service_center,
};
use service_registry::submissions::entity::service_submission;

/// Reference data for a valid submission; returns a complete, valid request body.
pub async fn valid_body(app: &TestApp) -> Value {
    let db = &app.state.db;
    let cat = service_category::ActiveModel {
        name: Set("Database".into()),
        is_active: Set(true),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("category");
    let centre = service_center::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        short_name: Set("BiGi".into()),
        full_name: Set("Bielefeld-Gießen Center".into()),
        website: Set(String::new()),
        is_active: Set(true),
    }
    .insert(db)
    .await
    .expect("centre");
    let person = pi::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        last_name: Set("Carberry".into()),
        first_name: Set("Josiah".into()),
        email: Set("pi@example.org".into()),
        institute: Set(String::new()),
        orcid: Set("0000-0002-1825-0097".into()),
        is_active: Set(true),
        is_associated_partner: Set(false),
    }
    .insert(db)
    .await
    .expect("pi");
    let topic = edam_term::Entity::find()
        .filter(edam_term::Column::Accession.eq("topic_0121"))
        .one(db)
        .await
        .expect("q")
        .expect("seeded EDAM");
    json!({
        "date_of_entry": "2026-11-01",
        "submitter_first_name": "Ada",
        "submitter_last_name": "Lovelace",
        "submitter_affiliation": "Example University",
        "service_name": "MetaProFi",
        "service_description": "A metagenomic protein function annotation service used by many groups worldwide.",
        "year_established": 2021,
        "service_category_ids": [cat.id],
        "publications_pmids": "34848984, 10.1093/nar/gkab1000",
        "edam_topic_ids": [topic.id],
        "responsible_pi_ids": [person.id.to_string()],
        "host_institute": "Example Institute",
        "service_center_id": centre.id.to_string(),
        "public_contact_email": "help@example.org",
        "internal_contact_name": "Grace Hopper",
        "internal_contact_email": "internal@example.org",
        "website_url": "https://example.org",
        "terms_of_use_url": "https://example.org/terms",
        "licenses": ["MIT"],
        "kpi_monitoring": "planned",
        "data_protection_consent": true
    })
}

pub async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    auth: Option<&str>,
    body: Option<&Value>,
) -> TestResponse {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let body = body
        .map(|b| Body::from(b.to_string()))
        .unwrap_or_else(Body::empty);
    app.send(req.body(body).expect("request")).await
}

/// An `Authorization` value for a fresh admin key of the given scope.
pub async fn admin_auth(
    app: &TestApp,
    scope: service_registry::auth::api_keys::AdminScope,
) -> String {
    let (_, key) = service_registry::auth::api_keys::issue_admin_key(
        &app.state.db,
        "test admin",
        scope,
        "tester",
    )
    .await
    .expect("admin key");
    format!("AdminKey {key}")
}

/// Registers the valid submission; returns (id, "ApiKey …" header value).
pub async fn register(app: &TestApp) -> (String, String) {
    let body = valid_body(app).await;
    let r = send(app, Method::POST, "/api/v1/submissions/", None, Some(&body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let j = r.json();
    (
        j["id"].as_str().expect("id").to_string(),
        format!("ApiKey {}", j["api_key"].as_str().expect("key")),
    )
}

pub async fn count(app: &TestApp) -> u64 {
    service_submission::Entity::find()
        .count(&app.state.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn registration_returns_the_key_once_and_never_internal_fields() {
    let app = TestApp::new().await;
    let body = valid_body(&app).await;
    let r = send(
        &app,
        Method::POST,
        "/api/v1/submissions/",
        None,
        Some(&body),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let j = r.json();
    assert_eq!(j["status"], "submitted");
    assert!(j["api_key"].as_str().is_some_and(|k| k.len() >= 40));
    assert!(j["api_key_warning"].is_string());
    for hidden in [
        "internal_contact_name",
        "internal_contact_email",
        "submission_ip",
        "user_agent_hash",
        "data_protection_consent",
        "last_change_summary",
    ] {
        assert!(j.get(hidden).is_none(), "{hidden} leaked");
    }
    assert!(!r.text().contains("internal@example.org"));
    assert_eq!(j["edam_topics"][0]["accession"], "topic_0121");
    assert_eq!(j["licenses"], json!(["MIT"]));
    assert_eq!(j["service_center"]["short_name"], "BiGi");
    // The created e-mails are queued with the submission.
    let jobs = service_registry::jobs::entity::job::Entity::find()
        .all(&app.state.db)
        .await
        .expect("jobs");
    assert!(jobs.iter().any(|j| j.kind == "send_email"));
    // The plaintext key is stored nowhere.
    let key = j["api_key"].as_str().unwrap_or_default().to_string();
    let keys = service_registry::submissions::entity::submission_api_key::Entity::find()
        .all(&app.state.db)
        .await
        .expect("keys");
    assert_eq!(keys.len(), 1);
    assert_ne!(keys[0].key_hash, key);
}

#[tokio::test]
async fn every_invalid_field_is_reported_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let r = send(
        &app,
        Method::POST,
        "/api/v1/submissions/",
        None,
        Some(&json!({})),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let details = &r.json()["error"]["details"];
    for f in [
        "service_name",
        "service_description",
        "website_url",
        "service_center_id",
        "data_protection_consent",
    ] {
        assert!(details.get(f).is_some(), "{f} not reported: {details}");
    }
    let mut body = valid_body(&app).await;
    body["website_url"] = json!("http://example.org");
    body["github_url"] = json!("https://gitlab.com/x");
    body["publications_pmids"] = json!("123, not-a-doi");
    body["year_established"] = json!(1800);
    body["service_description"] = json!("too short");
    body["public_contact_email"] = json!("javascript:alert(1)");
    body["is_toolbox"] = json!(true);
    let r = send(
        &app,
        Method::POST,
        "/api/v1/submissions/",
        None,
        Some(&body),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let details = &r.json()["error"]["details"];
    for f in [
        "website_url",
        "github_url",
        "publications_pmids",
        "year_established",
        "service_description",
        "public_contact_email",
        "toolbox_name",
    ] {
        assert!(details.get(f).is_some(), "{f} not reported: {details}");
    }
    assert_eq!(count(&app).await, 0);
}

#[tokio::test]
async fn hostile_input_gets_a_clear_4xx_and_stores_nothing() {
    let app = TestApp::new().await;
    let body = valid_body(&app).await;
    let mut nul = body.clone();
    nul["service_name"] = json!("bad\u{0}name");
    let mut unknown = body.clone();
    unknown["is_admin"] = json!(true);
    let mut types = body.clone();
    types["year_established"] = json!({"x": 1});
    types["service_category_ids"] = json!("1");
    let mut huge = body.clone();
    huge["comments"] = json!("x".repeat(10 * 1024 * 1024));
    for (name, b) in [
        ("nul", &nul),
        ("unknown", &unknown),
        ("types", &types),
        ("huge", &huge),
    ] {
        let r = send(&app, Method::POST, "/api/v1/submissions/", None, Some(b)).await;
        assert!(r.status.is_client_error(), "{name}: {}", r.status);
        assert!(r.json()["error"]["message"].is_string(), "{name}: envelope");
    }
    let r = app
        .call(
            Method::POST,
            "/api/v1/submissions/",
            "application/json",
            "{\"service_name\": ",
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(count(&app).await, 0);
    // Path traversal and junk ids are just "not found".
    let r = send(
        &app,
        Method::GET,
        "/api/v1/submissions/..%2F..%2Fetc%2Fpasswd/",
        Some("AdminKey x"),
        None,
    )
    .await;
    assert!(
        r.status == StatusCode::NOT_FOUND || r.status == StatusCode::FORBIDDEN,
        "{}",
        r.status
    );
}

#[tokio::test]
async fn html_is_stripped_from_free_text() {
    let app = TestApp::new().await;
    let mut body = valid_body(&app).await;
    body["service_name"] = json!("<b>Meta</b>ProFi<script>alert(1)</script>");
    let r = send(
        &app,
        Method::POST,
        "/api/v1/submissions/",
        None,
        Some(&body),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["service_name"], "MetaProFialert(1)");
}

#[tokio::test]
async fn own_key_reads_and_updates_other_ids_are_not_found_put_is_405() {
    let app = TestApp::new().await;
    let (id, key) = register(&app).await;
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/submissions/{id}/"),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["id"], id.as_str());
    let other = uuid::Uuid::new_v4();
    let r = send(
        &app,
        Method::GET,
        &format!("/api/v1/submissions/{other}/"),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send(
        &app,
        Method::PUT,
        &format!("/api/v1/submissions/{id}/"),
        Some(&key),
        Some(&json!({})),
    )
    .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("PATCH")
    );
    let missing = send(
        &app,
        Method::GET,
        &format!("/api/v1/submissions/{id}/"),
        None,
        None,
    )
    .await;
    let unknown = send(
        &app,
        Method::GET,
        &format!("/api/v1/submissions/{id}/"),
        Some("ApiKey nope"),
        None,
    )
    .await;
    let malformed = send(
        &app,
        Method::GET,
        &format!("/api/v1/submissions/{id}/"),
        Some("Bearer x y"),
        None,
    )
    .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    for r in [&unknown, &malformed] {
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(
            r.json()["error"],
            missing.json()["error"],
            "identical 403 bodies"
        );
    }
}

pub fn png_bytes() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(4, 4, image::Rgb([92, 157, 37]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

/// A multipart body with the given text fields (lists as JSON arrays) and an optional logo file.
fn multipart(fields: &Value, logo: Option<&[u8]>) -> (String, Vec<u8>) {
    let texts: Vec<(String, String)> = fields
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect();
    let pairs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    multipart_pairs(&pairs, logo)
}

/// A multipart body with the given fields (a name may repeat) and an optional PNG logo file.
pub fn multipart_pairs(fields: &[(&str, &str)], logo: Option<&[u8]>) -> (String, Vec<u8>) {
    let boundary = "----registry-test-boundary";
    let mut body = Vec::new();
    for (k, text) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{text}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some(bytes) = logo {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"logo.png\"\r\nContent-Type: image/png\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn multipart_registration_with_a_logo_and_hostile_logos_store_nothing() {
    let app = TestApp::new().await;
    let body = valid_body(&app).await;
    let (ct, payload) = multipart(&body, Some(&png_bytes()));
    let r = app
        .send(
            Request::post("/api/v1/submissions/")
                .header("content-type", ct)
                .body(Body::from(payload))
                .expect("request"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let logo_url = r.json()["logo_url"].as_str().expect("logo_url").to_string();
    assert!(
        logo_url.starts_with("http")
            && logo_url.contains("/media/logos/")
            && logo_url.ends_with(".png"),
        "{logo_url}"
    );
    let path = logo_url.split("/media/").nth(1).expect("path");
    let served = app.get(&format!("/media/{path}")).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.header("content-type"), "image/png");

    let before = count(&app).await;
    for (name, bytes) in [
        ("html as png", b"<html><script>alert(1)</script></html>".to_vec()),
        ("svg script", br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec()),
        ("svg onload", br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>"#.to_vec()),
        ("entity bomb", br#"<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>"#.to_vec()),
    ] {
        let mut b = body.clone();
        b["service_name"] = json!(format!("Hostile {name}"));
        let (ct, payload) = multipart(&b, Some(&bytes));
        let r = app
            .send(Request::post("/api/v1/submissions/").header("content-type", ct).body(Body::from(payload)).expect("request"))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: {}", r.text());
        assert!(r.json()["error"]["details"]["logo"].is_array(), "{name}: {}", r.text());
    }
    assert_eq!(
        count(&app).await,
        before,
        "refused logos store no submission"
    );
}

#[tokio::test]
async fn a_logo_can_be_removed_with_null_and_json_cannot_carry_a_file() {
    let app = TestApp::new().await;
    let (id, key) = register(&app).await;
    let url = format!("/api/v1/submissions/{id}/");
    let r = send(
        &app,
        Method::PATCH,
        &url,
        Some(&key),
        Some(&json!({"logo": "data:image/png;base64,AAAA"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = send(
        &app,
        Method::PATCH,
        &url,
        Some(&key),
        Some(&json!({"logo": null})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["logo_url"], Value::Null);
}

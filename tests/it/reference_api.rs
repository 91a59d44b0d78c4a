//! Reference data over the API: admin-key scopes, CRUD with soft delete, plain-array lists with
//! `?is_active=`, collected validation errors, hostile input (unknown fields, NUL bytes, 10 MB strings)
//! and the OpenAPI entries.

use crate::support::{TestApp, TestResponse};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sea_orm::EntityTrait;
use service_registry::api::auth::{ADMIN_READ_ONLY, AUTH_FAILED};
use service_registry::auth::api_keys::{self, AdminScope};
use service_registry::registry::entity::{principal_investigator as pi, service_category as cat};

pub struct Keys {
    pub read: String,
    pub full: String,
}

pub async fn keys(app: &TestApp) -> Keys {
    let (_, read) = api_keys::issue_admin_key(&app.state.db, "reader", AdminScope::Read, "t")
        .await
        .expect("key");
    let (_, full) = api_keys::issue_admin_key(&app.state.db, "writer", AdminScope::Full, "t")
        .await
        .expect("key");
    Keys {
        read: format!("AdminKey {read}"),
        full: format!("AdminKey {full}"),
    }
}

pub async fn req(
    app: &TestApp,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: Option<&str>,
) -> TestResponse {
    let mut r = Request::builder().method(method).uri(path);
    if let Some(a) = auth {
        r = r.header("authorization", a);
    }
    let body = match body {
        Some(b) => {
            r = r.header("content-type", "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    app.send(r.body(body).expect("request")).await
}

/// The reference lists are plain JSON arrays (as in the original), not paginated objects.
fn names(r: &TestResponse, field: &str) -> Vec<String> {
    r.json()
        .as_array()
        .expect("a JSON array")
        .iter()
        .map(|v| v[field].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn categories_crud_with_soft_delete_and_filters() {
    let app = TestApp::new().await;
    let k = keys(&app).await;
    let full = Some(k.full.as_str());

    let r = req(
        &app,
        "POST",
        "/api/v1/categories/",
        full,
        Some(r#"{"name":"Alpha"}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let created = r.json();
    assert_eq!(created["name"], "Alpha");
    assert_eq!(created["is_active"], true);
    let id = created["id"].as_i64().expect("integer id");
    let r = req(
        &app,
        "POST",
        "/api/v1/categories/",
        full,
        Some(r#"{"name":"Beta"}"#),
    )
    .await;
    let beta = r.json()["id"].as_i64().expect("id");

    let item = format!("/api/v1/categories/{id}/");
    let r = req(&app, "GET", &item, Some(&k.read), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["id"].as_i64(), Some(id));

    let r = req(&app, "PATCH", &item, full, Some(r#"{"name":"Alpha 2"}"#)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let stored = cat::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .expect("db");
    assert_eq!(stored.map(|c| c.name).as_deref(), Some("Alpha 2"));

    // PUT replaces: omitted is_active goes back to its default; a missing name is a field error.
    let r = req(&app, "PUT", &item, full, Some(r#"{"is_active":false}"#)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["error"]["details"]["name"].is_array());

    let del = format!("/api/v1/categories/{beta}/");
    for _ in 0..2 {
        let r = req(&app, "DELETE", &del, full, None).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "idempotent");
        assert!(r.body.is_empty());
    }
    let row = cat::Entity::find_by_id(beta)
        .one(&app.state.db)
        .await
        .expect("db");
    assert_eq!(row.map(|c| c.is_active), Some(false), "row kept, inactive");

    let all = req(&app, "GET", "/api/v1/categories/", Some(&k.read), None).await;
    assert_eq!(all.status, StatusCode::OK);
    let all_names = names(&all, "name");
    assert!(all_names.contains(&"Alpha 2".into()) && all_names.contains(&"Beta".into()));
    let active = req(
        &app,
        "GET",
        "/api/v1/categories/?is_active=true",
        Some(&k.read),
        None,
    )
    .await;
    let n = names(&active, "name");
    assert!(n.contains(&"Alpha 2".into()) && !n.contains(&"Beta".into()));
    let inactive = req(
        &app,
        "GET",
        "/api/v1/categories/?is_active=false",
        Some(&k.read),
        None,
    )
    .await;
    assert_eq!(names(&inactive, "name"), vec!["Beta".to_string()]);

    for missing in ["/api/v1/categories/999999/", "/api/v1/categories/abc/"] {
        let r = req(&app, "GET", missing, full, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{missing}");
    }
}

#[tokio::test]
async fn reference_data_needs_an_admin_key_and_full_scope_to_write() {
    let app = TestApp::new().await;
    let k = keys(&app).await;
    for path in [
        "/api/v1/categories/",
        "/api/v1/service-centers/",
        "/api/v1/pis/",
    ] {
        let r = req(&app, "GET", path, None, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(r.json()["error"]["message"], AUTH_FAILED);
        let r = req(
            &app,
            "GET",
            path,
            Some("ApiKey garbage-garbage-garbage"),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.json()["error"]["message"], AUTH_FAILED);
        let r = req(&app, "GET", path, Some(&k.read), None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
        let r = req(&app, "POST", path, Some(&k.read), Some("{}")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(r.json()["error"]["message"], ADMIN_READ_ONLY);
        // Without a key nothing is validated or written.
        let r = req(&app, "POST", path, None, Some(r#"{"name":"x"}"#)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    assert!(
        cat::Entity::find()
            .all(&app.state.db)
            .await
            .expect("db")
            .is_empty()
    );
}

#[tokio::test]
async fn field_errors_are_collected_and_duplicates_refused() {
    let app = TestApp::new().await;
    let k = keys(&app).await;
    let full = Some(k.full.as_str());

    let r = req(&app, "POST", "/api/v1/pis/", full, Some("{}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let d = &r.json()["error"]["details"];
    assert!(
        d["last_name"].is_array() && d["first_name"].is_array(),
        "{d}"
    );

    let body = r#"{"last_name":"","first_name":"Jane","email":"nope","orcid":"not-a-valid-orcid"}"#;
    let r = req(&app, "POST", "/api/v1/pis/", full, Some(body)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let d = r.json()["error"]["details"].clone();
    for f in ["last_name", "email", "orcid"] {
        assert!(d[f].is_array(), "{f} missing from {d}");
    }
    let r = req(
        &app,
        "POST",
        "/api/v1/pis/",
        full,
        Some(r#"{"last_name":"Doe","first_name":"Jane","orcid":"0000-0002-1825-0098"}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("check digit"), "{}", r.text());

    let r = req(&app, "POST", "/api/v1/service-centers/", full, Some("{}")).await;
    let d = r.json()["error"]["details"].clone();
    assert!(
        d["short_name"].is_array() && d["full_name"].is_array(),
        "{d}"
    );

    assert_eq!(
        req(
            &app,
            "POST",
            "/api/v1/categories/",
            full,
            Some(r#"{"name":"Same"}"#)
        )
        .await
        .status,
        201
    );
    let r = req(
        &app,
        "POST",
        "/api/v1/categories/",
        full,
        Some(r#"{"name":" same "}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("already exists"), "{}", r.text());
}

#[tokio::test]
async fn pis_round_trip_with_email_and_display_name() {
    let app = TestApp::new().await;
    let k = keys(&app).await;
    let full = Some(k.full.as_str());
    let body = r#"{"last_name":"Doe","first_name":"Jane","email":"jane@example.org","institute":"Uni","orcid":"0000-0002-1825-0097"}"#;
    let r = req(&app, "POST", "/api/v1/pis/", full, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    assert_eq!(v["email"], "jane@example.org");
    assert_eq!(v["display_name"], "Doe, Jane");
    let item = format!("/api/v1/pis/{}/", v["id"].as_str().expect("uuid"));
    let r = req(
        &app,
        "PATCH",
        &item,
        full,
        Some(r#"{"institute":"Other","is_active":false}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["institute"], "Other");
    assert_eq!(
        r.json()["orcid"],
        "0000-0002-1825-0097",
        "PATCH keeps other fields"
    );
    let r = req(&app, "GET", &item, Some(&k.read), None).await;
    assert_eq!(r.json()["is_active"], false);
    assert_eq!(r.json()["email"], "jane@example.org");
    let r = req(&app, "GET", "/api/v1/pis/not-a-uuid/", full, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn hostile_input_gets_a_clear_4xx() {
    let app = TestApp::new().await;
    let k = keys(&app).await;
    let full = Some(k.full.as_str());
    let r = req(
        &app,
        "POST",
        "/api/v1/categories/",
        full,
        Some(r#"{"name":"X","colour":"red"}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("colour"), "{}", r.text());
    let r = req(
        &app,
        "POST",
        "/api/v1/categories/",
        full,
        Some(r#"{"name":5}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = req(&app, "POST", "/api/v1/categories/", full, Some("{not json")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // NUL and other control characters are stripped before validation and storage.
    let r = req(
        &app,
        "POST",
        "/api/v1/pis/",
        full,
        Some(r#"{"last_name":"Do\u0000e","first_name":"Ja\u0007ne"}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let rows = pi::Entity::find().all(&app.state.db).await.expect("db");
    assert_eq!(rows[0].last_name, "Doe");
    assert_eq!(rows[0].first_name, "Jane");
    let r = req(
        &app,
        "POST",
        "/api/v1/categories/",
        full,
        Some(r#"{"name":"\u0000\u0000"}"#),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "only control characters = empty"
    );

    let huge = format!(r#"{{"name":"{}"}}"#, "a".repeat(10 * 1024 * 1024));
    let r = req(&app, "POST", "/api/v1/categories/", full, Some(&huge)).await;
    assert!(
        r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        r.status
    );
    assert_eq!(
        r.json()["error"]["status"].as_u64(),
        Some(r.status.as_u16().into())
    );
    let r = req(
        &app,
        "GET",
        "/api/v1/categories/?is_active=maybe",
        full,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        cat::Entity::find()
            .all(&app.state.db)
            .await
            .expect("db")
            .len(),
        0
    );
}

#[tokio::test]
async fn openapi_documents_reference_data_and_key_schemes() {
    let app = TestApp::new().await;
    let r = app.get("/api/schema/?format=json").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    for path in [
        "/api/v1/categories/",
        "/api/v1/service-centers/{id}/",
        "/api/v1/pis/{id}/",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    assert!(doc["paths"]["/api/v1/pis/{id}/"]["delete"].is_object());
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["AdminKey"]["in"], "header");
    assert_eq!(schemes["ApiKey"]["name"], "Authorization");
    assert!(doc["components"]["schemas"]["PiOut"]["example"].is_object());
}

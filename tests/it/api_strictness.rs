//! What schemathesis found where the server was looser than its OpenAPI document: bodies that are not
//! JSON objects, and identifiers whose control characters the text cleaner used to remove silently.

use crate::reference_api::{keys, req};
use crate::support::TestApp;
use axum::http::StatusCode;

#[tokio::test]
async fn a_json_body_must_be_an_object() {
    let app = TestApp::new().await;
    let k = keys(&app).await;
    let created = req(
        &app,
        "POST",
        "/api/v1/categories/",
        Some(&k.full),
        Some(r#"{"name": "Data analysis"}"#),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.json()["id"].as_i64().expect("id");
    // serde would read a struct from an array: `["Renamed", false]` used to rename and deactivate.
    for (method, path) in [
        ("POST", "/api/v1/categories/".to_string()),
        ("PATCH", format!("/api/v1/categories/{id}/")),
        ("PUT", format!("/api/v1/categories/{id}/")),
    ] {
        for body in [
            r#"["Renamed", false]"#,
            "[null, null]",
            "\"x\"",
            "3",
            "null",
        ] {
            let r = req(&app, method, &path, Some(&k.full), Some(body)).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{method} {path} {body}");
            assert_eq!(r.json()["error"]["code"], "invalid_json", "{body}");
        }
    }
    let row = req(
        &app,
        "GET",
        &format!("/api/v1/categories/{id}/"),
        Some(&k.full),
        None,
    )
    .await;
    assert_eq!(row.json()["name"], "Data analysis");
    assert_eq!(row.json()["is_active"], true);
    // Wrong field types are still named.
    let r = req(
        &app,
        "POST",
        "/api/v1/categories/",
        Some(&k.full),
        Some(r#"{"name": 5}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["code"], "invalid_json");
}

#[tokio::test]
async fn identifiers_with_control_characters_are_refused() {
    let app = TestApp::new().await;
    let k = keys(&app).await;
    let r = req(
        &app,
        "POST",
        "/api/v1/pis/",
        Some(&k.full),
        Some(r#"{"last_name": "Doe", "first_name": "Jane", "orcid": "\u0084", "email": "a\u0007@b.org"}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.json());
    let details = &r.json()["error"]["details"];
    assert!(details["orcid"].is_array(), "{details}");
    assert!(details["email"].is_array(), "{details}");
    let r = req(
        &app,
        "POST",
        "/api/v1/service-centers/",
        Some(&k.full),
        Some(r#"{"short_name": "HD", "full_name": "Heidelberg", "website": "\u0084"}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["error"]["details"]["website"].is_array());
    // Names are free text: control characters are still cleaned out, not refused.
    let r = req(
        &app,
        "POST",
        "/api/v1/service-centers/",
        Some(&k.full),
        Some(r#"{"short_name": "H\u0007D", "full_name": "Heidelberg", "website": " https://hd.example.org/ "}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json());
    assert_eq!(r.json()["short_name"], "HD");
    assert_eq!(r.json()["website"], "https://hd.example.org/");
}

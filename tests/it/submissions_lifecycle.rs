//! Submissions after registration through the real router: PATCH and the reset rule, status changes,
//! read-only keys, deletion with audit, listing and its filters.

use crate::submissions_api::{admin_auth, count, register, send, valid_body};
use crate::support::TestApp;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use service_registry::registry::entity::{
    principal_investigator as pi, service_category, service_center,
};
use service_registry::submissions::entity::{service_submission, submission_change_log};

pub async fn change_log(app: &TestApp, id: &str) -> Vec<submission_change_log::Model> {
    let id = uuid::Uuid::parse_str(id).expect("uuid");
    submission_change_log::Entity::find()
        .filter(submission_change_log::Column::SubmissionId.eq(id))
        .all(&app.state.db)
        .await
        .expect("log")
}

async fn approve_with_tags(app: &TestApp, id: &str) {
    let uid = uuid::Uuid::parse_str(id).expect("uuid");
    let ctx = service_registry::submissions::service::Ctx::new(&app.state);
    service_registry::submissions::lifecycle::set_status(
        &app.state.db,
        &ctx,
        uid,
        "approved",
        "admin:test",
    )
    .await
    .expect("approve");
    let row = service_submission::Entity::find_by_id(uid)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    let mut am: service_submission::ActiveModel = row.into();
    am.primary_maturity_tag = Set(Some("mature".into()));
    am.secondary_maturity_tags = Set(Some(json!(["unstable"])));
    am.update(&app.state.db).await.expect("tags");
}

#[tokio::test]
async fn approved_then_patch_follows_the_reset_rule() {
    let app = TestApp::new().await;
    let (id, key) = register(&app).await;
    approve_with_tags(&app, &id).await;
    let url = format!("/api/v1/submissions/{id}/");
    let log_before = change_log(&app, &id).await.len();

    // Unchanged values: nothing happens at all.
    let r = send(
        &app,
        Method::PATCH,
        &url,
        Some(&key),
        Some(&json!({"service_name": "MetaProFi", "website_url": "https://example.org"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "approved");
    assert_eq!(
        change_log(&app, &id).await.len(),
        log_before,
        "no log entry without a change"
    );

    // Exempt-only change: stays approved, tags kept, one log entry by the key.
    let r = send(
        &app,
        Method::PATCH,
        &url,
        Some(&key),
        Some(&json!({"website_url": "https://example.org/new"})),
    )
    .await;
    let j = r.json();
    assert_eq!(j["status"], "approved");
    assert_eq!(j["primary_maturity_tag"], "mature");
    assert_eq!(j["secondary_maturity_tags"], json!(["unstable"]));
    let log = change_log(&app, &id).await;
    assert_eq!(log.len(), log_before + 1);
    let newest = log.iter().max_by_key(|l| l.id).expect("entry");
    assert_eq!(newest.changed_by, "api:Initial key");
    assert_eq!(newest.changes[0]["field"], "website_url");

    // Non-exempt change: back to submitted, tags cleared; maturity tags cannot be written.
    let r = send(
        &app,
        Method::PATCH,
        &url,
        Some(&key),
        Some(&json!({"service_name": "MetaProFi 2", "primary_maturity_tag": "legacy"})),
    )
    .await;
    let j = r.json();
    assert_eq!(j["status"], "submitted");
    assert_eq!(j["primary_maturity_tag"], Value::Null);
    assert_eq!(j["secondary_maturity_tags"], json!([]));
    let newest = change_log(&app, &id)
        .await
        .into_iter()
        .max_by_key(|l| l.id)
        .expect("entry");
    let fields: Vec<&str> = newest
        .changes
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["field"].as_str())
        .collect();
    assert!(
        fields.contains(&"service_name") && fields.contains(&"status"),
        "{fields:?}"
    );
}

#[tokio::test]
async fn admin_list_filters_and_paginates() {
    let app = TestApp::new().await;
    let (id, _) = register(&app).await;
    let auth = admin_auth(&app, service_registry::auth::api_keys::AdminScope::Read).await;
    let r = send(
        &app,
        Method::GET,
        "/api/v1/submissions/?status=submitted&service_center=BiGi",
        Some(&auth),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let j = r.json();
    assert_eq!(j["count"], 1);
    assert_eq!(j["results"][0]["id"], id.as_str());
    let none = send(
        &app,
        Method::GET,
        "/api/v1/submissions/?status=approved",
        Some(&auth),
        None,
    )
    .await
    .json();
    assert_eq!(none["count"], 0);
    let bad = send(
        &app,
        Method::GET,
        "/api/v1/submissions/?ordering=drop_table",
        Some(&auth),
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // A submission key is not an admin key.
    let (_, key) = register_second(&app).await;
    let r = send(&app, Method::GET, "/api/v1/submissions/", Some(&key), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn register_second(app: &TestApp) -> (String, String) {
    let mut body = valid_body_again(app).await;
    body["service_name"] = json!("Second service");
    let r = send(app, Method::POST, "/api/v1/submissions/", None, Some(&body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let j = r.json();
    (
        j["id"].as_str().unwrap_or_default().to_string(),
        format!("ApiKey {}", j["api_key"].as_str().unwrap_or_default()),
    )
}

/// A valid body reusing the reference data already created.
async fn valid_body_again(app: &TestApp) -> Value {
    let db = &app.state.db;
    let cat = service_category::Entity::find()
        .one(db)
        .await
        .expect("q")
        .expect("cat");
    let centre = service_center::Entity::find()
        .one(db)
        .await
        .expect("q")
        .expect("centre");
    let person = pi::Entity::find().one(db).await.expect("q").expect("pi");
    json!({
        "date_of_entry": "2026-11-01", "service_name": "X", "year_established": 2020,
        "service_description": "A second service with a description that is long enough to pass.",
        "service_category_ids": [cat.id], "publications_pmids": "1", "responsible_pi_ids": [person.id.to_string()],
        "host_institute": "H", "service_center_id": centre.id.to_string(), "public_contact_email": "a@b.org",
        "internal_contact_name": "I", "internal_contact_email": "i@b.org", "website_url": "https://b.org",
        "terms_of_use_url": "https://b.org/t", "license_note": "Proprietary", "kpi_monitoring": "yes",
        "kpi_start_year": "2020", "data_protection_consent": true
    })
}

#[tokio::test]
async fn read_scope_key_cannot_patch_and_deletion_leaves_an_audit() {
    let app = TestApp::new().await;
    let (id, key) = register(&app).await;
    let uid = uuid::Uuid::parse_str(&id).expect("uuid");
    let (_, read_key) = service_registry::auth::api_keys::issue_submission_key(
        &app.state.db,
        uid,
        "read only",
        "admin:test",
        service_registry::auth::api_keys::SubmissionScope::Read,
    )
    .await
    .expect("key");
    let url = format!("/api/v1/submissions/{id}/");
    let read = format!("ApiKey {read_key}");
    assert_eq!(
        send(&app, Method::GET, &url, Some(&read), None)
            .await
            .status,
        StatusCode::OK
    );
    let r = send(
        &app,
        Method::PATCH,
        &url,
        Some(&read),
        Some(&json!({"comments": "x"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("read-only")
    );

    // One change-log entry, then deletion: the audit keeps it, dependent rows go.
    let r = send(
        &app,
        Method::PATCH,
        &url,
        Some(&key),
        Some(&json!({"comments": "first change"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    service_registry::submissions::service::delete_with_audit(
        &app.state.db,
        uid,
        "admin:alice",
        chrono::Utc::now(),
    )
    .await
    .expect("delete");
    assert_eq!(count(&app).await, 0);
    assert!(
        change_log(&app, &id).await.is_empty(),
        "change log deleted with the submission"
    );
    let audits = service_registry::submissions::entity::submission_deletion_audit::Entity::find()
        .all(&app.state.db)
        .await
        .expect("audits");
    assert_eq!(audits.len(), 1);
    assert_eq!(audits[0].deleted_by, "admin:alice");
    assert_eq!(audits[0].changelog_count, 1);
    assert_eq!(
        audits[0].changelog_snapshot[0]["changes"][0]["field"],
        "comments"
    );
    let r = send(&app, Method::GET, &url, Some(&key), None).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "the key went with its submission"
    );
}

#[tokio::test]
async fn set_status_command_moves_a_submission_and_clears_tags() {
    let app = TestApp::new().await;
    let (id, _) = register(&app).await;
    approve_with_tags(&app, &id).await;
    let uid = uuid::Uuid::parse_str(&id).expect("uuid");
    let ctx = service_registry::submissions::service::Ctx::new(&app.state);
    let changed = service_registry::submissions::lifecycle::set_status(
        &app.state.db,
        &ctx,
        uid,
        "deprecated",
        "admin:bob",
    )
    .await
    .expect("deprecate");
    assert!(changed);
    let row = service_submission::Entity::find_by_id(uid)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    assert_eq!(row.status, "deprecated");
    assert_eq!(row.primary_maturity_tag, None);
    let again = service_registry::submissions::lifecycle::set_status(
        &app.state.db,
        &ctx,
        uid,
        "deprecated",
        "admin:bob",
    )
    .await
    .expect("no-op");
    assert!(!again);
    let bad = service_registry::submissions::lifecycle::set_status(
        &app.state.db,
        &ctx,
        uid,
        "published",
        "admin:bob",
    )
    .await;
    assert!(bad.is_err());
    let newest = change_log(&app, &id)
        .await
        .into_iter()
        .max_by_key(|l| l.id)
        .expect("entry");
    assert_eq!(newest.changed_by, "admin:bob");
    let fields: Vec<&str> = newest
        .changes
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        ["status", "primary_maturity_tag", "secondary_maturity_tags"]
    );

    // And through the binary.
    let tmp = tempfile::tempdir().expect("tempdir");
    let (ok, t) = crate::support::run_bin(tmp.path(), &["migrate", "up"]);
    assert!(ok, "{t}");
    let (ok, t) = crate::support::run_bin(
        tmp.path(),
        &[
            "submission",
            "set-status",
            &uuid::Uuid::new_v4().to_string(),
            "approved",
            "--by",
            "ops",
        ],
    );
    assert!(!ok && t.contains("No submission"), "{t}");
}

#[tokio::test]
async fn client_address_user_agent_and_kpi_rules() {
    let app = TestApp::new().await;
    let body = valid_body(&app).await;
    let mut req = Request::post("/api/v1/submissions/")
        .header("content-type", "application/json")
        .header("user-agent", "TestClient/1.0")
        .header("x-forwarded-for", "5.6.7.8")
        .body(Body::from(body.to_string()))
        .expect("request");
    req.extensions_mut().insert(axum::extract::ConnectInfo(
        "127.0.0.1:9000"
            .parse::<std::net::SocketAddr>()
            .expect("addr"),
    ));
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = uuid::Uuid::parse_str(r.json()["id"].as_str().unwrap_or_default()).expect("id");
    let key = format!(
        "ApiKey {}",
        r.json()["api_key"].as_str().unwrap_or_default()
    );
    let row = service_submission::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    assert_eq!(
        row.submission_ip.as_deref(),
        Some("5.6.7.8"),
        "client address from the trusted proxy"
    );
    use sha2::Digest;
    assert_eq!(
        row.user_agent_hash,
        hex::encode(sha2::Sha256::digest(b"TestClient/1.0"))
    );

    let url = format!("/api/v1/submissions/{id}/");
    let r = send(
        &app,
        Method::PATCH,
        &url,
        Some(&key),
        Some(&json!({"kpi_monitoring": "yes"})),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "stored start year is empty"
    );
    assert!(r.json()["error"]["details"]["kpi_start_year"].is_array());
    let r = send(
        &app,
        Method::PATCH,
        &url,
        Some(&key),
        Some(&json!({"kpi_monitoring": "yes", "kpi_start_year": "2022"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["kpi_start_year"], "2022");
    let r = send(
        &app,
        Method::PATCH,
        &url,
        Some(&key),
        Some(&json!({"kpi_start_year": ""})),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "an explicit empty value beats the stored one"
    );
}

#[tokio::test]
async fn secondary_tag_filter_requires_every_tag() {
    let app = TestApp::new().await;
    let (id, _) = register(&app).await;
    approve_with_tags(&app, &id).await;
    register_second(&app).await;
    let auth = admin_auth(&app, service_registry::auth::api_keys::AdminScope::Full).await;
    let one = send(
        &app,
        Method::GET,
        "/api/v1/submissions/?secondary_maturity_tags=unstable",
        Some(&auth),
        None,
    )
    .await
    .json();
    assert_eq!(one["count"], 1);
    assert_eq!(one["results"][0]["id"], id.as_str());
    let both = send(
        &app,
        Method::GET,
        "/api/v1/submissions/?secondary_maturity_tags=unstable,%20unstable",
        Some(&auth),
        None,
    )
    .await
    .json();
    assert_eq!(both["count"], 1, "every listed tag must be present");
    // A value outside the fixed sets is refused, as the OpenAPI enums say, rather than matching nothing.
    for bad in [
        "secondary_maturity_tags=unstable,secondtag",
        "primary_maturity_tag=ripe",
        "status=done",
    ] {
        let r = send(
            &app,
            Method::GET,
            &format!("/api/v1/submissions/?{bad}"),
            Some(&auth),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(r.json()["error"]["code"], "bad_request", "{bad}");
    }
    let all = send(
        &app,
        Method::GET,
        "/api/v1/submissions/?page_size=1",
        Some(&auth),
        None,
    )
    .await
    .json();
    assert_eq!(all["count"], 2);
    assert!(all["next"].as_str().is_some_and(|n| n.contains("page=2")));
    let mature = send(
        &app,
        Method::GET,
        "/api/v1/submissions/?primary_maturity_tag=mature",
        Some(&auth),
        None,
    )
    .await
    .json();
    assert_eq!(mature["count"], 1);
}

/// The change log shows each kind of field as people read it: Yes/No, the date, the number, the KPI
/// label, licences joined; consent never appears (a patch cannot carry it).
#[tokio::test]
async fn change_log_shows_every_kind_of_field_as_people_read_it() {
    let app = TestApp::new().await;
    let (id, key) = register(&app).await;
    let url = format!("/api/v1/submissions/{id}/");
    let r = send(
        &app,
        Method::PATCH,
        &url,
        Some(&key),
        Some(&json!({
            "register_as_elixir": true,
            "year_established": 2019,
            "date_of_entry": "2026-10-15",
            "kpi_monitoring": "yes",
            "kpi_start_year": "2020",
            "licenses": ["MIT", "Apache-2.0"],
            "comments": "  Now with comments  ",
            "data_protection_consent": false
        })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let log = change_log(&app, &id).await;
    let last = log.iter().max_by_key(|e| e.id).expect("an entry");
    let changes: Vec<(String, String, String, String)> = last
        .changes
        .as_array()
        .expect("array")
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().expect(k).to_string();
            (s("field"), s("label"), s("old"), s("new"))
        })
        .collect();
    let expect = |f: &str, l: &str, o: &str, n: &str| (f.into(), l.into(), o.into(), n.into());
    assert_eq!(
        changes,
        vec![
            expect("comments", "Comments", "—", "Now with comments"),
            expect("date_of_entry", "Date of entry", "2026-11-01", "2026-10-15"),
            expect("kpi_monitoring", "KPI monitoring", "Planned", "Yes"),
            expect("kpi_start_year", "KPI monitoring since", "—", "2020"),
            expect("licenses", "Licenses", "MIT", "Apache-2.0, MIT"),
            expect(
                "register_as_elixir",
                "Register as ELIXIR service",
                "No",
                "Yes"
            ),
            expect("year_established", "Year established", "2021", "2019"),
        ]
    );
}

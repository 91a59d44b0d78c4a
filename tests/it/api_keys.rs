//! API keys through the real router: the uniform 403 for missing/malformed/unknown/revoked keys,
//! scopes, 404 for another submission, hashed storage, `last_used_at`, and the `admin-key` CLI.

use crate::support::{TestApp, run_bin, run_bin_split};
use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use service_registry::api::auth::{ADMIN_READ_ONLY, ApiPrincipal, SUBMISSION_READ_ONLY};
use service_registry::app::AppState;
use service_registry::auth::api_keys::{self, AdminScope, SubmissionScope};
use service_registry::auth::entity::admin_api_key;
use service_registry::error::AppError;
use service_registry::registry::entity::service_center;
use service_registry::submissions::entity::{service_submission, submission_api_key};
use uuid::Uuid;

/// Probe routes standing in for the submission endpoints: read and write one submission, write admin data.
fn probes() -> Router<AppState> {
    Router::new()
        .route(
            "/probe/whoami/",
            get(|p: ApiPrincipal| async move { p.actor() }),
        )
        .route(
            "/probe/submission/{id}/",
            get(|p: ApiPrincipal, Path(id): Path<Uuid>| async move {
                p.require_read_submission(id).map(|_| "read")
            })
            .patch(|p: ApiPrincipal, Path(id): Path<Uuid>| async move {
                p.require_write_submission(id).map(|_| "written")
            }),
        )
        .route(
            "/probe/admin/",
            get(|p: ApiPrincipal| async move { p.require_admin().map(|_| "ok") })
                .post(|p: ApiPrincipal| async move { p.require_admin_full().map(|_| "ok") }),
        )
}

async fn app() -> TestApp {
    TestApp::build(&[], probes()).await
}

pub async fn send_with(
    app: &TestApp,
    method: &str,
    path: &str,
    auth: Option<&str>,
) -> crate::support::TestResponse {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    app.send(req.body(Body::empty()).expect("request")).await
}

/// A minimal stored submission (and its centre) so submission keys have something to belong to.
pub async fn insert_submission(db: &sea_orm::DatabaseConnection) -> Uuid {
    let center = service_center::ActiveModel {
        id: Set(Uuid::new_v4()),
        short_name: Set(format!("C{}", &Uuid::new_v4().simple().to_string()[..6])),
        full_name: Set("Test Centre".into()),
        website: Set(String::new()),
        is_active: Set(true),
    }
    .insert(db)
    .await
    .expect("centre");
    let now = chrono::Utc::now();
    let s = service_submission::Model {
        id: Uuid::new_v4(),
        status: "submitted".into(),
        primary_maturity_tag: None,
        secondary_maturity_tags: None,
        submitted_at: now,
        updated_at: now,
        submission_ip: None,
        user_agent_hash: String::new(),
        date_of_entry: now.date_naive(),
        submitter_first_name: "Ada".into(),
        submitter_last_name: "Lovelace".into(),
        submitter_affiliation: "Test".into(),
        register_as_elixir: false,
        service_name: "Probe service".into(),
        service_description: "A service used by the key tests.".into(),
        year_established: 2020,
        is_toolbox: false,
        toolbox_name: String::new(),
        user_knowledge_required: String::new(),
        publications_pmids: String::new(),
        associated_partner_note: String::new(),
        host_institute: "Test".into(),
        service_center_id: center.id,
        public_contact_email: "a@example.org".into(),
        internal_contact_name: "Ada".into(),
        internal_contact_email: "a@example.org".into(),
        website_url: "https://example.org".into(),
        terms_of_use_url: String::new(),
        license_note: String::new(),
        github_url: String::new(),
        biotools_url: String::new(),
        fairsharing_url: String::new(),
        other_registry_url: String::new(),
        kpi_monitoring: String::new(),
        kpi_start_year: String::new(),
        keywords_uncited: String::new(),
        keywords_seo: String::new(),
        survey_participation: false,
        comments: String::new(),
        logo: None,
        data_protection_consent: true,
        last_change_summary: None,
    };
    let am: service_submission::ActiveModel = s.into();
    am.insert(db).await.expect("submission").id
}

#[tokio::test]
async fn every_authentication_failure_gets_the_same_403() {
    let app = app().await;
    let (revoked, revoked_key) =
        api_keys::issue_admin_key(&app.state.db, "old", AdminScope::Full, "test")
            .await
            .expect("key");
    api_keys::revoke_admin_key(&app.state.db, revoked.id)
        .await
        .expect("revoke");
    let unknown = api_keys::generate().plaintext;
    let cases = [
        None,
        Some("".to_string()),
        Some("Bearer abc".to_string()),
        Some("ApiKey".to_string()),
        Some("ApiKey    ".to_string()),
        Some("AdminKey not a key!".to_string()),
        Some(format!("AdminKey {}", "x".repeat(5000))),
        Some(format!("AdminKey {unknown}")),
        Some(format!("ApiKey {unknown}")),
        Some(format!("AdminKey {revoked_key}")),
        Some(format!("adminkey {revoked_key}")),
    ];
    let mut bodies = Vec::new();
    for auth in &cases {
        let r = send_with(&app, "GET", "/api/v1/probe/admin/", auth.as_deref()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{auth:?}: {}", r.text());
        let mut body = r.json();
        assert_eq!(body["error"]["code"], "forbidden");
        body["request_id"] = serde_json::Value::Null;
        bodies.push(body);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "bodies differ: {bodies:?}"
    );
    // Revoked keys are not touched by failed attempts.
    let row = admin_api_key::Entity::find_by_id(revoked.id)
        .one(&app.state.db)
        .await
        .expect("row")
        .expect("present");
    assert!(row.last_used_at.is_none());
}

#[tokio::test]
async fn admin_scopes_and_revocation_is_immediate() {
    let app = app().await;
    let db = &app.state.db;
    let (read, read_key) = api_keys::issue_admin_key(db, "reader", AdminScope::Read, "test")
        .await
        .expect("key");
    let (full, full_key) = api_keys::issue_admin_key(db, "writer", AdminScope::Full, "test")
        .await
        .expect("key");
    let read_h = format!("AdminKey {read_key}");
    let full_h = format!("AdminKey {full_key}");

    let r = send_with(&app, "GET", "/api/v1/probe/admin/", Some(&read_h)).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = send_with(&app, "POST", "/api/v1/probe/admin/", Some(&read_h)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["message"], ADMIN_READ_ONLY);
    let r = send_with(&app, "POST", "/api/v1/probe/admin/", Some(&full_h)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = send_with(&app, "GET", "/api/v1/probe/whoami/", Some(&full_h)).await;
    assert_eq!(r.text(), "api:writer");

    let used = admin_api_key::Entity::find_by_id(full.id)
        .one(db)
        .await
        .expect("row")
        .expect("present");
    assert!(used.last_used_at.is_some());
    let unused_read = admin_api_key::Entity::find_by_id(read.id)
        .one(db)
        .await
        .expect("row")
        .expect("present");
    // Stored only as the SHA-256 digest: no column holds the plaintext.
    let row_text = format!("{used:?}{unused_read:?}");
    assert!(!row_text.contains(&full_key) && !row_text.contains(&read_key));
    assert_eq!(used.key_hash, api_keys::hash_key(&full_key));
    assert_eq!(used.key_hash.len(), 64);

    api_keys::revoke_admin_key(db, full.id)
        .await
        .expect("revoke");
    let r = send_with(&app, "POST", "/api/v1/probe/admin/", Some(&full_h)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_ne!(r.json()["error"]["message"], ADMIN_READ_ONLY);
}

#[tokio::test]
async fn submission_keys_reach_only_their_own_submission() {
    let app = app().await;
    let db = &app.state.db;
    let mine = insert_submission(db).await;
    let other = insert_submission(db).await;
    let (_, write_key) = api_keys::issue_submission_key(
        db,
        mine,
        "Initial key",
        "submitter",
        SubmissionScope::Write,
    )
    .await
    .expect("key");
    let (read_row, read_key) =
        api_keys::issue_submission_key(db, mine, "viewer", "admin", SubmissionScope::Read)
            .await
            .expect("key");
    let w = format!("ApiKey {write_key}");
    let r = format!("ApiKey {read_key}");
    let own = format!("/api/v1/probe/submission/{mine}/");
    let theirs = format!("/api/v1/probe/submission/{other}/");

    assert_eq!(send_with(&app, "GET", &own, Some(&w)).await.status, 200);
    assert_eq!(send_with(&app, "PATCH", &own, Some(&w)).await.status, 200);
    assert_eq!(send_with(&app, "GET", &own, Some(&r)).await.status, 200);
    let denied = send_with(&app, "PATCH", &own, Some(&r)).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(denied.json()["error"]["message"], SUBMISSION_READ_ONLY);
    // Another submission: 404 whatever the scope, so ids do not leak.
    for (m, h) in [("GET", &w), ("PATCH", &w), ("GET", &r), ("PATCH", &r)] {
        let resp = send_with(&app, m, &theirs, Some(h)).await;
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{m}");
    }
    // A submission key is not an admin key.
    let resp = send_with(&app, "GET", "/api/v1/probe/admin/", Some(&w)).await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    let resp = send_with(&app, "GET", "/api/v1/probe/whoami/", Some(&r)).await;
    assert_eq!(resp.text(), "api:viewer");

    // The row holds the digest only, and the successful use was recorded.
    let row = submission_api_key::Entity::find_by_id(read_row.id)
        .one(db)
        .await
        .expect("row")
        .expect("present");
    assert_eq!(row.key_hash, api_keys::hash_key(&read_key));
    assert!(!format!("{row:?}").contains(&read_key));
    assert!(row.last_used_at.is_some());

    assert!(
        api_keys::revoke_submission_key(db, read_row.id)
            .await
            .expect("revoke")
    );
    let after = send_with(&app, "GET", &own, Some(&r)).await;
    assert_eq!(after.status, StatusCode::FORBIDDEN);
    assert_eq!(
        api_keys::revoke_all_submission_keys(db, mine)
            .await
            .expect("revoke all"),
        1
    );
    assert_eq!(send_with(&app, "GET", &own, Some(&w)).await.status, 403);
}

#[tokio::test]
async fn labels_are_checked() {
    let app = app().await;
    let long = "x".repeat(101);
    for bad in ["", "   ", long.as_str()] {
        let r = api_keys::issue_admin_key(&app.state.db, bad, AdminScope::Read, "t").await;
        assert!(r.is_err(), "{bad:?}");
    }
    // The error type converts into the API's error without a 500 for bad input.
    let e: AppError = AppError::BadRequest(api_keys::KeyError::InvalidLabel.to_string());
    assert_eq!(e.status(), StatusCode::BAD_REQUEST);
}

#[test]
fn admin_key_cli_creates_lists_and_revokes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str]| run_bin(tmp.path(), args);
    let (ok, out) = run(&["migrate", "up"]);
    assert!(ok, "{out}");

    // The key alone on standard output (so `KEY=$(…)` captures it), the messages on standard error.
    let out = run_bin_split(
        tmp.path(),
        &[
            "admin-key",
            "create",
            "--scope",
            "read",
            "--label",
            "ops dashboard",
        ],
    );
    assert!(out.success, "{}{}", out.stdout, out.stderr);
    let key = out
        .stdout
        .strip_suffix('\n')
        .expect("the key line ends with a newline");
    assert!(
        !key.contains('\n') && key.len() == 43 && api_keys::well_formed(key),
        "stdout must be exactly the key line: {:?}",
        out.stdout
    );
    assert!(
        out.stderr.contains("cannot be shown again"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("ops dashboard"), "{}", out.stderr);
    assert!(
        !out.stderr.contains(key),
        "the key is not repeated on stderr"
    );
    let key = key.to_string();

    let (ok, list) = run(&["admin-key", "list"]);
    assert!(ok, "{list}");
    assert!(list.contains("ops dashboard") && list.contains("read") && list.contains("active"));
    assert!(list.contains("never"), "not used yet: {list}");
    assert!(!list.contains(&key), "list must not show the key");
    assert!(
        !list.contains(&api_keys::hash_key(&key)[..16]),
        "list must not show the hash"
    );
    let id = list
        .split_whitespace()
        .next()
        .expect("an id column")
        .to_string();

    let (ok, out) = run(&["admin-key", "revoke", &id]);
    assert!(ok, "{out}");
    let (_, list) = run(&["admin-key", "list"]);
    assert!(list.contains("revoked"), "{list}");

    let (ok, out) = run(&["admin-key", "create", "--scope", "write", "--label", "x"]);
    assert!(!ok, "write is not an admin scope: {out}");
    let (ok, out) = run(&["admin-key", "revoke", &Uuid::new_v4().to_string()]);
    assert!(!ok, "unknown id must fail: {out}");
}

#[tokio::test]
async fn api_root_needs_any_valid_key() {
    let app = app().await;
    let r = send_with(&app, "GET", "/api/v1/", None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (_, admin) = api_keys::issue_admin_key(&app.state.db, "a", AdminScope::Read, "t")
        .await
        .expect("key");
    let sub = insert_submission(&app.state.db).await;
    let (_, own) =
        api_keys::issue_submission_key(&app.state.db, sub, "k", "submitter", SubmissionScope::Read)
            .await
            .expect("key");
    for h in [format!("AdminKey {admin}"), format!("ApiKey {own}")] {
        let r = send_with(&app, "GET", "/api/v1/", Some(&h)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let v = r.json();
        assert!(
            v["categories"]
                .as_str()
                .is_some_and(|u| u.ends_with("/api/v1/categories/"))
        );
        assert!(
            v["service-centers"]
                .as_str()
                .is_some_and(|u| u.starts_with("http"))
        );
    }
}

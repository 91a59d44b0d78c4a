//! `/update/` and key recovery through the real router: key entry and the edit session (cookie,
//! revocation on the next request, read-only keys), the pre-filled form, saving with the changes page
//! and e-mail, deprecation, and the recovery link (same answer for anything entered, single use,
//! expiry, old keys refused).

use crate::public_forms::{Browser, set, shown_key, solved, valid_form};
use crate::support::TestApp;
use axum::http::StatusCode;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};
use service_registry::jobs::entity::job;
use service_registry::mail::OutgoingEmail;

/// Registers through the form; returns (key, submission id).
async fn registered(app: &TestApp) -> (String, String) {
    registered_with(app).await.0
}

/// Registers through the form; returns (key, submission id) and the pairs it posted.
async fn registered_with(app: &TestApp) -> ((String, String), Vec<(String, String)>) {
    let (mut b, page) = Browser::open(app, "/register/").await;
    let pairs = valid_form(app, &page).await;
    let r = b.post("/register/", &pairs).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let key = shown_key(&r.text());
    let row = service_registry::auth::api_keys::verify_submission_key(&app.state.db, &key)
        .await
        .expect("db")
        .expect("key");
    ((key, row.submission_id.to_string()), pairs)
}

/// Opens an edit session with `key`.
async fn signed_in<'a>(app: &'a TestApp, key: &str) -> Browser<'a> {
    let (mut b, _) = Browser::open(app, "/update/").await;
    let r = b.post("/update/", &[("api_key".into(), key.into())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.header("location"), "/update/edit/");
    let cookie = r.header("set-cookie");
    assert!(cookie.starts_with("sr_edit="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Path=/update/")
    );
    assert!(
        !cookie.contains(key),
        "the key itself never goes into a cookie"
    );
    b
}

async fn mails(app: &TestApp) -> Vec<OutgoingEmail> {
    job::Entity::find()
        .filter(job::Column::Kind.eq("send_email"))
        .all(&app.state.db)
        .await
        .expect("jobs")
        .into_iter()
        .filter_map(|j| serde_json::from_value(j.payload).ok())
        .collect()
}

/// The edit form's current values, as the browser would post them back.
fn edit_pairs(html: &str, base: &[(String, String)]) -> Vec<(String, String)> {
    let _ = html;
    let mut pairs: Vec<(String, String)> = base
        .iter()
        .filter(|(k, _)| k != "form_id" && k != "data_protection_consent")
        .cloned()
        .collect();
    set(&mut pairs, "altcha", "");
    pairs
}

#[tokio::test]
async fn a_key_opens_the_prefilled_form_and_an_edit_lists_its_changes() {
    let app = TestApp::new().await;
    let ((key, id), posted) = registered_with(&app).await;
    let b = signed_in(&app, &key).await;
    let r = b.get("/update/edit/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("cache-control"), "no-store");
    let html = r.text();
    assert!(
        html.contains("MetaProFi") && html.contains("internal@example.org"),
        "values pre-filled"
    );
    assert!(
        html.contains(r#"data-accession="topic_0121" "#)
            || html.contains(r#"data-accession="topic_0121">"#),
        "EDAM selection pre-filled"
    );
    assert!(
        html.contains(r#"value="MIT" selected"#),
        "licence pre-filled"
    );
    assert!(html.contains(&id), "reference shown");
    for shown in [
        r#"value="2026-11-01""#,
        r#"value="2021""#,
        r#"value="planned" selected"#,
    ] {
        assert!(html.contains(shown), "pre-filled: {shown}");
    }
    assert!(
        html.contains(
            r#"id="id_survey_participation_true" name="survey_participation" value="true" checked"#
        ) || html.contains(r#"value="false" checked"#)
    );

    let mut pairs = edit_pairs(&html, &posted);
    set(
        &mut pairs,
        "service_description",
        "A metagenomic protein function annotation service, now with a web interface.",
    );
    set(&mut pairs, "altcha", &solved(&app));
    let before = mails(&app).await.len();
    let mut b = b;
    let r = b.post("/update/edit/", &pairs).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        r.text().contains(r#"id="changes""#) && r.text().contains("Service description"),
        "{}",
        r.text()
    );
    let after = mails(&app).await;
    assert!(after.len() > before, "the update is notified");
    assert!(
        after.iter().any(|m| m.subject.contains("updated")),
        "{:?}",
        after.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );

    // An invalid edit is shown again (422) with the typed value, and nothing changes.
    set(&mut pairs, "website_url", "ftp://example.org");
    set(&mut pairs, "altcha", &solved(&app));
    let r = b.post("/update/edit/", &pairs).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("ftp:"));

    // "Done" ends the session.
    let r = b.post("/update/done/", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = b.get("/update/edit/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn wrong_keys_read_keys_and_revoked_keys_are_refused() {
    let app = TestApp::new().await;
    let ((key, id), posted) = registered_with(&app).await;
    let (mut b, _) = Browser::open(&app, "/update/").await;
    for (value, status) in [
        ("", StatusCode::UNPROCESSABLE_ENTITY),
        ("short!", StatusCode::UNPROCESSABLE_ENTITY),
        ("A".repeat(43).as_str(), StatusCode::FORBIDDEN),
    ] {
        let r = b
            .post("/update/", &[("api_key".into(), value.into())])
            .await;
        assert_eq!(r.status, status, "{value}");
        assert!(r.text().contains("invalid-feedback"));
    }
    // A read-scope key may look but not save.
    let sid = uuid::Uuid::parse_str(&id).expect("uuid");
    let (_, read_key) = service_registry::auth::api_keys::issue_submission_key(
        &app.state.db,
        sid,
        "reader",
        "tester",
        service_registry::auth::api_keys::SubmissionScope::Read,
    )
    .await
    .expect("read key");
    let mut reader = signed_in(&app, &read_key).await;
    let r = reader.get("/update/edit/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("read-only key"));
    let mut pairs = edit_pairs("", &posted);
    set(&mut pairs, "service_name", "Renamed by a reader");
    let r = reader.post("/update/edit/", &pairs).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("This key is read-only"));
    let r = reader
        .post("/update/deprecate/", &[("confirm".into(), "yes".into())])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let row = service_registry::submissions::repo::row(&app.state.db, sid)
        .await
        .expect("db")
        .expect("row");
    assert_eq!(row.service_name, "MetaProFi");
    assert_eq!(row.status, "submitted");

    // Revoking the key ends its session on the very next request.
    let writer = signed_in(&app, &key).await;
    assert_eq!(writer.get("/update/edit/").await.status, StatusCode::OK);
    service_registry::auth::api_keys::revoke_all_submission_keys(&app.state.db, sid)
        .await
        .expect("revoke");
    let r = writer.get("/update/edit/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), "/update/?session=expired");
}

#[tokio::test]
async fn deprecation_needs_confirmation_and_notifies() {
    let app = TestApp::new().await;
    let (key, id) = registered(&app).await;
    let mut b = signed_in(&app, &key).await;
    let r = b.post("/update/deprecate/", &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Tick the box"));
    let r = b
        .post("/update/deprecate/", &[("confirm".into(), "yes".into())])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let sid = uuid::Uuid::parse_str(&id).expect("uuid");
    let row = service_registry::submissions::repo::row(&app.state.db, sid)
        .await
        .expect("db")
        .expect("row");
    assert_eq!(row.status, "deprecated");
    let r = b.get("/update/edit/?done=deprecated").await;
    assert!(
        r.text()
            .contains("Only the administration office can reverse")
    );
    assert!(
        mails(&app)
            .await
            .iter()
            .any(|m| m.subject.contains("eprecated"))
    );
}

/// The recovery link of the newest recovery mail.
async fn recovery_link(app: &TestApp) -> String {
    let m = mails(app)
        .await
        .into_iter()
        .rev()
        .find(|m| m.subject.contains("new key"))
        .expect("recovery mail");
    assert_eq!(
        m.to,
        vec!["internal@example.org".to_string()],
        "only the stored contact"
    );
    let start = m.text.find("/update/recover/").expect("link in the mail");
    let end = m.text[start..]
        .find(char::is_whitespace)
        .map_or(m.text.len(), |e| start + e);
    m.text[start..end].to_string()
}

#[tokio::test]
async fn recovery_issues_a_new_key_once_and_refuses_the_old_one() {
    let app = TestApp::new().await;
    let (old_key, id) = registered(&app).await;
    let (mut b, _) = Browser::open(&app, "/update/recover/").await;
    let before = mails(&app).await.len();
    let unknown = b
        .post(
            "/update/recover/",
            &[("reference".into(), "No Such Service".into())],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(
        mails(&app).await.len(),
        before,
        "nothing sent for an unknown name"
    );
    let known = b
        .post("/update/recover/", &[("reference".into(), id.clone())])
        .await;
    assert_eq!(known.status, StatusCode::OK);
    let strip = |s: String| {
        s.lines()
            .filter(|l| !l.contains("csrf") && !l.contains("nonce"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        strip(unknown.text()),
        strip(known.text()),
        "the same answer whatever was entered"
    );
    let by_name = b
        .post(
            "/update/recover/",
            &[("reference".into(), "metaprofi".into())],
        )
        .await;
    assert_eq!(by_name.status, StatusCode::OK);
    assert_eq!(
        mails(&app).await.len(),
        before + 2,
        "the id and the name each sent one link"
    );

    let link = recovery_link(&app).await;
    let (mut visitor, confirm) = Browser::open(&app, &link).await;
    assert!(confirm.text().contains("Issue my new key"));
    assert!(
        service_registry::auth::api_keys::verify_submission_key(&app.state.db, &old_key)
            .await
            .expect("db")
            .is_some(),
        "opening the link changes nothing"
    );
    let r = visitor.post(&link, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.header("cache-control"), "no-store");
    let new_key = shown_key(&r.text());
    assert_ne!(new_key, old_key);
    assert!(
        service_registry::auth::api_keys::verify_submission_key(&app.state.db, &old_key)
            .await
            .expect("db")
            .is_none(),
        "old key revoked"
    );
    let (mut b2, _) = Browser::open(&app, "/update/").await;
    assert_eq!(
        b2.post("/update/", &[("api_key".into(), old_key.clone())])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    signed_in(&app, &new_key).await;
    // Single use.
    let r = visitor.post(&link, &[]).await;
    assert_eq!(r.status, StatusCode::GONE);
    assert_eq!(app.get(&link).await.status, StatusCode::GONE);
}

#[tokio::test]
async fn an_expired_recovery_link_is_refused() {
    let app = TestApp::new().await;
    let (key, id) = registered(&app).await;
    let (mut b, _) = Browser::open(&app, "/update/recover/").await;
    b.post("/update/recover/", &[("reference".into(), id)])
        .await;
    let link = recovery_link(&app).await;
    app.state
        .db
        .execute_raw(Statement::from_string(
            app.state.db.get_database_backend(),
            "UPDATE recovery_tokens SET expires_at = created_at".to_string(),
        ))
        .await
        .expect("expire");
    assert_eq!(app.get(&link).await.status, StatusCode::GONE);
    let (mut v, _) = Browser::open(&app, "/update/recover/").await;
    assert_eq!(v.post(&link, &[]).await.status, StatusCode::GONE);
    assert!(
        service_registry::auth::api_keys::verify_submission_key(&app.state.db, &key)
            .await
            .expect("db")
            .is_some()
    );
}

#[tokio::test]
async fn recovery_requests_are_rate_limited() {
    let app = TestApp::build(&[("RATE_LIMIT_RECOVER", "2/h")], axum::Router::new()).await;
    let (mut b, _) = Browser::open(&app, "/update/recover/").await;
    for _ in 0..2 {
        assert_eq!(
            b.post("/update/recover/", &[("reference".into(), "x".into())])
                .await
                .status,
            StatusCode::OK
        );
    }
    let r = b
        .post("/update/recover/", &[("reference".into(), "x".into())])
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!r.header("retry-after").is_empty());
}

#[tokio::test]
async fn an_operator_issues_a_read_key_that_opens_the_form_but_cannot_save() {
    let app = TestApp::new().await;
    let (_, id) = registered(&app).await;
    let service_registry::config::DatabaseConfig::Sqlite { path } = &app.db.cfg else {
        eprintln!("SKIPPED: the binary is pointed at the test database only on SQLite");
        return;
    };
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_service-registry"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATA_DIR", app.db.dir.path())
            .env("DATABASE_URL", format!("sqlite://{}", path.display()))
            .env("SITE_CONFIG", crate::support::repo_path("config/site.toml"))
            .args(args)
            .output()
            .expect("run the binary")
    };
    let out = run(&[
        "submission",
        "issue-key",
        &id,
        "--scope",
        "read",
        "--by",
        "ops",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let row = service_registry::auth::api_keys::verify_submission_key(&app.state.db, &key)
        .await
        .expect("db")
        .expect("the printed key works");
    assert_eq!(row.scope, "read");
    assert_eq!(row.created_by, "ops");
    let b = signed_in(&app, &key).await;
    assert!(
        b.get("/update/edit/")
            .await
            .text()
            .contains("read-only key")
    );
    let bad = run(&[
        "submission",
        "issue-key",
        &id,
        "--scope",
        "admin",
        "--by",
        "ops",
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("read or write"));
    let missing = run(&[
        "submission",
        "issue-key",
        &uuid::Uuid::new_v4().to_string(),
        "--by",
        "ops",
    ]);
    assert!(!missing.status.success());
}

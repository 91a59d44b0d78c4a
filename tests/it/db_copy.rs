//! `db copy`: an SQLite database with data into an empty PostgreSQL database, read back through the
//! API; a non-empty target refused. Needs `TEST_DATABASE_URL` (skipped, with a note, without it).

use crate::submissions_api::{register, send};
use crate::support::{TestApp, TestDb};
use axum::http::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, Set};
use service_registry::config::DatabaseConfig;
use service_registry::ops::copy_sqlite_to_postgres;
use service_registry::registry::entity::service_category;

#[tokio::test]
async fn sqlite_data_copied_to_postgres_reads_back_through_the_api() {
    let target = TestDb::new().await;
    if !matches!(target.cfg, DatabaseConfig::Postgres { .. }) {
        eprintln!("SKIPPED: db copy needs TEST_DATABASE_URL (a PostgreSQL database)");
        return;
    }
    let source = TestApp::on(TestDb::sqlite(), &[]).await;
    let (id, auth) = register(&source).await;
    let path = format!("/api/v1/submissions/{id}/");
    let before = send(&source, Method::GET, &path, Some(&auth), None)
        .await
        .json();

    let sp = target.search_path.clone();
    let report = copy_sqlite_to_postgres(&source.db.cfg, &target.cfg, sp.as_deref())
        .await
        .expect("copy");
    let rows = |t: &str| {
        report
            .tables
            .iter()
            .find(|(name, _)| name == t)
            .map(|(_, n)| *n)
    };
    assert_eq!(rows("service_submissions"), Some(1), "{report:?}");
    assert!(rows("edam_terms").unwrap_or(0) > 100, "{report:?}");
    assert!(
        rows("submission_edam_topics").unwrap_or(0) >= 1,
        "{report:?}"
    );
    let order: Vec<&str> = report.tables.iter().map(|(t, _)| t.as_str()).collect();
    let pos = |t: &str| order.iter().position(|x| *x == t).expect(t);
    assert!(pos("service_submissions") < pos("submission_edam_topics"));
    assert!(pos("edam_terms") < pos("submission_edam_topics"));
    assert!(
        report.skipped.iter().any(|t| t == "catalogue_fts"),
        "{report:?}"
    );

    // Copying again finds the target holding data.
    let err = copy_sqlite_to_postgres(&source.db.cfg, &target.cfg, sp.as_deref())
        .await
        .expect_err("copied into a non-empty database");
    assert!(err.to_string().contains("not empty"), "{err}");

    // The copy through the app: the submission, its links, and its key (hashes copied) all work.
    let app = TestApp::on(target, &[]).await;
    let r = send(&app, Method::GET, &path, Some(&auth), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let after = r.json();
    crate::backups::assert_same_submission(&before, &after);
    // Times survive to PostgreSQL's precision (SQLite kept chrono's nanoseconds; PostgreSQL rounds
    // them to microseconds).
    let micros = |v: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().expect("time"))
            .expect("RFC 3339")
            .timestamp_micros()
    };
    let drift = micros(&after["submitted_at"]) - micros(&before["submitted_at"]);
    assert!(drift.abs() <= 1, "submitted_at moved by {drift} µs");
    // New rows get ids after the copied ones (the sequences moved on).
    let copied = after["service_categories"][0]["id"]
        .as_i64()
        .expect("category id");
    let fresh = service_category::ActiveModel {
        name: Set("Another category".into()),
        is_active: Set(true),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .expect("insert after the copy");
    assert!(fresh.id > copied, "{} <= {copied}", fresh.id);
}

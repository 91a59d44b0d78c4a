//! Upgrade safety: a database created by the previous release's own migrations, with data entered
//! through its API (tests/fixtures/upgrade/, made by scripts/make-upgrade-fixture.sh), upgraded by this
//! release's start-up and read back through the API. SQLite from the VACUUMed file; PostgreSQL from a
//! plain pg_dump, loaded into the test's own schema.

use crate::submissions_api::send;
use crate::support::{TestApp, TestDb, repo_path};
use axum::http::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::Value;
use service_registry::config::DatabaseConfig;

const RELEASE: &str = "v0.1.0";
/// The schema name the PostgreSQL fixture was dumped from.
const FIXTURE_SCHEMA: &str = "upgrade_fixture";

fn fixture(ext: &str) -> std::path::PathBuf {
    repo_path(&format!("tests/fixtures/upgrade/{RELEASE}.{ext}"))
}

/// Loads the fixture of the test backend into a fresh database; returns it and the expected values.
async fn load() -> (TestDb, Value) {
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("json")).expect("fixture json"))
            .expect("fixture json");
    let db = TestDb::new().await;
    let expected = match &db.cfg {
        DatabaseConfig::Sqlite { path } => {
            std::fs::copy(fixture("sqlite3"), path).expect("copy fixture");
            meta["sqlite"].clone()
        }
        DatabaseConfig::Postgres { url, .. } => {
            let schema = db.search_path.clone().expect("schema");
            let sql = std::fs::read_to_string(fixture("postgres.sql"))
                .expect("PostgreSQL fixture")
                .replace(FIXTURE_SCHEMA, &schema);
            // A connection of its own: the dump clears its search_path.
            let conn = Database::connect(url.expose()).await.expect("connect");
            conn.execute_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("DROP SCHEMA {schema}"),
            ))
            .await
            .expect("drop the empty schema (the dump creates it)");
            conn.execute_unprepared(&sql).await.expect("load the dump");
            let _ = conn.close().await;
            meta["postgres"].clone()
        }
    };
    let mut expected = expected;
    expected["service_name"] = meta["service_name"].clone();
    expected["migrations"] = meta["migrations"].clone();
    (db, expected)
}

#[tokio::test]
async fn a_previous_release_database_upgrades_and_keeps_its_data() {
    let (db, expected) = load().await;
    // The fixture really is the old release's schema: exactly its migrations are applied.
    let conn = db.connect().await;
    let applied: Vec<String> = service_registry::db::migration_status(&conn)
        .await
        .expect("status")
        .into_iter()
        .filter(|(_, applied)| *applied)
        .map(|(name, _)| name)
        .collect();
    let recorded: Vec<String> = expected["migrations"]
        .as_array()
        .expect("migrations")
        .iter()
        .map(|m| m.as_str().expect("name").to_string())
        .collect();
    assert_eq!(applied, recorded);
    let _ = conn.close().await;

    // Start-up migrates (whatever this release added since) and the data reads back.
    let app = TestApp::on(db, &[]).await;
    assert_eq!(
        service_registry::db::pending_migrations(&app.state.db)
            .await
            .expect("pending"),
        0
    );
    let id = expected["id"].as_str().expect("id");
    let auth = format!("ApiKey {}", expected["api_key"].as_str().expect("key"));
    let path = format!("/api/v1/submissions/{id}/");
    let r = send(&app, Method::GET, &path, Some(&auth), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let s = r.json();
    assert_eq!(s["service_name"], expected["service_name"]);
    assert_eq!(s["service_categories"][0]["name"], "Database", "{s}");
    assert_eq!(s["edam_topics"][0]["accession"], "topic_0121", "{s}");
    assert_eq!(
        s["edam_operations"][0]["accession"], "operation_2945",
        "{s}"
    );
    assert_eq!(s["licenses"], serde_json::json!(["MIT"]));
    assert_eq!(s["service_center"]["short_name"], "BiGi", "{s}");
    assert_eq!(s["responsible_pis"].as_array().map(Vec::len), Some(1));

    // The upgraded database takes new writes: the key still edits the registration.
    let r = send(
        &app,
        Method::PATCH,
        &path,
        Some(&auth),
        Some(&serde_json::json!({"service_name": "Upgraded Fixture Service"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // The kept EDAM terms are served (the rest were left out of the fixture).
    let r = app.get("/api/v1/edam/topic_0121/").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

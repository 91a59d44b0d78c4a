//! Backups: backup → wipe → restore round trip on the test backend (SQLite, or PostgreSQL with
//! `TEST_DATABASE_URL`, through pg_dump/pg_restore) with a submission, its links and a logo file;
//! damaged, unknown and foreign backups refused before anything is written; a non-empty target
//! refused unless forced.

use crate::submissions_api::{register, send};
use crate::support::{TestApp, TestDb};
use axum::http::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbBackend, Set, Statement};
use serde_json::Value;
use service_registry::config::DatabaseConfig;
use service_registry::ops::{RestoreOptions, backup, restore};
use service_registry::submissions::entity::service_submission;
use std::path::{Path, PathBuf};

const LOGO: &[u8] = b"\x89PNG\r\n\x1a\n-not-decoded-by-the-backup-";

/// A registered submission with categories, a topic, a PI, a centre and a logo file.
struct Fixture {
    app: TestApp,
    id: String,
    auth: String,
    logo: String,
}

async fn fixture() -> Fixture {
    let app = TestApp::new().await;
    let (id, auth) = register(&app).await;
    let logo = format!("logos/{}.png", uuid::Uuid::new_v4());
    let path = app.state.config.media_root.join(&logo);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, LOGO).expect("logo");
    service_submission::ActiveModel {
        id: Set(id.parse().expect("uuid")),
        logo: Set(Some(logo.clone())),
        ..Default::default()
    }
    .update(&app.state.db)
    .await
    .expect("set logo");
    Fixture {
        app,
        id,
        auth,
        logo,
    }
}

async fn submission(app: &TestApp, id: &str, auth: &str) -> Value {
    let r = send(
        app,
        Method::GET,
        &format!("/api/v1/submissions/{id}/"),
        Some(auth),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

/// Stops the app and removes its database and media files (drops its schema on PostgreSQL).
async fn wipe(app: TestApp) -> (TestDb, PathBuf) {
    let TestApp { db, state, .. } = app;
    let media = state.config.media_root.clone();
    let conn = state.db.clone();
    drop(state);
    match &db.cfg {
        DatabaseConfig::Sqlite { path } => {
            let _ = conn.close().await;
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.as_os_str().to_owned();
                p.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(p));
            }
        }
        DatabaseConfig::Postgres { .. } => {
            let schema = db.search_path.clone().expect("schema");
            conn.execute_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("DROP SCHEMA {schema} CASCADE"),
            ))
            .await
            .expect("drop schema");
            let _ = conn.close().await;
        }
    }
    std::fs::remove_dir_all(&media).expect("remove media");
    (db, media)
}

fn out_dir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("backup-1");
    (tmp, out)
}

#[tokio::test]
async fn backup_wipe_restore_round_trip_keeps_submission_links_and_logo() {
    let f = fixture().await;
    let before = submission(&f.app, &f.id, &f.auth).await;
    let (_tmp, out) = out_dir();
    let sp = f.app.db.search_path.clone();
    let m = backup(
        &f.app.db.cfg,
        sp.as_deref(),
        &f.app.state.config.media_root,
        &out,
    )
    .await
    .expect("backup");
    assert_eq!(m.app_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(
        m.schema_version.as_deref(),
        service_registry::db::known_migrations()
            .last()
            .map(String::as_str)
    );
    let logo_entry = m
        .files
        .iter()
        .find(|e| e.path == format!("media/{}", f.logo))
        .expect("logo listed in the manifest");
    assert_eq!(logo_entry.size, LOGO.len() as u64);
    assert!(out.join("manifest.json").is_file());

    let (db, media) = wipe(f.app).await;
    assert!(!media.exists());
    restore(
        &db.cfg,
        sp.as_deref(),
        &media,
        &out,
        RestoreOptions::default(),
    )
    .await
    .expect("restore");
    let app = TestApp::on(db, &[]).await;
    let after = submission(&app, &f.id, &f.auth).await;
    assert_same_submission(&before, &after);
    let logo = app.get(&format!("/media/{}", f.logo)).await;
    assert_eq!(logo.status, StatusCode::OK);
    assert_eq!(logo.body, LOGO);
}

#[tokio::test]
async fn a_damaged_or_unknown_backup_is_refused_before_anything_is_written() {
    let f = fixture().await;
    let (_tmp, out) = out_dir();
    let sp = f.app.db.search_path.clone();
    let media_root = f.app.state.config.media_root.clone();
    backup(&f.app.db.cfg, sp.as_deref(), &media_root, &out)
        .await
        .expect("backup");
    let (db, media) = wipe(f.app).await;

    // One flipped byte in the logo.
    let logo = out.join("media").join(&f.logo);
    let mut bytes = std::fs::read(&logo).expect("read");
    bytes[0] ^= 0xff;
    std::fs::write(&logo, &bytes).expect("write");
    let err = refused(&db, &media, &out).await;
    assert!(err.contains("damaged"), "{err}");
    assert!(err.contains(&f.logo), "{err}");
    assert!(!media.exists(), "media written despite the refusal");
    assert_no_tables(&db).await;
    bytes[0] ^= 0xff;
    std::fs::write(&logo, &bytes).expect("write");

    // A manifest layout this release does not know.
    let manifest_path = out.join("manifest.json");
    let original = std::fs::read_to_string(&manifest_path).expect("manifest");
    let mut manifest: Value = serde_json::from_str(&original).expect("json");
    manifest["format_version"] = 99.into();
    std::fs::write(&manifest_path, manifest.to_string()).expect("write");
    let err = refused(&db, &media, &out).await;
    assert!(err.contains("format version 99"), "{err}");

    // A schema from a newer release.
    let mut manifest: Value = serde_json::from_str(&original).expect("json");
    manifest["schema_version"] = "m20991231_000001_from_the_future".into();
    std::fs::write(&manifest_path, manifest.to_string()).expect("write");
    let err = refused(&db, &media, &out).await;
    assert!(err.contains("unknown to this release"), "{err}");

    // Not a backup at all.
    std::fs::remove_file(&manifest_path).expect("rm");
    let err = refused(&db, &media, &out).await;
    assert!(err.contains("not a backup"), "{err}");
    assert!(!media.exists());
    assert_no_tables(&db).await;
}

/// The error of a restore that must be refused (without --force).
async fn refused(db: &TestDb, media: &Path, from: &Path) -> String {
    restore(
        &db.cfg,
        db.search_path.as_deref(),
        media,
        from,
        RestoreOptions::default(),
    )
    .await
    .expect_err("restore accepted")
    .to_string()
}

/// The submission's fields and links that must survive a backup, restore or copy unchanged.
pub fn assert_same_submission(before: &Value, after: &Value) {
    for field in [
        "service_name",
        "service_categories",
        "edam_topics",
        "responsible_pis",
        "service_center",
        "licenses",
        "logo_url",
    ] {
        assert_eq!(after[field], before[field], "{field}");
    }
    assert!(!after["edam_topics"].as_array().expect("topics").is_empty());
}

async fn assert_no_tables(db: &TestDb) {
    let tables = if matches!(db.cfg, DatabaseConfig::Sqlite { ref path } if !path.exists()) {
        vec![]
    } else {
        db.tables().await
    };
    assert!(tables.is_empty(), "tables written: {tables:?}");
}

#[tokio::test]
async fn a_non_empty_target_is_refused_unless_forced() {
    let f = fixture().await;
    let (_tmp, out) = out_dir();
    let sp = f.app.db.search_path.clone();
    let media_root = f.app.state.config.media_root.clone();
    backup(&f.app.db.cfg, sp.as_deref(), &media_root, &out)
        .await
        .expect("backup");
    // A second backup into the same directory is refused.
    let err = backup(&f.app.db.cfg, sp.as_deref(), &media_root, &out)
        .await
        .expect_err("backup over a backup");
    assert!(err.to_string().contains("already exists"), "{err}");

    let err = refused(&f.app.db, &media_root, &out).await;
    assert!(err.contains("--force"), "{err}");

    // The submission changes after the backup; a forced restore brings the backed-up state back.
    let r = send(
        &f.app,
        Method::PATCH,
        &format!("/api/v1/submissions/{}/", f.id),
        Some(&f.auth),
        Some(&serde_json::json!({"service_name": "Renamed after the backup"})),
    )
    .await;
    assert!(r.status.is_success(), "{} {}", r.status, r.text());
    std::fs::write(media_root.join("stray.txt"), b"not in the backup").expect("stray");
    let (db, media) = {
        let TestApp { db, state, .. } = f.app;
        let media = state.config.media_root.clone();
        let _ = state.db.clone().close().await;
        (db, media)
    };
    restore(
        &db.cfg,
        sp.as_deref(),
        &media,
        &out,
        RestoreOptions { force: true },
    )
    .await
    .expect("forced restore");
    assert!(!media.join("stray.txt").exists());
    let app = TestApp::on(db, &[]).await;
    let after = submission(&app, &f.id, &f.auth).await;
    assert_eq!(after["service_name"], "MetaProFi");
}

#[test]
fn manifest_paths_that_leave_the_directory_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir: &Path = tmp.path();
    let manifest = serde_json::json!({
        "format": "service-registry-backup", "format_version": 1, "app_version": "0.2.0",
        "created_at": "2026-01-01T00:00:00Z", "backend": "sqlite", "schema_version": null,
        "migrations_applied": 0, "database_file": "database.sqlite3",
        "files": [{"path": "../outside", "size": 0, "sha256": ""}],
    });
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).expect("write");
    let err = service_registry::ops::Manifest::read(dir).expect_err("accepted");
    assert!(
        err.to_string().contains("leaves the backup directory"),
        "{err}"
    );
}

#[test]
fn the_commands_back_up_refuse_a_live_target_and_restore_with_force() {
    use crate::support::run_bin;
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let (ok, text) = run_bin(dir, &["--version"]);
    assert!(ok && text.contains(env!("CARGO_PKG_VERSION")), "{text}");
    let (ok, text) = run_bin(dir, &["migrate", "up"]);
    assert!(ok, "{text}");
    std::fs::create_dir_all(dir.join("media/logos")).expect("mkdir");
    std::fs::write(dir.join("media/logos/a.png"), LOGO).expect("logo");
    let out = dir.join("backups/one");
    let out_arg = out.display().to_string();
    let (ok, text) = run_bin(dir, &["backup", "--out", &out_arg]);
    assert!(ok, "{text}");
    assert!(text.contains("1 media file(s)"), "{text}");
    let (ok, text) = run_bin(dir, &["restore", "--from", &out_arg]);
    assert!(!ok && text.contains("--force"), "{text}");
    std::fs::remove_file(dir.join("media/logos/a.png")).expect("rm");
    let (ok, text) = run_bin(dir, &["restore", "--from", &out_arg, "--force"]);
    assert!(ok, "{text}");
    assert_eq!(
        std::fs::read(dir.join("media/logos/a.png")).expect("restored logo"),
        LOGO
    );
}

//! `sync-biotools` as operators run it: `--submission ID` syncs that one only, `--dry-run` reports what
//! would change and writes nothing, a full run ends with its totals (plain lines without a terminal).

use serde_json::json;
use service_registry::jobs::ManualClock;
use wiremock::{MockServer, ResponseTemplate};

use crate::biotools_sync::{app_for, minitool, records, run_jobs, serve, start};
use crate::submissions_api::{send, valid_body};
use crate::support::{BinOutput, TestApp, repo_path};

/// Runs `service-registry sync-biotools ARGS` on the test's SQLite file against the stand-in; `None`
/// on PostgreSQL (the binary is exercised once, on the embedded default).
fn cli(app: &TestApp, server: &MockServer, args: &[&str]) -> Option<BinOutput> {
    let service_registry::config::DatabaseConfig::Sqlite { path } = &app.db.cfg else {
        eprintln!("SKIPPED: sync-biotools is run against the SQLite file only");
        return None;
    };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_service-registry"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATA_DIR", app.db.dir.path())
        .env("SITE_CONFIG", repo_path("config/site.toml"))
        .env("DATABASE_URL", format!("sqlite://{}", path.display()))
        .env("BIOTOOLS_API_URL", server.uri())
        .env("BIOTOOLS_SYNC_RATE", "50")
        .env("BIOTOOLS_RETRY_BACKOFF_MS", "5")
        .current_dir(app.db.dir.path())
        .arg("sync-biotools")
        .args(args)
        .output()
        .expect("run the binary");
    Some(BinOutput {
        success: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Two submissions of the tool, registered through the API (their sync jobs are left unrun).
async fn two_submissions(app: &TestApp) -> (String, String) {
    let mut body = valid_body(app).await;
    body["biotools_url"] = json!("https://bio.tools/minitool");
    let mut ids = Vec::new();
    for name in ["First service", "Second service"] {
        body["service_name"] = json!(name);
        let r = send(
            app,
            axum::http::Method::POST,
            "/api/v1/submissions/",
            None,
            Some(&body),
        )
        .await;
        assert_eq!(r.status, axum::http::StatusCode::CREATED, "{}", r.text());
        ids.push(r.json()["id"].as_str().expect("id").to_string());
    }
    (ids[0].clone(), ids[1].clone())
}

#[tokio::test]
async fn submission_option_syncs_that_submission_only() {
    let (server, app) = crate::biotools_api::serving_minitool().await;
    let (first, _second) = two_submissions(&app).await;
    let Some(out) = cli(&app, &server, &["--submission", &first]) else {
        return;
    };
    assert!(out.success, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(&format!(
            "{first}: created record for bio.tools:minitool (2 function(s))"
        )),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("synced 1, failed 0"), "{}", out.stdout);
    let all = records(&app).await;
    assert_eq!(all.len(), 1, "only the named submission: {all:?}");
    assert_eq!(all[0].submission_id.to_string(), first);

    let unknown = "00000000-0000-4000-8000-000000000000";
    let out = cli(&app, &server, &["--submission", unknown]).expect("sqlite");
    assert!(!out.success, "an unknown submission fails the command");
    assert!(
        out.stderr
            .contains(&format!("Submission {unknown} not found.")),
        "{}",
        out.stderr
    );
    let out = cli(&app, &server, &["--submission", "not-a-uuid"]).expect("sqlite");
    assert!(!out.success, "{}", out.stdout);
}

#[tokio::test]
async fn dry_run_reports_what_would_change_and_writes_nothing() {
    let server = MockServer::start().await;
    serve(
        &server,
        "minitool",
        ResponseTemplate::new(200).set_body_json(minitool()),
        Some(1),
    )
    .await;
    let mut renamed = minitool();
    renamed["name"] = json!("MiniTool 2");
    serve(
        &server,
        "minitool",
        ResponseTemplate::new(200).set_body_json(renamed),
        None,
    )
    .await;
    let app = app_for(&server).await;
    let (first, second) = two_submissions(&app).await;
    // Sync the first only, with the original data.
    let Some(out) = cli(&app, &server, &["--submission", &first]) else {
        return;
    };
    assert!(out.success, "{}{}", out.stdout, out.stderr);
    let before = records(&app).await;
    assert_eq!(before.len(), 1);

    let out = cli(&app, &server, &["--dry-run"]).expect("sqlite");
    assert!(out.success, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains(&format!("{first}: would update bio.tools:minitool: name")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!(
            "{second}: would create the record for bio.tools:minitool"
        )),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("Dry run: nothing written (2 submission(s))."),
        "{}",
        out.stdout
    );
    assert_eq!(records(&app).await, before, "a dry run writes nothing");

    // The real run then does what the preview said, and ends with its totals.
    let out = cli(&app, &server, &[]).expect("sqlite");
    assert!(out.success, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("synced 2, failed 0, removed 0"),
        "{}",
        out.stdout
    );
    let after = records(&app).await;
    assert_eq!(after.len(), 2);
    assert!(after.iter().all(|r| r.name == "MiniTool 2"), "{after:?}");
    // The queued jobs still run afterwards without harm.
    run_jobs(&app, &ManualClock::new(start())).await;
    assert_eq!(records(&app).await.len(), 2);
}

//! The bio.tools sync against wiremock: the job queued with a submission's create/patch, the stored
//! record and its functions, errors kept on the record (404, timeout), retries, a changed or cleared
//! URL, the daily job, and `sync-biotools --errors`.

use axum::Router;
use axum::http::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use service_registry::biotools::entity::{biotools_function as func, biotools_record as rec};
use service_registry::jobs::{Clock, JobRegistry, ManualClock, state, worker::Worker};
use std::sync::Arc;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::jobs_support::{all_jobs, ctx};
use crate::submissions_api::{admin_auth, send, valid_body};
use crate::support::{TestApp, repo_path, shared_data};

/// A manual clock starting a little after the wall clock, so that jobs the API queued are due.
pub(crate) fn start() -> chrono::DateTime<chrono::Utc> {
    use chrono::{SubsecRound, Utc};
    (Utc::now() + chrono::Duration::seconds(5)).trunc_subsecs(0)
}

fn start_of(clock: &ManualClock) -> chrono::DateTime<chrono::Utc> {
    clock.now()
}

fn fixture(p: std::path::PathBuf) -> Value {
    serde_json::from_slice(&std::fs::read(p).expect("read fixture")).expect("JSON")
}

pub(crate) fn minitool() -> Value {
    fixture(repo_path("tests/fixtures/biotools/minitool.json"))
}

pub(crate) async fn serve(
    server: &MockServer,
    tool: &str,
    response: ResponseTemplate,
    times: Option<u64>,
) {
    let m = Mock::given(method("GET"))
        .and(path(format!("/tool/{tool}/")))
        .respond_with(response);
    match times {
        Some(n) => m.up_to_n_times(n).mount(server).await,
        None => m.mount(server).await,
    }
}

pub(crate) async fn app_for(server: &MockServer) -> TestApp {
    TestApp::build(
        &[
            ("BIOTOOLS_API_URL", server.uri().as_str()),
            ("BIOTOOLS_TIMEOUT_MS", "400"),
            ("BIOTOOLS_RETRY_BACKOFF_MS", "5"),
            ("BIOTOOLS_SYNC_RATE", "50"),
        ],
        Router::new(),
    )
    .await
}

/// Registers a submission with this bio.tools URL through the API; returns its id.
pub(crate) async fn register_with(app: &TestApp, url: &str) -> String {
    let mut body = valid_body(app).await;
    body["biotools_url"] = json!(url);
    let r = send(app, Method::POST, "/api/v1/submissions/", None, Some(&body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_str().expect("id").to_string()
}

pub(crate) async fn patch_url(app: &TestApp, id: &str, url: &str) {
    let auth = admin_auth(app, service_registry::auth::api_keys::AdminScope::Full).await;
    let r = send(
        app,
        Method::PATCH,
        &format!("/api/v1/submissions/{id}/"),
        Some(&auth),
        Some(&json!({ "biotools_url": url })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

async fn sync_jobs(app: &TestApp) -> usize {
    all_jobs(&app.state.db)
        .await
        .iter()
        .filter(|j| j.kind == "biotools.sync")
        .count()
}

pub(crate) async fn run_jobs(app: &TestApp, clock: &ManualClock) {
    let worker = Worker::new(ctx(app, clock), Arc::new(JobRegistry::standard()));
    worker.run_until_idle().await.expect("run jobs");
}

pub(crate) async fn records(app: &TestApp) -> Vec<rec::Model> {
    rec::Entity::find()
        .all(&app.state.db)
        .await
        .expect("records")
}

async fn record(app: &TestApp) -> rec::Model {
    let all = records(app).await;
    assert_eq!(all.len(), 1, "{all:?}");
    all.into_iter().next().expect("one record")
}

async fn functions(app: &TestApp, record_id: i64) -> Vec<func::Model> {
    use sea_orm::QueryOrder;
    func::Entity::find()
        .filter(func::Column::RecordId.eq(record_id))
        .order_by_asc(func::Column::Position)
        .all(&app.state.db)
        .await
        .expect("functions")
}

#[tokio::test]
async fn create_queues_a_sync_that_stores_the_record_and_its_functions_in_order() {
    let server = MockServer::start().await;
    serve(
        &server,
        "minitool",
        ResponseTemplate::new(200).set_body_json(minitool()),
        None,
    )
    .await;
    let app = app_for(&server).await;
    let id = register_with(&app, "https://bio.tools/minitool").await;
    assert_eq!(
        sync_jobs(&app).await,
        1,
        "a biotools.sync job exists after the request"
    );
    let clock = ManualClock::new(start());
    run_jobs(&app, &clock).await;
    let r = record(&app).await;
    assert_eq!(r.submission_id.to_string(), id);
    assert_eq!(r.biotools_id, "minitool");
    assert_eq!(r.name, "MiniTool");
    assert_eq!(r.sync_error, "");
    assert_eq!(r.last_synced_at, Some(start_of(&clock)));
    let f = functions(&app, r.id).await;
    assert_eq!(f.iter().map(|f| f.position).collect::<Vec<_>>(), [0, 1]);
    assert_eq!(f[0].cmd, "minitool <in.fa >out.aln");
    assert_eq!(f[1].note, "Second block.");
    assert_eq!(
        f[1].operations[0]["uri"],
        "http://edamontology.org/operation_0004"
    );
    let jobs = all_jobs(&app.state.db).await;
    assert!(jobs.iter().all(|j| j.state == state::DONE), "{jobs:?}");
}

#[tokio::test]
async fn a_submission_without_url_queues_no_sync() {
    let server = MockServer::start().await;
    let app = app_for(&server).await;
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
    assert_eq!(sync_jobs(&app).await, 0);
}

#[tokio::test]
async fn not_found_records_the_error_and_keeps_the_data() {
    let server = MockServer::start().await;
    serve(
        &server,
        "minitool",
        ResponseTemplate::new(200).set_body_json(minitool()),
        Some(1),
    )
    .await;
    serve(&server, "minitool", ResponseTemplate::new(404), None).await;
    let app = app_for(&server).await;
    let id = register_with(&app, "https://bio.tools/minitool").await;
    let clock = ManualClock::new(start());
    run_jobs(&app, &clock).await;
    let before = record(&app).await;
    clock.advance(chrono::Duration::hours(1));
    let client = service_registry::biotools::BiotoolsClient::new(
        service_registry::biotools::ClientSettings::from_config(&app.state.config),
    )
    .expect("client");
    let uuid = uuid::Uuid::parse_str(&id).expect("uuid");
    let outcome = service_registry::biotools::sync::sync_submission(
        &app.state.db,
        &client,
        uuid,
        clock.now(),
    )
    .await
    .expect("sync");
    assert!(outcome.is_failure(), "{outcome:?}");
    let after = record(&app).await;
    assert!(after.sync_error.contains("404"), "{}", after.sync_error);
    assert_eq!(after.name, before.name);
    assert_eq!(after.raw_json, before.raw_json);
    assert_eq!(after.last_synced_at, before.last_synced_at);
    assert_eq!(functions(&app, after.id).await.len(), 2);
}

#[tokio::test]
async fn a_first_sync_that_fails_creates_a_minimal_record_with_the_error() {
    let server = MockServer::start().await;
    serve(&server, "nope", ResponseTemplate::new(404), None).await;
    let app = app_for(&server).await;
    register_with(&app, "https://bio.tools/nope").await;
    run_jobs(&app, &ManualClock::new(start())).await;
    let r = record(&app).await;
    assert_eq!(r.biotools_id, "nope");
    assert!(
        r.sync_error.contains("no tool") && r.sync_error.contains("404"),
        "{}",
        r.sync_error
    );
    assert_eq!(r.last_synced_at, None);
    // 404 is not transient: the job is done, not retrying.
    let jobs = all_jobs(&app.state.db).await;
    assert!(
        jobs.iter()
            .filter(|j| j.kind == "biotools.sync")
            .all(|j| j.state == state::DONE)
    );
}

#[tokio::test]
async fn a_server_error_then_success_is_synced() {
    let server = MockServer::start().await;
    serve(&server, "minitool", ResponseTemplate::new(500), Some(1)).await;
    serve(
        &server,
        "minitool",
        ResponseTemplate::new(200).set_body_json(minitool()),
        None,
    )
    .await;
    let app = app_for(&server).await;
    register_with(&app, "https://bio.tools/minitool").await;
    run_jobs(&app, &ManualClock::new(start())).await;
    let r = record(&app).await;
    assert_eq!((r.name.as_str(), r.sync_error.as_str()), ("MiniTool", ""));
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(2));
}

#[tokio::test]
async fn a_timeout_records_the_error_keeps_the_data_and_retries_later() {
    let server = MockServer::start().await;
    serve(
        &server,
        "minitool",
        ResponseTemplate::new(200).set_body_json(minitool()),
        Some(1),
    )
    .await;
    serve(
        &server,
        "minitool",
        ResponseTemplate::new(200)
            .set_body_json(minitool())
            .set_delay(std::time::Duration::from_secs(3)),
        None,
    )
    .await;
    let app = app_for(&server).await;
    let id = register_with(&app, "https://bio.tools/minitool").await;
    let clock = ManualClock::new(start());
    run_jobs(&app, &clock).await;
    let before = record(&app).await;
    // Any change of the URL's spelling that keeps the id queues a new sync.
    patch_url(&app, &id, "https://bio.tools/minitool/").await;
    assert_eq!(sync_jobs(&app).await, 2);
    run_jobs(&app, &clock).await;
    let after = record(&app).await;
    assert!(
        after.sync_error.contains("timed out"),
        "{}",
        after.sync_error
    );
    assert_eq!(after.raw_json, before.raw_json);
    assert_eq!(after.last_synced_at, before.last_synced_at);
    assert_eq!(functions(&app, after.id).await.len(), 2);
    let jobs = all_jobs(&app.state.db).await;
    assert!(
        jobs.iter()
            .any(|j| j.kind == "biotools.sync" && j.state == state::QUEUED && j.attempts == 1),
        "a transient error is retried later: {jobs:?}"
    );
}

#[tokio::test]
async fn a_changed_url_resyncs_to_the_new_id_and_a_cleared_url_removes_the_record() {
    let Some(blast) = shared_data("biotools/blast.json") else {
        return;
    };
    let server = MockServer::start().await;
    serve(
        &server,
        "minitool",
        ResponseTemplate::new(200).set_body_json(minitool()),
        None,
    )
    .await;
    serve(
        &server,
        "blast",
        ResponseTemplate::new(200).set_body_json(fixture(blast)),
        None,
    )
    .await;
    let app = app_for(&server).await;
    let id = register_with(&app, "https://bio.tools/minitool").await;
    let clock = ManualClock::new(start());
    run_jobs(&app, &clock).await;
    let first = record(&app).await;

    patch_url(&app, &id, "https://bio.tools/blast").await;
    assert_eq!(sync_jobs(&app).await, 2);
    run_jobs(&app, &clock).await;
    let r = record(&app).await;
    assert_eq!(
        r.id, first.id,
        "the submission's record is replaced, not added"
    );
    assert_eq!(
        (r.biotools_id.as_str(), r.name.as_str()),
        ("blast", "BLAST")
    );
    assert_eq!(functions(&app, r.id).await.len(), 1);

    patch_url(&app, &id, "").await;
    assert_eq!(sync_jobs(&app).await, 3);
    run_jobs(&app, &clock).await;
    assert!(records(&app).await.is_empty());
    assert_eq!(
        func::Entity::find()
            .count(&app.state.db)
            .await
            .expect("count"),
        0
    );
}

#[tokio::test]
async fn a_patch_that_leaves_the_url_alone_queues_no_sync() {
    let server = MockServer::start().await;
    let app = app_for(&server).await;
    let id = register_with(&app, "https://bio.tools/minitool").await;
    let auth = admin_auth(&app, service_registry::auth::api_keys::AdminScope::Full).await;
    let r = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/submissions/{id}/"),
        Some(&auth),
        Some(&json!({ "service_name": "Another name" })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(sync_jobs(&app).await, 1);
}

#[tokio::test]
async fn the_daily_job_touches_every_record_once_with_the_current_id() {
    let server = MockServer::start().await;
    serve(
        &server,
        "minitool",
        ResponseTemplate::new(200).set_body_json(minitool()),
        None,
    )
    .await;
    let app = app_for(&server).await;
    let mut body = valid_body(&app).await;
    body["biotools_url"] = json!("https://bio.tools/minitool");
    for _ in 0..3 {
        let r = send(
            &app,
            Method::POST,
            "/api/v1/submissions/",
            None,
            Some(&body),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let clock = ManualClock::new(start());
    run_jobs(&app, &clock).await;
    let requests = server
        .received_requests()
        .await
        .map(|r| r.len())
        .unwrap_or(0);
    assert_eq!(requests, 3);
    clock.advance(chrono::Duration::days(1));
    service_registry::jobs::enqueue(&app.state.db, "biotools.sync_all", json!({}), clock.now())
        .await
        .expect("enqueue");
    run_jobs(&app, &clock).await;
    let all = records(&app).await;
    assert_eq!(all.len(), 3);
    assert!(
        all.iter().all(|r| r.last_synced_at == Some(clock.now())),
        "{all:?}"
    );
    let requests = server
        .received_requests()
        .await
        .map(|r| r.len())
        .unwrap_or(0);
    assert_eq!(requests, 6, "one request per submission");
}

#[tokio::test]
async fn the_cli_lists_records_with_a_sync_error() {
    let server = MockServer::start().await;
    serve(&server, "nope", ResponseTemplate::new(404), None).await;
    let app = app_for(&server).await;
    let service_registry::config::DatabaseConfig::Sqlite { path } = &app.db.cfg else {
        eprintln!("SKIPPED: sync-biotools --errors is run against the SQLite file only");
        return;
    };
    let id = register_with(&app, "https://bio.tools/nope").await;
    run_jobs(&app, &ManualClock::new(start())).await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_service-registry"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATA_DIR", app.db.dir.path())
        .env("SITE_CONFIG", repo_path("config/site.toml"))
        .env("DATABASE_URL", format!("sqlite://{}", path.display()))
        .current_dir(app.db.dir.path())
        .args(["sync-biotools", "--errors"])
        .output()
        .expect("run the binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("nope") && stdout.contains(&id), "{stdout}");
    assert!(
        stdout.contains("404") && stdout.contains("never"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 record(s) with a sync error."),
        "{stdout}"
    );
}

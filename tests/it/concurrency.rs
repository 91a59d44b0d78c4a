//! Concurrent writers: many API clients creating and patching at once while the job worker claims and
//! finishes the notification jobs they enqueue. On SQLite this is where deferred transactions used to
//! fail with `SQLITE_BUSY_SNAPSHOT` (500); every request must now succeed and every row be there.

use crate::submissions_api::{send, valid_body};
use crate::support::TestApp;
use axum::http::{Method, StatusCode};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use service_registry::jobs::entity::job;
use service_registry::jobs::runtime::{Background, Roles};
use service_registry::jobs::state;
use service_registry::submissions::entity::{
    service_submission, submission_category, submission_change_log, submission_edam_topic,
    submission_license, submission_pi,
};
use std::sync::Arc;
use std::time::Duration;

const CLIENTS: usize = 16;
const PER_CLIENT: usize = 13; // 208 creates and 208 PATCHes

fn generous_limits() -> Vec<(&'static str, &'static str)> {
    [
        "RATE_LIMIT_SUBMIT",
        "RATE_LIMIT_UPDATE",
        "RATE_LIMIT_API",
        "RATE_LIMIT_API_ANON",
    ]
    .into_iter()
    .map(|k| (k, "100000/h"))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn creates_and_patches_from_16_clients_all_succeed_while_the_worker_runs() {
    let app = Arc::new(TestApp::build(&generous_limits(), axum::Router::new()).await);
    let body = Arc::new(valid_body(&app).await);
    let background = Background::start(
        app.state.config.clone(),
        app.state.db.clone(),
        Roles {
            worker: true,
            scheduler: false,
        },
        app.state.clock.clone(),
        Arc::new(service_registry::jobs::JobRegistry::standard()),
    )
    .expect("background");

    let mut clients = tokio::task::JoinSet::new();
    for c in 0..CLIENTS {
        let app = app.clone();
        let body = body.clone();
        clients.spawn(async move {
            let mut failures = Vec::new();
            // Each client alternates: create one, patch the one it created before.
            let mut mine: Vec<(String, String)> = Vec::new();
            for i in 0..PER_CLIENT {
                let r = send(
                    &app,
                    Method::POST,
                    "/api/v1/submissions/",
                    None,
                    Some(&body),
                )
                .await;
                if r.status == StatusCode::CREATED {
                    let j = r.json();
                    mine.push((
                        j["id"].as_str().unwrap_or_default().to_string(),
                        format!("ApiKey {}", j["api_key"].as_str().unwrap_or_default()),
                    ));
                } else {
                    failures.push(format!("create {c}/{i}: {} {}", r.status, r.text()));
                }
                if i > 0
                    && let Some((id, key)) = mine.get(i - 1)
                {
                    failures.extend(patch(&app, id, key, c, i).await);
                }
            }
            if let Some((id, key)) = mine.last() {
                failures.extend(patch(&app, id, key, c, PER_CLIENT).await);
            }
            failures
        });
    }
    let mut failures = Vec::new();
    while let Some(r) = clients.join_next().await {
        failures.extend(r.expect("client task"));
    }
    assert!(
        failures.is_empty(),
        "{} of {} requests failed, e.g. {:?}",
        failures.len(),
        2 * CLIENTS * PER_CLIENT,
        failures.first()
    );

    let db = &app.state.db;
    let n = (CLIENTS * PER_CLIENT) as u64;
    assert_eq!(
        service_submission::Entity::find()
            .count(db)
            .await
            .expect("q"),
        n
    );
    // Every submission has every link its request named, and every PATCH left a change-log entry.
    assert_eq!(
        submission_category::Entity::find()
            .count(db)
            .await
            .expect("q"),
        n
    );
    assert_eq!(
        submission_edam_topic::Entity::find()
            .count(db)
            .await
            .expect("q"),
        n
    );
    assert_eq!(submission_pi::Entity::find().count(db).await.expect("q"), n);
    assert_eq!(
        submission_license::Entity::find()
            .count(db)
            .await
            .expect("q"),
        n
    );
    assert_eq!(
        submission_change_log::Entity::find()
            .count(db)
            .await
            .expect("q"),
        n
    );

    // The worker sends every notification: two per create (office + submitter), two per PATCH.
    let expected_jobs = 4 * n;
    let mut done = 0;
    for _ in 0..600 {
        let jobs = job::Entity::find().all(db).await.expect("jobs");
        assert_eq!(jobs.len() as u64, expected_jobs, "one job per notification");
        assert!(
            jobs.iter().all(|j| j.state != state::FAILED),
            "no job failed: {:?}",
            jobs.iter().find(|j| j.state == state::FAILED)
        );
        done = jobs.iter().filter(|j| j.state == state::DONE).count() as u64;
        if done == expected_jobs {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(done, expected_jobs, "the worker sent every notification");
    background.shutdown().await;
    let outbox = app.state.config.email.file_path.clone();
    let mails = std::fs::read_dir(&outbox).expect("outbox").count() as u64;
    assert_eq!(mails, expected_jobs, "one file per mail in {outbox:?}");
}

async fn patch(app: &TestApp, id: &str, key: &str, c: usize, i: usize) -> Option<String> {
    let change = json!({
        "service_description": format!("Updated by client {c} in round {i}: a longer description of the service.")
    });
    let r = send(
        app,
        Method::PATCH,
        &format!("/api/v1/submissions/{id}/"),
        Some(key),
        Some(&change),
    )
    .await;
    (r.status != StatusCode::OK).then(|| format!("patch {c}/{i}: {} {}", r.status, r.text()))
}

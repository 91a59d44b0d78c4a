//! The durable queue through the real database: transactional enqueue, retries with backoff, the failed
//! state and `jobs retry`, lease recovery, graceful release, unknown kinds, and two workers racing.

use chrono::Duration;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, TransactionTrait};
use service_registry::jobs::entity::job;
use service_registry::jobs::worker::{Outcome, Worker};
use service_registry::jobs::{JobRegistry, ManualClock, enqueue, queue, state};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use crate::jobs_support::*;
use crate::support::TestApp;

fn registry_with(job: impl service_registry::jobs::Job + 'static) -> Arc<JobRegistry> {
    let mut r = JobRegistry::new();
    r.register(job);
    Arc::new(r)
}

#[tokio::test]
async fn job_enqueued_in_a_rolled_back_transaction_never_runs() {
    let app = TestApp::new().await;
    let clock = ManualClock::new(t0());
    let flaky = Flaky::new("test.count", 0);
    let runs = flaky.runs.clone();
    let worker = Worker::new(ctx(&app, &clock), registry_with(flaky));
    let db = &app.state.db;

    let txn = db.begin().await.expect("begin");
    enqueue(&txn, "test.count", serde_json::json!({}), t0())
        .await
        .expect("enqueue");
    txn.rollback().await.expect("rollback");
    assert_eq!(worker.run_until_idle().await.expect("run"), 0);
    assert!(all_jobs(db).await.is_empty());

    let txn = db.begin().await.expect("begin");
    enqueue(&txn, "test.count", serde_json::json!({}), t0())
        .await
        .expect("enqueue");
    txn.commit().await.expect("commit");
    assert_eq!(worker.run_until_idle().await.expect("run"), 1);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn job_failing_twice_then_succeeding_runs_three_times_and_ends_done() {
    let app = TestApp::new().await;
    let clock = ManualClock::new(t0());
    let flaky = Flaky::new("test.flaky", 2);
    let runs = flaky.runs.clone();
    let worker = Worker::new(ctx(&app, &clock), registry_with(flaky));
    let db = &app.state.db;
    let id = enqueue(db, "test.flaky", serde_json::json!({}), t0())
        .await
        .expect("enqueue");

    let (_, first) = worker.run_once().await.expect("run").expect("claimed");
    let Outcome::Retrying { at, .. } = first else {
        panic!("expected a retry, got {first:?}")
    };
    assert_eq!(at, t0() + Duration::seconds(30), "first backoff is 30 s");
    assert!(
        worker.run_once().await.expect("run").is_none(),
        "not due yet"
    );
    clock.advance(Duration::seconds(30));
    let (_, second) = worker.run_once().await.expect("run").expect("claimed");
    assert!(
        matches!(second, Outcome::Retrying { at, .. } if at == clock_now(&clock) + Duration::seconds(60))
    );
    clock.advance(Duration::seconds(60));
    let (_, third) = worker.run_once().await.expect("run").expect("claimed");
    assert_eq!(third, Outcome::Done);

    assert_eq!(runs.load(Ordering::SeqCst), 3);
    let j = job(db, id).await;
    assert_eq!(j.state, state::DONE);
    assert_eq!(j.attempts, 3);
    assert!(j.finished_at.is_some());
}

fn clock_now(clock: &ManualClock) -> chrono::DateTime<chrono::Utc> {
    use service_registry::jobs::Clock;
    clock.now()
}

#[tokio::test]
async fn always_failing_job_ends_failed_with_its_error_and_retry_revives_it() {
    let app = TestApp::new().await;
    let clock = ManualClock::new(t0());
    let mut flaky = Flaky::new("test.broken", 3);
    flaky.max_attempts = 3;
    let runs = flaky.runs.clone();
    let worker = Worker::new(ctx(&app, &clock), registry_with(flaky));
    let db = &app.state.db;
    let id = enqueue(db, "test.broken", serde_json::json!({"n": 1}), t0())
        .await
        .expect("enqueue");

    let mut last = None;
    for _ in 0..3 {
        let (_, outcome) = worker.run_once().await.expect("run").expect("claimed");
        last = Some(outcome);
        clock.advance(Duration::hours(2));
    }
    assert!(
        matches!(last, Some(Outcome::Failed { ref error }) if error.contains("planned failure 3"))
    );
    assert!(
        worker.run_once().await.expect("run").is_none(),
        "failed jobs are not retried by themselves"
    );
    let j = job(db, id).await;
    assert_eq!(j.state, state::FAILED);
    assert!(
        j.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("planned failure 3")
    );
    assert_eq!(
        queue::list(db, Some(state::FAILED), 10)
            .await
            .expect("list")
            .len(),
        1
    );

    queue::retry(db, id, clock_now(&clock))
        .await
        .expect("retry");
    let j = job(db, id).await;
    assert_eq!((j.state.as_str(), j.attempts), (state::QUEUED, 0));
    let (_, outcome) = worker.run_once().await.expect("run").expect("claimed");
    assert_eq!(outcome, Outcome::Done, "the fourth run succeeds");
    assert_eq!(runs.load(Ordering::SeqCst), 4);
    assert!(
        queue::retry(db, id, clock_now(&clock)).await.is_err(),
        "a done job cannot be retried"
    );
}

#[tokio::test]
async fn unknown_job_kind_fails_visibly() {
    let app = TestApp::new().await;
    let clock = ManualClock::new(t0());
    let worker = Worker::new(ctx(&app, &clock), Arc::new(JobRegistry::standard()));
    let id = enqueue(&app.state.db, "no.such.kind", serde_json::json!({}), t0())
        .await
        .expect("enqueue");
    let (_, outcome) = worker.run_once().await.expect("run").expect("claimed");
    assert_eq!(
        outcome,
        Outcome::Failed {
            error: "no handler for kind no.such.kind".into()
        }
    );
    assert_eq!(job(&app.state.db, id).await.state, state::FAILED);
}

#[tokio::test]
async fn job_of_a_worker_that_died_runs_again_after_its_lease_expires() {
    let app = TestApp::new().await;
    let clock = ManualClock::new(t0());
    let flaky = Flaky::new("test.count", 0);
    let runs = flaky.runs.clone();
    let worker = Worker::new(ctx(&app, &clock), registry_with(flaky));
    let db = &app.state.db;
    let id = enqueue(db, "test.count", serde_json::json!({}), t0())
        .await
        .expect("enqueue");

    // A worker claims the job and dies without recording anything.
    let claimed = service_registry::db::jobs::claim(
        db,
        "dead-worker",
        t0(),
        t0() + Duration::seconds(90),
        None,
        1,
    )
    .await
    .expect("claim")
    .pop()
    .expect("claimed");
    assert_eq!(claimed.id, id);
    assert!(
        worker.run_once().await.expect("run").is_none(),
        "the lease still holds"
    );

    clock.advance(Duration::seconds(91));
    let (_, outcome) = worker.run_once().await.expect("run").expect("reclaimed");
    assert_eq!(outcome, Outcome::Done);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let j = job(db, id).await;
    assert_eq!((j.state.as_str(), j.attempts), (state::DONE, 2));
    // The dead worker coming back cannot overwrite the outcome.
    assert!(
        !queue::mark_failed(db, id, "dead-worker", "late", clock_now(&clock), None)
            .await
            .expect("update")
    );
    assert_eq!(job(db, id).await.state, state::DONE);
}

/// Counts runs per job and notices two runs of one job at the same time.
struct Tally {
    runs: Arc<Mutex<HashMap<uuid::Uuid, usize>>>,
    running: Arc<Mutex<std::collections::HashSet<uuid::Uuid>>>,
    overlaps: Arc<std::sync::atomic::AtomicUsize>,
}

#[async_trait::async_trait]
impl service_registry::jobs::Job for Tally {
    fn kind(&self) -> &'static str {
        "test.tally"
    }
    async fn run(
        &self,
        _ctx: &service_registry::jobs::JobContext,
        job: &service_registry::jobs::JobRun,
    ) -> Result<(), service_registry::jobs::JobError> {
        if !self.running.lock().expect("lock").insert(job.id) {
            self.overlaps.fetch_add(1, Ordering::SeqCst);
        }
        *self.runs.lock().expect("lock").entry(job.id).or_default() += 1;
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        self.running.lock().expect("lock").remove(&job.id);
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_never_run_the_same_job() {
    const N: usize = 40;
    let app = TestApp::new().await;
    let clock = ManualClock::new(t0());
    let tally = Tally {
        runs: Arc::default(),
        running: Arc::default(),
        overlaps: Arc::default(),
    };
    let (runs, overlaps) = (tally.runs.clone(), tally.overlaps.clone());
    let registry = registry_with(tally);
    for i in 0..N {
        enqueue(
            &app.state.db,
            "test.tally",
            serde_json::json!({ "i": i }),
            t0(),
        )
        .await
        .expect("enqueue");
    }
    let mailer = Arc::new(service_registry::mail::Mailer::memory());
    let a = Worker::new(
        ctx_on(&app, app.db.connect().await, &clock, mailer.clone()),
        registry.clone(),
    );
    let b = Worker::new(
        ctx_on(&app, app.db.connect().await, &clock, mailer),
        registry,
    );
    let (ra, rb) = tokio::join!(
        tokio::spawn(async move { a.run_until_idle().await }),
        tokio::spawn(async move { b.run_until_idle().await })
    );
    let (na, nb) = (
        ra.expect("join").expect("worker a"),
        rb.expect("join").expect("worker b"),
    );
    let runs = runs.lock().expect("lock").clone();
    assert_eq!(na + nb, N, "claims: a {na}, b {nb}");
    assert_eq!(runs.len(), N);
    assert!(runs.values().all(|&n| n == 1), "{runs:?}");
    assert_eq!(overlaps.load(Ordering::SeqCst), 0);
    let jobs = all_jobs(&app.state.db).await;
    assert!(
        jobs.iter()
            .all(|j| j.state == state::DONE && j.attempts == 1)
    );
}

/// Blocks until released; tells when it started.
struct Slow(Arc<tokio::sync::Notify>);

#[async_trait::async_trait]
impl service_registry::jobs::Job for Slow {
    fn kind(&self) -> &'static str {
        "test.slow"
    }
    async fn run(
        &self,
        _ctx: &service_registry::jobs::JobContext,
        _job: &service_registry::jobs::JobRun,
    ) -> Result<(), service_registry::jobs::JobError> {
        self.0.notify_one();
        std::future::pending::<()>().await;
        Ok(())
    }
}

#[tokio::test]
async fn shutdown_gives_a_job_that_does_not_finish_back_to_the_queue() {
    let app = TestApp::new().await;
    let clock = ManualClock::new(t0());
    let started = Arc::new(tokio::sync::Notify::new());
    let mut worker = Worker::new(ctx(&app, &clock), registry_with(Slow(started.clone())));
    worker.shutdown_grace = std::time::Duration::from_millis(50);
    let id = enqueue(&app.state.db, "test.slow", serde_json::json!({}), t0())
        .await
        .expect("enqueue");
    let (stop, rx) = tokio::sync::watch::channel(false);
    let handle = tokio::spawn(worker.run(rx));
    started.notified().await;
    assert_eq!(job(&app.state.db, id).await.state, state::RUNNING);
    stop.send(true).expect("signal");
    handle.await.expect("worker stops");
    let j = job(&app.state.db, id).await;
    assert_eq!(
        (j.state.as_str(), j.attempts, j.locked_by),
        (state::QUEUED, 0, None)
    );
}

#[tokio::test]
async fn jobs_commands_of_the_binary_list_and_retry_failed_jobs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bin = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_service-registry"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATA_DIR", tmp.path())
            .env("SITE_CONFIG", crate::support::repo_path("config/site.toml"))
            .current_dir(tmp.path())
            .args(args)
            .output()
            .expect("run");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{args:?}: {text}");
        text
    };
    bin(&["migrate", "up"]);
    let cfg = service_registry::config::DatabaseConfig::Sqlite {
        path: tmp.path().join("registry.sqlite3"),
    };
    let db = service_registry::db::connect(&cfg).await.expect("connect");
    let id = enqueue(&db, "send_email", serde_json::json!({}), t0())
        .await
        .expect("enqueue");
    job::ActiveModel {
        id: Set(id),
        state: Set(state::FAILED.into()),
        attempts: Set(10),
        last_error: Set(Some("SMTP delivery failed: connection refused".into())),
        ..Default::default()
    }
    .update(&db)
    .await
    .expect("mark failed");

    let failed = bin(&["jobs", "failed"]);
    assert!(
        failed.contains(&id.to_string()) && failed.contains("connection refused"),
        "{failed}"
    );
    let retried = bin(&["jobs", "retry", &id.to_string()]);
    assert!(retried.contains("queued again"), "{retried}");
    let queued = bin(&["jobs", "list", "--state", "queued"]);
    assert!(queued.contains(&id.to_string()), "{queued}");
    let j = job(&db, id).await;
    assert_eq!((j.state.as_str(), j.attempts), (state::QUEUED, 0));
    assert!(bin(&["jobs", "failed"]).contains("No failed jobs."));
    assert!(bin(&["jobs", "retry", "--all-failed"]).contains("0 failed job(s) queued again."));
    let scheduled = bin(&["jobs", "scheduled"]);
    for name in ["edam.sync", "licenses.sync", "drafts.cleanup"] {
        assert!(scheduled.contains(name), "{scheduled}");
    }
}

/// A claim finds its candidates by primary key: the re-check of their state must not make SQLite answer
/// the OR from the state indexes, which reads every due job (claims slowed down with the queue's length;
/// 10 000 queued mails drained at ~40 a second). PostgreSQL plans by cost and is not checked here.
#[tokio::test]
async fn sqlite_claim_finds_candidates_by_primary_key() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let app = TestApp::new().await;
    let db = &app.state.db;
    if db.get_database_backend() != DbBackend::Sqlite {
        return;
    }
    for only in [None, Some(uuid::Uuid::new_v4())] {
        let claim = service_registry::db::jobs::claim_statement(
            DbBackend::Sqlite,
            "w",
            t0(),
            t0() + Duration::minutes(5),
            only,
            4,
        );
        let explain = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            format!("EXPLAIN QUERY PLAN {}", claim.sql),
            claim.values.map(|v| v.0).unwrap_or_default(),
        );
        let plan: Vec<String> = db
            .query_all_raw(explain)
            .await
            .expect("explain")
            .iter()
            .map(|row| row.try_get::<String>("", "detail").expect("detail"))
            .collect();
        assert!(
            plan.first().is_some_and(|p| p.contains("(id=?)")),
            "the UPDATE must look its rows up by id: {plan:#?}"
        );
        assert!(
            !plan.iter().any(|p| p.contains("MULTI-INDEX OR")),
            "{plan:#?}"
        );
    }
}

//! Helpers for the queue, scheduler and mail tests: job contexts on a manual clock, test handlers that
//! count their runs, and reading jobs back.

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{DatabaseConnection, EntityTrait};
use service_registry::jobs::entity::job;
use service_registry::jobs::{Job, JobContext, JobError, JobRun, ManualClock};
use service_registry::mail::Mailer;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::support::TestApp;

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0)
        .single()
        .expect("valid time")
}

pub fn ctx_on(
    app: &TestApp,
    db: DatabaseConnection,
    clock: &ManualClock,
    mailer: Arc<Mailer>,
) -> JobContext {
    JobContext {
        db,
        config: app.state.config.clone(),
        mailer,
        clock: Arc::new(clock.clone()),
    }
}

pub fn ctx(app: &TestApp, clock: &ManualClock) -> JobContext {
    ctx_on(app, app.state.db.clone(), clock, Arc::new(Mailer::memory()))
}

pub async fn all_jobs(db: &DatabaseConnection) -> Vec<job::Model> {
    job::Entity::find().all(db).await.expect("jobs")
}

pub async fn job(db: &DatabaseConnection, id: uuid::Uuid) -> job::Model {
    job::Entity::find_by_id(id)
        .one(db)
        .await
        .expect("query")
        .expect("job exists")
}

/// A handler that fails its first `fails` runs (or always, with `usize::MAX`) and counts every run.
pub struct Flaky {
    pub kind: &'static str,
    pub fails: usize,
    pub runs: Arc<AtomicUsize>,
    pub max_attempts: i32,
}

impl Flaky {
    pub fn new(kind: &'static str, fails: usize) -> Self {
        Self {
            kind,
            fails,
            runs: Arc::default(),
            max_attempts: 5,
        }
    }
}

#[async_trait::async_trait]
impl Job for Flaky {
    fn kind(&self) -> &'static str {
        self.kind
    }
    fn max_attempts(&self) -> i32 {
        self.max_attempts
    }
    async fn run(&self, _ctx: &JobContext, job: &JobRun) -> Result<(), JobError> {
        let n = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
        if n <= self.fails {
            Err(JobError::retry(format!(
                "planned failure {n} of job {}",
                job.id
            )))
        } else {
            Ok(())
        }
    }
}

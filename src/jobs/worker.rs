//! The worker: claims due jobs one at a time, runs each under its timeout, and records the outcome —
//! done, queued again with exponential backoff, or failed with the last error.
//!
//! A claim holds a lease (`locked_until` = now + the job's timeout + a grace period). A worker that dies
//! leaves its job `running`; once the lease has expired any worker claims it again. On shutdown the
//! worker stops claiming and lets the running job finish within a grace period, else gives it back.

use chrono::{DateTime, Utc};
use sea_orm::DbErr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

use super::entity::job;
use super::{JobContext, JobError, JobRegistry, JobRun, queue};

/// Lease granted at claim time, before the handler's own timeout is known.
const INITIAL_LEASE_SECS: i64 = 600;
/// Added to a handler's timeout to make its lease: the worker gives up on the run before the lease ends.
const LEASE_GRACE_SECS: i64 = 60;

/// What happened to one claimed job.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Done,
    Retrying {
        at: DateTime<Utc>,
        error: String,
    },
    Failed {
        error: String,
    },
    /// Given back to the queue on shutdown.
    Released,
    /// Another worker took the job over after this worker's lease expired; nothing was recorded.
    Lost,
}

#[derive(Clone)]
pub struct Worker {
    ctx: JobContext,
    registry: Arc<JobRegistry>,
    id: String,
    /// How long to sleep when the queue is empty.
    pub poll_interval: Duration,
    /// How long a running job may go on after a shutdown request before it is given back.
    pub shutdown_grace: Duration,
}

impl Worker {
    pub fn new(ctx: JobContext, registry: Arc<JobRegistry>) -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".into());
        let tag = &uuid::Uuid::new_v4().simple().to_string()[..8];
        Self {
            ctx,
            registry,
            id: format!("{host}:{}:{tag}", std::process::id()),
            poll_interval: Duration::from_secs(2),
            shutdown_grace: Duration::from_secs(20),
        }
    }

    /// The name this worker writes into `locked_by`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Claims and runs one due job; `None` when nothing is due.
    pub async fn run_once(&self) -> Result<Option<(job::Model, Outcome)>, DbErr> {
        self.claim_and_run(None, None).await
    }

    /// Claims and runs the given job if it is due (used by `send-test-email`).
    pub async fn run_job(&self, id: uuid::Uuid) -> Result<Option<(job::Model, Outcome)>, DbErr> {
        self.claim_and_run(Some(id), None).await
    }

    /// Runs due jobs until none is left; returns how many ran.
    pub async fn run_until_idle(&self) -> Result<usize, DbErr> {
        let mut n = 0;
        while self.run_once().await?.is_some() {
            n += 1;
        }
        Ok(n)
    }

    /// The worker loop, until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(worker = %self.id, kinds = ?self.registry.kinds(), "job worker started");
        while !*shutdown.borrow() {
            let idle = match self.claim_and_run(None, Some(shutdown.clone())).await {
                Ok(Some(_)) => false,
                Ok(None) => true,
                Err(e) => {
                    tracing::warn!(error = %e, "job worker: database error, pausing");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = tokio::time::sleep(self.poll_interval) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
        tracing::info!(worker = %self.id, "job worker stopped");
    }

    async fn claim_and_run(
        &self,
        only: Option<uuid::Uuid>,
        shutdown: Option<watch::Receiver<bool>>,
    ) -> Result<Option<(job::Model, Outcome)>, DbErr> {
        let db = &self.ctx.db;
        let now = self.ctx.clock.now();
        let lease = now + chrono::Duration::seconds(INITIAL_LEASE_SECS);
        let Some(claimed) = crate::db::jobs::claim(db, &self.id, now, lease, only).await? else {
            return Ok(None);
        };
        let outcome = self.execute(&claimed, shutdown).await?;
        match &outcome {
            Outcome::Done => {
                tracing::info!(job = %claimed.id, kind = %claimed.kind, attempt = claimed.attempts, "job done")
            }
            Outcome::Retrying { at, error } => {
                tracing::warn!(job = %claimed.id, kind = %claimed.kind, attempt = claimed.attempts, retry_at = %at, error = %error, "job failed, will retry")
            }
            Outcome::Failed { error } => {
                tracing::error!(job = %claimed.id, kind = %claimed.kind, attempt = claimed.attempts, error = %error, "job failed for good")
            }
            Outcome::Released => {
                tracing::info!(job = %claimed.id, kind = %claimed.kind, "job released on shutdown")
            }
            Outcome::Lost => {
                tracing::warn!(job = %claimed.id, kind = %claimed.kind, "job lease expired while running; another worker owns it")
            }
        }
        Ok(Some((claimed, outcome)))
    }

    async fn execute(
        &self,
        claimed: &job::Model,
        shutdown: Option<watch::Receiver<bool>>,
    ) -> Result<Outcome, DbErr> {
        let db = &self.ctx.db;
        let clock = &self.ctx.clock;
        let Some(handler) = self.registry.get(&claimed.kind) else {
            let error = format!("no handler for kind {}", claimed.kind);
            return self
                .finish(claimed, Err(JobError::permanent(error)), 1, None)
                .await;
        };
        let max_attempts = handler.max_attempts().max(1);
        let timeout = handler.timeout();
        let lease =
            clock.now() + chrono::Duration::seconds(timeout.as_secs() as i64 + LEASE_GRACE_SECS);
        if !queue::adopt(
            db,
            claimed.id,
            &self.id,
            max_attempts,
            timeout.as_secs() as i32,
            lease,
        )
        .await?
        {
            return Ok(Outcome::Lost);
        }
        if claimed.attempts > max_attempts {
            let error = format!(
                "gave up after {} attempts; the last worker stopped without finishing (lease expired). Last error: {}",
                claimed.attempts - 1,
                claimed.last_error.as_deref().unwrap_or("none")
            );
            return self
                .finish(claimed, Err(JobError::permanent(error)), max_attempts, None)
                .await;
        }

        let run = JobRun {
            id: claimed.id,
            kind: claimed.kind.clone(),
            attempt: claimed.attempts,
            payload: claimed.payload.clone(),
        };
        let ctx = self.ctx.clone();
        let task_handler = handler.clone();
        let mut task = tokio::spawn(async move {
            match tokio::time::timeout(timeout, task_handler.run(&ctx, &run)).await {
                Ok(r) => r,
                Err(_) => Err(JobError::retry(format!(
                    "timed out after {} s",
                    timeout.as_secs()
                ))),
            }
        });
        let joined = match shutdown {
            None => (&mut task).await,
            Some(rx) => {
                tokio::select! {
                    r = &mut task => r,
                    _ = shutdown_then(rx, self.shutdown_grace) => {
                        task.abort();
                        queue::release(db, claimed.id, &self.id, clock.now()).await?;
                        return Ok(Outcome::Released);
                    }
                }
            }
        };
        let result = joined.unwrap_or_else(|e| {
            Err(JobError::retry(if e.is_panic() {
                "the handler panicked".to_string()
            } else {
                format!("the handler was cancelled: {e}")
            }))
        });
        self.finish(claimed, result, max_attempts, Some(handler))
            .await
    }

    async fn finish(
        &self,
        claimed: &job::Model,
        result: Result<(), JobError>,
        max_attempts: i32,
        handler: Option<Arc<dyn super::Job>>,
    ) -> Result<Outcome, DbErr> {
        let db = &self.ctx.db;
        let now = self.ctx.clock.now();
        let (applied, outcome) = match result {
            Ok(()) => (
                queue::mark_done(db, claimed.id, &self.id, now).await?,
                Outcome::Done,
            ),
            Err(e) if e.permanent || claimed.attempts >= max_attempts => {
                let applied =
                    queue::mark_failed(db, claimed.id, &self.id, &e.message, now, None).await?;
                (applied, Outcome::Failed { error: e.message })
            }
            Err(e) => {
                let delay = handler
                    .map(|h| h.backoff(claimed.attempts))
                    .unwrap_or_else(|| queue::exponential_backoff(claimed.attempts));
                let at =
                    now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(1));
                let applied =
                    queue::mark_failed(db, claimed.id, &self.id, &e.message, now, Some(at)).await?;
                (
                    applied,
                    Outcome::Retrying {
                        at,
                        error: e.message,
                    },
                )
            }
        };
        Ok(if applied { outcome } else { Outcome::Lost })
    }
}

/// Resolves `grace` after `rx` turns true; never if the sender goes away first.
async fn shutdown_then(mut rx: watch::Receiver<bool>, grace: Duration) {
    while !*rx.borrow() {
        if rx.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
    tokio::time::sleep(grace).await;
}

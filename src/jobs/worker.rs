//! The worker: claims due jobs in batches, runs up to `concurrency` of them at once, each under its
//! timeout, and records each outcome — done, queued again with exponential backoff, or failed with the
//! last error. It sleeps until a job is enqueued (see [`super::wake`]) rather than polling.
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
    /// Jobs run at the same time by [`Worker::run`] (and claimed per batch).
    pub concurrency: usize,
}

impl Worker {
    pub fn new(ctx: JobContext, registry: Arc<JobRegistry>) -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".into());
        let tag = &uuid::Uuid::new_v4().simple().to_string()[..8];
        Self {
            registry,
            id: format!("{host}:{}:{tag}", std::process::id()),
            poll_interval: Duration::from_secs(2),
            shutdown_grace: Duration::from_secs(20),
            concurrency: ctx.config.worker_concurrency.max(1),
            ctx,
        }
    }

    /// The name this worker writes into `locked_by`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Claims and runs one due job; `None` when nothing is due.
    pub async fn run_once(&self) -> Result<Option<(job::Model, Outcome)>, DbErr> {
        self.claim_and_run(None).await
    }

    /// Claims and runs the given job if it is due (used by `send-test-email`).
    pub async fn run_job(&self, id: uuid::Uuid) -> Result<Option<(job::Model, Outcome)>, DbErr> {
        self.claim_and_run(Some(id)).await
    }

    /// Runs due jobs until none is left, up to `concurrency` at a time; returns how many ran.
    pub async fn run_until_idle(&self) -> Result<usize, DbErr> {
        let mut n = 0;
        loop {
            let batch = self.claim(None, self.concurrency).await?;
            if batch.is_empty() {
                return Ok(n);
            }
            n += batch.len();
            let mut set = tokio::task::JoinSet::new();
            for claimed in batch {
                let me = self.clone();
                set.spawn(async move { me.execute_and_log(claimed, None).await });
            }
            while let Some(r) = set.join_next().await {
                if let Ok(Err(e)) = r {
                    return Err(e);
                }
            }
        }
    }

    /// The worker loop, until `shutdown` turns true: claims due jobs in batches, runs up to
    /// `concurrency` at once, and sleeps until a job is enqueued (see [`super::wake`]), one finishes,
    /// or the poll interval passes.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(worker = %self.id, kinds = ?self.registry.kinds(), concurrency = self.concurrency, "job worker started");
        let forwarder = self.forward_notifications(shutdown.clone()).await;
        let mut running = tokio::task::JoinSet::new();
        while !*shutdown.borrow() {
            let wake = super::wake::waiter().notified();
            tokio::pin!(wake);
            wake.as_mut().enable();
            let free = self.concurrency.saturating_sub(running.len());
            let mut pause = false;
            let mut full_batch = false;
            if free > 0 {
                match self.claim(None, free).await {
                    Ok(batch) => {
                        full_batch = batch.len() == free;
                        for claimed in batch {
                            let me = self.clone();
                            let rx = shutdown.clone();
                            running
                                .spawn(async move { me.execute_and_log(claimed, Some(rx)).await });
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "job worker: database error, pausing");
                        pause = true;
                    }
                }
            }
            if full_batch && !pause {
                // There may be more due work: claim again once a slot frees up (or at once).
                if running.len() >= self.concurrency {
                    Self::reap(running.join_next().await);
                }
                continue;
            }
            tokio::select! {
                _ = &mut wake, if !pause => {}
                r = running.join_next(), if !running.is_empty() => Self::reap(r),
                _ = tokio::time::sleep(self.poll_interval) => {}
                _ = shutdown.changed() => {}
            }
        }
        while let Some(r) = running.join_next().await {
            Self::reap(Some(r));
        }
        if let Some(f) = forwarder {
            f.abort();
        }
        tracing::info!(worker = %self.id, "job worker stopped");
    }

    fn reap(r: Option<Result<Result<Outcome, DbErr>, tokio::task::JoinError>>) {
        match r {
            Some(Ok(Err(e))) => tracing::warn!(error = %e, "job worker: database error"),
            Some(Err(e)) => tracing::error!(error = %e, "job worker: a job task failed"),
            _ => {}
        }
    }

    /// On PostgreSQL, turns `NOTIFY`s of enqueues (from any process) into local wake-ups.
    async fn forward_notifications(
        &self,
        mut shutdown: watch::Receiver<bool>,
    ) -> Option<tokio::task::JoinHandle<()>> {
        let mut listener = match crate::db::jobs::listen(&self.ctx.db).await {
            Ok(Some(l)) => l,
            Ok(None) => return None,
            Err(e) => {
                tracing::warn!(error = %e, "job worker: no LISTEN/NOTIFY, polling only");
                return None;
            }
        };
        Some(tokio::spawn(async move {
            loop {
                tokio::select! {
                    r = listener.recv() => match r {
                        Ok(_) => super::wake::notify(),
                        Err(e) => {
                            tracing::warn!(error = %e, "job worker: LISTEN connection lost, reconnecting");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    },
                    _ = shutdown.changed() => return,
                }
            }
        }))
    }

    /// Claims up to `limit` due jobs in one write transaction and records each handler's limits and
    /// lease on them.
    async fn claim(
        &self,
        only: Option<uuid::Uuid>,
        limit: usize,
    ) -> Result<Vec<job::Model>, DbErr> {
        let now = self.ctx.clock.now();
        let lease = now + chrono::Duration::seconds(INITIAL_LEASE_SECS);
        let txn = crate::db::begin_write(&self.ctx.db).await?;
        let mut rows =
            crate::db::jobs::claim(&txn, &self.id, now, lease, only, limit as u64).await?;
        for row in &mut rows {
            if let Some(handler) = self.registry.get(&row.kind) {
                let timeout = handler.timeout();
                let until =
                    now + chrono::Duration::seconds(timeout.as_secs() as i64 + LEASE_GRACE_SECS);
                queue::adopt(
                    &txn,
                    row.id,
                    &self.id,
                    handler.max_attempts().max(1),
                    timeout.as_secs() as i32,
                    until,
                )
                .await?;
                row.locked_until = Some(until);
            }
        }
        txn.commit_bookkeeping().await?;
        Ok(rows)
    }

    async fn claim_and_run(
        &self,
        only: Option<uuid::Uuid>,
    ) -> Result<Option<(job::Model, Outcome)>, DbErr> {
        let Some(claimed) = self.claim(only, 1).await?.into_iter().next() else {
            return Ok(None);
        };
        let outcome = self.execute_and_log(claimed.clone(), None).await?;
        Ok(Some((claimed, outcome)))
    }

    async fn execute_and_log(
        &self,
        claimed: job::Model,
        shutdown: Option<watch::Receiver<bool>>,
    ) -> Result<Outcome, DbErr> {
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
        Ok(outcome)
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
                        let txn = crate::db::begin_write(db).await?;
                        queue::release(&txn, claimed.id, &self.id, clock.now()).await?;
                        txn.commit_bookkeeping().await?;
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
        // The outcome is recorded through the writer lock like every other write (fair queueing with
        // the API's writes on SQLite).
        let txn = crate::db::begin_write(&self.ctx.db).await?;
        let db = &txn;
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
        txn.commit_bookkeeping().await?;
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

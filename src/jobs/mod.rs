//! Background work: the durable job queue in the application database, the worker that runs it, and the
//! cron scheduler that feeds it (see docs/jobs-and-email.md).
//!
//! A job is enqueued with the caller's connection or transaction ([`queue::enqueue`]), so it exists if and
//! only if the caller's change commits. Handlers implement [`Job`] and are listed in [`registry`].

pub mod cleanup;
pub mod clock;
pub mod entity;
pub mod queue;
pub mod registry;
pub mod runtime;
pub mod scheduler;
pub mod wake;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

pub use clock::{Clock, ManualClock, SystemClock};
pub use queue::{NewJob, enqueue, enqueue_with};
pub use registry::JobRegistry;

/// Job states as stored in `jobs.state`.
pub mod state {
    pub const QUEUED: &str = "queued";
    pub const RUNNING: &str = "running";
    pub const DONE: &str = "done";
    pub const FAILED: &str = "failed";
    pub const ALL: [&str; 4] = [QUEUED, RUNNING, DONE, FAILED];
}

/// What a handler gets besides its payload: the database, the configuration, the mailer and the clock.
#[derive(Clone)]
pub struct JobContext {
    pub db: sea_orm::DatabaseConnection,
    pub config: Arc<crate::config::Config>,
    pub mailer: Arc<crate::mail::Mailer>,
    pub clock: Arc<dyn Clock>,
}

/// One claimed execution of a job.
#[derive(Debug, Clone)]
pub struct JobRun {
    pub id: uuid::Uuid,
    pub kind: String,
    /// 1 for the first execution.
    pub attempt: i32,
    pub payload: serde_json::Value,
}

impl JobRun {
    /// A string field of the payload, e.g. an optional source URL.
    pub fn payload_str(&self, key: &str) -> Option<String> {
        self.payload
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    }
}

/// Why a run failed. A permanent failure (e.g. a malformed payload) goes straight to `failed`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct JobError {
    pub message: String,
    pub permanent: bool,
}

impl JobError {
    /// A failure worth retrying (network, remote server, lock contention).
    pub fn retry(message: impl std::fmt::Display) -> Self {
        Self {
            message: message.to_string(),
            permanent: false,
        }
    }
    /// A failure that another attempt cannot fix.
    pub fn permanent(message: impl std::fmt::Display) -> Self {
        Self {
            message: message.to_string(),
            permanent: true,
        }
    }
}

impl From<sea_orm::DbErr> for JobError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::retry(format!("database error: {e}"))
    }
}

/// A kind of background work. `run` must be idempotent: after a crash or a lease expiry the same job
/// can run again.
#[async_trait::async_trait]
pub trait Job: Send + Sync {
    /// The kind stored in `jobs.kind`, e.g. `send_email`.
    fn kind(&self) -> &'static str;
    /// Executions before the job is given up as `failed`.
    fn max_attempts(&self) -> i32 {
        queue::DEFAULT_MAX_ATTEMPTS
    }
    /// A run taking longer is cancelled and counts as a failed attempt.
    fn timeout(&self) -> Duration {
        Duration::from_secs(queue::DEFAULT_TIMEOUT_SECS as u64)
    }
    /// Delay before execution `attempt + 1` after execution `attempt` failed.
    fn backoff(&self, attempt: i32) -> Duration {
        queue::exponential_backoff(attempt)
    }
    async fn run(&self, ctx: &JobContext, job: &JobRun) -> Result<(), JobError>;
}

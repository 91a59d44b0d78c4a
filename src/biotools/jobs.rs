//! The bio.tools jobs: `biotools.sync` (payload `{"submission_id": "…"}`, queued with a submission's
//! change) and `biotools.sync_all` (the daily schedule), and [`enqueue_sync`] for the submission service.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

use super::client::{BiotoolsClient, ClientSettings};
use super::sync::{SyncOutcome, sync_all, sync_submission};
use crate::jobs::{Job, JobContext, JobError, JobRun};

pub const SYNC: &str = "biotools.sync";
pub const SYNC_ALL: &str = "biotools.sync_all";
/// Executions of one `biotools.sync` before it is given up (transient errors only are retried).
pub const SYNC_ATTEMPTS: i32 = 3;

/// The job kinds of this domain, for the application's registry.
pub fn jobs() -> Vec<Arc<dyn Job>> {
    vec![Arc::new(BiotoolsSyncJob), Arc::new(BiotoolsSyncAllJob)]
}

/// Queues a sync of the submission in the caller's transaction: it exists exactly when that commits.
pub async fn enqueue_sync<C: ConnectionTrait>(
    conn: &C,
    submission_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Uuid, DbErr> {
    let mut job = crate::jobs::NewJob::new(
        SYNC,
        serde_json::json!({ "submission_id": submission_id.to_string() }),
        now,
    );
    job.max_attempts = SYNC_ATTEMPTS;
    job.timeout_secs = 300;
    crate::jobs::enqueue_with(conn, job).await
}

fn client(ctx: &JobContext) -> Result<BiotoolsClient, JobError> {
    BiotoolsClient::new(ClientSettings::from_config(&ctx.config)).map_err(JobError::permanent)
}

pub struct BiotoolsSyncJob;

#[async_trait::async_trait]
impl Job for BiotoolsSyncJob {
    fn kind(&self) -> &'static str {
        SYNC
    }
    fn max_attempts(&self) -> i32 {
        SYNC_ATTEMPTS
    }
    fn backoff(&self, attempt: i32) -> Duration {
        // 2, 4, 8 minutes: bio.tools has had time to recover.
        Duration::from_secs(120u64 << attempt.clamp(1, 8).saturating_sub(1))
    }
    async fn run(&self, ctx: &JobContext, job: &JobRun) -> Result<(), JobError> {
        let id = job
            .payload_str("submission_id")
            .and_then(|s| Uuid::parse_str(&s).ok())
            .ok_or_else(|| JobError::permanent("payload needs a \"submission_id\" (UUID)"))?;
        let outcome = sync_submission(&ctx.db, &client(ctx)?, id, ctx.clock.now()).await?;
        match outcome {
            // The error is on the record; another attempt may help only with transient ones.
            SyncOutcome::Failed {
                error,
                retryable: true,
                ..
            } => Err(JobError::retry(error)),
            other => {
                tracing::info!(submission = %id, outcome = ?other, "bio.tools sync");
                Ok(())
            }
        }
    }
}

pub struct BiotoolsSyncAllJob;

#[async_trait::async_trait]
impl Job for BiotoolsSyncAllJob {
    fn kind(&self) -> &'static str {
        SYNC_ALL
    }
    fn max_attempts(&self) -> i32 {
        2
    }
    fn timeout(&self) -> Duration {
        Duration::from_secs(6 * 3600)
    }
    async fn run(&self, ctx: &JobContext, _job: &JobRun) -> Result<(), JobError> {
        let clock = ctx.clock.clone();
        let now = move || clock.now();
        let totals = sync_all(
            &ctx.db,
            &client(ctx)?,
            ctx.config.biotools_sync_rate,
            &now,
            &mut |_, _, _, _| {},
        )
        .await?;
        tracing::info!(
            synced = totals.synced,
            failed = totals.failed,
            removed = totals.removed,
            "bio.tools daily sync done"
        );
        Ok(())
    }
}

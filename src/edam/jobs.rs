//! `edam.sync`: the scheduled (monthly) EDAM sync; payload `{"url": "…"}` optional, else the configured
//! source. Web replicas pick the new terms up with their periodic index reload.

use std::time::Duration;

use super::model::BranchFilter;
use super::service::{EdamSyncError, sync_from_source};
use crate::jobs::{Job, JobContext, JobError, JobRun};

pub const KIND: &str = "edam.sync";

pub struct EdamSyncJob;

/// The job kinds of this domain, for the application's registry.
pub fn jobs() -> Vec<std::sync::Arc<dyn Job>> {
    vec![std::sync::Arc::new(EdamSyncJob)]
}

#[async_trait::async_trait]
impl Job for EdamSyncJob {
    fn kind(&self) -> &'static str {
        KIND
    }
    fn max_attempts(&self) -> i32 {
        3
    }
    fn timeout(&self) -> Duration {
        Duration::from_secs(600)
    }
    fn backoff(&self, _attempt: i32) -> Duration {
        Duration::from_secs(300)
    }
    async fn run(&self, ctx: &JobContext, job: &JobRun) -> Result<(), JobError> {
        let source = job
            .payload_str("url")
            .unwrap_or_else(|| ctx.config.edam_owl_url.clone());
        match sync_from_source(&ctx.db, &source, BranchFilter::All, false, None, &()).await {
            Ok((_, report)) => {
                let t = report.totals();
                tracing::info!(
                    version = %report.new_version,
                    created = t.created,
                    updated = t.updated,
                    obsoleted = t.obsoleted,
                    unchanged = t.unchanged,
                    "EDAM sync done"
                );
                Ok(())
            }
            // A release that does not parse will not parse next time either.
            Err(e @ (EdamSyncError::Owl { .. } | EdamSyncError::Tsv { .. })) => {
                Err(JobError::permanent(e))
            }
            Err(e) => Err(JobError::retry(e)),
        }
    }
}

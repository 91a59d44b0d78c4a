//! `licenses.sync`: the scheduled (monthly) SPDX licence list sync; payload `{"url": "…"}` optional.

use std::time::Duration;

use super::service::{LicenseSyncError, sync_from_source};
use crate::jobs::{Job, JobContext, JobError, JobRun};

pub const KIND: &str = "licenses.sync";

pub struct LicensesSyncJob;

/// The job kinds of this domain, for the application's registry.
pub fn jobs() -> Vec<std::sync::Arc<dyn Job>> {
    vec![std::sync::Arc::new(LicensesSyncJob)]
}

#[async_trait::async_trait]
impl Job for LicensesSyncJob {
    fn kind(&self) -> &'static str {
        KIND
    }
    fn max_attempts(&self) -> i32 {
        3
    }
    fn timeout(&self) -> Duration {
        Duration::from_secs(300)
    }
    fn backoff(&self, _attempt: i32) -> Duration {
        Duration::from_secs(300)
    }
    async fn run(&self, ctx: &JobContext, job: &JobRun) -> Result<(), JobError> {
        let source = job
            .payload_str("url")
            .unwrap_or_else(|| ctx.config.spdx_licenses_url.clone());
        match sync_from_source(&ctx.db, &source, false).await {
            Ok(r) => {
                tracing::info!(
                    version = %r.new_version,
                    created = r.created,
                    updated = r.updated,
                    deprecated = r.deprecated_swept,
                    "SPDX licence sync done"
                );
                Ok(())
            }
            Err(e @ LicenseSyncError::Parse(_)) => Err(JobError::permanent(e)),
            Err(e) => Err(JobError::retry(e)),
        }
    }
}

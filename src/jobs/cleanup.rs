//! `drafts.cleanup`: the daily removal of stale server-side state — staff sessions that expired more than
//! a day ago, captcha solutions whose challenge has expired, and expired `/update/` edit sessions and
//! recovery links. (Browser-side form drafts expire in the
//! browser; submissions are never touched.)

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::{Job, JobContext, JobError, JobRun};
use crate::auth::entity::session;

pub const KIND: &str = "drafts.cleanup";

/// Sessions are kept this long past their expiry (so a clock skew never logs anyone out early).
const KEEP_EXPIRED_HOURS: i64 = 24;

/// Deletes sessions whose expiry is more than 24 hours before `now`; returns how many.
pub async fn remove_stale_sessions<C: ConnectionTrait>(
    conn: &C,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<u64, DbErr> {
    let cutoff = now - chrono::Duration::hours(KEEP_EXPIRED_HOURS);
    let res = session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lt(cutoff))
        .exec(conn)
        .await?;
    Ok(res.rows_affected)
}

pub struct DraftsCleanupJob;

#[async_trait::async_trait]
impl Job for DraftsCleanupJob {
    fn kind(&self) -> &'static str {
        KIND
    }
    fn max_attempts(&self) -> i32 {
        3
    }
    async fn run(&self, ctx: &JobContext, _job: &JobRun) -> Result<(), JobError> {
        let n = remove_stale_sessions(&ctx.db, ctx.clock.now()).await?;
        tracing::info!(removed = n, "stale sessions removed");
        let n = crate::web::captcha::store::delete_expired(&ctx.db, ctx.clock.now()).await?;
        tracing::info!(removed = n, "expired captcha solutions removed");
        let n =
            crate::submissions::pages::sessions::delete_expired(&ctx.db, ctx.clock.now()).await?;
        tracing::info!(
            removed = n,
            "expired edit sessions and recovery links removed"
        );
        Ok(())
    }
}

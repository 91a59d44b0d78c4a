//! Queue operations that any backend runs the same way: enqueue in the caller's transaction, record
//! outcomes, release, list and retry. The claim itself lives in `crate::db::jobs`.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::time::Duration;
use uuid::Uuid;

use super::entity::job;
use super::state;

pub const DEFAULT_MAX_ATTEMPTS: i32 = 5;
pub const DEFAULT_TIMEOUT_SECS: i32 = 300;
/// The last error kept on a job is cut to this many characters.
const MAX_ERROR_CHARS: usize = 4000;

/// 30 s, 60 s, 120 s, … capped at one hour.
pub fn exponential_backoff(attempt: i32) -> Duration {
    let exp = attempt.clamp(1, 16) as u32 - 1;
    Duration::from_secs((30u64 << exp).min(3600))
}

/// A job to put on the queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: DateTime<Utc>,
    pub max_attempts: i32,
    pub timeout_secs: i32,
    /// When it was put on the queue; the caller's clock, like `run_at` (never the wall clock behind a
    /// test's manual clock).
    pub enqueued_at: DateTime<Utc>,
}

impl NewJob {
    pub fn new(kind: impl Into<String>, payload: serde_json::Value, run_at: DateTime<Utc>) -> Self {
        Self {
            kind: kind.into(),
            payload,
            run_at,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            enqueued_at: run_at,
        }
    }

    /// A job due later than now: `run_at` in the future, enqueued at `now`.
    pub fn delayed(
        kind: impl Into<String>,
        payload: serde_json::Value,
        now: DateTime<Utc>,
        run_at: DateTime<Utc>,
    ) -> Self {
        Self {
            enqueued_at: now,
            ..Self::new(kind, payload, run_at)
        }
    }
}

/// Puts a job on the queue, due at `run_at` (the caller's "now" for immediate work), using the caller's
/// connection or transaction: when the caller's transaction rolls back, the job never existed. Returns
/// the job id.
pub async fn enqueue<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
    payload: serde_json::Value,
    run_at: DateTime<Utc>,
) -> Result<Uuid, DbErr> {
    enqueue_with(conn, NewJob::new(kind, payload, run_at)).await
}

/// [`enqueue`] with explicit attempt and timeout limits.
pub async fn enqueue_with<C: ConnectionTrait>(conn: &C, new: NewJob) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    let now = new.enqueued_at;
    job::Entity::insert(job::ActiveModel {
        id: Set(id),
        kind: Set(new.kind),
        payload: Set(new.payload),
        state: Set(state::QUEUED.into()),
        attempts: Set(0),
        max_attempts: Set(new.max_attempts.max(1)),
        timeout_secs: Set(new.timeout_secs.max(1)),
        run_at: Set(new.run_at),
        locked_by: Set(None),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
    })
    .exec_without_returning(conn)
    .await?;
    crate::db::jobs::notify_enqueued(conn).await?;
    super::wake::notify();
    Ok(id)
}

/// Updates a job only while `worker` still holds it, so a worker whose lease expired (and whose job was
/// taken over) cannot overwrite the new owner's outcome. Returns whether the update applied.
async fn update_owned<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    worker: &str,
    am: job::ActiveModel,
) -> Result<bool, DbErr> {
    let res = job::Entity::update_many()
        .set(am)
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::LockedBy.eq(worker))
        .filter(job::Column::State.eq(state::RUNNING))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Records the handler's limits on a freshly claimed job and sets its lease accordingly.
pub async fn adopt<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    worker: &str,
    max_attempts: i32,
    timeout_secs: i32,
    locked_until: DateTime<Utc>,
) -> Result<bool, DbErr> {
    update_owned(
        conn,
        id,
        worker,
        job::ActiveModel {
            max_attempts: Set(max_attempts.max(1)),
            timeout_secs: Set(timeout_secs.max(1)),
            locked_until: Set(Some(locked_until)),
            ..Default::default()
        },
    )
    .await
}

pub async fn mark_done<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    worker: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    update_owned(
        conn,
        id,
        worker,
        job::ActiveModel {
            state: Set(state::DONE.into()),
            locked_by: Set(None),
            locked_until: Set(None),
            updated_at: Set(now),
            finished_at: Set(Some(now)),
            ..Default::default()
        },
    )
    .await
}

/// After a failed attempt: back to `queued` at `retry_at`, or `failed` when `retry_at` is `None`.
pub async fn mark_failed<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    worker: &str,
    error: &str,
    now: DateTime<Utc>,
    retry_at: Option<DateTime<Utc>>,
) -> Result<bool, DbErr> {
    let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
    let mut am = job::ActiveModel {
        locked_by: Set(None),
        locked_until: Set(None),
        last_error: Set(Some(error)),
        updated_at: Set(now),
        ..Default::default()
    };
    match retry_at {
        Some(at) => {
            am.state = Set(state::QUEUED.into());
            am.run_at = Set(at);
        }
        None => {
            am.state = Set(state::FAILED.into());
            am.finished_at = Set(Some(now));
        }
    }
    update_owned(conn, id, worker, am).await
}

/// Gives a claimed job back (graceful shutdown): queued again at once, the attempt not counted.
pub async fn release<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    worker: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    use sea_orm::sea_query::ExprTrait;
    let res = job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(state::QUEUED))
        .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(
            job::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(job::Column::RunAt, Expr::value(now))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            job::Column::Attempts,
            Expr::col(job::Column::Attempts).sub(1),
        )
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::LockedBy.eq(worker))
        .filter(job::Column::State.eq(state::RUNNING))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

pub async fn get<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<job::Model>, DbErr> {
    job::Entity::find_by_id(id).one(conn).await
}

/// Newest first, optionally only one state.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    state: Option<&str>,
    limit: u64,
) -> Result<Vec<job::Model>, DbErr> {
    let mut q = job::Entity::find()
        .order_by_desc(job::Column::CreatedAt)
        .limit(limit);
    if let Some(s) = state {
        q = q.filter(job::Column::State.eq(s));
    }
    q.all(conn).await
}

/// Why a retry was refused.
#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    #[error("no job with id {0}")]
    NotFound(Uuid),
    #[error("job {0} is {1}, not failed; only failed jobs can be retried")]
    NotFailed(Uuid, String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Puts one failed job back on the queue with a fresh set of attempts (its last error is kept until the
/// next run).
pub async fn retry<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), RetryError> {
    let found = get(conn, id).await?.ok_or(RetryError::NotFound(id))?;
    if found.state != state::FAILED {
        return Err(RetryError::NotFailed(id, found.state));
    }
    let n = requeue_failed(conn, Some(id), now).await?;
    if n == 1 {
        Ok(())
    } else {
        Err(RetryError::NotFailed(id, "no longer failed".into()))
    }
}

/// Puts every failed job back on the queue; returns how many.
pub async fn retry_all_failed<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    requeue_failed(conn, None, now).await
}

async fn requeue_failed<C: ConnectionTrait>(
    conn: &C,
    id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut q = job::Entity::update_many()
        .set(job::ActiveModel {
            state: Set(state::QUEUED.into()),
            attempts: Set(0),
            run_at: Set(now),
            locked_by: Set(None),
            locked_until: Set(None),
            updated_at: Set(now),
            finished_at: Set(None),
            ..Default::default()
        })
        .filter(job::Column::State.eq(state::FAILED));
    if let Some(id) = id {
        q = q.filter(job::Column::Id.eq(id));
    }
    Ok(q.exec(conn).await?.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(exponential_backoff(1), Duration::from_secs(30));
        assert_eq!(exponential_backoff(2), Duration::from_secs(60));
        assert_eq!(exponential_backoff(3), Duration::from_secs(120));
        assert_eq!(exponential_backoff(12), Duration::from_secs(3600));
    }
}

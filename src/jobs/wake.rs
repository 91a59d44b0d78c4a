//! Waking the worker when a job is enqueued, instead of leaving it to its next poll.
//!
//! In this process: [`notify`] wakes every worker waiting here. On SQLite it is called while the
//! enqueuing transaction still runs; the woken worker's claim then waits for that transaction's writer
//! lock, so it sees the job as soon as it commits (a rollback only costs an empty claim). On PostgreSQL
//! the enqueue also sends `NOTIFY` in the transaction, delivered at commit to the workers of every
//! process through [`crate::db::jobs::listen`]. The poll interval stays as the safety net.

use std::sync::LazyLock;
use tokio::sync::Notify;

static WAKE: LazyLock<Notify> = LazyLock::new(Notify::new);

/// Wakes the workers of this process that wait in [`waiter`].
pub fn notify() {
    WAKE.notify_waiters();
}

/// The process-wide notifier; create its `notified()` future (and `enable` it) *before* looking at the
/// queue, so a job enqueued in between is not missed.
pub fn waiter() -> &'static Notify {
    &WAKE
}

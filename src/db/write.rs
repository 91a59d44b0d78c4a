//! Write transactions: the one way every writer (API, web, admin, CLI, worker, scheduler) changes data.
//!
//! SQLite allows one writer at a time. A deferred transaction that reads first and writes later fails
//! with `SQLITE_BUSY_SNAPSHOT` (517) when another connection committed in between, and no busy timeout
//! can help with that. So on SQLite a write transaction
//! 1. first takes this process's writer lock for the database file (an async mutex, so writers inside
//!    one process queue up in order instead of sleeping in SQLite's busy handler), then
//! 2. starts with `BEGIN IMMEDIATE`, which takes the database's write lock up front (other processes on
//!    the same file, e.g. a CLI command, are waited for by the busy timeout).
//!
//! PostgreSQL has row-level locking and needs neither: there a write transaction is a plain `BEGIN`.
//! When the writer lock cannot be had within [`WRITE_LOCK_TIMEOUT`], the caller gets [`is_busy`] errors
//! that the application answers with 503 and `Retry-After` (never half-written: nothing was begun).

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use tokio::sync::OwnedMutexGuard;

/// How long a writer waits for its turn in this process before giving up with a busy error.
pub const WRITE_LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// The message of the error returned when the writer lock could not be had in time; [`is_busy`]
/// recognises it.
const WRITER_BUSY: &str = "database is locked: writer lock not acquired in time";

type WriterLock = Arc<tokio::sync::Mutex<()>>;

/// One writer lock per SQLite database file in this process.
static WRITER_LOCKS: LazyLock<Mutex<HashMap<PathBuf, WriterLock>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn sqlite_path(db: &DatabaseConnection) -> PathBuf {
    let opts = db.get_sqlite_connection_pool().connect_options();
    let path = opts.get_filename();
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn writer_lock(db: &DatabaseConnection) -> WriterLock {
    let path = sqlite_path(db);
    let mut map = WRITER_LOCKS.lock().unwrap_or_else(|p| p.into_inner());
    map.entry(path).or_default().clone()
}

/// A transaction that may write. Use it like a [`DatabaseTransaction`] (it is a connection), then
/// [`WriteTxn::commit`]; dropping it rolls back.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    /// PostgreSQL: the pool, to advance the write version once the transaction has committed.
    pool: Option<DatabaseConnection>,
    // Released after the transaction has ended (fields drop in order).
    _turn: Option<OwnedMutexGuard<()>>,
}

/// Begins a write transaction on `db` (see the module documentation).
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTxn, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let lock = writer_lock(db);
            let turn = tokio::time::timeout(WRITE_LOCK_TIMEOUT, lock.lock_owned())
                .await
                .map_err(|_| DbErr::Custom(WRITER_BUSY.into()))?;
            let txn = db
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..Default::default()
                })
                .await?;
            Ok(WriteTxn {
                txn,
                pool: None,
                _turn: Some(turn),
            })
        }
        _ => Ok(WriteTxn {
            txn: db.begin().await?,
            pool: Some(db.clone()),
            _turn: None,
        }),
    }
}

impl WriteTxn {
    /// Commits and advances the database's write version (see [`write_version`]), so every process's
    /// caches of rendered pages notice the change.
    pub async fn commit(self) -> Result<(), DbErr> {
        let WriteTxn { txn, pool, _turn } = self;
        match txn.get_database_backend() {
            DbBackend::Postgres => {
                txn.commit().await?;
                // After the commit: a reader that sees the new version then also sees the new data.
                // The sequence takes no lock; should this fail, the data is committed all the same
                // and the caches catch up with the next write.
                if let Some(db) = pool
                    && let Err(e) = db
                        .execute_unprepared("SELECT nextval('write_version_seq')")
                        .await
                {
                    tracing::warn!(error = %e, "could not advance the write version");
                }
                Ok(())
            }
            _ => {
                // Inside the transaction: the version and the data commit together.
                match txn.execute_unprepared(SQLITE_BUMP).await {
                    Ok(_) => {}
                    // A database not yet migrated to the version table (a worker started before the
                    // web process migrated): writing must still work.
                    Err(e) if e.to_string().contains("no such table") => {}
                    Err(e) => return Err(e),
                }
                txn.commit().await
            }
        }
    }

    /// Commits bookkeeping that no page shows (job claims and outcomes, captcha solutions, sign-in
    /// attempts), without advancing the write version, so a busy job queue does not empty the page
    /// caches. Everything else commits with [`WriteTxn::commit`].
    pub async fn commit_bookkeeping(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }

    /// The underlying transaction, for APIs that need the concrete type.
    pub fn inner(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }
    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }
    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

const SQLITE_BUMP: &str = "UPDATE write_version SET version = version + 1 WHERE id = 1";

/// The database's write version: it grows with every transaction committed through
/// [`WriteTxn::commit`], in any process. Read it *before* reading the data a cached result is made
/// of; then the result is never newer-labelled than its data (migration `m20261207_000013`).
pub async fn write_version<C: ConnectionTrait>(db: &C) -> Result<i64, DbErr> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT (last_value + CASE WHEN is_called THEN 1 ELSE 0 END)::int8 AS v FROM write_version_seq"
        }
        _ => "SELECT version AS v FROM write_version WHERE id = 1",
    };
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .ok_or_else(|| DbErr::Custom("the write version is missing".into()))?;
    row.try_get("", "v")
}

/// Whether `e` means "the database cannot be reached right now" — PostgreSQL stopped or restarting,
/// the network gone: no connection could be had from the pool, a connection broke, or the server
/// said it is shutting down or not yet accepting connections (SQLSTATE class 08, 57P01–57P03).
/// Answered 503 like a busy database; the pool reconnects by itself when the server is back.
pub fn is_unavailable(e: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    match e {
        DbErr::ConnectionAcquire(_) => true,
        DbErr::Conn(sea_orm::RuntimeErr::SqlxError(s))
        | DbErr::Exec(sea_orm::RuntimeErr::SqlxError(s))
        | DbErr::Query(sea_orm::RuntimeErr::SqlxError(s)) => match s.as_ref() {
            Sqlx::Io(_) | Sqlx::Tls(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed => true,
            Sqlx::Database(d) => d.code().is_some_and(|c| {
                c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03")
            }),
            _ => false,
        },
        _ => false,
    }
}

/// Whether `e` means "another writer holds the database; try again shortly": SQLite's busy and locked
/// codes (including `SQLITE_BUSY_SNAPSHOT`), our writer-lock timeout, and PostgreSQL's serialization,
/// deadlock and lock-timeout failures.
pub fn is_busy(e: &DbErr) -> bool {
    let text = e.to_string();
    if text.contains(WRITER_BUSY) {
        return true;
    }
    let code = match e {
        DbErr::Conn(sea_orm::RuntimeErr::SqlxError(s))
        | DbErr::Exec(sea_orm::RuntimeErr::SqlxError(s))
        | DbErr::Query(sea_orm::RuntimeErr::SqlxError(s)) => s
            .as_database_error()
            .and_then(|d| d.code())
            .map(|c| c.to_string()),
        _ => None,
    };
    match code.as_deref() {
        // SQLite: SQLITE_BUSY (5) and its extended codes, SQLITE_LOCKED (6) and its extended codes.
        Some(c)
            if c.parse::<u32>()
                .is_ok_and(|n| n & 0xff == 5 || n & 0xff == 6) =>
        {
            true
        }
        // PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
        Some("40001" | "40P01" | "55P03") => true,
        _ => text.contains("database is locked") || text.contains("database table is locked"),
    }
}

#[cfg(test)]
mod unavailable_tests {
    use super::is_unavailable;
    use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr};
    use std::sync::Arc;

    #[test]
    fn a_lost_connection_is_unavailable_and_a_bad_query_is_not() {
        let io = || {
            RuntimeErr::SqlxError(Arc::new(sea_orm::sqlx::Error::Io(std::io::Error::from(
                std::io::ErrorKind::ConnectionRefused,
            ))))
        };
        assert!(is_unavailable(&DbErr::ConnectionAcquire(
            ConnAcquireErr::Timeout
        )));
        assert!(is_unavailable(&DbErr::Conn(io())));
        assert!(is_unavailable(&DbErr::Query(io())));
        assert!(!is_unavailable(&DbErr::Custom("no such column".into())));
        assert!(!is_unavailable(&DbErr::RecordNotFound("x".into())));
        assert!(!is_unavailable(&DbErr::Query(RuntimeErr::SqlxError(
            Arc::new(sea_orm::sqlx::Error::RowNotFound)
        ))));
    }
}

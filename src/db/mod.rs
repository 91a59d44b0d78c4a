//! Database connections and migrations for SQLite and PostgreSQL; the only place with backend-specific SQL.

pub mod jobs;
pub mod write;

pub use write::{WriteTxn, begin_write, is_busy, write_version};

use crate::config::DatabaseConfig;
use crate::migration::Migrator;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
};
use sea_orm_migration::MigratorTrait;
use std::time::Duration;

/// An arbitrary, fixed key for PostgreSQL's advisory lock that serialises migrations across processes.
const MIGRATION_LOCK_KEY: i64 = 0x5352_4d49_4752; // "SRMIGR"

/// Connects with the pool settings each backend needs: SQLite in WAL mode with foreign keys enforced and
/// a busy timeout (so concurrent writers wait instead of failing); PostgreSQL with connect/acquire
/// timeouts so a hung server never hangs a request forever.
pub async fn connect(cfg: &DatabaseConfig) -> Result<DatabaseConnection, DbErr> {
    connect_with(cfg, None, None).await
}

/// Like [`connect`], with an optional PostgreSQL schema search path (tests isolate themselves in a schema)
/// and an optional pool size.
pub async fn connect_with(
    cfg: &DatabaseConfig,
    search_path: Option<&str>,
    max_connections: Option<u32>,
) -> Result<DatabaseConnection, DbErr> {
    if let DatabaseConfig::Sqlite { path } = cfg
        && let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", parent.display())))?;
    }
    let mut opts = ConnectOptions::new(cfg.url());
    // While PostgreSQL is down the pool retries connecting until the acquire timeout: 5 s is how long a
    // request waits before it is answered 503 (a connection free under load comes far sooner).
    opts.connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    match cfg {
        DatabaseConfig::Sqlite { .. } => {
            opts.max_connections(max_connections.unwrap_or(8))
                .map_sqlx_sqlite_opts(|o| {
                    o.journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal)
                        .foreign_keys(true)
                        .busy_timeout(Duration::from_secs(10))
                        .create_if_missing(true)
                        // 1 MiB of page cache per connection instead of SQLite's 2 MiB: the operating
                        // system caches the file too, and eight connections each holding 2 MiB was a
                        // third of the server's memory under load.
                        .pragma("cache_size", "-1024")
                });
        }
        DatabaseConfig::Postgres { .. } => {
            opts.max_connections(max_connections.unwrap_or(16));
            if let Some(schema) = search_path {
                opts.set_schema_search_path(schema);
            }
        }
    }
    Database::connect(opts).await
}

/// Applies pending migrations, serialised across processes: PostgreSQL takes a session advisory lock on
/// a dedicated single connection; SQLite takes an exclusive lock on a file beside the database.
pub async fn migrate_up(cfg: &DatabaseConfig, search_path: Option<&str>) -> Result<usize, DbErr> {
    with_migration_lock(cfg, search_path, |db| async move {
        let pending = Migrator::get_pending_migrations(&db).await?.len();
        Migrator::up(&db, None).await?;
        Ok(pending)
    })
    .await
}

/// Rolls back the last `steps` migrations (all of them when `None`), under the same lock.
pub async fn migrate_down(
    cfg: &DatabaseConfig,
    search_path: Option<&str>,
    steps: Option<u32>,
) -> Result<(), DbErr> {
    with_migration_lock(cfg, search_path, |db| async move {
        Migrator::down(&db, steps).await
    })
    .await
}

/// `(name, applied)` for every known migration, without creating anything.
pub async fn migration_status(db: &DatabaseConnection) -> Result<Vec<(String, bool)>, DbErr> {
    let all = Migrator::get_migration_with_status_read_only(db).await?;
    Ok(all
        .iter()
        .map(|m| {
            (
                m.name().to_string(),
                m.status() == sea_orm_migration::MigrationStatus::Applied,
            )
        })
        .collect())
}

/// Number of migrations the code knows that the database has not applied.
pub async fn pending_migrations(db: &DatabaseConnection) -> Result<usize, DbErr> {
    Ok(Migrator::get_pending_migrations_read_only(db).await?.len())
}

/// Runs `f` on a single dedicated connection while holding the cross-process migration lock; start-up
/// work that must not race between replicas (migrations, role sync, seeding) goes through here.
pub async fn with_migration_lock<F, Fut, T>(
    cfg: &DatabaseConfig,
    search_path: Option<&str>,
    f: F,
) -> Result<T, DbErr>
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: std::future::Future<Output = Result<T, DbErr>>,
{
    match cfg {
        DatabaseConfig::Postgres { .. } => {
            // One connection only, so the advisory lock and the migrations share a PostgreSQL session.
            let db = connect_with(cfg, search_path, Some(1)).await?;
            db.execute_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"),
            ))
            .await?;
            let result = f(db.clone()).await;
            let unlock = db
                .execute_raw(Statement::from_string(
                    DbBackend::Postgres,
                    format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"),
                ))
                .await;
            let _ = db.close().await;
            let value = result?;
            unlock?;
            Ok(value)
        }
        DatabaseConfig::Sqlite { path } => {
            let lock_path = path.with_extension("migrate.lock");
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)
                .map_err(|e| DbErr::Custom(format!("cannot open {}: {e}", lock_path.display())))?;
            let file = tokio::task::spawn_blocking(move || file.lock().map(|_| file))
                .await
                .map_err(|e| DbErr::Custom(e.to_string()))?
                .map_err(|e| DbErr::Custom(format!("cannot lock {}: {e}", lock_path.display())))?;
            // Connect only with the lock held: the first connection to a new file switches it to WAL,
            // which must not meet another start-up's connection doing the same ("database is locked").
            let db = connect_with(cfg, search_path, Some(1)).await?;
            let result = f(db.clone()).await;
            let _ = db.close().await;
            drop(file);
            result
        }
    }
}

/// A cheap round trip for readiness checks.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT 1",
    ))
    .await
    .map(|_| ())
}

/// The names of every migration this release knows, oldest first.
pub fn known_migrations() -> Vec<String> {
    Migrator::migrations()
        .iter()
        .map(|m| m.name().to_string())
        .collect()
}

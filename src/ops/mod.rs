//! Operations on a whole installation: backups and restores (`backup`, `restore`), and copying the
//! database from the embedded SQLite default to PostgreSQL (`db copy`).

pub mod backup;
pub mod copy;
mod files;
pub mod manifest;
mod pg;
pub mod restore;

pub use backup::backup;
pub use copy::copy_sqlite_to_postgres;
pub use manifest::{Backend, Manifest};
pub use restore::{RestoreOptions, restore};

use crate::config::DatabaseConfig;
use sea_orm::DatabaseConnection;

/// The backend of a database configuration, as a manifest names it.
pub fn backend_of(cfg: &DatabaseConfig) -> Backend {
    match cfg {
        DatabaseConfig::Sqlite { .. } => Backend::Sqlite,
        DatabaseConfig::Postgres { .. } => Backend::Postgres,
    }
}

/// The last applied migration and how many are applied (the database's schema version).
pub(crate) async fn schema_version(
    db: &DatabaseConnection,
) -> Result<(Option<String>, usize), sea_orm::DbErr> {
    let applied: Vec<String> = crate::db::migration_status(db)
        .await?
        .into_iter()
        .filter(|(_, applied)| *applied)
        .map(|(name, _)| name)
        .collect();
    Ok((applied.last().cloned(), applied.len()))
}

//! The database's write version: a number that grows with every committed write transaction, so a
//! process can tell in one tiny query whether anything changed since it rendered a page (the
//! catalogue's page cache, `catalogue::cache`), also when the write came from another process.
//!
//! SQLite: a one-row table, updated inside each write transaction (SQLite has one writer at a time,
//! so the row is never contended). PostgreSQL: a sequence, advanced right after each commit — a
//! sequence takes no row lock, so concurrent writers never queue on it (see `db::write`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match db.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared("CREATE SEQUENCE write_version_seq")
                    .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TABLE write_version (id INTEGER PRIMARY KEY CHECK (id = 1), \
                     version BIGINT NOT NULL)",
                )
                .await?;
                db.execute_unprepared("INSERT INTO write_version (id, version) VALUES (1, 1)")
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match db.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared("DROP SEQUENCE IF EXISTS write_version_seq")
                    .await?;
            }
            _ => {
                db.execute_unprepared("DROP TABLE IF EXISTS write_version")
                    .await?;
            }
        }
        Ok(())
    }
}

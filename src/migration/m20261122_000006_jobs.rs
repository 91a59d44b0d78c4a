//! The durable background-job queue and the named cron schedules that feed it.

use sea_orm_migration::{prelude::*, schema::*};

use super::idx;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // SQLite defaults to running a migration outside a transaction; DDL is transactional there too,
    // so a failed step must not leave half a schema behind on either backend.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(pk_uuid(Jobs::Id))
                    .col(string_len(Jobs::Kind, 100))
                    .col(json_binary(Jobs::Payload))
                    .col(string_len(Jobs::State, 20).default("queued"))
                    .col(integer(Jobs::Attempts).default(0))
                    .col(integer(Jobs::MaxAttempts).default(5))
                    .col(integer(Jobs::TimeoutSecs).default(300))
                    .col(timestamp_with_time_zone(Jobs::RunAt))
                    .col(string_len_null(Jobs::LockedBy, 100))
                    .col(timestamp_with_time_zone_null(Jobs::LockedUntil))
                    .col(text_null(Jobs::LastError))
                    .col(timestamp_with_time_zone(Jobs::CreatedAt))
                    .col(timestamp_with_time_zone(Jobs::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Jobs::FinishedAt))
                    .to_owned(),
            )
            .await?;
        for index in [
            // Claiming: the oldest due job in a given state.
            idx(
                "idx_jobs_state_run_at",
                Jobs::Table,
                [Jobs::State, Jobs::RunAt],
            ),
            // Recovering jobs whose worker died while holding the lease.
            idx("idx_jobs_locked_until", Jobs::Table, [Jobs::LockedUntil]),
        ] {
            manager.create_index(index).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Schedules::Table)
                    .col(string_len(Schedules::Name, 100).primary_key())
                    .col(string_len(Schedules::Cron, 100))
                    .col(timestamp_with_time_zone_null(Schedules::LastFiredAt))
                    .col(timestamp_with_time_zone_null(Schedules::NextRunAt))
                    .col(timestamp_with_time_zone(Schedules::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Schedules::Table.into_iden(), Jobs::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    Payload,
    State,
    Attempts,
    MaxAttempts,
    TimeoutSecs,
    RunAt,
    LockedBy,
    LockedUntil,
    LastError,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum Schedules {
    Table,
    Name,
    Cron,
    LastFiredAt,
    NextRunAt,
    UpdatedAt,
}

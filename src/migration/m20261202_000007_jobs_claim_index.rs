//! The claim index: queued jobs in exactly the order they are claimed (`run_at`, then `created_at`), so a
//! claim walks the index and stops after its batch instead of sorting every due job.

use sea_orm_migration::prelude::*;

use super::idx;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    State,
    RunAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(idx(
                "idx_jobs_claim_order",
                Jobs::Table,
                [Jobs::State, Jobs::RunAt, Jobs::CreatedAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_jobs_claim_order")
                    .table(Jobs::Table)
                    .to_owned(),
            )
            .await
    }
}

//! `captcha_solutions`: every accepted ALTCHA solution until it expires, so that a solution is accepted
//! once across all replicas (the primary key on the challenge decides the race).

use sea_orm_migration::{prelude::*, schema::*};

use super::idx;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CaptchaSolutions {
    Table,
    Challenge,
    ExpiresAt,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CaptchaSolutions::Table)
                    // The challenge is already a SHA-256 hex digest (of salt + number): 64 characters.
                    .col(string_len(CaptchaSolutions::Challenge, 64).primary_key())
                    .col(timestamp_with_time_zone(CaptchaSolutions::ExpiresAt))
                    .col(timestamp_with_time_zone(CaptchaSolutions::UsedAt))
                    .to_owned(),
            )
            .await?;
        // The clean-up job deletes by expiry.
        manager
            .create_index(idx(
                "idx_captcha_solutions_expires_at",
                CaptchaSolutions::Table,
                [CaptchaSolutions::ExpiresAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CaptchaSolutions::Table).to_owned())
            .await
    }
}

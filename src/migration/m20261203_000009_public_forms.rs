//! The server-side state of the public forms: `/update/` edit sessions (bound to the hash of the key
//! that opened them) and lost-key recovery links (single use, short-lived). Neither stores a key or a
//! token in plaintext: both are keyed by the SHA-256 of the random token the browser holds.

use sea_orm_migration::{prelude::*, schema::*};

use super::idx;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EditSessions {
    Table,
    TokenHash,
    KeyHash,
    SubmissionId,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum RecoveryTokens {
    Table,
    TokenHash,
    SubmissionId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum ServiceSubmissions {
    Table,
    Id,
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
                    .table(EditSessions::Table)
                    .col(string_len(EditSessions::TokenHash, 64).primary_key())
                    .col(string_len(EditSessions::KeyHash, 64))
                    .col(uuid(EditSessions::SubmissionId))
                    .col(timestamp_with_time_zone(EditSessions::CreatedAt))
                    .col(timestamp_with_time_zone(EditSessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_edit_sessions_submission_id")
                            .from(EditSessions::Table, EditSessions::SubmissionId)
                            .to(ServiceSubmissions::Table, ServiceSubmissions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RecoveryTokens::Table)
                    .col(string_len(RecoveryTokens::TokenHash, 64).primary_key())
                    .col(uuid(RecoveryTokens::SubmissionId))
                    .col(timestamp_with_time_zone(RecoveryTokens::CreatedAt))
                    .col(timestamp_with_time_zone(RecoveryTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(RecoveryTokens::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_recovery_tokens_submission_id")
                            .from(RecoveryTokens::Table, RecoveryTokens::SubmissionId)
                            .to(ServiceSubmissions::Table, ServiceSubmissions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Both are purged by time, and edit sessions are dropped by submission on deletion.
        for index in [
            idx(
                "idx_edit_sessions_expires_at",
                EditSessions::Table,
                [EditSessions::ExpiresAt],
            ),
            idx(
                "idx_edit_sessions_submission_id",
                EditSessions::Table,
                [EditSessions::SubmissionId],
            ),
            idx(
                "idx_recovery_tokens_expires_at",
                RecoveryTokens::Table,
                [RecoveryTokens::ExpiresAt],
            ),
            idx(
                "idx_recovery_tokens_submission_id",
                RecoveryTokens::Table,
                [RecoveryTokens::SubmissionId],
            ),
        ] {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RecoveryTokens::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(EditSessions::Table).to_owned())
            .await
    }
}

//! The admin portal's own state: staff TOTP secrets and hashed recovery codes (two-factor sign-in),
//! and the audit trail of admin actions (who did what to which object, kept after the object is gone).

use sea_orm_migration::{prelude::*, schema::*};

use super::idx;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AdminTotp {
    Table,
    UserId,
    Secret,
    ConfirmedAt,
    LastStep,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AdminRecoveryCodes {
    Table,
    Id,
    UserId,
    CodeHash,
    UsedAt,
}

#[derive(DeriveIden)]
enum AdminAudit {
    Table,
    Id,
    At,
    Actor,
    Action,
    ObjectType,
    ObjectId,
    ObjectRepr,
    Message,
}

#[derive(DeriveIden)]
enum Users {
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
                    .table(AdminTotp::Table)
                    .col(uuid(AdminTotp::UserId).primary_key())
                    .col(string_len(AdminTotp::Secret, 64))
                    .col(timestamp_with_time_zone_null(AdminTotp::ConfirmedAt))
                    // The last time step accepted: a code is never accepted twice (RFC 6238 §5.2).
                    .col(big_integer_null(AdminTotp::LastStep))
                    .col(timestamp_with_time_zone(AdminTotp::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_admin_totp_user_id")
                            .from(AdminTotp::Table, AdminTotp::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AdminRecoveryCodes::Table)
                    .col(big_pk_auto(AdminRecoveryCodes::Id))
                    .col(uuid(AdminRecoveryCodes::UserId))
                    .col(string_len(AdminRecoveryCodes::CodeHash, 64))
                    .col(timestamp_with_time_zone_null(AdminRecoveryCodes::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_admin_recovery_codes_user_id")
                            .from(AdminRecoveryCodes::Table, AdminRecoveryCodes::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // No foreign key: the trail outlives the objects (and users) it names.
        manager
            .create_table(
                Table::create()
                    .table(AdminAudit::Table)
                    .col(big_pk_auto(AdminAudit::Id))
                    .col(timestamp_with_time_zone(AdminAudit::At))
                    .col(string_len(AdminAudit::Actor, 160))
                    .col(string_len(AdminAudit::Action, 32))
                    .col(string_len(AdminAudit::ObjectType, 64))
                    .col(string_len(AdminAudit::ObjectId, 64))
                    .col(string_len(AdminAudit::ObjectRepr, 255).default(""))
                    .col(text(AdminAudit::Message).default(""))
                    .to_owned(),
            )
            .await?;
        for index in [
            idx(
                "idx_admin_recovery_codes_user_id",
                AdminRecoveryCodes::Table,
                [AdminRecoveryCodes::UserId],
            ),
            idx("idx_admin_audit_at", AdminAudit::Table, [AdminAudit::At]),
            idx(
                "idx_admin_audit_object",
                AdminAudit::Table,
                [AdminAudit::ObjectType, AdminAudit::ObjectId],
            ),
        ] {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AdminAudit::Table.into_iden(),
            AdminRecoveryCodes::Table.into_iden(),
            AdminTotp::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

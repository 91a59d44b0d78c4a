//! Staff authentication and authorisation: users, groups, permissions, admin API keys, login
//! sessions and the login-attempt log used for lockout.

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
                    .table(Users::Table)
                    .col(pk_uuid(Users::Id))
                    .col(string_len(Users::Username, 150))
                    .col(string_len(Users::Email, 254).default(""))
                    .col(string_len(Users::FirstName, 150).default(""))
                    .col(string_len(Users::LastName, 150).default(""))
                    .col(string_len(Users::PasswordHash, 255))
                    .col(boolean(Users::IsActive).default(true))
                    .col(boolean(Users::IsStaff).default(true))
                    .col(boolean(Users::IsSuperuser).default(false))
                    .col(timestamp_with_time_zone(Users::DateJoined))
                    .col(timestamp_with_time_zone_null(Users::LastLogin))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                idx("uq_users_username", Users::Table, [Users::Username])
                    .unique()
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Groups::Table)
                    .col(big_pk_auto(Groups::Id))
                    .col(string_len(Groups::Name, 150))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                idx("uq_groups_name", Groups::Table, [Groups::Name])
                    .unique()
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Permissions::Table)
                    .col(big_pk_auto(Permissions::Id))
                    // Full dotted name, e.g. `submissions.view_servicesubmission`.
                    .col(string_len(Permissions::Codename, 150))
                    .col(string_len(Permissions::Name, 255))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                idx(
                    "uq_permissions_codename",
                    Permissions::Table,
                    [Permissions::Codename],
                )
                .unique()
                .take(),
            )
            .await?;

        link_table(
            manager,
            "group_permissions",
            (big_integer("group_id"), Groups::Table, Groups::Id),
            (
                big_integer("permission_id"),
                Permissions::Table,
                Permissions::Id,
            ),
        )
        .await?;
        link_table(
            manager,
            "user_groups",
            (uuid("user_id"), Users::Table, Users::Id),
            (big_integer("group_id"), Groups::Table, Groups::Id),
        )
        .await?;
        link_table(
            manager,
            "user_permissions",
            (uuid("user_id"), Users::Table, Users::Id),
            (
                big_integer("permission_id"),
                Permissions::Table,
                Permissions::Id,
            ),
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AdminApiKeys::Table)
                    .col(pk_uuid(AdminApiKeys::Id))
                    // Hex SHA-256 of the plaintext; the plaintext is never stored.
                    .col(string_len(AdminApiKeys::KeyHash, 64))
                    .col(string_len(AdminApiKeys::Label, 100))
                    .col(string_len(AdminApiKeys::Scope, 10).default("full"))
                    .col(boolean(AdminApiKeys::IsActive).default(true))
                    // A username rather than a foreign key: the key's history must survive the
                    // deletion of the user who created it.
                    .col(string_len(AdminApiKeys::CreatedBy, 150).default(""))
                    .col(timestamp_with_time_zone(AdminApiKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(AdminApiKeys::LastUsedAt))
                    .col(timestamp_with_time_zone_null(AdminApiKeys::RevokedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                idx(
                    "uq_admin_api_keys_key_hash",
                    AdminApiKeys::Table,
                    [AdminApiKeys::KeyHash],
                )
                .unique()
                .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    // SHA-256 hex of the cookie token, so a leaked table cannot be replayed.
                    .col(string_len(Sessions::Id, 64).primary_key())
                    .col(uuid(Sessions::UserId))
                    .col(string_len(Sessions::CsrfToken, 64))
                    .col(json_binary(Sessions::Data).default("{}"))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_user_id")
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for index in [
            idx("idx_sessions_user_id", Sessions::Table, [Sessions::UserId]),
            // Expired sessions are purged by time.
            idx(
                "idx_sessions_expires_at",
                Sessions::Table,
                [Sessions::ExpiresAt],
            ),
        ] {
            manager.create_index(index).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(LoginAttempts::Table)
                    .col(big_pk_auto(LoginAttempts::Id))
                    .col(string_len(LoginAttempts::Username, 150))
                    .col(string_len(LoginAttempts::ClientIp, 45))
                    .col(timestamp_with_time_zone(LoginAttempts::AttemptedAt))
                    .col(boolean(LoginAttempts::Succeeded))
                    .to_owned(),
            )
            .await?;
        // Lockout counts recent failures per account and per client address.
        for index in [
            idx(
                "idx_login_attempts_username_attempted_at",
                LoginAttempts::Table,
                [LoginAttempts::Username, LoginAttempts::AttemptedAt],
            ),
            idx(
                "idx_login_attempts_client_ip_attempted_at",
                LoginAttempts::Table,
                [LoginAttempts::ClientIp, LoginAttempts::AttemptedAt],
            ),
        ] {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LoginAttempts::Table.into_iden(),
            Sessions::Table.into_iden(),
            AdminApiKeys::Table.into_iden(),
            "user_permissions".into_iden(),
            "user_groups".into_iden(),
            "group_permissions".into_iden(),
            Permissions::Table.into_iden(),
            Groups::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}

/// Creates the link table `table` between two rows: a composite primary key of both columns, each a
/// foreign key that cascades, so removing a user, group or permission removes its links.
/// Each side is given as (column, referenced table, referenced key).
async fn link_table(
    manager: &SchemaManager<'_>,
    table: &'static str,
    (left, left_table, left_pk): (ColumnDef, impl IntoIden, impl IntoIden),
    (right, right_table, right_pk): (ColumnDef, impl IntoIden, impl IntoIden),
) -> Result<(), DbErr> {
    let left_col = left.get_column_name();
    let right_col = right.get_column_name();
    manager
        .create_table(
            Table::create()
                .table(table)
                .col(left)
                .col(right)
                .primary_key(Index::create().col(left_col.clone()).col(right_col.clone()))
                .foreign_key(
                    ForeignKey::create()
                        .name(format!("fk_{table}_{left_col}"))
                        .from(table, left_col)
                        .to(left_table, left_pk)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name(format!("fk_{table}_{right_col}"))
                        .from(table, right_col.clone())
                        .to(right_table, right_pk)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    // The primary key covers the left column; this covers the right one.
    manager
        .create_index(idx(&format!("idx_{table}_{right_col}"), table, [right_col]))
        .await
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    Email,
    FirstName,
    LastName,
    PasswordHash,
    IsActive,
    IsStaff,
    IsSuperuser,
    DateJoined,
    LastLogin,
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
    Name,
}

#[derive(DeriveIden)]
enum Permissions {
    Table,
    Id,
    Codename,
    Name,
}

#[derive(DeriveIden)]
enum AdminApiKeys {
    Table,
    Id,
    KeyHash,
    Label,
    Scope,
    IsActive,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    CsrfToken,
    Data,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Id,
    Username,
    ClientIp,
    AttemptedAt,
    Succeeded,
}

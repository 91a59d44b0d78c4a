//! Metadata mirrored from bio.tools: one record per submission and the tool's functions.

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
        use BiotoolsRecords as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(big_pk_auto(R::Id))
                    .col(uuid(R::SubmissionId))
                    // Not unique: two submissions may point at the same bio.tools entry.
                    .col(string_len(R::BiotoolsId, 200))
                    .col(string_len(R::Name, 200).default(""))
                    .col(text(R::Description).default(""))
                    // 500, not the original's 200: the sync keeps up to 500 characters.
                    .col(string_len(R::Homepage, 500).default(""))
                    .col(string_len(R::Version, 100).default(""))
                    .col(string_len(R::License, 100).default(""))
                    .col(string_len(R::Maturity, 50).default(""))
                    .col(string_len(R::Cost, 50).default(""))
                    .col(json_binary(R::ToolType).default("[]"))
                    .col(json_binary(R::OperatingSystem).default("[]"))
                    .col(json_binary(R::Publications).default("[]"))
                    .col(json_binary(R::Documentation).default("[]"))
                    .col(json_binary(R::Download).default("[]"))
                    .col(json_binary(R::Links).default("[]"))
                    .col(json_binary(R::EdamTopicUris).default("[]"))
                    .col(json_binary(R::RawJson))
                    .col(timestamp_with_time_zone_null(R::LastSyncedAt))
                    .col(text(R::SyncError).default(""))
                    .col(timestamp_with_time_zone(R::CreatedAt))
                    .col(timestamp_with_time_zone(R::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_biotools_records_submission_id")
                            .from(R::Table, R::SubmissionId)
                            .to(ServiceSubmissions::Table, ServiceSubmissions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for index in [
            // A record belongs to exactly one submission and a submission has at most one record.
            idx(
                "uq_biotools_records_submission_id",
                R::Table,
                [R::SubmissionId],
            )
            .unique()
            .take(),
            idx(
                "idx_biotools_records_biotools_id",
                R::Table,
                [R::BiotoolsId],
            ),
        ] {
            manager.create_index(index).await?;
        }

        use BiotoolsFunctions as F;
        manager
            .create_table(
                Table::create()
                    .table(F::Table)
                    .col(big_pk_auto(F::Id))
                    .col(big_integer(F::RecordId))
                    .col(integer(F::Position))
                    .col(json_binary(F::Operations).default("[]"))
                    .col(json_binary(F::Inputs).default("[]"))
                    .col(json_binary(F::Outputs).default("[]"))
                    .col(text(F::Cmd).default(""))
                    .col(text(F::Note).default(""))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_biotools_functions_record_id")
                            .from(F::Table, F::RecordId)
                            .to(R::Table, R::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Also the index for the foreign key (leading column).
        manager
            .create_index(
                idx(
                    "uq_biotools_functions_record_id_position",
                    F::Table,
                    [F::RecordId, F::Position],
                )
                .unique()
                .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            BiotoolsFunctions::Table.into_iden(),
            BiotoolsRecords::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum BiotoolsRecords {
    Table,
    Id,
    SubmissionId,
    BiotoolsId,
    Name,
    Description,
    Homepage,
    Version,
    License,
    Maturity,
    Cost,
    ToolType,
    OperatingSystem,
    Publications,
    Documentation,
    Download,
    Links,
    EdamTopicUris,
    RawJson,
    LastSyncedAt,
    SyncError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BiotoolsFunctions {
    Table,
    Id,
    RecordId,
    Position,
    Operations,
    Inputs,
    Outputs,
    Cmd,
    Note,
}

/// Created by an earlier migration; named here only to point the foreign key at it.
#[derive(DeriveIden)]
enum ServiceSubmissions {
    Table,
    Id,
}

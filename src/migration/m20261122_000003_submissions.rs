//! Service submissions and everything hanging off them: their annotations (categories, EDAM terms,
//! PIs, licences), submission API keys, the change log and the deletion audit.

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
        create_submissions(manager).await?;

        // Annotation joins: deleting a submission removes its links, while reference rows that are
        // still linked cannot be deleted (curation deactivates them instead).
        join_table(
            manager,
            "submission_categories",
            big_integer("category_id"),
            ServiceCategories::Table,
            ServiceCategories::Id,
        )
        .await?;
        join_table(
            manager,
            "submission_edam_topics",
            big_integer("edam_term_id"),
            EdamTerms::Table,
            EdamTerms::Id,
        )
        .await?;
        join_table(
            manager,
            "submission_edam_operations",
            big_integer("edam_term_id"),
            EdamTerms::Table,
            EdamTerms::Id,
        )
        .await?;
        join_table(
            manager,
            "submission_pis",
            uuid("pi_id"),
            PrincipalInvestigators::Table,
            PrincipalInvestigators::Id,
        )
        .await?;
        join_table(
            manager,
            "submission_licenses",
            big_integer("license_id"),
            SpdxLicenses::Table,
            SpdxLicenses::Id,
        )
        .await?;

        create_api_keys(manager).await?;
        create_change_logs(manager).await?;
        create_deletion_audits(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SubmissionDeletionAudits::Table.into_iden(),
            SubmissionChangeLogs::Table.into_iden(),
            SubmissionApiKeys::Table.into_iden(),
            "submission_licenses".into_iden(),
            "submission_pis".into_iden(),
            "submission_edam_operations".into_iden(),
            "submission_edam_topics".into_iden(),
            "submission_categories".into_iden(),
            ServiceSubmissions::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}

async fn create_submissions(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use ServiceSubmissions as S;
    manager
        .create_table(
            Table::create()
                .table(S::Table)
                .col(pk_uuid(S::Id))
                // Meta
                .col(string_len(S::Status, 20).default("submitted"))
                .col(string_len_null(S::PrimaryMaturityTag, 20))
                .col(json_binary_null(S::SecondaryMaturityTags).default("[]"))
                .col(timestamp_with_time_zone(S::SubmittedAt))
                .col(timestamp_with_time_zone(S::UpdatedAt))
                // Text form of an IPv4/IPv6 address: `inet` exists on PostgreSQL only.
                .col(string_len_null(S::SubmissionIp, 45))
                .col(string_len(S::UserAgentHash, 64).default(""))
                // A: submitter
                .col(date(S::DateOfEntry))
                .col(string_len(S::SubmitterFirstName, 100).default(""))
                .col(string_len(S::SubmitterLastName, 100).default(""))
                .col(string_len(S::SubmitterAffiliation, 300).default(""))
                .col(boolean(S::RegisterAsElixir).default(false))
                // B: service
                .col(string_len(S::ServiceName, 300))
                .col(text(S::ServiceDescription))
                .col(integer(S::YearEstablished))
                .col(boolean(S::IsToolbox).default(false))
                .col(string_len(S::ToolboxName, 200).default(""))
                .col(text(S::UserKnowledgeRequired).default(""))
                .col(text(S::PublicationsPmids))
                // C: responsibility and contact
                .col(text(S::AssociatedPartnerNote).default(""))
                .col(string_len(S::HostInstitute, 300))
                .col(uuid(S::ServiceCenterId))
                .col(string_len(S::PublicContactEmail, 2000))
                .col(string_len(S::InternalContactName, 200))
                .col(string_len(S::InternalContactEmail, 254))
                // D: links and licensing
                .col(string_len(S::WebsiteUrl, 2000))
                .col(string_len(S::TermsOfUseUrl, 2000))
                .col(string_len(S::LicenseNote, 200).default(""))
                .col(string_len(S::GithubUrl, 2000).default(""))
                .col(string_len(S::BiotoolsUrl, 2000).default(""))
                .col(string_len(S::FairsharingUrl, 2000).default(""))
                .col(string_len(S::OtherRegistryUrl, 2000).default(""))
                // E: KPIs
                .col(string_len(S::KpiMonitoring, 10))
                .col(string_len(S::KpiStartYear, 100).default(""))
                // F: keywords and comments
                .col(text(S::KeywordsUncited).default(""))
                .col(text(S::KeywordsSeo).default(""))
                .col(boolean(S::SurveyParticipation).default(true))
                .col(text(S::Comments).default(""))
                // Logo path relative to the media root, e.g. `logos/<uuid>.png`.
                .col(string_len_null(S::Logo, 100))
                // G: consent
                .col(boolean(S::DataProtectionConsent).default(false))
                .col(json_binary_null(S::LastChangeSummary))
                // A centre that still has services cannot be deleted (PROTECT in the original).
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_service_submissions_service_center_id")
                        .from(S::Table, S::ServiceCenterId)
                        .to(ServiceCenters::Table, ServiceCenters::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
    for index in [
        idx("idx_service_submissions_status", S::Table, [S::Status]),
        idx(
            "idx_service_submissions_primary_maturity_tag",
            S::Table,
            [S::PrimaryMaturityTag],
        ),
        idx(
            "idx_service_submissions_submitted_at",
            S::Table,
            [S::SubmittedAt],
        ),
        idx(
            "idx_service_submissions_updated_at",
            S::Table,
            [S::UpdatedAt],
        ),
        idx(
            "idx_service_submissions_service_center_id",
            S::Table,
            [S::ServiceCenterId],
        ),
        idx(
            "idx_service_submissions_register_as_elixir",
            S::Table,
            [S::RegisterAsElixir],
        ),
        idx(
            "idx_service_submissions_year_established",
            S::Table,
            [S::YearEstablished],
        ),
        // Review list: newest first, filtered by status.
        idx(
            "idx_service_submissions_submitted_at_status",
            S::Table,
            [
                IndexColumn::from((S::SubmittedAt, IndexOrder::Desc)),
                IndexColumn::from(S::Status),
            ],
        ),
        // Catalogue and exports: one status, most recently changed first.
        idx(
            "idx_service_submissions_status_updated_at",
            S::Table,
            [
                IndexColumn::from(S::Status),
                IndexColumn::from((S::UpdatedAt, IndexOrder::Desc)),
            ],
        ),
    ] {
        manager.create_index(index).await?;
    }
    Ok(())
}

/// Creates the join table `table` linking a submission to the reference row `other_table`
/// through the column `other`.
async fn join_table(
    manager: &SchemaManager<'_>,
    table: &'static str,
    other: ColumnDef,
    other_table: impl IntoIden,
    other_pk: impl IntoIden,
) -> Result<(), DbErr> {
    let other_col = other.get_column_name();
    manager
        .create_table(
            Table::create()
                .table(table)
                .col(uuid("submission_id"))
                .col(other)
                .primary_key(Index::create().col("submission_id").col(other_col.clone()))
                .foreign_key(
                    ForeignKey::create()
                        .name(format!("fk_{table}_submission_id"))
                        .from(table, "submission_id")
                        .to(ServiceSubmissions::Table, ServiceSubmissions::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name(format!("fk_{table}_{other_col}"))
                        .from(table, other_col.clone())
                        .to(other_table, other_pk)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
    // The primary key already serves lookups by submission; this index serves the reverse
    // direction and the RESTRICT check when a reference row is deleted.
    manager
        .create_index(idx(&format!("idx_{table}_{other_col}"), table, [other_col]))
        .await
}

async fn create_api_keys(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use SubmissionApiKeys as K;
    manager
        .create_table(
            Table::create()
                .table(K::Table)
                .col(pk_uuid(K::Id))
                .col(uuid(K::SubmissionId))
                // Hex SHA-256 of the plaintext; the plaintext is never stored.
                .col(string_len(K::KeyHash, 64))
                .col(string_len(K::Label, 100).default("Initial key"))
                .col(timestamp_with_time_zone(K::CreatedAt))
                .col(string_len(K::CreatedBy, 150).default("submitter"))
                .col(boolean(K::IsActive).default(true))
                .col(string_len(K::Scope, 10).default("write"))
                .col(timestamp_with_time_zone_null(K::LastUsedAt))
                .col(timestamp_with_time_zone_null(K::RevokedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_submission_api_keys_submission_id")
                        .from(K::Table, K::SubmissionId)
                        .to(ServiceSubmissions::Table, ServiceSubmissions::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    for index in [
        idx("uq_submission_api_keys_key_hash", K::Table, [K::KeyHash])
            .unique()
            .take(),
        idx(
            "idx_submission_api_keys_submission_id",
            K::Table,
            [K::SubmissionId],
        ),
    ] {
        manager.create_index(index).await?;
    }
    Ok(())
}

async fn create_change_logs(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use SubmissionChangeLogs as L;
    manager
        .create_table(
            Table::create()
                .table(L::Table)
                .col(big_pk_auto(L::Id))
                .col(uuid(L::SubmissionId))
                .col(string_len(L::ChangedBy, 200))
                .col(timestamp_with_time_zone(L::ChangedAt))
                .col(json_binary(L::Changes))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_submission_change_logs_submission_id")
                        .from(L::Table, L::SubmissionId)
                        .to(ServiceSubmissions::Table, ServiceSubmissions::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    // A submission's history is always read newest first.
    manager
        .create_index(idx(
            "idx_submission_change_logs_submission_id_changed_at",
            L::Table,
            [
                IndexColumn::from(L::SubmissionId),
                IndexColumn::from((L::ChangedAt, IndexOrder::Desc)),
            ],
        ))
        .await
}

async fn create_deletion_audits(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use SubmissionDeletionAudits as A;
    manager
        .create_table(
            Table::create()
                .table(A::Table)
                .col(big_pk_auto(A::Id))
                // Deliberately not a foreign key: the audit outlives the submission.
                .col(uuid(A::SubmissionId))
                .col(string_len(A::ServiceName, 300))
                .col(string_len(A::Status, 20))
                .col(string_len(A::SubmitterFirstName, 100).default(""))
                .col(string_len(A::SubmitterLastName, 100).default(""))
                .col(string_len(A::SubmitterAffiliation, 300).default(""))
                .col(string_len(A::PublicContactEmail, 2000).default(""))
                .col(string_len(A::DeletedBy, 200))
                .col(timestamp_with_time_zone(A::DeletedAt))
                .col(integer(A::ChangelogCount).default(0))
                .col(json_binary(A::ChangelogSnapshot).default("[]"))
                .to_owned(),
        )
        .await?;
    for index in [
        idx(
            "idx_submission_deletion_audits_submission_id",
            A::Table,
            [A::SubmissionId],
        ),
        idx(
            "idx_submission_deletion_audits_deleted_at",
            A::Table,
            [A::DeletedAt],
        ),
    ] {
        manager.create_index(index).await?;
    }
    Ok(())
}

#[derive(DeriveIden)]
enum ServiceSubmissions {
    Table,
    Id,
    Status,
    PrimaryMaturityTag,
    SecondaryMaturityTags,
    SubmittedAt,
    UpdatedAt,
    SubmissionIp,
    UserAgentHash,
    DateOfEntry,
    SubmitterFirstName,
    SubmitterLastName,
    SubmitterAffiliation,
    RegisterAsElixir,
    ServiceName,
    ServiceDescription,
    YearEstablished,
    IsToolbox,
    ToolboxName,
    UserKnowledgeRequired,
    PublicationsPmids,
    AssociatedPartnerNote,
    HostInstitute,
    ServiceCenterId,
    PublicContactEmail,
    InternalContactName,
    InternalContactEmail,
    WebsiteUrl,
    TermsOfUseUrl,
    LicenseNote,
    GithubUrl,
    BiotoolsUrl,
    FairsharingUrl,
    OtherRegistryUrl,
    KpiMonitoring,
    KpiStartYear,
    KeywordsUncited,
    KeywordsSeo,
    SurveyParticipation,
    Comments,
    Logo,
    DataProtectionConsent,
    LastChangeSummary,
}

#[derive(DeriveIden)]
enum SubmissionApiKeys {
    Table,
    Id,
    SubmissionId,
    KeyHash,
    Label,
    CreatedAt,
    CreatedBy,
    IsActive,
    Scope,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum SubmissionChangeLogs {
    Table,
    Id,
    SubmissionId,
    ChangedBy,
    ChangedAt,
    Changes,
}

#[derive(DeriveIden)]
enum SubmissionDeletionAudits {
    Table,
    Id,
    SubmissionId,
    ServiceName,
    Status,
    SubmitterFirstName,
    SubmitterLastName,
    SubmitterAffiliation,
    PublicContactEmail,
    DeletedBy,
    DeletedAt,
    ChangelogCount,
    ChangelogSnapshot,
}

// Tables created by earlier migrations, named here only to point foreign keys at them.

#[derive(DeriveIden)]
enum ServiceCategories {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ServiceCenters {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PrincipalInvestigators {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum EdamTerms {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SpdxLicenses {
    Table,
    Id,
}

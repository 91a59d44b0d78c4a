//! Controlled vocabularies synchronised from upstream: EDAM ontology terms and SPDX licences.

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
                    .table(EdamTerms::Table)
                    .col(big_pk_auto(EdamTerms::Id))
                    .col(string_len(EdamTerms::Uri, 200))
                    .col(string_len(EdamTerms::Accession, 40))
                    .col(string_len(EdamTerms::Branch, 20))
                    .col(string_len(EdamTerms::Label, 200))
                    .col(text(EdamTerms::Definition).default(""))
                    .col(json_binary(EdamTerms::Synonyms).default("[]"))
                    .col(big_integer_null(EdamTerms::ParentId))
                    .col(boolean(EdamTerms::IsObsolete).default(false))
                    .col(integer(EdamTerms::SortOrder).default(0))
                    .col(string_len(EdamTerms::EdamVersion, 20).default(""))
                    // Terms are never deleted by the sync (they become obsolete), but if one is
                    // removed by hand its children must survive as roots.
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_edam_terms_parent_id")
                            .from(EdamTerms::Table, EdamTerms::ParentId)
                            .to(EdamTerms::Table, EdamTerms::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for index in [
            idx("uq_edam_terms_uri", EdamTerms::Table, [EdamTerms::Uri])
                .unique()
                .take(),
            idx(
                "uq_edam_terms_accession",
                EdamTerms::Table,
                [EdamTerms::Accession],
            )
            .unique()
            .take(),
            idx("idx_edam_terms_label", EdamTerms::Table, [EdamTerms::Label]),
            idx(
                "idx_edam_terms_branch_is_obsolete",
                EdamTerms::Table,
                [EdamTerms::Branch, EdamTerms::IsObsolete],
            ),
            // The default listing order of pickers and API.
            idx(
                "idx_edam_terms_branch_sort_order",
                EdamTerms::Table,
                [EdamTerms::Branch, EdamTerms::SortOrder],
            ),
            idx(
                "idx_edam_terms_parent_id",
                EdamTerms::Table,
                [EdamTerms::ParentId],
            ),
        ] {
            manager.create_index(index).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(SpdxLicenses::Table)
                    .col(big_pk_auto(SpdxLicenses::Id))
                    .col(string_len(SpdxLicenses::LicenseId, 80))
                    .col(string_len(SpdxLicenses::Name, 200))
                    .col(string_len(SpdxLicenses::ReferenceUrl, 500).default(""))
                    .col(json_binary(SpdxLicenses::SeeAlso).default("[]"))
                    .col(boolean(SpdxLicenses::IsOsiApproved).default(false))
                    .col(boolean(SpdxLicenses::IsFsfLibre).default(false))
                    .col(boolean(SpdxLicenses::IsDeprecated).default(false))
                    .col(string_len(SpdxLicenses::SpdxVersion, 20).default(""))
                    .to_owned(),
            )
            .await?;
        for index in [
            idx(
                "uq_spdx_licenses_license_id",
                SpdxLicenses::Table,
                [SpdxLicenses::LicenseId],
            )
            .unique()
            .take(),
            idx(
                "idx_spdx_licenses_name",
                SpdxLicenses::Table,
                [SpdxLicenses::Name],
            ),
            idx(
                "idx_spdx_licenses_is_osi_approved",
                SpdxLicenses::Table,
                [SpdxLicenses::IsOsiApproved],
            ),
            idx(
                "idx_spdx_licenses_is_deprecated",
                SpdxLicenses::Table,
                [SpdxLicenses::IsDeprecated],
            ),
            idx(
                "idx_spdx_licenses_is_deprecated_name",
                SpdxLicenses::Table,
                [SpdxLicenses::IsDeprecated, SpdxLicenses::Name],
            ),
        ] {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SpdxLicenses::Table.into_iden(),
            EdamTerms::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum EdamTerms {
    Table,
    Id,
    Uri,
    Accession,
    Branch,
    Label,
    Definition,
    Synonyms,
    ParentId,
    IsObsolete,
    SortOrder,
    EdamVersion,
}

#[derive(DeriveIden)]
enum SpdxLicenses {
    Table,
    Id,
    LicenseId,
    Name,
    ReferenceUrl,
    SeeAlso,
    IsOsiApproved,
    IsFsfLibre,
    IsDeprecated,
    SpdxVersion,
}

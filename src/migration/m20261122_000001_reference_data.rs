//! Reference data curated by the administration office: service categories, service centres and
//! principal investigators.

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
                    .table(ServiceCategories::Table)
                    .col(big_pk_auto(ServiceCategories::Id))
                    .col(string_len(ServiceCategories::Name, 100))
                    .col(boolean(ServiceCategories::IsActive).default(true))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                idx(
                    "uq_service_categories_name",
                    ServiceCategories::Table,
                    [ServiceCategories::Name],
                )
                .unique()
                .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ServiceCenters::Table)
                    .col(pk_uuid(ServiceCenters::Id))
                    .col(string_len(ServiceCenters::ShortName, 50))
                    .col(string_len(ServiceCenters::FullName, 300))
                    .col(string_len(ServiceCenters::Website, 200).default(""))
                    .col(boolean(ServiceCenters::IsActive).default(true))
                    .to_owned(),
            )
            .await?;
        // Lists and pickers are ordered by the full name.
        manager
            .create_index(idx(
                "idx_service_centers_full_name",
                ServiceCenters::Table,
                [ServiceCenters::FullName],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PrincipalInvestigators::Table)
                    .col(pk_uuid(PrincipalInvestigators::Id))
                    .col(string_len(PrincipalInvestigators::LastName, 100))
                    .col(string_len(PrincipalInvestigators::FirstName, 100))
                    .col(string_len(PrincipalInvestigators::Email, 254).default(""))
                    .col(string_len(PrincipalInvestigators::Institute, 200).default(""))
                    .col(string_len(PrincipalInvestigators::Orcid, 30).default(""))
                    .col(boolean(PrincipalInvestigators::IsActive).default(true))
                    .col(boolean(PrincipalInvestigators::IsAssociatedPartner).default(false))
                    .to_owned(),
            )
            .await?;
        // Lists and pickers are ordered by last name, then first name.
        manager
            .create_index(idx(
                "idx_principal_investigators_name",
                PrincipalInvestigators::Table,
                [
                    PrincipalInvestigators::LastName,
                    PrincipalInvestigators::FirstName,
                ],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PrincipalInvestigators::Table.into_iden(),
            ServiceCenters::Table.into_iden(),
            ServiceCategories::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum ServiceCategories {
    Table,
    Id,
    Name,
    IsActive,
}

#[derive(DeriveIden)]
enum ServiceCenters {
    Table,
    Id,
    ShortName,
    FullName,
    Website,
    IsActive,
}

#[derive(DeriveIden)]
enum PrincipalInvestigators {
    Table,
    Id,
    LastName,
    FirstName,
    Email,
    Institute,
    Orcid,
    IsActive,
    IsAssociatedPartner,
}

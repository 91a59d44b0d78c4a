//! The HTTP validators bio.tools sent with a record (`ETag`, `Last-Modified`), so the next sync of the
//! same tool can ask "changed since?" and an unchanged tool costs a 304 instead of a full body.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BiotoolsRecords {
    Table,
    Etag,
    LastModified,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for column in [BiotoolsRecords::Etag, BiotoolsRecords::LastModified] {
            manager
                .alter_table(
                    Table::alter()
                        .table(BiotoolsRecords::Table)
                        .add_column(
                            ColumnDef::new(column)
                                .string_len(200)
                                .not_null()
                                .default(""),
                        )
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [BiotoolsRecords::Etag, BiotoolsRecords::LastModified] {
            manager
                .alter_table(
                    Table::alter()
                        .table(BiotoolsRecords::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

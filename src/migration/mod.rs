//! Database schema: the ordered list of migrations that build (and roll back) every table.

use sea_orm_migration::prelude::*;

mod m20261122_000001_reference_data;
mod m20261122_000002_ontologies;
mod m20261122_000003_submissions;
mod m20261122_000004_biotools;
mod m20261122_000005_auth;
mod m20261122_000006_jobs;
mod m20261202_000007_jobs_claim_index;
mod m20261202_000008_captcha_solutions;
mod m20261203_000009_public_forms;
mod m20261204_000010_biotools_validators;
mod m20261204_000011_catalogue;
mod m20261204_000012_admin;
mod m20261207_000013_write_version;

/// Builds a named index over `cols`. Names are explicit so they are identical on both backends and
/// stay within PostgreSQL's 63-byte identifier limit.
fn idx<T, C>(name: &str, table: T, cols: impl IntoIterator<Item = C>) -> IndexCreateStatement
where
    T: IntoIden,
    C: IntoIndexColumn,
{
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(col);
    }
    index
}

/// Runs the migrations in the order they were written; `down` walks them backwards.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_reference_data::Migration),
            Box::new(m20261122_000002_ontologies::Migration),
            Box::new(m20261122_000003_submissions::Migration),
            Box::new(m20261122_000004_biotools::Migration),
            Box::new(m20261122_000005_auth::Migration),
            Box::new(m20261122_000006_jobs::Migration),
            Box::new(m20261202_000007_jobs_claim_index::Migration),
            Box::new(m20261202_000008_captcha_solutions::Migration),
            Box::new(m20261203_000009_public_forms::Migration),
            Box::new(m20261204_000010_biotools_validators::Migration),
            Box::new(m20261204_000011_catalogue::Migration),
            Box::new(m20261204_000012_admin::Migration),
            Box::new(m20261207_000013_write_version::Migration),
        ]
    }
}

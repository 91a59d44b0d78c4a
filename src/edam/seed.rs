//! The EDAM release built into the binary (from PyPI `edam-ontology`, CC BY-SA 4.0): a fresh database is
//! seeded from it without any network access.

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use super::entity::edam_term;
use super::model::{BranchFilter, Release};
use super::sync::{SyncReport, sync};

/// The EDAM release the built-in data is (the package `edam-ontology` 1.25.3).
pub const SEED_VERSION: &str = "1.25";

static SEED_TSV_GZ: &[u8] = include_bytes!("../../seed/edam/EDAM.tsv.gz");

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the built-in EDAM release is damaged: {0}")]
    Damaged(String),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

pub fn release() -> Result<Release, SeedError> {
    let tsv = crate::source::gunzip(SEED_TSV_GZ, 32 * 1024 * 1024)
        .map_err(|e| SeedError::Damaged(e.to_string()))?;
    super::tsv::parse(&tsv, SEED_VERSION).map_err(|e| SeedError::Damaged(e.to_string()))
}

/// Seeds the term table from the built-in release when it is empty; `None` when there was nothing to do.
pub async fn seed_if_empty(db: &DatabaseConnection) -> Result<Option<SyncReport>, SeedError> {
    if edam_term::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let started = std::time::Instant::now();
    let report = sync(db, &release()?, BranchFilter::All, false).await?;
    tracing::info!(
        terms = report.totals().created,
        version = SEED_VERSION,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "EDAM term table was empty: seeded from the built-in EDAM {SEED_VERSION} release"
    );
    Ok(Some(report))
}

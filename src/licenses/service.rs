//! SPDX sync use case shared by the command line and the scheduled job.

use sea_orm::DatabaseConnection;
use std::time::Duration;

use super::sync::{LicenseReport, ParseError, parse, sync};
use crate::source::{Fetch, SourceError, load};

const CONTENT_TYPES: &[&str] = &["application/json", "text/plain", "application/octet-stream"];

#[derive(Debug, thiserror::Error)]
pub enum LicenseSyncError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

pub async fn sync_from_source(
    db: &DatabaseConnection,
    source: &str,
    dry_run: bool,
) -> Result<LicenseReport, LicenseSyncError> {
    let fetch = Fetch {
        user_agent: concat!(
            "service-registry/",
            env!("CARGO_PKG_VERSION"),
            " sync-licenses"
        ),
        timeout: Duration::from_secs(60),
        max_bytes: 32 * 1024 * 1024,
        content_types: CONTENT_TYPES,
    };
    let loaded = load(source, &fetch).await?;
    let list = parse(&loaded.bytes)?;
    Ok(sync(db, &list, dry_run).await?)
}

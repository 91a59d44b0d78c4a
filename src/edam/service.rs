//! EDAM sync use case shared by the command line and the scheduled job: load a release from a URL or
//! file, parse it (OWL or TSV), write it, and refresh the in-memory search index.

use sea_orm::DatabaseConnection;
use std::time::Duration;

use super::model::{BranchFilter, Release};
use super::sync::{SyncReport, sync};
use crate::source::{Fetch, SourceError, load};

/// Content types an EDAM release may be served with; anything else (an HTML error page, JSON) is refused.
const CONTENT_TYPES: &[&str] = &[
    "application/rdf+xml",
    "application/owl+xml",
    "application/xml",
    "text/xml",
    "text/plain",
    "text/tab-separated-values",
    "application/octet-stream",
    "application/gzip",
    "application/x-gzip",
];

#[derive(Debug, thiserror::Error)]
pub enum EdamSyncError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("Failed to parse OWL XML from {origin}: {cause}")]
    Owl {
        origin: String,
        cause: super::owl::OwlError,
    },
    #[error("Failed to parse EDAM TSV from {origin}: {cause}")]
    Tsv {
        origin: String,
        cause: super::tsv::TsvError,
    },
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error("internal error: {0}")]
    Internal(String),
}

/// What happened at each step, for progress output.
pub trait Progress: Send + Sync {
    fn step(&self, message: &str);
}

impl Progress for () {
    fn step(&self, _: &str) {}
}

/// Loads and parses a release without touching the database.
pub async fn fetch_release(
    source: &str,
    progress: &dyn Progress,
) -> Result<Release, EdamSyncError> {
    progress.step(&format!("Loading EDAM from {source}"));
    let fetch = Fetch {
        user_agent: concat!("service-registry/", env!("CARGO_PKG_VERSION"), " sync-edam"),
        timeout: Duration::from_secs(120),
        max_bytes: super::owl::MAX_INPUT_BYTES,
        content_types: CONTENT_TYPES,
    };
    let loaded = load(source, &fetch).await?;
    let is_tsv = loaded.content_type.as_deref() == Some("text/tab-separated-values")
        || source.ends_with(".tsv")
        || source.ends_with(".tsv.gz");
    progress.step(&format!(
        "Parsing {} bytes of {}",
        loaded.bytes.len(),
        if is_tsv { "TSV" } else { "OWL/RDF-XML" }
    ));
    let source_name = source.to_string();
    // Parsing is CPU work: keep it off the async threads.
    tokio::task::spawn_blocking(move || {
        if is_tsv {
            super::tsv::parse(&loaded.bytes, &version_from_name(&source_name)).map_err(|cause| {
                EdamSyncError::Tsv {
                    origin: source_name,
                    cause,
                }
            })
        } else {
            super::owl::parse(&loaded.bytes).map_err(|cause| EdamSyncError::Owl {
                origin: source_name,
                cause,
            })
        }
    })
    .await
    .map_err(|e| EdamSyncError::Internal(e.to_string()))?
}

/// `EDAM_1.25.tsv` → `1.25`; TSV files carry no version of their own.
fn version_from_name(source: &str) -> String {
    let file = source.rsplit('/').next().unwrap_or(source);
    super::version_in(file)
}

/// Loads, parses and writes a release (or only reports, on a dry run); refreshes `index` when given and
/// something changed.
pub async fn sync_from_source(
    db: &DatabaseConnection,
    source: &str,
    filter: BranchFilter,
    dry_run: bool,
    index: Option<&super::search::SharedIndex>,
    progress: &dyn Progress,
) -> Result<(Release, SyncReport), EdamSyncError> {
    let release = fetch_release(source, progress).await?;
    progress.step(&format!(
        "Parsed {} terms (EDAM {}); {}",
        release.terms.len(),
        if release.version.is_empty() {
            "version unknown"
        } else {
            &release.version
        },
        if dry_run {
            "dry run: comparing with the database"
        } else {
            "writing to the database"
        }
    ));
    let report = sync(db, &release, filter, dry_run).await?;
    if let Some(index) = index
        && !dry_run
        && report.changed_anything()
    {
        index.rebuild(db).await?;
    }
    Ok((release, report))
}

//! The backup manifest (`manifest.json`): what made the backup, the schema version of its database, and
//! every file with its size and SHA-256, so a restore can refuse anything it does not recognise.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const MANIFEST_FILE: &str = "manifest.json";
/// Identifies our backups among other directories with a `manifest.json`.
pub const FORMAT: &str = "service-registry-backup";
/// The manifest layout this release writes and reads; a restore refuses any other.
pub const FORMAT_VERSION: u32 = 1;
pub const SQLITE_FILE: &str = "database.sqlite3";
pub const PG_FILE: &str = "database.pgdump";
pub const MEDIA_DIR: &str = "media";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// The release (Cargo.toml version) that wrote the backup.
    pub app_version: String,
    pub created_at: DateTime<Utc>,
    pub backend: Backend,
    /// The last applied migration: the database's schema version.
    pub schema_version: Option<String>,
    pub migrations_applied: usize,
    /// The database file among `files` (`database.sqlite3` or `database.pgdump`).
    pub database_file: String,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Relative to the backup directory, `/`-separated.
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

impl Manifest {
    /// Reads and checks a backup directory's manifest: ours, a layout this release knows, no paths that
    /// leave the directory.
    pub fn read(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            anyhow::anyhow!(
                "{} is not a backup of this application: cannot read {MANIFEST_FILE} ({e})",
                dir.display()
            )
        })?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{} is not valid JSON: {e}", path.display()))?;
        if value.get("format").and_then(|v| v.as_str()) != Some(FORMAT) {
            anyhow::bail!(
                "{} is not a service-registry backup manifest (its \"format\" is not \"{FORMAT}\").",
                path.display()
            );
        }
        let version = value.get("format_version").and_then(|v| v.as_u64());
        if version != Some(u64::from(FORMAT_VERSION)) {
            anyhow::bail!(
                "{} has manifest format version {}, which this release ({}) does not know (it reads \
                 version {FORMAT_VERSION}); restore it with the release that made it ({}).",
                path.display(),
                version.map_or("(none)".to_string(), |v| v.to_string()),
                env!("CARGO_PKG_VERSION"),
                value
                    .get("app_version")
                    .and_then(|v| v.as_str())
                    .unwrap_or("unknown")
            );
        }
        let manifest: Self = serde_json::from_value(value)
            .map_err(|e| anyhow::anyhow!("{} is malformed: {e}", path.display()))?;
        for f in &manifest.files {
            if !super::files::is_safe_relative(&f.path) {
                anyhow::bail!(
                    "{} lists the path {:?}, which leaves the backup directory; refusing it.",
                    path.display(),
                    f.path
                );
            }
        }
        if !manifest
            .files
            .iter()
            .any(|f| f.path == manifest.database_file)
        {
            anyhow::bail!(
                "{} does not list its database file {:?}.",
                path.display(),
                manifest.database_file
            );
        }
        Ok(manifest)
    }
}

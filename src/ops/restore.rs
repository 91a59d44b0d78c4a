//! `service-registry restore --from DIR`: checks the manifest and every checksum before touching
//! anything, refuses a backup of the other backend or of a newer schema, refuses a non-empty target
//! unless forced, then restores the database and the media files.

use sea_orm::{ConnectionTrait, Statement};
use std::path::{Path, PathBuf};

use super::files;
use super::manifest::{MEDIA_DIR, Manifest};
use crate::config::DatabaseConfig;

#[derive(Debug, Clone, Copy, Default)]
pub struct RestoreOptions {
    /// Replace a database or media directory that already holds data.
    pub force: bool,
}

/// Restores the backup in `from` into the configured database and `media_root`.
pub async fn restore(
    cfg: &DatabaseConfig,
    search_path: Option<&str>,
    media_root: &Path,
    from: &Path,
    opts: RestoreOptions,
) -> anyhow::Result<Manifest> {
    let manifest = Manifest::read(from)?;
    verify(from, &manifest)?;
    let target = super::backend_of(cfg);
    if manifest.backend != target {
        anyhow::bail!(
            "This is a {} backup and the configured database is {}: restore it into a {} database \
             (then `service-registry db copy` moves SQLite data to PostgreSQL).",
            manifest.backend.as_str(),
            target.as_str(),
            manifest.backend.as_str()
        );
    }
    if let Some(version) = &manifest.schema_version {
        let known = crate::db::known_migrations();
        if !known.iter().any(|m| m == version) {
            anyhow::bail!(
                "The backup's schema version {version} (written by release {}) is unknown to this \
                 release ({}): restore it with release {} or newer.",
                manifest.app_version,
                env!("CARGO_PKG_VERSION"),
                manifest.app_version
            );
        }
    }
    let media_busy = files::has_files(media_root)?;
    let db_busy = database_has_tables(cfg, search_path).await?;
    if !opts.force && (db_busy || media_busy) {
        let what = match (db_busy, media_busy) {
            (true, true) => "the database and the media directory hold data",
            (true, false) => "the database holds data",
            _ => "the media directory holds files",
        };
        anyhow::bail!(
            "Refusing to restore: {what} ({}, {}). Restore into an empty installation, or pass --force \
             to replace it.",
            cfg.display(),
            media_root.display()
        );
    }
    let db_file = from.join(&manifest.database_file);
    match cfg {
        DatabaseConfig::Sqlite { path } => restore_sqlite(&db_file, path)?,
        DatabaseConfig::Postgres { url, .. } => {
            let url = url.expose().to_string();
            // A schema-scoped dump re-creates its schema, so an existing (empty or forced) one is
            // dropped first, in the same transaction.
            let clean = db_busy || search_path.is_some();
            tokio::task::spawn_blocking(move || super::pg::restore(&url, &db_file, clean))
                .await??;
        }
    }
    restore_media(&from.join(MEDIA_DIR), &manifest, media_root)?;
    Ok(manifest)
}

/// Every listed file present with its size and SHA-256.
fn verify(dir: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    for f in &manifest.files {
        let path = dir.join(&f.path);
        let (size, sha256) = files::checksum(&path).map_err(|e| {
            anyhow::anyhow!("The backup is incomplete: cannot read {} ({e}).", f.path)
        })?;
        if size != f.size || sha256 != f.sha256 {
            anyhow::bail!(
                "The backup is damaged: {} does not match its checksum in the manifest (size {size}, \
                 expected {}); nothing was restored.",
                f.path,
                f.size
            );
        }
    }
    Ok(())
}

async fn database_has_tables(
    cfg: &DatabaseConfig,
    search_path: Option<&str>,
) -> anyhow::Result<bool> {
    let sql = match cfg {
        DatabaseConfig::Sqlite { path } => {
            if std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) == 0 {
                return Ok(false);
            }
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'"
        }
        DatabaseConfig::Postgres { .. } => {
            "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = current_schema()"
        }
    };
    let db = crate::db::connect_with(cfg, search_path, Some(1)).await?;
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    let _ = db.close().await;
    let n: i64 = row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0);
    Ok(n > 0)
}

/// Copies the snapshot beside the target and renames it into place (dropping the old WAL files).
fn restore_sqlite(snapshot: &Path, target: &Path) -> anyhow::Result<()> {
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = files::sibling(target, "restore");
    std::fs::copy(snapshot, &tmp)?;
    for suffix in ["-wal", "-shm"] {
        let mut side = target.as_os_str().to_owned();
        side.push(suffix);
        match std::fs::remove_file(PathBuf::from(side)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e.into());
            }
            _ => {}
        }
    }
    std::fs::rename(&tmp, target)?;
    Ok(())
}

/// Builds the restored media tree beside `media_root`, then swaps it into place.
fn restore_media(from: &Path, manifest: &Manifest, media_root: &Path) -> anyhow::Result<()> {
    let prefix = format!("{MEDIA_DIR}/");
    let listed: Vec<PathBuf> = manifest
        .files
        .iter()
        .filter_map(|f| f.path.strip_prefix(&prefix).map(PathBuf::from))
        .collect();
    if let Some(parent) = media_root.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let fresh = files::sibling(media_root, "restore");
    std::fs::create_dir_all(&fresh)?;
    if let Err(e) = files::copy_files(from, &fresh, &listed) {
        let _ = std::fs::remove_dir_all(&fresh);
        return Err(e.into());
    }
    let old = files::sibling(media_root, "old");
    if media_root.exists() {
        std::fs::rename(media_root, &old)?;
    }
    std::fs::rename(&fresh, media_root)?;
    if old.exists() {
        std::fs::remove_dir_all(&old)?;
    }
    Ok(())
}

//! `service-registry backup --out DIR`: a consistent snapshot of the database (SQLite `VACUUM INTO`,
//! safe while the server writes; PostgreSQL `pg_dump --format=custom`), a copy of the media files, and
//! a manifest with every file's size and SHA-256. Written into a temporary sibling directory and renamed
//! into place at the end, so `DIR` is either a complete backup or absent.

use chrono::Utc;
use sea_orm::{ConnectionTrait, Statement};
use std::path::{Path, PathBuf};

use super::files;
use super::manifest::{
    FORMAT, FORMAT_VERSION, FileEntry, MANIFEST_FILE, MEDIA_DIR, Manifest, PG_FILE, SQLITE_FILE,
};
use crate::config::DatabaseConfig;

/// Writes a backup of the database and of `media_root` into `out` (which must not exist, or be empty).
pub async fn backup(
    cfg: &DatabaseConfig,
    search_path: Option<&str>,
    media_root: &Path,
    out: &Path,
) -> anyhow::Result<Manifest> {
    if out.exists() && (!out.is_dir() || std::fs::read_dir(out)?.next().is_some()) {
        anyhow::bail!(
            "{} already exists and is not an empty directory; choose a new directory for the backup.",
            out.display()
        );
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = files::sibling(out, "partial");
    std::fs::create_dir_all(&tmp)?;
    let result = write(cfg, search_path, media_root, &tmp).await;
    match result {
        Ok(manifest) => {
            if out.exists() {
                std::fs::remove_dir(out)?;
            }
            std::fs::rename(&tmp, out)?;
            Ok(manifest)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}

async fn write(
    cfg: &DatabaseConfig,
    search_path: Option<&str>,
    media_root: &Path,
    dir: &Path,
) -> anyhow::Result<Manifest> {
    let db = crate::db::connect_with(cfg, search_path, Some(1)).await?;
    let (schema_version, migrations_applied) = super::schema_version(&db).await?;
    let database_file = match cfg {
        DatabaseConfig::Sqlite { .. } => {
            let target = dir.join(SQLITE_FILE);
            // VACUUM INTO reads one consistent snapshot (a read transaction), so writers carry on.
            let quoted = target.display().to_string().replace('\'', "''");
            db.execute_raw(Statement::from_string(
                db.get_database_backend(),
                format!("VACUUM INTO '{quoted}'"),
            ))
            .await?;
            SQLITE_FILE
        }
        DatabaseConfig::Postgres { url, .. } => {
            let (url, schema, file) = (
                url.expose().to_string(),
                search_path.map(str::to_string),
                dir.join(PG_FILE),
            );
            tokio::task::spawn_blocking(move || super::pg::dump(&url, schema.as_deref(), &file))
                .await??;
            PG_FILE
        }
    };
    let _ = db.close().await;

    let media = files::walk(media_root)?;
    files::copy_files(media_root, &dir.join(MEDIA_DIR), &media)?;

    let mut listed: Vec<PathBuf> = vec![PathBuf::from(database_file)];
    listed.extend(media.iter().map(|m| Path::new(MEDIA_DIR).join(m)));
    let mut entries = Vec::with_capacity(listed.len());
    for rel in &listed {
        let (size, sha256) = files::checksum(&dir.join(rel))?;
        entries.push(FileEntry {
            path: files::manifest_path(rel),
            size,
            sha256,
        });
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        app_version: env!("CARGO_PKG_VERSION").into(),
        created_at: Utc::now(),
        backend: super::backend_of(cfg),
        schema_version,
        migrations_applied,
        database_file: database_file.into(),
        files: entries,
    };
    std::fs::write(
        dir.join(MANIFEST_FILE),
        serde_json::to_string_pretty(&manifest)? + "\n",
    )?;
    Ok(manifest)
}

//! The operations commands: `backup`, `restore` and `db copy`.

use std::path::Path;

use crate::config::{Config, DatabaseConfig};

pub(super) async fn backup(config: &Config, out: &Path) -> anyhow::Result<()> {
    let m = crate::ops::backup(&config.database, None, &config.media_root, out).await?;
    let bytes: u64 = m.files.iter().map(|f| f.size).sum();
    println!(
        "Backup written to {}: {} database ({}), {} media file(s), {bytes} bytes in all, schema {}.",
        out.display(),
        m.backend.as_str(),
        m.database_file,
        m.files.len() - 1,
        m.schema_version.as_deref().unwrap_or("(empty)")
    );
    Ok(())
}

pub(super) async fn restore(config: &Config, from: &Path, force: bool) -> anyhow::Result<()> {
    let m = crate::ops::restore(
        &config.database,
        None,
        &config.media_root,
        from,
        crate::ops::RestoreOptions { force },
    )
    .await?;
    println!(
        "Restored the backup of {} (release {}, schema {}) into {} and {}: {} file(s) verified.",
        m.created_at.to_rfc3339(),
        m.app_version,
        m.schema_version.as_deref().unwrap_or("(empty)"),
        config.database.display(),
        config.media_root.display(),
        m.files.len()
    );
    let db = crate::db::connect(&config.database).await?;
    let pending = crate::db::pending_migrations(&db).await?;
    if pending > 0 {
        println!(
            "The restored database is {pending} migration(s) behind this release: `service-registry \
             migrate up` (or `serve`, which migrates at start-up) brings it up to date."
        );
    }
    Ok(())
}

pub(super) async fn db_copy(from: &str, to: &str) -> anyhow::Result<()> {
    let from = parse_url("--from", from)?;
    let to = parse_url("--to", to)?;
    let report = crate::ops::copy_sqlite_to_postgres(&from, &to, None).await?;
    let mut total = 0;
    for (table, rows) in &report.tables {
        println!("{table:<32} {rows:>8} rows");
        total += rows;
    }
    if !report.skipped.is_empty() {
        println!(
            "Not copied (SQLite's own full-text tables; PostgreSQL searches without them): {}",
            report.skipped.join(", ")
        );
    }
    println!(
        "Copied {total} rows in {} tables from {} to {}; every table's count verified.",
        report.tables.len(),
        from.display(),
        to.display()
    );
    Ok(())
}

/// A database URL given on the command line, read like `DATABASE_URL`.
fn parse_url(flag: &str, url: &str) -> anyhow::Result<DatabaseConfig> {
    DatabaseConfig::from_url(url).map_err(|cause| anyhow::anyhow!("{flag}: {cause}"))
}

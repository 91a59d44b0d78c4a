//! The data-sync commands: `sync-edam`, `sync-licenses`, `edam stats` (summaries, progress, exit codes).

use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::io::IsTerminal;

use crate::config::Config;
use crate::edam::model::{Branch, BranchFilter};
use crate::edam::service::Progress;

/// A spinner on a terminal; plain lines otherwise (logs, CI).
struct Steps(Option<ProgressBar>);

impl Steps {
    fn new() -> Self {
        if !std::io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} {msg}") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(std::time::Duration::from_millis(100));
        Self(Some(bar))
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Steps {
    fn step(&self, message: &str) {
        match &self.0 {
            Some(bar) => bar.set_message(message.to_string()),
            None => eprintln!("{message}"),
        }
    }
}

pub async fn sync_edam(
    config: &Config,
    source: &str,
    branch: &str,
    dry_run: bool,
) -> anyhow::Result<()> {
    let filter = BranchFilter::parse(branch).map_err(anyhow::Error::msg)?;
    let db = crate::db::connect(&config.database).await?;
    let steps = Steps::new();
    let result =
        crate::edam::service::sync_from_source(&db, source, filter, dry_run, None, &steps).await;
    steps.finish();
    let (release, report) = result?;
    println!(
        "EDAM {} → {}{}",
        report.old_version.as_deref().unwrap_or("(empty table)"),
        if release.version.is_empty() {
            "unknown"
        } else {
            &release.version
        },
        if dry_run {
            "  [dry run: nothing was written]"
        } else {
            ""
        }
    );
    println!(
        "{:<12} {:>8} {:>8} {:>10} {:>10}",
        "branch", "created", "updated", "obsoleted", "unchanged"
    );
    for (b, c) in &report.by_branch {
        println!(
            "{:<12} {:>8} {:>8} {:>10} {:>10}",
            b.as_str(),
            c.created,
            c.updated,
            c.obsoleted,
            c.unchanged
        );
    }
    let t = report.totals();
    println!(
        "{:<12} {:>8} {:>8} {:>10} {:>10}",
        "total", t.created, t.updated, t.obsoleted, t.unchanged
    );
    Ok(())
}

pub async fn sync_licenses(config: &Config, source: &str, dry_run: bool) -> anyhow::Result<()> {
    let db = crate::db::connect(&config.database).await?;
    eprintln!("Loading SPDX licenses from {source}");
    let r = crate::licenses::service::sync_from_source(&db, source, dry_run).await?;
    println!(
        "SPDX License List {} → {}{}",
        r.old_version.as_deref().unwrap_or("(empty table)"),
        if r.new_version.is_empty() {
            "unknown"
        } else {
            &r.new_version
        },
        if dry_run {
            "  [dry run: nothing was written]"
        } else {
            ""
        }
    );
    println!(
        "created {}, updated {}, unchanged {}, newly deprecated (gone upstream) {}",
        r.created, r.updated, r.unchanged, r.deprecated_swept
    );
    Ok(())
}

pub async fn edam_stats(config: &Config) -> anyhow::Result<()> {
    use crate::edam::entity::edam_term::{Column, Entity};
    let db = crate::db::connect(&config.database).await?;
    let index = crate::edam::search::EdamIndex::load(&db).await?;
    println!(
        "EDAM version: {}",
        if index.version.is_empty() {
            "unknown"
        } else {
            &index.version
        }
    );
    println!("{:<12} {:>8} {:>10}", "branch", "terms", "obsolete");
    let (mut all, mut all_obsolete) = (0, 0);
    for b in Branch::ALL {
        let total = Entity::find()
            .filter(Column::Branch.eq(b.as_str()))
            .count(&db)
            .await?;
        let obsolete = Entity::find()
            .filter(Column::Branch.eq(b.as_str()))
            .filter(Column::IsObsolete.eq(true))
            .count(&db)
            .await?;
        all += total;
        all_obsolete += obsolete;
        println!("{:<12} {:>8} {:>10}", b.as_str(), total, obsolete);
    }
    println!("{:<12} {:>8} {:>10}", "total", all, all_obsolete);
    Ok(())
}

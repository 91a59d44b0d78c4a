//! `sync-biotools`: sync one or every submission's bio.tools record, preview it (`--dry-run`), or list
//! the records whose last sync failed (`--errors`).

use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;
use uuid::Uuid;

use crate::biotools::sync::{self, Preview, SyncOutcome, SyncTotals};
use crate::biotools::{BiotoolsClient, ClientSettings, repo};
use crate::config::Config;

/// Without a terminal, a progress line on stderr every this many submissions.
const PROGRESS_EVERY: usize = 50;

pub async fn sync_biotools(
    config: &Config,
    submission: Option<Uuid>,
    dry_run: bool,
    errors: bool,
) -> anyhow::Result<()> {
    let db = crate::db::connect(&config.database).await?;
    if errors {
        return list_errors(&db).await;
    }
    let client = BiotoolsClient::new(ClientSettings::from_config(config))?;
    if dry_run {
        let ids = match submission {
            Some(id) => vec![id],
            None => repo::submissions_with_url(&db).await?,
        };
        let pause = sync::interval(config.biotools_sync_rate);
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                tokio::time::sleep(pause).await;
            }
            let line = describe(&sync::preview_submission(&db, &client, *id).await?);
            println!("{id}: {line}");
        }
        println!("Dry run: nothing written ({} submission(s)).", ids.len());
        return Ok(());
    }
    let started = Instant::now();
    let totals = match submission {
        Some(id) => {
            let outcome = sync::sync_submission(&db, &client, id, Utc::now()).await?;
            println!("{id}: {}", outcome_line(&outcome));
            if outcome == SyncOutcome::NoSubmission {
                anyhow::bail!("Submission {id} not found.");
            }
            let mut t = SyncTotals::default();
            t.add(&outcome);
            t
        }
        None => {
            let now = Utc::now;
            let bar = progress_bar();
            let totals = sync::sync_all(
                &db,
                &client,
                config.biotools_sync_rate,
                &now,
                &mut |n, total, id, outcome| {
                    let failure = outcome
                        .is_failure()
                        .then(|| format!("{id}: {}", outcome_line(outcome)));
                    match &bar {
                        Some(bar) => {
                            bar.set_length(total as u64);
                            bar.set_position(n as u64);
                            if let Some(line) = failure {
                                bar.println(line);
                            }
                        }
                        None => {
                            if let Some(line) = failure {
                                eprintln!("{line}");
                            }
                            if n % PROGRESS_EVERY == 0 && n < total {
                                eprintln!("… {n} of {total} submission(s) done");
                            }
                        }
                    }
                },
            )
            .await;
            if let Some(bar) = &bar {
                bar.finish_and_clear();
            }
            totals?
        }
    };
    println!(
        "synced {}, failed {}, removed {} in {:.1} s",
        totals.synced,
        totals.failed,
        totals.removed,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A bar with the count, rate and time left on a terminal; `None` for logs and pipes (plain lines).
fn progress_bar() -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} submissions · {per_sec} · {eta} left")
    {
        bar.set_style(style);
    }
    Some(bar)
}

async fn list_errors(db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    let rows = repo::errored(db).await?;
    if rows.is_empty() {
        println!("No bio.tools record has a sync error.");
        return Ok(());
    }
    for r in &rows {
        let last = r
            .last_synced_at
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|| "never".into());
        println!(
            "{}\tsubmission {}\t{}\tlast synced {last}",
            r.biotools_id, r.submission_id, r.sync_error
        );
    }
    println!("{} record(s) with a sync error.", rows.len());
    Ok(())
}

fn outcome_line(o: &SyncOutcome) -> String {
    match o {
        SyncOutcome::Synced {
            biotools_id,
            created,
            functions,
        } => format!(
            "{} record for bio.tools:{biotools_id} ({functions} function(s))",
            if *created { "created" } else { "updated" }
        ),
        SyncOutcome::Failed {
            biotools_id, error, ..
        } => format!("sync of bio.tools:{biotools_id} failed: {error}"),
        SyncOutcome::Unchanged { biotools_id } => {
            format!("bio.tools:{biotools_id} unchanged since the last sync (304)")
        }
        SyncOutcome::Removed => "bio.tools URL is empty: record removed".into(),
        SyncOutcome::NoUrl => "no bio.tools URL set".into(),
        SyncOutcome::InvalidUrl { error } => format!("unusable bio.tools URL: {error}"),
        SyncOutcome::NoSubmission => "no such submission".into(),
        SyncOutcome::Superseded => "URL changed during the sync; skipped".into(),
    }
}

fn describe(p: &Preview) -> String {
    match p {
        Preview::Store {
            biotools_id,
            create: true,
            ..
        } => format!("would create the record for bio.tools:{biotools_id}"),
        Preview::Store {
            biotools_id,
            changed,
            ..
        } if changed.is_empty() => format!("bio.tools:{biotools_id} unchanged (would refresh)"),
        Preview::Store {
            biotools_id,
            changed,
            ..
        } => format!(
            "would update bio.tools:{biotools_id}: {}",
            changed.join(", ")
        ),
        Preview::Remove => "would remove the record (empty URL)".into(),
        Preview::Nothing => "nothing to do".into(),
        Preview::Error { biotools_id, error } => {
            format!("would record an error for bio.tools:{biotools_id}: {error}")
        }
    }
}

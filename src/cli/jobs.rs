//! The `jobs …`, `worker`, `scheduler` and `send-test-email` commands: inspection and retry of the queue,
//! the split-deployment roles, and an end-to-end check of outgoing mail.

use anyhow::{Context, bail};
use clap::Subcommand;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

use crate::config::Config;
use crate::jobs::worker::{Outcome, Worker};
use crate::jobs::{
    Clock, JobContext, JobRegistry, SystemClock, entity::job, queue, scheduler, state,
};
use crate::mail::{Mailer, OutgoingEmail};
use crate::submissions::notify::MailSettings;

#[derive(Debug, Subcommand)]
pub enum JobsAction {
    /// List jobs, newest first.
    List {
        /// Only jobs in this state: queued, running, done or failed.
        #[arg(long, value_parser = state::ALL)]
        state: Option<String>,
        /// At most this many jobs.
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
    /// Show every schedule with its cron expression, last and next run.
    Scheduled,
    /// List failed jobs with their last error.
    Failed,
    /// Put a failed job (or all of them) back on the queue with fresh attempts.
    Retry {
        /// The job's id (see `jobs failed`).
        id: Option<uuid::Uuid>,
        /// Retry every failed job.
        #[arg(long, conflicts_with = "id")]
        all_failed: bool,
    },
}

pub async fn jobs(config: &Config, action: JobsAction) -> anyhow::Result<()> {
    let db = crate::db::connect(&config.database).await?;
    let tz = config.time_zone;
    let show = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&tz)
            .format("%Y-%m-%d %H:%M:%S %Z")
            .to_string()
    };
    match action {
        JobsAction::List { state, limit } => {
            let rows = queue::list(&db, state.as_deref(), limit).await?;
            if rows.is_empty() {
                println!("No jobs.");
            }
            for j in rows {
                println!(
                    "{}  {:<16} {:<8} attempts {}/{}  run at {}{}",
                    j.id,
                    j.kind,
                    j.state,
                    j.attempts,
                    j.max_attempts,
                    show(j.run_at),
                    j.last_error
                        .as_deref()
                        .map(|e| format!("  last error: {}", first_line(e)))
                        .unwrap_or_default()
                );
            }
        }
        JobsAction::Failed => {
            let rows = queue::list(&db, Some(state::FAILED), 1000).await?;
            if rows.is_empty() {
                println!("No failed jobs.");
            }
            for j in rows {
                println!(
                    "{}  {}  failed at {} after {} attempt(s)\n    error: {}\n    payload: {}",
                    j.id,
                    j.kind,
                    show(j.finished_at.unwrap_or(j.updated_at)),
                    j.attempts,
                    j.last_error.as_deref().unwrap_or("(none recorded)"),
                    j.payload
                );
            }
        }
        JobsAction::Scheduled => {
            let defs = scheduler::configured(config).map_err(anyhow::Error::msg)?;
            let stored = scheduler::stored(&db).await?;
            let now = SystemClock.now();
            for d in defs {
                let row = stored.iter().find(|r| r.name == d.name);
                if !d.enabled {
                    println!("{:<16} off (disabled in [schedules])", d.name);
                    continue;
                }
                let next = match row.filter(|r| r.cron == d.cron).and_then(|r| r.next_run_at) {
                    Some(t) => show(t),
                    None => format!(
                        "{} (once a scheduler has started)",
                        show(scheduler::next_after(&d.cron, tz, now).map_err(anyhow::Error::msg)?)
                    ),
                };
                let last = row
                    .and_then(|r| r.last_fired_at)
                    .map(show)
                    .unwrap_or_else(|| "never".into());
                println!(
                    "{:<16} cron \"{}\"  job {}  next {}  last {}",
                    d.name, d.cron, d.kind, next, last
                );
            }
        }
        JobsAction::Retry { id, all_failed } => {
            let now = SystemClock.now();
            match (id, all_failed) {
                (Some(id), _) => {
                    queue::retry(&db, id, now).await?;
                    println!("Job {id} queued again.");
                }
                (None, true) => {
                    let n = queue::retry_all_failed(&db, now).await?;
                    println!("{n} failed job(s) queued again.");
                }
                (None, false) => bail!("give a job id or --all-failed"),
            }
        }
    }
    Ok(())
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or_default();
    let mut cut: String = line.chars().take(120).collect();
    if cut.len() < s.len() {
        cut.push('…');
    }
    cut
}

/// Queues a test message to `address` and delivers it at once, reporting the outcome.
pub async fn send_test_email(config: Config, address: &str) -> anyhow::Result<()> {
    let db = crate::db::connect(&config.database).await?;
    let mailer = Mailer::from_config(&config.email).map_err(anyhow::Error::msg)?;
    let transport = mailer.describe();
    let settings = MailSettings::from_config(&config);
    let assets = Arc::new(crate::web::assets::Assets::load());
    let templates = crate::web::templates::Templates::new(&config, assets);
    let now = SystemClock.now();
    let ctx = minijinja::context! {
        sent_at => settings.local_time(now),
        transport => transport,
        footer => minijinja::context! {
            organisation => settings.organisation,
            contact_email => settings.contact_email,
            website => settings.website,
            site_name => settings.site_name,
        },
    };
    let (text, html) = crate::mail::render_pair(&templates, "test", ctx)?;
    let email = OutgoingEmail {
        from: settings.from.clone(),
        to: vec![address.to_string()],
        cc: Vec::new(),
        reply_to: None,
        subject: format!("{} Test message", settings.subject_prefix)
            .trim()
            .to_string(),
        text,
        html,
        message_id: Some(OutgoingEmail::new_message_id(&settings.from)),
    };
    let txn = crate::db::begin_write(&db).await?;
    let id = crate::mail::enqueue_email(&txn, &email, now).await?;
    txn.commit().await?;
    println!("Queued test e-mail {id} to {address} via {transport}.");

    let worker = Worker::new(
        JobContext {
            db: db.clone(),
            config: Arc::new(config),
            mailer: Arc::new(mailer),
            clock: Arc::new(SystemClock),
        },
        Arc::new(JobRegistry::standard()),
    );
    match worker.run_job(id).await? {
        Some((_, Outcome::Done)) => {
            println!("Delivered: the test e-mail was handed to {transport}.");
            Ok(())
        }
        Some((_, Outcome::Retrying { at, error })) => bail!(
            "Delivery failed: {error}\nThe job stays queued; a running worker retries it at {} (see `service-registry jobs list`).",
            settings.local_time(at)
        ),
        Some((_, Outcome::Failed { error })) => bail!("Delivery failed permanently: {error}"),
        Some((_, other)) => bail!("Delivery did not complete: {other:?}"),
        None => wait_for_other_worker(&db, id).await,
    }
}

/// A running worker claimed the job first: follow it for a while.
async fn wait_for_other_worker(db: &DatabaseConnection, id: uuid::Uuid) -> anyhow::Result<()> {
    println!("A running worker picked the job up; waiting for its result…");
    for _ in 0..60 {
        let j: job::Model = queue::get(db, id).await?.context("the job disappeared")?;
        match j.state.as_str() {
            state::DONE => {
                println!("Delivered by the running worker.");
                return Ok(());
            }
            state::FAILED => bail!(
                "Delivery failed permanently: {}",
                j.last_error.unwrap_or_default()
            ),
            state::QUEUED if j.last_error.is_some() => bail!(
                "Delivery failed: {} (the worker will retry)",
                j.last_error.unwrap_or_default()
            ),
            _ => tokio::time::sleep(std::time::Duration::from_secs(1)).await,
        }
    }
    bail!("No result after 60 s; check `service-registry jobs list`.")
}

/// `worker` / `scheduler`: one role alone, until SIGTERM or Ctrl-C. They never migrate.
pub async fn run_role(
    config: Config,
    roles: crate::jobs::runtime::Roles,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let db = crate::db::connect(&config.database).await?;
    let pending = crate::db::pending_migrations(&db).await?;
    if pending > 0 {
        bail!(
            "the database has {pending} pending migration(s); start the web role (or run `migrate up`) first"
        );
    }
    let bg = crate::jobs::runtime::Background::start(
        Arc::new(config),
        db,
        roles,
        Arc::new(SystemClock),
        Arc::new(JobRegistry::standard()),
    )?;
    shutdown.await;
    bg.shutdown().await;
    tracing::info!("shut down cleanly");
    Ok(())
}

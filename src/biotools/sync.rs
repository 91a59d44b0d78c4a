//! Syncing a submission's bio.tools record: the submission's *current* `biotools_url` decides (empty →
//! the record goes; else the tool is fetched and stored with its functions in one write transaction; a
//! failed fetch keeps the last good data and records the error). Also the polite bulk sync.

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};
use std::time::Duration;
use uuid::Uuid;

use super::client::{BiotoolsClient, Fetched, Validators};
use super::id::BiotoolsId;
use super::repo;

/// What one sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncOutcome {
    /// The tool was fetched and stored; `created` when the submission had no record before.
    Synced {
        biotools_id: String,
        created: bool,
        functions: usize,
    },
    /// The fetch failed; the error is stored on the record (whose data stays as it was).
    Failed {
        biotools_id: String,
        error: String,
        /// Another attempt later may succeed (timeouts, 5xx, 429, connection trouble).
        retryable: bool,
    },
    /// bio.tools answered 304 to the stored validators: the stored data is current and marked synced.
    Unchanged { biotools_id: String },
    /// The URL is empty and the record that existed was removed.
    Removed,
    /// The URL is empty and there was no record.
    NoUrl,
    /// The URL gives no bio.tools id; the error is stored on an existing record, none is created.
    InvalidUrl { error: String },
    /// No such submission (deleted meanwhile).
    NoSubmission,
    /// The URL changed while the tool was fetched; nothing written (the change queued its own sync).
    Superseded,
}

impl SyncOutcome {
    pub fn is_failure(&self) -> bool {
        matches!(self, Self::Failed { .. } | Self::InvalidUrl { .. })
    }
}

/// Syncs one submission from its current `biotools_url`, as of `now`.
pub async fn sync_submission(
    db: &DatabaseConnection,
    client: &BiotoolsClient,
    submission_id: Uuid,
    now: DateTime<Utc>,
) -> Result<SyncOutcome, DbErr> {
    let Some(url) = repo::current_url(db, submission_id).await? else {
        return Ok(SyncOutcome::NoSubmission);
    };
    if url.trim().is_empty() {
        let txn = crate::db::begin_write(db).await?;
        let removed = repo::delete_record(&txn, submission_id).await?;
        txn.commit().await?;
        return Ok(if removed {
            SyncOutcome::Removed
        } else {
            SyncOutcome::NoUrl
        });
    }
    let id = match BiotoolsId::parse(&url) {
        Ok(id) => id,
        Err(error) => {
            let txn = crate::db::begin_write(db).await?;
            if repo::record_of(&txn, submission_id).await?.is_some() {
                repo::mark_error(&txn, submission_id, "", &error, now).await?;
            }
            txn.commit().await?;
            return Ok(SyncOutcome::InvalidUrl { error });
        }
    };
    // Validators only for data of this very tool that a sync stored.
    let known = repo::record_of(db, submission_id)
        .await?
        .filter(|r| r.biotools_id == id.as_str() && r.last_synced_at.is_some())
        .map(|r| Validators {
            etag: r.etag,
            last_modified: r.last_modified,
        })
        .unwrap_or_default();
    let fetched = client.fetch(&id, &known).await;
    let txn = crate::db::begin_write(db).await?;
    // The URL may have changed while we were fetching; the newer change has its own job.
    match repo::current_url(&txn, submission_id).await? {
        Some(now_url) if BiotoolsId::parse(&now_url).ok().as_ref() == Some(&id) => {}
        Some(_) => {
            txn.rollback().await?;
            return Ok(SyncOutcome::Superseded);
        }
        None => {
            txn.rollback().await?;
            return Ok(SyncOutcome::NoSubmission);
        }
    }
    let outcome = match fetched {
        Ok(Fetched::NotModified) => {
            repo::mark_current(&txn, submission_id, now).await?;
            SyncOutcome::Unchanged {
                biotools_id: id.as_str().to_string(),
            }
        }
        Ok(Fetched::Tool { json, validators }) => {
            let entry = super::mapping::map_tool(json);
            let created =
                repo::store_entry(&txn, submission_id, id.as_str(), &entry, &validators, now)
                    .await?;
            SyncOutcome::Synced {
                biotools_id: id.as_str().to_string(),
                created,
                functions: entry.functions.len(),
            }
        }
        Err(e) => {
            let error = e.to_string();
            repo::mark_error(&txn, submission_id, id.as_str(), &error, now).await?;
            SyncOutcome::Failed {
                biotools_id: id.as_str().to_string(),
                error,
                retryable: e.last().is_retryable(),
            }
        }
    };
    txn.commit().await?;
    Ok(outcome)
}

/// What a dry run found for one submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preview {
    /// The tool would be stored (`create` when there is no record yet); `changed` lists the fields that
    /// would change.
    Store {
        biotools_id: String,
        create: bool,
        changed: Vec<&'static str>,
    },
    /// The record would be removed (empty URL).
    Remove,
    /// Nothing to do (no URL, no record, or no such submission).
    Nothing,
    /// The fetch (or the URL) fails; the error would be recorded.
    Error { biotools_id: String, error: String },
}

/// Fetches and maps like [`sync_submission`] but writes nothing.
pub async fn preview_submission(
    db: &DatabaseConnection,
    client: &BiotoolsClient,
    submission_id: Uuid,
) -> Result<Preview, DbErr> {
    let Some(url) = repo::current_url(db, submission_id).await? else {
        return Ok(Preview::Nothing);
    };
    let record = repo::record_of(db, submission_id).await?;
    if url.trim().is_empty() {
        return Ok(if record.is_some() {
            Preview::Remove
        } else {
            Preview::Nothing
        });
    }
    let id = match BiotoolsId::parse(&url) {
        Ok(id) => id,
        Err(error) => {
            return Ok(Preview::Error {
                biotools_id: String::new(),
                error,
            });
        }
    };
    let entry = match client.get_tool(&id).await {
        Ok(entry) => entry,
        Err(e) => {
            return Ok(Preview::Error {
                biotools_id: id.as_str().to_string(),
                error: e.to_string(),
            });
        }
    };
    let Some(r) = record else {
        return Ok(Preview::Store {
            biotools_id: id.as_str().to_string(),
            create: true,
            changed: Vec::new(),
        });
    };
    let mut changed = Vec::new();
    let pairs: [(&'static str, bool); 9] = [
        ("biotools_id", r.biotools_id != id.as_str()),
        ("name", r.name != entry.name),
        ("description", r.description != entry.description),
        ("homepage", r.homepage != entry.homepage),
        ("version", r.version != entry.version),
        ("license", r.license != entry.license),
        ("maturity", r.maturity != entry.maturity),
        ("cost", r.cost != entry.cost),
        ("raw_json", r.raw_json != entry.raw),
    ];
    for (field, differs) in pairs {
        if differs {
            changed.push(field);
        }
    }
    let functions = repo::functions_of(db, r.id).await?;
    if functions.len() != entry.functions.len() {
        changed.push("functions");
    }
    Ok(Preview::Store {
        biotools_id: id.as_str().to_string(),
        create: false,
        changed,
    })
}

/// Totals of a bulk sync.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SyncTotals {
    pub synced: usize,
    pub failed: usize,
    pub removed: usize,
    /// Submissions with nothing to do (URL cleared meanwhile without a record, or deleted).
    pub skipped: usize,
}

impl SyncTotals {
    pub fn add(&mut self, outcome: &SyncOutcome) {
        match outcome {
            SyncOutcome::Synced { .. } | SyncOutcome::Unchanged { .. } => self.synced += 1,
            SyncOutcome::Failed { .. } | SyncOutcome::InvalidUrl { .. } => self.failed += 1,
            SyncOutcome::Removed => self.removed += 1,
            SyncOutcome::NoUrl | SyncOutcome::NoSubmission | SyncOutcome::Superseded => {
                self.skipped += 1
            }
        }
    }
}

/// The pause between two requests of a bulk sync at `rate` requests per second.
pub fn interval(rate: f64) -> Duration {
    if rate.is_finite() && rate > 0.0 {
        Duration::from_secs_f64(1.0 / rate)
    } else {
        Duration::from_millis(500)
    }
}

/// Syncs every submission with a non-empty URL, each from its current id, at most `rate` submissions
/// per second; `each` sees every outcome with the count done and the total (for progress). Failures are recorded and counted, the
/// walk goes on. `now` gives the time stamp of each write.
pub async fn sync_all(
    db: &DatabaseConnection,
    client: &BiotoolsClient,
    rate: f64,
    now: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
    each: &mut (dyn FnMut(usize, usize, Uuid, &SyncOutcome) + Send),
) -> Result<SyncTotals, DbErr> {
    let ids = repo::submissions_with_url(db).await?;
    let total = ids.len();
    let pause = interval(rate);
    let start = tokio::time::Instant::now();
    let mut totals = SyncTotals::default();
    for (i, id) in ids.into_iter().enumerate() {
        if i > 0 {
            tokio::time::sleep_until(start + pause.mul_f64(i as f64)).await;
        }
        let outcome = sync_submission(db, client, id, now()).await?;
        if let SyncOutcome::Failed { error, .. } | SyncOutcome::InvalidUrl { error } = &outcome {
            tracing::warn!(submission = %id, %error, "bio.tools sync failed");
        }
        totals.add(&outcome);
        each(i + 1, total, id, &outcome);
    }
    Ok(totals)
}

//! The data commands: `load-reference-data`, `submission set-status` and `submission issue-key`.

use std::path::Path;

use crate::config::Config;
use crate::state::AppState;

pub(super) async fn load_reference_data(config: &Config, file: &Path) -> anyhow::Result<()> {
    let data = crate::registry::service::read_file(file)?;
    let db = crate::db::connect(&config.database).await?;
    let r = crate::registry::service::load(&db, &data).await?;
    for (kind, c) in [
        ("categories", r.categories),
        ("service centres", r.service_centers),
        ("principal investigators", r.pis),
    ] {
        println!(
            "{kind}: {} created, {} updated, {} unchanged",
            c.created, c.updated, c.unchanged
        );
    }
    Ok(())
}

pub(super) async fn set_status(
    config: Config,
    id: uuid::Uuid,
    status: &str,
    by: &str,
) -> anyhow::Result<()> {
    let db = crate::db::connect(&config.database).await?;
    let state = AppState::new(config, db)?;
    let ctx = crate::submissions::service::Ctx::new(&state);
    let changed = crate::submissions::lifecycle::set_status(
        &state.db,
        &ctx,
        id,
        status,
        &format!("admin:{by}"),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{}",
        if changed {
            format!("Submission {id} is now {status}.")
        } else {
            format!("Submission {id} already was {status}; nothing changed.")
        }
    );
    Ok(())
}

pub(super) async fn issue_key(
    config: &Config,
    id: uuid::Uuid,
    scope: &str,
    label: &str,
    by: &str,
) -> anyhow::Result<()> {
    use crate::auth::api_keys::{SubmissionScope, issue_submission_key};
    let scope = SubmissionScope::parse(scope)
        .ok_or_else(|| anyhow::anyhow!("Unknown scope '{scope}': use read or write."))?;
    let db = crate::db::connect(&config.database).await?;
    if crate::submissions::repo::row(&db, id).await?.is_none() {
        anyhow::bail!("There is no submission {id}.");
    }
    let txn = crate::db::begin_write(&db).await?;
    let (_, key) = issue_submission_key(&txn, id, label, by, scope)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    txn.commit().await?;
    eprintln!(
        "A {} key for submission {id}; it is shown only now:",
        scope.as_str()
    );
    println!("{key}");
    Ok(())
}

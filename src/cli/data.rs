//! The data commands: `load-reference-data` and `submission set-status`.

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

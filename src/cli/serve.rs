//! `serve`: the web server with its in-process worker and scheduler, and the shutdown signal every
//! long-running role waits for.

use anyhow::Context;

use crate::app::{AppState, router};
use crate::config::Config;

pub(super) async fn serve(
    config: Config,
    roles: crate::jobs::runtime::Roles,
) -> anyhow::Result<()> {
    if config.is_dev() {
        eprintln!(
            "\n  DEVELOPMENT MODE: database {}, e-mail to {}, secret key kept in {}.\n  \
             Set ENVIRONMENT=production (see .env.example) for a real deployment.\n",
            config.database.display(),
            config.email.file_path.display(),
            config.data_dir.join("secret_key").display()
        );
    }
    if config.skip_migrate {
        tracing::info!("SKIP_MIGRATE=true: not applying migrations");
    } else {
        let applied = crate::app::prepare_database(&config.database, None).await?;
        tracing::info!(applied, "database migrations and roles up to date");
    }
    let db = crate::db::connect(&config.database).await?;
    let bind = config.bind.clone();
    let state = AppState::build(config, db).await?;
    spawn_index_refresh(state.clone());
    let background = crate::jobs::runtime::Background::start(
        state.config.clone(),
        state.db.clone(),
        roles,
        state.clock.clone(),
        std::sync::Arc::new(crate::jobs::JobRegistry::standard()),
    )?;
    let app = router(state);
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    tracing::info!(address = %bind, "listening on http://{bind}/");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    background.shutdown().await;
    tracing::info!("shut down cleanly");
    Ok(())
}

/// Syncs run in the worker or another process: reload the in-memory EDAM index every two minutes.
fn spawn_index_refresh(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(120));
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = state.edam.rebuild(&state.db).await {
                tracing::warn!(error = %e, "EDAM index refresh failed; keeping the previous index");
            }
        }
    });
}

/// Resolves on Ctrl-C or SIGTERM so in-flight requests can finish.
pub(super) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received, finishing in-flight requests");
}

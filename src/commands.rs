//! What each command-line command does; `main.rs` only parses arguments and reports errors.

use anyhow::{Context, bail};
use std::io::{IsTerminal, Write};

use crate::app::{AppState, router};
use crate::auth::{roles, users};
use crate::cli::{Cli, Command, MigrateAction};
use crate::config::{Config, LogFormat, Overrides};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let overrides = Overrides {
        bind: match &cli.command {
            Command::Serve { bind, .. } => Some(bind.clone()),
            _ => None,
        },
        data_dir: cli.global.data_dir.clone(),
        site_config: cli.global.site_config.clone(),
    };
    if let Command::Healthcheck { url } = &cli.command {
        return healthcheck(url).await;
    }
    let config = Config::from_process_env(&overrides)?;
    init_tracing(&config);
    match cli.command {
        Command::Serve {
            no_worker,
            no_scheduler,
            ..
        } => {
            let roles = crate::jobs::runtime::Roles {
                worker: !no_worker,
                scheduler: !no_scheduler,
            };
            serve(config, roles).await
        }
        Command::Worker => {
            let roles = crate::jobs::runtime::Roles {
                worker: true,
                scheduler: false,
            };
            crate::jobs::commands::run_role(config, roles, shutdown_signal()).await
        }
        Command::Scheduler => {
            let roles = crate::jobs::runtime::Roles {
                worker: false,
                scheduler: true,
            };
            crate::jobs::commands::run_role(config, roles, shutdown_signal()).await
        }
        Command::Jobs { action } => crate::jobs::commands::jobs(&config, action).await,
        Command::SendTestEmail { address } => {
            crate::jobs::commands::send_test_email(config, &address).await
        }
        Command::Migrate { action } => migrate(&config, action).await,
        Command::CreateSuperuser {
            username,
            email,
            no_input,
        } => create_superuser(&config, username, email, no_input).await,
        Command::SetupGroups { dry_run, list } => setup_groups(&config, dry_run, list).await,
        Command::LoadReferenceData { file } => {
            let data = crate::registry::service::read_file(&file)?;
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
        Command::SyncEdam {
            url,
            file,
            branch,
            dry_run,
        } => {
            let source = source_arg(url, file, &config.edam_owl_url);
            crate::commands_sync::sync_edam(&config, &source, &branch, dry_run).await
        }
        Command::SyncLicenses { url, file, dry_run } => {
            let source = source_arg(url, file, &config.spdx_licenses_url);
            crate::commands_sync::sync_licenses(&config, &source, dry_run).await
        }
        Command::Edam {
            action: crate::cli::EdamAction::Stats,
        } => crate::commands_sync::edam_stats(&config).await,
        Command::AdminKey { action } => crate::auth::admin_key_cli::run(&config, action).await,
        Command::Submission {
            action: crate::cli::SubmissionAction::SetStatus { id, status, by },
        } => {
            let db = crate::db::connect(&config.database).await?;
            let state = AppState::new(config, db)?;
            let ctx = crate::submissions::service::Ctx::new(&state);
            let changed = crate::submissions::lifecycle::set_status(
                &state.db,
                &ctx,
                id,
                &status,
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
        Command::CheckConfig => {
            for (k, v) in config.redacted_summary() {
                println!("{k} = {v}");
            }
            println!("Configuration OK.");
            Ok(())
        }
        Command::Healthcheck { .. } => Ok(()),
    }
}

fn init_tracing(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    // Colour codes only for a terminal: in a log file they are noise (and bytes).
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
}

async fn serve(config: Config, roles: crate::jobs::runtime::Roles) -> anyhow::Result<()> {
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

/// `--url` / `--file` / configured default, in that order.
fn source_arg(url: Option<String>, file: Option<std::path::PathBuf>, configured: &str) -> String {
    url.or_else(|| file.map(|f| f.display().to_string()))
        .unwrap_or_else(|| configured.to_string())
}

/// Resolves on Ctrl-C or SIGTERM so in-flight requests can finish.
async fn shutdown_signal() {
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

async fn migrate(config: &Config, action: MigrateAction) -> anyhow::Result<()> {
    match action {
        MigrateAction::Up => {
            let n = crate::app::prepare_database(&config.database, None).await?;
            println!("Applied {n} migration(s); roles and built-in reference lists are in place.");
        }
        MigrateAction::Down { steps, all } => {
            let steps = if all { None } else { Some(steps) };
            crate::db::migrate_down(&config.database, None, steps).await?;
            println!(
                "Rolled back {}.",
                steps.map_or("all migrations".into(), |n| format!("{n} migration(s)"))
            );
        }
        MigrateAction::Status => {
            let db = crate::db::connect(&config.database).await?;
            for (name, applied) in crate::db::migration_status(&db).await? {
                println!("{} {name}", if applied { "[applied]" } else { "[pending]" });
            }
        }
    }
    Ok(())
}

async fn setup_groups(config: &Config, dry_run: bool, list: bool) -> anyhow::Result<()> {
    let db = crate::db::connect(&config.database).await?;
    if list {
        for (name, perms) in roles::list_groups(&db).await? {
            match perms {
                None => println!("{name}: NOT CREATED (run setup-groups)"),
                Some(p) => {
                    println!("{name} ({} permissions)", p.len());
                    for c in p {
                        println!("  {c}");
                    }
                }
            }
        }
        return Ok(());
    }
    for change in roles::sync_groups(&db, dry_run).await? {
        println!("{}", change.group);
        match (change.created, dry_run) {
            (true, true) => println!("  [DRY RUN] Would create group."),
            (true, false) => println!("  Created group."),
            (false, _) => println!("  Group already exists."),
        }
        if change.added.is_empty() && change.removed.is_empty() {
            println!("  ✓ Permissions already match — nothing to do.");
            continue;
        }
        let prefix = if dry_run { "  [DRY RUN] " } else { "  " };
        for c in &change.added {
            println!("{prefix}+ {c}");
        }
        for c in &change.removed {
            println!("{prefix}- {c}");
        }
        if !dry_run {
            println!(
                "  ✓ Applied: +{} added, -{} removed.",
                change.added.len(),
                change.removed.len()
            );
        }
    }
    println!(
        "{}",
        if dry_run {
            "Dry run complete — no changes made."
        } else {
            "All groups are up to date."
        }
    );
    Ok(())
}

async fn create_superuser(
    config: &Config,
    username: Option<String>,
    email: Option<String>,
    no_input: bool,
) -> anyhow::Result<()> {
    let interactive = !no_input && std::io::stdin().is_terminal();
    let username = match username {
        Some(u) => u,
        None if interactive => prompt("Username: ")?,
        None => bail!("--username (or SUPERUSER_USERNAME) is required with --no-input"),
    };
    let email = match email {
        Some(e) => e,
        None if interactive => prompt("E-mail address (optional): ")?,
        None => String::new(),
    };
    let password = if interactive {
        let p1 = rpassword::prompt_password("Password: ")?;
        let p2 = rpassword::prompt_password("Password (again): ")?;
        if p1 != p2 {
            bail!("The two passwords differ.");
        }
        p1
    } else {
        std::env::var("SUPERUSER_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty())
            .context("SUPERUSER_PASSWORD must be set for a non-interactive create-superuser")?
    };
    let db = crate::db::connect(&config.database).await?;
    let user = users::create(
        &db,
        users::NewUser {
            username: &username,
            email: &email,
            password: &password,
            is_superuser: true,
        },
    )
    .await?;
    println!("Superuser '{}' created.", user.username);
    Ok(())
}

/// Prompts go to standard error, like every message meant for people (standard output is for results).
fn prompt(label: &str) -> anyhow::Result<String> {
    eprint!("{label}");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim().to_string())
}

/// A minimal HTTP/1.1 GET of `/health/ready/` (container images have no curl).
async fn healthcheck(base: &str) -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = url::Url::parse(base).context("invalid --url")?;
    if url.scheme() != "http" {
        bail!(
            "healthcheck speaks plain HTTP to the local server; got {}",
            url.scheme()
        );
    }
    let host = url.host_str().context("--url has no host")?.to_string();
    let port = url.port_or_known_default().unwrap_or(80);
    let fut = async {
        let mut stream = tokio::net::TcpStream::connect((host.as_str(), port)).await?;
        let req = format!(
            "GET /health/ready/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nUser-Agent: service-registry-healthcheck\r\n\r\n"
        );
        stream.write_all(req.as_bytes()).await?;
        let mut buf = Vec::new();
        stream.read_to_end(&mut buf).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&buf).to_string())
    };
    let text = tokio::time::timeout(std::time::Duration::from_secs(5), fut)
        .await
        .context("timed out")??;
    let status_line = text.lines().next().unwrap_or_default();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    if status_line.split_whitespace().nth(1) == Some("200") {
        println!("ready: {body}");
        Ok(())
    } else {
        bail!("not ready: {status_line} {body}")
    }
}

//! Runs the parsed command (`main.rs` only parses arguments and reports errors): the dispatch, logging
//! set-up, and the small commands that fit in a few lines (`check-config`, `submission set-status`).

use std::io::IsTerminal;

use super::admin::{create_superuser, healthcheck, migrate, setup_groups};
use super::data::{load_reference_data, set_status};
use super::serve::{serve, shutdown_signal};
use crate::cli::{Cli, Command};
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
    crate::app::check_patterns()?;
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
            super::jobs::run_role(config, roles, shutdown_signal()).await
        }
        Command::Scheduler => {
            let roles = crate::jobs::runtime::Roles {
                worker: false,
                scheduler: true,
            };
            super::jobs::run_role(config, roles, shutdown_signal()).await
        }
        Command::Jobs { action } => super::jobs::jobs(&config, action).await,
        Command::SendTestEmail { address } => super::jobs::send_test_email(config, &address).await,
        Command::Migrate { action } => migrate(&config, action).await,
        Command::CreateSuperuser {
            username,
            email,
            no_input,
        } => create_superuser(&config, username, email, no_input).await,
        Command::CreateUser {
            username,
            email,
            roles,
            superuser,
            no_input,
        } => {
            super::admin::create_user(
                &config,
                super::admin::NewStaff {
                    username,
                    email,
                    roles,
                    superuser,
                    no_input,
                },
            )
            .await
        }
        Command::SetupGroups { dry_run, list } => setup_groups(&config, dry_run, list).await,
        Command::LoadReferenceData { file } => load_reference_data(&config, &file).await,
        Command::SyncEdam {
            url,
            file,
            branch,
            dry_run,
        } => {
            let source = source_arg(url, file, &config.edam_owl_url);
            super::sync::sync_edam(&config, &source, &branch, dry_run).await
        }
        Command::SyncLicenses { url, file, dry_run } => {
            let source = source_arg(url, file, &config.spdx_licenses_url);
            super::sync::sync_licenses(&config, &source, dry_run).await
        }
        Command::SyncBiotools {
            submission,
            dry_run,
            errors,
        } => super::biotools::sync_biotools(&config, submission, dry_run, errors).await,
        Command::Edam {
            action: crate::cli::EdamAction::Stats,
        } => super::sync::edam_stats(&config).await,
        Command::AdminKey { action } => super::admin_key::run(&config, action).await,
        Command::Submission {
            action: crate::cli::SubmissionAction::SetStatus { id, status, by },
        } => set_status(config, id, &status, &by).await,
        Command::Submission {
            action:
                crate::cli::SubmissionAction::IssueKey {
                    id,
                    scope,
                    label,
                    by,
                },
        } => super::data::issue_key(&config, id, &scope, &label, &by).await,
        Command::Backup { out } => super::ops::backup(&config, &out).await,
        Command::Restore { from, force } => super::ops::restore(&config, &from, force).await,
        Command::Db {
            action: crate::cli::DbAction::Copy { from, to },
        } => super::ops::db_copy(&from, &to).await,
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

/// `--url` / `--file` / configured default, in that order.
fn source_arg(url: Option<String>, file: Option<std::path::PathBuf>, configured: &str) -> String {
    url.or_else(|| file.map(|f| f.display().to_string()))
        .unwrap_or_else(|| configured.to_string())
}

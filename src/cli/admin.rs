//! The administration commands: `migrate`, `setup-groups`, `create-superuser`, `create-user`, `healthcheck`.

use anyhow::{Context, bail};
use std::io::{IsTerminal, Write};

use crate::auth::{roles, users};
use crate::cli::MigrateAction;
use crate::config::Config;

pub(super) async fn migrate(config: &Config, action: MigrateAction) -> anyhow::Result<()> {
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

pub(super) async fn setup_groups(config: &Config, dry_run: bool, list: bool) -> anyhow::Result<()> {
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

pub(super) async fn create_superuser(
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

/// What `create-user` was asked for.
pub(super) struct NewStaff {
    pub username: Option<String>,
    pub email: Option<String>,
    pub roles: Vec<String>,
    pub superuser: bool,
    pub no_input: bool,
}

/// `create-user`: a staff user with roles, in one transaction (a bad role creates nobody).
pub(super) async fn create_user(config: &Config, new: NewStaff) -> anyhow::Result<()> {
    let interactive = !new.no_input && std::io::stdin().is_terminal();
    let username = match new.username {
        Some(u) => u,
        None if interactive => prompt("Username: ")?,
        None => bail!("--username is required with --no-input"),
    };
    let email = new.email.unwrap_or_default();
    let password = if interactive {
        let p1 = rpassword::prompt_password("Password: ")?;
        let p2 = rpassword::prompt_password("Password (again): ")?;
        if p1 != p2 {
            bail!("The two passwords differ.");
        }
        p1
    } else {
        std::env::var("STAFF_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty())
            .context("STAFF_PASSWORD must be set for a non-interactive create-user")?
    };
    let db = crate::db::connect(&config.database).await?;
    roles::sync_groups(&db, false).await?;
    let txn = sea_orm::TransactionTrait::begin(&db).await?;
    let user = users::create(
        &txn,
        users::NewUser {
            username: &username,
            email: &email,
            password: &password,
            is_superuser: new.superuser,
        },
    )
    .await?;
    for role in &new.roles {
        users::add_to_group(&txn, user.id, role).await?;
    }
    txn.commit().await?;
    println!(
        "Staff user '{}' created{}{}.",
        user.username,
        if new.superuser { " (superuser)" } else { "" },
        if new.roles.is_empty() {
            String::new()
        } else {
            format!(" with roles: {}", new.roles.join(", "))
        }
    );
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
pub(super) async fn healthcheck(base: &str) -> anyhow::Result<()> {
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

//! `service-registry admin-key create|list|revoke`: operators manage admin API keys from the shell.
//! The plaintext is printed once by `create` (alone on standard output; messages go to standard error)
//! and never again; `list` never shows hashes.

use clap::{Subcommand, ValueEnum};
use uuid::Uuid;

use crate::auth::api_keys::{self, AdminScope};
use crate::config::Config;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ScopeArg {
    /// GET only.
    Read,
    /// Every method.
    Full,
}

#[derive(Debug, Subcommand)]
pub enum AdminKeyAction {
    /// Create a key and print it once, alone on standard output (it cannot be shown again).
    Create {
        /// `read` (GET only) or `full` (everything).
        #[arg(long, value_enum)]
        scope: ScopeArg,
        /// What the key is for; shown in `list` and recorded in the change log as `api:<label>`.
        #[arg(long)]
        label: String,
    },
    /// List keys: id, label, scope, active, created, last used (never the key or its hash).
    List,
    /// Revoke a key by id; takes effect on the next request. The row is kept for the audit trail.
    Revoke {
        /// The key's id, as shown by `list`.
        id: Uuid,
    },
}

pub async fn run(config: &Config, action: AdminKeyAction) -> anyhow::Result<()> {
    let db = crate::db::connect(&config.database).await?;
    let tz = config.time_zone;
    let show = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
    };
    match action {
        AdminKeyAction::Create { scope, label } => {
            let scope = match scope {
                ScopeArg::Read => AdminScope::Read,
                ScopeArg::Full => AdminScope::Full,
            };
            let created_by = std::env::var("USER").unwrap_or_else(|_| "cli".into());
            let (row, plaintext) =
                api_keys::issue_admin_key(&db, &label, scope, &format!("cli:{created_by}")).await?;
            // Standard output carries the key alone, so `KEY=$(service-registry admin-key create …)`
            // captures exactly it; everything meant for people goes to standard error.
            eprintln!(
                "Created admin key {} ({scope}, label '{}').",
                row.id, row.label
            );
            eprintln!(
                "WARNING: copy this key now; it is stored only as a hash and cannot be shown again."
            );
            eprintln!("Use it as: Authorization: AdminKey <key>");
            println!("{plaintext}");
        }
        AdminKeyAction::List => {
            let rows = api_keys::list_admin_keys(&db).await?;
            if rows.is_empty() {
                println!("No admin keys.");
            }
            for k in rows {
                println!(
                    "{}  {:<5}  {:<8}  created {}  last used {}  {}",
                    k.id,
                    k.scope,
                    if k.is_active { "active" } else { "revoked" },
                    show(k.created_at),
                    k.last_used_at.map(show).unwrap_or_else(|| "never".into()),
                    k.label,
                );
            }
        }
        AdminKeyAction::Revoke { id } => {
            if api_keys::revoke_admin_key(&db, id).await? {
                println!("Revoked admin key {id}.");
            } else {
                println!("Admin key {id} was already revoked.");
            }
        }
    }
    Ok(())
}

//! The command line: `service-registry <command>`; each command's `--help` explains it to a newcomer.
//! The arguments are declared here, what each command does in one file per command group.

mod admin;
mod admin_key;
mod biotools;
mod data;
mod jobs;
mod ops;
mod run;
mod serve;
mod sync;

pub use admin_key::{AdminKeyAction, ScopeArg};
pub use jobs::JobsAction;
pub use run::run;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "service-registry",
    version,
    about = "Service Registration Platform: register, review and publish bioinformatics services.",
    long_about = "Service Registration Platform: register, review and publish bioinformatics services.\n\n\
        With no configuration at all, `service-registry serve` runs in development mode: SQLite under \
        ./data/, e-mail written to ./data/outbox/, listening on http://127.0.0.1:8000.\n\
        Configuration lives in `.env` (secrets, environment; see .env.example) and `config/site.toml` \
        (branding, contact, feature flags)."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Directory for the embedded default's files (SQLite database, secret key, outbox).
    #[arg(long, global = true, env = "DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Path of the site configuration file.
    #[arg(long, global = true, env = "SITE_CONFIG", value_name = "FILE")]
    pub site_config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (migrating the database first unless SKIP_MIGRATE=true).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "BIND", value_name = "ADDR", default_value = crate::config::DEFAULT_BIND)]
        bind: String,
        /// Do not run the job worker in this process (run `worker` separately).
        #[arg(long, env = "SERVE_NO_WORKER")]
        no_worker: bool,
        /// Do not run the scheduler in this process (run `scheduler` separately).
        #[arg(long, env = "SERVE_NO_SCHEDULER")]
        no_scheduler: bool,
    },
    /// Run only the background job worker (split deployments; never migrates).
    Worker,
    /// Run only the scheduler that queues the periodic jobs (split deployments; never migrates).
    Scheduler,
    /// Inspect and retry background jobs.
    Jobs {
        #[command(subcommand)]
        action: JobsAction,
    },
    /// Queue a test e-mail to ADDRESS and deliver it now, reporting success or the error.
    SendTestEmail {
        /// Recipient address.
        address: String,
    },
    /// Apply, roll back or list database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Create a staff superuser (asks for missing values unless --no-input).
    CreateSuperuser {
        /// Login name (env SUPERUSER_USERNAME).
        #[arg(long, env = "SUPERUSER_USERNAME")]
        username: Option<String>,
        /// E-mail address (env SUPERUSER_EMAIL).
        #[arg(long, env = "SUPERUSER_EMAIL")]
        email: Option<String>,
        /// Read the password from SUPERUSER_PASSWORD instead of prompting; never pass it as an argument.
        #[arg(long)]
        no_input: bool,
    },
    /// Create an active staff user with roles (or a superuser); asks for missing values unless --no-input.
    CreateUser {
        /// Login name.
        #[arg(long)]
        username: Option<String>,
        /// E-mail address.
        #[arg(long)]
        email: Option<String>,
        /// A role to give ("Registry Viewer", "Registry Editor", "Registry Manager"); repeatable.
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// Make the user a superuser.
        #[arg(long)]
        superuser: bool,
        /// Read the password from STAFF_PASSWORD instead of prompting; never pass it as an argument.
        #[arg(long)]
        no_input: bool,
    },
    /// Create or update the roles Registry Viewer, Editor and Manager with their exact permissions.
    SetupGroups {
        /// Show what would change without writing anything.
        #[arg(long)]
        dry_run: bool,
        /// Print each role's permissions and exit.
        #[arg(long)]
        list: bool,
    },
    /// Load service categories, service centres and PIs from a JSON file (idempotent).
    LoadReferenceData {
        /// JSON file with "categories", "service_centers" and "pis" lists (see data/reference-data.example.json).
        file: PathBuf,
    },
    /// Update the EDAM terms from a release (OWL or TSV); vanished terms become obsolete, never deleted.
    ///
    /// Source precedence: --url/--file, then EDAM_OWL_URL, then site.toml [edam] owl_url, then the
    /// official stable release URL.
    SyncEdam {
        /// HTTP(S) URL of an EDAM release.
        #[arg(long, conflicts_with = "file")]
        url: Option<String>,
        /// Local EDAM release file (.owl, .tsv, optionally gzip-compressed).
        #[arg(long)]
        file: Option<PathBuf>,
        /// Only this branch: all, topic, operation, data, format or identifier. Only "all" obsoletes.
        #[arg(long, default_value = "all")]
        branch: String,
        /// Report what would change without writing anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// Update the SPDX licence list from SPDX's licenses.json (URL or file).
    SyncLicenses {
        /// HTTP(S) URL of licenses.json (default: SPDX_LICENSES_URL or site.toml [licenses] url).
        #[arg(long, conflicts_with = "file")]
        url: Option<String>,
        /// Local licenses.json file.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Report what would change without writing anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// Sync bio.tools records from each submission's current bio.tools URL (empty URL → record removed).
    ///
    /// Without flags every submission with a URL, at most BIOTOOLS_SYNC_RATE requests per second.
    SyncBiotools {
        /// Only this submission (UUID).
        #[arg(long, value_name = "ID")]
        submission: Option<uuid::Uuid>,
        /// Fetch and map, print what would change, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Only list the records whose last sync failed (biotools id, submission, error, last synced).
        #[arg(long, conflicts_with_all = ["submission", "dry_run"])]
        errors: bool,
    },
    /// Operate on one submission (status transitions for operators and scripts).
    Submission {
        #[command(subcommand)]
        action: SubmissionAction,
    },
    /// EDAM terms in the database: per-branch counts, obsolete count, release version.
    Edam {
        #[command(subcommand)]
        action: EdamAction,
    },
    /// Create, list and revoke admin API keys (`Authorization: AdminKey <key>`).
    AdminKey {
        #[command(subcommand)]
        action: AdminKeyAction,
    },
    /// Write a backup: a consistent database snapshot (SQLite online backup, or pg_dump for
    /// PostgreSQL), the media files and a manifest with SHA-256 checksums (docs/backups.md).
    ///
    /// Safe while the server runs. DIR must not exist yet (or be empty).
    Backup {
        /// Directory to create for the backup.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Restore a backup made by `backup` into the configured database and MEDIA_ROOT (stop the
    /// server first). Checks every checksum before writing anything.
    Restore {
        /// The backup directory (with manifest.json).
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
        /// Replace a database or media directory that already holds data.
        #[arg(long)]
        force: bool,
    },
    /// Database utilities (copying the embedded SQLite database to PostgreSQL).
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Print the effective configuration with secrets redacted, and check it.
    CheckConfig,
    /// Ask a running server's readiness endpoint; exit 0 when ready (for container health checks).
    Healthcheck {
        /// Base URL of the server.
        #[arg(long, default_value = "http://127.0.0.1:8000")]
        url: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SubmissionAction {
    /// Move a submission to a status (draft, submitted, under_review, approved, rejected, deprecated);
    /// leaving `approved` clears its maturity tags. Writes the change log and queues the status e-mail.
    SetStatus {
        /// Submission id (UUID).
        id: uuid::Uuid,
        status: String,
        /// Who did it, recorded in the change log as `admin:<USER>`.
        #[arg(long)]
        by: String,
    },
    /// Issue a new key for a submission and print it once (e.g. a read-only key for a dashboard, or a
    /// write key for a submitter who lost theirs and cannot receive the recovery e-mail).
    IssueKey {
        /// Submission id (UUID).
        id: uuid::Uuid,
        /// `read` (look only) or `write` (may also change the registration).
        #[arg(long, default_value = "write")]
        scope: String,
        #[arg(long, default_value = "Issued by an operator")]
        label: String,
        /// Who issued it (stored with the key).
        #[arg(long)]
        by: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DbAction {
    /// Copy every table of an SQLite database into a new, empty PostgreSQL database (migrated by this
    /// command), in one transaction, with each table's row count verified.
    Copy {
        /// Source database, e.g. sqlite://data/registry.sqlite3 (read as one snapshot; what is written
        /// after the copy starts is not in it).
        #[arg(long, value_name = "URL")]
        from: String,
        /// Target database, e.g. postgres://user:password@host:5432/registry (must be empty).
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum EdamAction {
    /// Terms per branch, obsolete terms and the release version.
    Stats,
}

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply all pending migrations.
    Up,
    /// Roll back the last N migrations (default 1).
    Down {
        #[arg(default_value_t = 1)]
        steps: u32,
        /// Roll back every migration (drops all tables).
        #[arg(long, conflicts_with = "steps")]
        all: bool,
    },
    /// List migrations and whether each is applied.
    Status,
}

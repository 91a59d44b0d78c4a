//! Effective configuration: environment (`.env` + process) layered over `config/site.toml` and built-in defaults.
//!
//! Precedence for every key: environment variable > `site.toml` > default. Any secret may come from
//! `<NAME>_FILE`. With no configuration at all the registry runs in development mode on SQLite.

mod database;
mod env;
mod load;
mod secret;
pub mod site;
mod summary;

pub use database::{DatabaseConfig, RedisConfig, redact_url};
pub use env::EnvSource;
pub use secret::Secret;
pub use site::SiteConfig;

use std::net::IpAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Development,
    Production,
}

#[derive(Debug, Clone)]
pub struct EmailConfig {
    /// `smtp`, `file` or `memory`.
    pub backend: String,
    pub host: String,
    pub port: u16,
    pub use_tls: bool,
    pub user: String,
    pub password: Secret,
    pub from: String,
    pub notify_cc: Vec<String>,
    pub notify_override: String,
    pub file_path: PathBuf,
}

#[derive(Debug, Clone)]
pub struct RateLimits {
    pub submit: String,
    pub update: String,
    pub challenge: String,
    pub validate: String,
    pub recover: String,
    pub biotools: String,
    pub api: String,
    pub api_anon: String,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    pub debug: bool,
    pub bind: String,
    pub data_dir: PathBuf,
    /// Uploaded files (logos): `MEDIA_ROOT`, else `<DATA_DIR>/media`.
    pub media_root: PathBuf,
    /// Bearer token `/metrics` requires (`METRICS_TOKEN`); empty: the endpoint is open (keep it
    /// unreachable from outside, e.g. at the reverse proxy).
    pub metrics_token: Secret,
    pub site_path: PathBuf,
    pub templates_dir: Option<PathBuf>,
    pub site: SiteConfig,
    pub secret_key: Secret,
    pub database: DatabaseConfig,
    pub redis: Option<RedisConfig>,
    pub skip_migrate: bool,
    pub time_zone: chrono_tz::Tz,
    pub allowed_hosts: Vec<String>,
    pub forwarded_allow_ips: Vec<IpAddr>,
    pub admin_url_prefix: String,
    pub logo_url: String,
    pub edam_owl_url: String,
    pub spdx_licenses_url: String,
    /// Base of the bio.tools REST API (`BIOTOOLS_API_URL` > `site.toml [biotools] api_url`), no trailing `/`.
    pub biotools_api_url: String,
    /// bio.tools requests per second for the bulk sync (`BIOTOOLS_SYNC_RATE`, default 2).
    pub biotools_sync_rate: f64,
    /// Per-attempt timeout of bio.tools requests in milliseconds (`BIOTOOLS_TIMEOUT_MS`; default: the
    /// client's 30 s per attempt, 10 s between bytes).
    pub biotools_timeout_ms: Option<u64>,
    /// First retry delay of the bio.tools client in milliseconds (`BIOTOOLS_RETRY_BACKOFF_MS`; default 500).
    pub biotools_retry_backoff_ms: Option<u64>,
    pub hsts_seconds: u64,
    /// Production only: plain-HTTP requests are redirected (301) to https (`SECURE_SSL_REDIRECT`).
    pub secure_ssl_redirect: bool,
    pub secure_cookies: bool,
    pub session_cookie_age: u64,
    pub altcha_hmac_key: Secret,
    pub login_failure_limit: u32,
    pub login_cooloff_minutes: u32,
    pub rate_limits: RateLimits,
    pub email: EmailConfig,
    pub api_page_size: u64,
    pub api_max_page_size: u64,
    pub cors_allowed_origins: Vec<String>,
    pub cors_allow_credentials: bool,
    pub max_body_bytes: usize,
    pub log_format: LogFormat,
    /// Jobs one worker process runs at the same time (`WORKER_CONCURRENCY`).
    pub worker_concurrency: usize,
    /// One compact access-log line per response (tracing target `access`); `LOG_REQUESTS=false` turns it off.
    pub log_requests: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Start-up configuration errors; the message always names the variable or file at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "Required environment variable '{0}' is not set (or is empty). Copy .env.example to .env and fill in all required values."
    )]
    Missing(&'static str),
    #[error("Cannot read secret file for '{key}': {cause}")]
    SecretFile { key: String, cause: String },
    #[error("Invalid value for '{key}': {cause}")]
    Invalid { key: String, cause: String },
    #[error("Invalid site configuration {0}")]
    Site(String),
    #[error("Cannot prepare data directory {path}: {cause}")]
    DataDir { path: String, cause: String },
}

/// Overrides given on the command line (they win over the environment).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub site_config: Option<PathBuf>,
}

pub const DEFAULT_BIND: &str = "127.0.0.1:8000";

impl Config {
    /// Builds the configuration from the process environment (after loading `.env`).
    pub fn from_process_env(overrides: &Overrides) -> Result<Self, ConfigError> {
        Self::load(&EnvSource::process(), overrides)
    }

    pub fn is_dev(&self) -> bool {
        self.mode == Mode::Development
    }
}

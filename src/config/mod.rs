//! Effective configuration: environment (`.env` + process) layered over `config/site.toml` and built-in defaults.
//!
//! Precedence for every key: environment variable > `site.toml` > default. Any secret may come from
//! `<NAME>_FILE`. With no configuration at all the registry runs in development mode on SQLite.

mod env;
pub mod site;

pub use env::EnvSource;
pub use site::SiteConfig;

use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// A value that must never be printed or logged.
#[derive(Clone, Default, PartialEq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"***\"" })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Development,
    Production,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DatabaseConfig {
    Sqlite { path: PathBuf },
    Postgres { url: Secret, display: String },
}

impl DatabaseConfig {
    pub fn url(&self) -> String {
        match self {
            Self::Sqlite { path } => format!("sqlite://{}?mode=rwc", path.display()),
            Self::Postgres { url, .. } => url.expose().to_string(),
        }
    }
    /// The URL with any password replaced, for logs and `check-config`.
    pub fn display(&self) -> String {
        match self {
            Self::Sqlite { path } => format!("sqlite://{}", path.display()),
            Self::Postgres { display, .. } => display.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RedisConfig {
    pub url: Secret,
    pub display: String,
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

    /// Builds the configuration from an explicit environment (tests use this; nothing global is touched
    /// except creating the data directory and, in development mode, its secret-key file).
    pub fn load(env: &EnvSource, overrides: &Overrides) -> Result<Self, ConfigError> {
        let data_dir = overrides
            .data_dir
            .clone()
            .or_else(|| env.get("DATA_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("./data"));
        let site_path = overrides
            .site_config
            .clone()
            .or_else(|| env.get("SITE_CONFIG").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("config/site.toml"));
        let (site, source) = SiteConfig::load(&site_path).map_err(ConfigError::Site)?;
        if matches!(source, site::SiteSource::Missing) {
            eprintln!(
                "WARNING: {} not found. Using built-in defaults for branding, contact and feature flags.",
                site_path.display()
            );
        }

        let postgres_configured = env
            .get("DATABASE_URL")
            .is_some_and(|u| u.starts_with("postgres"))
            || env.get("DB_HOST").is_some();
        let mode = match env.get("ENVIRONMENT").as_deref() {
            Some("production") | Some("prod") => Mode::Production,
            Some("development") | Some("dev") => Mode::Development,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    key: "ENVIRONMENT".into(),
                    cause: format!("'{other}' is neither 'development' nor 'production'"),
                });
            }
            // A PostgreSQL deployment is never "no configuration": treat it as production.
            None if postgres_configured => Mode::Production,
            None => Mode::Development,
        };
        let dev = mode == Mode::Development;
        let debug = env.bool("DEBUG")?.unwrap_or(dev);

        // Checked in the original's order so the first message names the first missing secret.
        let secret_key = match env.secret("SECRET_KEY")? {
            Some(s) => s,
            None if dev => dev_secret_key(&data_dir)?,
            None => return Err(ConfigError::Missing("SECRET_KEY")),
        };

        let database = database_config(env, &data_dir, dev)?;
        let redis = redis_config(env, dev)?;

        let tz_name = env
            .get("TIME_ZONE")
            .unwrap_or_else(|| "Europe/Berlin".into());
        let time_zone: chrono_tz::Tz = tz_name.parse().map_err(|_| ConfigError::Invalid {
            key: "TIME_ZONE".into(),
            cause: format!("unknown time zone '{tz_name}'"),
        })?;

        let forwarded_allow_ips = env
            .list("FORWARDED_ALLOW_IPS")
            .unwrap_or_else(|| vec!["127.0.0.1".into()])
            .into_iter()
            .map(|ip| {
                ip.parse::<IpAddr>().map_err(|_| ConfigError::Invalid {
                    key: "FORWARDED_ALLOW_IPS".into(),
                    cause: format!("'{ip}' is not an IP address"),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;

        let admin_url_prefix = env
            .get("ADMIN_URL_PREFIX")
            .unwrap_or_else(|| site.admin.url_prefix.clone())
            .trim_matches('/')
            .to_string();
        if admin_url_prefix.is_empty()
            || !admin_url_prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ConfigError::Invalid {
                key: "ADMIN_URL_PREFIX".into(),
                cause: "use letters, digits, '-' and '_' only".into(),
            });
        }

        let email = EmailConfig {
            backend: env
                .get("EMAIL_BACKEND")
                .unwrap_or_else(|| if dev { "file" } else { "smtp" }.into()),
            host: env.get("EMAIL_HOST").unwrap_or_else(|| "localhost".into()),
            port: env.parse("EMAIL_PORT")?.unwrap_or(587),
            use_tls: env.bool("EMAIL_USE_TLS")?.unwrap_or(true),
            user: env.get("EMAIL_HOST_USER").unwrap_or_default(),
            password: env.secret("EMAIL_HOST_PASSWORD")?.unwrap_or_default(),
            from: env
                .get("EMAIL_FROM")
                .unwrap_or_else(|| site.email.from_address.clone()),
            notify_cc: env.list("SUBMISSION_NOTIFY_CC").unwrap_or_default(),
            notify_override: env.get("SUBMISSION_NOTIFY_OVERRIDE").unwrap_or_default(),
            file_path: env
                .get("EMAIL_FILE_PATH")
                .map(PathBuf::from)
                .unwrap_or_else(|| data_dir.join("outbox")),
        };

        let rate = |key: &str, default: &str| env.get(key).unwrap_or_else(|| default.to_string());
        let rate_limits = RateLimits {
            submit: rate("RATE_LIMIT_SUBMIT", "10/h"),
            update: rate("RATE_LIMIT_UPDATE", "20/h"),
            challenge: rate("RATE_LIMIT_CHALLENGE", "60/h"),
            validate: rate("RATE_LIMIT_VALIDATE", "120/h"),
            biotools: rate("RATE_LIMIT_BIOTOOLS", "60/h"),
            api: rate("RATE_LIMIT_API", "60/m"),
            api_anon: rate("RATE_LIMIT_API_ANON", "10/m"),
        };

        Ok(Self {
            mode,
            debug,
            bind: overrides
                .bind
                .clone()
                .or_else(|| env.get("BIND"))
                .unwrap_or_else(|| DEFAULT_BIND.into()),
            templates_dir: env.get("TEMPLATES_DIR").map(PathBuf::from),
            logo_url: env
                .get("LOGO_URL")
                .unwrap_or_else(|| site.site.logo_url.clone()),
            edam_owl_url: env
                .get("EDAM_OWL_URL")
                .unwrap_or_else(|| site.edam.owl_url.clone()),
            spdx_licenses_url: env
                .get("SPDX_LICENSES_URL")
                .unwrap_or_else(|| site.licenses.url.clone()),
            site,
            site_path,
            secret_key,
            database,
            redis,
            skip_migrate: env.bool("SKIP_MIGRATE")?.unwrap_or(false),
            time_zone,
            allowed_hosts: env
                .list("ALLOWED_HOSTS")
                .unwrap_or_else(|| vec!["localhost".into(), "127.0.0.1".into()]),
            forwarded_allow_ips,
            admin_url_prefix,
            hsts_seconds: env.parse("HSTS_SECONDS")?.unwrap_or(31_536_000),
            secure_ssl_redirect: env.bool("SECURE_SSL_REDIRECT")?.unwrap_or(true),
            secure_cookies: env.bool("SESSION_COOKIE_SECURE")?.unwrap_or(!debug),
            session_cookie_age: env.parse("SESSION_COOKIE_AGE")?.unwrap_or(3600),
            altcha_hmac_key: env.secret("ALTCHA_HMAC_KEY")?.unwrap_or_default(),
            login_failure_limit: env.parse("AXES_FAILURE_LIMIT")?.unwrap_or(5),
            login_cooloff_minutes: env.parse("AXES_COOLOFF_MINUTES")?.unwrap_or(30),
            rate_limits,
            email,
            api_page_size: env.parse("API_PAGE_SIZE")?.unwrap_or(20),
            api_max_page_size: env.parse("API_MAX_PAGE_SIZE")?.unwrap_or(100),
            worker_concurrency: env
                .parse::<usize>("WORKER_CONCURRENCY")?
                .unwrap_or(4)
                .clamp(1, 64),
            cors_allowed_origins: env.list("CORS_ALLOWED_ORIGINS").unwrap_or_default(),
            cors_allow_credentials: env.bool("CORS_ALLOW_CREDENTIALS")?.unwrap_or(false),
            max_body_bytes: env.parse("MAX_BODY_BYTES")?.unwrap_or(12 * 1024 * 1024),
            log_format: match env.get("LOG_FORMAT").as_deref() {
                Some("json") => LogFormat::Json,
                Some("pretty") => LogFormat::Pretty,
                _ if dev => LogFormat::Pretty,
                _ => LogFormat::Json,
            },
            log_requests: env.bool("LOG_REQUESTS")?.unwrap_or(true),
            media_root: env
                .get("MEDIA_ROOT")
                .map(PathBuf::from)
                .unwrap_or_else(|| data_dir.join("media")),
            data_dir,
        })
    }

    pub fn is_dev(&self) -> bool {
        self.mode == Mode::Development
    }

    /// The effective configuration as `KEY = value` lines with every secret redacted (`check-config`).
    pub fn redacted_summary(&self) -> Vec<(String, String)> {
        let redact = |s: &Secret| if s.is_empty() { "(empty)" } else { "***" }.to_string();
        let mut out = vec![
            ("mode".into(), format!("{:?}", self.mode).to_lowercase()),
            ("debug".into(), self.debug.to_string()),
            ("bind".into(), self.bind.clone()),
            ("data_dir".into(), self.data_dir.display().to_string()),
            ("media_root".into(), self.media_root.display().to_string()),
            ("site_config".into(), self.site_path.display().to_string()),
            ("SECRET_KEY".into(), redact(&self.secret_key)),
            ("database".into(), self.database.display()),
            (
                "redis".into(),
                self.redis
                    .as_ref()
                    .map(|r| r.display.clone())
                    .unwrap_or_else(|| "(not configured: in-memory rate-limit counters)".into()),
            ),
            ("SKIP_MIGRATE".into(), self.skip_migrate.to_string()),
            ("TIME_ZONE".into(), self.time_zone.name().into()),
            ("ALLOWED_HOSTS".into(), self.allowed_hosts.join(",")),
            (
                "FORWARDED_ALLOW_IPS".into(),
                self.forwarded_allow_ips
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ("ADMIN_URL_PREFIX".into(), self.admin_url_prefix.clone()),
            ("LOGO_URL".into(), self.logo_url.clone()),
            ("EDAM_OWL_URL".into(), self.edam_owl_url.clone()),
            ("SPDX_LICENSES_URL".into(), self.spdx_licenses_url.clone()),
            ("HSTS_SECONDS".into(), self.hsts_seconds.to_string()),
            (
                "SECURE_SSL_REDIRECT".into(),
                (self.secure_ssl_redirect && !self.is_dev()).to_string(),
            ),
            (
                "SESSION_COOKIE_SECURE".into(),
                self.secure_cookies.to_string(),
            ),
            (
                "SESSION_COOKIE_AGE".into(),
                self.session_cookie_age.to_string(),
            ),
            ("ALTCHA_HMAC_KEY".into(), redact(&self.altcha_hmac_key)),
            (
                "AXES_FAILURE_LIMIT".into(),
                self.login_failure_limit.to_string(),
            ),
            (
                "AXES_COOLOFF_MINUTES".into(),
                self.login_cooloff_minutes.to_string(),
            ),
            ("RATE_LIMIT_SUBMIT".into(), self.rate_limits.submit.clone()),
            ("RATE_LIMIT_UPDATE".into(), self.rate_limits.update.clone()),
            (
                "RATE_LIMIT_CHALLENGE".into(),
                self.rate_limits.challenge.clone(),
            ),
            (
                "RATE_LIMIT_VALIDATE".into(),
                self.rate_limits.validate.clone(),
            ),
            (
                "RATE_LIMIT_BIOTOOLS".into(),
                self.rate_limits.biotools.clone(),
            ),
            ("RATE_LIMIT_API".into(), self.rate_limits.api.clone()),
            ("EMAIL_BACKEND".into(), self.email.backend.clone()),
            ("EMAIL_HOST".into(), self.email.host.clone()),
            ("EMAIL_PORT".into(), self.email.port.to_string()),
            ("EMAIL_USE_TLS".into(), self.email.use_tls.to_string()),
            ("EMAIL_HOST_USER".into(), self.email.user.clone()),
            ("EMAIL_HOST_PASSWORD".into(), redact(&self.email.password)),
            ("EMAIL_FROM".into(), self.email.from.clone()),
            (
                "SUBMISSION_NOTIFY_CC".into(),
                self.email.notify_cc.join(","),
            ),
            (
                "SUBMISSION_NOTIFY_OVERRIDE".into(),
                self.email.notify_override.clone(),
            ),
            ("API_PAGE_SIZE".into(), self.api_page_size.to_string()),
            (
                "API_MAX_PAGE_SIZE".into(),
                self.api_max_page_size.to_string(),
            ),
            (
                "CORS_ALLOWED_ORIGINS".into(),
                self.cors_allowed_origins.join(","),
            ),
            ("MAX_BODY_BYTES".into(), self.max_body_bytes.to_string()),
            (
                "WORKER_CONCURRENCY".into(),
                self.worker_concurrency.to_string(),
            ),
            (
                "LOG_FORMAT".into(),
                format!("{:?}", self.log_format).to_lowercase(),
            ),
            ("LOG_REQUESTS".into(), self.log_requests.to_string()),
        ];
        if let Ok(site) = toml_lines(&self.site) {
            out.extend(site);
        }
        out
    }
}

fn toml_lines(site: &SiteConfig) -> Result<Vec<(String, String)>, serde_json::Error> {
    let value = serde_json::to_value(site)?;
    let mut out = Vec::new();
    if let serde_json::Value::Object(sections) = value {
        for (section, keys) in sections {
            if let serde_json::Value::Object(keys) = keys {
                for (key, v) in keys {
                    out.push((format!("site.toml [{section}] {key}"), v.to_string()));
                }
            }
        }
    }
    Ok(out)
}

fn database_config(
    env: &EnvSource,
    data_dir: &Path,
    dev: bool,
) -> Result<DatabaseConfig, ConfigError> {
    if let Some(url) = env.secret("DATABASE_URL")? {
        let url = url.expose().to_string();
        if url.starts_with("postgres") {
            let display = redact_url(&url);
            return Ok(DatabaseConfig::Postgres {
                url: Secret::new(url),
                display,
            });
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or_default();
            return Ok(DatabaseConfig::Sqlite {
                path: PathBuf::from(path),
            });
        }
        return Err(ConfigError::Invalid {
            key: "DATABASE_URL".into(),
            cause: "must start with postgres:// or sqlite://".into(),
        });
    }
    if let Some(host) = env.get("DB_HOST") {
        let password = match env.secret("DB_PASSWORD")? {
            Some(p) => p,
            None if dev => Secret::default(),
            None => return Err(ConfigError::Missing("DB_PASSWORD")),
        };
        let port: u16 = env.parse("DB_PORT")?.unwrap_or(5432);
        let name = env
            .get("DB_NAME")
            .unwrap_or_else(|| "denbi_registry".into());
        let user = env.get("DB_USER").unwrap_or_else(|| "denbi".into());
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let auth = if password.is_empty() {
            enc(&user)
        } else {
            format!("{}:{}", enc(&user), enc(password.expose()))
        };
        let url = format!("postgres://{auth}@{host}:{port}/{}", enc(&name));
        return Ok(DatabaseConfig::Postgres {
            display: redact_url(&url),
            url: Secret::new(url),
        });
    }
    Ok(DatabaseConfig::Sqlite {
        path: data_dir.join("registry.sqlite3"),
    })
}

fn redis_config(env: &EnvSource, dev: bool) -> Result<Option<RedisConfig>, ConfigError> {
    let url = match (env.get("REDIS_URL"), env.get("REDIS_HOST")) {
        (Some(url), _) => url,
        (None, Some(host)) => {
            let port: u16 = env.parse("REDIS_PORT")?.unwrap_or(6379);
            format!("redis://{host}:{port}/0")
        }
        (None, None) => return Ok(None),
    };
    let password = match env.secret("REDIS_PASSWORD")? {
        Some(p) => p,
        None if dev => Secret::default(),
        None => return Err(ConfigError::Missing("REDIS_PASSWORD")),
    };
    let mut parsed = url::Url::parse(&url).map_err(|e| ConfigError::Invalid {
        key: "REDIS_URL".into(),
        cause: e.to_string(),
    })?;
    if !password.is_empty() && parsed.password().is_none() {
        let _ = parsed.set_password(Some(password.expose()));
    }
    let full = parsed.to_string();
    Ok(Some(RedisConfig {
        display: redact_url(&full),
        url: Secret::new(full),
    }))
}

/// Replaces the password of a URL with `***`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "(unparseable URL)".into(),
    }
}

/// Development mode keeps a generated secret under the data directory so sessions survive restarts.
fn dev_secret_key(data_dir: &Path) -> Result<Secret, ConfigError> {
    let err = |e: std::io::Error| ConfigError::DataDir {
        path: data_dir.display().to_string(),
        cause: e.to_string(),
    };
    std::fs::create_dir_all(data_dir).map_err(err)?;
    let path = data_dir.join("secret_key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= 50 {
            return Ok(Secret::new(existing));
        }
    }
    let mut bytes = [0u8; 48];
    rand::fill(&mut bytes);
    let key = hex::encode(bytes);
    write_private(&path, &key).map_err(err)?;
    Ok(Secret::new(key))
}

fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(content.as_bytes())
}

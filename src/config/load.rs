//! Building the configuration from the environment, `site.toml` and the defaults.

use super::database::{database_config, redis_config};
use super::secret::dev_secret_key;
use super::*;

impl Config {
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

        let biotools_api_url = env
            .get("BIOTOOLS_API_URL")
            .unwrap_or_else(|| site.biotools.api_url.clone())
            .trim()
            .trim_end_matches('/')
            .to_string();
        if !url::Url::parse(&biotools_api_url)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        {
            return Err(ConfigError::Invalid {
                key: "BIOTOOLS_API_URL".into(),
                cause: format!("'{biotools_api_url}' is not an http(s) URL"),
            });
        }

        let biotools_sync_rate: f64 = env.parse("BIOTOOLS_SYNC_RATE")?.unwrap_or(2.0);
        if !(biotools_sync_rate.is_finite() && biotools_sync_rate > 0.0) {
            return Err(ConfigError::Invalid {
                key: "BIOTOOLS_SYNC_RATE".into(),
                cause: format!(
                    "'{biotools_sync_rate}' is not a positive number of requests per second"
                ),
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
            recover: rate("RATE_LIMIT_RECOVER", "5/h"),
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
            biotools_api_url,
            biotools_sync_rate,
            biotools_timeout_ms: env.parse("BIOTOOLS_TIMEOUT_MS")?,
            biotools_retry_backoff_ms: env.parse("BIOTOOLS_RETRY_BACKOFF_MS")?,
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
            metrics_token: env.secret("METRICS_TOKEN")?.unwrap_or_default(),
            media_root: env
                .get("MEDIA_ROOT")
                .map(PathBuf::from)
                .unwrap_or_else(|| data_dir.join("media")),
            data_dir,
        })
    }
}

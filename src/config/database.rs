//! The database and Redis sections: `DATABASE_URL` / `DB_*`, `REDIS_URL` / `REDIS_*`.

use std::path::{Path, PathBuf};

use super::{ConfigError, EnvSource, Secret};

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
    /// A `postgres://…` or `sqlite://PATH` URL, as `DATABASE_URL` takes it.
    pub fn from_url(url: &str) -> Result<Self, String> {
        if url.starts_with("postgres") {
            return Ok(Self::Postgres {
                display: redact_url(url),
                url: Secret::new(url.to_string()),
            });
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or_default();
            return Ok(Self::Sqlite {
                path: PathBuf::from(path),
            });
        }
        Err("must start with postgres:// or sqlite://".into())
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

pub(super) fn database_config(
    env: &EnvSource,
    data_dir: &Path,
    dev: bool,
) -> Result<DatabaseConfig, ConfigError> {
    if let Some(url) = env.secret("DATABASE_URL")? {
        return DatabaseConfig::from_url(url.expose()).map_err(|cause| ConfigError::Invalid {
            key: "DATABASE_URL".into(),
            cause,
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

pub(super) fn redis_config(env: &EnvSource, dev: bool) -> Result<Option<RedisConfig>, ConfigError> {
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

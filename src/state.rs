//! `AppState`: what every request handler, middleware and extractor may reach. Kit extractors take only
//! the part they need through `FromRef`, so the kits (`api/`, `web/`) never depend on the whole state.

use axum::extract::FromRef;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

use crate::config::Config;
use crate::web::rate_limit::Limiter;
use crate::web::{assets::Assets, templates::Templates};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: DatabaseConnection,
    pub templates: Arc<Templates>,
    pub assets: Arc<Assets>,
    pub redis: Option<redis::Client>,
    /// External origins the CSP allows for images (logo, favicon).
    pub img_origins: Arc<Vec<String>>,
    /// In-memory EDAM search index (rebuilt after syncs).
    pub edam: crate::edam::search::SharedIndex,
    /// Rate-limit counters (in Redis when configured, in memory otherwise).
    pub limiter: Arc<Limiter>,
    /// The one time source of requests, the worker and the scheduler (tests swap in a manual clock).
    pub clock: Arc<dyn crate::jobs::Clock>,
    /// The readiness checks (one at a time; probes meanwhile share its outcome).
    pub readiness: Arc<crate::health::Readiness>,
    /// The ALTCHA captcha's settings and key.
    pub captcha: Arc<crate::web::captcha::Captcha>,
    /// The CSRF key and cookie settings.
    pub csrf: Arc<crate::web::csrf::Csrf>,
    /// Rendered catalogue listings of the current write version.
    pub catalogue_cache: Arc<crate::catalogue::cache::PageCache>,
    /// The Prometheus series `/metrics` serves.
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl AppState {
    pub fn new(config: Config, db: DatabaseConnection) -> anyhow::Result<Self> {
        let assets = Arc::new(Assets::load());
        let templates = Arc::new(Templates::new(&config, assets.clone()));
        let redis = match &config.redis {
            Some(r) => Some(redis::Client::open(r.url.expose())?),
            None => None,
        };
        let limiter =
            Limiter::new(&config.rate_limits, redis.clone()).map_err(anyhow::Error::msg)?;
        Ok(Self {
            captcha: Arc::new(crate::web::captcha::Captcha::new(&config)),
            csrf: Arc::new(crate::web::csrf::Csrf::new(&config)),
            limiter: Arc::new(limiter),
            img_origins: Arc::new(crate::web::templates::image_origins(&config)),
            config: Arc::new(config),
            db,
            templates,
            assets,
            redis,
            edam: Default::default(),
            clock: Arc::new(crate::jobs::SystemClock),
            readiness: Default::default(),
            catalogue_cache: Default::default(),
            metrics: Default::default(),
        })
    }

    /// Builds the state and loads what is served from memory (the EDAM index).
    pub async fn build(config: Config, db: DatabaseConnection) -> anyhow::Result<Self> {
        let state = Self::new(config, db)?;
        state.edam.rebuild(&state.db).await?;
        Ok(state)
    }
}

impl FromRef<AppState> for DatabaseConnection {
    fn from_ref(s: &AppState) -> Self {
        s.db.clone()
    }
}

impl FromRef<AppState> for Arc<Config> {
    fn from_ref(s: &AppState) -> Self {
        s.config.clone()
    }
}

impl FromRef<AppState> for Arc<Templates> {
    fn from_ref(s: &AppState) -> Self {
        s.templates.clone()
    }
}

impl FromRef<AppState> for Arc<Assets> {
    fn from_ref(s: &AppState) -> Self {
        s.assets.clone()
    }
}

impl FromRef<AppState> for Arc<crate::web::csrf::Csrf> {
    fn from_ref(s: &AppState) -> Self {
        s.csrf.clone()
    }
}

impl FromRef<AppState> for Arc<Limiter> {
    fn from_ref(s: &AppState) -> Self {
        s.limiter.clone()
    }
}

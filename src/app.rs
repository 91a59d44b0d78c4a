//! The application layer: collects every domain's routes, OpenAPI paths and job kinds, and wraps the
//! router in its layers; used by `serve` and by the integration tests. The state lives in `crate::state`.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Method};
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::jobs::JobRegistry;
pub use crate::state::AppState;
use crate::web::security;
use utoipa_axum::router::OpenApiRouter;

/// Start-up database work, serialised across processes so replicas starting together never race:
/// pending migrations, the roles' permission sets, and the offline EDAM/SPDX seed of an empty database.
/// Returns the number of migrations applied.
pub async fn prepare_database(
    cfg: &crate::config::DatabaseConfig,
    search_path: Option<&str>,
) -> Result<usize, sea_orm::DbErr> {
    use sea_orm_migration::MigratorTrait;
    crate::db::with_migration_lock(cfg, search_path, |db| async move {
        let pending = crate::migration::Migrator::get_pending_migrations(&db)
            .await?
            .len();
        crate::migration::Migrator::up(&db, None).await?;
        crate::auth::roles::sync_groups(&db, false).await?;
        crate::edam::seed::seed_if_empty(&db)
            .await
            .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
        crate::licenses::sync::seed_if_empty(&db).await?;
        Ok(pending)
    })
    .await
}

/// Every domain's documented routes (`/api/v1/…` and the health probes), with their OpenAPI paths,
/// schemas and tags; the order gives the order of the document's tags.
fn documented_routes(state: &AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(crate::edam::api::api_router())
        .merge(crate::api::root::router())
        .merge(crate::registry::api::router())
        .merge(crate::submissions::api::router(state))
        .merge(crate::biotools::api::router())
        .merge(crate::catalogue::api::router())
        .merge(crate::health::router())
}

/// The OpenAPI document as `/api/schema/` serves it.
pub fn openapi_document(state: &AppState) -> utoipa::openapi::OpenApi {
    let (_, paths) = documented_routes(state).split_for_parts();
    crate::api::openapi::document(&state.config, paths)
}

impl JobRegistry {
    /// Every job kind the application knows: the platform's (`send_email`, stale-draft cleanup) and
    /// each domain's. Defined here, in the application layer, so that `jobs/` names no domain.
    pub fn standard() -> Self {
        let mut r = Self::new();
        r.register(crate::mail::SendEmailJob);
        r.register(crate::jobs::cleanup::DraftsCleanupJob);
        for job in crate::edam::jobs::jobs()
            .into_iter()
            .chain(crate::licenses::jobs::jobs())
            .chain(crate::biotools::jobs::jobs())
        {
            r.register_arc(job);
        }
        r
    }
}

/// Every domain's section of the admin portal (its screens, navigation and dashboard widgets).
fn admin_sections(prefix: &str) -> Vec<crate::admin::Section> {
    vec![
        crate::submissions::admin::section(prefix),
        crate::edam::admin::section(prefix),
        crate::licenses::admin::section(prefix),
        crate::biotools::admin::section(prefix),
        crate::registry::admin::section(prefix),
    ]
}

/// Compiles every domain's fixed patterns: a start-up error, never a pattern that silently never matches.
pub fn check_patterns() -> anyhow::Result<()> {
    crate::submissions::rules::check_patterns()?;
    crate::edam::check_patterns()?;
    Ok(())
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    router_with_api(state, Router::new())
}

/// The application with extra `/api/v1` routes merged in (tests use this to exercise API plumbing
/// through the real layers before the domain endpoints exist).
pub fn router_with_api(state: AppState, extra_v1: Router<AppState>) -> Router {
    router_with_extra(state, extra_v1, Router::new())
}

/// The application with extra `/api/v1` routes and extra page routes merged in (tests use the latter to
/// drive the form-security kit — CSRF, captcha — through the real layers before the form pages exist).
pub fn router_with_extra(
    state: AppState,
    extra_v1: Router<AppState>,
    extra_pages: Router<AppState>,
) -> Router {
    let (documented, paths) = documented_routes(&state).split_for_parts();
    let doc = crate::api::openapi::document(&state.config, paths);
    let mut routes = Router::new()
        .route("/", get(crate::web::pages::home))
        .route("/static/{*path}", get(crate::web::assets::serve))
        .route("/about/", get(crate::web::pages::about))
        .merge(crate::edam::api::page_routes())
        .merge(crate::submissions::logo::routes())
        .merge(crate::web::captcha::routes(&state))
        .merge(crate::submissions::pages::routes())
        .merge(crate::biotools::prefill::routes())
        .merge(crate::admin::router(
            &state.config.admin_url_prefix,
            admin_sections(&state.config.admin_url_prefix),
        ))
        .merge(crate::catalogue::routes())
        .merge(extra_pages)
        .merge(documented)
        .merge(crate::api::openapi::router(doc));
    if extra_v1.has_routes() {
        routes = routes.nest("/api/v1", extra_v1);
    }
    // Counted and timed by route template; only matched routes (the fallback's 404s are not).
    let routes = routes
        .route("/metrics", get(crate::metrics::serve))
        .route_layer(from_fn_with_state(
            state.metrics.clone(),
            crate::metrics::track,
        ));

    let max_body = state.config.max_body_bytes;
    let edge = security::Edge::new(state.config.clone(), &state.img_origins);
    // Each `layer` call wraps everything before it, so the list reads from innermost to outermost. Each
    // middleware gets only the part of the state it reads: a layer's state is cloned for every request.
    routes
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(TimeoutLayer::with_status_code(
            http::StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(60),
        ))
        .layer(CatchPanicLayer::new())
        .layer(from_fn_with_state(
            state.csrf.clone(),
            crate::web::csrf::issue,
        ))
        .layer(from_fn_with_state(state.config.clone(), security::guard))
        .layer(from_fn_with_state(
            state.templates.clone(),
            crate::web::errors::render_errors,
        ))
        .layer(CompressionLayer::new().compress_when(compress_when()))
        .layer(from_fn_with_state(edge, security::edge))
        .with_state(state)
}

/// Compression where it pays: bodies of at least 1 KiB (smaller ones gain a few bytes at the cost of
/// an encoder per response), never images or event streams (tower-http's defaults otherwise).
fn compress_when() -> impl tower_http::compression::Predicate {
    use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
    SizeAbove::new(1024)
        .and(NotForContentType::GRPC)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE)
}

/// The tracing target of the access log: `RUST_LOG=info,access=off` silences it like `LOG_REQUESTS=false`.
pub use security::ACCESS_LOG_TARGET;

async fn not_found() -> crate::error::AppError {
    crate::error::AppError::NotFound("Not found.".into())
}

/// axum's method router has already set `Allow` (only the methods really routed, so `OPTIONS` and the
/// 405 agree); this adds our envelope, and for PUT where only PATCH exists, what to use instead.
async fn method_not_allowed(method: Method) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut resp = http::StatusCode::METHOD_NOT_ALLOWED.into_response();
    let hint = if method == Method::PUT {
        " Full replacement is not supported here; use PATCH for partial updates."
    } else {
        ""
    };
    resp.extensions_mut().insert(crate::error::ErrorInfo {
        code: "method_not_allowed",
        message: format!("Method \"{method}\" not allowed.{hint}"),
        details: None,
    });
    resp
}

/// Header name constant re-exported for tests and proxies.
pub const REQUEST_ID_HEADER: HeaderName = security::REQUEST_ID;

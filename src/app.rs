//! The application layer: collects every domain's routes, OpenAPI paths and job kinds, and wraps the
//! router in its layers; used by `serve` and by the integration tests. The state lives in `crate::state`.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, Method};
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

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
        {
            r.register_arc(job);
        }
        r
    }
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
    let (documented, paths) = documented_routes(&state).split_for_parts();
    let doc = crate::api::openapi::document(&state.config, paths);
    let mut routes = Router::new()
        .route("/", get(crate::web::pages::home))
        .route("/static/{*path}", get(crate::web::assets::serve))
        .route("/about/", get(crate::web::pages::about))
        .merge(crate::edam::api::page_routes())
        .merge(crate::submissions::logo::routes())
        .merge(documented)
        .merge(crate::api::openapi::router(doc));
    if extra_v1.has_routes() {
        routes = routes.nest("/api/v1", extra_v1);
    }

    let max_body = state.config.max_body_bytes;
    // The span ties a request's own log lines together; the access line itself comes from `access_log`.
    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &Request| {
            let id = req
                .headers()
                .get(&security::REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            // Only the path: query strings and headers may carry credentials.
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        })
        .on_request(|req: &Request, _span: &Span| {
            tracing::debug!(headers = %security::scrubbed_headers(req.headers()), "request headers");
        })
        .on_response(());
    let log_requests = state.config.log_requests;

    // Each `layer` call wraps everything before it, so the list reads from innermost to outermost.
    let routes = routes
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(TimeoutLayer::with_status_code(
            http::StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(60),
        ))
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn(security::reject_nul))
        .layer(from_fn_with_state(state.clone(), security::https_redirect))
        .layer(from_fn_with_state(state.clone(), security::allowed_host))
        .layer(from_fn_with_state(
            state.clone(),
            crate::web::errors::render_errors,
        ))
        .layer(from_fn_with_state(
            state.clone(),
            security::security_headers,
        ))
        .layer(CompressionLayer::new())
        .layer(trace);
    // Outside the span (so the line carries its fields once) and inside `request_id` (so it knows the id).
    let routes = if log_requests {
        routes.layer(axum::middleware::from_fn(access_log))
    } else {
        routes
    };
    routes
        .layer(from_fn_with_state(state.clone(), security::request_id))
        .with_state(state)
}

/// The tracing target of the access log: `RUST_LOG=info,access=off` silences it like `LOG_REQUESTS=false`.
pub const ACCESS_LOG_TARGET: &str = "access";

/// One compact line per response: method, path (never the query), status, latency, request id.
async fn access_log(req: Request, next: axum::middleware::Next) -> axum::response::Response {
    if !tracing::enabled!(target: ACCESS_LOG_TARGET, tracing::Level::INFO) {
        return next.run(req).await;
    }
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let request_id = req
        .extensions()
        .get::<crate::web::RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let resp = next.run(req).await;
    let latency_ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
    tracing::info!(
        target: ACCESS_LOG_TARGET,
        method = %method,
        path = %path,
        status = resp.status().as_u16(),
        latency_ms,
        request_id = %request_id
    );
    resp
}

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

//! `GET /api/v1/`: the API root, listing the collections with absolute URLs; any valid key
//! (admin or submission) may read it.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::ApiPrincipal;
use crate::config::Config;
use crate::error::AppResult;
use crate::web::rate_limit::Limiter;
use axum::extract::FromRef;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Where each collection lives.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"submissions": "https://registry.example.org/api/v1/submissions/", "categories": "https://registry.example.org/api/v1/categories/"}))]
pub struct ApiRoot {
    pub submissions: String,
    pub categories: String,
    #[serde(rename = "service-centers")]
    pub service_centers: String,
    pub pis: String,
    pub edam: String,
    pub biotools: String,
}

/// The site's configured URL, or the request's host.
fn origin(config: &Config, headers: &HeaderMap) -> String {
    let site = config.site.site.url.trim_end_matches('/');
    if !site.is_empty() {
        return site.to_string();
    }
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

#[utoipa::path(get, path = "/api/v1/", tag = "api",
    security(("AdminKey" = []), ("ApiKey" = [])),
    responses((status = 200, body = ApiRoot),
        (status = 403, description = "No valid key", body = super::openapi::ErrorEnvelope),
        (status = 429, description = "Rate limit of this key exceeded", body = super::openapi::ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds until the limit resets")))))]
pub async fn root(
    State(config): State<Arc<Config>>,
    _principal: ApiPrincipal,
    headers: HeaderMap,
) -> AppResult<Json<ApiRoot>> {
    let base = format!("{}/api/v1", origin(&config, &headers));
    let at = |p: &str| format!("{base}/{p}/");
    Ok(Json(ApiRoot {
        submissions: at("submissions"),
        categories: at("categories"),
        service_centers: at("service-centers"),
        pis: at("pis"),
        edam: at("edam"),
        biotools: at("biotools"),
    }))
}

#[derive(OpenApi)]
#[openapi(
    components(schemas(ApiRoot)),
    tags((name = "api", description = "The API root: links to every collection (any valid key)"))
)]
struct RootDoc;

/// `GET /api/v1/`, documented.
pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Config>: FromRef<S>,
    DatabaseConnection: FromRef<S>,
    Arc<Limiter>: FromRef<S>,
{
    OpenApiRouter::with_openapi(RootDoc::openapi()).routes(routes!(root))
}

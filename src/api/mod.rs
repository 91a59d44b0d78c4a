//! The REST API: `/api/v1` router assembly, JSON body extraction, pagination and the OpenAPI document.

pub mod auth;
pub mod json;
pub mod openapi;
pub mod pagination;
pub mod root;

use axum::Router;

use crate::app::AppState;

/// The API contract's own semantic version (release runbook): bump MINOR for a new endpoint or optional
/// field, MAJOR for a breaking change, PATCH for fixes — independently of the application version.
pub const API_VERSION: &str = "1.0.0";

/// `/api/v1/...` routes. Domains add their routers here as they arrive.
pub fn v1_router(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(crate::edam::api::api_routes())
        .merge(crate::registry::api::routes())
        .merge(crate::submissions::api::routes(state))
}

/// Everything under `/api`: the versioned API plus the schema and its documentation pages.
pub fn router(state: &AppState, extra_v1: Router<AppState>) -> Router<AppState> {
    Router::new()
        .route("/api/v1/", axum::routing::get(root::root))
        .nest("/api/v1", v1_router(state).merge(extra_v1))
        .merge(openapi::router())
}

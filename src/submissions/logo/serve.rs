//! `GET /media/{*path}`: stored logos, with the content type taken from our own extension only, a CSP
//! that forbids everything (an SVG opened directly can never run script or load anything), `nosniff`,
//! inline disposition and a week of public caching. Anything unknown is a normal 404.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::get;

use super::content_type_for;
use super::store::resolve;
use crate::error::AppError;
use crate::state::AppState;

/// The Content-Security-Policy of every media response.
pub const MEDIA_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/// The media routes, merged into the application router.
pub fn routes() -> Router<AppState> {
    Router::new().route("/media/{*path}", get(serve))
}

async fn serve(
    State(state): State<AppState>,
    Path(path): Path<String>,
) -> Result<Response, AppError> {
    let not_found = || AppError::NotFound("Not found.".into());
    let file = resolve(&state.config.media_root, &path)
        .await
        .ok_or_else(not_found)?;
    let content_type = path
        .rsplit_once('.')
        .and_then(|(_, ext)| content_type_for(ext))
        .ok_or_else(not_found)?;
    let bytes = tokio::fs::read(&file).await.map_err(|_| not_found())?;
    let mut resp = Response::new(Body::from(bytes));
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(MEDIA_CSP),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=604800"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    );
    Ok(resp)
}

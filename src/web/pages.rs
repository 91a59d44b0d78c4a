//! Plain pages that belong to no domain: the home page and the about page (data sources, licences).

use axum::extract::State;
use axum::response::Response;
use minijinja::context;

use super::{PageContext, render};
use crate::error::AppError;
use crate::state::AppState;

/// `GET /`: what the registry is and the two ways in (register, update).
pub async fn home(State(state): State<AppState>, page: PageContext) -> Result<Response, AppError> {
    render(&state, "home.html", &page, context! {})
}

/// `GET /about/`: what the registry is built on, with the attributions its data licences require.
pub async fn about(State(state): State<AppState>, page: PageContext) -> Result<Response, AppError> {
    let index = state.edam.get();
    render(
        &state,
        "about.html",
        &page,
        context! {
            edam_version => index.version.clone(),
            edam_terms => index.len(),
            spdx_version => spdx::identifiers::VERSION,
        },
    )
}

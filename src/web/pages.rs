//! Plain pages that belong to no domain: the home page.

use axum::extract::State;
use axum::response::Response;
use minijinja::context;

use super::{PageContext, render};
use crate::app::AppState;
use crate::error::AppError;

/// `GET /`: what the registry is and the two ways in (register, update).
pub async fn home(State(state): State<AppState>, page: PageContext) -> Result<Response, AppError> {
    render(&state, "home.html", &page, context! {})
}

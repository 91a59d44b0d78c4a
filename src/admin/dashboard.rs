//! The portal's index: every section's dashboard widgets the user may see, and their recent actions.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::{Value, context};

use super::{Staff, audit, render};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::PageContext;

pub async fn index(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
) -> Result<Response, AppError> {
    let mut widgets = Vec::new();
    for w in &staff.shell.widgets {
        if let Some(html) = w(&state, &staff).await? {
            widgets.push(Value::from_safe_string(html));
        }
    }
    let recent = audit::recent_by(&state.db, &staff.actor(), 10).await?;
    let ctx = context! { widgets => widgets, recent => recent };
    render(
        &state,
        &pc,
        Some(&staff),
        "admin/index.html",
        ctx,
        StatusCode::OK,
    )
}

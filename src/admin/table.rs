//! A generic read-mostly list screen: a title, summary figures, toolbar buttons (POST forms), a search
//! box, the filter sidebar, sortable headers, rows of cells (text, link, pill or a row button) and the
//! paginator — rendered by `admin/table.html`, so a domain's list screen only builds its rows.

use serde::Serialize;

use super::list::{Pager, Sidebar, SortHeader};

/// A POST button (with hidden fields); the CSRF token is added by the template.
#[derive(Debug, Clone, Serialize)]
pub struct Button {
    pub action: String,
    pub label: String,
    pub fields: Vec<(String, String)>,
    /// A Bootstrap button style: `primary`, `outline-primary`, `outline-danger`.
    pub style: &'static str,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    /// `ok` / `error` / `muted` / a status code: shown as a pill.
    pub pill: Option<String>,
    pub button: Option<Button>,
    pub mono: bool,
}

impl Cell {
    pub fn text(t: impl Into<String>) -> Self {
        Self {
            text: t.into(),
            ..Default::default()
        }
    }
    pub fn link(t: impl Into<String>, href: impl Into<String>) -> Self {
        Self {
            text: t.into(),
            href: Some(href.into()),
            ..Default::default()
        }
    }
    pub fn pill(t: impl Into<String>, class: impl Into<String>) -> Self {
        Self {
            text: t.into(),
            pill: Some(class.into()),
            ..Default::default()
        }
    }
    pub fn mono(t: impl Into<String>) -> Self {
        Self {
            text: t.into(),
            mono: true,
            ..Default::default()
        }
    }
    pub fn button(b: Button) -> Self {
        Self {
            button: Some(b),
            ..Default::default()
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Table {
    pub title: String,
    /// Figures shown above the table (label, value).
    pub summary: Vec<(String, String)>,
    pub toolbar: Vec<Button>,
    /// Links beside the toolbar (label, href), e.g. "Add".
    pub links: Vec<(String, String)>,
    /// The search box's current value; `None` = no search box.
    pub search: Option<String>,
    pub sidebar: Option<Sidebar>,
    pub headers: Vec<SortHeader>,
    pub rows: Vec<Vec<Cell>>,
    pub pager: Pager,
    /// Hidden fields the search form keeps (the active filters).
    pub keep: Vec<(String, String)>,
}

/// Renders a table screen.
pub fn render(
    state: &crate::state::AppState,
    pc: &crate::web::PageContext,
    staff: &super::Staff,
    table: Table,
) -> Result<axum::response::Response, crate::error::AppError> {
    super::render(
        state,
        pc,
        Some(staff),
        "admin/table.html",
        minijinja::context! { t => table },
        axum::http::StatusCode::OK,
    )
}

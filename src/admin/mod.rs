//! The admin portal's shell under `/<ADMIN_URL_PREFIX>/`: sign-in (password, TOTP, lockout), sessions,
//! the capability checks, navigation, the dashboard frame, the generic list kit, the audit trail, and
//! the superuser's screens for staff users and lockouts. It imports no domain: each domain hands it a
//! [`Section`] (nav entries, routes, dashboard widgets) from its own `admin` module; `app.rs` collects them.

pub mod access;
mod admin_keys;
pub mod audit;
mod dashboard;
pub mod entity;
pub mod form;
mod jobs_screen;
pub use jobs_screen::last_run;
pub mod list;
pub mod lockout;
mod login;
pub mod session;
mod staff_users;
pub mod table;
pub mod totp;
mod two_factor;

use axum::Router;
use axum::extract::Extension;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use access::{Cap, Staff};

use crate::error::AppError;
use crate::state::AppState;
use crate::web::PageContext;

/// `/<prefix>/<rest>`.
pub fn path(prefix: &str, rest: &str) -> String {
    format!("/{prefix}/{rest}")
}

/// One entry of the navigation, shown to users with its capability.
#[derive(Debug, Clone)]
pub struct NavItem {
    /// The heading it is listed under ("Service Submissions", "Reference Data", …).
    pub group: &'static str,
    pub label: &'static str,
    /// Below the prefix, e.g. `submissions/`.
    pub href: &'static str,
    pub cap: Cap,
}

/// What a dashboard widget renders: `None` when it has nothing to say to this user.
pub type WidgetFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<String>, AppError>> + Send + 'a>>;
/// A dashboard widget: renders its own HTML fragment for the signed-in user.
pub type Widget = for<'a> fn(&'a AppState, &'a Staff) -> WidgetFuture<'a>;

/// What a domain contributes to the portal.
pub struct Section {
    pub nav: Vec<NavItem>,
    pub routes: Router<AppState>,
    pub widgets: Vec<Widget>,
}

/// The collected sections' navigation and widgets, reachable from every admin request.
pub struct Shell {
    pub nav: Vec<NavItem>,
    pub widgets: Vec<Widget>,
}

/// The portal: the shell's own screens and every section's, behind the shell's extension.
pub fn router(prefix: &str, sections: Vec<Section>) -> Router<AppState> {
    let p = |rest: &str| path(prefix, rest);
    // The shell's own screens, listed after the domains' sections.
    let own = vec![
        NavItem {
            group: "Authentication and Authorization",
            label: "Users",
            href: "users/",
            cap: Cap::ManageUsers,
        },
        NavItem {
            group: "Authentication and Authorization",
            label: "Sign-in lockouts",
            href: "locks/",
            cap: Cap::ManageUsers,
        },
        NavItem {
            group: "API Keys",
            label: "Admin API keys",
            href: "admin-keys/",
            cap: Cap::AdminKeys,
        },
        NavItem {
            group: "Background work",
            label: "Jobs",
            href: "jobs/",
            cap: Cap::ViewJobs,
        },
    ];
    let mut widgets: Vec<Widget> = Vec::new();
    let bare = format!("/{prefix}");
    let index = p("");
    let mut routes = Router::new()
        .route(
            &bare,
            get(move || async move { Redirect::permanent(&index) }),
        )
        .route(&p(""), get(dashboard::index))
        .route(&p("login/"), get(login::login_page).post(login::login))
        .route(
            &p("login/2fa/"),
            get(login::second_factor_page).post(login::second_factor),
        )
        .route(&p("logout/"), post(login::logout))
        .route(
            &p("password/"),
            get(login::password_page).post(login::change_password),
        )
        .route(&p("2fa/"), get(two_factor::two_factor_status))
        .route(
            &p("2fa/setup/"),
            get(two_factor::enrol_page).post(two_factor::enrol),
        )
        .route(&p("2fa/disable/"), post(two_factor::disable_two_factor))
        .merge(staff_users::routes(prefix))
        .merge(jobs_screen::routes(prefix))
        .merge(admin_keys::routes(prefix));
    let mut nav = Vec::new();
    for s in sections {
        nav.extend(s.nav);
        widgets.extend(s.widgets);
        routes = routes.merge(s.routes);
    }
    nav.extend(own);
    let shell = Arc::new(Shell { nav, widgets });
    routes.layer(Extension(shell))
}

/// The navigation as a template reads it: groups in first-seen order, only what the user may open.
#[derive(Serialize)]
struct NavGroup {
    title: &'static str,
    items: Vec<NavLink>,
}

#[derive(Serialize)]
struct NavLink {
    label: &'static str,
    href: String,
}

fn nav_for(staff: &Staff, prefix: &str) -> Vec<NavGroup> {
    let mut groups: Vec<NavGroup> = Vec::new();
    for item in &staff.shell.nav {
        if !staff.can(item.cap) {
            continue;
        }
        let link = NavLink {
            label: item.label,
            href: path(prefix, item.href),
        };
        match groups.iter_mut().find(|g| g.title == item.group) {
            Some(g) => g.items.push(link),
            None => groups.push(NavGroup {
                title: item.group,
                items: vec![link],
            }),
        }
    }
    groups
}

/// Every capability as a flag, for templates that show or hide buttons (cosmetic: handlers check).
fn caps(staff: &Staff) -> serde_json::Value {
    use Cap::*;
    let all = [
        ("view_submissions", ViewSubmissions),
        ("edit_submissions", EditSubmissions),
        ("approve_submissions", ApproveSubmissions),
        ("status_panel", StatusPanel),
        ("manage_keys", ManageKeys),
        ("view_keys", ViewKeys),
        ("delete_submissions", DeleteSubmissions),
        ("see_submitter_ip", SeeSubmitterIp),
        ("view_change_log", ViewChangeLog),
        ("view_deletion_audits", ViewDeletionAudits),
        ("view_reference", ViewReference),
        ("edit_reference", EditReference),
        ("view_edam", ViewEdam),
        ("sync_edam", SyncEdam),
        ("view_spdx", ViewSpdx),
        ("view_biotools", ViewBiotools),
        ("sync_biotools", SyncBiotools),
        ("admin_keys", AdminKeys),
        ("view_jobs", ViewJobs),
        ("manage_users", ManageUsers),
    ];
    serde_json::Value::Object(
        all.iter()
            .map(|(k, c)| (k.to_string(), serde_json::Value::Bool(staff.can(*c))))
            .collect(),
    )
}

/// The `admin` value every admin template gets.
fn admin_ctx(state: &AppState, staff: Option<&Staff>) -> minijinja::Value {
    let prefix = &state.config.admin_url_prefix;
    let header = format!("{} Administration", state.config.site.site.name);
    match staff {
        Some(s) => minijinja::Value::from_serialize(serde_json::json!({
            "prefix": prefix,
            "base": path(prefix, ""),
            "header": header,
            "user": {
                "username": s.user.username,
                "is_superuser": s.user.is_superuser,
            },
            "nav": nav_for(s, prefix),
            "can": caps(s),
            "flash": s.flash,
        })),
        None => minijinja::Value::from_serialize(serde_json::json!({
            "prefix": prefix,
            "base": path(prefix, ""),
            "header": header,
        })),
    }
}

/// Renders an admin page (never cached: it shows internal data, and forms carry tokens).
pub fn render(
    state: &AppState,
    pc: &PageContext,
    staff: Option<&Staff>,
    template: &str,
    ctx: minijinja::Value,
    status: StatusCode,
) -> Result<Response, AppError> {
    let ctx = minijinja::context! { admin => admin_ctx(state, staff), ..ctx };
    let mut resp = crate::web::render(state, template, pc, ctx)?;
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store, private"));
    // A re-rendered form with an error status is final; the error layer must not replace it.
    if status.as_u16() >= 400 {
        resp.extensions_mut().insert(crate::web::errors::Rendered);
    }
    Ok(resp)
}

/// `303 See Other` after a POST.
pub fn see_other(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(v) => (StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, v)]).into_response(),
        Err(_) => AppError::BadRequest("Invalid redirect target.".into()).into_response(),
    }
}

/// Queues a flash message for the user's next page and redirects there.
pub async fn flash_and_redirect(
    state: &AppState,
    staff: &Staff,
    level: &str,
    message: impl Into<String>,
    to: &str,
) -> Result<Response, AppError> {
    session::flash(&state.db, &staff.session, level, message, state.clock.now()).await?;
    Ok(see_other(to))
}

/// The client address the lockout counts: the real client (trusted proxies only), else "unknown".
pub fn client_address(state: &AppState, parts: &axum::http::request::Parts) -> String {
    crate::web::client::client_ip(parts, &state.config.forwarded_allow_ips)
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Whether cookies must be `Secure`: production, or this request came over TLS.
pub fn secure_cookies(state: &AppState, parts: &axum::http::request::Parts) -> bool {
    state.config.secure_cookies
        || crate::web::client::is_https(
            &parts.headers,
            &parts.extensions,
            &state.config.forwarded_allow_ips,
            &parts.uri,
        )
}

/// The `_selected` style: a request value trimmed and bounded, so a huge field never reaches a query.
pub fn bounded(s: &str, max: usize) -> String {
    s.trim().chars().take(max).collect()
}

//! Who may do what in the portal: the capabilities of the spec's table (admin-jobs §2.3), each mapped
//! to the permissions that grant it, and the [`Staff`] extractor every admin handler takes. It checks
//! the session (and its second factor), reloads the user and its permissions on every request, and
//! sends a user who must enrol in two-factor sign-in to enrolment first. Handlers then call
//! [`Staff::require`] for the screen or action: hiding a button is never the check.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeSet;
use std::sync::Arc;

use super::session::{self, Flash, Session, Stage};
use super::{Shell, path};
use crate::auth::entity::user;
use crate::error::AppError;
use crate::state::AppState;

/// The one 403 text: it names no permission, so nothing is learnt by probing.
pub const FORBIDDEN: &str = "You do not have permission to view or change this.";

/// One line of the capability table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cap {
    /// Submissions: list, detail (read-only), export.
    ViewSubmissions,
    /// Add, edit fields, maturity tags, under review / deprecate / undeprecate.
    EditSubmissions,
    /// Approve / reject.
    ApproveSubmissions,
    /// The status panel: edit or approve.
    StatusPanel,
    /// Issue, reset, revoke submission keys.
    ManageKeys,
    /// See submission keys.
    ViewKeys,
    DeleteSubmissions,
    SeeSubmitterIp,
    ViewChangeLog,
    DeleteChangeLog,
    ViewDeletionAudits,
    ViewReference,
    EditReference,
    ViewEdam,
    EditEdam,
    /// Queue an EDAM sync (DESIGN §9.9: a POST with CSRF and a permission).
    SyncEdam,
    ViewSpdx,
    SyncSpdx,
    /// Set or clear a licence's "deprecated" flag.
    EditSpdx,
    ViewBiotools,
    /// Queue bio.tools syncs from the portal (curators: Editor and up).
    SyncBiotools,
    EditBiotools,
    AdminKeys,
    ViewJobs,
    /// Users, groups, lockouts.
    ManageUsers,
}

impl Cap {
    /// The permissions of which any one grants the capability; empty = superusers only.
    pub fn any_of(self) -> &'static [&'static str] {
        match self {
            Cap::ViewSubmissions => &["submissions.view_servicesubmission"],
            Cap::EditSubmissions => &["submissions.change_servicesubmission"],
            Cap::ApproveSubmissions => &["submissions.approve_servicesubmission"],
            Cap::StatusPanel => &[
                "submissions.change_servicesubmission",
                "submissions.approve_servicesubmission",
            ],
            Cap::ManageKeys => &["submissions.manage_apikeys"],
            Cap::ViewKeys => &[
                "submissions.view_submissionapikey",
                "submissions.manage_apikeys",
            ],
            Cap::DeleteSubmissions => &["submissions.delete_servicesubmission"],
            Cap::ViewChangeLog => &["submissions.view_submissionchangelog"],
            Cap::DeleteChangeLog => &["submissions.delete_submissionchangelog"],
            Cap::ViewDeletionAudits => &["submissions.view_submissiondeletionaudit"],
            Cap::ViewReference => &[
                "registry.view_servicecategory",
                "registry.view_servicecenter",
                "registry.view_principalinvestigator",
            ],
            Cap::EditReference => &[
                "registry.change_servicecategory",
                "registry.change_servicecenter",
                "registry.change_principalinvestigator",
            ],
            Cap::ViewEdam => &["edam.view_edamterm"],
            // The issue: a Viewer POSTs nothing. Queuing an upstream sync is curation work, so it goes
            // with changing submissions (Editor and up), not with viewing terms or records.
            Cap::SyncEdam | Cap::SyncBiotools => &["submissions.change_servicesubmission"],
            Cap::EditEdam => &["edam.change_edamterm"],
            Cap::ViewSpdx | Cap::SyncSpdx => &["licenses.view_spdxlicense"],
            Cap::EditSpdx => &["licenses.change_spdxlicense"],
            Cap::ViewBiotools => &["biotools.view_biotoolsrecord"],
            Cap::EditBiotools => &["biotools.change_biotoolsrecord"],
            Cap::AdminKeys => &["api.add_adminapikey"],
            Cap::ViewJobs => &["jobs.view_job"],
            Cap::SeeSubmitterIp | Cap::ManageUsers => &[],
        }
    }

    /// Whether these permissions (or superuser status) grant the capability.
    pub fn granted(self, perms: &BTreeSet<String>, is_superuser: bool) -> bool {
        is_superuser || self.any_of().iter().any(|p| perms.contains(*p))
    }
}

/// A signed-in, active staff user with the permissions loaded for this request.
#[derive(Clone)]
pub struct Staff {
    pub user: user::Model,
    pub perms: Arc<BTreeSet<String>>,
    pub session: Session,
    pub shell: Arc<Shell>,
    /// Flash messages taken for this page.
    pub flash: Vec<Flash>,
}

impl Staff {
    pub fn can(&self, cap: Cap) -> bool {
        cap.granted(&self.perms, self.user.is_superuser)
    }

    /// The server-side check of a screen or action: 403 unless the user has the capability.
    pub fn require(&self, cap: Cap) -> Result<(), AppError> {
        if self.can(cap) {
            Ok(())
        } else {
            Err(AppError::Forbidden(FORBIDDEN.into()))
        }
    }

    /// The change-log and audit actor: `admin:<username>`.
    pub fn actor(&self) -> String {
        format!("admin:{}", self.user.username)
    }
}

/// Paths a user who must enrol may still use.
fn enrolment_allowed(path_in_admin: &str) -> bool {
    ["2fa/setup/", "logout/"].contains(&path_in_admin)
}

fn to_login(prefix: &str, parts: &Parts) -> Response {
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let next: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
    let login = path(prefix, "login/");
    if parts.method == Method::GET || parts.method == Method::HEAD {
        Redirect::to(&format!("{login}?next={next}")).into_response()
    } else {
        // A form from an expired session: send the browser to the login page, not the action.
        Redirect::to(&login).into_response()
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let prefix = state.config.admin_url_prefix.clone();
        let shell = parts
            .extensions
            .get::<Arc<Shell>>()
            .cloned()
            .ok_or_else(|| AppError::internal("admin shell missing").into_response())?;
        let Some(token) = crate::web::csrf::cookie_value(&parts.headers, session::COOKIE) else {
            return Err(to_login(&prefix, parts));
        };
        let now = state.clock.now();
        let db = &state.db;
        let fail = |e: sea_orm::DbErr| AppError::from(e).into_response();
        let Some(mut s) = session::load(db, token, state.config.session_cookie_age, now)
            .await
            .map_err(fail)?
        else {
            return Err(to_login(&prefix, parts));
        };
        if s.data.stage != Stage::Full {
            return Err(Redirect::to(&path(&prefix, "login/2fa/")).into_response());
        }
        let found = user::Entity::find_by_id(s.user_id)
            .one(db)
            .await
            .map_err(fail)?;
        let Some(u) = found.filter(|u| u.is_active && u.is_staff) else {
            session::delete(db, &s.id).await.map_err(fail)?;
            return Err(to_login(&prefix, parts));
        };
        let inside = parts
            .uri
            .path()
            .strip_prefix(&format!("/{prefix}/"))
            .unwrap_or_default()
            .to_string();
        if state
            .config
            .site
            .admin
            .require_2fa
            .applies_to(u.is_superuser)
            && !enrolment_allowed(&inside)
            && !super::totp::is_enrolled(db, u.id).await.map_err(fail)?
        {
            return Err(Redirect::to(&path(&prefix, "2fa/setup/")).into_response());
        }
        let perms = crate::auth::users::effective_permissions(db, &u)
            .await
            .map_err(fail)?;
        // A full page takes the flash messages; HTMX fragments and POSTs leave them for it.
        let mut flash = Vec::new();
        let is_page = parts.method == Method::GET && !parts.headers.contains_key("hx-request");
        let wants_html = parts
            .headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|a| a.contains("text/html") || a.contains("*/*"));
        if is_page && wants_html && !s.data.flash.is_empty() {
            flash = std::mem::take(&mut s.data.flash);
            session::save(db, &s.id, &s.data, now).await.map_err(fail)?;
        }
        Ok(Staff {
            user: u,
            perms: Arc::new(perms),
            session: s,
            shell,
            flash,
        })
    }
}

use sea_orm::EntityTrait;

#[cfg(test)]
mod tests {
    use super::Cap::{self, *};
    use std::collections::BTreeSet;

    /// admin-jobs §2.3, row by row: (capability, S0, Viewer, Editor, Manager); superusers have all.
    const TABLE: [(Cap, bool, bool, bool, bool); 24] = [
        (ViewSubmissions, false, true, true, true),
        (EditSubmissions, false, false, true, true),
        (ApproveSubmissions, false, false, true, true),
        (StatusPanel, false, false, true, true),
        (ManageKeys, false, false, true, true),
        (ViewKeys, false, true, true, true),
        (DeleteSubmissions, false, false, false, true),
        (SeeSubmitterIp, false, false, false, false),
        (ViewChangeLog, false, true, true, true),
        (DeleteChangeLog, false, false, false, false),
        (ViewDeletionAudits, false, false, false, false),
        (ViewReference, false, true, true, true),
        (EditReference, false, false, false, true),
        (ViewEdam, false, true, true, true),
        (EditEdam, false, false, false, false),
        (SyncEdam, false, false, true, true),
        (ViewSpdx, false, false, false, false),
        (SyncSpdx, false, false, false, false),
        (ViewBiotools, false, true, true, true),
        (SyncBiotools, false, false, true, true),
        (EditBiotools, false, false, false, false),
        (AdminKeys, false, false, false, false),
        (ViewJobs, false, true, true, true),
        (ManageUsers, false, false, false, false),
    ];

    #[test]
    fn every_line_of_the_capability_table() {
        let roles = crate::auth::roles::roles();
        let set =
            |i: usize| -> BTreeSet<String> { roles[i].1.iter().map(|s| s.to_string()).collect() };
        let none = BTreeSet::new();
        let (v, e, m) = (set(0), set(1), set(2));
        for (cap, s0, cv, ce, cm) in TABLE {
            assert_eq!(
                cap.granted(&none, false),
                s0,
                "{cap:?} for staff without a role"
            );
            assert_eq!(cap.granted(&v, false), cv, "{cap:?} for a Viewer");
            assert_eq!(cap.granted(&e, false), ce, "{cap:?} for an Editor");
            assert_eq!(cap.granted(&m, false), cm, "{cap:?} for a Manager");
            assert!(cap.granted(&none, true), "{cap:?} for a superuser");
        }
    }
}

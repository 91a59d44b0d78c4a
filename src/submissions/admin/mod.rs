//! The submissions domain's section of the admin portal: the review list (filters, search, sort,
//! bulk actions, exports), the submission page (status buttons, maturity tags, change history, audit
//! trail, bio.tools status, API-key panel, delete) and the dashboard widget. Every action calls the
//! domain's use cases (`lifecycle`, `service`, the key functions); no rule lives in a handler.

mod dashboard;
mod detail;
mod edit;
mod entries;
mod export;
mod facets;
mod keys;
mod list;
pub mod query;
mod records;

use axum::Router;
use axum::routing::{get, post};

use crate::admin::{Cap, NavItem, Section, path};

/// Rows per list page (the original's 30).
pub const PER_PAGE: u64 = 30;

/// The audit trail's object type for submissions.
pub const AUDIT_TYPE: &str = "submission";

/// Rows per batch of a streamed export (tests use it to build a selection bigger than one batch).
pub const EXPORT_BATCH: u64 = export::BATCH;

/// The CSV export's columns, in order (for tests and documentation).
pub fn export_columns() -> Vec<&'static str> {
    export::csv_header()
}

pub fn section(prefix: &str) -> Section {
    let p = |rest: &str| path(prefix, rest);
    let routes = Router::new()
        .route(&p("submissions/"), get(list::list))
        .route(&p("submissions/bulk/"), post(list::bulk))
        .route(&p("submissions/export/"), get(export::export))
        .route(&p("submissions/{id}/"), get(detail::page))
        .route(
            &p("submissions/{id}/edit/"),
            get(edit::page).post(edit::save),
        )
        .route(&p("submissions/{id}/status/"), post(detail::status))
        .route(&p("submissions/{id}/tags/"), post(detail::tags))
        .route(&p("submissions/{id}/keys/"), post(keys::keys))
        .route(
            &p("submissions/{id}/biotools-sync/"),
            post(detail::biotools_sync),
        )
        .route(
            &p("submissions/{id}/delete/"),
            get(detail::delete_page).post(detail::delete),
        )
        .route(&p("changelog/"), get(records::change_log))
        .route(&p("changelog/{id}/"), get(entries::change_log_entry))
        .route(
            &p("changelog/{id}/delete/"),
            post(entries::delete_change_log_entry),
        )
        .route(&p("deletion-audits/"), get(records::deletion_audits))
        .route(&p("deletion-audits/{id}/"), get(entries::deletion_audit))
        .route(&p("keys/"), get(records::keys))
        .route(&p("keys/revoke/"), post(records::revoke_key));
    Section {
        nav: vec![
            NavItem {
                group: "Service Submissions",
                label: "Service submissions",
                href: "submissions/",
                cap: Cap::ViewSubmissions,
            },
            NavItem {
                group: "Service Submissions",
                label: "Submission API keys",
                href: "keys/",
                cap: Cap::ViewKeys,
            },
            NavItem {
                group: "Service Submissions",
                label: "Change log",
                href: "changelog/",
                cap: Cap::ViewChangeLog,
            },
            NavItem {
                group: "Service Submissions",
                label: "Deletion audits",
                href: "deletion-audits/",
                cap: Cap::ViewDeletionAudits,
            },
        ],
        routes,
        widgets: vec![dashboard::widget],
    }
}

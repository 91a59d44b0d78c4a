//! Detail pages of single records: one change-log entry (every changed field old → new, who, when,
//! a link to the submission) and one deletion audit (superusers, read-only: what was deleted, by
//! whom, and the change history it kept). The lists link here. Superusers may delete a change-log
//! entry (the spec's capability table); the audit trail keeps who deleted what.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use sea_orm::{EntityTrait, ModelTrait};

use crate::admin::form::CsrfFields;
use crate::admin::{Cap, Staff, audit, flash_and_redirect, path, render};
use crate::error::AppError;
use crate::state::AppState;
use crate::submissions::diff::Change;
use crate::submissions::entity::{
    service_submission as sub, submission_change_log as log, submission_deletion_audit as del,
};
use crate::submissions::model::status_label;
use crate::web::PageContext;

fn fmt(state: &AppState, t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&state.config.time_zone)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn number(id: &str) -> Result<i64, AppError> {
    id.parse()
        .map_err(|_| AppError::NotFound("No such entry.".into()))
}

fn changes_of(v: &serde_json::Value) -> Vec<Change> {
    serde_json::from_value(v.clone()).unwrap_or_default()
}

pub async fn change_log_entry(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    staff.require(Cap::ViewChangeLog)?;
    let e = log::Entity::find_by_id(number(&id)?)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::NotFound("No such change-log entry.".into()))?;
    let name = sub::Entity::find_by_id(e.submission_id)
        .one(&state.db)
        .await?
        .map(|s| s.service_name)
        .unwrap_or_default();
    let ctx = context! {
        kind => "change",
        e => context! {
            id => e.id,
            submission_id => e.submission_id.to_string(),
            service_name => name,
            changed_by => e.changed_by,
            changed_at => fmt(&state, e.changed_at),
            changes => changes_of(&e.changes),
        },
        may_delete => staff.can(Cap::DeleteChangeLog),
    };
    render(
        &state,
        &pc,
        Some(&staff),
        "admin/submissions/entry.html",
        ctx,
        StatusCode::OK,
    )
}

/// Deletes one change-log entry; an audit row (in the same transaction) says what it recorded.
pub async fn delete_change_log_entry(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    CsrfFields(_): CsrfFields,
) -> Result<Response, AppError> {
    staff.require(Cap::DeleteChangeLog)?;
    let txn = crate::db::begin_write(&state.db).await?;
    let e = log::Entity::find_by_id(number(&id)?)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound("No such change-log entry.".into()))?;
    let name = sub::Entity::find_by_id(e.submission_id)
        .one(&txn)
        .await?
        .map(|s| s.service_name)
        .unwrap_or_default();
    let fields: Vec<String> = changes_of(&e.changes)
        .into_iter()
        .map(|c| c.label)
        .collect();
    let message = format!(
        "Deleted the change-log entry by {} at {} (fields: {}).",
        e.changed_by,
        fmt(&state, e.changed_at),
        if fields.is_empty() {
            "none".to_string()
        } else {
            fields.join(", ")
        }
    );
    let submission = e.submission_id;
    let entry_id = e.id.to_string();
    e.delete(&txn).await?;
    audit::record(
        &txn,
        audit::Entry {
            actor: &staff.actor(),
            action: "delete",
            object_type: "changelog",
            object_id: &entry_id,
            object_repr: &name,
            message: &message,
        },
        state.clock.now(),
    )
    .await?;
    txn.commit().await?;
    flash_and_redirect(
        &state,
        &staff,
        "success",
        format!("Change-log entry {entry_id} was deleted."),
        &path(
            &state.config.admin_url_prefix,
            &format!("changelog/?submission__id={submission}"),
        ),
    )
    .await
}

/// One entry of a deletion audit's kept history (as written by `repo::insert_deletion_audit`).
#[derive(serde::Deserialize, serde::Serialize, Default)]
struct Kept {
    #[serde(default)]
    changed_by: String,
    #[serde(default)]
    changed_at: String,
    #[serde(default)]
    changes: Vec<Change>,
}

pub async fn deletion_audit(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    staff.require(Cap::ViewDeletionAudits)?;
    let d = del::Entity::find_by_id(number(&id)?)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::NotFound("No such deletion audit.".into()))?;
    let kept: Vec<Kept> = serde_json::from_value(d.changelog_snapshot.clone()).unwrap_or_default();
    let ctx = context! {
        kind => "deletion",
        d => context! {
            id => d.id,
            submission_id => d.submission_id.to_string(),
            service_name => d.service_name,
            status_label => status_label(&d.status),
            submitter => format!("{} {} — {}", d.submitter_first_name, d.submitter_last_name, d.submitter_affiliation),
            public_contact_email => d.public_contact_email,
            deleted_by => d.deleted_by,
            deleted_at => fmt(&state, d.deleted_at),
            changelog_count => d.changelog_count,
            log => kept,
        },
    };
    render(
        &state,
        &pc,
        Some(&staff),
        "admin/submissions/entry.html",
        ctx,
        StatusCode::OK,
    )
}

//! `submissions/<id>/`: the submission page — every section read-only (the office edits through the
//! domain's actions), the status buttons, maturity tags, change history (newest first, each entry
//! expandable), the audit trail of admin actions, bio.tools status with "sync now", the API-key panel,
//! and the delete confirmation that shows what will be lost and suggests deprecating instead.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::{Value, context};
use serde::Serialize;
use uuid::Uuid;

use super::AUDIT_TYPE;
use super::list::center_label;
use crate::admin::form::CsrfFields;
use crate::admin::{Cap, Staff, audit, flash_and_redirect, path, render};
use crate::error::AppError;
use crate::state::AppState;
use crate::submissions::diff::{Change, secondary_tags, snapshot};
use crate::submissions::lifecycle::{self, PRIMARY_TAGS, SECONDARY_TAGS};
use crate::submissions::model::{Status, SubmissionId, status_label, tag_label};
use crate::submissions::repo::{self, SubmissionRecord};
use crate::submissions::service::{self, Ctx};
use crate::web::PageContext;

/// The form's sections, by the field that opens each.
const SECTIONS: [(&str, &str); 7] = [
    ("date_of_entry", "A — General"),
    ("service_name", "B — Service Master Data"),
    ("responsible_pi_ids", "C — Responsibilities"),
    ("website_url", "D — Websites & Links"),
    ("kpi_monitoring", "E — KPIs"),
    ("keywords_uncited", "F — Discoverability & Outreach"),
    ("data_protection_consent", "G — Consent"),
];

#[derive(Serialize)]
struct FieldRow {
    label: &'static str,
    value: String,
}

#[derive(Serialize)]
struct Group {
    title: &'static str,
    fields: Vec<FieldRow>,
}

#[derive(Serialize)]
struct LogEntry {
    changed_by: String,
    changed_at: String,
    changes: Vec<Change>,
}

pub async fn load(state: &AppState, id: &str) -> Result<SubmissionRecord, AppError> {
    let id =
        SubmissionId::parse(id).ok_or_else(|| AppError::NotFound("No such submission.".into()))?;
    repo::load(&state.db, id)
        .await?
        .ok_or_else(|| AppError::NotFound("No such submission.".into()))
}

fn groups(r: &SubmissionRecord) -> Vec<Group> {
    let snap = snapshot(r);
    let mut out: Vec<Group> = Vec::new();
    for spec in crate::submissions::input::FIELDS {
        if let Some((_, title)) = SECTIONS.iter().find(|(n, _)| *n == spec.name) {
            out.push(Group {
                title,
                fields: Vec::new(),
            });
        }
        let value = match spec.name {
            "service_center_id" => r.center.as_ref().map(center_label).unwrap_or_default(),
            _ => snap.get(spec.field).cloned().unwrap_or_default(),
        };
        if let Some(g) = out.last_mut() {
            g.fields.push(FieldRow {
                label: spec.label,
                value,
            });
        }
    }
    out
}

/// Renders the page; `new_key` is a key's plaintext to show this once (never stored anywhere).
pub async fn render_page(
    state: &AppState,
    pc: &PageContext,
    staff: &Staff,
    r: &SubmissionRecord,
    new_key: Option<(String, String)>,
) -> Result<Response, AppError> {
    let s = &r.row;
    let tz = state.config.time_zone;
    let at = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
    };
    let log: Vec<LogEntry> = repo::change_log_of(&state.db, r.id())
        .await?
        .into_iter()
        .take(50)
        .map(|l| LogEntry {
            changed_by: l.changed_by,
            changed_at: at(l.changed_at),
            changes: serde_json::from_value(l.changes).unwrap_or_default(),
        })
        .collect();
    let log_total = repo::change_log_of(&state.db, r.id()).await?.len();
    let trail = audit::for_object(&state.db, AUDIT_TYPE, &s.id.to_string(), 100).await?;
    let keys = if staff.can(Cap::ViewKeys) {
        super::keys::keys_of(state, s.id).await?
    } else {
        Vec::new()
    };
    let biotools = crate::biotools::repo::record_of(&state.db, s.id).await?;
    let secondary: Vec<String> = secondary_tags(s);
    let tag_warning = (s.status == Status::Approved.code()
        && (s.primary_maturity_tag.is_some() || !secondary.is_empty()))
    .then(|| {
        let sec: Vec<String> = secondary.iter().map(|t| tag_label(t)).collect();
        match &s.primary_maturity_tag {
            Some(p) if sec.is_empty() => tag_label(p),
            Some(p) => format!("{} ({})", tag_label(p), sec.join(", ")),
            None => sec.join(", "),
        }
    });
    let statuses: Vec<Value> = [
        (
            "approve",
            Status::Approved,
            "Approve",
            Cap::ApproveSubmissions,
        ),
        (
            "reject",
            Status::Rejected,
            "Reject",
            Cap::ApproveSubmissions,
        ),
        (
            "under_review",
            Status::UnderReview,
            "Mark Under Review",
            Cap::EditSubmissions,
        ),
        (
            "deprecate",
            Status::Deprecated,
            "Deprecate",
            Cap::EditSubmissions,
        ),
        (
            "undeprecate",
            Status::Submitted,
            "Undeprecate → Submitted",
            Cap::EditSubmissions,
        ),
    ]
    .iter()
    .filter(|(.., cap)| staff.can(*cap))
    .map(|(key, st, label, _)| {
        context! {
            key => key, label => label,
            current => *key != "undeprecate" && st.code() == s.status,
        }
    })
    .collect();
    let ctx = context! {
        s => context! {
            id => s.id, service_name => s.service_name, status => s.status,
            status_label => status_label(&s.status),
            primary => s.primary_maturity_tag, secondary => secondary,
            submitted_at => at(s.submitted_at), updated_at => at(s.updated_at),
            submission_ip => staff.can(Cap::SeeSubmitterIp).then(|| s.submission_ip.clone()).flatten(),
            biotools_url => s.biotools_url,
        },
        groups => groups(r),
        log => log,
        log_total => log_total,
        trail => trail.into_iter().map(|t| context! {
            at => at(t.at), actor => t.actor, action => t.action, message => t.message,
        }).collect::<Vec<_>>(),
        keys => keys,
        new_key => new_key.map(|(label, key)| context! { label => label, key => key }),
        biotools => biotools.map(|b| context! {
            biotools_id => b.biotools_id,
            ok => b.sync_error.is_empty() && b.last_synced_at.is_some(),
            last_synced_at => b.last_synced_at.map(at),
            sync_error => b.sync_error,
        }),
        statuses => statuses,
        tag_warning => tag_warning,
        primary_tags => PRIMARY_TAGS.iter().map(|t| (t.to_string(), tag_label(t))).collect::<Vec<_>>(),
        secondary_tags => SECONDARY_TAGS.iter().map(|t| (t.to_string(), tag_label(t))).collect::<Vec<_>>(),
    };
    let mut resp = render(
        state,
        pc,
        Some(staff),
        "admin/submissions/detail.html",
        ctx,
        StatusCode::OK,
    )?;
    resp.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(resp)
}

pub async fn page(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    staff.require(Cap::ViewSubmissions)?;
    let r = load(&state, &id).await?;
    render_page(&state, &pc, &staff, &r, None).await
}

fn detail_path(state: &AppState, id: Uuid) -> String {
    path(
        &state.config.admin_url_prefix,
        &format!("submissions/{id}/"),
    )
}

pub async fn status(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    CsrfFields(f): CsrfFields,
) -> Result<Response, AppError> {
    staff.require(Cap::StatusPanel)?;
    let (target, cap) = match f.get("target") {
        "approve" => (Status::Approved, Cap::ApproveSubmissions),
        "reject" => (Status::Rejected, Cap::ApproveSubmissions),
        "under_review" => (Status::UnderReview, Cap::EditSubmissions),
        "deprecate" => (Status::Deprecated, Cap::EditSubmissions),
        "undeprecate" => (Status::Submitted, Cap::EditSubmissions),
        other => {
            return Err(AppError::BadRequest(format!(
                "Unknown status action '{other}'."
            )));
        }
    };
    staff.require(cap)?;
    let r = load(&state, &id).await?;
    let before = r.row;
    let ctx = Ctx::new(&state);
    let back = detail_path(&state, before.id);
    // The change, its change log and this audit row commit together or not at all.
    let txn = crate::db::begin_write(&state.db).await?;
    if !lifecycle::set_status_in(&txn, &ctx, before.id, target.code(), &staff.actor()).await? {
        drop(txn);
        return flash_and_redirect(
            &state,
            &staff,
            "info",
            format!("The submission is already {}.", target.label()),
            &back,
        )
        .await;
    }
    let cleared = !target.keeps_tags()
        && (before.primary_maturity_tag.is_some() || !secondary_tags(&before).is_empty());
    audit::record(
        &txn,
        audit::Entry {
            actor: &staff.actor(),
            action: "change",
            object_type: AUDIT_TYPE,
            object_id: &before.id.to_string(),
            object_repr: &before.service_name,
            message: &format!(
                "Status changed {} → {}{}",
                status_label(&before.status),
                target.label(),
                if cleared {
                    "; maturity tags cleared"
                } else {
                    ""
                }
            ),
        },
        ctx.now(),
    )
    .await?;
    txn.commit().await?;
    flash_and_redirect(
        &state,
        &staff,
        "success",
        format!(
            "The submission “{}” is now {}.",
            before.service_name,
            target.label()
        ),
        &back,
    )
    .await
}

pub async fn tags(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    CsrfFields(f): CsrfFields,
) -> Result<Response, AppError> {
    staff.require(Cap::EditSubmissions)?;
    let r = load(&state, &id).await?;
    let back = detail_path(&state, r.row.id);
    let ctx = Ctx::new(&state);
    let txn = crate::db::begin_write(&state.db).await?;
    match lifecycle::set_maturity_tags_in(
        &txn,
        &ctx,
        &[r.row.id],
        f.get("primary_maturity_tag"),
        &f.all("secondary_maturity_tags"),
        &staff.actor(),
    )
    .await
    {
        Ok((_, changed)) if changed.is_empty() => {
            drop(txn);
            flash_and_redirect(
                &state,
                &staff,
                "info",
                "Saved — no field values were changed.",
                &back,
            )
            .await
        }
        Ok(_) => {
            audit::record(
                &txn,
                audit::Entry {
                    actor: &staff.actor(),
                    action: "change",
                    object_type: AUDIT_TYPE,
                    object_id: &r.row.id.to_string(),
                    object_repr: &r.row.service_name,
                    message: "Maturity tags changed.",
                },
                ctx.now(),
            )
            .await?;
            txn.commit().await?;
            flash_and_redirect(&state, &staff, "success", "Maturity tags saved.", &back).await
        }
        Err(AppError::BadRequest(m)) => {
            drop(txn);
            flash_and_redirect(&state, &staff, "danger", m, &back).await
        }
        Err(e) => Err(e),
    }
}

pub async fn biotools_sync(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    CsrfFields(_): CsrfFields,
) -> Result<Response, AppError> {
    staff.require(Cap::SyncBiotools)?;
    let r = load(&state, &id).await?;
    let back = detail_path(&state, r.row.id);
    if r.row.biotools_url.trim().is_empty() {
        return flash_and_redirect(
            &state,
            &staff,
            "warning",
            "This submission has no bio.tools URL.",
            &back,
        )
        .await;
    }
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    crate::biotools::jobs::enqueue_sync(&txn, r.row.id, now).await?;
    txn.commit().await?;
    flash_and_redirect(
        &state,
        &staff,
        "success",
        "Queued sync for 1 record(s).",
        &back,
    )
    .await
}

pub async fn delete_page(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    staff.require(Cap::DeleteSubmissions)?;
    let r = load(&state, &id).await?;
    let count = repo::change_log_of(&state.db, r.id()).await?.len();
    let keys = super::keys::keys_of(&state, r.row.id).await?.len();
    let ctx = context! {
        s => context! { id => r.row.id, service_name => r.row.service_name, status_label => status_label(&r.row.status) },
        changelog_count => count,
        key_count => keys,
    };
    render(
        &state,
        &pc,
        Some(&staff),
        "admin/submissions/delete.html",
        ctx,
        StatusCode::OK,
    )
}

pub async fn delete(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    CsrfFields(f): CsrfFields,
) -> Result<Response, AppError> {
    staff.require(Cap::DeleteSubmissions)?;
    let r = load(&state, &id).await?;
    let prefix = state.config.admin_url_prefix.clone();
    if f.get("confirm") != "yes" {
        return flash_and_redirect(
            &state,
            &staff,
            "warning",
            "The deletion was not confirmed.",
            &detail_path(&state, r.row.id),
        )
        .await;
    }
    let now = state.clock.now();
    let count = repo::change_log_of(&state.db, r.id()).await?.len();
    // The admin trail first: it survives the row, like the domain's deletion audit; both commit with
    // the deletion or not at all.
    let txn = crate::db::begin_write(&state.db).await?;
    audit::record(
        &txn,
        audit::Entry {
            actor: &staff.actor(),
            action: "delete",
            object_type: AUDIT_TYPE,
            object_id: &r.row.id.to_string(),
            object_repr: &r.row.service_name,
            message: &format!(
                "Deleted; {count} change-log entr(y/ies) kept in the deletion audit."
            ),
        },
        now,
    )
    .await?;
    service::delete_with_audit_in(&txn, r.row.id, &staff.actor(), now).await?;
    txn.commit().await?;
    flash_and_redirect(
        &state,
        &staff,
        "success",
        format!(
            "The submission “{}” was deleted successfully.",
            r.row.service_name
        ),
        &path(&prefix, "submissions/"),
    )
    .await
}

//! `submissions/<id>/edit/`: the office edits a submission's fields with the registration form's
//! fields and rules. Saving goes through `service::patch` — the same use case as the API and the public
//! edit form — so only values that really change count, the change log is written as
//! `admin:<user>`, an approved submission goes back to review unless every change is exempt, and the
//! update e-mails go out. A logo upload (multipart) uses the public forms' logo pipeline.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;

use super::AUDIT_TYPE;
use crate::admin::{Cap, Staff, audit, flash_and_redirect, path, render};
use crate::error::AppError;
use crate::state::AppState;
use crate::submissions::form::{self, FormValues};
use crate::submissions::input::SubmissionPatch;
use crate::submissions::model::{FieldErrors, status_label};
use crate::submissions::pages::{PostedForm, register, view};
use crate::submissions::repo::SubmissionRecord;
use crate::submissions::service::{self, Ctx};
use crate::web::PageContext;
use crate::web::csrf::CsrfCheck;

async fn edit_form(
    state: &AppState,
    pc: &PageContext,
    staff: &Staff,
    r: &SubmissionRecord,
    values: &FormValues,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let form = view::form_context(state, values, errors, Some(r)).await?;
    let ctx = context! {
        form => form,
        record => context! {
            id => r.row.id.to_string(),
            name => r.row.service_name.clone(),
            status => r.row.status.clone(),
            status_label => status_label(&r.row.status),
        },
    };
    render(
        state,
        pc,
        Some(staff),
        "admin/submissions/edit.html",
        ctx,
        status,
    )
}

pub async fn page(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    staff.require(Cap::EditSubmissions)?;
    let r = super::detail::load(&state, &id).await?;
    let values = form::to_form(&r);
    edit_form(
        &state,
        &pc,
        &staff,
        &r,
        &values,
        &FieldErrors::new(),
        StatusCode::OK,
    )
    .await
}

pub async fn save(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    Path(id): Path<String>,
    csrf: CsrfCheck,
    posted: PostedForm,
) -> Result<Response, AppError> {
    csrf.verify(Some(posted.first("csrf_token")))?;
    staff.require(Cap::EditSubmissions)?;
    let r = super::detail::load(&state, &id).await?;
    let form::FormInput { raw, mut errors } = form::from_form(&posted.values);
    let parsed = SubmissionPatch::try_from(&raw);
    // The logo goes through the same pipeline as on the public forms and the API (sniffing, size
    // limit, SVG sanitising, re-encoding); a refusal is an error on the logo field.
    let mut logo = register::logo_of(&state, posted.logo.clone(), &mut errors).await;
    if logo.is_none() && posted.first("logo_remove") == "true" {
        logo = Some(service::LogoUpdate::Remove);
    }
    let input = match parsed {
        Ok(input) if errors.is_empty() => input,
        Ok(_) => {
            return edit_form(
                &state,
                &pc,
                &staff,
                &r,
                &posted.values,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(e) => {
            let mut all = errors;
            for (field, messages) in e.iter() {
                for m in messages {
                    all.add(field, m.clone());
                }
            }
            return edit_form(
                &state,
                &pc,
                &staff,
                &r,
                &posted.values,
                &all,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let ctx = Ctx::new(&state);
    let actor = staff.actor();
    let back = path(
        &state.config.admin_url_prefix,
        &format!("submissions/{}/", r.row.id),
    );
    // The change, its change log and the audit row commit together or not at all.
    let txn = crate::db::begin_write(&state.db).await?;
    match service::patch_in(&txn, &ctx, r.id(), &input, logo, &actor).await {
        Ok((_, changes)) if changes.is_empty() => {
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
        Ok((after, changes)) => {
            let summary: Vec<String> = changes
                .iter()
                .map(|c| format!("{}: '{}' → '{}'", c.label, c.old, c.new))
                .collect();
            audit::record(
                &txn,
                audit::Entry {
                    actor: &actor,
                    action: "change",
                    object_type: AUDIT_TYPE,
                    object_id: &after.row.id.to_string(),
                    object_repr: &after.row.service_name,
                    message: &summary.join("; "),
                },
                ctx.now(),
            )
            .await?;
            txn.commit().await?;
            let reset = changes.iter().any(|c| c.field == "status");
            let mut msg = format!("{} field(s) changed: {}", changes.len(), summary.join("; "));
            if reset {
                msg.push_str(" The submission went back to review (status Submitted).");
            }
            flash_and_redirect(&state, &staff, "success", msg, &back).await
        }
        Err(e) => {
            drop(txn);
            let errors = register::field_errors(e)?;
            edit_form(
                &state,
                &pc,
                &staff,
                &r,
                &posted.values,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

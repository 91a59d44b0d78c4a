//! Two-factor settings of the signed-in user: status, TOTP enrolment (QR code drawn on the server,
//! recovery codes shown once) and turning it off when the site does not require it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::login::CodeForm;
use super::{Staff, audit, path, render, see_other, totp};
use crate::auth::password;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::PageContext;
use crate::web::csrf::CsrfForm;

pub async fn two_factor_status(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
) -> Result<Response, AppError> {
    let enrolled = totp::is_enrolled(&state.db, staff.user.id).await?;
    let left = totp::recovery_codes_left(&state.db, staff.user.id).await?;
    let required = state
        .config
        .site
        .admin
        .require_2fa
        .applies_to(staff.user.is_superuser);
    let ctx = context! { enrolled => enrolled, codes_left => left, required => required };
    render(
        &state,
        &pc,
        Some(&staff),
        "admin/two_factor.html",
        ctx,
        StatusCode::OK,
    )
}

async fn enrol_render(
    state: &AppState,
    pc: &PageContext,
    staff: &Staff,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let secret = totp::pending_secret(&state.db, staff.user.id, now).await?;
    let issuer = state.config.site.site.name.clone();
    let uri = totp::otpauth_uri(&secret, &staff.user.username, &issuer);
    let svg = totp::qr_svg(&uri).unwrap_or_default();
    let required = state
        .config
        .site
        .admin
        .require_2fa
        .applies_to(staff.user.is_superuser);
    let ctx = context! {
        qr_svg => minijinja::Value::from_safe_string(svg),
        secret => secret,
        error => error,
        required => required,
    };
    render(state, pc, Some(staff), "admin/enrol.html", ctx, status)
}

pub async fn enrol_page(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
) -> Result<Response, AppError> {
    if totp::is_enrolled(&state.db, staff.user.id).await? {
        return Ok(see_other(&path(&state.config.admin_url_prefix, "2fa/")));
    }
    enrol_render(&state, &pc, &staff, None, StatusCode::OK).await
}

pub async fn enrol(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    CsrfForm(f): CsrfForm<CodeForm>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let Some(codes) = totp::confirm(&txn, staff.user.id, &super::bounded(&f.code, 32), now).await?
    else {
        txn.rollback().await?;
        return enrol_render(
            &state,
            &pc,
            &staff,
            Some(
                "That code does not match. Check the time on your device and try the current code.",
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    audit::record(
        &txn,
        audit::Entry {
            actor: &staff.actor(),
            action: "change",
            object_type: "user",
            object_id: &staff.user.id.to_string(),
            object_repr: &staff.user.username,
            message: "Enrolled in two-factor sign-in.",
        },
        now,
    )
    .await?;
    txn.commit().await?;
    // The codes exist only in this response: never stored in plaintext, never in the session.
    render(
        &state,
        &pc,
        Some(&staff),
        "admin/recovery_codes.html",
        context! { codes => codes },
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    password: String,
}

pub async fn disable_two_factor(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(f): CsrfForm<DisableForm>,
) -> Result<Response, AppError> {
    let prefix = &state.config.admin_url_prefix;
    if state
        .config
        .site
        .admin
        .require_2fa
        .applies_to(staff.user.is_superuser)
    {
        return Err(AppError::Forbidden(
            "Two-factor sign-in is required for your account and cannot be turned off.".into(),
        ));
    }
    if !password::verify(&f.password, &staff.user.password_hash) {
        return super::flash_and_redirect(
            &state,
            &staff,
            "danger",
            "The password is not correct; two-factor sign-in stays on.",
            &path(prefix, "2fa/"),
        )
        .await;
    }
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    totp::remove(&txn, staff.user.id).await?;
    audit::record(
        &txn,
        audit::Entry {
            actor: &staff.actor(),
            action: "change",
            object_type: "user",
            object_id: &staff.user.id.to_string(),
            object_repr: &staff.user.username,
            message: "Turned off two-factor sign-in.",
        },
        now,
    )
    .await?;
    txn.commit().await?;
    super::flash_and_redirect(
        &state,
        &staff,
        "info",
        "Two-factor sign-in is off.",
        &path(prefix, "2fa/"),
    )
    .await
}

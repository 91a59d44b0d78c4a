//! Signing in and out: the password form (active staff only, Argon2), the second-factor step, the
//! lockout answer (429 with `Retry-After`), logout by POST, changing one's own password, and TOTP
//! enrolment with recovery codes shown once.

use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};
use minijinja::context;
use serde::Deserialize;

use super::session::{self, Data, Stage};
use super::{Staff, audit, lockout, path, render, see_other, totp};
use crate::auth::{password, users};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::PageContext;
use crate::web::csrf::{CsrfForm, cookie_value};

const BAD_LOGIN: &str = "Please enter the correct username and password for a staff account. \
     Note that both fields may be case-sensitive.";
const BAD_CODE: &str = "That code is not valid. Enter the current 6-digit code from your \
     authenticator app, or one of your unused recovery codes.";

/// A hash to verify against when the username is unknown, so both cases take the same time.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| password::hash("not a password of anyone").unwrap_or_default())
}

/// Only a path inside the portal is followed after sign-in (no open redirect).
fn safe_next(prefix: &str, next: Option<&str>) -> String {
    let home = path(prefix, "");
    match next {
        Some(n) if n.starts_with(&home) && !n.starts_with("//") && !n.contains('\\') => {
            n.to_string()
        }
        _ => home,
    }
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_page(
    State(state): State<AppState>,
    pc: PageContext,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let ctx = context! { next => q.next.unwrap_or_default(), error => None::<&str> };
    render(&state, &pc, None, "admin/login.html", ctx, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// The lockout answer: 429, `Retry-After`, the axes text.
fn locked(
    state: &AppState,
    pc: &PageContext,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Response, AppError> {
    let secs = (until - now).num_seconds().max(1);
    let ctx = context! { message => lockout::LOCKED };
    let mut resp = render(
        state,
        pc,
        None,
        "admin/locked.html",
        ctx,
        StatusCode::TOO_MANY_REQUESTS,
    )?;
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    Ok(resp)
}

fn with_cookie(mut resp: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(c) = cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

pub async fn login(
    State(state): State<AppState>,
    parts: Parts,
    pc: PageContext,
    CsrfForm(f): CsrfForm<LoginForm>,
) -> Result<Response, AppError> {
    let prefix = &state.config.admin_url_prefix;
    let db = &state.db;
    let now = state.clock.now();
    let address = super::client_address(&state, &parts);
    let username = super::bounded(&f.username, 150);
    if let Some(until) = lockout::locked_until(db, &state.config, &username, &address, now).await? {
        // Attempts while locked count too, so hammering keeps the lock (axes' behaviour).
        lockout::record(db, &username, &address, false, now).await?;
        return locked(&state, &pc, until, now);
    }
    let found = users::find_by_username(db, &username).await?;
    let ok = match &found {
        Some(u) => {
            password::verify_off_thread(&f.password, &u.password_hash).await
                && u.is_active
                && u.is_staff
        }
        None => {
            password::verify_off_thread(&f.password, dummy_hash()).await;
            false
        }
    };
    let user = match found {
        Some(u) if ok => u,
        _ => {
            lockout::record(db, &username, &address, false, now).await?;
            if let Some(until) =
                lockout::locked_until(db, &state.config, &username, &address, now).await?
            {
                return locked(&state, &pc, until, now);
            }
            let ctx = context! { next => f.next, error => BAD_LOGIN, username => username };
            return render(&state, &pc, None, "admin/login.html", ctx, StatusCode::OK);
        }
    };
    lockout::record(db, &username, &address, true, now).await?;
    let two_factor = totp::is_enrolled(db, user.id).await?;
    let next = safe_next(prefix, Some(f.next.as_str()));
    let data = Data {
        stage: if two_factor {
            Stage::SecondFactor
        } else {
            Stage::Full
        },
        next: Some(next.clone()),
        flash: Vec::new(),
    };
    let token = session::create(db, user.id, data, now).await?;
    let secure = super::secure_cookies(&state, &parts);
    let to = if two_factor {
        path(prefix, "login/2fa/")
    } else {
        signed_in(&state, &user, now).await?;
        next
    };
    Ok(with_cookie(
        see_other(&to),
        session::cookie(prefix, &token, secure),
    ))
}

async fn signed_in(
    state: &AppState,
    user: &crate::auth::entity::user::Model,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let mut am = user.clone().into_active_model();
    am.last_login = Set(Some(now));
    am.update(&state.db).await?;
    Ok(())
}

/// The session waiting for its second factor, if the cookie names one.
async fn pending(
    state: &AppState,
    parts: &Parts,
) -> Result<Option<(session::Session, crate::auth::entity::user::Model)>, AppError> {
    use sea_orm::EntityTrait;
    let Some(token) = cookie_value(&parts.headers, session::COOKIE) else {
        return Ok(None);
    };
    let now = state.clock.now();
    let Some(s) = session::load(&state.db, token, state.config.session_cookie_age, now).await?
    else {
        return Ok(None);
    };
    if s.data.stage != Stage::SecondFactor {
        return Ok(None);
    }
    let u = crate::auth::entity::user::Entity::find_by_id(s.user_id)
        .one(&state.db)
        .await?
        .filter(|u| u.is_active && u.is_staff);
    Ok(u.map(|u| (s, u)))
}

pub async fn second_factor_page(
    State(state): State<AppState>,
    parts: Parts,
    pc: PageContext,
) -> Result<Response, AppError> {
    if pending(&state, &parts).await?.is_none() {
        return Ok(see_other(&path(&state.config.admin_url_prefix, "login/")));
    }
    let ctx = context! { error => None::<&str> };
    render(
        &state,
        &pc,
        None,
        "admin/second_factor.html",
        ctx,
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    pub(super) code: String,
}

pub async fn second_factor(
    State(state): State<AppState>,
    parts: Parts,
    pc: PageContext,
    CsrfForm(f): CsrfForm<CodeForm>,
) -> Result<Response, AppError> {
    let prefix = &state.config.admin_url_prefix;
    let Some((mut s, user)) = pending(&state, &parts).await? else {
        return Ok(see_other(&path(prefix, "login/")));
    };
    let db = &state.db;
    let now = state.clock.now();
    let address = super::client_address(&state, &parts);
    if let Some(until) =
        lockout::locked_until(db, &state.config, &user.username, &address, now).await?
    {
        lockout::record(db, &user.username, &address, false, now).await?;
        session::delete(db, &s.id).await?;
        return locked(&state, &pc, until, now);
    }
    let code = super::bounded(&f.code, 32);
    if !totp::verify(db, user.id, &code, now).await? {
        // A wrong second factor counts like a wrong password.
        lockout::record(db, &user.username, &address, false, now).await?;
        if let Some(until) =
            lockout::locked_until(db, &state.config, &user.username, &address, now).await?
        {
            session::delete(db, &s.id).await?;
            return locked(&state, &pc, until, now);
        }
        let ctx = context! { error => BAD_CODE };
        return render(
            &state,
            &pc,
            None,
            "admin/second_factor.html",
            ctx,
            StatusCode::OK,
        );
    }
    // A fresh token for the full session: the pre-2FA one is never promoted.
    session::delete(db, &s.id).await?;
    s.data.stage = Stage::Full;
    let next = safe_next(prefix, s.data.next.as_deref());
    let token = session::create(db, user.id, s.data, now).await?;
    signed_in(&state, &user, now).await?;
    let secure = super::secure_cookies(&state, &parts);
    Ok(with_cookie(
        see_other(&next),
        session::cookie(prefix, &token, secure),
    ))
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn logout(
    State(state): State<AppState>,
    parts: Parts,
    pc: PageContext,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    if let Some(token) = cookie_value(&parts.headers, session::COOKIE) {
        session::delete(&state.db, &session::hash(token)).await?;
    }
    let prefix = &state.config.admin_url_prefix;
    let resp = render(
        &state,
        &pc,
        None,
        "admin/logged_out.html",
        context! {},
        StatusCode::OK,
    )?;
    Ok(with_cookie(
        resp,
        session::clear_cookie(prefix, super::secure_cookies(&state, &parts)),
    ))
}

pub async fn password_page(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
) -> Result<Response, AppError> {
    render(
        &state,
        &pc,
        Some(&staff),
        "admin/password.html",
        context! { errors => Vec::<String>::new() },
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    old_password: String,
    #[serde(default)]
    new_password1: String,
    #[serde(default)]
    new_password2: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> Result<Response, AppError> {
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let mut errors = Vec::new();
    if !password::verify_off_thread(&f.old_password, &staff.user.password_hash).await {
        errors.push("Your old password was entered incorrectly.".to_string());
    }
    if f.new_password1 != f.new_password2 {
        errors.push("The two new password fields didn’t match.".to_string());
    }
    if let Err(e) = password::check_policy(&f.new_password1) {
        errors.push(e.to_string());
    }
    if f.new_password1 == staff.user.username {
        errors.push("The password is too similar to the username.".to_string());
    }
    if !errors.is_empty() {
        return render(
            &state,
            &pc,
            Some(&staff),
            "admin/password.html",
            context! { errors => errors },
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let hash = password::hash_off_thread(&f.new_password1)
        .await
        .map_err(AppError::internal)?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let mut am = staff.user.clone().into_active_model();
    am.password_hash = Set(hash);
    am.update(&txn).await?;
    // Other browsers signed in with the old password are signed out.
    session::delete_for_user(&txn, staff.user.id, Some(&staff.session.id)).await?;
    audit::record(
        &txn,
        audit::Entry {
            actor: &staff.actor(),
            action: "change",
            object_type: "user",
            object_id: &staff.user.id.to_string(),
            object_repr: &staff.user.username,
            message: "Changed own password.",
        },
        now,
    )
    .await?;
    txn.commit().await?;
    super::flash_and_redirect(
        &state,
        &staff,
        "success",
        "Your password was changed.",
        &path(&state.config.admin_url_prefix, ""),
    )
    .await
}

//! `/update/`: a submitter enters their key and gets an edit session (a random token in an HttpOnly
//! cookie; the server keeps only its hash, bound to the key's hash and re-checked against the key on
//! every request), edits the pre-filled form, sees what changed, and may deprecate the service. The
//! key itself never goes into a cookie.

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::super::form::{self, FormValues};
use super::super::input::SubmissionPatch;
use super::super::model::{FieldErrors, SubmissionId};
use super::super::repo::{self, SubmissionRecord};
use super::super::service::{self, Ctx, LogoUpdate};
use super::register::{check_form, field_errors};
use super::sessions::{self, EditGrant};
use super::{PostedForm, page, see_other, view};
use crate::auth::api_keys::{SubmissionScope, verify_submission_key, well_formed};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::PageContext;
use crate::web::csrf::{CsrfCheck, CsrfForm, cookie_value};
use crate::web::rate_limit::{Policy, check_client};

const COOKIE: &str = "sr_edit";

/// The actor of the change log for edits made through the web form.
const ACTOR: &str = "submitter";

const READ_ONLY: &str = "This key is read-only: it can show the registration but not change it. \
    Use a key with write access to save changes.";

#[derive(Deserialize, Default)]
pub struct KeyPageQuery {
    session: Option<String>,
}

/// `GET /update/`: the key entry form.
pub async fn key_page(
    State(state): State<AppState>,
    pc: PageContext,
    axum::extract::Query(q): axum::extract::Query<KeyPageQuery>,
) -> Result<Response, AppError> {
    let notice = match q.session.as_deref() {
        Some("expired") => Some("Your edit session has ended. Enter your key again to continue."),
        Some("closed") => Some("You have left the edit form. Enter your key to edit again."),
        _ => None,
    };
    key_form(&state, &pc, None, notice, StatusCode::OK)
}

fn key_form(
    state: &AppState,
    pc: &PageContext,
    error: Option<&str>,
    notice: Option<&str>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let ctx = minijinja::context! { error => error, notice => notice };
    page(state, "submissions/update_key.html", pc, ctx, status)
}

#[derive(Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    api_key: String,
}

/// `POST /update/`: a valid, active key opens an edit session; anything else gets one message.
pub async fn enter_key(
    State(state): State<AppState>,
    parts: Parts,
    pc: PageContext,
    CsrfForm(f): CsrfForm<KeyForm>,
) -> Result<Response, AppError> {
    check_client(&state, &parts, Policy::Update).await?;
    let key = f.api_key.trim();
    if key.is_empty() {
        let msg = "Enter the API key you received when you registered the service.";
        return key_form(
            &state,
            &pc,
            Some(msg),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    if !well_formed(key) {
        let msg = "This is not an API key: a key is a long string of letters, digits, '-' and '_'. \
            Paste it exactly as you saved it.";
        return key_form(
            &state,
            &pc,
            Some(msg),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let Some(row) = verify_submission_key(&state.db, key).await? else {
        let msg = "This key is not valid. It may have been mistyped, or it was revoked.";
        return key_form(&state, &pc, Some(msg), None, StatusCode::FORBIDDEN);
    };
    let txn = crate::db::begin_write(&state.db).await?;
    let token = sessions::open_edit(&txn, &row, state.clock.now()).await?;
    txn.commit().await?;
    let https = crate::web::client::is_https(
        &parts.headers,
        &parts.extensions,
        &state.config.forwarded_allow_ips,
        &parts.uri,
    );
    let secure = if https || state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{COOKIE}={token}; Path=/update/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        sessions::EDIT_SESSION_MINUTES * 60
    );
    let mut resp = see_other("/update/edit/");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// The open edit session of a request, or the redirect back to key entry.
async fn session(
    state: &AppState,
    parts: &Parts,
) -> Result<Result<(String, EditGrant), Response>, AppError> {
    let expired = || Ok(Err(see_other("/update/?session=expired")));
    let Some(token) = cookie_value(&parts.headers, COOKIE).map(str::to_string) else {
        return expired();
    };
    match sessions::edit_grant(&state.db, &token, state.clock.now()).await? {
        Some(grant) => Ok(Ok((token, grant))),
        None => expired(),
    }
}

async fn load(state: &AppState, grant: &EditGrant) -> Result<SubmissionRecord, AppError> {
    repo::load(&state.db, SubmissionId(grant.submission_id))
        .await?
        .ok_or_else(|| AppError::NotFound("This registration no longer exists.".into()))
}

/// What the edit page shows besides the record: the values (as stored, or as just posted), the errors
/// and a notice.
struct Shown<'a> {
    values: &'a FormValues,
    errors: &'a FieldErrors,
    notice: Option<&'a str>,
}

/// The edit page again, with `errors` beside the values shown (refusals of a save or a deprecation).
async fn refuse(
    state: &AppState,
    pc: &PageContext,
    record: &SubmissionRecord,
    grant: &EditGrant,
    values: &FormValues,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let shown = Shown {
        values,
        errors,
        notice: None,
    };
    edit_form(state, pc, record, grant, shown, status).await
}

/// Renders the edit page.
async fn edit_form(
    state: &AppState,
    pc: &PageContext,
    record: &SubmissionRecord,
    grant: &EditGrant,
    shown: Shown<'_>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let Shown {
        values,
        errors,
        notice,
    } = shown;
    let form = view::form_context(state, values, errors, Some(record)).await?;
    let mail = super::super::notify::MailSettings::from_config(&state.config);
    let ctx = minijinja::context! {
        form => form,
        record => minijinja::context! {
            id => record.row.id.to_string(),
            name => record.row.service_name.clone(),
            status => record.row.status.clone(),
            status_label => super::super::model::status_label(&record.row.status),
            updated_at => mail.local_time(record.row.updated_at),
        },
        read_only => grant.scope == SubmissionScope::Read,
        key_label => grant.key_label.clone(),
        notice => notice,
    };
    page(state, "submissions/edit.html", pc, ctx, status)
}

#[derive(Deserialize, Default)]
pub struct EditQuery {
    done: Option<String>,
}

/// `GET /update/edit/`: the form pre-filled with every stored value.
pub async fn edit_page(
    State(state): State<AppState>,
    parts: Parts,
    pc: PageContext,
    axum::extract::Query(q): axum::extract::Query<EditQuery>,
) -> Result<Response, AppError> {
    let (_, grant) = match session(&state, &parts).await? {
        Ok(s) => s,
        Err(redirect) => return Ok(redirect),
    };
    let record = load(&state, &grant).await?;
    let notice = match q.done.as_deref() {
        Some("deprecated") => {
            Some("The service is now marked as deprecated. The office has been notified.")
        }
        _ => None,
    };
    let values = form::to_form(&record);
    edit_form(
        &state,
        &pc,
        &record,
        &grant,
        Shown {
            values: &values,
            errors: &FieldErrors::new(),
            notice,
        },
        StatusCode::OK,
    )
    .await
}

/// `POST /update/edit/`: saves the changed values (write keys only) and shows what changed.
pub async fn save(
    State(state): State<AppState>,
    parts: Parts,
    pc: PageContext,
    csrf: CsrfCheck,
    posted: PostedForm,
) -> Result<Response, AppError> {
    csrf.verify(Some(posted.first("csrf_token")))?;
    check_client(&state, &parts, Policy::Update).await?;
    let (_, grant) = match session(&state, &parts).await? {
        Ok(s) => s,
        Err(redirect) => return Ok(redirect),
    };
    let record = load(&state, &grant).await?;
    if grant.scope != SubmissionScope::Write {
        let errors = FieldErrors::single("form", READ_ONLY);
        return refuse(
            &state,
            &pc,
            &record,
            &grant,
            &posted.values,
            &errors,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let (input, errors, mut logo) =
        check_form::<SubmissionPatch>(&state, &posted, Some(&record)).await?;
    if logo.is_none() && posted.first("logo_remove") == "true" {
        logo = Some(LogoUpdate::Remove);
    }
    let Some(input) = input else {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return refuse(
            &state,
            &pc,
            &record,
            &grant,
            &posted.values,
            &errors,
            status,
        )
        .await;
    };
    let ctx = Ctx::new(&state);
    match service::patch(&ctx, record.id(), &input, logo, ACTOR).await {
        Ok((after, changes)) => {
            let reset = changes.iter().any(|c| c.field == "status");
            let ctx = minijinja::context! {
                name => after.row.service_name,
                changes => minijinja::Value::from_serialize(&changes),
                reset => reset,
            };
            page(&state, "submissions/changes.html", &pc, ctx, StatusCode::OK)
        }
        Err(e) => {
            let errors = field_errors(e)?;
            refuse(
                &state,
                &pc,
                &record,
                &grant,
                &posted.values,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct DeprecateForm {
    confirm: Option<String>,
}

/// `POST /update/deprecate/`: marks the service deprecated (write keys only, after confirmation).
pub async fn deprecate(
    State(state): State<AppState>,
    parts: Parts,
    pc: PageContext,
    CsrfForm(f): CsrfForm<DeprecateForm>,
) -> Result<Response, AppError> {
    check_client(&state, &parts, Policy::Update).await?;
    let (_, grant) = match session(&state, &parts).await? {
        Ok(s) => s,
        Err(redirect) => return Ok(redirect),
    };
    let record = load(&state, &grant).await?;
    let values = form::to_form(&record);
    if grant.scope != SubmissionScope::Write {
        let errors = FieldErrors::single("form", READ_ONLY);
        return refuse(
            &state,
            &pc,
            &record,
            &grant,
            &values,
            &errors,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    if f.confirm.as_deref() != Some("yes") {
        let errors = FieldErrors::single(
            "deprecate",
            "Tick the box to confirm that the service should be marked as deprecated.",
        );
        return refuse(
            &state,
            &pc,
            &record,
            &grant,
            &values,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let ctx = Ctx::new(&state);
    super::super::lifecycle::set_status(&state.db, &ctx, grant.submission_id, "deprecated", ACTOR)
        .await?;
    Ok(see_other("/update/edit/?done=deprecated"))
}

/// `POST /update/done/`: ends the edit session.
pub async fn done(
    State(state): State<AppState>,
    parts: Parts,
    CsrfForm(_): CsrfForm<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    if let Some(token) = cookie_value(&parts.headers, COOKIE) {
        let txn = crate::db::begin_write(&state.db).await?;
        sessions::close_edit(&txn, token).await?;
        txn.commit().await?;
    }
    let mut resp = see_other("/update/?session=closed");
    let clear = format!("{COOKIE}=; Path=/update/; HttpOnly; SameSite=Strict; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&clear) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp.into_response())
}

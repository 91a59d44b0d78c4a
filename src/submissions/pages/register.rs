//! `/register/`: the blank form, the post (every field checked by the domain, the captcha, the form's
//! one-time id), the page that shows the new key once, and the helpers the form calls as the submitter
//! types: inline validation of one field and the licence search.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use chrono::Datelike;
use serde::{Deserialize, Serialize};

use super::super::form::{self, FormInput, FormValues};
use super::super::input::NewSubmission;
use super::super::model::FieldErrors;
use super::super::service::{self, Ctx, LogoUpdate};
use super::{PostedForm, page, view};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::PageContext;
use crate::web::csrf::{CsrfCheck, CsrfForm};
use crate::web::rate_limit::{Policy, check_client};

/// The values a blank form starts with.
fn defaults(state: &AppState) -> FormValues {
    let today = state
        .clock
        .now()
        .with_timezone(&state.config.time_zone)
        .date_naive();
    let mut v = FormValues::new();
    for (k, val) in [
        ("date_of_entry", today.format("%Y-%m-%d").to_string()),
        ("register_as_elixir", "false".into()),
        ("is_toolbox", "false".into()),
        ("survey_participation", "true".into()),
    ] {
        v.insert(k.to_string(), vec![val]);
    }
    v
}

/// A fresh one-time id for a rendered form.
fn new_form_id() -> String {
    let mut bytes = [0u8; 16];
    rand::fill(&mut bytes);
    hex::encode(bytes)
}

async fn render_form(
    state: &AppState,
    pc: &PageContext,
    values: &FormValues,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let form = view::form_context(state, values, errors, None).await?;
    let ctx = minijinja::context! { form => form, form_id => new_form_id() };
    page(state, "submissions/register.html", pc, ctx, status)
}

/// The body of the blank form (sections A–G, without the per-request token, id and nonce), rendered
/// once per distinct content: the key hashes everything it shows (choices, defaults, settings) and the
/// template environment, so a new category or a new day renders it afresh and nothing is ever stale.
static BLANK_BODY: std::sync::Mutex<Option<(u64, std::sync::Arc<str>)>> =
    std::sync::Mutex::new(None);

async fn blank_body(
    state: &AppState,
    form: &minijinja::Value,
) -> Result<std::sync::Arc<str>, AppError> {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (std::sync::Arc::as_ptr(&state.templates) as usize).hash(&mut h);
    form.hash(&mut h);
    let key = h.finish();
    let cached = BLANK_BODY.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if let Some((k, body)) = cached
        && k == key
    {
        return Ok(body);
    }
    let body: std::sync::Arc<str> = state
        .templates
        .render(
            "submissions/form_body.html",
            minijinja::context! { form => form.clone(), mode => "register" },
        )
        .map_err(|e| AppError::internal(format!("template submissions/form_body.html: {e}")))?
        .into();
    *BLANK_BODY.lock().unwrap_or_else(|p| p.into_inner()) = Some((key, body.clone()));
    Ok(body)
}

/// `GET /register/`: the blank form, its sections from [`blank_body`].
pub async fn blank(State(state): State<AppState>, pc: PageContext) -> Result<Response, AppError> {
    let form = view::form_context(&state, &defaults(&state), &FieldErrors::new(), None).await?;
    let body = blank_body(&state, &form).await?;
    let ctx = minijinja::context! {
        form => form,
        form_id => new_form_id(),
        body => minijinja::Value::from_safe_string(body.to_string()),
    };
    page(
        &state,
        "submissions/register.html",
        &pc,
        ctx,
        StatusCode::OK,
    )
}

/// Adds `more` to `errors`, for the fields that have none yet (a field shows its first problem).
pub fn merge_missing(errors: &mut FieldErrors, more: &FieldErrors) {
    for (field, messages) in more.iter() {
        if !errors.contains_key(field) {
            for m in messages {
                errors.add(field, m.clone());
            }
        }
    }
}

/// The field errors of a refused write, or the error itself.
pub fn field_errors(e: AppError) -> Result<FieldErrors, AppError> {
    match e {
        AppError::Validation(details) => Ok(FieldErrors::from_json(&details)),
        other => Err(other),
    }
}

/// Sniffs, checks and re-encodes an uploaded logo; a refusal is an error on the logo field (the
/// public forms and the admin edit form share it).
pub(crate) async fn logo_of(
    state: &AppState,
    bytes: Option<Vec<u8>>,
    errors: &mut FieldErrors,
) -> Option<LogoUpdate> {
    let bytes = bytes?;
    let max = state.config.site.uploads.logo_max_bytes;
    match super::super::logo::process_off_thread(bytes, max).await {
        Ok(p) => Some(LogoUpdate::New(p)),
        Err(e) => {
            errors.add("logo", e.to_string());
            None
        }
    }
}

/// The captcha of a posted form: `Ok` when solved (and not used before), else its message on the
/// `altcha` field. Nothing is checked when the captcha is switched off.
async fn check_captcha(
    state: &AppState,
    posted: &PostedForm,
    errors: &mut FieldErrors,
) -> Result<(), AppError> {
    let payload = posted
        .values
        .get("altcha")
        .and_then(|v| v.first())
        .map(String::as_str);
    match state
        .captcha
        .verify(&state.db, payload, state.clock.now())
        .await
    {
        Ok(()) => Ok(()),
        Err(crate::web::captcha::CaptchaError::Database(e)) => Err(AppError::from(e)),
        Err(e) => {
            errors.add("altcha", e.to_string());
            Ok(())
        }
    }
}

/// A posted form checked by the domain, as far as it can be without writing: its parsed input (`None`
/// when anything failed), every problem found (field rules, and — once the fields parse — references
/// and cross-field rules against `stored`), the processed logo, and last the captcha (so a solution is
/// spent only on a form that is otherwise valid).
pub async fn check_form<T>(
    state: &AppState,
    posted: &PostedForm,
    stored: Option<&super::super::repo::SubmissionRecord>,
) -> Result<(Option<T>, FieldErrors, Option<LogoUpdate>), AppError>
where
    T: for<'a> TryFrom<&'a super::super::input::RawSubmission, Error = FieldErrors>
        + std::ops::Deref<Target = super::super::input::Input>,
{
    let FormInput { raw, mut errors } = form::from_form(&posted.values);
    let parsed = T::try_from(&raw);
    match &parsed {
        Err(e) => merge_missing(&mut errors, e),
        Ok(input) if !errors.is_empty() => {
            // Also the references and cross-field rules, so that one round trip shows every problem.
            let year = current_year(state);
            if let Err(e) = super::super::validate::validate(&state.db, input, stored, year).await {
                merge_missing(&mut errors, &field_errors(e)?);
            }
        }
        Ok(_) => {}
    }
    let logo = logo_of(state, posted.logo.clone(), &mut errors).await;
    if errors.is_empty() {
        check_captcha(state, posted, &mut errors).await?;
    }
    let input = parsed.ok().filter(|_| errors.is_empty());
    Ok((input, errors, logo))
}

fn current_year(state: &AppState) -> i32 {
    state
        .clock
        .now()
        .with_timezone(&state.config.time_zone)
        .year()
}

/// `POST /register/`: a valid form becomes a submission and the page showing its key once; anything
/// else re-renders the form (422, or 400 when only the captcha failed) with every value kept.
pub async fn submit(
    State(state): State<AppState>,
    parts: Parts,
    pc: PageContext,
    csrf: CsrfCheck,
    posted: PostedForm,
) -> Result<Response, AppError> {
    csrf.verify(Some(posted.first("csrf_token")))?;
    check_client(&state, &parts, Policy::Submit).await?;
    let form_id = posted.first("form_id").trim().to_string();
    let form_id = (!form_id.is_empty() && form_id.len() <= 40).then_some(form_id);
    if let Some(id) = &form_id
        && crate::web::captcha::store::is_claimed(&state.db, &service::form_key(id)).await?
    {
        return already_sent(&state, &pc);
    }
    let (input, errors, logo) = check_form::<NewSubmission>(&state, &posted, None).await?;
    let Some(input) = input else {
        return refused(&state, &pc, &posted.values, &errors).await;
    };
    let mut origin = super::super::api::client_origin(&state, &parts);
    origin.form_id = form_id;
    let ctx = Ctx::new(&state);
    match service::create(&ctx, &input, logo, &origin).await {
        Ok((record, key)) => {
            let ctx = minijinja::context! {
                key => key,
                id => record.row.id.to_string(),
                service_name => record.row.service_name,
                contact => record.row.internal_contact_email,
            };
            page(&state, "submissions/success.html", &pc, ctx, StatusCode::OK)
        }
        Err(AppError::Conflict(_)) => already_sent(&state, &pc),
        Err(e) => {
            let errors = field_errors(e)?;
            refused(&state, &pc, &posted.values, &errors).await
        }
    }
}

async fn refused(
    state: &AppState,
    pc: &PageContext,
    values: &FormValues,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let only_captcha = errors.len() == 1 && errors.contains_key("altcha");
    let status = if only_captcha {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_form(state, pc, values, errors, status).await
}

/// The answer to a form sent a second time (a reload of the key page, a double click): the key was
/// shown once and is not shown again.
fn already_sent(state: &AppState, pc: &PageContext) -> Result<Response, AppError> {
    page(
        state,
        "submissions/already_sent.html",
        pc,
        minijinja::context! {},
        StatusCode::CONFLICT,
    )
}

/// `POST /register/validate/` (HTMX, on leaving a field): the field's messages as a fragment that
/// replaces its error list; the other fields are not looked at.
pub async fn validate_field(
    State(state): State<AppState>,
    parts: Parts,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    check_client(&state, &parts, Policy::Validate).await?;
    let mut values = FormValues::new();
    let mut field = None;
    for (k, v) in pairs {
        if k == "field" {
            field = Some(v);
        } else {
            values.entry(k).or_default().push(v);
        }
    }
    let field = field.ok_or_else(|| AppError::BadRequest("Say which field to check.".into()))?;
    let messages = form::check_field(&values, &field, current_year(&state))
        .ok_or_else(|| AppError::BadRequest("There is no such field.".into()))?;
    let html = state
        .templates
        .render(
            "submissions/field_errors.html",
            minijinja::context! { messages => messages },
        )
        .map_err(|e| AppError::internal(format!("field errors fragment: {e}")))?;
    Ok(Html(html).into_response())
}

#[derive(Deserialize)]
pub struct LicenseQuery {
    q: Option<String>,
}

#[derive(Serialize)]
struct LicenseHit {
    id: String,
    name: String,
}

/// `GET /licenses/search/?q=`: current (non-deprecated) SPDX licences for the picker, best first.
pub async fn license_search(
    State(state): State<AppState>,
    Query(q): Query<LicenseQuery>,
) -> Result<Response, AppError> {
    let q: String = q.q.unwrap_or_default().chars().take(80).collect();
    let rows = super::super::repo::search_licenses(&state.db, &q, 20).await?;
    let hits: Vec<LicenseHit> = rows
        .into_iter()
        .map(|l| LicenseHit {
            id: l.license_id,
            name: l.name,
        })
        .collect();
    Ok(Json(hits).into_response())
}

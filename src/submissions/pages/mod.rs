//! The public pages of the submissions domain: `/register/` (with inline validation and the one-time
//! key page), `/update/` (key entry, the edit form, deprecation) and lost-key recovery. Handlers read
//! the form, call the domain (`form`, `service`, `lifecycle`) and render what it returns.

mod recover;
pub(crate) mod register;
pub mod sessions;
mod update;
pub(crate) mod view;

use axum::Router;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::form::FormValues;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::PageContext;

/// Every route of the public forms.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/register/", get(register::blank).post(register::submit))
        .route("/register/validate/", post(register::validate_field))
        .route("/licenses/search/", get(register::license_search))
        .route("/update/", get(update::key_page).post(update::enter_key))
        .route("/update/edit/", get(update::edit_page).post(update::save))
        .route("/update/deprecate/", post(update::deprecate))
        .route("/update/done/", post(update::done))
        .route("/update/recover/", get(recover::ask).post(recover::request))
        .route(
            "/update/recover/{token}/",
            get(recover::confirm).post(recover::redeem),
        )
}

/// A posted form: its text values, and the uploaded logo when there was one.
pub struct PostedForm {
    pub values: FormValues,
    pub logo: Option<Vec<u8>>,
}

impl PostedForm {
    pub fn first(&self, name: &str) -> &str {
        super::form::first(&self.values, name)
    }
}

impl<S: Send + Sync> FromRequest<S> for PostedForm {
    type Rejection = AppError;

    /// Reads a multipart form (the registration and edit forms, which may carry a logo) or a
    /// URL-encoded one; the body is bounded by the router's request-body limit.
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let multipart = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("multipart/form-data"));
        let mut values = FormValues::new();
        if !multipart {
            let bytes = axum::body::to_bytes(req.into_body(), usize::MAX)
                .await
                .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
            for (k, v) in url::form_urlencoded::parse(&bytes) {
                values
                    .entry(k.into_owned())
                    .or_default()
                    .push(v.into_owned());
            }
            return Ok(Self { values, logo: None });
        }
        let unreadable = |e: axum::extract::multipart::MultipartError| {
            AppError::BadRequest(format!("The form could not be read: {}", e.body_text()))
        };
        let mut form = Multipart::from_request(req, state).await.map_err(|e| {
            AppError::BadRequest(format!("The form could not be read: {}", e.body_text()))
        })?;
        let mut logo = None;
        while let Some(field) = form.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or_default().to_string();
            if name == "logo" {
                let bytes = field.bytes().await.map_err(unreadable)?;
                if !bytes.is_empty() {
                    logo = Some(bytes.to_vec());
                }
                continue;
            }
            let text = field.text().await.map_err(unreadable)?;
            values.entry(name).or_default().push(text);
        }
        Ok(Self { values, logo })
    }
}

/// A rendered page with a status, never stored by any cache (forms carry tokens, keys are shown once).
pub fn page(
    state: &AppState,
    template: &str,
    page: &PageContext,
    ctx: minijinja::Value,
    status: StatusCode,
) -> Result<Response, AppError> {
    let mut resp = crate::web::render(state, template, page, ctx)?;
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// A `303 See Other` to `to` (after a successful POST).
pub fn see_other(to: &'static str) -> Response {
    (StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, to)]).into_response()
}

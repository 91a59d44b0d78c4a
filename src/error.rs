//! The one application error: handlers return it, and the error renderer (`web::errors`) turns it into the
//! API's JSON envelope under `/api/` or an HTML error page everywhere else.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("Invalid input.")]
    Validation(Value),
    #[error("{0}")]
    Forbidden(String),
    /// A form submitted without a valid CSRF token (see `web::csrf`): 403 with a message saying what to do.
    #[error("{}", .0.message())]
    Csrf(crate::web::csrf::CsrfFailure),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("Too many requests. Please try again later.")]
    RateLimited { retry_after_secs: u64 },
    #[error("{0}")]
    Unavailable(String),
    /// Another writer held the database for longer than a request may wait: 503 with `Retry-After`,
    /// nothing was written.
    #[error("The service is busy. Please try again in a moment.")]
    Busy,
    /// Database errors are never turned into "not found": they are internal errors, logged in full.
    #[error("database error: {0}")]
    Database(sea_orm::DbErr),
    #[error("internal error: {0}")]
    Internal(String),
}

/// What the error renderer needs to build a body; attached to the response as an extension.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        if crate::db::write::is_busy(&e) {
            tracing::warn!(error = %e, "database busy: answered 503");
            Self::Busy
        } else if crate::db::write::is_unavailable(&e) {
            tracing::error!(error = %e, "database unavailable: answered 503");
            Self::Unavailable(DATABASE_UNAVAILABLE.into())
        } else {
            Self::Database(e)
        }
    }
}

/// The message of a 503 while the database cannot be reached.
pub const DATABASE_UNAVAILABLE: &str =
    "The database is unavailable at the moment. Please try again shortly.";

/// Seconds a client is asked to wait after a busy database.
pub const BUSY_RETRY_AFTER_SECS: u64 = 1;

impl AppError {
    /// A validation error from each invalid field's messages (`field → messages`, the shape of
    /// `error.details`). Built directly, with no fallible serialisation that could lose the details.
    pub fn fields<K: Into<String>>(errors: impl IntoIterator<Item = (K, Vec<String>)>) -> Self {
        Self::Validation(Value::Object(
            errors
                .into_iter()
                .map(|(field, messages)| (field.into(), Value::from(messages)))
                .collect(),
        ))
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Validation(_) => StatusCode::BAD_REQUEST,
            Self::Forbidden(_) | Self::Csrf(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Database(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The machine-readable code and default message for a status, used for errors the framework produces
/// itself (unknown route, wrong method, oversized body) as well as for our own.
pub fn default_info(status: StatusCode) -> ErrorInfo {
    let (code, message) = match status.as_u16() {
        400 => ("bad_request", "The request could not be understood."),
        401 => (
            "not_authenticated",
            "Authentication credentials were not provided.",
        ),
        403 => (
            "forbidden",
            "You do not have permission to perform this action.",
        ),
        404 => ("not_found", "Not found."),
        405 => (
            "method_not_allowed",
            "Method not allowed for this resource.",
        ),
        406 => ("not_acceptable", "Not acceptable."),
        408 => ("timeout", "The request took too long."),
        409 => ("conflict", "The request conflicts with the current state."),
        413 => ("payload_too_large", "The request body is too large."),
        415 => ("unsupported_media_type", "Unsupported media type."),
        422 => ("unprocessable", "The request body could not be processed."),
        429 => ("rate_limited", "Too many requests. Please try again later."),
        503 => ("unavailable", "The service is temporarily unavailable."),
        s if s >= 500 => ("internal_error", "An internal error occurred."),
        _ => ("error", "The request failed."),
    };
    ErrorInfo {
        code,
        message: message.to_string(),
        details: None,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut info = default_info(status);
        match &self {
            Self::BadRequest(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::Conflict(m)
            | Self::MethodNotAllowed(m) => {
                info.message = m.clone();
            }
            Self::Unavailable(m) => info.message = m.clone(),
            Self::Csrf(failure) => {
                info.code = "csrf_failed";
                info.message = failure.message().into();
            }
            Self::Validation(details) => {
                info.code = "validation_error";
                info.message = "Invalid input.".into();
                info.details = Some(details.clone());
            }
            Self::RateLimited { .. } => {}
            Self::Busy => {
                info.code = "busy";
                info.message = self.to_string();
            }
            Self::Database(e) => tracing::error!(error = %e, "database error"),
            Self::Internal(e) => tracing::error!(error = %e, "internal error"),
        }
        let mut resp = status.into_response();
        let retry_after = match self {
            Self::RateLimited { retry_after_secs } => Some(retry_after_secs),
            Self::Busy => Some(BUSY_RETRY_AFTER_SECS),
            _ => None,
        };
        if let Some(secs) = retry_after
            && let Ok(v) = secs.to_string().parse()
        {
            resp.headers_mut().insert(http::header::RETRY_AFTER, v);
        }
        resp.extensions_mut().insert(info);
        resp
    }
}

pub type AppResult<T> = Result<T, AppError>;

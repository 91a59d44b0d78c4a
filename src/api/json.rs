//! `ApiJson<T>`: the JSON body extractor for the API, whose rejections become the error envelope with a
//! message that says what was wrong (malformed JSON, wrong content type, wrong field types, too large).

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::error::{AppError, ErrorInfo, default_info};

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let value = match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(v)) => v,
            Err(rejection) => return Err(json_rejection(rejection)),
        };
        // Every API body is a JSON object; serde alone would also read a struct from an array.
        if !value.is_object() {
            return Err(invalid_json(
                "Invalid JSON body: expected a JSON object.".into(),
            ));
        }
        serde_json::from_value(value)
            .map(Self)
            .map_err(|e| invalid_json(format!("Invalid JSON body: {e}")))
    }
}

fn invalid_json(message: String) -> Response {
    let mut resp = StatusCode::BAD_REQUEST.into_response();
    resp.extensions_mut().insert(ErrorInfo {
        code: "invalid_json",
        message,
        details: None,
    });
    resp
}

fn json_rejection(rejection: JsonRejection) -> Response {
    let (status, code, message) = match &rejection {
        JsonRejection::JsonSyntaxError(e) => (
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("Malformed JSON: {}", inner_message(e)),
        ),
        JsonRejection::JsonDataError(e) => (
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("Invalid JSON body: {}", inner_message(e)),
        ),
        JsonRejection::MissingJsonContentType(_) => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Expected a request with Content-Type: application/json.".to_string(),
        ),
        JsonRejection::BytesRejection(_) => {
            let status = rejection.status();
            (
                status,
                default_info(status).code,
                default_info(status).message,
            )
        }
        _ => (
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The request body could not be read.".to_string(),
        ),
    };
    if status.is_server_error() {
        return AppError::internal(rejection.body_text()).into_response();
    }
    let mut resp = status.into_response();
    resp.extensions_mut().insert(ErrorInfo {
        code,
        message,
        details: None,
    });
    resp
}

/// serde_json's own message (line/column and what it expected), without axum's prefix.
fn inner_message(e: &dyn std::error::Error) -> String {
    let mut source: &dyn std::error::Error = e;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}

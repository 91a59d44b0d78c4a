//! A submission request body: JSON, or multipart form data (which may carry the `logo` file). Both end
//! up as the same JSON object of fields plus an optional logo change, so one parser checks them all.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};

use super::input::{Kind, RawSubmission, spec};
use crate::api::json::ApiJson;
use crate::error::AppError;

/// What the request says about the logo.
#[derive(Debug, Default)]
pub enum LogoChange {
    #[default]
    Keep,
    Remove,
    Upload(Vec<u8>),
}

pub struct SubmissionBody {
    pub fields: RawSubmission,
    pub logo: LogoChange,
}

impl<S: Send + Sync> FromRequest<S> for SubmissionBody {
    type Rejection = axum::response::Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let multipart = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("multipart/form-data"));
        if !multipart {
            let ApiJson(mut fields) = ApiJson::<Value>::from_request(req, state).await?;
            // In JSON a logo can only be removed (`"logo": null`); files come as multipart.
            let logo = match fields.as_object_mut().and_then(|o| o.remove("logo")) {
                None => LogoChange::Keep,
                Some(Value::Null) => LogoChange::Remove,
                Some(_) => {
                    return Err(AppError::BadRequest(
                        "Upload a logo as a file in a multipart/form-data request; in JSON, \"logo\" may only be null."
                            .into(),
                    )
                    .into_response());
                }
            };
            return Ok(Self {
                fields: RawSubmission(fields),
                logo,
            });
        }
        let mut form = Multipart::from_request(req, state).await.map_err(|e| {
            AppError::BadRequest(format!("Malformed multipart body: {}", e.body_text()))
                .into_response()
        })?;
        let mut fields = Map::new();
        let mut logo = LogoChange::Keep;
        loop {
            let field = match form.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => {
                    return Err(AppError::BadRequest(format!(
                        "Malformed multipart body: {}",
                        e.body_text()
                    ))
                    .into_response());
                }
            };
            let name = field.name().unwrap_or_default().to_string();
            if name == "logo" {
                let bytes = field.bytes().await.map_err(|e| {
                    AppError::BadRequest(format!("Cannot read the logo: {}", e.body_text()))
                        .into_response()
                })?;
                logo = if bytes.is_empty() {
                    LogoChange::Remove
                } else {
                    LogoChange::Upload(bytes.to_vec())
                };
                continue;
            }
            let text = field.text().await.map_err(|e| {
                AppError::BadRequest(format!("Field '{name}' is not text: {}", e.body_text()))
                    .into_response()
            })?;
            // List fields may repeat, or carry a JSON array.
            match spec(&name).map(|s| s.kind) {
                Some(Kind::IntList | Kind::UuidList | Kind::StrList) => {
                    let items = match serde_json::from_str::<Value>(&text) {
                        Ok(Value::Array(a)) => a,
                        _ => vec![Value::String(text)],
                    };
                    let entry = fields
                        .entry(name)
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(list) = entry {
                        list.extend(items);
                    }
                }
                _ => {
                    fields.insert(name, Value::String(text));
                }
            }
        }
        Ok(Self {
            fields: RawSubmission(Value::Object(fields)),
            logo,
        })
    }
}

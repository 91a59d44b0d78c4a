//! A URL-encoded admin form read as its raw pairs (repeated names such as checkboxes and bulk
//! selections keep every value), after the CSRF check.

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};

use crate::error::AppError;
use crate::state::AppState;
use crate::web::csrf::{CsrfCheck, FIELD};

/// Form fields in order; names may repeat.
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, trimmed ("" when absent).
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .unwrap_or_default()
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

/// Extractor: CSRF first (403 before anything is read), then the pairs.
pub struct CsrfFields(pub Fields);

impl FromRequest<AppState> for CsrfFields {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let (mut parts, body) = req.into_parts();
        let Ok(check) = CsrfCheck::from_request_parts(&mut parts, state).await;
        // The body is bounded by the router's request-body limit.
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&bytes)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let field = pairs
            .iter()
            .find(|(k, _)| k == FIELD)
            .map(|(_, v)| v.as_str());
        check.verify(field)?;
        drop(Request::from_parts(parts, Body::empty()));
        Ok(Self(Fields(pairs)))
    }
}

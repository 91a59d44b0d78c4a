//! API authentication: the `ApiPrincipal` extractor (`Authorization: ApiKey <token>` for a submission
//! key, `AdminKey <token>` for an admin key) and the permission helpers the endpoints call.
//!
//! Missing, malformed, unknown and revoked keys all get the same 403 body (DESIGN.md §9.1); a
//! submission key used on another submission gets 404 so ids do not leak. Public endpoints simply do
//! not use the extractor, so `Authorization` is ignored there. A successful authentication counts
//! against the key's rate limit ([`Policy::Api`]); failed ones never consume quota.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use std::ops::Deref;
use uuid::Uuid;

use crate::auth::api_keys::{self, AdminScope, SubmissionScope};
use crate::error::AppError;
use crate::web::rate_limit::Limiter;
use crate::web::rate_limit::Policy;
use axum::extract::FromRef;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// The one body every authentication failure gets, whatever went wrong.
pub const AUTH_FAILED: &str = "Authentication failed: a valid API key is required \
     (Authorization: ApiKey <key> or AdminKey <key>).";
/// A valid submission key on an admin-only endpoint.
pub const ADMIN_REQUIRED: &str = "Admin API key authentication required.";
/// A read-scope admin key on a write.
pub const ADMIN_READ_ONLY: &str =
    "This admin key is read-only. Use a full-access admin API key to modify data.";
/// A read-scope submission key on a write.
pub const SUBMISSION_READ_ONLY: &str =
    "This API key is read-only. Use a write-scope key to modify the submission.";
/// Another submission's id (or one that does not exist).
pub const SUBMISSION_NOT_FOUND: &str = "No submission matches the given query.";

/// Who is calling, established from a verified key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Admin {
        key_id: Uuid,
        label: String,
        scope: AdminScope,
    },
    Submission {
        key_id: Uuid,
        submission_id: Uuid,
        label: String,
        scope: SubmissionScope,
    },
}

impl Principal {
    pub fn key_id(&self) -> Uuid {
        match self {
            Self::Admin { key_id, .. } | Self::Submission { key_id, .. } => *key_id,
        }
    }

    pub fn label(&self) -> &str {
        match self {
            Self::Admin { label, .. } | Self::Submission { label, .. } => label,
        }
    }

    pub fn is_admin(&self) -> bool {
        matches!(self, Self::Admin { .. })
    }

    /// The change-log actor: `api:<key label>`.
    pub fn actor(&self) -> String {
        format!("api:{}", self.label())
    }

    /// Any admin key (read or full); a submission key gets 403.
    pub fn require_admin(&self) -> Result<(), AppError> {
        match self {
            Self::Admin { .. } => Ok(()),
            Self::Submission { .. } => Err(AppError::Forbidden(ADMIN_REQUIRED.into())),
        }
    }

    /// A full-scope admin key; a read-scope one gets 403 saying it is read-only.
    pub fn require_admin_full(&self) -> Result<(), AppError> {
        match self {
            Self::Admin {
                scope: AdminScope::Full,
                ..
            } => Ok(()),
            Self::Admin { .. } => Err(AppError::Forbidden(ADMIN_READ_ONLY.into())),
            Self::Submission { .. } => Err(AppError::Forbidden(ADMIN_REQUIRED.into())),
        }
    }

    /// Any admin key, or a key of this very submission.
    pub fn can_read_submission(&self, id: Uuid) -> bool {
        match self {
            Self::Admin { .. } => true,
            Self::Submission { submission_id, .. } => *submission_id == id,
        }
    }

    /// A full admin key, or a write-scope key of this very submission.
    pub fn can_write_submission(&self, id: Uuid) -> bool {
        match self {
            Self::Admin { scope, .. } => *scope == AdminScope::Full,
            Self::Submission {
                submission_id,
                scope,
                ..
            } => *submission_id == id && *scope == SubmissionScope::Write,
        }
    }

    /// `Ok` when the submission may be read; another submission's id → 404 (no existence leak).
    pub fn require_read_submission(&self, id: Uuid) -> Result<(), AppError> {
        if self.can_read_submission(id) {
            Ok(())
        } else {
            Err(AppError::NotFound(SUBMISSION_NOT_FOUND.into()))
        }
    }

    /// `Ok` when the submission may be changed; another submission → 404; a read-scope key of this
    /// submission or a read-scope admin key → 403 saying the key is read-only.
    pub fn require_write_submission(&self, id: Uuid) -> Result<(), AppError> {
        self.require_read_submission(id)?;
        if self.can_write_submission(id) {
            return Ok(());
        }
        Err(AppError::Forbidden(
            if self.is_admin() {
                ADMIN_READ_ONLY
            } else {
                SUBMISSION_READ_ONLY
            }
            .into(),
        ))
    }
}

/// Extractor: a verified key, or the uniform 403. Deref gives the [`Principal`].
#[derive(Debug, Clone)]
pub struct ApiPrincipal(pub Principal);

impl Deref for ApiPrincipal {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.0
    }
}

/// Which kind of key a header presents, and its token; `None` for anything that is not one.
#[derive(Debug, PartialEq, Eq)]
pub enum Presented<'a> {
    Submission(&'a str),
    Admin(&'a str),
}

/// Parses `Authorization: ApiKey <token>` / `AdminKey <token>` (scheme case-sensitive, as documented).
pub fn presented(headers: &HeaderMap) -> Option<Presented<'_>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    if let Some(token) = value.strip_prefix("ApiKey ") {
        return Some(Presented::Submission(token.trim()));
    }
    value
        .strip_prefix("AdminKey ")
        .map(|token| Presented::Admin(token.trim()))
}

fn denied() -> AppError {
    AppError::Forbidden(AUTH_FAILED.into())
}

/// A presented key that is malformed, unknown or revoked: logged for operators (never any key
/// material), answered like every other failure.
fn rejected(scheme: &'static str) -> AppError {
    tracing::warn!(scheme, "API key rejected (malformed, unknown or revoked)");
    denied()
}

/// Verifies the request's key without counting it against a rate limit.
pub async fn authenticate(
    db: &DatabaseConnection,
    headers: &HeaderMap,
) -> Result<Principal, AppError> {
    match presented(headers).ok_or_else(denied)? {
        Presented::Admin(token) => {
            let row = api_keys::verify_admin_key(db, token)
                .await?
                .ok_or_else(|| rejected("AdminKey"))?;
            // A scope the code does not know (hand-edited row) is treated as read-only.
            let scope = AdminScope::parse(&row.scope).unwrap_or(AdminScope::Read);
            Ok(Principal::Admin {
                key_id: row.id,
                label: row.label,
                scope,
            })
        }
        Presented::Submission(token) => {
            let row = api_keys::verify_submission_key(db, token)
                .await?
                .ok_or_else(|| rejected("ApiKey"))?;
            let scope = SubmissionScope::parse(&row.scope).unwrap_or(SubmissionScope::Read);
            Ok(Principal::Submission {
                key_id: row.id,
                submission_id: row.submission_id,
                label: row.label,
                scope,
            })
        }
    }
}

impl<S> FromRequestParts<S> for ApiPrincipal
where
    S: Send + Sync,
    DatabaseConnection: FromRef<S>,
    Arc<Limiter>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let principal = authenticate(&DatabaseConnection::from_ref(state), &parts.headers).await?;
        Arc::<Limiter>::from_ref(state)
            .check(Policy::Api, &format!("key:{}", principal.key_id()))
            .await?;
        parts.extensions.insert(principal.clone());
        Ok(Self(principal))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(header::AUTHORIZATION, v);
        }
        h
    }

    #[test]
    fn header_schemes() {
        assert_eq!(
            presented(&headers("ApiKey abc")),
            Some(Presented::Submission("abc"))
        );
        assert_eq!(
            presented(&headers("AdminKey  abc ")),
            Some(Presented::Admin("abc"))
        );
        assert_eq!(presented(&headers("Bearer abc")), None);
        assert_eq!(presented(&headers("apikey abc")), None);
        assert_eq!(presented(&headers("ApiKey")), None);
        assert_eq!(presented(&HeaderMap::new()), None);
    }

    #[test]
    fn submission_permissions() {
        let own = Uuid::new_v4();
        let other = Uuid::new_v4();
        let read = Principal::Submission {
            key_id: Uuid::new_v4(),
            submission_id: own,
            label: "Initial key".into(),
            scope: SubmissionScope::Read,
        };
        assert!(read.can_read_submission(own));
        assert!(!read.can_read_submission(other));
        assert!(!read.can_write_submission(own));
        assert!(matches!(
            read.require_write_submission(own),
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            read.require_write_submission(other),
            Err(AppError::NotFound(_))
        ));
        assert!(matches!(read.require_admin(), Err(AppError::Forbidden(_))));
        assert_eq!(read.actor(), "api:Initial key");
    }

    #[test]
    fn admin_permissions() {
        let id = Uuid::new_v4();
        let read = Principal::Admin {
            key_id: id,
            label: "ops".into(),
            scope: AdminScope::Read,
        };
        assert!(read.require_admin().is_ok());
        assert!(read.can_read_submission(Uuid::new_v4()));
        assert!(!read.can_write_submission(Uuid::new_v4()));
        assert!(
            matches!(read.require_admin_full(), Err(AppError::Forbidden(m)) if m == ADMIN_READ_ONLY)
        );
        let full = Principal::Admin {
            key_id: id,
            label: "ops".into(),
            scope: AdminScope::Full,
        };
        assert!(full.require_admin_full().is_ok());
        assert!(full.require_write_submission(Uuid::new_v4()).is_ok());
    }
}

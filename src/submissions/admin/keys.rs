//! The submission page's API-key panel: issue (read or write), reset (revoke all, issue one), revoke
//! all or one. A new key's plaintext is rendered into this one response and nowhere else: not in the
//! database (only its SHA-256), not in the session, not in a redirect.

use axum::extract::{Path, State};
use axum::response::Response;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use uuid::Uuid;

use super::AUDIT_TYPE;
use crate::admin::form::CsrfFields;
use crate::admin::{Cap, Staff, audit, flash_and_redirect, path};
use crate::auth::api_keys::{self, SubmissionScope};
use crate::auth::submission_api_key as key;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::PageContext;

#[derive(Serialize)]
pub struct KeyRow {
    pub id: Uuid,
    pub prefix: String,
    pub label: String,
    pub scope: String,
    pub created_by: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub is_active: bool,
}

/// A submission's keys, newest first.
pub async fn keys_of(state: &AppState, id: Uuid) -> Result<Vec<KeyRow>, AppError> {
    let tz = state.config.time_zone;
    let at = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
    };
    Ok(key::Entity::find()
        .filter(key::Column::SubmissionId.eq(id))
        .order_by_desc(key::Column::CreatedAt)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|k| KeyRow {
            id: k.id,
            prefix: format!("{}…", k.key_hash.chars().take(16).collect::<String>()),
            label: k.label,
            scope: k.scope,
            created_by: k.created_by,
            created_at: at(k.created_at),
            last_used_at: k.last_used_at.map(at),
            is_active: k.is_active,
        })
        .collect())
}

pub async fn keys(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    Path(id): Path<String>,
    CsrfFields(f): CsrfFields,
) -> Result<Response, AppError> {
    staff.require(Cap::ManageKeys)?;
    let r = super::detail::load(&state, &id).await?;
    let sid = r.row.id;
    let back = path(
        &state.config.admin_url_prefix,
        &format!("submissions/{sid}/"),
    );
    let now = state.clock.now();
    let today = now
        .with_timezone(&state.config.time_zone)
        .format("%Y-%m-%d");
    let user = staff.user.username.clone();
    let scope = match f.get("scope") {
        "read" => SubmissionScope::Read,
        _ => SubmissionScope::Write,
    };
    let op = f.get("op");
    let txn = crate::db::begin_write(&state.db).await?;
    let (message, shown) = match op {
        "issue" => {
            let label = match f.get("label") {
                "" => format!("Admin key {today} by {user}"),
                l => l.to_string(),
            };
            let (row, plaintext) = api_keys::issue_submission_key(&txn, sid, &label, &user, scope)
                .await
                .map_err(|e| AppError::BadRequest(e.to_string()))?;
            (
                format!(
                    "Issued new key '{}' ({}). Prefix: {}",
                    row.label,
                    row.scope,
                    &row.key_hash[..16]
                ),
                Some((row.label, plaintext)),
            )
        }
        "reset" => {
            let n = api_keys::revoke_all_submission_keys(&txn, sid)
                .await
                .map_err(AppError::internal)?;
            let label = format!("Admin reset {today} by {user}");
            let (row, plaintext) = api_keys::issue_submission_key(&txn, sid, &label, &user, scope)
                .await
                .map_err(AppError::internal)?;
            (
                format!(
                    "Reset API key ({n} revoked). New prefix: {}",
                    &row.key_hash[..16]
                ),
                Some((row.label, plaintext)),
            )
        }
        "revoke_all" => {
            let n = api_keys::revoke_all_submission_keys(&txn, sid)
                .await
                .map_err(AppError::internal)?;
            (format!("Revoked {n} active key(s)."), None)
        }
        "revoke" => {
            let kid = Uuid::parse_str(f.get("key_id"))
                .map_err(|_| AppError::BadRequest("Unknown key.".into()))?;
            // Only a key of this submission: another submission's id is refused, not revoked.
            let owned = key::Entity::find_by_id(kid)
                .one(&txn)
                .await?
                .filter(|k| k.submission_id == sid)
                .ok_or_else(|| AppError::NotFound("No such key for this submission.".into()))?;
            api_keys::revoke_submission_key(&txn, kid)
                .await
                .map_err(AppError::internal)?;
            (format!("Revoked key '{}'.", owned.label), None)
        }
        other => {
            txn.rollback().await?;
            return Err(AppError::BadRequest(format!(
                "Unknown key action '{other}'."
            )));
        }
    };
    audit::record(
        &txn,
        audit::Entry {
            actor: &staff.actor(),
            action: "change",
            object_type: AUDIT_TYPE,
            object_id: &sid.to_string(),
            object_repr: &r.row.service_name,
            message: &message,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    match shown {
        // Rendered, not redirected: the plaintext lives only in this response.
        Some(k) => super::detail::render_page(&state, &pc, &staff, &r, Some(k)).await,
        None => flash_and_redirect(&state, &staff, "warning", message, &back).await,
    }
}

//! Admin API keys (superusers): the list, creating a key with a scope (its plaintext rendered into that
//! one response only; the table keeps the SHA-256) and revoking one. Keys are never deleted.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use minijinja::context;

use super::form::CsrfFields;
use super::{Cap, Staff, audit, flash_and_redirect, path, render};
use crate::auth::api_keys::{self, AdminScope};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::PageContext;

pub fn routes(prefix: &str) -> Router<AppState> {
    Router::new()
        .route(&path(prefix, "admin-keys/"), get(list).post(create))
        .route(&path(prefix, "admin-keys/revoke/"), post(revoke))
}

async fn page(
    state: &AppState,
    pc: &PageContext,
    staff: &Staff,
    new_key: Option<(String, String)>,
) -> Result<Response, AppError> {
    let tz = state.config.time_zone;
    let at = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
    };
    let keys: Vec<minijinja::Value> = api_keys::list_admin_keys(&state.db)
        .await
        .map_err(AppError::internal)?
        .into_iter()
        .map(|k| {
            context! {
                id => k.id, label => k.label, scope => k.scope, is_active => k.is_active,
                prefix => format!("{}…", k.key_hash.chars().take(16).collect::<String>()),
                created_by => k.created_by, created_at => at(k.created_at),
                last_used_at => k.last_used_at.map(at),
            }
        })
        .collect();
    let ctx = context! {
        keys => keys,
        new_key => new_key.map(|(label, key)| context! { label => label, key => key }),
    };
    let mut resp = render(
        state,
        pc,
        Some(staff),
        "admin/admin_keys.html",
        ctx,
        StatusCode::OK,
    )?;
    resp.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(resp)
}

async fn list(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
) -> Result<Response, AppError> {
    staff.require(Cap::AdminKeys)?;
    page(&state, &pc, &staff, None).await
}

async fn create(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    CsrfFields(f): CsrfFields,
) -> Result<Response, AppError> {
    staff.require(Cap::AdminKeys)?;
    let scope = AdminScope::parse(f.get("scope")).unwrap_or(AdminScope::Full);
    let txn = crate::db::begin_write(&state.db).await?;
    let (row, plaintext) =
        match api_keys::issue_admin_key(&txn, f.get("label"), scope, &staff.user.username).await {
            Ok(k) => k,
            Err(e) => {
                txn.rollback().await?;
                return flash_and_redirect(
                    &state,
                    &staff,
                    "danger",
                    e.to_string(),
                    &path(&state.config.admin_url_prefix, "admin-keys/"),
                )
                .await;
            }
        };
    audit::record(
        &txn,
        audit::Entry {
            actor: &staff.actor(),
            action: "add",
            object_type: "admin_api_key",
            object_id: &row.id.to_string(),
            object_repr: &row.label,
            message: &format!(
                "Created admin key ({}). Prefix: {}",
                row.scope,
                &row.key_hash[..16]
            ),
        },
        state.clock.now(),
    )
    .await?;
    txn.commit().await?;
    page(&state, &pc, &staff, Some((row.label, plaintext))).await
}

async fn revoke(
    State(state): State<AppState>,
    staff: Staff,
    CsrfFields(f): CsrfFields,
) -> Result<Response, AppError> {
    staff.require(Cap::AdminKeys)?;
    let back = path(&state.config.admin_url_prefix, "admin-keys/");
    let id = uuid::Uuid::parse_str(f.get("id"))
        .map_err(|_| AppError::BadRequest("Unknown key.".into()))?;
    let txn = crate::db::begin_write(&state.db).await?;
    let revoked = match api_keys::revoke_admin_key(&txn, id).await {
        Ok(r) => r,
        Err(api_keys::KeyError::UnknownKey(_)) => {
            return Err(AppError::NotFound("No such key.".into()));
        }
        Err(e) => return Err(AppError::internal(e)),
    };
    audit::record(
        &txn,
        audit::Entry {
            actor: &staff.actor(),
            action: "change",
            object_type: "admin_api_key",
            object_id: &id.to_string(),
            object_repr: "",
            message: "Revoked admin key.",
        },
        state.clock.now(),
    )
    .await?;
    txn.commit().await?;
    let msg = if revoked {
        "The admin key was revoked."
    } else {
        "The key was already revoked."
    };
    flash_and_redirect(&state, &staff, "warning", msg, &back).await
}

//! Lost-key recovery: the submitter names the service (reference id or exact name); a single-use link,
//! valid for an hour, goes to the internal contact address stored on that registration only. Following
//! the link and confirming revokes the registration's write keys and shows a new key once. The request
//! page answers the same whatever was entered, so it tells nobody which registrations exist.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Deserialize;
use std::collections::HashMap;

use super::super::entity::service_submission as sub;
use super::super::model::SubmissionId;
use super::super::repo;
use super::page;
use super::sessions::{self, RECOVERY_MINUTES};
use crate::auth::api_keys::{SubmissionScope, issue_submission_key};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::PageContext;
use crate::web::csrf::CsrfForm;
use crate::web::rate_limit::{Policy, check_client};

/// At most this many registrations get a link for one request (several may share a name).
const MAX_MATCHES: u64 = 5;

/// `GET /update/recover/`.
pub async fn ask(State(state): State<AppState>, pc: PageContext) -> Result<Response, AppError> {
    let ctx = minijinja::context! { sent => false };
    page(&state, "submissions/recover.html", &pc, ctx, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct RecoverForm {
    #[serde(default)]
    reference: String,
}

/// `POST /update/recover/`: queues the link mails and answers "if it exists, we sent a link".
pub async fn request(
    State(state): State<AppState>,
    parts: Parts,
    pc: PageContext,
    CsrfForm(f): CsrfForm<RecoverForm>,
) -> Result<Response, AppError> {
    check_client(&state, &parts, Policy::Recover).await?;
    let reference = crate::text::clean_text(&f.reference);
    if reference.is_empty() || reference.chars().count() > 300 {
        let ctx = minijinja::context! {
            sent => false,
            error => "Enter the reference id of the registration (from the page that showed your key, or from our e-mails), or the exact name of the service.",
        };
        return page(
            &state,
            "submissions/recover.html",
            &pc,
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let query = sub::Entity::find().select_only().column(sub::Column::Id);
    let query = match SubmissionId::parse(&reference) {
        Some(id) => query.filter(sub::Column::Id.eq(id.uuid())),
        None => query.filter(
            Expr::expr(Func::lower(Expr::col(sub::Column::ServiceName)))
                .eq(reference.to_lowercase()),
        ),
    };
    let ids: Vec<uuid::Uuid> = query.limit(MAX_MATCHES).into_tuple().all(&state.db).await?;
    if !ids.is_empty() {
        let now = state.clock.now();
        let root = super::super::api::site_root(&state, &parts);
        let mail = super::super::notify::MailSettings::from_config(&state.config);
        let txn = crate::db::begin_write(&state.db).await?;
        for id in ids {
            let Some(record) = repo::load(&txn, SubmissionId(id)).await? else {
                continue;
            };
            let token = sessions::new_recovery(&txn, id, now).await?;
            let link = format!("{root}update/recover/{token}/");
            let data = super::super::service::mail_data(&record);
            super::super::notify::notify_recovery(
                &txn,
                &mail,
                &state.templates,
                &data,
                &link,
                RECOVERY_MINUTES,
                now,
            )
            .await
            .map_err(AppError::internal)?;
        }
        txn.commit().await?;
    }
    let ctx = minijinja::context! { sent => true, minutes => RECOVERY_MINUTES };
    page(&state, "submissions/recover.html", &pc, ctx, StatusCode::OK)
}

fn invalid_link(state: &AppState, pc: &PageContext) -> Result<Response, AppError> {
    page(
        state,
        "submissions/recover_invalid.html",
        pc,
        minijinja::context! {},
        StatusCode::GONE,
    )
}

/// `GET /update/recover/{token}/`: asks to confirm (a link opened by a mail scanner changes nothing).
pub async fn confirm(
    State(state): State<AppState>,
    Path(token): Path<String>,
    pc: PageContext,
) -> Result<Response, AppError> {
    let Some(id) = sessions::recovery_target(&state.db, &token, state.clock.now()).await? else {
        return invalid_link(&state, &pc);
    };
    let name = repo::row(&state.db, id)
        .await?
        .map(|r| r.service_name)
        .unwrap_or_default();
    let ctx = minijinja::context! { token => token, service_name => name };
    page(
        &state,
        "submissions/recover_confirm.html",
        &pc,
        ctx,
        StatusCode::OK,
    )
}

/// `POST /update/recover/{token}/`: uses the link (once), revokes the write keys, shows a new key.
pub async fn redeem(
    State(state): State<AppState>,
    Path(token): Path<String>,
    parts: Parts,
    pc: PageContext,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    check_client(&state, &parts, Policy::Recover).await?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let Some(id) = sessions::use_recovery(&txn, &token, now).await? else {
        txn.rollback().await?;
        return invalid_link(&state, &pc);
    };
    let revoked = sessions::revoke_write_keys(&txn, id, now).await?;
    let (_, key) = issue_submission_key(
        &txn,
        id,
        "Recovered key",
        "recovery",
        SubmissionScope::Write,
    )
    .await
    .map_err(AppError::internal)?;
    let row = repo::row(&txn, id).await?;
    txn.commit().await?;
    tracing::info!(submission = %id, revoked, "lost key recovered: write keys revoked, new key issued");
    let ctx = minijinja::context! {
        key => key,
        id => id.to_string(),
        service_name => row.map(|r| r.service_name).unwrap_or_default(),
        recovered => true,
    };
    page(&state, "submissions/success.html", &pc, ctx, StatusCode::OK)
}

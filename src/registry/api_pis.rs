//! `/api/v1/pis/`: principal investigators over the admin API (same rules as the other reference data;
//! shared helpers in `registry::api`). PI e-mail addresses appear here and nowhere else in the API.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::api::{
    ListParams, clean_text, field_errors, identifier_controls, is_active_filter, parse_uuid,
};
use super::api_types::{
    PiCreate, PiOut, PiWrite, doc_create, doc_delete, doc_get, doc_list, doc_patch, doc_put,
};
use super::entity::principal_investigator as pi;
use super::model::PiInput;
use crate::api::auth::ApiPrincipal;
use crate::api::json::ApiJson;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

async fn find<C: ConnectionTrait>(db: &C, id: &str) -> AppResult<pi::Model> {
    let id = parse_uuid(id, "principal investigator")?;
    pi::Entity::find_by_id(id).one(db).await?.ok_or_else(|| {
        AppError::NotFound("No principal investigator matches the given query.".into())
    })
}

pub(crate) async fn save<C: ConnectionTrait>(
    db: &C,
    existing: Option<pi::Model>,
    body: PiWrite,
    replace: bool,
) -> AppResult<pi::Model> {
    let mut input = match (&existing, replace) {
        (Some(r), false) => PiInput {
            last_name: r.last_name.clone(),
            first_name: r.first_name.clone(),
            email: r.email.clone(),
            institute: r.institute.clone(),
            orcid: r.orcid.clone(),
            is_active: r.is_active,
            is_associated_partner: r.is_associated_partner,
        },
        _ => PiInput {
            last_name: String::new(),
            first_name: String::new(),
            email: String::new(),
            institute: String::new(),
            orcid: String::new(),
            is_active: true,
            is_associated_partner: false,
        },
    };
    let controls = identifier_controls(&[
        ("email", body.email.as_ref()),
        ("orcid", body.orcid.as_ref()),
    ]);
    let set = |target: &mut String, v: Option<String>| {
        if let Some(v) = v {
            *target = clean_text(&v);
        }
    };
    set(&mut input.last_name, body.last_name);
    set(&mut input.first_name, body.first_name);
    set(&mut input.email, body.email);
    set(&mut input.institute, body.institute);
    set(&mut input.orcid, body.orcid);
    if let Some(v) = body.is_active {
        input.is_active = v;
    }
    if let Some(v) = body.is_associated_partner {
        input.is_associated_partner = v;
    }
    let mut errors = input.validate();
    // The validator checks the ORCID's shape; the column's width is checked here too.
    if input.orcid.chars().count() > 30 && !errors.iter().any(|(f, _)| *f == "orcid") {
        errors.push(("orcid", "At most 30 characters.".into()));
    }
    errors.extend(controls);
    field_errors(errors)?;
    let is_new = existing.is_none();
    let mut am: pi::ActiveModel = match existing {
        Some(row) => row.into(),
        None => pi::ActiveModel {
            id: Set(Uuid::new_v4()),
            ..Default::default()
        },
    };
    am.last_name = Set(input.last_name);
    am.first_name = Set(input.first_name);
    am.email = Set(input.email);
    am.institute = Set(input.institute);
    am.orcid = Set(input.orcid);
    am.is_active = Set(input.is_active);
    am.is_associated_partner = Set(input.is_associated_partner);
    let saved = if is_new {
        am.insert(db).await?
    } else {
        am.update(db).await?
    };
    Ok(saved)
}

doc_list!("/api/v1/pis/", "the principal investigators", PiOut;
pub async fn list_pis(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Query(p): Query<ListParams>,
) -> AppResult<Json<Vec<PiOut>>> {
    principal.require_admin()?;
    let filter = is_active_filter(&p)?;
    let mut q = pi::Entity::find()
        .order_by_asc(pi::Column::LastName)
        .order_by_asc(pi::Column::FirstName)
        .order_by_asc(pi::Column::Id);
    if let Some(a) = filter {
        q = q.filter(pi::Column::IsActive.eq(a));
    }
    let rows = q.all(&state.db).await?;
    Ok(Json(rows.into_iter().map(PiOut::from).collect()))
});

doc_create!("/api/v1/pis/", "the principal investigators", PiCreate, PiOut;
pub async fn create_pi(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    ApiJson(body): ApiJson<PiWrite>,
) -> AppResult<(StatusCode, Json<PiOut>)> {
    principal.require_admin_full()?;
    let txn = crate::db::begin_write(&state.db).await?;
    let row = save(&txn, None, body, true).await?;
    txn.commit().await?;
    tracing::info!(id = %row.id, actor = %principal.actor(), "PrincipalInvestigator created via API");
    Ok((StatusCode::CREATED, Json(row.into())))
});

doc_get!("/api/v1/pis/{id}/", "the principal investigators", Uuid, PiOut;
pub async fn get_pi(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Path(id): Path<String>,
) -> AppResult<Json<PiOut>> {
    principal.require_admin()?;
    Ok(Json(find(&state.db, &id).await?.into()))
});

async fn update(
    state: AppState,
    principal: ApiPrincipal,
    id: String,
    body: PiWrite,
    replace: bool,
) -> AppResult<Json<PiOut>> {
    principal.require_admin_full()?;
    let txn = crate::db::begin_write(&state.db).await?;
    let row = find(&txn, &id).await?;
    let row = save(&txn, Some(row), body, replace).await?;
    txn.commit().await?;
    tracing::info!(id = %row.id, actor = %principal.actor(), "PrincipalInvestigator updated via API");
    Ok(Json(row.into()))
}

doc_put!("/api/v1/pis/{id}/", "the principal investigators", Uuid, PiCreate, PiOut;
pub async fn put_pi(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PiWrite>,
) -> AppResult<Json<PiOut>> {
    update(state, principal, id, body, true).await
});

doc_patch!("/api/v1/pis/{id}/", "the principal investigators", Uuid, PiWrite, PiOut;
pub async fn patch_pi(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PiWrite>,
) -> AppResult<Json<PiOut>> {
    update(state, principal, id, body, false).await
});

doc_delete!("/api/v1/pis/{id}/", "the principal investigators", Uuid;
pub async fn delete_pi(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    principal.require_admin_full()?;
    let txn = crate::db::begin_write(&state.db).await?;
    let row = find(&txn, &id).await?;
    let row_id = row.id;
    let mut am: pi::ActiveModel = row.into();
    am.is_active = Set(false);
    am.update(&txn).await?;
    txn.commit().await?;
    tracing::info!(id = %row_id, actor = %principal.actor(), "PrincipalInvestigator deactivated (soft-delete) via API");
    Ok(StatusCode::NO_CONTENT)
});

/// `/api/v1/pis/…`, documented (the tag and schemas come with `registry::api::router`).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_pis, create_pi))
        .routes(routes!(get_pi, put_pi, patch_pi, delete_pi))
}

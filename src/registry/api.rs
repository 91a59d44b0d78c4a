//! Reference data over the API: `/api/v1/categories/`, `/api/v1/service-centers/`, `/api/v1/pis/`.
//!
//! Admin keys only (read scope: GET/HEAD; full scope: everything). Lists are plain JSON arrays (these are
//! small reference lists; the original does not paginate them either) and filter on
//! `?is_active=true|false`; POST creates, PUT replaces, PATCH changes the given fields, DELETE is a soft
//! delete (`is_active = false`, 204, idempotent). Text is NFC-normalised and stripped of control
//! characters (NUL included); every field error is reported at once; unknown fields are refused.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::entity::{service_category as cat, service_center as center};
use super::model::{CategoryInput, FieldErrors, ServiceCenterInput};
use crate::api::auth::ApiPrincipal;
use crate::api::json::ApiJson;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

use super::api_types::{
    CategoryCreate, ServiceCenterCreate, doc_create, doc_delete, doc_get, doc_list, doc_patch,
    doc_put,
};
pub use super::api_types::{
    CategoryOut, CategoryWrite, PiOut, PiWrite, ServiceCenterOut, ServiceCenterWrite,
};

/// Query of the reference-data lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `true`: active rows only; `false`: inactive rows only; absent: both.
    pub is_active: Option<String>,
}

/// The one text cleaner of this API: NFC, no control characters (NUL included), trimmed.
/// The registry-wide text sanitiser (one for every entry point, DESIGN.md §7).
pub use crate::text::clean_text;

pub(super) fn is_active_filter(p: &ListParams) -> AppResult<Option<bool>> {
    match p.is_active.as_deref() {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(AppError::BadRequest(format!(
            "is_active must be 'true' or 'false', not '{}'.",
            clean_text(other).chars().take(20).collect::<String>()
        ))),
    }
}

/// Identifiers (URLs, e-mail addresses, ORCID iDs) are refused when they carry control characters,
/// rather than silently changed into something else (or into nothing) by the text cleaner.
pub(super) fn identifier_controls(fields: &[(&'static str, Option<&String>)]) -> FieldErrors {
    fields
        .iter()
        .filter(|(_, v)| v.is_some_and(|v| v.chars().any(char::is_control)))
        .map(|(f, _)| {
            (
                *f,
                "Control characters are not allowed in this field.".to_string(),
            )
        })
        .collect()
}

pub(super) fn field_errors(errors: FieldErrors) -> AppResult<()> {
    if errors.is_empty() {
        return Ok(());
    }
    let mut map: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (field, msg) in errors {
        map.entry(field).or_default().push(msg);
    }
    Err(AppError::fields(map))
}

/// A unique-constraint race the pre-check missed becomes a field error, never a 500.
fn unique_violation(e: sea_orm::DbErr, field: &'static str, msg: &str) -> AppError {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            AppError::fields([(field, vec![msg.to_string()])])
        }
        _ => AppError::from(e),
    }
}

pub(super) fn parse_uuid(id: &str, what: &str) -> AppResult<Uuid> {
    Uuid::parse_str(id)
        .map_err(|_| AppError::NotFound(format!("No {what} matches the given query.")))
}

// ---------------------------------------------------------------------------------------- categories

async fn find_category<C: ConnectionTrait>(db: &C, id: &str) -> AppResult<cat::Model> {
    let not_found = || AppError::NotFound("No service category matches the given query.".into());
    let id: i64 = id.parse().map_err(|_| not_found())?;
    cat::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)
}

pub(crate) async fn save_category<C: ConnectionTrait>(
    db: &C,
    existing: Option<cat::Model>,
    body: CategoryWrite,
    replace: bool,
) -> AppResult<cat::Model> {
    let mut input = match (&existing, replace) {
        (Some(row), false) => CategoryInput {
            name: row.name.clone(),
            is_active: row.is_active,
        },
        _ => CategoryInput {
            name: String::new(),
            is_active: true,
        },
    };
    if let Some(v) = body.name {
        input.name = clean_text(&v);
    }
    if let Some(v) = body.is_active {
        input.is_active = v;
    }
    let mut errors = input.validate();
    const DUPLICATE: &str = "A service category with this name already exists.";
    if errors.is_empty() {
        let lower = input.name.to_lowercase();
        let taken = cat::Entity::find().all(db).await?.into_iter().any(|c| {
            c.name.to_lowercase() == lower && Some(c.id) != existing.as_ref().map(|e| e.id)
        });
        if taken {
            errors.push(("name", DUPLICATE.into()));
        }
    }
    field_errors(errors)?;
    let is_new = existing.is_none();
    let mut am: cat::ActiveModel = match existing {
        Some(row) => row.into(),
        None => Default::default(),
    };
    am.name = Set(input.name);
    am.is_active = Set(input.is_active);
    let saved = if is_new {
        am.insert(db).await
    } else {
        am.update(db).await
    };
    saved.map_err(|e| unique_violation(e, "name", DUPLICATE))
}

doc_list!("/api/v1/categories/", "the service categories", CategoryOut;
pub async fn list_categories(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Query(p): Query<ListParams>,
) -> AppResult<Json<Vec<CategoryOut>>> {
    principal.require_admin()?;
    let filter = is_active_filter(&p)?;
    let mut q = cat::Entity::find()
        .order_by_asc(cat::Column::Name)
        .order_by_asc(cat::Column::Id);
    if let Some(a) = filter {
        q = q.filter(cat::Column::IsActive.eq(a));
    }
    let rows = q.all(&state.db).await?;
    Ok(Json(rows.into_iter().map(CategoryOut::from).collect()))
});

doc_create!("/api/v1/categories/", "the service categories", CategoryCreate, CategoryOut;
pub async fn create_category(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    ApiJson(body): ApiJson<CategoryWrite>,
) -> AppResult<(StatusCode, Json<CategoryOut>)> {
    principal.require_admin_full()?;
    let txn = crate::db::begin_write(&state.db).await?;
    let row = save_category(&txn, None, body, true).await?;
    txn.commit().await?;
    tracing::info!(id = row.id, actor = %principal.actor(), "ServiceCategory created via API");
    Ok((StatusCode::CREATED, Json(row.into())))
});

doc_get!("/api/v1/categories/{id}/", "the service categories", i64, CategoryOut;
pub async fn get_category(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Path(id): Path<String>,
) -> AppResult<Json<CategoryOut>> {
    principal.require_admin()?;
    Ok(Json(find_category(&state.db, &id).await?.into()))
});

async fn update_category(
    state: AppState,
    principal: ApiPrincipal,
    id: String,
    body: CategoryWrite,
    replace: bool,
) -> AppResult<Json<CategoryOut>> {
    principal.require_admin_full()?;
    let txn = crate::db::begin_write(&state.db).await?;
    let row = find_category(&txn, &id).await?;
    let row = save_category(&txn, Some(row), body, replace).await?;
    txn.commit().await?;
    tracing::info!(id = row.id, actor = %principal.actor(), "ServiceCategory updated via API");
    Ok(Json(row.into()))
}

doc_put!("/api/v1/categories/{id}/", "the service categories", i64, CategoryCreate, CategoryOut;
pub async fn put_category(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CategoryWrite>,
) -> AppResult<Json<CategoryOut>> {
    update_category(state, principal, id, body, true).await
});

doc_patch!("/api/v1/categories/{id}/", "the service categories", i64, CategoryWrite, CategoryOut;
pub async fn patch_category(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CategoryWrite>,
) -> AppResult<Json<CategoryOut>> {
    update_category(state, principal, id, body, false).await
});

doc_delete!("/api/v1/categories/{id}/", "the service categories", i64;
pub async fn delete_category(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    principal.require_admin_full()?;
    let txn = crate::db::begin_write(&state.db).await?;
    let row = find_category(&txn, &id).await?;
    let row_id = row.id;
    let mut am: cat::ActiveModel = row.into();
    am.is_active = Set(false);
    am.update(&txn).await?;
    txn.commit().await?;
    tracing::info!(id = row_id, actor = %principal.actor(), "ServiceCategory deactivated (soft-delete) via API");
    Ok(StatusCode::NO_CONTENT)
});

// ------------------------------------------------------------------------------------ service centres

async fn find_center<C: ConnectionTrait>(db: &C, id: &str) -> AppResult<center::Model> {
    let id = parse_uuid(id, "service center")?;
    center::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound("No service center matches the given query.".into()))
}

pub(crate) async fn save_center<C: ConnectionTrait>(
    db: &C,
    existing: Option<center::Model>,
    body: ServiceCenterWrite,
    replace: bool,
) -> AppResult<center::Model> {
    let mut input = match (&existing, replace) {
        (Some(r), false) => ServiceCenterInput {
            short_name: r.short_name.clone(),
            full_name: r.full_name.clone(),
            website: r.website.clone(),
            is_active: r.is_active,
        },
        _ => ServiceCenterInput {
            short_name: String::new(),
            full_name: String::new(),
            website: String::new(),
            is_active: true,
        },
    };
    let controls = identifier_controls(&[("website", body.website.as_ref())]);
    let set = |target: &mut String, v: Option<String>| {
        if let Some(v) = v {
            *target = clean_text(&v);
        }
    };
    set(&mut input.short_name, body.short_name);
    set(&mut input.full_name, body.full_name);
    set(&mut input.website, body.website);
    if let Some(v) = body.is_active {
        input.is_active = v;
    }
    let mut errors = input.validate();
    errors.extend(controls);
    field_errors(errors)?;
    let is_new = existing.is_none();
    let mut am: center::ActiveModel = match existing {
        Some(row) => row.into(),
        None => center::ActiveModel {
            id: Set(Uuid::new_v4()),
            ..Default::default()
        },
    };
    am.short_name = Set(input.short_name);
    am.full_name = Set(input.full_name);
    am.website = Set(input.website);
    am.is_active = Set(input.is_active);
    let saved = if is_new {
        am.insert(db).await?
    } else {
        am.update(db).await?
    };
    Ok(saved)
}

doc_list!("/api/v1/service-centers/", "the service centres", ServiceCenterOut;
pub async fn list_centers(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Query(p): Query<ListParams>,
) -> AppResult<Json<Vec<ServiceCenterOut>>> {
    principal.require_admin()?;
    let filter = is_active_filter(&p)?;
    let mut q = center::Entity::find()
        .order_by_asc(center::Column::FullName)
        .order_by_asc(center::Column::Id);
    if let Some(a) = filter {
        q = q.filter(center::Column::IsActive.eq(a));
    }
    let rows = q.all(&state.db).await?;
    Ok(Json(rows.into_iter().map(ServiceCenterOut::from).collect()))
});

doc_create!("/api/v1/service-centers/", "the service centres", ServiceCenterCreate, ServiceCenterOut;
pub async fn create_center(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    ApiJson(body): ApiJson<ServiceCenterWrite>,
) -> AppResult<(StatusCode, Json<ServiceCenterOut>)> {
    principal.require_admin_full()?;
    let txn = crate::db::begin_write(&state.db).await?;
    let row = save_center(&txn, None, body, true).await?;
    txn.commit().await?;
    tracing::info!(id = %row.id, actor = %principal.actor(), "ServiceCenter created via API");
    Ok((StatusCode::CREATED, Json(row.into())))
});

doc_get!("/api/v1/service-centers/{id}/", "the service centres", Uuid, ServiceCenterOut;
pub async fn get_center(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Path(id): Path<String>,
) -> AppResult<Json<ServiceCenterOut>> {
    principal.require_admin()?;
    Ok(Json(find_center(&state.db, &id).await?.into()))
});

async fn update_center(
    state: AppState,
    principal: ApiPrincipal,
    id: String,
    body: ServiceCenterWrite,
    replace: bool,
) -> AppResult<Json<ServiceCenterOut>> {
    principal.require_admin_full()?;
    let txn = crate::db::begin_write(&state.db).await?;
    let row = find_center(&txn, &id).await?;
    let row = save_center(&txn, Some(row), body, replace).await?;
    txn.commit().await?;
    tracing::info!(id = %row.id, actor = %principal.actor(), "ServiceCenter updated via API");
    Ok(Json(row.into()))
}

doc_put!("/api/v1/service-centers/{id}/", "the service centres", Uuid, ServiceCenterCreate, ServiceCenterOut;
pub async fn put_center(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ServiceCenterWrite>,
) -> AppResult<Json<ServiceCenterOut>> {
    update_center(state, principal, id, body, true).await
});

doc_patch!("/api/v1/service-centers/{id}/", "the service centres", Uuid, ServiceCenterWrite, ServiceCenterOut;
pub async fn patch_center(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ServiceCenterWrite>,
) -> AppResult<Json<ServiceCenterOut>> {
    update_center(state, principal, id, body, false).await
});

doc_delete!("/api/v1/service-centers/{id}/", "the service centres", Uuid;
pub async fn delete_center(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    principal.require_admin_full()?;
    let txn = crate::db::begin_write(&state.db).await?;
    let row = find_center(&txn, &id).await?;
    let row_id = row.id;
    let mut am: center::ActiveModel = row.into();
    am.is_active = Set(false);
    am.update(&txn).await?;
    txn.commit().await?;
    tracing::info!(id = %row_id, actor = %principal.actor(), "ServiceCenter deactivated (soft-delete) via API");
    Ok(StatusCode::NO_CONTENT)
});

#[derive(OpenApi)]
#[openapi(
    components(schemas(
        CategoryWrite,
        CategoryOut,
        ServiceCenterWrite,
        ServiceCenterOut,
        PiWrite,
        PiOut,
        CategoryCreate,
        ServiceCenterCreate,
        super::api_types::PiCreate,
    )),
    tags((name = "reference-data", description = "Service categories, service centres and PIs (admin key; read scope: GET only)"))
)]
struct RegistryDoc;

/// `/api/v1/categories/…`, `/api/v1/service-centers/…` and `/api/v1/pis/…`, documented.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(RegistryDoc::openapi())
        .routes(routes!(list_categories, create_category))
        .routes(routes!(
            get_category,
            put_category,
            patch_category,
            delete_category
        ))
        .routes(routes!(list_centers, create_center))
        .routes(routes!(get_center, put_center, patch_center, delete_center))
        .merge(super::api_pis::router())
}

//! `/api/v1/biotools/`: the bio.tools records the registry mirrors, for admin keys — a filtered,
//! paginated list and one tool by its bio.tools id.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::entity::biotools_record as rec;
use super::id::BiotoolsId;
use super::view::{RecordView, views};
use crate::api::auth::ApiPrincipal;
use crate::api::openapi::ErrorEnvelope;
use crate::api::pagination::{Page, PageParams, PageQuery, list_url, query_pairs};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::submissions::api::site_root;
use crate::submissions::entity::service_submission as sub;
use crate::submissions::model::Status;

const NOT_FOUND: &str = "No bio.tools record matches the given query.";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordListQuery {
    /// Only records of this bio.tools id (case-insensitive; a bio.tools address works too; a value that
    /// is no bio.tools id matches nothing).
    #[param(example = "blast")]
    pub biotools_id: Option<String>,
    /// Only the record of this submission.
    #[param(value_type = Option<Uuid>)]
    pub submission: Option<String>,
    #[param(schema_with = crate::api::openapi::page_schema)]
    pub page: Option<String>,
    #[param(schema_with = crate::api::openapi::page_size_schema)]
    pub page_size: Option<String>,
}

/// Every mirrored record (admin key, read or full scope), by bio.tools id.
#[utoipa::path(get, path = "/api/v1/biotools/", operation_id = "list_biotools_records", tag = "biotools",
    params(RecordListQuery),
    security(("AdminKey" = [])),
    responses((status = 200, description = "One page of bio.tools records", body = Page<RecordView>),
        (status = 400, description = "A malformed filter value or page_size", body = ErrorEnvelope),
        (status = 403, description = "No valid admin key", body = ErrorEnvelope),
        (status = 404, description = "Invalid page: 0, not a number, or past the end", body = ErrorEnvelope),
        (status = 429, description = "Rate limit of this key exceeded", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds until the limit resets")))))]
pub async fn list(
    State(state): State<AppState>,
    parts: Parts,
    ApiPrincipal(principal): ApiPrincipal,
    Query(q): Query<RecordListQuery>,
) -> AppResult<Json<Page<RecordView>>> {
    principal.require_admin()?;
    let mut select = rec::Entity::find();
    if let Some(raw) = q.biotools_id.as_deref().filter(|v| !v.trim().is_empty()) {
        // An exact filter: a value that cannot be a bio.tools id matches no record.
        let wanted = BiotoolsId::parse(raw)
            .map(|id| id.as_str().to_string())
            .unwrap_or_default();
        select = select.filter(rec::Column::BiotoolsId.eq(wanted));
    }
    if let Some(raw) = q.submission.as_deref() {
        let id = Uuid::parse_str(raw.trim()).map_err(|_| {
            AppError::BadRequest("submission must be a submission id (a UUID).".into())
        })?;
        select = select.filter(rec::Column::SubmissionId.eq(id));
    }
    let page = PageQuery::parse(
        &PageParams {
            page: q.page,
            page_size: q.page_size,
        },
        state.config.api_page_size,
        state.config.api_max_page_size,
    )?;
    let count = select.clone().count(&state.db).await?;
    let req = page.resolve(count)?;
    let records = select
        .order_by_asc(rec::Column::BiotoolsId)
        .order_by_asc(rec::Column::Id)
        .offset(req.offset())
        .limit(req.size)
        .all(&state.db)
        .await?;
    let root = site_root(&state, &parts);
    let results = views(&state.db, records, &root).await?;
    Ok(Json(req.wrap(
        count,
        results,
        &list_url(&state.config, &parts),
        &query_pairs(&parts),
    )))
}

/// One tool's record (admin key). Several submissions may link the same tool: then the record of an
/// approved submission comes first, then the most recently synced one.
#[utoipa::path(get, path = "/api/v1/biotools/{biotools_id}/", operation_id = "get_biotools_record", tag = "biotools",
    params(("biotools_id" = String, Path, description = "The bio.tools id (case-insensitive)", example = "blast")),
    security(("AdminKey" = [])),
    responses((status = 200, body = RecordView),
        (status = 403, description = "No valid admin key", body = ErrorEnvelope),
        (status = 404, description = "No record of this bio.tools id", body = ErrorEnvelope),
        (status = 429, description = "Rate limit of this key exceeded", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds until the limit resets")))))]
pub async fn detail(
    State(state): State<AppState>,
    parts: Parts,
    ApiPrincipal(principal): ApiPrincipal,
    Path(raw): Path<String>,
) -> AppResult<Json<RecordView>> {
    principal.require_admin()?;
    let not_found = || AppError::NotFound(NOT_FOUND.into());
    let id = BiotoolsId::parse(&raw).map_err(|_| not_found())?;
    let records = rec::Entity::find()
        .filter(rec::Column::BiotoolsId.eq(id.as_str()))
        .all(&state.db)
        .await?;
    let approved: Vec<Uuid> = if records.len() > 1 {
        sub::Entity::find()
            .select_only()
            .column(sub::Column::Id)
            .filter(sub::Column::Id.is_in(records.iter().map(|r| r.submission_id)))
            .filter(sub::Column::Status.eq(Status::Approved.code()))
            .into_tuple()
            .all(&state.db)
            .await?
    } else {
        Vec::new()
    };
    let best = records
        .into_iter()
        .max_by_key(|r| {
            (
                approved.contains(&r.submission_id),
                r.last_synced_at,
                std::cmp::Reverse(r.id),
            )
        })
        .ok_or_else(not_found)?;
    let root = site_root(&state, &parts);
    views(&state.db, vec![best], &root)
        .await?
        .pop()
        .map(Json)
        .ok_or_else(not_found)
}

#[derive(utoipa::OpenApi)]
#[openapi(
    components(schemas(
        RecordView,
        super::view::FunctionView,
        super::view::ResolvedTopic,
        super::mapping::EdamRef,
        super::mapping::DataSlot,
        super::mapping::Publication,
        super::mapping::Link,
        super::mapping::Download,
    )),
    tags((name = "biotools", description = "Metadata mirrored from bio.tools for submissions that link a tool (admin keys)"))
)]
struct BiotoolsDoc;

/// `/api/v1/biotools/…`, documented.
pub fn router() -> OpenApiRouter<AppState> {
    use utoipa::OpenApi;
    OpenApiRouter::with_openapi(BiotoolsDoc::openapi())
        .routes(routes!(list))
        .routes(routes!(detail))
}

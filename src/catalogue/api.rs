//! `GET /api/v1/catalogue/`: the public catalogue for machines — approved services only, the page
//! filters and search, the API's page-number pagination. No key needed (and any sent is ignored).

use axum::Json;
use axum::extract::State;
use axum::http::request::Parts;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::model::CatalogueQuery;
use super::service;
use super::view::ServiceView;
use crate::api::openapi::ErrorEnvelope;
use crate::api::pagination::{Page, PageParams, PageQuery, list_url, query_pairs};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The filters of the catalogue (each but `q` and `sort` may repeat: OR within one, AND across).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameters; they are read from the query pairs (repeatable).
pub struct CatalogueParams {
    /// Ranked full-text search over name, description, keywords, categories, centre, PIs and EDAM terms.
    q: Option<String>,
    /// Service category id (repeatable).
    category: Option<Vec<i64>>,
    /// Service centre id (repeatable).
    center: Option<Vec<uuid::Uuid>>,
    /// EDAM topic accession, e.g. `topic_0121` (repeatable).
    topic: Option<Vec<String>>,
    /// `mature`, `emerging` or `legacy` (repeatable).
    maturity: Option<Vec<String>>,
    /// `yes` or `no`.
    elixir: Option<String>,
    /// SPDX licence id (repeatable).
    license: Option<Vec<String>>,
    /// `name`, `newest`, `updated` or `relevance` (default: relevance with `q`, else name).
    sort: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/catalogue/", operation_id = "list_catalogue", tag = "catalogue",
    params(CatalogueParams, PageParams),
    responses(
        (status = 200, description = "One page of approved services", body = Page<ServiceView>),
        (status = 400, description = "A filter value that is not understood, or a bad page size", body = ErrorEnvelope),
        (status = 404, description = "Page past the end, or the catalogue is switched off", body = ErrorEnvelope),
    ))]
pub async fn list(
    State(state): State<AppState>,
    parts: Parts,
) -> AppResult<Json<Page<ServiceView>>> {
    super::web::enabled(&state)?;
    let pairs = query_pairs(&parts);
    let (mut q, rejected) = CatalogueQuery::parse(&pairs);
    if let Some(r) = rejected.first() {
        return Err(AppError::BadRequest(format!(
            "Unknown value '{}' for '{}'.",
            r.value, r.param
        )));
    }
    let params = PageParams {
        page: pairs
            .iter()
            .find(|(k, _)| k == "page")
            .map(|(_, v)| v.clone()),
        page_size: pairs
            .iter()
            .find(|(k, _)| k == "page_size")
            .map(|(_, v)| v.clone()),
    };
    let cfg = &state.config;
    let pq = PageQuery::parse(&params, cfg.api_page_size, cfg.api_max_page_size)?;
    // The listing clamps the page; the API's rule (past the end → 404) is checked on its count.
    q.page = match pq.page {
        crate::api::pagination::PageNumber::Number(n) => n,
        crate::api::pagination::PageNumber::Last => u64::MAX,
    };
    let listing = service::list(&state.db, &q, pq.size).await?;
    let req = pq.resolve(listing.total)?;
    let results: Vec<ServiceView> = listing
        .records
        .iter()
        .map(ServiceView::from_record)
        .collect();
    Ok(Json(req.wrap(
        listing.total,
        results,
        &list_url(cfg, &parts),
        &pairs,
    )))
}

#[derive(OpenApi)]
#[openapi(
    components(schemas(ServiceView)),
    tags((name = "catalogue", description = "The public catalogue of approved services"))
)]
struct CatalogueDoc;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(CatalogueDoc::openapi()).routes(routes!(list))
}

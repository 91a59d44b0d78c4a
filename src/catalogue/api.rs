//! `GET /api/v1/catalogue/`: the public catalogue for machines — approved services only, the page
//! filters and search, the API's page-number pagination. No key needed (and any sent is ignored).

use axum::extract::State;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::openapi::schema::Schema;
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::cache::Cached;
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
    #[param(schema_with = topic_schema)]
    topic: Option<Vec<String>>,
    /// Primary maturity tag (repeatable).
    #[param(schema_with = maturity_schema)]
    maturity: Option<Vec<String>>,
    /// Registered as an ELIXIR service.
    #[param(schema_with = elixir_schema)]
    elixir: Option<String>,
    /// SPDX licence id (repeatable).
    #[param(schema_with = license_schema)]
    license: Option<Vec<String>>,
    /// Sort order (default: `relevance` with `q`, else `name`).
    #[param(schema_with = sort_schema)]
    sort: Option<String>,
    #[param(schema_with = crate::api::openapi::page_schema)]
    page: Option<String>,
    #[param(schema_with = crate::api::openapi::page_size_schema)]
    page_size: Option<String>,
}

fn pattern_list(pattern: &str) -> Schema {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    Schema::Array(
        ArrayBuilder::new()
            .items(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(pattern)),
            )
            .build(),
    )
}

fn topic_schema() -> Schema {
    pattern_list("^topic_[0-9]{1,10}$")
}

fn license_schema() -> Schema {
    pattern_list("^[A-Za-z0-9.+-]{1,80}$")
}

fn maturity_schema() -> Schema {
    use utoipa::openapi::schema::ArrayBuilder;
    let codes: Vec<&str> = crate::submissions::model::PrimaryTag::ALL
        .iter()
        .map(|t| t.code())
        .collect();
    Schema::Array(
        ArrayBuilder::new()
            .items(utoipa::openapi::RefOr::T(
                crate::api::openapi::choice_schema(&codes),
            ))
            .build(),
    )
}

fn elixir_schema() -> Schema {
    crate::api::openapi::choice_schema(&["yes", "no", "true", "false"])
}

fn sort_schema() -> Schema {
    let codes: Vec<&str> = super::model::Sort::ALL.iter().map(|s| s.code()).collect();
    crate::api::openapi::choice_schema(&codes)
}

/// The filters the API checks strictly: the pages read a blank or padded value as "no filter", the API
/// refuses what its schema does not allow.
const STRICT: [&str; 9] = [
    "category",
    "center",
    "topic",
    "maturity",
    "elixir",
    "license",
    "sort",
    "page",
    "page_size",
];

#[utoipa::path(get, path = "/api/v1/catalogue/", operation_id = "list_catalogue", tag = "catalogue",
    params(CatalogueParams),
    responses(
        (status = 200, description = "One page of approved services", body = Page<ServiceView>),
        (status = 400, description = "A filter value that is not understood, or a bad page size", body = ErrorEnvelope),
        (status = 404, description = "Page past the end, or the catalogue is switched off", body = ErrorEnvelope),
    ))]
pub async fn list(State(state): State<AppState>, parts: Parts) -> AppResult<Response> {
    super::web::enabled(&state)?;
    let pairs = query_pairs(&parts);
    if let Some((k, _)) = pairs
        .iter()
        .find(|(k, v)| STRICT.contains(&k.as_str()) && (v.is_empty() || v.trim() != v))
    {
        return Err(AppError::BadRequest(format!(
            "'{k}' needs a value without surrounding spaces."
        )));
    }
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
    // The answer is a function of the URL and the data: kept in the page cache like the HTML
    // listing (see `cache`); the version is read before the data.
    let base = list_url(cfg, &parts);
    let key = format!("api {base}?{}", parts.uri.query().unwrap_or_default());
    let version = crate::db::write_version(&state.db).await?;
    let cache = state.catalogue_cache.clone();
    let body = cache
        .get_or_render(version, key, || async {
            let listing = service::list(&state.db, &q, pq.size).await?;
            let req = pq.resolve(listing.total)?;
            let results: Vec<ServiceView> = listing
                .records
                .iter()
                .map(ServiceView::from_record)
                .collect();
            let page = req.wrap(listing.total, results, &base, &pairs);
            Ok::<_, AppError>(Cached {
                body: serde_json::to_string(&page).map_err(AppError::internal)?,
                hash: String::new(),
                last_modified: listing.last_modified,
                push_url: String::new(),
            })
        })
        .await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        body.body.clone(),
    )
        .into_response())
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

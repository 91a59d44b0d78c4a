//! EDAM over HTTP: the pickers' ranked search (`/edam/search/`) and the public API (`/api/v1/edam/…`).
//! Both are public: no authentication, and any `Authorization` header is ignored.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::entity::edam_term;
use super::model::Branch;
use super::search::{IndexedTerm, JsonForm, json_array};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 100;

fn parse_branch(b: Option<&str>) -> AppResult<Option<Branch>> {
    match b.map(str::trim).filter(|b| !b.is_empty()) {
        None => Ok(None),
        Some(b) => Branch::parse(b).map(Some).ok_or_else(|| {
            AppError::BadRequest(format!(
                "Unknown branch '{b}': use topic, operation, data, format or identifier."
            ))
        }),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// `topic`, `operation`, `data`, `format` or `identifier`; all branches when absent.
    pub branch: Option<String>,
    /// Text to look for in labels, accessions and synonyms (case- and accent-insensitive).
    pub q: Option<String>,
    /// At most this many results (1–100, default 20).
    pub limit: Option<usize>,
}

/// `GET /edam/search/`: ranked matches for the form's pickers.
/// Answers the pickers' search with a JSON array of [`super::search::Hit`]s.
pub async fn picker_search(
    State(state): State<AppState>,
    Query(p): Query<SearchParams>,
) -> AppResult<Response> {
    let branch = parse_branch(p.branch.as_deref())?;
    let limit = p.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let index = state.edam.get();
    let hits = index.search(branch, p.q.as_deref().unwrap_or_default(), limit);
    Ok(json_response(json_array(JsonForm::Hit, hits)))
}

/// A JSON body that is already serialised.
fn json_response(body: impl Into<axum::body::Body>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.into(),
    )
        .into_response()
}

/// A term in API lists.
#[derive(Debug, Serialize, ToSchema)]
pub struct EdamItem {
    #[schema(example = "http://edamontology.org/topic_0121")]
    pub uri: String,
    #[schema(example = "topic_0121")]
    pub accession: String,
    pub branch: Branch,
    #[schema(example = "Proteomics")]
    pub label: String,
    /// Human-readable page of the term.
    #[schema(example = "https://edamontology.org/topic_0121")]
    pub url: String,
    /// Present when the term was found through this synonym.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched_synonym: Option<String>,
}

impl EdamItem {
    pub(super) fn from_indexed(t: &IndexedTerm, matched: Option<&str>) -> Self {
        Self {
            uri: t.uri.clone(),
            accession: t.accession.clone(),
            branch: t.branch,
            label: t.label.clone(),
            url: format!("https://edamontology.org/{}", t.accession),
            matched_synonym: matched.map(str::to_string),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ParentRef {
    pub accession: String,
    pub label: String,
}

/// One term with everything the registry knows about it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EdamDetail {
    pub uri: String,
    pub accession: String,
    pub branch: String,
    pub label: String,
    pub url: String,
    pub definition: String,
    pub synonyms: Vec<String>,
    pub parent: Option<ParentRef>,
    pub is_obsolete: bool,
    #[schema(example = "1.25")]
    pub edam_version: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only terms of this branch.
    #[param(schema_with = branch_schema)]
    pub branch: Option<String>,
    /// Search text; results are then ranked (exact label, prefix, word prefix, substring, synonym).
    pub q: Option<String>,
}

fn branch_schema() -> utoipa::openapi::schema::Schema {
    crate::api::openapi::choice_schema(&["topic", "operation", "data", "format", "identifier"])
}

/// Non-obsolete EDAM terms, optionally of one branch and matching a query (ranked).
#[utoipa::path(get, path = "/api/v1/edam/", operation_id = "list_edam_terms", tag = "edam", params(ListParams),
    responses(
        (status = 200, description = "Matching non-obsolete terms", body = Vec<EdamItem>),
        (status = 400, description = "Unknown branch", body = crate::api::openapi::ErrorEnvelope),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Query(p): Query<ListParams>,
) -> AppResult<Response> {
    // The API takes exactly the documented values (the pickers' search is lenient about blanks).
    let branch = match p.branch.as_deref() {
        None => None,
        Some(b) => Some(Branch::parse(b).ok_or_else(|| {
            AppError::BadRequest(format!(
                "Unknown branch '{}': use topic, operation, data, format or identifier.",
                crate::text::clean_text(b)
                    .chars()
                    .take(40)
                    .collect::<String>()
            ))
        })?),
    };
    let index = state.edam.get();
    let body = match p.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) => json_array(JsonForm::Item, index.search(branch, q, usize::MAX)),
        None => json_array(JsonForm::Item, index.list(branch).map(|t| (t, None))),
    };
    Ok(json_response(body))
}

/// One term by accession (obsolete ones included), or by numeric id among non-obsolete terms.
#[utoipa::path(get, path = "/api/v1/edam/{accession}/", operation_id = "get_edam_term", tag = "edam",
    params(("accession" = String, Path, description = "e.g. `topic_0121`, or a numeric id")),
    responses(
        (status = 200, description = "The term", body = EdamDetail),
        (status = 404, description = "No such term", body = crate::api::openapi::ErrorEnvelope),
    ))]
pub async fn detail(State(state): State<AppState>, Path(key): Path<String>) -> AppResult<Response> {
    // Served from the in-memory index, where each term's answer was serialised when it was built.
    match state.edam.get().detail(&key) {
        Some(json) => Ok(json_response(json)),
        None => Err(AppError::NotFound(format!("No EDAM term '{key}'."))),
    }
}

/// The detail of one term as the API answers it; `parent` is the parent's (accession, label).
pub(super) fn detail_json(
    row: &edam_term::Model,
    parent: Option<&(String, String)>,
) -> axum::body::Bytes {
    let detail = EdamDetail {
        url: format!("https://edamontology.org/{}", row.accession),
        synonyms: serde_json::from_value(row.synonyms.clone()).unwrap_or_default(),
        uri: row.uri.clone(),
        accession: row.accession.clone(),
        branch: row.branch.clone(),
        label: row.label.clone(),
        definition: row.definition.clone(),
        parent: parent.map(|(accession, label)| ParentRef {
            accession: accession.clone(),
            label: label.clone(),
        }),
        is_obsolete: row.is_obsolete,
        edam_version: row.edam_version.clone(),
    };
    serde_json::to_vec(&detail).unwrap_or_default().into()
}

#[derive(OpenApi)]
#[openapi(
    components(schemas(EdamItem, EdamDetail, ParentRef, Branch)),
    tags((name = "edam", description = "EDAM ontology terms (public, no authentication)"))
)]
struct EdamDoc;

/// `/api/v1/edam/…`, documented.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(EdamDoc::openapi())
        .routes(routes!(list))
        .routes(routes!(detail))
}

pub fn page_routes() -> Router<AppState> {
    Router::new().route("/edam/search/", get(picker_search))
}

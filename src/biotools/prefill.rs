//! `GET /biotools/prefill/?id=…`: what the registration form may fill in from a bio.tools entry — name,
//! description, homepage, GitHub, publications, EDAM topics and operations (matched by URI to current
//! terms) and licences (matched by SPDX id to current licences). Fetched on the server (the id is
//! parsed, never a URL followed), answered from a short cache, rate-limited per client address.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::client::{BiotoolsClient, BiotoolsError, ClientSettings};
use super::id::BiotoolsId;
use super::mapping::BioToolsEntry;
use crate::error::AppError;
use crate::state::AppState;

/// How long an answer is reused, and how many are kept.
const CACHE_TTL: Duration = Duration::from_secs(600);
const CACHE_MAX: usize = 500;
/// A person is waiting: one attempt, and no longer than this.
const READ_TIMEOUT: Duration = Duration::from_secs(8);
const MAX_PUBLICATIONS: usize = 10;

#[derive(Debug, Clone, Serialize)]
pub struct Term {
    pub id: i64,
    pub label: String,
    pub accession: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Licence {
    pub id: String,
    pub name: String,
}

/// The answer; `found: false` carries only `error`.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Prefill {
    pub found: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub biotools_id: String,
    pub name: String,
    pub description: String,
    pub homepage: String,
    pub github_url: String,
    /// PMIDs, else DOIs, comma-separated as the form's field takes them.
    pub publications: String,
    pub edam_topics: Vec<Term>,
    pub edam_operations: Vec<Term>,
    pub licenses: Vec<Licence>,
    /// The licence as bio.tools states it, when no current SPDX licence matched.
    pub license_text: String,
}

type Cache = Mutex<HashMap<(String, String), (Instant, Prefill)>>;
static CACHE: std::sync::LazyLock<Cache> = std::sync::LazyLock::new(|| Mutex::new(HashMap::new()));

#[derive(Deserialize)]
pub struct PrefillQuery {
    id: Option<String>,
}

fn failure(status: StatusCode, error: String) -> Response {
    let body = Prefill {
        found: false,
        error: Some(error),
        ..Default::default()
    };
    (status, Json(body)).into_response()
}

/// `GET /biotools/prefill/?id=…`: 200 with the values, 400 for an id that is not one, 404 when
/// bio.tools has no such tool, 503 when bio.tools cannot be reached; always JSON.
pub async fn prefill(
    State(state): State<AppState>,
    parts: Parts,
    Query(q): Query<PrefillQuery>,
) -> Result<Response, AppError> {
    crate::web::rate_limit::check_client(&state, &parts, crate::web::rate_limit::Policy::Biotools)
        .await?;
    let id = match BiotoolsId::parse(q.id.as_deref().unwrap_or_default()) {
        Ok(id) => id,
        Err(msg) => return Ok(failure(StatusCode::BAD_REQUEST, msg)),
    };
    let key = (
        state.config.biotools_api_url.clone(),
        id.as_str().to_string(),
    );
    if let Some(hit) = cached(&key) {
        return Ok(Json(hit).into_response());
    }
    let mut settings = ClientSettings::from_config(&state.config);
    settings.attempts = 1;
    settings.read_timeout = READ_TIMEOUT;
    settings.attempt_timeout = READ_TIMEOUT;
    let client = BiotoolsClient::new(settings).map_err(AppError::internal)?;
    let entry = match client.get_tool(&id).await {
        Ok(entry) => entry,
        Err(e) => {
            let e = e.last();
            tracing::info!(biotools_id = %id.as_str(), error = %e, "bio.tools prefill failed");
            return Ok(match e {
                BiotoolsError::NotFound(_) => failure(
                    StatusCode::NOT_FOUND,
                    format!("bio.tools has no entry '{}'. Check the address.", id.as_str()),
                ),
                _ => failure(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "bio.tools is temporarily unavailable; fill in the form yourself or try again later."
                        .into(),
                ),
            });
        }
    };
    let answer = from_entry(&state, &entry).await?;
    store(key, answer.clone());
    Ok(Json(answer).into_response())
}

fn cached(key: &(String, String)) -> Option<Prefill> {
    let map = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    map.get(key)
        .filter(|(at, _)| at.elapsed() < CACHE_TTL)
        .map(|(_, p)| p.clone())
}

fn store(key: (String, String), value: Prefill) {
    let mut map = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if map.len() >= CACHE_MAX {
        map.retain(|_, (at, _)| at.elapsed() < CACHE_TTL);
        if map.len() >= CACHE_MAX {
            map.clear();
        }
    }
    map.insert(key, (Instant::now(), value));
}

/// The form's values of an entry: EDAM terms and licences only when a current one matches.
async fn from_entry(state: &AppState, e: &BioToolsEntry) -> Result<Prefill, AppError> {
    let index = state.edam.get();
    let term = |uri: &str| {
        index.by_uri(uri).map(|t| Term {
            id: t.id,
            label: t.label.clone(),
            accession: t.accession.clone(),
        })
    };
    let edam_topics: Vec<Term> = e.edam_topics.iter().filter_map(|t| term(&t.uri)).collect();
    let mut edam_operations: Vec<Term> = Vec::new();
    for op in e.functions.iter().flat_map(|f| f.operations.iter()) {
        if let Some(t) = term(&op.uri)
            && !edam_operations.iter().any(|o| o.id == t.id)
        {
            edam_operations.push(t);
        }
    }
    let publications = e
        .publications
        .iter()
        .filter_map(|p| {
            [&p.pmid, &p.doi]
                .into_iter()
                .find(|v| !v.trim().is_empty())
                .map(|v| v.trim().to_string())
        })
        .take(MAX_PUBLICATIONS)
        .collect::<Vec<_>>()
        .join(", ");
    let github_url = e
        .links
        .iter()
        .map(|l| l.url.as_str())
        .chain(e.download.iter().map(|d| d.url.as_str()))
        .chain(std::iter::once(e.homepage.as_str()))
        .find(|u| u.starts_with("https://github.com/"))
        .unwrap_or_default()
        .to_string();
    let mut licenses = Vec::new();
    let mut license_text = String::new();
    let stated = e.license.trim();
    if !stated.is_empty() {
        let found =
            crate::submissions::repo::licenses_by_code(&state.db, &[stated.to_string()]).await?;
        match found.into_iter().find(|l| !l.is_deprecated) {
            Some(l) => licenses.push(Licence {
                id: l.license_id,
                name: l.name,
            }),
            None => license_text = stated.chars().take(200).collect(),
        }
    }
    Ok(Prefill {
        found: true,
        error: None,
        biotools_id: e.biotools_id.clone(),
        name: e.name.clone(),
        description: e.description.clone(),
        homepage: if e.homepage.starts_with("https://") {
            e.homepage.clone()
        } else {
            String::new()
        },
        github_url,
        publications,
        edam_topics,
        edam_operations,
        licenses,
        license_text,
    })
}

/// The page route.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/biotools/prefill/", axum::routing::get(prefill))
}

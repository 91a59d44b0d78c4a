//! The catalogue's routes (all 404 with the flag off): `/catalogue/<id>/` with its JSON-LD, and the
//! machine formats beside it (`/catalogue/<id>.json`, citation files, the Atom feed, `/sitemap.xml`);
//! the listing itself is `listing.rs`.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::context;
use uuid::Uuid;

use super::export::{self, Synced};
use super::http::Conditional;
use super::view::ServiceView;
use super::{feeds, repo};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::PageContext;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/catalogue/", get(super::listing::index))
        .route("/catalogue/feed.atom", get(feed))
        .route("/catalogue/{id}", get(file))
        .route("/catalogue/{id}/", get(service_page))
        .route("/catalogue/{id}/{file}", get(citation))
        .route("/sitemap.xml", get(sitemap))
}

/// The flag: off, the catalogue does not exist.
pub(super) fn enabled(state: &AppState) -> Result<(), AppError> {
    if state.config.site.features.catalogue {
        Ok(())
    } else {
        Err(AppError::NotFound("Not found.".into()))
    }
}

/// Renders a page; a template failure is an internal error naming every cause (minijinja nests an
/// included template's error as the source of the include's).
pub(super) fn render(
    state: &AppState,
    template: &str,
    page: &PageContext,
    ctx: minijinja::Value,
) -> Result<String, AppError> {
    state
        .templates
        .render_page(template, page, ctx)
        .map_err(|e| {
            let mut msg = format!("template {template}: {e}");
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                msg.push_str(&format!(": {c}"));
                cause = c.source();
            }
            AppError::internal(msg)
        })
}

fn not_found() -> AppError {
    AppError::NotFound("No approved service has this address.".into())
}

/// The approved service `id` names, with its bio.tools data when synced.
async fn load(state: &AppState, id: &str) -> Result<(ServiceView, Option<Synced>), AppError> {
    enabled(state)?;
    let id = Uuid::parse_str(id).map_err(|_| not_found())?;
    let rec = repo::approved_record(&state.db, id)
        .await?
        .ok_or_else(not_found)?;
    let synced = match crate::biotools::repo::record_of(&state.db, id).await? {
        Some(record) => {
            let functions = crate::biotools::repo::functions_of(&state.db, record.id).await?;
            Some(Synced { record, functions })
        }
        None => None,
    };
    Ok((ServiceView::from_record(&rec), synced))
}

fn origin(state: &AppState, parts: &Parts) -> String {
    crate::web::client::origin(&state.config, parts)
}

/// `GET /catalogue/<id>/`: rendered once per write version, like the listings (`cache`).
async fn service_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    page: PageContext,
    parts: Parts,
) -> Result<Response, AppError> {
    enabled(&state)?;
    let origin = origin(&state, &parts);
    let key = format!("s {origin} {id}");
    // Read before the data (see `cache`).
    let version = crate::db::write_version(&state.db).await?;
    let cache = state.catalogue_cache.clone();
    let cached = cache
        .get_or_render(version, key, || {
            render_service(&state, &id, &origin, &page, cache.placeholder())
        })
        .await?;
    let body = cached.body.replace(cache.placeholder(), &page.csp_nonce);
    Ok(Conditional {
        content_type: "text/html; charset=utf-8",
        body,
        last_modified: cached.last_modified,
        nonce: Some(&page.csp_nonce),
        path: parts.uri.path(),
        vary_htmx: false,
        etag_hash: Some(&cached.hash),
    }
    .respond(&state, &parts.headers, HeaderMap::new()))
}

/// Renders one service page with `placeholder` where the page's nonce goes.
async fn render_service(
    state: &AppState,
    id: &str,
    origin: &str,
    page: &PageContext,
    placeholder: &str,
) -> Result<super::cache::Cached, AppError> {
    let (s, synced) = load(state, id).await?;
    let page_url = format!("{origin}{}", s.path);
    let ld = export::json_ld(&s, &page_url, synced.as_ref());
    let functions: Vec<serde_json::Value> = synced
        .as_ref()
        .map(|x| {
            x.functions
                .iter()
                .map(|f| serde_json::json!({"operations": f.operations, "inputs": f.inputs, "outputs": f.outputs, "note": f.note}))
                .collect()
        })
        .unwrap_or_default();
    let ctx = context! {
        s => &s,
        page_url => page_url,
        json_ld => minijinja::Value::from_safe_string(export::json_ld_script_text(&ld)),
        functions => functions,
        biotools_id => synced.as_ref().map(|x| x.record.biotools_id.clone()),
        version => synced.as_ref().map(|x| x.record.version.clone()).filter(|v| !v.is_empty()),
    };
    let mut page = page.clone();
    page.csp_nonce = placeholder.to_string();
    let body = render(state, "catalogue/service.html", &page, ctx)?;
    Ok(super::cache::Cached {
        hash: super::http::hash(&body, Some(placeholder)),
        body,
        last_modified: Some(s.updated_at),
        push_url: String::new(),
    })
}

fn machine(
    state: &AppState,
    parts: &Parts,
    content_type: &'static str,
    body: String,
    lm: Option<chrono::DateTime<chrono::Utc>>,
    download: Option<String>,
) -> Response {
    let mut extra = HeaderMap::new();
    if let Some(name) = download
        && let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{name}\""))
    {
        extra.insert(http::header::CONTENT_DISPOSITION, v);
    }
    Conditional {
        content_type,
        body,
        last_modified: lm,
        nonce: None,
        path: parts.uri.path(),
        vary_htmx: false,
        etag_hash: None,
    }
    .respond(state, &parts.headers, extra)
}

/// `GET /catalogue/<id>.json` (bio.tools format); `/catalogue/<id>` without the slash redirects.
async fn file(
    State(state): State<AppState>,
    Path(file): Path<String>,
    parts: Parts,
) -> Result<Response, AppError> {
    enabled(&state)?;
    if let Some(id) = file.strip_suffix(".json") {
        let (s, synced) = load(&state, id).await?;
        let page_url = format!("{}{}", origin(&state, &parts), s.path);
        let body =
            serde_json::to_string_pretty(&export::biotools_json(&s, &page_url, synced.as_ref()))
                .map_err(AppError::internal)?;
        return Ok(machine(
            &state,
            &parts,
            "application/json",
            body,
            Some(s.updated_at),
            None,
        ));
    }
    let id = Uuid::parse_str(&file).map_err(|_| not_found())?;
    Ok(Redirect::permanent(&format!("/catalogue/{id}/")).into_response())
}

/// `GET /catalogue/<id>/cite.cff|cite.bib|cite.ris`.
async fn citation(
    State(state): State<AppState>,
    Path((id, file)): Path<(String, String)>,
    parts: Parts,
) -> Result<Response, AppError> {
    enabled(&state)?;
    let kind = match file.as_str() {
        "cite.cff" => "cff",
        "cite.bib" => "bib",
        "cite.ris" => "ris",
        _ => return Err(AppError::NotFound("Not found.".into())),
    };
    let (s, synced) = load(&state, &id).await?;
    let page_url = format!("{}{}", origin(&state, &parts), s.path);
    let (ct, body) = match kind {
        "cff" => (
            "application/x-yaml; charset=utf-8",
            export::cff(&s, &page_url, synced.as_ref()),
        ),
        "bib" => (
            "application/x-bibtex; charset=utf-8",
            export::bibtex(&s, &page_url, synced.as_ref()),
        ),
        _ => (
            "application/x-research-info-systems; charset=utf-8",
            export::ris(&s, &page_url, synced.as_ref()),
        ),
    };
    let name = if kind == "cff" {
        "CITATION.cff".to_string()
    } else {
        format!("{}.{kind}", s.id)
    };
    Ok(machine(
        &state,
        &parts,
        ct,
        body,
        Some(s.updated_at),
        Some(name),
    ))
}

/// `GET /catalogue/feed.atom`: the newest approved services.
async fn feed(State(state): State<AppState>, parts: Parts) -> Result<Response, AppError> {
    enabled(&state)?;
    let all = repo::all_light(&state.db).await?;
    let ids: Vec<Uuid> = all.iter().take(feeds::FEED_ENTRIES).map(|l| l.id).collect();
    let recs = repo::records(&state.db, &ids).await?;
    let views: Vec<ServiceView> = recs.iter().map(ServiceView::from_record).collect();
    let body = feeds::atom(
        &origin(&state, &parts),
        &state.config.site.site.name,
        &views,
    );
    let lm = views.iter().map(|v| v.updated_at).max();
    Ok(machine(
        &state,
        &parts,
        "application/atom+xml; charset=utf-8",
        body,
        lm,
        None,
    ))
}

/// `GET /sitemap.xml`.
async fn sitemap(State(state): State<AppState>, parts: Parts) -> Result<Response, AppError> {
    enabled(&state)?;
    let all = repo::all_light(&state.db).await?;
    let body = feeds::sitemap(&origin(&state, &parts), &all);
    let lm = all.iter().map(|v| v.updated_at).max();
    Ok(machine(
        &state,
        &parts,
        "application/xml; charset=utf-8",
        body,
        lm,
        None,
    ))
}

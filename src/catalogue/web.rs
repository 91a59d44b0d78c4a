//! The catalogue's pages: `/catalogue/` (the full page, or only its results for HTMX requests, with the
//! complete URL to push), `/catalogue/<id>/` with its JSON-LD, and the machine formats beside them
//! (`/catalogue/<id>.json`, citation files, the Atom feed, `/sitemap.xml`). All 404 with the flag off.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::context;
use serde::Serialize;
use uuid::Uuid;

use super::export::{self, Synced};
use super::http::Conditional;
use super::model::{CatalogueQuery, Sort, View};
use super::view::ServiceView;
use super::{feeds, repo, service};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::PageContext;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/catalogue/", get(index))
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

fn pairs(parts: &Parts) -> Vec<(String, String)> {
    url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn header_is(h: &HeaderMap, name: &str) -> bool {
    h.get(name).and_then(|v| v.to_str().ok()) == Some("true")
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
    checked: bool,
}

#[derive(Serialize)]
struct Pill {
    label: String,
    /// The listing without this value.
    remove_url: String,
}

#[derive(Serialize)]
struct PageLink {
    number: u64,
    url: String,
    current: bool,
}

/// The choices of one filter and the pills of its active values.
fn facet<T: PartialEq>(
    q: &CatalogueQuery,
    pills: &mut Vec<Pill>,
    options: impl Iterator<Item = (T, String, String)>,
    selected: impl Fn(&CatalogueQuery) -> &Vec<T>,
    without: impl Fn(&mut CatalogueQuery, &T),
    prefix: &str,
) -> Vec<Choice> {
    options
        .map(|(key, value, label)| {
            let checked = selected(q).contains(&key);
            if checked {
                let mut less = q.clone();
                without(&mut less, &key);
                pills.push(Pill {
                    label: format!("{prefix}: {label}"),
                    remove_url: less.url(1),
                });
            }
            Choice {
                value,
                label,
                checked,
            }
        })
        .collect()
}

/// `GET /catalogue/`.
async fn index(
    State(state): State<AppState>,
    page: PageContext,
    parts: Parts,
) -> Result<Response, AppError> {
    enabled(&state)?;
    let (mut q, _ignored) = CatalogueQuery::parse(&pairs(&parts));
    let per_page = u64::from(state.config.site.catalogue.per_page.max(1));
    let listing = service::list(&state.db, &q, per_page).await?;
    q.page = listing.page;
    let choices = repo::choices(&state.db).await?;

    let mut pills = Vec::new();
    if !q.q.is_empty() {
        let mut less = q.clone();
        less.q.clear();
        pills.push(Pill {
            label: format!("Search: “{}”", q.q),
            remove_url: less.url(1),
        });
    }
    let categories = facet(
        &q,
        &mut pills,
        choices
            .categories
            .iter()
            .map(|c| (c.id, c.id.to_string(), c.name.clone())),
        |q| &q.filters.categories,
        |q, v| q.filters.categories.retain(|x| x != v),
        "Category",
    );
    let centers = facet(
        &q,
        &mut pills,
        choices
            .centers
            .iter()
            .map(|c| (c.id, c.id.to_string(), c.short_name.clone())),
        |q| &q.filters.centers,
        |q, v| q.filters.centers.retain(|x| x != v),
        "Centre",
    );
    let topics = facet(
        &q,
        &mut pills,
        choices
            .topics
            .iter()
            .map(|t| (t.accession.clone(), t.accession.clone(), t.label.clone())),
        |q| &q.filters.topics,
        |q, v| q.filters.topics.retain(|x| x != v),
        "EDAM topic",
    );
    let maturity = facet(
        &q,
        &mut pills,
        crate::submissions::model::PrimaryTag::ALL.iter().map(|t| {
            (
                t.code().to_string(),
                t.code().to_string(),
                crate::submissions::model::tag_label(t.code()),
            )
        }),
        |q| &q.filters.maturity,
        |q, v| q.filters.maturity.retain(|x| x != v),
        "Maturity",
    );
    let elixir = facet(
        &q,
        &mut pills,
        [
            (true, "yes".to_string(), "ELIXIR service".to_string()),
            (false, "no".to_string(), "Not ELIXIR".to_string()),
        ]
        .into_iter(),
        |q| &q.filters.elixir,
        |q, v| q.filters.elixir.retain(|x| x != v),
        "ELIXIR",
    );
    let licenses = facet(
        &q,
        &mut pills,
        choices.licenses.iter().map(|l| {
            (
                l.license_id.clone(),
                l.license_id.clone(),
                l.license_id.clone(),
            )
        }),
        |q| &q.filters.licenses,
        |q, v| q.filters.licenses.retain(|x| x != v),
        "Licence",
    );

    let current = listing.page;
    let pages: Vec<PageLink> = (current.saturating_sub(2).max(1)
        ..=(current + 2).min(listing.pages))
        .map(|n| PageLink {
            number: n,
            url: q.url(n),
            current: n == current,
        })
        .collect();
    // The select sits outside the swapped results, so its options cannot depend on the search: the
    // blank choice is the default (relevance when searching, else name); relevance stays a URL value.
    let sorts: Vec<minijinja::Value> = Sort::ALL
        .iter()
        .filter(|s| **s != Sort::Relevance)
        .map(|s| context! { value => s.code(), label => s.label(), selected => q.sort == Some(*s) })
        .collect();
    let mut as_cards = q.clone();
    as_cards.view = View::Cards;
    let mut as_list = q.clone();
    as_list.view = View::List;
    let first = listing.total.min((current - 1) * listing.per_page + 1);
    let last_shown = (first + listing.records.len() as u64).saturating_sub(1);
    let services: Vec<ServiceView> = listing
        .records
        .iter()
        .map(ServiceView::from_record)
        .collect();
    let self_url = q.url(current);
    let ctx = context! {
        services => services,
        total => listing.total,
        page => current,
        pages => listing.pages,
        page_links => pages,
        prev_url => (current > 1).then(|| q.url(current - 1)),
        next_url => (current < listing.pages).then(|| q.url(current + 1)),
        first_shown => first,
        last_shown => last_shown,
        q => q.q.clone(),
        filtered => q.is_filtered(),
        pills => pills,
        categories => categories,
        centers => centers,
        topics => topics,
        maturity => maturity,
        elixir => elixir,
        licenses => licenses,
        sorts => sorts,
        view => if q.view == View::List { "list" } else { "cards" },
        cards_url => as_cards.url(1),
        list_url => as_list.url(1),
        self_url => self_url.clone(),
        card_fields => state.config.site.catalogue.card_fields.clone(),
        meta_description => state.config.site.catalogue.meta_description.clone(),
    };
    let partial = header_is(&parts.headers, "hx-request")
        && !header_is(&parts.headers, "hx-history-restore-request");
    let template = if partial {
        "catalogue/results.html"
    } else {
        "catalogue/index.html"
    };
    let body = render(&state, template, &page, ctx)?;
    let mut extra = HeaderMap::new();
    if partial && let Ok(v) = HeaderValue::from_str(&self_url) {
        extra.insert("hx-push-url", v);
    }
    Ok(Conditional {
        content_type: "text/html; charset=utf-8",
        body,
        last_modified: listing.last_modified,
        nonce: Some(&page.csp_nonce),
        path: parts.uri.path(),
        vary_htmx: true,
    }
    .respond(&state, &parts.headers, extra))
}

/// Renders a page; a template failure is an internal error naming every cause (minijinja nests an
/// included template's error as the source of the include's).
fn render(
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

/// `GET /catalogue/<id>/`.
async fn service_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    page: PageContext,
    parts: Parts,
) -> Result<Response, AppError> {
    let (s, synced) = load(&state, &id).await?;
    let page_url = format!("{}{}", origin(&state, &parts), s.path);
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
    let body = render(&state, "catalogue/service.html", &page, ctx)?;
    Ok(Conditional {
        content_type: "text/html; charset=utf-8",
        body,
        last_modified: Some(s.updated_at),
        nonce: Some(&page.csp_nonce),
        path: parts.uri.path(),
        vary_htmx: false,
    }
    .respond(&state, &parts.headers, HeaderMap::new()))
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

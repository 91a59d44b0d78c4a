//! `/catalogue/`: the listing page, or for HTMX requests only its results with the complete URL to
//! push; the filters' choices and active-filter pills, the page links and the sort and view choices.

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use minijinja::context;
use serde::Serialize;

use super::cache::Cached;
use super::http::Conditional;
use super::model::{CatalogueQuery, Sort, View};
use super::view::ServiceView;
use super::web::{enabled, render};
use super::{repo, service};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::PageContext;

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

/// `GET /catalogue/`: served from the page cache while nothing was written (see `cache`), else
/// rendered and kept.
pub(super) async fn index(
    State(state): State<AppState>,
    page: PageContext,
    parts: Parts,
) -> Result<Response, AppError> {
    enabled(&state)?;
    let (q, _ignored) = CatalogueQuery::parse(&pairs(&parts));
    let partial = header_is(&parts.headers, "hx-request")
        && !header_is(&parts.headers, "hx-history-restore-request");
    let key = format!("{}{}", if partial { "p " } else { "f " }, q.url(q.page));
    // Read before the data (see `cache`).
    let version = crate::db::write_version(&state.db).await?;
    let cache = state.catalogue_cache.clone();
    let cached = cache
        .get_or_render(version, key, || {
            render_listing(&state, q, partial, &page, cache.placeholder())
        })
        .await?;
    let body = cached.body.replace(cache.placeholder(), &page.csp_nonce);
    let mut extra = HeaderMap::new();
    if partial && let Ok(v) = HeaderValue::from_str(&cached.push_url) {
        extra.insert("hx-push-url", v);
    }
    Ok(Conditional {
        content_type: "text/html; charset=utf-8",
        body,
        last_modified: cached.last_modified,
        nonce: Some(&page.csp_nonce),
        path: parts.uri.path(),
        vary_htmx: true,
        etag_hash: Some(&cached.hash),
    }
    .respond(&state, &parts.headers, extra))
}

/// Renders the listing `q` asks for, with `placeholder` where the page's nonce goes.
async fn render_listing(
    state: &AppState,
    mut q: CatalogueQuery,
    partial: bool,
    page: &PageContext,
    placeholder: &str,
) -> Result<Cached, AppError> {
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
    let template = if partial {
        "catalogue/results.html"
    } else {
        "catalogue/index.html"
    };
    let mut page = page.clone();
    page.csp_nonce = placeholder.to_string();
    let body = render(state, template, &page, ctx)?;
    Ok(Cached {
        hash: super::http::hash(&body, Some(placeholder)),
        body,
        last_modified: listing.last_modified,
        push_url: self_url,
    })
}

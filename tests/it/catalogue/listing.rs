//! The listing through the real router: each filter, combinations, ranked search, sorts, paging
//! edges, HTMX partials and pushed URLs, the empty state, caching headers and the flag.

use super::fixtures::{Catalogue, HIDDEN, app_with, html as html_of, names_in};
use axum::body::Body;
use axum::http::{Request, StatusCode};

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn s(v: &[&str]) -> Vec<String> {
    sorted(v.iter().map(|x| x.to_string()).collect())
}

#[tokio::test]
async fn only_approved_services_are_listed_by_name() {
    let c = Catalogue::new().await;
    let names = c.page_names("").await;
    assert_eq!(names, ["Galaxy Training", "MetaProFi", "Proteomics Portal"]);
    let r = c.app.get("/catalogue/").await;
    let html = html_of(&r);
    for hidden in HIDDEN {
        assert!(!html.contains(hidden), "{hidden} listed");
    }
    assert!(
        html.contains("<strong>3</strong> services in the catalogue"),
        "{html}"
    );
    assert!(!html.contains("internal-secret@example.org"));
    // Searching for what only the hidden ones hold finds nothing either.
    assert!(c.page_names("?q=Hidden").await.is_empty());
    assert!(c.api_names("?q=Rejected").await.is_empty());
}

#[tokio::test]
async fn each_filter_narrows_and_values_of_one_filter_are_ored() {
    let c = Catalogue::new().await;
    let cases: Vec<(String, Vec<String>)> = vec![
        (format!("?category={}", c.cat_database), s(&["MetaProFi"])),
        (
            format!("?category={}&category={}", c.cat_database, c.cat_tool),
            s(&["MetaProFi", "Proteomics Portal"]),
        ),
        (
            format!("?category={}", c.cat_training),
            s(&["Galaxy Training"]),
        ),
        (
            format!("?center={}", c.bigi),
            s(&["MetaProFi", "Galaxy Training"]),
        ),
        (format!("?center={}", c.hdhub), s(&["Proteomics Portal"])),
        (
            "?topic=topic_0121".into(),
            s(&["MetaProFi", "Proteomics Portal"]),
        ),
        ("?topic=topic_0091".into(), s(&["Galaxy Training"])),
        ("?maturity=mature".into(), s(&["MetaProFi"])),
        (
            "?maturity=emerging&maturity=legacy".into(),
            s(&["Proteomics Portal", "Galaxy Training"]),
        ),
        ("?elixir=yes".into(), s(&["MetaProFi", "Galaxy Training"])),
        ("?elixir=no".into(), s(&["Proteomics Portal"])),
        (
            "?elixir=yes&elixir=no".into(),
            s(&["MetaProFi", "Proteomics Portal", "Galaxy Training"]),
        ),
        ("?license=Apache-2.0".into(), s(&["Proteomics Portal"])),
        ("?license=MIT".into(), s(&["MetaProFi", "Galaxy Training"])),
        // AND across filters.
        (
            format!("?center={}&license=MIT&maturity=legacy", c.bigi),
            s(&["Galaxy Training"]),
        ),
        (
            format!("?center={}&topic=topic_0121", c.hdhub),
            s(&["Proteomics Portal"]),
        ),
        (
            format!("?center={}&category={}", c.hdhub, c.cat_database),
            vec![],
        ),
        (
            format!("?q=proteomics&center={}", c.bigi),
            s(&["MetaProFi", "Galaxy Training"]),
        ),
        // Unknown but well-formed values match nothing; malformed ones are dropped on the page.
        ("?category=999999".into(), vec![]),
    ];
    for (qs, want) in cases {
        assert_eq!(sorted(c.page_names(&qs).await), want, "page {qs}");
        assert_eq!(sorted(c.api_names(&qs).await), want, "api {qs}");
    }
    assert_eq!(
        c.page_names("?category=abc&maturity=ancient").await.len(),
        3
    );
}

#[tokio::test]
async fn search_is_ranked_and_covers_every_field() {
    let c = Catalogue::new().await;
    // Name (weighted most) before EDAM topic label before description.
    assert_eq!(
        c.page_names("?q=proteomics").await,
        ["Proteomics Portal", "MetaProFi", "Galaxy Training"]
    );
    assert_eq!(c.api_names("?q=PROTEOMICS").await[0], "Proteomics Portal");
    for (q, want) in [
        ("metagenomic", s(&["MetaProFi"])),             // description
        ("annotation", s(&["MetaProFi"])),              // description + keywords
        ("metagenomics", s(&["MetaProFi"])),            // keywords
        ("Tool", s(&["Proteomics Portal"])),            // category
        ("Heidelberg", s(&["Proteomics Portal"])),      // centre full name
        ("BiGi", s(&["MetaProFi", "Galaxy Training"])), // centre short name
        ("Müller", s(&["Proteomics Portal", "Galaxy Training"])), // PI with umlaut
        ("carberry", s(&["MetaProFi"])),                // PI, any case
        (
            "bioinformatics",
            s(&["Galaxy Training", "Proteomics Portal"]),
        ), // EDAM label
        ("prote portal", s(&["Proteomics Portal"])),    // every word, as prefixes
        ("\"OR\" * NEAR(", vec![]),                     // query syntax is never interpreted
    ] {
        assert_eq!(
            sorted(c.page_names(&format!("?q={}", urlenc(q))).await),
            want,
            "q={q}"
        );
    }
}

fn urlenc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn the_index_follows_renames_and_changes() {
    let c = Catalogue::new().await;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    use service_registry::registry::entity::service_center;
    let centre = service_center::Entity::find_by_id(c.hdhub)
        .one(&c.app.state.db)
        .await
        .expect("q")
        .expect("centre");
    let mut am: service_center::ActiveModel = centre.into();
    am.full_name = Set("Renamed Zebrafish Centre".into());
    am.update(&c.app.state.db).await.expect("rename");
    assert_eq!(c.page_names("?q=zebrafish").await, ["Proteomics Portal"]);
    assert!(c.page_names("?q=Heidelberg").await.is_empty());
}

#[tokio::test]
async fn sorts() {
    let c = Catalogue::new().await;
    assert_eq!(
        c.page_names("?sort=name").await,
        ["Galaxy Training", "MetaProFi", "Proteomics Portal"]
    );
    assert_eq!(
        c.page_names("?sort=newest").await,
        ["Proteomics Portal", "MetaProFi", "Galaxy Training"]
    );
    assert_eq!(
        c.page_names("?sort=updated").await,
        ["Galaxy Training", "MetaProFi", "Proteomics Portal"]
    );
    assert_eq!(
        c.page_names("?q=proteomics&sort=name").await,
        ["Galaxy Training", "MetaProFi", "Proteomics Portal"]
    );
    // The sort select's blank choice is the default (relevance when searching, else name), so a
    // search typed after the page loaded is ranked.
    let page = html_of(&c.app.get("/catalogue/?q=proteomics").await);
    assert!(page.contains("<option value=\"\">Best match</option>"));
    assert!(!page.contains(" selected>"), "no explicit sort chosen");
    assert!(
        html_of(&c.app.get("/catalogue/?sort=newest").await)
            .contains("<option value=\"newest\" selected>")
    );
    // Relevance without a search falls back to the name; an unknown sort is ignored on the page, a 400 in the API.
    assert_eq!(
        c.page_names("?sort=relevance").await,
        ["Galaxy Training", "MetaProFi", "Proteomics Portal"]
    );
    assert_eq!(c.page_names("?sort=bogus").await.len(), 3);
    let r = c.app.get("/api/v1/catalogue/?sort=bogus").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(r.text().contains("sort"));
}

#[tokio::test]
async fn pages_and_their_edges() {
    let c = Catalogue::with(&[("per_page = 12", "per_page = 2")]).await;
    assert_eq!(c.page_names("").await, ["Galaxy Training", "MetaProFi"]);
    assert_eq!(c.page_names("?page=2").await, ["Proteomics Portal"]);
    // Past the end → the last page; junk → the first.
    for qs in ["?page=3", "?page=9999", "?page=99999999999999999999999"] {
        assert_eq!(c.page_names(qs).await, ["Proteomics Portal"], "{qs}");
    }
    for qs in ["?page=0", "?page=-1", "?page=abc"] {
        assert_eq!(
            c.page_names(qs).await,
            ["Galaxy Training", "MetaProFi"],
            "{qs}"
        );
    }
    let html = html_of(&c.app.get("/catalogue/?sort=newest").await);
    assert!(
        html.contains("href=\"/catalogue/?sort=newest&amp;page=2\""),
        "{html}"
    );
    assert!(html.contains("Page 1 of 2"));
    // The API keeps its own rule: past the end is a 404.
    assert_eq!(
        c.api_names("?page_size=2&page=2").await,
        ["Proteomics Portal"]
    );
    assert_eq!(
        c.app
            .get("/api/v1/catalogue/?page=3&page_size=2")
            .await
            .status,
        404
    );
    let j = c
        .app
        .get("/api/v1/catalogue/?page_size=1&maturity=mature&maturity=legacy")
        .await
        .json();
    assert_eq!(j["count"], 2);
    assert!(
        j["next"]
            .as_str()
            .is_some_and(|n| n.contains("maturity=legacy") && n.contains("page=2")),
        "{j}"
    );
}

async fn htmx_get(c: &Catalogue, path: &str, restore: bool) -> crate::support::TestResponse {
    let mut req = Request::get(path).header("hx-request", "true");
    if restore {
        req = req.header("hx-history-restore-request", "true");
    }
    c.app.send(req.body(Body::empty()).expect("request")).await
}

#[tokio::test]
async fn htmx_gets_the_results_and_the_complete_url_to_push() {
    let c = Catalogue::with(&[("per_page = 12", "per_page = 2")]).await;
    let r = htmx_get(
        &c,
        "/catalogue/?q=&sort=newest&view=list&page=7&category=",
        false,
    )
    .await;
    assert_eq!(r.status, 200);
    let html = html_of(&r);
    assert!(!html.contains("<html"), "a fragment");
    assert!(html.contains("catalogue-list-item"));
    assert_eq!(names_in(&html), ["Galaxy Training"]);
    assert_eq!(
        r.header("hx-push-url"),
        "/catalogue/?sort=newest&view=list&page=2"
    );
    assert!(r.header("vary").contains("HX-Request"));
    // A history restore gets the whole page.
    let full = htmx_get(&c, "/catalogue/?page=2", true).await;
    assert!(html_of(&full).contains("<html") && html_of(&full).contains("catalogue-form"));
    assert!(full.header("hx-push-url").is_empty());
    // Checked filters are rendered as such (back/forward and shared links restore the form).
    let page = html_of(
        &c.app
            .get(&format!("/catalogue/?center={}&q=bio", c.bigi))
            .await,
    );
    assert!(page.contains(&format!("value=\"{}\" id=\"f-center-", c.bigi)));
    assert!(page.contains(" checked>"), "checked box");
    assert!(page.contains("value=\"bio\""));
}

#[tokio::test]
async fn the_empty_state_suggests_removing_filters() {
    let c = Catalogue::new().await;
    let html = html_of(
        &c.app
            .get("/catalogue/?q=nothingmatchesthis&maturity=legacy")
            .await,
    );
    assert!(html.contains("No services found"));
    assert!(html.contains("Try removing a filter"));
    assert!(html.contains("Clear all filters"));
    // Each active filter can be removed on its own.
    assert!(
        html.contains("href=\"/catalogue/?maturity=legacy\""),
        "{html}"
    );
    assert!(html.contains("href=\"/catalogue/?q=nothingmatchesthis\""));
    assert!(html.contains("<strong>0</strong> results found"));
    let (empty, _dir) = app_with(&[]).await;
    let html = html_of(&empty.get("/catalogue/").await);
    assert!(html.contains("No approved services are available yet."));
}

#[tokio::test]
async fn listing_pages_revalidate_with_etags() {
    let c = Catalogue::new().await;
    let r = c.app.get("/catalogue/?q=proteomics").await;
    let tag = r.header("etag");
    assert!(tag.starts_with("W/\""), "{tag}");
    assert_eq!(r.header("last-modified"), "Tue, 01 Jul 2025 09:00:00 GMT");
    let again = c
        .app
        .send(
            Request::get("/catalogue/?q=proteomics")
                .header("if-none-match", &tag)
                .body(Body::empty())
                .expect("r"),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    // The 304 keeps the policy of the nonce in the cached copy.
    let nonce = tag
        .trim_end_matches('"')
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(
        again
            .header("content-security-policy")
            .contains(&format!("'nonce-{nonce}'"))
    );
    assert!(r.text().contains(&format!("nonce=\"{nonce}\"")));
    // Another listing is another tag.
    let other = c
        .app
        .send(
            Request::get("/catalogue/?q=portal")
                .header("if-none-match", &tag)
                .body(Body::empty())
                .expect("r"),
        )
        .await;
    assert_eq!(other.status, StatusCode::OK);
}

#[tokio::test]
async fn the_flag_off_hides_everything() {
    let c = Catalogue::with(&[("catalogue = true ", "catalogue = false ")]).await;
    let id = c.metaprofi;
    for path in [
        "/catalogue/".to_string(),
        format!("/catalogue/{id}/"),
        format!("/catalogue/{id}.json"),
        format!("/catalogue/{id}/cite.bib"),
        "/catalogue/feed.atom".into(),
        "/sitemap.xml".into(),
        "/api/v1/catalogue/".into(),
    ] {
        assert_eq!(
            c.app.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert!(
        !html_of(&c.app.get("/").await).contains("href=\"/catalogue/\""),
        "nav link hidden"
    );
}

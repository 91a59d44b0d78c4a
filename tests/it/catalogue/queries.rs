//! The listing's query budget: the same few statements whatever the page size, searching or not.

use super::fixtures::{body, store, topic};
use crate::support::{TestApp, TestDb, test_env};
use axum::Router;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;
use service_registry::app::{AppState, router_with_api};
use service_registry::config::{Config, Overrides};
use service_registry::registry::entity::{
    principal_investigator as pi, service_category, service_center,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

async fn counting_app(per_page: u32) -> (TestApp, Arc<AtomicUsize>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = std::fs::read_to_string(crate::support::repo_path("config/site.toml"))
        .expect("site")
        .replace("per_page = 12", &format!("per_page = {per_page}"));
    let path = dir.path().join("site.toml");
    std::fs::write(&path, site).expect("write");
    let db = TestDb::new().await;
    service_registry::app::prepare_database(&db.cfg, db.search_path.as_deref())
        .await
        .expect("prepare");
    let p = path.display().to_string();
    let mut config = Config::load(
        &test_env(&db, &[("SITE_CONFIG", p.as_str())]),
        &Overrides::default(),
    )
    .expect("config");
    config.database = db.cfg.clone();
    let mut conn = db.connect().await;
    let queries = Arc::new(AtomicUsize::new(0));
    let counter = queries.clone();
    conn.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let state = AppState::build(config, conn).await.expect("state");
    let router = router_with_api(state.clone(), Router::new());
    (TestApp { db, state, router }, queries, dir)
}

async fn seed(app: &TestApp, n: usize) {
    let db = &app.state.db;
    let cat = service_category::ActiveModel {
        name: Set("Database".into()),
        is_active: Set(true),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("cat")
    .id;
    let cat2 = service_category::ActiveModel {
        name: Set("Tool".into()),
        is_active: Set(true),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("cat")
    .id;
    let centre = service_center::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        short_name: Set("BiGi".into()),
        full_name: Set("Bielefeld".into()),
        website: Set(String::new()),
        is_active: Set(true),
    }
    .insert(db)
    .await
    .expect("centre")
    .id;
    let person = pi::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        last_name: Set("Carberry".into()),
        first_name: Set("Josiah".into()),
        email: Set("pi@example.org".into()),
        institute: Set(String::new()),
        orcid: Set(String::new()),
        is_active: Set(true),
        is_associated_partner: Set(false),
    }
    .insert(db)
    .await
    .expect("pi")
    .id;
    let t = topic(app, "topic_0121").await.id;
    for i in 0..n {
        let b = body(
            &format!("Service {i:03}"),
            cat,
            centre,
            &[person],
            t,
            json!({"service_category_ids": [cat, cat2], "licenses": ["MIT", "Apache-2.0"]}),
        );
        store(
            app,
            &b,
            "approved",
            Some("mature"),
            (2025, 1, 1 + (i % 28) as u32, 2025, 2, 1),
        )
        .await;
    }
}

async fn measure(app: &TestApp, q: &AtomicUsize, path: &str) -> usize {
    let before = q.load(Ordering::SeqCst);
    let r = app.get(path).await;
    assert_eq!(r.status, 200, "{}", r.text());
    q.load(Ordering::SeqCst) - before
}

#[tokio::test]
async fn a_catalogue_page_costs_the_same_few_queries_whatever_its_size() {
    let (small, qs, _d1) = counting_app(1).await;
    let (large, ql, _d2) = counting_app(30).await;
    seed(&small, 30).await;
    seed(&large, 30).await;
    for path in [
        "/catalogue/",
        "/catalogue/?q=service&maturity=mature&category=1",
        "/catalogue/?page=2&sort=newest",
    ] {
        let one = measure(&small, &qs, path).await;
        let thirty = measure(&large, &ql, path).await;
        eprintln!("{path}: page of 1 → {one} queries, page of 30 → {thirty}");
        assert_eq!(
            one, thirty,
            "{path}: the query count must not grow with the page size"
        );
        assert!(thirty <= 18, "{path}: {thirty} queries");
    }
    let api_one = measure(&large, &ql, "/api/v1/catalogue/?page_size=1").await;
    let api_thirty = measure(&large, &ql, "/api/v1/catalogue/?page_size=30").await;
    assert_eq!(api_one, api_thirty);
    assert!(api_thirty <= 14, "{api_thirty}");
}

/// The nonce of a page's CSP header.
fn nonce_of(r: &crate::support::TestResponse) -> String {
    let csp = r.header("content-security-policy");
    let start = csp.find("'nonce-").expect("a nonce in the CSP") + 7;
    csp[start..]
        .split('\'')
        .next()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_repeated_listing_costs_one_query_and_carries_its_own_nonce() {
    let (app, q, _d) = counting_app(12).await;
    seed(&app, 5).await;
    let path = "/catalogue/?maturity=mature&page=1";
    let before = q.load(Ordering::SeqCst);
    let first = app.get(path).await;
    let rendered = q.load(Ordering::SeqCst) - before;
    assert_eq!(first.status, 200);
    let before = q.load(Ordering::SeqCst);
    let second = app.get(path).await;
    let cached = q.load(Ordering::SeqCst) - before;
    assert_eq!(second.status, 200);
    assert!(
        rendered > 3,
        "the first request renders ({rendered} queries)"
    );
    assert_eq!(
        cached, 1,
        "a cached page costs only the write-version query"
    );
    let (n1, n2) = (nonce_of(&first), nonce_of(&second));
    assert_ne!(n1, n2, "every response has a fresh nonce");
    assert!(second.text().contains(&format!("nonce=\"{n2}\"")));
    assert!(!second.text().contains(&n1), "no other request's nonce");
    assert!(
        !second
            .text()
            .contains(app.state.catalogue_cache.placeholder())
    );
    assert_eq!(
        first.text().replace(&n1, "N"),
        second.text().replace(&n2, "N"),
        "the same page"
    );
    assert_eq!(
        first.header("etag").split('.').next(),
        second.header("etag").split('.').next()
    );
    // The HTMX partial is a page of its own in the cache.
    let partial = app
        .send(
            axum::http::Request::builder()
                .uri(path)
                .header("HX-Request", "true")
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(partial.status, 200);
    assert!(!partial.text().contains("<html"), "a partial, not the page");
    assert_eq!(partial.header("hx-push-url"), "/catalogue/?maturity=mature");
    // The API listing too: the second identical call is one query and the same JSON.
    let api = "/api/v1/catalogue/?maturity=mature&page_size=2";
    let first = app.get(api).await;
    let before = q.load(Ordering::SeqCst);
    let again = app.get(api).await;
    assert_eq!(q.load(Ordering::SeqCst) - before, 1);
    assert_eq!(again.header("content-type"), "application/json");
    assert_eq!(first.json(), again.json());
    assert_eq!(again.json()["count"], 5);
}

#[tokio::test]
async fn a_write_by_another_process_is_shown_at_once() {
    let (a, _q, _d) = counting_app(12).await;
    seed(&a, 3).await;
    let first = a.get("/catalogue/").await;
    assert!(first.text().contains("Service 001"));
    // A second process on the same database (another replica, a CLI command) renames a service
    // through an ordinary write transaction.
    let other = a.db.connect().await;
    let txn = service_registry::db::begin_write(&other)
        .await
        .expect("begin");
    sea_orm::ConnectionTrait::execute_unprepared(
        &txn,
        "UPDATE service_submissions SET service_name = 'Renamed Elsewhere' WHERE service_name = 'Service 001'",
    )
    .await
    .expect("rename");
    txn.commit().await.expect("commit");
    let after = a.get("/catalogue/").await;
    assert!(
        after.text().contains("Renamed Elsewhere"),
        "{}",
        after.text()
    );
    assert!(!after.text().contains("Service 001"));
    // Bookkeeping commits (job claims) leave the cache alone.
    let v = service_registry::db::write_version(&a.state.db)
        .await
        .expect("version");
    let txn = service_registry::db::begin_write(&other)
        .await
        .expect("begin");
    txn.commit_bookkeeping().await.expect("commit");
    assert_eq!(
        v,
        service_registry::db::write_version(&a.state.db)
            .await
            .expect("version")
    );
}

#[tokio::test]
async fn a_reference_data_edit_through_the_api_shows_in_the_cached_catalogue_at_once() {
    use service_registry::auth::api_keys::{self, AdminScope};
    let c = super::fixtures::Catalogue::new().await;
    let path = format!("/catalogue/?center={}", c.bigi);
    let first = c.app.get(&path).await;
    assert!(first.text().contains("BiGi"));
    let again = c.app.get(&path).await;
    assert!(again.text().contains("BiGi"), "cached");
    let (_, key) = api_keys::issue_admin_key(&c.app.state.db, "cache test", AdminScope::Full, "t")
        .await
        .expect("key");
    let r = c
        .app
        .send(
            axum::http::Request::patch(format!("/api/v1/service-centers/{}/", c.bigi))
                .header("authorization", format!("AdminKey {key}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(r#"{"short_name": "XyzCentre"}"#))
                .expect("request"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let after = c.app.get(&path).await;
    assert!(
        after.text().contains("XyzCentre"),
        "the centre's new name, not the cached page"
    );
    assert!(!after.text().contains("BiGi"), "the old name is gone");
}

#[tokio::test]
async fn a_repeated_service_page_costs_one_query_and_shows_a_write_at_once() {
    let (app, q, _d) = counting_app(12).await;
    seed(&app, 2).await;
    let list = app.get("/api/v1/catalogue/?page_size=1").await;
    let id = list.json()["results"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let path = format!("/catalogue/{id}/");
    let rendered = measure(&app, &q, &path).await;
    let cached = measure(&app, &q, &path).await;
    assert!(
        rendered > 1,
        "the first request renders ({rendered} queries)"
    );
    assert_eq!(
        cached, 1,
        "a cached service page costs the write-version query"
    );
    let (a, b) = (app.get(&path).await, app.get(&path).await);
    let (na, nb) = (nonce_of(&a), nonce_of(&b));
    assert_ne!(na, nb, "its own nonce each time");
    assert!(b.text().contains(&format!("nonce=\"{nb}\"")) && !b.text().contains(&na));
    assert_eq!(
        a.header("etag").split('.').next(),
        b.header("etag").split('.').next()
    );
    // An unknown id is a 404 each time, not a cached page.
    let unknown = format!("/catalogue/{}/", uuid::Uuid::new_v4());
    assert_eq!(app.get(&unknown).await.status, 404);
    assert_eq!(app.get(&unknown).await.status, 404);

    let txn = service_registry::db::begin_write(&app.state.db)
        .await
        .expect("begin");
    {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        use service_registry::submissions::entity::service_submission as sub;
        sub::Entity::update_many()
            .col_expr(
                sub::Column::ServiceName,
                Expr::value("Renamed Service Page"),
            )
            .filter(sub::Column::Id.eq(uuid::Uuid::parse_str(&id).expect("uuid")))
            .exec(&txn)
            .await
            .expect("rename");
    }
    txn.commit().await.expect("commit");
    let after = app.get(&path).await;
    assert!(
        after.text().contains("Renamed Service Page"),
        "not the cached page"
    );
}

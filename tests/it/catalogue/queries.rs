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

//! Query budgets of the submissions API, counted on the connection (SeaORM's metric callback): a list
//! page costs the same few queries whatever its size, and a PATCH stays within a small fixed number.

use crate::submissions_api::{admin_auth, send, valid_body};
use crate::support::{TestApp, TestDb, test_env};
use axum::Router;
use axum::http::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;
use service_registry::app::{AppState, router_with_api};
use service_registry::auth::api_keys::AdminScope;
use service_registry::config::{Config, Overrides};
use service_registry::edam::entity::edam_term;
use service_registry::registry::entity::service_category;
use service_registry::submissions::input::{NewSubmission, RawSubmission};
use service_registry::submissions::service::{self, Ctx, Origin};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A test app whose connection counts every statement it runs (transactions included).
async fn counting_app() -> (TestApp, Arc<AtomicUsize>) {
    let db = TestDb::new().await;
    service_registry::app::prepare_database(&db.cfg, db.search_path.as_deref())
        .await
        .expect("prepare database");
    let mut config = Config::load(&test_env(&db, &[]), &Overrides::default()).expect("config");
    config.database = db.cfg.clone();
    let mut conn = db.connect().await;
    let queries = Arc::new(AtomicUsize::new(0));
    let counter = queries.clone();
    conn.set_metric_callback(move |_info| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let state = AppState::build(config, conn).await.expect("state");
    let router = router_with_api(state.clone(), Router::new());
    (TestApp { db, state, router }, queries)
}

/// The valid body, with a second category and an EDAM operation so every link table has rows.
async fn rich_body(app: &TestApp) -> serde_json::Value {
    let mut body = valid_body(app).await;
    let db = &app.state.db;
    let second = service_category::ActiveModel {
        name: Set("Tool".into()),
        is_active: Set(true),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("category");
    let operation = edam_term::Entity::find()
        .filter(edam_term::Column::Branch.eq("operation"))
        .filter(edam_term::Column::IsObsolete.eq(false))
        .one(db)
        .await
        .expect("q")
        .expect("seeded EDAM operation");
    body["service_category_ids"]
        .as_array_mut()
        .expect("list")
        .push(json!(second.id));
    body["edam_operation_ids"] = json!([operation.id]);
    body
}

/// Stores `n` submissions through the service (no rate limit); returns their ids.
async fn store(app: &TestApp, body: &serde_json::Value, n: usize) -> Vec<uuid::Uuid> {
    let ctx = Ctx::new(&app.state);
    let origin = Origin {
        ip: None,
        user_agent: "query-count test".into(),
        form_id: None,
    };
    let mut ids = Vec::new();
    for i in 0..n {
        let mut b = body.clone();
        b["service_name"] = json!(format!("Service {i:03}"));
        let input = NewSubmission::try_from(&RawSubmission(b)).expect("valid input");
        let (created, _) = service::create(&ctx, &input, None, &origin)
            .await
            .expect("create");
        ids.push(created.id().uuid());
    }
    ids
}

/// The number of statements one request runs.
async fn measure(
    app: &TestApp,
    queries: &AtomicUsize,
    method: Method,
    path: &str,
    auth: &str,
    body: Option<&serde_json::Value>,
) -> usize {
    let start = queries.load(Ordering::SeqCst);
    let r = send(app, method, path, Some(auth), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    queries.load(Ordering::SeqCst) - start
}

#[tokio::test]
async fn a_list_page_costs_the_same_few_queries_whatever_its_size() {
    let (app, queries) = counting_app().await;
    let body = rich_body(&app).await;
    let ids = store(&app, &body, 100).await;
    // Every submission with a synced bio.tools record: nested records must not cost a query each.
    let entry = service_registry::biotools::map_tool(crate::biotools_sync::minitool());
    for id in &ids {
        service_registry::biotools::repo::store_entry(
            &app.state.db,
            *id,
            "minitool",
            &entry,
            &Default::default(),
            chrono::DateTime::UNIX_EPOCH,
        )
        .await
        .expect("record");
    }
    let auth = admin_auth(&app, AdminScope::Read).await;
    // The first use of a key records it (one more statement); measure the steady state.
    measure(
        &app,
        &queries,
        Method::GET,
        "/api/v1/submissions/?page_size=1",
        &auth,
        None,
    )
    .await;

    let one = measure(
        &app,
        &queries,
        Method::GET,
        "/api/v1/submissions/?page_size=1",
        &auth,
        None,
    )
    .await;
    let hundred = measure(
        &app,
        &queries,
        Method::GET,
        "/api/v1/submissions/?page_size=100",
        &auth,
        None,
    )
    .await;
    eprintln!("GET /api/v1/submissions/: page_size=1 → {one} queries, page_size=100 → {hundred}");
    assert_eq!(
        one, hundred,
        "the query count must not grow with the page size"
    );
    // 13 for the submissions and their links, 3 for the bio.tools records, functions and topics.
    assert!(hundred <= 16, "{hundred} queries for one list page");

    let r = send(
        &app,
        Method::GET,
        "/api/v1/submissions/?page_size=100",
        Some(&auth),
        None,
    )
    .await;
    let page = r.json();
    assert_eq!(page["results"].as_array().map(Vec::len), Some(100));
    let first = &page["results"][0];
    assert_eq!(
        first["service_categories"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(first["edam_operations"].as_array().map(Vec::len), Some(1));
    assert_eq!(first["responsible_pis"].as_array().map(Vec::len), Some(1));
    assert_eq!(first["licenses"], json!(["MIT"]));
    assert_eq!(
        first["biotoolsrecord"]["functions"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn a_patch_reads_each_thing_once_and_writes_the_row_once() {
    let (app, queries) = counting_app().await;
    let body = rich_body(&app).await;
    let ids = store(&app, &body, 1).await;
    let auth = admin_auth(&app, AdminScope::Full).await;
    let path = format!("/api/v1/submissions/{}/", ids[0]);
    measure(&app, &queries, Method::GET, &path, &auth, None).await;

    let detail = measure(&app, &queries, Method::GET, &path, &auth, None).await;
    let patch = json!({
        "service_name": "Renamed service",
        "service_category_ids": body["service_category_ids"],
        "website_url": "https://example.org/new",
    });
    let patched = measure(&app, &queries, Method::PATCH, &path, &auth, Some(&patch)).await;
    eprintln!("GET one submission → {detail} queries, PATCH → {patched}");
    // One more than the links: the (absent) bio.tools record.
    assert!(detail <= 13, "{detail} queries to show one submission");
    assert!(patched <= 25, "{patched} queries for one PATCH");
}

//! The public forms under concurrent use, on SQLite too: one form sent eight times at once registers
//! once (the others get the "already received" page), eight different registrations at once all land
//! while the job worker sends their mails, and a recovery link used eight times at once issues one key.

use crate::public_forms::{Browser, hidden, set, shown_key, solved, valid_form};
use crate::support::TestApp;
use axum::http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use service_registry::auth::submission_api_key as key;
use std::sync::Arc;

const TASKS: usize = 8;

fn limits() -> Vec<(&'static str, &'static str)> {
    [
        "RATE_LIMIT_SUBMIT",
        "RATE_LIMIT_RECOVER",
        "RATE_LIMIT_UPDATE",
    ]
    .into_iter()
    .map(|k| (k, "100000/h"))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_form_sent_eight_times_at_once_registers_once() {
    let app = Arc::new(TestApp::build(&limits(), axum::Router::new()).await);
    let (b, page) = Browser::open(&app, "/register/").await;
    let pairs = valid_form(&app, &page).await;
    let (cookie, token) = (b.csrf_cookie.clone(), b.token.clone());
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (app, cookie, token) = (app.clone(), cookie.clone(), token.clone());
        let mut pairs = pairs.clone();
        set(&mut pairs, "altcha", &solved(&app));
        tasks.push(tokio::spawn(async move {
            let mut b = Browser {
                app: &app,
                csrf_cookie: cookie,
                token,
                cookies: Vec::new(),
            };
            b.post("/register/", &pairs).await.status
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.expect("task"));
    }
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let again = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((ok, again), (1, TASKS - 1), "{statuses:?}");
    assert_eq!(crate::submissions_api::count(&app).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_registrations_at_once_all_land_while_the_worker_sends_mail() {
    let app = Arc::new(TestApp::build(&limits(), axum::Router::new()).await);
    let (b, page) = Browser::open(&app, "/register/").await;
    let base = valid_form(&app, &page).await;
    let background = service_registry::jobs::runtime::Background::start(
        app.state.config.clone(),
        app.state.db.clone(),
        service_registry::jobs::runtime::Roles {
            worker: true,
            scheduler: false,
        },
        app.state.clock.clone(),
        Arc::new(service_registry::jobs::JobRegistry::standard()),
    )
    .expect("background");
    let mut tasks = Vec::new();
    for i in 0..TASKS {
        let app = app.clone();
        let (cookie, token) = (b.csrf_cookie.clone(), b.token.clone());
        let mut pairs = base.clone();
        set(&mut pairs, "altcha", &solved(&app));
        set(
            &mut pairs,
            "form_id",
            &format!("{}{i}", hidden(&page.text(), "form_id")),
        );
        set(&mut pairs, "service_name", &format!("Parallel service {i}"));
        tasks.push(tokio::spawn(async move {
            let mut b = Browser {
                app: &app,
                csrf_cookie: cookie,
                token,
                cookies: Vec::new(),
            };
            let r = b.post("/register/", &pairs).await;
            (r.status, shown_key(&r.text()))
        }));
    }
    for t in tasks {
        let (status, key) = t.await.expect("task");
        assert_eq!(status, StatusCode::OK);
        assert!(key.len() >= 40);
    }
    assert_eq!(crate::submissions_api::count(&app).await, TASKS as u64);
    background.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_recovery_link_used_eight_times_at_once_issues_one_key() {
    let app = Arc::new(TestApp::build(&limits(), axum::Router::new()).await);
    let (mut b, page) = Browser::open(&app, "/register/").await;
    let pairs = valid_form(&app, &page).await;
    let r = b.post("/register/", &pairs).await;
    let old = shown_key(&r.text());
    let sid = service_registry::auth::api_keys::verify_submission_key(&app.state.db, &old)
        .await
        .expect("db")
        .expect("key")
        .submission_id;
    let token = {
        let txn = service_registry::db::begin_write(&app.state.db)
            .await
            .expect("txn");
        let t = service_registry::submissions::pages::sessions::new_recovery(
            &txn,
            sid,
            app.state.clock.now(),
        )
        .await
        .expect("token");
        txn.commit().await.expect("commit");
        t
    };
    let link = format!("/update/recover/{token}/");
    let (v, _) = Browser::open(&app, &link).await;
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let app = app.clone();
        let (cookie, csrf) = (v.csrf_cookie.clone(), v.token.clone());
        let link = link.clone();
        tasks.push(tokio::spawn(async move {
            let mut b = Browser {
                app: &app,
                csrf_cookie: cookie,
                token: csrf,
                cookies: Vec::new(),
            };
            b.post(&link, &[]).await.status
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.expect("task"));
    }
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let gone = statuses.iter().filter(|s| **s == StatusCode::GONE).count();
    assert_eq!((ok, gone), (1, TASKS - 1), "{statuses:?}");
    let active = key::Entity::find()
        .filter(key::Column::SubmissionId.eq(sid))
        .filter(key::Column::IsActive.eq(true))
        .count(&app.state.db)
        .await
        .expect("count");
    assert_eq!(active, 1, "exactly one new key");
}

//! Streamed exports: a selection bigger than one batch arrives complete, each row once and in the
//! list's order (keyset pagination with the id as tie-break), in both formats; a database error after
//! the first batch ends the body with an error instead of a short "successful" file.

use super::submissions::set;
use super::{Client, P, app_with, login, staff};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, TimeZone, Utc};
use http_body_util::BodyExt;
use sea_orm::{ConnectionTrait, Set};
use service_registry::auth::roles::EDITOR;
use service_registry::submissions::admin::EXPORT_BATCH;
use tower::ServiceExt;
use uuid::Uuid;

/// `n` submissions: names repeat every 7 rows and submission times every 5, so the sort value ties
/// across batch boundaries and only the id tells rows apart. Returns (name index, time index, id).
async fn many(app: &crate::support::TestApp, n: usize) -> Vec<(usize, usize, Uuid)> {
    let base = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).single().unwrap();
    let mut out = Vec::new();
    for i in 0..n {
        let id = crate::api_keys::insert_submission(&app.state.db).await;
        set(app, id, |am| {
            am.service_name = Set(format!("Svc {}", i % 7));
            am.submitted_at = Set(base + Duration::minutes((i % 5) as i64));
        })
        .await;
        out.push((i % 7, i % 5, id));
    }
    out
}

fn csv_ids(text: &str) -> Vec<Uuid> {
    text.trim_start_matches('\u{feff}')
        .split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| Uuid::parse_str(l.split(',').next().unwrap()).expect("id cell"))
        .collect()
}

#[tokio::test]
async fn an_export_bigger_than_a_batch_streams_every_row_once_in_order() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "ed", Some(EDITOR)).await;
    let c = login(&app, "ed").await;
    let n = EXPORT_BATCH as usize * 2 + 57;
    let rows = many(&app, n).await;

    let mut by_name = rows.clone();
    by_name.sort_by_key(|(name, _, id)| (*name, *id));
    let by_name: Vec<Uuid> = by_name.into_iter().map(|r| r.2).collect();
    let mut newest = rows.clone();
    newest.sort_by_key(|(_, t, id)| (std::cmp::Reverse(*t), *id));
    let newest: Vec<Uuid> = newest.into_iter().map(|r| r.2).collect();

    let r = c
        .get(
            &app,
            &format!("{P}submissions/export/?format=csv&o=service_name"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM");
    assert_eq!(
        csv_ids(&r.text()),
        by_name,
        "every row once, by name then id"
    );

    let r = c.get(&app, &format!("{P}submissions/export/")).await;
    assert_eq!(csv_ids(&r.text()), newest, "default: newest first, then id");

    let r = c
        .get(
            &app,
            &format!("{P}submissions/export/?format=json&o=-service_name"),
        )
        .await;
    let ids: Vec<Uuid> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|o| Uuid::parse_str(o["id"].as_str().unwrap()).unwrap())
        .collect();
    let mut desc = rows.clone();
    desc.sort_by_key(|(name, _, id)| (std::cmp::Reverse(*name), *id));
    assert_eq!(ids, desc.into_iter().map(|r| r.2).collect::<Vec<_>>());
    assert!(r.text().starts_with("[\n  {\n    \"id\": ") && r.text().ends_with("\n  }\n]"));
    assert!(!r.text().contains("user_agent_hash") && !r.text().contains("submission_ip"));

    // A filter still applies to every batch, and an empty selection is a valid empty file.
    let r = c
        .get(
            &app,
            &format!("{P}submissions/export/?format=json&status__exact=approved"),
        )
        .await;
    assert_eq!(r.text(), "[]");
}

#[tokio::test]
async fn a_database_error_mid_stream_ends_the_body_with_an_error() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "ed", Some(EDITOR)).await;
    let c: Client = login(&app, "ed").await;
    many(&app, EXPORT_BATCH as usize + 10).await;
    let req = Request::get(format!("{P}submissions/export/?format=csv"))
        .header("cookie", c.cookies())
        .body(Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let mut body = resp.into_body();
    let first = body.frame().await.expect("a first chunk").expect("ok");
    let first = String::from_utf8(first.into_data().unwrap().to_vec()).unwrap();
    assert_eq!(csv_ids(&first).len(), EXPORT_BATCH as usize, "one batch");
    // The next batch cannot be read: the stream must end in an error, not a clean end of file.
    let db = &app.state.db;
    db.execute_unprepared("ALTER TABLE service_submissions RENAME TO away")
        .await
        .unwrap();
    let next = body.frame().await;
    db.execute_unprepared("ALTER TABLE away RENAME TO service_submissions")
        .await
        .unwrap();
    assert!(matches!(next, Some(Err(_))), "an error, not the end");
}

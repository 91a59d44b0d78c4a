//! An admin change and its audit row are one transaction: when the audit insert fails (the audit table
//! is taken away for the test), the domain change, its change log and its e-mail are rolled back too.

use super::access::submission;
use super::submissions::{logs, row};
use super::{P, app_with, audit_of, login, mails, staff};
use axum::http::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait};
use service_registry::auth::roles::MANAGER;
use service_registry::submissions::entity::{
    service_submission as sub, submission_deletion_audit as del,
};

async fn rename(app: &crate::support::TestApp, from: &str, to: &str) {
    app.state
        .db
        .execute_unprepared(&format!("ALTER TABLE {from} RENAME TO {to}"))
        .await
        .expect("rename");
}

#[tokio::test]
async fn a_failing_audit_insert_rolls_back_the_admin_change() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "boss", Some(MANAGER)).await;
    let c = login(&app, "boss").await;
    let id = submission(&app, "submitted").await;
    let other = submission(&app, "submitted").await;
    let mails_before = mails(&app).await;

    rename(&app, "admin_audit", "admin_audit_away").await;
    let status = c
        .post(
            &app,
            &format!("{P}submissions/{id}/status/"),
            &[("target", "approve")],
        )
        .await;
    assert_eq!(status.status, StatusCode::INTERNAL_SERVER_ERROR);
    let bulk = c
        .post(
            &app,
            &format!("{P}submissions/bulk/"),
            &[
                ("action", "under_review"),
                ("_selected", &other.to_string()),
            ],
        )
        .await;
    assert_eq!(bulk.status, StatusCode::INTERNAL_SERVER_ERROR);
    let delete = c
        .post(
            &app,
            &format!("{P}submissions/{id}/delete/"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(delete.status, StatusCode::INTERNAL_SERVER_ERROR);
    rename(&app, "admin_audit_away", "admin_audit").await;

    assert_eq!(row(&app, id).await.status, "submitted", "status kept");
    assert_eq!(row(&app, other).await.status, "submitted", "bulk: kept");
    assert!(logs(&app, id).await.is_empty() && logs(&app, other).await.is_empty());
    assert_eq!(mails(&app).await, mails_before, "no status e-mail queued");
    assert!(
        sub::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap()
            .is_some(),
        "not deleted"
    );
    assert!(
        del::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .is_empty(),
        "no deletion audit"
    );
    assert!(audit_of(&app, id).await.is_empty());

    // With the audit table back, the same action leaves the change, its log and its audit row.
    let ok = c
        .post(
            &app,
            &format!("{P}submissions/{id}/status/"),
            &[("target", "approve")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(row(&app, id).await.status, "approved");
    assert_eq!(logs(&app, id).await.len(), 1);
    assert_eq!(audit_of(&app, id).await.len(), 1);
}

#[tokio::test]
async fn a_reference_record_and_its_audit_row_are_saved_together() {
    use sea_orm::{ColumnTrait, QueryFilter};
    use service_registry::registry::entity::service_category as cat;
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "boss", Some(MANAGER)).await;
    let c = login(&app, "boss").await;
    let named = |name: &'static str| {
        let db = app.state.db.clone();
        async move {
            cat::Entity::find()
                .filter(cat::Column::Name.eq(name))
                .one(&db)
                .await
                .expect("query")
        }
    };
    let add = format!("{P}reference/categories/new/");

    rename(&app, "admin_audit", "admin_audit_away").await;
    let r = c
        .post(&app, &add, &[("name", "Imaging"), ("is_active", "on")])
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    rename(&app, "admin_audit_away", "admin_audit").await;
    assert!(
        named("Imaging").await.is_none(),
        "no category without its audit row"
    );

    let r = c
        .post(&app, &add, &[("name", "Imaging"), ("is_active", "on")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let row = named("Imaging").await.expect("added");
    let trail = service_registry::admin::audit::for_object(
        &app.state.db,
        "categories",
        &row.id.to_string(),
        10,
    )
    .await
    .expect("audit");
    assert_eq!(trail.len(), 1, "one audit row");
    assert_eq!(trail[0].action, "add");

    // A change refused by validation writes neither the record nor an audit row.
    let edit = format!("{P}reference/categories/{}/", row.id);
    let r = c.post(&app, &edit, &[("name", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .post(
            &app,
            &edit,
            &[("name", "Imaging and microscopy"), ("is_active", "on")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let trail = service_registry::admin::audit::for_object(
        &app.state.db,
        "categories",
        &row.id.to_string(),
        10,
    )
    .await
    .expect("audit");
    assert_eq!(
        trail.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(),
        ["change", "add"],
        "newest first; nothing for the refused form"
    );
}

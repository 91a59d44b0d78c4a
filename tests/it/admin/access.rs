//! The capability table through the router: each role against each screen and action (the server
//! checks, whatever the page shows), the superuser-only screens, and CSRF on every admin POST.

use super::{P, app_with, login, staff};
use axum::http::StatusCode;
use service_registry::auth::roles::{EDITOR, MANAGER, VIEWER};

/// A submission with one key; returns its id.
pub async fn submission(app: &crate::support::TestApp, status: &str) -> uuid::Uuid {
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
    let id = crate::api_keys::insert_submission(&app.state.db).await;
    let row = service_registry::submissions::entity::service_submission::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut am = row.into_active_model();
    am.status = Set(status.into());
    am.submission_ip = Set(Some("192.0.2.99".into()));
    am.update(&app.state.db).await.unwrap();
    service_registry::auth::api_keys::issue_submission_key(
        &app.state.db,
        id,
        "Initial key",
        "submitter",
        service_registry::auth::api_keys::SubmissionScope::Write,
    )
    .await
    .unwrap();
    id
}

async fn roles_app() -> crate::support::TestApp {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "nobody", None).await;
    staff(&app, "viewer", Some(VIEWER)).await;
    staff(&app, "editor", Some(EDITOR)).await;
    staff(&app, "manager", Some(MANAGER)).await;
    staff(&app, "root", Some("su")).await;
    app
}

const ROLES: [&str; 5] = ["nobody", "viewer", "editor", "manager", "root"];

#[tokio::test]
async fn screens_by_role() {
    let app = roles_app().await;
    let id = submission(&app, "submitted").await;
    // (path, who gets 200; the others 403)
    let screens: [(String, [bool; 5]); 7] = [
        (P.to_string(), [true, true, true, true, true]),
        (format!("{P}submissions/"), [false, true, true, true, true]),
        (
            format!("{P}submissions/{id}/"),
            [false, true, true, true, true],
        ),
        (
            format!("{P}submissions/export/?format=csv"),
            [false, true, true, true, true],
        ),
        (
            format!("{P}submissions/{id}/delete/"),
            [false, false, false, true, true],
        ),
        (format!("{P}users/"), [false, false, false, false, true]),
        (format!("{P}locks/"), [false, false, false, false, true]),
    ];
    for (i, who) in ROLES.iter().enumerate() {
        let c = login(&app, who).await;
        for (path, allowed) in &screens {
            let r = c.get(&app, path).await;
            let want = if allowed[i] {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(r.status, want, "{who} GET {path}");
        }
        let page = c.get(&app, P).await.text();
        assert_eq!(
            page.contains(">Service submissions</a>"),
            i > 0,
            "{who}: navigation shows what they may open"
        );
        assert_eq!(
            page.contains(">Users</a>"),
            i == 4,
            "{who}: only superusers see Users"
        );
    }
}

#[tokio::test]
async fn the_submission_page_shows_panels_by_role() {
    let app = roles_app().await;
    let id = submission(&app, "submitted").await;
    let path = format!("{P}submissions/{id}/");
    let page = |who: &'static str| {
        let app = &app;
        let path = path.clone();
        async move { login(app, who).await.get(app, &path).await.text() }
    };
    let v = page("viewer").await;
    assert!(
        v.contains("API keys") && v.contains("Initial key"),
        "viewers see keys"
    );
    assert!(
        !v.contains("Issue new key") && !v.contains("Mark Under Review"),
        "but no buttons"
    );
    assert!(!v.contains("192.0.2.99"));
    let e = page("editor").await;
    assert!(e.contains("Issue new key") && e.contains("Approve") && !e.contains("192.0.2.99"));
    assert!(!e.contains("/delete/\""), "no delete for editors");
    let s = page("root").await;
    assert!(
        s.contains("192.0.2.99"),
        "only a superuser sees the submission IP"
    );
}

#[tokio::test]
async fn actions_are_checked_on_the_server_for_every_role() {
    let app = roles_app().await;
    // (form path suffix, fields, who may: nobody, viewer, editor, manager, root)
    type Case = (&'static str, Vec<(&'static str, &'static str)>, [bool; 5]);
    let cases: Vec<Case> = vec![
        (
            "status/",
            vec![("target", "under_review")],
            [false, false, true, true, true],
        ),
        (
            "status/",
            vec![("target", "approve")],
            [false, false, true, true, true],
        ),
        (
            "status/",
            vec![("target", "deprecate")],
            [false, false, true, true, true],
        ),
        (
            "tags/",
            vec![("primary_maturity_tag", "")],
            [false, false, true, true, true],
        ),
        (
            "keys/",
            vec![("op", "revoke_all")],
            [false, false, true, true, true],
        ),
        (
            "delete/",
            vec![("confirm", "yes")],
            [false, false, false, true, true],
        ),
    ];
    for (i, who) in ROLES.iter().enumerate() {
        let c = login(&app, who).await;
        for (suffix, fields, allowed) in &cases {
            let id = submission(&app, "approved").await;
            let r = c
                .post(&app, &format!("{P}submissions/{id}/{suffix}"), fields)
                .await;
            let ok = r.status == StatusCode::SEE_OTHER;
            assert_eq!(
                ok, allowed[i],
                "{who} POST {suffix} {fields:?}: {}",
                r.status
            );
            if !allowed[i] {
                assert_eq!(r.status, StatusCode::FORBIDDEN);
            }
        }
        // Bulk actions: the same checks inside one endpoint.
        for (action, allowed) in [
            ("approve", i >= 2),
            ("deprecate", i >= 2),
            ("assign_tags", i >= 2),
        ] {
            let id = submission(&app, "submitted").await;
            let r = c
                .post(
                    &app,
                    &format!("{P}submissions/bulk/"),
                    &[("action", action), ("_selected", &id.to_string())],
                )
                .await;
            if allowed {
                assert_ne!(r.status, StatusCode::FORBIDDEN, "{who} bulk {action}");
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{who} bulk {action}");
            }
        }
        let r = c
            .post(
                &app,
                &format!("{P}users/new/"),
                &[
                    ("username", "x"),
                    ("password1", "long enough password"),
                    ("password2", "long enough password"),
                ],
            )
            .await;
        assert_eq!(
            r.status == StatusCode::FORBIDDEN,
            *who != "root",
            "{who} creates users"
        );
    }
}

#[tokio::test]
async fn every_admin_post_needs_the_csrf_token() {
    let app = roles_app().await;
    let id = submission(&app, "submitted").await;
    let root = login(&app, "root").await;
    for path in [
        "logout/".to_string(),
        "password/".into(),
        "2fa/setup/".into(),
        "2fa/disable/".into(),
        "users/new/".into(),
        "locks/lift/".into(),
        "submissions/bulk/".into(),
        format!("submissions/{id}/status/"),
        format!("submissions/{id}/tags/"),
        format!("submissions/{id}/keys/"),
        format!("submissions/{id}/biotools-sync/"),
        format!("submissions/{id}/delete/"),
    ] {
        let r = root
            .post_with(
                &app,
                &format!("{P}{path}"),
                &[("target", "approve"), ("op", "issue"), ("confirm", "yes")],
                false,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    let row = service_registry::submissions::repo::row(&app.state.db, id)
        .await
        .unwrap();
    assert_eq!(
        row.expect("not deleted").status,
        "submitted",
        "nothing happened"
    );
}

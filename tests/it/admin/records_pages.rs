//! The record detail pages (one change-log entry; one deletion audit, superuser only) and the facet
//! counts of the submissions list's sidebar.

use super::access::submission;
use super::submissions::set;
use super::{P, app_with, login, staff};
use axum::http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use service_registry::auth::roles::{EDITOR, MANAGER, VIEWER};
use service_registry::submissions::entity::{
    submission_change_log as log, submission_deletion_audit as del,
};

#[tokio::test]
async fn a_change_log_entry_and_a_deletion_audit_have_their_own_pages() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "boss", Some(MANAGER)).await;
    staff(&app, "viewer", Some(VIEWER)).await;
    staff(&app, "root", Some("su")).await;
    let m = login(&app, "boss").await;
    let id = submission(&app, "submitted").await;
    set(&app, id, |am| am.service_name = Set("Entry Probe".into())).await;
    m.post(
        &app,
        &format!("{P}submissions/{id}/status/"),
        &[("target", "approve")],
    )
    .await;
    let entry = log::Entity::find()
        .filter(log::Column::SubmissionId.eq(id))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("entry");
    let href = format!("{P}changelog/{}/", entry.id);
    assert!(
        m.get(&app, &format!("{P}changelog/"))
            .await
            .text()
            .replace("&#x2f;", "/")
            .contains(&href),
        "the list links the entry"
    );
    let v = login(&app, "viewer").await;
    let page = v.get(&app, &href).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text().replace("&#x2f;", "/");
    // The shell's own forms (sign out); the detail pages add none.
    let shell_forms = text.matches("<form").count();
    assert!(text.contains("admin:boss"), "who");
    assert!(text.contains("Status") && text.contains("Submitted") && text.contains("Approved"));
    assert!(
        text.contains(&format!("{P}submissions/{id}/")),
        "links the submission"
    );
    assert_eq!(
        v.get(&app, &format!("{P}changelog/999999/")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        v.get(&app, &format!("{P}changelog/nope/")).await.status,
        StatusCode::NOT_FOUND
    );

    m.post(
        &app,
        &format!("{P}submissions/{id}/delete/"),
        &[("confirm", "yes")],
    )
    .await;
    let audit = del::Entity::find()
        .filter(del::Column::SubmissionId.eq(id))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("deletion audit");
    let href = format!("{P}deletion-audits/{}/", audit.id);
    let root = login(&app, "root").await;
    assert!(
        root.get(&app, &format!("{P}deletion-audits/"))
            .await
            .text()
            .replace("&#x2f;", "/")
            .contains(&href)
    );
    let page = root.get(&app, &href).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(text.contains("Entry Probe") && text.contains("admin:boss"));
    assert!(text.contains("Approved"), "the kept history, old → new");
    assert_eq!(text.matches("<form").count(), shell_forms, "read-only");
    for who in [&m, &v] {
        assert_eq!(who.get(&app, &href).await.status, StatusCode::FORBIDDEN);
    }
}

/// The count shown after an option's label in the sidebar, e.g. `Approved (2)`.
fn count_of(page: &str, label: &str) -> Option<u64> {
    let at = page.find(&format!(">{label} <span class=\"facet-count\">("))?;
    let rest = &page[at + label.len() + 1..];
    let open = rest.find('(')? + 1;
    let close = rest.find(')')?;
    rest[open..close].parse().ok()
}

#[tokio::test]
async fn the_sidebar_counts_each_choice_within_the_current_selection() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "ed", Some(EDITOR)).await;
    let c = login(&app, "ed").await;
    for (status, elixir, name) in [
        ("approved", true, "Alpha tool"),
        ("approved", false, "Alpha mapper"),
        ("submitted", true, "Alpha viewer"),
        ("submitted", true, "Beta thing"),
        ("rejected", false, "Beta other"),
    ] {
        let id = submission(&app, status).await;
        set(&app, id, |am| {
            am.service_name = Set(name.into());
            am.register_as_elixir = Set(elixir);
        })
        .await;
    }
    let all = c.get(&app, &format!("{P}submissions/")).await.text();
    assert_eq!(count_of(&all, "Approved"), Some(2));
    assert_eq!(count_of(&all, "Submitted"), Some(2));
    assert_eq!(count_of(&all, "Rejected"), Some(1));
    assert_eq!(count_of(&all, "Deprecated"), Some(0));
    assert_eq!(count_of(&all, "Yes"), Some(3));

    // A search narrows every section; a section's own filter does not narrow its own choices.
    let q = c
        .get(
            &app,
            &format!("{P}submissions/?q=alpha&status__exact=approved"),
        )
        .await
        .text();
    assert_eq!(count_of(&q, "Approved"), Some(2));
    assert_eq!(count_of(&q, "Submitted"), Some(1));
    assert_eq!(count_of(&q, "Rejected"), Some(0));
    assert_eq!(
        count_of(&q, "Yes"),
        Some(1),
        "approved and alpha and ELIXIR"
    );
    assert_eq!(count_of(&q, "No"), Some(1));
}

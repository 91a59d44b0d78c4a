//! Roles: setup-groups creates the three roles with their exact permission sets, idempotently.

use crate::support::TestDb;
use service_registry::auth::roles::{self, EDITOR, MANAGER, VIEWER};
use service_registry::auth::users;

#[tokio::test]
async fn dry_run_writes_nothing_and_reports_everything() {
    let (_t, db) = TestDb::migrated().await;
    let report = roles::sync_groups(&db, true).await.expect("dry run");
    assert_eq!(report.len(), 3);
    assert!(report.iter().all(|c| c.created));
    assert_eq!(report[2].added.len(), 24);
    let listed = roles::list_groups(&db).await.expect("list");
    assert!(
        listed.iter().all(|(_, perms)| perms.is_none()),
        "dry run created groups: {listed:?}"
    );
}

#[tokio::test]
async fn groups_get_exact_permission_sets_and_a_rerun_changes_nothing() {
    let (_t, db) = TestDb::migrated().await;
    roles::sync_groups(&db, false).await.expect("sync");
    let listed = roles::list_groups(&db).await.expect("list");
    let get = |name: &str| {
        listed
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, p)| p.clone())
            .expect("group exists")
    };
    let (viewer, editor, manager) = (get(VIEWER), get(EDITOR), get(MANAGER));
    assert_eq!((viewer.len(), editor.len(), manager.len()), (10, 14, 24));
    assert!(viewer.is_subset(&editor) && editor.is_subset(&manager));
    assert!(viewer.contains("submissions.view_servicesubmission"));
    assert!(!viewer.contains("submissions.change_servicesubmission"));
    assert!(editor.contains("submissions.approve_servicesubmission"));
    assert!(editor.contains("submissions.manage_apikeys"));
    assert!(!editor.contains("submissions.delete_servicesubmission"));
    assert!(manager.contains("registry.delete_principalinvestigator"));
    for set in [&viewer, &editor, &manager] {
        assert!(set.iter().all(|p| !p.starts_with("auth.")
            && !p.starts_with("api.")
            && !p.starts_with("licenses.")));
        assert!(!set.contains("submissions.view_submissiondeletionaudit"));
    }

    let rerun = roles::sync_groups(&db, false).await.expect("rerun");
    assert!(
        rerun
            .iter()
            .all(|c| !c.created && c.added.is_empty() && c.removed.is_empty())
    );
}

#[tokio::test]
async fn user_permissions_follow_roles_and_superuser_has_all() {
    let (_t, db) = TestDb::migrated().await;
    roles::sync_groups(&db, false).await.expect("sync");
    let editor = users::create(
        &db,
        users::NewUser {
            username: "eddie",
            email: "eddie@example.org",
            password: "a long enough password",
            is_superuser: false,
        },
    )
    .await
    .expect("create user");
    assert!(
        users::effective_permissions(&db, &editor)
            .await
            .expect("perms")
            .is_empty()
    );
    users::add_to_group(&db, editor.id, EDITOR)
        .await
        .expect("add");
    users::add_to_group(&db, editor.id, EDITOR)
        .await
        .expect("idempotent add");
    let perms = users::effective_permissions(&db, &editor)
        .await
        .expect("perms");
    assert_eq!(perms.len(), 14);

    let admin = users::create(
        &db,
        users::NewUser {
            username: "root",
            email: "",
            password: "another long password",
            is_superuser: true,
        },
    )
    .await
    .expect("superuser");
    let all = users::effective_permissions(&db, &admin)
        .await
        .expect("perms");
    assert!(
        all.contains("auth.change_user")
            && all.contains("submissions.view_submissiondeletionaudit")
    );

    let dup = users::create(
        &db,
        users::NewUser {
            username: "root",
            email: "",
            password: "another long password",
            is_superuser: true,
        },
    )
    .await;
    assert!(matches!(dup, Err(users::UserError::Exists(_))));
    let short = users::create(
        &db,
        users::NewUser {
            username: "x",
            email: "",
            password: "short",
            is_superuser: false,
        },
    )
    .await;
    assert!(matches!(short, Err(users::UserError::Password(_))));
}

#[tokio::test]
async fn two_creations_of_one_username_at_once_give_one_user_and_one_clear_refusal() {
    let (_t, db) = TestDb::migrated().await;
    let new = || users::NewUser {
        username: "office",
        email: "office@example.org",
        password: "a long enough passphrase 42",
        is_superuser: false,
    };
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move { users::create(&db, new()).await })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(_) => created += 1,
            Err(users::UserError::Exists(name)) => assert_eq!(name, "office"),
            Err(other) => panic!("a race must read as 'already exists', not {other:?}"),
        }
    }
    assert_eq!(created, 1);
}

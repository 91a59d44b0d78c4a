//! Migrations: up → down → up on the test backend, and concurrent start-ups that never race.

use crate::support::TestDb;
use service_registry::{app::prepare_database, db};

const CORE_TABLES: [&str; 8] = [
    "service_submissions",
    "service_categories",
    "principal_investigators",
    "edam_terms",
    "spdx_licenses",
    "users",
    "jobs",
    "admin_api_keys",
];

#[tokio::test]
async fn up_down_up_round_trip() {
    let t = TestDb::new().await;
    let sp = t.search_path.as_deref();
    let applied = db::migrate_up(&t.cfg, sp).await.expect("up");
    assert!(
        applied >= 6,
        "expected every migration to apply, got {applied}"
    );
    let tables = t.tables().await;
    for name in CORE_TABLES {
        assert!(
            tables.iter().any(|x| x == name),
            "{name} missing after up: {tables:?}"
        );
    }

    db::migrate_down(&t.cfg, sp, None).await.expect("down all");
    let left: Vec<String> = t
        .tables()
        .await
        .into_iter()
        .filter(|x| x != "seaql_migrations")
        .collect();
    assert!(left.is_empty(), "tables left after down: {left:?}");

    let again = db::migrate_up(&t.cfg, sp).await.expect("up again");
    assert_eq!(again, applied);
    let conn = t.connect().await;
    assert_eq!(db::pending_migrations(&conn).await.expect("status"), 0);
    let status = db::migration_status(&conn).await.expect("status");
    assert!(status.iter().all(|(_, applied)| *applied));
}

#[tokio::test]
async fn down_one_step_leaves_one_pending() {
    let t = TestDb::new().await;
    let sp = t.search_path.as_deref();
    db::migrate_up(&t.cfg, sp).await.expect("up");
    db::migrate_down(&t.cfg, sp, Some(1)).await.expect("down 1");
    let conn = t.connect().await;
    assert_eq!(db::pending_migrations(&conn).await.expect("status"), 1);
}

#[tokio::test]
async fn concurrent_start_ups_are_serialised() {
    let t = TestDb::new().await;
    let sp = t.search_path.as_deref();
    let (a, b, c) = tokio::join!(
        prepare_database(&t.cfg, sp),
        prepare_database(&t.cfg, sp),
        prepare_database(&t.cfg, sp)
    );
    let counts = [a.expect("first"), b.expect("second"), c.expect("third")];
    // Exactly one of them applied the migrations; the others found nothing to do.
    assert_eq!(counts.iter().filter(|n| **n > 0).count(), 1, "{counts:?}");
    let conn = t.connect().await;
    let groups = service_registry::auth::roles::list_groups(&conn)
        .await
        .expect("groups");
    assert!(groups.iter().all(|(_, perms)| perms.is_some()));
}

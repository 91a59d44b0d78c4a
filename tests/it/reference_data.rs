//! Reference data: the example file loads, a second load changes nothing, bad rows write nothing.

use crate::support::{TestDb, repo_path};
use sea_orm::{EntityTrait, PaginatorTrait};
use service_registry::registry::entity::{
    principal_investigator as pi, service_category as cat, service_center as center,
};
use service_registry::registry::service::{LoadError, load, read_file};

async fn counts(db: &sea_orm::DatabaseConnection) -> (u64, u64, u64) {
    (
        cat::Entity::find().count(db).await.expect("count"),
        center::Entity::find().count(db).await.expect("count"),
        pi::Entity::find().count(db).await.expect("count"),
    )
}

async fn fresh() -> (TestDb, sea_orm::DatabaseConnection) {
    let t = TestDb::new().await;
    service_registry::app::prepare_database(&t.cfg, t.search_path.as_deref())
        .await
        .expect("migrate");
    let db = t.connect().await;
    (t, db)
}

#[tokio::test]
async fn loading_twice_gives_the_same_rows() {
    let (_t, db) = fresh().await;
    let data = read_file(&repo_path("data/reference-data.example.json")).expect("example file");
    let first = load(&db, &data).await.expect("first load");
    assert_eq!(first.service_centers.created, data.service_centers.len());
    assert_eq!(first.pis.created, data.pis.len());
    let after_first = counts(&db).await;
    let ids_first: Vec<_> = center::Entity::find()
        .all(&db)
        .await
        .expect("centres")
        .into_iter()
        .map(|c| c.id)
        .collect();

    let second = load(&db, &data).await.expect("second load");
    assert_eq!(second.categories.created + second.categories.updated, 0);
    assert_eq!(
        second.service_centers.created + second.service_centers.updated,
        0
    );
    assert_eq!(second.pis.created + second.pis.updated, 0);
    assert_eq!(second.pis.unchanged, data.pis.len());
    assert_eq!(counts(&db).await, after_first);
    let ids_second: Vec<_> = center::Entity::find()
        .all(&db)
        .await
        .expect("centres")
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids_first, ids_second);
}

#[tokio::test]
async fn a_changed_row_is_updated_in_place() {
    let (_t, db) = fresh().await;
    let mut data = read_file(&repo_path("data/reference-data.example.json")).expect("example file");
    load(&db, &data).await.expect("load");
    let before = counts(&db).await;
    data.service_centers[0].full_name = "Renamed centre".into();
    data.categories[0].is_active = false;
    let r = load(&db, &data).await.expect("reload");
    assert_eq!(r.service_centers.updated, 1);
    assert_eq!(r.categories.updated, 1);
    assert_eq!(counts(&db).await, before);
    let renamed = center::Entity::find().all(&db).await.expect("centres");
    assert!(renamed.iter().any(|c| c.full_name == "Renamed centre"));
}

#[tokio::test]
async fn an_invalid_orcid_rejects_the_whole_file() {
    let (t, db) = fresh().await;
    let file = t.dir.path().join("bad.json");
    std::fs::write(
        &file,
        r#"{"categories": [{"name": "Database"}],
            "pis": [{"last_name": "Doe", "first_name": "Jane", "orcid": "0000-0002-1825-0098"},
                    {"last_name": "", "first_name": "X", "email": "not-an-email"}]}"#,
    )
    .expect("write");
    let data = read_file(&file).expect("parses");
    match load(&db, &data).await {
        Err(LoadError::Invalid(problems)) => {
            let text = problems.join("\n");
            assert!(
                text.contains("pis[0].orcid") && text.contains("check digit"),
                "{text}"
            );
            assert!(text.contains("pis[1].last_name"), "{text}");
            assert!(text.contains("pis[1].email"), "{text}");
        }
        other => panic!("expected validation failure, got {other:?}"),
    }
    assert_eq!(counts(&db).await, (0, 0, 0), "nothing may be written");
}

#[tokio::test]
async fn unknown_keys_and_broken_json_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("x.json");
    std::fs::write(&file, r#"{"centres": []}"#).expect("write");
    let err = read_file(&file).expect_err("unknown key");
    assert!(err.to_string().contains("centres"), "{err}");
    std::fs::write(&file, r#"{"categories": [{"name": "A"}"#).expect("write");
    assert!(matches!(read_file(&file), Err(LoadError::Parse { .. })));
}

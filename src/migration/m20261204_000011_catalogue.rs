//! The catalogue's full-text index on SQLite: an FTS5 table of one document per submission, kept in
//! step by triggers, so every writer (forms, API, admin, CLI) updates it in its own transaction.
//! PostgreSQL needs no table: its search derives `tsvector`s on read (see `catalogue::search`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The document of the submissions whose ids `ids` (an SQL value or subquery) names: the name, the
/// terms (keywords, categories, EDAM labels and synonyms) and the body (description, centre, PIs).
/// A deleted document is rewritten from the rows, so one statement pair serves every trigger.
fn refresh(ids: &str) -> String {
    let agg = |sel: &str, link: &str, target: &str, on: &str| {
        format!(
            "COALESCE((SELECT group_concat({sel}, ' ') FROM {link} l JOIN {target} t ON t.id = l.{on} \
             WHERE l.submission_id = s.id), '')"
        )
    };
    let categories = agg(
        "t.name",
        "submission_categories",
        "service_categories",
        "category_id",
    );
    let topics = agg(
        "t.label || ' ' || t.synonyms",
        "submission_edam_topics",
        "edam_terms",
        "edam_term_id",
    );
    let operations = agg(
        "t.label || ' ' || t.synonyms",
        "submission_edam_operations",
        "edam_terms",
        "edam_term_id",
    );
    let pis = agg(
        "t.first_name || ' ' || t.last_name",
        "submission_pis",
        "principal_investigators",
        "pi_id",
    );
    format!(
        "DELETE FROM catalogue_fts WHERE submission_id IN ({ids}); \
         INSERT INTO catalogue_fts (submission_id, name, terms, body) \
         SELECT s.id, s.service_name, \
           s.keywords_seo || ' ' || s.keywords_uncited || ' ' || {categories} || ' ' || {topics} || ' ' || {operations}, \
           s.service_description || ' ' || \
           COALESCE((SELECT c.short_name || ' ' || c.full_name FROM service_centers c WHERE c.id = s.service_center_id), '') \
           || ' ' || {pis} \
         FROM service_submissions s WHERE s.id IN ({ids});"
    )
}

/// (trigger name, event, statements).
fn triggers() -> Vec<(String, String, String)> {
    let mut out = vec![
        (
            "catalogue_fts_sub_ins".to_string(),
            "AFTER INSERT ON service_submissions".to_string(),
            refresh("NEW.id"),
        ),
        (
            "catalogue_fts_sub_upd".into(),
            "AFTER UPDATE OF service_name, service_description, keywords_seo, keywords_uncited, \
             service_center_id ON service_submissions"
                .into(),
            refresh("NEW.id"),
        ),
        (
            "catalogue_fts_sub_del".into(),
            "AFTER DELETE ON service_submissions".into(),
            "DELETE FROM catalogue_fts WHERE submission_id = OLD.id;".into(),
        ),
    ];
    for link in [
        "submission_categories",
        "submission_pis",
        "submission_edam_topics",
        "submission_edam_operations",
    ] {
        for (event, row) in [("INSERT", "NEW"), ("DELETE", "OLD")] {
            out.push((
                format!("catalogue_fts_{link}_{}", event.to_lowercase()),
                format!("AFTER {event} ON {link}"),
                refresh(&format!("{row}.submission_id")),
            ));
        }
    }
    // A renamed category, centre, PI or EDAM term changes the documents of the services naming it.
    for (table, cols, ids) in [
        (
            "service_categories",
            "name",
            "SELECT submission_id FROM submission_categories WHERE category_id = NEW.id",
        ),
        (
            "service_centers",
            "short_name, full_name",
            "SELECT id FROM service_submissions WHERE service_center_id = NEW.id",
        ),
        (
            "principal_investigators",
            "first_name, last_name",
            "SELECT submission_id FROM submission_pis WHERE pi_id = NEW.id",
        ),
        (
            "edam_terms",
            "label, synonyms",
            "SELECT submission_id FROM submission_edam_topics WHERE edam_term_id = NEW.id \
             UNION SELECT submission_id FROM submission_edam_operations WHERE edam_term_id = NEW.id",
        ),
    ] {
        out.push((
            format!("catalogue_fts_{table}_upd"),
            format!("AFTER UPDATE OF {cols} ON {table}"),
            refresh(ids),
        ));
    }
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        // remove_diacritics 2: "Muller" finds "Müller"; the name column is weighted in the query.
        db.execute_unprepared(
            "CREATE VIRTUAL TABLE catalogue_fts USING fts5(submission_id UNINDEXED, name, terms, body, \
             tokenize = 'unicode61 remove_diacritics 2')",
        )
        .await?;
        for (name, event, body) in triggers() {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {name} {event} FOR EACH ROW BEGIN {body} END"
            ))
            .await?;
        }
        // Documents of the submissions already stored.
        db.execute_unprepared(&refresh("SELECT id FROM service_submissions"))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        for (name, _, _) in triggers() {
            db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}"))
                .await?;
        }
        db.execute_unprepared("DROP TABLE IF EXISTS catalogue_fts")
            .await?;
        Ok(())
    }
}

//! Ranked full-text search over approved services, one interface for both backends: SQLite asks the
//! FTS5 index the triggers keep (migration `m20261204_000011_catalogue`), PostgreSQL builds the same
//! document as a weighted `tsvector` on read. Every word must match (as a prefix); the name weighs
//! most, then keywords/categories/EDAM, then description/centre/PIs.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// Most words of a search used (the rest are ignored).
const MAX_WORDS: usize = 12;
const MAX_WORD_CHARS: usize = 64;

/// The words of a search text: runs of letters and digits, lower-cased. Nothing else ever reaches the
/// query language of either backend, so no input can change a query's meaning.
pub fn words(q: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in q.split(|c: char| !c.is_alphanumeric()) {
        if w.is_empty() || out.len() >= MAX_WORDS {
            continue;
        }
        let w: String = w
            .chars()
            .take(MAX_WORD_CHARS)
            .collect::<String>()
            .to_lowercase();
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// The approved services matching every word, each with its score (higher is better).
pub async fn ranked<C: ConnectionTrait>(
    db: &C,
    words: &[String],
) -> Result<HashMap<Uuid, f64>, DbErr> {
    if words.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let stmt = match backend {
        DbBackend::Postgres => postgres(words),
        _ => sqlite(words),
    };
    let rows = db.query_all_raw(stmt).await?;
    let mut out = HashMap::with_capacity(rows.len());
    for r in rows {
        let id: Uuid = r.try_get("", "id")?;
        let score: f64 = r.try_get("", "score")?;
        // A submission has one document; keep the best should an orphan ever linger.
        let e = out.entry(id).or_insert(score);
        if score > *e {
            *e = score;
        }
    }
    Ok(out)
}

fn sqlite(words: &[String]) -> Statement {
    // `"word"*` is a quoted prefix query; words hold letters and digits only.
    let query = words
        .iter()
        .map(|w| format!("\"{w}\"*"))
        .collect::<Vec<_>>()
        .join(" ");
    // bm25 is lower-is-better; its negation makes higher better on both backends.
    Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "SELECT s.id AS id, -bm25(catalogue_fts, 0.0, 10.0, 4.0, 1.0) AS score \
         FROM catalogue_fts JOIN service_submissions s ON s.id = catalogue_fts.submission_id \
         WHERE catalogue_fts MATCH $1 AND s.status = 'approved'",
        [Value::from(query)],
    )
}

fn postgres(words: &[String]) -> Statement {
    let query = words
        .iter()
        .map(|w| format!("{w}:*"))
        .collect::<Vec<_>>()
        .join(" & ");
    let agg = |sel: &str, link: &str, target: &str, on: &str| {
        format!(
            "COALESCE((SELECT string_agg({sel}, ' ') FROM {link} l JOIN {target} t ON t.id = l.{on} \
             WHERE l.submission_id = s.id), '')"
        )
    };
    let terms = format!(
        "s.keywords_seo || ' ' || s.keywords_uncited || ' ' || {} || ' ' || {} || ' ' || {}",
        agg(
            "t.name",
            "submission_categories",
            "service_categories",
            "category_id"
        ),
        agg(
            "t.label || ' ' || t.synonyms::text",
            "submission_edam_topics",
            "edam_terms",
            "edam_term_id"
        ),
        agg(
            "t.label || ' ' || t.synonyms::text",
            "submission_edam_operations",
            "edam_terms",
            "edam_term_id"
        ),
    );
    let body = format!(
        "s.service_description || ' ' || COALESCE((SELECT c.short_name || ' ' || c.full_name \
         FROM service_centers c WHERE c.id = s.service_center_id), '') || ' ' || {}",
        agg(
            "t.first_name || ' ' || t.last_name",
            "submission_pis",
            "principal_investigators",
            "pi_id"
        ),
    );
    let sql = format!(
        "SELECT d.id AS id, ts_rank('{{0.1, 0.2, 0.4, 1.0}}', d.doc, q.q)::float8 AS score \
         FROM (SELECT s.id, \
                 setweight(to_tsvector('simple', s.service_name), 'A') || \
                 setweight(to_tsvector('simple', {terms}), 'B') || \
                 setweight(to_tsvector('simple', {body}), 'C') AS doc \
               FROM service_submissions s WHERE s.status = 'approved') d, \
              to_tsquery('simple', $1) q(q) \
         WHERE d.doc @@ q.q"
    );
    Statement::from_sql_and_values(DbBackend::Postgres, sql, [Value::from(query)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_letters_and_digits_only() {
        assert_eq!(
            words("  Prote-omics \"OR\" müller* NEAR(x) "),
            ["prote", "omics", "or", "müller", "near", "x"]
        );
        assert!(words("*** ''").is_empty());
        assert_eq!(words(&"a ".repeat(40)).len(), 1);
    }
}

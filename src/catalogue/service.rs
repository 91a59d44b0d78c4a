//! The catalogue listing: search, filter, sort and page approved services in a fixed number of queries
//! (search 1, matching rows 1, the page's records and links ≤ 11), whatever the page size.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::model::{CatalogueQuery, Sort};
use super::repo::{self, Light};
use super::search;
use crate::error::AppError;
use crate::submissions::repo::SubmissionRecord;

/// One page of the catalogue.
pub struct Listing {
    pub records: Vec<SubmissionRecord>,
    /// Matching services in all.
    pub total: u64,
    /// The page shown: the asked one, or the last when it was past the end.
    pub page: u64,
    pub pages: u64,
    pub per_page: u64,
    /// The latest change among the matching services (for `Last-Modified`).
    pub last_modified: Option<DateTime<Utc>>,
}

/// Sorts the matching rows; ties (and every sort's second key) go by name, then id, so pages are stable.
fn sort(rows: &mut [Light], sort: Sort, scores: &std::collections::HashMap<Uuid, f64>) {
    let by_name = |a: &Light, b: &Light| a.sort_key.cmp(&b.sort_key).then(a.id.cmp(&b.id));
    match sort {
        Sort::Name => rows.sort_by(by_name),
        Sort::Newest => {
            rows.sort_by(|a, b| b.submitted_at.cmp(&a.submitted_at).then(by_name(a, b)))
        }
        Sort::Updated => rows.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(by_name(a, b))),
        Sort::Relevance => rows.sort_by(|a, b| {
            let (sa, sb) = (
                scores.get(&a.id).copied().unwrap_or(0.0),
                scores.get(&b.id).copied().unwrap_or(0.0),
            );
            sb.total_cmp(&sa).then(by_name(a, b))
        }),
    }
}

/// The page `q` asks for, `per_page` services each (the API passes its own size).
pub async fn list<C: ConnectionTrait>(
    db: &C,
    q: &CatalogueQuery,
    per_page: u64,
) -> Result<Listing, AppError> {
    let per_page = per_page.max(1);
    let words = search::words(&q.q);
    let scores = search::ranked(db, &words).await?;
    let ids: Option<Vec<Uuid>> = (!words.is_empty()).then(|| scores.keys().copied().collect());
    let mut rows = if ids.as_ref().is_some_and(|i| i.is_empty()) {
        Vec::new()
    } else {
        repo::matching(db, &q.filters, ids.as_deref()).await?
    };
    sort(&mut rows, q.effective_sort(), &scores);
    let total = rows.len() as u64;
    let pages = total.div_ceil(per_page).max(1);
    let page = q.page.clamp(1, pages);
    let start = usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX);
    let page_ids: Vec<Uuid> = rows
        .iter()
        .skip(start)
        .take(usize::try_from(per_page).unwrap_or(usize::MAX))
        .map(|r| r.id)
        .collect();
    let records = repo::records(db, &page_ids).await?;
    Ok(Listing {
        records,
        total,
        page,
        pages,
        per_page,
        last_modified: rows.iter().map(|r| r.updated_at).max(),
    })
}

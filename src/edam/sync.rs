//! Writing a parsed EDAM release into `edam_terms`: a plan computed in memory (create / update / obsolete
//! / unchanged per branch), then applied in one transaction — or only reported, on a dry run. Terms are
//! never deleted: vanished terms become obsolete so submissions keep their annotations.

use sea_orm::sea_query::{CaseStatement, Expr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QuerySelect, Set, Unchanged,
};
use std::collections::{BTreeMap, HashMap, HashSet};

use super::entity::edam_term::{self, Column};
use super::model::{Branch, BranchFilter, ParsedTerm, Release};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BranchCounts {
    pub created: usize,
    pub updated: usize,
    pub obsoleted: usize,
    pub unchanged: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// The release the table held before (the most common version among its rows), if any.
    pub old_version: Option<String>,
    pub new_version: String,
    pub by_branch: BTreeMap<Branch, BranchCounts>,
    pub dry_run: bool,
}

impl SyncReport {
    pub fn totals(&self) -> BranchCounts {
        self.by_branch
            .values()
            .fold(BranchCounts::default(), |a, c| BranchCounts {
                created: a.created + c.created,
                updated: a.updated + c.updated,
                obsoleted: a.obsoleted + c.obsoleted,
                unchanged: a.unchanged + c.unchanged,
            })
    }

    pub fn changed_anything(&self) -> bool {
        let t = self.totals();
        t.created + t.updated + t.obsoleted > 0
    }
}

/// A term's row, with the parent referred to by URI so new and existing parents are treated alike.
#[derive(Debug, Clone, PartialEq)]
struct Row<'a> {
    accession: &'a str,
    branch: Branch,
    label: &'a str,
    definition: &'a str,
    synonyms: serde_json::Value,
    is_obsolete: bool,
    sort_order: i32,
    version: &'a str,
    parent_uri: Option<&'a str>,
}

impl<'a> Row<'a> {
    fn from_term(t: &'a ParsedTerm, version: &'a str) -> Self {
        Self {
            accession: &t.accession,
            branch: t.branch,
            label: &t.label,
            definition: &t.definition,
            synonyms: serde_json::json!(t.synonyms),
            is_obsolete: t.is_obsolete,
            sort_order: t.sort_order,
            version,
            parent_uri: t.parent_uri.as_deref(),
        }
    }
}

/// Applies (or, with `dry_run`, only plans) a release. Only `BranchFilter::All` marks terms missing from
/// the release obsolete. The whole write happens in one transaction.
pub async fn sync(
    db: &DatabaseConnection,
    release: &Release,
    filter: BranchFilter,
    dry_run: bool,
) -> Result<SyncReport, sea_orm::DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let existing = edam_term::Entity::find().all(&txn).await?;
    let uri_of_id: HashMap<i64, &str> = existing.iter().map(|r| (r.id, r.uri.as_str())).collect();
    let by_uri: HashMap<&str, &edam_term::Model> =
        existing.iter().map(|r| (r.uri.as_str(), r)).collect();
    let old_version = most_common_version(&existing);

    let mut report = SyncReport {
        old_version,
        new_version: release.version.clone(),
        by_branch: BTreeMap::new(),
        dry_run,
    };
    let terms: Vec<&ParsedTerm> = release
        .terms
        .iter()
        .filter(|t| filter.accepts(t.branch))
        .collect();
    let release_uris: HashSet<&str> = release.terms.iter().map(|t| t.uri.as_str()).collect();
    let synced_uris: HashSet<&str> = terms.iter().map(|t| t.uri.as_str()).collect();
    let mut creates: Vec<(&ParsedTerm, Row)> = Vec::new();
    let mut updates: Vec<(i64, Row)> = Vec::new();
    for t in &terms {
        let wanted = Row::from_term(t, &release.version);
        let counts = report.by_branch.entry(t.branch).or_default();
        match by_uri.get(t.uri.as_str()) {
            None => {
                counts.created += 1;
                creates.push((t, wanted));
            }
            Some(row) => {
                let current = Row {
                    accession: &row.accession,
                    branch: Branch::parse(&row.branch).unwrap_or(t.branch),
                    label: &row.label,
                    definition: &row.definition,
                    synonyms: row.synonyms.clone(),
                    is_obsolete: row.is_obsolete,
                    sort_order: row.sort_order,
                    version: &row.edam_version,
                    parent_uri: row.parent_id.and_then(|p| uri_of_id.get(&p).copied()),
                };
                // A parent the table does not (and will not) have is left as it is.
                let resolvable = wanted
                    .parent_uri
                    .is_none_or(|p| by_uri.contains_key(p) || synced_uris.contains(p));
                let mut wanted = wanted;
                if !resolvable {
                    wanted.parent_uri = current.parent_uri;
                }
                if current == wanted && Branch::parse(&row.branch).is_some() {
                    counts.unchanged += 1;
                } else {
                    counts.updated += 1;
                    updates.push((row.id, wanted));
                }
            }
        }
    }

    let mut obsolete_ids = Vec::new();
    if filter == BranchFilter::All {
        for row in &existing {
            if !row.is_obsolete && !release_uris.contains(row.uri.as_str()) {
                obsolete_ids.push(row.id);
                let branch = Branch::parse(&row.branch).unwrap_or(Branch::Data);
                report.by_branch.entry(branch).or_default().obsoleted += 1;
            }
        }
    }

    if dry_run {
        txn.rollback().await?;
        return Ok(report);
    }

    // 1. New rows, parents left empty for now (a parent may be created in the same batch).
    for chunk in creates.chunks(400) {
        let models = chunk.iter().map(|(t, r)| edam_term::ActiveModel {
            id: NotSet,
            uri: Set(t.uri.clone()),
            accession: Set(r.accession.to_string()),
            branch: Set(r.branch.as_str().to_string()),
            label: Set(r.label.to_string()),
            definition: Set(r.definition.to_string()),
            synonyms: Set(r.synonyms.clone()),
            parent_id: Set(None),
            is_obsolete: Set(r.is_obsolete),
            sort_order: Set(r.sort_order),
            edam_version: Set(r.version.to_string()),
        });
        edam_term::Entity::insert_many(models)
            .exec_without_returning(&txn)
            .await?;
    }

    // 2. Every URI's id, now that the new rows exist.
    let ids: HashMap<String, i64> = edam_term::Entity::find()
        .select_only()
        .column(Column::Uri)
        .column(Column::Id)
        .into_tuple::<(String, i64)>()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    let parent_id = |uri: Option<&str>| uri.and_then(|u| ids.get(u).copied());

    // 3. Changed rows, one statement each (a new release changes a few hundred at most).
    for (id, r) in &updates {
        edam_term::ActiveModel {
            id: Unchanged(*id),
            uri: NotSet,
            accession: Set(r.accession.to_string()),
            branch: Set(r.branch.as_str().to_string()),
            label: Set(r.label.to_string()),
            definition: Set(r.definition.to_string()),
            synonyms: Set(r.synonyms.clone()),
            parent_id: Set(parent_id(r.parent_uri)),
            is_obsolete: Set(r.is_obsolete),
            sort_order: Set(r.sort_order),
            edam_version: Set(r.version.to_string()),
        }
        .update(&txn)
        .await?;
    }

    // 4. Parents of the new rows, a few hundred per statement.
    let new_parents: Vec<(i64, i64)> = creates
        .iter()
        .filter_map(|(t, r)| Some((*ids.get(t.uri.as_str())?, parent_id(r.parent_uri)?)))
        .collect();
    for chunk in new_parents.chunks(300) {
        let case = chunk
            .iter()
            .fold(CaseStatement::new(), |case, (id, parent)| {
                case.case(Column::Id.eq(*id), Expr::val(*parent))
            });
        edam_term::Entity::update_many()
            .col_expr(Column::ParentId, Expr::Case(Box::new(case)))
            .filter(Column::Id.is_in(chunk.iter().map(|(id, _)| *id)))
            .exec(&txn)
            .await?;
    }

    // 5. Vanished terms become obsolete.
    for chunk in obsolete_ids.chunks(500) {
        edam_term::Entity::update_many()
            .col_expr(Column::IsObsolete, Expr::val(true))
            .filter(Column::Id.is_in(chunk.iter().copied()))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(report)
}

fn most_common_version(rows: &[edam_term::Model]) -> Option<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for r in rows.iter().filter(|r| !r.edam_version.is_empty()) {
        *counts.entry(r.edam_version.as_str()).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(v, _)| v.to_string())
}

//! Every query of the submissions domain. A submission is loaded as a [`SubmissionRecord`] — its row,
//! its service centre and the rows it links to — in a fixed number of queries, one per link table for
//! a whole page (`IN (...)`), so view, change-log snapshot and mail data are built without asking again.

mod list;
mod reference;
mod write;

pub use list::{ListFilter, Ordering, count, page};
pub use reference::{
    FormChoices, active_categories, active_center, active_pis, edam_terms, form_choices,
    licenses_by_code, search_licenses,
};
pub use write::{
    DeletionAudit, change_log_of, delete, insert, insert_change_log, insert_deletion_audit,
    replace_links, row, update,
};

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use std::collections::HashMap;
use uuid::Uuid;

use super::entity::{
    service_submission as sub, submission_category, submission_edam_operation,
    submission_edam_topic, submission_license, submission_pi,
};
use super::model::SubmissionId;
use crate::edam::entity::edam_term;
use crate::licenses::entity::spdx_license;
use crate::registry::entity::{principal_investigator as pi, service_category, service_center};

/// A stored submission with everything it links to.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmissionRecord {
    pub row: sub::Model,
    pub center: Option<service_center::Model>,
    pub categories: Vec<service_category::Model>,
    pub pis: Vec<pi::Model>,
    pub topics: Vec<edam_term::Model>,
    pub operations: Vec<edam_term::Model>,
    pub licenses: Vec<spdx_license::Model>,
}

impl SubmissionRecord {
    pub fn id(&self) -> SubmissionId {
        SubmissionId(self.row.id)
    }
}

/// One submission with its centre and links, or `None` when there is no such submission.
pub async fn load<C: ConnectionTrait>(
    db: &C,
    id: SubmissionId,
) -> Result<Option<SubmissionRecord>, DbErr> {
    let Some(found) = sub::Entity::find_by_id(id.0).one(db).await? else {
        return Ok(None);
    };
    Ok(with_links(db, vec![found]).await?.pop())
}

/// The centres and links of a page of rows: one query for the centres, and per link table one query for the link rows of the whole page and one
/// for the distinct rows they name (EDAM topics and operations share theirs), whatever the number of
/// rows. Loading targets apart, each once, costs far less than decoding the same target joined to
/// every link that names it.
pub async fn with_links<C: ConnectionTrait>(
    db: &C,
    rows: Vec<sub::Model>,
) -> Result<Vec<SubmissionRecord>, DbErr> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    // Rows are read plain and their centres apart: decoding a joined row costs far more per column.
    let centers = targets::<_, service_center::Entity, _>(
        db,
        service_center::Column::Id,
        rows.iter().map(|r| r.service_center_id),
        |c| c.id,
    )
    .await?;
    let cat_links = links_of::<_, submission_category::Entity>(
        db,
        submission_category::Column::SubmissionId,
        &ids,
    )
    .await?;
    let pi_links =
        links_of::<_, submission_pi::Entity>(db, submission_pi::Column::SubmissionId, &ids).await?;
    let topic_links = links_of::<_, submission_edam_topic::Entity>(
        db,
        submission_edam_topic::Column::SubmissionId,
        &ids,
    )
    .await?;
    let op_links = links_of::<_, submission_edam_operation::Entity>(
        db,
        submission_edam_operation::Column::SubmissionId,
        &ids,
    )
    .await?;
    let lic_links = links_of::<_, submission_license::Entity>(
        db,
        submission_license::Column::SubmissionId,
        &ids,
    )
    .await?;

    let categories = targets::<_, service_category::Entity, _>(
        db,
        service_category::Column::Id,
        cat_links.iter().map(|l| l.category_id),
        |c| c.id,
    )
    .await?;
    let pis =
        targets::<_, pi::Entity, _>(db, pi::Column::Id, pi_links.iter().map(|l| l.pi_id), |p| {
            p.id
        })
        .await?;
    let terms = targets::<_, edam_term::Entity, _>(
        db,
        edam_term::Column::Id,
        topic_links
            .iter()
            .map(|l| l.edam_term_id)
            .chain(op_links.iter().map(|l| l.edam_term_id)),
        |t| t.id,
    )
    .await?;
    let licenses = targets::<_, spdx_license::Entity, _>(
        db,
        spdx_license::Column::Id,
        lic_links.iter().map(|l| l.license_id),
        |l| l.id,
    )
    .await?;

    let mut categories = group(cat_links, |l| (l.submission_id, l.category_id), &categories);
    let mut pis = group(pi_links, |l| (l.submission_id, l.pi_id), &pis);
    let mut topics = group(topic_links, |l| (l.submission_id, l.edam_term_id), &terms);
    let mut operations = group(op_links, |l| (l.submission_id, l.edam_term_id), &terms);
    let mut licenses = group(lic_links, |l| (l.submission_id, l.license_id), &licenses);
    Ok(rows
        .into_iter()
        .map(|row| {
            let id = row.id;
            let center = centers.get(&row.service_center_id).cloned();
            let mut categories = categories.remove(&id).unwrap_or_default();
            categories.sort_by_key(|c| c.id);
            let mut pis = pis.remove(&id).unwrap_or_default();
            pis.sort_by_key(|p| p.id);
            let mut topics = topics.remove(&id).unwrap_or_default();
            topics.sort_by_key(|t| t.id);
            let mut operations = operations.remove(&id).unwrap_or_default();
            operations.sort_by_key(|t| t.id);
            let mut licenses = licenses.remove(&id).unwrap_or_default();
            licenses.sort_by_key(|l| l.id);
            SubmissionRecord {
                row,
                center,
                categories,
                pis,
                topics,
                operations,
                licenses,
            }
        })
        .collect())
}

/// The link rows of one link table for many submissions.
async fn links_of<C, L>(db: &C, column: L::Column, ids: &[Uuid]) -> Result<Vec<L::Model>, DbErr>
where
    C: ConnectionTrait,
    L: EntityTrait,
{
    L::find()
        .filter(column.is_in(ids.iter().copied()))
        .all(db)
        .await
}

/// The distinct rows named by `keys`, each loaded once (no query when there are none).
async fn targets<C, T, K>(
    db: &C,
    pk: T::Column,
    keys: impl Iterator<Item = K>,
    key_of: impl Fn(&T::Model) -> K,
) -> Result<HashMap<K, T::Model>, DbErr>
where
    C: ConnectionTrait,
    T: EntityTrait,
    K: Into<sea_orm::Value> + Eq + std::hash::Hash + Ord + Copy,
{
    let mut wanted: Vec<K> = keys.collect();
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(T::find()
        .filter(pk.is_in(wanted))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (key_of(&t), t))
        .collect())
}

/// Link rows grouped by submission, each with the target it names (a link to a vanished row is skipped).
fn group<L, K, M: Clone>(
    links: Vec<L>,
    ends: impl Fn(&L) -> (Uuid, K),
    targets: &HashMap<K, M>,
) -> HashMap<Uuid, Vec<M>>
where
    K: Eq + std::hash::Hash,
{
    let mut out: HashMap<Uuid, Vec<M>> = HashMap::new();
    for link in &links {
        let (owner, key) = ends(link);
        if let Some(t) = targets.get(&key) {
            out.entry(owner).or_default().push(t.clone());
        }
    }
    out
}

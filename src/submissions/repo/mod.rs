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

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Related};
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

/// One submission with its links (six queries), or `None` when there is no such submission.
pub async fn load<C: ConnectionTrait>(
    db: &C,
    id: SubmissionId,
) -> Result<Option<SubmissionRecord>, DbErr> {
    let Some(found) = sub::Entity::find_by_id(id.0)
        .find_also_related(service_center::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(with_links(db, vec![found]).await?.pop())
}

/// The links of a page of rows: one query per link table, whatever the number of rows.
pub async fn with_links<C: ConnectionTrait>(
    db: &C,
    rows: Vec<(sub::Model, Option<service_center::Model>)>,
) -> Result<Vec<SubmissionRecord>, DbErr> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|(r, _)| r.id).collect();
    let mut categories = linked::<_, submission_category::Entity, service_category::Entity>(
        db,
        submission_category::Column::SubmissionId,
        &ids,
        |l| l.submission_id,
    )
    .await?;
    let mut pis = linked::<_, submission_pi::Entity, pi::Entity>(
        db,
        submission_pi::Column::SubmissionId,
        &ids,
        |l| l.submission_id,
    )
    .await?;
    let mut topics = linked::<_, submission_edam_topic::Entity, edam_term::Entity>(
        db,
        submission_edam_topic::Column::SubmissionId,
        &ids,
        |l| l.submission_id,
    )
    .await?;
    let mut operations = linked::<_, submission_edam_operation::Entity, edam_term::Entity>(
        db,
        submission_edam_operation::Column::SubmissionId,
        &ids,
        |l| l.submission_id,
    )
    .await?;
    let mut licenses = linked::<_, submission_license::Entity, spdx_license::Entity>(
        db,
        submission_license::Column::SubmissionId,
        &ids,
        |l| l.submission_id,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|(row, center)| {
            let id = row.id;
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

/// The targets of one link table for many submissions, in one query (link rows joined to targets).
async fn linked<C, L, T>(
    db: &C,
    column: L::Column,
    ids: &[Uuid],
    owner: impl Fn(&L::Model) -> Uuid,
) -> Result<HashMap<Uuid, Vec<T::Model>>, DbErr>
where
    C: ConnectionTrait,
    L: EntityTrait + Related<T>,
    T: EntityTrait,
{
    let rows = L::find()
        .filter(column.is_in(ids.iter().copied()))
        .find_also_related(T::default())
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Vec<T::Model>> = HashMap::new();
    for (link, target) in rows {
        if let Some(t) = target {
            out.entry(owner(&link)).or_default().push(t);
        }
    }
    Ok(out)
}

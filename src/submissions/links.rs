//! The ids a submission links to (categories, PIs, EDAM topics and operations, licences), read in one
//! place for the change-log snapshot, the API view and validation.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::entity::{
    submission_category, submission_edam_operation, submission_edam_topic, submission_license,
    submission_pi,
};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LinkIds {
    pub categories: Vec<i64>,
    pub pis: Vec<Uuid>,
    pub topics: Vec<i64>,
    pub operations: Vec<i64>,
    pub licenses: Vec<i64>,
}

pub async fn load<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<LinkIds, DbErr> {
    Ok(LinkIds {
        categories: submission_category::Entity::find()
            .filter(submission_category::Column::SubmissionId.eq(id))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.category_id)
            .collect(),
        pis: submission_pi::Entity::find()
            .filter(submission_pi::Column::SubmissionId.eq(id))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.pi_id)
            .collect(),
        topics: submission_edam_topic::Entity::find()
            .filter(submission_edam_topic::Column::SubmissionId.eq(id))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.edam_term_id)
            .collect(),
        operations: submission_edam_operation::Entity::find()
            .filter(submission_edam_operation::Column::SubmissionId.eq(id))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.edam_term_id)
            .collect(),
        licenses: submission_license::Entity::find()
            .filter(submission_license::Column::SubmissionId.eq(id))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.license_id)
            .collect(),
    })
}

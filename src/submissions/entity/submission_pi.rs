//! Link between a submission and a responsible principal investigator.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "submission_pis")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub submission_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub pi_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::service_submission::Entity",
        from = "Column::SubmissionId",
        to = "super::service_submission::Column::Id",
        on_delete = "Cascade"
    )]
    Submission,
    // RESTRICT: reference rows are retired (inactive, obsolete, deprecated) rather than deleted,
    // so curation never silently drops an annotation.
    #[sea_orm(
        belongs_to = "crate::registry::entity::principal_investigator::Entity",
        from = "Column::PiId",
        to = "crate::registry::entity::principal_investigator::Column::Id",
        on_delete = "Restrict"
    )]
    Pi,
}

impl Related<super::service_submission::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Submission.def()
    }
}

impl Related<crate::registry::entity::principal_investigator::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Pi.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

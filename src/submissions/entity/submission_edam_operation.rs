//! Link between a submission and an EDAM operation.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "submission_edam_operations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub submission_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub edam_term_id: i64,
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
        belongs_to = "crate::edam::entity::edam_term::Entity",
        from = "Column::EdamTermId",
        to = "crate::edam::entity::edam_term::Column::Id",
        on_delete = "Restrict"
    )]
    EdamTerm,
}

impl Related<super::service_submission::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Submission.def()
    }
}

impl Related<crate::edam::entity::edam_term::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EdamTerm.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

//! Link between a submission and an SPDX licence.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "submission_licenses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub submission_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub license_id: i64,
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
        belongs_to = "crate::licenses::entity::spdx_license::Entity",
        from = "Column::LicenseId",
        to = "crate::licenses::entity::spdx_license::Column::Id",
        on_delete = "Restrict"
    )]
    License,
}

impl Related<super::service_submission::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Submission.def()
    }
}

impl Related<crate::licenses::entity::spdx_license::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::License.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

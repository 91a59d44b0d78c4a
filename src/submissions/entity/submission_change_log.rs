//! One entry of a submission's append-only change history.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "submission_change_logs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub submission_id: Uuid,
    /// `submitter`, `admin:<username>` or `api:<key label>`.
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub changed_by: String,
    pub changed_at: DateTimeUtc,
    /// JSON list of `{field, label, old, new}`.
    #[sea_orm(column_type = "JsonBinary")]
    pub changes: Json,
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
}

impl Related<super::service_submission::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Submission.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

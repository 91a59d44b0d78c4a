//! What remains of a deleted submission: who deleted it, when, and its change history.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "submission_deletion_audits")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The deleted submission's id; deliberately not a foreign key, the audit outlives it.
    pub submission_id: Uuid,
    #[sea_orm(column_type = "String(StringLen::N(300))")]
    pub service_name: String,
    /// Status at the time of deletion.
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub status: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub submitter_first_name: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub submitter_last_name: String,
    #[sea_orm(column_type = "String(StringLen::N(300))")]
    pub submitter_affiliation: String,
    #[sea_orm(column_type = "String(StringLen::N(2000))")]
    pub public_contact_email: String,
    /// `admin:<username>` (or `system`).
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub deleted_by: String,
    pub deleted_at: DateTimeUtc,
    pub changelog_count: i32,
    /// JSON list of `{changed_by, changed_at, changes}`, newest first.
    #[sea_orm(column_type = "JsonBinary")]
    pub changelog_snapshot: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

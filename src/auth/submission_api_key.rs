//! A submission API key: lets a submitter read (and, with `write` scope, edit) one submission. Owned by
//! the authentication kit (which issues, checks and revokes keys); the submissions domain re-exports it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "submission_api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub submission_id: Uuid,
    /// Hex SHA-256 of the plaintext key; the plaintext is never stored.
    #[sea_orm(column_type = "String(StringLen::N(64))", unique)]
    pub key_hash: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub label: String,
    pub created_at: DateTimeUtc,
    /// `submitter`, or the username of the admin who issued the key.
    #[sea_orm(column_type = "String(StringLen::N(150))")]
    pub created_by: String,
    /// False once revoked; revoked keys are kept for the audit trail.
    pub is_active: bool,
    /// `read` or `write`.
    #[sea_orm(column_type = "String(StringLen::N(10))")]
    pub scope: String,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

/// No relations: the key belongs to a submission by `submission_id` (a foreign key with cascade in the
/// migration), but the authentication kit never joins the submission, so it need not know that domain.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

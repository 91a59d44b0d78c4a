//! The audit trail of admin actions: one row per add/change/delete (and sign-in events), written in
//! the same transaction as the change it describes, read by the object pages and the index.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::entity::audit;

pub use audit::Model as AuditEntry;

/// What one audit row says.
pub struct Entry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub object_repr: &'a str,
    pub message: &'a str,
}

/// Longest stored representation; longer names are cut on a character boundary.
const REPR_MAX: usize = 255;

pub async fn record<C: ConnectionTrait>(
    db: &C,
    e: Entry<'_>,
    at: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    audit::ActiveModel {
        at: Set(at),
        actor: Set(e.actor.chars().take(160).collect()),
        action: Set(e.action.chars().take(32).collect()),
        object_type: Set(e.object_type.chars().take(64).collect()),
        object_id: Set(e.object_id.chars().take(64).collect()),
        object_repr: Set(e.object_repr.chars().take(REPR_MAX).collect()),
        message: Set(e.message.to_string()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The trail of one object, newest first.
pub async fn for_object<C: ConnectionTrait>(
    db: &C,
    object_type: &str,
    object_id: &str,
    limit: u64,
) -> Result<Vec<AuditEntry>, sea_orm::DbErr> {
    audit::Entity::find()
        .filter(audit::Column::ObjectType.eq(object_type))
        .filter(audit::Column::ObjectId.eq(object_id))
        .order_by_desc(audit::Column::At)
        .order_by_desc(audit::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// One actor's latest actions (the index's "Recent actions").
pub async fn recent_by<C: ConnectionTrait>(
    db: &C,
    actor: &str,
    limit: u64,
) -> Result<Vec<AuditEntry>, sea_orm::DbErr> {
    audit::Entity::find()
        .filter(audit::Column::Actor.eq(actor))
        .order_by_desc(audit::Column::At)
        .order_by_desc(audit::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

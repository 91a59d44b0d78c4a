//! The domain's writes: the submission row, its link tables, the change log and the deletion audit.
//! Every function takes the caller's transaction (opened with `crate::db::begin_write`).

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use crate::submissions::entity::{
    service_submission as sub, submission_category, submission_change_log,
    submission_deletion_audit, submission_edam_operation, submission_edam_topic,
    submission_license, submission_pi,
};
use crate::submissions::model::SubmissionId;
use crate::submissions::validate::Resolved;

pub async fn insert<C: ConnectionTrait>(db: &C, am: sub::ActiveModel) -> Result<sub::Model, DbErr> {
    am.insert(db).await
}

/// Writes the changed columns of the row, once.
pub async fn update<C: ConnectionTrait>(db: &C, am: sub::ActiveModel) -> Result<sub::Model, DbErr> {
    am.update(db).await
}

/// Replaces the link tables a request supplied (one delete and one insert per table).
pub async fn replace_links<C: ConnectionTrait>(
    db: &C,
    id: SubmissionId,
    links: &Resolved,
) -> Result<(), DbErr> {
    let id = id.0;
    if let Some(rows) = &links.categories {
        submission_category::Entity::delete_many()
            .filter(submission_category::Column::SubmissionId.eq(id))
            .exec(db)
            .await?;
        let new = rows.iter().map(|c| submission_category::ActiveModel {
            submission_id: Set(id),
            category_id: Set(c.id),
        });
        if !rows.is_empty() {
            submission_category::Entity::insert_many(new)
                .exec_without_returning(db)
                .await?;
        }
    }
    if let Some(rows) = &links.pis {
        submission_pi::Entity::delete_many()
            .filter(submission_pi::Column::SubmissionId.eq(id))
            .exec(db)
            .await?;
        let new = rows.iter().map(|p| submission_pi::ActiveModel {
            submission_id: Set(id),
            pi_id: Set(p.id),
        });
        if !rows.is_empty() {
            submission_pi::Entity::insert_many(new)
                .exec_without_returning(db)
                .await?;
        }
    }
    if let Some(rows) = &links.topics {
        submission_edam_topic::Entity::delete_many()
            .filter(submission_edam_topic::Column::SubmissionId.eq(id))
            .exec(db)
            .await?;
        let new = rows.iter().map(|t| submission_edam_topic::ActiveModel {
            submission_id: Set(id),
            edam_term_id: Set(t.id),
        });
        if !rows.is_empty() {
            submission_edam_topic::Entity::insert_many(new)
                .exec_without_returning(db)
                .await?;
        }
    }
    if let Some(rows) = &links.operations {
        submission_edam_operation::Entity::delete_many()
            .filter(submission_edam_operation::Column::SubmissionId.eq(id))
            .exec(db)
            .await?;
        let new = rows.iter().map(|t| submission_edam_operation::ActiveModel {
            submission_id: Set(id),
            edam_term_id: Set(t.id),
        });
        if !rows.is_empty() {
            submission_edam_operation::Entity::insert_many(new)
                .exec_without_returning(db)
                .await?;
        }
    }
    if let Some(rows) = &links.licenses {
        submission_license::Entity::delete_many()
            .filter(submission_license::Column::SubmissionId.eq(id))
            .exec(db)
            .await?;
        let new = rows.iter().map(|l| submission_license::ActiveModel {
            submission_id: Set(id),
            license_id: Set(l.id),
        });
        if !rows.is_empty() {
            submission_license::Entity::insert_many(new)
                .exec_without_returning(db)
                .await?;
        }
    }
    Ok(())
}

/// Appends one change-log entry (`changes` is the JSON list of `{field, label, old, new}`).
pub async fn insert_change_log<C: ConnectionTrait>(
    db: &C,
    id: SubmissionId,
    actor: &str,
    changes: serde_json::Value,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbErr> {
    submission_change_log::ActiveModel {
        submission_id: Set(id.0),
        changed_by: Set(actor.chars().take(200).collect()),
        changed_at: Set(now),
        changes: Set(changes),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A submission's change history, newest first.
pub async fn change_log_of<C: ConnectionTrait>(
    db: &C,
    id: SubmissionId,
) -> Result<Vec<submission_change_log::Model>, DbErr> {
    submission_change_log::Entity::find()
        .filter(submission_change_log::Column::SubmissionId.eq(id.0))
        .order_by_desc(submission_change_log::Column::ChangedAt)
        .all(db)
        .await
}

/// What the deletion audit keeps of a submission.
pub struct DeletionAudit<'a> {
    pub row: &'a sub::Model,
    pub actor: &'a str,
    pub now: chrono::DateTime<chrono::Utc>,
    pub log: &'a [submission_change_log::Model],
}

pub async fn insert_deletion_audit<C: ConnectionTrait>(
    db: &C,
    a: DeletionAudit<'_>,
) -> Result<(), DbErr> {
    let s = a.row;
    let snapshot: Vec<serde_json::Value> = a
        .log
        .iter()
        .map(|l| serde_json::json!({"changed_by": l.changed_by, "changed_at": l.changed_at.to_rfc3339(), "changes": l.changes}))
        .collect();
    submission_deletion_audit::ActiveModel {
        submission_id: Set(s.id),
        service_name: Set(s.service_name.clone()),
        status: Set(s.status.clone()),
        submitter_first_name: Set(s.submitter_first_name.clone()),
        submitter_last_name: Set(s.submitter_last_name.clone()),
        submitter_affiliation: Set(s.submitter_affiliation.clone()),
        public_contact_email: Set(s.public_contact_email.clone()),
        deleted_by: Set(a.actor.chars().take(200).collect()),
        deleted_at: Set(a.now),
        changelog_count: Set(a.log.len() as i32),
        changelog_snapshot: Set(serde_json::Value::Array(snapshot)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Deletes the row; keys, change log and links go with it (cascade).
pub async fn delete<C: ConnectionTrait>(db: &C, id: SubmissionId) -> Result<(), DbErr> {
    sub::Entity::delete_by_id(id.0).exec(db).await?;
    Ok(())
}

/// The bare row, for callers that need nothing else.
pub async fn row<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<sub::Model>, DbErr> {
    sub::Entity::find_by_id(id).one(db).await
}

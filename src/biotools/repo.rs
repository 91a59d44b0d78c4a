//! SQL of the bio.tools records: read a submission's URL and record, write a synced entry with its
//! functions, mark an error, delete a record.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::client::Validators;
use super::entity::{biotools_function as func, biotools_record as rec};
use super::mapping::BioToolsEntry;
use crate::submissions::entity::service_submission as sub;

/// A stored `sync_error` is cut to this many characters.
pub const MAX_ERROR_CHARS: usize = 2000;

/// The submission's current `biotools_url`, or `None` when the submission does not exist.
pub async fn current_url<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<String>, DbErr> {
    let url: Option<String> = sub::Entity::find_by_id(id)
        .select_only()
        .column(sub::Column::BiotoolsUrl)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(url)
}

/// Every submission with a non-empty `biotools_url`, in a stable order (id).
pub async fn submissions_with_url<C: ConnectionTrait>(conn: &C) -> Result<Vec<Uuid>, DbErr> {
    sub::Entity::find()
        .select_only()
        .column(sub::Column::Id)
        .filter(sub::Column::BiotoolsUrl.ne(""))
        .order_by_asc(sub::Column::Id)
        .into_tuple()
        .all(conn)
        .await
}

pub async fn record_of<C: ConnectionTrait>(
    conn: &C,
    submission_id: Uuid,
) -> Result<Option<rec::Model>, DbErr> {
    rec::Entity::find()
        .filter(rec::Column::SubmissionId.eq(submission_id))
        .one(conn)
        .await
}

/// The record's functions in order.
pub async fn functions_of<C: ConnectionTrait>(
    conn: &C,
    record_id: i64,
) -> Result<Vec<func::Model>, DbErr> {
    func::Entity::find()
        .filter(func::Column::RecordId.eq(record_id))
        .order_by_asc(func::Column::Position)
        .all(conn)
        .await
}

/// Records whose last sync failed, by biotools id.
pub async fn errored<C: ConnectionTrait>(conn: &C) -> Result<Vec<rec::Model>, DbErr> {
    rec::Entity::find()
        .filter(rec::Column::SyncError.ne(""))
        .order_by_asc(rec::Column::BiotoolsId)
        .order_by_asc(rec::Column::Id)
        .all(conn)
        .await
}

/// Deletes the submission's record (its functions go by cascade, and explicitly for safety). Returns
/// whether there was one.
pub async fn delete_record<C: ConnectionTrait>(
    conn: &C,
    submission_id: Uuid,
) -> Result<bool, DbErr> {
    let Some(record) = record_of(conn, submission_id).await? else {
        return Ok(false);
    };
    func::Entity::delete_many()
        .filter(func::Column::RecordId.eq(record.id))
        .exec(conn)
        .await?;
    rec::Entity::delete_by_id(record.id).exec(conn).await?;
    Ok(true)
}

fn json<T: serde::Serialize>(v: &T) -> Result<serde_json::Value, DbErr> {
    serde_json::to_value(v).map_err(|e| DbErr::Custom(format!("cannot encode JSON: {e}")))
}

/// Writes `entry` as the submission's record (created or replaced, whatever id it had before) and
/// replaces its functions in order; marks it synced at `now`. Returns whether the record was created.
pub async fn store_entry<C: ConnectionTrait>(
    conn: &C,
    submission_id: Uuid,
    biotools_id: &str,
    entry: &BioToolsEntry,
    validators: &Validators,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let existing = record_of(conn, submission_id).await?;
    let created = existing.is_none();
    let mut am = match existing {
        Some(r) => rec::ActiveModel::from(r),
        None => rec::ActiveModel {
            submission_id: Set(submission_id),
            created_at: Set(now),
            ..Default::default()
        },
    };
    am.biotools_id = Set(biotools_id.to_string());
    am.name = Set(entry.name.clone());
    am.description = Set(entry.description.clone());
    am.homepage = Set(entry.homepage.clone());
    am.version = Set(entry.version.clone());
    am.license = Set(entry.license.clone());
    am.maturity = Set(entry.maturity.clone());
    am.cost = Set(entry.cost.clone());
    am.tool_type = Set(json(&entry.tool_type)?);
    am.operating_system = Set(json(&entry.operating_system)?);
    am.publications = Set(json(&entry.publications)?);
    am.documentation = Set(json(&entry.documentation)?);
    am.download = Set(json(&entry.download)?);
    am.links = Set(json(&entry.links)?);
    am.edam_topic_uris = Set(json(&entry.edam_topic_uris())?);
    am.raw_json = Set(entry.raw.clone());
    am.last_synced_at = Set(Some(now));
    am.sync_error = Set(String::new());
    am.etag = Set(validators.etag.clone());
    am.last_modified = Set(validators.last_modified.clone());
    am.updated_at = Set(now);
    let record_id = if created {
        rec::Entity::insert(am).exec(conn).await?.last_insert_id
    } else {
        am.update(conn).await?.id
    };
    func::Entity::delete_many()
        .filter(func::Column::RecordId.eq(record_id))
        .exec(conn)
        .await?;
    let rows = entry
        .functions
        .iter()
        .enumerate()
        .map(|(i, f)| {
            Ok(func::ActiveModel {
                record_id: Set(record_id),
                position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
                operations: Set(json(&f.operations)?),
                inputs: Set(json(&f.inputs)?),
                outputs: Set(json(&f.outputs)?),
                cmd: Set(f.cmd.clone()),
                note: Set(f.note.clone()),
                ..Default::default()
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    if !rows.is_empty() {
        func::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(created)
}

/// bio.tools said the stored data is current: the record counts as synced at `now`, its error cleared.
pub async fn mark_current<C: ConnectionTrait>(
    conn: &C,
    submission_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if let Some(r) = record_of(conn, submission_id).await? {
        let mut am = rec::ActiveModel::from(r);
        am.last_synced_at = Set(Some(now));
        am.sync_error = Set(String::new());
        am.updated_at = Set(now);
        am.update(conn).await?;
    }
    Ok(())
}

/// Records a failed sync: only `sync_error` and `updated_at` of an existing record change (its data
/// stays); without a record, a minimal one with the id and the error is created.
pub async fn mark_error<C: ConnectionTrait>(
    conn: &C,
    submission_id: Uuid,
    biotools_id: &str,
    error: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
    match record_of(conn, submission_id).await? {
        Some(r) => {
            let mut am = rec::ActiveModel::from(r);
            am.sync_error = Set(error);
            am.updated_at = Set(now);
            am.update(conn).await?;
        }
        None => {
            let empty = serde_json::json!([]);
            rec::Entity::insert(rec::ActiveModel {
                submission_id: Set(submission_id),
                biotools_id: Set(biotools_id.to_string()),
                name: Set(String::new()),
                description: Set(String::new()),
                homepage: Set(String::new()),
                version: Set(String::new()),
                license: Set(String::new()),
                maturity: Set(String::new()),
                cost: Set(String::new()),
                tool_type: Set(empty.clone()),
                operating_system: Set(empty.clone()),
                publications: Set(empty.clone()),
                documentation: Set(empty.clone()),
                download: Set(empty.clone()),
                links: Set(empty.clone()),
                edam_topic_uris: Set(empty),
                raw_json: Set(serde_json::json!({})),
                last_synced_at: Set(None),
                sync_error: Set(error),
                etag: Set(String::new()),
                last_modified: Set(String::new()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .exec_without_returning(conn)
            .await?;
        }
    }
    Ok(())
}

//! Submission lifecycle: statuses and maturity tags, the status transitions (with their change-log
//! entry and e-mail), the approved-edit reset rule, and the change-log writer shared by every actor.

use sea_orm::{ConnectionTrait, DatabaseConnection, Set};
use std::collections::BTreeSet;

use super::diff::Change;
use super::entity::service_submission;
use super::model::{PrimaryTag, SecondaryTag, Status, SubmissionId, status_label, tag_label};
use super::repo;
use crate::db::WriteTxn;
use crate::error::AppError;

pub const STATUSES: [&str; 6] = [
    Status::Draft.code(),
    Status::Submitted.code(),
    Status::UnderReview.code(),
    Status::Approved.code(),
    Status::Rejected.code(),
    Status::Deprecated.code(),
];
pub const PRIMARY_TAGS: [&str; 3] = [
    PrimaryTag::Mature.code(),
    PrimaryTag::Emerging.code(),
    PrimaryTag::Legacy.code(),
];
pub const SECONDARY_TAGS: [&str; 1] = [SecondaryTag::Unstable.code()];

/// Fields whose change can never be exempt from the approved-edit reset.
const NEVER_EXEMPT: [&str; 5] = [
    "status",
    "date_of_entry",
    "primary_maturity_tag",
    "secondary_maturity_tags",
    "register_as_elixir",
];

pub fn kpi_label(code: &str) -> String {
    match code {
        "yes" => "Yes".into(),
        "planned" => "Planned".into(),
        other => other.to_string(),
    }
}

/// The configured exempt fields, minus unknown and never-exempt names (logged once at start).
pub fn exempt_fields(configured: &[String]) -> BTreeSet<String> {
    let known = |f: &str| f == "logo" || super::input::FIELDS.iter().any(|s| s.field == f);
    configured
        .iter()
        .filter(|f| {
            let ok = known(f) && !NEVER_EXEMPT.contains(&f.as_str());
            if !ok {
                tracing::warn!(field = %f, "[submission] no_reset_fields: ignoring a field that cannot be exempt");
            }
            ok
        })
        .cloned()
        .collect()
}

/// DESIGN.md §9.5: an approved submission goes back to review when any field whose value actually
/// changed is not exempt.
pub fn must_reset(status: Option<Status>, changes: &[Change], exempt: &BTreeSet<String>) -> bool {
    status == Some(Status::Approved) && changes.iter().any(|c| !exempt.contains(&c.field))
}

/// Appends a change-log entry and sets `last_change_summary` on `am`, so the caller writes the row once
/// with it; nothing is written for no changes.
pub async fn write_change_log<C: ConnectionTrait>(
    conn: &C,
    am: &mut service_submission::ActiveModel,
    id: SubmissionId,
    actor: &str,
    changes: &[Change],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), sea_orm::DbErr> {
    if changes.is_empty() {
        return Ok(());
    }
    let changes_json =
        serde_json::to_value(changes).map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
    repo::insert_change_log(conn, id, actor, changes_json.clone(), now).await?;
    am.last_change_summary = Set(Some(serde_json::json!({
        "changed_by": actor,
        "changed_at": now.to_rfc3339(),
        "changes": changes_json,
    })));
    Ok(())
}

/// Moves a submission to `target` (approve, reject, under review, deprecate, undeprecate → submitted),
/// clearing maturity tags when it leaves `approved`, writing the change log and queueing the status
/// e-mail in the same transaction. A no-op when it is already in `target`.
pub async fn set_status(
    db: &DatabaseConnection,
    ctx: &super::service::Ctx<'_>,
    id: uuid::Uuid,
    target: &str,
    actor: &str,
) -> Result<bool, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let changed = set_status_in(&txn, ctx, id, target, actor).await?;
    txn.commit().await?;
    Ok(changed)
}

/// [`set_status`] inside the caller's write transaction, so the caller can write its own record of
/// the change (the admin's audit row) in the same transaction; nothing is kept unless it commits.
pub async fn set_status_in(
    txn: &WriteTxn,
    ctx: &super::service::Ctx<'_>,
    id: uuid::Uuid,
    target: &str,
    actor: &str,
) -> Result<bool, AppError> {
    let Some(target) = Status::parse(target) else {
        return Err(AppError::BadRequest(format!(
            "Unknown status '{target}': use one of {}.",
            STATUSES.join(", ")
        )));
    };
    let mut record = repo::load(txn, SubmissionId(id))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No submission {id}.")))?;
    let current = record.row.clone();
    if Status::parse(&current.status).is_some_and(|s| !s.can_move_to(target)) {
        return Ok(false);
    }
    let mut changes = vec![Change {
        field: "status".into(),
        label: "Status".into(),
        old: status_label(&current.status),
        new: target.label().to_string(),
    }];
    let mut am: service_submission::ActiveModel = current.clone().into();
    am.status = Set(target.code().to_string());
    let now = ctx.now();
    am.updated_at = Set(now);
    if !target.keeps_tags() {
        if let Some(tag) = &current.primary_maturity_tag {
            changes.push(Change {
                field: "primary_maturity_tag".into(),
                label: "Primary maturity tag".into(),
                old: tag_label(tag),
                new: "—".into(),
            });
        }
        let secondary = super::diff::secondary_tags(&current);
        if !secondary.is_empty() {
            changes.push(Change {
                field: "secondary_maturity_tags".into(),
                label: "Secondary maturity tags".into(),
                old: secondary
                    .iter()
                    .map(|t| tag_label(t))
                    .collect::<Vec<_>>()
                    .join(", "),
                new: "—".into(),
            });
        }
        am.primary_maturity_tag = Set(None);
        am.secondary_maturity_tags = Set(Some(serde_json::json!([])));
    }
    write_change_log(txn, &mut am, record.id(), actor, &changes, now).await?;
    record.row = repo::update(txn, am).await?;
    let data = super::service::mail_data(&record);
    crate::submissions::notify::notify_status_changed(txn, &ctx.mail, ctx.templates, &data, now)
        .await
        .map_err(AppError::internal)?;
    Ok(true)
}

/// Sets the maturity tags of the given submissions that are approved *now* (read under the write
/// transaction, so one rejected meanwhile is skipped); the others are skipped. `primary` empty clears
/// it; `secondary` replaces the list. Unknown tags are refused before anything is written. A row whose
/// tags really change gets a change-log entry; no e-mail (tags are curation, not a status change).
/// Returns how many approved submissions were processed and the ids whose tags changed.
pub async fn set_maturity_tags(
    db: &DatabaseConnection,
    ctx: &super::service::Ctx<'_>,
    ids: &[uuid::Uuid],
    primary: &str,
    secondary: &[&str],
    actor: &str,
) -> Result<(usize, Vec<uuid::Uuid>), AppError> {
    let txn = crate::db::begin_write(db).await?;
    let out = set_maturity_tags_in(&txn, ctx, ids, primary, secondary, actor).await?;
    txn.commit().await?;
    Ok(out)
}

/// [`set_maturity_tags`] inside the caller's write transaction (see [`set_status_in`]).
pub async fn set_maturity_tags_in(
    txn: &WriteTxn,
    ctx: &super::service::Ctx<'_>,
    ids: &[uuid::Uuid],
    primary: &str,
    secondary: &[&str],
    actor: &str,
) -> Result<(usize, Vec<uuid::Uuid>), AppError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let primary = match primary.trim() {
        "" => None,
        p if PRIMARY_TAGS.contains(&p) => Some(p.to_string()),
        _ => {
            return Err(AppError::BadRequest(
                "Invalid primary tag selection.".into(),
            ));
        }
    };
    let mut wanted: Vec<String> = Vec::new();
    for t in secondary {
        if !SECONDARY_TAGS.contains(t) {
            return Err(AppError::BadRequest(format!("Invalid secondary tag: {t}.")));
        }
        if !wanted.iter().any(|w| w == t) {
            wanted.push(t.to_string());
        }
    }
    let rows = service_submission::Entity::find()
        .filter(service_submission::Column::Id.is_in(ids.to_vec()))
        .filter(service_submission::Column::Status.eq(Status::Approved.code()))
        .all(txn)
        .await?;
    if rows.is_empty() {
        return Err(AppError::BadRequest(
            "No approved submissions selected. Tags can only be assigned to approved services."
                .into(),
        ));
    }
    let now = ctx.now();
    let label_list = |tags: &[String]| {
        if tags.is_empty() {
            "—".to_string()
        } else {
            tags.iter()
                .map(|t| tag_label(t))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let mut changed = Vec::new();
    for row in &rows {
        let old_secondary = super::diff::secondary_tags(row);
        let mut changes = Vec::new();
        if row.primary_maturity_tag != primary {
            changes.push(Change {
                field: "primary_maturity_tag".into(),
                label: "Primary maturity tag".into(),
                old: row
                    .primary_maturity_tag
                    .as_deref()
                    .map_or("—".into(), tag_label),
                new: primary.as_deref().map_or("—".into(), tag_label),
            });
        }
        if old_secondary != wanted {
            changes.push(Change {
                field: "secondary_maturity_tags".into(),
                label: "Secondary maturity tags".into(),
                old: label_list(&old_secondary),
                new: label_list(&wanted),
            });
        }
        if changes.is_empty() {
            continue;
        }
        let mut am: service_submission::ActiveModel = row.clone().into();
        am.primary_maturity_tag = Set(primary.clone());
        am.secondary_maturity_tags = Set(Some(serde_json::json!(wanted)));
        am.updated_at = Set(now);
        write_change_log(txn, &mut am, SubmissionId(row.id), actor, &changes, now).await?;
        repo::update(txn, am).await?;
        changed.push(row.id);
    }
    Ok((rows.len(), changed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(field: &str) -> Change {
        Change {
            field: field.into(),
            label: field.into(),
            old: "a".into(),
            new: "b".into(),
        }
    }

    #[test]
    fn reset_rule_uses_only_changed_fields() {
        let exempt = exempt_fields(&[
            "website_url".to_string(),
            "status".to_string(),
            "nonsense".to_string(),
        ]);
        assert!(exempt.contains("website_url"));
        assert!(
            !exempt.contains("status"),
            "system fields can never be exempt"
        );
        assert!(!exempt.contains("nonsense"));
        let approved = Some(Status::Approved);
        assert!(!must_reset(approved, &[change("website_url")], &exempt));
        assert!(must_reset(
            approved,
            &[change("website_url"), change("service_name")],
            &exempt
        ));
        assert!(!must_reset(approved, &[], &exempt));
        assert!(!must_reset(
            Some(Status::Submitted),
            &[change("service_name")],
            &exempt
        ));
    }
}

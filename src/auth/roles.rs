//! The permission catalogue and the three staff roles (Registry Viewer ⊂ Editor ⊂ Manager), kept in the
//! database by `setup-groups` exactly as defined here: idempotent, with a dry run and a listing.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use std::collections::{BTreeMap, BTreeSet};

use super::entity::{group, group_permission, permission};

/// Every model that has the standard add/change/delete/view permissions, as `app.model`.
const MODELS: [(&str, &str, &str); 15] = [
    ("registry", "servicecategory", "service category"),
    ("registry", "servicecenter", "service center"),
    (
        "registry",
        "principalinvestigator",
        "principal investigator",
    ),
    ("submissions", "servicesubmission", "service submission"),
    ("submissions", "submissionapikey", "submission API key"),
    (
        "submissions",
        "submissionchangelog",
        "submission change log",
    ),
    (
        "submissions",
        "submissiondeletionaudit",
        "submission deletion audit",
    ),
    ("edam", "edamterm", "EDAM term"),
    ("licenses", "spdxlicense", "SPDX license"),
    ("biotools", "biotoolsrecord", "bio.tools record"),
    ("biotools", "biotoolsfunction", "bio.tools function"),
    ("api", "adminapikey", "admin API key"),
    ("jobs", "job", "background job"),
    ("auth", "user", "user"),
    ("auth", "group", "group"),
];

/// Permissions beyond the standard four.
const CUSTOM: [(&str, &str); 2] = [
    (
        "submissions.approve_servicesubmission",
        "Can approve or reject service submissions",
    ),
    (
        "submissions.manage_apikeys",
        "Can issue, reset, and revoke submission API keys",
    ),
];

/// All permissions the application knows: `(codename, human-readable name)`.
pub fn catalogue() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (app, model, label) in MODELS {
        for action in ["add", "change", "delete", "view"] {
            out.push((
                format!("{app}.{action}_{model}"),
                format!("Can {action} {label}"),
            ));
        }
    }
    out.extend(CUSTOM.iter().map(|(c, n)| (c.to_string(), n.to_string())));
    out
}

pub const VIEWER: &str = "Registry Viewer";
pub const EDITOR: &str = "Registry Editor";
pub const MANAGER: &str = "Registry Manager";

const VIEWER_PERMS: [&str; 10] = [
    "submissions.view_servicesubmission",
    "submissions.view_submissionchangelog",
    "submissions.view_submissionapikey",
    "registry.view_servicecategory",
    "registry.view_servicecenter",
    "registry.view_principalinvestigator",
    // The original's Celery task results are our background jobs.
    "jobs.view_job",
    "edam.view_edamterm",
    "biotools.view_biotoolsrecord",
    "biotools.view_biotoolsfunction",
];

const EDITOR_EXTRA: [&str; 4] = [
    "submissions.add_servicesubmission",
    "submissions.change_servicesubmission",
    "submissions.approve_servicesubmission",
    "submissions.manage_apikeys",
];

const MANAGER_EXTRA: [&str; 10] = [
    "submissions.delete_servicesubmission",
    "registry.add_servicecategory",
    "registry.change_servicecategory",
    "registry.delete_servicecategory",
    "registry.add_servicecenter",
    "registry.change_servicecenter",
    "registry.delete_servicecenter",
    "registry.add_principalinvestigator",
    "registry.change_principalinvestigator",
    "registry.delete_principalinvestigator",
];

/// The roles in the order they are synchronised, each with its exact permission set.
pub fn roles() -> Vec<(&'static str, BTreeSet<&'static str>)> {
    let viewer: BTreeSet<&str> = VIEWER_PERMS.into_iter().collect();
    let editor: BTreeSet<&str> = viewer.iter().copied().chain(EDITOR_EXTRA).collect();
    let manager: BTreeSet<&str> = editor.iter().copied().chain(MANAGER_EXTRA).collect();
    vec![(VIEWER, viewer), (EDITOR, editor), (MANAGER, manager)]
}

/// What `setup-groups` did (or, on a dry run, would do) to one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupChange {
    pub group: String,
    pub created: bool,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

/// Brings the permission table and the three groups in line with the code. Memberships are untouched.
/// On a dry run nothing is written and the report says what would change.
pub async fn sync_groups(
    db: &DatabaseConnection,
    dry_run: bool,
) -> Result<Vec<GroupChange>, sea_orm::DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let known = ensure_catalogue(&txn, dry_run).await?;
    let mut report = Vec::new();
    for (name, wanted) in roles() {
        let existing = group::Entity::find()
            .filter(group::Column::Name.eq(name))
            .one(&txn)
            .await?;
        let current: BTreeSet<String> = match &existing {
            Some(g) => group_codenames(&txn, g.id).await?,
            None => BTreeSet::new(),
        };
        let wanted: BTreeSet<String> = wanted.iter().map(|s| s.to_string()).collect();
        let added: Vec<String> = wanted.difference(&current).cloned().collect();
        let removed: Vec<String> = current.difference(&wanted).cloned().collect();
        report.push(GroupChange {
            group: name.to_string(),
            created: existing.is_none(),
            added: added.clone(),
            removed: removed.clone(),
        });
        if dry_run {
            continue;
        }
        let group_id = match existing {
            Some(g) => g.id,
            None => {
                group::ActiveModel {
                    name: Set(name.to_string()),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
                .id
            }
        };
        for codename in &added {
            if let Some(pid) = known.get(codename) {
                group_permission::ActiveModel {
                    group_id: Set(group_id),
                    permission_id: Set(*pid),
                }
                .insert(&txn)
                .await?;
            }
        }
        let removed_ids: Vec<i64> = removed
            .iter()
            .filter_map(|c| known.get(c).copied())
            .collect();
        if !removed_ids.is_empty() {
            group_permission::Entity::delete_many()
                .filter(group_permission::Column::GroupId.eq(group_id))
                .filter(group_permission::Column::PermissionId.is_in(removed_ids))
                .exec(&txn)
                .await?;
        }
    }
    if dry_run {
        txn.rollback().await?;
    } else {
        txn.commit().await?;
    }
    Ok(report)
}

/// Inserts missing catalogue permissions; returns codename → id for all of them.
async fn ensure_catalogue<C: ConnectionTrait>(
    db: &C,
    dry_run: bool,
) -> Result<BTreeMap<String, i64>, sea_orm::DbErr> {
    let mut known: BTreeMap<String, i64> = permission::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.codename, p.id))
        .collect();
    if dry_run {
        return Ok(known);
    }
    for (codename, name) in catalogue() {
        if known.contains_key(&codename) {
            continue;
        }
        let row = permission::ActiveModel {
            codename: Set(codename.clone()),
            name: Set(name),
            ..Default::default()
        }
        .insert(db)
        .await?;
        known.insert(codename, row.id);
    }
    Ok(known)
}

async fn group_codenames<C: ConnectionTrait>(
    db: &C,
    group_id: i64,
) -> Result<BTreeSet<String>, sea_orm::DbErr> {
    let ids: Vec<i64> = group_permission::Entity::find()
        .filter(group_permission::Column::GroupId.eq(group_id))
        .all(db)
        .await?
        .into_iter()
        .map(|gp| gp.permission_id)
        .collect();
    if ids.is_empty() {
        return Ok(BTreeSet::new());
    }
    Ok(permission::Entity::find()
        .filter(permission::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.codename)
        .collect())
}

/// Each role as stored: `(group name, Some(codenames))`, or `None` when the group does not exist yet.
pub async fn list_groups<C: ConnectionTrait>(
    db: &C,
) -> Result<Vec<(String, Option<BTreeSet<String>>)>, sea_orm::DbErr> {
    let mut out = Vec::new();
    for (name, _) in roles() {
        let g = group::Entity::find()
            .filter(group::Column::Name.eq(name))
            .order_by_asc(group::Column::Id)
            .one(db)
            .await?;
        let perms = match g {
            Some(g) => Some(group_codenames(db, g.id).await?),
            None => None,
        };
        out.push((name.to_string(), perms));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_sets_nest_and_have_the_specified_sizes() {
        let r = roles();
        assert_eq!(r[0].1.len(), 10);
        assert_eq!(r[1].1.len(), 14);
        assert_eq!(r[2].1.len(), 24);
        assert!(r[0].1.is_subset(&r[1].1) && r[1].1.is_subset(&r[2].1));
        let all: BTreeSet<String> = catalogue().into_iter().map(|(c, _)| c).collect();
        for (_, perms) in &r {
            for p in perms {
                assert!(all.contains(*p), "{p} is not in the catalogue");
            }
        }
    }
}

//! The submissions domain's record screens: the change log (all entries, filterable by submission and
//! actor), the deletion audits (superusers, read-only) and every submission API key (filterable by
//! submission and state, with "revoke").

use axum::extract::{RawQuery, State};
use axum::response::Response;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;

use super::AUDIT_TYPE;
use crate::admin::form::CsrfFields;
use crate::admin::list::{FilterDef, ListQuery, Pager, contains, headers, sidebar, terms};
use crate::admin::table::{Button, Cell, Table};
use crate::admin::{Cap, Staff, audit, flash_and_redirect, path};
use crate::auth::submission_api_key as key;
use crate::error::AppError;
use crate::state::AppState;
use crate::submissions::entity::{
    service_submission as sub, submission_change_log as log, submission_deletion_audit as del,
};
use crate::web::PageContext;

const PER_PAGE: u64 = 50;

fn fmt(state: &AppState, t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&state.config.time_zone)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

async fn names(state: &AppState, ids: Vec<Uuid>) -> Result<HashMap<Uuid, String>, AppError> {
    Ok(sub::Entity::find()
        .filter(sub::Column::Id.is_in(ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.service_name))
        .collect())
}

fn submission_filter(q: &ListQuery) -> Option<Uuid> {
    q.get("submission__id")
        .and_then(|v| Uuid::parse_str(v).ok())
}

pub async fn change_log(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    staff.require(Cap::ViewChangeLog)?;
    let q = ListQuery::parse(raw.as_deref());
    let mut sel = log::Entity::find();
    if q.get("submission__id").is_some() {
        sel = sel.filter(match submission_filter(&q) {
            Some(id) => log::Column::SubmissionId.eq(id),
            None => log::Column::Id.is_null(),
        });
    }
    for t in terms(q.search()) {
        sel = sel.filter(contains((log::Entity, log::Column::ChangedBy), &t));
    }
    let total = sel.clone().count(&state.db).await?;
    let pager = Pager::new(&q, total, PER_PAGE);
    let rows = sel
        .order_by_desc(log::Column::ChangedAt)
        .order_by_desc(log::Column::Id)
        .offset(pager.offset(PER_PAGE))
        .limit(PER_PAGE)
        .all(&state.db)
        .await?;
    let named = names(&state, rows.iter().map(|r| r.submission_id).collect()).await?;
    let prefix = state.config.admin_url_prefix.clone();
    let rows = rows
        .into_iter()
        .map(|l| {
            let changes: Vec<crate::submissions::diff::Change> =
                serde_json::from_value(l.changes.clone()).unwrap_or_default();
            let fields: Vec<String> = changes
                .iter()
                .map(|c| format!("{}: {} → {}", c.label, c.old, c.new))
                .collect();
            vec![
                Cell::link(
                    named.get(&l.submission_id).cloned().unwrap_or_default(),
                    format!(
                        "{}?submission__id={}",
                        path(&prefix, "changelog/"),
                        l.submission_id
                    ),
                ),
                Cell::text(l.changed_by),
                Cell::link(
                    fmt(&state, l.changed_at),
                    path(&prefix, &format!("changelog/{}/", l.id)),
                ),
                Cell::text(fields.join("; ")),
            ]
        })
        .collect();
    let table = Table {
        title: "Change log".into(),
        summary: Vec::new(),
        toolbar: Vec::new(),
        search: Some(q.search().to_string()),
        sidebar: None,
        headers: headers(
            &q,
            &[
                ("Submission", None),
                ("Changed by", None),
                ("Changed at", None),
                ("Changes", None),
            ],
        ),
        rows,
        pager,
        links: Vec::new(),
        keep: submission_filter(&q)
            .map(|id| vec![("submission__id".to_string(), id.to_string())])
            .unwrap_or_default(),
    };
    crate::admin::table::render(&state, &pc, &staff, table)
}

pub async fn deletion_audits(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    staff.require(Cap::ViewDeletionAudits)?;
    let q = ListQuery::parse(raw.as_deref());
    let mut sel = del::Entity::find();
    for t in terms(q.search()) {
        sel = sel.filter(
            Condition::any()
                .add(contains((del::Entity, del::Column::ServiceName), &t))
                .add(contains((del::Entity, del::Column::DeletedBy), &t))
                .add(contains((del::Entity, del::Column::SubmitterLastName), &t)),
        );
    }
    let total = sel.clone().count(&state.db).await?;
    let pager = Pager::new(&q, total, PER_PAGE);
    let rows = sel
        .order_by_desc(del::Column::DeletedAt)
        .offset(pager.offset(PER_PAGE))
        .limit(PER_PAGE)
        .all(&state.db)
        .await?;
    let table = Table {
        title: "Deletion audits".into(),
        summary: Vec::new(),
        toolbar: Vec::new(),
        search: Some(q.search().to_string()),
        sidebar: None,
        headers: headers(
            &q,
            &[
                ("Service", None),
                ("Status", None),
                ("Submitter", None),
                ("Deleted by", None),
                ("Deleted at", None),
                ("Change-log entries", None),
            ],
        ),
        rows: rows
            .into_iter()
            .map(|d| {
                vec![
                    Cell::link(
                        d.service_name,
                        path(
                            &state.config.admin_url_prefix,
                            &format!("deletion-audits/{}/", d.id),
                        ),
                    ),
                    Cell::text(d.status),
                    Cell::text(format!(
                        "{}, {} — {}",
                        d.submitter_last_name, d.submitter_first_name, d.submitter_affiliation
                    )),
                    Cell::text(d.deleted_by),
                    Cell::text(fmt(&state, d.deleted_at)),
                    Cell::text(d.changelog_count.to_string()),
                ]
            })
            .collect(),
        pager,
        links: Vec::new(),
        keep: Vec::new(),
    };
    crate::admin::table::render(&state, &pc, &staff, table)
}

pub async fn keys(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    staff.require(Cap::ViewKeys)?;
    let q = ListQuery::parse(raw.as_deref());
    let mut sel = key::Entity::find();
    if q.get("submission__id__exact").is_some() {
        sel = sel.filter(
            match q
                .get("submission__id__exact")
                .and_then(|v| Uuid::parse_str(v).ok())
            {
                Some(id) => key::Column::SubmissionId.eq(id),
                None => key::Column::Label.is_null(),
            },
        );
    }
    match q.get("is_active") {
        Some("1") => sel = sel.filter(key::Column::IsActive.eq(true)),
        Some("0") => sel = sel.filter(key::Column::IsActive.eq(false)),
        _ => {}
    }
    for t in terms(q.search()) {
        sel = sel.filter(
            Condition::any()
                .add(contains((key::Entity, key::Column::Label), &t))
                .add(contains((key::Entity, key::Column::CreatedBy), &t)),
        );
    }
    let total = sel.clone().count(&state.db).await?;
    let pager = Pager::new(&q, total, PER_PAGE);
    let rows = sel
        .order_by_desc(key::Column::CreatedAt)
        .order_by_asc(key::Column::Id)
        .offset(pager.offset(PER_PAGE))
        .limit(PER_PAGE)
        .all(&state.db)
        .await?;
    let named = names(&state, rows.iter().map(|r| r.submission_id).collect()).await?;
    let prefix = state.config.admin_url_prefix.clone();
    let manage = staff.can(Cap::ManageKeys);
    let table = Table {
        title: "Submission API keys".into(),
        summary: Vec::new(),
        toolbar: Vec::new(),
        search: Some(q.search().to_string()),
        sidebar: Some(sidebar(
            &q,
            vec![FilterDef {
                key: "is_active",
                title: "Active",
                options: vec![
                    ("1".into(), "Active".into()),
                    ("0".into(), "Revoked".into()),
                ],
            }],
        )),
        headers: headers(
            &q,
            &[
                ("Label", None),
                ("Submission", None),
                ("Scope", None),
                ("Status", None),
                ("Created by", None),
                ("Created at", None),
                ("Last used", None),
                ("", None),
            ],
        ),
        rows: rows
            .into_iter()
            .map(|k| {
                vec![
                    Cell::text(k.label.clone()),
                    Cell::link(
                        named.get(&k.submission_id).cloned().unwrap_or_default(),
                        path(&prefix, &format!("submissions/{}/", k.submission_id)),
                    ),
                    Cell::text(if k.scope == "read" {
                        "read-only"
                    } else {
                        "read-write"
                    }),
                    if k.is_active {
                        Cell::pill("● Active", "ok")
                    } else {
                        Cell::pill("○ Revoked", "muted")
                    },
                    Cell::text(k.created_by.clone()),
                    Cell::text(fmt(&state, k.created_at)),
                    Cell::text(k.last_used_at.map(|t| fmt(&state, t)).unwrap_or_default()),
                    if manage && k.is_active {
                        Cell::button(Button {
                            action: path(&prefix, "keys/revoke/"),
                            label: "Revoke".into(),
                            fields: vec![("key_id".into(), k.id.to_string())],
                            style: "outline-danger",
                        })
                    } else {
                        Cell::default()
                    },
                ]
            })
            .collect(),
        pager,
        links: Vec::new(),
        keep: ["submission__id__exact", "is_active"]
            .iter()
            .filter_map(|k| q.get(k).map(|v| (k.to_string(), v.to_string())))
            .collect(),
    };
    crate::admin::table::render(&state, &pc, &staff, table)
}

pub async fn revoke_key(
    State(state): State<AppState>,
    staff: Staff,
    CsrfFields(f): CsrfFields,
) -> Result<Response, AppError> {
    staff.require(Cap::ManageKeys)?;
    let id = Uuid::parse_str(f.get("key_id"))
        .map_err(|_| AppError::BadRequest("Unknown key.".into()))?;
    let k = key::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::NotFound("No such key.".into()))?;
    let txn = crate::db::begin_write(&state.db).await?;
    crate::auth::api_keys::revoke_submission_key(&txn, id)
        .await
        .map_err(AppError::internal)?;
    let name = crate::submissions::repo::row(&txn, k.submission_id)
        .await?
        .map(|s| s.service_name)
        .unwrap_or_default();
    audit::record(
        &txn,
        audit::Entry {
            actor: &staff.actor(),
            action: "change",
            object_type: AUDIT_TYPE,
            object_id: &k.submission_id.to_string(),
            object_repr: &name,
            message: &format!("Revoked key '{}' via the key list.", k.label),
        },
        state.clock.now(),
    )
    .await?;
    txn.commit().await?;
    flash_and_redirect(
        &state,
        &staff,
        "warning",
        format!("Revoked key '{}'.", k.label),
        &path(&state.config.admin_url_prefix, "keys/"),
    )
    .await
}

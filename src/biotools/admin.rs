//! The bio.tools domain's admin section: the records screen (OK / error pill, last synced, the error
//! text, search by bio.tools id or name) with "sync selected", which queues `biotools.sync` per row.
//! Superusers may delete a stored record (with its functions); the daily sync fetches it again while
//! its submission still names the entry. Editing a record is not offered: it mirrors bio.tools, and
//! the next sync would overwrite any edit.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::{get, post};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::entity::biotools_record as rec;
use crate::admin::form::CsrfFields;
use crate::admin::list::{FilterDef, ListQuery, Pager, contains, headers, sidebar, terms};
use crate::admin::table::{Button, Cell, Table};
use crate::admin::{Cap, NavItem, Section, Staff, audit, flash_and_redirect, path};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::PageContext;

const PER_PAGE: u64 = 50;

pub fn section(prefix: &str) -> Section {
    Section {
        nav: vec![NavItem {
            group: "bio.tools Integration",
            label: "bio.tools records",
            href: "biotools/",
            cap: Cap::ViewBiotools,
        }],
        routes: Router::new()
            .route(&path(prefix, "biotools/"), get(list))
            .route(&path(prefix, "biotools/sync/"), post(sync))
            .route(&path(prefix, "biotools/delete/"), post(delete)),
        widgets: Vec::new(),
    }
}

async fn list(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    staff.require(Cap::ViewBiotools)?;
    let q = ListQuery::parse(raw.as_deref());
    let mut sel = rec::Entity::find();
    match q.get("sync") {
        Some("error") => sel = sel.filter(rec::Column::SyncError.ne("")),
        Some("ok") => sel = sel.filter(rec::Column::SyncError.eq("")),
        _ => {}
    }
    for t in terms(q.search()) {
        sel = sel.filter(
            Condition::any()
                .add(contains((rec::Entity, rec::Column::BiotoolsId), &t))
                .add(contains((rec::Entity, rec::Column::Name), &t)),
        );
    }
    let total = sel.clone().count(&state.db).await?;
    let pager = Pager::new(&q, total, PER_PAGE);
    let rows = sel
        .order_by_asc(rec::Column::BiotoolsId)
        .order_by_asc(rec::Column::Id)
        .offset(pager.offset(PER_PAGE))
        .limit(PER_PAGE)
        .all(&state.db)
        .await?;
    let tz = state.config.time_zone;
    let prefix = state.config.admin_url_prefix.clone();
    let may_sync = staff.can(Cap::SyncBiotools);
    let may_delete = staff.can(Cap::EditBiotools);
    let table = Table {
        title: "bio.tools records".into(),
        summary: Vec::new(),
        toolbar: Vec::new(),
        search: Some(q.search().to_string()),
        sidebar: Some(sidebar(
            &q,
            vec![FilterDef {
                key: "sync",
                title: "Sync",
                options: vec![("ok".into(), "OK".into()), ("error".into(), "Error".into())],
            }],
        )),
        headers: headers(
            &q,
            &[
                ("bio.tools id", None),
                ("Name", None),
                ("Submission", None),
                ("Last synced", None),
                ("Sync", None),
                ("Error", None),
                ("", None),
                ("", None),
            ],
        ),
        rows: rows
            .into_iter()
            .map(|r| {
                let ok = r.sync_error.is_empty() && r.last_synced_at.is_some();
                vec![
                    Cell::mono(r.biotools_id.clone()),
                    Cell::text(r.name.clone()),
                    Cell::link(
                        "Open",
                        path(&prefix, &format!("submissions/{}/", r.submission_id)),
                    ),
                    Cell::text(
                        r.last_synced_at
                            .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
                            .unwrap_or_default(),
                    ),
                    if ok {
                        Cell::pill("✓ OK", "ok")
                    } else {
                        Cell::pill("✗ Error", "error")
                    },
                    Cell::text(r.sync_error.clone()),
                    if may_sync {
                        Cell::button(Button {
                            action: path(&prefix, "biotools/sync/"),
                            label: "Sync now".into(),
                            fields: vec![("_selected".into(), r.submission_id.to_string())],
                            style: "outline-primary",
                        })
                    } else {
                        Cell::text("")
                    },
                    if may_delete {
                        Cell::button(Button {
                            action: path(&prefix, "biotools/delete/"),
                            label: "Delete".into(),
                            fields: vec![("id".into(), r.id.to_string())],
                            style: "outline-danger",
                        })
                    } else {
                        Cell::text("")
                    },
                ]
            })
            .collect(),
        pager,
        links: Vec::new(),
        keep: q
            .get("sync")
            .map(|v| vec![("sync".to_string(), v.to_string())])
            .unwrap_or_default(),
    };
    crate::admin::table::render(&state, &pc, &staff, table)
}

async fn sync(
    State(state): State<AppState>,
    staff: Staff,
    CsrfFields(f): CsrfFields,
) -> Result<Response, AppError> {
    // Not the original's "whoever sees the records" (spec quirk 5): a Viewer POSTs nothing.
    staff.require(Cap::SyncBiotools)?;
    let mut ids = Vec::new();
    for v in f.all("_selected") {
        ids.push(
            uuid::Uuid::parse_str(v)
                .map_err(|_| AppError::BadRequest(format!("'{v}' is not a submission id.")))?,
        );
    }
    let known: Vec<uuid::Uuid> = rec::Entity::find()
        .select_only()
        .column(rec::Column::SubmissionId)
        .filter(rec::Column::SubmissionId.is_in(ids))
        .into_tuple::<uuid::Uuid>()
        .all(&state.db)
        .await?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    for id in &known {
        super::jobs::enqueue_sync(&txn, *id, now).await?;
    }
    txn.commit().await?;
    flash_and_redirect(
        &state,
        &staff,
        "success",
        format!("Queued sync for {} record(s).", known.len()),
        &path(&state.config.admin_url_prefix, "biotools/"),
    )
    .await
}

/// Deletes one stored record and its functions; the audit row commits with the deletion.
async fn delete(
    State(state): State<AppState>,
    staff: Staff,
    CsrfFields(f): CsrfFields,
) -> Result<Response, AppError> {
    use sea_orm::ModelTrait;
    staff.require(Cap::EditBiotools)?;
    let not_found = || AppError::NotFound("No bio.tools record matches the given query.".into());
    let id: i64 = f.get("id").parse().map_err(|_| not_found())?;
    let txn = crate::db::begin_write(&state.db).await?;
    let r = rec::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    let (biotools_id, submission) = (r.biotools_id.clone(), r.submission_id);
    r.delete(&txn).await?;
    audit::record(
        &txn,
        audit::Entry {
            actor: &staff.actor(),
            action: "delete",
            object_type: "biotools_record",
            object_id: &id.to_string(),
            object_repr: &biotools_id,
            message: &format!(
                "Deleted the stored bio.tools record of submission {submission}; the next sync \
                 fetches it again while the submission names the entry."
            ),
        },
        state.clock.now(),
    )
    .await?;
    txn.commit().await?;
    flash_and_redirect(
        &state,
        &staff,
        "success",
        format!("The stored record of “{biotools_id}” was deleted."),
        &path(&state.config.admin_url_prefix, "biotools/"),
    )
    .await
}

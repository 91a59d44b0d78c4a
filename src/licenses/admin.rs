//! The licences domain's admin section: the SPDX licence list (search by id or name; OSI, FSF and
//! deprecated filters; list version) and "Sync now", a POST that queues `licenses.sync`; a licence's
//! "deprecated" flag set or cleared per row (deprecated licences are not offered to new
//! registrations; the next sync sets the flag from the SPDX list again). Superusers only, as in the
//! original (no role holds the SPDX permissions).

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::{get, post};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::entity::spdx_license as lic;
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
            group: "Reference Data",
            label: "SPDX licences",
            href: "licenses/",
            cap: Cap::ViewSpdx,
        }],
        routes: Router::new()
            .route(&path(prefix, "licenses/"), get(list))
            .route(&path(prefix, "licenses/sync/"), post(sync))
            .route(&path(prefix, "licenses/deprecated/"), post(set_deprecated)),
        widgets: Vec::new(),
    }
}

fn yes_no(b: bool) -> Cell {
    Cell::text(if b { "Yes" } else { "No" })
}

async fn list(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    staff.require(Cap::ViewSpdx)?;
    let q = ListQuery::parse(raw.as_deref());
    let mut sel = lic::Entity::find();
    for (key, col) in [
        ("is_osi_approved", lic::Column::IsOsiApproved),
        ("is_fsf_libre", lic::Column::IsFsfLibre),
        ("is_deprecated", lic::Column::IsDeprecated),
    ] {
        match q.get(key) {
            Some("1") => sel = sel.filter(col.eq(true)),
            Some("0") => sel = sel.filter(col.eq(false)),
            _ => {}
        }
    }
    for t in terms(q.search()) {
        sel = sel.filter(
            Condition::any()
                .add(contains((lic::Entity, lic::Column::LicenseId), &t))
                .add(contains((lic::Entity, lic::Column::Name), &t)),
        );
    }
    let total = sel.clone().count(&state.db).await?;
    let pager = Pager::new(&q, total, PER_PAGE);
    let rows = sel
        .order_by_asc(lic::Column::Name)
        .order_by_asc(lic::Column::Id)
        .offset(pager.offset(PER_PAGE))
        .limit(PER_PAGE)
        .all(&state.db)
        .await?;
    let version: Option<String> = lic::Entity::find()
        .select_only()
        .column(lic::Column::SpdxVersion)
        .order_by_desc(lic::Column::SpdxVersion)
        .into_tuple::<String>()
        .one(&state.db)
        .await?;
    let may_edit = staff.can(Cap::EditSpdx);
    let prefix = state.config.admin_url_prefix.clone();
    let yn = || {
        vec![
            ("1".to_string(), "Yes".to_string()),
            ("0".to_string(), "No".to_string()),
        ]
    };
    let table = Table {
        title: "SPDX licences".into(),
        summary: vec![
            (
                "Licences".into(),
                lic::Entity::find().count(&state.db).await?.to_string(),
            ),
            ("List version".into(), version.unwrap_or_else(|| "—".into())),
            (
                "Last sync".into(),
                crate::admin::last_run(&state, super::jobs::KIND)
                    .await?
                    .unwrap_or_else(|| "never from the portal".into()),
            ),
        ],
        toolbar: vec![Button {
            action: path(&state.config.admin_url_prefix, "licenses/sync/"),
            label: "↻ Sync SPDX licenses from upstream".into(),
            fields: Vec::new(),
            style: "outline-primary",
        }],
        search: Some(q.search().to_string()),
        sidebar: Some(sidebar(
            &q,
            vec![
                FilterDef {
                    key: "is_osi_approved",
                    title: "OSI approved",
                    options: yn(),
                },
                FilterDef {
                    key: "is_fsf_libre",
                    title: "FSF libre",
                    options: yn(),
                },
                FilterDef {
                    key: "is_deprecated",
                    title: "Deprecated",
                    options: yn(),
                },
            ],
        )),
        headers: headers(
            &q,
            &[
                ("Licence id", None),
                ("Name", None),
                ("OSI", None),
                ("FSF", None),
                ("Deprecated", None),
                ("Version", None),
                ("Action", None),
            ],
        ),
        rows: rows
            .into_iter()
            .map(|l| {
                vec![
                    Cell::mono(l.license_id),
                    Cell::text(l.name),
                    yes_no(l.is_osi_approved),
                    yes_no(l.is_fsf_libre),
                    yes_no(l.is_deprecated),
                    Cell::text(l.spdx_version),
                    if may_edit {
                        Cell::button(Button {
                            action: path(&prefix, "licenses/deprecated/"),
                            label: if l.is_deprecated {
                                "Undeprecate"
                            } else {
                                "Deprecate"
                            }
                            .into(),
                            fields: vec![
                                ("id".into(), l.id.to_string()),
                                ("deprecated".into(), (!l.is_deprecated).to_string()),
                            ],
                            style: "outline-primary",
                        })
                    } else {
                        Cell::text("")
                    },
                ]
            })
            .collect(),
        pager,
        links: Vec::new(),
        keep: ["is_osi_approved", "is_fsf_libre", "is_deprecated"]
            .iter()
            .filter_map(|k| q.get(k).map(|v| (k.to_string(), v.to_string())))
            .collect(),
    };
    crate::admin::table::render(&state, &pc, &staff, table)
}

async fn sync(
    State(state): State<AppState>,
    staff: Staff,
    CsrfFields(_): CsrfFields,
) -> Result<Response, AppError> {
    staff.require(Cap::SyncSpdx)?;
    crate::jobs::enqueue(
        &state.db,
        super::jobs::KIND,
        serde_json::json!({}),
        state.clock.now(),
    )
    .await?;
    flash_and_redirect(
        &state,
        &staff,
        "success",
        "SPDX license sync task queued. The worker will download and import the latest license list \
         in the background; this page shows when it finished.",
        &path(&state.config.admin_url_prefix, "licenses/"),
    )
    .await
}

/// Sets or clears one licence's "deprecated" flag; the change and its audit row commit together.
async fn set_deprecated(
    State(state): State<AppState>,
    staff: Staff,
    CsrfFields(f): CsrfFields,
) -> Result<Response, AppError> {
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    staff.require(Cap::EditSpdx)?;
    let deprecated = match f.get("deprecated") {
        "true" => true,
        "false" => false,
        other => {
            return Err(AppError::BadRequest(format!(
                "'{other}' is not true or false."
            )));
        }
    };
    let not_found = || AppError::NotFound("No SPDX licence matches the given query.".into());
    let id: i64 = f.get("id").parse().map_err(|_| not_found())?;
    let txn = crate::db::begin_write(&state.db).await?;
    let l = lic::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    let name = l.license_id.clone();
    if l.is_deprecated != deprecated {
        let mut am = l.into_active_model();
        am.is_deprecated = Set(deprecated);
        am.update(&txn).await?;
        audit::record(
            &txn,
            audit::Entry {
                actor: &staff.actor(),
                action: "change",
                object_type: "spdx_license",
                object_id: &name,
                object_repr: &name,
                message: if deprecated {
                    "Marked deprecated."
                } else {
                    "Deprecation cleared."
                },
            },
            state.clock.now(),
        )
        .await?;
        txn.commit().await?;
    }
    flash_and_redirect(
        &state,
        &staff,
        "success",
        if deprecated {
            format!("{name} is marked deprecated: new registrations cannot choose it.")
        } else {
            format!("{name} is no longer marked deprecated.")
        },
        &path(&state.config.admin_url_prefix, "licenses/"),
    )
    .await
}

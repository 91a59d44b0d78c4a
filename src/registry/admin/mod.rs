//! The reference-data section of the admin portal: service categories, service centres and principal
//! investigators — list with their submission counts, add, edit (through the same save rules as the
//! API, ORCID check digit included), activate/deactivate, and a delete that is refused while any
//! submission (of any status) uses the record: deactivate it instead.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use sea_orm::{EntityTrait, ModelTrait};

mod data;
use data::{Kind, messages, rows, save, usage};

use super::entity::{
    principal_investigator as pi, service_category as cat, service_center as center,
};
use crate::admin::form::{CsrfFields, Fields};
use crate::admin::list::{ListQuery, Pager, headers};
use crate::admin::table::{Button, Cell, Table};
use crate::admin::{Cap, NavItem, Section, Staff, audit, flash_and_redirect, path, render};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::PageContext;

const PER_PAGE: u64 = 100;

/// What a form page shows besides its fields' names: the record and the values and errors.
struct FormState<'a> {
    kind: Kind,
    id: Option<&'a str>,
    values: &'a [(&'static str, String)],
    errors: Vec<String>,
}

pub fn section(prefix: &str) -> Section {
    let nav = [Kind::Category, Kind::Center, Kind::Pi]
        .into_iter()
        .map(|k| NavItem {
            group: "Reference Data",
            label: k.title(),
            href: k.slug_path(),
            cap: Cap::ViewReference,
        })
        .collect();
    Section {
        nav,
        routes: Router::new()
            .route(&path(prefix, "reference/{kind}/"), get(list))
            .route(
                &path(prefix, "reference/{kind}/new/"),
                get(new_page).post(create),
            )
            .route(
                &path(prefix, "reference/{kind}/{id}/"),
                get(edit_page).post(update),
            )
            .route(&path(prefix, "reference/{kind}/{id}/delete/"), post(delete)),
        widgets: Vec::new(),
    }
}

async fn list(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    Path(kind): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    staff.require(Cap::ViewReference)?;
    let kind = Kind::parse(&kind)?;
    let q = ListQuery::parse(raw.as_deref());
    let all = rows(&state, kind).await?;
    let pager = Pager::new(&q, all.len() as u64, PER_PAGE);
    let prefix = state.config.admin_url_prefix.clone();
    let edit = staff.can(Cap::EditReference);
    let mut out = Vec::new();
    for r in all
        .into_iter()
        .skip(pager.offset(PER_PAGE) as usize)
        .take(PER_PAGE as usize)
    {
        let n = usage(&state, kind, &r.id).await?;
        let base = path(&prefix, &format!("reference/{}/{}/", kind.slug(), r.id));
        out.push(vec![
            if edit {
                Cell::link(r.name.clone(), base.clone())
            } else {
                Cell::text(r.name.clone())
            },
            if r.active {
                Cell::pill("Active", "ok")
            } else {
                Cell::pill("Inactive", "muted")
            },
            if n == 0 {
                Cell::text("—")
            } else {
                Cell::link(
                    format!("{n}\u{a0}submission(s)"),
                    format!(
                        "{}?{}={}",
                        path(&prefix, "submissions/"),
                        kind.filter(),
                        r.id
                    ),
                )
            },
            if edit && n == 0 {
                Cell::button(Button {
                    action: format!("{base}delete/"),
                    label: "Delete".into(),
                    fields: Vec::new(),
                    style: "outline-danger",
                })
            } else {
                Cell::default()
            },
        ]);
    }
    let table = Table {
        title: kind.title().into(),
        summary: Vec::new(),
        toolbar: Vec::new(),
        links: if edit {
            vec![(
                "Add".into(),
                format!("{}new/", path(&prefix, kind.slug_path())),
            )]
        } else {
            Vec::new()
        },
        search: None,
        sidebar: None,
        headers: headers(
            &q,
            &[
                ("Name", None),
                ("Status", None),
                ("Submissions", None),
                ("", None),
            ],
        ),
        rows: out,
        pager,
        keep: Vec::new(),
    };
    crate::admin::table::render(&state, &pc, &staff, table)
}

fn form_page(
    state: &AppState,
    pc: &PageContext,
    staff: &Staff,
    form: FormState<'_>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let FormState {
        kind,
        id,
        values,
        errors,
    } = form;
    let fields: Vec<minijinja::Value> = kind
        .fields()
        .iter()
        .map(|(name, label, checkbox)| {
            let value = values.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
            minijinja::context! { name => name, label => label, checkbox => checkbox, value => value }
        })
        .collect();
    let ctx = minijinja::context! {
        title => kind.title(), kind => kind.slug(), id => id, fields => fields, errors => errors,
    };
    render(
        state,
        pc,
        Some(staff),
        "admin/reference_form.html",
        ctx,
        status,
    )
}

async fn new_page(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    Path(kind): Path<String>,
) -> Result<Response, AppError> {
    staff.require(Cap::EditReference)?;
    let kind = Kind::parse(&kind)?;
    form_page(
        &state,
        &pc,
        &staff,
        FormState {
            kind,
            id: None,
            values: &[("is_active", "on".into())],
            errors: Vec::new(),
        },
        StatusCode::OK,
    )
}

async fn edit_page(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    Path((kind, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    staff.require(Cap::EditReference)?;
    let kind = Kind::parse(&kind)?;
    let row = rows(&state, kind)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| AppError::NotFound("No such record.".into()))?;
    form_page(
        &state,
        &pc,
        &staff,
        FormState {
            kind,
            id: Some(&id),
            values: &row.values,
            errors: Vec::new(),
        },
        StatusCode::OK,
    )
}

async fn store(
    state: AppState,
    pc: PageContext,
    staff: Staff,
    kind: Kind,
    id: Option<String>,
    f: Fields,
) -> Result<Response, AppError> {
    staff.require(Cap::EditReference)?;
    // The record and its audit row commit together; a refused form rolls both back.
    let txn = crate::db::begin_write(&state.db).await?;
    match save(&txn, kind, id.as_deref(), &f).await {
        Ok((rid, name)) => {
            audit::record(
                &txn,
                audit::Entry {
                    actor: &staff.actor(),
                    action: if id.is_some() { "change" } else { "add" },
                    object_type: kind.slug(),
                    object_id: &rid,
                    object_repr: &name,
                    message: if id.is_some() { "Changed." } else { "Added." },
                },
                state.clock.now(),
            )
            .await?;
            txn.commit().await?;
            flash_and_redirect(
                &state,
                &staff,
                "success",
                format!("“{name}” was saved."),
                &path(&state.config.admin_url_prefix, kind.slug_path()),
            )
            .await
        }
        Err(AppError::Validation(e)) => {
            drop(txn); // nothing was written; the writer's turn is not held while the form renders
            let values: Vec<(&'static str, String)> = kind
                .fields()
                .iter()
                .map(|(n, _, _)| (*n, f.get(n).to_string()))
                .collect();
            form_page(
                &state,
                &pc,
                &staff,
                FormState {
                    kind,
                    id: id.as_deref(),
                    values: &values,
                    errors: messages(&e),
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => Err(e),
    }
}

async fn create(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    Path(kind): Path<String>,
    CsrfFields(f): CsrfFields,
) -> Result<Response, AppError> {
    let kind = Kind::parse(&kind)?;
    store(state, pc, staff, kind, None, f).await
}

async fn update(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    Path((kind, id)): Path<(String, String)>,
    CsrfFields(f): CsrfFields,
) -> Result<Response, AppError> {
    let kind = Kind::parse(&kind)?;
    store(state, pc, staff, kind, Some(id), f).await
}

async fn delete(
    State(state): State<AppState>,
    staff: Staff,
    Path((kind, id)): Path<(String, String)>,
    CsrfFields(_): CsrfFields,
) -> Result<Response, AppError> {
    staff.require(Cap::EditReference)?;
    let kind = Kind::parse(&kind)?;
    let back = path(&state.config.admin_url_prefix, kind.slug_path());
    let row = rows(&state, kind)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| AppError::NotFound("No such record.".into()))?;
    let n = usage(&state, kind, &id).await?;
    if n > 0 {
        return flash_and_redirect(
            &state,
            &staff,
            "danger",
            format!(
                "Cannot delete “{}” — it is referenced by {n}\u{a0}submission(s) (across all statuses). \
                 Set “is_active” to “False” to hide it from the submission form without breaking existing data.",
                row.name
            ),
            &back,
        )
        .await;
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let deleted = match kind {
        Kind::Category => match cat::Entity::find_by_id(id.parse::<i64>().unwrap_or_default())
            .one(&txn)
            .await?
        {
            Some(m) => m.delete(&txn).await?.rows_affected,
            None => 0,
        },
        Kind::Center => {
            match center::Entity::find_by_id(uuid::Uuid::parse_str(&id).unwrap_or_default())
                .one(&txn)
                .await?
            {
                Some(m) => m.delete(&txn).await?.rows_affected,
                None => 0,
            }
        }
        Kind::Pi => match pi::Entity::find_by_id(uuid::Uuid::parse_str(&id).unwrap_or_default())
            .one(&txn)
            .await?
        {
            Some(m) => m.delete(&txn).await?.rows_affected,
            None => 0,
        },
    };
    audit::record(
        &txn,
        audit::Entry {
            actor: &staff.actor(),
            action: "delete",
            object_type: kind.slug(),
            object_id: &id,
            object_repr: &row.name,
            message: "Deleted (not used by any submission).",
        },
        state.clock.now(),
    )
    .await?;
    txn.commit().await?;
    flash_and_redirect(
        &state,
        &staff,
        "success",
        format!("Successfully deleted {deleted}\u{a0}record(s)."),
        &back,
    )
    .await
}

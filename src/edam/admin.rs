//! The EDAM domain's admin section: the terms screen (search by label, accession or synonym; branch
//! and obsolete filters; counts per branch and the release in use) and "Sync EDAM from upstream", a
//! POST that queues the `edam.sync` job; the screen shows how the last sync ended. Superusers edit a
//! term (`admin_edit`).

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::{get, post};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::entity::edam_term as term;
use crate::admin::form::CsrfFields;
use crate::admin::list::{
    FilterDef, ListQuery, Pager, contains, headers, json_contains, sidebar, terms,
};
use crate::admin::table::{Button, Cell, Table};
use crate::admin::{Cap, NavItem, Section, Staff, flash_and_redirect, path};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::PageContext;

const PER_PAGE: u64 = 50;
const BRANCHES: [&str; 5] = ["topic", "operation", "data", "format", "identifier"];

pub fn section(prefix: &str) -> Section {
    Section {
        nav: vec![NavItem {
            group: "Reference Data",
            label: "EDAM terms",
            href: "edam/",
            cap: Cap::ViewEdam,
        }],
        routes: Router::new()
            .route(&path(prefix, "edam/"), get(list))
            .route(&path(prefix, "edam/sync/"), post(sync))
            .route(
                &path(prefix, "edam/{id}/"),
                get(super::admin_edit::page).post(super::admin_edit::save),
            ),
        widgets: Vec::new(),
    }
}

async fn list(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    staff.require(Cap::ViewEdam)?;
    let q = ListQuery::parse(raw.as_deref());
    let mut sel = term::Entity::find();
    if let Some(b) = q.get("branch") {
        sel = sel.filter(term::Column::Branch.eq(b));
    }
    match q.get("is_obsolete") {
        Some("1") => sel = sel.filter(term::Column::IsObsolete.eq(true)),
        Some("0") => sel = sel.filter(term::Column::IsObsolete.eq(false)),
        _ => {}
    }
    for t in terms(q.search()) {
        sel = sel.filter(
            Condition::any()
                .add(contains((term::Entity, term::Column::Label), &t))
                .add(contains((term::Entity, term::Column::Accession), &t))
                .add(contains((term::Entity, term::Column::Definition), &t))
                .add(json_contains((term::Entity, term::Column::Synonyms), &t)),
        );
    }
    let total = sel.clone().count(&state.db).await?;
    let pager = Pager::new(&q, total, PER_PAGE);
    let rows = sel
        .order_by_asc(term::Column::Branch)
        .order_by_asc(term::Column::SortOrder)
        .order_by_asc(term::Column::Id)
        .offset(pager.offset(PER_PAGE))
        .limit(PER_PAGE)
        .all(&state.db)
        .await?;
    let mut summary = vec![(
        "Terms".to_string(),
        term::Entity::find().count(&state.db).await?.to_string(),
    )];
    for b in BRANCHES {
        let n = term::Entity::find()
            .filter(term::Column::Branch.eq(b))
            .count(&state.db)
            .await?;
        summary.push((b.to_string(), n.to_string()));
    }
    let version: Option<String> = term::Entity::find()
        .select_only()
        .column(term::Column::EdamVersion)
        .order_by_desc(term::Column::EdamVersion)
        .into_tuple::<String>()
        .one(&state.db)
        .await?;
    summary.push(("Release".into(), version.unwrap_or_else(|| "—".into())));
    summary.push((
        "Last sync".into(),
        crate::admin::last_run(&state, super::jobs::KIND)
            .await?
            .unwrap_or_else(|| "never from the portal".into()),
    ));
    let prefix = &state.config.admin_url_prefix;
    let may_edit = staff.can(Cap::EditEdam);
    let mut toolbar = Vec::new();
    if staff.can(Cap::SyncEdam) {
        toolbar.push(Button {
            action: path(prefix, "edam/sync/"),
            label: "↻ Sync EDAM from upstream".into(),
            fields: Vec::new(),
            style: "outline-primary",
        });
    }
    let table = Table {
        title: "EDAM terms".into(),
        summary,
        toolbar,
        search: Some(q.search().to_string()),
        sidebar: Some(sidebar(
            &q,
            vec![
                FilterDef {
                    key: "branch",
                    title: "Branch",
                    options: BRANCHES
                        .iter()
                        .map(|b| (b.to_string(), b.to_string()))
                        .collect(),
                },
                FilterDef {
                    key: "is_obsolete",
                    title: "Obsolete",
                    options: vec![("1".into(), "Yes".into()), ("0".into(), "No".into())],
                },
            ],
        )),
        headers: headers(
            &q,
            &[
                ("Accession", None),
                ("Label", None),
                ("Branch", None),
                ("Obsolete", None),
                ("Release", None),
            ],
        ),
        rows: rows
            .into_iter()
            .map(|t| {
                vec![
                    Cell::mono(t.accession),
                    if may_edit {
                        Cell::link(t.label, path(prefix, &format!("edam/{}/", t.id)))
                    } else {
                        Cell::text(t.label)
                    },
                    Cell::text(t.branch),
                    Cell::text(if t.is_obsolete { "Yes" } else { "No" }),
                    Cell::text(t.edam_version),
                ]
            })
            .collect(),
        pager,
        links: Vec::new(),
        keep: ["branch", "is_obsolete"]
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
    staff.require(Cap::SyncEdam)?;
    let now = state.clock.now();
    crate::jobs::enqueue(&state.db, super::jobs::KIND, serde_json::json!({}), now).await?;
    flash_and_redirect(
        &state,
        &staff,
        "success",
        "EDAM sync task queued. The worker will download and import the latest ontology in the \
         background; this page shows when it finished.",
        &path(&state.config.admin_url_prefix, "edam/"),
    )
    .await
}

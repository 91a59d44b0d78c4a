//! The shell's background-jobs screen (queued, running, failed, done; failed ones can be retried) and
//! the status line of a kind's last run that the sync screens show.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::{get, post};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use super::form::CsrfFields;
use super::list::{FilterDef, ListQuery, Pager, headers, sidebar};
use super::table::{Button, Cell, Table};
use super::{Cap, Staff, flash_and_redirect, path};
use crate::error::AppError;
use crate::jobs::entity::job;
use crate::state::AppState;
use crate::web::PageContext;

const PER_PAGE: u64 = 50;

pub fn routes(prefix: &str) -> Router<AppState> {
    Router::new()
        .route(&path(prefix, "jobs/"), get(list))
        .route(&path(prefix, "jobs/retry/"), post(retry))
}

/// "queued 2026-… / done 2026-… / failed: <error>" for the newest job of `kind`, if any.
pub async fn last_run(state: &AppState, kind: &str) -> Result<Option<String>, AppError> {
    let tz = state.config.time_zone;
    let at = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
    };
    let last = job::Entity::find()
        .filter(job::Column::Kind.eq(kind))
        .order_by_desc(job::Column::CreatedAt)
        .one(&state.db)
        .await?;
    Ok(last.map(|j| match j.state.as_str() {
        "done" => format!("finished {}", j.finished_at.map(at).unwrap_or_default()),
        "failed" => format!(
            "failed {}: {}",
            j.finished_at.map(at).unwrap_or_default(),
            j.last_error.unwrap_or_default()
        ),
        other => format!("{other} since {}", at(j.created_at)),
    }))
}

async fn list(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    staff.require(Cap::ViewJobs)?;
    let q = ListQuery::parse(raw.as_deref());
    let mut sel = job::Entity::find();
    if let Some(s) = q.get("state") {
        sel = sel.filter(job::Column::State.eq(s));
    }
    if let Some(k) = q.get("kind") {
        sel = sel.filter(job::Column::Kind.eq(k));
    }
    let total = sel.clone().count(&state.db).await?;
    let pager = Pager::new(&q, total, PER_PAGE);
    let rows = sel
        .order_by_desc(job::Column::CreatedAt)
        .offset(pager.offset(PER_PAGE))
        .limit(PER_PAGE)
        .all(&state.db)
        .await?;
    let kinds: Vec<String> = job::Entity::find()
        .select_only()
        .column(job::Column::Kind)
        .distinct()
        .into_tuple::<String>()
        .all(&state.db)
        .await?;
    let tz = state.config.time_zone;
    let at = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string()
    };
    let prefix = state.config.admin_url_prefix.clone();
    let can_retry = staff.can(Cap::ManageUsers);
    let table = Table {
        title: "Background jobs".into(),
        summary: Vec::new(),
        toolbar: Vec::new(),
        search: None,
        sidebar: Some(sidebar(
            &q,
            vec![
                FilterDef {
                    key: "state",
                    title: "State",
                    options: crate::jobs::state::ALL
                        .iter()
                        .map(|s| (s.to_string(), s.to_string()))
                        .collect(),
                },
                FilterDef {
                    key: "kind",
                    title: "Kind",
                    options: kinds.into_iter().map(|k| (k.clone(), k)).collect(),
                },
            ],
        )),
        headers: headers(
            &q,
            &[
                ("Kind", None),
                ("State", None),
                ("Attempts", None),
                ("Created", None),
                ("Finished", None),
                ("Last error", None),
                ("", None),
            ],
        ),
        rows: rows
            .into_iter()
            .map(|j| {
                vec![
                    Cell::mono(j.kind.clone()),
                    Cell::pill(j.state.clone(), j.state.clone()),
                    Cell::text(format!("{} / {}", j.attempts, j.max_attempts)),
                    Cell::text(at(j.created_at)),
                    Cell::text(j.finished_at.map(at).unwrap_or_default()),
                    Cell::text(j.last_error.clone().unwrap_or_default()),
                    if j.state == crate::jobs::state::FAILED && can_retry {
                        Cell::button(Button {
                            action: path(&prefix, "jobs/retry/"),
                            label: "Retry".into(),
                            fields: vec![("id".into(), j.id.to_string())],
                            style: "outline-primary",
                        })
                    } else {
                        Cell::default()
                    },
                ]
            })
            .collect(),
        pager,
        links: Vec::new(),
        keep: Vec::new(),
    };
    super::table::render(&state, &pc, &staff, table)
}

async fn retry(
    State(state): State<AppState>,
    staff: Staff,
    CsrfFields(f): CsrfFields,
) -> Result<Response, AppError> {
    // Viewers may look at the queue, but only a superuser re-runs work.
    staff.require(Cap::ManageUsers)?;
    let back = path(&state.config.admin_url_prefix, "jobs/?state=failed");
    let id = uuid::Uuid::parse_str(f.get("id"))
        .map_err(|_| AppError::BadRequest("Unknown job.".into()))?;
    match crate::jobs::queue::retry(&state.db, id, state.clock.now()).await {
        Ok(()) => {
            flash_and_redirect(
                &state,
                &staff,
                "success",
                "The job was queued again.",
                &back,
            )
            .await
        }
        Err(crate::jobs::queue::RetryError::Db(e)) => Err(e.into()),
        Err(e) => flash_and_redirect(&state, &staff, "warning", e.to_string(), &back).await,
    }
}

//! `submissions/`: the review list (sidebar filters with removable chips, search, sortable columns,
//! pagination; HTMX swaps of `#content-main` that push the URL) and its bulk actions.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

use super::query::{self, FILTER_KEYS};
use super::{AUDIT_TYPE, PER_PAGE};
use crate::admin::form::CsrfFields;
use crate::admin::list::{FilterDef, ListQuery, Pager, headers, sidebar};
use crate::admin::{Cap, Staff, audit, flash_and_redirect, path, render};
use crate::auth::submission_api_key as key;
use crate::error::AppError;
use crate::registry::entity::{principal_investigator as pi, service_category, service_center};
use crate::state::AppState;
use crate::submissions::diff::secondary_tags;
use crate::submissions::entity::service_submission as sub;
use crate::submissions::model::{Status, status_label, tag_label};
use crate::submissions::repo::{self, SubmissionRecord};
use crate::submissions::service::Ctx;
use crate::web::PageContext;

#[derive(Serialize)]
struct Row {
    id: Uuid,
    service_name: String,
    submitter: String,
    status: String,
    status_label: String,
    maturity: Option<(String, String)>,
    center: String,
    center_short: String,
    licenses: String,
    license_note: String,
    elixir: bool,
    submitted_at: String,
    keys_active: u64,
    keys_total: u64,
}

fn license_text(r: &SubmissionRecord) -> String {
    let ids: Vec<&str> = r.licenses.iter().map(|l| l.license_id.as_str()).collect();
    let mut s = ids.iter().take(3).copied().collect::<Vec<_>>().join(", ");
    if ids.len() > 3 {
        s.push_str(&format!(", +{}", ids.len() - 3));
    }
    s
}

fn note_text(note: &str) -> String {
    if note.chars().count() > 40 {
        format!("{}…", note.chars().take(37).collect::<String>())
    } else {
        note.to_string()
    }
}

/// Display of a centre: `<short> — <full>`.
pub fn center_label(c: &service_center::Model) -> String {
    format!("{} — {}", c.short_name, c.full_name)
}

async fn key_counts(
    state: &AppState,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, (u64, u64)>, sea_orm::DbErr> {
    let mut out: HashMap<Uuid, (u64, u64)> = HashMap::new();
    for k in key::Entity::find()
        .filter(key::Column::SubmissionId.is_in(ids.to_vec()))
        .all(&state.db)
        .await?
    {
        let e = out.entry(k.submission_id).or_default();
        e.1 += 1;
        if k.is_active {
            e.0 += 1;
        }
    }
    Ok(out)
}

/// The filter sidebar's choices: statuses, tags, yes/no, and every centre, category and PI.
async fn filters(state: &AppState) -> Result<Vec<FilterDef>, sea_orm::DbErr> {
    let centers = service_center::Entity::find()
        .order_by_asc(service_center::Column::FullName)
        .all(&state.db)
        .await?;
    let categories = service_category::Entity::find()
        .order_by_asc(service_category::Column::Name)
        .all(&state.db)
        .await?;
    let pis = pi::Entity::find()
        .order_by_asc(pi::Column::LastName)
        .order_by_asc(pi::Column::FirstName)
        .all(&state.db)
        .await?;
    Ok(vec![
        FilterDef {
            key: query::STATUS,
            title: "Status",
            options: Status::ALL
                .iter()
                .map(|s| (s.code().to_string(), s.label().to_string()))
                .collect(),
        },
        FilterDef {
            key: query::PRIMARY,
            title: "Primary maturity tag",
            options: crate::submissions::lifecycle::PRIMARY_TAGS
                .iter()
                .map(|t| (t.to_string(), tag_label(t)))
                .collect(),
        },
        FilterDef {
            key: query::ELIXIR,
            title: "Register as ELIXIR",
            options: vec![("1".into(), "Yes".into()), ("0".into(), "No".into())],
        },
        FilterDef {
            key: query::CENTER,
            title: "Service center",
            options: centers
                .iter()
                .map(|c| (c.id.to_string(), center_label(c)))
                .collect(),
        },
        FilterDef {
            key: query::CATEGORY,
            title: "Service categories",
            options: categories
                .iter()
                .map(|c| (c.id.to_string(), c.name.clone()))
                .collect(),
        },
        FilterDef {
            key: query::PI,
            title: "Responsible PIs",
            options: pis
                .iter()
                .map(|p| (p.id.to_string(), crate::submissions::diff::pi_display(p)))
                .collect(),
        },
        FilterDef {
            key: query::SUBMITTED,
            title: "Submitted",
            options: query::SUBMITTED_RANGES
                .iter()
                .map(|(k, l)| (k.to_string(), l.to_string()))
                .collect(),
        },
    ])
}

pub async fn list(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    staff.require(Cap::ViewSubmissions)?;
    let q = ListQuery::parse(raw.as_deref());
    let now = state.clock.now();
    let tz = state.config.time_zone;
    let total = query::select(&q, now, tz).count(&state.db).await?;
    let pager = Pager::new(&q, total, PER_PAGE);
    let rows = query::select(&q, now, tz)
        .offset(pager.offset(PER_PAGE))
        .limit(PER_PAGE)
        .all(&state.db)
        .await?;
    let records = repo::with_links(&state.db, rows).await?;
    let ids: Vec<Uuid> = records.iter().map(|r| r.row.id).collect();
    let counts = key_counts(&state, &ids).await?;
    let rows: Vec<Row> = records
        .iter()
        .map(|r| {
            let s = &r.row;
            let (keys_active, keys_total) = counts.get(&s.id).copied().unwrap_or_default();
            Row {
                id: s.id,
                service_name: s.service_name.clone(),
                submitter: format!(
                    "{}, {} — {}",
                    s.submitter_last_name, s.submitter_first_name, s.submitter_affiliation
                ),
                status: s.status.clone(),
                status_label: status_label(&s.status),
                maturity: s.primary_maturity_tag.as_deref().map(|p| {
                    let sec: Vec<String> = secondary_tags(s).iter().map(|t| tag_label(t)).collect();
                    (tag_label(p), sec.join(", "))
                }),
                center: r.center.as_ref().map(center_label).unwrap_or_default(),
                center_short: r
                    .center
                    .as_ref()
                    .map(|c| c.short_name.clone())
                    .unwrap_or_default(),
                licenses: license_text(r),
                license_note: note_text(&s.license_note),
                elixir: s.register_as_elixir,
                submitted_at: s
                    .submitted_at
                    .with_timezone(&tz)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                keys_active,
                keys_total,
            }
        })
        .collect();
    let cols = [
        ("Service", Some("service_name")),
        ("Submitter", Some("submitter")),
        ("Status", Some("status")),
        ("Maturity", None),
        ("Service center", None),
        ("License(s)", None),
        ("ELIXIR", None),
        ("Submitted at", Some("submitted_at")),
        ("API keys", None),
    ];
    let mut side = sidebar(&q, filters(&state).await?);
    for (key, counts) in super::facets::counts(&state.db, &q, now, tz).await? {
        side.set_counts(key, &counts);
    }
    let ctx = context! {
        rows => rows,
        headers => headers(&q, &cols),
        sidebar => side,
        pager => pager,
        search => q.search(),
        hidden => FILTER_KEYS.iter().chain(["o"].iter())
            .filter_map(|k| q.get(k).map(|v| (k.to_string(), v.to_string())))
            .collect::<Vec<_>>(),
        selection => q.current(),
        tz => tz.name(),
    };
    render(
        &state,
        &pc,
        Some(&staff),
        "admin/submissions/list.html",
        ctx,
        StatusCode::OK,
    )
}

/// The status bulk actions: (key, target, capability, label in the message).
const STATUS_ACTIONS: [(&str, Status, Cap, &str); 5] = [
    (
        "approve",
        Status::Approved,
        Cap::ApproveSubmissions,
        "Approved",
    ),
    (
        "reject",
        Status::Rejected,
        Cap::ApproveSubmissions,
        "Rejected",
    ),
    (
        "under_review",
        Status::UnderReview,
        Cap::EditSubmissions,
        "Under Review",
    ),
    (
        "deprecate",
        Status::Deprecated,
        Cap::EditSubmissions,
        "Deprecated",
    ),
    (
        "undeprecate",
        Status::Submitted,
        Cap::EditSubmissions,
        "Submitted (undeprecated)",
    ),
];

/// The ids a bulk action applies to: the ticked rows, or with `select_across` every row of the
/// selection the list showed.
pub async fn selected_ids(
    state: &AppState,
    f: &crate::admin::form::Fields,
) -> Result<Vec<Uuid>, AppError> {
    if f.get("select_across") == "1" {
        let q = ListQuery::parse(Some(f.get("selection").trim_start_matches('?')));
        let rows = query::select(&q, state.clock.now(), state.config.time_zone)
            .select_only()
            .column(sub::Column::Id)
            .into_tuple::<Uuid>()
            .all(&state.db)
            .await?;
        return Ok(rows);
    }
    let mut ids = Vec::new();
    for v in f.all("_selected") {
        let id = Uuid::parse_str(v)
            .map_err(|_| AppError::BadRequest(format!("'{v}' is not a submission id.")))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

pub async fn bulk(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    CsrfFields(f): CsrfFields,
) -> Result<Response, AppError> {
    staff.require(Cap::ViewSubmissions)?;
    let prefix = state.config.admin_url_prefix.clone();
    let selection = f.get("selection");
    let back = format!(
        "{}{}",
        path(&prefix, "submissions/"),
        if selection.starts_with('?') {
            selection
        } else {
            ""
        }
    );
    let action = f.get("action");
    let ids = selected_ids(&state, &f).await?;
    if ids.is_empty() {
        return flash_and_redirect(
            &state,
            &staff,
            "warning",
            "Items must be selected in order to perform actions on them. No items have been changed.",
            &back,
        )
        .await;
    }
    if action == "assign_tags" {
        staff.require(Cap::EditSubmissions)?;
        return assign_tags(&state, &pc, &staff, &f, &ids, &back).await;
    }
    let Some((_, target, cap, label)) = STATUS_ACTIONS.iter().find(|(k, ..)| *k == action) else {
        return flash_and_redirect(&state, &staff, "warning", "No action selected.", &back).await;
    };
    staff.require(*cap)?;
    let ctx = Ctx::new(&state);
    let actor = staff.actor();
    let mut changed = 0usize;
    let mut cleared = 0usize;
    for id in &ids {
        // Each row's change, change log and audit row commit together or not at all.
        let txn = crate::db::begin_write(&state.db).await?;
        let Some(before) = repo::row(&txn, *id).await? else {
            continue;
        };
        if !crate::submissions::lifecycle::set_status_in(&txn, &ctx, *id, target.code(), &actor)
            .await?
        {
            continue;
        }
        changed += 1;
        let tags_cleared = !target.keeps_tags()
            && (before.primary_maturity_tag.is_some() || !secondary_tags(&before).is_empty());
        if tags_cleared {
            cleared += 1;
        }
        let message = format!(
            "Status changed {} → {}{}",
            status_label(&before.status),
            target.label(),
            if tags_cleared {
                "; maturity tags cleared"
            } else {
                ""
            }
        );
        audit::record(
            &txn,
            audit::Entry {
                actor: &actor,
                action: "change",
                object_type: AUDIT_TYPE,
                object_id: &id.to_string(),
                object_repr: &before.service_name,
                message: &message,
            },
            ctx.now(),
        )
        .await?;
        txn.commit().await?;
    }
    let mut msg = format!("{changed} submission(s) marked as {label}.");
    if cleared > 0 {
        msg.push_str(&format!(
            " ⚠ Maturity tags automatically cleared on {cleared} submission(s) that were moved away from Approved status."
        ));
    }
    flash_and_redirect(&state, &staff, "success", msg, &back).await
}

/// The two-step maturity-tag action: first a confirmation form naming how many selected rows are
/// approved (the rest are skipped), then the assignment through the domain.
async fn assign_tags(
    state: &AppState,
    pc: &PageContext,
    staff: &Staff,
    f: &crate::admin::form::Fields,
    ids: &[Uuid],
    back: &str,
) -> Result<Response, AppError> {
    if f.get("_assign_tags") != "1" {
        let approved = sub::Entity::find()
            .filter(sub::Column::Id.is_in(ids.to_vec()))
            .filter(sub::Column::Status.eq(Status::Approved.code()))
            .count(&state.db)
            .await?;
        if approved == 0 {
            return flash_and_redirect(
                state,
                staff,
                "danger",
                "No approved submissions selected. Tags can only be assigned to approved services.",
                back,
            )
            .await;
        }
        let ctx = context! {
            ids => ids,
            approved => approved,
            skipped => ids.len() as u64 - approved,
            selection => f.get("selection"),
            primary => crate::submissions::lifecycle::PRIMARY_TAGS.iter()
                .map(|t| (t.to_string(), tag_label(t))).collect::<Vec<_>>(),
            secondary => crate::submissions::lifecycle::SECONDARY_TAGS.iter()
                .map(|t| (t.to_string(), tag_label(t))).collect::<Vec<_>>(),
        };
        return render(
            state,
            pc,
            Some(staff),
            "admin/submissions/assign_tags.html",
            ctx,
            StatusCode::OK,
        );
    }
    let ctx = Ctx::new(state);
    // The tags, their change log and the audit rows commit together or not at all.
    let txn = crate::db::begin_write(&state.db).await?;
    let result = crate::submissions::lifecycle::set_maturity_tags_in(
        &txn,
        &ctx,
        ids,
        f.get("primary_maturity_tag"),
        &f.all("secondary_maturity_tags"),
        &staff.actor(),
    )
    .await;
    match result {
        Ok((n, changed)) => {
            for id in &changed {
                let name = repo::row(&txn, *id)
                    .await?
                    .map(|r| r.service_name)
                    .unwrap_or_default();
                audit::record(
                    &txn,
                    audit::Entry {
                        actor: &staff.actor(),
                        action: "change",
                        object_type: AUDIT_TYPE,
                        object_id: &id.to_string(),
                        object_repr: &name,
                        message: "Maturity tags assigned.",
                    },
                    ctx.now(),
                )
                .await?;
            }
            txn.commit().await?;
            let skipped = ids.len() - n;
            let mut msg = format!("Maturity tags assigned to {n} approved submission(s).");
            if skipped > 0 {
                msg.push_str(&format!(
                    " {skipped} not approved submission(s) were skipped."
                ));
            }
            flash_and_redirect(state, staff, "success", msg, back).await
        }
        Err(AppError::BadRequest(m)) => {
            drop(txn);
            flash_and_redirect(state, staff, "danger", m, back).await
        }
        Err(e) => Err(e),
    }
}

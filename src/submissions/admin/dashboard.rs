//! The submissions widget of the admin dashboard: counts by status, the newest submissions awaiting
//! review, failed jobs, bio.tools sync errors, and the EDAM and SPDX releases in use.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::admin::{Cap, Staff, WidgetFuture, path};
use crate::biotools::entity::biotools_record as bt;
use crate::edam::entity::edam_term;
use crate::licenses::entity::spdx_license;
use crate::state::AppState;
use crate::submissions::entity::service_submission as sub;
use crate::submissions::model::Status;

pub fn widget<'a>(state: &'a AppState, staff: &'a Staff) -> WidgetFuture<'a> {
    Box::pin(async move {
        if !staff.can(Cap::ViewSubmissions) {
            return Ok(None);
        }
        let db = &state.db;
        let prefix = &state.config.admin_url_prefix;
        let mut counts = Vec::new();
        for s in Status::ALL {
            let n = sub::Entity::find()
                .filter(sub::Column::Status.eq(s.code()))
                .count(db)
                .await?;
            counts.push(minijinja::context! {
                code => s.code(), label => s.label(), count => n,
                href => format!("{}?status__exact={}", path(prefix, "submissions/"), s.code()),
            });
        }
        let tz = state.config.time_zone;
        let awaiting: Vec<minijinja::Value> = sub::Entity::find()
            .filter(sub::Column::Status.is_in([Status::Submitted.code(), Status::UnderReview.code()]))
            .order_by_desc(sub::Column::SubmittedAt)
            .limit(8)
            .all(db)
            .await?
            .into_iter()
            .map(|s| minijinja::context! {
                name => s.service_name,
                status => s.status,
                href => path(prefix, &format!("submissions/{}/", s.id)),
                submitted_at => s.submitted_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            })
            .collect();
        let failed_jobs = crate::jobs::entity::job::Entity::find()
            .filter(crate::jobs::entity::job::Column::State.eq(crate::jobs::state::FAILED))
            .count(db)
            .await?;
        let sync_errors: Vec<minijinja::Value> = bt::Entity::find()
            .filter(bt::Column::SyncError.ne(""))
            .order_by_desc(bt::Column::UpdatedAt)
            .limit(8)
            .all(db)
            .await?
            .into_iter()
            .map(|r| {
                minijinja::context! {
                    biotools_id => r.biotools_id, error => r.sync_error,
                    href => path(prefix, &format!("submissions/{}/", r.submission_id)),
                }
            })
            .collect();
        let edam_version: Option<String> = edam_term::Entity::find()
            .select_only()
            .column(edam_term::Column::EdamVersion)
            .order_by_desc(edam_term::Column::EdamVersion)
            .into_tuple::<String>()
            .one(db)
            .await?;
        let edam_terms = edam_term::Entity::find().count(db).await?;
        let spdx_version: Option<String> = spdx_license::Entity::find()
            .select_only()
            .column(spdx_license::Column::SpdxVersion)
            .order_by_desc(spdx_license::Column::SpdxVersion)
            .into_tuple::<String>()
            .one(db)
            .await?;
        let spdx_count = spdx_license::Entity::find().count(db).await?;
        let html = state
            .templates
            .render(
                "admin/submissions/dashboard.html",
                minijinja::context! {
                    counts => counts, awaiting => awaiting, failed_jobs => failed_jobs,
                    sync_errors => sync_errors, edam_version => edam_version, edam_terms => edam_terms,
                    spdx_version => spdx_version, spdx_count => spdx_count,
                    list_href => path(prefix, "submissions/"),
                },
            )
            .map_err(|e| crate::error::AppError::internal(format!("dashboard widget: {e}")))?;
        Ok(Some(html))
    })
}

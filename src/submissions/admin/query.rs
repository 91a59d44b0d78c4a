//! The admin list's selection: its filters (status, maturity, ELIXIR, centre, category, PI, submitted
//! date range), free-text search over the spec's fields (admin-jobs §1.1: every term must match at
//! least one field, case-insensitively) and sort order, read from the list's query string. The same
//! selection feeds the list page, the bulk actions' "all matching" and the exports.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Select};
use uuid::Uuid;

use crate::admin::list::{ListQuery, terms};
use crate::licenses::entity::spdx_license;
use crate::registry::entity::principal_investigator as pi;
use crate::submissions::entity::{
    service_submission as sub, submission_category, submission_license, submission_pi,
};
use crate::submissions::lifecycle::{PRIMARY_TAGS, STATUSES};

/// The filter parameters (Django admin's names, so old bookmarks keep working).
pub const STATUS: &str = "status__exact";
pub const PRIMARY: &str = "primary_maturity_tag__exact";
pub const ELIXIR: &str = "register_as_elixir__exact";
pub const CENTER: &str = "service_center__id__exact";
pub const CATEGORY: &str = "service_categories__id__exact";
pub const PI: &str = "responsible_pis__id__exact";
pub const SUBMITTED: &str = "submitted";
pub const FILTER_KEYS: [&str; 7] = [STATUS, PRIMARY, ELIXIR, CENTER, CATEGORY, PI, SUBMITTED];

/// The date ranges of the "Submitted" filter.
pub const SUBMITTED_RANGES: [(&str, &str); 4] = [
    ("today", "Today"),
    ("7d", "Past 7 days"),
    ("month", "This month"),
    ("year", "This year"),
];

/// Sortable columns: query key → column.
pub const SORTS: [(&str, sub::Column); 4] = [
    ("service_name", sub::Column::ServiceName),
    ("submitter", sub::Column::SubmitterLastName),
    ("status", sub::Column::Status),
    ("submitted_at", sub::Column::SubmittedAt),
];

fn like_pattern(term: &str) -> String {
    let escaped: String = term
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '\\' | '%' | '_' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("%{escaped}%")
}

fn lower_like(col: impl sea_orm::sea_query::IntoColumnRef, pattern: &str) -> SimpleExpr {
    Expr::expr(Func::lower(Expr::col(col))).like(LikeExpr::new(pattern).escape('\\'))
}

/// One term matched against every search field (submission columns, PIs' names, licences).
fn term_condition(term: &str) -> Condition {
    let p = like_pattern(term);
    let own = [
        sub::Column::ServiceName,
        sub::Column::SubmitterFirstName,
        sub::Column::SubmitterLastName,
        sub::Column::SubmitterAffiliation,
        sub::Column::HostInstitute,
        sub::Column::LicenseNote,
    ];
    let mut c = Condition::any();
    for col in own {
        c = c.add(lower_like((sub::Entity, col), &p));
    }
    let pis = Query::select()
        .column((submission_pi::Entity, submission_pi::Column::SubmissionId))
        .from(submission_pi::Entity)
        .inner_join(
            pi::Entity,
            Expr::col((pi::Entity, pi::Column::Id))
                .equals((submission_pi::Entity, submission_pi::Column::PiId)),
        )
        .cond_where(
            Condition::any()
                .add(lower_like((pi::Entity, pi::Column::LastName), &p))
                .add(lower_like((pi::Entity, pi::Column::FirstName), &p)),
        )
        .to_owned();
    let licenses = Query::select()
        .column((
            submission_license::Entity,
            submission_license::Column::SubmissionId,
        ))
        .from(submission_license::Entity)
        .inner_join(
            spdx_license::Entity,
            Expr::col((spdx_license::Entity, spdx_license::Column::Id)).equals((
                submission_license::Entity,
                submission_license::Column::LicenseId,
            )),
        )
        .cond_where(
            Condition::any()
                .add(lower_like(
                    (spdx_license::Entity, spdx_license::Column::LicenseId),
                    &p,
                ))
                .add(lower_like(
                    (spdx_license::Entity, spdx_license::Column::Name),
                    &p,
                )),
        )
        .to_owned();
    c.add(sub::Column::Id.in_subquery(pis))
        .add(sub::Column::Id.in_subquery(licenses))
}

/// The start of the "Submitted" range at `now` in the site's time zone (UTC instants).
fn range_start(range: &str, now: DateTime<Utc>, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let local = now.with_timezone(&tz);
    let day = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    };
    match range {
        "today" => day(local.date_naive()),
        "7d" => day(local.date_naive() - Duration::days(6)),
        "month" => day(local.date_naive().with_day(1)?),
        "year" => day(NaiveDate::from_ymd_opt(local.year(), 1, 1)?),
        _ => None,
    }
}

/// The selection of `q`; unknown or malformed filter values select nothing rather than everything.
pub fn select(q: &ListQuery, now: DateTime<Utc>, tz: chrono_tz::Tz) -> Select<sub::Entity> {
    let mut s = sub::Entity::find();
    let nothing = || sub::Column::Id.is_null();
    if let Some(v) = q.get(STATUS) {
        s = s.filter(if STATUSES.contains(&v) {
            sub::Column::Status.eq(v)
        } else {
            nothing()
        });
    }
    if let Some(v) = q.get(PRIMARY).or_else(|| q.get("primary_maturity_tag")) {
        s = s.filter(if PRIMARY_TAGS.contains(&v) {
            sub::Column::PrimaryMaturityTag.eq(v)
        } else {
            nothing()
        });
    }
    if let Some(v) = q.get(ELIXIR) {
        s = s.filter(match v {
            "1" | "true" => sub::Column::RegisterAsElixir.eq(true),
            "0" | "false" => sub::Column::RegisterAsElixir.eq(false),
            _ => nothing(),
        });
    }
    if let Some(v) = q.get(CENTER) {
        s = s.filter(match Uuid::parse_str(v) {
            Ok(id) => sub::Column::ServiceCenterId.eq(id),
            Err(_) => nothing(),
        });
    }
    if let Some(v) = q.get(CATEGORY) {
        s = s.filter(match v.parse::<i64>() {
            Ok(id) => sub::Column::Id.in_subquery(
                Query::select()
                    .column(submission_category::Column::SubmissionId)
                    .from(submission_category::Entity)
                    .and_where(submission_category::Column::CategoryId.eq(id))
                    .to_owned(),
            ),
            Err(_) => nothing(),
        });
    }
    if let Some(v) = q.get(PI) {
        s = s.filter(match Uuid::parse_str(v) {
            Ok(id) => sub::Column::Id.in_subquery(
                Query::select()
                    .column(submission_pi::Column::SubmissionId)
                    .from(submission_pi::Entity)
                    .and_where(submission_pi::Column::PiId.eq(id))
                    .to_owned(),
            ),
            Err(_) => nothing(),
        });
    }
    if let Some(v) = q.get(SUBMITTED) {
        s = s.filter(match range_start(v, now, tz) {
            Some(start) => sub::Column::SubmittedAt.gte(start),
            None => nothing(),
        });
    }
    for (key, gte) in [("submitted_at__gte", true), ("submitted_at__lt", false)] {
        if let Some(v) = q.get(key) {
            let at = NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc());
            s = s.filter(match (at, gte) {
                (Some(t), true) => sub::Column::SubmittedAt.gte(t),
                (Some(t), false) => sub::Column::SubmittedAt.lt(t),
                (None, _) => nothing(),
            });
        }
    }
    for t in terms(q.search()) {
        s = s.filter(term_condition(&t));
    }
    s = match order(q) {
        (c, true) => s.order_by_desc(c),
        (c, false) => s.order_by_asc(c),
    };
    // A stable tie-break, so pages never repeat or skip a row.
    s.order_by_asc(sub::Column::Id)
}

/// The sort column of `q` and whether it is descending (default: newest submitted first); the id,
/// ascending, always breaks ties.
pub fn order(q: &ListQuery) -> (sub::Column, bool) {
    let order = q.get("o").unwrap_or("-submitted_at");
    let (key, desc) = match order.strip_prefix('-') {
        Some(k) => (k, true),
        None => (order, false),
    };
    match SORTS.iter().find(|(k, _)| *k == key) {
        Some((_, c)) => (*c, desc),
        None => (sub::Column::SubmittedAt, true),
    }
}

/// The rows after `(value, id)` in the order of [`order`] — the keyset condition that reads a long
/// selection batch by batch without an offset (rows added or removed meanwhile shift nothing).
pub fn after(q: &ListQuery, value: sea_orm::Value, id: Uuid) -> Condition {
    let (col, desc) = order(q);
    let beyond = if desc {
        col.lt(value.clone())
    } else {
        col.gt(value.clone())
    };
    Condition::any().add(beyond).add(
        Condition::all()
            .add(col.eq(value))
            .add(sub::Column::Id.gt(id)),
    )
}

//! Facet counts of the submissions list's filter sidebar ("Submitted (12)"): for each choice, how many
//! rows the list would show if it were picked — the current selection (search, other filters) with
//! that section's own filter replaced by the choice. A fixed number of queries whatever the number of
//! choices: one `GROUP BY` per section (status, primary tag, ELIXIR, centre, category, PI) and one
//! count per "Submitted" range (four).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::SelectStatement;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    QueryTrait, Select, TryGetable,
};
use std::collections::HashMap;

use super::query::{self, CATEGORY, CENTER, ELIXIR, PI, PRIMARY, STATUS, SUBMITTED};
use crate::admin::list::ListQuery;
use crate::submissions::entity::{service_submission as sub, submission_category, submission_pi};

/// Counts per filter key, then per option value (as the sidebar's links carry it).
pub type Facets = HashMap<&'static str, HashMap<String, u64>>;

/// The selection without the section's own filter, unordered (for grouping and sub-queries).
fn others(
    q: &ListQuery,
    keys: &[&str],
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Select<sub::Entity> {
    let mut s = query::select(&q.dropping(keys), now, tz);
    QueryTrait::query(&mut s).clear_order_by();
    s
}

fn ids_of(s: Select<sub::Entity>) -> SelectStatement {
    s.select_only().column(sub::Column::Id).into_query()
}

async fn grouped<C, T>(
    db: &C,
    s: Select<sub::Entity>,
    col: sub::Column,
    key: impl Fn(T) -> Option<String>,
) -> Result<HashMap<String, u64>, DbErr>
where
    C: ConnectionTrait,
    T: TryGetable,
{
    let rows: Vec<(T, i64)> = s
        .select_only()
        .column(col)
        .column_as(sub::Column::Id.count(), "n")
        .group_by(col)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(v, n)| key(v).map(|k| (k, n.max(0) as u64)))
        .collect())
}

pub async fn counts<C: ConnectionTrait>(
    db: &C,
    q: &ListQuery,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Result<Facets, DbErr> {
    let mut out = Facets::new();
    let s = others(q, &[STATUS], now, tz);
    out.insert(
        STATUS,
        grouped(db, s, sub::Column::Status, |v: String| Some(v)).await?,
    );
    let s = others(q, &[PRIMARY, "primary_maturity_tag"], now, tz);
    out.insert(
        PRIMARY,
        grouped(
            db,
            s,
            sub::Column::PrimaryMaturityTag,
            |v: Option<String>| v,
        )
        .await?,
    );
    let s = others(q, &[ELIXIR], now, tz);
    out.insert(
        ELIXIR,
        grouped(db, s, sub::Column::RegisterAsElixir, |v: bool| {
            Some(if v { "1" } else { "0" }.to_string())
        })
        .await?,
    );
    let s = others(q, &[CENTER], now, tz);
    out.insert(
        CENTER,
        grouped(db, s, sub::Column::ServiceCenterId, |v: uuid::Uuid| {
            Some(v.to_string())
        })
        .await?,
    );
    let ids = ids_of(others(q, &[CATEGORY], now, tz));
    let rows: Vec<(i64, i64)> = submission_category::Entity::find()
        .select_only()
        .column(submission_category::Column::CategoryId)
        .column_as(submission_category::Column::SubmissionId.count(), "n")
        .filter(submission_category::Column::SubmissionId.in_subquery(ids))
        .group_by(submission_category::Column::CategoryId)
        .into_tuple()
        .all(db)
        .await?;
    out.insert(
        CATEGORY,
        rows.into_iter()
            .map(|(k, n)| (k.to_string(), n.max(0) as u64))
            .collect(),
    );
    let ids = ids_of(others(q, &[PI], now, tz));
    let rows: Vec<(uuid::Uuid, i64)> = submission_pi::Entity::find()
        .select_only()
        .column(submission_pi::Column::PiId)
        .column_as(submission_pi::Column::SubmissionId.count(), "n")
        .filter(submission_pi::Column::SubmissionId.in_subquery(ids))
        .group_by(submission_pi::Column::PiId)
        .into_tuple()
        .all(db)
        .await?;
    out.insert(
        PI,
        rows.into_iter()
            .map(|(k, n)| (k.to_string(), n.max(0) as u64))
            .collect(),
    );
    let base = q.dropping(&[SUBMITTED]);
    let mut ranges = HashMap::new();
    for (range, _) in query::SUBMITTED_RANGES {
        let with = base.with(SUBMITTED, Some(range));
        let one = ListQuery::parse(Some(with.trim_start_matches('?')));
        let n = query::select(&one, now, tz).count(db).await?;
        ranges.insert(range.to_string(), n);
    }
    out.insert(SUBMITTED, ranges);
    Ok(out)
}

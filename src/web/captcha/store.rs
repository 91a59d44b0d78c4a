//! The SQL of the captcha: recording accepted solutions (first use wins, on either backend and across
//! replicas) and forgetting them once they have expired.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::Solution;

pub mod solution {
    use sea_orm::entity::prelude::*;

    /// An accepted solution, kept until its challenge would have expired anyway.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "captcha_solutions")]
    pub struct Model {
        #[sea_orm(
            primary_key,
            auto_increment = false,
            column_type = "String(StringLen::N(64))"
        )]
        pub challenge: String,
        pub expires_at: DateTimeUtc,
        pub used_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Records `s` as used at `now`: `true` when this was its first use. The insert is a single
/// `INSERT … ON CONFLICT (challenge) DO NOTHING`, so of any number of concurrent uses (in this process
/// or another replica) exactly one affects a row.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    s: &Solution,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let rows = solution::Entity::insert(solution::ActiveModel {
        challenge: Set(s.challenge.clone()),
        expires_at: Set(s.expires_at),
        used_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(solution::Column::Challenge)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(rows == 1)
}

/// Claims a one-time key other than a captcha solution (e.g. `form:<id>`, a form that may be sent
/// once) until `expires_at`: `true` for the first claim, exactly as [`record`].
pub async fn claim<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let s = Solution {
        challenge: key.chars().take(64).collect(),
        expires_at,
    };
    record(conn, &s, now).await
}

/// Whether a one-time key has been claimed and not yet expired.
pub async fn is_claimed<C: ConnectionTrait>(conn: &C, key: &str) -> Result<bool, DbErr> {
    let key: String = key.chars().take(64).collect();
    Ok(solution::Entity::find_by_id(key).one(conn).await?.is_some())
}

/// Deletes the solutions whose challenge expired before `now` (a replay of those is refused as expired
/// anyway); returns how many.
pub async fn delete_expired<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let res = solution::Entity::delete_many()
        .filter(solution::Column::ExpiresAt.lt(now))
        .exec(conn)
        .await?;
    Ok(res.rows_affected)
}

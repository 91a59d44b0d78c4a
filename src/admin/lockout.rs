//! Sign-in lockout: after `AXES_FAILURE_LIMIT` failed attempts (password or second factor) for one
//! username, or from one client address, that username or address is locked for
//! `AXES_COOLOFF_MINUTES` counted from its last failure; failures while locked restart the cool-off.
//! A failure more than one cool-off after the previous one starts a new count. A superuser lifts a
//! lock by clearing its failures.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;

use crate::auth::entity::login_attempt;
use crate::config::Config;

/// The text of the 429 answer.
pub const LOCKED: &str = "Account locked: too many login attempts. Please try again later.";

/// Failures looked at per key: enough to see any run that can lock.
const SCAN: u64 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Username,
    Address,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "username" => Some(Self::Username),
            "address" => Some(Self::Address),
            _ => None,
        }
    }
}

/// A current lock, for the superuser's screen.
#[derive(Debug, Clone, Serialize)]
pub struct Lock {
    pub kind: Kind,
    pub key: String,
    pub failures: usize,
    pub until: DateTime<Utc>,
}

fn policy(cfg: &Config) -> (usize, Duration) {
    (
        cfg.login_failure_limit.max(1) as usize,
        Duration::minutes(i64::from(cfg.login_cooloff_minutes)),
    )
}

/// Writes one attempt (the username as typed, cut to the column's width).
pub async fn record<C: ConnectionTrait>(
    db: &C,
    username: &str,
    address: &str,
    succeeded: bool,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    login_attempt::ActiveModel {
        username: Set(username.chars().take(150).collect()),
        client_ip: Set(address.chars().take(45).collect()),
        attempted_at: Set(now),
        succeeded: Set(succeeded),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The current run of failures (newest first): failures each within one cool-off of the next.
fn run(failures: &[DateTime<Utc>], cooloff: Duration, now: DateTime<Utc>) -> usize {
    let Some(first) = failures.first() else {
        return 0;
    };
    if now - *first > cooloff {
        return 0;
    }
    1 + failures
        .windows(2)
        .take_while(|w| w[0] - w[1] <= cooloff)
        .count()
}

async fn failures<C: ConnectionTrait>(
    db: &C,
    kind: Kind,
    key: &str,
) -> Result<Vec<DateTime<Utc>>, sea_orm::DbErr> {
    let column = match kind {
        Kind::Username => login_attempt::Column::Username,
        Kind::Address => login_attempt::Column::ClientIp,
    };
    Ok(login_attempt::Entity::find()
        .filter(column.eq(key))
        .filter(login_attempt::Column::Succeeded.eq(false))
        .order_by_desc(login_attempt::Column::AttemptedAt)
        .limit(SCAN)
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.attempted_at)
        .collect())
}

/// Until when this username or this address is locked, if it is (the later of the two).
pub async fn locked_until<C: ConnectionTrait>(
    db: &C,
    cfg: &Config,
    username: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, sea_orm::DbErr> {
    let (limit, cooloff) = policy(cfg);
    let mut until = None;
    for (kind, key) in [(Kind::Username, username), (Kind::Address, address)] {
        let f = failures(db, kind, key).await?;
        if run(&f, cooloff, now) >= limit
            && let Some(last) = f.first()
        {
            until = until.max(Some(*last + cooloff));
        }
    }
    Ok(until)
}

/// Every lock in force now.
pub async fn active<C: ConnectionTrait>(
    db: &C,
    cfg: &Config,
    now: DateTime<Utc>,
) -> Result<Vec<Lock>, sea_orm::DbErr> {
    let (limit, cooloff) = policy(cfg);
    let recent = login_attempt::Entity::find()
        .filter(login_attempt::Column::Succeeded.eq(false))
        .filter(login_attempt::Column::AttemptedAt.gt(now - cooloff))
        .all(db)
        .await?;
    let mut keys: Vec<(Kind, String)> = Vec::new();
    for a in &recent {
        for k in [
            (Kind::Username, a.username.clone()),
            (Kind::Address, a.client_ip.clone()),
        ] {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    let mut out = Vec::new();
    for (kind, key) in keys {
        let f = failures(db, kind, &key).await?;
        let n = run(&f, cooloff, now);
        if n >= limit
            && let Some(last) = f.first()
        {
            out.push(Lock {
                kind,
                key,
                failures: n,
                until: *last + cooloff,
            });
        }
    }
    Ok(out)
}

/// Lifts a lock: the key's failures are forgotten. Returns how many were cleared.
pub async fn lift<C: ConnectionTrait>(
    db: &C,
    kind: Kind,
    key: &str,
) -> Result<u64, sea_orm::DbErr> {
    let column = match kind {
        Kind::Username => login_attempt::Column::Username,
        Kind::Address => login_attempt::Column::ClientIp,
    };
    Ok(login_attempt::Entity::delete_many()
        .filter(column.eq(key))
        .filter(login_attempt::Column::Succeeded.eq(false))
        .exec(db)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_ends_at_a_gap_longer_than_the_cooloff() {
        let t = |m: i64| DateTime::<Utc>::UNIX_EPOCH + Duration::minutes(m);
        let c = Duration::minutes(30);
        // Newest first: 100, 90, 80, then a gap of 50 minutes.
        let f = [t(100), t(90), t(80), t(30), t(20)];
        assert_eq!(run(&f, c, t(101)), 3);
        assert_eq!(
            run(&f, c, t(131)),
            0,
            "the cool-off since the last failure has passed"
        );
        assert_eq!(run(&[], c, t(0)), 0);
    }
}

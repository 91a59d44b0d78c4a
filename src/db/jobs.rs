//! The backend-specific part of the job queue: claiming due jobs atomically, and waking workers.
//!
//! PostgreSQL: the candidate row is locked with `FOR UPDATE SKIP LOCKED`, so concurrent workers pass over
//! each other's rows instead of waiting or double-claiming. SQLite has a single writer: the same
//! `UPDATE … WHERE id = (SELECT …) RETURNING` statement runs under the database write lock, and the outer
//! `WHERE` re-checks the state, so exactly one claimer can win a row.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, EntityTrait, Statement, Value};
use uuid::Uuid;

use crate::jobs::entity::job;

/// Claims up to `limit` of the oldest due jobs — queued and due, or running with an expired lease (their
/// worker died) — for `worker`, with a lease until `locked_until`, and counts the attempt. `only`
/// restricts the claim to one job id. Returns the claimed rows, oldest first (empty when nothing is due).
pub async fn claim<C: ConnectionTrait>(
    conn: &C,
    worker: &str,
    now: DateTime<Utc>,
    locked_until: DateTime<Utc>,
    only: Option<Uuid>,
    limit: u64,
) -> Result<Vec<job::Model>, DbErr> {
    let statement = claim_statement(
        conn.get_database_backend(),
        worker,
        now,
        locked_until,
        only,
        limit,
    );
    let mut rows = job::Entity::find()
        .from_raw_sql(statement)
        .all(conn)
        .await?;
    // RETURNING does not keep the subquery's order.
    rows.sort_by_key(|r| (r.run_at, r.created_at));
    Ok(rows)
}

/// The one statement of [`claim`] (public so that a test can look at its query plan).
pub fn claim_statement(
    backend: DbBackend,
    worker: &str,
    now: DateTime<Utc>,
    locked_until: DateTime<Utc>,
    only: Option<Uuid>,
    limit: u64,
) -> Statement {
    // `col` prefixes each column: "" normally, "+" where SQLite must not use an index for the term.
    let due_with = |col: &str| {
        format!(
            "(({col}state = 'queued' AND {col}run_at <= {{now}}) \
             OR ({col}state = 'running' AND {col}locked_until < {{now}}))"
        )
    };
    let due = due_with("");
    let only_clause = if only.is_some() {
        " AND id = {only}"
    } else {
        ""
    };
    let limit = limit.max(1);
    let candidates = match backend {
        // Row locks let concurrent workers pass over each other's candidates.
        DbBackend::Postgres => format!(
            "SELECT id FROM jobs WHERE {due}{only_clause} ORDER BY run_at, created_at LIMIT {limit} \
             FOR UPDATE SKIP LOCKED"
        ),
        // SQLite would answer the OR above by sorting every due job (reading each row) on every claim:
        // each branch instead walks its index in claim order and stops after the batch.
        _ => format!(
            "SELECT id FROM ( \
               SELECT * FROM (SELECT id, run_at, created_at FROM jobs \
                 WHERE state = 'queued' AND run_at <= {{now}}{only_clause} ORDER BY run_at, created_at LIMIT {limit}) \
               UNION ALL \
               SELECT * FROM (SELECT id, run_at, created_at FROM jobs \
                 WHERE state = 'running' AND locked_until < {{now}}{only_clause} ORDER BY run_at, created_at LIMIT {limit}) \
             ) ORDER BY run_at, created_at LIMIT {limit}"
        ),
    };
    // The outer condition re-checks the state of each candidate. On SQLite its columns carry a unary
    // `+` so that the planner finds the candidates by primary key instead of answering the OR from the
    // state indexes, which reads every due job (the claim then slowed down with the queue's length).
    let recheck = match backend {
        DbBackend::Postgres => due.clone(),
        _ => due_with("+"),
    };
    let template = format!(
        "UPDATE jobs SET state = 'running', locked_by = {{worker}}, locked_until = {{until}}, \
         attempts = attempts + 1, updated_at = {{now}} \
         WHERE id IN ({candidates}) AND {recheck} RETURNING *"
    );
    let mut values: Vec<Value> = Vec::new();
    let sql = bind(&template, backend, &mut values, |name| match name {
        "worker" => worker.to_string().into(),
        "until" => locked_until.into(),
        "now" => now.into(),
        _ => only.into(),
    });
    Statement::from_sql_and_values(backend, sql, values)
}

/// The PostgreSQL channel on which enqueues wake sleeping workers.
pub const WAKE_CHANNEL: &str = "service_registry_jobs";

/// Tells listening workers on PostgreSQL that a job was enqueued. Inside a transaction the notification
/// is delivered when it commits (and never if it rolls back). A no-op on SQLite, whose workers live in
/// this process and are woken directly.
pub async fn notify_enqueued<C: ConnectionTrait>(conn: &C) -> Result<(), DbErr> {
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT pg_notify('{WAKE_CHANNEL}', '')"),
        ))
        .await?;
    }
    Ok(())
}

/// On PostgreSQL, a listener on [`WAKE_CHANNEL`] with its own connection; `None` on SQLite.
pub async fn listen(
    db: &sea_orm::DatabaseConnection,
) -> Result<Option<sea_orm::sqlx::postgres::PgListener>, DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(None);
    }
    let pool = db.get_postgres_connection_pool();
    let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(pool)
        .await
        .map_err(|e| DbErr::Custom(format!("cannot LISTEN: {e}")))?;
    listener
        .listen(WAKE_CHANNEL)
        .await
        .map_err(|e| DbErr::Custom(format!("cannot LISTEN: {e}")))?;
    Ok(Some(listener))
}

/// Replaces each `{name}` with the backend's next placeholder and pushes its value.
fn bind(
    template: &str,
    backend: DbBackend,
    values: &mut Vec<Value>,
    value_of: impl Fn(&str) -> Value,
) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &rest[start + 1..start + len];
        values.push(value_of(name));
        match backend {
            DbBackend::Postgres => out.push_str(&format!("${}", values.len())),
            _ => out.push('?'),
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_backend() {
        let mut v = Vec::new();
        let pg = bind("a = {x} AND b = {y}", DbBackend::Postgres, &mut v, |_| {
            1.into()
        });
        assert_eq!(pg, "a = $1 AND b = $2");
        let mut v = Vec::new();
        let lite = bind("a = {x} AND b = {y}", DbBackend::Sqlite, &mut v, |_| {
            1.into()
        });
        assert_eq!(lite, "a = ? AND b = ?");
        assert_eq!(v.len(), 2);
    }
}

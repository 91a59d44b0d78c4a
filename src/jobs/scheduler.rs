//! The scheduler: named schedules with cron expressions (evaluated in `TIME_ZONE`) that put jobs on the
//! queue when due. Several schedulers may run; each firing is a conditional update of the schedule's row
//! (`next_run_at <= now` → next occurrence) in the same transaction that enqueues the job, so exactly one
//! of them wins. After downtime the next occurrence is computed from *now*: missed runs fire once.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder,
};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

use super::Clock;
use super::entity::schedule;
use crate::config::Config;

/// `(schedule name, job kind, default cron)`: minute hour day-of-month month day-of-week.
pub const DEFAULT_SCHEDULES: [(&str, &str, &str); 4] = [
    // Monthly (about every 30 days), at night, staggered.
    ("edam.sync", "edam.sync", "0 3 1 * *"),
    ("licenses.sync", "licenses.sync", "30 3 1 * *"),
    // Daily.
    ("drafts.cleanup", super::cleanup::KIND, "15 4 * * *"),
    ("biotools.sync_all", "biotools.sync_all", "0 3 * * *"),
];

/// One schedule as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleDef {
    pub name: String,
    pub kind: String,
    pub cron: String,
    /// `false` when `site.toml` turned it off (`"off"`).
    pub enabled: bool,
}

/// The schedules with `[schedules]` overrides from `site.toml` applied. An unknown name or an invalid
/// expression is an error naming the key.
pub fn configured(config: &Config) -> Result<Vec<ScheduleDef>, String> {
    let overrides = &config.site.schedules;
    if let Some(unknown) = overrides
        .keys()
        .find(|k| !DEFAULT_SCHEDULES.iter().any(|(n, _, _)| n == k))
    {
        let known: Vec<&str> = DEFAULT_SCHEDULES.iter().map(|(n, _, _)| *n).collect();
        return Err(format!(
            "[schedules] \"{unknown}\" is not a schedule; known: {}",
            known.join(", ")
        ));
    }
    DEFAULT_SCHEDULES
        .iter()
        .map(|(name, kind, default)| {
            let cron = overrides
                .get(*name)
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|| default.to_string());
            let enabled = !(cron.is_empty() || cron.eq_ignore_ascii_case("off"));
            if enabled {
                parse(&cron).map_err(|e| format!("[schedules] \"{name}\" = \"{cron}\": {e}"))?;
            }
            Ok(ScheduleDef {
                name: name.to_string(),
                kind: kind.to_string(),
                cron,
                enabled,
            })
        })
        .collect()
}

fn parse(cron: &str) -> Result<croner::Cron, String> {
    croner::Cron::from_str(cron).map_err(|e| format!("invalid cron expression: {e}"))
}

/// The first occurrence of `cron` strictly after `after`, evaluated in `tz`.
pub fn next_after(
    cron: &str,
    tz: chrono_tz::Tz,
    after: DateTime<Utc>,
) -> Result<DateTime<Utc>, String> {
    let local = after.with_timezone(&tz);
    parse(cron)?
        .find_next_occurrence(&local, false)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("no next occurrence of \"{cron}\": {e}"))
}

/// A schedule that fired: its job id.
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    pub schedule: String,
    pub job_id: uuid::Uuid,
}

pub struct Scheduler {
    db: DatabaseConnection,
    defs: Vec<ScheduleDef>,
    tz: chrono_tz::Tz,
    clock: Arc<dyn Clock>,
    /// How often the schedules are checked.
    pub interval: Duration,
}

impl Scheduler {
    pub fn new(
        db: DatabaseConnection,
        config: &Config,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, String> {
        Ok(Self::with_schedules(
            db,
            configured(config)?,
            config.time_zone,
            clock,
        ))
    }

    pub fn with_schedules(
        db: DatabaseConnection,
        defs: Vec<ScheduleDef>,
        tz: chrono_tz::Tz,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            db,
            defs,
            tz,
            clock,
            interval: Duration::from_secs(30),
        }
    }

    /// Creates missing schedule rows and follows changed expressions (next run recomputed from now).
    pub async fn sync(&self) -> Result<(), DbErr> {
        let now = self.clock.now();
        for def in self.defs.iter().filter(|d| d.enabled) {
            let next = next_after(&def.cron, self.tz, now).map_err(DbErr::Custom)?;
            match schedule::Entity::find_by_id(def.name.clone())
                .one(&self.db)
                .await?
            {
                None => {
                    schedule::Entity::insert(schedule::ActiveModel {
                        name: Set(def.name.clone()),
                        cron: Set(def.cron.clone()),
                        last_fired_at: Set(None),
                        next_run_at: Set(Some(next)),
                        updated_at: Set(now),
                    })
                    .on_conflict(
                        OnConflict::column(schedule::Column::Name)
                            .do_nothing()
                            .to_owned(),
                    )
                    .exec_without_returning(&self.db)
                    .await?;
                }
                Some(row) if row.cron != def.cron => {
                    schedule::Entity::update_many()
                        .set(schedule::ActiveModel {
                            cron: Set(def.cron.clone()),
                            next_run_at: Set(Some(next)),
                            updated_at: Set(now),
                            ..Default::default()
                        })
                        .filter(schedule::Column::Name.eq(&def.name))
                        .filter(schedule::Column::Cron.eq(&row.cron))
                        .exec(&self.db)
                        .await?;
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Fires every due schedule this scheduler wins; returns what it fired.
    pub async fn tick(&self) -> Result<Vec<Fired>, DbErr> {
        self.sync().await?;
        let now = self.clock.now();
        let mut fired = Vec::new();
        for def in self.defs.iter().filter(|d| d.enabled) {
            let next = next_after(&def.cron, self.tz, now).map_err(DbErr::Custom)?;
            let txn = crate::db::begin_write(&self.db).await?;
            let won = schedule::Entity::update_many()
                .set(schedule::ActiveModel {
                    last_fired_at: Set(Some(now)),
                    next_run_at: Set(Some(next)),
                    updated_at: Set(now),
                    ..Default::default()
                })
                .filter(schedule::Column::Name.eq(&def.name))
                .filter(
                    Condition::any()
                        .add(schedule::Column::NextRunAt.lte(now))
                        .add(schedule::Column::NextRunAt.is_null()),
                )
                .exec(&txn)
                .await?
                .rows_affected
                == 1;
            if !won {
                txn.rollback().await?;
                continue;
            }
            let payload = serde_json::json!({ "schedule": def.name });
            let job_id = super::enqueue(&txn, &def.kind, payload, now).await?;
            txn.commit_bookkeeping().await?;
            tracing::info!(schedule = %def.name, job = %job_id, next_run = %next, "schedule fired");
            fired.push(Fired {
                schedule: def.name.clone(),
                job_id,
            });
        }
        Ok(fired)
    }

    /// The scheduler loop, until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(schedules = ?self.defs.iter().filter(|d| d.enabled).map(|d| &d.name).collect::<Vec<_>>(), "scheduler started");
        while !*shutdown.borrow() {
            if let Err(e) = self.tick().await {
                tracing::warn!(error = %e, "scheduler: database error, will try again");
            }
            tokio::select! {
                _ = tokio::time::sleep(self.interval) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("scheduler stopped");
    }
}

/// The stored state of every schedule, by name.
pub async fn stored<C: ConnectionTrait>(conn: &C) -> Result<Vec<schedule::Model>, DbErr> {
    schedule::Entity::find()
        .order_by_asc(schedule::Column::Name)
        .all(conn)
        .await
}

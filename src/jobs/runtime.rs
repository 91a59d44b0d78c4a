//! The process roles around the queue: the worker and the scheduler started as background tasks (inside
//! `serve`, or alone as `worker` / `scheduler`), stopped together on shutdown.

use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::scheduler::Scheduler;
use super::worker::Worker;
use super::{Clock, JobContext, JobRegistry};
use crate::config::Config;

/// Which background roles a process runs.
#[derive(Debug, Clone, Copy)]
pub struct Roles {
    pub worker: bool,
    pub scheduler: bool,
}

/// Running background tasks; [`Background::shutdown`] stops them and waits for them.
pub struct Background {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Background {
    /// Starts the requested roles on `db`.
    pub fn start(
        config: Arc<Config>,
        db: DatabaseConnection,
        roles: Roles,
        clock: Arc<dyn Clock>,
        jobs: Arc<JobRegistry>,
    ) -> anyhow::Result<Self> {
        let (stop, rx) = watch::channel(false);
        let mut tasks = Vec::new();
        if roles.scheduler {
            let scheduler =
                Scheduler::new(db.clone(), &config, clock.clone()).map_err(anyhow::Error::msg)?;
            tasks.push(tokio::spawn(scheduler.run(rx.clone())));
        }
        if roles.worker {
            let mailer =
                crate::mail::Mailer::from_config(&config.email).map_err(anyhow::Error::msg)?;
            tracing::info!(transport = %mailer.describe(), "e-mail transport");
            let ctx = JobContext {
                db,
                config,
                mailer: Arc::new(mailer),
                clock,
            };
            let worker = Worker::new(ctx, jobs);
            tasks.push(tokio::spawn(worker.run(rx)));
        }
        Ok(Self { stop, tasks })
    }

    /// Asks every role to stop (a running job may finish within the worker's grace period) and waits.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

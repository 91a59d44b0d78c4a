//! Which handler runs which job kind. Every handler of the application is registered in
//! [`JobRegistry::standard`] — the one place a domain adds its jobs.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::Job;

#[derive(Default, Clone)]
pub struct JobRegistry {
    handlers: BTreeMap<&'static str, Arc<dyn Job>>,
}

impl JobRegistry {
    /// An empty registry (tests build their own).
    pub fn new() -> Self {
        Self::default()
    }

    /// Every job kind the application knows.
    pub fn standard() -> Self {
        let mut r = Self::new();
        r.register(crate::mail::SendEmailJob);
        r.register(super::cleanup::DraftsCleanupJob);
        r.register(crate::edam::jobs::EdamSyncJob);
        r.register(crate::licenses::jobs::LicensesSyncJob);
        r
    }

    /// Adds (or replaces) the handler for `job.kind()`.
    pub fn register(&mut self, job: impl Job + 'static) -> &mut Self {
        self.register_arc(Arc::new(job))
    }

    pub fn register_arc(&mut self, job: Arc<dyn Job>) -> &mut Self {
        self.handlers.insert(job.kind(), job);
        self
    }

    pub fn get(&self, kind: &str) -> Option<Arc<dyn Job>> {
        self.handlers.get(kind).cloned()
    }

    pub fn kinds(&self) -> Vec<&'static str> {
        self.handlers.keys().copied().collect()
    }
}

//! Which handler runs which job kind. Each domain exposes its jobs (`edam::jobs::jobs()`, …); the
//! application layer assembles them into `JobRegistry::standard` (in `app.rs`).

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

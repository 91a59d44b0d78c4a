//! Rendered catalogue listings, reused while nothing was written.
//!
//! A listing page is a function of its canonical URL and the data, and the data changes only through
//! write transactions, each of which advances the database's write version (`db::write_version`, in
//! any process: a second replica or a CLI command on the same database counts too). So a page
//! rendered at version *v* is served again, byte for byte, until the version moves on; then the whole
//! cache is dropped at once. The version is read before the data, so an entry is never labelled
//! newer than what it shows.
//!
//! HTML carries a per-request CSP nonce: a page is rendered with this cache's random placeholder in
//! its place and the placeholder is swapped for the request's nonce on the way out. The placeholder is
//! 32 random characters made at start-up, so no stored text can contain it.
//!
//! The cache is bounded by bytes; when full, entries are dropped to make room (any of them: after a
//! write they all go anyway).

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Most bytes of rendered pages kept per process.
pub const DEFAULT_MAX_BYTES: usize = 8 * 1024 * 1024;

/// One rendered response.
#[derive(Debug)]
pub struct Cached {
    /// The body, with the placeholder where the nonce goes.
    pub body: String,
    /// The `ETag`'s hash over the body with the nonce masked (as `http::Conditional` computes it).
    pub hash: String,
    pub last_modified: Option<DateTime<Utc>>,
    /// The complete URL an HTMX request pushes (page clamped).
    pub push_url: String,
}

#[derive(Default)]
struct Inner {
    version: i64,
    bytes: usize,
    entries: HashMap<String, Arc<Cached>>,
}

pub struct PageCache {
    placeholder: String,
    max_bytes: usize,
    inner: Mutex<Inner>,
    /// One render at a time per key: requests that miss together wait for the first one's page
    /// instead of all rendering it (after a write, every reader misses at once).
    renders: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Default for PageCache {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_BYTES)
    }
}

impl PageCache {
    /// A cache of at most `max_bytes` of bodies (0 turns it off).
    pub fn new(max_bytes: usize) -> Self {
        Self {
            placeholder: uuid::Uuid::new_v4().simple().to_string(),
            max_bytes,
            inner: Mutex::new(Inner::default()),
            renders: Mutex::new(HashMap::new()),
        }
    }

    /// The entry of `key` at `version`, rendered by `render` when missing — by one request only:
    /// the others asking for the same key meanwhile wait and get its result.
    pub async fn get_or_render<F, Fut, E>(
        &self,
        version: i64,
        key: String,
        render: F,
    ) -> Result<Arc<Cached>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Cached, E>>,
    {
        if let Some(hit) = self.get(version, &key) {
            return Ok(hit);
        }
        let turn = {
            let mut renders = self.renders.lock().unwrap_or_else(|p| p.into_inner());
            renders.entry(key.clone()).or_default().clone()
        };
        let guard = turn.lock().await;
        let result = match self.get(version, &key) {
            Some(hit) => Ok(hit),
            None => match render().await {
                Ok(page) => {
                    let page = Arc::new(page);
                    self.put(version, key.clone(), page.clone());
                    Ok(page)
                }
                Err(e) => Err(e),
            },
        };
        drop(guard);
        // The last one out removes the key's turn (the map holds one reference, `turn` another).
        let mut renders = self.renders.lock().unwrap_or_else(|p| p.into_inner());
        if renders.get(&key).is_some_and(|t| Arc::strong_count(t) <= 2) {
            renders.remove(&key);
        }
        drop(turn);
        result
    }

    /// What pages are rendered with instead of a nonce.
    pub fn placeholder(&self) -> &str {
        &self.placeholder
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves nothing inconsistent worse than a stale count.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The entry of `key` rendered at `version`, if any.
    pub fn get(&self, version: i64, key: &str) -> Option<Arc<Cached>> {
        let inner = self.lock();
        if inner.version != version {
            return None;
        }
        inner.entries.get(key).cloned()
    }

    /// Keeps `value` as rendered at `version`. A newer version empties the cache first; an entry of an
    /// older version than the cache's (a slow render overtaken by a write) is not kept.
    pub fn put(&self, version: i64, key: String, value: Arc<Cached>) {
        let size = value.body.len() + key.len();
        if size > self.max_bytes {
            return;
        }
        let mut inner = self.lock();
        if version < inner.version {
            return;
        }
        if version > inner.version {
            inner.entries.clear();
            inner.bytes = 0;
            inner.version = version;
        }
        while inner.bytes + size > self.max_bytes {
            let Some(victim) = inner.entries.keys().next().cloned() else {
                break;
            };
            if let Some(old) = inner.entries.remove(&victim) {
                inner.bytes = inner.bytes.saturating_sub(old.body.len() + victim.len());
            }
        }
        if let Some(old) = inner.entries.insert(key.clone(), value) {
            inner.bytes = inner.bytes.saturating_sub(old.body.len() + key.len());
        }
        inner.bytes += size;
    }

    /// Entries kept now (tests).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str) -> Arc<Cached> {
        Arc::new(Cached {
            body: body.into(),
            hash: "h".into(),
            last_modified: None,
            push_url: String::new(),
        })
    }

    #[test]
    fn a_new_version_empties_and_an_old_one_is_refused() {
        let c = PageCache::new(1024);
        c.put(1, "a".into(), page("one"));
        assert!(c.get(1, "a").is_some());
        assert!(c.get(2, "a").is_none(), "another version is a miss");
        c.put(2, "b".into(), page("two"));
        assert!(c.get(1, "a").is_none() && c.len() == 1);
        c.put(1, "a".into(), page("stale"));
        assert!(c.get(2, "a").is_none(), "an overtaken render is not kept");
    }

    #[tokio::test]
    async fn requests_that_miss_together_render_once() {
        let c = Arc::new(PageCache::new(1024));
        let renders = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (c, renders) = (c.clone(), renders.clone());
                tokio::spawn(async move {
                    c.get_or_render(3, "k".into(), || async {
                        renders.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        Ok::<_, ()>(Cached {
                            body: "page".into(),
                            hash: String::new(),
                            last_modified: None,
                            push_url: String::new(),
                        })
                    })
                    .await
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.expect("task").expect("page").body, "page");
        }
        assert_eq!(renders.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(
            c.renders.lock().expect("lock").is_empty(),
            "turns are cleaned up"
        );
        // A failed render is not kept, and the next request tries again.
        let e = c
            .get_or_render(4, "x".into(), || async { Err::<Cached, _>("boom") })
            .await;
        assert!(e.is_err() && c.get(4, "x").is_none());
    }

    #[test]
    fn bytes_are_bounded() {
        let c = PageCache::new(100);
        for i in 0..20 {
            c.put(1, format!("k{i}"), page(&"x".repeat(30)));
        }
        assert!(c.len() <= 3, "{} entries of 31 bytes in 100", c.len());
        c.put(1, "big".into(), page(&"x".repeat(200)));
        assert!(c.get(1, "big").is_none());
        assert_ne!(
            PageCache::new(1).placeholder(),
            PageCache::new(1).placeholder()
        );
    }
}

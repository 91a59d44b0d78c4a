//! The bio.tools HTTP client: reads one tool (`GET {base}/tool/{id}/?format=json`) with timeouts, a
//! size cap and bounded retries, and reports failures as short texts fit for a stored `sync_error`.

use std::time::Duration;

use serde_json::Value;

use super::id::BiotoolsId;
use super::mapping::{BioToolsEntry, map_tool};

pub const DEFAULT_API_URL: &str = "https://bio.tools/api";
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest wait for the next bytes (the answer's head included).
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest one attempt may take in all, however steadily a slow server drips.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
pub const ATTEMPTS: u32 = 3;
/// Wait before the second attempt; doubled before each further one.
pub const BACKOFF: Duration = Duration::from_millis(500);
/// A `Retry-After` is honoured up to this long.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
const MAX_REDIRECTS: usize = 5;

/// Why a tool could not be read. `Display` is short and meant to be stored as the record's `sync_error`.
#[derive(Debug, thiserror::Error)]
pub enum BiotoolsError {
    #[error("bio.tools has no tool with the id '{0}' (HTTP 404)")]
    NotFound(String),
    #[error("bio.tools answered HTTP {0}")]
    Status(u16),
    #[error("timed out after {0}")]
    Timeout(String),
    #[error("could not connect to bio.tools within {0}")]
    ConnectTimeout(String),
    #[error("could not connect to bio.tools: {0}")]
    Connect(String),
    #[error("network error while reading from bio.tools: {0}")]
    Network(String),
    #[error("response larger than {0}")]
    TooLarge(String),
    #[error("not valid JSON: {0}")]
    InvalidJson(String),
    #[error("not a bio.tools tool: the answer is a JSON {0}, not an object")]
    NotATool(&'static str),
    #[error("cannot set up the bio.tools client: {0}")]
    Setup(String),
    #[error("{last} (gave up after {attempts} attempts)")]
    GaveUp {
        attempts: u32,
        last: Box<BiotoolsError>,
    },
}

impl BiotoolsError {
    /// Worth another attempt: 5xx, 429, timeouts and connection trouble; never another 4xx.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Status(s) => *s >= 500 || *s == 429,
            Self::Timeout(_) | Self::ConnectTimeout(_) | Self::Connect(_) | Self::Network(_) => {
                true
            }
            _ => false,
        }
    }

    /// The error itself, or the last one when the client gave up after several attempts.
    pub fn last(&self) -> &BiotoolsError {
        match self {
            Self::GaveUp { last, .. } => last,
            other => other,
        }
    }
}

/// How the client talks to bio.tools; [`ClientSettings::new`] gives the defaults (tests shorten them).
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// API base without the trailing `/`, e.g. `https://bio.tools/api`.
    pub base_url: String,
    pub user_agent: String,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    pub attempt_timeout: Duration,
    /// Attempts in all (at least one).
    pub attempts: u32,
    pub backoff: Duration,
    pub max_bytes: usize,
}

impl ClientSettings {
    pub fn new(base_url: &str, user_agent: String) -> Self {
        Self {
            base_url: base_url.trim().trim_end_matches('/').to_string(),
            user_agent,
            connect_timeout: CONNECT_TIMEOUT,
            read_timeout: READ_TIMEOUT,
            attempt_timeout: ATTEMPT_TIMEOUT,
            attempts: ATTEMPTS,
            backoff: BACKOFF,
            max_bytes: MAX_BYTES,
        }
    }

    /// `BIOTOOLS_API_URL` (or `site.toml [biotools] api_url`), our User-Agent, and the optional
    /// `BIOTOOLS_TIMEOUT_MS` / `BIOTOOLS_RETRY_BACKOFF_MS`.
    pub fn from_config(config: &crate::config::Config) -> Self {
        let mut s = Self::new(&config.biotools_api_url, user_agent(&config.site.site.url));
        if let Some(ms) = config.biotools_timeout_ms {
            let t = Duration::from_millis(ms.max(1));
            s.attempt_timeout = t;
            s.read_timeout = s.read_timeout.min(t);
            s.connect_timeout = s.connect_timeout.min(t);
        }
        if let Some(ms) = config.biotools_retry_backoff_ms {
            s.backoff = Duration::from_millis(ms);
        }
        s
    }
}

/// `service-registry/<version> (+<site url>)`, so bio.tools can tell who is calling.
pub fn user_agent(site_url: &str) -> String {
    let version = env!("CARGO_PKG_VERSION");
    match site_url.trim() {
        "" => format!("service-registry/{version}"),
        url => format!("service-registry/{version} (+{url})"),
    }
}

/// The HTTP validators of a stored tool, as bio.tools sent them (empty when it sent none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: String,
    pub last_modified: String,
}

/// Longest validator kept (the columns hold 200 characters); a longer one is not used at all.
const MAX_VALIDATOR: usize = 200;

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_empty() && self.last_modified.is_empty()
    }

    fn of(headers: &reqwest::header::HeaderMap) -> Self {
        let get = |name| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| v.len() <= MAX_VALIDATOR)
                .unwrap_or_default()
                .to_string()
        };
        Self {
            etag: get(reqwest::header::ETAG),
            last_modified: get(reqwest::header::LAST_MODIFIED),
        }
    }
}

/// What a (conditional) read of a tool gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched {
    Tool {
        json: Value,
        validators: Validators,
    },
    /// Unchanged since the validators sent: the stored data is current.
    NotModified,
}

#[derive(Debug, Clone)]
pub struct BiotoolsClient {
    http: reqwest::Client,
    settings: ClientSettings,
}

impl BiotoolsClient {
    pub fn new(settings: ClientSettings) -> Result<Self, BiotoolsError> {
        let base = url::Url::parse(&settings.base_url)
            .map_err(|e| BiotoolsError::Setup(format!("'{}': {e}", settings.base_url)))?;
        let host = base.host_str().unwrap_or_default().to_string();
        // Redirects stay on the API's host: a user's id never leads the client anywhere else.
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS || attempt.url().host_str() != Some(&host)
            {
                attempt.stop()
            } else {
                attempt.follow()
            }
        });
        let http = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .connect_timeout(settings.connect_timeout)
            .read_timeout(settings.read_timeout)
            .redirect(policy)
            .build()
            .map_err(|e| BiotoolsError::Setup(innermost(&e)))?;
        Ok(Self { http, settings })
    }

    pub fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    /// The request URL, built only from a parsed id.
    pub fn tool_url(&self, id: &BiotoolsId) -> String {
        format!(
            "{}/tool/{}/?format=json",
            self.settings.base_url,
            id.as_str()
        )
    }

    /// Reads a tool and maps it.
    pub async fn get_tool(&self, id: &BiotoolsId) -> Result<BioToolsEntry, BiotoolsError> {
        self.get_tool_json(id).await.map(map_tool)
    }

    /// Reads a tool's JSON object, retrying transient failures with exponential backoff.
    pub async fn get_tool_json(&self, id: &BiotoolsId) -> Result<Value, BiotoolsError> {
        match self.fetch(id, &Validators::default()).await? {
            Fetched::Tool { json, .. } => Ok(json),
            // Only a conditional request may be answered 304; one without validators was not.
            Fetched::NotModified => Err(BiotoolsError::Status(304)),
        }
    }

    /// Reads a tool unless it is unchanged since `known` (bio.tools answered 304 to `If-None-Match` /
    /// `If-Modified-Since`), retrying transient failures with exponential backoff.
    pub async fn fetch(
        &self,
        id: &BiotoolsId,
        known: &Validators,
    ) -> Result<Fetched, BiotoolsError> {
        let attempts = self.settings.attempts.max(1);
        let mut delay = self.settings.backoff;
        let mut attempt = 1;
        loop {
            let (result, retry_after) =
                match tokio::time::timeout(self.settings.attempt_timeout, self.attempt(id, known))
                    .await
                {
                    Ok(r) => r,
                    Err(_) => (
                        Err(BiotoolsError::Timeout(seconds(
                            self.settings.attempt_timeout,
                        ))),
                        None,
                    ),
                };
            let err = match result {
                Ok(fetched) => return Ok(fetched),
                Err(e) if !e.is_retryable() => return Err(e),
                Err(e) if attempt >= attempts => {
                    return Err(if attempts == 1 {
                        e
                    } else {
                        BiotoolsError::GaveUp {
                            attempts,
                            last: Box::new(e),
                        }
                    });
                }
                Err(e) => e,
            };
            let wait = retry_after.map_or(delay, |r| r.min(MAX_RETRY_AFTER).max(delay));
            tracing::warn!(biotools_id = %id, attempt, error = %err, wait_ms = wait.as_millis() as u64,
                "bio.tools request failed; retrying");
            tokio::time::sleep(wait).await;
            delay = delay.saturating_mul(2);
            attempt += 1;
        }
    }

    /// One request; on a 429 or 5xx also the server's `Retry-After`, if it gave one in seconds.
    async fn attempt(
        &self,
        id: &BiotoolsId,
        known: &Validators,
    ) -> (Result<Fetched, BiotoolsError>, Option<Duration>) {
        let mut request = self
            .http
            .get(self.tool_url(id))
            .header(reqwest::header::ACCEPT, "application/json");
        if !known.etag.is_empty() {
            request = request.header(reqwest::header::IF_NONE_MATCH, &known.etag);
        }
        if !known.last_modified.is_empty() {
            request = request.header(reqwest::header::IF_MODIFIED_SINCE, &known.last_modified);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return (Err(self.transport(&e)), None),
        };
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED && !known.is_empty() {
            return (Ok(Fetched::NotModified), None);
        }
        if status == reqwest::StatusCode::NOT_FOUND {
            return (Err(BiotoolsError::NotFound(id.to_string())), None);
        }
        if !status.is_success() {
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return (Err(BiotoolsError::Status(status.as_u16())), retry_after);
        }
        let validators = Validators::of(response.headers());
        (
            self.read_json(response)
                .await
                .map(|json| Fetched::Tool { json, validators }),
            None,
        )
    }

    async fn read_json(&self, mut response: reqwest::Response) -> Result<Value, BiotoolsError> {
        let max = self.settings.max_bytes;
        let too_large = || BiotoolsError::TooLarge(size(max));
        if response.content_length().is_some_and(|n| n > max as u64) {
            return Err(too_large());
        }
        let mut body: Vec<u8> = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.transport(&e))? {
            if body.len() + chunk.len() > max {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let value: Value =
            serde_json::from_slice(&body).map_err(|e| BiotoolsError::InvalidJson(e.to_string()))?;
        match value {
            Value::Object(_) => Ok(value),
            Value::Array(_) => Err(BiotoolsError::NotATool("array")),
            Value::String(_) => Err(BiotoolsError::NotATool("string")),
            Value::Number(_) => Err(BiotoolsError::NotATool("number")),
            Value::Bool(_) => Err(BiotoolsError::NotATool("boolean")),
            Value::Null => Err(BiotoolsError::NotATool("null")),
        }
    }

    fn transport(&self, e: &reqwest::Error) -> BiotoolsError {
        if e.is_timeout() {
            if e.is_connect() {
                BiotoolsError::ConnectTimeout(seconds(self.settings.connect_timeout))
            } else {
                BiotoolsError::Timeout(seconds(self.settings.read_timeout))
            }
        } else if e.is_connect() {
            BiotoolsError::Connect(innermost(e))
        } else {
            BiotoolsError::Network(innermost(e))
        }
    }
}

/// The most specific message of an error chain (reqwest's own says only "error sending request").
fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

/// `10 s`, `0.2 s`.
fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

/// `2 MiB`, `64 KiB`, `100 bytes`.
fn size(bytes: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_short_texts_for_sync_error() {
        assert_eq!(
            BiotoolsError::Status(500).to_string(),
            "bio.tools answered HTTP 500"
        );
        assert_eq!(
            BiotoolsError::Timeout(seconds(READ_TIMEOUT)).to_string(),
            "timed out after 10 s"
        );
        assert_eq!(seconds(Duration::from_millis(200)), "0.2 s");
        assert_eq!(
            BiotoolsError::TooLarge(size(MAX_BYTES)).to_string(),
            "response larger than 2 MiB"
        );
        assert_eq!(size(64 * 1024), "64 KiB");
        assert_eq!(size(100), "100 bytes");
        let gave_up = BiotoolsError::GaveUp {
            attempts: 3,
            last: Box::new(BiotoolsError::Status(503)),
        };
        assert_eq!(
            gave_up.to_string(),
            "bio.tools answered HTTP 503 (gave up after 3 attempts)"
        );
        assert!(matches!(gave_up.last(), BiotoolsError::Status(503)));
    }

    #[test]
    fn only_transient_failures_are_retried() {
        for status in [500, 502, 503, 504, 429] {
            assert!(BiotoolsError::Status(status).is_retryable(), "{status}");
        }
        for status in [400, 401, 403, 410, 418] {
            assert!(!BiotoolsError::Status(status).is_retryable(), "{status}");
        }
        assert!(!BiotoolsError::NotFound("x".into()).is_retryable());
        assert!(!BiotoolsError::InvalidJson("x".into()).is_retryable());
        assert!(!BiotoolsError::TooLarge("x".into()).is_retryable());
        assert!(BiotoolsError::Timeout("1 s".into()).is_retryable());
    }

    #[test]
    fn the_url_is_built_from_the_parsed_id_only() {
        let settings = ClientSettings::new("https://bio.tools/api/", user_agent("https://x.org"));
        assert_eq!(
            settings.user_agent,
            concat!(
                "service-registry/",
                env!("CARGO_PKG_VERSION"),
                " (+https://x.org)"
            )
        );
        let client = BiotoolsClient::new(settings).map_err(|e| e.to_string());
        let id = BiotoolsId::parse("https://bio.tools/SignalP/").map_err(|e| e.to_string());
        let url = client.and_then(|c| id.map(|id| c.tool_url(&id)));
        assert_eq!(
            url.as_deref(),
            Ok("https://bio.tools/api/tool/signalp/?format=json")
        );
        assert!(BiotoolsClient::new(ClientSettings::new("not a url", user_agent(""))).is_err());
    }
}

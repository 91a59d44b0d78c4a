//! Fetching upstream data (EDAM releases, the SPDX licence list): an `http(s)://` URL with timeouts,
//! status and content-type checks and a size cap, or a local file; gzip is undone transparently.

use std::io::Read;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("Failed to load {origin}: {cause}")]
    Load { origin: String, cause: String },
    #[error("Failed to load {origin}: HTTP status {status}")]
    Status { origin: String, status: u16 },
    #[error("Failed to load {origin}: unexpected content type '{content_type}'")]
    ContentType {
        origin: String,
        content_type: String,
    },
    #[error("Failed to load {origin}: more than {max} bytes")]
    TooLarge { origin: String, max: usize },
}

/// What to accept from a source.
pub struct Fetch<'a> {
    pub user_agent: &'a str,
    pub timeout: Duration,
    pub max_bytes: usize,
    /// Content types (without parameters) accepted from HTTP; a missing header is accepted.
    pub content_types: &'a [&'a str],
}

/// Loaded bytes plus the HTTP content type when there was one.
pub struct Loaded {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
}

pub async fn load(source: &str, opts: &Fetch<'_>) -> Result<Loaded, SourceError> {
    let err = |cause: String| SourceError::Load {
        origin: source.to_string(),
        cause,
    };
    let (raw, content_type) = if source.starts_with("http://") || source.starts_with("https://") {
        let client = reqwest::Client::builder()
            .user_agent(opts.user_agent)
            .timeout(opts.timeout)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| err(e.to_string()))?;
        let mut resp = client
            .get(source)
            .send()
            .await
            .map_err(|e| err(describe(&e)))?;
        if !resp.status().is_success() {
            return Err(SourceError::Status {
                origin: source.to_string(),
                status: resp.status().as_u16(),
            });
        }
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            });
        if let Some(ct) = &content_type
            && !opts.content_types.contains(&ct.as_str())
        {
            return Err(SourceError::ContentType {
                origin: source.to_string(),
                content_type: ct.clone(),
            });
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| err(describe(&e)))? {
            if bytes.len() + chunk.len() > opts.max_bytes {
                return Err(SourceError::TooLarge {
                    origin: source.to_string(),
                    max: opts.max_bytes,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        (bytes, content_type)
    } else {
        let meta = tokio::fs::metadata(source)
            .await
            .map_err(|e| err(e.to_string()))?;
        if meta.len() as usize > opts.max_bytes {
            return Err(SourceError::TooLarge {
                origin: source.to_string(),
                max: opts.max_bytes,
            });
        }
        (
            tokio::fs::read(source)
                .await
                .map_err(|e| err(e.to_string()))?,
            None,
        )
    };
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        gunzip(&raw, opts.max_bytes).map_err(|e| err(format!("cannot decompress: {e}")))?
    } else {
        raw
    };
    Ok(Loaded {
        bytes,
        content_type,
    })
}

/// Decompresses gzip data, refusing output beyond `max` bytes (a small bomb cannot fill memory).
pub fn gunzip(data: &[u8], max: usize) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut decoder = flate2::read::GzDecoder::new(data).take(max as u64 + 1);
    decoder.read_to_end(&mut out)?;
    if out.len() > max {
        return Err(std::io::Error::other(format!(
            "more than {max} bytes when decompressed"
        )));
    }
    Ok(out)
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        format!("cannot connect ({e})")
    } else {
        e.to_string()
    }
}

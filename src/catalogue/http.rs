//! Conditional GET for the catalogue: a weak `ETag` over the response's content, `Last-Modified` from
//! the services shown, and `304 Not Modified` when the client's copy is current.
//!
//! HTML pages carry a per-request CSP nonce, so their tag is computed with the nonce masked and names
//! the nonce it was served with (`W/"<hash>.<nonce>"`): a 304 then sends the CSP of *that* nonce, the
//! one in the copy the browser keeps, instead of a fresh one that would block the page's scripts.

use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    LAST_MODIFIED, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::state::AppState;

/// The hash an `ETag` is made of: over `body` with every `mask` (the nonce) removed.
pub fn hash(body: &str, mask: Option<&str>) -> String {
    let masked;
    let text = match mask.filter(|m| !m.is_empty()) {
        Some(m) => {
            masked = body.replace(m, "");
            masked.as_str()
        }
        None => body,
    };
    hex::encode(&Sha256::digest(text.as_bytes())[..12])
}

/// A nonce as the edge issues them (URL-safe base64): nothing else may reach the CSP header.
fn plausible_nonce(n: &str) -> bool {
    (16..=64).contains(&n.len())
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The tags of `If-None-Match` (`*` included as itself).
fn client_tags(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| {
            t.trim()
                .trim_start_matches("W/")
                .trim_matches('"')
                .to_string()
        })
        .filter(|t| !t.is_empty())
        .collect()
}

fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// What the response is and where it came from.
pub struct Conditional<'a> {
    pub content_type: &'static str,
    pub body: String,
    pub last_modified: Option<DateTime<Utc>>,
    /// The page's CSP nonce, for HTML.
    pub nonce: Option<&'a str>,
    /// The request path (the CSP differs for a few pages).
    pub path: &'a str,
    pub vary_htmx: bool,
    /// [`hash`] of the body, when already known (a cached page).
    pub etag_hash: Option<&'a str>,
}

impl Conditional<'_> {
    /// The full response, or a 304 when the client's tag (or, for non-HTML, its date) is current.
    pub fn respond(self, state: &AppState, req: &HeaderMap, extra: HeaderMap) -> Response {
        let h = match self.etag_hash {
            Some(h) => h.to_string(),
            None => hash(&self.body, self.nonce),
        };
        let tags = client_tags(req);
        let mut not_modified_nonce: Option<Option<String>> = None;
        for t in &tags {
            let (th, tn) = t
                .split_once('.')
                .map_or((t.as_str(), None), |(a, b)| (a, Some(b)));
            if th == h && (self.nonce.is_none() || tn.is_some_and(plausible_nonce)) {
                not_modified_nonce = Some(tn.map(str::to_string));
                break;
            }
        }
        // If-Modified-Since only when no tag was sent, and never for HTML (see the module comment).
        if tags.is_empty()
            && self.nonce.is_none()
            && let (Some(lm), Some(ims)) = (
                self.last_modified,
                req.get(IF_MODIFIED_SINCE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| DateTime::parse_from_rfc2822(&v.replace("GMT", "+0000")).ok()),
            )
            && lm.timestamp() <= ims.timestamp()
        {
            not_modified_nonce = Some(None);
        }
        let served_nonce = self.nonce.map(str::to_string);
        let (status, body, tag_nonce) = match not_modified_nonce {
            Some(n) => (StatusCode::NOT_MODIFIED, String::new(), n),
            None => (StatusCode::OK, self.body, served_nonce),
        };
        let tag = match &tag_nonce {
            Some(n) => format!("W/\"{h}.{n}\""),
            None => format!("W/\"{h}\""),
        };
        let mut resp = (status, body).into_response();
        let hs = resp.headers_mut();
        hs.extend(extra);
        if status == StatusCode::OK {
            hs.insert(CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        }
        if let Ok(v) = HeaderValue::from_str(&tag) {
            hs.insert(ETAG, v);
        }
        if let Some(lm) = self.last_modified
            && let Ok(v) = HeaderValue::from_str(&http_date(lm))
        {
            hs.insert(LAST_MODIFIED, v);
        }
        hs.insert(CACHE_CONTROL, HeaderValue::from_static("public, no-cache"));
        if self.vary_htmx {
            hs.insert(
                VARY,
                HeaderValue::from_static("HX-Request, HX-History-Restore-Request"),
            );
        }
        // The 304 of an HTML page keeps the policy of the nonce in the client's copy.
        if status == StatusCode::NOT_MODIFIED
            && let Some(n) = &tag_nonce
        {
            let csp = crate::web::security::content_security_policy(
                n,
                self.path,
                &state.img_origins,
                state.config.is_dev(),
            );
            if let Ok(v) = HeaderValue::from_str(&csp) {
                hs.insert(CONTENT_SECURITY_POLICY, v);
            }
        }
        resp
    }
}

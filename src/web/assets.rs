//! Static files embedded in the binary, served under content-hashed names with immutable caching.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::HashMap;

use crate::error::AppError;
use std::sync::Arc;

#[derive(RustEmbed)]
#[folder = "static/"]
#[exclude = "*.md"]
struct Embedded;

struct Asset {
    bytes: Cow<'static, [u8]>,
    content_type: &'static str,
    etag: String,
}

/// Logical path (`css/registry.css`) ↔ hashed path (`css/registry.1a2b3c4d5e.css`) and contents.
pub struct Assets {
    by_hashed: HashMap<String, String>,
    hashed_of: HashMap<String, String>,
    files: HashMap<String, Asset>,
}

impl Assets {
    pub fn load() -> Self {
        let mut by_hashed = HashMap::new();
        let mut hashed_of = HashMap::new();
        let mut files = HashMap::new();
        for name in Embedded::iter() {
            let Some(file) = Embedded::get(&name) else {
                continue;
            };
            let digest = hex::encode(Sha256::digest(&file.data));
            let short = &digest[..10];
            let hashed = hashed_name(&name, short);
            by_hashed.insert(hashed.clone(), name.to_string());
            hashed_of.insert(name.to_string(), hashed);
            files.insert(
                name.to_string(),
                Asset {
                    content_type: content_type(&name),
                    etag: format!("\"{short}\""),
                    bytes: file.data,
                },
            );
        }
        Self {
            by_hashed,
            hashed_of,
            files,
        }
    }

    /// The public URL of a static file; a name that does not exist is returned unhashed so a template
    /// typo shows up as a 404 in the browser rather than a crash.
    pub fn url(&self, logical: &str) -> String {
        let logical = logical.trim_start_matches('/');
        match self.hashed_of.get(logical) {
            Some(h) => format!("/static/{h}"),
            None => format!("/static/{logical}"),
        }
    }

    /// Like [`Assets::url`], for templates: a known file's URL is marked safe (it is built only from our own
    /// file names), anything else goes through normal escaping.
    pub fn template_url(&self, logical: &str) -> minijinja::Value {
        let url = self.url(logical);
        if self.exists(logical.trim_start_matches('/')) {
            minijinja::Value::from_safe_string(url)
        } else {
            minijinja::Value::from(url)
        }
    }

    pub fn exists(&self, logical: &str) -> bool {
        self.files.contains_key(logical)
    }
}

fn hashed_name(name: &str, hash: &str) -> String {
    let (dir, file) = match name.rsplit_once('/') {
        Some((d, f)) => (format!("{d}/"), f),
        None => (String::new(), name),
    };
    match file.rsplit_once('.') {
        Some((stem, ext)) => format!("{dir}{stem}.{hash}.{ext}"),
        None => format!("{dir}{file}.{hash}"),
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "webp" => "image/webp",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "json" | "map" => "application/json",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `GET /static/{*path}`: hashed names are cached for a year; plain names revalidate every time.
pub async fn serve(
    State(assets): State<Arc<Assets>>,
    Path(path): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let (logical, immutable) = match assets.by_hashed.get(&path) {
        Some(l) => (l.as_str(), true),
        None => (path.as_str(), false),
    };
    let Some(asset) = assets.files.get(logical) else {
        return Err(AppError::NotFound("Not found.".into()));
    };
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == asset.etag)
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::CACHE_CONTROL, cache)]).into_response());
    }
    let mut resp = Response::new(Body::from(asset.bytes.clone()));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&asset.etag) {
        h.insert(header::ETAG, v);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::hashed_name;

    #[test]
    fn hash_goes_before_the_last_extension() {
        assert_eq!(hashed_name("css/app.css", "abc"), "css/app.abc.css");
        assert_eq!(
            hashed_name("vendor/b/js/bootstrap.bundle.min.js", "abc"),
            "vendor/b/js/bootstrap.bundle.min.abc.js"
        );
        assert_eq!(hashed_name("LICENSE", "abc"), "LICENSE.abc");
    }
}

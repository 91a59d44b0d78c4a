//! Request ids and security headers on every response: a strict CSP with a per-request nonce (never
//! `'unsafe-inline'` for scripts), frame/sniffing/referrer protections, and HSTS when served over TLS.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;

use super::{CspNonce, RequestId, client};
use crate::config::Config;
use std::sync::Arc;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Stands for the request's nonce in the policies computed at start-up.
const NONCE_MARK: &str = "{nonce}";

/// What the edge middleware needs, computed once at start-up: the configuration, the two policies (with
/// a mark where each request's nonce goes) and the HSTS value.
pub struct Edge {
    config: Arc<Config>,
    csp: String,
    csp_docs: String,
    hsts: Option<HeaderValue>,
}

impl Edge {
    pub fn new(config: Arc<Config>, img_origins: &[String]) -> Arc<Self> {
        let dev = config.is_dev();
        let hsts = (config.hsts_seconds > 0)
            .then(|| {
                HeaderValue::from_str(&format!(
                    "max-age={}; includeSubDomains; preload",
                    config.hsts_seconds
                ))
                .ok()
            })
            .flatten();
        Arc::new(Self {
            csp: content_security_policy(NONCE_MARK, "/", img_origins, dev),
            csp_docs: content_security_policy(NONCE_MARK, "/api/docs/", img_origins, dev),
            hsts,
            config,
        })
    }
}

fn acceptable_request_id(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 128
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// The request's id: the one a trusted proxy sent (when well-formed), or a new UUID.
fn request_id_of(req: &Request, config: &Config) -> String {
    let incoming = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable_request_id(v));
    match incoming {
        Some(id) if client::from_trusted_proxy(req.extensions(), &config.forwarded_allow_ips) => {
            id.to_string()
        }
        _ => uuid::Uuid::new_v4().to_string(),
    }
}

fn new_nonce() -> String {
    let mut bytes = [0u8; 18];
    rand::fill(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The Content-Security-Policy for a response. The API documentation pages load vendored Swagger UI /
/// ReDoc, which inject `<style>` elements at run time; only there are inline *styles* allowed.
pub fn content_security_policy(
    nonce: &str,
    path: &str,
    img_origins: &[String],
    dev: bool,
) -> String {
    let docs_page = is_docs_page(path);
    let style_src = if docs_page {
        "style-src 'self' 'unsafe-inline'".to_string()
    } else {
        format!("style-src 'self' 'nonce-{nonce}'")
    };
    let mut img = String::from("img-src 'self' data:");
    for origin in img_origins {
        img.push(' ');
        img.push_str(origin);
    }
    let mut policy = vec![
        "default-src 'self'".to_string(),
        format!("script-src 'self' 'nonce-{nonce}'"),
        style_src,
        img,
        "font-src 'self'".into(),
        "connect-src 'self'".into(),
        "worker-src 'self' blob:".into(),
        "frame-src 'none'".into(),
        "frame-ancestors 'none'".into(),
        "object-src 'none'".into(),
        "form-action 'self'".into(),
        "base-uri 'self'".into(),
    ];
    if !dev {
        policy.push("upgrade-insecure-requests".into());
    }
    policy.join("; ")
}

fn is_docs_page(path: &str) -> bool {
    path == "/api/docs/" || path == "/api/redoc/"
}

/// The tracing target of the access log: `RUST_LOG=info,access=off` silences it like `LOG_REQUESTS=false`.
pub const ACCESS_LOG_TARGET: &str = "access";

/// The outermost layer, one function so that a request pays for one layer instead of four: gives the
/// request its id (on the request for logs and error bodies, and on the response), opens the span
/// that ties the request's log lines together, adds the CSP nonce (templates read it) and the security
/// headers, and writes the access line (outside the span, so it carries its fields once).
pub async fn edge(State(edge): State<Arc<Edge>>, mut req: Request, next: Next) -> Response {
    let config = &edge.config;
    let id = request_id_of(&req, config);
    let id_value =
        HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("invalid"));
    let access =
        config.log_requests && tracing::enabled!(target: ACCESS_LOG_TARGET, tracing::Level::INFO);
    let started = access.then(std::time::Instant::now);
    let method = req.method().clone();
    let docs_page = is_docs_page(req.uri().path());
    let path = access.then(|| req.uri().path().to_owned());
    // Only the path: query strings and headers may carry credentials. (Fields are evaluated only when
    // the span is enabled.)
    let span = tracing::info_span!("request", method = %method, path = %req.uri().path(), request_id = %id);
    let https = client::is_https(
        req.headers(),
        req.extensions(),
        &config.forwarded_allow_ips,
        req.uri(),
    );
    let nonce = new_nonce();
    let csp = if docs_page { &edge.csp_docs } else { &edge.csp }.replace(NONCE_MARK, &nonce);
    req.headers_mut().insert(REQUEST_ID, id_value.clone());
    req.extensions_mut().insert(CspNonce(nonce));
    req.extensions_mut().insert(RequestId(id.clone()));
    span.in_scope(
        || tracing::debug!(headers = %scrubbed_headers(req.headers()), "request headers"),
    );
    let mut resp = tracing::Instrument::instrument(next.run(req), span.clone()).await;
    if resp.status().is_server_error() {
        span.in_scope(|| tracing::error!(status = resp.status().as_u16(), "response failed"));
    }
    let h = resp.headers_mut();
    h.insert(REQUEST_ID, id_value);
    // A handler that set its own (stricter) policy keeps it: the media files do.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY)
        && let Ok(v) = HeaderValue::from_str(&csp)
    {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("geolocation=(), microphone=(), camera=()"),
    );
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if https && let Some(hsts) = &edge.hsts {
        h.insert(header::STRICT_TRANSPORT_SECURITY, hsts.clone());
    }
    if let Some(started) = started {
        let latency_ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
        tracing::info!(
            target: ACCESS_LOG_TARGET,
            method = %method,
            path = %path.as_deref().unwrap_or_default(),
            status = resp.status().as_u16(),
            latency_ms,
            request_id = %id
        );
    }
    resp
}

/// Header names whose values never reach a log line.
pub const SENSITIVE_HEADERS: [&str; 4] = [
    "authorization",
    "cookie",
    "set-cookie",
    "proxy-authorization",
];

/// The request headers as a log-safe string: sensitive values replaced by `[redacted]`.
pub fn scrubbed_headers(headers: &axum::http::HeaderMap) -> String {
    headers
        .iter()
        .map(|(name, value)| {
            let shown = if SENSITIVE_HEADERS.contains(&name.as_str()) {
                "[redacted]"
            } else {
                value.to_str().unwrap_or("[binary]")
            };
            format!("{}={shown}", name.as_str())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `host` (a Host header value, port allowed) is one of `allowed` (`*` allows any).
pub fn host_allowed(host: &str, allowed: &[String]) -> bool {
    let bare = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(h, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                h
            } else {
                host
            }
        }),
    };
    allowed.iter().any(|a| {
        a == "*"
            || a.eq_ignore_ascii_case(bare)
            || (a.starts_with('.') && bare.ends_with(a.as_str()))
    })
}

/// The checks every request passes before any handler, in one layer (inside the error renderer, so their
/// refusals get the envelope or the error page):
/// - a NUL byte in the path or the query (`%00`; the URI itself cannot carry a raw one) is refused with
///   a 400: PostgreSQL refuses NUL in text, and no identifier or filter value of ours contains one;
/// - in production, requests must name an allowed host (`ALLOWED_HOSTS`), so links built from the Host
///   header cannot be poisoned;
/// - in production, a request that arrived over plain HTTP (directly, or as a trusted proxy reports it
///   in `X-Forwarded-Proto`) is sent to the same URL on https with a 301, unless
///   `SECURE_SSL_REDIRECT=false`. Runs after the Host check, so the redirect only names an allowed host.
///
/// Health probes (which use the container's own address, on the plain port) are exempt from the last two.
pub async fn guard(State(cfg): State<Arc<Config>>, req: Request, next: Next) -> Response {
    use axum::response::IntoResponse;
    let has_nul = req
        .uri()
        .path_and_query()
        .is_some_and(|p| p.as_str().as_bytes().windows(3).any(|w| w == b"%00"));
    if has_nul {
        return crate::error::AppError::BadRequest(
            "The URL must not contain NUL characters.".into(),
        )
        .into_response();
    }
    // Probes and scrapers call by address over plain HTTP inside the deployment: no host check, no
    // redirect to https for them.
    if cfg.is_dev() || req.uri().path().starts_with("/health/") || req.uri().path() == "/metrics" {
        return next.run(req).await;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    if let Some(host) = host
        && !host_allowed(host, &cfg.allowed_hosts)
    {
        return crate::error::AppError::BadRequest("Invalid Host header.".into()).into_response();
    }
    if !cfg.secure_ssl_redirect
        || client::is_https(
            req.headers(),
            req.extensions(),
            &cfg.forwarded_allow_ips,
            req.uri(),
        )
    {
        return next.run(req).await;
    }
    https_redirect(&cfg, &req)
}

/// The 301 to the same URL on https.
fn https_redirect(cfg: &Config, req: &Request) -> Response {
    use axum::response::IntoResponse;
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| !h.is_empty())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .or_else(|| {
            url::Url::parse(&cfg.site.site.url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
        });
    let Some(host) = host else {
        return crate::error::AppError::BadRequest("Invalid Host header.".into()).into_response();
    };
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    match HeaderValue::from_str(&format!("https://{host}{path}")) {
        Ok(location) => (
            axum::http::StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, location)],
        )
            .into_response(),
        Err(_) => crate::error::AppError::BadRequest("Invalid Host header.".into()).into_response(),
    }
}

#[cfg(test)]
mod host_tests {
    use super::host_allowed;

    #[test]
    fn hosts() {
        let allowed = vec![
            "registry.example.org".to_string(),
            ".example.net".to_string(),
            "::1".to_string(),
        ];
        assert!(host_allowed("registry.example.org", &allowed));
        assert!(host_allowed("REGISTRY.example.org:443", &allowed));
        assert!(host_allowed("a.example.net", &allowed));
        assert!(host_allowed("[::1]:8000", &allowed));
        assert!(!host_allowed("evil.org", &allowed));
        assert!(!host_allowed("registry.example.org.evil.org", &allowed));
        assert!(host_allowed("anything", &["*".to_string()]));
    }
}

//! Turns every error response into its final form: the JSON envelope `{"error": {...}, "request_id"}`
//! under `/api/`, an HTML error page elsewhere. Framework errors (unknown route, wrong method, body too
//! large, panics) pass through here too, so no surface ever answers with a bare status.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Json, Response};
use minijinja::context;
use serde_json::json;

use super::templates::Templates;
use super::{PageContext, RequestId};
use crate::error::{ErrorInfo, default_info};
use std::sync::Arc;

/// Marker for responses whose body is already final (e.g. a form re-rendered with a 403).
#[derive(Clone, Copy, Debug)]
pub struct Rendered;

pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// A client that asks for JSON and not HTML (the pickers' fetch calls) gets the envelope on any path.
fn wants_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json") && !a.contains("text/html"))
}

pub async fn render_errors(
    State(templates): State<Arc<Templates>>,
    req: Request,
    next: Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let page = PageContext::from_parts(&parts);
    let request_id = parts
        .extensions
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let api = is_api_path(parts.uri.path()) || wants_json(&parts.headers);
    let resp = next.run(Request::from_parts(parts, body)).await;

    let status = resp.status();
    if status.as_u16() < 400 || resp.extensions().get::<Rendered>().is_some() {
        return resp;
    }
    let info = resp.extensions().get::<ErrorInfo>().cloned();
    // Bodies we did not produce ourselves (plain-text framework rejections, empty 404/405) are replaced.
    let foreign = info.is_none()
        && resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|ct| ct.starts_with("text/plain"));
    if info.is_none() && !foreign {
        return resp;
    }
    let info = info.unwrap_or_else(|| default_info(status));
    let (mut parts, _) = resp.into_parts();
    let retry_after = parts
        .headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = if api {
        api_body(status, &info, &request_id)
    } else {
        html_body(&templates, status, &info, &page, retry_after)
    };
    let (new_parts, new_body) = body.into_parts();
    for (k, v) in new_parts.headers.iter() {
        parts.headers.insert(k.clone(), v.clone());
    }
    Response::from_parts(parts, new_body)
}

fn api_body(status: StatusCode, info: &ErrorInfo, request_id: &str) -> Response {
    let mut error = json!({
        "status": status.as_u16(),
        "code": info.code,
        "message": info.message,
    });
    if let Some(details) = &info.details {
        error["details"] = details.clone();
    }
    Json(json!({ "error": error, "request_id": request_id })).into_response()
}

fn html_body(
    templates: &Templates,
    status: StatusCode,
    info: &ErrorInfo,
    page: &PageContext,
    retry_after: Option<u64>,
) -> Response {
    let ctx = context! {
        status => status.as_u16(),
        reason => status.canonical_reason().unwrap_or("Error"),
        message => info.message,
        retry_after => retry_after.map(wait_text),
    };
    match templates.render_page("errors/error.html", page, ctx) {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page could not be rendered");
            let mut r = Html(format!(
                "<!doctype html><title>{0}</title><h1>{0}</h1>",
                status.as_u16()
            ))
            .into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
    }
}

/// How long to wait, in words, for the 429 and 503 pages ("30 seconds", "about 5 minutes").
fn wait_text(secs: u64) -> String {
    match secs {
        0 | 1 => "a second".into(),
        2..=119 => format!("{secs} seconds"),
        120..=7199 => format!("about {} minutes", secs.div_ceil(60)),
        _ => format!("about {} hours", secs.div_ceil(3600)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn wait_texts() {
        assert_eq!(super::wait_text(1), "a second");
        assert_eq!(super::wait_text(45), "45 seconds");
        assert_eq!(super::wait_text(3599), "about 60 minutes");
        assert_eq!(super::wait_text(36_000), "about 10 hours");
    }
}

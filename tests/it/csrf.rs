//! CSRF through the real router: the cookie is issued with the form that needs it (and only then),
//! a submission needs the signed cookie and the same token in the form field or the `X-CSRF-Token`
//! header, and every refusal is a 403 with a message saying what to do.
//!
//! There are no form pages yet, so the routes under `/test/` are test-only handlers merged into the real
//! application (every production layer applies); `form_app` builds them.

use crate::support::{TestApp, TestResponse};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use service_registry::app::AppState;
use service_registry::error::AppError;
use service_registry::web::captcha::{self, CaptchaError};
use service_registry::web::csrf::{CsrfCheck, CsrfForm};
use service_registry::web::errors::Rendered;
use service_registry::web::{PageContext, render};
use std::collections::HashMap;
use tempfile::TempDir;

const FORM_TEMPLATE: &str = r#"{% extends "base.html" %}{% block content %}
<form method="post" action="/test/form/">{{ csrf_field() }}<button>Send</button></form>
<meta name="csrf-token" content="{{ csrf_token() }}">
{% endblock %}"#;

/// The test application with the `/test/` form routes, its site configuration `site_toml` and extra
/// environment. The directory holds the site file and the test template and must outlive the app.
pub struct FormApp {
    pub app: TestApp,
    _dir: TempDir,
}

pub async fn form_app(site_toml: &str, extra_env: &[(&str, &str)]) -> FormApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("site.toml");
    std::fs::write(&site, site_toml).expect("write site.toml");
    let templates = dir.path().join("templates");
    std::fs::create_dir_all(&templates).expect("templates dir");
    std::fs::write(templates.join("test_form.html"), FORM_TEMPLATE).expect("write template");
    let site = site.display().to_string();
    let templates = templates.display().to_string();
    let mut env = vec![
        ("SITE_CONFIG", site.as_str()),
        ("TEMPLATES_DIR", templates.as_str()),
    ];
    env.extend_from_slice(extra_env);
    let app = TestApp::build_with(&env, Router::new(), pages()).await;
    FormApp { app, _dir: dir }
}

fn pages() -> Router<AppState> {
    Router::new()
        .route("/test/form/", get(show_form).post(submit_form))
        .route("/test/htmx/", post(htmx_action))
        .route("/test/captcha/", post(submit_with_captcha))
}

async fn show_form(State(state): State<AppState>, page: PageContext) -> Result<Response, AppError> {
    render(&state, "test_form.html", &page, minijinja::context! {})
}

async fn submit_form(CsrfForm(form): CsrfForm<HashMap<String, String>>) -> String {
    format!("accepted {}", form.get("name").map_or("", String::as_str))
}

async fn htmx_action(check: CsrfCheck) -> Result<&'static str, AppError> {
    check.verify(None)?;
    Ok("accepted")
}

/// What a registration handler will do: CSRF first (the extractor), then the captcha, whose refusal
/// re-renders the form with the message beside the widget (here: just the message, as a final page).
async fn submit_with_captcha(
    State(state): State<AppState>,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    use axum::response::{Html, IntoResponse};
    let payload = form.get(captcha::FIELD).map(String::as_str);
    match state
        .captcha
        .verify(&state.db, payload, state.clock.now())
        .await
    {
        Ok(()) => Ok("accepted".into_response()),
        Err(CaptchaError::Database(e)) => Err(e.into()),
        Err(refused) => {
            let mut r = (
                StatusCode::BAD_REQUEST,
                Html(format!("<div class=\"invalid-feedback\">{refused}</div>")),
            )
                .into_response();
            r.extensions_mut().insert(Rendered);
            Ok(r)
        }
    }
}

/// The `sr_csrf` value a response sets, if any.
pub fn set_cookie_token(r: &TestResponse) -> Option<String> {
    r.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("sr_csrf="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

/// The token the form page put into its hidden field.
pub fn field_token(html: &str) -> Option<String> {
    let marker = r#"name="csrf_token" value=""#;
    let start = html.find(marker)? + marker.len();
    let len = html[start..].find('"')?;
    Some(html[start..start + len].to_string())
}

/// GET the form: (cookie token, field token).
pub async fn csrf_pair(app: &TestApp) -> (String, String) {
    let r = app.get("/test/form/").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let cookie = set_cookie_token(&r).expect("the form page sets sr_csrf");
    let field = field_token(&r.text()).expect("hidden csrf_token field");
    (cookie, field)
}

pub async fn post_form(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    header: Option<&str>,
    body: &str,
) -> TestResponse {
    let mut req = Request::post(path).header("content-type", "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        req = req.header("cookie", format!("theme=dark; sr_csrf={c}"));
    }
    if let Some(h) = header {
        req = req.header("x-csrf-token", h);
    }
    app.send(req.body(Body::from(body.to_string())).expect("request"))
        .await
}

fn form_body(token: &str, extra: &str) -> String {
    let token: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
    format!("csrf_token={token}&{extra}")
}

#[tokio::test]
async fn the_form_page_issues_a_strict_httponly_cookie_matching_its_field() {
    let f = form_app("", &[]).await;
    let r = f.app.get("/test/form/").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let set = r.header("set-cookie");
    assert!(set.starts_with("sr_csrf="), "{set}");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attr), "{attr} missing: {set}");
    }
    // Development mode over plain HTTP: not Secure (the browser would drop it on http://localhost).
    assert!(!set.contains("Secure"), "{set}");
    assert_eq!(r.header("cache-control"), "no-store");
    let html = r.text();
    let field = field_token(&html).expect("field");
    assert_eq!(Some(field.clone()), set_cookie_token(&r));
    assert!(html.contains(&format!(r#"<meta name="csrf-token" content="{field}">"#)));

    // With a valid cookie the page reuses it and sets nothing.
    let again = f
        .app
        .send(
            Request::get("/test/form/")
                .header("cookie", format!("sr_csrf={field}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.header("set-cookie").is_empty());
    assert_eq!(field_token(&again.text()), Some(field));
}

#[tokio::test]
async fn pages_without_forms_set_no_cookie() {
    let f = form_app("", &[]).await;
    for path in ["/", "/about/", "/no-such-page/", "/health/live/"] {
        let r = f.app.get(path).await;
        assert!(r.header("set-cookie").is_empty(), "{path} set a cookie");
    }
}

#[tokio::test]
async fn production_cookies_are_secure() {
    let f = form_app(
        "",
        &[
            ("SESSION_COOKIE_SECURE", "true"),
            ("SECURE_SSL_REDIRECT", "false"),
        ],
    )
    .await;
    let r = f.app.get("/test/form/").await;
    assert!(
        r.header("set-cookie").contains("; Secure"),
        "{:?}",
        r.headers
    );
}

#[tokio::test]
async fn a_valid_pair_passes() {
    let f = form_app("", &[]).await;
    let (cookie, field) = csrf_pair(&f.app).await;
    let r = post_form(
        &f.app,
        "/test/form/",
        Some(&cookie),
        None,
        &form_body(&field, "name=Galaxy"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.text(), "accepted Galaxy");
}

#[tokio::test]
async fn the_header_variant_passes() {
    let f = form_app("", &[]).await;
    let (cookie, field) = csrf_pair(&f.app).await;
    let r = post_form(&f.app, "/test/htmx/", Some(&cookie), Some(&field), "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // A URL-encoded form may carry the token in the header instead of the field, too.
    let r = post_form(&f.app, "/test/form/", Some(&cookie), Some(&field), "name=x").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

const COOKIE_MESSAGE: &str = "its security cookie is missing or out of date";
const TOKEN_MESSAGE: &str = "its security token is missing or does not match";

#[tokio::test]
async fn a_missing_cookie_is_refused_with_403() {
    let f = form_app("", &[]).await;
    let (_, field) = csrf_pair(&f.app).await;
    let r = post_form(&f.app, "/test/form/", None, None, &form_body(&field, "")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains(COOKIE_MESSAGE), "{}", r.text());
    assert!(r.header("content-type").starts_with("text/html"));
    // A cookie we did not sign counts as none.
    let forged = "a".repeat(43) + "." + &"b".repeat(43);
    let r = post_form(
        &f.app,
        "/test/form/",
        Some(&forged),
        None,
        &form_body(&forged, ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains(COOKIE_MESSAGE), "{}", r.text());
}

#[tokio::test]
async fn a_missing_field_is_refused_with_403() {
    let f = form_app("", &[]).await;
    let (cookie, _) = csrf_pair(&f.app).await;
    let r = post_form(&f.app, "/test/form/", Some(&cookie), None, "name=x").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains(TOKEN_MESSAGE), "{}", r.text());
    let r = post_form(&f.app, "/test/htmx/", Some(&cookie), None, "").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_mismatched_token_is_refused_with_403_in_html_and_json() {
    let f = form_app("", &[]).await;
    let (cookie, _) = csrf_pair(&f.app).await;
    // Another valid token (a second browser's) does not match this cookie.
    let (_, other) = csrf_pair(&f.app).await;
    assert_ne!(cookie, other);
    let r = post_form(
        &f.app,
        "/test/form/",
        Some(&cookie),
        None,
        &form_body(&other, ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains(TOKEN_MESSAGE), "{}", r.text());

    let r = f
        .app
        .send(
            Request::post("/test/htmx/")
                .header("accept", "application/json")
                .header("cookie", format!("sr_csrf={cookie}"))
                .header("x-csrf-token", other)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let body = r.json();
    assert_eq!(body["error"]["code"], "csrf_failed");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(TOKEN_MESSAGE)),
        "{body}"
    );
}

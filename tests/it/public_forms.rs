//! `/register/` through the real router: the page (sections, no inline script, size, no-store), a valid
//! registration and its one-time key page, the 422 re-render keeping every value, each validation
//! message path, the captcha (missing, wrong, expired, replayed), CSRF, the rate limit's 429 page, the
//! form sent twice, and the inline check of one field.

use crate::csrf::{field_token, set_cookie_token};
use crate::submissions_api::valid_body;
use crate::support::{TestApp, TestResponse};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use serde_json::{Value, json};

/// A browser: the CSRF cookie and token of the last form page, and the cookies it was given.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub csrf_cookie: String,
    pub token: String,
    pub cookies: Vec<String>,
}

impl<'a> Browser<'a> {
    /// Opens a form page and keeps its CSRF pair.
    pub async fn open(app: &'a TestApp, path: &str) -> (Browser<'a>, TestResponse) {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
        let b = Browser {
            app,
            csrf_cookie: set_cookie_token(&r).expect("a form page sets sr_csrf"),
            token: field_token(&r.text()).expect("csrf_token field"),
            cookies: Vec::new(),
        };
        (b, r)
    }

    fn cookie_header(&self) -> String {
        let mut all = vec![format!("sr_csrf={}", self.csrf_cookie)];
        all.extend(self.cookies.iter().cloned());
        all.join("; ")
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        let req = Request::get(path)
            .header("cookie", self.cookie_header())
            .body(Body::empty())
            .expect("request");
        self.app.send(req).await
    }

    /// Posts URL-encoded pairs with the CSRF token added.
    pub async fn post(&mut self, path: &str, pairs: &[(String, String)]) -> TestResponse {
        let body = {
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            ser.append_pair("csrf_token", &self.token);
            for (k, v) in pairs {
                ser.append_pair(k, v);
            }
            ser.finish()
        };
        let req = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", self.cookie_header())
            .body(Body::from(body))
            .expect("request");
        let r = self.app.send(req).await;
        for v in r
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            if let Some(pair) = v.split(';').next()
                && !pair.starts_with("sr_csrf=")
            {
                let name = pair.split('=').next().unwrap_or_default().to_string();
                self.cookies.retain(|c| !c.starts_with(&format!("{name}=")));
                if !pair.ends_with('=') {
                    self.cookies.push(pair.to_string());
                }
            }
        }
        r
    }
}

/// The API's valid body as the pairs the form posts.
pub fn form_pairs(body: &Value) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for (k, v) in body.as_object().expect("object") {
        match v {
            Value::Array(items) => {
                for i in items {
                    pairs.push((k.clone(), scalar(i)));
                }
            }
            other => pairs.push((k.clone(), scalar(other))),
        }
    }
    if let Some(email) = body["internal_contact_email"].as_str() {
        pairs.push(("internal_contact_email_confirm".into(), email.into()));
    }
    pairs
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn set(pairs: &mut Vec<(String, String)>, name: &str, value: &str) {
    pairs.retain(|(k, _)| k != name);
    pairs.push((name.into(), value.into()));
}

/// A solved captcha payload for a challenge made now (the number is chosen, so nothing is brute-forced).
pub fn solved(app: &TestApp) -> String {
    let c = app.state.captcha.challenge_with(app.state.clock.now(), 42);
    payload_of(&serde_json::to_value(&c).expect("challenge"), 42)
}

fn payload_of(c: &Value, number: u64) -> String {
    let p = json!({
        "algorithm": c["algorithm"], "challenge": c["challenge"], "number": number,
        "salt": c["salt"], "signature": c["signature"],
    });
    base64::engine::general_purpose::STANDARD.encode(p.to_string())
}

/// The pairs of a complete, valid registration, with a solved captcha and the page's form id.
pub async fn valid_form(app: &TestApp, page: &TestResponse) -> Vec<(String, String)> {
    let mut pairs = form_pairs(&valid_body(app).await);
    pairs.push(("altcha".into(), solved(app)));
    pairs.push(("form_id".into(), hidden(&page.text(), "form_id")));
    pairs
}

/// The value of a hidden input.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker).map(|i| i + marker.len()).unwrap_or(0);
    let len = html[start..].find('"').unwrap_or(0);
    html[start..start + len].to_string()
}

/// The key shown on a success page.
pub fn shown_key(html: &str) -> String {
    let marker = r#"id="api-key" value=""#;
    let start = html.find(marker).expect("key on the page") + marker.len();
    let len = html[start..].find('"').expect("end of key");
    html[start..start + len].to_string()
}

async fn submissions(app: &TestApp) -> u64 {
    crate::submissions_api::count(app).await
}

#[tokio::test]
async fn the_form_has_its_sections_no_inline_code_and_stays_small() {
    let app = TestApp::new().await;
    let r = app.get("/register/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("cache-control"), "no-store");
    let html = r.text();
    for s in ["a", "b", "c", "d", "e", "f", "g"] {
        assert!(
            html.contains(&format!(r#"id="section-{s}""#)),
            "section {s}"
        );
    }
    let b = html.find(r#"id="section-b""#).unwrap_or(0);
    let c = html.find(r#"id="section-c""#).unwrap_or(0);
    let topics = html.find(r#"name="edam_topic_ids""#).unwrap_or(0);
    assert!(b < topics && topics < c, "EDAM topics sit in section B");
    assert!(html.contains(r#"data-source="&#x2f;edam&#x2f;search&#x2f;?branch=topic""#));
    assert!(
        html.contains("<altcha-widget"),
        "the captcha widget is on the form"
    );
    assert!(html.len() < 60_000, "{} bytes", html.len());
    // No inline script or style: every <script> has a src, and no element has a style attribute.
    for (i, _) in html.match_indices("<script") {
        let tag = &html[i..i + html[i..].find('>').unwrap_or(0)];
        assert!(tag.contains(" src="), "inline script: {tag}");
    }
    assert!(!html.contains(" style="), "inline style attribute");
    assert!(!html.contains("<style"), "inline style element");
    // Labels are tied to their inputs, and required fields say so.
    assert!(html.contains(r#"for="id_service_name""#) && html.contains(r#"id="id_service_name""#));
    assert!(html.contains("(required)"));
}

#[tokio::test]
async fn a_valid_registration_shows_its_key_once_and_a_resent_form_registers_nothing() {
    let app = TestApp::new().await;
    let (mut b, page) = Browser::open(&app, "/register/").await;
    let pairs = valid_form(&app, &page).await;
    let r = b.post("/register/", &pairs).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.header("cache-control"), "no-store");
    let key = shown_key(&r.text());
    assert!(key.len() >= 40, "{key}");
    assert_eq!(submissions(&app).await, 1);
    // The key works with the API.
    let id = crate::submissions_api::send(
        &app,
        axum::http::Method::GET,
        "/api/v1/submissions/",
        None,
        None,
    )
    .await;
    let _ = id;
    let row = service_registry::auth::api_keys::verify_submission_key(&app.state.db, &key)
        .await
        .expect("db")
        .expect("the shown key is valid");
    assert!(
        r.text().contains(&row.submission_id.to_string()),
        "reference id shown"
    );
    // Reloading the result page re-sends the same form: no second registration, no key.
    let mut again = pairs.clone();
    set(&mut again, "altcha", &solved(&app));
    let r = b.post("/register/", &again).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(!r.text().contains(&key));
    assert!(r.text().contains("already been received"));
    assert_eq!(submissions(&app).await, 1);
}

#[tokio::test]
async fn an_incomplete_form_is_shown_again_with_every_value_and_a_summary() {
    let app = TestApp::new().await;
    let (mut b, page) = Browser::open(&app, "/register/").await;
    let pairs = vec![
        ("form_id".into(), hidden(&page.text(), "form_id")),
        ("service_name".into(), "Gene <b>Finder</b> & Co".into()),
        ("comments".into(), "Please call first".into()),
        ("website_url".into(), "http://insecure.example.org".into()),
        ("altcha".into(), solved(&app)),
    ];
    let r = b.post("/register/", &pairs).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains(r#"id="error-summary""#));
    assert!(
        html.contains(r##"href="#f-service_description""##),
        "summary links to the field"
    );
    assert!(html.contains("This field is required."));
    // Values are kept (escaped), and the website's own rule speaks.
    assert!(
        html.contains("Gene &lt;b&gt;Finder&lt;&#x2f;b&gt; &amp; Co")
            || html.contains("Gene &lt;b&gt;Finder&lt;/b&gt; &amp; Co"),
        "name kept"
    );
    assert!(html.contains("Please call first"));
    assert!(
        html.contains("http:&#x2f;&#x2f;insecure.example.org")
            || html.contains("http://insecure.example.org")
    );
    assert!(html.contains(r#"aria-invalid="true""#));
    assert!(
        html.contains("choose it again") || html.contains("choose it again."),
        "the logo asks to be attached again"
    );
    assert_eq!(submissions(&app).await, 0);
}

#[tokio::test]
async fn every_rule_of_the_domain_reaches_its_field() {
    let app = TestApp::build(&[("RATE_LIMIT_SUBMIT", "1000/h")], axum::Router::new()).await;
    let (mut b, page) = Browser::open(&app, "/register/").await;
    let base = valid_form(&app, &page).await;
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "service_description",
            "Too short.",
            "service_description",
            "50",
        ),
        ("year_established", "1850", "year_established", "1900"),
        ("year_established", "soon", "year_established", "integer"),
        (
            "publications_pmids",
            "PMID-12, nonsense",
            "publications_pmids",
            "nonsense",
        ),
        (
            "public_contact_email",
            "javascript:alert(1)",
            "public_contact_email",
            "email address",
        ),
        (
            "internal_contact_email",
            "not-an-address",
            "internal_contact_email",
            "valid email",
        ),
        ("website_url", "http://example.org", "website_url", "https"),
        (
            "github_url",
            "https://gitlab.com/x",
            "github_url",
            "https://github.com/",
        ),
        (
            "biotools_url",
            "https://bio.tools",
            "biotools_url",
            "https://bio.tools/",
        ),
        ("kpi_monitoring", "maybe", "kpi_monitoring", ""),
        (
            "internal_contact_email_confirm",
            "other@example.org",
            "internal_contact_email_confirm",
            "do not match",
        ),
        ("date_of_entry", "01.02.2026", "date_of_entry", "YYYY-MM-DD"),
        (
            "service_center_id",
            "not-a-uuid",
            "service_center_id",
            "UUID",
        ),
        (
            "service_category_ids",
            "999999",
            "service_category_ids",
            "999999",
        ),
        (
            "submitter_first_name",
            "x\u{0}y",
            "submitter_first_name",
            "Null",
        ),
    ];
    for (field, value, error_field, fragment) in cases {
        let mut pairs = base.clone();
        set(&mut pairs, field, value);
        set(&mut pairs, "altcha", &solved(&app));
        let r = b.post("/register/", &pairs).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}: {}",
            r.status
        );
        let html = r.text();
        let at = html
            .find(&format!(r#"id="err-{error_field}""#))
            .unwrap_or_else(|| panic!("{field}: no error list for {error_field}"));
        let end = html[at..]
            .find("</div></div>")
            .map_or(200, |e| e + 6)
            .min(html.len() - at);
        let list = html[at..at + end]
            .replace("&#x2f;", "/")
            .replace("&#x27;", "'");
        assert!(
            list.contains("invalid-feedback"),
            "{field}={value}: no message beside {error_field}: {list}"
        );
        assert!(
            list.to_lowercase().contains(&fragment.to_lowercase()),
            "{field}={value}: {list}"
        );
        assert!(
            html.contains(&format!("href=\"#f-{error_field}\"")),
            "{field}: not in the summary"
        );
    }
    // Cross-field rules.
    let mut pairs = base.clone();
    set(&mut pairs, "is_toolbox", "true");
    set(&mut pairs, "altcha", &solved(&app));
    let r = b.post("/register/", &pairs).await;
    assert!(
        r.text().contains("Toolbox name is required"),
        "toolbox rule"
    );
    let mut pairs = base.clone();
    pairs.retain(|(k, _)| k != "licenses");
    set(&mut pairs, "altcha", &solved(&app));
    let r = b.post("/register/", &pairs).await;
    assert!(
        r.text().contains("at least one licence"),
        "licence group rule"
    );
    let mut pairs = base.clone();
    pairs.retain(|(k, _)| k != "data_protection_consent");
    set(&mut pairs, "altcha", &solved(&app));
    let r = b.post("/register/", &pairs).await;
    assert!(r.text().contains("consent"), "consent rule");
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut pairs = base.clone();
    set(&mut pairs, "kpi_monitoring", "yes");
    set(&mut pairs, "kpi_start_year", "");
    set(&mut pairs, "altcha", &solved(&app));
    let r = b.post("/register/", &pairs).await;
    assert!(r.text().contains("year KPI monitoring started"), "KPI rule");
    assert_eq!(submissions(&app).await, 0);
}

#[tokio::test]
async fn missing_wrong_expired_and_replayed_captchas_save_nothing() {
    let app = TestApp::new().await;
    let (mut b, page) = Browser::open(&app, "/register/").await;
    let base = valid_form(&app, &page).await;
    let mut missing = base.clone();
    missing.retain(|(k, _)| k != "altcha");
    let r = b.post("/register/", &missing).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("complete the captcha"), "{}", r.text());
    assert!(r.text().contains("MetaProFi"), "values kept");

    let mut wrong = base.clone();
    set(&mut wrong, "altcha", "bm9wZQ==");
    let r = b.post("/register/", &wrong).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("could not be verified"));

    let old = app
        .state
        .captcha
        .challenge_with(app.state.clock.now() - chrono::Duration::hours(2), 42);
    let mut expired = base.clone();
    set(
        &mut expired,
        "altcha",
        &payload_of(&serde_json::to_value(&old).expect("json"), 42),
    );
    let r = b.post("/register/", &expired).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("expired"));
    assert_eq!(submissions(&app).await, 0);

    // A solution is accepted once: the second form using it is refused.
    let used = solved(&app);
    let mut first = base.clone();
    set(&mut first, "altcha", &used);
    assert_eq!(b.post("/register/", &first).await.status, StatusCode::OK);
    let (mut b2, page2) = Browser::open(&app, "/register/").await;
    let mut second = base.clone();
    set(&mut second, "altcha", &used);
    set(&mut second, "form_id", &hidden(&page2.text(), "form_id"));
    let r = b2.post("/register/", &second).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("already been used"));
    assert_eq!(submissions(&app).await, 1);
}

#[tokio::test]
async fn a_post_without_the_csrf_cookie_is_refused() {
    let app = TestApp::new().await;
    let (b, page) = Browser::open(&app, "/register/").await;
    let pairs = valid_form(&app, &page).await;
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    ser.append_pair("csrf_token", &b.token);
    for (k, v) in &pairs {
        ser.append_pair(k, v);
    }
    let r = app
        .call(
            axum::http::Method::POST,
            "/register/",
            "application/x-www-form-urlencoded",
            &ser.finish(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(submissions(&app).await, 0);
}

#[tokio::test]
async fn too_many_registrations_get_the_friendly_429_page() {
    let app = TestApp::build(&[("RATE_LIMIT_SUBMIT", "1/h")], axum::Router::new()).await;
    let (mut b, page) = Browser::open(&app, "/register/").await;
    let pairs = valid_form(&app, &page).await;
    assert_eq!(b.post("/register/", &pairs).await.status, StatusCode::OK);
    let r = b.post("/register/", &pairs).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.header("retry-after").parse::<u64>().is_ok_and(|s| s > 0));
    assert!(r.header("content-type").starts_with("text/html"));
    assert!(
        r.text().to_lowercase().contains("try again"),
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn one_field_is_checked_inline() {
    let app = TestApp::new().await;
    let (mut b, _) = Browser::open(&app, "/register/").await;
    let pairs = |f: &str, v: &str| {
        vec![
            ("field".to_string(), f.to_string()),
            (f.to_string(), v.to_string()),
        ]
    };
    let r = b
        .post(
            "/register/validate/",
            &pairs("website_url", "http://example.org"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text().contains("invalid-feedback") && r.text().contains("https"),
        "{}",
        r.text()
    );
    let r = b
        .post(
            "/register/validate/",
            &pairs("website_url", "https://example.org/"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.text().contains("invalid-feedback"), "{}", r.text());
    let r = b
        .post(
            "/register/validate/",
            &pairs("service_description", "short"),
        )
        .await;
    assert!(r.text().contains("50"), "{}", r.text());
    let r = b
        .post("/register/validate/", &pairs("is_admin", "true"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app
        .call(
            axum::http::Method::POST,
            "/register/validate/",
            "application/x-www-form-urlencoded",
            "field=website_url&website_url=x",
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "CSRF applies to inline checks too"
    );
}

#[tokio::test]
async fn the_licence_search_offers_current_licences_best_first() {
    let app = TestApp::new().await;
    let r = app.get("/licenses/search/?q=mit").await;
    assert_eq!(r.status, StatusCode::OK);
    let hits = r.json();
    assert_eq!(hits[0]["id"], "MIT", "{hits}");
    let r = app.get("/licenses/search/?q=GPL-2.0").await;
    let ids: Vec<String> = r
        .json()
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h["id"].as_str().map(str::to_string))
        .collect();
    assert!(
        !ids.iter().any(|i| i == "GPL-2.0"),
        "deprecated ids are hidden: {ids:?}"
    );
    assert!(ids.iter().any(|i| i.starts_with("GPL-2.0")), "{ids:?}");
}

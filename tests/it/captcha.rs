//! The ALTCHA captcha through the real router: the challenge's shape and headers, a solved challenge
//! accepted once (also when 8 tasks race with it), wrong, tampered and expired solutions refused,
//! the rate limit of `GET /captcha/`, and the feature switch.

use crate::csrf::{csrf_pair, form_app, post_form};
use axum::http::StatusCode;
use base64::Engine;
use serde_json::{Value, json};
use service_registry::web::captcha::{CaptchaError, Challenge};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// A cheap challenge, so that solving it by brute force takes no time in a debug build.
const SITE: &str = "[captcha]\nmax_number = 2000\n";

/// What the widget does: find the number, then base64 the JSON payload.
fn solve(c: &Value) -> (u64, String) {
    let salt = c["salt"].as_str().expect("salt");
    let target = c["challenge"].as_str().expect("challenge");
    let max = c["maxNumber"].as_u64().expect("maxNumber");
    let number = (0..=max)
        .find(|n| hex::encode(Sha256::digest(format!("{salt}{n}"))) == target)
        .expect("solvable within maxNumber");
    (
        number,
        payload(c, number, c["signature"].as_str().unwrap_or("")),
    )
}

fn payload(c: &Value, number: u64, signature: &str) -> String {
    let p = json!({
        "algorithm": c["algorithm"],
        "challenge": c["challenge"],
        "number": number,
        "salt": c["salt"],
        "signature": signature,
        "took": 12,
    });
    base64::engine::general_purpose::STANDARD.encode(p.to_string())
}

fn to_value(c: &Challenge) -> Value {
    serde_json::to_value(c).expect("challenge JSON")
}

async fn submit(f: &crate::csrf::FormApp, altcha: Option<&str>) -> crate::support::TestResponse {
    let (cookie, token) = csrf_pair(&f.app).await;
    let mut body = format!("csrf_token={token}");
    if let Some(a) = altcha {
        let a: String = url::form_urlencoded::byte_serialize(a.as_bytes()).collect();
        body.push_str(&format!("&altcha={a}"));
    }
    post_form(&f.app, "/test/captcha/", Some(&cookie), None, &body).await
}

#[tokio::test]
async fn the_challenge_has_the_altcha_shape_and_is_never_cached() {
    let f = form_app(SITE, &[]).await;
    let r = f.app.get("/captcha/").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.header("cache-control"), "no-store");
    assert!(r.header("content-type").starts_with("application/json"));
    assert!(r.header("set-cookie").is_empty());
    let c = r.json();
    assert_eq!(c["algorithm"], "SHA-256");
    assert_eq!(c["maxNumber"], 2000);
    for key in ["challenge", "signature"] {
        let v = c[key].as_str().expect(key);
        assert_eq!(v.len(), 64, "{key}: {v}");
        assert!(v.bytes().all(|b| b.is_ascii_hexdigit()), "{key}: {v}");
    }
    let salt = c["salt"].as_str().expect("salt");
    let (random, expires) = salt.split_once("?expires=").expect("salt carries expires");
    assert!(!random.is_empty() && random.bytes().all(|b| b.is_ascii_hexdigit()));
    let expires: i64 = expires.parse().expect("unix seconds");
    let in_minutes = (expires - chrono::Utc::now().timestamp()) / 60;
    assert!(
        (19..=20).contains(&in_minutes),
        "expires in {in_minutes} min"
    );
    // Each call is a new challenge.
    assert_ne!(f.app.get("/captcha/").await.json()["salt"], c["salt"]);
}

#[tokio::test]
async fn a_solution_is_accepted_once() {
    let f = form_app(SITE, &[]).await;
    let c = f.app.get("/captcha/").await.json();
    let (_, solved) = solve(&c);
    let r = submit(&f, Some(&solved)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.text(), "accepted");
    let r = submit(&f, Some(&solved)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("already been used"), "{}", r.text());
}

#[tokio::test]
async fn a_missing_captcha_is_refused() {
    let f = form_app(SITE, &[]).await;
    let r = submit(&f, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains("Please complete the captcha"),
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn wrong_tampered_and_expired_solutions_are_refused() {
    let f = form_app(SITE, &[]).await;
    let c = f.app.get("/captcha/").await.json();
    let (number, _) = solve(&c);
    let sig = c["signature"].as_str().expect("signature");

    let wrong = payload(&c, number + 1, sig);
    let r = submit(&f, Some(&wrong)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("could not be verified"), "{}", r.text());

    let flipped = if sig.starts_with('0') { "1" } else { "0" };
    let tampered = payload(&c, number, &format!("{flipped}{}", &sig[1..]));
    let r = submit(&f, Some(&tampered)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("could not be verified"), "{}", r.text());

    // A challenge signed by another key (another deployment) is refused too.
    let garbage = base64::engine::general_purpose::STANDARD.encode("{\"algorithm\":\"SHA-1\"}");
    let r = submit(&f, Some(&garbage)).await;
    assert!(r.text().contains("could not be verified"), "{}", r.text());

    // Issued 21 minutes ago with a 20-minute lifetime: correctly solved and signed, but expired.
    let old = f
        .app
        .state
        .captcha
        .challenge(chrono::Utc::now() - chrono::Duration::minutes(21));
    let (_, expired) = solve(&to_value(&old));
    let r = submit(&f, Some(&expired)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("has expired"), "{}", r.text());

    // The untouched solution still works: refusals record nothing.
    let (_, good) = solve(&c);
    assert_eq!(submit(&f, Some(&good)).await.status, StatusCode::OK);
}

#[test]
fn a_refusal_becomes_a_field_error_of_altcha() {
    let err = service_registry::error::AppError::from(CaptchaError::Expired);
    assert_eq!(err.status(), StatusCode::BAD_REQUEST);
    match err {
        service_registry::error::AppError::Validation(details) => {
            assert_eq!(
                details["altcha"][0],
                "The captcha has expired. Please solve it again."
            );
        }
        other => panic!("not a validation error: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_concurrent_uses_of_one_solution_succeed_exactly_once() {
    let f = form_app(SITE, &[]).await;
    let state = f.app.state.clone();
    let c = to_value(&state.captcha.challenge(chrono::Utc::now()));
    let (_, solved) = solve(&c);
    let solved = Arc::new(solved);
    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (state, solved, barrier) = (state.clone(), solved.clone(), barrier.clone());
        tasks.spawn(async move {
            barrier.wait().await;
            state
                .captcha
                .verify(&state.db, Some(&solved), state.clock.now())
                .await
        });
    }
    let (mut accepted, mut replayed) = (0, 0);
    while let Some(outcome) = tasks.join_next().await {
        match outcome.expect("task") {
            Ok(()) => accepted += 1,
            Err(CaptchaError::AlreadyUsed) => replayed += 1,
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!((accepted, replayed), (1, 7));
}

#[tokio::test]
async fn expired_solutions_are_cleaned_up() {
    use sea_orm::{EntityTrait, PaginatorTrait};
    use service_registry::web::captcha::store;
    let f = form_app(SITE, &[]).await;
    let state = &f.app.state;
    let now = chrono::Utc::now();
    for c in [state.captcha.challenge(now), state.captcha.challenge(now)] {
        let (_, p) = solve(&to_value(&c));
        state
            .captcha
            .verify(&state.db, Some(&p), now)
            .await
            .expect("first use");
    }
    assert_eq!(
        store::delete_expired(&state.db, now).await.expect("delete"),
        0
    );
    let later = now + chrono::Duration::minutes(21);
    assert_eq!(
        store::delete_expired(&state.db, later)
            .await
            .expect("delete"),
        2
    );
    let left = store::solution::Entity::find()
        .count(&state.db)
        .await
        .expect("count");
    assert_eq!(left, 0);
}

#[tokio::test]
async fn the_challenge_endpoint_is_rate_limited() {
    let f = form_app(SITE, &[("RATE_LIMIT_CHALLENGE", "2/h")]).await;
    for _ in 0..2 {
        assert_eq!(f.app.get("/captcha/").await.status, StatusCode::OK);
    }
    let r = f.app.get("/captcha/").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.header("retry-after").parse().expect("Retry-After");
    assert!((1..=3600).contains(&retry));
    // The friendly page says how long to wait (2/h: the window closes in about an hour).
    assert!(r.text().contains("Too many requests"), "{}", r.text());
    assert!(
        r.text().contains("Please wait about 60 minutes"),
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn with_the_captcha_off_forms_pass_without_it() {
    let f = form_app("[features]\ncaptcha = false\n", &[]).await;
    assert!(!f.app.state.captcha.enabled());
    let r = submit(&f, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = submit(&f, Some("not even base64")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn the_vendored_widgets_are_served_as_static_files() {
    let app = crate::support::TestApp::new().await;
    for (file, content_type) in [
        ("vendor/altcha-2.3.0/altcha.js", "text/javascript"),
        ("vendor/altcha-2.3.0/worker.js", "text/javascript"),
        ("vendor/altcha-2.3.0/altcha.css", "text/css"),
        (
            "vendor/tom-select-2.6.2/js/tom-select.complete.min.js",
            "text/javascript",
        ),
        (
            "vendor/tom-select-2.6.2/css/tom-select.bootstrap5.min.css",
            "text/css",
        ),
    ] {
        let url = app.state.assets.url(file);
        assert_ne!(url, format!("/static/{file}"), "{file} is not embedded");
        let r = app.get(&url).await;
        assert_eq!(r.status, StatusCode::OK, "{url}");
        assert!(r.header("content-type").starts_with(content_type), "{url}");
        assert!(r.header("cache-control").contains("immutable"), "{url}");
    }
}

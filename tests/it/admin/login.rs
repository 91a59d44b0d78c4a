//! Signing in: staff-only password login, sessions (cookie flags, idle expiry, logout by POST), the
//! lockout per username and per address with its expiry and the superuser's "lift", CSRF on the
//! sign-in forms, password change, and TOTP (enrolment, wrong code counted, recovery code once,
//! `require_2fa`).

use super::{Client, P, PW, app_with, login, session_cookie, staff};
use axum::http::StatusCode;
use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};
use service_registry::admin::totp;
use service_registry::auth::entity::{login_attempt, user};
use service_registry::auth::roles::EDITOR;
use service_registry::config::site::Require2fa;
use service_registry::jobs::Clock;

async fn try_login(
    app: &crate::support::TestApp,
    c: &Client,
    name: &str,
    pw: &str,
) -> crate::support::TestResponse {
    c.post(
        app,
        &format!("{P}login/"),
        &[("username", name), ("password", pw)],
    )
    .await
}

#[tokio::test]
async fn anonymous_users_are_sent_to_login_and_only_active_staff_get_in() {
    let (app, _) = app_with(|_| {}).await;
    let r = Client::new(&app).get(&app, P).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.header("location"),
        format!("{P}login/?next=%2Fadmin-denbi%2F")
    );
    let r = Client::new(&app)
        .get(&app, &format!("{P}submissions/?status__exact=approved"))
        .await;
    assert!(
        r.header("location")
            .contains("next=%2Fadmin-denbi%2Fsubmissions%2F%3Fstatus__exact%3Dapproved")
    );

    staff(&app, "ed", Some(EDITOR)).await;
    let c = Client::new(&app);
    let r = try_login(&app, &c, "ed", "wrong password here").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text()
            .contains("correct username and password for a staff account")
    );
    assert!(session_cookie(&r).is_none());

    // An inactive user and a non-staff user get the same refusal as a wrong password.
    let id = staff(&app, "gone", Some(EDITOR)).await;
    let mut am = user::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    am.is_active = Set(false);
    am.update(&app.state.db).await.unwrap();
    let r = try_login(&app, &c, "gone", PW).await;
    assert!(session_cookie(&r).is_none() && r.text().contains("staff account"));

    let r = try_login(&app, &c, "ed", PW).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), P);
    let cookie = r.header("set-cookie");
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Path=/admin-denbi/"),
        "{cookie}"
    );
    // `next` is followed only inside the portal.
    let r = c
        .post(
            &app,
            &format!("{P}login/"),
            &[
                ("username", "ed"),
                ("password", PW),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.header("location"), P);
    let r = c
        .post(
            &app,
            &format!("{P}login/"),
            &[
                ("username", "ed"),
                ("password", PW),
                ("next", "/admin-denbi/submissions/"),
            ],
        )
        .await;
    assert_eq!(r.header("location"), "/admin-denbi/submissions/");
}

#[tokio::test]
async fn sessions_expire_when_idle_and_end_on_logout_by_post() {
    let (app, clock) = app_with(|c| c.session_cookie_age = 600).await;
    staff(&app, "ed", Some(EDITOR)).await;
    let c = login(&app, "ed").await;
    assert_eq!(c.get(&app, P).await.status, StatusCode::OK);
    clock.advance(Duration::seconds(590));
    assert_eq!(
        c.get(&app, P).await.status,
        StatusCode::OK,
        "activity keeps it alive"
    );
    clock.advance(Duration::seconds(590));
    assert_eq!(c.get(&app, P).await.status, StatusCode::OK);
    clock.advance(Duration::seconds(601));
    let r = c.get(&app, P).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "idle for longer than SESSION_COOKIE_AGE"
    );

    let c = login(&app, "ed").await;
    let r = app.get(&format!("{P}logout/")).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "logout is a POST");
    let r = c.post_with(&app, &format!("{P}logout/"), &[], false).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "logout needs the CSRF token"
    );
    assert_eq!(c.get(&app, P).await.status, StatusCode::OK);
    let r = c.post(&app, &format!("{P}logout/"), &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("Log in again"));
    assert!(r.header("set-cookie").contains("Max-Age=0"));
    assert_eq!(
        c.get(&app, P).await.status,
        StatusCode::SEE_OTHER,
        "the session is gone on the server"
    );
}

#[tokio::test]
async fn login_forms_need_csrf() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "ed", Some(EDITOR)).await;
    let c = Client::new(&app);
    let r = c
        .post_with(
            &app,
            &format!("{P}login/"),
            &[("username", "ed"), ("password", PW)],
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(session_cookie(&r).is_none());
}

#[tokio::test]
async fn five_failures_lock_a_username_for_thirty_minutes_and_a_superuser_can_lift_it() {
    let (app, clock) = app_with(|_| {}).await;
    staff(&app, "ed", Some(EDITOR)).await;
    staff(&app, "root", Some("su")).await;
    let attacker = Client::from_address(&app, "203.0.113.7");
    for i in 1..=4 {
        let r = try_login(&app, &attacker, "ed", "not the password").await;
        assert_eq!(r.status, StatusCode::OK, "failure {i} is not yet a lock");
    }
    let r = try_login(&app, &attacker, "ed", "not the password").await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the 5th failure already gets the lockout"
    );
    assert!(r.text().contains("Account locked: too many login attempts"));
    assert_eq!(r.header("retry-after"), "1800");
    // The right password from another address does not help: the username is locked.
    let owner = Client::from_address(&app, "198.51.100.20");
    assert_eq!(
        try_login(&app, &owner, "ed", PW).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );

    // The superuser (another address) sees the lock and lifts it.
    let su = {
        let mut c = Client::from_address(&app, "192.0.2.1");
        let r = try_login(&app, &c, "root", PW).await;
        c.session = session_cookie(&r);
        c
    };
    let page = su.get(&app, &format!("{P}locks/")).await;
    assert!(page.text().contains("<code>ed</code>"), "{}", page.text());
    let r = su
        .post(
            &app,
            &format!("{P}locks/lift/"),
            &[("kind", "username"), ("key", "ed")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = try_login(&app, &owner, "ed", PW).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "lifted: {}", r.text());

    // Locked again, the lock ends 30 minutes after the last failure (not before).
    for _ in 0..5 {
        try_login(&app, &attacker, "ed", "nope nope nope").await;
    }
    clock.advance(Duration::minutes(29));
    assert_eq!(
        try_login(&app, &owner, "ed", PW).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // That attempt counted as a failure too and restarted the cool-off.
    clock.advance(Duration::minutes(29));
    assert_eq!(
        try_login(&app, &owner, "ed", PW).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    clock.advance(Duration::minutes(31));
    assert_eq!(
        try_login(&app, &owner, "ed", PW).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn five_failures_from_one_address_lock_that_address_only() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "ed", Some(EDITOR)).await;
    let bad = Client::from_address(&app, "203.0.113.9");
    for i in 0..5 {
        try_login(&app, &bad, &format!("guess{i}"), "whatever it is").await;
    }
    assert_eq!(
        try_login(&app, &bad, "ed", PW).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let good = Client::from_address(&app, "198.51.100.3");
    assert_eq!(
        try_login(&app, &good, "ed", PW).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn changing_the_password_checks_the_old_one_and_ends_other_sessions() {
    let (app, _) = app_with(|_| {}).await;
    staff(&app, "ed", Some(EDITOR)).await;
    let a = login(&app, "ed").await;
    let b = login(&app, "ed").await;
    let path = format!("{P}password/");
    let r = a
        .post(
            &app,
            &path,
            &[
                ("old_password", "wrong one entirely"),
                ("new_password1", "a brand new passphrase"),
                ("new_password2", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("old password was entered incorrectly"));
    let r = a
        .post(
            &app,
            &path,
            &[
                ("old_password", PW),
                ("new_password1", "short"),
                ("new_password2", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = a
        .post(
            &app,
            &path,
            &[
                ("old_password", PW),
                ("new_password1", "a brand new passphrase"),
                ("new_password2", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        a.get(&app, P).await.status,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        b.get(&app, P).await.status,
        StatusCode::SEE_OTHER,
        "the other one ends"
    );
    let r = try_login(&app, &Client::new(&app), "ed", "a brand new passphrase").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

/// Enrols the signed-in client; returns (secret, recovery codes).
async fn enrol(app: &crate::support::TestApp, c: &Client) -> (String, Vec<String>) {
    let page = c.get(app, &format!("{P}2fa/setup/")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("<svg"), "the QR code is drawn on the server");
    let secret = html
        .split("id=\"totp-secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("secret shown")
        .to_string();
    let r = c
        .post(app, &format!("{P}2fa/setup/"), &[("code", "000000")])
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a wrong code does not enrol"
    );
    let code = totp::code_at(&secret, app.state.clock.now()).expect("code");
    let r = c
        .post(app, &format!("{P}2fa/setup/"), &[("code", &code)])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    let codes: Vec<String> = html
        .split("id=\"recovery-codes\">")
        .nth(1)
        .expect("codes")
        .split("</ul>")
        .next()
        .unwrap_or_default()
        .split("<li>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

async fn failures(app: &crate::support::TestApp, name: &str) -> u64 {
    login_attempt::Entity::find()
        .filter(login_attempt::Column::Username.eq(name))
        .filter(login_attempt::Column::Succeeded.eq(false))
        .count(&app.state.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn totp_sign_in_counts_wrong_codes_and_takes_each_recovery_code_once() {
    let (app, clock) = app_with(|_| {}).await;
    staff(&app, "ed", Some(EDITOR)).await;
    let c = login(&app, "ed").await;
    let (secret, codes) = enrol(&app, &c).await;
    // Recovery codes are stored hashed only.
    let stored = service_registry::admin::entity::recovery_code::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(
        stored
            .iter()
            .all(|r| !codes.contains(&r.code_hash) && r.code_hash.len() == 64)
    );

    let second = async |code: &str| {
        let mut b = Client::new(&app);
        let r = try_login(&app, &b, "ed", PW).await;
        assert_eq!(r.header("location"), format!("{P}login/2fa/"));
        b.session = session_cookie(&r);
        // Half signed in: no admin screen yet.
        assert_eq!(
            b.get(&app, P).await.header("location"),
            format!("{P}login/2fa/")
        );
        let r = b
            .post(&app, &format!("{P}login/2fa/"), &[("code", code)])
            .await;
        if r.status == StatusCode::SEE_OTHER {
            b.session = session_cookie(&r);
        }
        (r, b)
    };
    let before = failures(&app, "ed").await;
    let (r, _) = second("123456").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("That code is not valid"));
    assert_eq!(
        failures(&app, "ed").await,
        before + 1,
        "a wrong code counts toward the lockout"
    );

    let (r, b) = second(&codes[0]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "a recovery code signs in");
    assert_eq!(b.get(&app, P).await.status, StatusCode::OK);
    let (r, _) = second(&codes[0]).await;
    assert_eq!(r.status, StatusCode::OK, "but only once");

    clock.advance(Duration::seconds(90));
    let now_code = totp::code_at(&secret, clock.now()).expect("code");
    let (r, _) = second(&now_code).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "the current TOTP signs in");
    let (r, _) = second(&now_code).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "the same code is never accepted twice"
    );

    // Wrong codes lock like wrong passwords: three so far (wrong, reused recovery code, replay),
    // the fourth is refused, the fifth gets the lockout.
    assert_eq!(failures(&app, "ed").await, before + 3);
    let (r, _) = second("999999").await;
    assert_eq!(r.status, StatusCode::OK);
    let (r, _) = second("999998").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn require_2fa_sends_an_unenrolled_superuser_to_enrolment_before_any_screen() {
    let (app, _) = app_with(|c| c.site.admin.require_2fa = Require2fa::Superusers).await;
    staff(&app, "root", Some("su")).await;
    staff(&app, "ed", Some(EDITOR)).await;
    let su = login(&app, "root").await;
    for path in ["", "submissions/", "users/"] {
        let r = su.get(&app, &format!("{P}{path}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.header("location"), format!("{P}2fa/setup/"));
    }
    let ed = login(&app, "ed").await;
    assert_eq!(
        ed.get(&app, P).await.status,
        StatusCode::OK,
        "editors are not required"
    );
    enrol(&app, &su).await;
    assert_eq!(su.get(&app, P).await.status, StatusCode::OK);
    // Required 2FA cannot be turned off.
    let r = su
        .post(&app, &format!("{P}2fa/disable/"), &[("password", PW)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let (app, _) = app_with(|c| c.site.admin.require_2fa = Require2fa::Staff).await;
    staff(&app, "ed", Some(EDITOR)).await;
    let ed = login(&app, "ed").await;
    assert_eq!(
        ed.get(&app, P).await.header("location"),
        format!("{P}2fa/setup/")
    );
}

//! The admin portal through the real router: sign-in (password, TOTP, lockout, sessions), the
//! capability table line by line, the submissions list, bulk actions, the submission page, keys,
//! deletion, exports. Helpers here sign users in and send forms with a valid CSRF pair.

mod access;
mod atomic;
mod editing;
mod exports;
mod login;
mod records_pages;
mod screens;
mod submissions;
mod superuser_edits;

use crate::support::{TestApp, TestResponse};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use service_registry::auth::users;

pub const PW: &str = "correct horse battery staple";
pub const P: &str = "/admin-denbi/";

/// A staff user (with a role, or a superuser with `"su"`); returns its id.
pub async fn staff(app: &TestApp, name: &str, role: Option<&str>) -> uuid::Uuid {
    let u = users::create(
        &app.state.db,
        users::NewUser {
            username: name,
            email: "",
            password: PW,
            is_superuser: role == Some("su"),
        },
    )
    .await
    .expect("user");
    if let Some(r) = role.filter(|r| *r != "su") {
        users::add_to_group(&app.state.db, u.id, r)
            .await
            .expect("role");
    }
    u.id
}

/// A browser's cookies for the admin: the CSRF pair and (after sign-in) the session.
#[derive(Clone)]
pub struct Client {
    pub csrf: String,
    pub session: Option<String>,
    /// The client address the server sees (none: "unknown", like every in-process request).
    pub peer: Option<std::net::SocketAddr>,
}

impl Client {
    pub fn new(app: &TestApp) -> Self {
        Self {
            csrf: app.state.csrf.new_token(),
            session: None,
            peer: None,
        }
    }

    pub fn from_address(app: &TestApp, ip: &str) -> Self {
        let mut c = Self::new(app);
        c.peer = Some(format!("{ip}:40000").parse().expect("address"));
        c
    }

    async fn send(&self, app: &TestApp, mut req: Request<Body>) -> TestResponse {
        if let Some(p) = self.peer {
            req.extensions_mut().insert(axum::extract::ConnectInfo(p));
        }
        app.send(req).await
    }

    fn cookies(&self) -> String {
        match &self.session {
            Some(s) => format!("sr_csrf={}; sr_admin={s}", self.csrf),
            None => format!("sr_csrf={}", self.csrf),
        }
    }

    pub async fn get(&self, app: &TestApp, path: &str) -> TestResponse {
        self.send(
            app,
            Request::get(path)
                .header("cookie", self.cookies())
                .header("accept", "text/html")
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    /// POSTs `pairs` with the CSRF token (unless `csrf` is false).
    pub async fn post_with(
        &self,
        app: &TestApp,
        path: &str,
        pairs: &[(&str, &str)],
        csrf: bool,
    ) -> TestResponse {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        if csrf {
            s.append_pair("csrf_token", &self.csrf);
        }
        for (k, v) in pairs {
            s.append_pair(k, v);
        }
        self.send(
            app,
            Request::post(path)
                .header("cookie", self.cookies())
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(s.finish()))
                .expect("request"),
        )
        .await
    }

    pub async fn post(&self, app: &TestApp, path: &str, pairs: &[(&str, &str)]) -> TestResponse {
        self.post_with(app, path, pairs, true).await
    }
}

/// An app on a manual clock (fixed start, so nothing depends on today's date), with the
/// configuration adjusted by `tweak`.
pub async fn app_with(
    tweak: impl FnOnce(&mut service_registry::config::Config),
) -> (TestApp, service_registry::jobs::ManualClock) {
    use chrono::TimeZone;
    let mut app = TestApp::new().await;
    let clock = service_registry::jobs::ManualClock::new(
        chrono::Utc
            .with_ymd_and_hms(2031, 3, 14, 9, 0, 0)
            .single()
            .expect("time"),
    );
    let mut cfg = (*app.state.config).clone();
    tweak(&mut cfg);
    app.state.config = std::sync::Arc::new(cfg);
    app.state.clock = std::sync::Arc::new(clock.clone());
    app.router = service_registry::app::router_with_extra(
        app.state.clone(),
        axum::Router::new(),
        axum::Router::new(),
    );
    (app, clock)
}

/// The `sr_admin` value a response sets, if any.
pub fn session_cookie(r: &TestResponse) -> Option<String> {
    r.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("sr_admin="))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
        .filter(|v| !v.is_empty())
}

/// Signs in with the password (no second factor); panics unless it worked.
pub async fn login(app: &TestApp, name: &str) -> Client {
    let mut c = Client::new(app);
    let r = c
        .post(
            app,
            &format!("{P}login/"),
            &[("username", name), ("password", PW)],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "login of {name}: {}",
        r.text()
    );
    c.session = Some(session_cookie(&r).expect("session cookie"));
    c
}

/// Queued e-mails so far.
pub async fn mails(app: &TestApp) -> u64 {
    service_registry::jobs::entity::job::Entity::find()
        .filter(service_registry::jobs::entity::job::Column::Kind.eq("send_email"))
        .count(&app.state.db)
        .await
        .expect("count")
}

/// Audit rows of one object.
pub async fn audit_of(app: &TestApp, id: uuid::Uuid) -> Vec<String> {
    service_registry::admin::audit::for_object(&app.state.db, "submission", &id.to_string(), 100)
        .await
        .expect("audit")
        .into_iter()
        .map(|a| a.message)
        .collect()
}

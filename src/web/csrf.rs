//! CSRF protection for the HTML forms: a signed double-submit cookie.
//!
//! The token is `<random>.<signature>` (both base64url, the signature an HMAC-SHA256 of the random
//! part under a key derived from `SECRET_KEY`). It travels twice: in the `sr_csrf` cookie (HttpOnly,
//! SameSite=Strict, Secure in production or over https) and in the submitted form field `csrf_token`
//! (or the `X-CSRF-Token` header, for HTMX requests). A cross-site page can make the browser send the
//! cookie but can neither read it nor forge a signed value to put in the form.
//!
//! [`issue`] (a middleware on every page) makes the token *available*; it is only created — HMAC,
//! `Set-Cookie` — when a template asks for it with `{{ csrf_field() }}` / `{{ csrf_token() }}` or a
//! handler calls [`CsrfSlot::token`], so pages without forms do no work. [`CsrfForm`] (URL-encoded
//! forms) and [`CsrfCheck::verify`] (multipart forms, header-only requests) check it.

use axum::body::Body;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use subtle::ConstantTimeEq;

use crate::config::Config;
use crate::error::AppError;

/// The cookie that carries the token.
pub const COOKIE: &str = "sr_csrf";
/// The form field that carries the token.
pub const FIELD: &str = "csrf_token";
/// The request header that may carry the token instead (HTMX: `hx-headers`).
pub const HEADER: &str = "x-csrf-token";

/// Bytes of randomness in a token.
const RANDOM_BYTES: usize = 32;
/// The longest token value looked at (random part, dot, signature, with room to spare).
const MAX_TOKEN_LEN: usize = 128;

/// Why a request was refused; each has the message the user sees (403).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsrfFailure {
    /// The browser sent no (valid) `sr_csrf` cookie: cookies blocked, or the page is very old.
    MissingCookie,
    /// The form carried no token.
    MissingToken,
    /// Cookie and form disagree: a forged request, or a page from before the cookie changed.
    Mismatch,
}

impl CsrfFailure {
    pub fn message(self) -> &'static str {
        match self {
            Self::MissingCookie => {
                "The form could not be verified because its security cookie is missing or out of \
                 date. Please allow cookies for this site, reload the page and submit the form again."
            }
            Self::MissingToken | Self::Mismatch => {
                "The form could not be verified (its security token is missing or does not match). \
                 Please reload the page and submit the form again."
            }
        }
    }
}

type HmacSha256 = Hmac<Sha256>;

/// The CSRF key and cookie settings, built once at start-up.
pub struct Csrf {
    key: [u8; 32],
    secure_cookies: bool,
    trusted_proxies: Vec<IpAddr>,
}

impl std::fmt::Debug for Csrf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Csrf")
            .field("secure_cookies", &self.secure_cookies)
            .finish_non_exhaustive()
    }
}

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length: `new_from_slice` never fails.
    <HmacSha256 as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| <HmacSha256 as Mac>::new(&Default::default()))
}

impl Csrf {
    pub fn new(config: &Config) -> Self {
        let mut m = mac(config.secret_key.expose().as_bytes());
        m.update(b"csrf");
        Self {
            key: m.finalize().into_bytes().into(),
            secure_cookies: config.secure_cookies,
            trusted_proxies: config.forwarded_allow_ips.clone(),
        }
    }

    fn signature(&self, random: &str) -> String {
        let mut m = mac(&self.key);
        m.update(random.as_bytes());
        URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
    }

    /// A new signed token.
    pub fn new_token(&self) -> String {
        let mut bytes = [0u8; RANDOM_BYTES];
        rand::fill(&mut bytes);
        let random = URL_SAFE_NO_PAD.encode(bytes);
        let sig = self.signature(&random);
        format!("{random}.{sig}")
    }

    /// Whether `token` is one of ours (its signature checked in constant time).
    pub fn is_signed(&self, token: &str) -> bool {
        if token.len() > MAX_TOKEN_LEN {
            return false;
        }
        let Some((random, sig)) = token.split_once('.') else {
            return false;
        };
        let expected = self.signature(random);
        !random.is_empty() && ct_eq(&expected, sig)
    }

    /// The whole check: a signed cookie, a submitted token, and the two equal.
    pub fn check(&self, cookie: Option<&str>, submitted: Option<&str>) -> Result<(), CsrfFailure> {
        let cookie = cookie
            .filter(|c| self.is_signed(c))
            .ok_or(CsrfFailure::MissingCookie)?;
        let submitted = submitted
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(CsrfFailure::MissingToken)?;
        if ct_eq(cookie, submitted) {
            Ok(())
        } else {
            Err(CsrfFailure::Mismatch)
        }
    }

    fn set_cookie(&self, token: &str, https: bool) -> Option<HeaderValue> {
        let secure = if self.secure_cookies || https {
            "; Secure"
        } else {
            ""
        };
        HeaderValue::from_str(&format!(
            "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"
        ))
        .ok()
    }
}

fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
}

/// The token of the current request, created on first use (see the module documentation). Templates
/// reach it through `csrf_field()` / `csrf_token()`; [`crate::web::PageContext`] carries it.
#[derive(Clone)]
pub struct CsrfSlot(Arc<SlotInner>);

struct SlotInner {
    csrf: Arc<Csrf>,
    cookie: Option<String>,
    token: OnceLock<String>,
    /// Set when the token is new, so the response must set the cookie.
    issued: OnceLock<()>,
}

impl std::fmt::Debug for CsrfSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfSlot")
    }
}

impl CsrfSlot {
    fn new(csrf: Arc<Csrf>, cookie: Option<String>) -> Self {
        Self(Arc::new(SlotInner {
            csrf,
            cookie,
            token: OnceLock::new(),
            issued: OnceLock::new(),
        }))
    }

    /// The token to put into the form: the cookie's when it is valid, else a new one (which the
    /// response then sets as the cookie).
    pub fn token(&self) -> &str {
        let inner = &self.0;
        inner.token.get_or_init(|| match &inner.cookie {
            Some(c) if inner.csrf.is_signed(c) => c.clone(),
            _ => {
                let _ = inner.issued.set(());
                inner.csrf.new_token()
            }
        })
    }

    /// The hidden input of a form: `<input type="hidden" name="csrf_token" value="…">`.
    pub fn field_html(&self) -> String {
        // The token is base64url and a dot: nothing in it needs escaping.
        format!(
            "<input type=\"hidden\" name=\"{FIELD}\" value=\"{}\">",
            self.token()
        )
    }
}

impl minijinja::value::Object for CsrfSlot {}

/// Paths that never render a form: no slot, no work.
fn formless(path: &str) -> bool {
    ["/api/", "/static/", "/health/", "/media/", "/captcha/"]
        .iter()
        .any(|p| path.starts_with(p))
}

/// Middleware: gives each page request a [`CsrfSlot`]; when the handler (or its template) used a
/// new token, sets the cookie on the response. A response that carries a token is never cached.
pub async fn issue(State(csrf): State<Arc<Csrf>>, mut req: Request, next: Next) -> Response {
    if formless(req.uri().path()) {
        return next.run(req).await;
    }
    let https = crate::web::client::is_https(
        req.headers(),
        req.extensions(),
        &csrf.trusted_proxies,
        req.uri(),
    );
    let cookie = cookie_value(req.headers(), COOKIE)
        .filter(|c| c.len() <= MAX_TOKEN_LEN)
        .map(str::to_string);
    let slot = CsrfSlot::new(csrf.clone(), cookie);
    req.extensions_mut().insert(slot.clone());
    let mut resp = next.run(req).await;
    if slot.0.token.get().is_some() {
        let h = resp.headers_mut();
        if !h.contains_key(header::CACHE_CONTROL) {
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        if slot.0.issued.get().is_some()
            && let Some(v) = slot.token_cookie(https)
        {
            h.append(header::SET_COOKIE, v);
        }
    }
    resp
}

impl CsrfSlot {
    fn token_cookie(&self, https: bool) -> Option<HeaderValue> {
        self.0.csrf.set_cookie(self.0.token.get()?, https)
    }
}

/// Extractor: what a CSRF check needs from the request head (the cookie and the `X-CSRF-Token`
/// header). For multipart forms, read the `csrf_token` field and call [`CsrfCheck::verify`].
pub struct CsrfCheck {
    csrf: Arc<Csrf>,
    cookie: Option<String>,
    header: Option<String>,
}

impl CsrfCheck {
    /// Verifies the header token when the request has one, else `field` (the submitted
    /// `csrf_token`): `AppError::Csrf` (403) unless it equals the signed cookie.
    pub fn verify(&self, field: Option<&str>) -> Result<(), AppError> {
        let submitted = self.header.as_deref().or(field);
        self.csrf
            .check(self.cookie.as_deref(), submitted)
            .map_err(|failure| {
                tracing::info!(?failure, "CSRF check failed");
                AppError::Csrf(failure)
            })
    }
}

impl<S> FromRequestParts<S> for CsrfCheck
where
    S: Send + Sync,
    Arc<Csrf>: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Ok(Self {
            csrf: Arc::<Csrf>::from_ref(state),
            cookie: cookie_value(&parts.headers, COOKIE).map(str::to_string),
            header,
        })
    }
}

/// Extractor for URL-encoded forms: checks the CSRF token (field `csrf_token`, or the header) first,
/// then deserialises the form into `T` (which may ignore `csrf_token`). A failed check is a 403
/// before any field is looked at.
pub struct CsrfForm<T>(pub T);

impl<S, T> FromRequest<S> for CsrfForm<T>
where
    S: Send + Sync,
    Arc<Csrf>: FromRef<S>,
    T: serde::de::DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let Ok(check) = CsrfCheck::from_request_parts(&mut parts, state).await;
        // The body is bounded by the router's request-body limit.
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
        let field = url::form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == FIELD)
            .map(|(_, v)| v.into_owned());
        check.verify(field.as_deref())?;
        let req = Request::from_parts(parts, Body::from(bytes));
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|axum::Form(t)| Self(t))
            .map_err(|rejection| AppError::BadRequest(rejection.body_text()))
    }
}

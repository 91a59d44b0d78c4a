//! ALTCHA captcha (proof of work, compatible with the `altcha` widget v2): `GET /captcha/` hands out a
//! signed challenge, and [`Captcha::verify`] checks the widget's payload and accepts each solution once,
//! across every replica (the solution is recorded in `captcha_solutions`, see [`store`]).
//!
//! A challenge is `sha256_hex(salt + number)` for a secret random `number` in `0..=max_number`; the
//! browser finds the number by brute force. The salt ends in `?expires=<unix seconds>`, and the
//! signature is `hmac_sha256_hex(key, challenge)`, so neither the challenge nor its expiry can be
//! altered without the server noticing: nothing about a challenge is stored until it is solved.

pub mod store;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::Config;
use crate::error::AppError;
use crate::state::AppState;

type HmacSha256 = Hmac<Sha256>;

/// The only algorithm offered and accepted.
pub const ALGORITHM: &str = "SHA-256";

/// The form field the ALTCHA widget submits its payload in.
pub const FIELD: &str = "altcha";

/// A payload longer than this is not something the widget produced.
const MAX_PAYLOAD_BYTES: usize = 4096;

/// What `GET /captcha/` returns: the ALTCHA challenge JSON.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Challenge {
    pub algorithm: String,
    pub challenge: String,
    pub salt: String,
    pub signature: String,
    /// The widget's upper bound for its search.
    #[serde(rename = "maxNumber")]
    pub max_number: u64,
}

/// The widget's payload (base64 of this JSON); other fields (`took`) are ignored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payload {
    pub algorithm: String,
    pub challenge: String,
    pub number: u64,
    pub salt: String,
    pub signature: String,
}

/// A payload whose proof of work, signature and expiry are correct (not yet recorded as used).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    pub challenge: String,
    pub expires_at: DateTime<Utc>,
}

/// Why a captcha was refused. The `Display` text is the message shown to the user.
#[derive(Debug, thiserror::Error)]
pub enum CaptchaError {
    #[error("Please complete the captcha (\"I'm not a robot\") before submitting.")]
    Missing,
    #[error("The captcha could not be verified. Please solve it again.")]
    Failed,
    #[error("The captcha has expired. Please solve it again.")]
    Expired,
    #[error("This captcha has already been used. Please solve it again.")]
    AlreadyUsed,
    /// Recording the solution failed; never shown to the user (an internal error, or 503 when busy).
    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),
}

impl CaptchaError {
    /// A short machine-readable reason (for logs and tests).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing => "captcha_missing",
            Self::Failed => "captcha_failed",
            Self::Expired => "captcha_expired",
            Self::AlreadyUsed => "captcha_used",
            Self::Database(_) => "database",
        }
    }
}

/// A refused captcha is a validation error of the `altcha` field (so a form re-renders with the
/// message next to the widget); a database failure stays a database failure.
impl From<CaptchaError> for AppError {
    fn from(e: CaptchaError) -> Self {
        match e {
            CaptchaError::Database(db) => AppError::from(db),
            other => AppError::fields([(FIELD, vec![other.to_string()])]),
        }
    }
}

/// The captcha's settings and key, built once at start-up.
pub struct Captcha {
    enabled: bool,
    key: Vec<u8>,
    max_number: u64,
    lifetime: chrono::Duration,
}

impl std::fmt::Debug for Captcha {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Captcha")
            .field("enabled", &self.enabled)
            .field("max_number", &self.max_number)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

/// The HMAC key: `ALTCHA_HMAC_KEY` when set, else derived from `SECRET_KEY` (so a deployment needs no
/// extra secret, and the derived key reveals nothing about `SECRET_KEY`).
fn hmac_key(config: &Config) -> Vec<u8> {
    if !config.altcha_hmac_key.is_empty() {
        return config.altcha_hmac_key.expose().as_bytes().to_vec();
    }
    hmac_bytes(config.secret_key.expose().as_bytes(), b"altcha").to_vec()
}

fn hmac_bytes(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail; an empty key is still a key.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| <HmacSha256 as Mac>::new(&Default::default()));
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn sha256_hex(data: &str) -> String {
    hex::encode(Sha256::digest(data.as_bytes()))
}

fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The `expires` parameter of a salt (`<hex>?expires=<unix>`), as ALTCHA writes it.
fn salt_expiry(salt: &str) -> Option<DateTime<Utc>> {
    let (_, query) = salt.split_once('?')?;
    let secs = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "expires")
        .and_then(|(_, v)| v.parse::<i64>().ok())?;
    DateTime::from_timestamp(secs, 0)
}

impl Captcha {
    pub fn new(config: &Config) -> Self {
        let c = &config.site.captcha;
        Self {
            enabled: config.site.features.captcha,
            key: hmac_key(config),
            max_number: c.max_number.max(1),
            lifetime: chrono::Duration::minutes(i64::from(c.expires_minutes.max(1))),
        }
    }

    /// Whether forms require a solved captcha (`[features] captcha`).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn max_number(&self) -> u64 {
        self.max_number
    }

    /// A new challenge that expires `expires_minutes` after `now`.
    pub fn challenge(&self, now: DateTime<Utc>) -> Challenge {
        let number = rand::random_range(0..=self.max_number);
        self.challenge_with(now, number)
    }

    /// The challenge for a given secret number (tests solve it without brute force).
    pub fn challenge_with(&self, now: DateTime<Utc>, number: u64) -> Challenge {
        let mut random = [0u8; 12];
        rand::fill(&mut random);
        let expires = (now + self.lifetime).timestamp();
        let salt = format!("{}?expires={expires}", hex::encode(random));
        let challenge = sha256_hex(&format!("{salt}{number}"));
        Challenge {
            algorithm: ALGORITHM.into(),
            signature: self.sign(&challenge),
            challenge,
            salt,
            max_number: self.max_number,
        }
    }

    fn sign(&self, challenge: &str) -> String {
        hex::encode(hmac_bytes(&self.key, challenge.as_bytes()))
    }

    /// Checks a payload without recording it: algorithm, proof of work, signature (constant time) and
    /// expiry at `now`.
    pub fn check(&self, payload: &str, now: DateTime<Utc>) -> Result<Solution, CaptchaError> {
        let payload = payload.trim();
        if payload.is_empty() {
            return Err(CaptchaError::Missing);
        }
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(CaptchaError::Failed);
        }
        let json = base64::engine::general_purpose::STANDARD
            .decode(payload)
            .map_err(|_| CaptchaError::Failed)?;
        let p: Payload = serde_json::from_slice(&json).map_err(|_| CaptchaError::Failed)?;
        if p.algorithm != ALGORITHM {
            return Err(CaptchaError::Failed);
        }
        let expected = sha256_hex(&format!("{}{}", p.salt, p.number));
        let challenge_ok = ct_eq(&expected, &p.challenge);
        let signature_ok = ct_eq(&self.sign(&p.challenge), &p.signature);
        if !(challenge_ok & signature_ok) {
            return Err(CaptchaError::Failed);
        }
        // The salt is covered by the signature, so its expiry is the server's own.
        let expires_at = salt_expiry(&p.salt).ok_or(CaptchaError::Failed)?;
        if now >= expires_at {
            return Err(CaptchaError::Expired);
        }
        Ok(Solution {
            challenge: expected,
            expires_at,
        })
    }

    /// The whole verification of a form's `altcha` field: [`Captcha::check`], then the solution is
    /// recorded so that it is accepted only once. Always `Ok` when the captcha is switched off.
    ///
    /// Records in a write transaction of its own: call it before beginning the handler's write
    /// transaction (or use [`Captcha::check`] with [`store::record`] inside that transaction).
    pub async fn verify(
        &self,
        db: &DatabaseConnection,
        payload: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), CaptchaError> {
        if !self.enabled {
            return Ok(());
        }
        let solution = self.check(payload.unwrap_or_default(), now)?;
        let txn = crate::db::begin_write(db).await?;
        let first = store::record(&txn, &solution, now).await?;
        txn.commit_bookkeeping().await?;
        if first {
            Ok(())
        } else {
            tracing::info!("captcha solution replayed");
            Err(CaptchaError::AlreadyUsed)
        }
    }

    /// [`Captcha::verify`] with the application's database and clock.
    pub async fn verify_in(&self, state: &AppState, payload: Option<&str>) -> Result<(), AppError> {
        self.verify(&state.db, payload, state.clock.now())
            .await
            .map_err(AppError::from)
    }
}

/// `GET /captcha/`: a fresh challenge, never cached. Rate-limited per client address
/// (`RATE_LIMIT_CHALLENGE`).
pub async fn challenge(State(state): State<AppState>) -> Response {
    let mut resp = Json(state.captcha.challenge(state.clock.now())).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// The captcha's route, limited under [`crate::web::rate_limit::Policy::Challenge`].
pub fn routes(state: &AppState) -> axum::Router<AppState> {
    use axum::middleware::from_fn_with_state;
    axum::Router::new()
        .route("/captcha/", axum::routing::get(challenge))
        .route_layer(from_fn_with_state(
            state.clone(),
            crate::web::rate_limit::challenge_layer,
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captcha() -> Captcha {
        Captcha {
            enabled: true,
            key: b"k".to_vec(),
            max_number: 1000,
            lifetime: chrono::Duration::minutes(20),
        }
    }

    fn encode(p: &Payload) -> String {
        let json = serde_json::to_vec(p).unwrap_or_default();
        base64::engine::general_purpose::STANDARD.encode(json)
    }

    #[test]
    fn salt_carries_expiry() {
        let now = Utc::now();
        let c = captcha().challenge_with(now, 7);
        let exp = salt_expiry(&c.salt).map(|t| t.timestamp());
        assert_eq!(exp, Some((now + chrono::Duration::minutes(20)).timestamp()));
        assert_eq!(salt_expiry("abc"), None);
    }

    #[test]
    fn solved_payload_checks_and_wrong_ones_do_not() {
        let cap = captcha();
        let now = Utc::now();
        let c = cap.challenge_with(now, 42);
        let good = Payload {
            algorithm: c.algorithm.clone(),
            challenge: c.challenge.clone(),
            number: 42,
            salt: c.salt.clone(),
            signature: c.signature.clone(),
        };
        assert!(cap.check(&encode(&good), now).is_ok());
        let wrong = Payload {
            number: 43,
            ..good.clone()
        };
        assert!(matches!(
            cap.check(&encode(&wrong), now),
            Err(CaptchaError::Failed)
        ));
        let later = now + chrono::Duration::minutes(21);
        assert!(matches!(
            cap.check(&encode(&good), later),
            Err(CaptchaError::Expired)
        ));
        assert!(matches!(cap.check("", now), Err(CaptchaError::Missing)));
        assert!(matches!(cap.check("%%%", now), Err(CaptchaError::Failed)));
    }
}

//! Server-side admin sessions: the browser holds a random token in an HttpOnly, SameSite=Strict cookie
//! scoped to the admin prefix (Secure behind TLS); the table keeps only its SHA-256. A session ends
//! after `SESSION_COOKIE_AGE` seconds without a request, on logout, or when its password changes.

use axum::http::HeaderValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::entity::session;

pub const COOKIE: &str = "sr_admin";

/// A session waiting for its second factor lives this long at most.
const SECOND_FACTOR_MINUTES: i64 = 5;
/// However active, a session is never older than this.
const ABSOLUTE_HOURS: i64 = 12;

/// How far a session has signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Password accepted; the TOTP or a recovery code is still due.
    SecondFactor,
    #[default]
    Full,
}

/// A one-shot message shown on the next page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Flash {
    /// `success`, `info`, `warning` or `danger` (Bootstrap's alert names).
    pub level: String,
    pub message: String,
}

/// What a session remembers between requests. Never a key's plaintext.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Data {
    #[serde(default)]
    pub stage: Stage,
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default)]
    pub flash: Vec<Flash>,
}

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub user_id: Uuid,
    pub data: Data,
    pub last_seen_at: DateTime<Utc>,
}

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Starts a session; returns the token for the cookie.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    data: Data,
    now: DateTime<Utc>,
) -> Result<String, sea_orm::DbErr> {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let expires = if data.stage == Stage::SecondFactor {
        now + Duration::minutes(SECOND_FACTOR_MINUTES)
    } else {
        now + Duration::hours(ABSOLUTE_HOURS)
    };
    session::ActiveModel {
        id: Set(hash(&token)),
        user_id: Set(user_id),
        csrf_token: Set(String::new()),
        data: Set(serde_json::to_value(&data).unwrap_or_default()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(expires),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The session of `token` if it is still alive; an expired one is deleted. Activity moves the idle
/// clock (written at most once a minute, so a page's requests do not each write).
pub async fn load<C: ConnectionTrait>(
    db: &C,
    token: &str,
    idle_seconds: u64,
    now: DateTime<Utc>,
) -> Result<Option<Session>, sea_orm::DbErr> {
    let Some(row) = session::Entity::find_by_id(hash(token)).one(db).await? else {
        return Ok(None);
    };
    let idle = Duration::seconds(i64::try_from(idle_seconds).unwrap_or(i64::MAX / 1000));
    if now >= row.expires_at || now - row.last_seen_at >= idle {
        session::Entity::delete_by_id(row.id).exec(db).await?;
        return Ok(None);
    }
    let data: Data = serde_json::from_value(row.data.clone()).unwrap_or_default();
    let s = Session {
        id: row.id.clone(),
        user_id: row.user_id,
        data,
        last_seen_at: row.last_seen_at,
    };
    if now - row.last_seen_at >= Duration::seconds(60) {
        let mut am = row.into_active_model();
        am.last_seen_at = Set(now);
        am.update(db).await?;
    }
    Ok(Some(s))
}

/// Stores new session data (flash messages taken or added, the stage moved on).
pub async fn save<C: ConnectionTrait>(
    db: &C,
    id: &str,
    data: &Data,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let mut am = session::ActiveModel {
        id: Set(id.to_string()),
        ..Default::default()
    };
    am.data = Set(serde_json::to_value(data).unwrap_or_default());
    am.last_seen_at = Set(now);
    if data.stage == Stage::Full {
        am.expires_at = Set(now + Duration::hours(ABSOLUTE_HOURS));
    }
    am.update(db).await.map(|_| ()).or_else(|e| match e {
        // Logged out meanwhile (another tab): nothing to keep.
        sea_orm::DbErr::RecordNotUpdated => Ok(()),
        e => Err(e),
    })
}

/// Adds a flash message to a session.
pub async fn flash<C: ConnectionTrait>(
    db: &C,
    s: &Session,
    level: &str,
    message: impl Into<String>,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let mut data = s.data.clone();
    data.flash.push(Flash {
        level: level.into(),
        message: message.into(),
    });
    save(db, &s.id, &data, now).await
}

pub async fn delete<C: ConnectionTrait>(db: &C, id: &str) -> Result<(), sea_orm::DbErr> {
    session::Entity::delete_by_id(id.to_string())
        .exec(db)
        .await
        .map(|_| ())
}

/// Ends every session of a user except `keep` (after a password change or deactivation).
pub async fn delete_for_user<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    keep: Option<&str>,
) -> Result<(), sea_orm::DbErr> {
    let mut q = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(k) = keep {
        q = q.filter(session::Column::Id.ne(k));
    }
    q.exec(db).await.map(|_| ())
}

/// The `Set-Cookie` value of a new session (no Max-Age: it ends with the browser or the idle timeout).
pub fn cookie(prefix: &str, token: &str, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/{prefix}/; HttpOnly; SameSite=Strict{secure}"
    ))
    .ok()
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(prefix: &str, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}=; Path=/{prefix}/; Max-Age=0; HttpOnly; SameSite=Strict{secure}"
    ))
    .ok()
}

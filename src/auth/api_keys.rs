//! API keys: submission keys (`read` | `write`, one submission) and admin keys (`read` | `full`).
//!
//! A key is 256 random bits, shown once as URL-safe base64 without padding (43 characters). Only its
//! SHA-256 hex digest is stored; verification hashes the candidate, looks the row up by digest and
//! compares the digests in constant time. Revocation (`is_active = false`) takes effect on the next
//! request; a successful use records `last_used_at`. The plaintext is never persisted or logged.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::entity::admin_api_key;
use super::submission_api_key;

/// Bytes of randomness in a key (256 bits).
pub const KEY_BYTES: usize = 32;
/// Longest label a key may carry (the column's width).
pub const MAX_LABEL_CHARS: usize = 100;

/// What a submission key may do with its own submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmissionScope {
    Read,
    Write,
}

/// What an admin key may do: `Read` = safe methods only, `Full` = everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminScope {
    Read,
    Full,
}

impl SubmissionScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "read" => Some(Self::Read),
            "write" => Some(Self::Write),
            _ => None,
        }
    }
}

impl AdminScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Full => "full",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "read" => Some(Self::Read),
            "full" => Some(Self::Full),
            _ => None,
        }
    }
}

impl fmt::Display for SubmissionScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for AdminScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("The label must be 1 to {MAX_LABEL_CHARS} characters.")]
    InvalidLabel,
    #[error("There is no admin key with id {0}.")]
    UnknownKey(Uuid),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// A freshly generated key: the plaintext (to show once) and its digest (to store).
///
/// `Debug` never prints the plaintext.
pub struct NewKey {
    pub plaintext: String,
    pub hash: String,
}

impl fmt::Debug for NewKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewKey")
            .field("plaintext", &"[REDACTED]")
            .field("hash", &self.hash)
            .finish()
    }
}

/// 256 random bits from the OS-seeded CSPRNG, encoded URL-safe without padding.
pub fn generate() -> NewKey {
    let mut bytes = [0u8; KEY_BYTES];
    rand::fill(&mut bytes);
    let plaintext = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_key(&plaintext);
    NewKey { plaintext, hash }
}

/// Hex SHA-256 of a presented key.
pub fn hash_key(plaintext: &str) -> String {
    hex::encode(Sha256::digest(plaintext.as_bytes()))
}

/// Constant-time equality of two digests.
fn digests_equal(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// The digest to compare against when no row matched, so a miss costs the same comparison as a hit.
const DUMMY_DIGEST: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Constant-time check of a looked-up digest against the candidate; a miss is compared with a dummy
/// digest so it costs the same as a hit.
fn matches_candidate(stored: Option<&str>, candidate: &str) -> bool {
    digests_equal(stored.unwrap_or(DUMMY_DIGEST), candidate)
}

/// Whether a presented token is plausibly a key (bounded length, URL-safe alphabet); anything else is
/// refused without touching the database.
pub fn well_formed(token: &str) -> bool {
    (16..=128).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn clean_label(label: &str) -> Result<String, KeyError> {
    let label: String = label.trim().chars().filter(|c| !c.is_control()).collect();
    let n = label.chars().count();
    if n == 0 || n > MAX_LABEL_CHARS {
        return Err(KeyError::InvalidLabel);
    }
    Ok(label)
}

/// Issues a key for one submission. Returns the stored row and the plaintext (show it once).
pub async fn issue_submission_key<C: ConnectionTrait>(
    conn: &C,
    submission_id: Uuid,
    label: &str,
    created_by: &str,
    scope: SubmissionScope,
) -> Result<(submission_api_key::Model, String), KeyError> {
    let label = clean_label(label)?;
    let key = generate();
    let model = submission_api_key::ActiveModel {
        id: Set(Uuid::new_v4()),
        submission_id: Set(submission_id),
        key_hash: Set(key.hash),
        label: Set(label),
        created_at: Set(Utc::now()),
        created_by: Set(created_by.chars().take(150).collect()),
        is_active: Set(true),
        scope: Set(scope.as_str().to_string()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok((model, key.plaintext))
}

/// Issues an admin key. Returns the stored row and the plaintext (show it once).
pub async fn issue_admin_key<C: ConnectionTrait>(
    conn: &C,
    label: &str,
    scope: AdminScope,
    created_by: &str,
) -> Result<(admin_api_key::Model, String), KeyError> {
    let label = clean_label(label)?;
    let key = generate();
    let model = admin_api_key::ActiveModel {
        id: Set(Uuid::new_v4()),
        key_hash: Set(key.hash),
        label: Set(label),
        scope: Set(scope.as_str().to_string()),
        is_active: Set(true),
        created_by: Set(created_by.chars().take(150).collect()),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok((model, key.plaintext))
}

/// Revokes an admin key (kept for the audit trail). Returns false when it was already revoked.
pub async fn revoke_admin_key<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<bool, KeyError> {
    let row = admin_api_key::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(KeyError::UnknownKey(id))?;
    if !row.is_active {
        return Ok(false);
    }
    let mut am: admin_api_key::ActiveModel = row.into();
    am.is_active = Set(false);
    am.revoked_at = Set(Some(Utc::now()));
    am.update(conn).await?;
    Ok(true)
}

/// Revokes one submission key. Returns false when it was unknown or already revoked.
pub async fn revoke_submission_key<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<bool, KeyError> {
    let res = submission_api_key::Entity::update_many()
        .col_expr(submission_api_key::Column::IsActive, false.into())
        .col_expr(
            submission_api_key::Column::RevokedAt,
            Some(Utc::now()).into(),
        )
        .filter(submission_api_key::Column::Id.eq(id))
        .filter(submission_api_key::Column::IsActive.eq(true))
        .exec(conn)
        .await?;
    Ok(res.rows_affected > 0)
}

/// Revokes every active key of a submission (the admin "reset"); returns how many were revoked.
pub async fn revoke_all_submission_keys<C: ConnectionTrait>(
    conn: &C,
    submission_id: Uuid,
) -> Result<u64, KeyError> {
    let res = submission_api_key::Entity::update_many()
        .col_expr(submission_api_key::Column::IsActive, false.into())
        .col_expr(
            submission_api_key::Column::RevokedAt,
            Some(Utc::now()).into(),
        )
        .filter(submission_api_key::Column::SubmissionId.eq(submission_id))
        .filter(submission_api_key::Column::IsActive.eq(true))
        .exec(conn)
        .await?;
    Ok(res.rows_affected)
}

/// All admin keys, newest first (revoked ones included).
pub async fn list_admin_keys<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<admin_api_key::Model>, KeyError> {
    Ok(admin_api_key::Entity::find()
        .order_by_desc(admin_api_key::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// `last_used_at` is kept to the minute: a key used again within [`LAST_USED_RESOLUTION_SECS`] is not
/// written again, so reading with a key costs no write (and no writer lock) on every request.
pub const LAST_USED_RESOLUTION_SECS: i64 = 60;

fn needs_touch(last: Option<chrono::DateTime<Utc>>, now: chrono::DateTime<Utc>) -> bool {
    last.is_none_or(|t| now - t >= chrono::Duration::seconds(LAST_USED_RESOLUTION_SECS) || t > now)
}

/// An active admin key matching the token, with `last_used_at` recorded; `None` for anything else
/// (malformed, unknown, revoked — indistinguishable to the caller).
pub async fn verify_admin_key<C: ConnectionTrait>(
    conn: &C,
    token: &str,
) -> Result<Option<admin_api_key::Model>, sea_orm::DbErr> {
    if !well_formed(token) {
        return Ok(None);
    }
    let candidate = hash_key(token);
    let row = admin_api_key::Entity::find()
        .filter(admin_api_key::Column::KeyHash.eq(candidate.as_str()))
        .one(conn)
        .await?;
    let equal = matches_candidate(row.as_ref().map(|r| r.key_hash.as_str()), &candidate);
    let Some(mut row) = row.filter(|r| equal && r.is_active) else {
        return Ok(None);
    };
    let now = Utc::now();
    if needs_touch(row.last_used_at, now) {
        admin_api_key::Entity::update_many()
            .col_expr(admin_api_key::Column::LastUsedAt, Some(now).into())
            .filter(admin_api_key::Column::Id.eq(row.id))
            .exec(conn)
            .await?;
        row.last_used_at = Some(now);
    }
    Ok(Some(row))
}

/// An active submission key matching the token, with `last_used_at` recorded; `None` otherwise.
pub async fn verify_submission_key<C: ConnectionTrait>(
    conn: &C,
    token: &str,
) -> Result<Option<submission_api_key::Model>, sea_orm::DbErr> {
    if !well_formed(token) {
        return Ok(None);
    }
    let candidate = hash_key(token);
    let row = submission_api_key::Entity::find()
        .filter(submission_api_key::Column::KeyHash.eq(candidate.as_str()))
        .one(conn)
        .await?;
    let equal = matches_candidate(row.as_ref().map(|r| r.key_hash.as_str()), &candidate);
    let Some(mut row) = row.filter(|r| equal && r.is_active) else {
        return Ok(None);
    };
    let now = Utc::now();
    if needs_touch(row.last_used_at, now) {
        submission_api_key::Entity::update_many()
            .col_expr(submission_api_key::Column::LastUsedAt, Some(now).into())
            .filter(submission_api_key::Column::Id.eq(row.id))
            .exec(conn)
            .await?;
        row.last_used_at = Some(now);
    }
    Ok(Some(row))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_used_is_written_at_most_once_a_minute() {
        let t = chrono::DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        assert!(needs_touch(None, t));
        assert!(!needs_touch(Some(t), t + chrono::Duration::seconds(59)));
        assert!(needs_touch(Some(t), t + chrono::Duration::seconds(60)));
        // A stored time in the future (clock moved back) is corrected.
        assert!(needs_touch(Some(t + chrono::Duration::hours(1)), t));
    }

    #[test]
    fn keys_are_256_bit_url_safe_and_hashed() {
        let k = generate();
        assert_eq!(k.plaintext.len(), 43);
        assert!(well_formed(&k.plaintext));
        assert_eq!(k.hash, hash_key(&k.plaintext));
        assert_eq!(k.hash.len(), 64);
        assert_ne!(generate().plaintext, k.plaintext);
        assert!(!format!("{k:?}").contains(&k.plaintext));
    }

    #[test]
    fn malformed_tokens_are_refused_early() {
        assert!(!well_formed(""));
        assert!(!well_formed("short"));
        assert!(!well_formed("has space in it and is long enough"));
        assert!(!well_formed(&"a".repeat(129)));
    }

    #[test]
    fn scopes_round_trip() {
        for s in [AdminScope::Read, AdminScope::Full] {
            assert_eq!(AdminScope::parse(s.as_str()), Some(s));
        }
        for s in [SubmissionScope::Read, SubmissionScope::Write] {
            assert_eq!(SubmissionScope::parse(s.as_str()), Some(s));
        }
        assert_eq!(AdminScope::parse("write"), None);
    }
}

//! Two-factor sign-in: TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of clock drift
//! either way) with a QR code drawn on the server, and single-use recovery codes stored as SHA-256.
//! A code's time step is remembered so the same code never signs in twice.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};
use uuid::Uuid;

use super::entity::{recovery_code, totp};

const DIGITS: usize = 6;
const STEP: u64 = 30;
const SKEW: u8 = 1;
/// Recovery codes issued at enrolment.
pub const RECOVERY_CODES: usize = 10;

fn machine(secret_b32: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_string()).to_bytes().ok()?;
    // `new_unchecked`: the 160-bit secrets we generate meet the RFC's length.
    Some(TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        SKEW,
        STEP,
        bytes,
    ))
}

/// A new random 160-bit secret, base32 (RFC 4226 recommends 160 bits).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::fill(&mut bytes);
    Secret::Raw(bytes.to_vec()).to_encoded().to_string()
}

/// The `otpauth://` URI an authenticator app reads from the QR code.
pub fn otpauth_uri(secret_b32: &str, account: &str, issuer: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP}",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

/// The QR code of `data` as an SVG document (drawn here, so no image leaves the server).
pub fn qr_svg(data: &str) -> Option<String> {
    let code = qrcode::QrCode::new(data.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // Inline in HTML: the XML declaration has no place there.
    svg.find("<svg").map(|i| svg[i..].to_string())
}

/// The code an app would show at `now` (tests and the enrolment hint use it).
pub fn code_at(secret_b32: &str, now: DateTime<Utc>) -> Option<String> {
    let t = machine(secret_b32)?;
    Some(t.generate(u64::try_from(now.timestamp()).ok()?))
}

/// The time step of `code` if it is valid at `now` (within the allowed drift).
fn matching_step(secret_b32: &str, code: &str, now: DateTime<Utc>) -> Option<i64> {
    let t = machine(secret_b32)?;
    let now = u64::try_from(now.timestamp()).ok()?;
    let code = code.trim();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let base = now / STEP;
    (base.saturating_sub(u64::from(SKEW))..=base + u64::from(SKEW))
        .find(|step| {
            let expected = t.generate(step * STEP);
            subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), code.as_bytes()).into()
        })
        .and_then(|s| i64::try_from(s).ok())
}

pub async fn enrolment<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
) -> Result<Option<totp::Model>, sea_orm::DbErr> {
    totp::Entity::find_by_id(user_id).one(db).await
}

/// Whether the user has a confirmed second factor.
pub async fn is_enrolled<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
) -> Result<bool, sea_orm::DbErr> {
    Ok(enrolment(db, user_id)
        .await?
        .is_some_and(|t| t.confirmed_at.is_some()))
}

/// The pending enrolment's secret, created when there is none (an unconfirmed one is reused, so a
/// reload shows the same QR code).
pub async fn pending_secret<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<String, sea_orm::DbErr> {
    if let Some(t) = enrolment(db, user_id).await?
        && t.confirmed_at.is_none()
    {
        return Ok(t.secret);
    }
    totp::Entity::delete_by_id(user_id).exec(db).await?;
    let secret = new_secret();
    totp::ActiveModel {
        user_id: Set(user_id),
        secret: Set(secret.clone()),
        confirmed_at: Set(None),
        last_step: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(secret)
}

fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn recovery_hash(code: &str) -> String {
    hex::encode(Sha256::digest(normalise_recovery(code).as_bytes()))
}

fn new_recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 10];
    rand::fill(&mut bytes);
    let s: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &s[..5], &s[5..])
}

/// Confirms a pending enrolment with a current code; returns the recovery codes (shown once) or
/// `None` when the code is wrong.
pub async fn confirm<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Option<Vec<String>>, sea_orm::DbErr> {
    let Some(t) = enrolment(db, user_id).await? else {
        return Ok(None);
    };
    if t.confirmed_at.is_some() {
        return Ok(None);
    }
    let Some(step) = matching_step(&t.secret, code, now) else {
        return Ok(None);
    };
    let mut am = t.into_active_model();
    am.confirmed_at = Set(Some(now));
    am.last_step = Set(Some(step));
    am.update(db).await?;
    Ok(Some(replace_recovery_codes(db, user_id).await?))
}

/// New recovery codes; the old ones stop working.
pub async fn replace_recovery_codes<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
) -> Result<Vec<String>, sea_orm::DbErr> {
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    for c in &codes {
        recovery_code::ActiveModel {
            user_id: Set(user_id),
            code_hash: Set(recovery_hash(c)),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(codes)
}

/// Checks a sign-in code: a current TOTP (not one already used) or an unused recovery code, which is
/// then spent. The caller counts a `false` as a failed attempt.
pub async fn verify<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    code: &str,
    now: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    let Some(t) = enrolment(db, user_id).await? else {
        return Ok(false);
    };
    if t.confirmed_at.is_none() {
        return Ok(false);
    }
    if let Some(step) = matching_step(&t.secret, code, now) {
        if t.last_step.is_some_and(|last| step <= last) {
            return Ok(false);
        }
        // Conditional update: of two requests with the same code, only one moves the step.
        let res = totp::Entity::update_many()
            .col_expr(
                totp::Column::LastStep,
                sea_orm::sea_query::Expr::value(step),
            )
            .filter(totp::Column::UserId.eq(user_id))
            .filter(
                sea_orm::Condition::any()
                    .add(totp::Column::LastStep.is_null())
                    .add(totp::Column::LastStep.lt(step)),
            )
            .exec(db)
            .await?;
        return Ok(res.rows_affected == 1);
    }
    let spent = recovery_code::Entity::update_many()
        .col_expr(
            recovery_code::Column::UsedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(recovery_code::Column::UserId.eq(user_id))
        .filter(recovery_code::Column::CodeHash.eq(recovery_hash(code)))
        .filter(recovery_code::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(spent.rows_affected >= 1)
}

/// Unused recovery codes left.
pub async fn recovery_codes_left<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
) -> Result<u64, sea_orm::DbErr> {
    use sea_orm::PaginatorTrait;
    recovery_code::Entity::find()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .filter(recovery_code::Column::UsedAt.is_null())
        .count(db)
        .await
}

/// Removes the second factor (superuser reset, or the user after re-entering the password).
pub async fn remove<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<(), sea_orm::DbErr> {
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    totp::Entity::delete_by_id(user_id).exec(db).await?;
    Ok(())
}

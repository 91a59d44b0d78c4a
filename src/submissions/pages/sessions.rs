//! The SQL of the public forms' server-side state: `/update/` edit sessions, bound to the hash of the
//! key that opened them and re-checked against that key on every request, and single-use lost-key
//! recovery links. The browser holds random tokens; only their SHA-256 is stored.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::api_keys::{SubmissionScope, generate, hash_key};
use crate::auth::submission_api_key as key;

pub mod edit_session {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "edit_sessions")]
    pub struct Model {
        #[sea_orm(
            primary_key,
            auto_increment = false,
            column_type = "String(StringLen::N(64))"
        )]
        pub token_hash: String,
        #[sea_orm(column_type = "String(StringLen::N(64))")]
        pub key_hash: String,
        pub submission_id: Uuid,
        pub created_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod recovery_token {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "recovery_tokens")]
    pub struct Model {
        #[sea_orm(
            primary_key,
            auto_increment = false,
            column_type = "String(StringLen::N(64))"
        )]
        pub token_hash: String,
        pub submission_id: Uuid,
        pub created_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
        pub used_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// How long an edit session lasts after the key was entered.
pub const EDIT_SESSION_MINUTES: i64 = 60;
/// How long a recovery link stays valid.
pub const RECOVERY_MINUTES: i64 = 60;

/// An open edit session: the submission, and what the key that opened it may do.
#[derive(Debug, Clone)]
pub struct EditGrant {
    pub submission_id: Uuid,
    pub scope: SubmissionScope,
    pub key_label: String,
}

/// Opens an edit session for a verified key; returns the token for the browser's cookie.
pub async fn open_edit<C: ConnectionTrait>(
    conn: &C,
    k: &key::Model,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let token = generate();
    edit_session::Entity::insert(edit_session::ActiveModel {
        token_hash: Set(token.hash),
        key_hash: Set(k.key_hash.clone()),
        submission_id: Set(k.submission_id),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(EDIT_SESSION_MINUTES)),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(token.plaintext)
}

/// The grant of a session token: `None` when the session is unknown or expired, or when the key that
/// opened it has been revoked since (so a revocation takes effect on the very next request).
pub async fn edit_grant<C: ConnectionTrait>(
    conn: &C,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<EditGrant>, DbErr> {
    if !crate::auth::api_keys::well_formed(token) {
        return Ok(None);
    }
    let Some(session) = edit_session::Entity::find_by_id(hash_key(token))
        .filter(edit_session::Column::ExpiresAt.gt(now))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let k = key::Entity::find()
        .filter(key::Column::KeyHash.eq(session.key_hash.as_str()))
        .filter(key::Column::IsActive.eq(true))
        .filter(key::Column::SubmissionId.eq(session.submission_id))
        .one(conn)
        .await?;
    Ok(k.map(|k| EditGrant {
        submission_id: session.submission_id,
        scope: SubmissionScope::parse(&k.scope).unwrap_or(SubmissionScope::Read),
        key_label: k.label,
    }))
}

/// Ends an edit session (the "done" button).
pub async fn close_edit<C: ConnectionTrait>(conn: &C, token: &str) -> Result<(), DbErr> {
    edit_session::Entity::delete_by_id(hash_key(token))
        .exec(conn)
        .await?;
    Ok(())
}

/// Creates a recovery link token for a submission; returns the token for the link.
pub async fn new_recovery<C: ConnectionTrait>(
    conn: &C,
    submission_id: Uuid,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let token = generate();
    recovery_token::Entity::insert(recovery_token::ActiveModel {
        token_hash: Set(token.hash),
        submission_id: Set(submission_id),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(RECOVERY_MINUTES)),
        used_at: Set(None),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(token.plaintext)
}

/// The submission a recovery token may still be used for (unused, unexpired).
pub async fn recovery_target<C: ConnectionTrait>(
    conn: &C,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, DbErr> {
    if !crate::auth::api_keys::well_formed(token) {
        return Ok(None);
    }
    Ok(recovery_token::Entity::find_by_id(hash_key(token))
        .filter(recovery_token::Column::ExpiresAt.gt(now))
        .filter(recovery_token::Column::UsedAt.is_null())
        .one(conn)
        .await?
        .map(|t| t.submission_id))
}

/// Marks a recovery token used, in the caller's transaction: `Some(submission)` for the one caller
/// that used it first (a single conditional UPDATE decides between concurrent uses), else `None`.
pub async fn use_recovery<C: ConnectionTrait>(
    conn: &C,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, DbErr> {
    let Some(target) = recovery_target(conn, token, now).await? else {
        return Ok(None);
    };
    let res = recovery_token::Entity::update_many()
        .col_expr(recovery_token::Column::UsedAt, Some(now).into())
        .filter(recovery_token::Column::TokenHash.eq(hash_key(token)))
        .filter(recovery_token::Column::UsedAt.is_null())
        .filter(recovery_token::Column::ExpiresAt.gt(now))
        .exec(conn)
        .await?;
    Ok((res.rows_affected == 1).then_some(target))
}

/// Revokes the active write keys of a submission (read keys stay); returns how many.
pub async fn revoke_write_keys<C: ConnectionTrait>(
    conn: &C,
    submission_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let res = key::Entity::update_many()
        .col_expr(key::Column::IsActive, false.into())
        .col_expr(key::Column::RevokedAt, Some(now).into())
        .filter(key::Column::SubmissionId.eq(submission_id))
        .filter(key::Column::IsActive.eq(true))
        .filter(key::Column::Scope.eq(SubmissionScope::Write.as_str()))
        .exec(conn)
        .await?;
    Ok(res.rows_affected)
}

/// Deletes expired edit sessions and recovery tokens (the daily clean-up); returns how many.
pub async fn delete_expired<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let a = edit_session::Entity::delete_many()
        .filter(edit_session::Column::ExpiresAt.lt(now))
        .exec(conn)
        .await?;
    let b = recovery_token::Entity::delete_many()
        .filter(recovery_token::Column::ExpiresAt.lt(now - Duration::days(1)))
        .exec(conn)
        .await?;
    Ok(a.rows_affected + b.rows_affected)
}

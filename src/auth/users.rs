//! Staff user accounts: creation (superusers included), role membership and effective permissions.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use std::collections::BTreeSet;

use super::entity::{group, group_permission, permission, user, user_group, user_permission};
use super::password;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("The username must be 1 to 150 characters: letters, digits and @ . + - _ only.")]
    InvalidUsername,
    #[error("'{0}' is not a valid e-mail address.")]
    InvalidEmail(String),
    #[error("A user named '{0}' already exists.")]
    Exists(String),
    #[error("There is no role named '{0}'. Run setup-groups first.")]
    UnknownGroup(String),
    #[error(transparent)]
    Password(#[from] password::PasswordError),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub is_superuser: bool,
}

fn valid_username(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= 150
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "@.+-_".contains(c))
}

/// A loose syntactic check: one `@`, something on both sides, a dot in the domain, no spaces.
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c == '<' || c == '>')
        && !domain.contains('@')
        && email.len() <= 254
}

/// Creates an active staff user (a superuser when asked) with an Argon2id password.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    new: NewUser<'_>,
) -> Result<user::Model, UserError> {
    let username = new.username.trim();
    if !valid_username(username) {
        return Err(UserError::InvalidUsername);
    }
    let email = new.email.trim();
    if !email.is_empty() && !valid_email(email) {
        return Err(UserError::InvalidEmail(email.to_string()));
    }
    password::check_policy(new.password)?;
    if find_by_username(db, username).await?.is_some() {
        return Err(UserError::Exists(username.to_string()));
    }
    let hash = password::hash_off_thread(new.password).await?;
    let model = user::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        username: Set(username.to_string()),
        email: Set(email.to_string()),
        first_name: Set(String::new()),
        last_name: Set(String::new()),
        password_hash: Set(hash),
        is_active: Set(true),
        is_staff: Set(true),
        is_superuser: Set(new.is_superuser),
        date_joined: Set(Utc::now()),
        last_login: Set(None),
    }
    .insert(db)
    .await
    // Two creations of one name at the same moment: the loser gets the same answer as a later one.
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            UserError::Exists(username.to_string())
        }
        _ => UserError::Db(e),
    })?;
    Ok(model)
}

pub async fn find_by_username<C: ConnectionTrait>(
    db: &C,
    username: &str,
) -> Result<Option<user::Model>, sea_orm::DbErr> {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await
}

/// Adds the user to a role (idempotent).
pub async fn add_to_group<C>(db: &C, user_id: uuid::Uuid, group_name: &str) -> Result<(), UserError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let g = group::Entity::find()
        .filter(group::Column::Name.eq(group_name))
        .one(db)
        .await?
        .ok_or_else(|| UserError::UnknownGroup(group_name.to_string()))?;
    let exists = user_group::Entity::find()
        .filter(user_group::Column::UserId.eq(user_id))
        .filter(user_group::Column::GroupId.eq(g.id))
        .one(db)
        .await?
        .is_some();
    if !exists {
        user_group::ActiveModel {
            user_id: Set(user_id),
            group_id: Set(g.id),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// The union of the user's own and its groups' permissions; a superuser has every permission there is.
pub async fn effective_permissions<C: ConnectionTrait>(
    db: &C,
    u: &user::Model,
) -> Result<BTreeSet<String>, sea_orm::DbErr> {
    if !u.is_active {
        return Ok(BTreeSet::new());
    }
    if u.is_superuser {
        return Ok(super::roles::catalogue()
            .into_iter()
            .map(|(c, _)| c)
            .collect());
    }
    let group_ids: Vec<i64> = user_group::Entity::find()
        .filter(user_group::Column::UserId.eq(u.id))
        .all(db)
        .await?
        .into_iter()
        .map(|ug| ug.group_id)
        .collect();
    let mut perm_ids: Vec<i64> = group_permission::Entity::find()
        .filter(group_permission::Column::GroupId.is_in(group_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|gp| gp.permission_id)
        .collect();
    perm_ids.extend(
        user_permission::Entity::find()
            .filter(user_permission::Column::UserId.eq(u.id))
            .all(db)
            .await?
            .into_iter()
            .map(|up| up.permission_id),
    );
    Ok(permission::Entity::find()
        .filter(permission::Column::Id.is_in(perm_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.codename)
        .collect())
}

//! The superuser's screens: staff users (create, activate, superuser flag, roles, password, second
//! factor reset) and the sign-in lockouts in force (with "lift").

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use minijinja::context;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::form::CsrfFields;
use super::{Cap, Staff, audit, lockout, path, render, session, totp};
use crate::auth::entity::{group, user, user_group};
use crate::auth::{password, roles, users};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::PageContext;

pub fn routes(prefix: &str) -> Router<AppState> {
    Router::new()
        .route(&path(prefix, "users/"), get(list))
        .route(&path(prefix, "users/new/"), get(new_page).post(create))
        .route(&path(prefix, "users/{id}/"), get(edit_page).post(update))
        .route(&path(prefix, "locks/"), get(locks))
        .route(&path(prefix, "locks/lift/"), post(lift))
}

#[derive(Serialize)]
struct UserRow {
    id: Uuid,
    username: String,
    email: String,
    is_active: bool,
    is_superuser: bool,
    groups: Vec<String>,
    last_login: Option<chrono::DateTime<chrono::Utc>>,
    two_factor: bool,
}

async fn group_names(state: &AppState, user_id: Uuid) -> Result<Vec<String>, sea_orm::DbErr> {
    let ids: Vec<i64> = user_group::Entity::find()
        .filter(user_group::Column::UserId.eq(user_id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|l| l.group_id)
        .collect();
    Ok(group::Entity::find()
        .filter(group::Column::Id.is_in(ids))
        .order_by_asc(group::Column::Name)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|g| g.name)
        .collect())
}

async fn list(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
) -> Result<Response, AppError> {
    staff.require(Cap::ManageUsers)?;
    let mut rows = Vec::new();
    for u in user::Entity::find()
        .order_by_asc(user::Column::Username)
        .all(&state.db)
        .await?
    {
        rows.push(UserRow {
            groups: group_names(&state, u.id).await?,
            two_factor: totp::is_enrolled(&state.db, u.id).await?,
            id: u.id,
            username: u.username,
            email: u.email,
            is_active: u.is_active,
            is_superuser: u.is_superuser,
            last_login: u.last_login,
        });
    }
    render(
        &state,
        &pc,
        Some(&staff),
        "admin/users.html",
        context! { users => rows },
        StatusCode::OK,
    )
}

/// Adds a membership inside the caller's transaction (the roles exist: `prepare_database` syncs them).
async fn add_role<C: sea_orm::ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    name: &str,
) -> Result<(), AppError> {
    let g = group::Entity::find()
        .filter(group::Column::Name.eq(name))
        .one(db)
        .await?
        .ok_or_else(|| AppError::BadRequest(format!("There is no role named '{name}'.")))?;
    user_group::ActiveModel {
        user_id: Set(user_id),
        group_id: Set(g.id),
    }
    .insert(db)
    .await?;
    Ok(())
}

fn role_names() -> Vec<&'static str> {
    roles::roles().into_iter().map(|(n, _)| n).collect()
}

async fn new_page(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
) -> Result<Response, AppError> {
    staff.require(Cap::ManageUsers)?;
    let ctx = context! { roles => role_names(), errors => Vec::<String>::new() };
    render(
        &state,
        &pc,
        Some(&staff),
        "admin/user_new.html",
        ctx,
        StatusCode::OK,
    )
}

async fn create(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    CsrfFields(f): CsrfFields,
) -> Result<Response, AppError> {
    staff.require(Cap::ManageUsers)?;
    let refuse = |errors: Vec<String>| {
        let ctx = context! {
            roles => role_names(), errors => errors,
            username => f.get("username"), email => f.get("email"),
        };
        render(
            &state,
            &pc,
            Some(&staff),
            "admin/user_new.html",
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    if f.get("password1") != f.get("password2") {
        return refuse(vec!["The two password fields didn’t match.".into()]);
    }
    let wanted: Vec<String> = f
        .all("groups")
        .into_iter()
        .filter(|g| role_names().contains(g))
        .map(str::to_string)
        .collect();
    let txn = crate::db::begin_write(&state.db).await?;
    let created = users::create(
        &txn,
        users::NewUser {
            username: f.get("username"),
            email: f.get("email"),
            password: f.get("password1"),
            is_superuser: f.get("is_superuser") == "on",
        },
    )
    .await;
    let u = match created {
        Ok(u) => u,
        Err(users::UserError::Db(e)) => return Err(e.into()),
        Err(e) => {
            txn.rollback().await?;
            return refuse(vec![e.to_string()]);
        }
    };
    for g in &wanted {
        add_role(&txn, u.id, g).await?;
    }
    audit::record(
        &txn,
        audit::Entry {
            actor: &staff.actor(),
            action: "add",
            object_type: "user",
            object_id: &u.id.to_string(),
            object_repr: &u.username,
            message: &format!("Created user; roles: {}.", wanted.join(", ")),
        },
        state.clock.now(),
    )
    .await?;
    txn.commit().await?;
    super::flash_and_redirect(
        &state,
        &staff,
        "success",
        format!("The user “{}” was added.", u.username),
        &path(&state.config.admin_url_prefix, "users/"),
    )
    .await
}

async fn find_user(state: &AppState, id: &str) -> Result<user::Model, AppError> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound("No such user.".into()))?;
    user::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::NotFound("No such user.".into()))
}

async fn edit_page(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    staff.require(Cap::ManageUsers)?;
    let u = find_user(&state, &id).await?;
    let ctx = context! {
        u => context! { id => u.id, username => u.username, email => u.email,
            is_active => u.is_active, is_superuser => u.is_superuser },
        groups => group_names(&state, u.id).await?,
        two_factor => totp::is_enrolled(&state.db, u.id).await?,
        roles => role_names(),
        errors => Vec::<String>::new(),
    };
    render(
        &state,
        &pc,
        Some(&staff),
        "admin/user_edit.html",
        ctx,
        StatusCode::OK,
    )
}

async fn update(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    CsrfFields(f): CsrfFields,
) -> Result<Response, AppError> {
    staff.require(Cap::ManageUsers)?;
    let u = find_user(&state, &id).await?;
    let prefix = state.config.admin_url_prefix.clone();
    let back = path(&prefix, &format!("users/{}/", u.id));
    let new_password = f.get("new_password");
    if !new_password.is_empty()
        && let Err(e) = password::check_policy(new_password)
    {
        return super::flash_and_redirect(&state, &staff, "danger", e.to_string(), &back).await;
    }
    let is_active = f.get("is_active") == "on";
    let is_superuser = f.get("is_superuser") == "on";
    if u.id == staff.user.id && (!is_active || !is_superuser) {
        return super::flash_and_redirect(
            &state,
            &staff,
            "danger",
            "You cannot deactivate yourself or remove your own superuser status.",
            &back,
        )
        .await;
    }
    let wanted: Vec<String> = f
        .all("groups")
        .into_iter()
        .filter(|g| role_names().contains(g))
        .map(str::to_string)
        .collect();
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    let mut notes = Vec::new();
    let mut am = u.clone().into_active_model();
    if u.is_active != is_active {
        notes.push(format!("active: {} → {}", u.is_active, is_active));
    }
    if u.is_superuser != is_superuser {
        notes.push(format!("superuser: {} → {}", u.is_superuser, is_superuser));
    }
    am.is_active = Set(is_active);
    am.is_superuser = Set(is_superuser);
    if !new_password.is_empty() {
        am.password_hash = Set(password::hash(new_password).map_err(AppError::internal)?);
        notes.push("password set".into());
    }
    am.update(&txn).await?;
    user_group::Entity::delete_many()
        .filter(user_group::Column::UserId.eq(u.id))
        .exec(&txn)
        .await?;
    for g in &wanted {
        add_role(&txn, u.id, g).await?;
    }
    notes.push(format!("roles: {}", wanted.join(", ")));
    if f.get("reset_2fa") == "on" {
        totp::remove(&txn, u.id).await?;
        notes.push("two-factor sign-in reset".into());
    }
    if !is_active || !new_password.is_empty() {
        session::delete_for_user(&txn, u.id, None).await?;
    }
    audit::record(
        &txn,
        audit::Entry {
            actor: &staff.actor(),
            action: "change",
            object_type: "user",
            object_id: &u.id.to_string(),
            object_repr: &u.username,
            message: &notes.join("; "),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    super::flash_and_redirect(
        &state,
        &staff,
        "success",
        format!("The user “{}” was changed successfully.", u.username),
        &path(&prefix, "users/"),
    )
    .await
}

async fn locks(
    State(state): State<AppState>,
    pc: PageContext,
    staff: Staff,
) -> Result<Response, AppError> {
    staff.require(Cap::ManageUsers)?;
    let active = lockout::active(&state.db, &state.config, state.clock.now()).await?;
    render(
        &state,
        &pc,
        Some(&staff),
        "admin/locks.html",
        context! { locks => active },
        StatusCode::OK,
    )
}

async fn lift(
    State(state): State<AppState>,
    staff: Staff,
    CsrfFields(f): CsrfFields,
) -> Result<Response, AppError> {
    staff.require(Cap::ManageUsers)?;
    let kind = lockout::Kind::parse(f.get("kind"))
        .ok_or_else(|| AppError::BadRequest("Unknown lock kind.".into()))?;
    let key = super::bounded(f.get("key"), 150);
    let txn = crate::db::begin_write(&state.db).await?;
    let n = lockout::lift(&txn, kind, &key).await?;
    audit::record(
        &txn,
        audit::Entry {
            actor: &staff.actor(),
            action: "delete",
            object_type: "lockout",
            object_id: &key,
            object_repr: &key,
            message: &format!("Lifted the sign-in lock ({n} failed attempt(s) cleared)."),
        },
        state.clock.now(),
    )
    .await?;
    txn.commit().await?;
    super::flash_and_redirect(
        &state,
        &staff,
        "success",
        format!("The lock on “{key}” was lifted."),
        &path(&state.config.admin_url_prefix, "locks/"),
    )
    .await
}

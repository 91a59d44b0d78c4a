//! Submission use cases shared by the API, the web form and the admin portal: validate and resolve a
//! request, create (with its first key and the *created* e-mail), patch (with the reset rule, change log
//! and *updated* e-mail), and delete after writing the deletion audit. Every write is one transaction.

use chrono::{DateTime, Datelike, Utc};
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set, TryIntoModel};
use uuid::Uuid;

use super::diff::{self, Change};
use super::entity::service_submission as sub;
use super::input::{FIELDS, Input, Kind, NewSubmission, SubmissionPatch};
use super::lifecycle;
use super::model::{Status, SubmissionId};
use super::repo::{self, SubmissionRecord};
use super::validate::validate;
use crate::db::WriteTxn;
use crate::error::AppError;
use crate::submissions::notify::{MailSettings, SubmissionMailData};

/// What the use cases need from the application.
pub struct Ctx<'a> {
    pub db: &'a DatabaseConnection,
    pub config: &'a crate::config::Config,
    pub templates: &'a crate::web::templates::Templates,
    pub mail: MailSettings,
    pub clock: &'a dyn crate::jobs::Clock,
}

impl<'a> Ctx<'a> {
    pub fn new(state: &'a crate::state::AppState) -> Self {
        Self {
            db: &state.db,
            config: &state.config,
            templates: &state.templates,
            mail: MailSettings::from_config(&state.config),
            clock: state.clock.as_ref(),
        }
    }

    /// The current time on the application's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

/// Who asked, for the audit fields of a new submission.
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: String,
    /// The one-time id of the web form that sent this registration: claimed in the same transaction,
    /// so the same form sent twice (a reload, a double click) registers once.
    pub form_id: Option<String>,
}

/// How long a sent form's id is remembered.
const FORM_ID_DAYS: i64 = 2;

/// The one-time key of a web form's id.
pub fn form_key(form_id: &str) -> String {
    format!("form:{form_id}")
}

/// A logo change that has already passed [`super::logo::process`].
pub enum LogoUpdate {
    Remove,
    New(super::logo::ProcessedLogo),
}

/// Stores a new logo (after validation, so a refused request leaves no file) and records its path.
async fn apply_logo(
    ctx: &Ctx<'_>,
    am: &mut sub::ActiveModel,
    logo: Option<LogoUpdate>,
) -> Result<(), AppError> {
    match logo {
        None => {}
        Some(LogoUpdate::Remove) => am.logo = Set(None),
        Some(LogoUpdate::New(processed)) => {
            let path = super::logo::store(&ctx.config.media_root, &processed)
                .await
                .map_err(|e| AppError::internal(format!("cannot store the logo: {e}")))?;
            am.logo = Set(Some(path));
        }
    }
    Ok(())
}

/// Copies the supplied scalar values onto their columns (the lists are links, written separately).
fn apply(am: &mut sub::ActiveModel, input: &Input) -> Result<(), sea_orm::DbErr> {
    for (name, v) in &input.values {
        let column = super::input::spec(name).and_then(|s| s.column);
        if let (Some(column), Some(value)) = (column, v.column_value()) {
            am.try_set(column, value)?;
        }
    }
    Ok(())
}

fn current_year(ctx: &Ctx<'_>) -> i32 {
    ctx.now().with_timezone(&ctx.config.time_zone).year()
}

/// The data the notification e-mails need, from the loaded record.
pub fn mail_data(r: &SubmissionRecord) -> SubmissionMailData {
    let s = &r.row;
    let snap = diff::snapshot(r);
    let details = [
        "service_center",
        "service_categories",
        "responsible_pis",
        "website_url",
        "public_contact_email",
    ]
    .iter()
    .filter_map(|f| {
        snap.get(f)
            .filter(|v| !v.is_empty())
            .map(|v| crate::submissions::notify::MailDetail {
                label: diff::label_of(f),
                value: v.clone(),
            })
    })
    .collect();
    SubmissionMailData {
        id: s.id,
        service_name: s.service_name.clone(),
        status: s.status.clone(),
        submitter_first_name: s.submitter_first_name.clone(),
        submitter_last_name: s.submitter_last_name.clone(),
        submitter_affiliation: s.submitter_affiliation.clone(),
        internal_contact_name: s.internal_contact_name.clone(),
        internal_contact_email: s.internal_contact_email.clone(),
        submitted_at: s.submitted_at,
        updated_at: s.updated_at,
        description: s.service_description.clone(),
        details,
    }
}

/// A new submission in `submitted` state, with its first (write) key; the *created* e-mails are queued in
/// the same transaction. Returns the record and the key's plaintext (shown once, never stored).
pub async fn create(
    ctx: &Ctx<'_>,
    input: &NewSubmission,
    logo: Option<LogoUpdate>,
    origin: &Origin,
) -> Result<(SubmissionRecord, String), AppError> {
    let txn = crate::db::begin_write(ctx.db).await?;
    let now = ctx.now();
    if let Some(form_id) = &origin.form_id {
        let until = now + chrono::Duration::days(FORM_ID_DAYS);
        if !crate::web::captcha::store::claim(&txn, &form_key(form_id), until, now).await? {
            txn.rollback().await?;
            return Err(AppError::Conflict(
                "This form has already been sent; the registration exists.".into(),
            ));
        }
    }
    let links = validate(&txn, input, None, current_year(ctx)).await?;
    let mut am = sub::ActiveModel {
        id: Set(Uuid::new_v4()),
        status: Set(Status::Submitted.code().into()),
        primary_maturity_tag: Set(None),
        secondary_maturity_tags: Set(Some(serde_json::json!([]))),
        submitted_at: Set(now),
        updated_at: Set(now),
        submission_ip: Set(origin.ip.clone()),
        user_agent_hash: Set(hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            origin.user_agent.as_bytes(),
        ))),
        survey_participation: Set(true),
        logo: Set(None),
        last_change_summary: Set(None),
        ..Default::default()
    };
    for f in FIELDS {
        if let (Kind::Text { .. } | Kind::Plain { .. }, Some(column)) = (f.kind, f.column) {
            am.try_set(column, String::new().into())?;
        }
    }
    am.register_as_elixir = Set(false);
    am.is_toolbox = Set(false);
    apply(&mut am, input)?;
    apply_logo(ctx, &mut am, logo).await?;
    let row = repo::insert(&txn, am).await?;
    let id = SubmissionId(row.id);
    repo::replace_links(&txn, id, &links).await?;
    let mut record = SubmissionRecord {
        row,
        center: None,
        categories: Vec::new(),
        pis: Vec::new(),
        topics: Vec::new(),
        operations: Vec::new(),
        licenses: Vec::new(),
    };
    links.apply(&mut record);
    let (_, plaintext) = crate::auth::api_keys::issue_submission_key(
        &txn,
        id.0,
        "Initial key",
        "submitter",
        crate::auth::api_keys::SubmissionScope::Write,
    )
    .await
    .map_err(AppError::internal)?;
    let data = mail_data(&record);
    crate::submissions::notify::notify_created(&txn, &ctx.mail, ctx.templates, &data, now)
        .await
        .map_err(AppError::internal)?;
    if !record.row.biotools_url.trim().is_empty() {
        crate::biotools::jobs::enqueue_sync(&txn, id.0, now).await?;
    }
    txn.commit().await?;
    Ok((record, plaintext))
}

/// Applies a partial update. Only values that actually change count: no change → no log entry, no
/// e-mail and no write. An approved submission returns to `submitted` (tags cleared) unless every
/// changed field is exempt. The stored record is read once and the row written once; the result is
/// the record as stored, and the changes.
pub async fn patch(
    ctx: &Ctx<'_>,
    id: SubmissionId,
    input: &SubmissionPatch,
    logo: Option<LogoUpdate>,
    actor: &str,
) -> Result<(SubmissionRecord, Vec<Change>), AppError> {
    let txn = crate::db::begin_write(ctx.db).await?;
    let out = patch_in(&txn, ctx, id, input, logo, actor).await?;
    txn.commit().await?;
    Ok(out)
}

/// [`patch`] inside the caller's write transaction, so the caller can write its own record of the
/// change (the admin's audit row) in the same transaction; nothing is kept unless it commits.
pub async fn patch_in(
    txn: &WriteTxn,
    ctx: &Ctx<'_>,
    id: SubmissionId,
    input: &SubmissionPatch,
    logo: Option<LogoUpdate>,
    actor: &str,
) -> Result<(SubmissionRecord, Vec<Change>), AppError> {
    let current = repo::load(txn, id)
        .await?
        .ok_or_else(|| AppError::NotFound("Not found.".into()))?;
    let links = validate(txn, input, Some(&current), current_year(ctx)).await?;
    let before = diff::snapshot(&current);
    let mut am: sub::ActiveModel = current.row.clone().into();
    apply(&mut am, input)?;
    apply_logo(ctx, &mut am, logo).await?;
    let mut next = current.clone();
    next.row = am.clone().try_into_model()?;
    links.apply(&mut next);
    let mut changes = diff::diff(&before, &diff::snapshot(&next));
    if changes.is_empty() {
        return Ok((current, changes));
    }
    let exempt = lifecycle::exempt_fields(&ctx.config.site.submission.no_reset_fields);
    let reset = lifecycle::must_reset(Status::parse(&next.row.status), &changes, &exempt);
    let now = ctx.now();
    am.updated_at = Set(now);
    if reset {
        am.status = Set(Status::Submitted.code().into());
        am.primary_maturity_tag = Set(None);
        am.secondary_maturity_tags = Set(Some(serde_json::json!([])));
        // The reset itself is part of the record.
        next.row = am.clone().try_into_model()?;
        changes = diff::diff(&before, &diff::snapshot(&next));
    }
    lifecycle::write_change_log(txn, &mut am, id, actor, &changes, now).await?;
    next.row = repo::update(txn, am).await?;
    repo::replace_links(txn, id, &links).await?;
    let data = mail_data(&next);
    let mail_changes: Vec<crate::submissions::notify::FieldChange> = changes
        .iter()
        .map(|c| crate::submissions::notify::FieldChange {
            field: c.field.clone(),
            label: c.label.clone(),
            old: c.old.clone(),
            new: c.new.clone(),
        })
        .collect();
    crate::submissions::notify::notify_updated(
        txn,
        &ctx.mail,
        ctx.templates,
        &data,
        &mail_changes,
        reset,
        now,
    )
    .await
    .map_err(AppError::internal)?;
    if next.row.biotools_url != current.row.biotools_url {
        crate::biotools::jobs::enqueue_sync(txn, id.0, now).await?;
    }
    Ok((next, changes))
}

/// Deletes a submission after recording who deleted it, with its whole change history; dependent rows
/// (keys, change log, links) go with it.
pub async fn delete_with_audit(
    db: &DatabaseConnection,
    id: Uuid,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let txn = crate::db::begin_write(db).await?;
    delete_with_audit_in(&txn, id, actor, now).await?;
    txn.commit().await?;
    Ok(())
}

/// [`delete_with_audit`] inside the caller's write transaction (see [`patch_in`]).
pub async fn delete_with_audit_in(
    txn: &WriteTxn,
    id: Uuid,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let s = repo::row(txn, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No submission {id}.")))?;
    let sid = SubmissionId(id);
    let log = repo::change_log_of(txn, sid).await?;
    repo::insert_deletion_audit(
        txn,
        repo::DeletionAudit {
            row: &s,
            actor,
            now,
            log: &log,
        },
    )
    .await?;
    repo::delete(txn, sid).await?;
    Ok(())
}

//! Submission use cases shared by the API, the web form and the admin portal: validate and resolve a
//! request, create (with its first key and the *created* e-mail), patch (with the reset rule, change log
//! and *updated* e-mail), and delete after writing the deletion audit. Every write is one transaction.

use chrono::{DateTime, Datelike, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use super::diff::{self, Change};
use super::entity::{
    service_submission as sub, submission_category, submission_change_log,
    submission_deletion_audit, submission_edam_operation, submission_edam_topic,
    submission_license, submission_pi,
};
use super::input::{FIELDS, Input, Val};
use super::lifecycle;
use super::validate::{Links, validate};
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

/// Copies the supplied scalar values onto the row.
fn apply(am: &mut sub::ActiveModel, input: &Input) {
    for (name, v) in &input.values {
        match (*name, v) {
            ("date_of_entry", Val::Date(d)) => am.date_of_entry = Set(*d),
            ("year_established", Val::Int(y)) => am.year_established = Set(*y as i32),
            ("service_center_id", Val::Uuid(u)) => am.service_center_id = Set(*u),
            ("register_as_elixir", Val::Bool(b)) => am.register_as_elixir = Set(*b),
            ("is_toolbox", Val::Bool(b)) => am.is_toolbox = Set(*b),
            ("survey_participation", Val::Bool(b)) => am.survey_participation = Set(*b),
            ("data_protection_consent", Val::Bool(b)) => am.data_protection_consent = Set(*b),
            (field, Val::Text(t)) => set_text(am, field, t.clone()),
            _ => {}
        }
    }
}

fn set_text(am: &mut sub::ActiveModel, field: &str, t: String) {
    match field {
        "submitter_first_name" => am.submitter_first_name = Set(t),
        "submitter_last_name" => am.submitter_last_name = Set(t),
        "submitter_affiliation" => am.submitter_affiliation = Set(t),
        "service_name" => am.service_name = Set(t),
        "service_description" => am.service_description = Set(t),
        "toolbox_name" => am.toolbox_name = Set(t),
        "user_knowledge_required" => am.user_knowledge_required = Set(t),
        "publications_pmids" => am.publications_pmids = Set(t),
        "associated_partner_note" => am.associated_partner_note = Set(t),
        "host_institute" => am.host_institute = Set(t),
        "public_contact_email" => am.public_contact_email = Set(t),
        "internal_contact_name" => am.internal_contact_name = Set(t),
        "internal_contact_email" => am.internal_contact_email = Set(t),
        "website_url" => am.website_url = Set(t),
        "terms_of_use_url" => am.terms_of_use_url = Set(t),
        "license_note" => am.license_note = Set(t),
        "github_url" => am.github_url = Set(t),
        "biotools_url" => am.biotools_url = Set(t),
        "fairsharing_url" => am.fairsharing_url = Set(t),
        "other_registry_url" => am.other_registry_url = Set(t),
        "kpi_monitoring" => am.kpi_monitoring = Set(t),
        "kpi_start_year" => am.kpi_start_year = Set(t),
        "keywords_uncited" => am.keywords_uncited = Set(t),
        "keywords_seo" => am.keywords_seo = Set(t),
        "comments" => am.comments = Set(t),
        _ => {}
    }
}

/// Replaces the supplied many-to-many links.
async fn write_links<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    links: &Links,
) -> Result<(), sea_orm::DbErr> {
    if let Some(ids) = &links.categories {
        submission_category::Entity::delete_many()
            .filter(submission_category::Column::SubmissionId.eq(id))
            .exec(db)
            .await?;
        for c in ids {
            submission_category::ActiveModel {
                submission_id: Set(id),
                category_id: Set(*c),
            }
            .insert(db)
            .await?;
        }
    }
    if let Some(ids) = &links.pis {
        submission_pi::Entity::delete_many()
            .filter(submission_pi::Column::SubmissionId.eq(id))
            .exec(db)
            .await?;
        for p in ids {
            submission_pi::ActiveModel {
                submission_id: Set(id),
                pi_id: Set(*p),
            }
            .insert(db)
            .await?;
        }
    }
    if let Some(ids) = &links.topics {
        submission_edam_topic::Entity::delete_many()
            .filter(submission_edam_topic::Column::SubmissionId.eq(id))
            .exec(db)
            .await?;
        for t in ids {
            submission_edam_topic::ActiveModel {
                submission_id: Set(id),
                edam_term_id: Set(*t),
            }
            .insert(db)
            .await?;
        }
    }
    if let Some(ids) = &links.operations {
        submission_edam_operation::Entity::delete_many()
            .filter(submission_edam_operation::Column::SubmissionId.eq(id))
            .exec(db)
            .await?;
        for t in ids {
            submission_edam_operation::ActiveModel {
                submission_id: Set(id),
                edam_term_id: Set(*t),
            }
            .insert(db)
            .await?;
        }
    }
    if let Some(ids) = &links.licenses {
        submission_license::Entity::delete_many()
            .filter(submission_license::Column::SubmissionId.eq(id))
            .exec(db)
            .await?;
        for l in ids {
            submission_license::ActiveModel {
                submission_id: Set(id),
                license_id: Set(*l),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

fn current_year(ctx: &Ctx<'_>) -> i32 {
    ctx.now().with_timezone(&ctx.config.time_zone).year()
}

/// The data the notification e-mails need.
pub async fn mail_data<C: ConnectionTrait>(
    db: &C,
    s: &sub::Model,
) -> Result<SubmissionMailData, sea_orm::DbErr> {
    let snap = diff::snapshot(db, s).await?;
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
    Ok(SubmissionMailData {
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
    })
}

/// A new submission in `submitted` state, with its first (write) key; the *created* e-mails are queued in
/// the same transaction. Returns the row and the key's plaintext (shown once, never stored).
pub async fn create(
    ctx: &Ctx<'_>,
    input: &Input,
    logo: Option<LogoUpdate>,
    origin: &Origin,
) -> Result<(sub::Model, String), AppError> {
    let txn = crate::db::begin_write(ctx.db).await?;
    let links = validate(&txn, input, None, current_year(ctx)).await?;
    let now = ctx.now();
    let mut am = sub::ActiveModel {
        id: Set(Uuid::new_v4()),
        status: Set("submitted".into()),
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
        if let super::input::Kind::Text { .. } | super::input::Kind::Plain { .. } = f.kind {
            set_text(&mut am, f.field, String::new());
        }
    }
    am.register_as_elixir = Set(false);
    am.is_toolbox = Set(false);
    apply(&mut am, input);
    apply_logo(ctx, &mut am, logo).await?;
    let row = am.insert(&txn).await?;
    write_links(&txn, row.id, &links).await?;
    let (_, plaintext) = crate::auth::api_keys::issue_submission_key(
        &txn,
        row.id,
        "Initial key",
        "submitter",
        crate::auth::api_keys::SubmissionScope::Write,
    )
    .await
    .map_err(AppError::internal)?;
    let data = mail_data(&txn, &row).await?;
    crate::submissions::notify::notify_created(&txn, &ctx.mail, ctx.templates, &data, now)
        .await
        .map_err(AppError::internal)?;
    txn.commit().await?;
    Ok((row, plaintext))
}

/// Applies a partial update. Only values that actually change count: no change → no log entry and no
/// e-mail. An approved submission returns to `submitted` (tags cleared) unless every changed field is
/// exempt. Returns the row and the changes.
pub async fn patch(
    ctx: &Ctx<'_>,
    id: Uuid,
    input: &Input,
    logo: Option<LogoUpdate>,
    actor: &str,
) -> Result<(sub::Model, Vec<Change>), AppError> {
    let txn = crate::db::begin_write(ctx.db).await?;
    let current = sub::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound("Not found.".into()))?;
    let links = validate(&txn, input, Some(&current), current_year(ctx)).await?;
    let before = diff::snapshot(&txn, &current).await?;
    let mut am: sub::ActiveModel = current.clone().into();
    apply(&mut am, input);
    apply_logo(ctx, &mut am, logo).await?;
    let row = am.update(&txn).await?;
    write_links(&txn, id, &links).await?;
    let mut changes = diff::diff(&before, &diff::snapshot(&txn, &row).await?);
    if changes.is_empty() {
        txn.rollback().await?;
        return Ok((current, changes));
    }
    let exempt = lifecycle::exempt_fields(&ctx.config.site.submission.no_reset_fields);
    let reset = lifecycle::must_reset(&row.status, &changes, &exempt);
    let mut am: sub::ActiveModel = row.into();
    let now = ctx.now();
    am.updated_at = Set(now);
    if reset {
        am.status = Set("submitted".into());
        am.primary_maturity_tag = Set(None);
        am.secondary_maturity_tags = Set(Some(serde_json::json!([])));
    }
    let row = am.update(&txn).await?;
    if reset {
        // The reset itself is part of the record.
        let after = diff::snapshot(&txn, &row).await?;
        changes = diff::diff(&before, &after);
    }
    lifecycle::write_change_log(&txn, &row, actor, &changes, now).await?;
    let data = mail_data(&txn, &row).await?;
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
        &txn,
        &ctx.mail,
        ctx.templates,
        &data,
        &mail_changes,
        reset,
        now,
    )
    .await
    .map_err(AppError::internal)?;
    txn.commit().await?;
    let row = sub::Entity::find_by_id(id)
        .one(ctx.db)
        .await?
        .ok_or_else(|| AppError::NotFound("Not found.".into()))?;
    Ok((row, changes))
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
    let s = sub::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("No submission {id}.")))?;
    let log = submission_change_log::Entity::find()
        .filter(submission_change_log::Column::SubmissionId.eq(id))
        .order_by_desc(submission_change_log::Column::ChangedAt)
        .all(&txn)
        .await?;
    let snapshot: Vec<serde_json::Value> = log
        .iter()
        .map(|l| serde_json::json!({"changed_by": l.changed_by, "changed_at": l.changed_at.to_rfc3339(), "changes": l.changes}))
        .collect();
    submission_deletion_audit::ActiveModel {
        submission_id: Set(id),
        service_name: Set(s.service_name.clone()),
        status: Set(s.status.clone()),
        submitter_first_name: Set(s.submitter_first_name.clone()),
        submitter_last_name: Set(s.submitter_last_name.clone()),
        submitter_affiliation: Set(s.submitter_affiliation.clone()),
        public_contact_email: Set(s.public_contact_email.clone()),
        deleted_by: Set(actor.chars().take(200).collect()),
        deleted_at: Set(now),
        changelog_count: Set(log.len() as i32),
        changelog_snapshot: Set(serde_json::Value::Array(snapshot)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    sub::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

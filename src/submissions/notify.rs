//! The submission notification e-mails (created, updated, status changed): who gets which message, with
//! which subject and links, rendered from `templates/email/` and queued in the caller's transaction.

use chrono::{DateTime, Utc};
use minijinja::Value;
use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;
use uuid::Uuid;

use crate::config::Config;
use crate::mail::{OutgoingEmail, enqueue_email, render_pair};
use crate::web::templates::Templates;

/// The settings that decide routing and wording, taken from the configuration once.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub from: String,
    /// Admin recipient: `[contact] email`, else the from address.
    pub contact_email: String,
    pub cc: Vec<String>,
    /// `SUBMISSION_NOTIFY_OVERRIDE`: all admin mail goes here, no admin link, no submitter mail.
    pub override_to: Option<String>,
    pub site_url: String,
    pub admin_prefix: String,
    pub subject_prefix: String,
    pub site_name: String,
    pub organisation: String,
    pub website: String,
    pub time_zone: chrono_tz::Tz,
}

impl MailSettings {
    pub fn from_config(config: &Config) -> Self {
        let site = &config.site;
        let contact = site.contact.email.trim();
        Self {
            from: config.email.from.clone(),
            contact_email: if contact.is_empty() {
                config.email.from.clone()
            } else {
                contact.to_string()
            },
            cc: config.email.notify_cc.clone(),
            override_to: Some(config.email.notify_override.trim().to_string())
                .filter(|s| !s.is_empty()),
            site_url: site.site.url.trim_end_matches('/').to_string(),
            admin_prefix: config.admin_url_prefix.clone(),
            subject_prefix: site.email.subject_prefix.clone(),
            site_name: site.site.name.clone(),
            organisation: site.contact.organisation.clone(),
            website: site.links.website.clone(),
            time_zone: config.time_zone,
        }
    }

    /// The admin change page of a submission, unless the override is set or no site URL is configured.
    pub fn admin_link(&self, id: Uuid) -> Option<String> {
        if self.override_to.is_some() || self.site_url.is_empty() {
            return None;
        }
        Some(format!(
            "{}/{}/submissions/servicesubmission/{id}/change/",
            self.site_url, self.admin_prefix
        ))
    }

    /// A UTC time shown in the configured zone with its abbreviation, e.g. `2026-11-22 14:05 CET`.
    pub fn local_time(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.time_zone)
            .format("%Y-%m-%d %H:%M %Z")
            .to_string()
    }

    fn subject(&self, rest: &str) -> String {
        if self.subject_prefix.is_empty() {
            rest.to_string()
        } else {
            format!("{} {rest}", self.subject_prefix)
        }
    }
}

/// One label/value line of the service details block.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MailDetail {
    pub label: String,
    pub value: String,
}

/// What the notifications need to know about a submission; filled by the submissions domain.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SubmissionMailData {
    pub id: Uuid,
    pub service_name: String,
    /// Status code (`submitted`, `approved`, …) — the new status for a status change.
    pub status: String,
    pub submitter_first_name: String,
    pub submitter_last_name: String,
    pub submitter_affiliation: String,
    pub internal_contact_name: String,
    pub internal_contact_email: String,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub description: String,
    /// Further service details for the admin mail, in display order.
    pub details: Vec<MailDetail>,
}

/// One changed field in an update, values already formatted for display.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub label: String,
    pub old: String,
    pub new: String,
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("cannot render the e-mail: {0}")]
    Render(#[from] minijinja::Error),
    #[error(transparent)]
    Db(#[from] DbErr),
}

#[derive(Clone, Copy, PartialEq)]
enum Event {
    Created,
    Updated,
    StatusChanged,
}

/// The status labels are the domain's own (`submissions::model::Status`).
pub fn status_label(code: &str) -> String {
    crate::submissions::model::status_label(code)
}

fn status_message(code: &str) -> &'static str {
    match code {
        "approved" => {
            "Your service has been accepted and is now part of the registry. Thank you for registering it."
        }
        "rejected" => {
            "We could not accept your registration at this point. If you have questions, please get in touch with us."
        }
        "under_review" => {
            "The coordination office is reviewing your registration. We will let you know once a decision has been made."
        }
        "deprecated" => {
            "Your service is now marked as deprecated and no longer listed as active. If this is a mistake, or you would like to reactivate it, please contact us."
        }
        _ => "If you have any questions about your registration, please contact us.",
    }
}

/// A new registration (web or API): the admin notification and the submitter's receipt.
pub async fn notify_created<C: ConnectionTrait>(
    conn: &C,
    settings: &MailSettings,
    templates: &Templates,
    data: &SubmissionMailData,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, NotifyError> {
    let notice = Notice {
        event: Event::Created,
        changes: &[],
        status_reset: false,
    };
    send(conn, settings, templates, data, notice, now).await
}

/// An edit by the submitter (web or API PATCH): the admin notification always (with the diff table), the
/// submitter's copy only when something changed, with the review notice when the status was reset.
pub async fn notify_updated<C: ConnectionTrait>(
    conn: &C,
    settings: &MailSettings,
    templates: &Templates,
    data: &SubmissionMailData,
    changes: &[FieldChange],
    status_reset: bool,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, NotifyError> {
    let notice = Notice {
        event: Event::Updated,
        changes,
        status_reset,
    };
    send(conn, settings, templates, data, notice, now).await
}

/// A status change (admin action or self-deprecation); `data.status` is the new status.
pub async fn notify_status_changed<C: ConnectionTrait>(
    conn: &C,
    settings: &MailSettings,
    templates: &Templates,
    data: &SubmissionMailData,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, NotifyError> {
    let notice = Notice {
        event: Event::StatusChanged,
        changes: &[],
        status_reset: false,
    };
    send(conn, settings, templates, data, notice, now).await
}

/// What happened, for [`send`].
struct Notice<'a> {
    event: Event,
    changes: &'a [FieldChange],
    status_reset: bool,
}

/// Queues the mails of one event, due at `now` (the caller's clock, the same one the worker runs on).
async fn send<C: ConnectionTrait>(
    conn: &C,
    s: &MailSettings,
    templates: &Templates,
    data: &SubmissionMailData,
    notice: Notice<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, NotifyError> {
    let Notice {
        event,
        changes,
        status_reset,
    } = notice;
    let status = status_label(&data.status);
    let name = &data.service_name;
    let (event_label, admin_subject) = match event {
        Event::Created => ("Created", format!("New service submitted: {name}")),
        Event::Updated => ("Updated", format!("Registration updated: {name}")),
        Event::StatusChanged => (
            "Status Changed",
            format!("Status changed to '{status}': {name}"),
        ),
    };
    let ctx = minijinja::context! {
        event => event_label,
        s => Value::from_serialize(data),
        status_label => status,
        status_code => data.status,
        status_message => status_message(&data.status),
        submitted_at => s.local_time(data.submitted_at),
        updated_at => s.local_time(data.updated_at),
        admin_link => s.admin_link(data.id),
        changes => Value::from_serialize(changes),
        status_reset => status_reset,
        footer => minijinja::context! {
            organisation => s.organisation,
            contact_email => s.contact_email,
            website => s.website,
            site_name => s.site_name,
        },
    };
    let mut ids = Vec::new();

    let (text, html) = render_pair(templates, "admin_notification", ctx.clone())?;
    let admin = OutgoingEmail {
        from: s.from.clone(),
        to: vec![
            s.override_to
                .clone()
                .unwrap_or_else(|| s.contact_email.clone()),
        ],
        cc: s.cc.clone(),
        reply_to: Some(s.from.clone()),
        subject: s.subject(&admin_subject),
        text,
        html,
        message_id: Some(OutgoingEmail::new_message_id(&s.from)),
    };
    ids.push(enqueue_email(conn, &admin, now).await?);

    if s.override_to.is_some() {
        return Ok(ids);
    }
    let to = data.internal_contact_email.trim();
    if to.is_empty() {
        tracing::warn!(submission = %data.id, "no internal contact e-mail: submitter notification skipped");
        return Ok(ids);
    }
    let (template, subject) = match event {
        Event::Created => (
            "submitter_created",
            format!("We have received your registration: {name}"),
        ),
        Event::Updated if changes.is_empty() => return Ok(ids),
        Event::Updated => (
            "submitter_updated",
            format!("Your registration was updated: {name}"),
        ),
        Event::StatusChanged => (
            "submitter_status",
            format!("Your registration is now {status}: {name}"),
        ),
    };
    let (text, html) = render_pair(templates, template, ctx)?;
    let submitter = OutgoingEmail {
        from: s.from.clone(),
        to: vec![to.to_string()],
        cc: Vec::new(),
        reply_to: Some(s.from.clone()),
        subject: s.subject(&subject),
        text,
        html,
        message_id: Some(OutgoingEmail::new_message_id(&s.from)),
    };
    ids.push(enqueue_email(conn, &submitter, now).await?);
    Ok(ids)
}

/// A lost-key recovery link, sent only to the internal contact address stored on the registration (or
/// to the override address on a staging system). Returns the queued job, or `None` when the
/// registration has no address to send to.
pub async fn notify_recovery<C: ConnectionTrait>(
    conn: &C,
    s: &MailSettings,
    templates: &Templates,
    data: &SubmissionMailData,
    link: &str,
    valid_minutes: i64,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, NotifyError> {
    let to = s
        .override_to
        .clone()
        .unwrap_or_else(|| data.internal_contact_email.trim().to_string());
    if to.is_empty() {
        tracing::warn!(submission = %data.id, "no internal contact e-mail: recovery link not sent");
        return Ok(None);
    }
    let ctx = minijinja::context! {
        s => Value::from_serialize(data),
        link => link,
        valid_minutes => valid_minutes,
        requested_at => s.local_time(now),
        footer => minijinja::context! {
            organisation => s.organisation,
            contact_email => s.contact_email,
            website => s.website,
            site_name => s.site_name,
        },
    };
    let (text, html) = render_pair(templates, "submitter_recovery", ctx)?;
    let mail = OutgoingEmail {
        from: s.from.clone(),
        to: vec![to],
        cc: Vec::new(),
        reply_to: Some(s.from.clone()),
        subject: s.subject(&format!(
            "A new key for your registration: {}",
            data.service_name
        )),
        text,
        html,
        message_id: Some(OutgoingEmail::new_message_id(&s.from)),
    };
    Ok(Some(enqueue_email(conn, &mail, now).await?))
}

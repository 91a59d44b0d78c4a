//! Outgoing e-mail: the message type, the transports (SMTP over rustls, `.eml` files, in-memory), and the
//! `send_email` job — the only way mail leaves, so an SMTP outage delays a message instead of losing it.

use lettre::message::{Mailbox, MultiPart, header::MessageId};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::{ConnectionTrait, DbErr};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::config::EmailConfig;
use crate::jobs::{Job, JobContext, JobError, JobRun, NewJob};

pub const SEND_EMAIL: &str = "send_email";
/// With the queue's backoff (30 s doubling, capped at 1 h) ten attempts span about three hours.
const SEND_ATTEMPTS: i32 = 10;
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// A fully rendered message: what a `send_email` job carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutgoingEmail {
    pub from: String,
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    #[serde(default)]
    pub reply_to: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Fixed when the mail is enqueued, so a retried delivery carries the same Message-ID.
    #[serde(default)]
    pub message_id: Option<String>,
}

impl OutgoingEmail {
    /// A Message-ID in the sender's domain. Its local part is a time-ordered UUID (v7), so the file
    /// transport's names, taken from it, sort in the order the mails were queued.
    pub fn new_message_id(from: &str) -> String {
        let domain = from
            .rsplit_once('@')
            .map(|(_, d)| d.trim_end_matches('>'))
            .filter(|d| !d.is_empty())
            .unwrap_or("localhost");
        format!("<{}@{domain}>", uuid::Uuid::now_v7().simple())
    }

    /// The file transport's name for this message: from its Message-ID (fixed when it was queued), so
    /// a delivery that is retried or taken over after a crash rewrites the same file instead of adding
    /// a second copy; a message without one gets a fresh name.
    fn file_name(&self) -> String {
        use sha2::Digest;
        match self.message_id.as_deref() {
            Some(id) => {
                let local = id
                    .trim_start_matches('<')
                    .split('@')
                    .next()
                    .unwrap_or_default();
                if !local.is_empty()
                    && local.len() <= 64
                    && local.chars().all(|c| c.is_ascii_alphanumeric())
                {
                    format!("{local}.eml")
                } else {
                    let digest = sha2::Sha256::digest(id.as_bytes());
                    format!("{}.eml", &hex::encode(digest)[..32])
                }
            }
            None => format!(
                "{}-{}.eml",
                chrono::Utc::now().format("%Y%m%dT%H%M%S"),
                &uuid::Uuid::new_v4().simple().to_string()[..12]
            ),
        }
    }

    /// The MIME message: multipart/alternative with the plain-text and the HTML body.
    pub fn to_message(&self) -> Result<Message, MailError> {
        let addr = |s: &str| {
            s.parse::<Mailbox>()
                .map_err(|e| MailError::permanent(format!("invalid address '{s}': {e}")))
        };
        let mut b = Message::builder()
            .from(addr(&self.from)?)
            .subject(self.subject.clone())
            .date_now();
        if let Some(r) = &self.reply_to {
            b = b.reply_to(addr(r)?);
        }
        for to in &self.to {
            b = b.to(addr(to)?);
        }
        for cc in &self.cc {
            b = b.cc(addr(cc)?);
        }
        if let Some(id) = &self.message_id {
            b = b.header(MessageId::from(id.clone()));
        }
        b.multipart(MultiPart::alternative_plain_html(
            self.text.clone(),
            self.html.clone(),
        ))
        .map_err(|e| MailError::permanent(format!("cannot build the message: {e}")))
    }
}

/// A delivery failure; permanent ones (bad address, 5xx) are not retried.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct MailError {
    pub message: String,
    pub permanent: bool,
}

impl MailError {
    fn permanent(message: String) -> Self {
        Self {
            message,
            permanent: true,
        }
    }
    fn transient(message: String) -> Self {
        Self {
            message,
            permanent: false,
        }
    }
}

/// A message the in-memory transport kept.
#[derive(Debug, Clone)]
pub struct SentEmail {
    pub email: OutgoingEmail,
    /// The message as it would have gone over the wire.
    pub raw: String,
}

enum Transport {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        describe: String,
    },
    File(PathBuf),
    Memory(Arc<Mutex<Vec<SentEmail>>>),
}

pub struct Mailer {
    transport: Transport,
}

impl Mailer {
    /// The transport `EMAIL_BACKEND` names: `smtp`, `file` (development default) or `memory`.
    pub fn from_config(cfg: &EmailConfig) -> Result<Self, String> {
        let transport = match cfg.backend.as_str() {
            "smtp" => {
                type T = AsyncSmtpTransport<Tokio1Executor>;
                let tls_err = |e: lettre::transport::smtp::Error| {
                    format!("EMAIL_HOST '{}': cannot set up TLS: {e}", cfg.host)
                };
                let (builder, mode) = if !cfg.use_tls {
                    (T::builder_dangerous(&cfg.host), "plain, no TLS")
                } else if cfg.port == 465 {
                    (T::relay(&cfg.host).map_err(tls_err)?, "implicit TLS")
                } else {
                    (T::starttls_relay(&cfg.host).map_err(tls_err)?, "STARTTLS")
                };
                let mut builder = builder.port(cfg.port).timeout(Some(SMTP_TIMEOUT));
                if !cfg.user.is_empty() {
                    builder = builder.credentials(
                        lettre::transport::smtp::authentication::Credentials::new(
                            cfg.user.clone(),
                            cfg.password.expose().to_string(),
                        ),
                    );
                }
                Transport::Smtp {
                    transport: builder.build(),
                    describe: format!("SMTP {}:{} ({mode})", cfg.host, cfg.port),
                }
            }
            "file" => Transport::File(cfg.file_path.clone()),
            "memory" => Transport::Memory(Arc::default()),
            other => {
                return Err(format!(
                    "EMAIL_BACKEND '{other}' is not one of smtp, file, memory"
                ));
            }
        };
        Ok(Self { transport })
    }

    /// An in-memory mailer (tests).
    pub fn memory() -> Self {
        Self {
            transport: Transport::Memory(Arc::default()),
        }
    }

    /// Where mail goes, for logs and `check-config`.
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp { describe, .. } => describe.clone(),
            Transport::File(dir) => format!("files under {}", dir.display()),
            Transport::Memory(_) => "memory (tests)".into(),
        }
    }

    /// What the in-memory transport has sent so far (empty for the others).
    pub fn sent(&self) -> Vec<SentEmail> {
        match &self.transport {
            Transport::Memory(m) => m.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            _ => Vec::new(),
        }
    }

    /// Delivers one message now. Callers outside the queue use [`enqueue_email`] instead.
    pub async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError> {
        let message = email.to_message()?;
        match &self.transport {
            Transport::Smtp { transport, .. } => {
                transport.send(message).await.map_err(|e| {
                    let text = format!("SMTP delivery failed: {e}");
                    if e.is_permanent() {
                        MailError::permanent(text)
                    } else {
                        MailError::transient(text)
                    }
                })?;
                tracing::info!(to = ?email.to, subject = %email.subject, "e-mail sent over SMTP");
            }
            Transport::File(dir) => {
                let raw = message.formatted();
                tokio::fs::create_dir_all(dir).await.map_err(|e| {
                    MailError::transient(format!("cannot create {}: {e}", dir.display()))
                })?;
                let path = dir.join(email.file_name());
                // Written under a temporary name and renamed: a reader (or a crash) never sees half
                // a message, and a second delivery of the same message replaces the first.
                let partial = path.with_extension("eml.part");
                tokio::fs::write(&partial, raw).await.map_err(|e| {
                    MailError::transient(format!("cannot write {}: {e}", partial.display()))
                })?;
                tokio::fs::rename(&partial, &path).await.map_err(|e| {
                    MailError::transient(format!("cannot write {}: {e}", path.display()))
                })?;
                tracing::info!(to = ?email.to, subject = %email.subject, path = %path.display(), "e-mail written to file (not sent)");
            }
            Transport::Memory(m) => {
                let raw = String::from_utf8_lossy(&message.formatted()).to_string();
                m.lock().unwrap_or_else(|p| p.into_inner()).push(SentEmail {
                    email: email.clone(),
                    raw,
                });
            }
        }
        Ok(())
    }
}

/// Queues `email` for delivery in the caller's connection or transaction. A message without a
/// Message-ID gets one here, so every delivery attempt of it carries the same.
pub async fn enqueue_email<C: ConnectionTrait>(
    conn: &C,
    email: &OutgoingEmail,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<uuid::Uuid, DbErr> {
    let mut email = email.clone();
    if email.message_id.is_none() {
        email.message_id = Some(OutgoingEmail::new_message_id(&email.from));
    }
    let payload = serde_json::to_value(&email).map_err(|e| DbErr::Custom(e.to_string()))?;
    let mut job = NewJob::new(SEND_EMAIL, payload, now);
    job.max_attempts = SEND_ATTEMPTS;
    job.timeout_secs = (SMTP_TIMEOUT.as_secs() * 2) as i32;
    crate::jobs::enqueue_with(conn, job).await
}

/// Renders `email/<name>.txt` and `email/<name>.html` with `ctx`.
pub fn render_pair(
    templates: &crate::web::templates::Templates,
    name: &str,
    ctx: minijinja::Value,
) -> Result<(String, String), minijinja::Error> {
    let text = templates.render(&format!("email/{name}.txt"), ctx.clone())?;
    let html = templates.render(&format!("email/{name}.html"), ctx)?;
    Ok((text, html))
}

/// The `send_email` job: delivers the message in its payload through the configured transport.
pub struct SendEmailJob;

#[async_trait::async_trait]
impl Job for SendEmailJob {
    fn kind(&self) -> &'static str {
        SEND_EMAIL
    }
    fn max_attempts(&self) -> i32 {
        SEND_ATTEMPTS
    }
    fn timeout(&self) -> Duration {
        SMTP_TIMEOUT * 2
    }
    async fn run(&self, ctx: &JobContext, job: &JobRun) -> Result<(), JobError> {
        let email: OutgoingEmail = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::permanent(format!("malformed send_email payload: {e}")))?;
        ctx.mailer.send(&email).await.map_err(|e| JobError {
            message: e.message,
            permanent: e.permanent,
        })
    }
}

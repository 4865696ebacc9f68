//! Mail: one outbox for every message. A mail is rendered and written to `outbox` inside the
//! transaction of the change that causes it (so it exists exactly when the change does), then
//! delivered by the [`worker`] through lettre. A request never talks to SMTP.
//!
//! Invariants: one row per idempotency key (enqueuing twice is harmless); the Message-ID is fixed
//! when the row is written, so a resend after a crash carries the same Message-ID.

pub mod files;
pub mod templates;
pub mod worker;

use serde_json::Value;

use crate::config::Config;
use crate::db::{Tx, new_id, now_ms};
use crate::error::Result;
use crate::values::{EmailAddress, Language};
pub use templates::Templates;

/// A mail to be written to the outbox.
pub struct Mail<'a> {
    /// The template folder, e.g. `verification`.
    pub kind: &'static str,
    pub to: &'a EmailAddress,
    pub language: Language,
    /// The account the mail is about, so erasure can find it.
    pub account_id: Option<&'a str>,
    /// Template variables; `base_url` is added.
    pub context: Value,
    /// Unique per intended message: enqueuing the same key again does nothing.
    pub idempotency_key: String,
}

/// A file sent along, e.g. an event's `.ics`, or an image the HTML shows (`inline_id`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub content: String,
    /// The Content-ID of an image shown in the HTML part (`<img src="cid:…">`): sent as a
    /// related part beside the HTML instead of a file to open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline_id: Option<String>,
    /// Whether `content` is base64 of binary content (stored mail is text).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub base64: bool,
}

impl Attachment {
    /// A PNG image shown in the HTML part as `cid:{inline_id}`.
    pub fn png(filename: &str, inline_id: &str, bytes: &[u8]) -> Attachment {
        use base64::Engine;
        Attachment {
            filename: filename.into(),
            content_type: "image/png".into(),
            content: base64::engine::general_purpose::STANDARD.encode(bytes),
            inline_id: Some(inline_id.into()),
            base64: true,
        }
    }
}

/// Renders `mail` and writes it to the outbox in `tx`.
pub async fn enqueue(
    tx: &mut Tx,
    templates: &Templates,
    config: &Config,
    mail: Mail<'_>,
) -> Result<()> {
    enqueue_with_attachments(tx, templates, config, mail, Vec::new()).await
}

/// Like [`enqueue`], with files attached.
pub async fn enqueue_with_attachments(
    tx: &mut Tx,
    templates: &Templates,
    config: &Config,
    mail: Mail<'_>,
    attachments: Vec<Attachment>,
) -> Result<()> {
    render(templates, config, mail, attachments)?
        .write(tx)
        .await
}

/// A mail rendered and ready for the outbox. Rendering is most of a mail's cost: hot paths
/// render before their transaction so the writer only inserts.
pub struct Rendered {
    idempotency_key: String,
    kind: &'static str,
    to: String,
    language: Language,
    account_id: Option<String>,
    subject: String,
    text: String,
    html: String,
    /// JSON of the attachments, as stored.
    attachments: Option<String>,
    /// The domain of the Message-ID (the sender's).
    domain: String,
}

/// Renders `mail` (with `base_url` added to its context) without writing it.
pub fn render(
    templates: &Templates,
    config: &Config,
    mail: Mail<'_>,
    attachments: Vec<Attachment>,
) -> Result<Rendered> {
    let mut context = mail.context;
    if let Some(map) = context.as_object_mut() {
        map.insert(
            "base_url".into(),
            config.base_url.as_str().trim_end_matches('/').into(),
        );
    }
    let rendered = templates.render(mail.kind, mail.language, &context)?;
    let attachments = if attachments.is_empty() {
        None
    } else {
        Some(serde_json::to_string(&attachments).map_err(anyhow::Error::from)?)
    };
    Ok(Rendered {
        idempotency_key: mail.idempotency_key,
        kind: mail.kind,
        to: mail.to.as_str().to_owned(),
        language: mail.language,
        account_id: mail.account_id.map(str::to_owned),
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        attachments,
        domain: config
            .mail_from
            .as_str()
            .rsplit_once('@')
            .map(|(_, d)| d.to_owned())
            .unwrap_or_else(|| "localhost".into()),
    })
}

impl Rendered {
    /// Writes the mail to the outbox in `tx`; the Message-ID is fixed here.
    pub async fn write(&self, tx: &mut Tx) -> Result<()> {
        self.write_with_key(tx, self.idempotency_key.clone()).await
    }

    /// As [`Rendered::write`], under a key known only now (say the id of a row just inserted).
    pub async fn write_with_key(&self, tx: &mut Tx, idempotency_key: String) -> Result<()> {
        let id = new_id();
        let message_id = format!("<{id}@{}>", self.domain);
        let now = now_ms();
        sqlx::query(
            "INSERT INTO outbox (id, idempotency_key, account_id, recipient, kind, language, subject, \
             body_text, body_html, message_id, status, attempts, next_attempt_at, created_at, attachments) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', 0, $11, $11, $12) \
             ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(&id)
        .bind(idempotency_key)
        .bind(self.account_id.as_deref())
        .bind(&self.to)
        .bind(self.kind)
        .bind(self.language.as_str())
        .bind(&self.subject)
        .bind(&self.text)
        .bind(&self.html)
        .bind(&message_id)
        .bind(now)
        .bind(self.attachments.as_deref())
        .execute(tx.conn())
        .await?;
        tx.mail_enqueued();
        Ok(())
    }
}

/// How long after a mail of one kind (a sign-in link, a confirmation link, an invitation…) to an
/// address another of that kind may follow. Anyone can ask for such mail for any address; this
/// bounds what they can send to one mailbox (60 an hour per kind, whoever asks and from how
/// many places) without ever locking its owner out: the mail sent less than a minute ago is in
/// their mailbox and its link works.
pub const COOLDOWN_MS: i64 = 60_000;

/// Whether a mail of `kind` may go to `to` now; if so the address's cooldown for that kind
/// starts, in `tx` (so a request that rolls back sends nothing and starts nothing).
pub async fn cooldown(tx: &mut Tx, to: &EmailAddress, kind: &str) -> Result<bool> {
    let now = now_ms();
    let key = format!("{kind}:{}", crate::auth::hash_secret(&to.key()));
    let started: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO mail_cooldowns (key, sent_at) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET sent_at = excluded.sent_at \
         WHERE mail_cooldowns.sent_at <= $3 RETURNING sent_at",
    )
    .bind(key)
    .bind(now)
    .bind(now - COOLDOWN_MS)
    .fetch_optional(tx.conn())
    .await?;
    Ok(started.is_some())
}

/// Forgets an address's cooldowns (erasure): the address, free again, may sign up at once.
pub async fn forget_cooldowns(tx: &mut Tx, email_key: &str) -> Result<()> {
    let hash = crate::auth::hash_secret(email_key);
    sqlx::query("DELETE FROM mail_cooldowns WHERE key LIKE $1")
        .bind(format!("%:{hash}"))
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Removes personal data from the outbox when an account is erased: unsent mail to the member
/// (by account or by address, e.g. an invitation sent before they had an account) is dropped;
/// what stays of mail that failed for good loses its address and the server's reason (which
/// often quotes the address). Delivered mail keeps no content or address already (see
/// `worker`), so nothing else names them.
pub async fn forget_account(tx: &mut Tx, account_id: &str, email_key: Option<&str>) -> Result<()> {
    const BLANK: &str = worker::BLANK_CONTENT;
    let key = email_key.unwrap_or("");
    sqlx::query(
        "DELETE FROM outbox WHERE status IN ('pending', 'sending') \
         AND (account_id = $1 OR ($2 <> '' AND LOWER(recipient) = $2))",
    )
    .bind(account_id)
    .bind(key)
    .execute(tx.conn())
    .await?;
    // Two statements, each an index range: by account, and failed mail by address (delivered
    // mail has no address left to match).
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE outbox SET recipient = '', last_error = NULL, {BLANK} WHERE account_id = $1"
    )))
    .bind(account_id)
    .execute(tx.conn())
    .await?;
    if !key.is_empty() {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE outbox SET recipient = '', last_error = NULL, {BLANK} \
             WHERE status = 'failed' AND LOWER(recipient) = $1"
        )))
        .bind(key)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

/// The outbox at a glance, for the staff's dashboard (and metrics).
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct OutboxSummary {
    /// Mail not delivered yet (waiting, being sent, or to be retried).
    pub waiting: i64,
    /// Mail given up on (refused by the receiving server, or out of attempts).
    pub failed: i64,
    /// When the oldest waiting mail was written (milliseconds), if any waits.
    pub oldest_waiting_at: Option<i64>,
}

pub async fn outbox_summary(app: &crate::app::App) -> Result<OutboxSummary> {
    let (waiting, failed, oldest): (i64, i64, Option<i64>) = sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN status IN ('pending', 'sending') THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0), \
         MIN(CASE WHEN status IN ('pending', 'sending') THEN created_at END) \
         FROM outbox WHERE status <> 'sent'",
    )
    .fetch_one(&app.db.read)
    .await?;
    Ok(OutboxSummary {
        waiting,
        failed,
        oldest_waiting_at: oldest,
    })
}

/// A delivery failure's reason as it may be logged: a mail server's reply often quotes the
/// recipient (`550 5.1.1 <ana@example.org>: unknown user`), so every word with an `@` in it is
/// replaced. The reason is kept whole in the outbox row, for support.
pub fn loggable_reason(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.contains('@') {
            out.push_str("[address]");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in reason.chars() {
        if c.is_whitespace() || "<>\"'(),;:[]".contains(c) {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod reason_tests {
    #[test]
    fn addresses_in_a_reason_are_not_logged() {
        assert_eq!(
            super::loggable_reason("550 5.1.1 <ana.silva@example.org>: user unknown"),
            "550 5.1.1 <[address]>: user unknown"
        );
        assert_eq!(
            super::loggable_reason("connection refused"),
            "connection refused"
        );
        assert_eq!(
            super::loggable_reason("to=bo@x.test, again"),
            "[address], again"
        );
    }
}

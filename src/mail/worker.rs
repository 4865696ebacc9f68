//! The mail worker: claims due rows of the outbox with a lease, delivers them through lettre and
//! records the outcome. Temporary failures (4xx replies, refused connections) are retried with
//! exponential backoff; permanent refusals (5xx) are marked failed with the server's reason.
//!
//! Crash window: a mail is marked sent right after the SMTP server accepted it. A crash between
//! the two leaves the row leased; when the lease runs out it is sent again with the same
//! Message-ID, so the duplicate is identifiable. Nothing is ever lost.

use std::time::Duration;

use anyhow::Context as _;
use lettre::message::{Mailbox, MultiPart, SinglePart, header};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::watch;

use crate::config::Config;
use crate::db::{Backend, Db, now_ms};

/// What an outbox row keeps of its content once it will not be sent again.
pub const BLANK_CONTENT: &str = "subject = '', body_text = '', body_html = '', attachments = NULL";

/// After this many temporary failures a mail is given up and marked failed.
const MAX_ATTEMPTS: i64 = 12;
const BATCH: i64 = 20;

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

impl Transport {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        match &config.smtp_url {
            Some(url) => {
                let smtp = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.as_str())
                    .context("SMTP_URL")?
                    .timeout(Some(Duration::from_secs(30)))
                    .pool_config(PoolConfig::new().max_size(config.mail_concurrency.max(4) as u32))
                    .build();
                Ok(Transport::Smtp(smtp))
            }
            None => {
                let dir = config.outbox_dir();
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating the mail folder {}", dir.display()))?;
                Ok(Transport::Files(AsyncFileTransport::new(dir)))
            }
        }
    }

    pub async fn send(&self, message: Message) -> Result<(), Failure> {
        match self {
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| {
                if e.is_permanent() {
                    Failure::Permanent(e.to_string())
                } else {
                    Failure::Temporary(e.to_string())
                }
            }),
            Transport::Files(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| Failure::Temporary(e.to_string())),
        }
    }
}

pub enum Failure {
    Temporary(String),
    Permanent(String),
}

#[derive(sqlx::FromRow)]
struct Due {
    id: String,
    recipient: String,
    subject: String,
    body_text: String,
    body_html: String,
    message_id: String,
    attempts: i64,
    attachments: Option<String>,
    /// The template it was written from (`verify`, `reminder`…): a label for metrics.
    kind: String,
}

pub struct Worker {
    db: Db,
    transport: Transport,
    from: Mailbox,
    retry_base: Duration,
    poll: Duration,
    lease: Duration,
}

impl Worker {
    pub fn new(db: Db, config: &Config) -> anyhow::Result<Self> {
        let from_address = config
            .mail_from
            .as_str()
            .parse()
            .context("MAIL_FROM is not an address lettre accepts")?;
        Ok(Worker {
            db,
            transport: Transport::from_config(config)?,
            from: Mailbox::new(Some("Limburgers Worldwide".into()), from_address),
            retry_base: config.mail_retry_base,
            poll: config.mail_poll_interval,
            lease: config.mail_lease,
        })
    }

    /// Delivers until `shutdown` turns true; a message in hand is finished first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let wake = self.db.mail_wake();
        loop {
            if *shutdown.borrow() {
                break;
            }
            match self.deliver_due(Some(&shutdown)).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => {
                    crate::metrics::db_error_in(&e);
                    tracing::error!(error = format!("{e:#}"), "mail worker")
                }
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(self.poll) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("mail worker stopped");
    }

    /// Claims one batch of due mail and delivers it; returns how many were handled.
    pub async fn deliver_due(
        &self,
        shutdown: Option<&watch::Receiver<bool>>,
    ) -> anyhow::Result<usize> {
        let batch = self.claim().await?;
        let n = batch.len();
        let mut rest = batch.into_iter();
        while let Some(due) = rest.next() {
            if shutdown.is_some_and(|s| *s.borrow()) {
                // Hand the unstarted ones back so the next start does not wait for the lease.
                for left in std::iter::once(due).chain(rest) {
                    self.release(&left).await?;
                }
                break;
            }
            self.deliver(due).await?;
        }
        Ok(n)
    }

    async fn claim(&self) -> anyhow::Result<Vec<Due>> {
        let now = now_ms();
        let lease_until = now + self.lease.as_millis() as i64;
        // One UPDATE … RETURNING is atomic on its own: no BEGIN/COMMIT round trips. Due mail and
        // expired leases are two separate index ranges, each read in index order and cut at the
        // batch size: one condition with OR made the database gather and sort every due row,
        // so a claim cost grew with the backlog (15 ms at 20,000 waiting on PostgreSQL). A
        // claim can therefore take up to twice the batch when leases have expired (rare: a
        // worker died).
        let rows = match self.db.backend {
            Backend::Postgres => sqlx::query_as::<_, Due>(
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_until = $2 \
                 WHERE id IN ( \
                   SELECT id FROM (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
                    ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) due \
                   UNION ALL \
                   SELECT id FROM (SELECT id FROM outbox WHERE status = 'sending' AND lease_until < $1 \
                    LIMIT $3 FOR UPDATE SKIP LOCKED) expired) \
                 RETURNING id, recipient, subject, body_text, body_html, message_id, attempts, attachments, kind",
            ),
            Backend::Sqlite => sqlx::query_as::<_, Due>(
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_until = $2 \
                 WHERE id IN ( \
                   SELECT id FROM (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
                    ORDER BY next_attempt_at LIMIT $3) due \
                   UNION ALL \
                   SELECT id FROM (SELECT id FROM outbox WHERE status = 'sending' AND lease_until < $1 \
                    LIMIT $3) expired) \
                 RETURNING id, recipient, subject, body_text, body_html, message_id, attempts, attachments, kind",
            ),
        }
        .bind(now)
        .bind(lease_until)
        .bind(BATCH)
        .fetch_all(self.db.writer())
        .await?;
        Ok(rows)
    }

    async fn deliver(&self, due: Due) -> anyhow::Result<()> {
        let outcome = match self.message(&due) {
            Ok(message) => self.transport.send(message).await,
            Err(e) => Err(Failure::Permanent(format!("{e:#}"))),
        };
        let now = now_ms();
        // Each outcome is one statement, its own transaction.
        let db = self.db.writer();
        match outcome {
            Ok(()) => {
                // Delivered: the content is in the recipient's mailbox and nowhere else. Its links
                // may still work (a sign-in link, an invitation), so none is kept at rest.
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE outbox SET status = 'sent', sent_at = $2, lease_until = NULL, \
                     last_error = NULL, recipient = '', {BLANK_CONTENT} WHERE id = $1"
                )))
                .bind(&due.id)
                .bind(now)
                .execute(db)
                .await?;
                crate::metrics::mail_delivery(&due.kind, "sent");
            }
            Err(Failure::Temporary(reason)) if due.attempts < MAX_ATTEMPTS => {
                let delay = backoff(self.retry_base, due.attempts);
                crate::metrics::mail_delivery(&due.kind, "retried");
                tracing::warn!(mail = %due.id, kind = %due.kind, attempts = due.attempts, reason = %super::loggable_reason(&reason), "mail delivery failed; will retry");
                sqlx::query(
                    "UPDATE outbox SET status = 'pending', lease_until = NULL, last_error = $2, \
                     next_attempt_at = $3 WHERE id = $1",
                )
                .bind(&due.id)
                .bind(&reason)
                .bind(now + delay.as_millis() as i64)
                .execute(db)
                .await?;
            }
            Err(Failure::Temporary(reason) | Failure::Permanent(reason)) => {
                crate::metrics::mail_delivery(&due.kind, "failed");
                tracing::warn!(mail = %due.id, kind = %due.kind, attempts = due.attempts, reason = %super::loggable_reason(&reason), "mail delivery failed for good");
                // Never to be sent: the content goes; the address and the reason stay for support.
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE outbox SET status = 'failed', lease_until = NULL, last_error = $2, \
                     {BLANK_CONTENT} WHERE id = $1"
                )))
                .bind(&due.id)
                .bind(&reason)
                .execute(db)
                .await?;
            }
        }
        Ok(())
    }

    async fn release(&self, due: &Due) -> anyhow::Result<()> {
        let db = self.db.writer();
        sqlx::query(
            "UPDATE outbox SET status = 'pending', lease_until = NULL, attempts = attempts - 1 \
             WHERE id = $1 AND status = 'sending'",
        )
        .bind(&due.id)
        .execute(db)
        .await?;
        Ok(())
    }

    fn message(&self, due: &Due) -> anyhow::Result<Message> {
        let to: Mailbox = due.recipient.parse().context("recipient address")?;
        let attachments: Vec<super::Attachment> = match &due.attachments {
            Some(json) => serde_json::from_str(json).context("stored attachments")?,
            None => Vec::new(),
        };
        let (inline, files): (Vec<_>, Vec<_>) =
            attachments.into_iter().partition(|a| a.inline_id.is_some());
        let body = if inline.is_empty() {
            MultiPart::alternative_plain_html(due.body_text.clone(), due.body_html.clone())
        } else {
            // Images the HTML shows go with it in a related part: text | (HTML + images).
            let mut related =
                MultiPart::related().singlepart(SinglePart::html(due.body_html.clone()));
            for a in inline {
                let content_type = header::ContentType::parse(&a.content_type)
                    .context("attachment content type")?;
                let id = a.inline_id.clone().unwrap_or_default();
                related = related.singlepart(
                    lettre::message::Attachment::new_inline(id).body(content(&a)?, content_type),
                );
            }
            MultiPart::alternative()
                .singlepart(SinglePart::plain(due.body_text.clone()))
                .multipart(related)
        };
        let body = if files.is_empty() {
            body
        } else {
            let mut mixed = MultiPart::mixed().multipart(body);
            for a in files {
                let content_type = header::ContentType::parse(&a.content_type)
                    .context("attachment content type")?;
                let bytes = content(&a)?;
                mixed = mixed.singlepart(
                    lettre::message::Attachment::new(a.filename).body(bytes, content_type),
                );
            }
            mixed
        };
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(due.subject.clone())
            .message_id(Some(due.message_id.clone()))
            .header(header::MIME_VERSION_1_0)
            .multipart(body)
            .context("building the message")
    }
}

/// The bytes of an attachment as stored (text, or base64 of binary content).
fn content(a: &super::Attachment) -> anyhow::Result<lettre::message::Body> {
    use base64::Engine;
    use lettre::message::Body;
    if a.base64 {
        Ok(Body::new(
            base64::engine::general_purpose::STANDARD
                .decode(&a.content)
                .context("attachment content")?,
        ))
    } else {
        Ok(Body::new(a.content.clone()))
    }
}

/// base, 2×base, 4×base … capped at one hour.
fn backoff(base: Duration, attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    base.saturating_mul(2u32.saturating_pow(exp))
        .min(Duration::from_secs(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let base = Duration::from_secs(5);
        assert_eq!(backoff(base, 1), Duration::from_secs(5));
        assert_eq!(backoff(base, 2), Duration::from_secs(10));
        assert_eq!(backoff(base, 4), Duration::from_secs(40));
        assert_eq!(backoff(base, 30), Duration::from_secs(3600));
    }
}

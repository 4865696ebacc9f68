//! The delivery engine. Deliveries are claimed in batches with a lease (`FOR UPDATE SKIP LOCKED`
//! on PostgreSQL, so several instances share the work without overlap; SQLite runs one sender),
//! sent with a bounded concurrency and rate over one pooled SMTP transport, and each is marked
//! sent right after the SMTP server accepted it.
//!
//! Crash window: a message accepted by the server but not yet marked (at most `MAIL_CONCURRENCY`
//! of them) is sent again after its lease runs out, with the same Message-ID
//! (`<newsletter.account@domain>`), so the duplicate is identifiable. Nothing is lost.
//!
//! Temporary SMTP failures retry with backoff; after [`PAUSE_AFTER`] consecutive failures the issue
//! pauses itself with the reason. A permanent refusal marks the address as bouncing: it is not
//! mailed again until the member changes it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use futures::StreamExt as _;
use lettre::Message;
use lettre::message::header::{self, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use serde_json::json;
use tokio::sync::watch;
use tokio::time::Instant;

use super::issues::{self, IssueRow, ListedEvent, pick};
use crate::app::App;
use crate::db::{Backend, new_id, now_ms};
use crate::mail::worker::{Failure, Transport};
use crate::values::Language;

/// Consecutive temporary failures after which an issue pauses itself.
pub const PAUSE_AFTER: i64 = 10;
const MAX_ATTEMPTS: i64 = 8;

#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// An issue ready to render for anyone: Markdown turned into HTML once per language.
struct Prepared {
    segment: String,
    subjects: issues::Localized,
    bodies: issues::Localized,
    html: HashMap<String, String>,
    events: Vec<ListedEvent>,
}

impl Prepared {
    fn new(issue: &IssueRow) -> Self {
        let bodies = issue.bodies();
        let html = bodies
            .iter()
            .map(|(l, md)| (l.clone(), markdown_html(md)))
            .collect();
        Prepared {
            segment: issue.segment.clone(),
            subjects: issue.subjects(),
            bodies,
            html,
            events: issue.listed_events(),
        }
    }

    fn context(
        &self,
        language: Language,
        first_name: &str,
        unsubscribe_link: &str,
    ) -> serde_json::Value {
        let lang = if self.bodies.contains_key(language.as_str()) {
            language.as_str()
        } else {
            "en"
        };
        json!({
            "subject": pick(&self.subjects, language),
            "first_name": first_name,
            "content_text": self.bodies.get(lang).cloned().unwrap_or_default(),
            "content_html": self.html.get(lang).cloned().unwrap_or_default(),
            "events": self.events,
            "unsubscribe_link": unsubscribe_link,
            "list": self.segment,
        })
    }
}

/// Markdown to HTML for mail, written by staff but read by everyone, so nothing passes that a
/// mail client could run or that fetches anything when the mail is opened:
/// - raw HTML in the source is shown as text (escaped), never as markup;
/// - links go only to `http:`, `https:` and `mailto:` addresses; any other (`javascript:`,
///   `data:`, `vbscript:`, relative) is shown as its text without a link;
/// - images are not shown, only their text: a remote image tells its host who opened the mail
///   and when (and the service has no images of its own to offer).
pub fn markdown_html(md: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};
    // For each link open at this point, whether it was kept (links do not nest, but stay safe).
    let mut links: Vec<bool> = Vec::new();
    let parser = Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH)
        .filter_map(|e| match e {
            Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
            Event::Start(Tag::Link {
                link_type,
                ref dest_url,
                ..
            }) => {
                let keep = link_allowed(link_type, dest_url);
                links.push(keep);
                keep.then_some(e)
            }
            Event::End(TagEnd::Link) => links.pop().unwrap_or(false).then_some(e),
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
            e => Some(e),
        });
    let mut out = String::new();
    html::push_html(&mut out, parser);
    out
}

/// Whether a Markdown link may be a link in mail: an absolute `http(s)` or `mailto` address
/// (an e-mail autolink is written as `mailto:` by the renderer).
fn link_allowed(kind: pulldown_cmark::LinkType, dest: &str) -> bool {
    if kind == pulldown_cmark::LinkType::Email {
        return true;
    }
    // The url crate drops tabs and line breaks before parsing: refuse them rather than guess.
    if dest.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return false;
    }
    url::Url::parse(dest).is_ok_and(|u| matches!(u.scheme(), "http" | "https" | "mailto"))
}

/// The variables of the newsletter template for one reader (previews and test sends).
pub fn context_for(
    app: &App,
    issue: &IssueRow,
    events: Vec<ListedEvent>,
    language: Language,
    first_name: &str,
    unsubscribe_key: &str,
) -> serde_json::Value {
    let mut prepared = Prepared::new(issue);
    prepared.events = events;
    let link = app.config.link(&format!("/unsubscribe/{unsubscribe_key}"));
    prepared.context(language, first_name, &link)
}

#[derive(sqlx::FromRow)]
struct Claimed {
    newsletter_id: String,
    account_id: String,
    attempts: i64,
    email: Option<String>,
    first_name: Option<String>,
    language: String,
    account_status: String,
    bouncing_at: Option<i64>,
    sub_status: Option<String>,
    unsubscribe_key: Option<String>,
}

enum Outcome {
    Sent,
    Skipped(&'static str),
    Temporary(String),
    Permanent(String),
}

/// Where newsletter messages go: our TCP_NODELAY pool for `smtp://`, lettre's transport otherwise
/// (`smtps://`, or `.eml` files without SMTP).
enum Outbound {
    Bulk(super::smtp::BulkSmtp),
    Lettre(Transport),
}

impl Outbound {
    async fn send(&self, message: Message) -> Result<(), Failure> {
        match self {
            Outbound::Bulk(pool) => pool.send(&message).await,
            Outbound::Lettre(t) => t.send(message).await,
        }
    }
}

pub struct Sender {
    app: App,
    transport: Outbound,
    from: Mailbox,
    domain: String,
    interval: Option<Duration>,
    next_slot: Mutex<Instant>,
    batch: i64,
    issues: Mutex<HashMap<String, Arc<Prepared>>>,
    /// Issues with failures since their last success, so a success resets the count only then.
    failing: Mutex<HashMap<String, bool>>,
}

impl Sender {
    pub fn new(app: App) -> anyhow::Result<Self> {
        let config = &app.config;
        let from: lettre::Address = config.mail_from.as_str().parse().context("MAIL_FROM")?;
        let interval = (config.mail_rate_per_second > 0)
            .then(|| Duration::from_secs(1) / config.mail_rate_per_second);
        let batch = i64::try_from(config.mail_concurrency * 25)
            .unwrap_or(100)
            .clamp(20, 500);
        let bulk = config
            .smtp_url
            .as_ref()
            .and_then(|u| super::smtp::BulkSmtp::from_url(u, config.mail_concurrency));
        let transport = match bulk {
            Some(pool) => Outbound::Bulk(pool),
            None => Outbound::Lettre(Transport::from_config(config)?),
        };
        Ok(Sender {
            transport,
            from: Mailbox::new(Some("Limburgers Worldwide".into()), from),
            domain: config
                .mail_from
                .as_str()
                .rsplit_once('@')
                .map(|(_, d)| d.to_owned())
                .unwrap_or_default(),
            interval,
            next_slot: Mutex::new(Instant::now()),
            batch,
            issues: Mutex::new(HashMap::new()),
            failing: Mutex::new(HashMap::new()),
            app,
        })
    }

    /// Sends until `shutdown` turns true; the batch in hand is finished first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let wake = self.app.db.newsletter_wake();
        loop {
            if *shutdown.borrow() {
                break;
            }
            match self.send_batch().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => {
                    crate::metrics::db_error_in(&e);
                    tracing::error!(error = format!("{e:#}"), "newsletter sender")
                }
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(self.app.config.mail_poll_interval) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("newsletter sender stopped");
    }

    /// Claims and sends one batch; answers how many deliveries it handled.
    pub async fn send_batch(&self) -> anyhow::Result<usize> {
        let claimed = self.claim().await?;
        let n = claimed.len();
        if n > 0 {
            let concurrency = self.app.config.mail_concurrency;
            futures::stream::iter(claimed)
                .map(|c| self.deliver(c))
                .buffer_unordered(concurrency)
                .collect::<Vec<anyhow::Result<()>>>()
                .await
                .into_iter()
                .collect::<anyhow::Result<Vec<()>>>()?;
        }
        self.finish_done().await?;
        Ok(n)
    }

    async fn claim(&self) -> anyhow::Result<Vec<Claimed>> {
        let now = now_ms();
        let claim_id = new_id();
        let mut tx = self.app.db.begin().await?;
        let q = match self.app.db.backend {
            Backend::Postgres => sqlx::query(
                "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, lease_until = $2, claim_id = $3 \
                 WHERE (newsletter_id, account_id) IN (SELECT d.newsletter_id, d.account_id FROM deliveries d \
                   JOIN newsletters n ON n.id = d.newsletter_id WHERE n.status = 'sending' \
                   AND ((d.status = 'queued' AND d.next_attempt_at <= $1) OR (d.status = 'sending' AND d.lease_until < $1)) \
                   ORDER BY d.next_attempt_at LIMIT $4 FOR UPDATE OF d SKIP LOCKED)",
            ),
            Backend::Sqlite => sqlx::query(
                "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, lease_until = $2, claim_id = $3 \
                 WHERE (newsletter_id, account_id) IN (SELECT d.newsletter_id, d.account_id FROM deliveries d \
                   JOIN newsletters n ON n.id = d.newsletter_id WHERE n.status = 'sending' \
                   AND ((d.status = 'queued' AND d.next_attempt_at <= $1) OR (d.status = 'sending' AND d.lease_until < $1)) \
                   ORDER BY d.next_attempt_at LIMIT $4)",
            ),
        };
        let claimed = q
            .bind(now)
            .bind(now + self.app.config.mail_lease.as_millis() as i64)
            .bind(&claim_id)
            .bind(self.batch)
            .execute(tx.conn())
            .await?
            .rows_affected();
        tx.commit().await?;
        if claimed == 0 {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_as(
            "SELECT d.newsletter_id, d.account_id, d.attempts, a.email, p.first_name, a.language, \
             a.status AS account_status, a.bouncing_at, s.status AS sub_status, s.unsubscribe_key \
             FROM deliveries d JOIN newsletters n ON n.id = d.newsletter_id \
             JOIN accounts a ON a.person_id = d.account_id JOIN people p ON p.id = d.account_id \
             LEFT JOIN subscriptions s ON s.account_id = d.account_id AND s.list = n.segment \
             WHERE d.claim_id = $1",
        )
        .bind(&claim_id)
        .fetch_all(&self.app.db.read)
        .await?)
    }

    async fn prepared(&self, id: &str) -> anyhow::Result<Arc<Prepared>> {
        if let Some(p) = self
            .issues
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .get(id)
        {
            return Ok(p.clone());
        }
        let issue = issues::find(&self.app.db.read, id)
            .await?
            .context("newsletter vanished")?;
        let p = Arc::new(Prepared::new(&issue));
        self.issues
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .insert(id.to_owned(), p.clone());
        Ok(p)
    }

    async fn wait_turn(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let at = match self.next_slot.lock() {
            Ok(mut next) => {
                let at = (*next).max(Instant::now());
                *next = at + interval;
                at
            }
            Err(_) => Instant::now(),
        };
        tokio::time::sleep_until(at).await;
    }

    async fn deliver(&self, c: Claimed) -> anyhow::Result<()> {
        let outcome = match (&c.email, &c.unsubscribe_key) {
            _ if c.sub_status.as_deref() != Some("active") => Outcome::Skipped("unsubscribed"),
            _ if c.bouncing_at.is_some() => Outcome::Skipped("address bouncing"),
            _ if !matches!(c.account_status.as_str(), "active" | "alumni") => {
                Outcome::Skipped("account closed")
            }
            (Some(email), Some(key)) => match self.message(&c, email, key).await {
                Ok(message) => {
                    self.wait_turn().await;
                    match self.transport.send(message).await {
                        Ok(()) => Outcome::Sent,
                        Err(Failure::Temporary(e)) => Outcome::Temporary(e),
                        Err(Failure::Permanent(e)) => Outcome::Permanent(e),
                    }
                }
                Err(e) => Outcome::Permanent(format!("{e:#}")),
            },
            _ => Outcome::Skipped("no address"),
        };
        self.record(&c, outcome).await
    }

    async fn message(&self, c: &Claimed, email: &str, key: &str) -> anyhow::Result<Message> {
        let issue = self.prepared(&c.newsletter_id).await?;
        let language: Language = c.language.parse().unwrap_or(Language::En);
        let link = self.app.config.link(&format!("/unsubscribe/{key}"));
        let mut ctx = issue.context(language, c.first_name.as_deref().unwrap_or(""), &link);
        if let Some(m) = ctx.as_object_mut() {
            m.insert(
                "base_url".into(),
                self.app
                    .config
                    .base_url
                    .as_str()
                    .trim_end_matches('/')
                    .into(),
            );
        }
        let r = self.app.templates.render("newsletter", language, &ctx)?;
        Message::builder()
            .from(self.from.clone())
            .to(email.parse().context("recipient address")?)
            .subject(r.subject)
            .message_id(Some(format!(
                "<{}.{}@{}>",
                c.newsletter_id, c.account_id, self.domain
            )))
            .header(header::MIME_VERSION_1_0)
            .header(ListUnsubscribe(format!("<{link}>")))
            .header(ListUnsubscribePost)
            .multipart(MultiPart::alternative_plain_html(r.text, r.html))
            .context("building the message")
    }

    async fn record(&self, c: &Claimed, outcome: Outcome) -> anyhow::Result<()> {
        let now = now_ms();
        let was_failing = || {
            self.failing
                .lock()
                .ok()
                .and_then(|mut f| f.remove(&c.newsletter_id))
                .unwrap_or(false)
        };
        if matches!(outcome, Outcome::Sent) && !was_failing() {
            // The hot path: one statement, its own transaction.
            sqlx::query(
                "UPDATE deliveries SET status = 'sent', sent_at = $3, last_error = NULL, lease_until = NULL, claim_id = NULL \
                 WHERE newsletter_id = $1 AND account_id = $2",
            )
            .bind(&c.newsletter_id)
            .bind(&c.account_id)
            .bind(now)
            .execute(self.app.db.writer())
            .await?;
            crate::metrics::newsletter_delivery("sent");
            return Ok(());
        }
        let counted = match &outcome {
            Outcome::Sent => "sent",
            Outcome::Skipped(_) => "skipped",
            Outcome::Permanent(reason) => {
                tracing::warn!(newsletter = %c.newsletter_id, account = %c.account_id, reason = %crate::mail::loggable_reason(reason), "newsletter delivery refused; the address is marked bouncing");
                "failed"
            }
            Outcome::Temporary(reason) => {
                let reason = crate::mail::loggable_reason(reason);
                if c.attempts >= MAX_ATTEMPTS {
                    tracing::warn!(newsletter = %c.newsletter_id, account = %c.account_id, attempts = c.attempts, %reason, "newsletter delivery failed for good");
                    "failed"
                } else {
                    tracing::warn!(newsletter = %c.newsletter_id, account = %c.account_id, attempts = c.attempts, %reason, "newsletter delivery failed; will retry");
                    "retried"
                }
            }
        };
        let mut paused_itself = false;
        let mut tx = self.app.db.begin().await?;
        let set = |status: &'static str| {
            sqlx::query(
                "UPDATE deliveries SET status = $3, sent_at = $4, last_error = $5, lease_until = NULL, claim_id = NULL, \
                 next_attempt_at = $6 WHERE newsletter_id = $1 AND account_id = $2",
            )
            .bind(c.newsletter_id.clone())
            .bind(c.account_id.clone())
            .bind(status)
        };
        match outcome {
            Outcome::Sent => {
                set("sent")
                    .bind(Some(now))
                    .bind(None::<String>)
                    .bind(now)
                    .execute(tx.conn())
                    .await?;
                // Only reached right after failures: their run ends here.
                sqlx::query("UPDATE newsletters SET consecutive_failures = 0 WHERE id = $1")
                    .bind(&c.newsletter_id)
                    .execute(tx.conn())
                    .await?;
            }
            Outcome::Skipped(why) => {
                set("skipped")
                    .bind(None::<i64>)
                    .bind(Some(why.to_owned()))
                    .bind(now)
                    .execute(tx.conn())
                    .await?;
            }
            Outcome::Permanent(reason) => {
                set("failed")
                    .bind(None::<i64>)
                    .bind(Some(reason))
                    .bind(now)
                    .execute(tx.conn())
                    .await?;
                sqlx::query("UPDATE accounts SET bouncing_at = $2 WHERE person_id = $1 AND bouncing_at IS NULL")
                    .bind(&c.account_id)
                    .bind(now)
                    .execute(tx.conn())
                    .await?;
            }
            Outcome::Temporary(reason) => {
                let give_up = c.attempts >= MAX_ATTEMPTS;
                let delay = self.app.config.mail_retry_base.saturating_mul(
                    2u32.saturating_pow(u32::try_from(c.attempts.clamp(1, 16) - 1).unwrap_or(0)),
                );
                let status = if give_up { "failed" } else { "queued" };
                set(status)
                    .bind(None::<i64>)
                    .bind(Some(reason.clone()))
                    .bind(now + delay.as_millis() as i64)
                    .execute(tx.conn())
                    .await?;
                if let Ok(mut f) = self.failing.lock() {
                    f.insert(c.newsletter_id.clone(), true);
                }
                let (failures,): (i64,) = sqlx::query_as(
                    "UPDATE newsletters SET consecutive_failures = consecutive_failures + 1 WHERE id = $1 RETURNING consecutive_failures",
                )
                .bind(&c.newsletter_id)
                .fetch_one(tx.conn())
                .await?;
                if failures >= PAUSE_AFTER {
                    let paused = sqlx::query(
                        "UPDATE newsletters SET status = 'paused', pause_reason = $2, updated_at = $3 WHERE id = $1 AND status = 'sending'",
                    )
                    .bind(&c.newsletter_id)
                    .bind(format!("paused after {failures} failed deliveries in a row; last: {reason}"))
                    .bind(now)
                    .execute(tx.conn())
                    .await?
                    .rows_affected();
                    if paused > 0 {
                        paused_itself = true;
                        tracing::warn!(newsletter = %c.newsletter_id, reason = %crate::mail::loggable_reason(&reason), "newsletter paused itself");
                        crate::audit::record(
                            &mut tx,
                            "system",
                            "newsletter.paused",
                            Some(&c.newsletter_id),
                            None,
                        )
                        .await?;
                    }
                }
            }
        }
        tx.commit().await?;
        crate::metrics::newsletter_delivery(counted);
        if paused_itself {
            crate::metrics::newsletter_paused("failures");
        }
        Ok(())
    }

    /// Marks issues whose every delivery is settled as sent.
    async fn finish_done(&self) -> anyhow::Result<()> {
        let mut tx = self.app.db.begin().await?;
        sqlx::query(
            "UPDATE newsletters SET status = 'sent', finished_at = $1, updated_at = $1 WHERE status = 'sending' \
             AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.newsletter_id = newsletters.id AND d.status IN ('queued', 'sending'))",
        )
        .bind(now_ms())
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::markdown_html;

    #[test]
    fn markdown_keeps_web_and_mail_links_and_nothing_that_runs_or_fetches() {
        let html = markdown_html(
            "[site](https://example.org/a) [mail](mailto:a@example.org) <b@example.org> \
             <https://example.org/auto>\n\n\
             [js](javascript:alert(1)) [JS](JaVaScRiPt:alert(1)) [tab](java\tscript:alert(1)) \
             [data](data:text/html;base64,PHNjcmlwdD4=) [vb](vbscript:msgbox) [rel](/events) \
             <javascript:alert(2)>\n\n\
             ![pixel](https://tracker.example/p.gif) [![logo](https://x.example/l.png)](https://example.org/l)\n\n\
             <script>alert(3)</script>\n\n<img src=x onerror=alert(4)> and <a href=\"javascript:x\">a</a>",
        );
        for kept in [
            "<a href=\"https://example.org/a\">site</a>",
            "<a href=\"mailto:a@example.org\">mail</a>",
            "<a href=\"mailto:b@example.org\">b@example.org</a>",
            "<a href=\"https://example.org/auto\">",
            "<a href=\"https://example.org/l\">logo</a>",
            "&lt;script&gt;alert(3)&lt;/script&gt;",
            "&lt;img src=x onerror=alert(4)&gt;",
        ] {
            assert!(html.contains(kept), "{kept} missing in {html}");
        }
        for text in ["js", "JS", "data", "vb", "rel", "pixel"] {
            assert!(html.contains(text), "{text} lost: {html}");
        }
        assert_eq!(html.matches("<a ").count(), 5, "{html}");
        let lower = html.to_lowercase();
        for gone in [
            "<img",
            "<script",
            "<a href=\"javascript",
            "<a href=\"data",
            "<a href=\"vbscript",
        ] {
            assert!(!lower.contains(gone), "{gone} in {html}");
        }
        for link in html.split("<a href=\"").skip(1) {
            assert!(
                ["https://", "mailto:"].iter().any(|s| link.starts_with(s)),
                "{link}"
            );
        }
    }
}

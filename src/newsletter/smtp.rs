//! SMTP connections for bulk sending. lettre's own pool never sets TCP_NODELAY, and its DATA
//! phase ends with a small second write, so every message waits for the peer's delayed ACK
//! (about 40 ms): a hard ceiling of ~25 messages per second per connection. This pool opens its
//! own sockets with TCP_NODELAY and hands them to lettre's SMTP client (`connect_with_transport`),
//! keeping STARTTLS and authentication.
//!
//! `smtps://` (implicit TLS) cannot be built this way without a TLS stack of our own; such URLs use
//! lettre's transport as it is. Prefer `smtp://…:587?tls=required` (STARTTLS) for bulk mail.

use std::time::Duration;

use lettre::Message;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::net::TcpStream;
use tokio::sync::Mutex;
use url::Url;

use crate::mail::worker::Failure;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StartTls {
    Never,
    Opportunistic,
    Required,
}

pub struct BulkSmtp {
    host: String,
    port: u16,
    starttls: StartTls,
    credentials: Option<Credentials>,
    hello: ClientId,
    idle: Mutex<Vec<AsyncSmtpConnection>>,
    max_idle: usize,
}

impl BulkSmtp {
    /// A pool for a `smtp://` URL; None for other schemes.
    pub fn from_url(url: &Url, max_idle: usize) -> Option<Self> {
        if url.scheme() != "smtp" {
            return None;
        }
        let host = url.host_str()?.to_owned();
        let starttls = match url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned())
            .as_deref()
        {
            Some("required") => StartTls::Required,
            Some("opportunistic") => StartTls::Opportunistic,
            _ => StartTls::Never,
        };
        let credentials = (!url.username().is_empty()).then(|| {
            let decode = |s: &str| percent_decode(s);
            Credentials::new(decode(url.username()), decode(url.password().unwrap_or("")))
        });
        Some(BulkSmtp {
            port: url
                .port()
                .unwrap_or(if starttls == StartTls::Never { 25 } else { 587 }),
            host,
            starttls,
            credentials,
            hello: ClientId::default(),
            idle: Mutex::new(Vec::new()),
            max_idle,
        })
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, Failure> {
        let refused = |e: std::io::Error| {
            Failure::Temporary(format!("connecting to {}:{}: {e}", self.host, self.port))
        };
        let stream = tokio::time::timeout(
            Duration::from_secs(30),
            TcpStream::connect((self.host.as_str(), self.port)),
        )
        .await
        .map_err(|_| {
            Failure::Temporary(format!(
                "connecting to {}:{} timed out",
                self.host, self.port
            ))
        })?
        .map_err(refused)?;
        stream.set_nodelay(true).map_err(refused)?;
        let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello)
            .await
            .map_err(classify)?;
        if self.starttls == StartTls::Required
            || (self.starttls == StartTls::Opportunistic && conn.can_starttls())
        {
            let tls = TlsParameters::new(self.host.clone()).map_err(classify)?;
            conn.starttls(tls, &self.hello).await.map_err(classify)?;
        }
        if let Some(c) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], c)
                .await
                .map_err(classify)?;
        }
        Ok(conn)
    }

    /// Sends one message over a pooled connection (or a new one).
    pub async fn send(&self, message: &Message) -> Result<(), Failure> {
        let mut conn = match self.idle.lock().await.pop() {
            Some(c) => c,
            None => self.connect().await?,
        };
        let result = conn.send(message.envelope(), &message.formatted()).await;
        if conn.has_broken() {
            conn.abort().await;
        } else {
            let mut idle = self.idle.lock().await;
            if idle.len() < self.max_idle {
                idle.push(conn);
            } else {
                drop(idle);
                let _ = conn.quit().await;
            }
        }
        result.map(|_| ()).map_err(classify)
    }
}

fn classify(e: lettre::transport::smtp::Error) -> Failure {
    if e.is_permanent() {
        Failure::Permanent(e.to_string())
    } else {
        Failure::Temporary(e.to_string())
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

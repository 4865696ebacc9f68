//! Settings, read once from the environment (and a `.env` file if present) and validated before
//! anything starts. Every setting is documented in the README's table.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono_tz::Tz;
use url::Url;

use crate::edge::client::TrustedProxies;
use crate::values::EmailAddress;

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub listen: SocketAddr,
    pub base_url: Url,
    pub smtp_url: Option<Url>,
    pub mail_from: EmailAddress,
    pub data_dir: PathBuf,
    pub timezone: Tz,
    /// First retry delay of a mail after a temporary failure; it doubles with every attempt.
    pub mail_retry_base: Duration,
    /// Where the mail worker looks for due mail when nobody woke it.
    pub mail_poll_interval: Duration,
    /// Requests that send mail (sign-up, sign-in links) one client address may make per 15 minutes.
    pub mail_requests_per_client: i64,
    /// Override the built-in e-mail templates with files from this folder.
    pub email_templates_dir: Option<PathBuf>,
    /// When the upcoming-events digest is built (six-field cron in `timezone`); None: never.
    pub newsletter_cron: Option<String>,
    /// How many days ahead the digest looks.
    pub digest_days: i64,
    /// Newsletter messages per second at most (0: unlimited).
    pub mail_rate_per_second: u32,
    /// Newsletter messages in flight at once.
    pub mail_concurrency: usize,
    /// How long a claimed mail or delivery stays with one worker before another may take it
    /// over (after a crash, the restart waits this long for what was in flight).
    pub mail_lease: Duration,
    /// Alumni inactive this many years are reminded, then erased; None: never.
    pub alumni_retention_years: Option<i64>,
    /// How long a connection with no request in flight may take to deliver a whole request
    /// header (from its opening or the end of the previous answer); also the keep-alive limit.
    pub http_header_timeout: Duration,
    /// How long a request's whole body may take to arrive once its header has.
    pub http_body_timeout: Duration,
    /// Connections one client address may hold open at once; 0: no cap.
    pub max_connections_per_client: usize,
    /// Where `/metrics` (Prometheus) is served, on a listener of its own; None: nowhere.
    pub metrics_listen: Option<SocketAddr>,
    /// How log lines are written to standard error.
    pub log_format: LogFormat,
    /// Reverse proxies whose `Forwarded`/`X-Forwarded-For` name the client (`edge::client`).
    pub trusted_proxies: TrustedProxies,
}

/// `LOG_FORMAT`: readable lines for a terminal, or one JSON object per line for a collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// A setting that stops the start, named so the operator knows what to fix.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {name}: {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub reason: String,
}

fn bad(name: &'static str, reason: impl fmt::Display) -> ConfigError {
    ConfigError {
        name,
        reason: reason.to_string(),
    }
}

impl Config {
    /// Reads the process environment, after loading `.env` if there is one.
    pub fn from_env() -> Result<Self, ConfigError> {
        // A missing .env is normal; a broken one is reported by the values it leaves unset.
        let _ = dotenvy::dotenv();
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the settings from any source of `NAME → value`, so tests need no process env.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let data_dir = PathBuf::from(get("DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = get("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}/limburgers.db", data_dir.display()));
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(bad(
                "DATABASE_URL",
                "must start with sqlite:, postgres:// or postgresql://",
            ));
        }

        let listen: SocketAddr = get("LISTEN")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .map_err(|e| {
                bad(
                    "LISTEN",
                    format!("{e} (expected host:port, e.g. 127.0.0.1:8080)"),
                )
            })?;

        let base_url = match get("BASE_URL") {
            Some(raw) => Url::parse(&raw).map_err(|e| bad("BASE_URL", e))?,
            None => {
                let host = if listen.ip().is_unspecified() {
                    "localhost".to_owned()
                } else {
                    listen.ip().to_string()
                };
                Url::parse(&format!("http://{host}:{}", listen.port()))
                    .map_err(|e| bad("LISTEN", e))?
            }
        };
        if !matches!(base_url.scheme(), "http" | "https") || base_url.host().is_none() {
            return Err(bad("BASE_URL", "must be an absolute http(s) URL"));
        }

        let smtp_url = match get("SMTP_URL") {
            Some(raw) => {
                let url = Url::parse(&raw).map_err(|e| bad("SMTP_URL", e))?;
                if !matches!(url.scheme(), "smtp" | "smtps") || url.host().is_none() {
                    return Err(bad(
                        "SMTP_URL",
                        "must look like smtp://host:port or smtps://user:pass@host",
                    ));
                }
                Some(url)
            }
            None => None,
        };

        let mail_from = EmailAddress::parse(
            &get("MAIL_FROM").unwrap_or_else(|| "community@expatcentre-limburg.invalid".into()),
        )
        .map_err(|e| bad("MAIL_FROM", e))?;

        let timezone: Tz = get("TIMEZONE")
            .unwrap_or_else(|| "Europe/Brussels".into())
            .parse()
            .map_err(|_| {
                bad(
                    "TIMEZONE",
                    "must be an IANA time zone such as Europe/Brussels",
                )
            })?;

        let millis = |name: &'static str, default: u64| -> Result<Duration, ConfigError> {
            match get(name) {
                None => Ok(Duration::from_millis(default)),
                Some(raw) => match raw.parse::<u64>() {
                    Ok(ms) if ms > 0 => Ok(Duration::from_millis(ms)),
                    _ => Err(bad(name, "must be a positive number of milliseconds")),
                },
            }
        };

        let number =
            |name: &'static str, default: i64, min: i64, max: i64| -> Result<i64, ConfigError> {
                match get(name) {
                    None => Ok(default),
                    Some(raw) => raw
                        .parse::<i64>()
                        .ok()
                        .filter(|n| (min..=max).contains(n))
                        .ok_or_else(|| {
                            bad(name, format!("must be a whole number from {min} to {max}"))
                        }),
                }
            };

        Ok(Self {
            database_url,
            listen,
            base_url,
            smtp_url,
            mail_from,
            data_dir,
            timezone,
            mail_retry_base: millis("MAIL_RETRY_BASE_MS", 5_000)?,
            mail_poll_interval: millis("MAIL_POLL_MS", 1_000)?,
            mail_requests_per_client: match get("MAIL_REQUESTS_PER_CLIENT") {
                None => 100,
                Some(raw) => {
                    raw.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                        bad("MAIL_REQUESTS_PER_CLIENT", "must be a positive number")
                    })?
                }
            },
            email_templates_dir: get("EMAIL_TEMPLATES_DIR").map(PathBuf::from),
            newsletter_cron: match get("NEWSLETTER_CRON").as_deref() {
                Some("off") => None,
                Some(expr) => {
                    tokio_cron_scheduler::Job::new_async_tz(expr, timezone, |_, _| Box::pin(async {}))
                        .map_err(|_| bad("NEWSLETTER_CRON", "six fields: sec min hour day month weekday (e.g. 0 0 9 * * Mon), or off"))?;
                    Some(expr.to_owned())
                }
                None => Some("0 0 9 * * Mon".to_owned()),
            },
            digest_days: number("NEWSLETTER_DIGEST_DAYS", 14, 1, 90)?,
            mail_rate_per_second: u32::try_from(number("MAIL_RATE_PER_SECOND", 10, 0, 100_000)?)
                .unwrap_or(10),
            mail_concurrency: usize::try_from(number("MAIL_CONCURRENCY", 4, 1, 64)?).unwrap_or(4),
            alumni_retention_years: match get("ALUMNI_RETENTION_YEARS").as_deref() {
                None | Some("off") => None,
                Some(_) => Some(number("ALUMNI_RETENTION_YEARS", 0, 1, 50)?),
            },
            mail_lease: Duration::from_secs(
                u64::try_from(number("MAIL_LEASE_SECONDS", 300, 1, 86_400)?).unwrap_or(300),
            ),
            http_header_timeout: Duration::from_secs(
                u64::try_from(number("HTTP_HEADER_TIMEOUT_SECS", 30, 1, 3_600)?).unwrap_or(30),
            ),
            http_body_timeout: Duration::from_secs(
                u64::try_from(number("HTTP_BODY_TIMEOUT_SECS", 30, 1, 3_600)?).unwrap_or(30),
            ),
            max_connections_per_client: usize::try_from(number(
                "MAX_CONNECTIONS_PER_CLIENT",
                128,
                0,
                100_000,
            )?)
            .unwrap_or(128),
            metrics_listen: match get("METRICS_LISTEN").as_deref() {
                None | Some("off") => None,
                Some(raw) => Some(raw.parse().map_err(|e| {
                    bad(
                        "METRICS_LISTEN",
                        format!("{e} (expected host:port, e.g. 127.0.0.1:9090, or off)"),
                    )
                })?),
            },
            log_format: match get("LOG_FORMAT").as_deref() {
                None | Some("text") => LogFormat::Text,
                Some("json") => LogFormat::Json,
                Some(_) => return Err(bad("LOG_FORMAT", "must be text or json")),
            },
            trusted_proxies: TrustedProxies::parse(&get("TRUSTED_PROXIES").unwrap_or_default())
                .map_err(|e| bad("TRUSTED_PROXIES", e))?,
        })
    }

    /// An absolute link for mail, e.g. `link("/verify", token)`.
    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.base_url.as_str().trim_end_matches('/'), path)
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
}

/// Passwords in URLs never reach a log line: neither `user:password@` nor a `password=` query
/// parameter (which PostgreSQL URLs accept too).
fn redact(url: &str) -> String {
    let Ok(mut u) = Url::parse(url) else {
        return url.to_owned();
    };
    let in_query = u
        .query_pairs()
        .any(|(k, _)| k.eq_ignore_ascii_case("password"));
    if u.password().is_none() && !in_query {
        // Shown as given, not as the URL parser would normalise it.
        return url.to_owned();
    }
    if u.password().is_some() {
        let _ = u.set_password(Some("***"));
    }
    if in_query {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let v = if k.eq_ignore_ascii_case("password") {
                    "***".to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact(&self.database_url))
            .field("listen", &self.listen)
            .field("base_url", &self.base_url.as_str())
            .field(
                "smtp_url",
                &self.smtp_url.as_ref().map(|u| redact(u.as_str())),
            )
            .field("mail_from", &self.mail_from.as_str())
            .field("data_dir", &self.data_dir)
            .field("timezone", &self.timezone)
            .field("mail_retry_base", &self.mail_retry_base)
            .field("mail_poll_interval", &self.mail_poll_interval)
            .field("mail_requests_per_client", &self.mail_requests_per_client)
            .field("email_templates_dir", &self.email_templates_dir)
            .field("newsletter_cron", &self.newsletter_cron)
            .field("digest_days", &self.digest_days)
            .field("mail_rate_per_second", &self.mail_rate_per_second)
            .field("mail_concurrency", &self.mail_concurrency)
            .field("mail_lease", &self.mail_lease)
            .field("alumni_retention_years", &self.alumni_retention_years)
            .field("http_header_timeout", &self.http_header_timeout)
            .field("http_body_timeout", &self.http_body_timeout)
            .field(
                "max_connections_per_client",
                &self.max_connections_per_client,
            )
            .field("trusted_proxies", &self.trusted_proxies.to_string())
            .field("metrics_listen", &self.metrics_listen)
            .field("log_format", &self.log_format)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_run_on_the_embedded_database() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, "sqlite://data/limburgers.db");
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.base_url.as_str(), "http://127.0.0.1:8080/");
        assert!(c.smtp_url.is_none());
        assert_eq!(c.timezone, chrono_tz::Europe::Brussels);
        assert_eq!(c.http_header_timeout, Duration::from_secs(30));
        assert_eq!(c.http_body_timeout, Duration::from_secs(30));
        assert_eq!(c.max_connections_per_client, 128);
        assert_eq!(c.metrics_listen, None);
        assert_eq!(c.log_format, LogFormat::Text);
        assert!(c.trusted_proxies.is_empty());
    }

    #[test]
    fn metrics_and_json_logs_are_opt_in() {
        let c = config(&[("METRICS_LISTEN", "127.0.0.1:9090"), ("LOG_FORMAT", "json")]).unwrap();
        assert_eq!(c.metrics_listen.map(|a| a.port()), Some(9090));
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(
            config(&[("METRICS_LISTEN", "off")]).unwrap().metrics_listen,
            None
        );
    }

    #[test]
    fn an_invalid_setting_is_named() {
        for (name, value) in [
            ("LISTEN", "nowhere"),
            ("BASE_URL", "not a url"),
            ("SMTP_URL", "http://mail.example.org"),
            ("MAIL_FROM", "nobody"),
            ("TIMEZONE", "Europe/Hasselt"),
            ("DATABASE_URL", "mysql://x"),
            ("MAIL_RETRY_BASE_MS", "-3"),
            ("MAIL_REQUESTS_PER_CLIENT", "0"),
            ("NEWSLETTER_CRON", "every monday"),
            ("MAIL_RATE_PER_SECOND", "-1"),
            ("MAIL_CONCURRENCY", "0"),
            ("ALUMNI_RETENTION_YEARS", "forever"),
            ("HTTP_HEADER_TIMEOUT_SECS", "0"),
            ("HTTP_BODY_TIMEOUT_SECS", "soon"),
            ("MAX_CONNECTIONS_PER_CLIENT", "-1"),
            ("METRICS_LISTEN", "9090"),
            ("LOG_FORMAT", "yaml"),
            ("TRUSTED_PROXIES", "10.0.0.0/8, the proxy"),
        ] {
            let err = config(&[(name, value)]).unwrap_err();
            assert_eq!(err.name, name);
        }
    }

    #[test]
    fn debug_output_hides_passwords() {
        let c = config(&[
            ("SMTP_URL", "smtps://user:secret@mail.example.org"),
            ("DATABASE_URL", "postgres://app:hunter2@db.example.org/lw"),
        ])
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("app:***@db.example.org"), "{shown}");
        assert_eq!(
            redact("postgres://db/lw?user=app&password=hunter2&sslmode=require"),
            "postgres://db/lw?user=app&password=***&sslmode=require"
        );
        assert_eq!(
            redact("sqlite://data/limburgers.db"),
            "sqlite://data/limburgers.db"
        );
    }
}

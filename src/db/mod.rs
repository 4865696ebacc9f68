//! The database: one schema (`migrations/`) and one set of portable queries for SQLite and
//! PostgreSQL through `sqlx::Any`. Backend differences live here and nowhere else.
//!
//! Decisions (see docs/storage.md):
//! - ids are UUIDv7 text, times are UTC milliseconds in BIGINT, flags are BIGINT 0/1;
//! - placeholders are `$1…`; the same Rust type (i64 or String) is bound to a placeholder always;
//! - on SQLite all writes go through a pool of exactly one connection, so write transactions of
//!   this process never race for the lock ("database is locked" cannot happen between them),
//!   while reads use their own pool alongside thanks to WAL. PostgreSQL uses one pool for both.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Executor};
use tokio::sync::Notify;

mod batch;
mod checkpoint;
pub use batch::Job;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub backend: Backend,
    /// For reads outside a transaction.
    pub read: AnyPool,
    writer: Writer,
    /// Group commit for hot write paths (see [`batch`]).
    lanes: Arc<batch::Lanes>,
    /// SQLite: the connection that checkpoints the WAL (see [`checkpoint`]).
    checkpoints: Option<AnyPool>,
    /// Held by every clone; the checkpointer stops when the last one is gone.
    _alive: Arc<()>,
}

/// What opens write transactions; the lanes hold one too (not a `Db`, so that dropping the
/// last `Db` closes the lanes' channels and their threads end).
#[derive(Clone)]
struct Writer {
    backend: Backend,
    /// For transactions (on SQLite: one connection, so writers queue instead of failing).
    write: AnyPool,
    /// Wakes the mail worker when a transaction that enqueued mail commits.
    mail_wake: Arc<Notify>,
    /// Wakes the newsletter sender likewise.
    newsletter_wake: Arc<Notify>,
    /// Wakes the worker that carries out sign-up and sign-in requests (`members::requests`).
    requests_wake: Arc<Notify>,
}

impl Writer {
    async fn begin(&self) -> Result<Tx, sqlx::Error> {
        let inner = match self.backend {
            // IMMEDIATE takes the write lock at BEGIN, where the busy timeout applies. A deferred
            // transaction that reads first and writes later gets SQLITE_BUSY at once if another
            // process (a second instance, a `jobs run`) wrote in between.
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.write.begin().await?,
        };
        Ok(Tx {
            inner,
            mail_wake: self.mail_wake.clone(),
            newsletter_wake: self.newsletter_wake.clone(),
            requests_wake: self.requests_wake.clone(),
            mail_enqueued: false,
            request_submitted: false,
            touched: Default::default(),
        })
    }
}

/// A write transaction. Commit it explicitly; dropping it rolls back.
pub struct Tx {
    inner: sqlx::Transaction<'static, sqlx::Any>,
    mail_wake: Arc<Notify>,
    newsletter_wake: Arc<Notify>,
    requests_wake: Arc<Notify>,
    mail_enqueued: bool,
    request_submitted: bool,
    /// Change counters to bump at commit (see [`Tx::touch`]).
    touched: std::collections::BTreeSet<String>,
}

impl Tx {
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }

    /// Called by the outbox: the worker is woken once this transaction has committed.
    pub fn mail_enqueued(&mut self) {
        self.mail_enqueued = true;
    }

    /// Called by `members::requests`: its worker is woken once this transaction has committed.
    pub fn request_submitted(&mut self) {
        self.request_submitted = true;
    }

    /// Bumps the change counter `name` (a row of `change_counters`) when this transaction
    /// commits. Deferred to the commit so a transaction that changes the same thing many times
    /// (a batch of registrations) bumps it once, and counter rows are locked last, in name order.
    pub fn touch(&mut self, name: String) {
        self.touched.insert(name);
    }

    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        if !self.touched.is_empty() {
            let names = std::mem::take(&mut self.touched);
            let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "UPDATE change_counters SET value = value + 1 WHERE name IN ({})",
                placeholders.join(", ")
            );
            let mut bump = sqlx::query(sqlx::AssertSqlSafe(sql));
            for name in names {
                bump = bump.bind(name);
            }
            bump.execute(&mut *self.inner).await?;
        }
        self.inner.commit().await?;
        if self.mail_enqueued {
            self.mail_wake.notify_one();
            self.newsletter_wake.notify_one();
        }
        if self.request_submitted {
            self.requests_wake.notify_one();
        }
        Ok(())
    }
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// PostgreSQL compresses large values (an outbox row's bodies and calendar file) with pglz by
/// default, about twice the CPU of lz4 for these texts (measured on 20,000 rows of our mail:
/// ~100 µs against ~60 µs a row), on the hot path of every registration. The portable migrations
/// cannot say this, so it is set here, once: a server built without lz4 keeps pglz and says so.
async fn compress_mail_with_lz4(pool: &AnyPool) {
    let done: Result<(), sqlx::Error> = async {
        let (pending,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM pg_attribute WHERE attrelid = 'outbox'::regclass \
             AND attname IN ('body_text', 'body_html', 'attachments') AND attcompression <> 'l'",
        )
        .fetch_one(pool)
        .await?;
        if pending > 0 {
            pool.execute(
                "ALTER TABLE outbox ALTER COLUMN body_text SET COMPRESSION lz4, \
                 ALTER COLUMN body_html SET COMPRESSION lz4, \
                 ALTER COLUMN attachments SET COMPRESSION lz4",
            )
            .await?;
        }
        Ok(())
    }
    .await;
    if let Err(e) = done {
        tracing::warn!(error = %e, "outbox bodies stay compressed with pglz");
    }
}

impl Db {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let (read, write, checkpoints) = match backend {
            Backend::Sqlite => {
                let url = prepare_sqlite_url(url)?;
                let options = AnyConnectOptions::from_str(&url)
                    .with_context(|| format!("DATABASE_URL {url} is not a SQLite URL"))?;
                let pool = |max: u32, writer: bool| {
                    AnyPoolOptions::new()
                        .max_connections(max)
                        .acquire_timeout(Duration::from_secs(30))
                        // A local file needs no liveness ping before every use.
                        .test_before_acquire(false)
                        .after_connect(move |conn, _| {
                            Box::pin(async move {
                                // WAL lets readers run beside the writer; the busy timeout covers
                                // other processes (a `migrate` run, an operator's sqlite3 shell).
                                conn.execute("PRAGMA journal_mode = WAL").await?;
                                conn.execute("PRAGMA busy_timeout = 10000").await?;
                                conn.execute("PRAGMA synchronous = NORMAL").await?;
                                conn.execute("PRAGMA foreign_keys = ON").await?;
                                // Deleted and overwritten content is zeroed, not left in free
                                // space of the file where erased personal data could be read.
                                conn.execute("PRAGMA secure_delete = ON").await?;
                                if writer {
                                    // Checkpoints run on their own connection (see checkpoint.rs).
                                    conn.execute("PRAGMA wal_autocheckpoint = 0").await?;
                                    conn.execute("PRAGMA journal_size_limit = 67108864").await?;
                                }
                                Ok(())
                            })
                        })
                        .connect_with(options.clone())
                };
                let write = pool(1, true).await.context("opening the SQLite database")?;
                let read = pool(4, false)
                    .await
                    .context("opening the SQLite database")?;
                let checkpoints = pool(1, false)
                    .await
                    .context("opening the SQLite database")?;
                (read, write, Some(checkpoints))
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect(url)
                    .await
                    .context("connecting to PostgreSQL")?;
                (pool.clone(), pool, None)
            }
        };
        let writer = Writer {
            backend,
            write,
            mail_wake: Arc::new(Notify::new()),
            newsletter_wake: Arc::new(Notify::new()),
            requests_wake: Arc::new(Notify::new()),
        };
        // SQLite has one writer: one lane, on the write connection. PostgreSQL takes writes side
        // by side: a few lanes (each event's jobs always in the same one) with connections of
        // their own, so a batch never queues for a connection behind the requests' reads.
        let lanes = match backend {
            Backend::Sqlite => batch::Lanes::start(writer.clone(), 1, None).await?,
            Backend::Postgres => batch::Lanes::start(writer.clone(), 4, Some(url)).await?,
        };
        let lanes = Arc::new(lanes);
        let alive = Arc::new(());
        if let Some(pool) = &checkpoints {
            tokio::spawn(checkpoint::run(pool.clone(), Arc::downgrade(&alive)));
        }
        Ok(Db {
            backend,
            read,
            writer,
            lanes,
            checkpoints,
            _alive: alive,
        })
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        MIGRATOR
            .run(&self.writer.write)
            .await
            .context("applying database migrations")?;
        // API tokens issued before migration 0013 get their public ids (no portable SQL for it).
        crate::auth::tokens::assign_missing_ids(&self.writer.write)
            .await
            .context("giving API tokens their ids")?;
        if self.backend == Backend::Postgres {
            compress_mail_with_lz4(&self.writer.write).await;
        }
        // Schema that needs each engine's own SQL (triggers), after the portable migrations.
        crate::stats::tallies::install(self)
            .await
            .context("installing the figures' tallies")
    }

    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        self.writer.begin().await
    }

    /// Runs `job` in a transaction shared with the jobs queued beside it (group commit, see
    /// [`batch`]); answers once that transaction has committed.
    pub async fn batch<J: Job>(&self, job: J) -> crate::error::Result<J::Output> {
        self.lanes.run(job).await
    }

    /// The write pool, for a single statement that is its own transaction (a hot path where
    /// BEGIN and COMMIT would triple the round trips).
    pub fn writer(&self) -> &AnyPool {
        &self.writer.write
    }

    pub fn mail_wake(&self) -> Arc<Notify> {
        self.writer.mail_wake.clone()
    }

    pub fn newsletter_wake(&self) -> Arc<Notify> {
        self.writer.newsletter_wake.clone()
    }

    pub fn requests_wake(&self) -> Arc<Notify> {
        self.writer.requests_wake.clone()
    }

    /// SQLite: copies the WAL into the database file and truncates it, so the old page images it
    /// holds (with what was just erased) are gone from disk. Waits for readers up to the busy
    /// timeout; on failure the checkpointer truncates the WAL once writing pauses. PostgreSQL:
    /// nothing (old row versions go with VACUUM; see the README's privacy section).
    pub async fn flush_wal(&self) {
        let Some(pool) = &self.checkpoints else {
            return;
        };
        for _ in 0..5 {
            match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(pool)
                .await
            {
                // busy = 0: everything was copied and the WAL truncated.
                Ok((0, _, _)) => return,
                Ok(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                Err(e) => {
                    tracing::warn!(error = %e, "truncating the WAL after an erasure failed");
                    return;
                }
            }
        }
        tracing::warn!("the WAL stayed busy after an erasure; the checkpointer will truncate it");
    }

    /// Whether the database answers (for `/ready`).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.read).await.is_ok()
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.writer.write.close().await;
        self.lanes.close().await;
        if let Some(pool) = &self.checkpoints {
            pool.close().await;
        }
    }
}

/// The newest schema version (migration) this binary knows.
pub fn schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The file of a SQLite `DATABASE_URL` (None for PostgreSQL or an in-memory database).
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split_once('?').map_or(rest, |(p, _)| p);
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| path.into())
}

/// Creates the folder of a SQLite file and asks for the file to be created if missing.
fn prepare_sqlite_url(url: &str) -> anyhow::Result<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path.starts_with(":memory:") {
        anyhow::bail!("DATABASE_URL: use a SQLite file, not an in-memory database");
    }
    if let Some(dir) = Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the database folder {}", dir.display()))?;
    }
    let query = if query.contains("mode=") {
        query.to_owned()
    } else if query.is_empty() {
        "mode=rwc".to_owned()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// The current time as stored: UTC milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub fn to_datetime(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// A new id: UUIDv7, so ids sort by creation time (used for cursor pagination).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// True when `e` is a violated UNIQUE constraint, on either backend.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db.code().as_deref() == Some("23505")
                || db.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_create_their_file() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/sub/x.db", dir.path().display());
        let prepared = prepare_sqlite_url(&url).unwrap();
        assert!(prepared.ends_with("/sub/x.db?mode=rwc"), "{prepared}");
        assert!(dir.path().join("sub").is_dir());
        assert!(prepare_sqlite_url("sqlite::memory:").is_err());
    }

    #[test]
    fn the_file_of_a_sqlite_url() {
        let file = |u: &str| sqlite_file(u).map(|p| p.display().to_string());
        assert_eq!(file("sqlite://data/x.db").as_deref(), Some("data/x.db"));
        assert_eq!(
            file("sqlite:///srv/x.db?mode=rwc").as_deref(),
            Some("/srv/x.db")
        );
        assert_eq!(file("sqlite:x.db").as_deref(), Some("x.db"));
        assert_eq!(file("sqlite::memory:"), None);
        assert_eq!(file("postgres://db/lw"), None);
        assert!(schema_version() >= 15);
    }
}

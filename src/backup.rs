//! Backups of a SQLite deployment (`backup PATH`, `restore PATH`) and the lock that keeps a
//! restore from replacing the database under a running server. PostgreSQL is backed up with its
//! own tools (`pg_dump`), as the README says.
//!
//! A backup is a folder: `limburgers.sqlite` (a consistent copy of the database, taken with
//! `VACUUM INTO` while the server keeps serving: it reads one snapshot and blocks no writer),
//! `mail/` (the files in the mail folder, written when no SMTP server is set), `door-link.key`
//! (the key that signs the door QR codes already mailed, if made yet) and `manifest.json`
//! (when, which schema version, which files), written last: a folder without it is not a
//! backup.
//!
//! Invariants:
//! - A backup never overwrites anything: PATH must not exist.
//! - The database is copied before the mail folder. A mail sent in between is then in both (its
//!   outbox row still pending in the copy, its file copied too) and may go out twice after a
//!   restore; copied the other way round it would be in neither.
//! - A restore checks the backup (integrity, a schema this binary knows) before it touches
//!   anything, never runs while a process of ours has the database open (`serve`, `migrate`,
//!   `admin`, `jobs run` hold a shared lock on `<database>.lock`; a restore needs it alone), and
//!   replaces an existing database only with `--force`.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{ConnectOptions as _, Connection as _, SqliteConnection};

use crate::config::Config;

/// The database's file in a backup.
pub const DATABASE: &str = "limburgers.sqlite";
/// The mail folder's files in a backup.
pub const MAIL: &str = "mail";
pub const MANIFEST: &str = "manifest.json";
/// The layout of a backup folder; a restore refuses one it does not know.
const FORMAT: u32 = 1;

/// What `manifest.json` says.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// RFC 3339, UTC: when the database was copied.
    pub created_at: String,
    /// The newest migration applied to the copied database.
    pub schema_version: i64,
    /// The version of the program that wrote the backup.
    pub written_by: String,
    pub database: String,
    pub database_bytes: u64,
    /// Files in `mail/`.
    pub mail_files: usize,
    /// Whether the backup holds the door QR codes' key.
    #[serde(default)]
    pub door_link_key: bool,
}

const POSTGRES_BACKUP: &str = "DATABASE_URL is a PostgreSQL database: back it up with \
     `pg_dump -Fc` and restore it with `pg_restore` (README, \"Operations → Backups\"); this \
     command copies a SQLite database";

/// The SQLite file the settings name, or why there is none.
fn database_file(config: &Config) -> anyhow::Result<PathBuf> {
    match crate::db::sqlite_file(&config.database_url) {
        Some(p) => Ok(p),
        None if config.database_url.starts_with("sqlite:") => {
            bail!("DATABASE_URL must name a SQLite file")
        }
        None => bail!("{POSTGRES_BACKUP}"),
    }
}

fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    database.with_file_name(name)
}

fn open_lock(database: &Path) -> anyhow::Result<File> {
    let path = lock_path(database);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)
            .with_context(|| format!("creating the database folder {}", dir.display()))?;
    }
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening the lock file {}", path.display()))
}

/// Held while a process of ours has the SQLite database open (see the module's invariants);
/// released when dropped or when the process ends, however it ends. None on PostgreSQL.
pub fn hold_shared(config: &Config) -> anyhow::Result<Option<File>> {
    let Some(database) = crate::db::sqlite_file(&config.database_url) else {
        return Ok(None);
    };
    let lock = open_lock(&database)?;
    match lock.try_lock_shared() {
        Ok(()) => Ok(Some(lock)),
        Err(fs::TryLockError::WouldBlock) => bail!(
            "{} is being restored; start again once the restore is done",
            database.display()
        ),
        Err(fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", lock_path(&database).display()))
        }
    }
}

/// A connection to a SQLite file that exists; waits for other writers rather than failing.
async fn connect(path: &Path, read_only: bool) -> anyhow::Result<SqliteConnection> {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .read_only(read_only)
        .busy_timeout(Duration::from_secs(30))
        .connect()
        .await
        .with_context(|| format!("opening the SQLite database {}", path.display()))
}

/// `PRAGMA integrity_check` passes and the schema is one this binary knows; answers the
/// database's schema version.
async fn verify(path: &Path) -> anyhow::Result<i64> {
    let mut conn = connect(path, true).await?;
    let problems: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .with_context(|| format!("checking {}", path.display()))?;
    if problems.first().map(|(p,)| p.as_str()) != Some("ok") {
        let shown: Vec<String> = problems.into_iter().take(5).map(|(p,)| p).collect();
        bail!(
            "{} is damaged (integrity check: {})",
            path.display(),
            shown.join("; ")
        );
    }
    let (version,): (i64,) =
        sqlx::query_as("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = 1")
            .fetch_one(&mut conn)
            .await
            .with_context(|| format!("{} is not a database of ours", path.display()))?;
    conn.close().await.ok();
    let known = crate::db::schema_version();
    if version > known {
        bail!(
            "{} has schema version {version}, newer than this program's ({known}): restore it \
             with the version that wrote it, or a newer one",
            path.display()
        );
    }
    Ok(version)
}

/// A path as SQL text (`VACUUM INTO` takes a literal).
fn sql_text(path: &Path) -> anyhow::Result<String> {
    let s = path
        .to_str()
        .with_context(|| format!("{} is not valid UTF-8", path.display()))?;
    Ok(format!("'{}'", s.replace('\'', "''")))
}

/// Copies the regular files of `from` into `to` (created if there are any), skipping names
/// already there; answers how many were copied.
fn copy_files(from: &Path, to: &Path) -> anyhow::Result<usize> {
    let entries = match fs::read_dir(from) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e).with_context(|| format!("reading {}", from.display())),
    };
    let mut copied = 0;
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", from.display()))?;
        if !entry.file_type()?.is_file() {
            continue;
        }
        fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
        let target = to.join(entry.file_name());
        if target.exists() {
            continue;
        }
        fs::copy(entry.path(), &target)
            .with_context(|| format!("copying {}", entry.path().display()))?;
        copied += 1;
    }
    Ok(copied)
}

fn sync_dir(dir: &Path) {
    // Makes the new names durable; a platform that cannot open a folder skips it.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// `backup PATH`: see the module's doc. Answers the manifest written.
pub async fn backup(config: &Config, path: &Path) -> anyhow::Result<Manifest> {
    let database = database_file(config)?;
    if !database.is_file() {
        bail!("there is no database at {} to back up", database.display());
    }
    // create_dir fails if PATH exists: no backup is ever overwritten, not even in a race.
    fs::create_dir(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => anyhow::anyhow!(
            "{} already exists: a backup never overwrites anything; name a new folder (e.g. by \
             the date)",
            path.display()
        ),
        _ => anyhow::Error::new(e).context(format!("creating {}", path.display())),
    })?;
    let written = write_backup(config, &database, path).await;
    if written.is_err() {
        // Half a backup is no backup: nothing of it is left to be mistaken for one.
        let _ = fs::remove_dir_all(path);
    }
    written
}

async fn write_backup(config: &Config, database: &Path, path: &Path) -> anyhow::Result<Manifest> {
    let copy = path.join(DATABASE);
    let created_at = chrono::Utc::now();
    let mut source = connect(database, false).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "VACUUM INTO {}",
        sql_text(&copy)?
    )))
    .execute(&mut source)
    .await
    .with_context(|| format!("copying {}", database.display()))?;
    source.close().await.ok();
    // The copy keeps the source's WAL mode; a backup is one file, complete without a -wal.
    let conn = SqliteConnectOptions::new()
        .filename(&copy)
        .create_if_missing(false)
        .journal_mode(SqliteJournalMode::Delete)
        .connect()
        .await
        .with_context(|| format!("opening the copy {}", copy.display()))?;
    conn.close().await.ok();
    let schema_version = verify(&copy).await?;
    File::open(&copy)?.sync_all()?;
    let mail_files = copy_files(&config.outbox_dir(), &path.join(MAIL))?;
    let key = config.data_dir.join(crate::events::door::KEY_FILE);
    let door_link_key = key.is_file();
    if door_link_key {
        // fs::copy keeps the file's mode (0600).
        fs::copy(&key, path.join(crate::events::door::KEY_FILE))
            .with_context(|| format!("copying {}", key.display()))?;
    }
    let manifest = Manifest {
        format: FORMAT,
        created_at: created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        schema_version,
        written_by: format!("limburgers-worldwide {}", env!("CARGO_PKG_VERSION")),
        database: DATABASE.to_owned(),
        database_bytes: fs::metadata(&copy)?.len(),
        mail_files,
        door_link_key,
    };
    let manifest_path = path.join(MANIFEST);
    fs::write(&manifest_path, serde_json::to_vec_pretty(&manifest)?)
        .with_context(|| format!("writing {}", manifest_path.display()))?;
    File::open(&manifest_path)?.sync_all()?;
    sync_dir(path);
    Ok(manifest)
}

/// How a restore went.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    pub database: PathBuf,
    pub mail_files: usize,
}

/// `restore PATH [--force]`: see the module's doc.
pub async fn restore(config: &Config, path: &Path, force: bool) -> anyhow::Result<Restored> {
    let database = match crate::db::sqlite_file(&config.database_url) {
        Some(p) => p,
        None if config.database_url.starts_with("sqlite:") => {
            bail!("DATABASE_URL must name a SQLite file")
        }
        None => bail!(
            "DATABASE_URL is a PostgreSQL database: restore a `pg_dump -Fc` dump with \
             `pg_restore` (README, \"Operations → Backups\"); this command restores a SQLite \
             backup"
        ),
    };
    let manifest_path = path.join(MANIFEST);
    let manifest: Manifest = match fs::read(&manifest_path) {
        Ok(raw) => serde_json::from_slice(&raw)
            .with_context(|| format!("{} is not a backup manifest", manifest_path.display()))?,
        Err(_) => bail!(
            "{} is not a backup: it has no {MANIFEST} (an interrupted backup has none)",
            path.display()
        ),
    };
    if manifest.format != FORMAT {
        bail!(
            "{} is a backup of format {}, which this program does not know",
            path.display(),
            manifest.format
        );
    }
    let copy = path.join(DATABASE);
    if !copy.is_file() {
        bail!("{} has no {DATABASE}", path.display());
    }
    verify(&copy).await?;

    let lock = open_lock(&database)?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => bail!(
            "{} is in use by a running server or command: stop it first (nothing was changed)",
            database.display()
        ),
        Err(fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("locking {}", lock_path(&database).display()));
        }
    }
    let exists = fs::metadata(&database).is_ok_and(|m| m.len() > 0);
    if exists && !force {
        bail!(
            "{} exists: pass --force to replace it with the backup (nothing was changed)",
            database.display()
        );
    }
    // Written beside the target and renamed over it: the database is the old one or the new
    // one, never half of each.
    let mut partial = database.as_os_str().to_os_string();
    partial.push(".restoring");
    let partial = PathBuf::from(partial);
    fs::copy(&copy, &partial).with_context(|| format!("copying {}", copy.display()))?;
    File::open(&partial)?.sync_all()?;
    for suffix in ["-wal", "-shm", "-journal"] {
        // The old database's WAL would be replayed onto the new file and corrupt it.
        let mut side = database.as_os_str().to_os_string();
        side.push(suffix);
        match fs::remove_file(PathBuf::from(side)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).context("removing the old database's journal"),
        }
    }
    fs::rename(&partial, &database).with_context(|| format!("replacing {}", database.display()))?;
    if let Some(dir) = database.parent().filter(|d| !d.as_os_str().is_empty()) {
        sync_dir(dir);
    }
    let mail_files = copy_files(&path.join(MAIL), &config.outbox_dir())?;
    let key = path.join(crate::events::door::KEY_FILE);
    if key.is_file() {
        // The QR codes in the restored database's mail were signed with this key: it replaces
        // whatever key the folder had, renamed into place so no reader sees half of it.
        let target = config.data_dir.join(crate::events::door::KEY_FILE);
        let partial = config.data_dir.join("door-link.key.restoring");
        fs::create_dir_all(&config.data_dir)?;
        fs::copy(&key, &partial).with_context(|| format!("copying {}", key.display()))?;
        fs::rename(&partial, &target).with_context(|| format!("replacing {}", target.display()))?;
    }
    drop(lock);
    Ok(Restored {
        manifest,
        database,
        mail_files,
    })
}

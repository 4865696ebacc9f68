//! SQLite WAL checkpoints off the writer's thread.
//!
//! By default SQLite checkpoints in the connection that commits once the WAL passes 1,000 pages:
//! the one write connection then copies pages into the database file and waits for fsync while
//! every queued write waits for it. Measured on the registration bench, that was a quarter of
//! the writer's time (1,343–1,348 registrations/s with it, 1,764–1,814 without; BENCHMARKS.md).
//! So the write connection does not checkpoint (`wal_autocheckpoint = 0`) and this task does,
//! on a connection of its own, every [`EVERY`]: PASSIVE, which never blocks readers or the
//! writer. Under sustained writing a passive checkpoint rarely catches up completely, and the
//! WAL can only start over after one that did; past [`RESTART_PAGES`] the task asks for a
//! RESTART checkpoint, which waits for the writer's current transaction and holds the next one
//! back until the WAL is copied, once, so the file stays bounded (`journal_size_limit` trims it).
//! When a burst is over (the WAL did not grow since the last tick) and everything is copied, the
//! WAL is truncated: after a crash the next
//! start reads the whole WAL file to rebuild its index, so a large leftover WAL slows the start
//! (measured: 514 ms to ready after a 10,000-event seed and a kill, 49 ms with the truncation).
//! A crash in the middle of sustained writing can still leave up to 64 MiB to read.

use std::sync::Weak;
use std::time::Duration;

use sqlx::AnyPool;

/// How often the WAL is copied into the database file.
const EVERY: Duration = Duration::from_millis(200);

/// WAL pages (4 KiB) beyond which the checkpoint waits for the writer to start over: 64 MiB.
/// Lower bounds the WAL a crash can leave tighter but stalls sustained writing more often
/// (16 MiB: 1,516 registrations/s, p99 123 ms, against 1,938–1,950/s, p99 50 ms).
const RESTART_PAGES: i64 = 16_384;

/// A fully copied WAL at least this long (4 MiB) is truncated.
const TRUNCATE_PAGES: i64 = 1_024;

/// Runs until `alive` has no strong reference left (the last `Db` clone is gone) or the pool is
/// closed.
pub(super) async fn run(pool: AnyPool, alive: Weak<()>) {
    let mut tick = tokio::time::interval(EVERY);
    // The WAL's length at the previous tick: unchanged means nobody is writing.
    let mut last_log = -1;
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if alive.upgrade().is_none() || pool.is_closed() {
            break;
        }
        let passive: Result<(i64, i64, i64), _> = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&pool)
            .await;
        let outcome = match passive {
            Ok((_, log, copied)) if log >= RESTART_PAGES && copied < log => {
                sqlx::query("PRAGMA wal_checkpoint(RESTART)")
                    .execute(&pool)
                    .await
                    .map(|_| ())
            }
            // Only when idle: TRUNCATE, like RESTART, holds writers back while it works.
            Ok((_, log, copied)) if log >= TRUNCATE_PAGES && copied == log && log == last_log => {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(&pool)
                    .await
                    .map(|_| ())
            }
            Ok((_, log, _)) => {
                last_log = log;
                Ok(())
            }
            Err(e) => Err(e),
        };
        if let Err(e) = outcome {
            if pool.is_closed() {
                break;
            }
            tracing::warn!(error = %e, "WAL checkpoint failed; trying again");
        }
    }
}

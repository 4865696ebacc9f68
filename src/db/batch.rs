//! Group commit: write jobs of many requests run back to back in one transaction.
//!
//! Why: a registration rush is many small write transactions on the same few rows. On SQLite
//! every write goes through one connection, and a transaction per request spends its time on
//! BEGIN and COMMIT, on WAL frames for pages every request touches (the event row, the
//! counters, the upper index pages), and, worst, on waiting between its statements for its task
//! to be polled again behind HTTP work while the writer sits idle. On PostgreSQL each commit is
//! a WAL flush. A lane here takes every job that arrived while its previous batch ran and runs
//! them in one transaction with one commit. Nobody waits for a timer: an idle lane runs a lone
//! job at once, so batches only form under load, where they pay off.
//!
//! Rules for a job:
//! - it runs inside someone else's transaction: what it reads includes the writes of the jobs
//!   before it in the batch, which is exactly the order a transaction per job would give;
//! - an error rolls its whole batch back, after which every job of that batch runs again alone,
//!   in its own transaction, so one job's failure never reaches another job's answer. A job may
//!   therefore run twice and must keep its effects inside the transaction. Outcomes that are
//!   foreseeable refusals (full, changed meanwhile) should be answered as `Ok` values having
//!   written nothing, so they do not cost the batch a rerun;
//! - the answer is sent after the commit: an answered job is durable.
//!
//! Jobs of one batch run ordered by their key (stable, so jobs with the same key keep their
//! arrival order): on PostgreSQL, batches of two instances then take row locks in the same order
//! and cannot deadlock each other. A lane runs on its own thread, so between two statements it
//! never waits to be polled behind HTTP work (measured on PostgreSQL as a task on the shared
//! runtime: connections sat "idle in transaction" waiting for the next statement). SQLite's
//! driver is a thread with channels and works from any runtime; a PostgreSQL socket belongs to
//! the runtime that opened it, so a PostgreSQL lane opens its own connection on its thread.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use anyhow::anyhow;
use futures::FutureExt as _;
use futures::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};

use std::time::Duration;

use sqlx::Executor as _;
use sqlx::any::AnyPoolOptions;

use super::{Tx, Writer};
use crate::error::{Error, Result};

/// At most this many jobs share a transaction (bounds the work one failure repeats).
const MAX_BATCH: usize = 128;

/// A unit of work for a lane.
pub trait Job: Send + 'static {
    type Output: Send + 'static;
    /// Jobs with the same key run in arrival order and in the same lane.
    fn key(&self) -> &str;
    /// The job's statements, in the given transaction.
    fn run<'a>(&'a self, tx: &'a mut Tx) -> BoxFuture<'a, Result<Self::Output>>;
}

/// The lanes of one database.
pub(super) struct Lanes {
    senders: Vec<mpsc::UnboundedSender<Box<dyn Queued>>>,
    /// The lanes' own connections (PostgreSQL), closed with the database.
    pools: Vec<sqlx::AnyPool>,
}

impl Lanes {
    /// Starts `n` lanes, each on a thread of its own. On SQLite they write through `writer`'s
    /// connection; on PostgreSQL (`postgres_url`) each opens its own, on its thread's runtime,
    /// so its socket is polled by that thread and not behind HTTP work.
    pub(super) async fn start(
        writer: Writer,
        n: usize,
        postgres_url: Option<&str>,
    ) -> anyhow::Result<Lanes> {
        let mut senders = Vec::with_capacity(n);
        let mut pools = Vec::with_capacity(n);
        for i in 0..n {
            let (send, receive) = mpsc::unbounded_channel();
            let (opened, pool) = oneshot::channel();
            let url = postgres_url.map(str::to_owned);
            let writer = writer.clone();
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            std::thread::Builder::new()
                .name(format!("db-lane-{i}"))
                .spawn(move || {
                    runtime.block_on(async move {
                        let writer = match url {
                            None => writer,
                            Some(url) => {
                                let pool = AnyPoolOptions::new()
                                    .max_connections(1)
                                    .acquire_timeout(Duration::from_secs(30))
                                    // Kept for the process's life: the figures' daily
                                    // tallies give each lane connection rows of its own
                                    // (by pid, see stats/tallies.postgres.sql), and a
                                    // connection per hour would leave a trail of them.
                                    .max_lifetime(None)
                                    .idle_timeout(None)
                                    .after_connect(|conn, _| {
                                        Box::pin(async move {
                                            conn.execute("SET lw.lane = 'on'").await?;
                                            Ok(())
                                        })
                                    })
                                    .connect_lazy(&url);
                                match pool {
                                    Ok(pool) => Writer {
                                        write: pool,
                                        ..writer
                                    },
                                    Err(e) => {
                                        let _ = opened.send(Err(e));
                                        return;
                                    }
                                }
                            }
                        };
                        let _ = opened.send(Ok(writer.write.clone()));
                        lane(writer, receive).await;
                    })
                })?;
            pools.push(pool.await??);
            senders.push(send);
        }
        Ok(Lanes { senders, pools })
    }

    pub(super) async fn close(&self) {
        for pool in &self.pools {
            pool.close().await;
        }
    }

    pub(super) async fn run<J: Job>(&self, job: J) -> Result<J::Output> {
        let mut hasher = DefaultHasher::new();
        job.key().hash(&mut hasher);
        let lane = (hasher.finish() % self.senders.len() as u64) as usize;
        let (reply, answer) = oneshot::channel();
        let queued = Box::new(Pending {
            job,
            output: None,
            reply,
        });
        self.senders[lane]
            .send(queued)
            .map_err(|_| Error::Internal(anyhow!("the database writer has stopped")))?;
        answer
            .await
            .map_err(|_| Error::Internal(anyhow!("the database writer dropped a job")))?
    }
}

/// A job with its answer channel, its type erased so one lane serves every kind of job.
trait Queued: Send {
    fn key(&self) -> &str;
    fn run<'a>(&'a mut self, tx: &'a mut Tx) -> BoxFuture<'a, Result<()>>;
    fn answer(self: Box<Self>, result: Result<()>);
}

struct Pending<J: Job> {
    job: J,
    output: Option<J::Output>,
    reply: oneshot::Sender<Result<J::Output>>,
}

impl<J: Job> Queued for Pending<J> {
    fn key(&self) -> &str {
        self.job.key()
    }

    fn run<'a>(&'a mut self, tx: &'a mut Tx) -> BoxFuture<'a, Result<()>> {
        let Pending { job, output, .. } = self;
        Box::pin(async move {
            *output = Some(job.run(tx).await?);
            Ok(())
        })
    }

    fn answer(self: Box<Self>, result: Result<()>) {
        let Pending { output, reply, .. } = *self;
        let answer = result.and_then(|()| {
            output.ok_or_else(|| Error::Internal(anyhow!("a batch job was answered before it ran")))
        });
        // The requester may have gone (a closed connection); the work is done either way.
        let _ = reply.send(answer);
    }
}

async fn lane(writer: Writer, mut receive: mpsc::UnboundedReceiver<Box<dyn Queued>>) {
    let mut batch: Vec<Box<dyn Queued>> = Vec::with_capacity(MAX_BATCH);
    while receive.recv_many(&mut batch, MAX_BATCH).await > 0 {
        batch.sort_by(|a, b| a.key().cmp(b.key()));
        // A panicking job must not stop the lane: its batch is answered with an error.
        let jobs = std::mem::take(&mut batch);
        if let Err(panic) = std::panic::AssertUnwindSafe(run_batch(&writer, jobs))
            .catch_unwind()
            .await
        {
            tracing::error!(?panic, "a database batch panicked");
        }
    }
}

/// Runs the jobs in one transaction; on any failure, each alone in its own.
async fn run_batch(writer: &Writer, mut jobs: Vec<Box<dyn Queued>>) {
    if jobs.len() > 1 {
        match together(writer, &mut jobs).await {
            Ok(()) => {
                crate::metrics::db_batch(jobs.len(), false);
                for job in jobs {
                    job.answer(Ok(()));
                }
                return;
            }
            Err(e) => {
                crate::metrics::db_batch(jobs.len(), true);
                tracing::debug!(error = %e, jobs = jobs.len(), "batch rolled back; running its jobs one by one")
            }
        }
    } else {
        crate::metrics::db_batch(jobs.len(), false);
    }
    for mut job in jobs {
        let result = alone(writer, job.as_mut()).await;
        job.answer(result);
    }
}

async fn together(writer: &Writer, jobs: &mut [Box<dyn Queued>]) -> Result<()> {
    let mut tx = writer.begin().await?;
    for job in jobs.iter_mut() {
        job.run(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn alone(writer: &Writer, job: &mut dyn Queued) -> Result<()> {
    let mut tx = writer.begin().await?;
    job.run(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

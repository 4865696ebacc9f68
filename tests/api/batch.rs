//! Group commit (`Db::batch`): jobs that queue up share a transaction, and one failing job never
//! takes the others down nor leaves anything of itself behind.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use limburgers_worldwide::db::{Job, Tx};
use limburgers_worldwide::error::{Error, Result};

use crate::helpers::TestApp;

/// Writes one row; may hold its transaction for a while or fail after writing.
struct Note {
    name: String,
    fail: bool,
    hold: Option<Duration>,
    runs: Arc<AtomicUsize>,
}

impl Job for Note {
    type Output = String;

    fn key(&self) -> &str {
        // One key: every note goes to the same lane (PostgreSQL has several).
        "notes"
    }

    fn run<'a>(&'a self, tx: &'a mut Tx) -> BoxFuture<'a, Result<String>> {
        Box::pin(async move {
            self.runs.fetch_add(1, Ordering::SeqCst);
            if let Some(hold) = self.hold {
                tokio::time::sleep(hold).await;
            }
            sqlx::query("INSERT INTO change_counters (name, value) VALUES ($1, 0)")
                .bind(&self.name)
                .execute(tx.conn())
                .await?;
            if self.fail {
                return Err(Error::Conflict(format!("{} refused", self.name)));
            }
            Ok(self.name.clone())
        })
    }
}

#[tokio::test]
async fn a_failing_job_rolls_back_alone_and_its_batch_mates_commit() {
    let t = TestApp::spawn().await;
    let db = &t.app.db;
    let runs = Arc::new(AtomicUsize::new(0));
    let note = |name: &str, fail: bool, hold: Option<Duration>| Note {
        name: format!("note:{name}"),
        fail,
        hold,
        runs: runs.clone(),
    };
    // The first job holds the lane, so the next ten queue up and run as one batch.
    let first = db.batch(note("first", false, Some(Duration::from_millis(300))));
    let queued = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        futures::future::join_all((0..10).map(|i| db.batch(note(&i.to_string(), i == 4, None))))
            .await
    };
    let (first, queued) = tokio::join!(first, queued);
    assert_eq!(first.unwrap(), "note:first");
    for (i, answer) in queued.into_iter().enumerate() {
        match (i, answer) {
            (4, Err(Error::Conflict(why))) => assert_eq!(why, "note:4 refused"),
            (4, other) => panic!(
                "the failing job answered {:?}",
                other.map_err(|e| e.to_string())
            ),
            (i, answer) => assert_eq!(answer.unwrap(), format!("note:{i}")),
        }
    }
    // The ten queued jobs ran together up to the failing fifth, were rolled back, and all ran
    // again alone.
    assert_eq!(runs.load(Ordering::SeqCst), 1 + 5 + 10);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM change_counters WHERE name LIKE 'note:%'")
            .await,
        10,
        "nine plus the first, nothing of the failed one"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM change_counters WHERE name = 'note:4'")
            .await,
        0
    );
    // The lane is still serving.
    assert_eq!(
        db.batch(note("after", false, None)).await.unwrap(),
        "note:after"
    );
}

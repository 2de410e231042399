//! Group commit for SQLite: many small write transactions share one commit and its fsync.
//!
//! SQLite has one writer at a time and every commit waits for the disk (`synchronous = FULL`).
//! When hundreds of requests a second each commit a few rows (a sign-in: its session, its
//! ceremony, its authenticator's counter), the disk, not the CPU, sets the pace, and writers that
//! find the lock taken sleep in SQLite's busy handler for milliseconds. A [`GroupCommit`] instead
//! queues the writes, and one task applies everything queued in a single transaction: one fsync
//! for the group, no lock contention, and each caller is answered only once its write is durable.
//!
//! A write may fail (a unique key already taken is how single-use things refuse a replay). Then
//! the group is rolled back and each of its writes runs again alone, so every caller gets its own
//! answer and no write is lost or applied because of another. Writes therefore must be plain
//! statements over their own data, safe to apply a second time after a rollback.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex};

use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::{Mutex, mpsc, oneshot};

/// One unit of work committed as part of a group.
pub trait GroupedWrite: Send + Sync + 'static {
    /// Applies the write inside the group's transaction.
    fn apply<'c>(
        &'c self,
        conn: &'c mut SqliteConnection,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send + 'c;
}

type Job<W> = (W, oneshot::Sender<Result<(), sqlx::Error>>);

/// A queue of writes of one kind, committed in groups by a background task.
pub struct GroupCommit<W> {
    pool: SqlitePool,
    gate: Arc<Mutex<()>>,
    max_group: usize,
    /// The running writer's queue; replaced when the task is gone (its runtime ended).
    queue: StdMutex<Option<mpsc::UnboundedSender<Job<W>>>>,
    /// Transactions committed so far (a group, or one write retried alone).
    commits: Arc<AtomicU64>,
}

impl<W: GroupedWrite> GroupCommit<W> {
    /// A committer over `pool`. `gate` is held while a group is written: other writers of the
    /// same database take it too, so that they queue here instead of sleeping in SQLite's busy
    /// handler. At most `max_group` writes go into one transaction.
    pub fn new(pool: SqlitePool, gate: Arc<Mutex<()>>, max_group: usize) -> GroupCommit<W> {
        GroupCommit {
            pool,
            gate,
            max_group: max_group.max(1),
            queue: StdMutex::new(None),
            commits: Arc::new(AtomicU64::new(0)),
        }
    }

    /// How many transactions the writer has committed: fewer than the writes when they group.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Writes `write` and returns once it is committed, with its own error if it failed.
    pub async fn write(&self, write: W) -> Result<(), sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        self.sender().send((write, reply)).map_err(|_| {
            sqlx::Error::Protocol("the group-commit writer stopped before taking a write".into())
        })?;
        answer.await.unwrap_or_else(|_| {
            Err(sqlx::Error::Protocol(
                "the group-commit writer stopped before answering; the write may not be committed"
                    .into(),
            ))
        })
    }

    /// The running writer's queue, starting the writer on the current runtime when needed.
    fn sender(&self) -> mpsc::UnboundedSender<Job<W>> {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = queue.as_ref().filter(|s| !s.is_closed()) {
            return sender.clone();
        }
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(run(
            self.pool.clone(),
            self.gate.clone(),
            self.max_group,
            self.commits.clone(),
            receiver,
        ));
        *queue = Some(sender.clone());
        sender
    }
}

async fn run<W: GroupedWrite>(
    pool: SqlitePool,
    gate: Arc<Mutex<()>>,
    max_group: usize,
    commits: Arc<AtomicU64>,
    mut receiver: mpsc::UnboundedReceiver<Job<W>>,
) {
    let mut group: Vec<Job<W>> = Vec::with_capacity(max_group);
    while receiver.recv_many(&mut group, max_group).await > 0 {
        let _gate = gate.lock().await;
        // Whatever arrived while the gate was taken joins this group.
        while group.len() < max_group {
            match receiver.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        match commit(&pool, &commits, group.iter().map(|(write, _)| write)).await {
            Ok(()) => {
                for (_, reply) in group.drain(..) {
                    let _ = reply.send(Ok(()));
                }
            }
            Err(e) if group.len() == 1 => {
                if let Some((_, reply)) = group.pop() {
                    let _ = reply.send(Err(e));
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, size = group.len(), "group rolled back; writing each alone");
                for (write, reply) in group.drain(..) {
                    let _ = reply.send(commit(&pool, &commits, std::iter::once(&write)).await);
                }
            }
        }
    }
}

async fn commit<'w, W: GroupedWrite>(
    pool: &SqlitePool,
    commits: &AtomicU64,
    writes: impl Iterator<Item = &'w W>,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for write in writes {
        write.apply(&mut tx).await?;
    }
    tx.commit().await?;
    commits.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Db, PoolOptions};

    /// Inserts one row; a duplicate key fails, as a replayed single-use ceremony does.
    struct Insert(i64);

    impl GroupedWrite for Insert {
        async fn apply(&self, conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
            sqlx::query("INSERT INTO used (id) VALUES ($1)")
                .bind(self.0)
                .execute(&mut *conn)
                .await?;
            Ok(())
        }
    }

    async fn setup(dir: &tempfile::TempDir) -> (SqlitePool, String) {
        let url = format!("sqlite://{}/group.db", dir.path().display());
        let Db::Sqlite(pool) = Db::connect(&url, &PoolOptions::default()).await.unwrap() else {
            unreachable!("a sqlite:// URL opens SQLite")
        };
        sqlx::query("CREATE TABLE used (id INTEGER PRIMARY KEY)")
            .execute(&pool)
            .await
            .unwrap();
        (pool, url)
    }

    async fn ids(url: &str) -> Vec<i64> {
        // A new pool: only what reached the file counts.
        let Db::Sqlite(pool) = Db::connect(url, &PoolOptions::default()).await.unwrap() else {
            unreachable!()
        };
        let ids = sqlx::query_scalar("SELECT id FROM used ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
        pool.close().await;
        ids
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_share_commits_and_each_is_durable_when_answered() {
        let dir = tempfile::tempdir().unwrap();
        let (pool, url) = setup(&dir).await;
        let group = Arc::new(GroupCommit::new(pool, Arc::default(), 64));
        let tasks: Vec<_> = (0..400)
            .map(|i| {
                let group = group.clone();
                tokio::spawn(async move { group.write(Insert(i)).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(ids(&url).await, (0..400).collect::<Vec<_>>());
        let commits = group.commits();
        assert!(
            (400 / 64..400).contains(&commits),
            "400 writes took {commits} commits"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_write_fails_alone_and_the_rest_of_its_group_commits() {
        let dir = tempfile::tempdir().unwrap();
        let (pool, url) = setup(&dir).await;
        let group = Arc::new(GroupCommit::new(pool, Arc::default(), 64));
        group.write(Insert(7)).await.unwrap();
        // Hold the gate so that everything below queues and lands in one group.
        let gate = group.gate.clone();
        let held = gate.lock().await;
        let tasks: Vec<_> = [1, 7, 2, 3]
            .into_iter()
            .map(|i| {
                let group = group.clone();
                tokio::spawn(async move { (i, group.write(Insert(i)).await) })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        drop(held);
        for task in tasks {
            let (i, result) = task.await.unwrap();
            match result {
                Err(sqlx::Error::Database(e)) if i == 7 => assert!(e.is_unique_violation()),
                Ok(()) if i != 7 => {}
                other => panic!("write {i} answered {other:?}"),
            }
        }
        assert_eq!(ids(&url).await, vec![1, 2, 3, 7]);
    }

    #[test]
    fn the_writer_restarts_on_a_new_runtime() {
        let dir = tempfile::tempdir().unwrap();
        let first = tokio::runtime::Runtime::new().unwrap();
        let (pool, url) = first.block_on(setup(&dir));
        let group = GroupCommit::new(pool, Arc::default(), 8);
        first.block_on(group.write(Insert(1))).unwrap();
        drop(first); // the writer task ends with its runtime
        let second = tokio::runtime::Runtime::new().unwrap();
        second.block_on(group.write(Insert(2))).unwrap();
        assert_eq!(second.block_on(ids(&url)), vec![1, 2]);
    }
}

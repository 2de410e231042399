//! The ledger's writer: one task per process commits whatever is queued as one batch, with the
//! changed tiles and the new signed head in the same transaction.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use dinhdanh_store::Db;
use tokio::sync::{mpsc, oneshot};

use super::Inner;
use crate::LedgerError;
use crate::merkle::{Hash, leaf_hash};
use crate::note::{Checkpoint, SignedCheckpoint};
use crate::tiles::{self, Edge, TileId, TileWrites};

pub(super) struct Pending {
    pub(super) row: Row,
    pub(super) reply: oneshot::Sender<Result<u64, LedgerError>>,
}

/// An entry ready to insert.
pub(super) struct Row {
    pub(super) at: i64,
    pub(super) kind: &'static str,
    pub(super) actor: String,
    pub(super) subject: Option<String>,
    pub(super) bytes: Vec<u8>,
}

pub(super) struct WriterState {
    pub(super) edge: Option<Edge>,
    pub(super) last_history: Option<Instant>,
    /// SQLite: commits since the last background checkpoint was started, and whether one runs.
    pub(super) since_checkpoint: u32,
    pub(super) checkpointing: Arc<std::sync::atomic::AtomicBool>,
}

/// SQLite: how many commits between background checkpoints.
const CHECKPOINT_EVERY_COMMITS: u32 = 8;

/// SQLite: copies the WAL back into the database from another connection, without blocking
/// writers (a passive checkpoint), so that the commit that crosses the WAL's size limit finds
/// most of the work done instead of doing all of it while every appender waits.
fn checkpoint_in_background(db: &Db, state: &mut WriterState) {
    use std::sync::atomic::Ordering;
    let Db::Sqlite(pool) = db else { return };
    state.since_checkpoint += 1;
    if state.since_checkpoint < CHECKPOINT_EVERY_COMMITS
        || state.checkpointing.swap(true, Ordering::AcqRel)
    {
        return;
    }
    state.since_checkpoint = 0;
    let (pool, running) = (pool.clone(), state.checkpointing.clone());
    tokio::spawn(async move {
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            tracing::debug!(error = %e, "a background WAL checkpoint did not run");
        }
        running.store(false, Ordering::Release);
    });
}

/// The writer: takes whatever is queued and commits it as one batch.
pub(super) async fn write_loop(
    inner: std::sync::Weak<Inner>,
    mut receiver: mpsc::UnboundedReceiver<Pending>,
) {
    let max = inner.upgrade().map_or(1, |i| i.options.max_batch.max(1));
    let mut batch: Vec<Pending> = Vec::with_capacity(max);
    while receiver.recv_many(&mut batch, max).await > 0 {
        let Some(inner) = inner.upgrade() else { return };
        let rows: Vec<&Row> = batch.iter().map(|p| &p.row).collect();
        let mut state = inner.writer.lock().await;
        match commit(&inner, &mut state, &rows).await {
            Ok((first, signed)) => {
                *inner.latest.write().unwrap_or_else(|e| e.into_inner()) = Some(signed);
                checkpoint_in_background(&inner.db, &mut state);
                for (i, pending) in batch.drain(..).enumerate() {
                    let _ = pending.reply.send(Ok(first + i as u64));
                }
            }
            Err(e) => {
                state.edge = None;
                tracing::error!(error = %e, entries = batch.len(), "ledger batch failed");
                for pending in batch.drain(..) {
                    let _ = pending.reply.send(Err(LedgerError::Unavailable(format!(
                        "the entry was not recorded: {e}"
                    ))));
                }
            }
        }
    }
}

/// Commits one batch: entries, changed tiles and the new signed head in one transaction.
async fn commit(
    inner: &Inner,
    state: &mut WriterState,
    rows: &[&Row],
) -> Result<(u64, SignedCheckpoint), LedgerError> {
    let keep_history = state
        .last_history
        .is_none_or(|t| t.elapsed() >= inner.options.checkpoint_every);
    let locks_rows = matches!(inner.db, Db::Postgres(_));
    let key = &inner.keys().await?.key;
    let cached_edge = state.edge.take();
    let (first, edge, signed, writes) = dinhdanh_store::write_tx!(&inner.db, inner.gate, |tx| {
        let head_sql = if locks_rows {
            "SELECT size FROM ledger_head WHERE id = 1 FOR UPDATE"
        } else {
            "SELECT size FROM ledger_head WHERE id = 1"
        };
        let (size,): (i64,) = sqlx::query_as(head_sql).fetch_one(&mut *tx).await?;
        let size = size as u64;
        let mut edge = match cached_edge {
            Some(edge) if edge.size() == size => edge,
            _ => {
                let mut stored = HashMap::new();
                for (id, _) in tiles::edge_tiles(size) {
                    let row: Option<(Vec<u8>,)> = sqlx::query_as(
                        "SELECT hashes FROM ledger_tiles WHERE level = $1 AND idx = $2",
                    )
                    .bind(id.level as i32)
                    .bind(id.index as i64)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some(hashes) = row.and_then(|(b,)| tiles::decode(&b)) {
                        stored.insert(id, hashes);
                    }
                }
                Edge::load(size, |id| stored.get(&id).cloned()).ok_or_else(|| {
                    LedgerError::Corrupt(format!(
                        "the stored tiles do not cover the tree of {size} entries"
                    ))
                })?
            }
        };
        let first = edge.size();
        let mut writes = TileWrites::default();
        for row in rows {
            edge.push(leaf_hash(&row.bytes), &mut writes);
        }
        edge.finish(&mut writes);

        for (chunk_no, chunk) in rows.chunks(512).enumerate() {
            let base = first + (chunk_no * 512) as u64;
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO ledger_entries (idx, at, kind, actor, subject, entry) ",
            );
            insert.push_values(chunk.iter().enumerate(), |mut values, (i, row)| {
                values
                    .push_bind((base + i as u64) as i64)
                    .push_bind(row.at)
                    .push_bind(row.kind)
                    .push_bind(row.actor.as_str())
                    .push_bind(row.subject.as_deref())
                    .push_bind(&row.bytes[..]);
            });
            insert.build().execute(&mut *tx).await?;
        }
        let changed: Vec<(&TileId, &Vec<Hash>)> = writes.tiles.iter().collect();
        for chunk in changed.chunks(1000) {
            let mut upsert =
                sqlx::QueryBuilder::new("INSERT INTO ledger_tiles (level, idx, hashes) ");
            upsert.push_values(chunk, |mut values, (id, hashes)| {
                values
                    .push_bind(id.level as i32)
                    .push_bind(id.index as i64)
                    .push_bind(tiles::encode(hashes));
            });
            upsert.push(" ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes");
            upsert.build().execute(&mut *tx).await?;
        }
        let signed = key.sign(
            &Checkpoint {
                origin: key.name().to_string(),
                size: edge.size(),
                root: edge.root(),
            },
            Utc::now(),
        );
        sqlx::query(
            "UPDATE ledger_head SET size = $1, root = $2, note = $3, signed_at = $4 WHERE id = 1",
        )
        .bind(edge.size() as i64)
        .bind(&signed.checkpoint.root.0[..])
        .bind(&signed.note)
        .bind(signed.time.timestamp())
        .execute(&mut *tx)
        .await?;
        if keep_history {
            sqlx::query(
                "INSERT INTO ledger_checkpoints (size, signed_at, note) VALUES ($1, $2, $3) \
                 ON CONFLICT (size) DO NOTHING",
            )
            .bind(edge.size() as i64)
            .bind(signed.time.timestamp())
            .bind(&signed.note)
            .execute(&mut *tx)
            .await?;
        }
        (first, edge, signed, writes)
    });
    {
        let mut cache = inner.cache.lock().unwrap_or_else(|e| e.into_inner());
        for (id, hashes) in writes.tiles {
            cache.insert(id, Arc::new(hashes));
        }
    }
    if keep_history {
        state.last_history = Some(Instant::now());
    }
    state.edge = Some(edge);
    Ok((first, signed))
}

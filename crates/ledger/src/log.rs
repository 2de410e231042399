//! The ledger kept in the platform's database: a writer that appends in durable batches, and
//! readers for checkpoints, entries and proofs.
//!
//! Appends queue for one writer task per process. It takes everything queued (up to
//! [`LedgerOptions::max_batch`]) and commits it in one transaction together with the changed tiles
//! and the new signed tree head; each caller is answered with its entry's index only after that
//! commit. While one batch commits the next one gathers, so batches grow with load and one commit
//! (one fsync) serves many appends. Several server processes may append to one PostgreSQL
//! database: each batch locks the head row, and a writer that finds the tree grown by another
//! process reloads its right edge from the tiles first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex as StdMutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use dinhdanh_store::Db;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::event::{Event, SubjectHash, SubjectKey};
use crate::merkle::{Hash, consistency_spans, empty_root, inclusion_spans};
use crate::note::{Checkpoint, LogKey, SignedCheckpoint, VerifierKey};
use crate::tiles::{self, TILE_WIDTH, TileId};
use crate::{LedgerError, proofs};

mod cache;
mod writer;

use cache::TileCache;
use writer::{Pending, Row, WriterState, write_loop};

/// How the ledger runs.
#[derive(Debug, Clone)]
pub struct LedgerOptions {
    /// The log's name in checkpoints, fixed when the log is created (later values are ignored).
    pub origin: String,
    /// Most entries in one commit.
    pub max_batch: usize,
    /// Keep a checkpoint in the history at most this often.
    pub checkpoint_every: Duration,
    /// Tiles kept in memory for proofs (half a KiB each).
    pub tile_cache: usize,
}

impl Default for LedgerOptions {
    fn default() -> Self {
        LedgerOptions {
            origin: "localhost/ledger".into(),
            max_batch: 4096,
            checkpoint_every: Duration::from_secs(1),
            tile_cache: 65_536,
        }
    }
}

/// An entry as recorded: its index, its bytes and what they say.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Position in the log.
    pub index: u64,
    /// The entry bytes (the leaf).
    pub bytes: Vec<u8>,
    /// The parsed entry.
    pub event: Event,
}

/// Which of a person's entries to list.
#[derive(Debug, Clone, Default)]
pub struct HistoryFilter {
    /// Only entries by this actor ID.
    pub actor: Option<String>,
    /// Only entries at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only entries before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only entries with an index below this (paging backwards).
    pub before: Option<u64>,
    /// At most this many (newest first).
    pub limit: u32,
}

/// The ledger's public API.
#[derive(Clone)]
pub struct Ledger {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    gate: Arc<Mutex<()>>,
    /// The signing and subject keys, read (or created) on first use: a server may start before
    /// its database is migrated, and answer only once it is.
    keys: tokio::sync::OnceCell<Keys>,
    options: LedgerOptions,
    queue: StdMutex<Option<mpsc::UnboundedSender<Pending>>>,
    writer: Arc<Mutex<WriterState>>,
    latest: RwLock<Option<SignedCheckpoint>>,
    cache: StdMutex<TileCache>,
}

struct Keys {
    key: LogKey,
    subjects: SubjectKey,
}

impl Ledger {
    /// Opens the ledger of `db`, creating its keys and empty tree on first use. `gate` is the
    /// SQLite write gate shared by the database's writers. When the database cannot be read yet
    /// (not migrated), the ledger still opens and every call fails until it can.
    pub async fn open(
        db: Db,
        gate: Arc<Mutex<()>>,
        options: LedgerOptions,
    ) -> Result<Ledger, LedgerError> {
        let origin = &options.origin;
        if origin.is_empty() || origin.contains('+') || origin.chars().any(char::is_whitespace) {
            return Err(LedgerError::BadRequest(format!(
                "the ledger origin {origin:?} must be non-empty, without spaces or '+' (it names the signing key)"
            )));
        }
        let ledger = Ledger {
            inner: Arc::new(Inner {
                db,
                gate,
                keys: tokio::sync::OnceCell::new(),
                queue: StdMutex::new(None),
                writer: Arc::new(Mutex::new(WriterState {
                    edge: None,
                    last_history: None,
                    since_checkpoint: 0,
                    checkpointing: Arc::default(),
                })),
                latest: RwLock::new(None),
                cache: StdMutex::new(TileCache::new(options.tile_cache)),
                options,
            }),
        };
        if let Err(e) = ledger.inner.keys().await {
            tracing::warn!(error = %e, "the ledger is not ready yet; it will try again on first use");
        }
        Ok(ledger)
    }

    pub(crate) fn inner_db(&self) -> &Db {
        &self.inner.db
    }

    /// The log's origin.
    pub async fn origin(&self) -> Result<String, LedgerError> {
        Ok(self.inner.keys().await?.key.name().to_owned())
    }

    /// The verifier keys of the log, as C2SP vkey strings: note signature, then cosignature.
    pub async fn verifier_keys(&self) -> Result<[VerifierKey; 2], LedgerError> {
        Ok(self.inner.keys().await?.key.verifier_keys())
    }

    /// The keyed hash that names a person in entries.
    pub async fn subject(&self, personal_id: &str) -> Result<SubjectHash, LedgerError> {
        Ok(self.inner.keys().await?.subjects.hash(personal_id))
    }

    /// Appends an event and returns its index once it is durable.
    pub async fn append(&self, event: &Event) -> Result<u64, LedgerError> {
        let (reply, answer) = oneshot::channel();
        let row = Row {
            at: event.at.timestamp_millis(),
            kind: event.kind.as_str(),
            actor: event.actor.id.clone(),
            subject: event.subject.as_ref().map(|s| s.0.clone()),
            bytes: event.to_bytes(),
        };
        self.sender()
            .send(Pending { row, reply })
            .map_err(|_| LedgerError::Unavailable("the ledger writer has stopped".into()))?;
        answer.await.unwrap_or_else(|_| {
            Err(LedgerError::Unavailable(
                "the ledger writer stopped before answering; the entry may not be recorded".into(),
            ))
        })
    }

    /// The running writer's queue, starting the writer on the current runtime when needed.
    fn sender(&self) -> mpsc::UnboundedSender<Pending> {
        let mut queue = self.inner.queue.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = queue.as_ref().filter(|s| !s.is_closed()) {
            return sender.clone();
        }
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(write_loop(Arc::downgrade(&self.inner), receiver));
        *queue = Some(sender.clone());
        sender
    }

    /// The latest signed checkpoint in the database.
    pub async fn checkpoint(&self) -> Result<SignedCheckpoint, LedgerError> {
        let row: (i64, Vec<u8>, String, i64) = dinhdanh_store::on_db!(&self.inner.db, |pool| {
            sqlx::query_as("SELECT size, root, note, signed_at FROM ledger_head WHERE id = 1")
                .fetch_one(pool)
                .await?
        });
        let signed = head_from_row(&self.origin().await?, row)?;
        *self.inner.latest.write().unwrap_or_else(|e| e.into_inner()) = Some(signed.clone());
        Ok(signed)
    }

    /// Kept checkpoints with sizes in `from..=to`, oldest first.
    pub async fn checkpoints(
        &self,
        from: u64,
        to: u64,
    ) -> Result<Vec<SignedCheckpoint>, LedgerError> {
        let rows: Vec<(i64, String)> = dinhdanh_store::on_db!(&self.inner.db, |pool| {
            sqlx::query_as(
                "SELECT size, note FROM ledger_checkpoints WHERE size >= $1 AND size <= $2 ORDER BY size LIMIT 1000",
            )
            .bind(from as i64)
            .bind(to.min(i64::MAX as u64) as i64)
            .fetch_all(pool)
            .await?
        });
        let keys = self.verifier_keys().await?;
        rows.into_iter()
            .map(|(_, note)| {
                crate::note::verify(&note, &keys, Utc::now(), chrono::Duration::days(36500))
                    .map_err(|e| {
                        LedgerError::Corrupt(format!("a stored checkpoint does not verify: {e}"))
                    })
            })
            .collect()
    }

    /// Entries `start..start+count` (at most 1000), as stored.
    pub async fn entries(&self, start: u64, count: u32) -> Result<Vec<Vec<u8>>, LedgerError> {
        let count = count.min(1000) as i64;
        let rows: Vec<(i64, Vec<u8>)> = dinhdanh_store::on_db!(&self.inner.db, |pool| {
            // The LIMIT tells PostgreSQL's generic plan for this prepared statement that the
            // range is small: without it the plan is a parallel scan of the whole log, which made
            // every page of entries cost milliseconds at 10 M entries.
            sqlx::query_as(
                "SELECT idx, entry FROM ledger_entries WHERE idx >= $1 AND idx < $2 \
                 ORDER BY idx LIMIT $3",
            )
            .bind(start as i64)
            .bind(start as i64 + count)
            .bind(count)
            .fetch_all(pool)
            .await?
        });
        let mut out = Vec::with_capacity(rows.len());
        for (expected, (index, bytes)) in (start as i64..).zip(rows) {
            if index != expected {
                return Err(LedgerError::Corrupt(format!("entry {expected} is missing")));
            }
            out.push(bytes);
        }
        Ok(out)
    }

    /// One entry.
    pub async fn entry(&self, index: u64) -> Result<Recorded, LedgerError> {
        let bytes = self
            .entries(index, 1)
            .await?
            .pop()
            .ok_or(LedgerError::NoSuchEntry(index))?;
        let event = Event::from_bytes(&bytes).map_err(|e| {
            LedgerError::Corrupt(format!("entry {index} is not a ledger event: {e}"))
        })?;
        Ok(Recorded {
            index,
            bytes,
            event,
        })
    }

    /// The entries about one person, newest first.
    pub async fn history(
        &self,
        subject: &SubjectHash,
        filter: &HistoryFilter,
    ) -> Result<Vec<Recorded>, LedgerError> {
        let limit = filter.limit.clamp(1, 1000) as i64;
        let rows: Vec<(i64, Vec<u8>)> = dinhdanh_store::on_db!(&self.inner.db, |pool| {
            sqlx::query_as(
                "SELECT idx, entry FROM ledger_entries WHERE subject = $1 \
                 AND (CAST($2 AS TEXT) IS NULL OR actor = $2) \
                 AND at >= $3 AND at < $4 AND idx < $5 \
                 ORDER BY idx DESC LIMIT $6",
            )
            .bind(&subject.0)
            .bind(filter.actor.as_deref())
            .bind(filter.since.map_or(i64::MIN, |t| t.timestamp_millis()))
            .bind(filter.until.map_or(i64::MAX, |t| t.timestamp_millis()))
            .bind(
                filter
                    .before
                    .map_or(i64::MAX, |b| b.min(i64::MAX as u64) as i64),
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(index, bytes)| {
                let event = Event::from_bytes(&bytes).map_err(|e| {
                    LedgerError::Corrupt(format!("entry {index} is not a ledger event: {e}"))
                })?;
                Ok(Recorded {
                    index: index as u64,
                    bytes,
                    event,
                })
            })
            .collect()
    }

    /// The inclusion proof of entry `index` in the tree of `size` entries, with its leaf hash.
    pub async fn inclusion_proof(
        &self,
        index: u64,
        size: u64,
    ) -> Result<proofs::InclusionProof, LedgerError> {
        let head = self.durable_size(size).await?;
        proofs::check_inclusion_request(index, size, head)?;
        let spans = inclusion_spans(index, size);
        let leaf_tile = TileId {
            level: 0,
            index: index / TILE_WIDTH as u64,
        };
        let mut wanted = tiles::tiles_for(&spans);
        wanted.push(leaf_tile);
        let got = self.tiles(&wanted, size).await?;
        let get = |id: TileId| got.get(&id).cloned();
        let hashes = tiles::resolve(&spans, get).ok_or_else(missing_tiles)?;
        let leaf = get(leaf_tile)
            .and_then(|t| t.get((index % TILE_WIDTH as u64) as usize).copied())
            .ok_or_else(missing_tiles)?;
        Ok(proofs::InclusionProof {
            index,
            tree_size: size,
            leaf_hash: leaf,
            proof: hashes,
        })
    }

    /// The consistency proof between the trees of `from` and `to` entries.
    pub async fn consistency_proof(
        &self,
        from: u64,
        to: u64,
    ) -> Result<proofs::ConsistencyProof, LedgerError> {
        let head = self.durable_size(to).await?;
        proofs::check_consistency_request(from, to, head)?;
        let hashes = if from == 0 || from == to {
            Vec::new()
        } else {
            let spans = consistency_spans(from, to);
            let got = self.tiles(&tiles::tiles_for(&spans), to).await?;
            tiles::resolve(&spans, |id| got.get(&id).cloned()).ok_or_else(missing_tiles)?
        };
        Ok(proofs::ConsistencyProof {
            from,
            to,
            proof: hashes,
        })
    }

    /// Everything needed to check one entry offline: the latest checkpoint, the entry and its
    /// inclusion proof in that checkpoint's tree.
    pub async fn bundle(&self, index: u64) -> Result<proofs::Bundle, LedgerError> {
        let checkpoint = self.checkpoint().await?;
        let entry = self.entry(index).await?;
        let proof = self
            .inclusion_proof(index, checkpoint.checkpoint.size)
            .await?;
        Ok(proofs::Bundle {
            checkpoint: checkpoint.note,
            index,
            entry: entry.bytes,
            proof: proof.proof,
        })
    }

    /// The size of the latest tree head, read again from the database when `wanted` is beyond
    /// what this process last saw (another process may have appended): proofs may only be asked
    /// up to it.
    async fn durable_size(&self, wanted: u64) -> Result<u64, LedgerError> {
        let cached = self
            .inner
            .latest
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|c| c.checkpoint.size);
        match cached {
            Some(size) if size >= wanted => Ok(size),
            _ => Ok(self.checkpoint().await?.checkpoint.size),
        }
    }

    /// Reads the tiles of the tree of `size` entries, through the cache: a cached tile serves
    /// when it holds at least the hashes that size needs (tiles only grow).
    async fn tiles(
        &self,
        ids: &[TileId],
        size: u64,
    ) -> Result<HashMap<TileId, Arc<Vec<Hash>>>, LedgerError> {
        let mut out = HashMap::with_capacity(ids.len());
        let mut missing = Vec::new();
        {
            let cache = self.inner.cache.lock().unwrap_or_else(|e| e.into_inner());
            for id in ids {
                match cache.get(id, tiles::tile_len(*id, size)) {
                    Some(t) => {
                        out.insert(*id, t);
                    }
                    None => missing.push(*id),
                }
            }
        }
        if missing.is_empty() {
            return Ok(out);
        }
        // One query for all the missing tiles (usually just the leaf tile).
        let rows: Vec<(i32, i64, Vec<u8>)> = dinhdanh_store::on_db!(&self.inner.db, |pool| {
            let mut query = sqlx::QueryBuilder::new(
                "SELECT level, idx, hashes FROM ledger_tiles WHERE (level, idx) IN ",
            );
            query.push_tuples(&missing, |mut t, id| {
                t.push_bind(id.level as i32).push_bind(id.index as i64);
            });
            query.build_query_as().fetch_all(pool).await?
        });
        let mut cache = self.inner.cache.lock().unwrap_or_else(|e| e.into_inner());
        for (level, index, bytes) in rows {
            let id = TileId {
                level: level as u32,
                index: index as u64,
            };
            let hashes = Arc::new(tiles::decode(&bytes).ok_or_else(|| {
                LedgerError::Corrupt(format!("tile {level}/{index} is not a list of hashes"))
            })?);
            cache.insert(id, hashes.clone());
            out.insert(id, hashes);
        }
        Ok(out)
    }
}

impl Inner {
    /// The keys, read or created on first use together with the empty tree's head.
    async fn keys(&self) -> Result<&Keys, LedgerError> {
        self.keys
            .get_or_try_init(|| async {
                let (key, subjects) =
                    load_or_create_keys(&self.db, &self.gate, &self.options.origin).await?;
                self.ensure_head(&key).await?;
                Ok(Keys { key, subjects })
            })
            .await
    }

    /// Creates the empty tree's head on first use.
    async fn ensure_head(&self, key: &LogKey) -> Result<(), LedgerError> {
        let now = Utc::now();
        let signed = key.sign(
            &Checkpoint {
                origin: key.name().to_string(),
                size: 0,
                root: empty_root(),
            },
            now,
        );
        dinhdanh_store::write_on_db!(&self.db, self.gate, |pool| {
            sqlx::query(
                "INSERT INTO ledger_head (id, size, root, note, signed_at) VALUES (1, 0, $1, $2, $3) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(&empty_root().0[..])
            .bind(&signed.note)
            .bind(signed.time.timestamp())
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}

fn missing_tiles() -> LedgerError {
    LedgerError::Corrupt("the stored tree is missing hashes for this proof".into())
}

fn head_from_row(
    origin: &str,
    (size, root, note, signed_at): (i64, Vec<u8>, String, i64),
) -> Result<SignedCheckpoint, LedgerError> {
    let root = Hash::from_slice(&root)
        .ok_or_else(|| LedgerError::Corrupt("the stored root hash is not 32 bytes".into()))?;
    Ok(SignedCheckpoint {
        checkpoint: Checkpoint {
            origin: origin.to_string(),
            size: size as u64,
            root,
        },
        time: Utc.timestamp_opt(signed_at, 0).single().unwrap_or_default(),
        note,
    })
}

async fn load_or_create_keys(
    db: &Db,
    gate: &Arc<Mutex<()>>,
    origin: &str,
) -> Result<(LogKey, SubjectKey), LedgerError> {
    let (fresh, pkcs8) = LogKey::generate(origin);
    drop(fresh);
    let subject_key: [u8; 32] = rand_bytes();
    // Every process races to create the keys; the first insert wins and all read it back.
    dinhdanh_store::write_on_db!(db, gate, |pool| {
        sqlx::query(
            "INSERT INTO ledger_keys (id, origin, signing_key, subject_key, created_at) \
             VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
        )
        .bind(origin)
        .bind(&pkcs8)
        .bind(&subject_key[..])
        .bind(Utc::now().timestamp())
        .execute(pool)
        .await?;
    });
    let (stored_origin, signing, subjects): (String, Vec<u8>, Vec<u8>) =
        dinhdanh_store::on_db!(db, |pool| {
            sqlx::query_as("SELECT origin, signing_key, subject_key FROM ledger_keys WHERE id = 1")
                .fetch_one(pool)
                .await?
        });
    if stored_origin != origin {
        tracing::warn!(
            stored = %stored_origin,
            configured = %origin,
            "the ledger keeps the origin it was created with"
        );
    }
    let key = LogKey::from_pkcs8(&stored_origin, &signing)
        .map_err(|e| LedgerError::Corrupt(e.to_string()))?;
    Ok((key, SubjectKey::new(subjects)))
}

fn rand_bytes() -> [u8; 32] {
    let mut out = [0u8; 32];
    aws_lc_rs::rand::fill(&mut out).expect("the system random source works");
    out
}

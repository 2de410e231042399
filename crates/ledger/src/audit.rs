//! Whole-log verification: recompute the tree from the entries and compare it with everything
//! the log stored and signed. The first difference is reported by name: the entry whose bytes or
//! index columns were changed, the missing entry, the tree tile that was rewritten, or the
//! checkpoint whose signed root the entries no longer hash to.
//!
//! The checks run on plain values fed in index order, so the same code verifies the live
//! database and an offline export.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::event::Event;
use crate::merkle::{Hash, leaf_hash};
use crate::note::{SignedCheckpoint, VerifierKey, verify};
use crate::tiles::{Edge, TILE_WIDTH, TileId, TileWrites};

/// The columns stored beside an entry for searching; they must say what the entry says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// Milliseconds since the epoch.
    pub at: i64,
    /// The event kind's wire name.
    pub kind: String,
    /// The actor's ID.
    pub actor: String,
    /// The keyed subject hash.
    pub subject: Option<String>,
}

/// The first thing found wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Finding {
    /// A checkpoint is not signed by the trusted key.
    #[error("checkpoint at size {size} does not verify: {reason}")]
    BadCheckpoint {
        /// Its tree size.
        size: u64,
        /// Why.
        reason: String,
    },
    /// An index has no entry.
    #[error("entry {0} is missing")]
    Missing(u64),
    /// An index appears twice or out of order.
    #[error("entry {0} appears out of order or twice")]
    OutOfOrder(u64),
    /// The entry's bytes no longer hash to what the log stored for it.
    #[error("entry {0} was changed after it was logged: its hash differs from the stored tree")]
    Changed(u64),
    /// The entry is not a ledger event.
    #[error("entry {index} is not a ledger event: {reason}")]
    Unreadable {
        /// The entry.
        index: u64,
        /// Why.
        reason: String,
    },
    /// A search column no longer says what the entry says.
    #[error(
        "entry {index}: its stored {column} column was changed and no longer matches the entry"
    )]
    ColumnChanged {
        /// The entry.
        index: u64,
        /// Which column.
        column: &'static str,
    },
    /// A stored tree tile differs from the one the entries produce.
    #[error(
        "the stored tree hashes over entries {first}..={last} were changed (tile {level}/{tile})"
    )]
    TreeChanged {
        /// Tile level.
        level: u32,
        /// Tile index.
        tile: u64,
        /// First entry the tile covers.
        first: u64,
        /// Last entry it covers.
        last: u64,
    },
    /// The entries do not hash to a signed root.
    #[error("entries {after}..{size} do not hash to the root signed in checkpoint {size}")]
    RootMismatch {
        /// The checkpoint's size.
        size: u64,
        /// Size of the last checkpoint that still matched.
        after: u64,
    },
}

/// What a successful audit covered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// Entries checked.
    pub entries: u64,
    /// Checkpoints whose roots were matched.
    pub checkpoints: usize,
    /// The root of the whole log.
    pub root: String,
    /// When the latest checkpoint was signed.
    pub signed_at: DateTime<Utc>,
}

/// An audit in progress.
pub struct Audit {
    checkpoints: BTreeMap<u64, SignedCheckpoint>,
    latest: SignedCheckpoint,
    edge: Edge,
    last_matched: u64,
    matched: usize,
    leaf_tile: Option<(u64, Vec<Hash>)>,
}

impl Audit {
    /// Starts an audit of the log whose checkpoints are `notes` (the latest one included),
    /// trusting `keys`.
    pub fn new(
        notes: &[String],
        keys: &[VerifierKey],
        now: DateTime<Utc>,
    ) -> Result<Audit, Finding> {
        let mut checkpoints = BTreeMap::new();
        for note in notes {
            let signed = verify(note, keys, now, chrono::Duration::minutes(10)).map_err(|e| {
                Finding::BadCheckpoint {
                    size: size_line(note),
                    reason: e.to_string(),
                }
            })?;
            checkpoints.insert(signed.checkpoint.size, signed);
        }
        let latest =
            checkpoints
                .values()
                .next_back()
                .cloned()
                .ok_or_else(|| Finding::BadCheckpoint {
                    size: 0,
                    reason: "there is no checkpoint to verify against".into(),
                })?;
        Ok(Audit {
            checkpoints,
            latest,
            edge: Edge::new(),
            last_matched: 0,
            matched: 0,
            leaf_tile: None,
        })
    }

    /// The size the entries must reach: the latest checkpoint's.
    pub fn size(&self) -> u64 {
        self.latest.checkpoint.size
    }

    /// Checks the next entry. `tile` gives a stored tile (possibly longer than needed).
    pub fn entry(
        &mut self,
        index: u64,
        bytes: &[u8],
        columns: Option<&Columns>,
        tile: &mut dyn FnMut(TileId) -> Option<Vec<Hash>>,
    ) -> Result<(), Finding> {
        let expected = self.edge.size();
        if index > expected {
            return Err(Finding::Missing(expected));
        }
        if index < expected || index >= self.size() {
            return Err(Finding::OutOfOrder(index));
        }
        let event = Event::from_bytes(bytes).map_err(|e| Finding::Unreadable {
            index,
            reason: e.to_string(),
        })?;
        if let Some(c) = columns {
            check_columns(index, &event, c)?;
        }
        let leaf = leaf_hash(bytes);
        let tile_index = index / TILE_WIDTH as u64;
        if self
            .leaf_tile
            .as_ref()
            .is_none_or(|(i, _)| *i != tile_index)
        {
            let id = TileId {
                level: 0,
                index: tile_index,
            };
            self.leaf_tile = Some((tile_index, tile(id).unwrap_or_default()));
        }
        let stored = self
            .leaf_tile
            .as_ref()
            .and_then(|(_, t)| t.get((index % TILE_WIDTH as u64) as usize));
        if stored != Some(&leaf) {
            return Err(Finding::Changed(index));
        }
        let mut writes = TileWrites::default();
        self.edge.push(leaf, &mut writes);
        for (id, hashes) in writes.tiles.iter().filter(|(id, _)| id.level > 0) {
            compare_tile(*id, hashes, tile)?;
        }
        self.check_root()
    }

    /// Finishes: every entry up to the latest checkpoint must have been seen, and the partial
    /// tiles of the right edge must match.
    pub fn finish(
        self,
        tile: &mut dyn FnMut(TileId) -> Option<Vec<Hash>>,
    ) -> Result<Report, Finding> {
        if self.edge.size() < self.size() {
            return Err(Finding::Missing(self.edge.size()));
        }
        let mut writes = TileWrites::default();
        self.edge.mark_all(&mut writes);
        for (id, hashes) in writes.tiles.iter().filter(|(id, _)| id.level > 0) {
            compare_tile(*id, hashes, tile)?;
        }
        Ok(Report {
            entries: self.edge.size(),
            checkpoints: self.matched,
            root: self.edge.root().to_base64(),
            signed_at: self.latest.time,
        })
    }

    fn check_root(&mut self) -> Result<(), Finding> {
        let size = self.edge.size();
        if let Some(signed) = self.checkpoints.get(&size) {
            if signed.checkpoint.root != self.edge.root() {
                return Err(Finding::RootMismatch {
                    size,
                    after: self.last_matched,
                });
            }
            self.last_matched = size;
            self.matched += 1;
        }
        Ok(())
    }
}

fn check_columns(index: u64, event: &Event, c: &Columns) -> Result<(), Finding> {
    let changed = |column| Err(Finding::ColumnChanged { index, column });
    if c.at != event.at.timestamp_millis() {
        return changed("at");
    }
    if c.kind != event.kind.as_str() {
        return changed("kind");
    }
    if c.actor != event.actor.id {
        return changed("actor");
    }
    if c.subject.as_deref() != event.subject.as_ref().map(|s| s.0.as_str()) {
        return changed("subject");
    }
    Ok(())
}

fn compare_tile(
    id: TileId,
    computed: &[Hash],
    tile: &mut dyn FnMut(TileId) -> Option<Vec<Hash>>,
) -> Result<(), Finding> {
    let stored = tile(id).unwrap_or_default();
    if stored.len() < computed.len() || stored[..computed.len()] != *computed {
        let span = 1u64 << (crate::tiles::TILE_HEIGHT * id.level);
        let first = id.index * TILE_WIDTH as u64 * span;
        return Err(Finding::TreeChanged {
            level: id.level,
            tile: id.index,
            first,
            last: first + computed.len() as u64 * span - 1,
        });
    }
    Ok(())
}

/// The size line of a note, for naming a checkpoint that does not verify.
fn size_line(note: &str) -> u64 {
    note.lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .unwrap_or(0)
}

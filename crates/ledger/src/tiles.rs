//! How the tree is stored: in tiles, after C2SP tlog-tiles. A tile at tile-level `L` holds up to
//! 16 hashes of tree level `4·L`: tile-level 0 holds leaf hashes, tile-level 1 the hashes of
//! perfect subtrees of 16 leaves, and so on. A full tile never changes again, so it can be cached
//! anywhere; only the rightmost tile of each level grows. Any perfect subtree's hash comes from
//! one tile: either read directly or hashed up from at most 8 neighbours in that tile.
//!
//! C2SP serves tiles of 256 hashes over HTTP; stored in a database, 16 keeps a tile (512 bytes)
//! inside its row instead of out-of-line (PostgreSQL moves values over 2 KB to TOAST), so the one
//! random read a proof needs is a small one, and the tiles above the leaves — one hash per 16
//! entries — stay in memory.
//!
//! [`Edge`] is the writer's view: the rightmost, partial tile of each level. Appending leaves to it
//! yields the tiles to write and the new root, with no reads.

use std::collections::BTreeMap;

use crate::merkle::{Hash, Span, Subtree, fold_right, perfect_hash};

/// Tree levels per tile.
pub const TILE_HEIGHT: u32 = 4;
/// Hashes in a full tile.
pub const TILE_WIDTH: usize = 1 << TILE_HEIGHT;

/// A tile's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Tile level: the tile holds hashes of tree level `TILE_HEIGHT · level`.
    pub level: u32,
    /// Position among the tiles of that level, from the left.
    pub index: u64,
}

/// Where a perfect subtree's hash lives: `count` consecutive hashes from `offset` in `tile`,
/// hashed up (or read directly when `count` is 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// The tile.
    pub tile: TileId,
    /// First hash used.
    pub offset: usize,
    /// How many (a power of two below [`TILE_WIDTH`]).
    pub count: usize,
}

/// Locates a perfect subtree's hash.
pub fn locate(subtree: Subtree) -> Location {
    let level = subtree.level / TILE_HEIGHT;
    let within = subtree.level % TILE_HEIGHT;
    let first = subtree.index << within;
    Location {
        tile: TileId {
            level,
            index: first / TILE_WIDTH as u64,
        },
        offset: (first % TILE_WIDTH as u64) as usize,
        count: 1 << within,
    }
}

/// The tiles needed to compute the hashes of `spans`.
pub fn tiles_for(spans: &[Span]) -> Vec<TileId> {
    let mut out: Vec<TileId> = spans
        .iter()
        .flat_map(|s| s.subtrees())
        .map(|t| locate(t).tile)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Computes the hashes of `spans` from tiles; `None` when a tile is missing or too short (the
/// store is behind the size asked for, or damaged).
pub fn resolve(
    spans: &[Span],
    tile: impl Fn(TileId) -> Option<std::sync::Arc<Vec<Hash>>>,
) -> Option<Vec<Hash>> {
    let mut out = Vec::with_capacity(spans.len());
    for span in spans {
        let mut parts = Vec::new();
        for subtree in span.subtrees() {
            let at = locate(subtree);
            let hashes = tile(at.tile)?;
            let bottom = hashes.get(at.offset..at.offset + at.count)?;
            parts.push(if at.count == 1 {
                bottom[0]
            } else {
                perfect_hash(bottom)
            });
        }
        out.push(fold_right(&parts));
    }
    Some(out)
}

/// The number of hashes the tile `id` holds in a tree of `size` leaves.
pub fn tile_len(id: TileId, size: u64) -> usize {
    let nodes = size >> (TILE_HEIGHT * id.level);
    let before = id.index * TILE_WIDTH as u64;
    nodes.saturating_sub(before).min(TILE_WIDTH as u64) as usize
}

/// The partial tiles that make up the right edge of a tree of `size` leaves: what a writer must
/// read to go on appending.
pub fn edge_tiles(size: u64) -> Vec<(TileId, usize)> {
    let mut out = Vec::new();
    let mut level = 0;
    while size >> (TILE_HEIGHT * level) > 0 {
        let nodes = size >> (TILE_HEIGHT * level);
        let len = (nodes % TILE_WIDTH as u64) as usize;
        if len > 0 {
            out.push((
                TileId {
                    level,
                    index: nodes / TILE_WIDTH as u64,
                },
                len,
            ));
        }
        level += 1;
    }
    out
}

/// The tiles a batch of appends changed, with their whole new contents.
#[derive(Debug, Default)]
pub struct TileWrites {
    /// Tile → its hashes after the batch.
    pub tiles: BTreeMap<TileId, Vec<Hash>>,
    dirty_levels: u64,
}

/// The right edge of the stored tree: the partial tile of each level.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edge {
    size: u64,
    /// `rows[L]`: hashes in the rightmost tile of level `L` (never a full one).
    rows: Vec<Vec<Hash>>,
}

impl Edge {
    /// The empty tree.
    pub fn new() -> Edge {
        Edge::default()
    }

    /// Rebuilds the edge of a tree of `size` leaves from its [`edge_tiles`]; `None` when a tile
    /// is missing or shorter than the size needs.
    pub fn load(size: u64, tile: impl Fn(TileId) -> Option<Vec<Hash>>) -> Option<Edge> {
        let mut rows = Vec::new();
        let mut level = 0;
        while size >> (TILE_HEIGHT * level) > 0 {
            rows.push(Vec::new());
            level += 1;
        }
        for (id, len) in edge_tiles(size) {
            let mut hashes = tile(id)?;
            if hashes.len() < len {
                return None;
            }
            hashes.truncate(len);
            rows[id.level as usize] = hashes;
        }
        Some(Edge { size, rows })
    }

    /// Leaves in the tree.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends one leaf hash, recording the tiles it fills in `writes`.
    pub fn push(&mut self, leaf: Hash, writes: &mut TileWrites) {
        self.size += 1;
        let mut hash = leaf;
        let mut level = 0usize;
        loop {
            if self.rows.len() <= level {
                self.rows.push(Vec::new());
            }
            writes.dirty_levels |= 1 << level;
            let row = &mut self.rows[level];
            row.push(hash);
            if row.len() < TILE_WIDTH {
                break;
            }
            let full = std::mem::take(row);
            hash = perfect_hash(&full);
            let nodes = self.size >> (TILE_HEIGHT * level as u32);
            let id = TileId {
                level: level as u32,
                index: nodes / TILE_WIDTH as u64 - 1,
            };
            writes.tiles.insert(id, full);
            level += 1;
        }
    }

    /// Adds the partial tiles changed since `writes` was created: call once after a batch.
    pub fn finish(&self, writes: &mut TileWrites) {
        for (level, row) in self.rows.iter().enumerate() {
            if writes.dirty_levels & (1 << level) == 0 || row.is_empty() {
                continue;
            }
            let nodes = self.size >> (TILE_HEIGHT * level as u32);
            let id = TileId {
                level: level as u32,
                index: nodes / TILE_WIDTH as u64,
            };
            writes.tiles.insert(id, row.clone());
        }
        writes.dirty_levels = 0;
    }

    /// Records every partial tile of the edge in `writes`, to compare them with stored ones.
    pub fn mark_all(&self, writes: &mut TileWrites) {
        writes.dirty_levels = u64::MAX;
        self.finish(writes);
    }

    /// The root hash: the perfect subtrees of each level's partial tile, highest level first,
    /// folded from the right.
    pub fn root(&self) -> Hash {
        let mut parts = Vec::new();
        for row in self.rows.iter().rev() {
            let mut at = 0;
            let mut left = row.len();
            while left > 0 {
                let chunk = 1 << (63 - (left as u64).leading_zeros());
                parts.push(perfect_hash(&row[at..at + chunk]));
                at += chunk;
                left -= chunk;
            }
        }
        fold_right(&parts)
    }
}

/// Tile contents as stored: the hashes, 32 bytes each, concatenated.
pub fn encode(hashes: &[Hash]) -> Vec<u8> {
    hashes.iter().flat_map(|h| h.0).collect()
}

/// Reads stored tile contents; `None` when the length is not a multiple of 32 or too long.
pub fn decode(bytes: &[u8]) -> Option<Vec<Hash>> {
    if !bytes.len().is_multiple_of(32) || bytes.len() > 32 * TILE_WIDTH {
        return None;
    }
    Some(
        bytes
            .chunks_exact(32)
            .map(|c| Hash::from_slice(c).expect("32-byte chunk"))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use super::*;
    use crate::merkle::{
        Frontier, consistency_spans, inclusion_spans, leaf_hash, verify_consistency,
        verify_inclusion,
    };

    fn leaf(i: u64) -> Hash {
        leaf_hash(&i.to_be_bytes())
    }

    /// Appends `count` leaves in batches of `batch`, storing every tile write.
    /// The grown edge, every stored tile, and (size, root) after the checked batches.
    type Grown = (Edge, HashMap<TileId, Vec<Hash>>, Vec<(u64, Hash)>);

    fn grow(count: u64, batch: u64) -> Grown {
        let mut edge = Edge::new();
        let mut store = HashMap::new();
        let mut roots = Vec::new();
        let mut frontier = Frontier::new();
        let mut i = 0;
        while i < count {
            let mut writes = TileWrites::default();
            for _ in 0..batch.min(count - i) {
                edge.push(leaf(i), &mut writes);
                frontier.push(leaf(i));
                i += 1;
            }
            edge.finish(&mut writes);
            for (id, hashes) in writes.tiles {
                assert_eq!(hashes.len(), tile_len(id, edge.size()), "{id:?}");
                store.insert(id, hashes);
            }
            // Roots of every batch when batches are large; of a sample when they are tiny.
            if batch >= 100 || i % 4099 < batch || i == count {
                assert_eq!(edge.root(), frontier.root(), "root at {}", edge.size());
                roots.push((edge.size(), edge.root()));
            }
        }
        (edge, store, roots)
    }

    #[test]
    fn appending_in_any_batch_size_gives_the_same_tiles_and_roots() {
        let (edge_one, tiles_one, _) = grow(70_000, 1);
        assert_eq!(
            edge_one.root(),
            Frontier::from_leaves((0..70_000).map(leaf)).root()
        );
        let (edge_many, tiles_many, _) = grow(70_000, 997);
        assert_eq!(edge_one, edge_many);
        assert_eq!(tiles_one, tiles_many);
        // 70,000 leaves: 4,375 full leaf tiles, 273 full tiles above them and a partial one,
        // 17 tiles and one partial above those, one above them.
        let count = |level| tiles_one.keys().filter(|t| t.level == level).count();
        assert_eq!(
            (count(0), count(1), count(2), count(3), count(4)),
            (4375, 274, 18, 2, 1)
        );
    }

    #[test]
    fn the_edge_reloads_from_stored_tiles_at_any_size() {
        let (_, tiles, roots) = grow(66_000, 1000);
        for (size, root) in roots {
            // Tiles written later only grew: the edge of an earlier size is a prefix of them.
            let edge = Edge::load(size, |id| tiles.get(&id).cloned()).unwrap();
            assert_eq!(edge.root(), root, "size {size}");
        }
        assert!(Edge::load(65_537, |_| None).is_none());
    }

    #[test]
    fn proofs_from_tiles_verify_for_old_and_new_sizes() {
        let (edge, tiles, roots) = grow(70_000, 4096);
        let tiles: HashMap<TileId, Arc<Vec<Hash>>> =
            tiles.into_iter().map(|(k, v)| (k, Arc::new(v))).collect();
        let get = |id: TileId| tiles.get(&id).cloned();
        let size = edge.size();
        for index in [0, 1, 15, 16, 255, 256, 65_535, 65_536, 69_999] {
            let spans = inclusion_spans(index, size);
            let proof = resolve(&spans, get).unwrap();
            verify_inclusion(&leaf(index), index, size, &proof, &edge.root()).unwrap();
        }
        for (old, old_root) in roots.iter().take(roots.len() - 1) {
            let spans = consistency_spans(*old, size);
            let proof = resolve(&spans, get).unwrap();
            verify_consistency(*old, size, old_root, &edge.root(), &proof).unwrap();
        }
        let (old, old_root) = roots[3];
        let spans = inclusion_spans(100, old);
        verify_inclusion(
            &leaf(100),
            100,
            old,
            &resolve(&spans, get).unwrap(),
            &old_root,
        )
        .unwrap();
    }

    #[test]
    fn tiles_round_trip_through_bytes() {
        let hashes: Vec<Hash> = (0..3).map(leaf).collect();
        assert_eq!(decode(&encode(&hashes)).unwrap(), hashes);
        assert!(decode(&[0; 33]).is_none());
    }
}

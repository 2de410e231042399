//! Tiles kept in memory for proofs.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use crate::merkle::Hash;
use crate::tiles::TileId;

/// The tiles kept in memory: those above the leaves (one hash per 16 entries, read by every
/// proof) apart from the leaf tiles (one per proof, mostly read once), so that a stream of leaf
/// tiles never pushes out the upper ones.
pub(super) struct TileCache {
    upper: TileMemory,
    leaves: TileMemory,
}

impl TileCache {
    pub(super) fn new(capacity: usize) -> TileCache {
        TileCache {
            upper: TileMemory::new(capacity),
            leaves: TileMemory::new(capacity / 8),
        }
    }

    pub(super) fn get(&self, id: &TileId, needed: usize) -> Option<Arc<Vec<Hash>>> {
        self.part(id).get(id, needed)
    }

    pub(super) fn insert(&mut self, id: TileId, hashes: Arc<Vec<Hash>>) {
        if id.level == 0 {
            self.leaves.insert(id, hashes);
        } else {
            self.upper.insert(id, hashes);
        }
    }

    fn part(&self, id: &TileId) -> &TileMemory {
        if id.level == 0 {
            &self.leaves
        } else {
            &self.upper
        }
    }
}

/// A bounded map of tiles. Tiles only grow, so a cached tile is right for every tree size whose
/// hashes it holds. Evicts the oldest insert.
struct TileMemory {
    capacity: usize,
    tiles: HashMap<TileId, Arc<Vec<Hash>>>,
    order: VecDeque<TileId>,
}

impl TileMemory {
    fn new(capacity: usize) -> TileMemory {
        TileMemory {
            capacity,
            tiles: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    fn get(&self, id: &TileId, needed: usize) -> Option<Arc<Vec<Hash>>> {
        self.tiles.get(id).filter(|t| t.len() >= needed).cloned()
    }

    fn insert(&mut self, id: TileId, hashes: Arc<Vec<Hash>>) {
        if self.capacity == 0 {
            return;
        }
        if let Some(cached) = self.tiles.get_mut(&id) {
            if cached.len() < hashes.len() {
                *cached = hashes;
            }
            return;
        }
        while self.tiles.len() >= self.capacity {
            match self.order.pop_front() {
                Some(old) => {
                    self.tiles.remove(&old);
                }
                None => break,
            }
        }
        self.tiles.insert(id, hashes);
        self.order.push_back(id);
    }
}

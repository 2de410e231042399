//! Merkle trees of RFC 9162 (Certificate Transparency 2.0), §2.1: SHA-256, leaf hash
//! `H(0x00 ‖ entry)`, node hash `H(0x01 ‖ left ‖ right)`, and the inclusion and consistency proofs
//! with their verification algorithms.
//!
//! Proofs are described here as [`Span`]s of leaves, each standing for the Merkle tree hash of
//! those leaves. Turning a span into a hash is the storage's job ([`crate::tiles`]); keeping the
//! two apart lets the same rules serve the database, an offline export and the tests.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// A SHA-256 hash: of an entry (a leaf), of a subtree, or of a whole tree (its root).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The hash in standard base64, as checkpoints and the HTTP API write it.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// Reads a standard-base64 hash of exactly 32 bytes.
    pub fn from_base64(text: &str) -> Option<Hash> {
        let bytes = STANDARD.decode(text).ok()?;
        Some(Hash(bytes.try_into().ok()?))
    }

    /// Reads 32 raw bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Hash> {
        Some(Hash(bytes.try_into().ok()?))
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", hex::encode(&self.0[..8]))
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

/// The root of the empty tree: the hash of the empty string (RFC 9162 §2.1.1).
pub fn empty_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

/// The hash of one entry as a leaf: `H(0x00 ‖ entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    Hash(h.finalize().into())
}

/// The hash of an interior node: `H(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left.0);
    h.update(right.0);
    Hash(h.finalize().into())
}

/// The hash of a perfect subtree from its `2^k` bottom hashes, left to right.
pub fn perfect_hash(bottom: &[Hash]) -> Hash {
    debug_assert!(bottom.len().is_power_of_two());
    let mut level: Vec<Hash> = bottom.to_vec();
    while level.len() > 1 {
        level = level
            .chunks_exact(2)
            .map(|pair| node_hash(&pair[0], &pair[1]))
            .collect();
    }
    level[0]
}

/// The leaves `start..end` of a tree; in a proof it stands for their Merkle tree hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First leaf.
    pub start: u64,
    /// One past the last leaf.
    pub end: u64,
}

/// A perfect subtree: the `2^level` leaves from `index << level`. Its hash never changes once the
/// tree has grown past it, which is what makes it worth storing and caching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subtree {
    /// Height above the leaves (0 = one leaf).
    pub level: u32,
    /// Position among the subtrees of that height, from the left.
    pub index: u64,
}

impl Span {
    /// The perfect subtrees that make up this span, left to right. The span's Merkle tree hash
    /// is their hashes folded from the right: `node(s1, node(s2, … node(sk-1, sk)))`, because
    /// RFC 9162 splits a tree at the largest power of two below its size and every span of a
    /// proof starts at a multiple of that power.
    pub fn subtrees(&self) -> Vec<Subtree> {
        let mut out = Vec::new();
        let mut start = self.start;
        while start < self.end {
            let len = self.end - start;
            let mut level = 63 - len.leading_zeros();
            if start != 0 {
                level = level.min(start.trailing_zeros());
            }
            out.push(Subtree {
                level,
                index: start >> level,
            });
            start += 1 << level;
        }
        out
    }
}

/// The hash of a span from the hashes of its [`Span::subtrees`], folded from the right.
pub fn fold_right(subtree_hashes: &[Hash]) -> Hash {
    let mut iter = subtree_hashes.iter().rev();
    let Some(last) = iter.next() else {
        return empty_root();
    };
    iter.fold(*last, |acc, left| node_hash(left, &acc))
}

/// The largest power of two smaller than `n` (`n > 1`): where RFC 9162 splits a tree.
fn split(n: u64) -> u64 {
    debug_assert!(n > 1);
    1 << (63 - (n - 1).leading_zeros())
}

/// The audit path of leaf `index` in a tree of `size` leaves (RFC 9162 §2.1.3.1 `PATH`), leaf
/// side first. The caller has checked `index < size`.
pub fn inclusion_spans(index: u64, size: u64) -> Vec<Span> {
    debug_assert!(index < size);
    let mut path = Vec::new();
    let (mut start, mut end) = (0, size);
    while end - start > 1 {
        let k = split(end - start);
        if index < start + k {
            path.push(Span {
                start: start + k,
                end,
            });
            end = start + k;
        } else {
            path.push(Span {
                start,
                end: start + k,
            });
            start += k;
        }
    }
    path.reverse();
    path
}

/// The consistency proof between the trees of `old` and `new` leaves (RFC 9162 §2.1.4.1
/// `PROOF`), for `0 < old < new`.
pub fn consistency_spans(old: u64, new: u64) -> Vec<Span> {
    debug_assert!(0 < old && old < new);
    let mut head = Vec::new();
    let mut tail = Vec::new();
    let (mut start, mut end, mut m, mut whole) = (0, new, old, true);
    loop {
        let len = end - start;
        if m == len {
            if !whole {
                head.push(Span { start, end });
            }
            break;
        }
        let k = split(len);
        if m <= k {
            tail.push(Span {
                start: start + k,
                end,
            });
            end = start + k;
        } else {
            tail.push(Span {
                start,
                end: start + k,
            });
            start += k;
            m -= k;
            whole = false;
        }
    }
    head.extend(tail.into_iter().rev());
    head
}

/// Why a proof did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not inside the tree.
    #[error("leaf {index} is not in a tree of {size} entries")]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// The newer tree is smaller than the older one.
    #[error("a tree of {new} entries cannot extend one of {old}")]
    Shrunk {
        /// The older size.
        old: u64,
        /// The newer size.
        new: u64,
    },
    /// The proof has the wrong number of hashes.
    #[error("the proof has the wrong number of hashes")]
    WrongLength,
    /// The hashes lead to a different root.
    #[error("the proof does not lead to the expected root hash")]
    RootMismatch,
}

/// RFC 9162 §2.1.3.2: does `proof` show that `leaf` is entry `index` of the tree of `size`
/// leaves with root `root`?
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// RFC 9162 §2.1.4.2: does `proof` show that the tree of `new` leaves with root `new_root`
/// extends the tree of `old` leaves with root `old_root`? Equal sizes need an empty proof and
/// equal roots; every tree extends the empty one.
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::Shrunk { old, new });
    }
    if old == new || old == 0 {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if old == new && old_root != new_root {
            Err(ProofError::RootMismatch)
        } else {
            Ok(())
        };
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else {
        return Err(ProofError::WrongLength);
    };
    let (mut fn_, mut sn) = (old - 1, new - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if fr != *old_root || sr != *new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// A tree kept as its right edge only: the hashes of the perfect subtrees that make up its
/// current size, one per set bit. Enough to append and to compute the root in `O(log n)` memory,
/// which is how verification streams a whole log.
#[derive(Debug, Clone, Default)]
pub struct Frontier {
    size: u64,
    /// Perfect subtree hashes from the largest (leftmost) to the smallest.
    stack: Vec<Hash>,
}

impl Frontier {
    /// The empty tree.
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// The tree of these leaf hashes.
    pub fn from_leaves(leaves: impl IntoIterator<Item = Hash>) -> Frontier {
        let mut frontier = Frontier::new();
        leaves.into_iter().for_each(|l| frontier.push(l));
        frontier
    }

    /// Leaves so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends one leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut size = self.size;
        while size & 1 == 1 {
            let left = self.stack.pop().expect("one stacked subtree per set bit");
            hash = node_hash(&left, &hash);
            size >>= 1;
        }
        self.stack.push(hash);
        self.size += 1;
    }

    /// The Merkle tree hash of the leaves so far.
    pub fn root(&self) -> Hash {
        fold_right(&self.stack)
    }
}

#[cfg(test)]
#[path = "merkle_tests.rs"]
mod tests;

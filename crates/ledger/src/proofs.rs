//! Proofs as the HTTP API serves them, and the one-entry bundle a citizen can keep and check
//! offline (`dinhdanh ledger verify --bundle`, or any RFC 9162 verifier).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::LedgerError;
use crate::merkle::{Hash, leaf_hash, verify_inclusion};
use crate::note::{SignedCheckpoint, VerifierKey, verify};

/// RFC 9162 inclusion proof of one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    /// The entry's index.
    pub index: u64,
    /// The tree the proof leads to.
    pub tree_size: u64,
    /// The entry's leaf hash.
    #[serde(with = "b64_hash")]
    pub leaf_hash: Hash,
    /// The audit path, leaf side first.
    #[serde(with = "b64_hashes")]
    pub proof: Vec<Hash>,
}

/// RFC 9162 consistency proof between two tree sizes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    /// The older size.
    pub from: u64,
    /// The newer size.
    pub to: u64,
    /// The proof hashes.
    #[serde(with = "b64_hashes")]
    pub proof: Vec<Hash>,
}

/// One entry with what proves it is in the log: download it, check it anywhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    /// The signed checkpoint the proof leads to.
    pub checkpoint: String,
    /// The entry's index.
    pub index: u64,
    /// The entry bytes (standard base64 in JSON).
    #[serde(with = "b64_bytes")]
    pub entry: Vec<u8>,
    /// The inclusion proof in the checkpoint's tree.
    #[serde(with = "b64_hashes")]
    pub proof: Vec<Hash>,
}

impl Bundle {
    /// Checks the checkpoint's signatures and the entry's inclusion; returns the checkpoint.
    pub fn verify(
        &self,
        keys: &[VerifierKey],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<SignedCheckpoint, String> {
        let signed = verify(&self.checkpoint, keys, now, chrono::Duration::minutes(10))
            .map_err(|e| e.to_string())?;
        verify_inclusion(
            &leaf_hash(&self.entry),
            self.index,
            signed.checkpoint.size,
            &self.proof,
            &signed.checkpoint.root,
        )
        .map_err(|e| format!("entry {}: {e}", self.index))?;
        Ok(signed)
    }
}

/// Refuses an inclusion request the tree cannot answer, saying why.
pub fn check_inclusion_request(index: u64, size: u64, durable: u64) -> Result<(), LedgerError> {
    if size == 0 || size > durable {
        return Err(LedgerError::BadRequest(format!(
            "tree_size must be between 1 and the latest checkpoint's size ({durable})"
        )));
    }
    if index >= size {
        return Err(LedgerError::BadRequest(format!(
            "index {index} is not in a tree of {size} entries"
        )));
    }
    Ok(())
}

/// Refuses a consistency request the tree cannot answer, saying why.
pub fn check_consistency_request(from: u64, to: u64, durable: u64) -> Result<(), LedgerError> {
    if to > durable {
        return Err(LedgerError::BadRequest(format!(
            "to must not exceed the latest checkpoint's size ({durable})"
        )));
    }
    if from > to {
        return Err(LedgerError::BadRequest(format!(
            "from ({from}) must not exceed to ({to})"
        )));
    }
    Ok(())
}

mod b64_hash {
    use super::*;

    pub fn serialize<S: Serializer>(h: &Hash, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&h.to_base64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Hash, D::Error> {
        let text = String::deserialize(d)?;
        Hash::from_base64(&text)
            .ok_or_else(|| serde::de::Error::custom("not a base64 SHA-256 hash"))
    }
}

mod b64_hashes {
    use super::*;

    pub fn serialize<S: Serializer>(hashes: &[Hash], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(hashes.iter().map(Hash::to_base64))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Hash>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|t| {
                Hash::from_base64(t)
                    .ok_or_else(|| serde::de::Error::custom("not a base64 SHA-256 hash"))
            })
            .collect()
    }
}

mod b64_bytes {
    use super::*;

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        STANDARD
            .decode(String::deserialize(d)?)
            .map_err(|_| serde::de::Error::custom("not base64"))
    }
}

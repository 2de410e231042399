//! Checkpoints as C2SP signed notes, so that existing witnesses and verifiers read them.
//!
//! - The body is a C2SP tlog-checkpoint: origin, tree size, base64 root hash, one per line.
//! - The log signs it twice with one Ed25519 key, both lines named by the origin:
//!   - a signed-note signature (type 0x01) over the body;
//!   - a C2SP tlog-cosignature/v1 (type 0x04) over `cosignature/v1\ntime <t>\n` + body, whose
//!     signature carries the time as an 8-byte big-endian POSIX timestamp.
//!
//! The second line is the standard way to attach a signed time to a checkpoint without extension
//! lines, which C2SP does not recommend. Verifier keys ("vkeys") are
//! `<name>+<hex key ID>+<base64(type ‖ public key)>`, with key ID
//! `SHA-256(name ‖ "\n" ‖ type ‖ public key)[:4]`.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, TimeZone, Utc};
use sha2::{Digest, Sha256};

use crate::merkle::Hash;

/// Signature type of a plain Ed25519 note signature.
const TYPE_ED25519: u8 = 0x01;
/// Signature type of an Ed25519 timestamped cosignature (tlog-cosignature v1).
const TYPE_COSIGNATURE: u8 = 0x04;
/// The em dash and space that start a signature line.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// A tree head: what a checkpoint commits to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's name, unique among logs.
    pub origin: String,
    /// Entries in the tree.
    pub size: u64,
    /// The tree's root hash.
    pub root: Hash,
}

impl Checkpoint {
    /// The note body: three newline-terminated lines.
    pub fn body(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, self.root)
    }

    /// Reads a note body; extension lines after the third are tolerated and ignored.
    pub fn parse_body(body: &str) -> Result<Checkpoint, NoteError> {
        let lines: Vec<&str> = body
            .strip_suffix('\n')
            .ok_or(NoteError::Malformed(
                "the checkpoint does not end with a newline",
            ))?
            .split('\n')
            .collect();
        if lines.len() < 3 || lines.iter().any(|l| l.is_empty()) {
            return Err(NoteError::Malformed(
                "a checkpoint has an origin, a size and a root hash, each on its own line",
            ));
        }
        let size_text = lines[1];
        let size = size_text
            .parse::<u64>()
            .ok()
            .filter(|_| size_text == "0" || !size_text.starts_with('0'))
            .filter(|_| size_text.bytes().all(|b| b.is_ascii_digit()))
            .ok_or(NoteError::Malformed(
                "the tree size is not a decimal number",
            ))?;
        let root = Hash::from_base64(lines[2]).ok_or(NoteError::Malformed(
            "the root hash is not 32 bytes of base64",
        ))?;
        Ok(Checkpoint {
            origin: lines[0].to_string(),
            size,
            root,
        })
    }
}

/// A checkpoint with the log's signed time, as verified or as just signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The tree head.
    pub checkpoint: Checkpoint,
    /// When the log signed it (whole seconds).
    pub time: DateTime<Utc>,
    /// The whole signed note, as served.
    pub note: String,
}

/// Why a note was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// The text is not a signed checkpoint.
    #[error("malformed checkpoint: {0}")]
    Malformed(&'static str),
    /// A verifier key string could not be read.
    #[error("malformed verifier key: {0}")]
    BadKey(&'static str),
    /// No valid signature from the given key.
    #[error("the checkpoint carries no valid signature from {0}")]
    Unsigned(String),
    /// The signed time is in the future.
    #[error("the checkpoint's signed time {0} is in the future")]
    FutureTime(DateTime<Utc>),
}

/// The log's signing key.
pub struct LogKey {
    name: String,
    pair: Ed25519KeyPair,
}

impl LogKey {
    /// A new random key, returned with its PKCS#8 encoding for storage.
    pub fn generate(name: &str) -> (LogKey, Vec<u8>) {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .expect("the system random source works");
        let bytes = pkcs8.as_ref().to_vec();
        let key = LogKey::from_pkcs8(name, &bytes).expect("a key just generated parses");
        (key, bytes)
    }

    /// A stored key.
    pub fn from_pkcs8(name: &str, pkcs8: &[u8]) -> Result<LogKey, NoteError> {
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8)
            .map_err(|_| NoteError::BadKey("the stored log key is not an Ed25519 PKCS#8 key"))?;
        Ok(LogKey {
            name: name.to_string(),
            pair,
        })
    }

    /// The key name: the log's origin.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.pair
            .public_key()
            .as_ref()
            .try_into()
            .expect("an Ed25519 public key is 32 bytes")
    }

    /// The two verifier keys: the note signature's (0x01) and the timestamped cosignature's (0x04).
    pub fn verifier_keys(&self) -> [VerifierKey; 2] {
        let public = self.public_key();
        [
            VerifierKey::new(&self.name, TYPE_ED25519, public),
            VerifierKey::new(&self.name, TYPE_COSIGNATURE, public),
        ]
    }

    /// Signs `checkpoint` at `time` (truncated to whole seconds).
    pub fn sign(&self, checkpoint: &Checkpoint, time: DateTime<Utc>) -> SignedCheckpoint {
        let body = checkpoint.body();
        let [plain, timed] = self.verifier_keys();
        let seconds = time.timestamp().max(0) as u64;
        let mut signature = plain.key_id.to_vec();
        signature.extend_from_slice(self.pair.sign(body.as_bytes()).as_ref());
        let mut cosignature = timed.key_id.to_vec();
        cosignature.extend_from_slice(&seconds.to_be_bytes());
        cosignature.extend_from_slice(
            self.pair
                .sign(cosigned_message(seconds, &body).as_bytes())
                .as_ref(),
        );
        let note = format!(
            "{body}\n{SIGNATURE_PREFIX}{name} {}\n{SIGNATURE_PREFIX}{name} {}\n",
            STANDARD.encode(signature),
            STANDARD.encode(cosignature),
            name = self.name,
        );
        SignedCheckpoint {
            checkpoint: checkpoint.clone(),
            time: Utc
                .timestamp_opt(seconds as i64, 0)
                .single()
                .unwrap_or(time),
            note,
        }
    }
}

fn cosigned_message(seconds: u64, body: &str) -> String {
    format!("cosignature/v1\ntime {seconds}\n{body}")
}

/// A trusted key, as a C2SP vkey string names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    /// The key name (for the log: its origin).
    pub name: String,
    /// 0x01 (note signature) or 0x04 (timestamped cosignature).
    pub kind: u8,
    /// The Ed25519 public key.
    pub public_key: [u8; 32],
    /// The 4-byte key ID.
    pub key_id: [u8; 4],
}

impl VerifierKey {
    fn new(name: &str, kind: u8, public_key: [u8; 32]) -> VerifierKey {
        let mut h = Sha256::new();
        h.update(name.as_bytes());
        h.update(b"\n");
        h.update([kind]);
        h.update(public_key);
        let digest = h.finalize();
        VerifierKey {
            name: name.to_string(),
            kind,
            public_key,
            key_id: digest[..4].try_into().expect("4 bytes"),
        }
    }

    /// Reads `<name>+<hex key ID>+<base64(type ‖ key)>`, checking that the ID matches.
    pub fn parse(text: &str) -> Result<VerifierKey, NoteError> {
        // Key names never contain '+' (C2SP signed-note); base64 keys may.
        let mut parts = text.trim().splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::BadKey("expected <name>+<key ID>+<key>"));
        };
        let key = STANDARD
            .decode(key)
            .map_err(|_| NoteError::BadKey("the key is not base64"))?;
        let (kind, public) = key
            .split_first()
            .ok_or(NoteError::BadKey("the key is empty"))?;
        if *kind != TYPE_ED25519 && *kind != TYPE_COSIGNATURE {
            return Err(NoteError::BadKey(
                "only Ed25519 keys of type 0x01 and 0x04 are supported",
            ));
        }
        let public: [u8; 32] = public
            .try_into()
            .map_err(|_| NoteError::BadKey("an Ed25519 key is 32 bytes"))?;
        let parsed = VerifierKey::new(name, *kind, public);
        if hex::encode(parsed.key_id) != id.to_ascii_lowercase() {
            return Err(NoteError::BadKey(
                "the key ID does not match the name and key",
            ));
        }
        Ok(parsed)
    }
}

impl std::fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut key = vec![self.kind];
        key.extend_from_slice(&self.public_key);
        write!(
            f,
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_id),
            STANDARD.encode(key)
        )
    }
}

/// Verifies a signed checkpoint against trusted keys: every key must have signed it, and when a
/// cosignature key is among them its time must not be ahead of `now` by more than `skew`.
pub fn verify(
    note: &str,
    keys: &[VerifierKey],
    now: DateTime<Utc>,
    skew: chrono::Duration,
) -> Result<SignedCheckpoint, NoteError> {
    let (body, signatures) = note.split_once("\n\n").ok_or(NoteError::Malformed(
        "no blank line between the text and the signatures",
    ))?;
    let body = format!("{body}\n");
    let checkpoint = Checkpoint::parse_body(&body)?;
    let mut time = None;
    for key in keys {
        let mut verified = false;
        for line in signatures.lines() {
            let Some(rest) = line.strip_prefix(SIGNATURE_PREFIX) else {
                return Err(NoteError::Malformed(
                    "a signature line does not start with an em dash",
                ));
            };
            let Some((name, signature)) = rest.rsplit_once(' ') else {
                return Err(NoteError::Malformed("a signature line has no signature"));
            };
            let Ok(signature) = STANDARD.decode(signature) else {
                return Err(NoteError::Malformed("a signature is not base64"));
            };
            if name != key.name || signature.len() < 4 || signature[..4] != key.key_id {
                continue;
            }
            let public = UnparsedPublicKey::new(&ED25519, key.public_key);
            let ok = match key.kind {
                TYPE_COSIGNATURE if signature.len() == 4 + 8 + 64 => {
                    let seconds = u64::from_be_bytes(signature[4..12].try_into().expect("8 bytes"));
                    let ok = public
                        .verify(
                            cosigned_message(seconds, &body).as_bytes(),
                            &signature[12..],
                        )
                        .is_ok();
                    if ok {
                        let at = Utc
                            .timestamp_opt(seconds.min(i64::MAX as u64) as i64, 0)
                            .single()
                            .ok_or(NoteError::Malformed("the signed time is out of range"))?;
                        if at > now + skew {
                            return Err(NoteError::FutureTime(at));
                        }
                        time = Some(at);
                    }
                    ok
                }
                TYPE_ED25519 if signature.len() == 4 + 64 => {
                    public.verify(body.as_bytes(), &signature[4..]).is_ok()
                }
                _ => false,
            };
            if ok {
                verified = true;
                break;
            }
        }
        if !verified {
            return Err(NoteError::Unsigned(key.to_string()));
        }
    }
    Ok(SignedCheckpoint {
        checkpoint,
        time: time.unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
        note: note.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::leaf_hash;

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: "id.example.vn/ledger".into(),
            size: 20_852_163,
            root: leaf_hash(b"root"),
        }
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(seconds, 0).unwrap()
    }

    #[test]
    fn a_signed_checkpoint_verifies_with_both_keys_and_carries_its_time() {
        let (key, _) = LogKey::generate("id.example.vn/ledger");
        let signed = key.sign(&checkpoint(), at(1_700_000_000));
        let keys: Vec<VerifierKey> = key
            .verifier_keys()
            .iter()
            .map(|k| VerifierKey::parse(&k.to_string()).unwrap())
            .collect();
        let verified = verify(
            &signed.note,
            &keys,
            at(1_700_000_001),
            chrono::Duration::minutes(10),
        )
        .unwrap();
        assert_eq!(verified.checkpoint, checkpoint());
        assert_eq!(verified.time, at(1_700_000_000));
        assert!(signed.note.starts_with("id.example.vn/ledger\n20852163\n"));
        assert_eq!(
            signed
                .note
                .lines()
                .filter(|l| l.starts_with('\u{2014}'))
                .count(),
            2
        );
    }

    #[test]
    fn altered_or_foreign_or_future_checkpoints_are_refused() {
        let (key, _) = LogKey::generate("id.example.vn/ledger");
        let (other, _) = LogKey::generate("id.example.vn/ledger");
        let keys = key.verifier_keys();
        let signed = key.sign(&checkpoint(), at(1_700_000_000));
        let now = at(1_700_000_000);
        let skew = chrono::Duration::minutes(10);
        let altered = signed.note.replacen("20852163", "20852164", 1);
        assert!(matches!(
            verify(&altered, &keys, now, skew),
            Err(NoteError::Unsigned(_))
        ));
        let by_other = other.sign(&checkpoint(), now).note;
        assert!(matches!(
            verify(&by_other, &keys, now, skew),
            Err(NoteError::Unsigned(_))
        ));
        let future = key.sign(&checkpoint(), at(1_700_003_600)).note;
        assert!(matches!(
            verify(&future, &keys, now, skew),
            Err(NoteError::FutureTime(_))
        ));
        assert!(matches!(
            verify("no signatures", &keys, now, skew),
            Err(NoteError::Malformed(_))
        ));
    }

    #[test]
    fn verifier_keys_round_trip_whatever_their_base64_holds() {
        // One key in four has a '+' in its base64; a hundred keys cover that many times over.
        for _ in 0..100 {
            let (key, _) = LogKey::generate("log.example/ledger");
            for k in key.verifier_keys() {
                assert_eq!(VerifierKey::parse(&k.to_string()).unwrap(), k);
            }
        }
    }

    #[test]
    fn verifier_keys_with_a_wrong_id_are_refused() {
        let (key, _) = LogKey::generate("log");
        let text = key.verifier_keys()[0].to_string();
        let mut parts = text.splitn(3, '+');
        let (name, _, b64) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        assert!(VerifierKey::parse(&format!("{name}+00000000+{b64}")).is_err());
        assert!(VerifierKey::parse("log+00000000").is_err());
    }

    #[test]
    fn bodies_with_leading_zeros_or_missing_lines_are_malformed() {
        let root = leaf_hash(b"x").to_base64();
        assert!(Checkpoint::parse_body(&format!("o\n012\n{root}\n")).is_err());
        assert!(Checkpoint::parse_body(&format!("o\n12\n{root}")).is_err());
        assert!(Checkpoint::parse_body("o\n12\n").is_err());
        assert_eq!(
            Checkpoint::parse_body(&format!("o\n0\n{root}\next\n"))
                .unwrap()
                .size,
            0
        );
    }
}

//! Token Status Lists (`draft-ietf-oauth-status-list`): how an issuer says, for many credentials
//! at once, which are revoked or suspended, in one signed and cacheable JWT.
//!
//! A list is an array of 2-bit statuses (0 valid, 1 invalid — revoked for good —, 2 suspended),
//! packed least-significant bits first, compressed with DEFLATE in a ZLIB container (RFC 1950)
//! and base64url-encoded as `status_list.lst`. Every credential names its list (`uri`) and its
//! place in it (`idx`); a verifier fetches the list once and checks any number of credentials
//! against it, and the issuer learns nothing about which credential was checked.

use std::io::{Read as _, Write as _};

use dinhdanh_oidc::jose::{Alg, Jws, SigningKey, b64, unb64};
use serde_json::{Value, json};

use crate::error::Refusal;

/// The `typ` of a status list token.
pub const TYP: &str = "statuslist+jwt";
/// The media type a status list token is served and asked for as.
pub const MEDIA_TYPE: &str = "application/statuslist+jwt";
/// Bits per status: room for valid, invalid and suspended.
pub const BITS: u8 = 2;
/// The largest list accepted from anyone (entries), so a hostile list cannot exhaust memory.
pub const MAX_ENTRIES: usize = 1 << 26;

/// A credential's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Valid (`0x00`).
    Valid,
    /// Revoked for good (`0x01`, "invalid").
    Revoked,
    /// Suspended until the issuer lifts it (`0x02`).
    Suspended,
}

impl Status {
    /// The value in the list.
    pub fn value(self) -> u8 {
        match self {
            Status::Valid => 0,
            Status::Revoked => 1,
            Status::Suspended => 2,
        }
    }

    /// The status of a value read from a list; other values are application-specific and
    /// treated as not valid.
    pub fn from_value(value: u8) -> Option<Status> {
        match value {
            0 => Some(Status::Valid),
            1 => Some(Status::Revoked),
            2 => Some(Status::Suspended),
            _ => None,
        }
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Revoked => "revoked",
            Status::Suspended => "suspended",
        }
    }
}

/// A list of statuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    bits: u8,
    bytes: Vec<u8>,
}

impl StatusList {
    /// A list of `entries` valid statuses of [`BITS`] bits each.
    pub fn new(entries: usize) -> StatusList {
        StatusList {
            bits: BITS,
            bytes: vec![0; (entries * BITS as usize).div_ceil(8)],
        }
    }

    /// A list over stored bytes.
    pub fn from_bytes(bits: u8, bytes: Vec<u8>) -> Result<StatusList, Refusal> {
        if ![1, 2, 4, 8].contains(&bits) {
            return Err(Refusal::Status(format!(
                "a status list has 1, 2, 4 or 8 bits per entry, not {bits}"
            )));
        }
        Ok(StatusList { bits, bytes })
    }

    /// The packed bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Bits per entry.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.bytes.len() * 8 / self.bits as usize
    }

    /// Whether it holds no entry.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The value at `idx`, or `None` past the end.
    pub fn get(&self, idx: usize) -> Option<u8> {
        let bits = self.bits as usize;
        let byte = self.bytes.get(idx * bits / 8)?;
        let shift = (idx % (8 / bits)) * bits;
        Some((byte >> shift) & ((1u16 << bits) - 1) as u8)
    }

    /// Sets the value at `idx`. Panics past the end or for a value that does not fit.
    pub fn set(&mut self, idx: usize, value: u8) {
        let bits = self.bits as usize;
        let mask = ((1u16 << bits) - 1) as u8;
        assert!(value <= mask, "status {value} does not fit in {bits} bits");
        let shift = (idx % (8 / bits)) * bits;
        let byte = &mut self.bytes[idx * bits / 8];
        *byte = (*byte & !(mask << shift)) | (value << shift);
    }

    /// `lst`: ZLIB-compressed (best compression) and base64url.
    pub fn encode(&self) -> String {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&self.bytes).expect("writing to memory");
        b64(z.finish().expect("writing to memory"))
    }

    /// Reads `lst` with `bits` bits per entry.
    pub fn decode(bits: u8, lst: &str) -> Result<StatusList, Refusal> {
        let compressed =
            unb64(lst).map_err(|_| Refusal::Status("the list (lst) is not base64url".into()))?;
        let mut bytes = Vec::new();
        flate2::read::ZlibDecoder::new(&compressed[..])
            .take((MAX_ENTRIES * bits as usize / 8) as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|_| Refusal::Status("the list (lst) is not ZLIB data".into()))?;
        if bytes.len() > MAX_ENTRIES * bits as usize / 8 {
            return Err(Refusal::Status("the list is too large".into()));
        }
        StatusList::from_bytes(bits, bytes)
    }

    /// The list as a status list token signed with `key`: `sub` is the list's own address,
    /// `ttl` how long a verifier may keep it (seconds).
    pub fn token(
        &self,
        key: &SigningKey,
        issuer: &str,
        uri: &str,
        iat: i64,
        exp: i64,
        ttl: i64,
    ) -> String {
        key.sign(
            TYP,
            &json!({
                "iss": issuer,
                "sub": uri,
                "iat": iat,
                "exp": exp,
                "ttl": ttl,
                "status_list": {"bits": self.bits, "lst": self.encode()},
            }),
        )
    }
}

/// A status list token read and checked: its list, and until when it may be used.
#[derive(Debug, Clone)]
pub struct ListToken {
    /// The list.
    pub list: StatusList,
    /// Its issuer.
    pub issuer: String,
    /// Its expiry (Unix seconds), if any.
    pub exp: Option<i64>,
    /// How long it may be cached (seconds), if said.
    pub ttl: Option<i64>,
}

/// Checks a status list token fetched from `uri`: `typ`, the ES256 signature with the key
/// `key_for` finds for its `iss` and `kid`, `sub` equal to `uri`, and expiry.
pub fn read_token(
    token: &str,
    uri: &str,
    now: i64,
    key_for: impl FnOnce(&str, Option<&str>) -> Result<Value, Refusal>,
) -> Result<ListToken, Refusal> {
    let status = |why: String| Refusal::Status(why);
    let jws = Jws::parse(token.trim()).map_err(|e| status(format!("the status list: {e}")))?;
    if jws.header.typ.as_deref() != Some(TYP) {
        return Err(status(format!(
            "the status list's typ is {:?}, not {TYP:?}",
            jws.header.typ
        )));
    }
    let issuer = jws
        .claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let jwk = key_for(&issuer, jws.header.kid.as_deref())?;
    jws.verify(&jwk, &[Alg::ES256])
        .map_err(|e| status(format!("the status list's signature: {e}")))?;
    if jws.claims.get("sub").and_then(Value::as_str) != Some(uri) {
        return Err(status(format!(
            "the status list fetched from {uri} is for {:?}",
            jws.claims.get("sub")
        )));
    }
    let exp = jws.claims.get("exp").and_then(Value::as_i64);
    if let Some(exp) = exp
        && now > exp
    {
        return Err(status(format!("the status list expired at {exp}")));
    }
    let list = jws
        .claims
        .get("status_list")
        .ok_or_else(|| status("the token has no status_list".into()))?;
    let bits = list
        .get("bits")
        .and_then(Value::as_u64)
        .and_then(|b| u8::try_from(b).ok())
        .ok_or_else(|| status("status_list.bits is missing".into()))?;
    let lst = list
        .get("lst")
        .and_then(Value::as_str)
        .ok_or_else(|| status("status_list.lst is missing".into()))?;
    Ok(ListToken {
        list: StatusList::decode(bits, lst)?,
        issuer,
        exp,
        ttl: jws.claims.get("ttl").and_then(Value::as_i64),
    })
}

/// Where a credential's status is: its `status.status_list` claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The list's address.
    pub uri: String,
    /// The credential's place in it.
    pub idx: usize,
}

impl Reference {
    /// Reads the reference from a credential's claims, if it has one.
    pub fn of(claims: &serde_json::Map<String, Value>) -> Result<Option<Reference>, Refusal> {
        let Some(status) = claims.get("status") else {
            return Ok(None);
        };
        let list = status.get("status_list").ok_or(Refusal::Claim("status"))?;
        let uri = list.get("uri").and_then(Value::as_str);
        let idx = list.get("idx").and_then(Value::as_u64);
        match (uri, idx) {
            (Some(uri), Some(idx)) => Ok(Some(Reference {
                uri: uri.to_owned(),
                idx: usize::try_from(idx).map_err(|_| Refusal::Claim("status"))?,
            })),
            _ => Err(Refusal::Claim("status")),
        }
    }

    /// The credential's status in `list`; a place past the list's end is refused.
    pub fn status_in(&self, list: &StatusList) -> Result<Status, Refusal> {
        let value = list
            .get(self.idx)
            .ok_or_else(|| Refusal::Status(format!("index {} is past the list's end", self.idx)))?;
        Status::from_value(value)
            .ok_or_else(|| Refusal::Status(format!("the status value {value} is not known here")))
    }

    /// `Ok` when the credential is valid in `list`; revoked and suspended are refused.
    pub fn check(&self, list: &StatusList) -> Result<(), Refusal> {
        match self.status_in(list)? {
            Status::Valid => Ok(()),
            Status::Revoked => Err(Refusal::Revoked),
            Status::Suspended => Err(Refusal::Suspended),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_least_significant_bits_first_as_the_draft_shows() {
        // draft-ietf-oauth-status-list §4.1: 1-bit list with statuses 1,0,0,1,1,1,0,1 | 1,1,0,0,0,1,0,1
        let mut list = StatusList::from_bytes(1, vec![0, 0]).unwrap();
        for (i, v) in [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
            .into_iter()
            .enumerate()
        {
            list.set(i, v);
        }
        assert_eq!(list.bytes(), &[0xb9, 0xa3]);
        assert_eq!(list.encode(), "eNrbuRgAAhcBXQ");
        assert_eq!(StatusList::decode(1, "eNrbuRgAAhcBXQ").unwrap(), list);
    }

    #[test]
    fn two_bit_entries_round_trip() {
        // §4.1's 2-bit example: 1,2,0,3,0,1,0,1,1,2,3,3 → c9 44 f9
        let mut list = StatusList::from_bytes(2, vec![0; 3]).unwrap();
        for (i, v) in [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3].into_iter().enumerate() {
            list.set(i, v);
        }
        assert_eq!(list.bytes(), &[0xc9, 0x44, 0xf9]);
        assert_eq!(list.encode(), "eNo76fITAAPfAgc");
        let back = StatusList::decode(2, &list.encode()).unwrap();
        assert_eq!(back.get(3), Some(3));
        assert_eq!(back.get(9), Some(2));
        assert_eq!(back.get(12), None);
    }

    #[test]
    fn refuses_what_is_not_zlib() {
        let raw_deflate = {
            let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
            z.write_all(&[0xb9, 0xa3]).unwrap();
            b64(z.finish().unwrap())
        };
        assert!(matches!(
            StatusList::decode(1, &raw_deflate),
            Err(Refusal::Status(_))
        ));
        assert!(StatusList::decode(3, "eNrbuRgAAhcBXQ").is_err());
    }
}

//! Selective Disclosure for JWTs (SD-JWT, RFC 9901) as SD-JWT VC uses it
//! (`draft-ietf-oauth-sd-jwt-vc`): issuing, choosing what to disclose with a key-binding JWT,
//! and verifying.
//!
//! An SD-JWT is `<issuer JWT>~<disclosure>~…~<disclosure>~` followed, in a presentation, by a
//! key-binding JWT. A disclosure is `base64url([salt, name, value])` for an object member and
//! `base64url([salt, value])` for an array element; the issuer's JWT holds only the SHA-256
//! digest of each (in an `_sd` array, or as `{"...": digest}` in place of the element), so the
//! holder shows a verifier just the disclosures they choose and the signature still holds.
//!
//! The verifier here is strict where RFC 9901 says "MUST" and the widely used libraries are not:
//! a disclosure no digest refers to, a digest referred to twice, a disclosed name that is already
//! in its object or that is `_sd` or `...`, and a disclosure of the wrong shape for its place are
//! each refused, as are a key-binding JWT whose `aud`, `nonce`, `iat` or `sd_hash` is not the
//! expected one.
//!
//! Times are Unix seconds (NumericDate), as JWTs have them.

use std::collections::{BTreeMap, HashMap};

use dinhdanh_oidc::jose::{Alg, Jws, PublicKey, SigningKey, b64, unb64};
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

use crate::error::Refusal;

/// The `typ` of an SD-JWT VC's issuer-signed JWT.
pub const TYP: &str = "dc+sd-jwt";
/// The `typ` SD-JWT VC used until late 2024, which verifiers should still accept for a while.
pub const LEGACY_TYP: &str = "vc+sd-jwt";
/// The `typ` of a key-binding JWT.
pub const KB_TYP: &str = "kb+jwt";
/// The one digest algorithm used and accepted.
pub const SD_ALG: &str = "sha-256";

/// One step of the path to a claim: an object member, or every element of an array.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// The member of that name.
    Key(String),
    /// Each element of the array.
    Each,
}

/// The path to a claim from the top of the credential's claims.
pub type Path = Vec<Step>;

/// The path made of member names only.
pub fn path(keys: &[&str]) -> Path {
    keys.iter().map(|k| Step::Key((*k).to_owned())).collect()
}

/// Claims that an issuer must never make selectively disclosable (SD-JWT VC §3.2.2).
const NEVER_DISCLOSABLE: [&str; 8] = [
    "iss",
    "nbf",
    "exp",
    "cnf",
    "vct",
    "vct#integrity",
    "status",
    "_sd_alg",
];

/// Signs `claims` as an SD-JWT with `key`, making each claim at a path in `disclosable`
/// selectively disclosable. A path may name a member inside a disclosable member (both are
/// then disclosable, the inner one only with the outer one). Returns the issued form,
/// `<jwt>~<disclosure>~…~`, with the disclosures in the order their claims appear.
pub fn issue(
    key: &SigningKey,
    typ: &str,
    mut claims: Map<String, Value>,
    disclosable: &[Path],
) -> Result<String, Refusal> {
    for p in disclosable {
        if let [Step::Key(top), ..] = p.as_slice()
            && p.len() == 1
            && NEVER_DISCLOSABLE.contains(&top.as_str())
        {
            return Err(Refusal::malformed(format!(
                "the claim {top:?} may not be selectively disclosable"
            )));
        }
    }
    let mut disclosures = Vec::new();
    let mut here = Vec::new();
    let concealed = conceal_object(
        std::mem::take(&mut claims),
        &mut here,
        disclosable,
        &mut disclosures,
    );
    let mut payload = concealed;
    if !disclosures.is_empty() {
        payload.insert("_sd_alg".into(), json!(SD_ALG));
    }
    let header = json!({"alg": key.alg().name(), "kid": key.kid(), "typ": typ});
    let mut out = key.sign_with_header(&header, &payload);
    out.push('~');
    for d in disclosures {
        out.push_str(&d);
        out.push('~');
    }
    Ok(out)
}

fn salt() -> String {
    b64(rand::random::<[u8; 16]>())
}

fn digest(disclosure: &str) -> String {
    b64(Sha256::digest(disclosure.as_bytes()))
}

fn conceal(value: Value, here: &mut Path, rules: &[Path], out: &mut Vec<String>) -> Value {
    match value {
        Value::Object(map) => Value::Object(conceal_object(map, here, rules, out)),
        Value::Array(items) => {
            here.push(Step::Each);
            let each_disclosable = rules.contains(here);
            let items = items
                .into_iter()
                .map(|item| {
                    let inner = conceal(item, here, rules, out);
                    if each_disclosable {
                        let d = b64(serde_json::to_vec(&json!([salt(), inner])).expect("JSON"));
                        let element = json!({"...": digest(&d)});
                        out.push(d);
                        element
                    } else {
                        inner
                    }
                })
                .collect();
            here.pop();
            Value::Array(items)
        }
        other => other,
    }
}

fn conceal_object(
    map: Map<String, Value>,
    here: &mut Path,
    rules: &[Path],
    out: &mut Vec<String>,
) -> Map<String, Value> {
    let mut kept = Map::new();
    let mut digests = Vec::new();
    for (name, value) in map {
        here.push(Step::Key(name.clone()));
        let inner = conceal(value, here, rules, out);
        if rules.contains(here) {
            let d = b64(serde_json::to_vec(&json!([salt(), name, inner])).expect("JSON"));
            digests.push(digest(&d));
            out.push(d);
        } else {
            kept.insert(name, inner);
        }
        here.pop();
    }
    if !digests.is_empty() {
        // Sorted, so the order of the digests says nothing about the order of the claims.
        digests.sort_unstable();
        kept.insert("_sd".into(), json!(digests));
    }
    kept
}

/// An SD-JWT taken apart: nothing in it is trusted until it is verified.
#[derive(Debug, Clone)]
pub struct SdJwt {
    /// The issuer-signed JWT, as given.
    pub jwt: String,
    /// The disclosures, as given (base64url).
    pub disclosures: Vec<String>,
    /// The key-binding JWT, if any.
    pub key_binding: Option<String>,
}

impl SdJwt {
    /// Splits `text` (`<jwt>~<disclosure>~…~[<kb-jwt>]`).
    pub fn parse(text: &str) -> Result<SdJwt, Refusal> {
        let text = text.trim();
        let mut parts: Vec<&str> = text.split('~').collect();
        if parts.len() < 2 {
            return Err(Refusal::malformed(
                "an SD-JWT has at least one '~' after the issuer's JWT",
            ));
        }
        let last = parts.pop().unwrap_or_default();
        let jwt = parts.remove(0);
        if jwt.is_empty() {
            return Err(Refusal::malformed("the issuer's JWT is empty"));
        }
        if parts.iter().any(|d| d.is_empty()) {
            return Err(Refusal::malformed("an empty disclosure (two '~' in a row)"));
        }
        Ok(SdJwt {
            jwt: jwt.to_owned(),
            disclosures: parts.iter().map(|d| (*d).to_owned()).collect(),
            key_binding: (!last.is_empty()).then(|| last.to_owned()),
        })
    }

    /// The SD-JWT without key binding: `<jwt>~<disclosure>~…~`, which is what `sd_hash` covers.
    pub fn without_key_binding(&self) -> String {
        let mut out = self.jwt.clone();
        out.push('~');
        for d in &self.disclosures {
            out.push_str(d);
            out.push('~');
        }
        out
    }

    /// The disclosable claims of this SD-JWT, each with its path, whether or not it is
    /// disclosed. The signature is not checked.
    pub fn disclosable(&self) -> Result<Vec<Path>, Refusal> {
        let jws = Jws::parse(&self.jwt).map_err(|e| Refusal::malformed(e.to_string()))?;
        let resolved = resolve(Value::Object(jws.claims), &self.disclosures)?;
        Ok(resolved.paths.into_values().collect())
    }

    /// A copy that keeps only the disclosures of claims for which `keep` says yes (and of
    /// the claims inside them), without key binding.
    pub fn select(&self, keep: impl Fn(&Path) -> bool) -> Result<SdJwt, Refusal> {
        let jws = Jws::parse(&self.jwt).map_err(|e| Refusal::malformed(e.to_string()))?;
        let resolved = resolve(Value::Object(jws.claims), &self.disclosures)?;
        let kept = self
            .disclosures
            .iter()
            .filter(|d| {
                let path = &resolved.paths[&digest(d)];
                // A disclosure is kept when it and every disclosable claim above it are.
                (1..=path.len()).all(|n| {
                    let prefix = path[..n].to_vec();
                    !resolved.paths.values().any(|p| *p == prefix) || keep(&prefix)
                })
            })
            .cloned()
            .collect();
        Ok(SdJwt {
            jwt: self.jwt.clone(),
            disclosures: kept,
            key_binding: None,
        })
    }

    /// The presentation of this SD-JWT with a key-binding JWT signed by the holder's key, for
    /// a verifier `aud` that gave `nonce`.
    pub fn present(&self, holder: &SigningKey, aud: &str, nonce: &str, iat: i64) -> String {
        let body = self.without_key_binding();
        let kb = holder.sign_with_header(
            &json!({"alg": holder.alg().name(), "typ": KB_TYP}),
            &json!({"iat": iat, "aud": aud, "nonce": nonce, "sd_hash": digest(&body)}),
        );
        body + &kb
    }
}

/// The claims of an issuer's JWT with the given disclosures put in place.
struct Resolved {
    claims: Map<String, Value>,
    /// Every disclosure's path, by digest.
    paths: HashMap<String, Path>,
}

/// A disclosure, decoded.
enum Decoded {
    Member(String, Value),
    Element(Value),
}

fn decode_disclosure(d: &str) -> Result<Decoded, Refusal> {
    let bytes = unb64(d).map_err(|_| Refusal::disclosure("a disclosure is not base64url"))?;
    let Ok(Value::Array(mut items)) = serde_json::from_slice::<Value>(&bytes) else {
        return Err(Refusal::disclosure("a disclosure is not a JSON array"));
    };
    if !items.first().is_some_and(Value::is_string) {
        return Err(Refusal::disclosure(
            "a disclosure does not start with its salt",
        ));
    }
    match items.len() {
        3 => {
            let value = items.pop().expect("three items");
            let Some(Value::String(name)) = items.pop() else {
                return Err(Refusal::disclosure(
                    "a disclosure's claim name is not a string",
                ));
            };
            if name == "_sd" || name == "..." {
                return Err(Refusal::disclosure(format!(
                    "a disclosure may not name the claim {name:?}"
                )));
            }
            Ok(Decoded::Member(name, value))
        }
        2 => Ok(Decoded::Element(items.pop().expect("two items"))),
        n => Err(Refusal::disclosure(format!(
            "a disclosure has {n} elements, not 2 or 3"
        ))),
    }
}

/// Puts the disclosures in place in `payload`, refusing every disclosure that does not belong
/// exactly once.
fn resolve(payload: Value, disclosures: &[String]) -> Result<Resolved, Refusal> {
    let Value::Object(mut top) = payload else {
        return Err(Refusal::malformed("the payload is not an object"));
    };
    match top.remove("_sd_alg") {
        None => {}
        Some(Value::String(alg)) if alg == SD_ALG => {}
        Some(other) => {
            return Err(Refusal::malformed(format!(
                "the digest algorithm {other} is not supported (only {SD_ALG})"
            )));
        }
    }
    let mut by_digest: HashMap<String, (Decoded, bool)> = HashMap::new();
    for d in disclosures {
        if by_digest
            .insert(digest(d), (decode_disclosure(d)?, false))
            .is_some()
        {
            return Err(Refusal::disclosure("the same disclosure is given twice"));
        }
    }
    let mut paths = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    let mut here = Vec::new();
    let claims = reveal_object(top, &mut here, &mut by_digest, &mut paths, &mut seen)?;
    if by_digest.values().any(|(_, used)| !used) {
        return Err(Refusal::disclosure(
            "a disclosure that this credential does not refer to (from another credential?)",
        ));
    }
    Ok(Resolved { claims, paths })
}

type Table = HashMap<String, (Decoded, bool)>;

fn take(by_digest: &mut Table, d: &str) -> Option<Decoded> {
    let (decoded, used) = by_digest.get_mut(d)?;
    *used = true;
    Some(std::mem::replace(decoded, Decoded::Element(Value::Null)))
}

fn reveal(
    value: Value,
    here: &mut Path,
    table: &mut Table,
    paths: &mut HashMap<String, Path>,
    seen: &mut std::collections::HashSet<String>,
) -> Result<Value, Refusal> {
    match value {
        Value::Object(map) => Ok(Value::Object(reveal_object(map, here, table, paths, seen)?)),
        Value::Array(items) => {
            here.push(Step::Each);
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let reference = match &item {
                    Value::Object(m) if m.len() == 1 && m.contains_key("...") => Some(
                        m["..."]
                            .as_str()
                            .map(str::to_owned)
                            .ok_or_else(|| Refusal::malformed("an array digest is not a string"))?,
                    ),
                    _ => None,
                };
                match reference {
                    Some(d) => {
                        if !seen.insert(d.clone()) {
                            return Err(Refusal::disclosure(
                                "a digest appears twice in the credential",
                            ));
                        }
                        match take(table, &d) {
                            None => {} // not disclosed (or a decoy): the element is left out
                            Some(Decoded::Element(v)) => {
                                paths.insert(d, here.clone());
                                out.push(reveal(v, here, table, paths, seen)?);
                            }
                            Some(Decoded::Member(..)) => {
                                return Err(Refusal::disclosure(
                                    "an object member's disclosure stands for an array element",
                                ));
                            }
                        }
                    }
                    None => out.push(reveal(item, here, table, paths, seen)?),
                }
            }
            here.pop();
            Ok(Value::Array(out))
        }
        other => Ok(other),
    }
}

fn reveal_object(
    mut map: Map<String, Value>,
    here: &mut Path,
    table: &mut Table,
    paths: &mut HashMap<String, Path>,
    seen: &mut std::collections::HashSet<String>,
) -> Result<Map<String, Value>, Refusal> {
    let digests = match map.remove("_sd") {
        None => Vec::new(),
        Some(Value::Array(ds)) => ds,
        Some(_) => return Err(Refusal::malformed("an _sd member is not an array")),
    };
    let mut out = Map::new();
    for (name, value) in map {
        here.push(Step::Key(name.clone()));
        let revealed = reveal(value, here, table, paths, seen)?;
        here.pop();
        out.insert(name, revealed);
    }
    for d in digests {
        let Value::String(d) = d else {
            return Err(Refusal::malformed("an _sd digest is not a string"));
        };
        if !seen.insert(d.clone()) {
            return Err(Refusal::disclosure(
                "a digest appears twice in the credential",
            ));
        }
        match take(table, &d) {
            None => {} // not disclosed, or a decoy
            Some(Decoded::Member(name, value)) => {
                if out.contains_key(&name) {
                    return Err(Refusal::disclosure(format!(
                        "the disclosed claim {name:?} is already in its object"
                    )));
                }
                here.push(Step::Key(name.clone()));
                paths.insert(d, here.clone());
                let revealed = reveal(value, here, table, paths, seen)?;
                here.pop();
                out.insert(name, revealed);
            }
            Some(Decoded::Element(_)) => {
                return Err(Refusal::disclosure(
                    "an array element's disclosure stands for an object member",
                ));
            }
        }
    }
    Ok(out)
}

/// What a verifier expects of a presentation's key binding.
#[derive(Debug, Clone)]
pub struct KeyBinding<'a> {
    /// The verifier's identifier, as the holder had to name it (`aud`).
    pub aud: &'a str,
    /// The nonce the verifier gave.
    pub nonce: &'a str,
}

/// What a verifier checks besides the signatures.
#[derive(Debug, Clone)]
pub struct Checks<'a> {
    /// Now, in Unix seconds.
    pub now: i64,
    /// Clock difference tolerated, in seconds.
    pub leeway: i64,
    /// How old a key-binding JWT may be, in seconds.
    pub kb_max_age: i64,
    /// The key binding required, or `None` when the SD-JWT is checked on its own (an issued
    /// credential, not a presentation).
    pub key_binding: Option<KeyBinding<'a>>,
}

impl Checks<'_> {
    /// Checks for an issued credential at `now`, without key binding.
    pub fn issued(now: i64) -> Checks<'static> {
        Checks {
            now,
            leeway: 60,
            kb_max_age: 300,
            key_binding: None,
        }
    }

    /// Checks for a presentation to `aud` with `nonce` at `now`.
    pub fn presentation<'a>(now: i64, aud: &'a str, nonce: &'a str) -> Checks<'a> {
        Checks {
            key_binding: Some(KeyBinding { aud, nonce }),
            ..Checks::issued(now)
        }
    }
}

/// A verified SD-JWT VC.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The issuer's key ID.
    pub kid: Option<String>,
    /// The claims, with what was disclosed put in place and `_sd`/`_sd_alg` removed.
    pub claims: Map<String, Value>,
    /// The paths of the claims that were disclosed.
    pub disclosed: Vec<Path>,
    /// The key-binding JWT's claims, when one was checked.
    pub key_binding: Option<Map<String, Value>>,
}

/// Verifies an SD-JWT VC: the `typ`, the issuer's ES256 signature with the key `issuer_key`
/// finds for the token's `iss` and `kid`, the disclosures, the validity period and, if `checks`
/// asks for it, the key binding. The credential's status is not checked here (see
/// [`crate::status`]).
pub fn verify(
    text: &str,
    issuer_key: impl FnOnce(&str, Option<&str>) -> Result<Value, Refusal>,
    checks: &Checks<'_>,
) -> Result<Verified, Refusal> {
    let sd = SdJwt::parse(text)?;
    let jws = Jws::parse(&sd.jwt).map_err(|e| Refusal::malformed(e.to_string()))?;
    match jws.header.typ.as_deref() {
        Some(TYP | LEGACY_TYP) => {}
        other => {
            return Err(Refusal::Type {
                found: other.map(str::to_owned),
                expected: TYP,
            });
        }
    }
    let issuer = jws
        .claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or(Refusal::Claim("iss"))?
        .to_owned();
    let jwk = issuer_key(&issuer, jws.header.kid.as_deref())?;
    jws.verify(&jwk, &[Alg::ES256])
        .map_err(Refusal::Signature)?;
    let resolved = resolve(Value::Object(jws.claims.clone()), &sd.disclosures)?;
    let claims = resolved.claims;
    if !claims.get("vct").is_some_and(Value::is_string) {
        return Err(Refusal::Claim("vct"));
    }
    let number = |name: &'static str| -> Result<Option<i64>, Refusal> {
        match claims.get(name) {
            None => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or(Refusal::Claim(name)),
        }
    };
    if let Some(exp) = number("exp")?
        && checks.now > exp + checks.leeway
    {
        return Err(Refusal::Expired { exp });
    }
    if let Some(nbf) = number("nbf")?
        && checks.now + checks.leeway < nbf
    {
        return Err(Refusal::NotYetValid { nbf });
    }
    if let Some(iat) = number("iat")?
        && checks.now + checks.leeway < iat
    {
        return Err(Refusal::NotYetValid { nbf: iat });
    }
    let key_binding = match &checks.key_binding {
        None => {
            if sd.key_binding.is_some() {
                return Err(Refusal::key_binding(
                    "a key-binding JWT where none was asked for",
                ));
            }
            None
        }
        Some(expected) => Some(check_key_binding(&sd, &claims, expected, checks)?),
    };
    let mut disclosed: Vec<Path> = resolved.paths.into_values().collect();
    disclosed.sort();
    disclosed.dedup();
    Ok(Verified {
        kid: jws.header.kid.clone(),
        claims,
        disclosed,
        key_binding,
    })
}

fn check_key_binding(
    sd: &SdJwt,
    claims: &Map<String, Value>,
    expected: &KeyBinding<'_>,
    checks: &Checks<'_>,
) -> Result<Map<String, Value>, Refusal> {
    let Some(kb) = &sd.key_binding else {
        return Err(Refusal::key_binding(
            "the presentation has no key-binding JWT",
        ));
    };
    let holder = claims
        .get("cnf")
        .and_then(|c| c.get("jwk"))
        .ok_or_else(|| Refusal::key_binding("the credential names no holder key (cnf.jwk)"))?;
    let jws =
        Jws::parse(kb).map_err(|e| Refusal::key_binding(format!("the key-binding JWT: {e}")))?;
    if jws.header.typ.as_deref() != Some(KB_TYP) {
        return Err(Refusal::key_binding(format!(
            "the key-binding JWT's typ is {:?}, not {KB_TYP:?}",
            jws.header.typ
        )));
    }
    PublicKey::from_jwk(holder)
        .map_err(|e| Refusal::key_binding(format!("the holder key: {e}")))?;
    let alg = jws
        .alg(&[Alg::ES256, Alg::EdDSA])
        .map_err(|e| Refusal::key_binding(e.to_string()))?;
    jws.verify(holder, &[alg]).map_err(|_| {
        Refusal::key_binding("the key-binding JWT is not signed by the holder's key (cnf.jwk)")
    })?;
    let text = |name: &str| jws.claims.get(name).and_then(Value::as_str);
    if text("aud") != Some(expected.aud) {
        return Err(Refusal::key_binding(format!(
            "the presentation is for {:?}, not for {:?}",
            text("aud"),
            expected.aud
        )));
    }
    if text("nonce") != Some(expected.nonce) {
        return Err(Refusal::key_binding(
            "the nonce is not the one this verifier gave (a replayed presentation?)",
        ));
    }
    let iat = jws
        .claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or_else(|| Refusal::key_binding("the key-binding JWT has no iat"))?;
    if iat > checks.now + checks.leeway {
        return Err(Refusal::key_binding(
            "the key-binding JWT was made in the future",
        ));
    }
    if iat < checks.now - checks.kb_max_age {
        return Err(Refusal::key_binding(format!(
            "the key-binding JWT is {} s old (at most {} s)",
            checks.now - iat,
            checks.kb_max_age
        )));
    }
    if text("sd_hash") != Some(digest(&sd.without_key_binding()).as_str()) {
        return Err(Refusal::key_binding(
            "sd_hash does not match the disclosures presented (altered after signing?)",
        ));
    }
    Ok(jws.claims)
}

/// The claims of `verified` laid out flat, each disclosed leaf by its dotted path: for pages
/// and logs.
pub fn flatten(claims: &Map<String, Value>) -> BTreeMap<String, Value> {
    fn walk(prefix: &str, value: &Value, out: &mut BTreeMap<String, Value>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&p, v, out);
                }
            }
            other => {
                out.insert(prefix.to_owned(), other.clone());
            }
        }
    }
    let mut out = BTreeMap::new();
    for (k, v) in claims {
        walk(k, v, &mut out);
    }
    out
}

//! The SD-JWT format: what is issued verifies with exactly the disclosed claims, and every way
//! of tampering with a credential or a presentation is refused with its own reason.

use dinhdanh_credentials::Refusal;
use dinhdanh_credentials::sdjwt::{self, Checks, Path, SdJwt, Step, path};
use dinhdanh_oidc::jose::{Alg, SigningKey, b64, unb64};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const ISSUER: &str = "https://id.example.vn/credentials";
const VERIFIER: &str = "redirect_uri:https://bank.example.vn/vp/response";
const NOW: i64 = 1_800_000_000;

fn key() -> SigningKey {
    SigningKey::generate(Alg::ES256).unwrap().0
}

fn public(key: &SigningKey) -> Value {
    let jwk = key.public_jwk();
    json!({"kty": jwk["kty"], "crv": jwk["crv"], "x": jwk["x"], "y": jwk["y"]})
}

fn claims(holder: &SigningKey) -> Map<String, Value> {
    json!({
        "iss": ISSUER,
        "vct": "https://id.example.vn/credentials/types/driving_licence",
        "iat": NOW - 10,
        "exp": NOW + 86_400,
        "cnf": {"jwk": public(holder)},
        "full_name": "Nguyễn Văn An",
        "birth_date": "1990-05-17",
        "licence": {"number": "790123456789", "classes": ["A1", "B2"]},
        "address": {"province": "Hà Nội", "ward": "Phường Láng"},
    })
    .as_object()
    .unwrap()
    .clone()
}

fn disclosable() -> Vec<Path> {
    vec![
        path(&["full_name"]),
        path(&["birth_date"]),
        path(&["licence", "number"]),
        vec![
            Step::Key("licence".into()),
            Step::Key("classes".into()),
            Step::Each,
        ],
        path(&["address"]),
        path(&["address", "ward"]),
    ]
}

struct Fixture {
    issuer: SigningKey,
    holder: SigningKey,
    issued: String,
}

fn fixture() -> Fixture {
    let (issuer, holder) = (key(), key());
    let issued = sdjwt::issue(&issuer, sdjwt::TYP, claims(&holder), &disclosable()).unwrap();
    Fixture {
        issuer,
        holder,
        issued,
    }
}

impl Fixture {
    fn keys(&self) -> impl FnOnce(&str, Option<&str>) -> Result<Value, Refusal> + '_ {
        |iss, kid| {
            if iss == ISSUER && kid == Some(self.issuer.kid()) {
                Ok(self.issuer.public_jwk().clone())
            } else {
                Err(Refusal::UnknownIssuerKey {
                    issuer: iss.to_owned(),
                    kid: kid.map(str::to_owned),
                })
            }
        }
    }

    fn present(&self, keep: impl Fn(&Path) -> bool, nonce: &str) -> String {
        SdJwt::parse(&self.issued)
            .unwrap()
            .select(keep)
            .unwrap()
            .present(&self.holder, VERIFIER, nonce, NOW)
    }

    fn verify(&self, presentation: &str, nonce: &str) -> Result<sdjwt::Verified, Refusal> {
        sdjwt::verify(
            presentation,
            self.keys(),
            &Checks::presentation(NOW, VERIFIER, nonce),
        )
    }
}

#[test]
fn an_issued_credential_verifies_with_every_claim_in_place() {
    let f = fixture();
    let sd = SdJwt::parse(&f.issued).unwrap();
    assert_eq!(sd.disclosures.len(), 7, "6 paths, 2 of them array elements");
    assert!(f.issued.ends_with('~'));
    let payload: Value =
        serde_json::from_slice(&unb64(f.issued.split('.').nth(1).unwrap()).unwrap()).unwrap();
    assert!(payload.get("full_name").is_none(), "concealed in the JWT");
    assert_eq!(payload["_sd_alg"], "sha-256");
    let verified = sdjwt::verify(&f.issued, f.keys(), &Checks::issued(NOW)).unwrap();
    let mut expected = claims(&f.holder);
    assert_eq!(verified.claims, std::mem::take(&mut expected));
    assert_eq!(verified.disclosed.len(), 6);
}

#[test]
fn a_presentation_shows_only_what_the_holder_chose() {
    let f = fixture();
    let p = f.present(|p| *p == path(&["full_name"]), "n-1");
    let verified = f.verify(&p, "n-1").unwrap();
    assert_eq!(verified.claims["full_name"], "Nguyễn Văn An");
    assert!(verified.claims.get("birth_date").is_none());
    assert!(verified.claims.get("address").is_none());
    assert_eq!(verified.claims["licence"], json!({"classes": []}));
    assert_eq!(verified.disclosed, vec![path(&["full_name"])]);
    let kb = verified.key_binding.unwrap();
    assert_eq!(kb["aud"], VERIFIER);

    // A member inside a withheld object goes with it, even if chosen.
    let p = f.present(|p| *p == path(&["address", "ward"]), "n-2");
    let verified = f.verify(&p, "n-2").unwrap();
    assert!(verified.claims.get("address").is_none());
    // The object and its member together.
    let p = f.present(|p| p.first() == Some(&Step::Key("address".into())), "n-3");
    let verified = f.verify(&p, "n-3").unwrap();
    assert_eq!(
        verified.claims["address"],
        json!({"province": "Hà Nội", "ward": "Phường Láng"})
    );
}

#[test]
fn an_altered_disclosure_is_refused() {
    let f = fixture();
    let p = f.present(|_| true, "n");
    let sd = SdJwt::parse(&p).unwrap();
    let victim = sd
        .disclosures
        .iter()
        .find(|d| {
            String::from_utf8(unb64(d).unwrap())
                .unwrap()
                .contains("1990")
        })
        .unwrap()
        .clone();
    let forged = b64(String::from_utf8(unb64(&victim).unwrap())
        .unwrap()
        .replace("1990", "1970"));
    // Re-signing the key binding over the forged disclosures does not help: the issuer's JWT
    // has no digest for the forged one.
    let mut tampered = SdJwt::parse(&f.issued).unwrap();
    for d in &mut tampered.disclosures {
        if *d == victim {
            *d = forged.clone();
        }
    }
    let p = tampered.present(&f.holder, VERIFIER, "n", NOW);
    let err = f.verify(&p, "n").unwrap_err();
    assert!(matches!(err, Refusal::Disclosure(_)), "{err}");
    assert!(err.to_string().contains("does not refer to"), "{err}");

    // Swapping a disclosure in a finished presentation is refused the same way.
    let honest = f.present(|_| true, "n");
    let swapped = honest.replace(&victim, &forged);
    let err = f.verify(&swapped, "n").unwrap_err();
    assert!(matches!(err, Refusal::Disclosure(_)), "{err}");
}

#[test]
fn a_disclosure_from_another_credential_is_refused() {
    let f = fixture();
    let other = sdjwt::issue(&f.issuer, sdjwt::TYP, claims(&f.holder), &disclosable()).unwrap();
    let foreign = SdJwt::parse(&other).unwrap().disclosures[0].clone();
    let mut sd = SdJwt::parse(&f.issued)
        .unwrap()
        .select(|p| *p == path(&["birth_date"]))
        .unwrap();
    sd.disclosures.push(foreign);
    let p = sd.present(&f.holder, VERIFIER, "n", NOW);
    let err = f.verify(&p, "n").unwrap_err();
    assert!(err.to_string().contains("does not refer to"), "{err}");
}

#[test]
fn a_disclosure_given_twice_is_refused() {
    let f = fixture();
    let mut sd = SdJwt::parse(&f.issued).unwrap();
    let first = sd.disclosures[0].clone();
    sd.disclosures.push(first);
    let p = sd.present(&f.holder, VERIFIER, "n", NOW);
    let err = f.verify(&p, "n").unwrap_err();
    assert!(err.to_string().contains("twice"), "{err}");
}

#[test]
fn a_presentation_signed_by_another_key_than_the_holders_is_refused() {
    let f = fixture();
    let thief = key();
    let sd = SdJwt::parse(&f.issued).unwrap();
    let p = sd.present(&thief, VERIFIER, "n", NOW);
    let err = f.verify(&p, "n").unwrap_err();
    assert!(matches!(err, Refusal::KeyBinding(_)), "{err}");
    assert!(err.to_string().contains("holder's key"), "{err}");
}

#[test]
fn a_replayed_or_misdirected_or_stale_presentation_is_refused() {
    let f = fixture();
    let p = f.present(|_| true, "first-nonce");
    f.verify(&p, "first-nonce").unwrap();
    let err = f.verify(&p, "second-nonce").unwrap_err();
    assert!(err.to_string().contains("nonce"), "{err}");

    let elsewhere = sdjwt::verify(
        &p,
        f.keys(),
        &Checks::presentation(NOW, "redirect_uri:https://other.example/vp", "first-nonce"),
    )
    .unwrap_err();
    assert!(elsewhere.to_string().contains("not for"), "{elsewhere}");

    let late = sdjwt::verify(
        &p,
        f.keys(),
        &Checks::presentation(NOW + 3600, VERIFIER, "first-nonce"),
    )
    .unwrap_err();
    assert!(late.to_string().contains("old"), "{late}");

    let bare = SdJwt::parse(&f.issued).unwrap().without_key_binding();
    let err = f.verify(&bare, "first-nonce").unwrap_err();
    assert!(err.to_string().contains("no key-binding"), "{err}");
}

#[test]
fn an_expired_or_future_credential_is_refused() {
    let f = fixture();
    let p = f.present(|_| true, "n");
    let later = sdjwt::verify(
        &p,
        f.keys(),
        &Checks {
            kb_max_age: i64::MAX / 4,
            ..Checks::presentation(NOW + 2 * 86_400, VERIFIER, "n")
        },
    )
    .unwrap_err();
    assert_eq!(later, Refusal::Expired { exp: NOW + 86_400 });

    let mut c = claims(&f.holder);
    c.insert("nbf".into(), json!(NOW + 3600));
    let issued = sdjwt::issue(&f.issuer, sdjwt::TYP, c, &[]).unwrap();
    let err = sdjwt::verify(&issued, f.keys(), &Checks::issued(NOW)).unwrap_err();
    assert_eq!(err, Refusal::NotYetValid { nbf: NOW + 3600 });
}

#[test]
fn an_unknown_issuer_key_or_a_forged_signature_is_refused() {
    let f = fixture();
    let impostor = key();
    let forged = sdjwt::issue(&impostor, sdjwt::TYP, claims(&f.holder), &disclosable()).unwrap();
    let err = sdjwt::verify(&forged, f.keys(), &Checks::issued(NOW)).unwrap_err();
    assert!(matches!(err, Refusal::UnknownIssuerKey { .. }), "{err}");

    // The right kid, the wrong key.
    let err = sdjwt::verify(
        &forged,
        |_, _| Ok(f.issuer.public_jwk().clone()),
        &Checks::issued(NOW),
    )
    .unwrap_err();
    assert!(matches!(err, Refusal::Signature(_)), "{err}");

    // A changed claim in the signed part.
    let parts: Vec<&str> = f.issued.splitn(2, '~').collect();
    let jwt: Vec<&str> = parts[0].split('.').collect();
    let mut payload: Value = serde_json::from_slice(&unb64(jwt[1]).unwrap()).unwrap();
    payload["exp"] = json!(NOW + 10 * 365 * 86_400);
    let tampered = format!(
        "{}.{}.{}~{}",
        jwt[0],
        b64(serde_json::to_vec(&payload).unwrap()),
        jwt[2],
        parts[1]
    );
    let err = sdjwt::verify(&tampered, f.keys(), &Checks::issued(NOW)).unwrap_err();
    assert!(matches!(err, Refusal::Signature(_)), "{err}");
}

#[test]
fn the_wrong_type_and_malformed_input_are_refused() {
    let f = fixture();
    let jwt = sdjwt::issue(&f.issuer, "JWT", claims(&f.holder), &[]).unwrap();
    let err = sdjwt::verify(&jwt, f.keys(), &Checks::issued(NOW)).unwrap_err();
    assert!(matches!(err, Refusal::Type { .. }), "{err}");
    let legacy = sdjwt::issue(&f.issuer, sdjwt::LEGACY_TYP, claims(&f.holder), &[]).unwrap();
    sdjwt::verify(&legacy, f.keys(), &Checks::issued(NOW)).unwrap();

    for bad in ["", "~", "abc", "a.b.c", "a.b.c~~", "~x~"] {
        assert!(
            sdjwt::verify(bad, f.keys(), &Checks::issued(NOW)).is_err(),
            "{bad:?} accepted"
        );
    }
    let mut no_vct = claims(&f.holder);
    no_vct.remove("vct");
    let issued = sdjwt::issue(&f.issuer, sdjwt::TYP, no_vct, &[]).unwrap();
    assert_eq!(
        sdjwt::verify(&issued, f.keys(), &Checks::issued(NOW)).unwrap_err(),
        Refusal::Claim("vct")
    );
}

#[test]
fn protected_claims_cannot_be_made_disclosable() {
    let f = fixture();
    for claim in ["iss", "exp", "cnf", "vct", "status"] {
        assert!(
            sdjwt::issue(&f.issuer, sdjwt::TYP, claims(&f.holder), &[path(&[claim])]).is_err(),
            "{claim}"
        );
    }
}

#[test]
fn a_disclosure_of_the_wrong_shape_for_its_place_is_refused() {
    let f = fixture();
    let sd = SdJwt::parse(&f.issued).unwrap();
    // An array element's disclosure ([salt, value]) rebuilt as a member ([salt, name, value])
    // has another digest, so it cannot stand in; but a disclosure naming `_sd` is refused
    // outright.
    let bogus = b64(serde_json::to_vec(&json!(["salt", "_sd", ["x"]])).unwrap());
    let mut with_bogus = sd.clone();
    with_bogus.disclosures.push(bogus);
    let err = sdjwt::verify(
        &with_bogus.without_key_binding(),
        f.keys(),
        &Checks::issued(NOW),
    )
    .unwrap_err();
    assert!(err.to_string().contains("_sd"), "{err}");
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        "[a-zà-ỹ ]{0,12}".prop_map(Value::from),
    ]
}

fn tree() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every path in `value` (members and array elements), below `here`.
fn all_paths(value: &Value, here: &mut Path, out: &mut Vec<Path>) {
    match value {
        Value::Object(m) => {
            for (k, v) in m {
                here.push(Step::Key(k.clone()));
                out.push(here.clone());
                all_paths(v, here, out);
                here.pop();
            }
        }
        Value::Array(items) => {
            here.push(Step::Each);
            if !items.is_empty() {
                out.push(here.clone());
            }
            for v in items {
                all_paths(v, here, out);
            }
            here.pop();
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever is made disclosable, the issued credential verifies to the claims it was
    /// made from, and a presentation of nothing verifies to the claims never made disclosable.
    #[test]
    fn disclosure_round_trips(body in prop::collection::btree_map("[a-z]{1,6}", tree(), 1..5), pick in any::<u64>()) {
        let f = fixture();
        let mut c: Map<String, Value> = body.into_iter().filter(|(k, _)| !["iss", "vct", "cnf", "exp", "nbf", "iat", "status"].contains(&k.as_str())).collect();
        let mut paths = Vec::new();
        all_paths(&Value::Object(c.clone()), &mut Vec::new(), &mut paths);
        let chosen: Vec<Path> = paths.into_iter().enumerate().filter(|(i, _)| pick >> (i % 64) & 1 == 1).map(|(_, p)| p).collect();
        c.insert("iss".into(), json!(ISSUER));
        c.insert("vct".into(), json!("urn:test"));
        let issued = sdjwt::issue(&f.issuer, sdjwt::TYP, c.clone(), &chosen).unwrap();
        let verified = sdjwt::verify(&issued, |_, _| Ok(f.issuer.public_jwk().clone()), &Checks::issued(NOW)).unwrap();
        prop_assert_eq!(&verified.claims, &c);
        let nothing = SdJwt::parse(&issued).unwrap().select(|_| false).unwrap();
        prop_assert!(nothing.disclosures.is_empty());
        sdjwt::verify(&nothing.without_key_binding(), |_, _| Ok(f.issuer.public_jwk().clone()), &Checks::issued(NOW)).unwrap();
    }
}

//! A software passkey authenticator (ES256, `none` attestation) for tests and benchmarks: it
//! answers the browser-side JSON of a WebAuthn ceremony exactly as a browser would post it.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use p256::ecdsa::{DerSignature, SigningKey, signature::Signer};
use p256::elliptic_curve::Generate;
use serde_cbor_2::Value as Cbor;
use serde_json::{Value, json};
use sha2_11::{Digest, Sha256};

/// One passkey held by a software authenticator.
pub struct SoftPasskey {
    key: SigningKey,
    credential_id: Vec<u8>,
    user_handle: Option<String>,
    counter: u32,
    /// Whether the authenticator reports user verification (PIN or biometric).
    pub user_verified: bool,
    /// The site origin the "browser" is on.
    pub origin: String,
}

fn field<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

impl SoftPasskey {
    /// A new key for a site at `origin` (e.g. `http://localhost:8080`).
    pub fn new(origin: &str) -> SoftPasskey {
        SoftPasskey {
            key: SigningKey::generate(),
            credential_id: rand::random::<[u8; 32]>().to_vec(),
            user_handle: None,
            counter: 0,
            user_verified: true,
            origin: origin.trim_end_matches('/').to_owned(),
        }
    }

    /// Moves the signature counter back by `by` (a cloned key's symptom).
    pub fn rewind(&mut self, by: u32) {
        self.counter = self.counter.saturating_sub(by);
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": false
        }))
        .expect("JSON")
    }

    fn flags(&self, attested: bool) -> u8 {
        0x01 | if self.user_verified { 0x04 } else { 0 } | if attested { 0x40 } else { 0 }
    }

    /// Answers `navigator.credentials.create({publicKey})` for the options `{"publicKey": …}`.
    pub fn register(&mut self, options: &Value) -> Value {
        let rp_id = field(options, "/publicKey/rp/id").to_owned();
        self.user_handle = Some(field(options, "/publicKey/user/id").to_owned());
        let point = self.key.verifying_key().to_sec1_point(false);
        let mut cose = BTreeMap::new();
        cose.insert(Cbor::Integer(1), Cbor::Integer(2));
        cose.insert(Cbor::Integer(3), Cbor::Integer(-7));
        cose.insert(Cbor::Integer(-1), Cbor::Integer(1));
        cose.insert(
            Cbor::Integer(-2),
            Cbor::Bytes(point.x().expect("x").to_vec()),
        );
        cose.insert(
            Cbor::Integer(-3),
            Cbor::Bytes(point.y().expect("y").to_vec()),
        );
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(self.flags(true));
        data.extend_from_slice(&self.counter.to_be_bytes());
        data.extend_from_slice(&[0u8; 16]);
        data.extend_from_slice(&(self.credential_id.len() as u16).to_be_bytes());
        data.extend_from_slice(&self.credential_id);
        data.extend_from_slice(&serde_cbor_2::to_vec(&Cbor::Map(cose)).expect("CBOR"));
        let mut object = BTreeMap::new();
        object.insert(Cbor::Text("fmt".into()), Cbor::Text("none".into()));
        object.insert(Cbor::Text("attStmt".into()), Cbor::Map(BTreeMap::new()));
        object.insert(Cbor::Text("authData".into()), Cbor::Bytes(data));
        let client_data =
            self.client_data("webauthn.create", field(options, "/publicKey/challenge"));
        json!({
            "id": B64.encode(&self.credential_id),
            "rawId": B64.encode(&self.credential_id),
            "type": "public-key",
            "response": {
                "attestationObject": B64.encode(serde_cbor_2::to_vec(&Cbor::Map(object)).expect("CBOR")),
                "clientDataJSON": B64.encode(client_data),
                "transports": ["internal"]
            },
            "clientExtensionResults": {"credProps": {"rk": true}}
        })
    }

    /// Answers `navigator.credentials.get({publicKey})` for the options `{"publicKey": …}`.
    pub fn sign_in(&mut self, options: &Value) -> Value {
        let rp_id = field(options, "/publicKey/rpId").to_owned();
        self.counter += 1;
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(self.flags(false));
        data.extend_from_slice(&self.counter.to_be_bytes());
        let client_data = self.client_data("webauthn.get", field(options, "/publicKey/challenge"));
        let mut signed = data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature: DerSignature = self.key.sign(&signed);
        json!({
            "id": B64.encode(&self.credential_id),
            "rawId": B64.encode(&self.credential_id),
            "type": "public-key",
            "response": {
                "authenticatorData": B64.encode(&data),
                "clientDataJSON": B64.encode(client_data),
                "signature": B64.encode(signature.as_bytes()),
                "userHandle": self.user_handle
            },
            "clientExtensionResults": {}
        })
    }
}

/// A small population for tests, benchmarks and the demo's walkthrough.
pub mod population {
    use std::sync::Arc;

    use dinhdanh_domain::{NaiveDate, check_digit_for};
    use dinhdanh_registry::import::{ImportOptions, import_file};
    use dinhdanh_registry::store::ImportKind;
    use dinhdanh_registry::{OrganizationRow, PersonRow, RegistryStore};

    /// Nguyễn Văn An, born 1990-03-15, valid card: registers online.
    pub const AN: &str = "001090012345";
    /// His full name as typed.
    pub const AN_NAME: &str = "Nguyễn Văn An";
    /// His date of birth.
    pub const AN_BIRTH: &str = "1990-03-15";
    /// Trần Thị Bích, his wife, valid card; mother of [`CHILD`]; represents [`ORGANIZATION`].
    pub const BICH: &str = "001192004321";
    /// Their son, born 2018.
    pub const CHILD: &str = "001218000777";
    /// Nguyễn Văn Anh, valid card: the enrolment officer.
    pub const OFFICER: &str = "079095000001";
    /// Đặng Đức Đạt, deceased in 2024.
    pub const DECEASED: &str = "048060123456";
    /// Lê Thị Hoa, whose card expires on 2026-12-20.
    pub const EXPIRING: &str = "031185000222";

    /// The organization's tax code (check digit computed).
    pub fn organization_code() -> String {
        let prefix = "010012345";
        format!(
            "{prefix}{}",
            check_digit_for(prefix).expect("a valid prefix")
        )
    }

    fn row(id: &str, family: &str, middle: &str, given: &str, birth: &str, sex: &str) -> PersonRow {
        PersonRow {
            personal_id: id.into(),
            family_name: family.into(),
            middle_name: middle.into(),
            given_name: given.into(),
            birth_date: birth.into(),
            sex: sex.into(),
            place_of_origin: "xã Yên Sở, huyện Hoài Đức, Hà Nội".into(),
            permanent_residence: "Số 12, phố Hàng Bạc, phường Hàng Bạc, quận Hoàn Kiếm, Hà Nội"
                .into(),
            nationality: "VN".into(),
            ethnicity: "Kinh".into(),
            religion: "Không".into(),
            status: "living".into(),
            ..PersonRow::default()
        }
    }

    fn card(mut r: PersonRow, issued: &str, expires: &str) -> PersonRow {
        r.id_card_number = r.personal_id.clone();
        r.id_card_issued = issued.into();
        r.id_card_expires = expires.into();
        r
    }

    /// The persons, as registry rows.
    pub fn persons() -> Vec<PersonRow> {
        let mut an = card(
            row(AN, "Nguyễn", "Văn", "An", AN_BIRTH, "male"),
            "2021-05-10",
            "2030-03-15",
        );
        let mut bich = card(
            row(BICH, "Trần", "Thị", "Bích", "1992-07-01", "female"),
            "2022-01-10",
            "2032-07-01",
        );
        an.spouse_id = BICH.into();
        bich.spouse_id = AN.into();
        let mut child = row(CHILD, "Nguyễn", "Minh", "Khang", "2018-09-09", "male");
        child.father_id = AN.into();
        child.mother_id = BICH.into();
        let officer = card(
            row(OFFICER, "Nguyễn", "Văn", "Anh", "1995-12-31", "male"),
            "2021-01-04",
            "2035-12-31",
        );
        let mut dead = card(
            row(DECEASED, "Đặng", "Đức", "Đạt", "1960-01-20", "male"),
            "2021-03-03",
            "",
        );
        dead.status = "deceased".into();
        dead.death_date = "2024-02-02".into();
        let hoa = card(
            row(EXPIRING, "Lê", "Thị", "Hoa", "1985-05-05", "female"),
            "2011-12-20",
            "2026-12-20",
        );
        vec![an, bich, child, officer, dead, hoa]
    }

    /// Imports the population and the organization into a migrated database.
    pub async fn seed(store: Arc<dyn RegistryStore>, today: NaiveDate) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let people = dir.path().join("persons.jsonl");
        let lines: Vec<String> = persons()
            .iter()
            .map(|r| serde_json::to_string(r).expect("JSON"))
            .collect();
        std::fs::write(&people, lines.join("\n") + "\n").expect("write persons");
        let options = ImportOptions {
            kind: ImportKind::Persons,
            format: None,
            batch_size: 100,
            today,
            reject_report: None,
        };
        let summary = import_file(store.clone(), &people, &options, None)
            .await
            .expect("import persons");
        assert_eq!(summary.rejected, 0, "the test population is valid");
        let organizations = dir.path().join("organizations.jsonl");
        let org = OrganizationRow {
            code: organization_code(),
            name_vi: "Công ty TNHH Hoa Sen Việt".into(),
            abbreviation: "HOA SEN VIET".into(),
            name_foreign: "Hoa Sen Viet Company Limited".into(),
            founded: "2015-04-01".into(),
            head_office: "Số 5, phố Tràng Tiền, quận Hoàn Kiếm, Hà Nội".into(),
            legal_representative: BICH.into(),
        };
        std::fs::write(
            &organizations,
            serde_json::to_string(&org).expect("JSON") + "\n",
        )
        .expect("write");
        let options = ImportOptions {
            kind: ImportKind::Organizations,
            ..options
        };
        let summary = import_file(store, &organizations, &options, None)
            .await
            .expect("import organizations");
        assert_eq!(summary.rejected, 0, "the test organization is valid");
    }
}

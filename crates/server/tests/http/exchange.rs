//! The data-sharing platform over HTTP: agencies with client-credentials tokens read through the
//! policy; refusals name their rule and are logged; consent asked by an agency, given in the
//! citizen's browser, receipted with a JWS that verifies against `/jwks`, and withdrawn with
//! immediate effect; the operator's versioned policy; and the bad inputs that change nothing.

use dinhdanh_oidc::jose::Jws;
use dinhdanh_oidc::{ClientRegistration, Oidc, OidcSettings};

use crate::support::*;
use crate::web::{Browser, citizen};

/// Social insurance: a level-3 system.
const BHXH: &str = "bhxh.gov.vn";
/// A bank: a level-2 system.
const BANK: &str = "bank.example";
const PURPOSE: &str = "social-insurance-enrolment";

struct Agencies {
    app: TestApp,
    bhxh: String,
    bank: String,
}

async fn register(oidc: &Oidc, id: &str, level: u8) -> String {
    let reg: ClientRegistration = serde_json::from_value(json!({
        "client_id": id,
        "name": {"vi": format!("Cơ quan {id}"), "en": format!("Agency {id}")},
        "purpose": {"vi": "Chia sẻ dữ liệu", "en": "Data sharing"},
        "redirect_uris": [],
        "token_endpoint_auth_method": "client_secret_basic",
        "scopes": ["exchange.read", "registry.read"],
        "grant_types": ["client_credentials"],
        "security_level": level
    }))
    .expect("a registration");
    oidc.register_client(reg)
        .await
        .expect("register the agency")
        .client_secret
        .expect("a secret")
}

async fn agencies(t: &TestDb) -> Agencies {
    let app = seeded_app(t).await;
    let oidc = Oidc::new(
        &t.db,
        app.accounts.clone(),
        OidcSettings::for_issuer(&app.origin),
    );
    let bhxh = register(&oidc, BHXH, 3).await;
    let bank = register(&oidc, BANK, 2).await;
    Agencies { app, bhxh, bank }
}

impl Agencies {
    async fn token(&self, client_id: &str, scope: &str) -> String {
        let secret = if client_id == BHXH {
            &self.bhxh
        } else {
            &self.bank
        };
        let (status, body) = json_of(
            self.app
                .client
                .post(self.app.url("/token"))
                .basic_auth(client_id, Some(secret))
                .form(&[("grant_type", "client_credentials"), ("scope", scope)])
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["access_token"].as_str().unwrap().to_owned()
    }

    async fn call(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .app
            .client
            .request(method, self.app.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn read(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.call(token, reqwest::Method::GET, path, None).await
    }

    async fn set_policy(&self, rules: Value, note: &str) -> (StatusCode, Value) {
        let token = self.app.token.clone();
        self.call(
            &token,
            reqwest::Method::PUT,
            "/api/v1/exchange/policy",
            Some(json!({"document": {"rules": rules}, "note": note})),
        )
        .await
    }

    async fn ledger_size(&self) -> u64 {
        let text = self
            .app
            .get_anonymous("/ledger/checkpoint")
            .await
            .text()
            .await
            .unwrap();
        text.lines().nth(1).unwrap().parse().unwrap()
    }

    async fn entry(&self, index: u64) -> Value {
        let (status, body) = self
            .app
            .get_json(&format!("/api/v1/ledger/entries/{index}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["event"].clone()
    }
}

/// Runs the independent receipt verifier (interop/exchange/verify_receipt.py) on `receipt`.
async fn python_receipt(receipt: &str, jwks: &str, issuer: &str) -> (i32, String, String) {
    use tokio::io::AsyncWriteExt;
    let python = std::env::var("DINHDANH_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../interop/exchange/verify_receipt.py");
    let mut child = tokio::process::Command::new(python)
        .arg(script)
        .args(["--jwks", jwks, "--issuer", issuer])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run the Python receipt verifier");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(receipt.as_bytes()).await.unwrap();
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn person_path(id: &str, query: &str) -> String {
    format!("/api/v1/exchange/population/persons/{id}?{query}")
}

#[tokio::test]
async fn an_agency_without_the_right_policy_gets_nothing_and_the_refusal_is_logged() {
    for t in backends().await {
        let name = t.name();
        let a = agencies(&t).await;
        let token = a.token(BHXH, "exchange.read").await;

        // No policy at all: refused by the platform's no-policy rule, and logged.
        let before = a.ledger_size().await;
        let (status, body) = a
            .read(
                &token,
                &person_path(
                    BICH,
                    &format!("fields=full_name,birth_date&purpose={PURPOSE}"),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
        assert_eq!(body["error"], "exchange.refused", "{name}");
        assert_eq!(body["withheld"][0]["rule"], "no-policy", "{name}");
        assert!(body.get("data").is_none(), "{name}: nothing is released");
        let entry = body["ledger_entry"].as_u64().expect("the refusal's entry");
        assert_eq!(entry, before, "{name}: the refusal is the next entry");
        let logged = a.entry(entry).await;
        assert_eq!(logged["kind"], "data.refused", "{name}");
        assert_eq!(
            logged["actor"],
            json!({"type": "agency", "id": BHXH}),
            "{name}"
        );
        assert_eq!(
            logged["fields"],
            json!(["full_name", "birth_date"]),
            "{name}"
        );
        assert!(
            !logged.to_string().contains(BICH),
            "{name}: the public entry names no personal ID"
        );

        // A policy for names only, under the social insurance law, for level-3 systems.
        let (status, policy) = a
            .set_policy(
                json!([{
                    "id": "bhxh-identity", "agency": BHXH, "service": "population",
                    "fields": ["full_name", "birth_date", "sex"], "purposes": [PURPOSE],
                    "basis": {"law": "social-insurance-law-41-2024"}, "min_security_level": 3
                }]),
                "social insurance enrolment",
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {policy}");
        assert_eq!(policy["version"], 1, "{name}");

        let (status, body) = a
            .read(
                &token,
                &person_path(
                    BICH,
                    &format!("fields=full_name,birth_date,religion,spouse&purpose={PURPOSE}"),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!(body["data"]["full_name"], "Trần Thị Bích", "{name}");
        assert_eq!(body["data"]["birth_date"], "1995-07-20", "{name}");
        assert!(body["data"].get("religion").is_none(), "{name}: {body}");
        assert!(body["data"].get("spouse").is_none(), "{name}");
        assert!(
            body["data"].get("sex").is_none(),
            "{name}: only what was asked"
        );
        assert_eq!(
            body["released"][0]["legal_basis"], "social-insurance-law-41-2024",
            "{name}"
        );
        assert_eq!(body["released"][0]["rules"], json!(["bhxh-identity"]));
        let withheld: Vec<&str> = body["withheld"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["field"].as_str().unwrap())
            .collect();
        assert_eq!(withheld, ["religion", "spouse"], "{name}");
        let read = a
            .entry(body["released"][0]["entry"].as_u64().unwrap())
            .await;
        assert_eq!(read["kind"], "data.read", "{name}");
        assert_eq!(read["purpose"], PURPOSE, "{name}");
        assert_eq!(
            read["legal_basis"], "social-insurance-law-41-2024",
            "{name}"
        );
        let refused = a.entry(body["refusal_entry"].as_u64().unwrap()).await;
        assert_eq!(refused["kind"], "data.refused", "{name}");
        assert_eq!(refused["fields"], json!(["religion", "spouse"]), "{name}");

        // Another purpose: the rule names itself as the refusing one.
        let (status, body) = a
            .read(
                &token,
                &person_path(BICH, "fields=full_name&purpose=marketing"),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        assert_eq!(body["withheld"][0]["rule"], "bhxh-identity", "{name}");

        // The bank has no rule; a level-2 system would not meet the rule anyway.
        let bank = a.token(BANK, "exchange.read").await;
        let (status, body) = a
            .read(
                &bank,
                &person_path(BICH, &format!("fields=full_name&purpose={PURPOSE}")),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        assert_eq!(body["withheld"][0]["rule"], "no-policy", "{name}");
        t.close().await;
    }
}

#[tokio::test]
async fn bad_requests_and_wrong_credentials_change_nothing() {
    for t in backends().await {
        let name = t.name();
        let a = agencies(&t).await;
        let token = a.token(BHXH, "exchange.read").await;
        let before = a.ledger_size().await;
        for (query, id, expect) in [
            (
                "fields=full_name,blood_type&purpose=x-y",
                BICH,
                "blood_type",
            ),
            ("fields=full_name", BICH, "purpose"),
            ("fields=full_name&purpose=Not A Code", BICH, "purpose"),
            ("fields=&purpose=abc", BICH, "fields"),
            ("fields=full_name&purpose=abc", "12345", "personal ID"),
            (
                "fields=full_name&purpose=abc&legal_basis=made-up",
                BICH,
                "made-up",
            ),
        ] {
            let (status, body) = a.read(&token, &person_path(id, query)).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{name} {query}: {body}");
            assert!(
                body["message"].as_str().unwrap().contains(expect),
                "{name} {query}: {body}"
            );
        }
        // No token, a citizen's session token, a token without the exchange scope.
        let path = person_path(BICH, "fields=full_name&purpose=abc");
        let anonymous = a.app.get_anonymous(&path).await;
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{name}");
        let (status, _) = a.read(&a.app.token.clone(), &path).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{name}: a session is not an agency token"
        );
        let narrow = a.token(BHXH, "registry.read").await;
        let (status, body) = a.read(&narrow, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
        assert_eq!(body["error"], "insufficient_scope", "{name}");
        assert_eq!(
            a.ledger_size().await,
            before,
            "{name}: nothing was logged because nothing was decided"
        );

        // Policies that break the catalogue's rules are refused and the version stays.
        for (rules, expect) in [
            (
                json!([{"id": "rule-1", "agency": BHXH, "service": "population", "fields": ["religion"],
                        "purposes": ["x-y"], "basis": {"law": "tax-administration-law-38-2019"}}]),
                "religion",
            ),
            (
                json!([{"id": "rule-1", "agency": BHXH, "service": "weather", "fields": ["x"],
                        "purposes": ["x-y"], "basis": "consent"}]),
                "weather",
            ),
            (
                json!([{"id": "rule-1", "agency": BHXH, "service": "population", "fields": ["full_name"],
                        "purposes": ["x-y"], "basis": "consent", "min_security_level": 9}]),
                "min_security_level",
            ),
        ] {
            let (status, body) = a.set_policy(rules, "try").await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
            assert!(
                body["message"].as_str().unwrap().contains(expect),
                "{name}: {body}"
            );
        }
        let (status, versions) = a.app.get_json("/api/v1/exchange/policy/versions").await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(
            versions["versions"],
            json!([]),
            "{name}: no version was made"
        );
        // Only operators set policies: an agency token cannot.
        let (status, _) = a
            .call(
                &token,
                reqwest::Method::PUT,
                "/api/v1/exchange/policy",
                Some(json!({"document": {"rules": []}, "note": "mine"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
        t.close().await;
    }
}

/// The card of consent `id` on the citizen's page.
fn card<'a>(body: &'a str, id: &str) -> &'a str {
    let start = body
        .find(&format!("id=\"consent-{id}\""))
        .unwrap_or_else(|| panic!("consent {id} is listed: {body}"));
    let end = body[start..].find("</article>").unwrap() + start;
    &body[start..end]
}

#[tokio::test]
async fn consent_releases_what_the_law_does_not_and_withdrawal_works_at_once() {
    for t in backends().await {
        let name = t.name();
        let a = agencies(&t).await;
        let (status, body) = a
            .set_policy(
                json!([{
                    "id": "bank-kyc", "agency": BANK, "service": "population",
                    "fields": ["full_name", "permanent_residence", "religion"],
                    "purposes": ["account-opening"], "basis": "consent", "min_security_level": 2
                }]),
                "bank KYC on consent",
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        let bank = a.token(BANK, "exchange.read").await;
        let path = person_path(
            BICH,
            "fields=full_name,permanent_residence&purpose=account-opening",
        );
        let (status, body) = a.read(&bank, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
        assert_eq!(body["withheld"][0]["rule"], "no-consent", "{name}");

        // Sensitive data may not even be asked for on consent by a level-2 system.
        let ask = |fields: Value| {
            json!({"personal_id": BICH, "service": "population", "fields": fields,
                   "purpose": "account-opening",
                   "purpose_text": "Mở tài khoản thanh toán theo quy định về nhận biết khách hàng",
                   "valid_days": 30})
        };
        let (status, body) = a
            .call(
                &bank,
                reqwest::Method::POST,
                "/api/v1/exchange/consents",
                Some(ask(json!(["full_name", "religion"]))),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains("sensitive"),
            "{name}"
        );
        let (status, request) = a
            .call(
                &bank,
                reqwest::Method::POST,
                "/api/v1/exchange/consents",
                Some(ask(json!(["full_name", "permanent_residence"]))),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {request}");
        assert_eq!(request["status"], "pending", "{name}");
        let id = request["id"].as_str().unwrap().to_owned();

        // Silence is not consent: still refused.
        let (status, _) = a.read(&bank, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");

        // Another citizen neither sees nor answers it.
        let mut other = citizen(
            &a.app,
            &t.db,
            DAT,
            "Đặng Đức Đạt",
            "1990-06-30",
            "0912000777",
        )
        .await;
        let page = other.get("/account/consents").await;
        assert!(!page.body.contains(&id), "{name}");
        let csrf = page.csrf();
        let foreign = other
            .post(
                &format!("/account/consents/{id}/answer"),
                &[("csrf", csrf.as_str()), ("agree", "yes")],
                None,
            )
            .await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{name}");

        // The citizen sees who asks for what and why, and agrees.
        let mut browser: Browser = citizen(
            &a.app,
            &t.db,
            BICH,
            "Trần Thị Bích",
            "1995-07-20",
            "0912000123",
        )
        .await;
        let page = browser.get("/account/consents?lang=en").await;
        assert_eq!(page.status, StatusCode::OK, "{name}");
        let shown = card(&page.body, &id);
        for text in [
            "Agency bank.example",
            "Full name",
            "Permanent residence",
            "Mở tài khoản thanh toán",
            "30 days",
            "withdraw consent at any time",
        ] {
            assert!(shown.contains(text), "{name}: {text} in {shown}");
        }
        let csrf = page.csrf();
        let agreed = browser
            .post(
                &format!("/account/consents/{id}/answer"),
                &[("csrf", csrf.as_str()), ("agree", "yes")],
                None,
            )
            .await;
        assert_eq!(
            agreed.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            agreed.body
        );
        let again = browser
            .post(
                &format!("/account/consents/{id}/answer"),
                &[("csrf", csrf.as_str()), ("agree", "no")],
                None,
            )
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{name}: answered once");

        // The receipt is a JWS that verifies against the provider's published keys.
        let receipt = browser
            .get(&format!("/account/consents/{id}/receipt"))
            .await;
        assert_eq!(receipt.status, StatusCode::OK, "{name}");
        assert_eq!(receipt.headers["content-type"], "application/jwt");
        let jws = Jws::parse(receipt.body.trim()).expect("a compact JWS");
        assert_eq!(jws.header.typ.as_deref(), Some("consent-receipt+jwt"));
        let (_, jwks) = json_of(a.app.get_anonymous("/jwks").await).await;
        let kid = jws.header.kid.clone().unwrap();
        let jwk = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == json!(kid))
            .expect("the receipt's key is published")
            .clone();
        let alg = dinhdanh_oidc::jose::Alg::ES256;
        jws.verify(&jwk, &[alg]).expect("the receipt verifies");
        let claims = &jws.claims;
        assert_eq!(claims["jti"], json!(id), "{name}");
        assert_eq!(claims["personal_id"], BICH, "{name}");
        assert_eq!(claims["controller"]["client_id"], BANK, "{name}");
        assert_eq!(claims["purpose"]["code"], "account-opening", "{name}");
        let given = a.entry(claims["ledger"]["index"].as_u64().unwrap()).await;
        assert_eq!(given["kind"], "consent.given", "{name}");
        assert_eq!(given["legal_basis"], format!("consent:{id}"), "{name}");
        // An altered receipt does not verify.
        let mut parts: Vec<String> = receipt.body.trim().split('.').map(str::to_owned).collect();
        let altered_claims = serde_json::to_string(claims)
            .unwrap()
            .replace(BANK, "evil.example");
        parts[1] = dinhdanh_oidc::jose::b64(altered_claims.as_bytes());
        let forged = Jws::parse(&parts.join(".")).unwrap();
        assert!(forged.verify(&jwk, &[alg]).is_err(), "{name}");
        // An independent verifier (Python joserfc) accepts the receipt and rejects the forgery.
        let jwks_url = a.app.url("/jwks");
        let (code, out, err) = python_receipt(receipt.body.trim(), &jwks_url, &a.app.origin).await;
        assert_eq!(code, 0, "{name}: {err}");
        let verified: Value = serde_json::from_str(&out).expect("claims as JSON");
        assert_eq!(verified["jti"], json!(id), "{name}");
        let (code, _, err) = python_receipt(&parts.join("."), &jwks_url, &a.app.origin).await;
        assert_eq!(code, 1, "{name}: the forgery is rejected");
        assert!(err.contains("signature"), "{name}: {err}");

        // Now the bank reads, on that consent.
        let (status, body) = a.read(&bank, &path).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!(body["released"][0]["legal_basis"], format!("consent:{id}"));
        assert_eq!(body["data"]["full_name"], "Trần Thị Bích", "{name}");
        // The agency sees the state of its own request, not another's.
        let (status, seen) = a
            .read(&bank, &format!("/api/v1/exchange/consents/{id}"))
            .await;
        assert_eq!(
            (status, seen["status"].as_str()),
            (StatusCode::OK, Some("active"))
        );
        let bhxh = a.token(BHXH, "exchange.read").await;
        let (status, _) = a
            .read(&bhxh, &format!("/api/v1/exchange/consents/{id}"))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}");

        // The other citizen cannot withdraw it; the citizen can, and the next read is refused.
        let csrf = other.get("/account/consents").await.csrf();
        let foreign = other
            .post(
                &format!("/account/consents/{id}/withdraw"),
                &[("csrf", csrf.as_str())],
                None,
            )
            .await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{name}");
        let (status, _) = a.read(&bank, &path).await;
        assert_eq!(status, StatusCode::OK, "{name}: still in force");
        let csrf = browser.get("/account/consents").await.csrf();
        let withdrawn = browser
            .post(
                &format!("/account/consents/{id}/withdraw"),
                &[("csrf", csrf.as_str())],
                None,
            )
            .await;
        assert_eq!(withdrawn.status, StatusCode::SEE_OTHER, "{name}");
        let (status, body) = a.read(&bank, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
        assert_eq!(body["withheld"][0]["rule"], "no-consent", "{name}");
        let page = browser.get("/account/consents").await;
        assert!(
            card(&page.body, &id).contains("data-status=\"withdrawn\""),
            "{name}"
        );

        // The citizen's access history lists the read, the consent and its withdrawal.
        let history = browser.get("/account/access").await;
        for kind in [
            "data.read",
            "consent.given",
            "consent.withdrawn",
            "data.refused",
        ] {
            assert!(
                history.body.contains(&format!("data-kind=\"{kind}\"")),
                "{name}: {kind} listed"
            );
        }
        t.close().await;
    }
}

/// One parcel held by Bích (two thirds) and Đạt (one third) on a certificate in force, imported
/// through the land database's own import.
async fn seed_land(db: &Db) {
    let dir = tempfile::tempdir().unwrap();
    let parcels = dir.path().join("parcels.csv");
    let certificates = dir.path().join("certificates.csv");
    std::fs::write(
        &parcels,
        "province,district,commune,map_sheet,parcel_number,street_address,area_m2,purposes,origin,acquired_by\n\
         001,Quận Hoàn Kiếm,Phường Hàng Bạc,12,345,Số 12 phố Hàng Bạc,120.5,ODT:120.5:long,DG-CTT,transfer\n",
    )
    .unwrap();
    std::fs::write(
        &certificates,
        format!(
            "serial,registry_book_number,issued_on,issued_by,parcels,holders,status,superseded_by\n\
             AA 01234567,CH 00120,2024-09-01,Sở Tài nguyên và Môi trường Hà Nội,001/Quận Hoàn Kiếm/Phường Hàng Bạc/12/345,person:{BICH}@2/3;person:{DAT}@1/3,valid,\n"
        ),
    )
    .unwrap();
    let land = dinhdanh_land::Land::new(db);
    for (path, kind) in [
        (&parcels, dinhdanh_land::ImportKind::Parcels),
        (&certificates, dinhdanh_land::ImportKind::Certificates),
    ] {
        let options = dinhdanh_land::ImportOptions {
            kind,
            batch_size: 100,
            today: Utc::now().date_naive(),
            reject_report: None,
        };
        let summary = land
            .import(path, &options, None)
            .await
            .expect("import land");
        assert_eq!(summary.rejected, 0, "{summary:?}");
    }
}

#[tokio::test]
async fn land_records_are_read_through_the_same_policy_and_show_in_the_holders_history() {
    for t in backends().await {
        let name = t.name();
        let a = agencies(&t).await;
        seed_land(&t.db).await;
        let (status, body) = a
            .set_policy(
                json!([{
                    "id": "tax-land", "agency": BHXH, "service": "land",
                    "fields": ["parcel", "area", "purposes", "certificates"],
                    "purposes": ["land-tax-assessment"],
                    "basis": {"law": "tax-administration-law-38-2019"}
                }]),
                "land tax",
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        let token = a.token(BHXH, "exchange.read").await;
        let (status, body) = a
            .read(
                &token,
                &format!(
                    "/api/v1/exchange/land/holders/{BICH}/parcels?purpose=land-tax-assessment&fields=parcel,area,certificates,origin"
                ),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        let parcels = body["data"]["parcels"].as_array().unwrap();
        assert_eq!(parcels.len(), 1, "{name}: {body}");
        assert_eq!(parcels[0]["parcel"]["map_sheet"], 12, "{name}: {body}");
        let certificate = &parcels[0]["certificates"][0];
        assert_eq!(certificate["serial"], "AA 01234567", "{name}");
        assert_eq!(
            certificate["share"], "2/3",
            "{name}: the holder's own share"
        );
        assert!(
            !body.to_string().contains(DAT),
            "{name}: the co-holder's ID is not released in a read about Bích"
        );
        assert!(
            parcels[0].get("origin").is_none(),
            "{name}: origin is withheld"
        );
        assert_eq!(body["withheld"][0]["field"], "origin", "{name}");

        // Bích's access history lists the land read like a registry read.
        let mut browser = citizen(
            &a.app,
            &t.db,
            BICH,
            "Trần Thị Bích",
            "1995-07-20",
            "0912000123",
        )
        .await;
        let history = browser.get("/account/access?lang=en").await;
        let read_at = history
            .body
            .find("data-kind=\"data.read\"")
            .unwrap_or_else(|| panic!("{name}: the land read is listed: {}", history.body));
        let listed =
            &history.body[read_at..read_at + history.body[read_at..].find("</article>").unwrap()];
        assert!(
            listed.contains(BHXH) || listed.contains("Agency bhxh.gov.vn"),
            "{name}: {listed}"
        );
        assert!(listed.contains("land-tax-assessment"), "{name}: {listed}");
        // Her export holds the parcel, her record and the read, and nothing of Đạt's account.
        let export = browser.get("/account/export").await;
        assert_eq!(export.status, StatusCode::OK, "{name}");
        assert!(
            export.headers["content-disposition"]
                .to_str()
                .unwrap()
                .contains("attachment"),
            "{name}"
        );
        let doc: Value = serde_json::from_str(&export.body).expect("the export is JSON");
        assert_eq!(doc["format"], "dinhdanh.personal-data-export/1", "{name}");
        assert_eq!(doc["personal_id"], BICH, "{name}");
        assert_eq!(
            doc["registry"]["record"]["person"]["personal_id"], BICH,
            "{name}"
        );
        assert_eq!(
            doc["land"][0]["certificates"][0]["serial"], "AA 01234567",
            "{name}"
        );
        let kinds: Vec<&str> = doc["ledger"]["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"]["kind"].as_str().unwrap())
            .collect();
        assert!(kinds.contains(&"data.read"), "{name}: {kinds:?}");
        assert_eq!(
            doc["account"]["authenticators"][0]["method"], "password",
            "{name}: authenticators are listed"
        );
        assert!(
            !export.body.contains("$argon2"),
            "{name}: but never their secrets"
        );
        let mut signed_out = Browser::new(&a.app);
        let anonymous = signed_out.get("/account/export").await;
        assert_eq!(
            anonymous.status,
            StatusCode::SEE_OTHER,
            "{name}: sign in first"
        );

        // A tax code that is not valid is refused before anything is decided.
        let (status, _) = a
            .read(
                &token,
                "/api/v1/exchange/land/holders/not-a-code/parcels?purpose=land-tax-assessment",
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
        t.close().await;
    }
}

#[tokio::test]
async fn agencies_publish_data_services_in_the_catalogue_that_others_discover() {
    for t in backends().await {
        let name = t.name();
        let a = agencies(&t).await;
        let description = json!({
            "id": "tax-records",
            "provider": {"vi": "Cục Thuế", "en": "General Department of Taxation"},
            "title": {"vi": "Mã số thuế cá nhân", "en": "Personal tax records"},
            "description": {"vi": "Mã số thuế và tình trạng", "en": "Tax code and status"},
            "subject": "person",
            "path": "/api/v1/exchange/tax-records/persons/{id}",
            "legal_bases": [{"code": "tax-administration-law-38-2019",
                             "title": {"vi": "Luật Quản lý thuế", "en": "Law on Tax Administration"}}],
            "fields": [{"name": "tax_code", "title": {"vi": "Mã số thuế", "en": "Tax code"},
                        "legal_bases": ["tax-administration-law-38-2019"]}]
        });
        let token = a.app.token.clone();
        let put = |body: Value, id: &'static str| {
            let token = token.clone();
            let a = &a;
            async move {
                a.call(
                    &token,
                    reqwest::Method::PUT,
                    &format!("/api/v1/exchange/services/{id}"),
                    Some(body),
                )
                .await
            }
        };
        let (status, body) = put(description.clone(), "tax-records").await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!(body["version"], 1, "{name}");
        let (status, body) = put(description.clone(), "tax-records").await;
        assert_eq!(
            (status, body["version"].as_i64()),
            (StatusCode::OK, Some(2)),
            "{name}"
        );

        // Anyone discovers it, without credentials.
        let (_, listed) = json_of(a.app.get_anonymous("/api/v1/exchange/services").await).await;
        let ids: Vec<&str> = listed["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["population", "land", "tax-records"], "{name}");

        // A policy may now name it; a read answers that its provider is not connected here.
        let (status, _) = a
            .set_policy(
                json!([{"id": "tax-read", "agency": BHXH, "service": "tax-records",
                        "fields": ["tax_code"], "purposes": ["x-y"],
                        "basis": {"law": "tax-administration-law-38-2019"}}]),
                "tax",
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        let (status, body) = a
            .read(
                &a.token(BHXH, "exchange.read").await,
                &format!("/api/v1/exchange/services/tax-records/subjects/{BICH}?purpose=x-y"),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_IMPLEMENTED, "{name}: {body}");
        assert_eq!(body["error"], "exchange.not_connected", "{name}");

        // Bad descriptions, the platform's own services, another id than the URL's, a
        // non-operator: refused, and the catalogue is unchanged.
        let mut bad = description.clone();
        bad["fields"][0]["legal_bases"] = json!(["made-up-law"]);
        let (status, body) = put(bad, "tax-records").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains("made-up-law"),
            "{name}"
        );
        let mut own = description.clone();
        own["id"] = json!("population");
        let (status, _) = put(own, "population").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let (status, _) = put(description.clone(), "land").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
        let agency_token = a.token(BHXH, "exchange.read").await;
        let (status, _) = a
            .call(
                &agency_token,
                reqwest::Method::PUT,
                "/api/v1/exchange/services/tax-records",
                Some(description.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
        let (_, one) = json_of(
            a.app
                .get_anonymous("/api/v1/exchange/services/tax-records")
                .await,
        )
        .await;
        assert_eq!(
            one["fields"][0]["legal_bases"],
            json!(["tax-administration-law-38-2019"])
        );
        t.close().await;
    }
}

#[tokio::test]
async fn a_dpop_bound_agency_token_reads_only_with_a_proof_for_this_request() {
    for t in backends().await {
        let name = t.name();
        let a = agencies(&t).await;
        let (status, _) = a
            .set_policy(
                json!([{"id": "bhxh-identity", "agency": BHXH, "service": "population",
                        "fields": ["full_name"], "purposes": [PURPOSE],
                        "basis": {"law": "social-insurance-law-41-2024"}}]),
                "names",
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        let key = dinhdanh_oidc::jose::ClientKey::generate("agency-dpop");
        let origin = a.app.origin.clone();
        let (status, token) = json_of(
            a.app
                .client
                .post(a.app.url("/token"))
                .basic_auth(BHXH, Some(&a.bhxh))
                .header(
                    "DPoP",
                    key.dpop_proof("POST", &format!("{origin}/token"), None),
                )
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("scope", "exchange.read"),
                ])
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {token}");
        assert_eq!(token["token_type"], "DPoP", "{name}");
        let access = token["access_token"].as_str().unwrap();
        let path = format!("/api/v1/exchange/population/persons/{BICH}");
        let query = format!("?fields=full_name&purpose={PURPOSE}");
        let send = |scheme: &'static str, proof: Option<String>| {
            let a = &a;
            let url = a.app.url(&format!("{path}{query}"));
            async move {
                let mut request = a
                    .app
                    .client
                    .get(url)
                    .header("Authorization", format!("{scheme} {access}"));
                if let Some(proof) = proof {
                    request = request.header("DPoP", proof);
                }
                let response = request.send().await.unwrap();
                (response.status(), response.text().await.unwrap())
            }
        };
        let url = format!("{origin}{path}");
        let (status, body) = send("DPoP", Some(key.dpop_proof("GET", &url, Some(access)))).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert!(body.contains("Trần Thị Bích"), "{name}");
        // As a bearer token, without a proof, with a proof for another resource or another key.
        let (status, _) = send("Bearer", None).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{name}: bound tokens are not bearer tokens"
        );
        let (status, _) = send("DPoP", None).await;
        assert_ne!(status, StatusCode::OK, "{name}: no proof");
        let elsewhere = format!("{origin}/api/v1/exchange/population/persons/{DAT}");
        let (status, _) = send(
            "DPoP",
            Some(key.dpop_proof("GET", &elsewhere, Some(access))),
        )
        .await;
        assert_ne!(status, StatusCode::OK, "{name}: a proof for another URL");
        let stranger = dinhdanh_oidc::jose::ClientKey::generate("stranger");
        let (status, _) = send("DPoP", Some(stranger.dpop_proof("GET", &url, Some(access)))).await;
        assert_ne!(status, StatusCode::OK, "{name}: a proof by another key");
        t.close().await;
    }
}

//! Digital documents over HTTP: an agency records a document, the citizen integrates it and puts
//! it in a wallet through OpenID4VCI, verifiers check it, and the agency revokes it.

mod protocol;
mod wallets;

use dinhdanh_accounts::{Account, AccountKind, AccountLevel, AccountStatus};
use dinhdanh_credentials::sdjwt::{self, Checks};
use dinhdanh_credentials::verify::{self, Trusted};
use dinhdanh_credentials::{Holder, Refusal};
use dinhdanh_domain::PersonalId;
use dinhdanh_oidc::jose::{ClientKey, b64};
use dinhdanh_oidc::{ClientRegistration, Oidc, OidcSettings};

use crate::support::*;

/// The traffic police's client, which issues driving licences.
pub(crate) const CSGT: &str = "csgt.test";
/// A licence number.
pub(crate) const LICENCE: &str = "790123456789";

/// A level-2 person account held in memory (the capability takes the account as given).
pub(crate) fn account(id: i64, personal_id: &str, level: AccountLevel) -> Account {
    Account {
        id,
        kind: AccountKind::Person,
        personal_id: Some(PersonalId::parse(personal_id).unwrap()),
        organization_code: None,
        level,
        status: AccountStatus::Active,
        phone: None,
        portrait: None,
        guardian: None,
        locks: vec![],
        roles: vec![],
        locked_methods: vec![],
        created_at: 0,
    }
}

/// A server with the seed persons, and an issuing agency with its client token.
pub(crate) struct Issuing {
    pub app: TestApp,
    pub agency_token: String,
    /// A bank's client token with `credentials.verify`.
    pub verifier_token: String,
}

/// The bank's client, which asks for presentations.
pub(crate) const BANK: &str = "bank.test";

/// Registers a client-credentials client with `scopes` and returns an access token for them.
async fn client_token(app: &TestApp, oidc: &Oidc, id: &str, scopes: &[&str]) -> String {
    let reg: ClientRegistration = serde_json::from_value(json!({
        "client_id": id,
        "name": {"vi": format!("Cơ quan {id}"), "en": format!("Agency {id}")},
        "purpose": {"vi": "Giấy tờ số", "en": "Digital documents"},
        "redirect_uris": [],
        "token_endpoint_auth_method": "client_secret_basic",
        "scopes": scopes,
        "grant_types": ["client_credentials"],
        "security_level": 3
    }))
    .unwrap();
    let secret = oidc
        .register_client(reg)
        .await
        .unwrap()
        .client_secret
        .unwrap();
    let (status, body) = json_of(
        app.client
            .post(app.url("/token"))
            .basic_auth(id, Some(&secret))
            .form(&[("grant_type", "client_credentials"), ("scope", scopes[0])])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

pub(crate) async fn issuing(t: &TestDb) -> Issuing {
    let app = seeded_app(t).await;
    let oidc = Oidc::new(
        &t.db,
        app.accounts.clone(),
        OidcSettings::for_issuer(&app.origin),
    );
    let agency_token = client_token(
        &app,
        &oidc,
        CSGT,
        &[
            "credentials.issue:driving_licence",
            "credentials.issue:vehicle_registration",
        ],
    )
    .await;
    let verifier_token = client_token(&app, &oidc, BANK, &["credentials.verify"]).await;
    Issuing {
        agency_token,
        verifier_token,
        app,
    }
}

impl Issuing {
    /// Sends a driving licence for `personal_id` as the agency.
    pub async fn put_licence(&self, number: &str, personal_id: &str) -> (StatusCode, Value) {
        json_of(
            self.app
                .client
                .put(self.app.url(&format!(
                    "/api/v1/credentials/documents/driving_licence/{number}"
                )))
                .bearer_auth(&self.agency_token)
                .json(&json!({
                    "personal_id": personal_id,
                    "data": {
                        "number": number,
                        "full_name": "Nguyễn Văn An",
                        "birth_date": "1990-03-15",
                        "classes": ["A1", "B"],
                        "issued_on": "2021-06-01",
                        "valid_until": "2031-06-01",
                        "issued_by": "Sở Giao thông vận tải Hà Nội"
                    }
                }))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Revokes, suspends or reinstates the licence as the agency.
    pub async fn set_status(&self, number: &str, status: &str) -> (StatusCode, Value) {
        json_of(
            self.app
                .client
                .post(self.app.url(&format!(
                    "/api/v1/credentials/documents/driving_licence/{number}/status"
                )))
                .bearer_auth(&self.agency_token)
                .json(&json!({"status": status, "reason": "licence withdrawn by a court decision"}))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// The citizen AN_HN (level 2) with the licence integrated; returns the holder and the
    /// document's identifier.
    pub async fn holder_with_licence(&self) -> (Holder, String) {
        let (status, body) = self.put_licence(LICENCE, AN_HN).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let holder = Holder::of(&account(9001, AN_HN, AccountLevel::Two)).unwrap();
        let held = self
            .app
            .state
            .credentials()
            .integrate(&holder, "driving_licence", LICENCE)
            .await
            .unwrap();
        (holder, held.document.id)
    }
}

/// A wallet's proof of possession for `issuer` with `nonce`, signed by `key`.
pub(crate) fn proof(key: &ClientKey, aud: &str, nonce: Option<&str>, iat: i64) -> String {
    let public = key.signing.public_jwk();
    let jwk = json!({"kty": "EC", "crv": "P-256", "x": public["x"], "y": public["y"]});
    let mut claims = json!({"aud": aud, "iat": iat});
    if let Some(n) = nonce {
        claims["nonce"] = json!(n);
    }
    key.signing.sign_with_header(
        &json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": jwk}),
        &claims,
    )
}

/// Now, in Unix seconds.
pub(crate) fn now_s() -> i64 {
    Utc::now().timestamp()
}

/// Random text for nonces.
pub(crate) fn random() -> String {
    b64(rand::random::<[u8; 12]>())
}

/// Our verifier, with the issuer's published keys and status lists fetched over HTTP.
pub(crate) async fn our_verify(
    app: &TestApp,
    text: &str,
    checks: &Checks<'_>,
) -> Result<sdjwt::Verified, Refusal> {
    let issuer = app.state.credentials().issuer().to_owned();
    let (_, meta) = app.get_json("/.well-known/jwt-vc-issuer/credentials").await;
    assert_eq!(meta["issuer"], json!(issuer));
    let trusted = Trusted {
        issuer,
        jwks: meta["jwks"].clone(),
    };
    // Fetch every list the text could name first (the check itself is synchronous).
    let mut lists = std::collections::HashMap::new();
    if let Ok(sd) = sdjwt::SdJwt::parse(text)
        && let Ok(jws) = dinhdanh_oidc::jose::Jws::parse(&sd.jwt)
        && let Some(uri) = jws.claims["status"]["status_list"]["uri"].as_str()
    {
        let response = app
            .client
            .get(uri.replace(&app.origin, &app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()["content-type"],
            "application/statuslist+jwt"
        );
        let token = response.text().await.unwrap();
        lists.insert(uri.to_owned(), token);
    }
    verify::verify(text, &trusted, checks, |uri| {
        let token = lists
            .get(uri)
            .ok_or_else(|| Refusal::Status(format!("{uri} was not fetched")))?;
        verify::read_list(token, uri, &trusted, checks.now).map(std::sync::Arc::new)
    })
}

//! The issuer's rules, each broken on purpose: what agencies may send, who may integrate what,
//! every refused step of OpenID4VCI, suspension and revocation, and key rotation.

use dinhdanh_accounts::AccountLevel;
use dinhdanh_credentials::sdjwt::Checks;
use dinhdanh_credentials::{Holder, Refusal};
use dinhdanh_oidc::jose::ClientKey;

use super::*;

/// The token endpoint's answer to `form`.
async fn token(app: &TestApp, form: &[(&str, &str)]) -> (StatusCode, Value) {
    json_of(
        app.client
            .post(app.url("/credentials/token"))
            .form(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

const GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

/// The pre-authorized code in an offer.
async fn code_of(app: &TestApp, offer: &dinhdanh_credentials::Offer) -> String {
    let (status, body) = json_of(
        app.client
            .get(offer.offer_url.replace(&app.origin, &app.address))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["credential_configuration_ids"],
        json!(["driving_licence"])
    );
    assert_eq!(body["grants"][GRANT]["tx_code"]["length"], 6);
    body["grants"][GRANT]["pre-authorized_code"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn nonce(app: &TestApp) -> String {
    let response = app
        .client
        .post(app.url("/credentials/nonce"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");
    let (status, body) = json_of(response).await;
    assert_eq!(status, StatusCode::OK);
    body["c_nonce"].as_str().unwrap().to_owned()
}

async fn credential(app: &TestApp, access: &str, body: &Value) -> (StatusCode, Value) {
    json_of(
        app.client
            .post(app.url("/credentials/credential"))
            .bearer_auth(access)
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Redeems a fresh offer of `document` and returns the access token.
async fn access_token(s: &Issuing, holder: &Holder, document: &str) -> String {
    let offer = s
        .app
        .state
        .credentials()
        .offer(holder, document)
        .await
        .unwrap();
    let code = code_of(&s.app, &offer).await;
    let (status, body) = token(
        &s.app,
        &[
            ("grant_type", GRANT),
            ("pre-authorized_code", &code),
            ("tx_code", &offer.tx_code),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

/// A credential of `document` bound to a fresh key.
async fn issue(s: &Issuing, holder: &Holder, document: &str) -> String {
    let access = access_token(s, holder, document).await;
    let issuer = s.app.state.credentials().issuer().to_owned();
    let key = ClientKey::generate("wallet");
    let n = nonce(&s.app).await;
    let (status, body) = credential(
        &s.app,
        &access,
        &json!({"credential_configuration_id": "driving_licence",
                "proofs": {"jwt": [proof(&key, &issuer, Some(&n), now_s())]}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["credentials"][0]["credential"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn metadata_is_published_where_wallets_look() {
    for t in backends().await {
        let s = issuing(&t).await;
        let issuer = format!("{}/credentials", s.app.origin);
        let (status, meta) = s
            .app
            .get_json("/.well-known/openid-credential-issuer/credentials")
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(meta["credential_issuer"], json!(issuer));
        assert_eq!(meta["nonce_endpoint"], json!(format!("{issuer}/nonce")));
        let dl = &meta["credential_configurations_supported"]["driving_licence"];
        assert_eq!(dl["format"], "dc+sd-jwt");
        assert_eq!(dl["vct"], json!(format!("{issuer}/types/driving_licence")));
        assert!(
            dl["credential_metadata"]["claims"]
                .as_array()
                .unwrap()
                .len()
                >= 5
        );
        let (_, asm) = s
            .app
            .get_json("/.well-known/oauth-authorization-server/credentials")
            .await;
        assert_eq!(asm["issuer"], json!(issuer));
        assert_eq!(asm["token_endpoint"], json!(format!("{issuer}/token")));
        let (_, jwt) = s
            .app
            .get_json("/.well-known/jwt-vc-issuer/credentials")
            .await;
        assert_eq!(jwt["jwks"]["keys"].as_array().unwrap().len(), 1);
        let (status, vct) = s.app.get_json("/credentials/types/driving_licence").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(vct["vct"], dl["vct"]);
        let (status, _) = s.app.get_json("/credentials/types/passport").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = s.app.get_json("/credentials/status/0").await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "no list before any credential"
        );
        t.close().await;
    }
}

#[tokio::test]
async fn agencies_send_only_well_formed_documents_of_their_own_types() {
    for t in backends().await {
        let name = t.name();
        let s = issuing(&t).await;
        let put = |path: String, body: Value, token: String| {
            let app = &s.app;
            async move {
                json_of(
                    app.client
                        .put(app.url(&path))
                        .bearer_auth(token)
                        .json(&body)
                        .send()
                        .await
                        .unwrap(),
                )
                .await
            }
        };
        let token = s.agency_token.clone();
        let base = "/api/v1/credentials/documents";
        let (status, body) = put(
            format!("{base}/driving_licence/79012"),
            json!({"personal_id": AN_HN, "data": {"number": "79012", "colour": "red"}}),
            token.clone(),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert!(body["message"].as_str().unwrap().contains("colour"));
        let (status, body) = put(
            format!("{base}/driving_licence/79012"),
            json!({"personal_id": "12345", "data": {}}),
            token.clone(),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(body["fields"][0]["field"], "personal_id");
        // The token carries only the driving-licence scope.
        let (status, body) = put(
            format!("{base}/vehicle_registration/29A12345"),
            json!({"personal_id": AN_HN, "data": {}}),
            token.clone(),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
        let (status, _) = put(
            format!("{base}/cccd/{AN_HN}"),
            json!({"personal_id": AN_HN, "data": {}}),
            token.clone(),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{name}: identity cards come from the registry"
        );
        let (status, _) = put(
            format!("{base}/driving_licence/79012"),
            json!({"personal_id": AN_HN, "data": {}}),
            app_token(&s),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{name}: a citizen's session is no client token"
        );
        // Nothing was stored.
        let (status, _) = s
            .app
            .get_json(&format!("{base}/driving_licence/79012"))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let agency = dinhdanh_credentials::IssuingAgency {
            client_id: CSGT.into(),
            types: vec!["driving_licence".into()],
        };
        assert!(matches!(
            s.app
                .state
                .credentials()
                .agency_document(&agency, "driving_licence", "79012")
                .await,
            Err(dinhdanh_credentials::CredentialsError::NotFound)
        ));
        t.close().await;
    }
}

/// The staff member's session token: not a client's access token.
fn app_token(s: &Issuing) -> String {
    s.app.token.clone()
}

#[tokio::test]
async fn only_the_person_named_by_the_issuer_integrates_a_document() {
    for t in backends().await {
        let name = t.name();
        let s = issuing(&t).await;
        let (status, _) = s.put_licence(LICENCE, AN_HN).await;
        assert_eq!(status, StatusCode::OK);
        let c = s.app.state.credentials();
        let other = Holder::of(&account(9002, BICH, AccountLevel::Two)).unwrap();
        assert!(
            matches!(
                c.integrate(&other, "driving_licence", LICENCE).await,
                Err(dinhdanh_credentials::CredentialsError::NotFound)
            ),
            "{name}"
        );
        assert!(
            matches!(
                c.integrate(&other, "driving_licence", "000000").await,
                Err(dinhdanh_credentials::CredentialsError::NotFound)
            ),
            "{name}: an unknown number answers the same"
        );
        assert!(c.held(&other).await.unwrap().is_empty());
        // The identity card needs level 2.
        let level1 = Holder::of(&account(9003, AN_HCM, AccountLevel::One)).unwrap();
        assert!(matches!(
            c.integrate(&level1, "cccd", "").await,
            Err(dinhdanh_credentials::CredentialsError::Forbidden(_))
        ));
        let level2 = Holder::of(&account(9004, DAT, AccountLevel::Two)).unwrap();
        let card = c.integrate(&level2, "cccd", "").await.unwrap();
        assert_eq!(card.document.data["full_name"], "Đặng Đức Đạt", "{name}");
        assert_eq!(card.document.issuer, "registry");
        t.close().await;
    }
}

#[tokio::test]
async fn every_broken_step_of_issuance_is_refused_with_its_error() {
    for t in backends().await {
        let name = t.name();
        let s = issuing(&t).await;
        let (holder, document) = s.holder_with_licence().await;
        let c = s.app.state.credentials();
        let issuer = c.issuer().to_owned();

        // Token endpoint.
        let offer = c.offer(&holder, &document).await.unwrap();
        let code = code_of(&s.app, &offer).await;
        let (status, body) = token(
            &s.app,
            &[("grant_type", "authorization_code"), ("code", &code)],
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("unsupported_grant_type")),
            "{name}"
        );
        let (_, body) = token(
            &s.app,
            &[("grant_type", GRANT), ("pre-authorized_code", &code)],
        )
        .await;
        assert_eq!(
            body["error"], "invalid_request",
            "{name}: tx_code is required"
        );
        let (_, body) = token(
            &s.app,
            &[
                ("grant_type", GRANT),
                ("pre-authorized_code", "nope"),
                ("tx_code", "123456"),
            ],
        )
        .await;
        assert_eq!(body["error"], "invalid_grant");
        let wrong = if offer.tx_code == "000000" {
            "111111"
        } else {
            "000000"
        };
        for _ in 0..5 {
            let (_, body) = token(
                &s.app,
                &[
                    ("grant_type", GRANT),
                    ("pre-authorized_code", &code),
                    ("tx_code", wrong),
                ],
            )
            .await;
            assert_eq!(body["error"], "invalid_grant");
        }
        let (_, body) = token(
            &s.app,
            &[
                ("grant_type", GRANT),
                ("pre-authorized_code", &code),
                ("tx_code", &offer.tx_code),
            ],
        )
        .await;
        assert_eq!(
            body["error"], "invalid_grant",
            "{name}: five wrong codes end the offer"
        );
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .contains("too many")
        );

        // A good token; the code cannot be used twice.
        let offer = c.offer(&holder, &document).await.unwrap();
        let code = code_of(&s.app, &offer).await;
        let form = [
            ("grant_type", GRANT),
            ("pre-authorized_code", code.as_str()),
            ("tx_code", offer.tx_code.as_str()),
            ("resource", issuer.as_str()),
            ("user_pin", offer.tx_code.as_str()),
        ];
        let (status, body) = token(&s.app, &form).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        let access = body["access_token"].as_str().unwrap().to_owned();
        let (_, body) = token(&s.app, &form).await;
        assert_eq!(body["error"], "invalid_grant", "{name}: redeemed once");

        // Credential endpoint.
        let key = ClientKey::generate("wallet");
        let request = |proof: String| json!({"credential_configuration_id": "driving_licence", "proofs": {"jwt": [proof]}});
        let (status, body) = credential(
            &s.app,
            "not-a-token",
            &request(proof(&key, &issuer, None, now_s())),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_token"))
        );
        let (_, body) = credential(
            &s.app,
            &access,
            &request(proof(&key, &issuer, None, now_s())),
        )
        .await;
        assert_eq!(body["error"], "invalid_nonce", "{name}: {body}");
        let (_, body) = credential(
            &s.app,
            &access,
            &request(proof(&key, &issuer, Some("made-up"), now_s())),
        )
        .await;
        assert_eq!(body["error"], "invalid_nonce");
        let n = nonce(&s.app).await;
        let (_, body) = credential(
            &s.app,
            &access,
            &request(proof(&key, "https://elsewhere.example", Some(&n), now_s())),
        )
        .await;
        assert_eq!(body["error"], "invalid_proof", "{name}: {body}");
        let (_, body) = credential(
            &s.app,
            &access,
            &request(proof(&key, &issuer, Some(&n), now_s() - 3600)),
        )
        .await;
        assert_eq!(body["error"], "invalid_proof", "{name}: a stale proof");
        let dpop_typed = key.dpop_proof("POST", &issuer, None);
        let (_, body) = credential(&s.app, &access, &request(dpop_typed)).await;
        assert_eq!(body["error"], "invalid_proof", "{name}: {body}");
        let (_, body) = credential(&s.app, &access, &json!({"credential_configuration_id": "health_insurance", "proofs": {"jwt": [proof(&key, &issuer, Some(&n), now_s())]}})).await;
        assert_eq!(
            body["error"], "invalid_credential_request",
            "{name}: {body}"
        );
        let (_, body) = credential(&s.app, &access, &json!({"credential_configuration_id": "driving_licence", "proof": {"proof_type": "jwt", "jwt": proof(&key, &issuer, Some(&n), now_s())}})).await;
        assert_eq!(
            body["error"], "invalid_proof",
            "{name}: the single proof of drafts"
        );
        // None of the refusals spent the access token.
        let (status, body) = credential(
            &s.app,
            &access,
            &request(proof(&key, &issuer, Some(&n), now_s())),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        let issued = body["credentials"][0]["credential"]
            .as_str()
            .unwrap()
            .to_owned();
        let verified = our_verify(&s.app, &issued, &Checks::issued(now_s()))
            .await
            .unwrap();
        assert_eq!(
            verified.claims["cnf"]["jwk"]["x"],
            key.signing.public_jwk()["x"],
            "{name}: bound to the proof's key"
        );
        // Token and nonce are spent.
        let n2 = nonce(&s.app).await;
        let (_, body) = credential(
            &s.app,
            &access,
            &request(proof(&key, &issuer, Some(&n2), now_s())),
        )
        .await;
        assert_eq!(body["error"], "invalid_token", "{name}");
        let fresh = access_token(&s, &holder, &document).await;
        let (_, body) = credential(
            &s.app,
            &fresh,
            &request(proof(&key, &issuer, Some(&n), now_s())),
        )
        .await;
        assert_eq!(
            body["error"], "invalid_nonce",
            "{name}: a nonce is good once"
        );
        t.close().await;
    }
}

#[tokio::test]
async fn suspension_and_revocation_follow_the_document() {
    for t in backends().await {
        let name = t.name();
        let s = issuing(&t).await;
        let (holder, document) = s.holder_with_licence().await;
        let issued = issue(&s, &holder, &document).await;
        let check = || async { our_verify(&s.app, &issued, &Checks::issued(now_s())).await };
        check().await.unwrap();
        let (status, _) = s.set_status(LICENCE, "suspended").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(check().await.unwrap_err(), Refusal::Suspended, "{name}");
        let (status, _) = s.set_status(LICENCE, "valid").await;
        assert_eq!(status, StatusCode::OK);
        check().await.unwrap();
        let (status, _) = s.set_status(LICENCE, "revoked").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(check().await.unwrap_err(), Refusal::Revoked, "{name}");
        let (status, body) = s.set_status(LICENCE, "valid").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(check().await.unwrap_err(), Refusal::Revoked);
        // A revoked document is offered no more.
        assert!(
            s.app
                .state
                .credentials()
                .offer(&holder, &document)
                .await
                .is_err()
        );
        t.close().await;
    }
}

#[tokio::test]
async fn a_rotated_key_keeps_its_credentials_until_withdrawn() {
    for t in backends().await {
        let name = t.name();
        let s = issuing(&t).await;
        let (holder, document) = s.holder_with_licence().await;
        let c = s.app.state.credentials();
        let before = issue(&s, &holder, &document).await;
        let old = c.keys().await.unwrap().signer.kid().to_owned();
        let new = c.rotate_keys().await.unwrap();
        let after = issue(&s, &holder, &document).await;
        let kid = |text: &str| {
            let jwt = text.split('~').next().unwrap();
            dinhdanh_oidc::jose::Jws::parse(jwt)
                .unwrap()
                .header
                .kid
                .unwrap()
        };
        assert_eq!(kid(&before), old);
        assert_eq!(kid(&after), new, "{name}: the new key signs");
        our_verify(&s.app, &before, &Checks::issued(now_s()))
            .await
            .unwrap();
        our_verify(&s.app, &after, &Checks::issued(now_s()))
            .await
            .unwrap();
        assert!(
            c.withdraw_key(&new).await.is_err(),
            "the current key cannot be withdrawn"
        );
        c.withdraw_key(&old).await.unwrap();
        let refused = our_verify(&s.app, &before, &Checks::issued(now_s()))
            .await
            .unwrap_err();
        assert!(
            matches!(refused, Refusal::UnknownIssuerKey { .. }),
            "{name}: {refused}"
        );
        our_verify(&s.app, &after, &Checks::issued(now_s()))
            .await
            .unwrap();
        t.close().await;
    }
}

/// The identity card follows the registry: a correction revokes the credentials that carry the
/// old fields and the card shows the new ones; a recorded death revokes the card itself.
#[tokio::test]
async fn the_identity_card_follows_the_registry() {
    for t in backends().await {
        let name = t.name();
        let s = issuing(&t).await;
        let c = s.app.state.credentials();
        let holder = Holder::of(&account(9010, DAT, AccountLevel::Two)).unwrap();
        let card = c.integrate(&holder, "cccd", "").await.unwrap();
        let before = c
            .print(&holder, &card.document.id)
            .await
            .unwrap()
            .credential;
        our_verify(&s.app, &before, &Checks::issued(now_s()))
            .await
            .unwrap();

        let moved = "Số 1, phố Tràng Tiền, phường Tràng Tiền, quận Hoàn Kiếm, Hà Nội";
        let path = format!("/api/v1/registry/persons/{DAT}");
        let (status, body) = json_of(
            s.app
                .patch(
                    &path,
                    &json!({"set": {"permanent_residence": moved}, "reason": "moved"}),
                )
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!(
            our_verify(&s.app, &before, &Checks::issued(now_s()))
                .await
                .unwrap_err(),
            Refusal::Revoked,
            "{name}: the old fields are withdrawn"
        );
        let now_held = c.held_document(&holder, &card.document.id).await.unwrap();
        assert_eq!(
            now_held.document.data["permanent_residence"], moved,
            "{name}"
        );
        assert_eq!(now_held.document.status.as_str(), "valid");
        let after = c
            .print(&holder, &card.document.id)
            .await
            .unwrap()
            .credential;
        let verified = our_verify(&s.app, &after, &Checks::issued(now_s()))
            .await
            .unwrap();
        assert_eq!(verified.claims["permanent_residence"], moved);
        // A correction of something the card does not carry changes nothing.
        let (status, _) = json_of(
            s.app
                .patch(
                    &path,
                    &json!({"set": {"religion": "Phật giáo"}, "reason": "declared"}),
                )
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        our_verify(&s.app, &after, &Checks::issued(now_s()))
            .await
            .unwrap();

        let (status, body) = json_of(
            s.app
                .patch(
                    &path,
                    &json!({"set": {"status": "deceased", "death_date": "2026-11-01"},
                            "reason": "death registered"}),
                )
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert_eq!(
            our_verify(&s.app, &after, &Checks::issued(now_s()))
                .await
                .unwrap_err(),
            Refusal::Revoked,
            "{name}"
        );
        let dead = c.held_document(&holder, &card.document.id).await.unwrap();
        assert_eq!(dead.document.status.as_str(), "revoked", "{name}");
        assert!(c.print(&holder, &card.document.id).await.is_err());
        t.close().await;
    }
}

/// The sweep deletes used nonces and access tokens once expired, offers and presentation
/// requests a day after, and nothing that can still be used; credentials stay.
#[tokio::test]
async fn expired_issuance_state_is_purged_and_live_state_kept() {
    for t in backends().await {
        let name = t.name();
        let s = issuing(&t).await;
        let (holder, document) = s.holder_with_licence().await;
        let c = s.app.state.credentials();
        let count = |table: &'static str| {
            let db = t.db.clone();
            async move {
                let sql = format!("SELECT COUNT(*) FROM {table}");
                let (n,): (i64,) = match &db {
                    Db::Sqlite(p) => dinhdanh_store::sqlx::query_as(AssertSqlSafe(sql))
                        .fetch_one(p)
                        .await
                        .unwrap(),
                    Db::Postgres(p) => dinhdanh_store::sqlx::query_as(AssertSqlSafe(sql))
                        .fetch_one(p)
                        .await
                        .unwrap(),
                };
                n
            }
        };
        issue(&s, &holder, &document).await;
        c.request_presentation(
            "bank",
            "account opening",
            "driving_licence",
            &["full_name".into()],
        )
        .await
        .unwrap();
        assert_eq!(
            c.purge_expired().await.unwrap(),
            0,
            "{name}: nothing has expired"
        );
        let live = (
            count("credential_nonces").await,
            count("credential_tokens").await,
            count("credential_offers").await,
            count("credential_presentations").await,
        );
        assert_eq!(live, (1, 1, 1, 1), "{name}");
        // Past the token's and nonce's ten minutes, not yet a day past the offer's.
        s.app
            .accounts
            .clock()
            .advance(std::time::Duration::from_secs(11 * 60));
        assert_eq!(c.purge_expired().await.unwrap(), 2, "{name}");
        assert_eq!(count("credential_offers").await, 1);
        s.app
            .accounts
            .clock()
            .advance(std::time::Duration::from_secs(86_400));
        assert_eq!(c.purge_expired().await.unwrap(), 2, "{name}");
        assert_eq!(
            count("credential_offers").await + count("credential_presentations").await,
            0
        );
        assert_eq!(
            count("credentials_issued").await,
            1,
            "{name}: credentials stay"
        );
        t.close().await;
    }
}

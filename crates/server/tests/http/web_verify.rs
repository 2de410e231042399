//! The public check of digital documents (`/credentials/verify`) as a verifier's browser sees
//! it, without signing in: a printed copy pasted in verifies, and is refused once altered or
//! revoked; a wallet is asked through the form (a QR code of an OpenID4VP request) and the
//! result page follows the request from pending to verified, refused or expired; bad forms make
//! no request, and unknown requests (or an API verifier's) are not found.

use dinhdanh_credentials::Holder;
use dinhdanh_credentials::presentation::Outcome;
use dinhdanh_credentials::sdjwt::{SdJwt, path};
use dinhdanh_oidc::jose::ClientKey;

use crate::credentials::{Issuing, LICENCE, issuing, now_s, proof};
use crate::support::*;
use crate::web::{Browser, Page};

const GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

/// The value of attribute `name` of the element with `id`, unescaped.
fn attribute_of(page: &Page, id: &str, name: &str) -> Option<String> {
    let start = page.body.find(&format!("id=\"{id}\""))?;
    let tag_start = page.body[..start].rfind('<')?;
    let tag_end = start + page.body[start..].find('>')?;
    let tag = &page.body[tag_start..tag_end];
    let marker = format!(" {name}=\"");
    let from = tag.find(&marker)? + marker.len();
    let to = from + tag[from..].find('"')?;
    Some(tag[from..to].replace("&quot;", "\"").replace("&amp;", "&"))
}

/// The markup of the element with `id`, up to the end of the page's main part.
fn from_id<'a>(page: &'a Page, id: &str) -> &'a str {
    let start = page.body.find(&format!("id=\"{id}\"")).expect(id);
    let end = page.body.find("</main>").unwrap_or(page.body.len());
    &page.body[start..end]
}

async fn rows(db: &Db, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    match db {
        Db::Sqlite(pool) => dinhdanh_store::sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_one(pool)
            .await
            .unwrap(),
        Db::Postgres(pool) => dinhdanh_store::sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_one(pool)
            .await
            .unwrap(),
    }
}

/// Pastes `text` into the check form.
async fn paste(browser: &mut Browser, text: &str, lang: &str) -> Page {
    let form = browser.get("/credentials/verify").await;
    let csrf = form.csrf();
    browser
        .post(
            &format!("/credentials/verify/check?lang={lang}"),
            &[("csrf", csrf.as_str()), ("credential", text)],
            None,
        )
        .await
}

/// Sends the wallet request form for a driving licence.
async fn ask(
    browser: &mut Browser,
    doc_type: &str,
    claims: &[&str],
    verifier: &str,
    purpose: &str,
) -> Page {
    let form = browser
        .get("/credentials/verify?type=driving_licence")
        .await;
    let csrf = form.csrf();
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("doc_type", doc_type),
        ("verifier", verifier),
        ("purpose", purpose),
    ];
    fields.extend(claims.iter().map(|c| ("claims", *c)));
    browser.post("/credentials/verify", &fields, None).await
}

/// The request behind the QR code of `page`: the `openid4vp://` URI's parameters, and the
/// result page's address.
fn request_of(page: &Page) -> (String, std::collections::HashMap<String, String>, String) {
    let uri = attribute_of(page, "request-link", "href").expect("a request link");
    assert!(uri.starts_with("openid4vp://?"), "{uri}");
    let params = url::form_urlencoded::parse(&uri.as_bytes()["openid4vp://?".len()..])
        .into_owned()
        .collect();
    let result = attribute_of(page, "result-link", "href").expect("a result link");
    (uri, params, result)
}

// The wallet's side of OpenID4VCI, as in `credentials/protocol.rs`.

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
    body["grants"][GRANT]["pre-authorized_code"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A credential of `document` bound to a fresh wallet key, and that key.
async fn issue(s: &Issuing, holder: &Holder, document: &str) -> (String, ClientKey) {
    let app = &s.app;
    let offer = app
        .state
        .credentials()
        .offer(holder, document)
        .await
        .unwrap();
    let code = code_of(app, &offer).await;
    let (status, body) = json_of(
        app.client
            .post(app.url("/credentials/token"))
            .form(&[
                ("grant_type", GRANT),
                ("pre-authorized_code", code.as_str()),
                ("tx_code", offer.tx_code.as_str()),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let access = body["access_token"].as_str().unwrap().to_owned();
    let (status, body) = json_of(
        app.client
            .post(app.url("/credentials/nonce"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let nonce = body["c_nonce"].as_str().unwrap().to_owned();
    let issuer = app.state.credentials().issuer().to_owned();
    let key = ClientKey::generate("wallet");
    let (status, body) = json_of(
        app.client
            .post(app.url("/credentials/credential"))
            .bearer_auth(&access)
            .json(&json!({"credential_configuration_id": "driving_licence",
                          "proofs": {"jwt": [proof(&key, &issuer, Some(&nonce), now_s())]}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let credential = body["credentials"][0]["credential"]
        .as_str()
        .unwrap()
        .to_owned();
    (credential, key)
}

/// The wallet's answer to a request: `credential` with only `claims` disclosed, bound to
/// `client_id` and `nonce`.
fn vp_token(
    credential: &str,
    key: &ClientKey,
    claims: &[&str],
    client_id: &str,
    nonce: &str,
) -> String {
    let presentation = SdJwt::parse(credential)
        .unwrap()
        .select(|p| claims.iter().any(|c| *p == path(&[c])))
        .unwrap()
        .present(&key.signing, client_id, nonce, now_s());
    json!({ "document": [presentation] }).to_string()
}

#[tokio::test]
async fn a_pasted_printed_copy_verifies_until_it_is_altered_or_revoked() {
    for t in backends().await {
        let name = t.name();
        let s = issuing(&t).await;
        let app = &s.app;
        let (holder, document) = s.holder_with_licence().await;
        let printed = app
            .state
            .credentials()
            .print(&holder, &document)
            .await
            .unwrap()
            .credential;
        let mut visitor = Browser::new(app);

        // The home page links to the page, which is public, bilingual and not stored.
        let home = visitor.get("/").await;
        assert!(home.body.contains("href=\"/credentials/verify\""), "{name}");
        let page = visitor.get("/credentials/verify").await;
        assert_eq!(page.status, StatusCode::OK, "{name}: {}", page.body);
        assert!(page.body.contains("Kiểm tra giấy tờ số"), "{name}");
        assert_eq!(page.headers["cache-control"], "no-store", "{name}");
        assert!(
            page.body
                .contains("<option value=\"driving_licence\">Giấy phép lái xe</option>"),
            "{name}"
        );
        assert!(page.body.contains("id=\"check-form\""), "{name}");
        let english = visitor.get("/credentials/verify?lang=en").await;
        assert!(english.body.contains("Check a digital document"), "{name}");

        // The printed copy, with its lines broken as a copy from a page may break them.
        let broken: String = printed
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join("\r\n");
        let valid = paste(&mut visitor, &broken, "vi").await;
        assert_eq!(valid.status, StatusCode::OK, "{name}: {}", valid.body);
        assert_eq!(
            attribute_of(&valid, "check-result", "data-valid").as_deref(),
            Some("true"),
            "{name}: {}",
            valid.body
        );
        let shown = from_id(&valid, "check-claims");
        assert!(shown.contains(LICENCE), "{name}");
        assert!(shown.contains("Nguyễn Văn An"), "{name}");
        assert!(shown.contains("Giấy phép lái xe"), "{name}");
        assert!(
            shown.contains("15/03/1990"),
            "{name}: dates the Vietnamese way"
        );
        assert!(shown.contains("Cục Cảnh sát giao thông"), "{name}");
        // Paper is bound to no key: no warning about a wallet's key.
        assert!(!valid.body.contains("id=\"check-bound\""), "{name}");

        // One character of the signature changed: refused, with the reason, and nothing else.
        let (jwt, rest) = printed.split_once('~').unwrap();
        let dot = jwt.rfind('.').unwrap();
        let mut altered_jwt = jwt.as_bytes().to_vec();
        let at = dot + 10;
        altered_jwt[at] = if altered_jwt[at] == b'A' { b'B' } else { b'A' };
        let altered = format!("{}~{rest}", String::from_utf8(altered_jwt).unwrap());
        let refused = paste(&mut visitor, &altered, "vi").await;
        assert_eq!(refused.status, StatusCode::OK, "{name}");
        assert_eq!(
            attribute_of(&refused, "check-result", "data-code").as_deref(),
            Some("bad_signature"),
            "{name}: {}",
            refused.body
        );
        assert!(refused.body.contains("Chữ ký số không hợp lệ"), "{name}");
        assert!(
            refused.body.contains("the issuer's signature is not valid"),
            "{name}: the library's reason, in English"
        );
        assert!(!refused.body.contains(LICENCE), "{name}");
        assert!(!refused.body.contains("Nguyễn Văn An"), "{name}");
        assert!(!refused.body.contains("id=\"check-claims\""), "{name}");

        // Not a document at all, and nothing pasted.
        let junk = paste(&mut visitor, "hello", "en").await;
        assert_eq!(
            attribute_of(&junk, "check-result", "data-code").as_deref(),
            Some("malformed"),
            "{name}"
        );
        assert!(junk.body.contains("The document cannot be read"), "{name}");
        let empty = paste(&mut visitor, "  \n ", "vi").await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");

        // Without the CSRF token: refused.
        let forged = visitor
            .post(
                "/credentials/verify/check",
                &[("credential", printed.as_str())],
                None,
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{name}");

        // The agency revokes the licence: the copy is refused as revoked, in both languages.
        let (status, body) = s.set_status(LICENCE, "revoked").await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        let revoked = paste(&mut visitor, &printed, "vi").await;
        assert_eq!(
            attribute_of(&revoked, "check-result", "data-code").as_deref(),
            Some("revoked"),
            "{name}: {}",
            revoked.body
        );
        assert!(revoked.body.contains("đã bị cơ quan cấp thu hồi"), "{name}");
        assert!(!revoked.body.contains(LICENCE), "{name}");
        let revoked = paste(&mut visitor, &printed, "en").await;
        assert!(
            revoked
                .body
                .contains("The issuing agency has revoked the document."),
            "{name}"
        );
        assert!(
            revoked
                .body
                .contains("the credential was revoked by its issuer"),
            "{name}"
        );
        t.close().await;
    }
}

#[tokio::test]
async fn a_wallet_is_asked_through_the_form_and_the_result_page_follows_the_answer() {
    for t in backends().await {
        let name = t.name();
        let s = issuing(&t).await;
        let app = &s.app;
        let credentials = app.state.credentials();
        let (holder, document) = s.holder_with_licence().await;
        let (credential, key) = issue(&s, &holder, &document).await;
        let mut verifier = Browser::new(app);

        // The second step of the form: the licence's fields to tick.
        let form = verifier
            .get("/credentials/verify?type=driving_licence")
            .await;
        assert_eq!(form.status, StatusCode::OK, "{name}");
        assert!(form.body.contains("id=\"ask-form\""), "{name}");
        assert!(
            form.body.contains("name=\"claims\" value=\"number\""),
            "{name}"
        );
        assert!(form.body.contains("Họ, chữ đệm và tên"), "{name}");

        let shown = ask(
            &mut verifier,
            "driving_licence",
            &["number", "full_name"],
            "Cửa hàng cho thuê xe Minh Anh",
            "Kiểm tra giấy phép trước khi cho thuê xe",
        )
        .await;
        assert_eq!(shown.status, StatusCode::OK, "{name}: {}", shown.body);
        assert_eq!(shown.headers["cache-control"], "no-store", "{name}");
        assert!(from_id(&shown, "request-qr").contains("<svg"), "{name}");
        let (_, params, result) = request_of(&shown);
        assert_eq!(params["response_mode"], "direct_post", "{name}");
        assert_eq!(params["response_type"], "vp_token", "{name}");
        assert_eq!(
            params["client_id"],
            credentials.verifier_client_id(),
            "{name}"
        );
        let dcql: Value = serde_json::from_str(&params["dcql_query"]).unwrap();
        assert_eq!(
            dcql["credentials"][0]["meta"]["vct_values"][0],
            json!(format!("{}/types/driving_licence", credentials.issuer())),
            "{name}"
        );
        assert_eq!(
            dcql["credentials"][0]["claims"],
            json!([{"path": ["number"]}, {"path": ["full_name"]}]),
            "{name}"
        );
        assert!(result.starts_with("/credentials/verify/"), "{name}");

        // Nobody has answered yet: the page says so and reloads itself.
        let pending = verifier.get(&result).await;
        assert_eq!(pending.status, StatusCode::OK, "{name}: {}", pending.body);
        assert_eq!(
            attribute_of(&pending, "outcome", "data-outcome").as_deref(),
            Some("pending"),
            "{name}"
        );
        assert_eq!(pending.headers["refresh"], "3", "{name}");
        assert_eq!(pending.headers["cache-control"], "no-store", "{name}");
        assert!(
            pending.body.contains("Cửa hàng cho thuê xe Minh Anh"),
            "{name}"
        );
        assert!(pending.body.contains("tự khai"), "{name}");
        let still = verifier.get(&format!("{result}?auto=0")).await;
        assert!(still.headers.get("refresh").is_none(), "{name}");

        // The wallet answers with the two claims asked, bound to this request.
        let answer = vp_token(
            &credential,
            &key,
            &["number", "full_name"],
            &params["client_id"],
            &params["nonce"],
        );
        let outcome = credentials
            .receive_presentation(&params["state"], &answer)
            .await
            .unwrap();
        assert!(
            matches!(outcome, Outcome::Verified { .. }),
            "{name}: {outcome:?}"
        );

        let verified = verifier.get(&result).await;
        assert_eq!(
            attribute_of(&verified, "outcome", "data-outcome").as_deref(),
            Some("verified"),
            "{name}: {}",
            verified.body
        );
        assert!(verified.headers.get("refresh").is_none(), "{name}");
        let claims = from_id(&verified, "claims");
        assert!(claims.contains(LICENCE), "{name}");
        assert!(claims.contains("Nguyễn Văn An"), "{name}");
        assert!(claims.contains("<dt>Số</dt>"), "{name}");
        assert!(claims.contains("Họ, chữ đệm và tên"), "{name}");
        assert!(claims.contains(credentials.issuer()), "{name}");
        assert!(
            !claims.contains("15/03/1990"),
            "{name}: not asked, not shown"
        );
        let english = verifier.get(&format!("{result}?lang=en")).await;
        assert!(english.body.contains("Verified."), "{name}");
        assert!(english.body.contains("<dt>Full name</dt>"), "{name}");
        assert!(english.body.contains("Driving licence"), "{name}");

        // A second request, answered with a presentation made for the first: refused, and the
        // page says why.
        let second = ask(
            &mut verifier,
            "driving_licence",
            &["classes"],
            "Cửa hàng cho thuê xe Minh Anh",
            "Kiểm tra hạng xe",
        )
        .await;
        let (_, params2, result2) = request_of(&second);
        let replayed = vp_token(
            &credential,
            &key,
            &["classes"],
            &params["client_id"],
            &params["nonce"],
        );
        let outcome = credentials
            .receive_presentation(&params2["state"], &replayed)
            .await
            .unwrap();
        assert!(
            matches!(outcome, Outcome::Refused { .. }),
            "{name}: {outcome:?}"
        );
        let refused = verifier.get(&format!("{result2}?lang=vi")).await;
        assert_eq!(
            attribute_of(&refused, "outcome", "data-code").as_deref(),
            Some("bad_key_binding"),
            "{name}: {}",
            refused.body
        );
        assert!(refused.body.contains("ràng buộc khóa"), "{name}");
        assert!(
            refused.body.contains("nonce"),
            "{name}: the library's reason"
        );
        assert!(refused.headers.get("refresh").is_none(), "{name}");

        // A presentation pasted into the check form is pointed to the wallet request.
        let answered: Value = serde_json::from_str(&answer).unwrap();
        let presentation = answered["document"][0].as_str().unwrap();
        let pasted = paste(&mut verifier, presentation, "en").await;
        assert_eq!(
            attribute_of(&pasted, "check-result", "data-code").as_deref(),
            Some("bad_key_binding"),
            "{name}: {}",
            pasted.body
        );
        assert!(pasted.body.contains("id=\"check-presentation\""), "{name}");
        assert!(
            pasted
                .body
                .contains("a key-binding JWT where none was asked for"),
            "{name}"
        );
        // The wallet's credential itself verifies, with a warning that it proves no holder.
        let bare = paste(&mut verifier, &credential, "vi").await;
        assert_eq!(
            attribute_of(&bare, "check-result", "data-valid").as_deref(),
            Some("true"),
            "{name}: {}",
            bare.body
        );
        assert!(bare.body.contains("id=\"check-bound\""), "{name}");

        // A third request nobody answers expires.
        let third = ask(
            &mut verifier,
            "driving_licence",
            &["number"],
            "Cửa hàng cho thuê xe Minh Anh",
            "Kiểm tra số giấy phép",
        )
        .await;
        let (_, _, result3) = request_of(&third);
        app.accounts
            .clock()
            .advance(std::time::Duration::from_secs(601));
        let expired = verifier.get(&result3).await;
        assert_eq!(
            attribute_of(&expired, "outcome", "data-outcome").as_deref(),
            Some("expired"),
            "{name}: {}",
            expired.body
        );
        assert!(expired.headers.get("refresh").is_none(), "{name}");
        t.close().await;
    }
}

#[tokio::test]
async fn bad_forms_make_no_request_and_unknown_requests_are_not_found() {
    for t in backends().await {
        let name = t.name();
        let s = issuing(&t).await;
        let app = &s.app;
        let mut visitor = Browser::new(app);
        let before = rows(&t.db, "credential_presentations").await;

        // (type, claims, name, purpose, status, message)
        type Case<'a> = (
            &'a str,
            &'a [&'a str],
            &'a str,
            &'a str,
            StatusCode,
            &'a str,
        );
        let cases: [Case; 5] = [
            (
                "driving_licence",
                &[],
                "Cửa hàng",
                "Thuê xe",
                StatusCode::UNPROCESSABLE_ENTITY,
                "Hãy chọn ít nhất một thông tin cần xem.",
            ),
            (
                "passport",
                &["number"],
                "Cửa hàng",
                "Thuê xe",
                StatusCode::BAD_REQUEST,
                "Không có loại giấy tờ này",
            ),
            (
                "driving_licence",
                &["number", "colour"],
                "Cửa hàng",
                "Thuê xe",
                StatusCode::BAD_REQUEST,
                "không có trong loại giấy tờ này",
            ),
            (
                "driving_licence",
                &["number"],
                "   ",
                "Thuê xe",
                StatusCode::UNPROCESSABLE_ENTITY,
                "Hãy nhập tên",
            ),
            (
                "driving_licence",
                &["number"],
                "Cửa hàng",
                "",
                StatusCode::UNPROCESSABLE_ENTITY,
                "Hãy nhập mục đích",
            ),
        ];
        for (doc_type, claims, who, purpose, status, message) in cases {
            let page = ask(&mut visitor, doc_type, claims, who, purpose).await;
            assert_eq!(
                page.status, status,
                "{name}: {doc_type} {claims:?}: {}",
                page.body
            );
            assert!(
                from_id(&page, "verify-error").contains(message),
                "{name}: {doc_type} {claims:?}: {}",
                page.body
            );
            assert!(!page.body.contains("openid4vp://"), "{name}");
            assert!(!page.body.contains("<svg"), "{name}");
        }
        // What was sent is kept in the form shown again.
        let kept = ask(
            &mut visitor,
            "driving_licence",
            &["full_name"],
            "Cửa hàng",
            "",
        )
        .await;
        assert!(
            kept.body.contains("value=\"full_name\" checked"),
            "{name}: {}",
            kept.body
        );
        assert!(kept.body.contains("value=\"Cửa hàng\""), "{name}");
        // Without the CSRF token: refused.
        let forged = visitor
            .post(
                "/credentials/verify",
                &[
                    ("doc_type", "driving_licence"),
                    ("claims", "number"),
                    ("verifier", "Cửa hàng"),
                    ("purpose", "Thuê xe"),
                ],
                None,
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{name}");
        assert_eq!(
            rows(&t.db, "credential_presentations").await,
            before,
            "{name}: no request was made"
        );

        // An unknown type in the first step.
        let unknown = visitor.get("/credentials/verify?type=passport").await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(from_id(&unknown, "verify-error").contains("Không có loại giấy tờ này"));

        // An unknown request.
        let missing = visitor
            .get("/credentials/verify/AAAAAAAAAAAAAAAAAAAAAA")
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{name}");
        assert!(
            from_id(&missing, "verify-error").contains("Không có yêu cầu xuất trình nào"),
            "{name}"
        );

        // A bank's request through the API is the bank's: not shown here, id or not.
        let (status, request) = json_of(
            app.client
                .post(app.url("/api/v1/credentials/verifications"))
                .bearer_auth(&s.verifier_token)
                .json(&json!({"type": "driving_licence", "claims": ["number"],
                              "purpose": "opening a bank account"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {request}");
        let theirs = visitor
            .get(&format!(
                "/credentials/verify/{}",
                request["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{name}");
        t.close().await;
    }
}

//! "My documents" (`/account/documents`) as a citizen's browser sees it: a licence an agency
//! recorded is integrated through the form, offered to a wallet (QR code and transaction code)
//! and printed with a credential that verifies; wrong numbers change nothing, nobody reaches
//! another person's document, a revoked document cannot go to a wallet, and the identity card
//! needs a level-2 account.

use dinhdanh_credentials::Refusal;
use dinhdanh_credentials::sdjwt::{self, Checks};

use crate::credentials::{LICENCE, issuing, now_s};
use crate::support::*;
use crate::web::{Browser, Page, citizen};

/// One document as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    id: String,
    doc_type: String,
    status: String,
    /// Its markup, up to the end of its card.
    html: String,
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = start + tag[start..].find('"')?;
    Some(tag[start..end].replace("&amp;", "&"))
}

/// The documents listed on the page, in page order.
fn listed(page: &Page) -> Vec<Listed> {
    page.body
        .split("<article class=\"document\"")
        .skip(1)
        .map(|part| {
            let tag = &part[..part.find('>').expect("tag end")];
            let end = part.find("</article>").unwrap_or(part.len());
            Listed {
                id: attribute(tag, "id")
                    .and_then(|id| id.strip_prefix("document-").map(str::to_owned))
                    .expect("a document id"),
                doc_type: attribute(tag, "data-type").unwrap(),
                status: attribute(tag, "data-status").unwrap(),
                html: part[..end].to_owned(),
            }
        })
        .collect()
}

/// The text inside the element with `id` (up to its first closing tag).
fn inner(page: &Page, id: &str) -> Option<String> {
    let start = page.body.find(&format!("id=\"{id}\""))?;
    let open_end = start + page.body[start..].find('>')? + 1;
    let close = open_end + page.body[open_end..].find("</")?;
    Some(page.body[open_end..close].to_owned())
}

/// Integrates a document through the form.
async fn integrate(browser: &mut Browser, doc_type: &str, number: &str) -> Page {
    let form = browser.get("/account/documents").await;
    let csrf = form.csrf();
    browser
        .post(
            "/account/documents",
            &[
                ("csrf", csrf.as_str()),
                ("doc_type", doc_type),
                ("number", number),
            ],
            None,
        )
        .await
}

/// Presses "Thêm vào ví" for document `id`.
async fn offer(browser: &mut Browser, id: &str) -> Page {
    press(browser, id, "offer").await
}

/// Presses "Bản in" for document `id`.
async fn print(browser: &mut Browser, id: &str) -> Page {
    press(browser, id, "print").await
}

/// Presses the button of document `id` that posts to `action`.
async fn press(browser: &mut Browser, id: &str, action: &str) -> Page {
    let list = browser.get("/account/documents").await;
    let csrf = list.csrf();
    browser
        .post(
            &format!("/account/documents/{id}/{action}"),
            &[("csrf", csrf.as_str())],
            None,
        )
        .await
}

#[tokio::test]
async fn a_citizen_integrates_a_licence_offers_it_to_a_wallet_and_prints_it() {
    for t in backends().await {
        let name = t.name();
        let issuing = issuing(&t).await;
        let app = &issuing.app;
        let mut an = citizen(
            app,
            &t.db,
            AN_HN,
            "Nguyễn Văn An",
            "1990-03-15",
            "0944000111",
        )
        .await;

        // Not signed in: to the sign-in page.
        let away = Browser::new(app).get("/account/documents").await;
        assert_eq!(away.status, StatusCode::SEE_OTHER, "{name}");
        assert_eq!(away.headers["location"], "/login", "{name}");

        // The dashboard links to the page, which starts empty, in Vietnamese.
        let dashboard = an.get("/account").await;
        assert!(
            dashboard.body.contains("href=\"/account/documents\""),
            "{name}"
        );
        let empty = an.get("/account/documents").await;
        assert_eq!(empty.status, StatusCode::OK, "{name}: {}", empty.body);
        assert!(empty.body.contains("Giấy tờ của tôi"), "{name}");
        assert!(empty.body.contains("id=\"documents-empty\""), "{name}");
        assert!(listed(&empty).is_empty(), "{name}");
        assert!(
            empty.body.contains("<option value=\"driving_licence\""),
            "{name}"
        );

        // The traffic police record a licence for An, and one for someone else.
        let (status, body) = issuing.put_licence(LICENCE, AN_HN).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        let (status, body) = issuing.put_licence("790000000002", BICH).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");

        // An integrates his own through the form.
        let done = integrate(&mut an, "driving_licence", LICENCE).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{name}: {}", done.body);
        assert_eq!(
            done.headers["location"], "/account/documents?done=integrated",
            "{name}"
        );
        let list = an.get("/account/documents?done=integrated").await;
        assert!(list.body.contains("role=\"status\""), "{name}");
        let docs = listed(&list);
        assert_eq!(docs.len(), 1, "{name}: {}", list.body);
        let doc = docs[0].clone();
        assert_eq!(doc.doc_type, "driving_licence", "{name}");
        assert_eq!(doc.status, "valid", "{name}");
        assert!(doc.html.contains("Giấy phép lái xe"), "{name}");
        assert!(doc.html.contains(LICENCE), "{name}");
        assert!(doc.html.contains("Cục Cảnh sát giao thông"), "{name}");
        assert!(doc.html.contains("Còn hiệu lực"), "{name}");
        assert!(doc.html.contains("Thêm vào ví"), "{name}");
        assert!(
            doc.html
                .contains(&format!("action=\"/account/documents/{}/print\"", doc.id)),
            "{name}"
        );

        // A wrong number, someone else's number and a malformed number are refused in words,
        // with the form kept, and change nothing.
        for (number, status) in [
            ("790999999999", StatusCode::NOT_FOUND),
            ("790000000002", StatusCode::NOT_FOUND),
            ("79 01", StatusCode::BAD_REQUEST),
        ] {
            let refused = integrate(&mut an, "driving_licence", number).await;
            assert_eq!(refused.status, status, "{name} {number}: {}", refused.body);
            assert!(
                refused.body.contains("id=\"documents-error\""),
                "{name} {number}"
            );
            assert!(
                refused.body.contains(&format!("value=\"{number}\"")),
                "{name} {number}: the number is kept"
            );
            assert!(
                refused
                    .body
                    .contains("<option value=\"driving_licence\" selected"),
                "{name} {number}: the type is kept"
            );
            assert_eq!(listed(&refused).len(), 1, "{name} {number}");
        }
        assert!(
            integrate(&mut an, "driving_licence", "790999999999")
                .await
                .body
                .contains("Không tìm thấy giấy tờ"),
            "{name}"
        );
        let still = listed(&an.get("/account/documents").await);
        assert_eq!(still.len(), 1, "{name}");
        assert_eq!(still[0].id, doc.id, "{name}");

        // The wallet offer: a QR code, a 6-digit code in large digits, the expiry, the link
        // for a wallet on this device; never cached.
        let page = offer(&mut an, &doc.id).await;
        assert_eq!(page.status, StatusCode::OK, "{name}: {}", page.body);
        assert_eq!(page.headers["cache-control"], "no-store", "{name}");
        let code = attribute(
            &page.body[page.body.find("id=\"tx-code\"").expect("the code")..],
            "data-code",
        )
        .unwrap();
        assert!(
            code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
            "{name}: {code}"
        );
        assert!(page.body.contains("class=\"tx-code\""), "{name}");
        assert!(page.body.contains("<svg"), "{name}");
        assert!(page.body.contains("role=\"img\""), "{name}");
        assert!(inner(&page, "offer-expiry").is_some(), "{name}");
        let at = page.body.find("id=\"offer-link\"").expect("the link");
        let tag_start = page.body[..at].rfind('<').unwrap();
        let tag = &page.body[tag_start..at + page.body[at..].find('>').unwrap()];
        let link = attribute(tag, "href").unwrap();
        assert!(
            link.starts_with("openid-credential-offer://?credential_offer_uri="),
            "{name}: {link}"
        );
        // The offer behind the link is the wallet's to fetch.
        let offer_url: String = url_decode(
            link.split_once("credential_offer_uri=")
                .map(|(_, u)| u)
                .unwrap(),
        );
        let (status, offered) = json_of(
            app.client
                .get(offer_url.replace(&app.origin, &app.address))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {offered}");
        assert_eq!(
            offered["credential_configuration_ids"],
            json!(["driving_licence"]),
            "{name}"
        );

        // The printable copy: the fields with their names, a QR code, and the credential as
        // text, which verifies with the issuer's key and holds the number.
        let printed = print(&mut an, &doc.id).await;
        assert_eq!(printed.status, StatusCode::OK, "{name}: {}", printed.body);
        assert_eq!(printed.headers["cache-control"], "no-store", "{name}");
        assert!(printed.body.contains("Họ, chữ đệm và tên"), "{name}");
        assert!(printed.body.contains("Nguyễn Văn An"), "{name}");
        assert!(printed.body.contains("15/03/1990"), "{name}");
        assert!(printed.body.contains("A1, B"), "{name}");
        assert!(printed.body.contains("<svg"), "{name}");
        assert!(printed.body.contains("/static/documents.css"), "{name}");
        assert!(
            printed.body.contains("dinhdanh credential verify"),
            "{name}"
        );
        let text = inner(&printed, "document-credential").expect("the credential's text");
        let keys = app.state.credentials().keys().await.unwrap();
        let verified = sdjwt::verify(
            &text,
            |iss, kid| {
                kid.and_then(|k| keys.published.get(k).cloned())
                    .ok_or_else(|| Refusal::UnknownIssuerKey {
                        issuer: iss.to_owned(),
                        kid: kid.map(str::to_owned),
                    })
            },
            &Checks::issued(now_s()),
        )
        .expect("the printed credential verifies");
        assert_eq!(verified.claims["number"], json!(LICENCE), "{name}");
        assert_eq!(
            verified.claims["full_name"],
            json!("Nguyễn Văn An"),
            "{name}"
        );
        assert!(
            verified.claims.get("cnf").is_none(),
            "{name}: a paper copy is bound to no key"
        );
        let css = Browser::new(app).get("/static/documents.css").await;
        assert_eq!(css.status, StatusCode::OK, "{name}");
        assert!(css.body.contains("@media print"), "{name}");

        // Another citizen reaches neither the copy nor the offer, and lists nothing.
        let mut bich = citizen(
            app,
            &t.db,
            BICH,
            "Trần Thị Bích",
            "1995-07-20",
            "0944000222",
        )
        .await;
        let theirs = print(&mut bich, &doc.id).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{name}");
        assert!(!theirs.body.contains(LICENCE), "{name}");
        assert!(!theirs.body.contains("document-credential"), "{name}");
        let theirs = offer(&mut bich, &doc.id).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{name}");
        assert!(!theirs.body.contains("tx-code"), "{name}");
        assert!(
            listed(&bich.get("/account/documents").await).is_empty(),
            "{name}"
        );
        // Nor can they integrate An's licence.
        let refused = integrate(&mut bich, "driving_licence", LICENCE).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{name}");
        assert!(listed(&refused).is_empty(), "{name}");

        // The English page.
        let english = an.get("/account/documents?lang=en").await;
        assert!(english.body.contains("My documents"), "{name}");
        assert!(english.body.contains("Driving licence"), "{name}");
        assert!(english.body.contains("Add to a wallet"), "{name}");
        t.close().await;
    }
}

fn url_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

#[tokio::test]
async fn a_revoked_document_is_listed_as_revoked_and_cannot_go_to_a_wallet() {
    for t in backends().await {
        let name = t.name();
        let issuing = issuing(&t).await;
        let app = &issuing.app;
        let mut an = citizen(
            app,
            &t.db,
            AN_HN,
            "Nguyễn Văn An",
            "1990-03-15",
            "0944000333",
        )
        .await;
        let (status, body) = issuing.put_licence(LICENCE, AN_HN).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        let done = integrate(&mut an, "driving_licence", LICENCE).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{name}: {}", done.body);
        let doc = listed(&an.get("/account/documents").await).remove(0);

        let (status, body) = issuing.set_status(LICENCE, "revoked").await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");

        // Listed as revoked, with the issuer's reason.
        let list = an.get("/account/documents").await;
        let docs = listed(&list);
        assert_eq!(docs.len(), 1, "{name}");
        assert_eq!(docs[0].id, doc.id, "{name}");
        assert_eq!(docs[0].status, "revoked", "{name}");
        assert!(docs[0].html.contains("Đã bị thu hồi"), "{name}");
        assert!(
            docs[0]
                .html
                .contains("licence withdrawn by a court decision"),
            "{name}"
        );

        // The wallet button is refused with a message; so is the printed copy.
        let refused = offer(&mut an, &doc.id).await;
        assert_eq!(
            refused.status,
            StatusCode::CONFLICT,
            "{name}: {}",
            refused.body
        );
        assert!(refused.body.contains("id=\"documents-error\""), "{name}");
        assert!(refused.body.contains("role=\"alert\""), "{name}");
        assert!(refused.body.contains("Đã bị thu hồi"), "{name}");
        assert!(!refused.body.contains("tx-code"), "{name}");
        let refused = print(&mut an, &doc.id).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{name}");
        assert!(!refused.body.contains("document-credential"), "{name}");

        // Integrating it again is refused too.
        let again = integrate(&mut an, "driving_licence", LICENCE).await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(again.body.contains("id=\"documents-error\""), "{name}");
        t.close().await;
    }
}

#[tokio::test]
async fn the_identity_card_needs_a_level_2_account() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let mut dat = citizen(&app, &t.db, DAT, "Đặng Đức Đạt", "1990-06-30", "0944000444").await;
        let form = dat.get("/account/documents").await;
        assert!(form.body.contains("<option value=\"cccd\""), "{name}");
        assert!(form.body.contains("id=\"level-1-note\""), "{name}");

        let refused = integrate(&mut dat, "cccd", "").await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{name}: {}",
            refused.body
        );
        let error = inner(&refused, "documents-error").expect("the refusal");
        assert!(error.contains("mức 2"), "{name}: {error}");
        assert!(
            refused.body.contains("<option value=\"cccd\" selected"),
            "{name}"
        );
        assert!(listed(&refused).is_empty(), "{name}");
        assert!(
            listed(&dat.get("/account/documents").await).is_empty(),
            "{name}"
        );
        t.close().await;
    }
}

//! The National Public Service Portal as a citizen's browser uses it, on SQLite and PostgreSQL:
//! the catalogue, a sign-in through the OpenID provider's real pages (the portal is its own
//! relying party), a draft pre-filled from the registry and that read in the citizen's access
//! history, uploads, filing, the list, the public status check, paying a fee through the sandbox
//! gateway, and signing out at the provider ending the portal session (back-channel logout); and
//! what must be refused: other people's applications, tampered callbacks, forged cookies, an ID
//! token with another nonce, files that are not what they claim, incomplete filings, posts
//! without the CSRF token, and logout tokens that break a rule.

use dinhdanh_payment::IpnOutcome;
use dinhdanh_services::{Move, Step, UnitCode};

use crate::support::*;
use crate::web::{Browser, CITIZEN_PASSWORD, Page, citizen};

/// Permanent-residence registration at the ward: fully online, 20,000 đồng, 7 working days.
const PROCEDURE: &str = "1.004194";
/// A procedure filed only at the counter.
const COUNTER_ONLY: &str = "2.000001";
const WARD: &str = "000.00.12.H29";
/// A PDF whose bytes are not UTF-8, so that a download is compared byte for byte.
const PDF: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj <<>> endobj\n%%EOF\n";
/// A web page that calls itself a PDF.
const HTML: &[u8] = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>";

fn catalogue() -> dinhdanh_services::CatalogueFile {
    let texts = |vi: &str, en: &str| json!({"vi": vi, "en": en});
    let file = json!({
        "format": "dinhdanh.procedures/1",
        "procedures": [{
            "code": PROCEDURE,
            "name": texts("Đăng ký thường trú", "Permanent-residence registration"),
            "agency": {"unit": WARD, "name": texts("Công an phường Hàng Bạc", "Hàng Bạc ward police")},
            "field": texts("Cư trú", "Residence"),
            "level": "full",
            "steps": [texts("Nộp hồ sơ", "File the application"), texts("Nhận kết quả", "Receive the result")],
            "channels": ["online", "counter"],
            "documents": [
                {"id": "proof_of_home", "name": texts("Giấy tờ chứng minh chỗ ở", "Proof of lawful residence"),
                 "required": true, "types": ["application/pdf"], "max_bytes": 4096},
                {"id": "other", "name": texts("Giấy tờ khác", "Other papers"), "required": false}
            ],
            "processing_hours": 56,
            "applicants": texts("Công dân Việt Nam", "Vietnamese citizens"),
            "result": texts("Thông báo đăng ký thường trú", "Notice of registration"),
            "fee_vnd": 20_000,
            "fee_note": texts("Thông tư 75/2022/TT-BTC", "Circular 75/2022/TT-BTC"),
            "legal_basis": [texts("Luật Cư trú số 68/2020/QH14", "Law on Residence No. 68/2020/QH14")],
            "prefill": {"service": "population",
                        "fields": ["full_name", "birth_date", "permanent_residence"],
                        "legal_basis": "residence-law-68-2020"},
            "form": [
                {"id": "new_address", "label": texts("Địa chỉ mới", "New address"),
                 "kind": "text", "max": 200, "required": true},
                {"id": "relation", "label": texts("Quan hệ với chủ hộ", "Relation to the householder"),
                 "kind": "choice", "required": false,
                 "options": [{"code": "owner", "label": texts("Chủ hộ", "Householder")},
                             {"code": "child", "label": texts("Con", "Child")}]}
            ]
        }, {
            "code": COUNTER_ONLY,
            "name": texts("Cấp bản sao trích lục hộ tịch", "Copy of a civil-status extract"),
            "agency": {"unit": "000.00.00.G10", "name": texts("Bộ Tư pháp", "Ministry of Justice")},
            "field": texts("Hộ tịch", "Civil status"),
            "level": "partial",
            "steps": [texts("Nộp tại quầy", "File at the counter")],
            "channels": ["counter"],
            "documents": [],
            "processing_hours": 4,
            "applicants": texts("Công dân", "Citizens"),
            "result": texts("Bản sao", "A copy"),
            "fee_vnd": 0,
            "fee_note": texts("Miễn phí", "Free"),
            "legal_basis": [texts("Luật Hộ tịch 2014", "Law on Civil Status 2014")],
            "prefill": null,
            "form": []
        }]
    });
    dinhdanh_services::CatalogueFile::parse(&file.to_string()).expect("a valid catalogue")
}

/// The seeded server with the catalogue, and the portal allowed to pre-fill residence
/// procedures from the population registry under the Law on Residence.
async fn portal_app(t: &TestDb) -> TestApp {
    let app = seeded_app(t).await;
    // The first request waits for the server to start, which registers the portal client.
    assert_eq!(app.get_anonymous("/healthz").await.status(), StatusCode::OK);
    app.state
        .services()
        .import_catalogue(&catalogue())
        .await
        .expect("import the catalogue");
    let policy = json!({"rules": [{
        "id": "portal-residence", "agency": dinhdanh_services::PORTAL_CLIENT,
        "service": "population", "fields": ["full_name", "birth_date", "permanent_residence"],
        "purposes": [dinhdanh_services::PREFILL_PURPOSE],
        "basis": {"law": "residence-law-68-2020"}, "min_security_level": 3
    }]});
    app.state
        .exchange()
        .set_policy(
            &policy.to_string(),
            "test",
            "the portal pre-fills residence procedures",
        )
        .await
        .expect("set the sharing policy");
    app
}

fn location(page: &Page) -> String {
    page.headers["location"].to_str().unwrap().to_owned()
}

/// A path on the test server, from a Location that may name the public origin.
fn local(app: &TestApp, to: &str) -> String {
    to.strip_prefix(&app.origin)
        .or_else(|| to.strip_prefix(&app.address))
        .unwrap_or(to)
        .to_owned()
}

fn form_action(body: &str, id: &str) -> String {
    let start = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("a form #{id} in {body}"));
    let tag = &body[start..start + body[start..].find('>').expect("tag end")];
    let a = tag.find("action=\"").expect("an action") + 8;
    tag[a..a + tag[a..].find('"').expect("quote")].replace("&amp;", "&")
}

/// The text of the element with `id` (up to its first child tag).
fn text_of(body: &str, id: &str) -> String {
    let start = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("an element #{id} in {body}"));
    let open = start + body[start..].find('>').expect("tag end") + 1;
    body[open..open + body[open..].find('<').expect("a closing tag")].to_owned()
}

/// The refusal a page shows, if any.
fn alert_of(body: &str) -> Option<String> {
    let start = body.find("role=\"alert\">")? + "role=\"alert\">".len();
    Some(body[start..start + body[start..].find('<')?].to_owned())
}

fn value_of(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("{name} in {body}"))
        + marker.len();
    body[start..start + body[start..].find('"').unwrap()].to_owned()
}

/// Follows the browser through the provider's pages (sign-in with the password, consent) until
/// it is sent back to the portal's callback; returns that path, not yet visited.
async fn to_callback(app: &TestApp, browser: &mut Browser, mut page: Page, id: &str) -> String {
    for _ in 0..12 {
        match page.status {
            s if s.is_redirection() => {
                let to = local(app, &location(&page));
                if to.starts_with("/portal/callback") {
                    return to;
                }
                page = browser.get(&to).await;
            }
            StatusCode::OK if page.body.contains("id=\"login\"") => {
                let action = form_action(&page.body, "login");
                let csrf = page.csrf();
                let form = [
                    ("csrf", csrf.as_str()),
                    ("personal_id", id),
                    ("password", CITIZEN_PASSWORD),
                ];
                page = browser.post(&action, &form, Some(&app.origin)).await;
            }
            StatusCode::OK if page.body.contains("id=\"consent\"") => {
                let action = form_action(&page.body, "consent");
                let csrf = page.csrf();
                let form = [("csrf", csrf.as_str()), ("decision", "allow")];
                page = browser.post(&action, &form, Some(&app.origin)).await;
            }
            status => panic!(
                "unexpected {status} on the way to the callback: {}",
                page.body
            ),
        }
    }
    panic!("too many steps to the callback")
}

/// Follows redirects to the page they end on; its path and the page.
async fn follow(
    app: &TestApp,
    browser: &mut Browser,
    mut page: Page,
    mut path: String,
) -> (String, Page) {
    for _ in 0..10 {
        if !page.status.is_redirection() {
            return (path, page);
        }
        path = local(app, &location(&page));
        page = browser.get(&path).await;
    }
    panic!("too many redirects from {path}")
}

/// Signs a fresh browser in to the portal through the provider's pages.
/// Nguyễn Văn An, of Hà Nội, with an account.
async fn enrol_an(app: &TestApp, db: &Db) {
    citizen(app, db, AN_HN, "Nguyễn Văn An", "1990-03-15", "0912000111").await;
}

/// An and Trần Thị Bích, each with an account.
async fn enrol_an_and_bich(app: &TestApp, db: &Db) {
    enrol_an(app, db).await;
    citizen(app, db, BICH, "Trần Thị Bích", "1995-07-20", "0933000111").await;
}

async fn portal_browser(app: &TestApp, id: &str) -> Browser {
    let mut browser = Browser::new(app);
    let start = browser.get("/portal/login").await;
    let callback = to_callback(app, &mut browser, start, id).await;
    let back = browser.get(&callback).await;
    let (path, page) = follow(app, &mut browser, back, callback).await;
    assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    assert!(browser.jar.contains_key("dvc_session"), "{path}");
    browser
}

/// Starts a draft of the procedure; its ID.
async fn start_draft(app: &TestApp, browser: &mut Browser) -> String {
    let page = browser
        .get(&format!("/portal/procedures/{PROCEDURE}"))
        .await;
    let csrf = page.csrf();
    let path = format!("/portal/procedures/{PROCEDURE}/apply");
    let started = browser
        .post(&path, &[("csrf", &csrf)], Some(&app.origin))
        .await;
    let (path, page) = follow(app, browser, started, path).await;
    assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    application_id(&path)
}

fn application_id(path: &str) -> String {
    path.strip_prefix("/portal/applications/")
        .unwrap_or_else(|| panic!("an application page, not {path}"))
        .split(['?', '/'])
        .next()
        .unwrap()
        .to_owned()
}

/// Posts a file the way a browser's upload form does (multipart, the CSRF token first).
async fn upload(
    app: &TestApp,
    browser: &Browser,
    id: &str,
    csrf: Option<&str>,
    name: &str,
    bytes: &[u8],
) -> Page {
    let boundary = "dinhdanh-test-7d1f3c";
    let mut body = Vec::new();
    let mut text = |field: &str, value: &str| {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    };
    if let Some(csrf) = csrf {
        text("csrf", csrf);
    }
    text("document", "proof_of_home");
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/pdf\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let cookies = browser
        .jar
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let response = browser
        .client
        .post(app.url(&format!("/portal/applications/{id}/documents")))
        .header("cookie", cookies)
        .header("origin", &app.origin)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    Page {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    }
}

/// The status a page shows for the application (`draft` before filing).
fn status_on(page: &Page) -> String {
    let marker = "data-status=\"";
    let start = page.body.find(marker).expect("an application") + marker.len();
    page.body[start..start + page.body[start..].find('"').unwrap()].to_owned()
}

mod access;
mod fees;
mod input;
mod journey;
mod logout;

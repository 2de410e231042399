//! The National Public Service Portal as a citizen's browser uses it, on SQLite and PostgreSQL:
//! the catalogue, a sign-in through the OpenID provider's real pages (the portal is its own
//! relying party), a draft pre-filled from the registry and that read in the citizen's access
//! history, uploads, filing, the list, the public status check, paying a fee through the sandbox
//! gateway; and what must be refused: other people's applications, tampered callbacks, forged
//! cookies, an ID token with another nonce, files that are not what they claim, incomplete
//! filings and posts without the CSRF token.

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

#[tokio::test]
async fn a_citizen_signs_in_through_the_provider_and_files_a_prefilled_application() {
    for t in backends().await {
        let name = t.name();
        let app = portal_app(&t).await;
        citizen(
            &app,
            &t.db,
            AN_HN,
            "Nguyễn Văn An",
            "1990-03-15",
            "0912000111",
        )
        .await;
        // A new browser: not signed in anywhere.
        let mut browser = Browser::new(&app);

        // The catalogue, its search and filters.
        let page = browser.get("/portal").await;
        assert_eq!(page.status, StatusCode::OK, "{name}");
        for shown in [
            "Đăng ký thường trú",
            "Toàn trình (mức độ 4)",
            "Một phần (mức độ 3)",
            "20.000 đồng",
            "7 ngày làm việc",
            "4 giờ làm việc",
            "Công an phường Hàng Bạc",
        ] {
            assert!(page.body.contains(shown), "{name}: {shown}");
        }
        let found = browser.get("/portal?q=THUONG+tru").await;
        assert!(
            found.body.contains(&format!("data-code=\"{PROCEDURE}\"")),
            "{name}"
        );
        assert!(
            !found
                .body
                .contains(&format!("data-code=\"{COUNTER_ONLY}\"")),
            "{name}"
        );
        let by_agency = browser.get("/portal?agency=000.00.00.G10&lang=en").await;
        assert!(
            by_agency.body.contains("Copy of a civil-status extract"),
            "{name}"
        );
        assert!(
            !by_agency
                .body
                .contains(&format!("data-code=\"{PROCEDURE}\"")),
            "{name}"
        );
        assert!(by_agency.body.contains("4 working hours") && by_agency.body.contains("Free"));
        let counter = browser
            .get(&format!("/portal/procedures/{COUNTER_ONLY}?lang=vi"))
            .await;
        assert!(counter.body.contains("id=\"not-online\""), "{name}");
        assert!(!counter.body.contains("id=\"apply\""), "{name}");

        // The procedure's page, then "Apply online": through the provider's sign-in and back.
        let page = browser
            .get(&format!("/portal/procedures/{PROCEDURE}"))
            .await;
        for shown in [
            "Trình tự thực hiện",
            "Giấy tờ chứng minh chỗ ở",
            "Luật Cư trú số 68/2020/QH14",
            "Công dân Việt Nam",
            "Thông tư 75/2022/TT-BTC",
            "Nơi thường trú",
        ] {
            assert!(page.body.contains(shown), "{name}: {shown}");
        }
        let csrf = page.csrf();
        let apply = format!("/portal/procedures/{PROCEDURE}/apply");
        let to_provider = browser
            .post(&apply, &[("csrf", &csrf)], Some(&app.origin))
            .await;
        assert_eq!(to_provider.status, StatusCode::SEE_OTHER, "{name}");
        let authorize = location(&to_provider);
        assert!(
            authorize.starts_with(&format!("{}/authorize?", app.origin)),
            "{authorize}"
        );
        for part in [
            "client_id=dvc.portal",
            "code_challenge_method=S256",
            "scope=openid+personal_id",
            "nonce=",
            "state=",
        ] {
            assert!(authorize.contains(part), "{name}: {part} in {authorize}");
        }
        let callback = to_callback(&app, &mut browser, to_provider, AN_HN).await;
        assert!(callback.contains("iss="), "{name}: {callback}");
        let back = browser.get(&callback).await;
        let session_cookie = back
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("dvc_session="))
            .expect("the portal's session cookie");
        for flag in [
            "Path=/portal",
            "HttpOnly",
            "SameSite=Lax",
            "Secure",
            "Max-Age=",
        ] {
            assert!(
                session_cookie.contains(flag),
                "{name}: {flag} in {session_cookie}"
            );
        }
        let (path, page) = follow(&app, &mut browser, back, callback).await;
        assert_eq!(page.status, StatusCode::OK, "{name}: {}", page.body);
        let id = application_id(&path);
        assert_eq!(status_on(&page), "draft", "{name}");
        assert!(browser.jar.contains_key("dvc_session"), "{name}");
        assert!(!browser.jar.contains_key("dvc_login"), "{name}");

        // The registry's values, read-only, with where they come from.
        assert!(
            page.body.contains("Cơ sở dữ liệu quốc gia về dân cư"),
            "{name}"
        );
        assert!(page.body.contains("Luật Cư trú số 68/2020/QH14"), "{name}");
        assert!(page.body.contains("href=\"/account/access\""), "{name}");
        assert!(page.body.contains("data-field=\"full_name\""), "{name}");
        assert!(page.body.contains("Nguyễn Văn An"), "{name}");
        assert!(page.body.contains("Số 12, phố Hàng Bạc"), "{name}");
        assert!(page.body.contains("<li>Địa chỉ mới</li>"), "{name}");
        assert!(
            page.body.contains("<li>Giấy tờ chứng minh chỗ ở</li>"),
            "{name}"
        );

        // The read is on the citizen's access page, by the portal agency.
        let access = browser.get("/account/access").await;
        assert_eq!(access.status, StatusCode::OK, "{name}");
        assert!(
            access.body.contains(
                "data-kind=\"data.read\" data-actor-type=\"agency\" data-actor=\"dvc.portal\""
            ),
            "{name}: {}",
            access.body
        );
        assert!(
            access.body.contains("data-field=\"permanent_residence\""),
            "{name}"
        );

        // Applying again resumes the same draft: the registry is not read twice.
        let again = browser
            .get(&format!("/portal/procedures/{PROCEDURE}"))
            .await;
        let resumed = browser
            .post(&apply, &[("csrf", &again.csrf())], Some(&app.origin))
            .await;
        assert_eq!(
            location(&resumed),
            format!("/portal/applications/{id}"),
            "{name}"
        );

        // Fill in the form, upload the PDF, file.
        let csrf = page.csrf();
        let saved = browser
            .post(
                &format!("/portal/applications/{id}/answers"),
                &[
                    ("csrf", &csrf),
                    ("new_address", "Số 5, ngõ 8, phố Huế"),
                    ("relation", "owner"),
                ],
                Some(&app.origin),
            )
            .await;
        assert_eq!(
            saved.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            saved.body
        );
        let uploaded = upload(&app, &browser, &id, Some(&csrf), "hop-dong.pdf", PDF).await;
        assert_eq!(
            uploaded.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            uploaded.body
        );
        let page = browser.get(&format!("/portal/applications/{id}")).await;
        assert!(
            page.body
                .contains("data-document=\"proof_of_home\" data-uploaded=\"true\""),
            "{name}"
        );
        assert!(
            page.body.contains("value=\"Số 5, ngõ 8, phố Huế\""),
            "{name}"
        );
        assert!(!page.body.contains("id=\"missing\""), "{name}");
        let download = app
            .client
            .get(app.url(&format!(
                "/portal/applications/{id}/documents/proof_of_home"
            )))
            .header(
                "cookie",
                format!("dvc_session={}", browser.jar["dvc_session"]),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(download.status(), StatusCode::OK, "{name}");
        assert_eq!(
            download.headers()["content-type"],
            "application/pdf",
            "{name}"
        );
        assert_eq!(download.bytes().await.unwrap().as_ref(), PDF, "{name}");
        let filed = browser
            .post(
                &format!("/portal/applications/{id}/file"),
                &[("csrf", &csrf)],
                Some(&app.origin),
            )
            .await;
        assert_eq!(
            filed.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            filed.body
        );
        let page = browser.get(&location(&filed)).await;
        assert_eq!(status_on(&page), "new", "{name}");
        let code = text_of(&page.body, "application-code");
        assert!(
            code.starts_with(&format!("{WARD}-")) && code.ends_with("-0001"),
            "{name}: {code}"
        );
        assert!(
            text_of(&page.body, "application-status").starts_with("Mới đăng ký"),
            "{name}"
        );
        assert!(page.body.contains("id=\"reception-due\""), "{name}");
        assert!(
            page.body.contains("data-step=\"file\" data-to=\"new\""),
            "{name}"
        );
        assert!(page.body.contains("id=\"withdraw-link\""), "{name}");
        assert!(
            !page.body.contains("id=\"answers\""),
            "{name}: no longer editable"
        );

        // My applications lists it with what to do next.
        let mine = browser.get("/portal/applications").await;
        assert_eq!(mine.status, StatusCode::OK, "{name}");
        assert!(mine.body.contains(&code), "{name}");
        assert!(
            mine.body
                .contains(&format!("data-id=\"{id}\" data-status=\"new\"")),
            "{name}"
        );
        assert!(mine.body.contains("Chờ cơ quan tiếp nhận"), "{name}");

        // The public status check, from another browser: the code with the right personal ID.
        let mut anyone = Browser::new(&app);
        let form = anyone.get("/portal/status").await;
        let csrf = form.csrf();
        let right = anyone
            .post(
                "/portal/status",
                &[("csrf", &csrf), ("code", &code), ("personal_id", AN_HN)],
                None,
            )
            .await;
        assert_eq!(right.status, StatusCode::OK, "{name}: {}", right.body);
        assert!(
            right
                .body
                .contains("id=\"check-result\" data-status=\"new\""),
            "{name}"
        );
        assert!(
            !right.body.contains("Nguyễn Văn An"),
            "{name}: the status, nothing else"
        );
        // A wrong pair reads exactly like a code that does not exist.
        let wrong = anyone
            .post(
                "/portal/status",
                &[("csrf", &csrf), ("code", &code), ("personal_id", BICH)],
                None,
            )
            .await;
        let unknown_code = format!("{WARD}-991231-0042");
        let unknown = anyone
            .post(
                "/portal/status",
                &[
                    ("csrf", &csrf),
                    ("code", &unknown_code),
                    ("personal_id", AN_HN),
                ],
                None,
            )
            .await;
        assert_eq!(wrong.status, StatusCode::NOT_FOUND, "{name}");
        assert_eq!(unknown.status, wrong.status, "{name}");
        assert!(!wrong.body.contains("check-result"), "{name}");
        let said = alert_of(&wrong.body).expect("a refusal");
        assert_eq!(alert_of(&unknown.body), Some(said.clone()), "{name}");
        assert!(said.contains("Không tìm thấy hồ sơ"), "{name}: {said}");

        // Signing out ends the portal session and hands over to the provider's logout.
        let csrf = mine.csrf();
        let out = browser
            .post("/portal/logout", &[("csrf", &csrf)], Some(&app.origin))
            .await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{name}");
        let end = location(&out);
        assert!(
            end.starts_with(&format!("{}/session/end?", app.origin)),
            "{end}"
        );
        assert!(end.contains("client_id=dvc.portal") && end.contains("post_logout_redirect_uri="));
        assert!(!browser.jar.contains_key("dvc_session"), "{name}");
        let confirm = browser.get(&local(&app, &end)).await;
        assert_eq!(confirm.status, StatusCode::OK, "{name}: {}", confirm.body);
        assert!(confirm.body.contains("id=\"end-session\""), "{name}");
        let gone = browser.get("/portal/applications").await;
        assert!(location(&gone).starts_with("/portal/login?next="), "{name}");
        t.close().await;
    }
}

#[tokio::test]
async fn nobody_reads_what_is_not_theirs_and_tampered_sign_ins_sign_nobody_in() {
    for t in backends().await {
        let name = t.name();
        let app = portal_app(&t).await;
        citizen(
            &app,
            &t.db,
            AN_HN,
            "Nguyễn Văn An",
            "1990-03-15",
            "0912000111",
        )
        .await;
        citizen(
            &app,
            &t.db,
            BICH,
            "Trần Thị Bích",
            "1995-07-20",
            "0933000111",
        )
        .await;
        let mut an = portal_browser(&app, AN_HN).await;
        let id = start_draft(&app, &mut an).await;
        let page = an.get(&format!("/portal/applications/{id}")).await;
        let csrf = page.csrf();
        an.post(
            &format!("/portal/applications/{id}/answers"),
            &[("csrf", &csrf), ("new_address", "Số 5, phố Huế")],
            Some(&app.origin),
        )
        .await;
        let uploaded = upload(&app, &an, &id, Some(&csrf), "hop-dong.pdf", PDF).await;
        assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{name}");

        // Another signed-in citizen: An's application and documents do not exist for her.
        let mut bich = portal_browser(&app, BICH).await;
        let hers = bich.get("/portal/applications").await;
        let her_csrf = hers.csrf();
        assert!(!hers.body.contains(&id), "{name}");
        for path in [
            format!("/portal/applications/{id}"),
            format!("/portal/applications/{id}/documents/proof_of_home"),
            format!("/portal/applications/{id}/withdraw"),
        ] {
            let page = bich.get(&path).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{name}: {path}");
            assert!(!page.body.contains("Số 5, phố Huế"), "{name}: {path}");
        }
        for (path, form) in [
            ("answers", vec![("new_address", "Bích's address")]),
            ("file", vec![]),
            ("withdraw", vec![("version", "1")]),
            ("pay", vec![]),
        ] {
            let mut form = form;
            form.push(("csrf", &her_csrf));
            let page = bich
                .post(
                    &format!("/portal/applications/{id}/{path}"),
                    &form,
                    Some(&app.origin),
                )
                .await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{name}: {path}");
        }
        let hers = upload(&app, &bich, &id, Some(&her_csrf), "x.pdf", PDF).await;
        assert_eq!(hers.status, StatusCode::NOT_FOUND, "{name}");
        let still = an.get(&format!("/portal/applications/{id}")).await;
        assert_eq!(status_on(&still), "draft", "{name}");
        assert!(still.body.contains("value=\"Số 5, phố Huế\""), "{name}");

        // A visitor who is not signed in is sent to sign in, and through the provider.
        let mut visitor = Browser::new(&app);
        let page = visitor.get(&format!("/portal/applications/{id}")).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{name}");
        let login = location(&page);
        assert_eq!(
            login,
            format!("/portal/login?next=%2Fportal%2Fapplications%2F{id}")
        );
        let page = visitor.get(&login).await;
        assert!(
            location(&page).starts_with(&format!("{}/authorize?", app.origin)),
            "{name}"
        );
        assert!(visitor.jar.contains_key("dvc_login"), "{name}");
        let document = visitor
            .get(&format!(
                "/portal/applications/{id}/documents/proof_of_home"
            ))
            .await;
        assert_eq!(document.status, StatusCode::SEE_OTHER, "{name}");

        // A forged session cookie is ignored.
        let mut forger = Browser::new(&app);
        forger.jar.insert("dvc_session".into(), "A".repeat(43));
        let page = forger.get(&format!("/portal/applications/{id}")).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{name}");
        assert!(location(&page).starts_with("/portal/login"), "{name}");

        // A tampered state is refused and signs nobody in.
        let mut browser = Browser::new(&app);
        let start = browser.get("/portal/login").await;
        let callback = to_callback(&app, &mut browser, start, AN_HN).await;
        let real_state =
            url::form_urlencoded::parse(callback.split_once('?').unwrap().1.as_bytes())
                .find(|(k, _)| k == "state")
                .map(|(_, v)| v.into_owned())
                .unwrap();
        let tampered = callback.replace(&real_state, "c3RhdGUtb2YtYW5vdGhlci1icm93c2Vy");
        let page = browser.get(&tampered).await;
        assert_eq!(
            page.status,
            StatusCode::BAD_REQUEST,
            "{name}: {}",
            page.body
        );
        assert!(!browser.jar.contains_key("dvc_session"), "{name}");
        assert!(page.body.contains("đã hết hạn hoặc đã được dùng"), "{name}");

        // A tampered code too; and the sign-in it belonged to cannot be finished afterwards.
        let mut browser = Browser::new(&app);
        let start = browser.get("/portal/login").await;
        let callback = to_callback(&app, &mut browser, start, AN_HN).await;
        let real_code = url::form_urlencoded::parse(callback.split_once('?').unwrap().1.as_bytes())
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        let jar = browser.jar.clone();
        let page = browser
            .get(&callback.replace(&real_code, "bm90LWEtY29kZS1mcm9tLXRoZS1wcm92aWRlcg"))
            .await;
        assert_eq!(
            page.status,
            StatusCode::BAD_REQUEST,
            "{name}: {}",
            page.body
        );
        assert!(
            page.body.contains("Không hoàn tất được việc đăng nhập"),
            "{name}"
        );
        assert!(!browser.jar.contains_key("dvc_session"), "{name}");
        browser.jar = jar;
        let replayed = browser.get(&callback).await;
        assert_eq!(replayed.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(!browser.jar.contains_key("dvc_session"), "{name}");
        t.close().await;
    }
}

#[tokio::test]
async fn an_id_token_for_another_nonce_is_refused() {
    for t in backends().await {
        let name = t.name();
        let app = portal_app(&t).await;
        citizen(
            &app,
            &t.db,
            AN_HN,
            "Nguyễn Văn An",
            "1990-03-15",
            "0912000111",
        )
        .await;
        let mut browser = Browser::new(&app);
        let start = browser.get("/portal/login").await;
        // Someone makes the provider issue a code for the portal's own state and PKCE challenge
        // (both visible in the URL) but with their own nonce: only the ID token can tell.
        let authorize = url::Url::parse(&location(&start)).unwrap();
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in authorize.query_pairs() {
            let v = if k == "nonce" {
                "a-nonce-of-someone-else".into()
            } else {
                v
            };
            query.append_pair(&k, &v);
        }
        let forged = browser.get(&format!("/authorize?{}", query.finish())).await;
        let callback = to_callback(&app, &mut browser, forged, AN_HN).await;
        let page = browser.get(&callback).await;
        assert_eq!(
            page.status,
            StatusCode::BAD_REQUEST,
            "{name}: {}",
            page.body
        );
        assert!(
            page.body.contains("Không hoàn tất được việc đăng nhập"),
            "{name}"
        );
        assert!(!browser.jar.contains_key("dvc_session"), "{name}");

        // The same browser and account, with the nonce the portal chose, is signed in.
        let start = browser.get("/portal/login").await;
        let callback = to_callback(&app, &mut browser, start, AN_HN).await;
        let page = browser.get(&callback).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{name}: {}", page.body);
        assert!(browser.jar.contains_key("dvc_session"), "{name}");
        t.close().await;
    }
}

#[tokio::test]
async fn bad_input_is_refused_in_words_and_changes_nothing() {
    for t in backends().await {
        let name = t.name();
        let app = portal_app(&t).await;
        citizen(
            &app,
            &t.db,
            AN_HN,
            "Nguyễn Văn An",
            "1990-03-15",
            "0912000111",
        )
        .await;
        let mut browser = portal_browser(&app, AN_HN).await;
        let id = start_draft(&app, &mut browser).await;
        let page_path = format!("/portal/applications/{id}");
        let csrf = browser.get(&page_path).await.csrf();

        // A web page named .pdf is judged by its bytes, refused in the page's language, and
        // not kept.
        let refused = upload(&app, &browser, &id, Some(&csrf), "hop-dong.pdf", HTML).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{name}");
        let said = alert_of(&refused.body).expect("a refusal");
        assert!(
            said.starts_with("Giấy tờ chứng minh chỗ ở: Tệp không phải PDF, JPEG hoặc PNG"),
            "{name}: {said}"
        );
        browser.get("/portal?lang=en").await;
        let refused = upload(&app, &browser, &id, Some(&csrf), "hop-dong.pdf", HTML).await;
        let said = alert_of(&refused.body).expect("a refusal");
        assert!(
            said.starts_with("Proof of lawful residence: The file is not a PDF, JPEG or PNG"),
            "{name}: {said}"
        );
        browser.get("/portal?lang=vi").await;
        let too_big = upload(
            &app,
            &browser,
            &id,
            Some(&csrf),
            "big.pdf",
            &[PDF, &[b' '; 5000]].concat(),
        )
        .await;
        assert_eq!(too_big.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            alert_of(&too_big.body).unwrap().contains("tối đa 4 KB"),
            "{name}"
        );
        let page = browser.get(&page_path).await;
        assert!(
            page.body
                .contains("data-document=\"proof_of_home\" data-uploaded=\"false\""),
            "{name}"
        );
        let none = browser
            .get(&format!("{page_path}/documents/proof_of_home"))
            .await;
        assert_eq!(none.status, StatusCode::NOT_FOUND, "{name}");

        // Filing without a required field names it, and the draft stays a draft.
        let uploaded = upload(&app, &browser, &id, Some(&csrf), "hop-dong.pdf", PDF).await;
        assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{name}");
        let file = format!("{page_path}/file");
        let incomplete = browser
            .post(&file, &[("csrf", &csrf)], Some(&app.origin))
            .await;
        assert_eq!(incomplete.status, StatusCode::BAD_REQUEST, "{name}");
        assert_eq!(
            alert_of(&incomplete.body).as_deref(),
            Some("Còn thiếu: Địa chỉ mới."),
            "{name}"
        );
        assert_eq!(status_on(&incomplete), "draft", "{name}");

        // A wrong choice names the field and keeps what was typed.
        let answers = format!("{page_path}/answers");
        let wrong = browser
            .post(
                &answers,
                &[
                    ("csrf", &csrf),
                    ("new_address", "Số 7 phố Huế"),
                    ("relation", "landlord"),
                ],
                Some(&app.origin),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            alert_of(&wrong.body)
                .unwrap()
                .starts_with("Quan hệ với chủ hộ: giá trị chưa hợp lệ"),
            "{name}"
        );
        assert!(wrong.body.contains("value=\"Số 7 phố Huế\""), "{name}");

        // Posts without the CSRF token change nothing.
        let forged = browser
            .post(
                &answers,
                &[("new_address", "Số 9 phố Huế")],
                Some(&app.origin),
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{name}");
        let forged = upload(&app, &browser, &id, None, "x.pdf", PDF).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{name}");
        browser
            .post(
                &answers,
                &[("csrf", &csrf), ("new_address", "Số 7 phố Huế")],
                Some(&app.origin),
            )
            .await;
        let forged = browser.post(&file, &[], Some(&app.origin)).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{name}");
        let forged = browser.post("/portal/logout", &[], Some(&app.origin)).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{name}");
        let page = browser.get(&page_path).await;
        assert_eq!(status_on(&page), "draft", "{name}");
        assert!(page.body.contains("value=\"Số 7 phố Huế\""), "{name}");
        assert!(browser.jar.contains_key("dvc_session"), "{name}");
        // A second file for the same document replaces the first.
        let second: &[u8] = b"%PDF-1.4\n% the signed contract\n%%EOF\n";
        let replaced = upload(&app, &browser, &id, Some(&csrf), "hop-dong-ky.pdf", second).await;
        assert_eq!(replaced.status, StatusCode::SEE_OTHER, "{name}");
        let download = app
            .client
            .get(app.url(&format!("{page_path}/documents/proof_of_home")))
            .header(
                "cookie",
                format!("dvc_session={}", browser.jar["dvc_session"]),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(download.bytes().await.unwrap().as_ref(), second, "{name}");
        // With the token it files.
        let filed = browser
            .post(&file, &[("csrf", &csrf)], Some(&app.origin))
            .await;
        assert_eq!(
            filed.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            filed.body
        );

        // Withdrawing asks first; a page that is out of date changes nothing.
        let confirm = browser.get(&format!("{page_path}/withdraw")).await;
        assert_eq!(confirm.status, StatusCode::OK, "{name}");
        assert!(confirm.body.contains("id=\"withdraw-form\""), "{name}");
        let version = value_of(&confirm.body, "version");
        let withdraw = format!("{page_path}/withdraw");
        let stale = browser
            .post(
                &withdraw,
                &[("csrf", &csrf), ("version", "1")],
                Some(&app.origin),
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{name}");
        assert!(
            alert_of(&stale.body).unwrap().contains("vừa thay đổi"),
            "{name}"
        );
        assert_eq!(status_on(&stale), "new", "{name}");
        let forged = browser
            .post(
                &withdraw,
                &[("version", version.as_str())],
                Some(&app.origin),
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{name}");
        let withdrawn = browser
            .post(
                &withdraw,
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("reason", "Tôi nộp nhầm thủ tục"),
                ],
                Some(&app.origin),
            )
            .await;
        assert_eq!(
            withdrawn.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            withdrawn.body
        );
        let page = browser.get(&page_path).await;
        assert_eq!(status_on(&page), "withdrawn", "{name}");
        assert!(page.body.contains("Tôi nộp nhầm thủ tục"), "{name}");
        assert!(!page.body.contains("id=\"withdraw-link\""), "{name}");
        t.close().await;
    }
}

#[tokio::test]
async fn a_supplement_is_handed_in_and_the_fee_paid_at_the_gateway_whose_return_only_shows_it() {
    for t in backends().await {
        let name = t.name();
        let app = portal_app(&t).await;
        citizen(
            &app,
            &t.db,
            AN_HN,
            "Nguyễn Văn An",
            "1990-03-15",
            "0912000111",
        )
        .await;
        citizen(
            &app,
            &t.db,
            BICH,
            "Trần Thị Bích",
            "1995-07-20",
            "0933000111",
        )
        .await;
        let mut browser = portal_browser(&app, AN_HN).await;
        let id = start_draft(&app, &mut browser).await;
        let page_path = format!("/portal/applications/{id}");
        let csrf = browser.get(&page_path).await.csrf();
        browser
            .post(
                &format!("{page_path}/answers"),
                &[("csrf", &csrf), ("new_address", "Số 5 phố Huế")],
                Some(&app.origin),
            )
            .await;
        upload(&app, &browser, &id, Some(&csrf), "hop-dong.pdf", PDF).await;
        let filed = browser
            .post(
                &format!("{page_path}/file"),
                &[("csrf", &csrf)],
                Some(&app.origin),
            )
            .await;
        assert_eq!(filed.status, StatusCode::SEE_OTHER, "{name}");

        // The ward's officer asks for a signed contract first.
        let services = app.state.services();
        let session = app.accounts.session(&app.token).await.unwrap();
        let staff = app.accounts.account(session.account_id).await.unwrap();
        services
            .add_officer(staff.id, &UnitCode::parse(WARD).unwrap())
            .await
            .unwrap();
        let officer = services.officer(&staff, &session).await.unwrap();
        let version = services
            .handled(&officer, &id)
            .await
            .unwrap()
            .application
            .version;
        let ask = Step {
            step: Move::RequestSupplement,
            version,
            reason: Some("Hợp đồng thuê nhà chưa có chữ ký của chủ nhà".into()),
            outcome: None,
            electronic: None,
        };
        services.officer_moves(&officer, &id, &ask).await.unwrap();
        let page = browser.get(&page_path).await;
        assert_eq!(status_on(&page), "supplement_requested", "{name}");
        assert!(
            text_of(&page.body, "supplement-request").is_empty(),
            "{name}: a section"
        );
        assert!(
            page.body
                .contains("Hợp đồng thuê nhà chưa có chữ ký của chủ nhà"),
            "{name}"
        );
        assert!(page.body.contains("id=\"supplement-form\""), "{name}");
        // The applicant uploads the signed contract and hands it in: back to reception.
        let signed: &[u8] = b"%PDF-1.4\n% signed by the landlord\n%%EOF\n";
        let replaced = upload(&app, &browser, &id, Some(&csrf), "hop-dong-ky.pdf", signed).await;
        assert_eq!(
            replaced.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            replaced.body
        );
        let version = value_of(&browser.get(&page_path).await.body, "version");
        let handed = browser
            .post(
                &format!("{page_path}/supplement"),
                &[("csrf", &csrf), ("version", &version)],
                Some(&app.origin),
            )
            .await;
        assert_eq!(
            handed.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            handed.body
        );
        let page = browser.get(&page_path).await;
        assert_eq!(status_on(&page), "new", "{name}");
        assert!(
            page.body
                .contains("data-step=\"supplement\" data-to=\"new\""),
            "{name}"
        );

        // Then it is accepted and the fee is asked for.
        for step in [Move::Accept, Move::RequestPayment] {
            let version = services
                .handled(&officer, &id)
                .await
                .unwrap()
                .application
                .version;
            let step = Step {
                step,
                version,
                reason: None,
                outcome: None,
                electronic: None,
            };
            services.officer_moves(&officer, &id, &step).await.unwrap();
        }
        let page = browser.get(&page_path).await;
        assert_eq!(status_on(&page), "payment_requested", "{name}");
        assert!(page.body.contains("id=\"pay-form\""), "{name}");
        assert!(
            page.body.contains("data-step=\"request_payment\""),
            "{name}"
        );

        // "Pay the fee" sends the citizen to the gateway's signed pay page.
        let pay = browser
            .post(
                &format!("{page_path}/pay"),
                &[("csrf", &csrf)],
                Some(&app.origin),
            )
            .await;
        assert_eq!(pay.status, StatusCode::SEE_OTHER, "{name}: {}", pay.body);
        let pay_url = location(&pay);
        assert!(
            pay_url.contains("/paymentv2/vpcpay.html?") && pay_url.contains("vnp_Amount=2000000"),
            "{pay_url}"
        );
        let gateway = browser.get(&local(&app, &pay_url)).await;
        assert_eq!(gateway.status, StatusCode::OK, "{name}: {}", gateway.body);
        let txn_ref = value_of(&gateway.body, "vnp_TxnRef");
        let token = value_of(&gateway.body, "token");
        let paid = browser
            .post(
                "/paymentv2/vpcpay.html",
                &[
                    ("vnp_TxnRef", txn_ref.as_str()),
                    ("token", &token),
                    ("action", "pay"),
                ],
                None,
            )
            .await;
        let back = location(&paid);
        assert!(
            back.starts_with(&format!("{}/portal/payments/return?", app.origin)),
            "{back}"
        );
        let back = local(&app, &back);
        let shown = browser.get(&back).await;
        assert_eq!(shown.status, StatusCode::OK, "{name}: {}", shown.body);
        let result = text_of(&shown.body, "payment-result");
        assert!(
            shown.body.contains("data-result=\"confirming\"")
                || shown.body.contains("data-result=\"paid\""),
            "{name}: {result}"
        );
        // A return whose query was changed is not believed.
        let tampered = browser
            .get(&back.replace("vnp_Amount=2000000", "vnp_Amount=100"))
            .await;
        assert_eq!(tampered.status, StatusCode::BAD_REQUEST, "{name}");
        // Another citizen's browser cannot read this payment.
        let mut bich = portal_browser(&app, BICH).await;
        assert_eq!(
            bich.get(&back).await.status,
            StatusCode::NOT_FOUND,
            "{name}"
        );

        // Only the gateway's notification settles; once it has, the return shows the receipt.
        let query = back.split_once('?').unwrap().1;
        let outcome = app.state.payments().handle_ipn(query).await;
        assert!(
            matches!(
                outcome,
                IpnOutcome::Settled(_) | IpnOutcome::AlreadyConfirmed { .. }
            ),
            "{name}: {outcome:?}"
        );
        let shown = browser.get(&back).await;
        assert!(
            shown.body.contains("data-result=\"paid\""),
            "{name}: {}",
            shown.body
        );
        let receipt_path = format!("/portal/payments/{txn_ref}/receipt");
        assert!(shown.body.contains(&receipt_path), "{name}");
        let receipt = browser.get(&receipt_path).await;
        assert_eq!(receipt.status, StatusCode::OK, "{name}: {}", receipt.body);
        assert!(
            text_of(&receipt.body, "receipt-number").starts_with("BL-"),
            "{name}"
        );
        assert_eq!(
            text_of(&receipt.body, "receipt-amount"),
            "20.000 đồng",
            "{name}"
        );
        assert_eq!(
            bich.get(&receipt_path).await.status,
            StatusCode::NOT_FOUND,
            "{name}"
        );
        let page = browser.get(&page_path).await;
        assert!(
            page.body
                .contains(&format!("data-order=\"{txn_ref}\" data-state=\"paid\"")),
            "{name}"
        );
        assert!(
            !page.body.contains("id=\"pay-form\""),
            "{name}: paid once is enough"
        );
        // The platform settled it: back to processing, by the platform, not by anyone's hand.
        assert_eq!(status_on(&page), "processing", "{name}");
        assert!(
            page.body
                .contains("data-step=\"paid\" data-to=\"processing\" data-actor=\"system\""),
            "{name}: {}",
            page.body
        );
        assert!(!page.body.contains("id=\"result-link\""), "{name}");

        // Approved and returned electronically: the page links to the signed result's page.
        for step in [Move::Decide, Move::ReturnResult] {
            let version = services
                .handled(&officer, &id)
                .await
                .unwrap()
                .application
                .version;
            let step = Step {
                step,
                version,
                reason: None,
                outcome: (step == Move::Decide).then_some(dinhdanh_services::Outcome::Approved),
                electronic: (step == Move::ReturnResult).then_some(true),
            };
            services.officer_moves(&officer, &id, &step).await.unwrap();
        }
        let events = services.handled(&officer, &id).await.unwrap().events;
        let result = events
            .iter()
            .rev()
            .find_map(|e| {
                e.detail
                    .as_ref()?
                    .get("result")?
                    .as_str()
                    .map(str::to_owned)
            })
            .expect("the return names the result it issued");
        let page = browser.get(&page_path).await;
        assert_eq!(status_on(&page), "result_returned", "{name}");
        let result_path = format!("/services/results/{result}");
        assert!(
            page.body
                .contains(&format!("id=\"result-link\" href=\"{result_path}\"")),
            "{name}: {}",
            page.body
        );
        let shown = browser.get(&result_path).await;
        assert_eq!(shown.status, StatusCode::OK, "{name}");
        assert!(shown.body.contains("data-valid=\"true\""), "{name}");
        assert!(
            shown.body.contains(&format!(
                "id=\"result-download\" href=\"{result_path}/document.jwt\""
            )),
            "{name}: {}",
            shown.body
        );
        t.close().await;
    }
}

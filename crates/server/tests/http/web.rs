//! The web pages as a browser sees them: cookies, CSRF, Origin checks, session fixation,
//! enumeration, the security headers, and the language switch.

use std::collections::BTreeMap;

use crate::support::*;

/// A cookie jar and a client that does not follow redirects, like a browser's devtools view.
pub(crate) struct Browser {
    pub(crate) client: reqwest::Client,
    pub(crate) jar: BTreeMap<String, String>,
    pub(crate) base: String,
}

pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: String,
}

impl Page {
    pub(crate) fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("a form with a CSRF token") + marker.len();
        self.body[start..start + 43].to_owned()
    }
}

impl Browser {
    pub(crate) fn new(app: &TestApp) -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            jar: BTreeMap::new(),
            base: app.address.clone(),
        }
    }

    fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn take(&mut self, response: reqwest::Response) -> Page {
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let (pair, _) = text.split_once(';').unwrap_or((text, ""));
            let (k, v) = pair.split_once('=').unwrap();
            if text.contains("Max-Age=0") {
                self.jar.remove(k);
            } else {
                self.jar.insert(k.to_owned(), v.to_owned());
            }
        }
        Page {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.take(response).await
    }

    pub(crate) async fn post(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        origin: Option<&str>,
    ) -> Page {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .form(form);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = request.send().await.unwrap();
        self.take(response).await
    }
}

/// The password every test citizen signs in with.
pub(crate) const CITIZEN_PASSWORD: &str = "trăng rằm tháng tám";

/// Gives `id` an identity card, registers a level-1 account for them through the API with
/// `phone`, sets the password, and signs them in through the login form.
pub(crate) async fn citizen(
    app: &TestApp,
    db: &Db,
    id: &str,
    full_name: &str,
    birth: &str,
    phone: &str,
) -> Browser {
    let mut card = dinhdanh_registry::Correction {
        actor: "test".into(),
        reason: "card issued".into(),
        ..Default::default()
    };
    card.set.insert("id_card_number".into(), id.into());
    card.set
        .insert("id_card_issued".into(), "2022-02-02".into());
    card.set
        .insert("id_card_expires".into(), "2040-01-01".into());
    Registry::new(db)
        .correct(
            dinhdanh_domain::PersonalId::parse(id).unwrap(),
            &card,
            Utc::now().date_naive(),
        )
        .await
        .expect("give the citizen a card");
    let (status, body) = json_of(
        app.client
            .post(app.url("/api/v1/accounts/registrations"))
            .json(&json!({"personal_id": id, "full_name": full_name, "birth_date": birth, "phone": phone}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let code = code_sent_to(db, &format!("+84{}", &phone[1..])).await;
    let (status, enrolment) = json_of(
        app.client
            .post(app.url("/api/v1/accounts/registrations/verify"))
            .json(&json!({"ticket": body["ticket"], "code": code}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{enrolment}");
    let response = app
        .client
        .put(app.url("/api/v1/accounts/me/password"))
        .bearer_auth(enrolment["token"].as_str().unwrap())
        .json(&json!({"password": CITIZEN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let mut browser = Browser::new(app);
    let login = browser.get("/login").await;
    let csrf = login.csrf();
    let signed = browser
        .post(
            "/login",
            &[
                ("csrf", csrf.as_str()),
                ("personal_id", id),
                ("password", CITIZEN_PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    assert_eq!(signed.headers["location"], "/account");
    browser
}

/// Gives the staff member a password, for the form sign-in.
pub(crate) async fn staff_password(app: &TestApp) -> &'static str {
    let password = "một câu mật khẩu dài";
    let response = app
        .client
        .put(app.url("/api/v1/accounts/me/password"))
        .bearer_auth(&app.token)
        .json(&json!({"password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    password
}

#[tokio::test]
async fn pages_carry_strict_headers_and_secure_cookies() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let mut browser = Browser::new(&app);
        let page = browser.get("/login").await;
        assert_eq!(page.status, StatusCode::OK, "{name}");
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
            "{name}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{name}");
        assert_eq!(page.headers["cache-control"], "no-store", "{name}");
        let cookie = page.headers["set-cookie"].to_str().unwrap();
        for flag in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
            assert!(cookie.contains(flag), "{name}: {cookie} lacks {flag}");
        }
        assert!(
            page.body.contains("<html lang=\"vi\">"),
            "{name}: Vietnamese by default"
        );
        assert!(!page.body.contains("<script>"), "{name}: no inline script");
        assert!(
            !page.body.contains("http://") && !page.body.contains("https://"),
            "{name}: no outside assets"
        );
        let english = browser.get("/login?lang=en").await;
        assert!(
            english.body.contains("<html lang=\"en\">") && english.body.contains("Sign in"),
            "{name}"
        );
        let remembered = browser.get("/register").await;
        assert!(
            remembered.body.contains("<html lang=\"en\">"),
            "{name}: the choice is remembered"
        );
        let js = browser.get("/static/passkey.js").await;
        assert_eq!(js.status, StatusCode::OK, "{name}");
        assert!(
            js.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/javascript"),
            "{name}"
        );
        t.close().await;
    }
}

/// The ids a page gives to more than one element.
fn ids_twice(body: &str) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut twice = Vec::new();
    for piece in body.split(" id=\"").skip(1) {
        let id = &piece[..piece.find('"').unwrap_or(0)];
        if !seen.insert(id) {
            twice.push(id.to_owned());
        }
    }
    twice
}

#[tokio::test]
async fn the_setup_page_gives_each_id_once_and_labels_the_password_input() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let mut browser = citizen(
            &app,
            &t.db,
            AN_HN,
            "Nguyễn Văn An",
            "1990-03-15",
            "0912000111",
        )
        .await;
        let page = browser.get("/account/setup").await;
        assert_eq!(page.status, StatusCode::OK, "{name}");
        // The form and its password input both had the id `password`: the label pointed at the
        // form, and the input had no label for assistive technology.
        assert_eq!(ids_twice(&page.body), Vec::<String>::new(), "{name}");
        assert!(
            page.body.contains(r#"<label for="new-password">"#)
                && page
                    .body
                    .contains(r#"<input id="new-password" name="password""#),
            "{name}: {}",
            page.body
        );
        t.close().await;
    }
}

#[tokio::test]
async fn forms_need_the_csrf_token_and_our_origin() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let password = staff_password(&app).await;
        let mut browser = Browser::new(&app);
        let page = browser.get("/login").await;
        let csrf = page.csrf();
        let fields = |token: &'static str| -> Vec<(&'static str, String)> {
            vec![
                ("csrf", token.to_owned()),
                ("personal_id", STAFF.to_owned()),
                ("password", password.to_owned()),
            ]
        };
        // No token, a wrong token: refused, nobody signed in.
        for token in ["", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
            let form = fields(token);
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let refused = browser.post("/login", &form, None).await;
            assert_eq!(
                refused.status,
                StatusCode::FORBIDDEN,
                "{name}: token {token:?}"
            );
            assert!(!browser.jar.contains_key("dd_session"), "{name}");
        }
        // The right token from another site's page: refused by Origin.
        let form = [
            ("csrf", csrf.as_str()),
            ("personal_id", STAFF),
            ("password", password),
        ];
        let cross = browser
            .post("/login", &form, Some("https://evil.example"))
            .await;
        assert_eq!(cross.status, StatusCode::FORBIDDEN, "{name}");
        assert!(!browser.jar.contains_key("dd_session"), "{name}");
        // From our own origin: signed in.
        let ok = browser.post("/login", &form, Some(&app.origin)).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{name}: {}", ok.body);
        assert!(browser.jar.contains_key("dd_session"), "{name}");
        let account = browser.get("/account").await;
        assert_eq!(account.status, StatusCode::OK, "{name}");
        assert!(
            account.body.contains("data-assurance=\"low\""),
            "{name}: password alone is low"
        );
        // Signing out also needs the token.
        let refused = browser.post("/logout", &[("csrf", "")], None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{name}");
        assert_eq!(
            browser.get("/account").await.status,
            StatusCode::OK,
            "{name}: still signed in"
        );
        t.close().await;
    }
}

#[tokio::test]
async fn a_planted_session_cookie_is_replaced_at_sign_in() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let password = staff_password(&app).await;
        // The attacker signs in with their own account and plants that cookie in the victim's
        // browser; or plants a made-up value. Either way the sign-in issues a new session.
        let mut browser = Browser::new(&app);
        browser.jar.insert(
            "dd_session".into(),
            "planted-by-the-attacker-0123456789abcdefghi".into(),
        );
        let page = browser.get("/login").await;
        let form = [
            ("csrf", page.csrf()),
            ("personal_id", STAFF.to_owned()),
            ("password", password.to_owned()),
        ];
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let signed = browser.post("/login", &form, None).await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{name}");
        let issued = browser.jar["dd_session"].clone();
        assert_ne!(
            issued, "planted-by-the-attacker-0123456789abcdefghi",
            "{name}"
        );
        assert_eq!(issued.len(), 43, "{name}");
        // A session that was valid before sign-in (the attacker's) does not survive either.
        let mut attacker = Browser::new(&app);
        let page = attacker.get("/login").await;
        let form2 = [
            ("csrf", page.csrf()),
            ("personal_id", STAFF.to_owned()),
            ("password", password.to_owned()),
        ];
        let form2: Vec<(&str, &str)> = form2.iter().map(|(k, v)| (*k, v.as_str())).collect();
        attacker.post("/login", &form2, None).await;
        let planted = attacker.jar["dd_session"].clone();
        let mut victim = Browser::new(&app);
        victim.jar.insert("dd_session".into(), planted.clone());
        let page = victim.get("/login").await;
        let form3 = [
            ("csrf", page.csrf()),
            ("personal_id", STAFF.to_owned()),
            ("password", password.to_owned()),
        ];
        let form3: Vec<(&str, &str)> = form3.iter().map(|(k, v)| (*k, v.as_str())).collect();
        victim.post("/login", &form3, None).await;
        assert_ne!(
            victim.jar["dd_session"], planted,
            "{name}: a fresh session, not the planted one"
        );
        let stale = app.accounts.session(&planted).await;
        assert!(stale.is_err(), "{name}: the planted session was ended");
        t.close().await;
    }
}

#[tokio::test]
async fn wrong_ids_and_wrong_passwords_get_the_same_page() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        staff_password(&app).await;
        let mut browser = Browser::new(&app);
        let mut answers = Vec::new();
        for id in [STAFF, "001090099999", AN_HN] {
            let page = browser.get("/login?lang=en").await;
            let form = [
                ("csrf", page.csrf()),
                ("personal_id", id.to_owned()),
                ("password", "a wrong password".to_owned()),
            ];
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let answer = browser.post("/login", &form, None).await;
            let alert = answer
                .body
                .split("role=\"alert\">")
                .nth(1)
                .unwrap_or_default()
                .split('<')
                .next()
                .unwrap_or_default()
                .to_owned();
            answers.push((answer.status, alert));
        }
        assert!(
            answers.iter().all(|a| a == &answers[0]),
            "{name}: {answers:?}"
        );
        assert_eq!(answers[0].0, StatusCode::UNAUTHORIZED, "{name}");
        assert!(answers[0].1.contains("not correct"), "{name}: {answers:?}");
        // The JSON API answers alike too.
        let mut bodies = Vec::new();
        for id in [STAFF, "001090099999"] {
            let (status, body) = json_of(
                app.client
                    .post(app.url("/api/v1/sessions"))
                    .json(&json!({"personal_id": id, "method": "password", "value": "a wrong password"}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            bodies.push((status, body));
        }
        assert_eq!(bodies[0], bodies[1], "{name}");
        t.close().await;
    }
}

#[tokio::test]
async fn a_locked_account_is_refused_by_every_method_over_http() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let citizen = crate::authentication::register_citizen(&app, &t.db).await;
        let (_, codes) = json_of(
            app.client
                .post(app.url("/api/v1/accounts/me/recovery-codes"))
                .bearer_auth(&citizen)
                .send()
                .await
                .unwrap(),
        )
        .await;
        let (_, me) = json_of(
            app.client
                .get(app.url("/api/v1/accounts/me"))
                .bearer_auth(&citizen)
                .send()
                .await
                .unwrap(),
        )
        .await;
        let id = me["id"].as_i64().unwrap();
        // The staff member locks it at an authority's request.
        let response = app
            .client
            .post(app.url(&format!("/api/v1/accounts/{id}/locks")))
            .bearer_auth(&app.token)
            .json(&json!({"reason": "authority_request", "note": "order 7/2026"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "{name}");
        let (status, _) = json_of(
            app.client
                .get(app.url("/api/v1/accounts/me"))
                .bearer_auth(&citizen)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{name}: the session ended with the lock"
        );
        for (method, value) in [
            ("password", "trăng rằm tháng tám".to_owned()),
            ("recovery", codes["codes"][0].as_str().unwrap().to_owned()),
        ] {
            let (status, body) = json_of(
                app.client
                    .post(app.url("/api/v1/sessions"))
                    .json(&json!({"personal_id": BICH, "method": method, "value": value}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {method}: {body}");
            assert_eq!(body["error"], "account_locked", "{name}: {body}");
        }
        // Its history shows who locked it and why.
        let (_, view) = json_of(
            app.client
                .get(app.url(&format!("/api/v1/accounts/{id}")))
                .bearer_auth(&app.token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        let locked = view["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "locked")
            .unwrap();
        assert_eq!(locked["reason"], "authority_request", "{name}");
        assert!(
            locked["actor"].as_str().unwrap().starts_with("account:"),
            "{name}"
        );
        t.close().await;
    }
}

//! Nobody reads what is not theirs, and a tampered sign-in signs nobody in: other citizens,
//! visitors, forged cookies, a wrong state, code or nonce at the callback.

use super::*;

#[tokio::test]
async fn nobody_reads_what_is_not_theirs_and_tampered_sign_ins_sign_nobody_in() {
    for t in backends().await {
        let name = t.name();
        let app = portal_app(&t).await;
        enrol_an_and_bich(&app, &t.db).await;
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
        enrol_an(&app, &t.db).await;
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

//! The citizen's journey: signed in through the provider, a draft pre-filled from the registry
//! (and the read on the access page), filing, the code, the list and the public status check.

use super::*;

#[tokio::test]
async fn a_citizen_signs_in_through_the_provider_and_files_a_prefilled_application() {
    for t in backends().await {
        let name = t.name();
        let app = portal_app(&t).await;
        enrol_an(&app, &t.db).await;
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

//! Bad input is refused in words and changes nothing: uploads, missing fields, CSRF, stale
//! pages.

use super::*;

#[tokio::test]
async fn bad_input_is_refused_in_words_and_changes_nothing() {
    for t in backends().await {
        let name = t.name();
        let app = portal_app(&t).await;
        enrol_an(&app, &t.db).await;
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

//! The officer console: only a strongly signed-in officer of the handling unit, stale pages
//! write nothing, documents, counter applications and apologies.

use super::*;

/// An application's version and number of events: what a refused form must leave as it was.
fn written(d: &dinhdanh_services::Detail) -> (i64, usize) {
    (d.application.version, d.events.len())
}

#[tokio::test]
async fn the_officer_console_serves_only_a_strongly_signed_in_officer_of_the_unit() {
    for t in backends().await {
        let name = t.name();
        let app = services_app(&t).await;
        let ward = staff_officer(&app).await;
        let mut bich = citizen(
            &app,
            &t.db,
            BICH,
            "Trần Thị Bích",
            "1995-07-20",
            "0933000111",
        )
        .await;
        let a = filed(&app, BICH).await;
        let code = a.code.clone().unwrap().to_string();
        let path = format!("/officer/applications/{}", a.id);
        let document = format!("{path}/documents/rental_contract");
        let filed_state = written(&detail(&app, &ward, &a.id).await);

        // Nobody signed in: the sign-in page. A citizen: no officer.
        let mut anonymous = Browser::new(&app);
        let page = anonymous.get(&path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{name}");
        assert_eq!(page.headers["location"], "/login", "{name}");
        let page = bich.get("/officer/applications").await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{name}");
        assert!(!page.body.contains(&code), "{name}");

        // The staff member signed in with a password only: refused and pointed to a strong
        // factor, for every page and every move.
        let password = staff_password(&app).await;
        let mut weak = Browser::new(&app);
        let weak_csrf = weak.get("/login").await.csrf();
        let signed = weak
            .post(
                "/login",
                &[
                    ("csrf", weak_csrf.as_str()),
                    ("personal_id", STAFF),
                    ("password", password),
                ],
                None,
            )
            .await;
        assert_eq!(
            signed.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            signed.body
        );
        for p in ["/officer/applications", path.as_str(), document.as_str()] {
            let page = weak.get(p).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{name}: {p}");
            assert!(page.body.contains("href=\"/login/second\""), "{name}: {p}");
            assert!(page.body.contains("khóa truy cập"), "{name}: {p}");
            assert!(!page.body.contains(&code), "{name}: {p}");
        }
        let refused = weak
            .post(
                &format!("{path}/moves"),
                &[
                    ("csrf", weak_csrf.as_str()),
                    ("step", "accept"),
                    ("version", &a.version.to_string()),
                ],
                None,
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{name}");
        assert_eq!(
            written(&detail(&app, &ward, &a.id).await),
            filed_state,
            "{name}"
        );

        // An officer of another unit sees nothing of it: not in the queue, 404 for the
        // application, its documents and its moves.
        let (other_token, _) = second_officer(&app, &t.db, DAT, "0977000777").await;
        app.state
            .services()
            .add_officer(
                account_of(&app, DAT).await.id,
                &UnitCode::parse(JUSTICE).unwrap(),
            )
            .await
            .unwrap();
        let (mut other, other_csrf) = signed_in(&app, &other_token).await;
        let queue = other.get("/officer/applications").await;
        assert!(
            queue.body.contains("id=\"queue-empty\""),
            "{name}: {}",
            queue.body
        );
        assert!(!queue.body.contains(&a.id), "{name}");
        for p in [path.as_str(), document.as_str()] {
            let page = other.get(p).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{name}: {p}");
            assert!(!page.body.contains(&code), "{name}: {p}");
            assert!(!page.body.contains("%PDF"), "{name}: {p}");
        }
        let refused = other
            .post(
                &format!("{path}/moves"),
                &[
                    ("csrf", other_csrf.as_str()),
                    ("step", "accept"),
                    ("version", &a.version.to_string()),
                ],
                None,
            )
            .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{name}");
        assert_eq!(
            written(&detail(&app, &ward, &a.id).await),
            filed_state,
            "{name}"
        );

        // The unit's officer: the queue, then the application with what the registry gave.
        let (mut officer, csrf) = signed_in(&app, &app.token).await;
        let queue = officer.get("/officer/applications").await;
        let row_start = queue
            .body
            .find(&format!("data-id=\"{}\"", a.id))
            .expect("the application is queued");
        let row =
            &queue.body[row_start..row_start + queue.body[row_start..].find("</tr>").unwrap()];
        for text in [
            code.as_str(),
            TEMPORARY,
            "Trần Thị Bích",
            "Trực tuyến",
            "Mới đăng ký",
        ] {
            assert!(row.contains(text), "{name}: {text} in {row}");
        }
        let page = officer.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{name}: {}", page.body);
        for text in [
            "data-field=\"full_name\" data-source=\"registry\"",
            "Trần Thị Bích",
            "Luật Cư trú số 68/2020/QH14 (residence-law-68-2020)",
            "href=\"/api/v1/ledger/entries/",
            "Số 5, ngõ 8, phố Huế, Hà Nội",
            &format!("href=\"{document}\""),
            "hợp đồng thuê.pdf",
            "id=\"move-accept\"",
            "id=\"move-refuse\"",
            "id=\"move-request_supplement\"",
            &format!("data-version=\"{}\"", a.version),
            "data-step=\"file\"",
        ] {
            assert!(page.body.contains(text), "{name}: {text}");
        }
        assert!(
            !page.body.contains("id=\"move-decide\""),
            "{name}: not from status 1"
        );

        // Accept, with the version seen.
        let seen = a.version.to_string();
        let moves = format!("{path}/moves");
        let accepted = officer
            .post(
                &moves,
                &[
                    ("csrf", csrf.as_str()),
                    ("step", "accept"),
                    ("version", &seen),
                ],
                None,
            )
            .await;
        assert_eq!(
            accepted.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            accepted.body
        );
        assert_eq!(
            accepted.headers["location"],
            format!("{path}?done=accept"),
            "{name}"
        );
        let after = detail(&app, &ward, &a.id).await;
        assert_eq!(after.application.status, Some(Status::Accepted), "{name}");
        let staff = account_of(&app, STAFF).await;
        assert_eq!(
            after.events.last().unwrap().actor,
            Actor::Officer(staff.id),
            "{name}"
        );
        let shown = officer.get(&format!("{path}?done=accept")).await;
        assert!(
            shown.body.contains("Đã chuyển hồ sơ sang bước tiếp theo."),
            "{name}"
        );
        assert!(
            shown.body.contains("id=\"move-start_processing\""),
            "{name}"
        );

        // The same stale page again, and another move from it: "changed", nothing written.
        for (form_step, reason) in [("accept", ""), ("request_supplement", "Thiếu giấy tờ")] {
            let stale = officer
                .post(
                    &moves,
                    &[
                        ("csrf", csrf.as_str()),
                        ("step", form_step),
                        ("version", &seen),
                        ("reason", reason),
                    ],
                    None,
                )
                .await;
            assert_eq!(stale.status, StatusCode::CONFLICT, "{name}: {form_step}");
            assert!(
                stale.body.contains(
                    "Hồ sơ vừa được thay đổi trong khi bạn đang xem. Hãy tải lại trang và thử lại."
                ),
                "{name}: {form_step}: {}",
                stale.body
            );
            assert_eq!(
                written(&detail(&app, &ward, &a.id).await),
                written(&after),
                "{name}"
            );
        }
        // Bad input on a fresh page changes nothing either: a stop needs a reason.
        let current = after.application.version.to_string();
        let blank = officer
            .post(
                &moves,
                &[
                    ("csrf", csrf.as_str()),
                    ("step", "stop"),
                    ("version", &current),
                    ("reason", "  "),
                ],
                None,
            )
            .await;
        assert_eq!(blank.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            blank
                .body
                .contains("Hãy nêu lý do; người nộp sẽ đọc lý do này."),
            "{name}"
        );
        let english = officer
            .post(
                &format!("{moves}?lang=en"),
                &[
                    ("csrf", csrf.as_str()),
                    ("step", "decide"),
                    ("version", &current),
                    ("outcome", "approved"),
                ],
                None,
            )
            .await;
        assert_eq!(english.status, StatusCode::CONFLICT, "{name}");
        assert!(
            english
                .body
                .contains("The application is “Accepted”; “Decide” cannot be done from there."),
            "{name}: {}",
            english.body
        );
        assert_eq!(
            written(&detail(&app, &ward, &a.id).await),
            written(&after),
            "{name}"
        );
        officer.get("/officer/applications?lang=vi").await;

        // The document: the exact bytes, with the type stored at upload, as an attachment.
        let response = app
            .client
            .get(app.url(&document))
            .header("cookie", format!("dd_session={}", app.token))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        assert_eq!(
            response.headers()["content-type"],
            "application/pdf",
            "{name}"
        );
        let disposition = response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            disposition.starts_with("attachment; "),
            "{name}: {disposition}"
        );
        assert!(
            disposition
                .contains("filename*=UTF-8''h%E1%BB%A3p%20%C4%91%E1%BB%93ng%20thu%C3%AA.pdf"),
            "{name}: {disposition}"
        );
        assert_eq!(response.bytes().await.unwrap().as_ref(), PDF, "{name}");
        let none = officer
            .get(&format!("{path}/documents/owner_consent"))
            .await;
        assert_eq!(none.status, StatusCode::NOT_FOUND, "{name}");

        // Recording at the counter: the procedure's form; what is missing or wrong is named and
        // nothing is recorded; then it is recorded, accepted at once.
        let counter = "/officer/applications/counter";
        let form = officer
            .get(&format!("{counter}?procedure={PERMANENT}"))
            .await;
        assert_eq!(form.status, StatusCode::OK, "{name}");
        assert!(form.body.contains("id=\"record-counter\""), "{name}");
        assert!(
            form.body.contains("name=\"answer.residence_basis\""),
            "{name}"
        );
        let queued = || async { app.state.services().queue(&ward, &[]).await.unwrap().len() };
        assert_eq!(queued().await, 1, "{name}");
        let address = "Số 12, phố Hàng Bạc, Hà Nội";
        for (pid, procedure, basis, status, text) in [
            (
                AN_HN,
                PERMANENT,
                "",
                StatusCode::BAD_REQUEST,
                "“Căn cứ đăng ký” là thông tin bắt buộc.",
            ),
            (
                AN_HN,
                PERMANENT,
                "castle",
                StatusCode::BAD_REQUEST,
                "“Căn cứ đăng ký”: hãy chọn một trong các lựa chọn.",
            ),
            (
                "12345",
                PERMANENT,
                "own_home",
                StatusCode::BAD_REQUEST,
                "Số định danh cá nhân gồm 12 chữ số hợp lệ.",
            ),
            (
                AN_HN,
                "1.001193",
                "own_home",
                StatusCode::NOT_FOUND,
                "Hãy chọn một thủ tục của đơn vị bạn.",
            ),
        ] {
            let refused = officer
                .post(
                    counter,
                    &[
                        ("csrf", csrf.as_str()),
                        ("procedure", procedure),
                        ("personal_id", pid),
                        ("answer.new_address", address),
                        ("answer.residence_basis", basis),
                    ],
                    None,
                )
                .await;
            assert_eq!(refused.status, status, "{name}: {text}");
            assert!(
                refused.body.contains(text),
                "{name}: {text} in {}",
                refused.body
            );
            assert_eq!(queued().await, 1, "{name}: nothing recorded");
        }
        let recorded = officer
            .post(
                counter,
                &[
                    ("csrf", csrf.as_str()),
                    ("procedure", PERMANENT),
                    ("personal_id", AN_HN),
                    ("answer.new_address", address),
                    ("answer.residence_basis", "own_home"),
                ],
                None,
            )
            .await;
        assert_eq!(
            recorded.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            recorded.body
        );
        let location = recorded.headers["location"].to_str().unwrap().to_owned();
        assert!(location.ends_with("?done=recorded"), "{name}: {location}");
        let shown = officer.get(&location).await;
        for text in [
            "Đã ghi nhận và tiếp nhận hồ sơ.",
            "Trực tiếp",
            "Được tiếp nhận",
            "data-step=\"record\"",
            AN_HN,
            "id=\"move-start_processing\"",
        ] {
            assert!(shown.body.contains(text), "{name}: {text}");
        }
        assert_eq!(queued().await, 2, "{name}");

        drop(app);
        t.close().await;
    }
}

#[tokio::test]
async fn an_overdue_application_gets_an_apology_and_keeps_its_first_deadline() {
    for t in backends().await {
        let name = t.name();
        let app = services_app(&t).await;
        let ward = staff_officer(&app).await;
        citizen(
            &app,
            &t.db,
            BICH,
            "Trần Thị Bích",
            "1995-07-20",
            "0933000111",
        )
        .await;
        let a = filed(&app, BICH).await;
        let a = app
            .state
            .services()
            .officer_moves(&ward, &a.id, &step(Move::Accept, a.version))
            .await
            .unwrap();
        let first_due = a.first_due_at.unwrap();
        let (_, mut key) = second_officer(&app, &t.db, DAT, "0977000777").await;
        app.state
            .services()
            .add_officer(
                account_of(&app, DAT).await.id,
                &UnitCode::parse(RESIDENCE).unwrap(),
            )
            .await
            .unwrap();

        // Fifteen days later (longer than any run of holidays) the three working days are over.
        let clock = app.accounts.clock();
        clock.advance(Duration::from_secs(15 * 86_400));
        let token = passkey_sign_in(&app, &mut key).await;
        let (mut officer, csrf) = signed_in(&app, &token).await;
        let queue = officer.get("/officer/applications").await;
        assert!(
            queue.body.contains(&format!("data-id=\"{}\"", a.id)),
            "{name}: {}",
            queue.body
        );
        assert!(queue.body.contains("data-overdue=\"true\""), "{name}");
        assert!(queue.body.contains("quá hạn"), "{name}");
        let path = format!("/officer/applications/{}", a.id);
        let page = officer.get(&path).await;
        assert!(page.body.contains("id=\"apology-form\""), "{name}");
        let before = written(&detail(&app, &ward, &a.id).await);

        let apology = format!("{path}/apology");
        let version = a.version.to_string();
        let tomorrow = clock.today().succ_opt().unwrap();
        let appointment = format!("{tomorrow}T08:00");
        for (at, reason, status, text) in [
            (
                "2020-01-01T08:00",
                "Thiếu cán bộ thẩm định",
                StatusCode::BAD_REQUEST,
                "Ngày hẹn mới phải ở tương lai.",
            ),
            (
                "ngày mai",
                "Thiếu cán bộ thẩm định",
                StatusCode::BAD_REQUEST,
                "Hãy chọn ngày và giờ hẹn mới.",
            ),
            (
                appointment.as_str(),
                " ",
                StatusCode::BAD_REQUEST,
                "Hãy nêu lý do; người nộp sẽ đọc lý do này.",
            ),
        ] {
            let refused = officer
                .post(
                    &apology,
                    &[
                        ("csrf", csrf.as_str()),
                        ("version", &version),
                        ("new_due_at", at),
                        ("reason", reason),
                    ],
                    None,
                )
                .await;
            assert_eq!(refused.status, status, "{name}: {text}");
            assert!(
                refused.body.contains(text),
                "{name}: {text} in {}",
                refused.body
            );
            assert_eq!(written(&detail(&app, &ward, &a.id).await), before, "{name}");
        }
        let sent = officer
            .post(
                &apology,
                &[
                    ("csrf", csrf.as_str()),
                    ("version", &version),
                    ("new_due_at", &appointment),
                    ("reason", "Thiếu cán bộ thẩm định"),
                ],
                None,
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{name}: {}", sent.body);
        assert_eq!(
            sent.headers["location"],
            format!("{path}?done=apologize"),
            "{name}"
        );
        let after = detail(&app, &ward, &a.id).await;
        let new_due = tomorrow
            .and_hms_opt(1, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis();
        assert_eq!(
            after.application.due_at,
            Some(new_due),
            "{name}: 08:00 in Vietnam"
        );
        assert_eq!(
            after.application.first_due_at,
            Some(first_due),
            "{name}: kept"
        );
        assert_eq!(after.application.apologies, 1, "{name}");
        let event = after.events.last().unwrap();
        assert_eq!(event.step, "apologize", "{name}");
        assert_eq!(
            event.reason.as_deref(),
            Some("Thiếu cán bộ thẩm định"),
            "{name}"
        );
        let page = officer.get(&format!("{path}?done=apologize")).await;
        assert!(page.body.contains("Đã gửi thư xin lỗi"), "{name}");
        assert!(page.body.contains("Hạn ban đầu"), "{name}");
        assert!(
            !page.body.contains("id=\"apology-form\""),
            "{name}: no longer overdue"
        );
        // The page that was open before the apology is stale now.
        let stale = officer
            .post(
                &format!("{path}/moves"),
                &[
                    ("csrf", csrf.as_str()),
                    ("step", "start_processing"),
                    ("version", &version),
                ],
                None,
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{name}");
        assert!(stale.body.contains("Hãy tải lại trang"), "{name}");

        drop(app);
        t.close().await;
    }
}

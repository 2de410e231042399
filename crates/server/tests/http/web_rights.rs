//! Data-subject requests (`/account/requests`, `/officer/requests`) as browsers see them: a citizen
//! files a request and sees its 72-hour deadline, nobody else sees or withdraws it, an officer
//! takes it and closes it with an answer the citizen then reads; bad input and missing rights
//! are refused in words and change nothing.

use dinhdanh_accounts::Account;
use dinhdanh_domain::PersonalId;
use dinhdanh_rights::{Citizen, DEADLINE_MS, Rights, Status};

use crate::support::*;
use crate::web::{Browser, Page, citizen, staff_password};

/// The staff member's browser, signed in with the passkey session of [`seeded_app`].
async fn officer(app: &TestApp) -> (Browser, String) {
    let mut browser = Browser::new(app);
    browser.jar.insert("dd_session".into(), app.token.clone());
    let page = browser.get("/officer/requests").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = page.csrf();
    (browser, csrf)
}

async fn account_of(app: &TestApp, id: &str) -> Account {
    app.accounts
        .account_of_person(PersonalId::parse(id).unwrap())
        .await
        .unwrap()
        .expect("an account")
}

/// The value of attribute `name` in `tag`.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = start + tag[start..].find('"')?;
    Some(tag[start..end].to_owned())
}

/// One row of a request list: its ID, whether it shows as overdue, and its markup.
#[derive(Debug)]
struct Row {
    id: String,
    status: String,
    due: i64,
    overdue: bool,
    html: String,
}

/// The rows of the table with `table_id`, in page order.
fn rows(page: &Page, table_id: &str) -> Vec<Row> {
    let Some(start) = page.body.find(&format!("id=\"{table_id}\"")) else {
        return Vec::new();
    };
    let table = &page.body[start..start + page.body[start..].find("</table>").unwrap()];
    table
        .split("<tr data-id=")
        .skip(1)
        .map(|part| {
            let part = format!(" data-id={part}");
            let tag = &part[..part.find('>').unwrap()];
            Row {
                id: attribute(tag, "data-id").unwrap(),
                status: attribute(tag, "data-status").unwrap(),
                due: attribute(tag, "data-due").unwrap().parse().unwrap(),
                overdue: attribute(tag, "data-overdue").unwrap() == "true",
                html: part[..part.find("</tr>").unwrap()].to_owned(),
            }
        })
        .collect()
}

/// The time as the Vietnamese pages write it (Vietnam time).
fn vietnam_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms + 7 * 3_600_000)
        .unwrap()
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

async fn file(browser: &mut Browser, csrf: &str, kind: &str, about: &str, fields: &[&str]) -> Page {
    let mut form = vec![("csrf", csrf), ("kind", kind), ("about", about)];
    form.extend(fields.iter().map(|f| ("fields", *f)));
    browser.post("/account/requests", &form, None).await
}

#[tokio::test]
async fn a_citizen_files_a_request_and_an_officer_answers_it_within_the_deadline() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let rights = Rights::new(&t.db, app.accounts.sqlite_write_gate());
        let mut a = citizen(
            &app,
            &t.db,
            BICH,
            "Trần Thị Bích",
            "1995-07-20",
            "0933000111",
        )
        .await;
        let mut b = citizen(&app, &t.db, DAT, "Đặng Đức Đạt", "1990-06-30", "0933000222").await;

        // The dashboard links to the page; the page explains the right and lists nothing yet.
        let dashboard = a.get("/account").await;
        assert!(
            dashboard.body.contains("href=\"/account/requests\""),
            "{name}"
        );
        let empty = a.get("/account/requests").await;
        assert_eq!(empty.status, StatusCode::OK, "{name}: {}", empty.body);
        assert!(empty.body.contains("id=\"requests-empty\""), "{name}");
        assert!(empty.body.contains("Nghị định 13/2023/NĐ-CP"), "{name}");
        assert!(empty.body.contains("72 giờ"), "{name}");

        // Filing.
        let csrf = empty.csrf();
        let about = "Quê quán của tôi ghi sai.\nĐúng là xã Yên Sở, huyện Hoài Đức, Hà Nội.";
        let filed = file(
            &mut a,
            &csrf,
            "correction",
            about,
            &["place_of_origin", "full_name"],
        )
        .await;
        assert_eq!(
            filed.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            filed.body
        );
        assert_eq!(
            filed.headers["location"], "/account/requests?done=filed",
            "{name}"
        );
        let listed = a.get("/account/requests?done=filed").await;
        assert!(listed.body.contains("Đã gửi yêu cầu"), "{name}");
        let mine = rows(&listed, "requests");
        assert_eq!(mine.len(), 1, "{name}: {}", listed.body);
        let row = &mine[0];
        assert_eq!(row.status, "open", "{name}");
        assert!(!row.overdue, "{name}");
        let a_citizen = Citizen::of(&account_of(&app, BICH).await).unwrap();
        let stored = rights.mine(&a_citizen).await.unwrap();
        assert_eq!(stored.len(), 1, "{name}");
        let request = &stored[0];
        assert_eq!(request.id.as_str(), row.id, "{name}");
        assert_eq!(request.due_at, request.filed_at + 72 * 3_600_000, "{name}");
        assert_eq!(row.due, request.due_at, "{name}");
        assert!(
            row.html.contains(&vietnam_time(request.due_at)),
            "{name}: {}",
            row.html
        );
        assert!(row.html.contains("còn 72 giờ"), "{name}: {}", row.html);
        assert!(row.html.contains("Chờ tiếp nhận"), "{name}");
        let detail = a.get(&format!("/account/requests/{}", row.id)).await;
        assert_eq!(detail.status, StatusCode::OK, "{name}");
        for text in [
            "Chỉnh sửa dữ liệu",
            "Họ, chữ đệm và tên, Quê quán",
            "Quê quán của tôi ghi sai.<br>Đúng là xã Yên Sở",
        ] {
            assert!(
                detail.body.contains(text),
                "{name}: {text} in {}",
                detail.body
            );
        }

        // Another citizen sees nothing of it and cannot withdraw it.
        let theirs = b.get("/account/requests").await;
        assert!(rows(&theirs, "requests").is_empty(), "{name}");
        assert!(!theirs.body.contains(&row.id), "{name}");
        let peek = b.get(&format!("/account/requests/{}", row.id)).await;
        assert_eq!(peek.status, StatusCode::NOT_FOUND, "{name}");
        assert!(!peek.body.contains("Yên Sở"), "{name}");
        let b_csrf = theirs.csrf();
        let withdraw = b
            .post(
                &format!("/account/requests/{}/withdraw", row.id),
                &[("csrf", b_csrf.as_str())],
                None,
            )
            .await;
        assert_eq!(withdraw.status, StatusCode::NOT_FOUND, "{name}");
        // Nor act as an officer.
        assert_eq!(
            b.get("/officer/requests").await.status,
            StatusCode::FORBIDDEN,
            "{name}"
        );
        assert_eq!(
            b.get(&format!("/officer/requests/{}", row.id)).await.status,
            StatusCode::FORBIDDEN,
            "{name}"
        );
        for action in ["take", "close"] {
            let refused = b
                .post(
                    &format!("/officer/requests/{}/{action}", row.id),
                    &[
                        ("csrf", b_csrf.as_str()),
                        ("outcome", "rejected"),
                        ("answer", "Không"),
                    ],
                    None,
                )
                .await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{name}: {action}");
        }
        let unchanged = rights.request_of(&a_citizen, &request.id).await.unwrap();
        assert_eq!(&unchanged.request, request, "{name}: nothing changed");
        assert_eq!(unchanged.events.len(), 1, "{name}");

        // The officer sees it in the queue and takes it.
        let (mut o, o_csrf) = officer(&app).await;
        let queue = o.get("/officer/requests").await;
        assert!(
            queue.body.contains("data-open=\"1\""),
            "{name}: {}",
            queue.body
        );
        let queued = rows(&queue, "queue");
        assert_eq!(queued.len(), 1, "{name}");
        assert_eq!(queued[0].id, row.id, "{name}");
        assert!(
            queued[0].html.contains(BICH),
            "{name}: officers see whose data it is"
        );
        let taken = o
            .post(
                &format!("/officer/requests/{}/take", row.id),
                &[("csrf", o_csrf.as_str())],
                None,
            )
            .await;
        assert_eq!(
            taken.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            taken.body
        );
        assert_eq!(
            taken.headers["location"],
            format!("/officer/requests/{}?done=taken", row.id),
            "{name}"
        );

        // Now the citizen can no longer withdraw it.
        let late = a
            .post(
                &format!("/account/requests/{}/withdraw", row.id),
                &[("csrf", csrf.as_str())],
                None,
            )
            .await;
        assert_eq!(late.status, StatusCode::CONFLICT, "{name}");
        assert!(
            late.body.contains("không thể rút nữa"),
            "{name}: {}",
            late.body
        );

        // Closing needs an answer; a refused close keeps the form and changes nothing.
        let path = format!("/officer/requests/{}/close", row.id);
        let blank = o
            .post(
                &path,
                &[
                    ("csrf", o_csrf.as_str()),
                    ("outcome", "done"),
                    ("answer", "  \n "),
                ],
                None,
            )
            .await;
        assert_eq!(blank.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            blank.body.contains("Hãy viết câu trả lời"),
            "{name}: {}",
            blank.body
        );
        assert!(blank.body.contains("id=\"close-request\""), "{name}");
        let bad_outcome = o
            .post(
                &path,
                &[
                    ("csrf", o_csrf.as_str()),
                    ("outcome", "approved"),
                    ("answer", "Được"),
                ],
                None,
            )
            .await;
        assert_eq!(bad_outcome.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            bad_outcome
                .body
                .contains("“approved” không phải là kết quả"),
            "{name}"
        );
        assert!(
            bad_outcome.body.contains(">Được</textarea>"),
            "{name}: the answer is kept"
        );
        let still = rights.request_of(&a_citizen, &request.id).await.unwrap();
        assert_eq!(still.request.status, Status::InProgress, "{name}");
        assert_eq!(still.events.len(), 2, "{name}");

        let answer = "Đã sửa quê quán của bà thành xã Yên Sở, huyện Hoài Đức, Hà Nội.";
        let closed = o
            .post(
                &path,
                &[
                    ("csrf", o_csrf.as_str()),
                    ("outcome", "done"),
                    ("answer", answer),
                ],
                None,
            )
            .await;
        assert_eq!(
            closed.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            closed.body
        );
        let shown = o
            .get(&format!("/officer/requests/{}?done=closed", row.id))
            .await;
        assert!(
            shown.body.contains("Đã trả lời và kết thúc yêu cầu."),
            "{name}"
        );
        assert_eq!(shown.body.matches("<li data-seq=").count(), 3, "{name}");
        assert!(shown.body.contains("data-to=\"done\""), "{name}");
        assert!(
            !shown.body.contains("id=\"close-request\""),
            "{name}: nothing more to do"
        );
        let again = o
            .post(
                &path,
                &[
                    ("csrf", o_csrf.as_str()),
                    ("outcome", "rejected"),
                    ("answer", "Thôi"),
                ],
                None,
            )
            .await;
        assert_eq!(
            again.status,
            StatusCode::CONFLICT,
            "{name}: a closed request stays closed"
        );

        // The citizen reads the answer, and the history.
        let mine = a.get("/account/requests").await;
        let row = &rows(&mine, "requests")[0];
        assert_eq!(row.status, "done", "{name}");
        assert!(row.html.contains(answer), "{name}: {}", row.html);
        assert!(row.html.contains("Đã thực hiện"), "{name}");
        let detail = a.get(&format!("/account/requests/{}", row.id)).await;
        assert!(detail.body.contains("id=\"request-answer\""), "{name}");
        assert!(detail.body.contains(answer), "{name}");
        assert_eq!(detail.body.matches("<li data-seq=").count(), 3, "{name}");
        assert!(detail.body.contains("Tiếp nhận xử lý"), "{name}");
        assert!(!detail.body.contains("id=\"withdraw\""), "{name}");

        // In English too.
        let english = a
            .get(&format!("/account/requests/{}?lang=en", row.id))
            .await;
        assert!(english.body.contains("<html lang=\"en\">"), "{name}");
        for text in [
            "Carried out",
            "Correct my data",
            "Full name, Place of origin",
            "History",
        ] {
            assert!(english.body.contains(text), "{name}: {text}");
        }
        t.close().await;
    }
}

#[tokio::test]
async fn bad_input_and_missing_rights_are_refused_in_words_and_change_nothing() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let rights = Rights::new(&t.db, app.accounts.sqlite_write_gate());
        let mut a = citizen(
            &app,
            &t.db,
            BICH,
            "Trần Thị Bích",
            "1995-07-20",
            "0933000111",
        )
        .await;
        let a_citizen = Citizen::of(&account_of(&app, BICH).await).unwrap();
        let csrf = a.get("/account/requests").await.csrf();

        let long = "ạ".repeat(2001);
        let cases: [(&str, &str, &[&str], &str); 6] = [
            ("correction", "", &[], "Hãy nêu nội dung yêu cầu."),
            (
                "correction",
                " \n ",
                &["full_name"],
                "Hãy nêu nội dung yêu cầu.",
            ),
            (
                "correction",
                &long,
                &[],
                "Nội dung dài 2001 ký tự; tối đa 2000 ký tự.",
            ),
            (
                "correction",
                "Nhóm máu sai.",
                &["blood_group"],
                "“blood_group” không phải là thông tin của hồ sơ dân cư",
            ),
            (
                "deletion",
                "Xóa hết dữ liệu.",
                &[],
                "“deletion” không phải là loại yêu cầu",
            ),
            ("objection", "Có\u{7}chuông.", &[], "ký tự điều khiển"),
        ];
        for (kind, about, fields, message) in cases {
            let refused = file(&mut a, &csrf, kind, about, fields).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{name}: {message}");
            assert!(
                refused.body.contains(message),
                "{name}: {message} in {}",
                refused.body
            );
            assert!(
                refused.body.contains("id=\"file-request\""),
                "{name}: the form is shown again"
            );
        }
        // The text typed is kept, and the ticked fields stay ticked.
        let kept = file(
            &mut a,
            &csrf,
            "deletion",
            "Giữ nguyên nội dung này",
            &["spouse"],
        )
        .await;
        assert!(
            kept.body.contains(">Giữ nguyên nội dung này</textarea>"),
            "{name}"
        );
        assert!(kept.body.contains("value=\"spouse\" checked"), "{name}");
        let english = {
            a.get("/account/requests?lang=en").await;
            let page = file(&mut a, &csrf, "correction", "", &[]).await;
            a.get("/account/requests?lang=vi").await;
            page
        };
        assert!(
            english
                .body
                .contains("Describe what your request is about."),
            "{name}"
        );

        // No CSRF token, a wrong one, or another site: refused before anything else.
        for form in [vec![], vec![("csrf", "x".repeat(43))]] {
            let mut fields: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            fields.extend([("kind", "correction"), ("about", "Sai tên.")]);
            let refused = a.post("/account/requests", &fields, None).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{name}");
        }
        let cross = a
            .post(
                "/account/requests",
                &[
                    ("csrf", csrf.as_str()),
                    ("kind", "correction"),
                    ("about", "Sai tên."),
                ],
                Some("https://evil.example"),
            )
            .await;
        assert_eq!(cross.status, StatusCode::FORBIDDEN, "{name}");
        assert!(
            rights.mine(&a_citizen).await.unwrap().is_empty(),
            "{name}: nothing was written"
        );

        // Not signed in: to the sign-in page.
        let mut stranger = Browser::new(&app);
        for path in ["/account/requests", "/officer/requests"] {
            let away = stranger.get(path).await;
            assert_eq!(away.status, StatusCode::SEE_OTHER, "{name}: {path}");
            assert_eq!(away.headers["location"], "/login", "{name}: {path}");
        }

        // A malformed or unknown ID is simply not found.
        for path in [
            "/account/requests/nope",
            "/account/requests/AAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert_eq!(
                a.get(path).await.status,
                StatusCode::NOT_FOUND,
                "{name}: {path}"
            );
        }
        let (mut o, o_csrf) = officer(&app).await;
        assert_eq!(
            o.get("/officer/requests/AAAAAAAAAAAAAAAAAAAAAA")
                .await
                .status,
            StatusCode::NOT_FOUND,
            "{name}"
        );
        let unknown = o
            .post(
                "/officer/requests/AAAAAAAAAAAAAAAAAAAAAA/take",
                &[("csrf", o_csrf.as_str())],
                None,
            )
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{name}");

        // A request is filed; an officer signed in with a password alone is asked to confirm
        // with a strong factor and changes nothing.
        let filed = file(
            &mut a,
            &csrf,
            "restriction",
            "Hạn chế chia sẻ nơi ở hiện tại.",
            &["current_residence"],
        )
        .await;
        assert_eq!(filed.status, StatusCode::SEE_OTHER, "{name}");
        let request = rights.mine(&a_citizen).await.unwrap().remove(0);
        let password = staff_password(&app).await;
        let mut weak = Browser::new(&app);
        let login_csrf = weak.get("/login").await.csrf();
        let signed = weak
            .post(
                "/login",
                &[
                    ("csrf", login_csrf.as_str()),
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
        let step_up = weak.get("/officer/requests").await;
        assert!(
            step_up.body.contains("href=\"/login/second\""),
            "{name}: {}",
            step_up.body
        );
        assert!(!step_up.body.contains(&request.id.to_string()), "{name}");
        let weak_csrf = step_up.csrf();
        let refused = weak
            .post(
                &format!("/officer/requests/{}/take", request.id),
                &[("csrf", weak_csrf.as_str())],
                None,
            )
            .await;
        assert!(refused.body.contains("href=\"/login/second\""), "{name}");
        let unchanged = rights.request_of(&a_citizen, &request.id).await.unwrap();
        assert_eq!(unchanged.request.status, Status::Open, "{name}");
        assert_eq!(unchanged.events.len(), 1, "{name}");

        // The officer cannot close without taking it first.
        let untaken = o
            .post(
                &format!("/officer/requests/{}/close", request.id),
                &[
                    ("csrf", o_csrf.as_str()),
                    ("outcome", "done"),
                    ("answer", "Xong"),
                ],
                None,
            )
            .await;
        assert_eq!(untaken.status, StatusCode::CONFLICT, "{name}");
        assert!(
            untaken
                .body
                .contains("Hãy tiếp nhận yêu cầu trước khi trả lời."),
            "{name}"
        );

        // The citizen withdraws it; then nobody can take it.
        let withdrawn = a
            .post(
                &format!("/account/requests/{}/withdraw", request.id),
                &[("csrf", csrf.as_str())],
                None,
            )
            .await;
        assert_eq!(withdrawn.status, StatusCode::SEE_OTHER, "{name}");
        assert_eq!(
            withdrawn.headers["location"], "/account/requests?done=withdrawn",
            "{name}"
        );
        let closed = o
            .post(
                &format!("/officer/requests/{}/take", request.id),
                &[("csrf", o_csrf.as_str())],
                None,
            )
            .await;
        assert_eq!(closed.status, StatusCode::CONFLICT, "{name}");
        assert!(
            closed.body.contains("Yêu cầu đã kết thúc (Đã rút)"),
            "{name}: {}",
            closed.body
        );
        t.close().await;
    }
}

#[tokio::test]
async fn the_officers_queue_shows_overdue_requests_first_and_highlighted() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let mut a = citizen(
            &app,
            &t.db,
            BICH,
            "Trần Thị Bích",
            "1995-07-20",
            "0933000111",
        )
        .await;
        let csrf = a.get("/account/requests").await.csrf();
        for about in ["Yêu cầu mới.", "Yêu cầu cũ."] {
            let filed = file(&mut a, &csrf, "objection", about, &[]).await;
            assert_eq!(filed.status, StatusCode::SEE_OTHER, "{name}");
        }
        // The second request was filed four days ago (moved back in the database).
        let rights = Rights::new(&t.db, app.accounts.sqlite_write_gate());
        let a_citizen = Citizen::of(&account_of(&app, BICH).await).unwrap();
        let old = rights
            .mine(&a_citizen)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.about == "Yêu cầu cũ.")
            .unwrap();
        let back = 4 * 24 * 3_600_000_i64;
        let sql = "UPDATE rights_requests SET filed_at = filed_at - $1, due_at = due_at - $1
                   WHERE request_id = $2";
        match &t.db {
            Db::Sqlite(pool) => {
                dinhdanh_store::sqlx::query(sql)
                    .bind(back)
                    .bind(old.id.as_str())
                    .execute(pool)
                    .await
                    .unwrap();
            }
            Db::Postgres(pool) => {
                dinhdanh_store::sqlx::query(sql)
                    .bind(back)
                    .bind(old.id.as_str())
                    .execute(pool)
                    .await
                    .unwrap();
            }
        }

        let (mut o, _) = officer(&app).await;
        let queue = o.get("/officer/requests").await;
        assert!(
            queue
                .body
                .contains("data-open=\"2\" data-in-progress=\"0\" data-overdue=\"1\""),
            "{name}: {}",
            queue.body
        );
        let listed = rows(&queue, "queue");
        assert_eq!(listed.len(), 2, "{name}");
        assert_eq!(listed[0].id, old.id.as_str(), "{name}: overdue first");
        assert!(listed[0].overdue && !listed[1].overdue, "{name}");
        assert!(
            listed[0].html.contains("class=\"alert\""),
            "{name}: {}",
            listed[0].html
        );
        assert!(
            listed[0].html.contains("quá hạn 24 giờ"),
            "{name}: {}",
            listed[0].html
        );
        assert_eq!(listed[0].due, old.due_at - back, "{name}");
        assert_eq!(old.due_at - old.filed_at, DEADLINE_MS, "{name}");
        // The citizen sees it too.
        let mine = rows(&a.get("/account/requests").await, "requests");
        assert!(
            mine.iter().any(|r| r.id == old.id.as_str() && r.overdue),
            "{name}"
        );
        t.close().await;
    }
}

//! Search.

use crate::support::*;

#[tokio::test]
async fn search_folds_tone_marks_case_and_unicode_form() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;

        let (status, page) = app
            .get_json("/api/v1/registry/persons?name=nguyen%20van%20an")
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {page}");
        // Exact "An" sorts before the prefix match "Anh"; equal names by number.
        assert_eq!(ids_of(&page), [AN_HN, AN_HCM, ANH], "{name}: {page}");
        assert_eq!(
            page["results"][0]["full_name"], "Nguyễn Văn An",
            "{name}: {page}"
        );
        assert_eq!(
            page["results"][2]["full_name"], "Nguyễn Văn Anh",
            "{name}: {page}"
        );
        assert_eq!(page["results"][0]["birth_date"], "1990-03-15", "{name}");
        assert_eq!(page["results"][0]["sex"], "male", "{name}");
        assert_eq!(page["results"][0]["status"], "living", "{name}");
        assert!(page["next"].is_null(), "{name}: one page only: {page}");

        // The same name in NFD (base letters followed by combining marks), as some keyboards send.
        let nfd = "Nguye\u{0302}\u{0303}n Va\u{0306}n An";
        assert_ne!(nfd, "Nguyễn Văn An", "the query really is decomposed");
        let (status, nfd_page) = app
            .get_json(&format!(
                "/api/v1/registry/persons?name={}",
                percent_encode(nfd)
            ))
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {nfd_page}");
        assert_eq!(ids_of(&nfd_page), ids_of(&page), "{name}: NFD = folded");

        // NFC with marks, in upper case.
        let (_, upper) = app
            .get_json(&format!(
                "/api/v1/registry/persons?name={}",
                percent_encode("NGUYỄN VĂN AN")
            ))
            .await;
        assert_eq!(ids_of(&upper), ids_of(&page), "{name}: case-insensitive");

        // A longer prefix excludes "An".
        let (_, anh) = app
            .get_json("/api/v1/registry/persons?name=nguyen%20van%20anh")
            .await;
        assert_eq!(ids_of(&anh), [ANH], "{name}: {anh}");

        // Đ folds to d.
        let (_, dat) = app
            .get_json("/api/v1/registry/persons?name=dang%20duc%20dat")
            .await;
        assert_eq!(ids_of(&dat), [DAT], "{name}: {dat}");
        assert_eq!(dat["results"][0]["full_name"], "Đặng Đức Đạt", "{name}");

        let (_, bich) = app
            .get_json("/api/v1/registry/persons?name=tran%20thi")
            .await;
        assert_eq!(ids_of(&bich), [BICH], "{name}: {bich}");

        let (_, none) = app.get_json("/api/v1/registry/persons?name=le%20van").await;
        assert_eq!(ids_of(&none), Vec::<String>::new(), "{name}: {none}");

        drop(app);
        t.close().await;
    }
}

#[tokio::test]
async fn search_filters_by_birth_year_and_province() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;
        let base = "/api/v1/registry/persons?name=nguyen%20van%20an";

        let (status, page) = app.get_json(&format!("{base}&birth_year=1990")).await;
        assert_eq!(status, StatusCode::OK, "{name}: {page}");
        assert_eq!(ids_of(&page), [AN_HN], "{name}: born 1990: {page}");

        let (_, page) = app.get_json(&format!("{base}&birth_year=2000")).await;
        assert_eq!(ids_of(&page), [ANH], "{name}: born 2000: {page}");

        let (_, page) = app.get_json(&format!("{base}&birth_year=1991")).await;
        assert_eq!(
            ids_of(&page),
            Vec::<String>::new(),
            "{name}: born 1991: {page}"
        );

        let (_, page) = app.get_json(&format!("{base}&province=079")).await;
        assert_eq!(ids_of(&page), [AN_HCM], "{name}: HCM: {page}");

        let (_, page) = app.get_json(&format!("{base}&province=1")).await;
        assert_eq!(ids_of(&page), [AN_HN, ANH], "{name}: Hà Nội: {page}");

        let (_, page) = app
            .get_json(&format!("{base}&province=001&birth_year=2000"))
            .await;
        assert_eq!(ids_of(&page), [ANH], "{name}: both filters: {page}");

        let (_, page) = app
            .get_json(&format!("{base}&province=079&birth_year=1990"))
            .await;
        assert_eq!(ids_of(&page), Vec::<String>::new(), "{name}: {page}");

        // A woman's year code (century digit 1) is matched, not only the male one.
        let (_, page) = app
            .get_json("/api/v1/registry/persons?name=tran&birth_year=1995")
            .await;
        assert_eq!(ids_of(&page), [BICH], "{name}: {page}");

        let (status, body) = app.get_json(&format!("{base}&province=003")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {body}");
        assert_eq!(body["error"], "request.bad_parameter", "{name}: {body}");

        drop(app);
        t.close().await;
    }
}

#[tokio::test]
async fn search_rejects_too_short_queries_and_bad_cursors() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;

        let (status, body) = app.get_json("/api/v1/registry/persons?name=a").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(body["error"], "registry.search_too_short", "{name}: {body}");

        // Tone marks alone fold to nothing.
        let (status, body) = app
            .get_json(&format!(
                "/api/v1/registry/persons?name={}",
                percent_encode("\u{0303}\u{0301} 1")
            ))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert_eq!(body["error"], "registry.search_too_short", "{name}: {body}");

        for after in ["garbage", "nguyen van an|12345", "nguyen van an|"] {
            let response = app
                .client
                .get(app.url("/api/v1/registry/persons"))
                .bearer_auth(&app.token)
                .query(&[("name", "nguyen"), ("after", after)])
                .send()
                .await
                .unwrap();
            let (status, body) = json_of(response).await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{name}: after={after}: {body}"
            );
            assert_eq!(body["error"], "request.bad_parameter", "{name}: {body}");
            assert!(
                body["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("after")),
                "{name}: the message names the parameter: {body}"
            );
        }

        drop(app);
        t.close().await;
    }
}

#[tokio::test]
async fn search_pages_with_a_cursor_without_duplicates() {
    for t in backends().await {
        let name = t.name();
        let app = seeded_app(&t).await;

        let mut seen: Vec<String> = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..10 {
            let mut query = vec![("name", "nguyen".to_owned()), ("limit", "1".to_owned())];
            if let Some(a) = &after {
                query.push(("after", a.clone()));
            }
            let response = app
                .client
                .get(app.url("/api/v1/registry/persons"))
                .bearer_auth(&app.token)
                .query(&query)
                .send()
                .await
                .unwrap();
            let (status, page) = json_of(response).await;
            assert_eq!(status, StatusCode::OK, "{name}: {page}");
            let ids = ids_of(&page);
            assert!(ids.len() <= 1, "{name}: limit=1 honoured: {page}");
            if !ids.is_empty() {
                assert!(
                    page["next"].is_string(),
                    "{name}: a full page offers a cursor: {page}"
                );
            }
            seen.extend(ids);
            match page["next"].as_str() {
                Some(next) => after = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(
            seen,
            [AN_HN, AN_HCM, ANH],
            "{name}: pages in order, each person once"
        );

        // The second page of the same search, asked for directly.
        let (_, first) = app
            .get_json("/api/v1/registry/persons?name=nguyen&limit=2")
            .await;
        assert_eq!(ids_of(&first), [AN_HN, AN_HCM], "{name}: {first}");
        let next = first["next"].as_str().expect("a full page has a cursor");
        let response = app
            .client
            .get(app.url("/api/v1/registry/persons"))
            .bearer_auth(&app.token)
            .query(&[("name", "nguyen"), ("limit", "2"), ("after", next)])
            .send()
            .await
            .unwrap();
        let (_, second) = json_of(response).await;
        assert_eq!(ids_of(&second), [ANH], "{name}: {second}");
        assert!(
            second["next"].is_null(),
            "{name}: short last page: {second}"
        );

        drop(app);
        t.close().await;
    }
}

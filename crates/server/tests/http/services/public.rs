//! The public side: the catalogue, the status check and its rate limit, and the statistics as
//! JSON, CSV and the page with its charts.

use super::*;

#[tokio::test]
async fn the_catalogue_and_the_status_check_are_public_and_the_check_is_rate_limited() {
    for t in backends().await {
        let name = t.name();
        let app = services_app(&t).await;

        let (status, body) = json_of(app.get_anonymous("/api/v1/services/procedures").await).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        let listed = body["procedures"].as_array().unwrap();
        assert_eq!(listed.len(), 22, "{name}: the demo catalogue");
        assert!(listed.iter().any(|p| p["code"] == TEMPORARY), "{name}");
        let (status, one) = json_of(
            app.get_anonymous(&format!("/api/v1/services/procedures/{TEMPORARY}"))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {one}");
        assert_eq!(
            one["name"]["en"], "Temporary residence registration",
            "{name}"
        );
        assert_eq!(one["agency"]["unit"], RESIDENCE, "{name}");
        assert_eq!(one["fee_vnd"], 7000, "{name}");
        assert_eq!(one["level"], "full", "{name}");
        let (status, unknown) = json_of(
            app.get_anonymous("/api/v1/services/procedures/9.999999")
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}: {unknown}");
        assert_eq!(unknown["error"], "services.unknown_procedure", "{name}");

        // Documented, under their tags.
        let (_, doc) = json_of(app.get_anonymous("/api/v1/openapi.json").await).await;
        for (path, tag) in [
            ("/api/v1/services/procedures", "services"),
            ("/api/v1/services/procedures/{code}", "services"),
            ("/api/v1/services/status", "services"),
            ("/api/v1/services/statistics", "services"),
            ("/api/v1/payments/ipn", "payments"),
        ] {
            assert_eq!(doc["paths"][path]["get"]["tags"][0], tag, "{name}: {path}");
        }

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
        let code = a.code.clone().unwrap().to_string();
        let check =
            |code: &str, id: &str| format!("/api/v1/services/status?code={code}&personal_id={id}");

        // The count is per minute: start early in one, so that the eleven checks share it.
        let clock = app.accounts.clock();
        let into = clock.now_ms() % 60_000;
        if into > 30_000 {
            clock.advance(Duration::from_millis((60_000 - into + 100) as u64));
        }
        let (status, found) = json_of(app.get_anonymous(&check(&code, BICH)).await).await;
        assert_eq!(status, StatusCode::OK, "{name}: {found}");
        assert_eq!(found["code"], code.as_str(), "{name}");
        assert_eq!(found["procedure"], TEMPORARY, "{name}");
        assert_eq!(found["status"], "new", "{name}");
        assert_eq!(found["status_code"], 1, "{name}");
        assert_eq!(found["due_at"], a.accept_due_at.unwrap(), "{name}");
        assert_eq!(
            found.as_object().unwrap().len(),
            6,
            "{name}: the status and the deadline, nothing else: {found}"
        );
        // Someone else's personal ID answers exactly like a code that does not exist.
        let wrong_pair = json_of(app.get_anonymous(&check(&code, DAT)).await).await;
        let unknown_code = json_of(
            app.get_anonymous(&check(&format!("{RESIDENCE}-200101-9999"), BICH))
                .await,
        )
        .await;
        assert_eq!(
            wrong_pair.0,
            StatusCode::NOT_FOUND,
            "{name}: {}",
            wrong_pair.1
        );
        assert_eq!(wrong_pair, unknown_code, "{name}");
        assert_eq!(wrong_pair.1["error"], "services.not_found", "{name}");
        // Ten checks a minute from one address; the eleventh waits, even with the right pair.
        for _ in 0..7 {
            let response = app.get_anonymous(&check(&code, DAT)).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{name}");
        }
        let limited = app.get_anonymous(&check(&code, BICH)).await;
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS, "{name}");
        let wait: u64 = limited.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait), "{name}: Retry-After {wait}");
        let (_, body) = json_of(limited).await;
        assert_eq!(body["error"], "services.too_many_checks", "{name}");
        assert!(body.get("status").is_none(), "{name}: {body}");

        // A missing parameter is named.
        let (status, body) =
            json_of(app.get_anonymous("/api/v1/services/status?code=x").await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {body}");
        assert_eq!(body["error"], "request.bad_parameter", "{name}");

        drop(app);
        t.close().await;
    }
}

#[tokio::test]
async fn statistics_match_figures_computed_by_hand_as_json_csv_and_on_the_page() {
    for t in backends().await {
        let name = t.name();
        let app = services_app(&t).await;
        let s = app.state.services();
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
        citizen(&app, &t.db, DAT, "Đặng Đức Đạt", "1990-06-30", "0933000222").await;
        let moved = |a: &Application, m: Move| step(m, a.version);

        // A: online, decided (approved) at once, result returned electronically.
        let a = filed(&app, BICH).await;
        let a = s
            .officer_moves(&ward, &a.id, &moved(&a, Move::Accept))
            .await
            .unwrap();
        let a = s
            .officer_moves(&ward, &a.id, &moved(&a, Move::StartProcessing))
            .await
            .unwrap();
        let mut decide = moved(&a, Move::Decide);
        decide.outcome = Some(Outcome::Approved);
        let a = s.officer_moves(&ward, &a.id, &decide).await.unwrap();
        let mut give = moved(&a, Move::ReturnResult);
        give.electronic = Some(true);
        s.officer_moves(&ward, &a.id, &give).await.unwrap();
        // B: online, refused at once, result on paper.
        let b = filed(&app, DAT).await;
        let b = s
            .officer_moves(&ward, &b.id, &moved(&b, Move::Accept))
            .await
            .unwrap();
        let b = s
            .officer_moves(&ward, &b.id, &moved(&b, Move::StartProcessing))
            .await
            .unwrap();
        let mut decide = moved(&b, Move::Decide);
        decide.outcome = Some(Outcome::Refused);
        decide.reason = Some("Hợp đồng thuê đã hết hạn".into());
        let b = s.officer_moves(&ward, &b.id, &decide).await.unwrap();
        let mut give = moved(&b, Move::ReturnResult);
        give.electronic = Some(false);
        s.officer_moves(&ward, &b.id, &give).await.unwrap();
        // C: at the counter, accepted and open, its deadline days away. D: online, new.
        at_the_counter(&app, &ward, AN_HN).await;
        filed(&app, BICH).await;

        // By hand, for the residence unit (4 procedures listed, 3 of them fully online):
        // filed 4, online 3 (75 %); decided 2, both on time, none open late (100 %);
        // returned 2, 1 electronically (50 %).
        let day = today(&app);
        let path = format!("/api/v1/services/statistics?from={day}&to={day}&unit={RESIDENCE}");
        let (status, stats) = json_of(app.get_anonymous(&path).await).await;
        assert_eq!(status, StatusCode::OK, "{name}: {stats}");
        let agencies = stats["agencies"].as_array().unwrap();
        assert_eq!(agencies.len(), 1, "{name}: {stats}");
        let unit = &agencies[0];
        assert_eq!(unit["unit"], RESIDENCE, "{name}");
        assert_eq!(
            unit["counts"],
            json!({"filed": 4, "online": 3, "decided": 2, "decided_on_time": 2, "open_late": 0,
                   "returned": 2, "returned_electronically": 1}),
            "{name}"
        );
        assert_eq!(unit["procedures"], 4, "{name}");
        assert_eq!(unit["procedures_full_online"], 3, "{name}");
        assert_eq!(unit["full_online_share"], 75.0, "{name}");
        assert_eq!(unit["online_share"], 75.0, "{name}");
        assert_eq!(unit["on_time_rate"], 100.0, "{name}");
        assert_eq!(unit["electronic_result_share"], 50.0, "{name}");
        let line = |code: &str| {
            stats["procedures"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["code"] == code)
                .unwrap()
                .clone()
        };
        let permanent = line(PERMANENT);
        assert_eq!(
            permanent["online_share"], 0.0,
            "{name}: one filed, none online"
        );
        assert_eq!(
            permanent["on_time_rate"],
            Value::Null,
            "{name}: nothing to count is not 0 %"
        );
        assert_eq!(permanent["electronic_result_share"], Value::Null, "{name}");
        assert_eq!(line(TEMPORARY)["online_share"], 100.0, "{name}");
        assert_eq!(line("1.004206")["online_share"], Value::Null, "{name}");

        // Every agency: the justice office counts nothing; 15 of the 22 procedures are fully
        // online.
        let all = format!("/api/v1/services/statistics?from={day}&to={day}");
        let (_, stats) = json_of(app.get_anonymous(&all).await).await;
        let justice = stats["agencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["unit"] == JUSTICE)
            .unwrap();
        assert_eq!(justice["counts"]["filed"], 0, "{name}");
        assert_eq!(justice["online_share"], Value::Null, "{name}");
        assert_eq!(stats["total"]["counts"]["filed"], 4, "{name}");
        assert_eq!(stats["total"]["full_online_share"], 1500.0 / 22.0, "{name}");
        // The day before counts nothing: the last day is included, and only it.
        let before = day.pred_opt().unwrap();
        let (_, earlier) = json_of(
            app.get_anonymous(&format!(
                "/api/v1/services/statistics?from={before}&to={before}&unit={RESIDENCE}"
            ))
            .await,
        )
        .await;
        assert_eq!(earlier["agencies"][0]["counts"]["filed"], 0, "{name}");
        assert_eq!(
            earlier["agencies"][0]["on_time_rate"],
            Value::Null,
            "{name}"
        );

        // The same as CSV.
        let response = app.get_anonymous(&format!("{path}&format=csv")).await;
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        assert_eq!(
            response.headers()["content-type"],
            "text/csv; charset=utf-8",
            "{name}"
        );
        assert_eq!(
            response.headers()["content-disposition"],
            format!("attachment; filename=\"statistics-{RESIDENCE}-{day}-{day}.csv\"").as_str(),
            "{name}"
        );
        let csv = response.text().await.unwrap();
        for expected in [
            format!("{TEMPORARY},{RESIDENCE},full,3,3,100.0,2,2,0,100.0,2,1,50.0"),
            format!("{PERMANENT},{RESIDENCE},full,1,0,0.0,0,0,0,,0,0,"),
            format!("1.004206,{RESIDENCE},full,0,0,,0,0,0,,0,0,"),
        ] {
            assert!(
                csv.lines().any(|l| l == expected),
                "{name}: {expected} in\n{csv}"
            );
        }
        assert_eq!(
            csv.lines().count(),
            5,
            "{name}: a header and 4 procedures: {csv}"
        );

        // Bad periods are named.
        for (query, status, field) in [
            (
                "from=2026-13-01&to=2026-12-31",
                StatusCode::BAD_REQUEST,
                "request.bad_parameter",
            ),
            (
                "from=2026-12-31&to=2026-01-01",
                StatusCode::BAD_REQUEST,
                "request.bad_parameter",
            ),
            (
                "to=2026-01-01",
                StatusCode::BAD_REQUEST,
                "request.bad_parameter",
            ),
            (
                "from=2026-01-01&to=2026-01-02&format=xml",
                StatusCode::BAD_REQUEST,
                "request.bad_parameter",
            ),
            (
                "from=2026-01-01&to=2026-01-02&unit=H29",
                StatusCode::UNPROCESSABLE_ENTITY,
                "services.invalid",
            ),
        ] {
            let (got, body) = json_of(
                app.get_anonymous(&format!("/api/v1/services/statistics?{query}"))
                    .await,
            )
            .await;
            assert_eq!(got, status, "{name}: {query}: {body}");
            assert_eq!(body["error"], field, "{name}: {query}");
        }

        // The public page: tables, charts drawn on the server, the CSV link; "—" for nothing.
        let mut visitor = Browser::new(&app);
        let page = visitor
            .get(&format!(
                "/services/statistics?from={day}&to={day}&unit={RESIDENCE}"
            ))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{name}: {}", page.body);
        for text in [
            "id=\"agencies\"",
            "id=\"procedures\"",
            "<svg id=\"chart-online\" role=\"img\"",
            "75,0 %",
            "50,0 %",
            "—",
            &format!(
                "/api/v1/services/statistics?from={day}&amp;to={day}&amp;unit={RESIDENCE}&amp;format=csv"
            ),
        ] {
            assert!(page.body.contains(text), "{name}: {text}");
        }
        assert!(!page.body.contains("<script>"), "{name}");
        assert!(
            !page.body.contains(" style="),
            "{name}: the CSP forbids inline styles"
        );
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("style-src 'self'"), "{name}: {csp}");
        // Without a period: this year. In English on request.
        let year = visitor.get("/services/statistics?lang=en").await;
        assert_eq!(year.status, StatusCode::OK, "{name}");
        let y = chrono::Datelike::year(&day);
        assert!(
            year.body.contains(&format!("value=\"{y}-01-01\"")),
            "{name}"
        );
        assert!(
            year.body.contains(&format!("value=\"{y}-12-31\"")),
            "{name}"
        );
        assert!(year.body.contains("Applications filed online"), "{name}");
        assert!(year.body.contains("75.0%"), "{name}");
        let bad = visitor.get("/services/statistics?from=31/12/2026").await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            bad.body.contains("2026-01-31"),
            "{name}: the expected form is shown"
        );

        drop(app);
        t.close().await;
    }
}

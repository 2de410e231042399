//! A supplement handed in, and the fee paid at the gateway, whose return page only shows what
//! the gateway said; the link to the signed result.

use super::*;

#[tokio::test]
async fn a_supplement_is_handed_in_and_the_fee_paid_at_the_gateway_whose_return_only_shows_it() {
    for t in backends().await {
        let name = t.name();
        let app = portal_app(&t).await;
        enrol_an_and_bich(&app, &t.db).await;
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

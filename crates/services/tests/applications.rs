//! Applications through the public API: pre-filling from the registry (and the read in the
//! ledger), filing and codes, the officers' moves, who sees what, concurrent moves, counter
//! applications and the public status check, and bad input that changes nothing.

mod common;

use futures::future::join_all;

use common::*;

#[tokio::test]
async fn a_citizen_applies_with_registry_data_and_the_agency_takes_it_to_the_result() {
    for w in worlds().await {
        let name = w.t.name();
        let s = &w.services;
        let before = w.ledger.checkpoint().await.unwrap().checkpoint.size;

        // The draft is filled in from the registry, and that read is in the ledger.
        let draft = s.start(&w.an, "1.004194").await.unwrap();
        assert_eq!(draft.status, None, "{name}");
        assert!(draft.code.is_none(), "{name}");
        let fields: Vec<&str> = draft
            .form
            .prefilled
            .iter()
            .map(|p| p.field.as_str())
            .collect();
        assert_eq!(
            fields,
            ["full_name", "birth_date", "permanent_residence"],
            "{name}"
        );
        assert_eq!(
            draft.form.prefilled[0].value,
            serde_json::json!(population::AN_NAME),
            "{name}"
        );
        assert_eq!(
            draft.form.prefilled[0].legal_basis, "residence-law-68-2020",
            "{name}"
        );
        let entry = draft.form.prefilled[0].entry;
        assert!(entry >= before, "{name}");
        let logged = String::from_utf8(w.ledger.entry(entry).await.unwrap().bytes).unwrap();
        assert!(
            logged.contains(PORTAL) && logged.contains("data.read"),
            "{name}: {logged}"
        );

        // The applicant adds only what the state cannot know, and the documents.
        s.answer(
            &w.an,
            &draft.id,
            &answers(&[("new_address", "12 Trần Thái Tông"), ("relation", "owner")]),
        )
        .await
        .unwrap();
        let upload = s
            .upload(&w.an, &draft.id, "proof_of_home", "hop-dong.pdf", PDF)
            .await
            .unwrap();
        assert_eq!(upload.media_type, "application/pdf", "{name}");
        let application = s.file(&w.an, &draft.id).await.unwrap();
        let code = application.code.clone().unwrap();
        let today =
            DateTime::<Utc>::from_timestamp_millis(application.filed_at.unwrap() + 7 * 3_600_000)
                .unwrap()
                .format("%y%m%d");
        assert_eq!(code.as_str(), format!("{WARD}-{today}-0001"), "{name}");
        assert_eq!(application.status, Some(Status::New), "{name}");
        assert_eq!(
            application.accept_due_at,
            Some(s.after_working_hours(application.filed_at.unwrap(), 8)),
            "{name}"
        );
        // The unit's next application that day gets the next number.
        let second = filed(&w, &w.bich).await;
        assert_eq!(
            second.code.unwrap().as_str(),
            format!("{WARD}-{today}-0002"),
            "{name}"
        );

        // The ward's officer sees it in the queue, soonest deadline first; the ministry's does not.
        let queue = s.queue(&w.ward, &[Status::New]).await.unwrap();
        assert_eq!(queue.len(), 2, "{name}");
        assert_eq!(queue[0].id, application.id, "{name}");
        assert!(
            s.queue(&w.ministry, &[]).await.unwrap().is_empty(),
            "{name}"
        );

        // Accept: the processing deadline is 56 working hours from now.
        let accepted = s
            .officer_moves(
                &w.ward,
                &application.id,
                &step(Move::Accept, application.version),
            )
            .await
            .unwrap();
        let accepted_at = accepted.accepted_at.unwrap();
        assert_eq!(
            accepted.due_at,
            Some(s.after_working_hours(accepted_at, 56)),
            "{name}"
        );
        assert_eq!(accepted.first_due_at, accepted.due_at, "{name}");
        let processing = s
            .officer_moves(
                &w.ward,
                &application.id,
                &step(Move::StartProcessing, accepted.version),
            )
            .await
            .unwrap();
        let waiting = s
            .officer_moves(
                &w.ward,
                &application.id,
                &step(Move::RequestPayment, processing.version),
            )
            .await
            .unwrap();
        assert_eq!(waiting.status, Some(Status::PaymentRequested), "{name}");
        // Only the platform reports a payment.
        let e = s
            .officer_moves(&w.ward, &application.id, &step(Move::Paid, waiting.version))
            .await
            .unwrap_err();
        assert!(
            matches!(e, ServicesError::NotYours(Move::Paid)),
            "{name}: {e}"
        );
        let paid = s
            .paid(
                &application.id,
                serde_json::json!({"order": "T1", "amount_vnd": 20000}),
            )
            .await
            .unwrap();
        assert_eq!(paid.status, Some(Status::Processing), "{name}");
        let mut decide = step(Move::Decide, paid.version);
        decide.outcome = Some(Outcome::Approved);
        let decided = s
            .officer_moves(&w.ward, &application.id, &decide)
            .await
            .unwrap();
        let mut give = step(Move::ReturnResult, decided.version);
        give.electronic = Some(true);
        let returned = s
            .officer_moves(&w.ward, &application.id, &give)
            .await
            .unwrap();
        assert_eq!(returned.status, Some(Status::ResultReturned), "{name}");
        assert_eq!(returned.result_electronic, Some(true), "{name}");

        // The history says who did what, in order; the applicant sees the same history.
        let detail = s.own(&w.an, &application.id).await.unwrap();
        let steps: Vec<(&str, Option<Status>)> = detail
            .events
            .iter()
            .map(|e| (e.step.as_str(), e.to))
            .collect();
        assert_eq!(
            steps,
            [
                ("file", Some(Status::New)),
                ("accept", Some(Status::Accepted)),
                ("start_processing", Some(Status::Processing)),
                ("request_payment", Some(Status::PaymentRequested)),
                ("paid", Some(Status::Processing)),
                ("decide", Some(Status::Processed)),
                ("return_result", Some(Status::ResultReturned)),
            ],
            "{name}"
        );
        assert_eq!(
            detail.events[0].actor,
            Actor::Applicant(Some(w.an.account())),
            "{name}"
        );
        assert_eq!(
            detail.events[1].actor,
            Actor::Officer(w.ward.account()),
            "{name}"
        );
        assert_eq!(detail.events[4].actor, Actor::System, "{name}");
        assert_eq!(detail.uploads.len(), 1, "{name}");
        let (meta, bytes) = s
            .document_of(&w.an, &application.id, "proof_of_home")
            .await
            .unwrap();
        let (_, same) = s
            .document_for(&w.ward, &application.id, "proof_of_home")
            .await
            .unwrap();
        assert_eq!(same, bytes, "{name}");
        assert!(
            matches!(
                s.document_of(&w.bich, &application.id, "proof_of_home")
                    .await,
                Err(ServicesError::NotFound)
            ),
            "{name}"
        );
        assert!(
            matches!(
                s.document_for(&w.ministry, &application.id, "proof_of_home")
                    .await,
                Err(ServicesError::NotFound)
            ),
            "{name}"
        );
        assert_eq!(
            (meta.size, bytes.as_slice()),
            (PDF.len() as i64, PDF),
            "{name}"
        );

        // Nothing more can happen to it.
        let e = s
            .applicant_moves(
                &w.an,
                &application.id,
                &step(Move::Withdraw, returned.version),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, ServicesError::NotAllowed { .. }), "{name}: {e}");
        w.t.close().await;
    }
}

#[tokio::test]
async fn nobody_sees_or_moves_what_is_not_theirs() {
    for w in worlds().await {
        let name = w.t.name();
        let s = &w.services;
        let application = filed(&w, &w.an).await;
        // Another citizen: the same answer as for an application that does not exist.
        assert!(
            matches!(
                s.own(&w.bich, &application.id).await,
                Err(ServicesError::NotFound)
            ),
            "{name}"
        );
        let e = s
            .applicant_moves(
                &w.bich,
                &application.id,
                &step(Move::Withdraw, application.version),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, ServicesError::NotFound), "{name}: {e}");
        // An officer of another unit.
        assert!(
            matches!(
                s.handled(&w.ministry, &application.id).await,
                Err(ServicesError::NotFound)
            ),
            "{name}"
        );
        let e = s
            .officer_moves(
                &w.ministry,
                &application.id,
                &step(Move::Accept, application.version),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, ServicesError::NotFound), "{name}: {e}");
        // Officers need a strong factor and a unit; an applicant cannot make an officer's move.
        let weak = session(900, vec![Factor::Password]);
        let e = s
            .officer(&account(900, "079095000001"), &weak)
            .await
            .unwrap_err();
        assert!(matches!(e, ServicesError::StepUpRequired), "{name}: {e}");
        // Someone who is no officer at all is told so, whatever their sign-in.
        let citizen = session(1, vec![Factor::Password]);
        let e = s.officer(&account(1, AN), &citizen).await.unwrap_err();
        assert!(matches!(e, ServicesError::NotAnOfficer), "{name}: {e}");
        let nobody = session(902, vec![Factor::Password, Factor::Totp]);
        let e = s
            .officer(&account(902, "031185000222"), &nobody)
            .await
            .unwrap_err();
        assert!(matches!(e, ServicesError::NotAnOfficer), "{name}: {e}");
        let e = s
            .applicant_moves(
                &w.an,
                &application.id,
                &step(Move::Accept, application.version),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(e, ServicesError::NotYours(Move::Accept)),
            "{name}: {e}"
        );
        // A draft is nobody's business but the applicant's.
        let draft = s.start(&w.an, "1.004194").await.unwrap();
        assert!(
            matches!(
                s.handled(&w.ward, &draft.id).await,
                Err(ServicesError::NotFound)
            ),
            "{name}"
        );
        assert!(
            s.queue(&w.ward, &[])
                .await
                .unwrap()
                .iter()
                .all(|a| a.status.is_some()),
            "{name}"
        );
        // Nothing changed.
        let after = s.own(&w.an, &application.id).await.unwrap();
        assert_eq!(after.application, application, "{name}");
        assert_eq!(after.events.len(), 1, "{name}");
        w.t.close().await;
    }
}

#[tokio::test]
async fn bad_input_gets_a_specific_error_and_changes_nothing() {
    for w in worlds().await {
        let name = w.t.name();
        let s = &w.services;
        let draft = s.start(&w.an, "1.004194").await.unwrap();
        let e = s
            .answer(&w.an, &draft.id, &answers(&[("favourite_colour", "blue")]))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("no such field"), "{name}: {e}");
        let e = s
            .answer(&w.an, &draft.id, &answers(&[("relation", "cousin")]))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("not an option"), "{name}: {e}");
        // An optional answer can be set, and cleared again by sending it empty.
        let set = s
            .answer(&w.an, &draft.id, &answers(&[("relation", "child")]))
            .await
            .unwrap();
        assert_eq!(set.form.answers["relation"], "child", "{name}");
        let cleared = s
            .answer(&w.an, &draft.id, &answers(&[("relation", " ")]))
            .await
            .unwrap();
        assert!(!cleared.form.answers.contains_key("relation"), "{name}");
        let stored = s.own(&w.an, &draft.id).await.unwrap().application;
        assert!(!stored.form.answers.contains_key("relation"), "{name}");
        // Filing without the required answer and document.
        let e = s.file(&w.an, &draft.id).await.unwrap_err();
        assert!(
            matches!(e, ServicesError::Missing(ref m) if m.contains("new_address")),
            "{name}: {e}"
        );
        s.answer(
            &w.an,
            &draft.id,
            &answers(&[("new_address", "12 Trần Thái Tông")]),
        )
        .await
        .unwrap();
        let e = s.file(&w.an, &draft.id).await.unwrap_err();
        assert!(
            matches!(e, ServicesError::Missing(ref m) if m.contains("proof_of_home")),
            "{name}: {e}"
        );
        // A page of HTML named .pdf, a JPEG where only PDF is accepted, a file too large.
        for (file, bytes, says) in [
            (
                "a.pdf",
                b"<html><script>alert(1)</script>".as_slice(),
                "not a PDF, JPEG or PNG",
            ),
            (
                "a.pdf",
                [0xFF, 0xD8, 0xFF, 0xE0].as_slice(),
                "image/jpeg file is not accepted",
            ),
            (
                "a.pdf",
                [b"%PDF-".as_slice(), &[b' '; 1100]].concat().leak(),
                "at most 1024",
            ),
        ] {
            let e = s
                .upload(&w.an, &draft.id, "proof_of_home", file, bytes)
                .await
                .unwrap_err();
            assert!(e.to_string().contains(says), "{name}: {e}");
        }
        let e = s
            .upload(&w.an, &draft.id, "passport", "a.pdf", PDF)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("no document"), "{name}: {e}");
        let unchanged = s.own(&w.an, &draft.id).await.unwrap();
        assert!(unchanged.uploads.is_empty(), "{name}");
        assert_eq!(unchanged.application.status, None, "{name}");

        // Moves: a refusal needs its reason; a stale version is refused; neither writes.
        let application = filed(&w, &w.bich).await;
        let e = s
            .officer_moves(
                &w.ward,
                &application.id,
                &step(Move::Refuse, application.version),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, ServicesError::Missing(_)), "{name}: {e}");
        let e = s
            .officer_moves(
                &w.ward,
                &application.id,
                &step(Move::Accept, application.version - 1),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, ServicesError::Changed), "{name}: {e}");
        let e = s
            .officer_moves(
                &w.ward,
                &application.id,
                &step(Move::Decide, application.version),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                ServicesError::NotAllowed {
                    from: Status::New,
                    step: Move::Decide
                }
            ),
            "{name}: {e}"
        );
        let mut control = step(Move::Refuse, application.version);
        control.reason = Some("thiếu\u{0007}giấy".into());
        let e = s
            .officer_moves(&w.ward, &application.id, &control)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("control character"), "{name}: {e}");
        let after = s.handled(&w.ward, &application.id).await.unwrap();
        assert_eq!(after.application, application, "{name}");
        assert_eq!(after.events.len(), 1, "{name}");
        // Unknown procedures and codes.
        assert!(
            matches!(
                s.start(&w.an, "9.999999").await,
                Err(ServicesError::UnknownProcedure(_))
            ),
            "{name}"
        );
        w.t.close().await;
    }
}

#[tokio::test]
async fn two_officers_acting_at_once_cannot_both_win() {
    for w in worlds().await {
        let name = w.t.name();
        let s = &w.services;
        let application = filed(&w, &w.an).await;
        let mut refuse = step(Move::Refuse, application.version);
        refuse.reason = Some("Hồ sơ không thuộc thẩm quyền".into());
        let accept = step(Move::Accept, application.version);
        let (a, b) = tokio::join!(
            s.officer_moves(&w.ward, &application.id, &accept),
            s.officer_moves(&w.ward, &application.id, &refuse),
        );
        assert!(
            a.is_ok() != b.is_ok(),
            "{name}: exactly one wins: {a:?} {b:?}"
        );
        let loser = a.err().or(b.err()).unwrap();
        assert!(matches!(loser, ServicesError::Changed), "{name}: {loser}");
        let detail = s.handled(&w.ward, &application.id).await.unwrap();
        assert_eq!(detail.events.len(), 2, "{name}");
        w.t.close().await;
    }
}

#[tokio::test]
async fn applicants_writing_at_once_share_commits_but_not_their_answers() {
    for w in worlds().await {
        let name = w.t.name();
        let s = &w.services;
        // Twelve drafts filed at once get twelve different numbers, 1 to 12 for the day.
        let mut drafts = Vec::new();
        for i in 0..12 {
            let citizen = if i % 2 == 0 { &w.an } else { &w.bich };
            let draft = s.start(citizen, "1.004194").await.unwrap();
            s.answer(
                citizen,
                &draft.id,
                &answers(&[("new_address", "1 Láng Hạ")]),
            )
            .await
            .unwrap();
            s.upload(citizen, &draft.id, "proof_of_home", "a.pdf", PDF)
                .await
                .unwrap();
            drafts.push((citizen, draft.id));
        }
        let filings = drafts.iter().map(|(c, id)| s.file(c, id));
        let mut numbers: Vec<String> = Vec::new();
        for filed in join_all(filings).await {
            let code = filed.unwrap().code.unwrap().to_string();
            numbers.push(code.rsplit('-').next().unwrap().to_owned());
        }
        numbers.sort();
        let expected: Vec<String> = (1..=12).map(|n| format!("{n:04}")).collect();
        assert_eq!(numbers, expected, "{name}");
        // Eight answers to one draft at once: each is saved whole or told the draft changed
        // under it; the version counts exactly the saved ones.
        let draft = s.start(&w.an, "1.004194").await.unwrap();
        let texts: Vec<String> = (0..8).map(|i| format!("{i} Kim Mã")).collect();
        let forms: Vec<BTreeMap<String, String>> = texts
            .iter()
            .map(|t| answers(&[("new_address", t)]))
            .collect();
        let outcomes = join_all(forms.iter().map(|f| s.answer(&w.an, &draft.id, f))).await;
        let saved: Vec<&dinhdanh_services::Application> =
            outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
        assert!(!saved.is_empty(), "{name}: {outcomes:?}");
        for o in &outcomes {
            if let Err(e) = o {
                assert!(matches!(e, ServicesError::Changed), "{name}: {e}");
            }
        }
        let stored = s.own(&w.an, &draft.id).await.unwrap().application;
        assert_eq!(stored.version, draft.version + saved.len() as i64, "{name}");
        assert!(
            saved.iter().any(|a| a.form.answers == stored.form.answers),
            "{name}: the stored answers are one saved whole"
        );
        w.t.close().await;
    }
}

#[tokio::test]
async fn counter_applications_share_the_numbering_and_the_status_check_tells_only_the_holder() {
    for w in worlds().await {
        let name = w.t.name();
        let s = &w.services;
        let online = filed(&w, &w.an).await;
        let counter = s
            .record_counter(
                &w.ward,
                "1.004194",
                PersonalId::parse(BICH).unwrap(),
                &answers(&[("new_address", "5 Xuân Thủy")]),
            )
            .await
            .unwrap();
        assert_eq!(counter.status, Some(Status::Accepted), "{name}");
        assert!(
            counter.code.as_ref().unwrap().as_str().ends_with("-0002"),
            "{name}"
        );
        assert!(counter.due_at.is_some(), "{name}");
        // The ministry's officer cannot record the ward's procedure.
        let e = s
            .record_counter(
                &w.ministry,
                "1.004194",
                PersonalId::parse(BICH).unwrap(),
                &answers(&[("new_address", "x")]),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, ServicesError::NotAnOfficer), "{name}: {e}");

        let code = online.code.unwrap();
        let seen = s.check_status(code.as_str(), AN, "10.0.0.1").await.unwrap();
        assert_eq!(
            (seen.status, seen.procedure.as_str()),
            (Status::New, "1.004194"),
            "{name}"
        );
        // Someone else's personal ID answers like an unknown code.
        assert!(
            matches!(
                s.check_status(code.as_str(), BICH, "10.0.0.1").await,
                Err(ServicesError::NotFound)
            ),
            "{name}"
        );
        assert!(
            matches!(
                s.check_status("nonsense", AN, "10.0.0.1").await,
                Err(ServicesError::Invalid { .. })
            ),
            "{name}"
        );
        // Ten checks a minute per address; the eleventh waits, another address does not.
        for _ in 3..10 {
            s.check_status(code.as_str(), AN, "10.0.0.1").await.unwrap();
        }
        let e = s
            .check_status(code.as_str(), AN, "10.0.0.1")
            .await
            .unwrap_err();
        assert!(
            matches!(e, ServicesError::TooManyChecks { .. }),
            "{name}: {e}"
        );
        s.check_status(code.as_str(), AN, "10.0.0.2").await.unwrap();
        w.t.close().await;
    }
}

//! Data-subject requests through the public API, on SQLite and (when `DINHDANH_TEST_POSTGRES` is
//! set) PostgreSQL: filing, who sees what, the status machine, the 72-hour deadline and the
//! officers' queue, and bad input that writes nothing.

use std::sync::Arc;
use std::time::Duration;

use dinhdanh_accounts::{
    Account, AccountId, AccountKind, AccountLevel, AccountStatus, Factor, Role, Session,
};
use dinhdanh_domain::PersonalId;
use dinhdanh_rights::{
    Actor, Answer, Citizen, Clock, Counts, DEADLINE_MS, Field, Filing, Kind,
    MAX_WAITING_PER_ACCOUNT, Officer, Outcome, Queue, RequestId, Rights, RightsError, Status,
};
use dinhdanh_store::testing::{TestDb, backends};

const AN: &str = "001090012345";
const BICH: &str = "079195001234";
const OFFICER: &str = "040185000999";

fn account(id: AccountId, personal_id: &str, roles: Vec<Role>) -> Account {
    Account {
        id,
        kind: AccountKind::Person,
        personal_id: Some(PersonalId::parse(personal_id).unwrap()),
        organization_code: None,
        level: AccountLevel::Two,
        status: AccountStatus::Active,
        phone: None,
        portrait: None,
        guardian: None,
        locks: vec![],
        roles,
        locked_methods: vec![],
        created_at: 0,
    }
}

fn session(account_id: AccountId) -> Session {
    Session {
        handle: "test".into(),
        account_id,
        factors: vec![Factor::Password, Factor::Totp],
        assurance: None,
        created_at: 0,
        authenticated_at: 0,
        last_seen_at: 0,
        expires_at: i64::MAX,
        user_agent: "tests".into(),
        client_address: "127.0.0.1".into(),
    }
}

/// One backend with two citizens, two officers (the second also files requests) and a clock.
struct World {
    t: TestDb,
    rights: Rights,
    clock: Clock,
    an: Citizen,
    bich: Citizen,
    officer: Officer,
    other_officer: Officer,
    /// The second officer, acting as a citizen.
    other_officer_as_citizen: Citizen,
}

async fn worlds() -> Vec<World> {
    let mut out = Vec::new();
    for t in backends().await {
        let clock = Clock::system();
        let rights =
            Rights::new(&t.db, Arc::new(tokio::sync::Mutex::new(()))).with_clock(clock.clone());
        let officer_account = account(10, OFFICER, vec![Role::AgencyOfficer]);
        let other = account(11, "001200001111", vec![Role::EnrolmentOfficer]);
        out.push(World {
            rights,
            clock,
            an: Citizen::of(&account(1, AN, vec![])).unwrap(),
            bich: Citizen::of(&account(2, BICH, vec![])).unwrap(),
            officer: Officer::of(&officer_account, &session(10)).unwrap(),
            other_officer: Officer::of(&other, &session(11)).unwrap(),
            other_officer_as_citizen: Citizen::of(&other).unwrap(),
            t,
        });
    }
    out
}

fn filing(kind: &str, about: &str, fields: &[&str]) -> Filing {
    Filing::parse(kind, about, fields).unwrap()
}

fn answer(text: &str) -> Answer {
    Answer::parse(text).unwrap()
}

#[tokio::test]
async fn a_request_is_due_72_hours_after_filing_and_only_its_filer_sees_it() {
    for w in worlds().await {
        let name = w.t.name();
        let before = w.rights.now();
        let filed = w
            .rights
            .file(
                &w.an,
                &filing(
                    "correction",
                    "  Quê quán của tôi ghi sai: đúng là xã Yên Sở.  ",
                    &["place_of_origin", "full_name", "place_of_origin"],
                ),
            )
            .await
            .unwrap();
        assert!(filed.filed_at >= before, "{name}");
        assert_eq!(filed.due_at, filed.filed_at + 72 * 3_600_000, "{name}");
        assert_eq!(filed.status, Status::Open, "{name}");
        assert_eq!(filed.account, w.an.account(), "{name}");
        assert_eq!(filed.personal_id.to_string(), AN, "{name}");
        assert_eq!(filed.kind, Kind::Correction, "{name}");
        assert_eq!(
            filed.about, "Quê quán của tôi ghi sai: đúng là xã Yên Sở.",
            "{name}"
        );
        assert_eq!(
            filed.fields,
            vec![Field::FullName, Field::PlaceOfOrigin],
            "{name}: in record order, once each"
        );

        // The filer lists and reads it, with its filing event.
        let mine = w.rights.mine(&w.an).await.unwrap();
        assert_eq!(mine, vec![filed.clone()], "{name}");
        let detail = w.rights.request_of(&w.an, &filed.id).await.unwrap();
        assert_eq!(detail.request, filed, "{name}");
        assert_eq!(detail.events.len(), 1, "{name}");
        let event = &detail.events[0];
        assert_eq!(
            (event.seq, event.at, event.actor, event.from, event.to),
            (
                1,
                filed.filed_at,
                Actor::Filer(w.an.account()),
                None,
                Status::Open
            ),
            "{name}"
        );

        // Someone else sees nothing and can withdraw nothing; the answer does not even say
        // whether the request exists.
        assert!(w.rights.mine(&w.bich).await.unwrap().is_empty(), "{name}");
        assert!(
            matches!(
                w.rights.request_of(&w.bich, &filed.id).await,
                Err(RightsError::NotFound)
            ),
            "{name}"
        );
        assert!(
            matches!(
                w.rights.withdraw(&w.bich, &filed.id).await,
                Err(RightsError::NotFound)
            ),
            "{name}"
        );
        assert!(
            matches!(
                w.rights.request_of(&w.bich, &RequestId::new()).await,
                Err(RightsError::NotFound)
            ),
            "{name}"
        );
        assert_eq!(
            w.rights.request_of(&w.an, &filed.id).await.unwrap(),
            detail,
            "{name}: nothing changed"
        );

        // Newest first.
        w.clock.advance(Duration::from_secs(1));
        let second = w
            .rights
            .file(
                &w.an,
                &filing("objection", "Tôi phản đối việc chia sẻ tôn giáo.", &[]),
            )
            .await
            .unwrap();
        let ids: Vec<_> = w
            .rights
            .mine(&w.an)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids, vec![second.id, filed.id], "{name}");
        w.t.close().await;
    }
}

#[tokio::test]
async fn an_officer_takes_and_answers_and_a_closed_request_stays_closed() {
    for w in worlds().await {
        let name = w.t.name();
        let r = w
            .rights
            .file(
                &w.an,
                &filing(
                    "restriction",
                    "Hạn chế xử lý địa chỉ.",
                    &["current_residence"],
                ),
            )
            .await
            .unwrap();

        // Nobody answers a request nobody took.
        assert!(
            matches!(
                w.rights
                    .close(&w.officer, &r.id, Outcome::Done, &answer("Đã xong"))
                    .await,
                Err(RightsError::NotTaken)
            ),
            "{name}"
        );
        // An answer is required before anything is written.
        assert!(
            matches!(Answer::parse(" \n "), Err(RightsError::AnswerRequired)),
            "{name}"
        );

        w.clock.advance(Duration::from_secs(60));
        let taken = w.rights.take(&w.officer, &r.id).await.unwrap();
        assert_eq!(taken.status, Status::InProgress, "{name}");
        assert_eq!(taken.handler, Some(w.officer.account()), "{name}");
        assert_eq!(taken.version, 2, "{name}");
        // Taking it again changes nothing (a double click).
        assert_eq!(
            w.rights.take(&w.officer, &r.id).await.unwrap(),
            taken,
            "{name}"
        );

        // The citizen can no longer withdraw it; another officer cannot answer it without
        // taking it over.
        assert!(
            matches!(
                w.rights.withdraw(&w.an, &r.id).await,
                Err(RightsError::NotOpen)
            ),
            "{name}"
        );
        let by_other = w
            .rights
            .close(&w.other_officer, &r.id, Outcome::Rejected, &answer("Không"))
            .await;
        assert!(
            matches!(by_other, Err(RightsError::HandledByAnother(h)) if h == w.officer.account()),
            "{name}: {by_other:?}"
        );
        w.clock.advance(Duration::from_secs(60));
        let handed = w.rights.take(&w.other_officer, &r.id).await.unwrap();
        assert_eq!(handed.handler, Some(w.other_officer.account()), "{name}");
        assert!(
            matches!(
                w.rights
                    .close(&w.officer, &r.id, Outcome::Done, &answer("x"))
                    .await,
                Err(RightsError::HandledByAnother(_))
            ),
            "{name}"
        );

        w.clock.advance(Duration::from_secs(60));
        let before = w.rights.now();
        let closed = w
            .rights
            .close(
                &w.other_officer,
                &r.id,
                Outcome::Done,
                &answer("Đã hạn chế xử lý nơi ở hiện tại của ông từ ngày hôm nay."),
            )
            .await
            .unwrap();
        assert_eq!(closed.status, Status::Done, "{name}");
        assert_eq!(
            closed.answer.as_deref(),
            Some("Đã hạn chế xử lý nơi ở hiện tại của ông từ ngày hôm nay."),
            "{name}"
        );
        let closed_at = closed.closed_at.expect("closed");
        assert!(before <= closed_at && closed_at <= w.rights.now(), "{name}");

        // The citizen reads the answer and the whole history.
        let detail = w.rights.request_of(&w.an, &r.id).await.unwrap();
        assert_eq!(detail.request, closed, "{name}");
        let steps: Vec<_> = detail
            .events
            .iter()
            .map(|e| (e.seq, e.actor, e.from, e.to))
            .collect();
        assert_eq!(
            steps,
            vec![
                (1, Actor::Filer(w.an.account()), None, Status::Open),
                (
                    2,
                    Actor::Officer(w.officer.account()),
                    Some(Status::Open),
                    Status::InProgress
                ),
                (
                    3,
                    Actor::Officer(w.other_officer.account()),
                    Some(Status::InProgress),
                    Status::InProgress
                ),
                (
                    4,
                    Actor::Officer(w.other_officer.account()),
                    Some(Status::InProgress),
                    Status::Done
                ),
            ],
            "{name}"
        );
        assert_eq!(detail.events[3].note, closed.answer, "{name}");
        assert!(
            detail.events.windows(2).all(|p| p[0].at < p[1].at),
            "{name}"
        );
        assert_eq!(
            w.rights.request(&w.officer, &r.id).await.unwrap(),
            detail,
            "{name}: officers see the same"
        );

        // Nothing leaves a closed state, and a failed attempt writes nothing.
        assert!(
            matches!(
                w.rights.take(&w.officer, &r.id).await,
                Err(RightsError::Closed(Status::Done))
            ),
            "{name}"
        );
        assert!(
            matches!(
                w.rights
                    .close(&w.other_officer, &r.id, Outcome::Rejected, &answer("Thôi"))
                    .await,
                Err(RightsError::Closed(Status::Done))
            ),
            "{name}"
        );
        assert!(
            matches!(
                w.rights.withdraw(&w.an, &r.id).await,
                Err(RightsError::Closed(Status::Done))
            ),
            "{name}"
        );
        assert_eq!(
            w.rights.request_of(&w.an, &r.id).await.unwrap(),
            detail,
            "{name}"
        );

        // A rejected one too.
        let other = w
            .rights
            .file(&w.an, &filing("objection", "Phản đối.", &[]))
            .await
            .unwrap();
        w.rights.take(&w.officer, &other.id).await.unwrap();
        let rejected = w
            .rights
            .close(
                &w.officer,
                &other.id,
                Outcome::Rejected,
                &answer("Dữ liệu này do luật định."),
            )
            .await
            .unwrap();
        assert_eq!(rejected.status, Status::Rejected, "{name}");
        assert!(
            matches!(
                w.rights.take(&w.other_officer, &other.id).await,
                Err(RightsError::Closed(Status::Rejected))
            ),
            "{name}"
        );
        w.t.close().await;
    }
}

#[tokio::test]
async fn a_citizen_withdraws_an_open_request_and_an_officer_never_handles_their_own() {
    for w in worlds().await {
        let name = w.t.name();
        let r = w
            .rights
            .file(
                &w.bich,
                &filing("correction", "Sai ngày sinh.", &["birth_date"]),
            )
            .await
            .unwrap();
        w.clock.advance(Duration::from_secs(5));
        let before = w.rights.now();
        let withdrawn = w.rights.withdraw(&w.bich, &r.id).await.unwrap();
        assert_eq!(withdrawn.status, Status::Withdrawn, "{name}");
        let closed_at = withdrawn.closed_at.expect("closed");
        assert!(before <= closed_at && closed_at <= w.rights.now(), "{name}");
        assert_eq!(withdrawn.answer, None, "{name}");
        assert!(
            matches!(
                w.rights.withdraw(&w.bich, &r.id).await,
                Err(RightsError::Closed(Status::Withdrawn))
            ),
            "{name}"
        );
        assert!(
            matches!(
                w.rights.take(&w.officer, &r.id).await,
                Err(RightsError::Closed(Status::Withdrawn))
            ),
            "{name}"
        );
        let events = w.rights.request_of(&w.bich, &r.id).await.unwrap().events;
        assert_eq!(events.len(), 2, "{name}");
        assert_eq!(events[1].actor, Actor::Filer(w.bich.account()), "{name}");
        assert_eq!(
            (events[1].from, events[1].to),
            (Some(Status::Open), Status::Withdrawn),
            "{name}"
        );

        // An officer files as a citizen; they cannot take or answer it themselves.
        let own = w
            .rights
            .file(
                &w.other_officer_as_citizen,
                &filing("correction", "Sai tên cha.", &["father"]),
            )
            .await
            .unwrap();
        assert!(
            matches!(
                w.rights.take(&w.other_officer, &own.id).await,
                Err(RightsError::OwnRequest)
            ),
            "{name}"
        );
        w.rights.take(&w.officer, &own.id).await.unwrap();
        assert!(
            matches!(
                w.rights.take(&w.other_officer, &own.id).await,
                Err(RightsError::OwnRequest)
            ),
            "{name}: nor take it over"
        );
        assert!(
            matches!(
                w.rights
                    .close(
                        &w.other_officer,
                        &own.id,
                        Outcome::Done,
                        &answer("Tự duyệt")
                    )
                    .await,
                Err(RightsError::OwnRequest)
            ),
            "{name}"
        );
        w.t.close().await;
    }
}

#[tokio::test]
async fn the_queue_lists_overdue_requests_first_then_by_deadline() {
    for w in worlds().await {
        let name = w.t.name();
        let first = w
            .rights
            .file(&w.an, &filing("correction", "Một.", &[]))
            .await
            .unwrap();
        w.clock.advance(Duration::from_secs(3600));
        let second = w
            .rights
            .file(&w.bich, &filing("objection", "Hai.", &[]))
            .await
            .unwrap();
        w.clock.advance(Duration::from_secs(3600));
        let third = w
            .rights
            .file(&w.an, &filing("restriction", "Ba.", &[]))
            .await
            .unwrap();
        assert_eq!(
            w.rights.counts().await.unwrap(),
            Counts {
                open: 3,
                in_progress: 0,
                overdue: 0
            },
            "{name}"
        );

        // 72 hours after the second was filed, the first two are overdue, the third is not.
        w.clock
            .advance(Duration::from_millis(DEADLINE_MS as u64 - 3_600_000 + 1));
        let now = w.rights.now();
        assert!(
            first.due_at < now && second.due_at < now && third.due_at >= now,
            "{name}"
        );
        w.rights.take(&w.officer, &second.id).await.unwrap();
        let queue = w.rights.queue(&w.officer, Queue::Waiting).await.unwrap();
        let ids: Vec<_> = queue.iter().map(|r| r.id.clone()).collect();
        assert_eq!(
            ids,
            vec![first.id.clone(), second.id.clone(), third.id.clone()],
            "{name}"
        );
        let overdue: Vec<_> = queue.iter().map(|r| r.is_overdue(now)).collect();
        assert_eq!(overdue, vec![true, true, false], "{name}");
        assert_eq!(
            w.rights.counts().await.unwrap(),
            Counts {
                open: 2,
                in_progress: 1,
                overdue: 2
            },
            "{name}"
        );

        // "Mine" holds what this officer handles; closing moves it to the closed list.
        let mine = w.rights.queue(&w.officer, Queue::Mine).await.unwrap();
        assert_eq!(
            mine.iter().map(|r| &r.id).collect::<Vec<_>>(),
            vec![&second.id],
            "{name}"
        );
        assert!(
            w.rights
                .queue(&w.other_officer, Queue::Mine)
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );
        let late = w
            .rights
            .close(&w.officer, &second.id, Outcome::Done, &answer("Đã xử lý."))
            .await
            .unwrap();
        assert!(
            late.is_late(now) && !late.is_overdue(now),
            "{name}: answered, but late"
        );
        w.rights.withdraw(&w.an, &third.id).await.unwrap();
        let waiting = w.rights.queue(&w.officer, Queue::Waiting).await.unwrap();
        assert_eq!(
            waiting.iter().map(|r| &r.id).collect::<Vec<_>>(),
            vec![&first.id],
            "{name}"
        );
        let closed = w.rights.queue(&w.officer, Queue::Closed).await.unwrap();
        assert_eq!(closed.len(), 2, "{name}");
        assert_eq!(
            w.rights.counts().await.unwrap(),
            Counts {
                open: 1,
                in_progress: 0,
                overdue: 1
            },
            "{name}"
        );
        w.t.close().await;
    }
}

#[tokio::test]
async fn bad_input_is_named_and_nothing_is_written() {
    for w in worlds().await {
        let name = w.t.name();
        let cases: Vec<(&str, String, Vec<&str>, &str)> = vec![
            ("correction", String::new(), vec![], "rights.about_required"),
            (
                "correction",
                " \n\t ".into(),
                vec![],
                "rights.about_required",
            ),
            ("correction", "ạ".repeat(2001), vec![], "rights.too_long"),
            (
                "correction",
                "a\u{0}b".into(),
                vec![],
                "rights.control_character",
            ),
            (
                "correction",
                "Sai.".into(),
                vec!["blood_group"],
                "rights.unknown_field",
            ),
            ("deletion", "Xóa hết.".into(), vec![], "rights.unknown_kind"),
            ("", "Sai.".into(), vec![], "rights.unknown_kind"),
        ];
        for (kind, about, fields, code) in cases {
            let error = Filing::parse(kind, &about, &fields).unwrap_err();
            assert_eq!(error.code(), code, "{name}: {kind} {fields:?}");
            assert!(error.is_input(), "{name}: {code}");
        }
        let too_long = Filing::parse::<&str>("correction", &"x".repeat(2001), &[]).unwrap_err();
        assert_eq!(
            too_long.to_string(),
            "the text is 2001 characters long; at most 2000 are allowed",
            "{name}"
        );
        assert!(matches!(
            Outcome::parse("approved"),
            Err(RightsError::UnknownOutcome { .. })
        ));
        assert!(matches!(
            RequestId::parse("../../etc"),
            Err(RightsError::NotFound)
        ));
        assert!(w.rights.mine(&w.an).await.unwrap().is_empty(), "{name}");
        assert_eq!(
            w.rights.counts().await.unwrap(),
            Counts::default(),
            "{name}"
        );
        w.t.close().await;
    }
}

#[tokio::test]
async fn one_account_can_have_only_so_many_requests_waiting() {
    for w in worlds().await {
        let name = w.t.name();
        let mut filed = Vec::new();
        for i in 0..MAX_WAITING_PER_ACCOUNT {
            filed.push(
                w.rights
                    .file(&w.an, &filing("objection", &format!("Yêu cầu {i}"), &[]))
                    .await
                    .unwrap(),
            );
        }
        let refused = w
            .rights
            .file(&w.an, &filing("objection", "Một nữa", &[]))
            .await;
        assert!(
            matches!(refused, Err(RightsError::TooManyOpen { max }) if max == MAX_WAITING_PER_ACCOUNT),
            "{name}: {refused:?}"
        );
        assert_eq!(
            w.rights.mine(&w.an).await.unwrap().len() as u64,
            MAX_WAITING_PER_ACCOUNT,
            "{name}: nothing written"
        );
        // Others are not held back, and a withdrawn request frees a place.
        w.rights
            .file(&w.bich, &filing("objection", "Của tôi", &[]))
            .await
            .unwrap();
        w.rights.withdraw(&w.an, &filed[0].id).await.unwrap();
        w.rights
            .file(&w.an, &filing("objection", "Một nữa", &[]))
            .await
            .unwrap();
        w.t.close().await;
    }
}

#[tokio::test]
async fn two_officers_taking_at_once_leave_one_consistent_history() {
    for w in worlds().await {
        let name = w.t.name();
        for _ in 0..5 {
            let r = w
                .rights
                .file(&w.an, &filing("objection", "Cùng lúc.", &[]))
                .await
                .unwrap();
            let (one, two) = tokio::join!(
                w.rights.take(&w.officer, &r.id),
                w.rights.take(&w.other_officer, &r.id)
            );
            // Each either took it, took it over, or was told it changed under them.
            for outcome in [&one, &two] {
                assert!(
                    matches!(outcome, Ok(_) | Err(RightsError::Conflict)),
                    "{name}: {outcome:?}"
                );
            }
            assert!(one.is_ok() || two.is_ok(), "{name}");
            let detail = w.rights.request_of(&w.an, &r.id).await.unwrap();
            let seqs: Vec<i64> = detail.events.iter().map(|e| e.seq).collect();
            assert_eq!(
                seqs,
                (1..=detail.request.version).collect::<Vec<_>>(),
                "{name}: one event per change, none lost"
            );
            let last = detail.events.last().unwrap();
            assert_eq!(
                detail.request.handler,
                Some(last.actor.account()),
                "{name}: the handler is whoever acted last"
            );
            w.rights.withdraw(&w.an, &r.id).await.unwrap_err();
        }
        w.t.close().await;
    }
}

//! Deadlines on the working calendar: reception within 8 working hours across Tết, the
//! restart after a supplement, and the apology with a new appointment for an overdue application.

mod common;

use common::*;

#[tokio::test]
async fn a_supplement_sends_it_back_to_reception_and_the_deadline_restarts() {
    for w in worlds().await {
        let name = w.t.name();
        let s = &w.services;
        // Monday 1 March 2027, 09:00: office hours, so each hour of waiting moves the deadline.
        set_clock(&w.clock, vn(2027, 3, 1, 9, 0));
        let application = filed(&w, &w.an).await;
        let accepted = s
            .officer_moves(
                &w.ward,
                &application.id,
                &step(Move::Accept, application.version),
            )
            .await
            .unwrap();
        set_clock(&w.clock, vn(2027, 3, 1, 10, 0));
        let mut ask = step(Move::RequestSupplement, accepted.version);
        ask.reason = Some("Bổ sung hợp đồng thuê nhà có công chứng".into());
        let waiting = s
            .officer_moves(&w.ward, &application.id, &ask)
            .await
            .unwrap();
        assert_eq!(waiting.status, Some(Status::SupplementRequested), "{name}");
        // While it waits, the applicant may change documents; then hands it in.
        let replaced = s
            .upload(
                &w.an,
                &application.id,
                "proof_of_home",
                "cong-chung.pdf",
                PDF,
            )
            .await
            .unwrap();
        assert_eq!(replaced.file_name, "cong-chung.pdf", "{name}");
        let current = s.own(&w.an, &application.id).await.unwrap().application;
        let back = s
            .applicant_moves(
                &w.an,
                &application.id,
                &step(Move::Supplement, current.version),
            )
            .await
            .unwrap();
        assert_eq!(back.status, Some(Status::New), "{name}");
        assert_eq!(back.due_at, None, "{name}");
        let handed_in = detail_time(s, &w.an, &application.id).await;
        assert_eq!(
            back.accept_due_at,
            Some(s.after_working_hours(handed_in, 8)),
            "{name}"
        );
        assert!(
            back.accept_due_at.unwrap() > application.accept_due_at.unwrap(),
            "{name}"
        );
        // Once handed in, documents are frozen again.
        let e = s
            .upload(&w.an, &application.id, "proof_of_home", "late.pdf", PDF)
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("can no longer be changed"),
            "{name}: {e}"
        );
        let detail = s.own(&w.an, &application.id).await.unwrap();
        assert_eq!(
            detail.events[2].reason.as_deref(),
            ask.reason.as_deref(),
            "{name}"
        );
        w.t.close().await;
    }
}

#[tokio::test]
async fn deadlines_skip_tet_and_an_overdue_application_gets_an_apology() {
    for w in worlds().await {
        let name = w.t.name();
        let s = &w.services;
        // Filed at 16:00 on Thursday 4 February 2027, the day before the Tết holiday
        // (5–10 February 2027 with the compensatory day).
        set_clock(&w.clock, vn(2027, 2, 4, 16, 0));
        let application = filed(&w, &w.an).await;
        assert!(
            application
                .code
                .as_ref()
                .unwrap()
                .as_str()
                .contains("-270204-"),
            "{name}"
        );
        let due = application.accept_due_at.unwrap();
        let calendar = WorkCalendar::vietnam();
        let holidays: Vec<NaiveDate> = calendar.holidays(2027).iter().map(|h| h.date).collect();
        assert!(
            holidays.contains(&NaiveDate::from_ymd_opt(2027, 2, 8).unwrap()),
            "{name}: {holidays:?}"
        );
        // One working hour on Thursday, then seven after the holiday.
        let first_working_day_after = (5..=20)
            .map(|d| NaiveDate::from_ymd_opt(2027, 2, d).unwrap())
            .find(|d| calendar.is_working_day(*d))
            .unwrap();
        let due_day = DateTime::<Utc>::from_timestamp_millis(due + 7 * 3_600_000)
            .unwrap()
            .date_naive();
        assert_eq!(due_day, first_working_day_after, "{name}");
        assert_eq!(
            due,
            s.after_working_hours(application.filed_at.unwrap(), 8),
            "{name}"
        );

        // Waiting for reception: accepted, refused or sent back, never apologised for.
        let e = s
            .apologize(
                &w.ward,
                &application.id,
                application.version,
                due + 86_400_000,
                "Quá tải",
            )
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("waiting for reception"),
            "{name}: {e}"
        );
        let accepted = s
            .officer_moves(
                &w.ward,
                &application.id,
                &step(Move::Accept, application.version),
            )
            .await
            .unwrap();
        // Accepted but not overdue yet: no apology.
        let e = s
            .apologize(
                &w.ward,
                &application.id,
                accepted.version,
                accepted.due_at.unwrap() + 86_400_000,
                "Quá tải",
            )
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("not past its deadline"),
            "{name}: {e}"
        );
        let first_due = accepted.due_at.unwrap();
        set_clock(&w.clock, first_due + 60_000);
        assert!(accepted.overdue(s.now()), "{name}");
        let new_due = s.after_working_hours(s.now(), 16);
        let sorry = s
            .apologize(
                &w.ward,
                &application.id,
                accepted.version,
                new_due,
                "Cần xác minh thêm",
            )
            .await
            .unwrap();
        assert_eq!(
            (sorry.due_at, sorry.first_due_at, sorry.apologies),
            (Some(new_due), Some(first_due), 1),
            "{name}"
        );
        let detail = s.own(&w.an, &application.id).await.unwrap();
        let last = detail.events.last().unwrap();
        assert_eq!(last.step, "apologize", "{name}");
        assert_eq!(
            last.detail.as_ref().unwrap()["new_due_at"],
            serde_json::json!(new_due),
            "{name}"
        );
        w.t.close().await;
    }
}

//! Statistics against figures computed by hand on a small, fully known set of applications.

mod common;

use common::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[tokio::test]
async fn statistics_match_figures_computed_by_hand() {
    for w in worlds().await {
        let name = w.t.name();
        let s = &w.services;
        set_clock(&w.clock, vn(2027, 3, 1, 9, 0));
        let moved = |a: &dinhdanh_services::Application, m: Move| step(m, a.version);
        // A: online, decided on time, result returned electronically.
        let a = filed(&w, &w.an).await;
        let a = s
            .officer_moves(&w.ward, &a.id, &moved(&a, Move::Accept))
            .await
            .unwrap();
        let a = s
            .officer_moves(&w.ward, &a.id, &moved(&a, Move::StartProcessing))
            .await
            .unwrap();
        let mut decide = moved(&a, Move::Decide);
        decide.outcome = Some(Outcome::Approved);
        let a = s.officer_moves(&w.ward, &a.id, &decide).await.unwrap();
        let mut give = moved(&a, Move::ReturnResult);
        give.electronic = Some(true);
        s.officer_moves(&w.ward, &a.id, &give).await.unwrap();
        // B: online, accepted now, decided after its deadline, result on paper.
        let b = filed(&w, &w.bich).await;
        let b = s
            .officer_moves(&w.ward, &b.id, &moved(&b, Move::Accept))
            .await
            .unwrap();
        let b = s
            .officer_moves(&w.ward, &b.id, &moved(&b, Move::StartProcessing))
            .await
            .unwrap();
        // C: at the counter, still open past its deadline at the end of the period.
        s.record_counter(
            &w.ward,
            "1.004194",
            PersonalId::parse(BICH).unwrap(),
            &answers(&[("new_address", "5 Xuân Thủy")]),
        )
        .await
        .unwrap();
        // D: online, waiting for reception (no processing deadline yet). E: the ministry's.
        filed(&w, &w.an).await;
        let e = s.start(&w.an, "2.000001").await.unwrap();
        s.answer(&w.an, &e.id, &answers(&[("new_address", "1 Tràng Tiền")]))
            .await
            .unwrap();
        s.upload(&w.an, &e.id, "proof_of_home", "a.pdf", PDF)
            .await
            .unwrap();
        s.file(&w.an, &e.id).await.unwrap();

        set_clock(&w.clock, vn(2027, 3, 15, 9, 0));
        let mut decide = moved(&b, Move::Decide);
        decide.outcome = Some(Outcome::Refused);
        decide.reason = Some("Không đủ điều kiện".into());
        let b = s.officer_moves(&w.ward, &b.id, &decide).await.unwrap();
        let mut give = moved(&b, Move::ReturnResult);
        give.electronic = Some(false);
        s.officer_moves(&w.ward, &b.id, &give).await.unwrap();

        let stats = s
            .statistics(day(2027, 3, 1), day(2027, 3, 31), None)
            .await
            .unwrap();
        let ward = stats.agencies.iter().find(|l| l.unit == WARD).unwrap();
        let c = ward.counts;
        assert_eq!(
            (
                c.filed,
                c.online,
                c.decided,
                c.decided_on_time,
                c.open_late,
                c.returned,
                c.returned_electronically
            ),
            (4, 3, 2, 1, 1, 2, 1),
            "{name}"
        );
        assert_eq!(c.online_share(), Some(75.0), "{name}");
        assert_eq!(c.on_time_rate(), Some(100.0 / 3.0), "{name}");
        assert_eq!(c.electronic_result_share(), Some(50.0), "{name}");
        assert_eq!(ward.full_online_share(), Some(100.0), "{name}");
        let ministry = stats.agencies.iter().find(|l| l.unit == MINISTRY).unwrap();
        assert_eq!(
            (ministry.counts.filed, ministry.counts.online),
            (1, 1),
            "{name}"
        );
        assert_eq!(
            ministry.counts.on_time_rate(),
            None,
            "{name}: nothing to count is not 0 %"
        );
        assert_eq!(ministry.full_online_share(), Some(0.0), "{name}");
        assert_eq!(stats.total.full_online_share(), Some(50.0), "{name}");
        assert_eq!(stats.total.counts.filed, 5, "{name}");
        let csv = stats.to_csv();
        assert!(
            csv.lines()
                .any(|l| l == format!("1.004194,{WARD},full,4,3,75.0,2,1,1,33.3,2,1,50.0")),
            "{name}: {csv}"
        );
        // One agency only; a period before everything counts nothing.
        let only = s
            .statistics(day(2027, 3, 1), day(2027, 3, 31), Some(MINISTRY))
            .await
            .unwrap();
        assert_eq!(
            (only.agencies.len(), only.total.counts.filed),
            (1, 1),
            "{name}"
        );
        let before = s
            .statistics(day(2027, 1, 1), day(2027, 1, 31), None)
            .await
            .unwrap();
        assert_eq!(before.total.counts, Default::default(), "{name}");
        assert!(
            s.statistics(day(2027, 3, 2), day(2027, 3, 1), None)
                .await
                .is_err(),
            "{name}: the last day before the first"
        );
        // The period is whole Vietnam days: 2027-03-01 00:00 in Vietnam is 2027-02-28 17:00 UTC.
        assert_eq!(
            (stats.from, stats.to),
            (1_803_834_000_000, 1_803_834_000_000 + 31 * 86_400_000),
            "{name}"
        );
        w.t.close().await;
    }
}

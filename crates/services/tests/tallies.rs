//! The statistics read tallies kept per filing day; these tests hold them to the counting rules
//! applied directly to the applications, through many random moves over several weeks, and
//! check the edges: a period's first and last minute, lateness as time passes, a change after
//! a count, and two nodes counting at once.

mod common;

use common::*;
use dinhdanh_services::Application;
use dinhdanh_services::stats::Counts;
use dinhdanh_store::on_db;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A unit and its seven counts.
type ByHandRow = (String, i64, i64, i64, i64, i64, i64, i64);

/// The counting rules of `dinhdanh_services::stats`, applied to the applications themselves:
/// the figures per agency unit for applications filed on days `first..=last`, seen at `now`.
async fn by_hand(
    w: &World,
    first: NaiveDate,
    last: NaiveDate,
    now: i64,
) -> BTreeMap<String, Counts> {
    use dinhdanh_calendar::vietnam::midnight;
    let from = midnight(first);
    let to = midnight(last.succ_opt().unwrap());
    // Still open: late once the day of the first deadline has ended, by the period's end.
    let late_before = to.min(midnight(dinhdanh_calendar::vietnam::date(now)));
    let rows: Vec<ByHandRow> = on_db!(&w.t.db, |pool| {
        sqlx::query_as(
            "SELECT unit,
                    COUNT(*),
                    SUM(CASE WHEN channel = 'online' THEN 1 ELSE 0 END),
                    SUM(CASE WHEN status IN (9, 10) AND decided_at < $2 THEN 1 ELSE 0 END),
                    SUM(CASE WHEN status IN (9, 10) AND decided_at < $2
                              AND decided_at <= first_due_at THEN 1 ELSE 0 END),
                    SUM(CASE WHEN (status IN (1, 2, 4) OR (status IN (9, 10) AND decided_at >= $2))
                              AND first_due_at IS NOT NULL AND first_due_at < $3
                             THEN 1 ELSE 0 END),
                    SUM(CASE WHEN status = 10 AND returned_at < $2 THEN 1 ELSE 0 END),
                    SUM(CASE WHEN status = 10 AND returned_at < $2 AND result_electronic = 1
                             THEN 1 ELSE 0 END)
             FROM service_applications
             WHERE status > 0 AND filed_at >= $1 AND filed_at < $2
             GROUP BY unit",
        )
        .bind(from)
        .bind(to)
        .bind(late_before)
        .fetch_all(pool)
        .await
        .unwrap()
    });
    rows.into_iter()
        .map(
            |(unit, filed, online, decided, on_time, open_late, returned, electronic)| {
                let n = |v: i64| u64::try_from(v).unwrap();
                (
                    unit,
                    Counts {
                        filed: n(filed),
                        online: n(online),
                        decided: n(decided),
                        decided_on_time: n(on_time),
                        open_late: n(open_late),
                        returned: n(returned),
                        returned_electronically: n(electronic),
                    },
                )
            },
        )
        .collect()
}

/// The figures per unit from the statistics, leaving out units with nothing filed.
async fn counted(s: &Services, first: NaiveDate, last: NaiveDate) -> BTreeMap<String, Counts> {
    s.statistics(first, last, None)
        .await
        .unwrap()
        .agencies
        .into_iter()
        .filter(|a| a.counts != Counts::default())
        .map(|a| (a.unit, a.counts))
        .collect()
}

/// One move forward for an open application, chosen at random; `None` once it is finished.
async fn advance(w: &World, a: &Application, rng: &mut StdRng) -> Option<Application> {
    let officer = if a.unit.as_str() == WARD {
        &w.ward
    } else {
        &w.ministry
    };
    let mut s = step(Move::Accept, a.version);
    match a.status? {
        Status::New if rng.random_bool(0.1) => {
            s.step = Move::Refuse;
            s.reason = Some("Hồ sơ không hợp lệ".into());
        }
        Status::New => {}
        Status::Accepted => s.step = Move::StartProcessing,
        Status::Processing if rng.random_bool(0.05) => {
            s.step = Move::Stop;
            s.reason = Some("Người nộp đề nghị dừng".into());
        }
        Status::Processing => {
            s.step = Move::Decide;
            let refused = rng.random_bool(0.2);
            s.outcome = Some(if refused {
                Outcome::Refused
            } else {
                Outcome::Approved
            });
            s.reason = refused.then(|| "Không đủ điều kiện".into());
        }
        Status::Processed => {
            s.step = Move::ReturnResult;
            s.electronic = Some(rng.random_bool(0.6));
        }
        _ => return None,
    }
    Some(w.services.officer_moves(officer, &a.id, &s).await.unwrap())
}

#[tokio::test]
async fn tallies_agree_with_the_rules_applied_to_the_applications() {
    for w in worlds().await {
        let name = w.t.name();
        let s = &w.services;
        let mut rng = StdRng::seed_from_u64(2027);
        set_clock(&w.clock, vn(2027, 2, 1, 8, 0));
        let mut open: Vec<Application> = Vec::new();
        let mut checked = 0;
        for day_index in 0..40 {
            // A few filings, online and at the counter, for both agencies.
            for _ in 0..rng.random_range(0..4) {
                let citizen = if rng.random_bool(0.5) { &w.an } else { &w.bich };
                let a = if rng.random_bool(0.7) {
                    filed(&w, citizen).await
                } else {
                    let (officer, procedure) = if rng.random_bool(0.5) {
                        (&w.ward, "1.004194")
                    } else {
                        (&w.ministry, "2.000001")
                    };
                    s.record_counter(
                        officer,
                        procedure,
                        citizen.personal_id(),
                        &answers(&[("new_address", "5 Xuân Thủy")]),
                    )
                    .await
                    .unwrap()
                };
                open.push(a);
            }
            // Some open applications move on; finished ones leave the list.
            let mut still = Vec::new();
            for a in open {
                if rng.random_bool(0.35) {
                    if let Some(next) = advance(&w, &a, &mut rng).await {
                        still.push(next);
                    }
                } else {
                    still.push(a);
                }
            }
            open = still;
            // Compare every few days, for a random period around now.
            if day_index % 4 == 3 {
                let now = w.clock.now_ms();
                let today = dinhdanh_calendar::vietnam::date(now);
                let first = today - chrono::Days::new(rng.random_range(0..45));
                let last = first + chrono::Days::new(rng.random_range(0..30));
                assert_eq!(
                    counted(s, first, last).await,
                    by_hand(&w, first, last, now).await,
                    "{name}: {first}..={last} seen on {today}"
                );
                checked += 1;
            }
            let hours = rng.random_range(18..30);
            set_clock(&w.clock, w.clock.now_ms() + hours * 3_600_000);
        }
        assert_eq!(checked, 10, "{name}");
        // The whole time, once every application has had its chance to finish.
        let everything = by_hand(&w, day(2027, 1, 1), day(2027, 12, 31), w.clock.now_ms()).await;
        let filed: u64 = everything.values().map(|c| c.filed).sum();
        let decided: u64 = everything.values().map(|c| c.decided).sum();
        let late: u64 = everything.values().map(|c| c.open_late).sum();
        assert!(
            filed > 40 && decided > 10 && late > 0,
            "{name}: the random walk must reach every kind of count: {everything:?}"
        );
        assert_eq!(
            counted(s, day(2027, 1, 1), day(2027, 12, 31)).await,
            everything,
            "{name}"
        );
        w.t.close().await;
    }
}

#[tokio::test]
async fn a_period_is_whole_vietnam_days_and_lateness_comes_with_time() {
    for w in worlds().await {
        let name = w.t.name();
        let s = &w.services;
        // Filed in the last minute of March and the first of April, Vietnam time.
        set_clock(&w.clock, vn(2027, 3, 31, 23, 59));
        let march = filed(&w, &w.an).await;
        set_clock(&w.clock, vn(2027, 4, 1, 0, 0));
        filed(&w, &w.bich).await;
        let filed_in = |stats: &dinhdanh_services::stats::Statistics| stats.total.counts.filed;
        let in_march = s
            .statistics(day(2027, 3, 1), day(2027, 3, 31), None)
            .await
            .unwrap();
        let in_april = s
            .statistics(day(2027, 4, 1), day(2027, 4, 30), None)
            .await
            .unwrap();
        assert_eq!((filed_in(&in_march), filed_in(&in_april)), (1, 1), "{name}");

        // Accepted on 1 April: 56 working hours, due on Monday 12 April.
        set_clock(&w.clock, vn(2027, 4, 1, 8, 0));
        let accepted = s
            .officer_moves(&w.ward, &march.id, &step(Move::Accept, march.version))
            .await
            .unwrap();
        let due = accepted.first_due_at.unwrap();
        assert_eq!(
            dinhdanh_calendar::vietnam::date(due),
            day(2027, 4, 12),
            "{name}"
        );
        let late = |stats: &dinhdanh_services::stats::Statistics| stats.total.counts.open_late;
        let march_now = || s.statistics(day(2027, 3, 1), day(2027, 3, 31), None);
        let this_year = || s.statistics(day(2027, 1, 1), day(2027, 12, 31), None);
        // March ended before the deadline: not late for March, whatever happens later.
        assert_eq!(late(&march_now().await.unwrap()), 0, "{name}");
        // For the year, not late on its last day, nor on the deadline's day itself...
        set_clock(&w.clock, vn(2027, 4, 12, 23, 59));
        assert_eq!(late(&this_year().await.unwrap()), 0, "{name}");
        // ...but late once that day has ended, with nothing changed in the application.
        set_clock(&w.clock, vn(2027, 4, 13, 0, 0));
        assert_eq!(late(&this_year().await.unwrap()), 1, "{name}");
        assert_eq!(late(&march_now().await.unwrap()), 0, "{name}");

        // A change after a count is in the next figures.
        let processing = s
            .officer_moves(
                &w.ward,
                &march.id,
                &step(Move::StartProcessing, accepted.version),
            )
            .await
            .unwrap();
        let mut decide = step(Move::Decide, processing.version);
        decide.outcome = Some(Outcome::Approved);
        s.officer_moves(&w.ward, &march.id, &decide).await.unwrap();
        let year = this_year().await.unwrap();
        assert_eq!(
            (
                late(&year),
                year.total.counts.decided,
                year.total.counts.decided_on_time
            ),
            (0, 1, 0),
            "{name}: decided after its deadline"
        );
        // Seen from the end of the eleventh, the application was open and not yet late; from
        // the end of the twelfth, open past its deadline; from the thirteenth on, decided.
        for (last, seen) in [(11, (0, 0)), (12, (0, 1)), (13, (1, 0))] {
            let stats = s
                .statistics(day(2027, 3, 1), day(2027, 4, last), None)
                .await
                .unwrap();
            assert_eq!(
                (stats.total.counts.decided, late(&stats)),
                seen,
                "{name}: up to {last} April"
            );
        }
        w.t.close().await;
    }
}

#[tokio::test]
async fn two_nodes_counting_at_once_agree() {
    for w in worlds().await {
        let name = w.t.name();
        set_clock(&w.clock, vn(2027, 5, 3, 9, 0));
        for i in 0..6 {
            filed(&w, if i % 2 == 0 { &w.an } else { &w.bich }).await;
        }
        // A second node: the same database, its own count.
        let other = w
            .services
            .clone()
            .with(w.clock.clone(), WorkCalendar::vietnam());
        let period = (day(2027, 5, 1), day(2027, 5, 31));
        let (a, b, c, d) = tokio::join!(
            w.services.statistics(period.0, period.1, None),
            other.statistics(period.0, period.1, None),
            w.services.statistics(period.0, period.1, None),
            other.statistics(period.0, period.1, None),
        );
        let counts: Vec<u64> = [a, b, c, d]
            .into_iter()
            .map(|s| s.unwrap().total.counts.filed)
            .collect();
        assert_eq!(counts, vec![6; 4], "{name}");
        w.t.close().await;
    }
}

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use proptest::prelude::*;

use crate::holiday::{HolidayRules, NationalDayCompanion};
use crate::schedule::OfficeHours;
use crate::{DayKind, WorkCalendar};

/// The instant at local time `hour:minute` in Hanoi (UTC+7) on the given day.
fn hanoi(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, hour, minute, 0)
        .unwrap()
        - TimeDelta::hours(7)
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

fn vietnam() -> WorkCalendar {
    WorkCalendar::vietnam()
}

#[test]
fn after_hours_on_friday_starts_on_monday_morning() {
    let friday_evening = hanoi(2026, 3, 13, 20, 0);
    assert_eq!(
        vietnam().add_working_hours(friday_evening, 1),
        hanoi(2026, 3, 16, 8, 30)
    );
}

#[test]
fn after_hours_before_a_compensatory_monday_starts_on_tuesday() {
    // Monday 27 April 2026 is off for Hùng Kings' day, which fell on Sunday.
    let friday_evening = hanoi(2026, 4, 24, 20, 0);
    assert_eq!(
        vietnam().add_working_hours(friday_evening, 1),
        hanoi(2026, 4, 28, 8, 30)
    );
}

#[test]
fn before_opening_counts_from_opening() {
    let early = hanoi(2026, 3, 10, 6, 0);
    assert_eq!(
        vietnam().add_working_hours(early, 1),
        hanoi(2026, 3, 10, 8, 30)
    );
}

#[test]
fn the_lunch_break_does_not_count() {
    let lunch = hanoi(2026, 3, 10, 12, 0);
    assert_eq!(
        vietnam().add_working_hours(lunch, 1),
        hanoi(2026, 3, 10, 14, 0)
    );
    let late_morning = hanoi(2026, 3, 10, 10, 30);
    assert_eq!(
        vietnam().add_working_hours(late_morning, 4),
        hanoi(2026, 3, 10, 16, 0)
    );
    assert_eq!(
        vietnam().working_time_between(late_morning, hanoi(2026, 3, 10, 12, 45)),
        TimeDelta::hours(1)
    );
}

#[test]
fn a_deadline_that_uses_up_a_session_ends_at_its_close() {
    let calendar = vietnam();
    let opening = hanoi(2026, 3, 10, 7, 30);
    assert_eq!(
        calendar.add_working_hours(opening, 4),
        hanoi(2026, 3, 10, 11, 30)
    );
    assert_eq!(
        calendar.add_working_hours(opening, 8),
        hanoi(2026, 3, 10, 17, 0)
    );
    assert_eq!(
        calendar.add_working_days(opening, 1),
        hanoi(2026, 3, 10, 17, 0)
    );
    // Friday's whole afternoon ends on Friday at 17:00, not on Monday at 07:30.
    assert_eq!(
        calendar.add_working_hours(hanoi(2026, 3, 13, 13, 0), 4),
        hanoi(2026, 3, 13, 17, 0)
    );
    // Starting at the close counts from the next opening.
    assert_eq!(
        calendar.add_working_hours(hanoi(2026, 3, 10, 11, 30), 1),
        hanoi(2026, 3, 10, 14, 0)
    );
    assert_eq!(
        calendar.add_working_hours(hanoi(2026, 3, 13, 17, 0), 1),
        hanoi(2026, 3, 16, 8, 30)
    );
}

#[test]
fn adding_nothing_returns_the_start() {
    let saturday = hanoi(2026, 3, 14, 22, 15);
    assert_eq!(vietnam().add_working_hours(saturday, 0), saturday);
    assert_eq!(vietnam().add_working_days(saturday, 0), saturday);
    assert_eq!(
        vietnam().add_working_time(saturday, TimeDelta::minutes(-5)),
        saturday
    );
}

#[test]
fn a_saturday_submission_counts_from_monday() {
    let saturday = hanoi(2026, 3, 14, 10, 0);
    assert_eq!(
        vietnam().add_working_days(saturday, 1),
        hanoi(2026, 3, 16, 17, 0)
    );
}

#[test]
fn a_submission_on_a_holiday_counts_from_the_next_working_day() {
    // 2–3 September 2026 (Wednesday, Thursday) are National Day.
    let national_day = hanoi(2026, 9, 2, 9, 0);
    assert_eq!(
        vietnam().add_working_hours(national_day, 1),
        hanoi(2026, 9, 4, 8, 30)
    );
}

#[test]
fn deadlines_across_tet_2026() {
    // Tết 2026 days off: Monday 16 to Friday 20 February; Friday 13th is the last working day.
    let friday = hanoi(2026, 2, 13, 10, 0);
    // 5.5 hours on Friday, 2.5 on Monday 23rd.
    assert_eq!(
        vietnam().add_working_hours(friday, 8),
        hanoi(2026, 2, 23, 10, 0)
    );
    // 5.5 on Friday, 32 from Monday 23rd to Thursday 26th, 2.5 on Friday 27th.
    assert_eq!(
        vietnam().add_working_days(friday, 5),
        hanoi(2026, 2, 27, 10, 0)
    );
}

#[test]
fn deadlines_across_tet_2025() {
    // Tết 2025 days off: Tuesday 28 January to Saturday 1 February, and Monday 3 February
    // for the Saturday. Submitted on Friday 24 January at 16:00.
    let friday = hanoi(2025, 1, 24, 16, 0);
    assert_eq!(
        vietnam().add_working_hours(friday, 8),
        hanoi(2025, 1, 27, 16, 0)
    );
    // 1 hour Friday, 8 on Monday 27th, then 4–6 February (24), 7 on Friday 7th.
    assert_eq!(
        vietnam().add_working_days(friday, 5),
        hanoi(2025, 2, 7, 16, 0)
    );
}

#[test]
fn deadlines_across_tet_2024() {
    // Tết 2024 began on Saturday 10 February: off Friday 9 (30 tháng Chạp) to Tuesday 13, and
    // Wednesday 14, Thursday 15 for the weekend. Friday 2 February is the Friday before.
    let calendar = vietnam();
    assert_eq!(
        calendar.add_working_hours(hanoi(2024, 2, 8, 15, 0), 8),
        hanoi(2024, 2, 16, 15, 0)
    );
    let friday_before = hanoi(2024, 2, 2, 9, 0);
    // 6.5 on Friday 2nd, 8 each on 5–8 February (32), 1.5 on Friday 16th.
    assert_eq!(
        calendar.add_working_days(friday_before, 5),
        hanoi(2024, 2, 16, 9, 0)
    );
}

#[test]
fn deadlines_across_30_april_and_1_may() {
    // 2026: 30 April and 1 May are Thursday and Friday.
    assert_eq!(
        vietnam().add_working_hours(hanoi(2026, 4, 29, 16, 0), 8),
        hanoi(2026, 5, 4, 16, 0)
    );
    // From Friday 24 April with Hùng Kings' compensatory Monday: 6.5 on Friday, 8 each on
    // 28–29 April, 8 each on 4–5 May, 1.5 on Wednesday 6 May.
    assert_eq!(
        vietnam().add_working_days(hanoi(2026, 4, 24, 9, 0), 5),
        hanoi(2026, 5, 6, 9, 0)
    );
}

#[test]
fn deadlines_across_national_day_with_a_weekend_compensatory_day() {
    // 2 September 2029 is a Sunday: off Monday 3 (second day) and Tuesday 4 (for Sunday).
    let calendar = vietnam();
    assert!(matches!(
        calendar.day_kind(date(2029, 9, 4)),
        DayKind::Holiday { holiday } if holiday.is_compensatory()
    ));
    assert_eq!(
        calendar.add_working_hours(hanoi(2029, 8, 31, 16, 0), 8),
        hanoi(2029, 9, 5, 16, 0)
    );
    // 2 September 2023 was a Saturday; with the second day fixed after it (Sunday 3rd) both
    // move to Monday 4 and Tuesday 5.
    let fixed = WorkCalendar::vietnam().with_holiday_rules(
        HolidayRules::labour_code_2019()
            .with_national_day_companion(NationalDayCompanion::DayAfter),
    );
    assert_eq!(
        fixed.add_working_hours(hanoi(2023, 9, 1, 16, 0), 8),
        hanoi(2023, 9, 6, 16, 0)
    );
}

#[test]
fn an_extra_day_off_and_an_extra_working_day_change_the_deadline() {
    let friday = hanoi(2026, 3, 13, 16, 0);
    assert_eq!(
        vietnam().add_working_hours(friday, 8),
        hanoi(2026, 3, 16, 16, 0)
    );
    let saturday_worked = vietnam().with_extra_working_days([date(2026, 3, 14)]);
    assert_eq!(
        saturday_worked.add_working_hours(friday, 8),
        hanoi(2026, 3, 14, 16, 0)
    );
    let monday_off = vietnam().with_extra_days_off([date(2026, 3, 16)]);
    assert_eq!(
        monday_off.add_working_hours(friday, 8),
        hanoi(2026, 3, 17, 16, 0)
    );
    assert_eq!(
        monday_off.working_time_between(friday, hanoi(2026, 3, 17, 16, 0)),
        TimeDelta::hours(8)
    );
}

#[test]
fn custom_office_hours() {
    let at = |hour, minute| NaiveTime::from_hms_opt(hour, minute, 0).unwrap();
    let hours = OfficeHours::new([(at(8, 0), at(12, 0)), (at(13, 30), at(17, 30))]).unwrap();
    let calendar = vietnam().with_office_hours(hours);
    assert_eq!(
        calendar.add_working_hours(hanoi(2026, 3, 10, 7, 0), 5),
        hanoi(2026, 3, 10, 14, 30)
    );
}

#[test]
fn how_overdue() {
    let calendar = vietnam();
    let deadline = hanoi(2026, 3, 13, 16, 0); // Friday
    let now = hanoi(2026, 3, 16, 9, 0); // Monday
    assert_eq!(
        calendar.working_time_between(deadline, now),
        TimeDelta::minutes(150)
    );
    assert_eq!(
        calendar.working_time_between(now, deadline),
        TimeDelta::zero()
    );
    assert_eq!(calendar.working_time_between(now, now), TimeDelta::zero());
}

#[test]
fn three_hundred_working_days_land_on_the_three_hundredth_working_day() {
    let calendar = vietnam();
    let start = date(2026, 1, 5); // a Monday, a working day
    let from = hanoi(2026, 1, 5, 7, 30);
    let end = calendar.add_working_days(from, 300);
    let last_day = start
        .iter_days()
        .filter(|day| calendar.is_working_day(*day))
        .nth(299)
        .unwrap();
    assert_eq!(end, hanoi(2026, 1, 5, 17, 0) + (last_day - start));
    assert_eq!(
        calendar.working_time_between(from, end),
        TimeDelta::hours(2400)
    );
}

#[test]
fn absurd_amounts_saturate_at_the_horizon() {
    let end = vietnam().add_working_hours(hanoi(9999, 12, 30, 9, 0), 100);
    assert_eq!(
        end,
        Utc.with_ymd_and_hms(9999, 12, 31, 16, 59, 59).unwrap()
            + TimeDelta::nanoseconds(999_999_999)
    );
    // Far outside the horizon, both ways, nothing panics.
    let beginning = DateTime::<Utc>::MIN_UTC;
    assert_eq!(
        vietnam().add_working_hours(DateTime::<Utc>::MAX_UTC, 1),
        end
    );
    assert!(vietnam().working_time_between(beginning, hanoi(1, 1, 10, 0, 0)) > TimeDelta::zero());
}

/// Instants from 2019 to 2031 with second precision; working amounts up to about two years.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (1_546_300_800i64..1_924_992_000)
        .prop_map(|seconds| DateTime::from_timestamp(seconds, 0).unwrap())
}

fn amount() -> impl Strategy<Value = TimeDelta> {
    (1i64..=500 * 8 * 60).prop_map(TimeDelta::minutes)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn working_time_between_inverts_add(from in instant(), amount in amount()) {
        let calendar = vietnam();
        let end = calendar.add_working_time(from, amount);
        prop_assert_eq!(calendar.working_time_between(from, end), amount);
        // The deadline is the earliest such instant.
        prop_assert!(calendar.working_time_between(from, end - TimeDelta::seconds(1)) < amount);
    }

    #[test]
    fn add_finds_the_working_time_between(a in instant(), b in instant()) {
        let calendar = vietnam();
        let (start, end) = if a <= b { (a, b) } else { (b, a) };
        let elapsed = calendar.working_time_between(start, end);
        let reached = calendar.add_working_time(start, elapsed);
        prop_assert!(reached <= end);
        prop_assert_eq!(calendar.working_time_between(start, reached), elapsed);
    }

    #[test]
    fn working_time_adds_up(a in instant(), b in instant(), c in instant()) {
        let calendar = vietnam();
        let mut instants = [a, b, c];
        instants.sort();
        let [a, b, c] = instants;
        prop_assert_eq!(
            calendar.working_time_between(a, c),
            calendar.working_time_between(a, b) + calendar.working_time_between(b, c)
        );
    }

    #[test]
    fn working_days_are_eight_hours(from in instant(), days in 0u32..400) {
        let calendar = vietnam();
        prop_assert_eq!(
            calendar.add_working_days(from, days),
            calendar.add_working_hours(from, 8 * days)
        );
    }
}

use chrono::{NaiveDate, Weekday};

use super::*;
use crate::holiday::{HolidayKind, Observance};

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

#[test]
fn day_kind_says_why_a_day_is_off() {
    let calendar = WorkCalendar::vietnam();
    assert_eq!(calendar.day_kind(date(2026, 3, 10)), DayKind::Working);
    assert_eq!(
        calendar.day_kind(date(2026, 3, 14)),
        DayKind::WeeklyRest {
            weekday: Weekday::Sat
        }
    );
    let DayKind::Holiday { holiday } = calendar.day_kind(date(2026, 2, 17)) else {
        panic!("Tết is a holiday");
    };
    assert_eq!(holiday.kind, HolidayKind::Tet);
    assert_eq!(holiday.observance, Observance::Statutory);
    let DayKind::Holiday { holiday } = calendar.day_kind(date(2026, 4, 27)) else {
        panic!("the Monday after Hùng Kings' day is compensatory");
    };
    assert!(holiday.is_compensatory());
    // A holiday on a Sunday is still reported as the holiday, not as a weekly day off.
    assert!(matches!(
        calendar.day_kind(date(2026, 4, 26)),
        DayKind::Holiday { .. }
    ));
    assert!(!calendar.is_working_day(date(2026, 4, 26)));
    assert!(calendar.is_working_day(date(2026, 4, 28)));
}

#[test]
fn operators_add_days_off_and_working_days() {
    // The 2025 schedule: Friday 2 May off as a bridge to the weekend after 30 April–1 May,
    // worked back on Saturday 26 April.
    let bridge = date(2025, 5, 2);
    let exchange = date(2025, 4, 26);
    let plain = WorkCalendar::vietnam();
    assert!(plain.is_working_day(bridge));
    assert!(!plain.is_working_day(exchange));

    let swapped = WorkCalendar::vietnam()
        .with_extra_days_off([bridge])
        .with_extra_working_days([exchange]);
    assert_eq!(swapped.day_kind(bridge), DayKind::ExtraDayOff);
    assert_eq!(swapped.day_kind(exchange), DayKind::ExtraWorkingDay);
    assert!(!swapped.is_working_day(bridge));
    assert!(swapped.is_working_day(exchange));
    // Holidays themselves are the law's; the operator's days do not appear among them.
    assert!(swapped.holidays(2025).iter().all(|h| h.date != bridge));
}

#[test]
fn the_later_call_wins_for_the_same_date() {
    let day = date(2026, 6, 6); // a Saturday
    let worked = WorkCalendar::vietnam()
        .with_extra_days_off([day])
        .with_extra_working_days([day]);
    assert_eq!(worked.day_kind(day), DayKind::ExtraWorkingDay);
    let off = WorkCalendar::vietnam()
        .with_extra_working_days([day])
        .with_extra_days_off([day]);
    assert_eq!(off.day_kind(day), DayKind::ExtraDayOff);
}

#[test]
fn an_extra_working_day_overrides_a_holiday() {
    let new_year = date(2026, 1, 1);
    let calendar = WorkCalendar::vietnam().with_extra_working_days([new_year]);
    assert!(calendar.is_working_day(new_year));
}

#[test]
fn the_walker_agrees_with_day_kind_across_years() {
    let calendar = WorkCalendar::vietnam().with_extra_days_off([date(2025, 12, 31)]);
    let mut walker = DayWalker::new(&calendar);
    for day in date(2024, 12, 1).iter_days().take(800) {
        assert_eq!(
            walker.is_working(day),
            calendar.is_working_day(day),
            "{day}"
        );
    }
}

use chrono::{Datelike, NaiveDate, Weekday};

use super::*;

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

fn days_off(year: i32) -> Vec<Holiday> {
    HolidayRules::labour_code_2019().days_off(year, &WorkWeek::monday_to_friday())
}

fn statutory(day: NaiveDate, kind: HolidayKind) -> Holiday {
    Holiday {
        date: day,
        kind,
        observance: Observance::Statutory,
    }
}

fn compensatory(day: NaiveDate, kind: HolidayKind, replaces: NaiveDate) -> Holiday {
    Holiday {
        date: day,
        kind,
        observance: Observance::Compensatory { replaces },
    }
}

#[test]
fn hung_kings_day_matches_published_dates() {
    // Each from a published holiday schedule of that year.
    for (year, month, day) in [
        (2016, 4, 16),
        (2020, 4, 2),
        (2021, 4, 21),
        (2022, 4, 10),
        (2024, 4, 18),
        (2025, 4, 7),
        (2026, 4, 26),
    ] {
        assert_eq!(hung_kings_day(year), date(year, month, day), "{year}");
    }
}

#[test]
fn the_whole_of_2026() {
    use HolidayKind::*;
    assert_eq!(
        days_off(2026),
        vec![
            statutory(date(2026, 1, 1), NewYear),
            statutory(date(2026, 2, 16), Tet), // 29 tháng Chạp, the last day of Ất Tỵ
            statutory(date(2026, 2, 17), Tet),
            statutory(date(2026, 2, 18), Tet),
            statutory(date(2026, 2, 19), Tet),
            statutory(date(2026, 2, 20), Tet),
            statutory(date(2026, 4, 26), HungKings), // a Sunday
            compensatory(date(2026, 4, 27), HungKings, date(2026, 4, 26)),
            statutory(date(2026, 4, 30), VictoryDay),
            statutory(date(2026, 5, 1), LabourDay),
            statutory(date(2026, 9, 2), NationalDay), // a Wednesday
            statutory(date(2026, 9, 3), NationalDay),
        ]
    );
}

#[test]
fn every_year_has_eleven_statutory_days_on_distinct_dates_but_one() {
    let rules = HolidayRules::labour_code_2019();
    for year in 1900..2200 {
        let days = rules.statutory_days(year);
        assert_eq!(days.len(), 11, "{year}");
        let mut dates: Vec<_> = days.iter().map(|h| h.date).collect();
        dates.dedup();
        let expected = if year == 1947 { 10 } else { 11 };
        assert_eq!(dates.len(), expected, "{year}: {days:?}");
        assert!(days.iter().all(|h| h.date.year() == year));
    }
}

#[test]
fn holidays_on_a_weekend_move_to_the_next_monday() {
    // Hùng Kings' day was a Sunday in 2022.
    assert!(days_off(2022).contains(&compensatory(
        date(2022, 4, 11),
        HolidayKind::HungKings,
        date(2022, 4, 10)
    )));
    // New Year 2023 was a Sunday.
    assert!(days_off(2023).contains(&compensatory(
        date(2023, 1, 2),
        HolidayKind::NewYear,
        date(2023, 1, 1)
    )));
}

#[test]
fn a_tet_with_a_weekend_gets_its_compensatory_days_after_the_tet_days() {
    // Tết 2021: 11 Feb (Thu, 30 tháng Chạp) to 15 Feb (Mon); 13–14 Feb are the weekend.
    let tet_2021: Vec<_> = days_off(2021)
        .into_iter()
        .filter(|h| h.kind == HolidayKind::Tet)
        .collect();
    let dates: Vec<_> = tet_2021.iter().map(|h| h.date.day()).collect();
    assert_eq!(dates, vec![11, 12, 13, 14, 15, 16, 17]);
    assert_eq!(
        tet_2021[5],
        compensatory(date(2021, 2, 16), HolidayKind::Tet, date(2021, 2, 13))
    );
    assert_eq!(
        tet_2021[6],
        compensatory(date(2021, 2, 17), HolidayKind::Tet, date(2021, 2, 14))
    );
}

#[test]
fn victory_and_labour_day_on_a_weekend_skip_each_other() {
    // 30 April and 1 May were Saturday and Sunday in 2016 and 2022: off until Tuesday 3 May.
    for year in [2016, 2022] {
        let off = days_off(year);
        assert!(off.contains(&compensatory(
            date(year, 5, 2),
            HolidayKind::VictoryDay,
            date(year, 4, 30)
        )));
        assert!(off.contains(&compensatory(
            date(year, 5, 3),
            HolidayKind::LabourDay,
            date(year, 5, 1)
        )));
    }
}

#[test]
fn two_holidays_on_one_date_give_a_compensatory_day() {
    // In 1947 the 10th day of the 3rd lunar month was 30 April, a Wednesday.
    let off = days_off(1947);
    assert_eq!(
        off.iter().filter(|h| h.date == date(1947, 4, 30)).count(),
        2
    );
    assert!(off.contains(&compensatory(
        date(1947, 5, 2),
        HolidayKind::VictoryDay,
        date(1947, 4, 30)
    )));
}

#[test]
fn national_day_companion_follows_the_weekday() {
    let towards_weekend = NationalDayCompanion::TowardsWeekend;
    // Published schedules: 2021 (Thu) 2–3 Sept, 2022 (Fri) 1–2, 2024 (Mon) 2–3, 2025 (Tue) 1–2.
    assert_eq!(towards_weekend.date(2021), date(2021, 9, 3));
    assert_eq!(towards_weekend.date(2022), date(2022, 9, 1));
    assert_eq!(towards_weekend.date(2024), date(2024, 9, 3));
    assert_eq!(towards_weekend.date(2025), date(2025, 9, 1));
    // The rule for every weekday, and that it never lands on a weekend.
    for year in 2020..2050 {
        let second = towards_weekend.date(year);
        let expected_before = matches!(
            date(year, 9, 2).weekday(),
            Weekday::Tue | Weekday::Fri | Weekday::Sat
        );
        assert_eq!(second.day() == 1, expected_before, "{year}");
        assert!(WorkWeek::monday_to_friday().is_working_weekday(second));
    }
    assert_eq!(NationalDayCompanion::DayBefore.date(2026), date(2026, 9, 1));
    assert_eq!(NationalDayCompanion::DayAfter.date(2026), date(2026, 9, 3));
}

#[test]
fn a_fixed_companion_on_a_weekend_is_compensated() {
    // 2 September 2023 was a Saturday; "the day after" is Sunday the 3rd.
    let rules = HolidayRules::labour_code_2019()
        .with_national_day_companion(NationalDayCompanion::DayAfter);
    let national: Vec<_> = rules
        .days_off(2023, &WorkWeek::monday_to_friday())
        .into_iter()
        .filter(|h| h.kind == HolidayKind::NationalDay)
        .map(|h| (h.date.day(), h.is_compensatory()))
        .collect();
    assert_eq!(national, vec![(2, false), (3, false), (4, true), (5, true)]);
}

#[test]
fn culture_day_only_when_enabled() {
    let default = days_off(2027);
    assert!(default.iter().all(|h| h.kind != HolidayKind::CultureDay));
    let rules = HolidayRules::labour_code_2019().with_culture_day_from(2027);
    let week = WorkWeek::monday_to_friday();
    assert!(
        rules
            .days_off(2026, &week)
            .iter()
            .all(|h| h.kind != HolidayKind::CultureDay)
    );
    assert!(
        rules
            .days_off(2027, &week)
            .contains(&statutory(date(2027, 11, 24), HolidayKind::CultureDay))
    );
    // 24 November 2029 is a Saturday.
    assert!(rules.days_off(2029, &week).contains(&compensatory(
        date(2029, 11, 26),
        HolidayKind::CultureDay,
        date(2029, 11, 24)
    )));
}

#[test]
fn compensatory_days_follow_the_work_week() {
    // An office that also works Saturdays only loses Sunday holidays.
    let six_days = WorkWeek::new([
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
    ])
    .unwrap();
    let off = HolidayRules::labour_code_2019().days_off(2016, &six_days);
    let compensatory_days: Vec<_> = off
        .iter()
        .filter(|h| h.is_compensatory())
        .map(|h| h.date)
        .collect();
    // 2016: Hùng Kings' day Sat 16 April, 30 April Sat, 1 May Sun, 2 September Fri, Tết
    // 7–11 February (Sun–Thu). Only the Sundays move.
    assert_eq!(compensatory_days, vec![date(2016, 2, 12), date(2016, 5, 2)]);
}

#[test]
fn names_in_both_languages() {
    let day = statutory(date(2026, 4, 26), HolidayKind::HungKings);
    assert_eq!(day.name_vi(), "Giỗ Tổ Hùng Vương");
    assert_eq!(day.name_en(), "Hùng Kings' Commemoration Day");
    let moved = compensatory(date(2026, 4, 27), HolidayKind::HungKings, date(2026, 4, 26));
    assert_eq!(moved.name_vi(), "Giỗ Tổ Hùng Vương (nghỉ bù)");
    assert_eq!(
        moved.name_en(),
        "Hùng Kings' Commemoration Day (compensatory day off)"
    );
    assert_eq!(HolidayKind::Tet.name_vi(), "Tết Âm lịch");
    assert_eq!(HolidayKind::NationalDay.name_en(), "National Day");
}

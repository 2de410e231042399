use chrono::{Datelike, Days, NaiveDate};
use proptest::prelude::*;

use super::*;

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

fn lunar(year: i32, month: u32, day: u32, leap: bool) -> LunarDate {
    LunarDate {
        year,
        month,
        day,
        leap,
    }
}

/// Tết dates published for Vietnam, each checked against a public source before being written
/// here (news reports of the holiday schedules, and test tables of independent Vietnamese
/// calendar implementations). 1968, 1985, 2007 and 2030 differ from China's New Year.
const TET: [(i32, u32, u32); 16] = [
    (1968, 1, 29), // North Vietnam's first Tết at UTC+7; China (UTC+8) had 30 January
    (1985, 1, 21), // China: 20 February — the leap month falls differently
    (1990, 1, 27),
    (1996, 2, 19),
    (2007, 2, 17), // China: 18 February — the new moon came just before midnight in Hanoi
    (2020, 1, 25),
    (2021, 2, 12),
    (2022, 2, 1),
    (2023, 1, 22),
    (2024, 2, 10),
    (2025, 1, 29),
    (2026, 2, 17),
    (2027, 2, 6),
    (2028, 1, 26),
    (2029, 2, 13),
    (2030, 2, 2), // China: 3 February
];

#[test]
fn tet_matches_published_dates() {
    for (year, month, day) in TET {
        assert_eq!(tet(year), date(year, month, day), "Tết {year}");
        assert_eq!(
            solar_to_lunar(date(year, month, day)),
            lunar(year, 1, 1, false),
            "{year}-{month}-{day} is the first day of the lunar year"
        );
    }
}

#[test]
fn the_eve_of_tet_ends_the_old_year() {
    // Tết 2026 had no 30th of tháng Chạp: the eve was 29/12 Ất Tỵ, Monday 16 February.
    assert_eq!(
        solar_to_lunar(date(2026, 2, 16)),
        lunar(2025, 12, 29, false)
    );
    assert_eq!(
        solar_to_lunar(date(2021, 2, 11)),
        lunar(2020, 12, 30, false)
    );
}

#[test]
fn a_late_new_moon_does_not_give_day_zero() {
    // The published code answers day 0 for these two days: the true new moon came a day after
    // the mean one, so they end the month before.
    assert_eq!(solar_to_lunar(date(2054, 5, 7)), lunar(2054, 3, 30, false));
    assert_eq!(solar_to_lunar(date(2054, 5, 8)), lunar(2054, 4, 1, false));
    assert_eq!(solar_to_lunar(date(2062, 4, 9)), lunar(2062, 2, 30, false));
}

#[test]
fn leap_months_of_known_years() {
    assert_eq!(leap_month(2020), Some(4));
    assert_eq!(leap_month(2023), Some(2));
    assert_eq!(leap_month(2025), Some(6));
    assert_eq!(leap_month(1985), Some(2)); // China's leap month was the 10th of 1984
    assert_eq!(leap_month(1984), None);
    assert_eq!(leap_month(2033), Some(11));
    assert_eq!(leap_month(2024), None);
    assert_eq!(leap_month(2026), None);
}

#[test]
fn leap_month_2020_starts_on_23_may() {
    assert_eq!(solar_to_lunar(date(2020, 5, 23)), lunar(2020, 4, 1, true));
    assert_eq!(
        lunar_to_solar(lunar(2020, 4, 1, true)),
        Ok(date(2020, 5, 23))
    );
    assert_eq!(
        lunar_to_solar(lunar(2020, 4, 1, false)),
        Ok(date(2020, 4, 23))
    );
}

#[test]
fn a_leap_month_late_in_the_year_is_reported_and_reached() {
    // 2033's leap month is the 11th, which lies in the solar year 2033 itself.
    let start = lunar_to_solar(lunar(2033, 11, 1, true)).unwrap();
    assert_eq!(solar_to_lunar(start), lunar(2033, 11, 1, true));
    let regular = lunar_to_solar(lunar(2033, 11, 1, false)).unwrap();
    assert!(regular < start);
}

#[test]
fn nonexistent_lunar_dates_are_rejected() {
    assert_eq!(
        lunar_to_solar(lunar(2024, 3, 1, true)),
        Err(LunarDateError::NotLeapMonth {
            year: 2024,
            month: 3,
            leap_month: None
        })
    );
    assert_eq!(
        lunar_to_solar(lunar(2025, 5, 1, true)),
        Err(LunarDateError::NotLeapMonth {
            year: 2025,
            month: 5,
            leap_month: Some(6)
        })
    );
    assert_eq!(
        lunar_to_solar(lunar(2025, 13, 1, false)),
        Err(LunarDateError::MonthOutOfRange { month: 13 })
    );
    assert_eq!(
        lunar_to_solar(lunar(2025, 12, 30, false)),
        Err(LunarDateError::DayOutOfRange {
            year: 2025,
            month: 12,
            leap: false,
            day: 30,
            length: 29
        })
    );
    assert!(lunar_to_solar(lunar(2025, 1, 0, false)).is_err());
    assert_eq!(
        lunar_to_solar(lunar(i32::MAX, 1, 1, false)),
        Err(LunarDateError::YearOutOfRange { year: i32::MAX })
    );
}

#[test]
fn errors_name_the_leap_month_that_exists() {
    let message = lunar_to_solar(lunar(2025, 5, 1, true))
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        "lunar year 2025 has no leap month 5 (its leap month is 6)"
    );
}

/// Every day from 1900 to 2199 converts to lunar and back to itself, and the lunar dates form a
/// well-shaped calendar: days count up by one, months have 29 or 30 days, months follow each
/// other in order with a leap month only where [`leap_month`] says, and Tết lands between
/// 21 January and 20 February.
#[test]
fn every_day_1900_to_2199_round_trips_and_the_calendar_is_well_formed() {
    let first = date(FIRST_CHECKED_YEAR, 1, 1);
    let last = date(LAST_CHECKED_YEAR, 12, 31);
    let mut previous = solar_to_lunar(first);
    let mut month_length = previous.day;
    let mut day = first;
    while day < last {
        day = day + Days::new(1);
        let current = solar_to_lunar(day);
        assert_eq!(lunar_to_solar(current), Ok(day), "{day} -> {current}");
        if current.day == 1 {
            assert!(
                (29..=30).contains(&month_length) || previous == solar_to_lunar(first),
                "month ending {previous} had {month_length} days"
            );
            month_length = 1;
            let (year, month, leap) = (current.year, current.month, current.leap);
            if leap {
                assert_eq!(
                    (previous.year, previous.month, previous.leap),
                    (year, month, false),
                    "leap month {current} follows its regular month"
                );
                assert_eq!(leap_month(year), Some(month), "{current}");
            } else if month == 1 {
                assert_eq!((previous.year, previous.month), (year - 1, 12));
                assert!(
                    (date(year, 1, 21)..=date(year, 2, 20)).contains(&day),
                    "Tết {year} on {day}"
                );
            } else {
                assert_eq!((previous.year, previous.month), (year, month - 1));
            }
        } else {
            assert_eq!(
                (current.year, current.month, current.leap, current.day),
                (
                    previous.year,
                    previous.month,
                    previous.leap,
                    previous.day + 1
                ),
                "{day}"
            );
            month_length += 1;
        }
        previous = current;
    }
}

#[test]
fn years_have_twelve_or_thirteen_months() {
    for year in FIRST_CHECKED_YEAR + 1..LAST_CHECKED_YEAR {
        let days = tet(year + 1) - tet(year);
        let expected = if leap_month(year).is_some() {
            383..=385
        } else {
            353..=355
        };
        assert!(
            expected.contains(&days.num_days()),
            "lunar year {year} has {} days, leap month {:?}",
            days.num_days(),
            leap_month(year)
        );
    }
}

proptest! {
    #[test]
    fn any_day_round_trips(offset in 0u64..109_572) {
        let day = date(1900, 1, 1) + Days::new(offset);
        let converted = solar_to_lunar(day);
        prop_assert_eq!(lunar_to_solar(converted), Ok(day));
        prop_assert!(converted.year == day.year() || converted.year == day.year() - 1);
    }
}

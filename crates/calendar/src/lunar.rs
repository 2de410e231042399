//! The Vietnamese lunisolar calendar (âm lịch), computed for Vietnam's time zone, UTC+7.
//!
//! Holidays such as Tết and the Hùng Kings' Commemoration are set by the lunar calendar, so the
//! holiday rules in [`crate::holiday`] start here. Nothing is typed in from a table: months
//! begin on the local day of the astronomical new moon, and the year's shape (which month is
//! leap) follows from the sun's longitude, using the algorithm published by Hồ Ngọc Đức ("Thuật
//! toán tính âm lịch", 2006, built on Jean Meeus, *Astronomical Algorithms*, 1998):
//!
//! - lunar month 11 is the month that contains the winter solstice;
//! - a lunar year (from month 11 to the next month 11) with 13 months has one leap month: the
//!   first month after month 11 that contains no major solar term (trung khí), and it takes the
//!   number of the month before it;
//! - everything is evaluated at UTC+7. The time zone matters: Tết 1985 was 21 January in
//!   Vietnam but 20 February in China (UTC+8), Tết 2007 was 17 February in Vietnam and 18
//!   February in China.
//!
//! The approximations are those of the published algorithm, and the results agree with its
//! reference code for every day of 1900–2199 but two, where that code answers "day 0" (see
//! [`solar_to_lunar`]). Conversions are checked here for 1900–2199 ([`FIRST_CHECKED_YEAR`],
//! [`LAST_CHECKED_YEAR`]) and still return an answer outside that range.

use std::f64::consts::PI;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Vietnam's offset from UTC in hours, the meridian of the calendar.
const TIME_ZONE_HOURS: f64 = 7.0;

/// Mean length of a synodic month, in days, as used by the published algorithm.
const SYNODIC_MONTH: f64 = 29.530_588_853;

/// Julian day of the new moon of 1 January 1900, the origin `k = 0` of [`new_moon`].
const NEW_MOON_EPOCH: f64 = 2_415_021.076_998_695;

/// Days between chrono's day 1 (1 January of year 1, proleptic Gregorian) and the Julian day 0.
const JULIAN_DAY_OF_CE_DAY_ZERO: i64 = 1_721_425;

/// First year for which the conversions are checked day by day against each other.
pub const FIRST_CHECKED_YEAR: i32 = 1900;

/// Last year for which the conversions are checked day by day against each other.
pub const LAST_CHECKED_YEAR: i32 = 2199;

/// A day of the Vietnamese lunar calendar.
///
/// `year` is the Gregorian year in which the lunar year begins (Tết of 2026 is `1/1/2026`);
/// `month` is 1–12 and `leap` marks the intercalary month (tháng nhuận) that repeats the number
/// of the month before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LunarDate {
    /// Lunar year, named by the Gregorian year in which it begins.
    pub year: i32,
    /// Lunar month, 1 (tháng Giêng) to 12 (tháng Chạp).
    pub month: u32,
    /// Day of the lunar month, 1 to 29 or 30.
    pub day: u32,
    /// Whether the month is the leap month (tháng nhuận) of the year.
    pub leap: bool,
}

impl fmt::Display for LunarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let leap = if self.leap { " nhuận" } else { "" };
        write!(
            f,
            "{}/{}{} âm lịch {}",
            self.day, self.month, leap, self.year
        )
    }
}

/// Why a lunar date does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LunarDateError {
    /// The month number is not 1–12.
    #[error("lunar month {month} does not exist; months are numbered 1 to 12")]
    MonthOutOfRange {
        /// The month given.
        month: u32,
    },
    /// The month was marked leap, but it is not the leap month of that year.
    #[error("lunar year {year} has no leap month {month}{}", leap_hint(*.leap_month))]
    NotLeapMonth {
        /// The lunar year given.
        year: i32,
        /// The month given.
        month: u32,
        /// The leap month that year actually has, if any.
        leap_month: Option<u32>,
    },
    /// The day is 0 or past the end of the month.
    #[error(
        "day {day} does not exist in lunar month {month}{} of {year}, which has {length} days",
        if *.leap { " (leap)" } else { "" }
    )]
    DayOutOfRange {
        /// The lunar year given.
        year: i32,
        /// The month given.
        month: u32,
        /// Whether the month given was the leap month.
        leap: bool,
        /// The day given.
        day: u32,
        /// How many days that month has (29 or 30).
        length: u32,
    },
    /// The date falls outside the range of dates chrono can represent.
    #[error("lunar year {year} is outside the supported range of dates")]
    YearOutOfRange {
        /// The lunar year given.
        year: i32,
    },
}

fn leap_hint(leap_month: Option<u32>) -> String {
    match leap_month {
        Some(month) => format!(" (its leap month is {month})"),
        None => " (it has no leap month)".to_owned(),
    }
}

/// The solar date of Tết Nguyên Đán, the first day of the lunar year that begins in `year`.
///
/// # Panics
///
/// If that date is outside chrono's range of dates (|year| > 262,000).
pub fn tet(year: i32) -> NaiveDate {
    let first_day = LunarDate {
        year,
        month: 1,
        day: 1,
        leap: false,
    };
    lunar_to_solar(first_day).expect("the first day of the first lunar month exists in range")
}

/// The lunar date of a solar (Gregorian) date, in Vietnam's calendar.
///
/// Unlike the published reference code, which answers "day 0" for 7 May 2054 and 9 April 2062,
/// those two days are here the 30th of the month before (30/3/2054 and 30/2/2062).
pub fn solar_to_lunar(date: NaiveDate) -> LunarDate {
    let day_number = julian_day(date);
    // The mean month gives an estimate; the month starts on the last new moon on or before the
    // day. (The published code tries only two candidates, which fails on 2054-05-07 and
    // 2062-04-09, where the true new moon comes a day later than the mean one.)
    let mut k = ((day_number as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH).floor() as i64 + 1;
    let mut month_start = new_moon_day(k);
    while month_start > day_number {
        k -= 1;
        month_start = new_moon_day(k);
    }
    let (mut year, a11, b11) = {
        let this_month11 = lunar_month11(date.year());
        if this_month11 >= month_start {
            (date.year(), lunar_month11(date.year() - 1), this_month11)
        } else {
            (
                date.year() + 1,
                this_month11,
                lunar_month11(date.year() + 1),
            )
        }
    };
    let day = (day_number - month_start + 1) as u32;
    let months_after_11 = ((month_start - a11) as f64 / 29.0).floor() as i64;
    let mut leap = false;
    let mut month = months_after_11 + 11;
    if b11 - a11 > 365 {
        let leap_offset = leap_month_offset(a11);
        if months_after_11 >= leap_offset {
            month = months_after_11 + 10;
            leap = months_after_11 == leap_offset;
        }
    }
    if month > 12 {
        month -= 12;
    }
    if month >= 11 && months_after_11 < 4 {
        year -= 1;
    }
    LunarDate {
        year,
        month: month as u32,
        day,
        leap,
    }
}

/// The solar (Gregorian) date of a lunar date, or why that lunar date does not exist.
pub fn lunar_to_solar(lunar: LunarDate) -> Result<NaiveDate, LunarDateError> {
    let LunarDate {
        year,
        month,
        day,
        leap,
    } = lunar;
    if !(1..=12).contains(&month) {
        return Err(LunarDateError::MonthOutOfRange { month });
    }
    if !(NaiveDate::MIN.year()..=NaiveDate::MAX.year()).contains(&year) {
        return Err(LunarDateError::YearOutOfRange { year });
    }
    let (a11, b11) = if month < 11 {
        (lunar_month11(year - 1), lunar_month11(year))
    } else {
        (lunar_month11(year), lunar_month11(year + 1))
    };
    let k = (0.5 + (a11 as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH).floor() as i64;
    let mut offset = i64::from(month) - 11;
    if offset < 0 {
        offset += 12;
    }
    let leap_month = if b11 - a11 > 365 {
        let leap_offset = leap_month_offset(a11);
        let leap_month = leap_number(leap_offset);
        if leap || offset >= leap_offset {
            offset += 1;
        }
        Some(leap_month)
    } else {
        None
    };
    if leap && leap_month != Some(month) {
        return Err(LunarDateError::NotLeapMonth {
            year,
            month,
            leap_month,
        });
    }
    let month_start = new_moon_day(k + offset);
    let next_month_start = new_moon_day(k + offset + 1);
    let length = (next_month_start - month_start) as u32;
    if day == 0 || day > length {
        return Err(LunarDateError::DayOutOfRange {
            year,
            month,
            leap,
            day,
            length,
        });
    }
    date_of_julian_day(month_start + i64::from(day) - 1)
        .ok_or(LunarDateError::YearOutOfRange { year })
}

/// The leap month of the lunar year that begins in `year`, if it has one.
///
/// The lunar year runs from Tết to Tết, so a leap 11th or 12th month (as in 2033) is reported
/// for the year whose regular month 11 it follows.
pub fn leap_month(year: i32) -> Option<u32> {
    // The lunar year `year` runs through two spans from month 11 to month 11: months 1–10 lie in
    // the span that starts in `year - 1`, months 11–12 in the span that starts in `year`.
    let early = month11_span_leap(year - 1).filter(|month| *month <= 10);
    let late = month11_span_leap(year).filter(|month| *month >= 11);
    early.or(late)
}

/// The number of the leap month in the 13-month span starting at month 11 of `year`, if any.
fn month11_span_leap(year: i32) -> Option<u32> {
    let a11 = lunar_month11(year);
    let b11 = lunar_month11(year + 1);
    if b11 - a11 <= 365 {
        return None;
    }
    Some(leap_number(leap_month_offset(a11)))
}

/// The month number a leap month takes from its offset after month 11: it repeats the number of
/// the month before it, so offset 1 is a leap 11, offset 2 a leap 12, offset 3 a leap 1, and so on.
fn leap_number(leap_offset: i64) -> u32 {
    match (leap_offset - 2).rem_euclid(12) {
        0 => 12,
        month => month as u32,
    }
}

/// Julian day number of a date (noon-based days since 1 January 4713 BC, Julian calendar).
fn julian_day(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) + JULIAN_DAY_OF_CE_DAY_ZERO
}

fn date_of_julian_day(day: i64) -> Option<NaiveDate> {
    let days_from_ce = i32::try_from(day - JULIAN_DAY_OF_CE_DAY_ZERO).ok()?;
    NaiveDate::from_num_days_from_ce_opt(days_from_ce)
}

/// Moment of the `k`-th new moon after the one of 1 January 1900, as a Julian day (UTC).
fn new_moon(k: i64) -> f64 {
    let k = k as f64;
    let t = k / 1236.85; // Julian centuries from 1900 January 0.5
    let t2 = t * t;
    let t3 = t2 * t;
    let dr = PI / 180.0;
    let mean = 2_415_020.759_33 + 29.530_588_68 * k + 0.000_117_8 * t2 - 0.000_000_155 * t3
        + 0.000_33 * ((166.56 + 132.87 * t - 0.009_173 * t2) * dr).sin();
    let sun_anomaly = 359.2242 + 29.105_356_08 * k - 0.000_033_3 * t2 - 0.000_003_47 * t3;
    let moon_anomaly = 306.0253 + 385.816_918_06 * k + 0.010_730_6 * t2 + 0.000_012_36 * t3;
    let moon_latitude = 21.2964 + 390.670_506_46 * k - 0.001_652_8 * t2 - 0.000_002_39 * t3;
    let (m, mpr, f) = (sun_anomaly * dr, moon_anomaly * dr, moon_latitude * dr);
    let correction = (0.1734 - 0.000_393 * t) * m.sin() + 0.0021 * (2.0 * m).sin()
        - 0.4068 * mpr.sin()
        + 0.0161 * (2.0 * mpr).sin()
        - 0.0004 * (3.0 * mpr).sin()
        + 0.0104 * (2.0 * f).sin()
        - 0.0051 * (m + mpr).sin()
        - 0.0074 * (m - mpr).sin()
        + 0.0004 * (2.0 * f + m).sin()
        - 0.0004 * (2.0 * f - m).sin()
        - 0.0006 * (2.0 * f + mpr).sin()
        + 0.0010 * (2.0 * f - mpr).sin()
        + 0.0005 * (2.0 * mpr + m).sin();
    let delta_t = if t < -11.0 {
        0.001 + 0.000_839 * t + 0.000_226_1 * t2 - 0.000_008_45 * t3 - 0.000_000_081 * t * t3
    } else {
        -0.000_278 + 0.000_265 * t + 0.000_262 * t2
    };
    mean + correction - delta_t
}

/// Apparent longitude of the sun, in radians within [0, 2π), at a Julian day (UTC).
fn sun_longitude(julian_day: f64) -> f64 {
    let t = (julian_day - 2_451_545.0) / 36_525.0; // Julian centuries from J2000.0
    let t2 = t * t;
    let dr = PI / 180.0;
    let mean_anomaly = 357.529_10 + 35_999.050_30 * t - 0.000_155_9 * t2 - 0.000_000_48 * t * t2;
    let mean_longitude = 280.466_45 + 36_000.769_83 * t + 0.000_303_2 * t2;
    let m = mean_anomaly * dr;
    let centre = (1.914_600 - 0.004_817 * t - 0.000_014 * t2) * m.sin()
        + (0.019_993 - 0.000_101 * t) * (2.0 * m).sin()
        + 0.000_290 * (3.0 * m).sin();
    ((mean_longitude + centre) * dr).rem_euclid(2.0 * PI)
}

/// Local (UTC+7) day number on which the `k`-th new moon falls.
fn new_moon_day(k: i64) -> i64 {
    (new_moon(k) + 0.5 + TIME_ZONE_HOURS / 24.0).floor() as i64
}

/// Index 0–11 of the 30° sector of the sun's longitude at local midnight starting `day`:
/// 0 from the March equinox, 9 from the winter solstice.
fn sun_sector(day: i64) -> i64 {
    (sun_longitude(day as f64 - 0.5 - TIME_ZONE_HOURS / 24.0) / PI * 6.0).floor() as i64
}

/// Local day number on which lunar month 11 (the month with the winter solstice) of `year` begins.
fn lunar_month11(year: i32) -> i64 {
    let last_day = NaiveDate::from_ymd_opt(year, 12, 31)
        .map(julian_day)
        .unwrap_or_else(|| approximate_last_day(year));
    let k = ((last_day as f64 - 2_415_021.0) / SYNODIC_MONTH).floor() as i64;
    let new_moon = new_moon_day(k);
    if sun_sector(new_moon) >= 9 {
        new_moon_day(k - 1)
    } else {
        new_moon
    }
}

/// Julian day of 31 December of a year beyond chrono's range (mean Gregorian year length).
fn approximate_last_day(year: i32) -> i64 {
    (f64::from(year) * 365.2425 + 1_721_424.5 + 365.0).round() as i64
}

/// How many months after month 11 (starting on `a11`) the leap month of that span comes.
fn leap_month_offset(a11: i64) -> i64 {
    let k = ((a11 as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH + 0.5).floor() as i64;
    let mut i = 1;
    let mut sector = sun_sector(new_moon_day(k + i));
    loop {
        let last = sector;
        i += 1;
        sector = sun_sector(new_moon_day(k + i));
        if sector == last || i >= 14 {
            return i - 1;
        }
    }
}

#[cfg(test)]
#[path = "lunar_tests.rs"]
mod tests;

//! Vietnam's public holidays (ngày nghỉ lễ, tết), computed for any year from the Labour Code.
//!
//! Deadlines for public services count working days, so every holiday the law grants has to be
//! known, including the lunar ones and the compensatory days when a holiday falls on a weekly day
//! off. The rules and the choices this crate makes where the law leaves room are:
//!
//! - **Law relied on**: Labour Code 2019 (Bộ luật Lao động, Law 45/2019/QH14, in force since
//!   1 January 2021), Article 112. Clause 1 grants eleven paid days: New Year 1 day (1/1),
//!   Lunar New Year 5 days, Victory Day 1 day (30/4), International Labour Day 1 day (1/5),
//!   National Day 2 days (2/9 and one day immediately before or after it), Hùng Kings'
//!   Commemoration 1 day (10th day of the 3rd lunar month). Clause 3: a holiday that falls on
//!   a weekly day off gives the next working day off (nghỉ bù).
//! - **Not yet law**: the Politburo's Resolution 80-NQ/TW (January 2026) chose 24 November as
//!   Vietnamese Culture Day (Ngày Văn hóa Việt Nam), a paid day off "as a policy", and the
//!   Government's Resolution 30/NQ-CP (February 2026) tasked the amendment of Article 112(1).
//!   Until that amendment is in force the day is not a holiday by default; an operator adds it with
//!   [`HolidayRules::with_culture_day_from`].
//! - **Tết**: the Prime Minister arranges civil servants' five days each year. The computed
//!   default is the last day of the old lunar year (29 or 30 tháng Chạp) and the first four days
//!   of the new one. Yearly decisions that differ are applied by the operator as extra days off
//!   and extra working days on the calendar.
//! - **National Day's second day**: see [`NationalDayCompanion`]; the default follows the
//!   weekday of 2 September the way recent government decisions did.
//! - **Compensatory days**: each holiday on a weekly day off moves to the next working day that
//!   is neither a holiday nor already a compensatory day, in date order (a Tết with two weekend
//!   days gives two compensatory days after the Tết days). Two holidays on one date are treated
//!   the same way, which the law does not address.
//!
//! Sources consulted (2026): the text of Article 112 as quoted by znews.vn and vneconomy.vn
//! (26 February 2026, on Resolution 30/NQ-CP); tienphong.vn and cafef.vn (13 January 2026, on
//! Resolution 80-NQ/TW); for National Day, sggpnews.org.vn (2021: 2–5 September), scon.com.vn
//! (2022: 1–2 September), btv.org.vn and en.sggp.org.vn (2024: 31 August–3 September),
//! vietnamnews.vn and en.sggp.org.vn (2025: 30 August–2 September, second day 1 September);
//! thanhnien.vn and kenh14.vn (2026: Hùng Kings' day on Sunday 26 April, compensatory Monday
//! 27 April); scon.com.vn (2022: Hùng Kings' day Sunday 10 April, compensatory Monday 11 April);
//! baodanang.vn (2016: Hùng Kings' day Saturday 16 April, off until Monday 18; 30 April–1 May
//! on a weekend, off until Tuesday 3 May).

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::lunar::{LunarDate, lunar_to_solar, tet};
use crate::schedule::WorkWeek;

/// Which public holiday a day off belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    /// New Year's Day, 1 January.
    NewYear,
    /// Lunar New Year, Tết Nguyên Đán: five days around the first day of the lunar year.
    Tet,
    /// Hùng Kings' Commemoration, the 10th day of the 3rd lunar month.
    HungKings,
    /// Victory Day (Reunification Day), 30 April.
    VictoryDay,
    /// International Labour Day, 1 May.
    LabourDay,
    /// National Day, 2 September and one adjacent day.
    NationalDay,
    /// Vietnamese Culture Day, 24 November, once an operator enables it.
    CultureDay,
}

impl HolidayKind {
    /// The holiday's name in Vietnamese, as Article 112 writes it.
    pub fn name_vi(self) -> &'static str {
        match self {
            Self::NewYear => "Tết Dương lịch",
            Self::Tet => "Tết Âm lịch",
            Self::HungKings => "Giỗ Tổ Hùng Vương",
            Self::VictoryDay => "Ngày Chiến thắng",
            Self::LabourDay => "Ngày Quốc tế lao động",
            Self::NationalDay => "Quốc khánh",
            Self::CultureDay => "Ngày Văn hóa Việt Nam",
        }
    }

    /// The holiday's name in English.
    pub fn name_en(self) -> &'static str {
        match self {
            Self::NewYear => "New Year's Day",
            Self::Tet => "Lunar New Year (Tết)",
            Self::HungKings => "Hùng Kings' Commemoration Day",
            Self::VictoryDay => "Victory Day",
            Self::LabourDay => "International Labour Day",
            Self::NationalDay => "National Day",
            Self::CultureDay => "Vietnamese Culture Day",
        }
    }
}

/// Why a holiday falls on its date: the law names the day, or it replaces one on a weekly day off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Observance {
    /// The day the law (or the rule chosen for it) names.
    Statutory,
    /// A day off given in place of a holiday that fell on a weekly day off (Article 112(3)).
    Compensatory {
        /// The holiday that fell on the weekly day off.
        replaces: NaiveDate,
    },
}

/// One public day off: its date, the holiday it belongs to, and whether it is compensatory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Holiday {
    /// The day off.
    pub date: NaiveDate,
    /// The holiday it belongs to.
    pub kind: HolidayKind,
    /// Whether the law names this day or it replaces a holiday on a weekly day off.
    pub observance: Observance,
}

impl Holiday {
    /// Whether this day off replaces a holiday that fell on a weekly day off.
    pub fn is_compensatory(&self) -> bool {
        matches!(self.observance, Observance::Compensatory { .. })
    }

    /// The day's name in Vietnamese, e.g. "Quốc khánh (nghỉ bù)".
    pub fn name_vi(&self) -> String {
        if self.is_compensatory() {
            format!("{} (nghỉ bù)", self.kind.name_vi())
        } else {
            self.kind.name_vi().to_owned()
        }
    }

    /// The day's name in English, e.g. "National Day (compensatory day off)".
    pub fn name_en(&self) -> String {
        if self.is_compensatory() {
            format!("{} (compensatory day off)", self.kind.name_en())
        } else {
            self.kind.name_en().to_owned()
        }
    }
}

/// Which day next to 2 September is National Day's second day off.
///
/// Article 112(1)(đ) grants "2/9 and one day immediately before or after it"; the government
/// picks the day each year. The default, [`NationalDayCompanion::TowardsWeekend`], reproduces the
/// decisions of 2021–2025 by joining the holiday to a weekend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NationalDayCompanion {
    /// Always 1 September.
    DayBefore,
    /// Always 3 September.
    DayAfter,
    /// The neighbour that joins the days off to a weekend: 1 September when 2 September is a
    /// Tuesday, Friday or Saturday (off Monday–Tuesday, Thursday–Friday, Friday–Saturday),
    /// otherwise 3 September (off Monday–Tuesday, Thursday–Friday). Wednesday has no such
    /// neighbour and takes Thursday; Sunday takes Monday so that the second day is a working
    /// day (Sunday's compensatory day then comes on Tuesday). Days off matched: 2021 (Thursday:
    /// 2–3 September), 2022 (Friday: 1–2), 2024 (Monday: 31 August–3 September with the
    /// weekend), 2025 (Tuesday: 30 August–2 September with the weekend).
    #[default]
    TowardsWeekend,
}

impl NationalDayCompanion {
    /// The second day off of National Day in `year`.
    pub fn date(self, year: i32) -> NaiveDate {
        let national_day = ymd(year, 9, 2);
        let before = match self {
            Self::DayBefore => true,
            Self::DayAfter => false,
            Self::TowardsWeekend => matches!(
                national_day.weekday(),
                Weekday::Tue | Weekday::Fri | Weekday::Sat
            ),
        };
        if before {
            ymd(year, 9, 1)
        } else {
            ymd(year, 9, 3)
        }
    }
}

/// The rules that decide which days are public holidays, where the law leaves a choice.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HolidayRules {
    national_day_companion: NationalDayCompanion,
    culture_day_from: Option<i32>,
}

impl HolidayRules {
    /// Article 112 of the Labour Code 2019 as in force, with this crate's documented defaults.
    pub fn labour_code_2019() -> Self {
        Self::default()
    }

    /// The same rules with another choice of National Day's second day.
    pub fn with_national_day_companion(mut self, companion: NationalDayCompanion) -> Self {
        self.national_day_companion = companion;
        self
    }

    /// The same rules with Vietnamese Culture Day (24 November) a holiday from `year` on, for
    /// when the amendment of Article 112(1) takes effect.
    pub fn with_culture_day_from(mut self, year: i32) -> Self {
        self.culture_day_from = Some(year);
        self
    }

    /// The choice of National Day's second day.
    pub fn national_day_companion(&self) -> NationalDayCompanion {
        self.national_day_companion
    }

    /// The days the law names as holidays in `year`, before any compensatory day, by date.
    ///
    /// # Panics
    ///
    /// If the lunar holidays of `year` fall outside chrono's range of dates (|year| > 262,000).
    pub fn statutory_days(&self, year: i32) -> Vec<Holiday> {
        let statutory = |date, kind| Holiday {
            date,
            kind,
            observance: Observance::Statutory,
        };
        let new_year = tet(year);
        let mut days = vec![statutory(ymd(year, 1, 1), HolidayKind::NewYear)];
        let last_day_of_old_year = new_year.pred_opt().expect("Tết is not chrono's first date");
        days.extend((0..5).map(|offset| {
            let date = last_day_of_old_year + Days::new(offset);
            statutory(date, HolidayKind::Tet)
        }));
        days.push(statutory(hung_kings_day(year), HolidayKind::HungKings));
        days.push(statutory(ymd(year, 4, 30), HolidayKind::VictoryDay));
        days.push(statutory(ymd(year, 5, 1), HolidayKind::LabourDay));
        days.push(statutory(ymd(year, 9, 2), HolidayKind::NationalDay));
        days.push(statutory(
            self.national_day_companion.date(year),
            HolidayKind::NationalDay,
        ));
        if self.culture_day_from.is_some_and(|from| year >= from) {
            days.push(statutory(ymd(year, 11, 24), HolidayKind::CultureDay));
        }
        days.sort_by_key(|holiday| holiday.date);
        days
    }

    /// Every public day off in `year` for an office working `week`: the statutory days plus a
    /// compensatory day for each that falls on a weekly day off, by date.
    ///
    /// Two holidays on one date (the Hùng Kings' day fell on 30 April in 1947) are treated like
    /// a holiday on a day off: the later one gets a compensatory day, so the year keeps its count.
    ///
    /// # Panics
    ///
    /// As [`HolidayRules::statutory_days`].
    pub fn days_off(&self, year: i32, week: &WorkWeek) -> Vec<Holiday> {
        let statutory = self.statutory_days(year);
        let mut compensatory: Vec<Holiday> = Vec::new();
        let coincides_with_earlier = |index: usize| {
            let date = statutory[index].date;
            statutory[..index].iter().any(|h| h.date == date)
        };
        let displaced = statutory.iter().enumerate().filter(|(index, holiday)| {
            !week.is_working_weekday(holiday.date) || coincides_with_earlier(*index)
        });
        for (_, holiday) in displaced {
            let is_taken = |date: NaiveDate| {
                statutory.iter().any(|h| h.date == date)
                    || compensatory.iter().any(|h| h.date == date)
            };
            let replacement = holiday
                .date
                .iter_days()
                .skip(1)
                .find(|date| week.is_working_weekday(*date) && !is_taken(*date))
                .expect("a work week with a working weekday always has a next working day");
            compensatory.push(Holiday {
                date: replacement,
                kind: holiday.kind,
                observance: Observance::Compensatory {
                    replaces: holiday.date,
                },
            });
        }
        let mut days = statutory;
        days.extend(compensatory);
        days.sort_by_key(|holiday| holiday.date);
        days
    }
}

/// The solar date of the Hùng Kings' Commemoration (10th day of the 3rd lunar month) in `year`.
///
/// # Panics
///
/// If the date falls outside chrono's range of dates (|year| > 262,000).
pub fn hung_kings_day(year: i32) -> NaiveDate {
    let tenth_of_third_month = LunarDate {
        year,
        month: 3,
        day: 10,
        leap: false,
    };
    lunar_to_solar(tenth_of_third_month).expect("the 10th day of a lunar month always exists")
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day)
        .expect("fixed holiday dates exist in every year chrono supports")
}

#[cfg(test)]
#[path = "holiday_tests.rs"]
mod tests;

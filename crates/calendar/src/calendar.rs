//! The working calendar of an office: which days are working days, and why the others are not.
//!
//! A [`WorkCalendar`] combines the law's holidays ([`HolidayRules`]), the office's week
//! ([`WorkWeek`]) and hours ([`OfficeHours`]) with what operators add each year: the Prime
//! Minister's swaps of working days, bridge days, a Saturday made a working day in exchange.
//! The deadline arithmetic in [`crate::working_time`] asks it, day by day, whether a day counts.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::holiday::{Holiday, HolidayRules};
use crate::schedule::{OfficeHours, WorkWeek};

/// Why a day is, or is not, a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum DayKind {
    /// An ordinary working day.
    Working,
    /// A day the operator made a working day, e.g. a Saturday worked in exchange for a bridge day.
    ExtraWorkingDay,
    /// A weekly day off (Saturday or Sunday in the civil service week).
    WeeklyRest {
        /// The weekday.
        weekday: Weekday,
    },
    /// A public holiday or a compensatory day for one.
    Holiday {
        /// Which holiday, with its names and whether it is compensatory.
        holiday: Holiday,
    },
    /// A day the operator declared off, e.g. a day of the Prime Minister's yearly Tết plan.
    ExtraDayOff,
}

impl DayKind {
    /// Whether working time runs on this day.
    pub fn is_working(&self) -> bool {
        matches!(self, Self::Working | Self::ExtraWorkingDay)
    }
}

/// The calendar deadlines are counted on: holidays, weekly days off, office hours and the
/// operator's extra days.
///
/// When one date is both an extra working day and an extra day off, the later builder call wins.
/// An extra working day overrides everything else, an extra day off overrides a working day.
/// Compensatory days are computed from the law and the work week alone, before the operator's
/// extra days are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkCalendar {
    rules: HolidayRules,
    week: WorkWeek,
    hours: OfficeHours,
    extra_days_off: BTreeSet<NaiveDate>,
    extra_working_days: BTreeSet<NaiveDate>,
}

impl WorkCalendar {
    /// Vietnam's civil service calendar: Labour Code 2019 holidays, Monday–Friday,
    /// 07:30–11:30 and 13:00–17:00 in UTC+7, no extra days.
    pub fn vietnam() -> Self {
        Self {
            rules: HolidayRules::labour_code_2019(),
            week: WorkWeek::monday_to_friday(),
            hours: OfficeHours::civil_service(),
            extra_days_off: BTreeSet::new(),
            extra_working_days: BTreeSet::new(),
        }
    }

    /// The same calendar with other holiday rules.
    pub fn with_holiday_rules(mut self, rules: HolidayRules) -> Self {
        self.rules = rules;
        self
    }

    /// The same calendar with another work week.
    pub fn with_work_week(mut self, week: WorkWeek) -> Self {
        self.week = week;
        self
    }

    /// The same calendar with other office hours.
    pub fn with_office_hours(mut self, hours: OfficeHours) -> Self {
        self.hours = hours;
        self
    }

    /// The same calendar with `dates` off as well, e.g. the Prime Minister's bridge days.
    pub fn with_extra_days_off(mut self, dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        for date in dates {
            self.extra_working_days.remove(&date);
            self.extra_days_off.insert(date);
        }
        self
    }

    /// The same calendar with `dates` worked, e.g. a Saturday worked in exchange for a day off.
    pub fn with_extra_working_days(mut self, dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        for date in dates {
            self.extra_days_off.remove(&date);
            self.extra_working_days.insert(date);
        }
        self
    }

    /// The holiday rules in use.
    pub fn holiday_rules(&self) -> &HolidayRules {
        &self.rules
    }

    /// The work week in use.
    pub fn work_week(&self) -> &WorkWeek {
        &self.week
    }

    /// The office hours in use.
    pub fn office_hours(&self) -> &OfficeHours {
        &self.hours
    }

    /// The public holidays of `year` with their compensatory days, by date. Operator extra days
    /// are not holidays and are not listed; see [`WorkCalendar::day_kind`] for the final word.
    ///
    /// # Panics
    ///
    /// If the lunar holidays of `year` fall outside chrono's range of dates (|year| > 262,000).
    pub fn holidays(&self, year: i32) -> Vec<Holiday> {
        self.rules.days_off(year, &self.week)
    }

    /// Why `date` is or is not a working day.
    pub fn day_kind(&self, date: NaiveDate) -> DayKind {
        self.classify(date, &self.holidays(date.year()))
    }

    /// Whether working time runs on `date`.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.day_kind(date).is_working()
    }

    /// The kind of `date`, given the holidays of its year.
    pub(crate) fn classify(&self, date: NaiveDate, holidays_of_year: &[Holiday]) -> DayKind {
        if self.extra_working_days.contains(&date) {
            return DayKind::ExtraWorkingDay;
        }
        if self.extra_days_off.contains(&date) {
            return DayKind::ExtraDayOff;
        }
        if let Some(holiday) = holidays_of_year.iter().find(|h| h.date == date) {
            return DayKind::Holiday { holiday: *holiday };
        }
        if self.week.is_working_weekday(date) {
            DayKind::Working
        } else {
            DayKind::WeeklyRest {
                weekday: date.weekday(),
            }
        }
    }
}

impl Default for WorkCalendar {
    fn default() -> Self {
        Self::vietnam()
    }
}

/// Walks a calendar day by day, computing each year's holidays once.
pub(crate) struct DayWalker<'a> {
    calendar: &'a WorkCalendar,
    year: Option<i32>,
    holidays: Vec<Holiday>,
}

impl<'a> DayWalker<'a> {
    pub(crate) fn new(calendar: &'a WorkCalendar) -> Self {
        Self {
            calendar,
            year: None,
            holidays: Vec::new(),
        }
    }

    /// Whether working time runs on `date`.
    pub(crate) fn is_working(&mut self, date: NaiveDate) -> bool {
        if self.year != Some(date.year()) {
            self.year = Some(date.year());
            self.holidays = self.calendar.holidays(date.year());
        }
        self.calendar.classify(date, &self.holidays).is_working()
    }
}

#[cfg(test)]
#[path = "calendar_tests.rs"]
mod tests;

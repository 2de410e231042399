//! Deadline arithmetic in working time: "answer within 8 working hours", "how overdue is it".
//!
//! Instants are `DateTime<Utc>` (callers store Unix milliseconds); office hours are read in
//! Vietnam's local time, UTC+7 all year (Vietnam has no daylight saving time). Only time inside
//! an office session on a working day counts. The walk goes a day at a time, so a span of
//! hundreds of working days costs hundreds of steps, not minutes.
//!
//! **Boundary rule**: a deadline is the *earliest* instant at which the working time has
//! elapsed. A deadline that uses up a session exactly ends at the session's close (11:30, or
//! 17:00), never at the next opening (13:00, or 07:30 the next working day). Adding zero
//! returns the starting instant unchanged, even outside office hours.
//!
//! Results are bounded by the calendar's horizon, years 1 to 9999 in local time: a deadline past
//! it saturates to the last instant of 9999-12-31 (UTC+7), and instants outside it count from
//! or up to its edges.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};

use crate::calendar::{DayWalker, WorkCalendar};

/// Vietnam's offset from UTC; there is no daylight saving time.
const VIETNAM_OFFSET: TimeDelta = TimeDelta::hours(7);

/// First local day the working-time arithmetic walks.
const FIRST_DAY: NaiveDate = NaiveDate::from_ymd_opt(1, 1, 1).expect("a valid date");

/// Last local day the working-time arithmetic walks.
const LAST_DAY: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).expect("a valid date");

impl WorkCalendar {
    /// The instant when `hours` working hours after `from` have elapsed.
    ///
    /// A submission at 20:00 on a Friday starts counting at 07:30 on Monday (or the next working
    /// day); see the module documentation for the boundary rule.
    pub fn add_working_hours(&self, from: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
        self.add_working_time(from, TimeDelta::hours(i64::from(hours)))
    }

    /// The instant when `days` working days after `from` have elapsed, a working day being the
    /// office hours of one day (8 hours for the civil service), so for the default calendar this
    /// is `add_working_hours(from, 8 * days)`.
    pub fn add_working_days(&self, from: DateTime<Utc>, days: u32) -> DateTime<Utc> {
        let amount = self.office_hours().working_day() * i32::try_from(days).unwrap_or(i32::MAX);
        self.add_working_time(from, amount)
    }

    /// The instant when `amount` of working time after `from` has elapsed; `from` itself when
    /// `amount` is zero or negative.
    pub fn add_working_time(&self, from: DateTime<Utc>, amount: TimeDelta) -> DateTime<Utc> {
        if amount <= TimeDelta::zero() {
            return from;
        }
        let start = clamp_to_horizon(to_local(from));
        let mut remaining = amount;
        let mut walker = DayWalker::new(self);
        let mut date = start.date();
        let mut earliest = start.time();
        loop {
            if walker.is_working(date) {
                for session in self.office_hours().sessions() {
                    if earliest >= session.end {
                        continue;
                    }
                    let opens = earliest.max(session.start);
                    let available = session.end - opens;
                    if remaining <= available {
                        return to_utc(date.and_time(opens) + remaining);
                    }
                    remaining -= available;
                }
            }
            match date.succ_opt().filter(|next| *next <= LAST_DAY) {
                Some(next) => date = next,
                None => return to_utc(end_of_horizon()),
            }
            earliest = NaiveTime::MIN;
        }
    }

    /// The working time that elapses from `start` to `end`; zero when `end` is not after `start`.
    pub fn working_time_between(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> TimeDelta {
        if end <= start {
            return TimeDelta::zero();
        }
        let (start, end) = (
            clamp_to_horizon(to_local(start)),
            clamp_to_horizon(to_local(end)),
        );
        let mut walker = DayWalker::new(self);
        let mut total = TimeDelta::zero();
        for date in start.date().iter_days().take_while(|d| *d <= end.date()) {
            if !walker.is_working(date) {
                continue;
            }
            for session in self.office_hours().sessions() {
                let from = if date == start.date() {
                    session.start.max(start.time())
                } else {
                    session.start
                };
                let until = if date == end.date() {
                    session.end.min(end.time())
                } else {
                    session.end
                };
                if until > from {
                    total += until - from;
                }
            }
        }
        total
    }
}

fn to_local(instant: DateTime<Utc>) -> NaiveDateTime {
    instant
        .naive_utc()
        .checked_add_signed(VIETNAM_OFFSET)
        .unwrap_or(NaiveDateTime::MAX)
}

fn to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    (local - VIETNAM_OFFSET).and_utc()
}

fn end_of_horizon() -> NaiveDateTime {
    let last_nanosecond = NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999).expect("valid");
    LAST_DAY.and_time(last_nanosecond)
}

fn clamp_to_horizon(local: NaiveDateTime) -> NaiveDateTime {
    local.clamp(FIRST_DAY.and_time(NaiveTime::MIN), end_of_horizon())
}

#[cfg(test)]
#[path = "working_time_tests.rs"]
mod tests;

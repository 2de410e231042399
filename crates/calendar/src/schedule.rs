//! When an office is open: which weekdays are working days and which hours of them count.
//!
//! Deadlines in working hours only count time the office is open. Both halves are configurable
//! because provinces and agencies set their own hours; the defaults are the ones the platform's
//! public-services capability uses: Monday–Friday, 07:30–11:30 and 13:00–17:00 (eight hours).

use chrono::{Datelike, NaiveDate, NaiveTime, TimeDelta, Weekday};
/// Why a work week or office hours cannot be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The work week has no working weekday, so no deadline could ever be reached.
    #[error("the work week has no working day; name at least one weekday")]
    NoWorkingWeekday,
    /// Office hours were given without any session, so no deadline could ever be reached.
    #[error("office hours need at least one session, e.g. 07:30–11:30")]
    NoSession,
    /// A session ends at or before it starts.
    #[error("the office session {start}–{end} ends before it starts; give start < end")]
    EmptySession {
        /// Start of the session given.
        start: NaiveTime,
        /// End of the session given.
        end: NaiveTime,
    },
    /// Two sessions overlap.
    #[error(
        "the office sessions {first_start}–{first_end} and {second_start}–{second_end} overlap"
    )]
    OverlappingSessions {
        /// Start of the earlier session.
        first_start: NaiveTime,
        /// End of the earlier session.
        first_end: NaiveTime,
        /// Start of the later session.
        second_start: NaiveTime,
        /// End of the later session.
        second_end: NaiveTime,
    },
}

/// The weekdays on which the office works; the others are weekly days off (ngày nghỉ hằng tuần).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WorkWeek {
    /// Indexed by days from Monday.
    working: [bool; 7],
}

impl WorkWeek {
    /// Monday to Friday, with Saturday and Sunday off: the civil service week.
    pub fn monday_to_friday() -> Self {
        Self {
            working: [true, true, true, true, true, false, false],
        }
    }

    /// A week working on exactly `days`.
    pub fn new(days: impl IntoIterator<Item = Weekday>) -> Result<Self, ScheduleError> {
        let mut working = [false; 7];
        for day in days {
            working[day.num_days_from_monday() as usize] = true;
        }
        if working.iter().any(|&works| works) {
            Ok(Self { working })
        } else {
            Err(ScheduleError::NoWorkingWeekday)
        }
    }

    /// Whether `weekday` is a working weekday.
    pub fn works_on(&self, weekday: Weekday) -> bool {
        self.working[weekday.num_days_from_monday() as usize]
    }

    /// Whether `date` falls on a working weekday, before holidays are considered.
    pub fn is_working_weekday(&self, date: NaiveDate) -> bool {
        self.works_on(date.weekday())
    }
}

impl Default for WorkWeek {
    fn default() -> Self {
        Self::monday_to_friday()
    }
}

/// One stretch of office time within a day, from `start` (inclusive) to `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OfficeSession {
    /// When the session opens.
    pub start: NaiveTime,
    /// When the session closes.
    pub end: NaiveTime,
}

impl OfficeSession {
    /// How much working time the session holds.
    pub fn length(&self) -> TimeDelta {
        self.end - self.start
    }
}

/// The hours of a working day that count as working time, in Vietnam's local time (UTC+7).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OfficeHours {
    /// Non-empty, sorted, non-overlapping.
    sessions: Vec<OfficeSession>,
}

impl OfficeHours {
    /// 07:30–11:30 and 13:00–17:00: eight working hours a day.
    pub fn civil_service() -> Self {
        let at = |hour, minute| NaiveTime::from_hms_opt(hour, minute, 0).expect("a valid time");
        Self {
            sessions: vec![
                OfficeSession {
                    start: at(7, 30),
                    end: at(11, 30),
                },
                OfficeSession {
                    start: at(13, 0),
                    end: at(17, 0),
                },
            ],
        }
    }

    /// Office hours made of the sessions `(start, end)`, in any order.
    pub fn new(
        sessions: impl IntoIterator<Item = (NaiveTime, NaiveTime)>,
    ) -> Result<Self, ScheduleError> {
        let mut sessions: Vec<OfficeSession> = sessions
            .into_iter()
            .map(|(start, end)| OfficeSession { start, end })
            .collect();
        if let Some(empty) = sessions.iter().find(|s| s.end <= s.start) {
            return Err(ScheduleError::EmptySession {
                start: empty.start,
                end: empty.end,
            });
        }
        sessions.sort_by_key(|session| session.start);
        if let Some(pair) = sessions.windows(2).find(|pair| pair[1].start < pair[0].end) {
            return Err(ScheduleError::OverlappingSessions {
                first_start: pair[0].start,
                first_end: pair[0].end,
                second_start: pair[1].start,
                second_end: pair[1].end,
            });
        }
        if sessions.is_empty() {
            return Err(ScheduleError::NoSession);
        }
        Ok(Self { sessions })
    }

    /// The sessions of a working day, in order.
    pub fn sessions(&self) -> &[OfficeSession] {
        &self.sessions
    }

    /// The working time in one full working day (eight hours for the civil service).
    pub fn working_day(&self) -> TimeDelta {
        self.sessions.iter().map(OfficeSession::length).sum()
    }
}

impl Default for OfficeHours {
    fn default() -> Self {
        Self::civil_service()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: u32, minute: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(hour, minute, 0).unwrap()
    }

    #[test]
    fn civil_service_day_is_eight_hours() {
        assert_eq!(
            OfficeHours::civil_service().working_day(),
            TimeDelta::hours(8)
        );
    }

    #[test]
    fn sessions_are_sorted_and_validated() {
        let hours = OfficeHours::new([(at(13, 0), at(17, 0)), (at(8, 0), at(12, 0))]).unwrap();
        assert_eq!(hours.sessions()[0].start, at(8, 0));
        assert_eq!(
            OfficeHours::new([(at(9, 0), at(9, 0))]),
            Err(ScheduleError::EmptySession {
                start: at(9, 0),
                end: at(9, 0)
            })
        );
        assert!(matches!(
            OfficeHours::new([(at(8, 0), at(12, 0)), (at(11, 0), at(14, 0))]),
            Err(ScheduleError::OverlappingSessions { .. })
        ));
        assert_eq!(OfficeHours::new([]), Err(ScheduleError::NoSession));
        // Touching sessions are allowed: they are one stretch of time.
        assert!(OfficeHours::new([(at(8, 0), at(12, 0)), (at(12, 0), at(16, 0))]).is_ok());
    }

    #[test]
    fn work_week_needs_a_working_day() {
        assert_eq!(WorkWeek::new([]), Err(ScheduleError::NoWorkingWeekday));
        let six_days = WorkWeek::new([
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
        ])
        .unwrap();
        assert!(six_days.works_on(Weekday::Sat));
        assert!(!six_days.works_on(Weekday::Sun));
        assert!(!WorkWeek::monday_to_friday().works_on(Weekday::Sat));
    }
}

//! Working days and working hours for Vietnamese public services: the lunar calendar, the public
//! holidays of the Labour Code, and deadline arithmetic in office time.
//!
//! The public-services capability promises answers "within 5 working days" and reports how
//! overdue a file is; this crate is the pure rule it relies on, with no I/O and no storage.
//!
//! - [`lunar`]: Vietnamese lunar calendar at UTC+7 (solar ↔ lunar, leap months, [`tet`]).
//! - [`holiday`]: Article 112 of the Labour Code 2019, compensatory days, names in Vietnamese and
//!   English, and the documented choices where the law leaves room.
//! - [`schedule`]: the work week and office hours (default Monday–Friday, 07:30–11:30 and
//!   13:00–17:00).
//! - [`calendar`]: [`WorkCalendar`], which adds the operator's extra days off and working days.
//! - [`working_time`]: `add_working_hours`, `add_working_days`, `working_time_between` on
//!   [`WorkCalendar`].
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use dinhdanh_calendar::WorkCalendar;
//!
//! let calendar = WorkCalendar::vietnam();
//! // Friday 13 February 2026, 16:00 in Hanoi (09:00 UTC), the last working day before Tết.
//! let submitted = Utc.with_ymd_and_hms(2026, 2, 13, 9, 0, 0).unwrap();
//! // One hour on Friday, then Tết (16–20 February) and a weekend, then seven hours on
//! // Monday 23 February: 07:30–11:30 and 13:00–16:00.
//! let deadline = calendar.add_working_hours(submitted, 8);
//! assert_eq!(deadline, Utc.with_ymd_and_hms(2026, 2, 23, 9, 0, 0).unwrap()); // 16:00 in Hanoi
//! ```
#![forbid(unsafe_code)]

pub mod calendar;
pub mod holiday;
pub mod lunar;
pub mod schedule;
pub mod vietnam;
pub mod working_time;

pub use calendar::{DayKind, WorkCalendar};
pub use holiday::{
    Holiday, HolidayKind, HolidayRules, NationalDayCompanion, Observance, hung_kings_day,
};
pub use lunar::{LunarDate, LunarDateError, leap_month, lunar_to_solar, solar_to_lunar, tet};
pub use schedule::{OfficeHours, OfficeSession, ScheduleError, WorkWeek};

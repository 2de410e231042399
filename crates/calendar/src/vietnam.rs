//! Vietnam time: UTC+7 all year, no daylight saving. Instants are Unix milliseconds, as the
//! platform stores them; dates and wall-clock times are Vietnam's.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};

const OFFSET_MS: i64 = 7 * 3_600_000;

/// The offset, for formatting instants in Vietnam time.
pub fn offset() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

/// The wall-clock time in Vietnam at `ms`.
pub fn local_time(ms: i64) -> NaiveDateTime {
    DateTime::from_timestamp_millis(ms.saturating_add(OFFSET_MS))
        .unwrap_or_default()
        .naive_utc()
}

/// The date in Vietnam at `ms`.
pub fn date(ms: i64) -> NaiveDate {
    local_time(ms).date()
}

/// The instant (Unix ms) of a wall-clock time in Vietnam.
pub fn instant(local: NaiveDateTime) -> i64 {
    local.and_utc().timestamp_millis() - OFFSET_MS
}

/// The instant (Unix ms) a day begins in Vietnam.
pub fn midnight(day: NaiveDate) -> i64 {
    instant(day.and_time(chrono::NaiveTime::MIN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnam_is_seven_hours_ahead_of_utc() {
        // 2026-12-01 17:30 UTC is 00:30 on 2 December in Vietnam.
        let ms = 1_796_146_200_000;
        let day = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(date(ms), day);
        assert_eq!(local_time(ms), day.and_hms_opt(0, 30, 0).unwrap());
        assert_eq!(instant(local_time(ms)), ms);
        assert_eq!(midnight(day), ms - 30 * 60_000);
        assert_eq!(
            DateTime::from_timestamp_millis(ms)
                .unwrap()
                .with_timezone(&offset())
                .to_rfc3339(),
            "2026-12-02T00:30:00+07:00"
        );
    }
}

//! The gateway's times: `yyyyMMddHHmmss` in Vietnam's time (GMT+7), to the second.
//!
//! Everything else in the platform counts Unix milliseconds; these two functions are the only
//! place the wire format is spelled.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};

const FORMAT: &str = "%Y%m%d%H%M%S";

fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("GMT+7 is a valid offset")
}

/// Unix milliseconds as the gateway writes them (the milliseconds are dropped).
pub fn format(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&vietnam())
        .format(FORMAT)
        .to_string()
}

/// A gateway time as Unix milliseconds, or `None` unless it is 14 digits naming a real moment.
pub fn parse(value: &str) -> Option<i64> {
    if value.len() != 14 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let naive = NaiveDateTime::parse_from_str(value, FORMAT).ok()?;
    let at = vietnam().from_local_datetime(&naive).single()?;
    Some(at.timestamp_millis())
}

/// The calendar day in Vietnam as `yyyyMMdd` (for receipt numbers).
pub fn day(ms: i64) -> String {
    format(ms)[..8].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmt7_both_ways() {
        // 2026-12-02T03:04:05Z is 10:04:05 in Hà Nội.
        let ms = 1_796_180_645_000;
        assert_eq!(format(ms), "20261202100405");
        assert_eq!(format(ms + 999), "20261202100405");
        assert_eq!(parse("20261202100405"), Some(ms));
        assert_eq!(day(ms), "20261202");
        // The day turns at 17:00 UTC.
        assert_eq!(day(1_796_144_399_000), "20261201");
        assert_eq!(day(1_796_144_400_000), "20261202");
    }

    #[test]
    fn only_real_times_parse() {
        for bad in [
            "",
            "2026120210040",
            "202612021004051",
            "20261302100405",
            "20261202250405",
            "2026-12-02T10:",
            "+0261202100405",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}

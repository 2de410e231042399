//! Codes: an agency's unit code (Circular 10/2016/TT-BTTTT) and the application code built on it
//! (Circular 01/2018/TT-VPCP Art 19): `<unit code>-YYMMDD-NNNN`, the date the application was
//! received and its number that day at that unit.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ServicesError;

/// An agency's unit code, `ddd.dd.dd.Ldd` (for example `000.00.12.H29`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnitCode(String);

impl UnitCode {
    /// Parses a unit code.
    pub fn parse(value: &str) -> Result<UnitCode, ServicesError> {
        let value = value.trim();
        let groups: Vec<&str> = value.split('.').collect();
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        let ok = groups.len() == 4
            && digits(groups[0], 3)
            && digits(groups[1], 2)
            && digits(groups[2], 2)
            && groups[3].len() == 3
            && groups[3].as_bytes()[0].is_ascii_uppercase()
            && digits(&groups[3][1..], 2);
        if ok {
            Ok(UnitCode(value.to_owned()))
        } else {
            Err(ServicesError::invalid(
                "unit",
                format!(
                    "{value:?} is not a unit code; it has the form 000.00.12.H29 (Circular 10/2016/TT-BTTTT)"
                ),
            ))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for UnitCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for UnitCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        UnitCode::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// An application's code: unit, day of receipt, number that day.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApplicationCode(String);

impl ApplicationCode {
    /// The code of the `number`th application (from 1) received by `unit` on `day` (Vietnam
    /// time). Numbers have at least four digits, more once a unit passes 9,999 in a day.
    pub fn new(unit: &UnitCode, day: NaiveDate, number: u32) -> ApplicationCode {
        ApplicationCode(format!("{unit}-{}-{number:04}", day.format("%y%m%d")))
    }

    /// Parses a code as a citizen types it (surrounding spaces ignored, letters in any case).
    pub fn parse(value: &str) -> Result<ApplicationCode, ServicesError> {
        let value = value.trim().to_ascii_uppercase();
        let bad = || {
            ServicesError::invalid(
                "code",
                format!(
                    "{value:?} is not an application code; it looks like 000.00.12.H29-261201-0001"
                ),
            )
        };
        let mut parts = value.splitn(3, '-');
        let (Some(unit), Some(day), Some(number)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        UnitCode::parse(unit).map_err(|_| bad())?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if day.len() != 6
            || !digits(day)
            || NaiveDate::parse_from_str(&format!("20{day}"), "%Y%m%d").is_err()
            || number.len() < 4
            || number.len() > 9
            || !digits(number)
        {
            return Err(bad());
        }
        Ok(ApplicationCode(value))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ApplicationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for ApplicationCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_codes() {
        for good in ["000.00.12.H29", "000.00.00.G10", "123.45.67.A01"] {
            assert_eq!(UnitCode::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "000.00.12.h29",
            "00.00.12.H29",
            "000.00.12.H2",
            "000-00-12-H29",
            "000.00.12.29A",
        ] {
            assert!(UnitCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn application_codes_follow_circular_01_2018() {
        let unit = UnitCode::parse("000.00.12.H29").unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let code = ApplicationCode::new(&unit, day, 7);
        assert_eq!(code.as_str(), "000.00.12.H29-261201-0007");
        assert_eq!(
            ApplicationCode::new(&unit, day, 12345).as_str(),
            "000.00.12.H29-261201-12345"
        );
        assert_eq!(
            ApplicationCode::parse(" 000.00.12.h29-261201-0007 ").unwrap(),
            code
        );
        for bad in [
            "000.00.12.H29-261301-0007",
            "000.00.12.H29-261201-007",
            "000.00.12.H29-2612010007",
            "H29-261201-0007",
            "000.00.12.H29-261201-00x7",
        ] {
            assert!(ApplicationCode::parse(bad).is_err(), "{bad}");
        }
    }
}

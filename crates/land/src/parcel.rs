//! A land parcel (thửa đất): where it is, how large, what it is used for, for how long, and
//! where the right to use it came from.
//!
//! A parcel is identified by its [`ParcelKey`]: the commune-level unit whose cadastral map shows
//! it, the map sheet (số tờ bản đồ) and the parcel number on that sheet (số thửa). Areas are kept
//! exactly, in hundredths of a square metre: sums of purposes must equal the parcel's area to
//! the last digit, which floating point cannot promise.

use std::fmt;

use chrono::NaiveDate;
use dinhdanh_domain::Province;
use serde::{Serialize, Serializer};

use crate::error::ValueError;
use crate::origin::UseOrigin;
use crate::place::{CommuneName, DistrictName, Locality};
use crate::purpose::LandUseCode;
use crate::text::{items, whole_number};

/// Largest map sheet number accepted (a sanity bound, not a legal limit).
pub const MAX_MAP_SHEET: u32 = 99_999;
/// Largest parcel number accepted (a sanity bound, not a legal limit).
pub const MAX_PARCEL_NUMBER: u32 = 9_999_999;
/// Largest parcel area accepted, in m² (1,000 km²; a sanity bound, not a legal limit).
pub const MAX_AREA_M2: u64 = 1_000_000_000;
/// Most purposes one parcel may list.
pub const MAX_PURPOSES: usize = 10;

/// A map sheet number (số tờ bản đồ) of a commune's cadastral map, from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct MapSheet(u32);

impl MapSheet {
    /// Reads a sheet number, 1 to [`MAX_MAP_SHEET`].
    pub fn parse(input: &str) -> Result<MapSheet, ValueError> {
        whole_number(input, 1, MAX_MAP_SHEET).map(MapSheet)
    }

    /// The number.
    pub fn get(&self) -> u32 {
        self.0
    }
}

/// A parcel number (số thửa) on one map sheet, from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ParcelNumber(u32);

impl ParcelNumber {
    /// Reads a parcel number, 1 to [`MAX_PARCEL_NUMBER`].
    pub fn parse(input: &str) -> Result<ParcelNumber, ValueError> {
        whole_number(input, 1, MAX_PARCEL_NUMBER).map(ParcelNumber)
    }

    /// The number.
    pub fn get(&self) -> u32 {
        self.0
    }
}

/// What identifies a parcel: its commune-level unit, map sheet and number on the sheet.
///
/// Its text form, used in files and URLs, is `province/[district/]commune/sheet/parcel` with the
/// province as three digits: `001/Quận Hoàn Kiếm/Phường Hàng Bạc/12/345` for a record of the
/// three-level administration, `001/Phường Hoàn Kiếm/12/345` for one of the two-level
/// administration (see [`crate::place`]). Keys order by province, then district (records
/// without one first, then by kind and name), commune, map sheet and parcel number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParcelKey {
    /// The commune-level unit whose cadastral map shows the parcel.
    pub locality: Locality,
    /// The map sheet.
    pub map_sheet: MapSheet,
    /// The parcel number on the sheet.
    pub number: ParcelNumber,
}

impl ParcelKey {
    /// Reads the text form described on [`ParcelKey`].
    pub fn parse(input: &str) -> Result<ParcelKey, ValueError> {
        let parts: Vec<&str> = input.trim().split('/').map(str::trim).collect();
        let (province, district, commune, sheet, number) = match parts.as_slice() {
            [p, c, s, n] => (p, None, c, s, n),
            [p, d, c, s, n] => (p, Some(d), c, s, n),
            _ => {
                return Err(ValueError::ParcelKeySyntax {
                    value: input.trim().to_owned(),
                });
            }
        };
        let district = district.map(|d| DistrictName::parse(d)).transpose()?;
        let locality = Locality::new(
            Province::parse(province)?,
            district,
            CommuneName::parse(commune)?,
        )?;
        Ok(ParcelKey {
            locality,
            map_sheet: MapSheet::parse(sheet)?,
            number: ParcelNumber::parse(number)?,
        })
    }
}

impl fmt::Display for ParcelKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/", self.locality.province().code_str())?;
        if let Some(d) = self.locality.district() {
            write!(f, "{d}/")?;
        }
        write!(
            f,
            "{}/{}/{}",
            self.locality.commune(),
            self.map_sheet.0,
            self.number.0
        )
    }
}

impl Serialize for ParcelKey {
    /// The text form plus its parts, so that API clients need not parse the key.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("ParcelKey", 6)?;
        s.serialize_field("key", &self.to_string())?;
        s.serialize_field("province", &self.locality.province())?;
        s.serialize_field(
            "district",
            &self.locality.district().map(ToString::to_string),
        )?;
        s.serialize_field("commune", &self.locality.commune().to_string())?;
        s.serialize_field("map_sheet", &self.map_sheet)?;
        s.serialize_field("parcel_number", &self.number)?;
        s.end()
    }
}

/// An exact area, held in hundredths of a square metre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Area(u64);

impl Area {
    /// The area of this many hundredths of a square metre.
    pub fn from_centi_m2(centi: u64) -> Area {
        Area(centi)
    }

    /// The area in hundredths of a square metre.
    pub fn centi_m2(&self) -> u64 {
        self.0
    }

    /// Reads square metres with at most two decimals, a dot as decimal point: "125", "125.5".
    pub fn parse(input: &str) -> Result<Area, ValueError> {
        let value = input.trim();
        if value.is_empty() {
            return Err(ValueError::Required);
        }
        if value.contains(',') {
            return Err(ValueError::AreaComma {
                value: value.to_owned(),
            });
        }
        let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) || value.ends_with('.') {
            return Err(ValueError::AreaSyntax {
                value: value.to_owned(),
            });
        }
        if fraction.len() > 2 {
            return Err(ValueError::AreaTooPrecise {
                value: value.to_owned(),
            });
        }
        let too_large = || ValueError::AreaTooLarge {
            value: value.to_owned(),
            max_m2: MAX_AREA_M2,
        };
        let metres: u64 = whole.parse().map_err(|_| too_large())?;
        let hundredths: u64 = format!("{fraction:0<2}").parse().unwrap_or(0);
        if metres > MAX_AREA_M2 || (metres == MAX_AREA_M2 && hundredths > 0) {
            return Err(too_large());
        }
        match metres * 100 + hundredths {
            0 => Err(ValueError::AreaZero),
            centi => Ok(Area(centi)),
        }
    }

    /// The sum, or `None` past `u64` (far beyond any real total).
    pub fn checked_add(self, other: Area) -> Option<Area> {
        self.0.checked_add(other.0).map(Area)
    }
}

impl fmt::Display for Area {
    /// Square metres without trailing zeros: "125", "125.5", "125.05".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (m2, centi) = (self.0 / 100, self.0 % 100);
        match centi {
            0 => write!(f, "{m2}"),
            c if c % 10 == 0 => write!(f, "{m2}.{}", c / 10),
            c => write!(f, "{m2}.{c:02}"),
        }
    }
}

impl Serialize for Area {
    /// As a decimal string of m², so that no JSON reader turns it into a float.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// How long a purpose may be used (thời hạn sử dụng).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UseTerm {
    /// Sử dụng ổn định lâu dài: long-term stable use, no end date.
    LongTerm,
    /// Sử dụng đến ngày …: until the end of this day.
    Until(NaiveDate),
}

impl UseTerm {
    /// Reads "long" (or "lâu dài") or an end date `YYYY-MM-DD`.
    pub fn parse(input: &str) -> Result<UseTerm, ValueError> {
        let value = input.trim();
        match value.to_lowercase().as_str() {
            "" => Err(ValueError::Required),
            "long" | "lâu dài" => Ok(UseTerm::LongTerm),
            _ => crate::text::date(value).map(UseTerm::Until),
        }
    }
}

impl fmt::Display for UseTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UseTerm::LongTerm => f.write_str("long"),
            UseTerm::Until(d) => write!(f, "{d}"),
        }
    }
}

impl Serialize for UseTerm {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// One purpose of a parcel with the area used for it and its term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct PurposeArea {
    /// The purpose.
    pub code: LandUseCode,
    /// The area used for it.
    pub area: Area,
    /// How long it may be used.
    pub term: UseTerm,
}

impl fmt::Display for PurposeArea {
    /// The import layout's form, `CODE:AREA:TERM`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.code, self.area, self.term)
    }
}

/// The purposes of one parcel: at least one, each code once, residential land long-term.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Purposes(Vec<PurposeArea>);

impl Purposes {
    /// Checks the rules above.
    pub fn new(purposes: Vec<PurposeArea>) -> Result<Purposes, ValueError> {
        if purposes.is_empty() {
            return Err(ValueError::Empty);
        }
        if purposes.len() > MAX_PURPOSES {
            return Err(ValueError::TooMany {
                count: purposes.len(),
                max: MAX_PURPOSES,
            });
        }
        for (i, p) in purposes.iter().enumerate() {
            if purposes[..i].iter().any(|q| q.code == p.code) {
                return Err(ValueError::DuplicatePurpose {
                    code: p.code.code(),
                });
            }
            if p.code.is_residential() && p.term != UseTerm::LongTerm {
                return Err(ValueError::ResidentialTerm {
                    code: p.code.code(),
                });
            }
        }
        Ok(Purposes(purposes))
    }

    /// Reads `CODE:AREA:TERM` items separated by `;`, e.g. `ONT:100:long; CLN:150.5:2063-10-15`.
    pub fn parse(input: &str) -> Result<Purposes, ValueError> {
        let mut out = Vec::new();
        for item in items(input) {
            let syntax = || ValueError::PurposeSyntax {
                item: item.to_owned(),
            };
            let mut parts = item.splitn(3, ':');
            let (Some(code), Some(area), Some(term)) = (parts.next(), parts.next(), parts.next())
            else {
                return Err(syntax());
            };
            out.push(PurposeArea {
                code: LandUseCode::parse(code)?,
                area: Area::parse(area)?,
                term: UseTerm::parse(term)?,
            });
        }
        Purposes::new(out)
    }

    /// The purposes in the order given.
    pub fn as_slice(&self) -> &[PurposeArea] {
        &self.0
    }

    /// Their total area.
    pub fn total(&self) -> Area {
        // At most MAX_PURPOSES areas of at most MAX_AREA_M2 each: no overflow.
        Area(self.0.iter().map(|p| p.area.0).sum())
    }
}

impl fmt::Display for Purposes {
    /// The import layout's form: items joined by `;`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// Longest street address accepted, in characters.
pub const MAX_ADDRESS_CHARS: usize = 200;

/// A land parcel as the land database holds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Parcel {
    /// Where it is and how it is numbered.
    pub key: ParcelKey,
    /// House number and street, or hamlet, when the record has one.
    pub street_address: Option<String>,
    /// What it is used for, how much of it, and for how long.
    pub purposes: Purposes,
    /// Where the right to use it came from.
    pub origin: UseOrigin,
}

impl Parcel {
    /// The parcel's area: the sum of its purposes' areas (the import checks it against the
    /// stated area, so the two cannot disagree).
    pub fn area(&self) -> Area {
        self.purposes.total()
    }
}

impl Serialize for Parcel {
    /// The fields, with the area the purposes add up to.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Parcel", 5)?;
        s.serialize_field("key", &self.key)?;
        s.serialize_field("street_address", &self.street_address)?;
        s.serialize_field("area_m2", &self.area())?;
        s.serialize_field("purposes", &self.purposes)?;
        s.serialize_field("origin", &self.origin)?;
        s.end()
    }
}

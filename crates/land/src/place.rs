//! Where a parcel lies: its province, the district of records made before the 2025 reform, and
//! the commune-level unit whose cadastral map numbers it.
//!
//! # Two administrations in one database
//! Until 30 June 2025 local administration had three levels: province, district (quận, huyện,
//! thị xã, thành phố) and commune (xã, phường, thị trấn — "communes, wards or townships", Land
//! Law 2013 Art. 3(4), vietanlaw.com/vietnam-land-law-2013). From 1 July 2025 it has two: the
//! district level was abolished, 63 provinces became 34 by merging whole provinces, and the
//! commune level consists of xã, phường and đặc khu (special zones) — Resolution 202/2025/QH15
//! (vietnam.vnanet.vn, 30 June 2025); vietnamnews.vn/politics-laws/1720781 (4 July 2025);
//! thongtin.vietnam.vn/en/so-luong-don-vi-hanh-chinh-cap-tinh-sau-sap-nhap (13 April 2025);
//! 3,321 commune-level units in March 2026 (vir.com.vn/ministry-no-further-merger-of-government-units-147883.html).
//!
//! A cadastral map is made for each commune-level unit (Land Law 2024 Art. 3(1),
//! dazpro.com/law-31-2024-vietnam-on-land), so a parcel is identified by its commune, map sheet
//! and parcel number. Certificates issued before the reform name the district and a commune
//! that may since have been merged; the land database keeps every record as it was made rather
//! than rewriting it, because the certificate in the holder's hands says so. Hence:
//!
//! - [`Locality::district`] is `Some` for a record made under the three-level administration and
//!   `None` under the two-level one; the two are different keys even for the same ground, exactly
//!   as the two records are different documents;
//! - a thị trấn only exists inside a district and an đặc khu only without one, so
//!   [`Locality::new`] refuses the combinations that no record of either era can have;
//! - the province is a [`Province`] of `dinhdanh_domain`, which holds the 63 provinces of
//!   Circular 07/2016/TT-BCA and not yet the 34 of 2025. Because the mergers joined whole
//!   provinces, a two-level record is filed under the former province whose territory holds the
//!   parcel, and mapping it to the merged province is a pure function once the domain table
//!   knows the new units.

use std::fmt;

use dinhdanh_domain::Province;
use serde::Serialize;

use crate::error::ValueError;
use crate::text::name_text;

/// Longest district or commune name accepted (kind included), in characters.
pub const MAX_UNIT_NAME_CHARS: usize = 100;

/// The kind of a district-level unit of the three-level administration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum DistrictKind {
    /// Quận: an urban district of a centrally-run city.
    UrbanDistrict,
    /// Huyện: a rural district.
    RuralDistrict,
    /// Thị xã: a district-level town.
    Town,
    /// Thành phố: a city under a province or under a centrally-run city.
    City,
}

impl DistrictKind {
    const ALL: [DistrictKind; 4] = [
        DistrictKind::UrbanDistrict,
        DistrictKind::RuralDistrict,
        DistrictKind::Town,
        DistrictKind::City,
    ];

    /// The kind as written before a name, lower case: "quận", "huyện", "thị xã", "thành phố".
    pub fn word(&self) -> &'static str {
        match self {
            DistrictKind::UrbanDistrict => "quận",
            DistrictKind::RuralDistrict => "huyện",
            DistrictKind::Town => "thị xã",
            DistrictKind::City => "thành phố",
        }
    }
}

/// The kind of a commune-level unit, of either administration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum CommuneKind {
    /// Xã: a rural commune (both administrations).
    Commune,
    /// Phường: an urban ward (both administrations).
    Ward,
    /// Thị trấn: a township, the seat of a rural district (three-level administration only).
    Township,
    /// Đặc khu: a special zone, such as an island (two-level administration only).
    SpecialZone,
}

impl CommuneKind {
    const ALL: [CommuneKind; 4] = [
        CommuneKind::Commune,
        CommuneKind::Ward,
        CommuneKind::Township,
        CommuneKind::SpecialZone,
    ];

    /// The kind as written before a name, lower case: "xã", "phường", "thị trấn", "đặc khu".
    pub fn word(&self) -> &'static str {
        match self {
            CommuneKind::Commune => "xã",
            CommuneKind::Ward => "phường",
            CommuneKind::Township => "thị trấn",
            CommuneKind::SpecialZone => "đặc khu",
        }
    }
}

/// Splits `"Kind Name"` into the kind whose word starts the text (case-insensitively) and the
/// name after it, keeping the name's own spelling.
fn split_kind<K: Copy>(
    text: &str,
    kinds: &[K],
    word: impl Fn(&K) -> &'static str,
) -> Option<(K, String)> {
    let lower = text.to_lowercase();
    // Longest word first, so "thị xã" is not read as a kind "thị" (none exists, but be exact).
    let mut sorted: Vec<&K> = kinds.iter().collect();
    sorted.sort_by_key(|k| std::cmp::Reverse(word(k).chars().count()));
    sorted.into_iter().find_map(|kind| {
        let w = word(kind);
        let rest = lower.strip_prefix(w)?;
        if !(rest.is_empty() || rest.starts_with(' ')) {
            return None;
        }
        let name: String = text.chars().skip(w.chars().count()).collect();
        Some((*kind, name.trim().to_owned()))
    })
}

/// Capitalises the first letter of a kind word for display ("phường" → "Phường").
fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A district of the three-level administration, e.g. "Quận Hoàn Kiếm" or "Huyện Gia Lâm".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DistrictName {
    kind: DistrictKind,
    name: String,
}

impl DistrictName {
    /// Reads "kind name", the kind written in full in any case: "quận 1", "Thị xã Sơn Tây".
    pub fn parse(input: &str) -> Result<DistrictName, ValueError> {
        let text = name_text(input, MAX_UNIT_NAME_CHARS)?;
        let (kind, name) = split_kind(&text, &DistrictKind::ALL, DistrictKind::word).ok_or(
            ValueError::DistrictKind {
                found: text.clone(),
            },
        )?;
        if name.is_empty() {
            return Err(ValueError::NameMissing { kind: kind.word() });
        }
        Ok(DistrictName { kind, name })
    }

    /// The kind of district.
    pub fn kind(&self) -> DistrictKind {
        self.kind
    }

    /// The name without its kind, e.g. "Hoàn Kiếm" or "1".
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for DistrictName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", capitalised(self.kind.word()), self.name)
    }
}

/// A commune-level unit, e.g. "Phường Hàng Bạc", "Xã Yên Sở" or "Đặc khu Phú Quốc".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommuneName {
    kind: CommuneKind,
    name: String,
}

impl CommuneName {
    /// Reads "kind name", the kind written in full in any case: "phường Bến Nghé", "Xã Yên Sở".
    pub fn parse(input: &str) -> Result<CommuneName, ValueError> {
        let text = name_text(input, MAX_UNIT_NAME_CHARS)?;
        let (kind, name) = split_kind(&text, &CommuneKind::ALL, CommuneKind::word).ok_or(
            ValueError::CommuneKind {
                found: text.clone(),
            },
        )?;
        if name.is_empty() {
            return Err(ValueError::NameMissing { kind: kind.word() });
        }
        Ok(CommuneName { kind, name })
    }

    /// The kind of unit.
    pub fn kind(&self) -> CommuneKind {
        self.kind
    }

    /// The name without its kind, e.g. "Hàng Bạc".
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for CommuneName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", capitalised(self.kind.word()), self.name)
    }
}

/// The commune-level unit a cadastral map is made for, with the units above it as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Locality {
    province: Province,
    district: Option<DistrictName>,
    commune: CommuneName,
}

impl Locality {
    /// A locality of the three-level administration (`district` given) or of the two-level one
    /// (`None`); refuses a thị trấn without a district and an đặc khu with one.
    pub fn new(
        province: Province,
        district: Option<DistrictName>,
        commune: CommuneName,
    ) -> Result<Locality, ValueError> {
        match (commune.kind, &district) {
            (CommuneKind::Township, None) => Err(ValueError::TownshipWithoutDistrict),
            (CommuneKind::SpecialZone, Some(_)) => Err(ValueError::SpecialZoneWithDistrict),
            _ => Ok(Locality {
                province,
                district,
                commune,
            }),
        }
    }

    /// The province (63-province code, see the module documentation).
    pub fn province(&self) -> Province {
        self.province
    }

    /// The district, for a record made under the three-level administration.
    pub fn district(&self) -> Option<&DistrictName> {
        self.district.as_ref()
    }

    /// The commune, ward, township or special zone.
    pub fn commune(&self) -> &CommuneName {
        &self.commune
    }

    /// Whether the record was made under the two-level administration (no district).
    pub fn is_two_level(&self) -> bool {
        self.district.is_none()
    }
}

impl fmt::Display for Locality {
    /// As in an address: "Phường Hàng Bạc, Quận Hoàn Kiếm, Hà Nội".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.commune)?;
        if let Some(d) = &self.district {
            write!(f, ", {d}")?;
        }
        write!(f, ", {}", self.province.name())
    }
}

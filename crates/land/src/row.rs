//! The flat, all-text form of parcels and certificates: one CSV row each.
//!
//! Everything from outside enters as a [`ParcelRow`] or [`CertificateRow`] and becomes a
//! [`Parcel`] or [`Certificate`] through `parse`, which checks every column and reports each
//! problem by column name. The generator writes the same rows, so demo files and real files take
//! one road into the database.
//!
//! # CSV layout
//! A header row names the columns, in any order; optional columns may be left out.
//!
//! `parcels.csv`:
//!
//! | column | required | content |
//! | --- | --- | --- |
//! | `province` | yes | three-digit province code of Circular 07/2016/TT-BCA, e.g. `001` |
//! | `district` | no | district with its kind, e.g. `Quận Hoàn Kiếm`; empty for records of the two-level administration (from 1 July 2025) |
//! | `commune` | yes | commune-level unit with its kind, e.g. `Phường Hàng Bạc`, `Xã Yên Sở`, `Đặc khu Phú Quốc` |
//! | `map_sheet` | yes | map sheet number (số tờ bản đồ), from 1 |
//! | `parcel_number` | yes | parcel number on the sheet (số thửa), from 1 |
//! | `street_address` | no | house number and street, or hamlet |
//! | `area_m2` | yes | area in m², dot decimal, at most two decimals: `250`, `250.5` |
//! | `purposes` | yes | `CODE:AREA:TERM` items joined by `;`, TERM `long` or an end date: `ONT:100:long;CLN:150.5:2063-10-15`; the areas must add up to `area_m2` |
//! | `origin` | yes | State grant: `DG-CTT`, `DG-KTT`, `DT-THN`, `DT-TML`, `CNQ-CTT` or `CNQ-KTT` |
//! | `acquired_by` | no | `transfer`, `exchange`, `inheritance`, `gift`, `capital_contribution`, `auction` or `judgment` |
//!
//! `certificates.csv` (import after the parcels it names):
//!
//! | column | required | content |
//! | --- | --- | --- |
//! | `serial` | yes | serial number (số phát hành): `AA 01234567`, or `CM 264931` on earlier forms |
//! | `registry_book_number` | yes | số vào sổ cấp GCN, e.g. `CH 00120` |
//! | `issued_on` | yes | `YYYY-MM-DD` |
//! | `issued_by` | yes | issuing authority as written on the certificate |
//! | `parcels` | yes | parcel keys joined by `;`, e.g. `001/Quận Hoàn Kiếm/Phường Hàng Bạc/12/345` (see [`crate::ParcelKey`]) |
//! | `holders` | yes | `person:<personal ID>` or `organization:<tax code>`, each optionally `@share` (`@1/2`), joined by `;` |
//! | `status` | no | `valid` (default), `superseded` or `revoked` |
//! | `superseded_by` | no | serial of the replacing certificate, only with `superseded` |

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::certificate::{
    Certificate, CertificateSerial, CertificateStatus, CoveredParcels, Holders, RegistryBookNumber,
};
use crate::error::{FieldError, ValueError};
use crate::origin::{Acquisition, StateGrant, UseOrigin};
use crate::parcel::{Area, MAX_ADDRESS_CHARS, MapSheet, Parcel, ParcelKey, ParcelNumber, Purposes};
use crate::place::{CommuneName, DistrictName, Locality};
use crate::text::{date, optional_text, required_text};

/// Parcel columns, in the order the generator writes them.
pub const PARCEL_FIELDS: [&str; 10] = [
    "province",
    "district",
    "commune",
    "map_sheet",
    "parcel_number",
    "street_address",
    "area_m2",
    "purposes",
    "origin",
    "acquired_by",
];

/// Parcel columns a file must have.
pub const PARCEL_REQUIRED: [&str; 7] = [
    "province",
    "commune",
    "map_sheet",
    "parcel_number",
    "area_m2",
    "purposes",
    "origin",
];

/// Certificate columns, in the order the generator writes them.
pub const CERTIFICATE_FIELDS: [&str; 8] = [
    "serial",
    "registry_book_number",
    "issued_on",
    "issued_by",
    "parcels",
    "holders",
    "status",
    "superseded_by",
];

/// Certificate columns a file must have.
pub const CERTIFICATE_REQUIRED: [&str; 6] = [
    "serial",
    "registry_book_number",
    "issued_on",
    "issued_by",
    "parcels",
    "holders",
];

/// Longest issuing authority accepted, in characters.
pub const MAX_AUTHORITY_CHARS: usize = 200;
/// Earliest issue date accepted (a sanity bound, not a legal limit).
pub const EARLIEST_ISSUE: NaiveDate = NaiveDate::from_ymd_opt(1975, 1, 1).unwrap();

/// JSON `null` reads as an absent (empty) field.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// A parcel as text; empty strings mean "absent".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[allow(missing_docs)]
pub struct ParcelRow {
    #[serde(deserialize_with = "text")]
    pub province: String,
    #[serde(deserialize_with = "text")]
    pub district: String,
    #[serde(deserialize_with = "text")]
    pub commune: String,
    #[serde(deserialize_with = "text")]
    pub map_sheet: String,
    #[serde(deserialize_with = "text")]
    pub parcel_number: String,
    #[serde(deserialize_with = "text")]
    pub street_address: String,
    #[serde(deserialize_with = "text")]
    pub area_m2: String,
    #[serde(deserialize_with = "text")]
    pub purposes: String,
    #[serde(deserialize_with = "text")]
    pub origin: String,
    #[serde(deserialize_with = "text")]
    pub acquired_by: String,
}

/// Collects field errors while a row is parsed, keeping the parsed values that succeeded.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn check<T>(&mut self, field: &'static str, result: Result<T, ValueError>) -> Option<T> {
        result
            .map_err(|error| self.0.push(FieldError { field, error }))
            .ok()
    }
}

impl ParcelRow {
    /// Sets a column by name; `None` when no such column exists.
    pub fn set(&mut self, field: &str, value: &str) -> Option<()> {
        let slot = match field {
            "province" => &mut self.province,
            "district" => &mut self.district,
            "commune" => &mut self.commune,
            "map_sheet" => &mut self.map_sheet,
            "parcel_number" => &mut self.parcel_number,
            "street_address" => &mut self.street_address,
            "area_m2" => &mut self.area_m2,
            "purposes" => &mut self.purposes,
            "origin" => &mut self.origin,
            "acquired_by" => &mut self.acquired_by,
            _ => return None,
        };
        *slot = value.to_owned();
        Some(())
    }

    /// Checks every column and builds the typed parcel, or lists every problem found.
    pub fn parse(&self) -> Result<Parcel, Vec<FieldError>> {
        let mut e = Errors::default();
        let province = e.check(
            "province",
            dinhdanh_domain::Province::parse(&self.province).map_err(Into::into),
        );
        let district = if self.district.trim().is_empty() {
            Some(None)
        } else {
            e.check("district", DistrictName::parse(&self.district))
                .map(Some)
        };
        let commune = e.check("commune", CommuneName::parse(&self.commune));
        let locality = match (province, district, commune) {
            (Some(p), Some(d), Some(c)) => {
                // The commune's kind is what contradicts the presence or absence of a district.
                e.check("commune", Locality::new(p, d, c))
            }
            _ => None,
        };
        let map_sheet = e.check("map_sheet", MapSheet::parse(&self.map_sheet));
        let number = e.check("parcel_number", ParcelNumber::parse(&self.parcel_number));
        let street_address = e
            .check(
                "street_address",
                optional_text(&self.street_address, MAX_ADDRESS_CHARS),
            )
            .flatten();
        let area = e.check("area_m2", Area::parse(&self.area_m2));
        let purposes = e.check("purposes", Purposes::parse(&self.purposes));
        if let (Some(area), Some(purposes)) = (area, &purposes)
            && purposes.total() != area
        {
            e.0.push(FieldError {
                field: "purposes",
                error: ValueError::PurposeAreaMismatch {
                    sum: purposes.total().to_string(),
                    area: area.to_string(),
                },
            });
        }
        let grant = e.check("origin", StateGrant::parse(&self.origin));
        let acquired_by = e.check(
            "acquired_by",
            Acquisition::parse_optional(&self.acquired_by),
        );
        match (locality, map_sheet, number, purposes, grant, acquired_by) {
            (
                Some(locality),
                Some(map_sheet),
                Some(number),
                Some(purposes),
                Some(grant),
                Some(acquired_by),
            ) if e.0.is_empty() => Ok(Parcel {
                key: ParcelKey {
                    locality,
                    map_sheet,
                    number,
                },
                street_address,
                purposes,
                origin: UseOrigin { grant, acquired_by },
            }),
            _ => Err(e.0),
        }
    }
}

impl From<&Parcel> for ParcelRow {
    fn from(p: &Parcel) -> Self {
        let locality = &p.key.locality;
        ParcelRow {
            province: locality.province().code_str(),
            district: locality
                .district()
                .map(ToString::to_string)
                .unwrap_or_default(),
            commune: locality.commune().to_string(),
            map_sheet: p.key.map_sheet.get().to_string(),
            parcel_number: p.key.number.get().to_string(),
            street_address: p.street_address.clone().unwrap_or_default(),
            area_m2: p.area().to_string(),
            purposes: p.purposes.to_string(),
            origin: p.origin.grant.code().to_owned(),
            acquired_by: p
                .origin
                .acquired_by
                .map(|a| a.code().to_owned())
                .unwrap_or_default(),
        }
    }
}

/// A certificate as text; empty strings mean "absent".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[allow(missing_docs)]
pub struct CertificateRow {
    #[serde(deserialize_with = "text")]
    pub serial: String,
    #[serde(deserialize_with = "text")]
    pub registry_book_number: String,
    #[serde(deserialize_with = "text")]
    pub issued_on: String,
    #[serde(deserialize_with = "text")]
    pub issued_by: String,
    #[serde(deserialize_with = "text")]
    pub parcels: String,
    #[serde(deserialize_with = "text")]
    pub holders: String,
    #[serde(deserialize_with = "text")]
    pub status: String,
    #[serde(deserialize_with = "text")]
    pub superseded_by: String,
}

impl CertificateRow {
    /// Sets a column by name; `None` when no such column exists.
    pub fn set(&mut self, field: &str, value: &str) -> Option<()> {
        let slot = match field {
            "serial" => &mut self.serial,
            "registry_book_number" => &mut self.registry_book_number,
            "issued_on" => &mut self.issued_on,
            "issued_by" => &mut self.issued_by,
            "parcels" => &mut self.parcels,
            "holders" => &mut self.holders,
            "status" => &mut self.status,
            "superseded_by" => &mut self.superseded_by,
            _ => return None,
        };
        *slot = value.to_owned();
        Some(())
    }

    /// Checks every column and builds the typed certificate, or lists every problem found.
    ///
    /// `today` bounds the issue date, so tests and imports are deterministic.
    pub fn parse(&self, today: NaiveDate) -> Result<Certificate, Vec<FieldError>> {
        let mut e = Errors::default();
        let serial = e.check("serial", CertificateSerial::parse(&self.serial));
        let registry_book_number = e.check(
            "registry_book_number",
            RegistryBookNumber::parse(&self.registry_book_number),
        );
        let issued_on = e.check(
            "issued_on",
            date(&self.issued_on).and_then(|d| {
                if d > today {
                    Err(ValueError::DateInFuture { date: d })
                } else if d < EARLIEST_ISSUE {
                    Err(ValueError::DateTooEarly {
                        date: d,
                        earliest: EARLIEST_ISSUE,
                    })
                } else {
                    Ok(d)
                }
            }),
        );
        let issued_by = e.check(
            "issued_by",
            required_text(&self.issued_by, MAX_AUTHORITY_CHARS),
        );
        let parcels = e.check("parcels", CoveredParcels::parse(&self.parcels));
        let holders = e.check("holders", Holders::parse(&self.holders));
        let status =
            CertificateStatus::parse(&self.status, &self.superseded_by).and_then(|s| match &s {
                CertificateStatus::Superseded { by: Some(by) } if Some(by) == serial.as_ref() => {
                    Err(ValueError::SupersededBySelf)
                }
                _ => Ok(s),
            });
        // An unknown status is the status column's problem; the rest concern the replacement.
        let field = match &status {
            Err(ValueError::UnknownStatus { .. }) => "status",
            _ => "superseded_by",
        };
        let status = e.check(field, status);
        match (
            serial,
            registry_book_number,
            issued_on,
            issued_by,
            parcels,
            holders,
            status,
        ) {
            (
                Some(serial),
                Some(registry_book_number),
                Some(issued_on),
                Some(issued_by),
                Some(parcels),
                Some(holders),
                Some(status),
            ) if e.0.is_empty() => Ok(Certificate {
                serial,
                registry_book_number,
                issued_on,
                issued_by,
                parcels,
                holders,
                status,
            }),
            _ => Err(e.0),
        }
    }
}

impl From<&Certificate> for CertificateRow {
    fn from(c: &Certificate) -> Self {
        let superseded_by = match &c.status {
            CertificateStatus::Superseded { by: Some(by) } => by.to_string(),
            _ => String::new(),
        };
        CertificateRow {
            serial: c.serial.to_string(),
            registry_book_number: c.registry_book_number.to_string(),
            issued_on: c.issued_on.to_string(),
            issued_by: c.issued_by.clone(),
            parcels: c.parcels.to_string(),
            holders: c.holders.to_string(),
            status: c.status.code().to_owned(),
            superseded_by,
        }
    }
}

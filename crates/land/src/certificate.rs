//! The land-use-right certificate (Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn
//! liền với đất; "sổ đỏ", "sổ hồng"): which parcels it covers, who holds the right, and whether
//! it is still the certificate in force.
//!
//! Facts used here, with their sources:
//! - The form of Circular 10/2024/TT-BTNMT (in force 1 August 2024) carries a serial number
//!   (số phát hành, "số seri") of two Vietnamese letters and eight digits, and a registry-book
//!   number (số vào sổ cấp Giấy chứng nhận) (vietjack.me/phap-luat/thong-tu-10-2024-tt-btnmt/chuong-ii-13884.html;
//!   legalzone.vn/thong-tu-10-2024-tt-btnmt-cap-nhat-quy-dinh-giay-chung-nhan-quyen-su-dung-dat-tu-1-8-2024).
//!   Blank forms of Circular 23/2014/TT-BTNMT could still be used until 31 December 2024 (a
//!   legal-news summary of Circular 10/2024; not checked against the official text). Serials on
//!   those earlier forms are two letters and six digits, as on issued certificates ("CM 264931",
//!   "CK 096662"). Registry-book numbers on issued certificates are free-form: "CH 00120",
//!   "CS23305/DA", "00123"; no rule for their shape was found, so only their characters are
//!   checked.
//! - A certificate is issued per parcel; several agricultural parcels of one user in the same
//!   commune may share one certificate; co-users of one parcel each get a certificate, or on
//!   request one certificate handed to a representative (Land Law 2024 Art. 135(1)–(2)); the
//!   certificate for spouses' common property carries both names (the same article's notes, as
//!   quoted in ja.laodong.vn/bat-dong-san/mot-manh-dat-co-the-duoc-cap-nhieu-so-do-1625268.ldo). So a
//!   parcel may appear on several certificates, and a certificate may have several holders.
//! - Land Law 2024 no longer makes a household a land user; certificates issued to households
//!   stay valid (ata-legal.com/overview-of-the-law-on-land-2024-…). A household certificate is
//!   loaded with the members who share the right as its holders.

use std::fmt;

use chrono::NaiveDate;
use dinhdanh_domain::{PersonalId, TaxCode};
use serde::{Serialize, Serializer};

use crate::error::ValueError;
use crate::parcel::ParcelKey;
use crate::text::items;

/// Most holders one certificate may list (a sanity bound, not a legal limit).
pub const MAX_HOLDERS: usize = 50;
/// Most parcels one certificate may cover (a sanity bound, not a legal limit).
pub const MAX_PARCELS: usize = 100;
/// Largest denominator of a share.
pub const MAX_SHARE_DENOMINATOR: u32 = 10_000;
/// Longest registry-book number accepted, in characters.
pub const MAX_REGISTRY_BOOK_CHARS: usize = 30;

/// Which certificate form a serial belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CertificateForm {
    /// The form of Circular 10/2024/TT-BTNMT: two letters, eight digits.
    Circular10Of2024,
    /// Earlier forms: two letters, six digits.
    Earlier,
}

/// A certificate's serial number (số phát hành), held as "AA 01234567" or "CM 264931".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CertificateSerial(String);

impl CertificateSerial {
    /// Reads two letters and 6 or 8 digits, in any case, with or without spaces.
    pub fn parse(input: &str) -> Result<CertificateSerial, ValueError> {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if compact.is_empty() {
            return Err(ValueError::Required);
        }
        let bytes = compact.as_bytes();
        let well_formed = (bytes.len() == 8 || bytes.len() == 10)
            && bytes[..2].iter().all(u8::is_ascii_uppercase)
            && bytes[2..].iter().all(u8::is_ascii_digit);
        if !well_formed {
            return Err(ValueError::Serial {
                value: input.trim().to_owned(),
            });
        }
        Ok(CertificateSerial(format!(
            "{} {}",
            &compact[..2],
            &compact[2..]
        )))
    }

    /// The canonical text, e.g. "AA 01234567".
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form the serial belongs to, told by its digit count.
    pub fn form(&self) -> CertificateForm {
        if self.0.len() == 11 {
            CertificateForm::Circular10Of2024
        } else {
            CertificateForm::Earlier
        }
    }
}

impl fmt::Display for CertificateSerial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for CertificateSerial {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// The registry-book number (số vào sổ cấp GCN), upper case, e.g. "CH 00120" or "CS23305/DA".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct RegistryBookNumber(String);

impl RegistryBookNumber {
    /// Reads letters, digits, spaces, '/', '-' and '.', with at least one digit.
    pub fn parse(input: &str) -> Result<RegistryBookNumber, ValueError> {
        let value = input
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_uppercase();
        if value.is_empty() {
            return Err(ValueError::Required);
        }
        let chars = value.chars().count();
        if chars > MAX_REGISTRY_BOOK_CHARS {
            return Err(ValueError::TooLong {
                chars,
                max: MAX_REGISTRY_BOOK_CHARS,
            });
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || " /-.".contains(c);
        if !value.chars().all(allowed) || !value.chars().any(|c| c.is_ascii_digit()) {
            return Err(ValueError::RegistryBookNumber {
                value: input.trim().to_owned(),
            });
        }
        Ok(RegistryBookNumber(value))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RegistryBookNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who holds a right: a person by personal ID or an organization by enterprise/tax code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Holder {
    /// A person (Vietnamese citizen) in the population registry.
    Person(PersonalId),
    /// An organization in the registry, by its enterprise or tax code.
    Organization(TaxCode),
}

impl Holder {
    /// Reads `person:<12-digit personal ID>` or `organization:<tax code>`.
    pub fn parse(input: &str) -> Result<Holder, ValueError> {
        let item = input.trim();
        let syntax = || ValueError::HolderSyntax {
            item: item.to_owned(),
        };
        let (kind, id) = item.split_once(':').ok_or_else(syntax)?;
        match kind.trim().to_ascii_lowercase().as_str() {
            "person" => Ok(Holder::Person(PersonalId::parse(id)?)),
            "organization" => Ok(Holder::Organization(TaxCode::parse(id)?)),
            _ => Err(syntax()),
        }
    }

    /// "person" or "organization", as stored.
    pub fn kind(&self) -> &'static str {
        match self {
            Holder::Person(_) => "person",
            Holder::Organization(_) => "organization",
        }
    }

    /// The number or code, as stored.
    pub fn id(&self) -> String {
        match self {
            Holder::Person(id) => id.to_string(),
            Holder::Organization(code) => code.to_string(),
        }
    }
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind(), self.id())
    }
}

/// An exact share of a right, a reduced fraction in (0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Share {
    numerator: u32,
    denominator: u32,
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Share {
    /// The share `numerator/denominator`, reduced; refuses zero, more than 1 and denominators
    /// above [`MAX_SHARE_DENOMINATOR`].
    pub fn new(numerator: u32, denominator: u32) -> Result<Share, ValueError> {
        let range = || ValueError::ShareRange {
            value: format!("{numerator}/{denominator}"),
        };
        if numerator == 0 || denominator == 0 || numerator > denominator {
            return Err(range());
        }
        if denominator > MAX_SHARE_DENOMINATOR {
            return Err(ValueError::ShareSyntax {
                value: format!("{numerator}/{denominator}"),
            });
        }
        let g = u32::try_from(gcd(numerator.into(), denominator.into())).expect("divides a u32");
        Ok(Share {
            numerator: numerator / g,
            denominator: denominator / g,
        })
    }

    /// Reads "1/2", "2/3" or "1" (the whole).
    pub fn parse(input: &str) -> Result<Share, ValueError> {
        let value = input.trim();
        let syntax = || ValueError::ShareSyntax {
            value: value.to_owned(),
        };
        let (n, d) = value.split_once('/').unwrap_or((value, "1"));
        let number = |s: &str| {
            let s = s.trim();
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(syntax());
            }
            s.parse::<u32>().map_err(|_| syntax())
        };
        Share::new(number(n)?, number(d)?)
    }

    /// The numerator of the reduced fraction.
    pub fn numerator(&self) -> u32 {
        self.numerator
    }

    /// The denominator of the reduced fraction.
    pub fn denominator(&self) -> u32 {
        self.denominator
    }
}

impl fmt::Display for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.denominator == 1 {
            write!(f, "{}", self.numerator)
        } else {
            write!(f, "{}/{}", self.numerator, self.denominator)
        }
    }
}

impl Serialize for Share {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// One holder on a certificate, with their share when the right is divided.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct HolderShare {
    /// Who.
    pub holder: Holder,
    /// Their share; `None` when the holders hold the right in common, undivided.
    pub share: Option<Share>,
}

impl fmt::Display for HolderShare {
    /// The import layout's form: `person:001090012345` or `person:001090012345@1/2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.share {
            Some(s) => write!(f, "{}@{s}", self.holder),
            None => write!(f, "{}", self.holder),
        }
    }
}

/// The holders of one certificate: at least one, each once, shares given to all or to none
/// and adding up to at most the whole (the rest may be on co-users' own certificates).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Holders(Vec<HolderShare>);

impl Holders {
    /// Checks the rules above.
    pub fn new(holders: Vec<HolderShare>) -> Result<Holders, ValueError> {
        if holders.is_empty() {
            return Err(ValueError::Empty);
        }
        if holders.len() > MAX_HOLDERS {
            return Err(ValueError::TooMany {
                count: holders.len(),
                max: MAX_HOLDERS,
            });
        }
        for (i, h) in holders.iter().enumerate() {
            if holders[..i].iter().any(|o| o.holder == h.holder) {
                return Err(ValueError::DuplicateHolder {
                    holder: h.holder.to_string(),
                });
            }
        }
        let with_share = holders.iter().filter(|h| h.share.is_some()).count();
        if with_share != 0 && with_share != holders.len() {
            return Err(ValueError::SharesPartial);
        }
        // The exact sum, reduced at each step; only denominators with no common factor
        // (distinct large primes) could outgrow u128, and such shares are refused.
        let (mut n, mut d) = (0u128, 1u128);
        for s in holders.iter().filter_map(|h| h.share) {
            let (sn, sd) = (u128::from(s.numerator), u128::from(s.denominator));
            let sum = n
                .checked_mul(sd)
                .zip(sn.checked_mul(d))
                .and_then(|(a, b)| a.checked_add(b))
                .zip(d.checked_mul(sd));
            let Some((sum_n, sum_d)) = sum else {
                return Err(ValueError::SharesTooFine);
            };
            let g = gcd(sum_n, sum_d);
            (n, d) = (sum_n / g, sum_d / g);
        }
        if n > d {
            return Err(ValueError::SharesExceedWhole {
                total: format!("{n}/{d}"),
            });
        }
        Ok(Holders(holders))
    }

    /// Reads items `holder[@share]` separated by `;`.
    pub fn parse(input: &str) -> Result<Holders, ValueError> {
        let mut out = Vec::new();
        for item in items(input) {
            let (holder, share) = match item.split_once('@') {
                Some((h, s)) => (h, Some(Share::parse(s)?)),
                None => (item, None),
            };
            out.push(HolderShare {
                holder: Holder::parse(holder)?,
                share,
            });
        }
        Holders::new(out)
    }

    /// The holders in the order written on the certificate.
    pub fn as_slice(&self) -> &[HolderShare] {
        &self.0
    }
}

impl fmt::Display for Holders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        join(f, &self.0)
    }
}

/// The parcels one certificate covers: at least one, each once, all in one commune.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CoveredParcels(Vec<ParcelKey>);

impl CoveredParcels {
    /// Checks the rules above.
    pub fn new(parcels: Vec<ParcelKey>) -> Result<CoveredParcels, ValueError> {
        let Some(first) = parcels.first() else {
            return Err(ValueError::Empty);
        };
        if parcels.len() > MAX_PARCELS {
            return Err(ValueError::TooMany {
                count: parcels.len(),
                max: MAX_PARCELS,
            });
        }
        for (i, p) in parcels.iter().enumerate() {
            if parcels[..i].contains(p) {
                return Err(ValueError::DuplicateParcel { key: p.to_string() });
            }
            if p.locality != first.locality {
                return Err(ValueError::ParcelsInSeveralCommunes { key: p.to_string() });
            }
        }
        Ok(CoveredParcels(parcels))
    }

    /// Reads parcel keys separated by `;`.
    pub fn parse(input: &str) -> Result<CoveredParcels, ValueError> {
        let keys = items(input)
            .map(ParcelKey::parse)
            .collect::<Result<Vec<_>, _>>()?;
        CoveredParcels::new(keys)
    }

    /// The parcels in the order written on the certificate.
    pub fn as_slice(&self) -> &[ParcelKey] {
        &self.0
    }
}

impl fmt::Display for CoveredParcels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        join(f, &self.0)
    }
}

fn join(f: &mut fmt::Formatter<'_>, items: &[impl fmt::Display]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(";")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

/// Whether a certificate is the one in force.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CertificateStatus {
    /// In force.
    Valid,
    /// Replaced by a newer certificate (re-issue, change of holders, split or merge of parcels).
    Superseded {
        /// The replacing certificate, when the record names it.
        #[serde(rename = "superseded_by")]
        by: Option<CertificateSerial>,
    },
    /// Withdrawn (thu hồi) and replaced by nothing.
    Revoked,
}

impl CertificateStatus {
    /// "valid", "superseded" or "revoked", as stored.
    pub fn code(&self) -> &'static str {
        match self {
            CertificateStatus::Valid => "valid",
            CertificateStatus::Superseded { .. } => "superseded",
            CertificateStatus::Revoked => "revoked",
        }
    }

    /// Reads a status code and the replacing serial (empty when none).
    pub fn parse(status: &str, superseded_by: &str) -> Result<CertificateStatus, ValueError> {
        let by = if superseded_by.trim().is_empty() {
            None
        } else {
            Some(CertificateSerial::parse(superseded_by)?)
        };
        match (status.trim().to_ascii_lowercase().as_str(), by) {
            ("" | "valid", None) => Ok(CertificateStatus::Valid),
            ("superseded", by) => Ok(CertificateStatus::Superseded { by }),
            ("revoked", None) => Ok(CertificateStatus::Revoked),
            ("" | "valid" | "revoked", Some(_)) => Err(ValueError::SupersededByWithoutStatus),
            _ => Err(ValueError::UnknownStatus {
                value: status.trim().to_owned(),
            }),
        }
    }
}

/// A land-use-right certificate as the land database holds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Certificate {
    /// The serial number printed on the form.
    pub serial: CertificateSerial,
    /// The number under which it was entered in the issue book.
    pub registry_book_number: RegistryBookNumber,
    /// The day it was signed.
    pub issued_on: NaiveDate,
    /// The authority that issued it, as written on it.
    pub issued_by: String,
    /// The parcels it covers.
    pub parcels: CoveredParcels,
    /// Who holds the right it certifies.
    pub holders: Holders,
    /// Whether it is in force (serialised flat: `"status": "superseded", "superseded_by": …`).
    #[serde(flatten)]
    pub status: CertificateStatus,
}

impl Certificate {
    /// The holder's entry on this certificate, if they are on it.
    pub fn holder(&self, holder: &Holder) -> Option<&HolderShare> {
        self.holders.as_slice().iter().find(|h| h.holder == *holder)
    }
}

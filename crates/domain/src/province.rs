//! The 63 provinces and centrally-run cities, coded as in Circular 07/2016/TT-BCA, Appendix 1.
//!
//! The first three digits of every personal identification number are one of these codes, so the
//! identifier parser, the registry and the data generator all share this one table. Each entry
//! also carries an approximate population from the 2019 census, which the generator uses to weight
//! provinces so that synthetic data looks like the real country.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One row of the province table: code, Vietnamese name, 2019 population in thousands.
struct Entry {
    code: u16,
    name: &'static str,
    population_thousands: u32,
}

const fn e(code: u16, name: &'static str, population_thousands: u32) -> Entry {
    Entry {
        code,
        name,
        population_thousands,
    }
}

/// Sorted by code, so lookups can binary-search and `all()` yields codes in order.
static TABLE: [Entry; 63] = [
    e(1, "Hà Nội", 8054),
    e(2, "Hà Giang", 855),
    e(4, "Cao Bằng", 530),
    e(6, "Bắc Kạn", 314),
    e(8, "Tuyên Quang", 785),
    e(10, "Lào Cai", 730),
    e(11, "Điện Biên", 599),
    e(12, "Lai Châu", 460),
    e(14, "Sơn La", 1248),
    e(15, "Yên Bái", 821),
    e(17, "Hòa Bình", 854),
    e(19, "Thái Nguyên", 1287),
    e(20, "Lạng Sơn", 782),
    e(22, "Quảng Ninh", 1320),
    e(24, "Bắc Giang", 1804),
    e(25, "Phú Thọ", 1464),
    e(26, "Vĩnh Phúc", 1154),
    e(27, "Bắc Ninh", 1369),
    e(30, "Hải Dương", 1892),
    e(31, "Hải Phòng", 2028),
    e(33, "Hưng Yên", 1253),
    e(34, "Thái Bình", 1860),
    e(35, "Hà Nam", 853),
    e(36, "Nam Định", 1780),
    e(37, "Ninh Bình", 983),
    e(38, "Thanh Hóa", 3640),
    e(40, "Nghệ An", 3327),
    e(42, "Hà Tĩnh", 1289),
    e(44, "Quảng Bình", 895),
    e(45, "Quảng Trị", 632),
    e(46, "Thừa Thiên Huế", 1129),
    e(48, "Đà Nẵng", 1134),
    e(49, "Quảng Nam", 1496),
    e(51, "Quảng Ngãi", 1232),
    e(52, "Bình Định", 1487),
    e(54, "Phú Yên", 961),
    e(56, "Khánh Hòa", 1231),
    e(58, "Ninh Thuận", 591),
    e(60, "Bình Thuận", 1231),
    e(62, "Kon Tum", 540),
    e(64, "Gia Lai", 1514),
    e(66, "Đắk Lắk", 1869),
    e(67, "Đắk Nông", 622),
    e(68, "Lâm Đồng", 1297),
    e(70, "Bình Phước", 995),
    e(72, "Tây Ninh", 1169),
    e(74, "Bình Dương", 2426),
    e(75, "Đồng Nai", 3097),
    e(77, "Bà Rịa-Vũng Tàu", 1148),
    e(79, "TP Hồ Chí Minh", 8993),
    e(80, "Long An", 1689),
    e(82, "Tiền Giang", 1764),
    e(83, "Bến Tre", 1289),
    e(84, "Trà Vinh", 1009),
    e(86, "Vĩnh Long", 1023),
    e(87, "Đồng Tháp", 1600),
    e(89, "An Giang", 1908),
    e(91, "Kiên Giang", 1723),
    e(92, "Cần Thơ", 1235),
    e(93, "Hậu Giang", 733),
    e(94, "Sóc Trăng", 1200),
    e(95, "Bạc Liêu", 907),
    e(96, "Cà Mau", 1194),
];

/// A province or centrally-run city, identified by its three-digit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Province {
    code: u16,
}

/// Why a text could not be read as a [`Province`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProvinceError {
    /// Nothing was given.
    #[error("the province code is empty; give a three-digit code such as 001 (Hà Nội)")]
    Empty,
    /// A character other than an ASCII digit was found.
    #[error(
        "the province code contains '{found}' at position {position}; a province code is digits only, such as 001 or 79"
    )]
    NonDigit {
        /// 1-based position of the offending character.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// More than three digits were given.
    #[error("the province code has {found} digits; it must have at most 3, such as 001 or 079")]
    TooLong {
        /// How many digits were given.
        found: usize,
    },
    /// The digits are not one of the 63 codes.
    #[error(
        "{code:03} is not one of the 63 province codes of Circular 07/2016/TT-BCA (001 Hà Nội … 096 Cà Mau); check the code"
    )]
    Unknown {
        /// The code that was given.
        code: u16,
    },
}

impl ProvinceError {
    /// A stable machine-readable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            ProvinceError::Empty => "province.empty",
            ProvinceError::NonDigit { .. } => "province.non_digit",
            ProvinceError::TooLong { .. } => "province.too_long",
            ProvinceError::Unknown { .. } => "province.unknown",
        }
    }
}

impl Province {
    /// The province with this numeric code, or `None` if no province has it.
    pub fn from_code(code: u16) -> Option<Province> {
        Self::entry_index(code).map(|_| Province { code })
    }

    /// Reads a province code written with or without leading zeros ("001" or "1").
    pub fn parse(input: &str) -> Result<Province, ProvinceError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(ProvinceError::Empty);
        }
        if let Some((index, found)) = trimmed
            .chars()
            .enumerate()
            .find(|(_, c)| !c.is_ascii_digit())
        {
            return Err(ProvinceError::NonDigit {
                position: index + 1,
                found,
            });
        }
        // Only ASCII digits remain, so the byte length is the digit count.
        if trimmed.len() > 3 {
            return Err(ProvinceError::TooLong {
                found: trimmed.len(),
            });
        }
        let code = trimmed
            .bytes()
            .fold(0u16, |acc, b| acc * 10 + u16::from(b - b'0'));
        Province::from_code(code).ok_or(ProvinceError::Unknown { code })
    }

    /// The numeric code, 1 to 96.
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The code as three zero-padded digits, as it appears in identification numbers.
    pub fn code_str(&self) -> String {
        format!("{:03}", self.code)
    }

    /// The Vietnamese name, in NFC.
    pub fn name(&self) -> &'static str {
        self.entry().name
    }

    /// Approximate population at the 2019 census, in thousands.
    pub fn population_thousands(&self) -> u32 {
        self.entry().population_thousands
    }

    /// Every province, in ascending code order.
    pub fn all() -> impl ExactSizeIterator<Item = Province> + Clone {
        TABLE.iter().map(|entry| Province { code: entry.code })
    }

    fn entry_index(code: u16) -> Option<usize> {
        TABLE.binary_search_by_key(&code, |entry| entry.code).ok()
    }

    fn entry(&self) -> &'static Entry {
        // A `Province` is only ever built from a code found in the table.
        let index = Self::entry_index(self.code).expect("Province holds a code from the table");
        &TABLE[index]
    }
}

impl fmt::Display for Province {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03} {}", self.code, self.name())
    }
}

impl FromStr for Province {
    type Err = ProvinceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Province::parse(s)
    }
}

impl Serialize for Province {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.code_str())
    }
}

impl<'de> Deserialize<'de> for Province {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Province::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table_has_63_sorted_unique_codes() {
        assert_eq!(Province::all().len(), 63);
        let codes: Vec<u16> = Province::all().map(|p| p.code()).collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "{codes:?}");
        assert_eq!(codes.first(), Some(&1));
        assert_eq!(codes.last(), Some(&96));
    }

    #[test]
    fn names_and_populations() {
        let hn = Province::from_code(1).unwrap();
        assert_eq!(hn.name(), "Hà Nội");
        assert_eq!(hn.population_thousands(), 8054);
        assert_eq!(hn.to_string(), "001 Hà Nội");
        let hcm = Province::from_code(79).unwrap();
        assert_eq!(hcm.name(), "TP Hồ Chí Minh");
        assert_eq!(hcm.population_thousands(), 8993);
        assert_eq!(hcm.code_str(), "079");
        assert_eq!(Province::from_code(6).unwrap().population_thousands(), 314);
        // The 2019 census counted about 96.2 million people.
        let total: u32 = Province::all().map(|p| p.population_thousands()).sum();
        assert!((95_000..=97_500).contains(&total), "total {total}");
        for p in Province::all() {
            assert!(p.population_thousands() > 250, "{p}");
            let nfc: String = unicode_normalization::UnicodeNormalization::nfc(p.name()).collect();
            assert_eq!(nfc, p.name(), "names are stored in NFC");
        }
    }

    #[test]
    fn parse_accepts_padded_and_unpadded() {
        assert_eq!(Province::parse("001").unwrap().code(), 1);
        assert_eq!(Province::parse("1").unwrap().code(), 1);
        assert_eq!(Province::parse("79").unwrap().code(), 79);
        assert_eq!(Province::parse(" 096 ").unwrap().code(), 96);
    }

    #[test]
    fn parse_rejections() {
        let err = Province::parse("003").unwrap_err();
        assert_eq!(err, ProvinceError::Unknown { code: 3 });
        assert_eq!(err.code(), "province.unknown");
        assert!(
            err.to_string().starts_with("003 is not one of the 63"),
            "{err}"
        );
        assert_eq!(Province::parse("").unwrap_err().code(), "province.empty");
        assert_eq!(
            Province::parse("0a1").unwrap_err(),
            ProvinceError::NonDigit {
                position: 2,
                found: 'a'
            }
        );
        assert_eq!(
            Province::parse("0001").unwrap_err(),
            ProvinceError::TooLong { found: 4 }
        );
        assert_eq!(
            Province::parse("-1").unwrap_err().code(),
            "province.non_digit"
        );
        assert_eq!(Province::parse("0").unwrap_err().code(), "province.unknown");
    }

    #[test]
    fn serde_uses_the_padded_code() {
        let p = Province::from_code(8).unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"008\"");
        assert_eq!(serde_json::from_str::<Province>("\"008\"").unwrap(), p);
        assert!(serde_json::from_str::<Province>("\"009\"").is_err());
        assert!(serde_json::from_str::<Province>("8").is_err());
    }

    proptest! {
        #[test]
        fn from_code_agrees_with_parse(code in 0u16..1000) {
            let by_code = Province::from_code(code);
            prop_assert_eq!(Province::parse(&code.to_string()).ok(), by_code);
            prop_assert_eq!(Province::parse(&format!("{code:03}")).ok(), by_code);
            match by_code {
                Some(p) => prop_assert_eq!(p.code(), code),
                None => prop_assert_eq!(
                    Province::parse(&format!("{code:03}")),
                    Err(ProvinceError::Unknown { code })
                ),
            }
        }

        #[test]
        fn code_str_roundtrips(index in 0usize..63) {
            let p = Province::all().nth(index).unwrap();
            prop_assert_eq!(p.code_str().len(), 3);
            prop_assert_eq!(Province::parse(&p.code_str()), Ok(p));
        }
    }
}

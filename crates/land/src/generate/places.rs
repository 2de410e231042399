//! Places and land uses for demo data: synthetic but well-formed district and commune names,
//! and which farming and which sizes suit which kind of province.
//!
//! Names are built from common words of Vietnamese place names, the same for the same
//! (province, district, commune) numbers, so a generated commune keeps its name across parcels.
//! Regions follow the provinces' codes: the Red River delta, the Mekong delta, the northern
//! mountains and the Central Highlands farm differently, which is what the purposes reflect.
//! None of this is a statement about a real place.

use dinhdanh_domain::Province;

use super::rng::{Rng, mix};
use crate::purpose::LandUseCode;

/// Words common in Vietnamese place names.
#[rustfmt::skip]
const WORDS: [&str; 40] = [
    "An", "Bình", "Phú", "Tân", "Hòa", "Thạnh", "Long", "Phước", "Đông", "Tây",
    "Nam", "Bắc", "Hưng", "Thịnh", "Minh", "Quang", "Hiệp", "Lợi", "Mỹ", "Vĩnh",
    "Hải", "Sơn", "Thủy", "Lâm", "Cát", "Xuân", "Thuận", "Đức", "Yên", "Hồng",
    "Kim", "Ngọc", "Trung", "Văn", "Tiến", "Thắng", "Lạc", "Định", "Hà", "Phong",
];

/// Street names for urban addresses.
#[rustfmt::skip]
const STREETS: [&str; 16] = [
    "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hai Bà Trưng", "Lý Thường Kiệt", "Quang Trung",
    "Nguyễn Huệ", "Lê Duẩn", "Phan Đình Phùng", "Hùng Vương", "Bà Triệu", "Điện Biên Phủ",
    "Trần Phú", "Nguyễn Du", "Hoàng Diệu", "Võ Thị Sáu",
];

/// A two-word name, fixed for the given key.
fn name(key: u64) -> String {
    let first = (key % WORDS.len() as u64) as usize;
    let mut second = ((key / WORDS.len() as u64) % WORDS.len() as u64) as usize;
    if second == first {
        second = (second + 1) % WORDS.len();
    }
    format!("{} {}", WORDS[first], WORDS[second])
}

/// The five centrally-run cities, where most homes are urban.
pub(super) fn is_central_city(p: Province) -> bool {
    matches!(p.code(), 1 | 31 | 48 | 79 | 92)
}

/// How a province farms, by its region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Region {
    RedRiverDelta,
    MekongDelta,
    Uplands,
    Other,
}

pub(super) fn region(p: Province) -> Region {
    match p.code() {
        1 | 26 | 27 | 30 | 31 | 33 | 34 | 35 | 36 | 37 => Region::RedRiverDelta,
        80..=96 => Region::MekongDelta,
        2..=17 | 20 | 24 | 25 | 62..=68 | 70 => Region::Uplands,
        _ => Region::Other,
    }
}

/// A farm purpose for the region, with its usual area range in m².
pub(super) fn farm_use(rng: &mut Rng, region: Region) -> (LandUseCode, i64, i64) {
    use LandUseCode::*;
    let roll = rng.unit();
    let code = match region {
        Region::MekongDelta if roll < 0.6 => SpecialisedRice,
        Region::MekongDelta if roll < 0.8 => Aquaculture,
        Region::RedRiverDelta if roll < 0.7 => SpecialisedRice,
        Region::RedRiverDelta if roll < 0.9 => OtherAnnualCrops,
        Region::Uplands if roll < 0.35 => ProductionForest,
        Region::Uplands if roll < 0.65 => OtherAnnualCrops,
        Region::Other if roll < 0.4 => SpecialisedRice,
        Region::Other if roll < 0.7 => OtherAnnualCrops,
        _ => PerennialCrops,
    };
    let (low, high) = match code {
        SpecialisedRice => (360, 3_000),
        OtherAnnualCrops => (300, 2_500),
        Aquaculture => (1_000, 15_000),
        ProductionForest => (5_000, 50_000),
        _ => (500, 6_000),
    };
    (code, low, high)
}

/// Text of a three-level locality: (district, commune) with their kinds.
pub(super) fn three_level(
    province: Province,
    urban: bool,
    district: u64,
    commune: u64,
) -> (String, String) {
    let key = mix(u64::from(province.code()), district);
    let district_kind = match (urban, is_central_city(province)) {
        (true, true) => "Quận",
        (true, false) => "Thành phố",
        (false, _) => "Huyện",
    };
    let commune_kind = match (urban, commune) {
        (true, _) => "Phường",
        // The first commune of a rural district is its township.
        (false, 0) => "Thị trấn",
        (false, _) => "Xã",
    };
    (
        format!("{district_kind} {}", name(key)),
        format!("{commune_kind} {}", name(mix(key, commune + 1))),
    )
}

/// Text of a two-level commune (no district): "Phường …" or "Xã …".
pub(super) fn two_level(province: Province, urban: bool, commune: u64) -> String {
    let kind = if urban { "Phường" } else { "Xã" };
    format!(
        "{kind} {}",
        name(mix(u64::from(province.code()) + 1_000, commune))
    )
}

/// A street address for an urban parcel, or a hamlet for some rural homes.
pub(super) fn address(rng: &mut Rng, urban: bool, province: Province) -> Option<String> {
    if urban {
        let number = rng.between(1, 400);
        return Some(format!("Số {number}, đường {}", rng.pick(&STREETS)));
    }
    if rng.chance(0.5) {
        // Southern provinces call their hamlets ấp, the rest thôn.
        let hamlet = if province.code() >= 70 {
            "Ấp"
        } else {
            "Thôn"
        };
        return Some(format!("{hamlet} {}", name(rng.next_u64())));
    }
    None
}

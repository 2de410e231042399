//! Shares from the 2019 census that shape the synthetic population: ethnic groups and where they
//! live, religions, and the age structure of households.
//!
//! Minority groups are not spread evenly: a Mông family lives in Hà Giang, not in Bạc Liêu. So
//! each group names its home provinces, and the Kinh majority is spread over provinces weighted by
//! population times the Kinh share of that province; together that keeps each province near its
//! census population while keeping families where they really are.

use super::names;

/// How a group's personal names are formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NameStyle {
    /// Family, middle and given names from the general Vietnamese tables.
    Vietnamese,
    /// Mông clan names with Mông middle and given names.
    Mong,
}

/// One ethnic group (dân tộc).
pub(super) struct Ethnicity {
    /// The name as written in the registry.
    pub name: &'static str,
    /// Share of the population, per 10,000.
    pub per_10k: u32,
    /// Province codes where the group mostly lives; empty for "everywhere".
    pub homeland: &'static [u16],
    /// The group's own family names; empty to use the Kinh table.
    pub family: &'static [(&'static str, u32)],
    /// How the group's names are formed.
    pub style: NameStyle,
}

const fn group(
    name: &'static str,
    per_10k: u32,
    homeland: &'static [u16],
    family: &'static [(&'static str, u32)],
) -> Ethnicity {
    Ethnicity {
        name,
        per_10k,
        homeland,
        family,
        style: NameStyle::Vietnamese,
    }
}

/// Index of the Kinh in [`ETHNICITIES`].
pub(super) const KINH: usize = 0;
/// Index of the Khmer in [`ETHNICITIES`], who are mostly Theravada Buddhists.
pub(super) const KHMER: usize = 5;

/// The ethnic groups with their census shares (2019), largest first; the tail is folded into
/// the smallest groups listed so the shares add up to 10,000.
pub(super) const ETHNICITIES: &[Ethnicity] = &[
    group("Kinh", 8535, &[], &[]),
    group(
        "Tày",
        190,
        &[4, 20, 6, 8, 2, 19, 15, 10, 24],
        names::TAY_FAMILY,
    ),
    group(
        "Thái",
        190,
        &[14, 11, 12, 40, 38, 15, 17],
        names::THAI_FAMILY,
    ),
    group("Mường", 150, &[17, 38, 25, 14, 37], names::MUONG_FAMILY),
    Ethnicity {
        name: "Mông",
        per_10k: 150,
        homeland: &[2, 10, 11, 12, 14, 15, 4],
        family: names::MONG_FAMILY,
        style: NameStyle::Mong,
    },
    group("Khmer", 140, &[94, 84, 91, 89, 95, 96], names::KHMER_FAMILY),
    group("Nùng", 110, &[20, 4, 24, 2, 19, 6], names::NUNG_FAMILY),
    group("Dao", 90, &[2, 10, 15, 8, 22, 20, 4], names::DAO_FAMILY),
    group("Hoa", 80, &[79, 75, 94, 91, 95], names::HOA_FAMILY),
    group("Gia Rai", 54, &[64, 62], &[]),
    group("Ê Đê", 41, &[66, 54], &[]),
    group("Ba Na", 30, &[64, 62, 52], &[]),
    group("Xơ Đăng", 22, &[62, 49], &[]),
    group("Sán Chay", 21, &[8, 19, 24], &[]),
    group("Cơ Ho", 21, &[68], &[]),
    group("Chăm", 19, &[58, 60, 89], &[]),
    group("Sán Dìu", 19, &[19, 26, 24, 22], &[]),
    group("Hrê", 15, &[51], &[]),
    group("Ra Glai", 15, &[58, 56], &[]),
    group("Mnông", 13, &[67, 66], &[]),
    group("Xtiêng", 10, &[70], &[]),
    group("Bru-Vân Kiều", 10, &[45, 44], &[]),
    group("Thổ", 9, &[40, 38], &[]),
    group("Khơ Mú", 9, &[40, 11, 14], &[]),
    group("Cơ Tu", 8, &[49, 46], &[]),
    group("Giáy", 7, &[10, 12, 2], &[]),
    group("Giẻ Triêng", 7, &[62, 49], &[]),
    group("Tà Ôi", 5, &[46, 45], &[]),
    group("Mạ", 5, &[68, 67], &[]),
    group("Co", 4, &[51, 49], &[]),
    group("Chơ Ro", 3, &[75], &[]),
    group("Hà Nhì", 3, &[12, 11, 10], &[]),
    group("Xinh Mun", 3, &[14, 11], &[]),
    group("Chu Ru", 2, &[68], &[]),
    group("Lào", 2, &[11, 12, 14], &[]),
    group("La Chí", 1, &[2], &[]),
    group("Phù Lá", 1, &[10, 2], &[]),
    group("Kháng", 1, &[14, 11, 12], &[]),
    group("Lự", 1, &[12], &[]),
    group("Pà Thẻn", 1, &[2, 8], &[]),
    group("Chứt", 1, &[44], &[]),
    group("La Ha", 1, &[14], &[]),
    group("Lô Lô", 1, &[2, 4], &[]),
];

/// Religions (tôn giáo) with their shares per 10,000; "Không" is no religion. Buddhists are
/// fewer here than the census's 4.8 % because most Khmer are made Buddhist separately.
pub(super) const RELIGIONS: &[(&str, u32)] = &[
    ("Không", 8715),
    ("Công giáo", 600),
    ("Phật giáo", 360),
    ("Tin Lành", 100),
    ("Phật giáo Hòa Hảo", 100),
    ("Cao Đài", 60),
    ("Tịnh độ cư sĩ Phật hội Việt Nam", 25),
    ("Tứ Ân Hiếu Nghĩa", 10),
    ("Hồi giáo", 8),
    ("Bà-la-môn", 7),
    ("Bửu Sơn Kỳ Hương", 5),
    ("Minh Sư Đạo", 5),
    ("Phật Hội Hiếu Nghĩa Tà Lơn", 5),
];

/// Percent of a province's people who are Kinh, where clearly below 100 (2019 census, rounded).
pub(super) fn kinh_percent(province_code: u16) -> u32 {
    match province_code {
        4 => 5,
        2 | 6 => 12,
        12 => 15,
        14 | 20 => 17,
        11 => 20,
        17 => 28,
        10 => 35,
        8 | 62 => 45,
        15 => 50,
        64 => 52,
        94 => 63,
        66 | 67 => 65,
        84 => 68,
        19 => 73,
        58 | 68 => 77,
        70 => 82,
        38 => 83,
        25 | 40 => 85,
        91 => 86,
        24 | 51 => 87,
        22 => 88,
        45 | 95 => 89,
        49 | 60 | 89 => 93,
        _ => 100,
    }
}

/// Destinations of internal migration, with weights: where people move for work and study.
pub(super) const BIG_CITIES: &[(u16, u32)] = &[
    (79, 40),
    (1, 30),
    (74, 10),
    (75, 6),
    (48, 5),
    (31, 5),
    (92, 4),
];

/// Age bands (years at the observation date) of wives in couple households, with weights.
///
/// Tuned together with [`SINGLE_AGES`], [`CHILDREN`] and the share of couples so that the whole
/// population comes out near the census pyramid: 0–14 ≈ 24 %, 15–64 ≈ 68 %, 65+ ≈ 8 %.
pub(super) const WIFE_AGES: &[((u32, u32), u32)] = &[
    ((20, 25), 40),
    ((25, 30), 95),
    ((30, 35), 125),
    ((35, 40), 130),
    ((40, 45), 115),
    ((45, 50), 90),
    ((50, 55), 75),
    ((55, 60), 60),
    ((60, 65), 45),
    ((65, 70), 36),
    ((70, 75), 24),
    ((75, 80), 14),
    ((80, 85), 8),
    ((85, 90), 3),
    ((90, 95), 1),
];

/// Age bands of adults who live without a spouse in the data: the young unmarried and widows.
pub(super) const SINGLE_AGES: &[((u32, u32), u32)] = &[
    ((18, 22), 35),
    ((22, 26), 25),
    ((26, 30), 15),
    ((30, 40), 15),
    ((40, 50), 18),
    ((50, 60), 18),
    ((60, 70), 20),
    ((70, 80), 22),
    ((80, 90), 14),
    ((90, 100), 4),
];

/// Share of households that are a couple (with or without children); the rest are single adults.
pub(super) const COUPLE_SHARE: f64 = 0.75;

/// Number of children a couple has: weights for 0, 1, 2, 3 and 4 children, by mother's generation.
pub(super) const CHILDREN: [[u32; 5]; 2] = [
    // Mothers born before 1970: larger families.
    [4, 8, 28, 32, 28],
    // Mothers born from 1970: the two-child norm.
    [3, 10, 40, 30, 17],
];

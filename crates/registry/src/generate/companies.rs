//! Organizations for the synthetic registry: enterprises with Vietnamese, English and short names,
//! tax codes of the right office with a correct check digit, and some branches.
//!
//! Each organization is represented by a living adult (over 25) from the person stream with the
//! same options, so a test database loaded with both has no dangling legal representative.
//! Tax codes are unique without a set: per tax-office prefix, a counter runs through a keyed
//! permutation of the seven-digit sequence, skipping the prefixes that admit no check digit.

use chrono::Days;
use dinhdanh_domain::{NaiveDate, PersonalId, Province, check_digit_for, fold};

use super::places::Places;
use super::{
    GenerateOptions, Rng, Weighted, iso, mix, permute, persons, province_index, sub_years, ymd,
};
use crate::organization::OrganizationRow;

/// Tax-office prefixes (the first two digits of a tax code), their province and a weight that
/// follows where enterprises are registered: Hồ Chí Minh City and Hà Nội lead by far.
const TAX_OFFICES: &[(u32, u16, u32)] = &[
    (1, 1, 230),
    (3, 79, 330),
    (2, 31, 30),
    (4, 48, 25),
    (37, 74, 30),
    (36, 75, 25),
    (35, 77, 14),
    (18, 92, 12),
    (23, 27, 15),
    (28, 38, 15),
    (29, 40, 14),
    (42, 56, 12),
    (57, 22, 12),
    (11, 80, 12),
    (8, 30, 10),
    (58, 68, 10),
    (60, 66, 10),
    (41, 52, 10),
    (46, 19, 8),
    (16, 89, 8),
];

/// Sequence numbers per prefix: digits 3–9 of a tax code.
const SEQUENCES: u64 = 10_000_000;

/// Legal forms: Vietnamese prefix, English suffix, abbreviation suffix, weight.
const FORMS: &[(&str, &str, &str, u32)] = &[
    ("Công ty TNHH", "Company Limited", "CO., LTD", 45),
    (
        "Công ty TNHH MTV",
        "One Member Company Limited",
        "CO., LTD",
        15,
    ),
    ("Công ty Cổ phần", "Joint Stock Company", "JSC", 27),
    ("Doanh nghiệp tư nhân", "Private Enterprise", "", 9),
    ("Hợp tác xã", "Cooperative", "", 4),
];

/// Lines of business, in Vietnamese and English.
const SECTORS: &[(&str, &str)] = &[
    ("Thương mại", "Trading"),
    ("Xây dựng", "Construction"),
    ("Thương mại và Dịch vụ", "Trading and Services"),
    ("Đầu tư", "Investment"),
    ("Công nghệ", "Technology"),
    ("Phần mềm", "Software"),
    ("Vận tải", "Transport"),
    ("Du lịch", "Travel"),
    ("Thực phẩm", "Food"),
    ("Dược phẩm", "Pharmaceutical"),
    ("Xuất nhập khẩu", "Import Export"),
    ("Sản xuất và Thương mại", "Manufacturing and Trading"),
    ("Tư vấn", "Consulting"),
    ("Giáo dục", "Education"),
    ("Cơ khí", "Mechanical Engineering"),
    ("Nông nghiệp", "Agriculture"),
    ("May mặc", "Garment"),
    ("Bất động sản", "Real Estate"),
    ("Đầu tư và Phát triển", "Investment and Development"),
    ("Thiết bị Y tế", "Medical Equipment"),
    ("Điện tử", "Electronics"),
    ("Nội thất", "Furniture"),
    ("Thủy sản", "Seafood"),
    ("Cà phê", "Coffee"),
    ("In ấn", "Printing"),
    ("Quảng cáo", "Advertising"),
    ("Môi trường", "Environment"),
    ("Năng lượng", "Energy"),
    ("Vật liệu Xây dựng", "Building Materials"),
    ("Logistics", "Logistics"),
];

/// Auspicious trade names of the kind Vietnamese firms choose.
#[rustfmt::skip]
const BRANDS: &[&str] = &[
    "Minh Phát", "Hòa Bình", "Thành Công", "An Phát", "Hưng Thịnh", "Phúc Lộc", "Tân Phát",
    "Việt Á", "Đại Việt", "Sao Mai", "Hoàng Long", "Thiên An", "Phú Thịnh", "Kim Long", "Bảo Minh",
    "Trường Thành", "Hải Đăng", "Nam Việt", "Đông Á", "Quang Minh", "Thịnh Phát", "Vạn Xuân",
    "Phương Nam", "Bình Minh", "Á Châu", "Hồng Hà", "Sông Hồng", "Tân Việt", "Gia Phát",
    "Đức Thành", "Lạc Hồng", "Hoàng Gia", "Tiến Phát", "Thái Sơn", "Mê Kông", "Trường Sơn",
    "An Khang", "Kim Ngân", "Ngọc Lan", "Thiên Phú", "Hưng Long", "Nhật Quang", "Đông Dương",
    "Phúc Hưng", "Tín Nghĩa", "Hòa Phú", "Vĩnh Phát", "Thanh Bình", "Tâm Đức", "Hợp Nhất",
];

/// Optional endings of a trade name, in Vietnamese and English, with weights.
const REGIONS: &[(&str, &str, u32)] = &[
    ("", "", 70),
    (" Việt Nam", " Vietnam", 12),
    (" Sài Gòn", " Saigon", 6),
    (" Hà Nội", " Hanoi", 6),
    (" Miền Trung", " Central", 3),
    (" Miền Nam", " Southern", 3),
];

/// How many adults are kept to choose representatives from; enough to spread them out.
const REPRESENTATIVE_POOL: usize = 50_000;

/// The organization stream behind [`super::organizations`].
pub(in crate::generate) struct Organizations {
    rng: Rng,
    places: Places,
    representatives: Vec<PersonalId>,
    offices: Weighted<usize>,
    forms: Weighted<usize>,
    regions: Weighted<usize>,
    sequences: Vec<u64>,
    key: u64,
    as_of: NaiveDate,
    remaining: u64,
    /// The rest of the current enterprise and its branches, last first.
    pending: Vec<OrganizationRow>,
}

impl Organizations {
    pub(in crate::generate) fn new(options: &GenerateOptions, count: u64) -> Organizations {
        // ISO dates compare as text, so the rows need not be parsed.
        let born_by = iso(sub_years(options.as_of, 25));
        let representatives = persons(options)
            .filter(|p| p.status == "living" && p.birth_date <= born_by)
            .map(|p| PersonalId::parse(&p.personal_id).expect("generated numbers are valid"))
            .take(REPRESENTATIVE_POOL)
            .collect();
        Organizations {
            rng: Rng::new(options.seed, 2),
            places: Places::new(),
            representatives,
            offices: Weighted::new(
                TAX_OFFICES
                    .iter()
                    .enumerate()
                    .map(|(i, &(.., w))| (i, u64::from(w))),
            ),
            forms: Weighted::new(FORMS.iter().enumerate().map(|(i, f)| (i, u64::from(f.3)))),
            regions: Weighted::new(REGIONS.iter().enumerate().map(|(i, r)| (i, u64::from(r.2)))),
            sequences: vec![0; TAX_OFFICES.len()],
            key: mix(options.seed, 0x7a),
            as_of: options.as_of,
            remaining: count,
            pending: Vec::new(),
        }
    }

    /// The next unused tax code, from `office` or, once its sequence is exhausted, the next one.
    fn code(&mut self, office: usize) -> (String, Province) {
        for step in 0..TAX_OFFICES.len() {
            let o = (office + step) % TAX_OFFICES.len();
            let (prefix, province, _) = TAX_OFFICES[o];
            while self.sequences[o] < SEQUENCES {
                let n = self.sequences[o];
                self.sequences[o] += 1;
                let sequence = permute(n, 1000, 10_000, mix(self.key, o as u64));
                // Sequence 0000000 is not issued; some prefixes admit no check digit at all.
                if sequence == 0 {
                    continue;
                }
                let nine = format!("{prefix:02}{sequence:07}");
                if let Some(check) = check_digit_for(&nine) {
                    let province = Province::from_code(province).expect("valid table code");
                    return (format!("{nine}{check}"), province);
                }
            }
        }
        panic!(
            "every tax code of the {} tax offices is used up",
            TAX_OFFICES.len()
        );
    }

    /// A legal representative: any adult of the pool; one person may represent several firms.
    fn representative(&mut self) -> String {
        self.rng.pick(&self.representatives).to_string()
    }

    /// A founding date between 1990 and `as_of`, most of them recent as enterprises multiplied.
    fn founded(&mut self, not_before: NaiveDate) -> NaiveDate {
        let start = ymd(1990, 1, 1).max(not_before).min(self.as_of);
        let span = (self.as_of - start).num_days() as f64;
        let back = (span * self.rng.unit().powi(2)) as u64;
        self.as_of - Days::new(back)
    }

    /// A street address in the province, sometimes on an upper floor of an office building.
    fn head_office(&mut self, province: Province) -> String {
        let index = province_index(province.code());
        let address = self.places.street_address(&mut self.rng, province, index);
        if self.rng.chance(0.3) {
            let floor = 2 + self.rng.below(24);
            let building = self
                .rng
                .pick(&["Thăng Long", "Hòa Bình", "Sông Hồng", "Phương Nam"]);
            format!("Tầng {floor}, tòa nhà {building}, {address}")
        } else {
            address
        }
    }

    /// An enterprise and, sometimes, its branches, at most `room` rows, into `pending`.
    fn enterprise(&mut self, room: u64) {
        let office = self.offices.pick(&mut self.rng);
        let (code, province) = self.code(office);
        let (form_vi, form_en, form_abbr, _) = FORMS[self.forms.pick(&mut self.rng)];
        let &(sector_vi, sector_en) = self.rng.pick(SECTORS);
        let brand = *self.rng.pick(BRANDS);
        let (region_vi, region_en, _) = REGIONS[self.regions.pick(&mut self.rng)];
        let with_sector = self.rng.chance(0.85);
        let name_vi = if with_sector {
            format!("{form_vi} {sector_vi} {brand}{region_vi}")
        } else {
            format!("{form_vi} {brand}{region_vi}")
        };
        let brand_en = format!("{}{region_en}", title_ascii(brand));
        let sector_en = if with_sector { sector_en } else { "" };
        let name_foreign = if form_abbr.is_empty() && self.rng.chance(0.7) || self.rng.chance(0.15)
        {
            String::new()
        } else {
            join_words(&[&brand_en, sector_en, form_en])
        };
        let abbreviation = if form_abbr.is_empty() || self.rng.chance(0.3) {
            String::new()
        } else {
            abbreviate(&mut self.rng, &brand_en, sector_en, form_abbr)
        };
        let founded = self.founded(ymd(1990, 1, 1));
        let parent = OrganizationRow {
            code,
            name_vi,
            abbreviation,
            name_foreign,
            founded: iso(founded),
            head_office: self.head_office(province),
            legal_representative: self.representative(),
        };

        let branches = if self.rng.chance(0.08) {
            1 + self.rng.below(3)
        } else {
            0
        };
        let mut rows = vec![parent];
        for suffix in 1..=branches.min(room - 1) {
            let city = Province::from_code(*self.rng.pick(&[79, 1, 48, 31, 92, 74, 56]))
                .expect("valid table code");
            let parent = &rows[0];
            let name_vi = format!("Chi nhánh {} tại {}", parent.name_vi, city.name());
            let name_foreign = if parent.name_foreign.is_empty() {
                String::new()
            } else {
                format!("{} - {} Branch", parent.name_foreign, english_place(city))
            };
            let code = format!("{}-{suffix:03}", parent.code);
            let founded = self.founded(founded);
            rows.push(OrganizationRow {
                code,
                name_vi,
                abbreviation: String::new(),
                name_foreign,
                founded: iso(founded),
                head_office: self.head_office(city),
                legal_representative: self.representative(),
            });
        }
        self.pending.extend(rows.into_iter().rev());
    }
}

impl Iterator for Organizations {
    type Item = OrganizationRow;

    fn next(&mut self) -> Option<OrganizationRow> {
        if self.pending.is_empty() {
            if self.remaining == 0 || self.representatives.is_empty() {
                return None;
            }
            self.enterprise(self.remaining);
            self.remaining -= self.pending.len() as u64;
        }
        self.pending.pop()
    }
}

/// "Hòa Bình" → "Hoa Binh": the unaccented form firms use in English names.
fn title_ascii(text: &str) -> String {
    fold(text)
        .split(' ')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn english_place(province: Province) -> String {
    match province.code() {
        1 => "Hanoi".to_owned(),
        79 => "Ho Chi Minh City".to_owned(),
        _ => title_ascii(province.name()),
    }
}

fn join_words(words: &[&str]) -> String {
    words
        .iter()
        .filter(|w| !w.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// "MINH PHAT TRADING CO., LTD", "HOA BINH JSC" or initials such as "HBC", within 40 characters.
fn abbreviate(rng: &mut Rng, brand: &str, sector: &str, form: &str) -> String {
    if form == "JSC" && rng.chance(0.4) {
        let initials: String = brand
            .split(' ')
            .chain(sector.split(' ').take(1))
            .filter_map(|w| w.chars().next())
            .collect();
        return initials.to_uppercase();
    }
    let long = join_words(&[brand, sector, form]).to_uppercase();
    if long.chars().count() <= 40 {
        long
    } else {
        join_words(&[brand, form]).to_uppercase()
    }
}

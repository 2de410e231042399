//! The weighted tables the person generator draws from, built once per stream from the data in
//! `census`, `names` and `places`.

use dinhdanh_domain::Province;

use super::Weighted;
use super::census::{self, ETHNICITIES};
use super::names;
use super::places::Places;

/// Middle and given names for one sex, for the older and the younger generation.
pub(super) struct NameTables {
    pub middle: [Weighted<&'static str>; 2],
    pub given: [Weighted<&'static str>; 2],
    pub mong_middle: Weighted<&'static str>,
    pub mong_given: Weighted<&'static str>,
}

impl NameTables {
    fn new(
        middle: &[(&'static str, u32, u32)],
        given: &[(&'static str, u32, u32)],
        mong_middle: &[(&'static str, u32)],
        mong_given: &[(&'static str, u32)],
    ) -> NameTables {
        let era = |table: &[(&'static str, u32, u32)], young: bool| {
            Weighted::new(
                table
                    .iter()
                    .map(|&(name, old, new)| (name, u64::from(if young { new } else { old }))),
            )
        };
        NameTables {
            middle: [era(middle, false), era(middle, true)],
            given: [era(given, false), era(given, true)],
            mong_middle: flat(mong_middle),
            mong_given: flat(mong_given),
        }
    }
}

fn flat(table: &[(&'static str, u32)]) -> Weighted<&'static str> {
    Weighted::new(table.iter().map(|&(name, w)| (name, u64::from(w))))
}

/// Every table the generator draws from, built once.
pub(super) struct Tables {
    pub places: Places,
    pub kinh_provinces: Weighted<Province>,
    pub all_provinces: Weighted<Province>,
    pub big_cities: Weighted<Province>,
    pub ethnicities: Weighted<usize>,
    pub homelands: Vec<Option<Weighted<Province>>>,
    pub family: Vec<Weighted<&'static str>>,
    pub religions: Weighted<&'static str>,
    pub male: NameTables,
    pub female: NameTables,
    pub wife_ages: Weighted<(u32, u32)>,
    pub single_ages: Weighted<(u32, u32)>,
    pub children: [Weighted<usize>; 2],
}

impl Tables {
    /// Builds every table from the census, name and place data.
    pub fn new() -> Tables {
        let province = |code: u16| Province::from_code(code).expect("codes in tables are valid");
        let by_population = |codes: &[u16]| {
            Weighted::new(
                codes
                    .iter()
                    .map(|&c| (province(c), u64::from(province(c).population_thousands()))),
            )
        };
        let bands = |table: &[((u32, u32), u32)]| {
            Weighted::new(table.iter().map(|&(band, w)| (band, u64::from(w))))
        };
        Tables {
            places: Places::new(),
            kinh_provinces: Weighted::new(Province::all().map(|p| {
                let weight = p.population_thousands() * census::kinh_percent(p.code());
                (p, u64::from(weight))
            })),
            all_provinces: Weighted::new(
                Province::all().map(|p| (p, u64::from(p.population_thousands()))),
            ),
            big_cities: Weighted::new(
                census::BIG_CITIES
                    .iter()
                    .map(|&(c, w)| (province(c), u64::from(w))),
            ),
            ethnicities: Weighted::new(
                ETHNICITIES
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (i, u64::from(e.per_10k))),
            ),
            homelands: ETHNICITIES
                .iter()
                .map(|e| (!e.homeland.is_empty()).then(|| by_population(e.homeland)))
                .collect(),
            family: ETHNICITIES
                .iter()
                .map(|e| {
                    flat(if e.family.is_empty() {
                        names::KINH_FAMILY
                    } else {
                        e.family
                    })
                })
                .collect(),
            religions: flat(census::RELIGIONS),
            male: NameTables::new(
                names::MALE_MIDDLE,
                names::MALE_GIVEN,
                names::MONG_MALE_MIDDLE,
                names::MONG_MALE_GIVEN,
            ),
            female: NameTables::new(
                names::FEMALE_MIDDLE,
                names::FEMALE_GIVEN,
                names::MONG_FEMALE_MIDDLE,
                names::MONG_FEMALE_GIVEN,
            ),
            wife_ages: bands(census::WIFE_AGES),
            single_ages: bands(census::SINGLE_AGES),
            children: census::CHILDREN.map(|weights| {
                Weighted::new(weights.iter().enumerate().map(|(n, &w)| (n, u64::from(w))))
            }),
        }
    }
}

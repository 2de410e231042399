//! Personal IDs and identity cards for the synthetic population.
//!
//! Personal IDs must be unique across tens of millions of rows without a set of every number
//! issued: each province, sex and birth year has a counter, and the counter is sent through a
//! keyed permutation of the million six-digit serials. Identity cards follow the law: a CCCD
//! (whose number is the personal ID) from 14, issued since 2016 and renewed at 25, 40 and 60; a
//! few adults still hold a 9-digit CMND issued before mid-2021.

use chrono::Days;
use dinhdanh_domain::{NaiveDate, PersonalId, Province, Sex};

use super::{Rng, add_years, mix, permute, province_index, sub_years};

/// The first citizen identity cards (CCCD) carrying the personal ID were issued in 2016.
const CCCD_START: NaiveDate = NaiveDate::from_ymd_opt(2016, 1, 1).unwrap();
/// The last 9-digit identity cards (CMND) were issued in mid-2021.
const CMND_END: NaiveDate = NaiveDate::from_ymd_opt(2021, 6, 30).unwrap();
/// Serials per province, sex and year of birth: the last six digits of a personal ID.
const SERIALS: u32 = 1_000_000;

/// Hands out personal IDs that are unique without remembering them.
pub(super) struct Serials {
    provinces: Vec<Province>,
    counters: Vec<u32>,
    years: usize,
    key: u64,
}

impl Serials {
    /// Counters for births from 1900 to `last_year`, keyed by `seed`.
    pub fn new(seed: u64, last_year: i32) -> Serials {
        let years = usize::try_from(last_year - 1899).expect("as_of is after 1900");
        let provinces: Vec<Province> = Province::all().collect();
        Serials {
            counters: vec![0; provinces.len() * 2 * years],
            provinces,
            years,
            key: mix(seed, 0x5e7a1),
        }
    }

    /// The next unused number for a birth of this sex and year registered in `province`.
    pub fn issue(&mut self, province: Province, sex: Sex, birth_year: i32) -> PersonalId {
        let year = usize::try_from(birth_year - 1900).expect("births are from 1920");
        let sex_slot = usize::from(sex == Sex::Female);
        let first = province_index(province.code());
        let count = self.provinces.len();
        // A full bucket (a million births of one sex in one year in one province) spills over
        // into the next province, so any population the ID space can hold can be generated.
        for step in 0..count {
            let p = (first + step) % count;
            let slot = (p * 2 + sex_slot) * self.years + year;
            let n = self.counters[slot];
            if n < SERIALS {
                self.counters[slot] += 1;
                let serial = permute(u64::from(n), 1000, 1000, mix(self.key, slot as u64));
                let serial = u32::try_from(serial).expect("a permutation of 0..1,000,000");
                return PersonalId::from_parts(self.provinces[p], sex, birth_year, serial)
                    .expect("birth years 1920..=2399 and serials below a million are valid");
            }
        }
        panic!("all 63 million personal IDs for {sex} births in {birth_year} are used up");
    }
}

/// An identity card as the generator settles it.
pub(super) struct Card {
    /// 12 digits (the personal ID) for a CCCD, 9 for a CMND.
    pub number: String,
    /// Date of issue.
    pub issued: NaiveDate,
    /// Date of expiry; `None` for a card valid for life.
    pub expires: Option<NaiveDate>,
}

/// Issues identity cards; remembers how many 9-digit CMND numbers it has handed out.
pub(super) struct Cards {
    as_of: NaiveDate,
    cmnd_issued: u64,
    cmnd_key: u64,
}

impl Cards {
    /// Cards as held on `as_of`, with CMND numbers keyed by `seed`.
    pub fn new(seed: u64, as_of: NaiveDate) -> Cards {
        Cards {
            as_of,
            cmnd_issued: 0,
            cmnd_key: mix(seed, 0xc4d),
        }
    }

    /// The card a person holds on `as_of` (or held when they died), if any.
    pub fn card(
        &mut self,
        rng: &mut Rng,
        id: PersonalId,
        birth: NaiveDate,
        death: Option<NaiveDate>,
    ) -> Option<Card> {
        let upper = death.map_or(self.as_of, |d| d.min(self.as_of));
        let fourteen = add_years(birth, 14);
        if fourteen > upper {
            return None;
        }
        // Cards are due at 14, but some teenagers have not applied yet.
        if upper < add_years(birth, 16) && rng.chance(0.3) {
            return None;
        }
        let cccd_from = fourteen.max(CCCD_START);
        let keeps_cmnd = upper >= add_years(birth, 30) && rng.chance(0.05);
        if !keeps_cmnd && cccd_from <= upper {
            return Some(cccd(rng, id, birth, cccd_from, upper));
        }
        // A CMND is valid for 15 years; only one still valid on `upper` is kept.
        let cmnd_from = fourteen.max(sub_years(upper, 15) + Days::new(1));
        let cmnd_to = upper.min(CMND_END);
        if cmnd_from <= cmnd_to {
            let issued = rng.day_between(cmnd_from, cmnd_to);
            let number = permute(self.cmnd_issued, 1000, 1_000_000, self.cmnd_key);
            self.cmnd_issued += 1;
            return Some(Card {
                number: format!("{number:09}"),
                issued,
                expires: Some(add_years(issued, 15)),
            });
        }
        (cccd_from <= upper).then(|| cccd(rng, id, birth, cccd_from, upper))
    }
}

/// A CCCD, renewed at each milestone age that has passed, so it is the one held on `upper`.
fn cccd(
    rng: &mut Rng,
    id: PersonalId,
    birth: NaiveDate,
    from: NaiveDate,
    upper: NaiveDate,
) -> Card {
    let mut issued = rng.day_between(from, upper);
    loop {
        match cccd_expiry(birth, issued) {
            Some(expires) if expires <= upper => {
                // Renewed in the two years before the milestone or soon after it.
                let lo = (issued + Days::new(1)).max(sub_years(expires, 2));
                let hi = (expires + Days::new(180)).min(upper);
                issued = rng.day_between(lo, hi);
            }
            expires => {
                return Card {
                    number: id.to_string(),
                    issued,
                    expires,
                };
            }
        }
    }
}

/// When a CCCD expires: at 25, 40 or 60, or never when issued from 58. A card issued in the two
/// years before a milestone is valid until the next one (Law on Citizen Identification 2014,
/// art. 21).
fn cccd_expiry(birth: NaiveDate, issued: NaiveDate) -> Option<NaiveDate> {
    [(23, 25), (38, 40), (58, 60)]
        .into_iter()
        .find(|&(renew_from, _)| issued < add_years(birth, renew_from))
        .map(|(_, milestone)| add_years(birth, milestone))
}

#[cfg(test)]
mod tests {
    use super::super::ymd;
    use super::*;

    #[test]
    fn cccd_expiry_follows_the_milestones() {
        let birth = ymd(2000, 2, 29);
        assert_eq!(cccd_expiry(birth, ymd(2016, 5, 1)), Some(ymd(2025, 2, 28)));
        // Within two years of 25 the card runs to 40.
        assert_eq!(cccd_expiry(birth, ymd(2023, 3, 1)), Some(ymd(2040, 2, 29)));
        assert_eq!(cccd_expiry(birth, ymd(2039, 1, 1)), Some(ymd(2060, 2, 29)));
        assert_eq!(cccd_expiry(birth, ymd(2058, 3, 1)), None);
    }

    #[test]
    fn cards_are_valid_on_the_day_and_cmnd_numbers_unique() {
        let as_of = ymd(2025, 6, 1);
        let mut cards = Cards::new(3, as_of);
        let mut rng = Rng::new(3, 9);
        let hn = Province::from_code(1).unwrap();
        let mut cmnd = std::collections::HashSet::new();
        // Born up to 2008: 16 or older, so every one of them holds a card.
        for year in 1930..2009 {
            let birth = ymd(year, 7, 15);
            let id = PersonalId::from_parts(hn, Sex::Male, year, 1).unwrap();
            for _ in 0..40 {
                let card = cards
                    .card(&mut rng, id, birth, None)
                    .expect("everyone from 14");
                assert!(card.issued >= add_years(birth, 14) && card.issued <= as_of);
                assert!(card.expires.is_none_or(|e| e > as_of), "expired card kept");
                match card.number.len() {
                    12 => assert_eq!(card.number, id.to_string()),
                    9 => assert!(cmnd.insert(card.number), "CMND number reused"),
                    n => panic!("{n}-digit card"),
                }
            }
        }
        assert!(!cmnd.is_empty());
        let child = ymd(2015, 1, 1);
        let id = PersonalId::from_parts(hn, Sex::Male, 2015, 2).unwrap();
        assert!(
            cards.card(&mut rng, id, child, None).is_none(),
            "no card under 14"
        );
    }

    #[test]
    fn serials_are_unique_per_bucket() {
        let mut serials = Serials::new(1, 2025);
        let hn = Province::from_code(1).unwrap();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..50_000 {
            let id = serials.issue(hn, Sex::Female, 1990);
            assert_eq!(id.province(), hn);
            assert_eq!(id.birth_year(), 1990);
            assert_eq!(id.sex(), Sex::Female);
            assert!(seen.insert(id), "{id} issued twice");
        }
    }
}

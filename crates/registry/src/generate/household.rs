//! Households: the unit the person stream is built from.
//!
//! A household is either a married couple with their children or an adult living alone. Building
//! whole families is what makes the relations real: spouses point at each other, children at
//! both parents, a child is born when the mother is 18–42 and after the wedding, and a parent who
//! died did so after the last child was born. Parents are yielded before their children, so
//! every number a row refers to is in the output, even when the last household is cut short to
//! reach the requested count.

use chrono::{Datelike, Days};
use dinhdanh_domain::{NaiveDate, PersonalId, Province, Sex};

use super::census::{self, ETHNICITIES, KHMER, KINH, NameStyle};
use super::identity::{Cards, Serials};
use super::tables::Tables;
use super::{GenerateOptions, Rng, add_years, iso, province_index, sub_years};
use crate::row::PersonRow;

/// Nobody in the synthetic population was born before this day.
const EARLIEST_BIRTH: NaiveDate = NaiveDate::from_ymd_opt(1920, 1, 1).unwrap();

/// A person being assembled, before their identity card and text form are settled.
struct Member {
    id: PersonalId,
    sex: Sex,
    birth: NaiveDate,
    family: &'static str,
    middle: &'static str,
    given: &'static str,
    ethnicity: &'static str,
    religion: &'static str,
    origin: String,
    permanent: String,
    current: Option<String>,
    father: Option<PersonalId>,
    mother: Option<PersonalId>,
    spouse: Option<PersonalId>,
    death: Option<NaiveDate>,
}

/// The person stream behind [`super::persons`].
pub(in crate::generate) struct Persons {
    tables: Tables,
    rng: Rng,
    serials: Serials,
    cards: Cards,
    as_of: NaiveDate,
    remaining: u64,
    /// The rest of the current household, last member first.
    pending: Vec<PersonRow>,
}

impl Persons {
    pub(in crate::generate) fn new(options: &GenerateOptions) -> Persons {
        let year = options.as_of.year();
        assert!(
            (1960..=2399).contains(&year),
            "as_of {} is outside 1960–2399: personal IDs cannot describe such a population",
            options.as_of
        );
        Persons {
            tables: Tables::new(),
            rng: Rng::new(options.seed, 1),
            serials: Serials::new(options.seed, year),
            cards: Cards::new(options.seed, options.as_of),
            as_of: options.as_of,
            remaining: options.count,
            pending: Vec::new(),
        }
    }

    /// Builds the next household and queues at most `room` of its members in `pending`.
    ///
    /// The household is always built whole, so a count that cuts it short yields the same people
    /// as a larger count: trailing children are dropped, and a husband yielded without his wife
    /// loses the link to her. A shorter stream is thus a prefix of a longer one.
    fn household(&mut self, room: u64) {
        let members = if self.rng.chance(census::COUPLE_SHARE) {
            self.family()
        } else {
            vec![self.single()]
        };
        let keep = members
            .len()
            .min(usize::try_from(room).unwrap_or(usize::MAX));
        let mut rows: Vec<PersonRow> = members[..keep].iter().map(|m| self.row(m)).collect();
        if let [alone] = rows.as_mut_slice() {
            alone.spouse_id.clear();
        }
        self.pending.extend(rows.into_iter().rev());
    }

    /// A married couple and their children, parents first.
    fn family(&mut self) -> Vec<Member> {
        let as_of = self.as_of;
        let husband_group = self.tables.ethnicities.pick(&mut self.rng);
        let wife_group = if self.rng.chance(0.9) {
            husband_group
        } else {
            KINH
        };
        let husband_province = self.birth_province(husband_group);
        let wife_province = if wife_group == husband_group && self.rng.chance(0.6) {
            husband_province
        } else {
            self.birth_province(wife_group)
        };

        let (lo, hi) = self.tables.wife_ages.pick(&mut self.rng);
        let mut wife_birth = self.born_aged(lo, hi);
        let gap_years = self.rng.between(2, 8) as u32;
        let mut husband_birth = self.rng.day_between(
            sub_years(wife_birth, gap_years + 1) + Days::new(1),
            sub_years(wife_birth, gap_years),
        );
        if husband_birth < EARLIEST_BIRTH {
            let shift = (EARLIEST_BIRTH - husband_birth).num_days().unsigned_abs();
            wife_birth = wife_birth + Days::new(shift);
            husband_birth = EARLIEST_BIRTH;
        }
        // Both married between 20 and 35, so the wife by 35 minus the age gap.
        let married_from = add_years(wife_birth, 20);
        let married_by = add_years(wife_birth, 35 - gap_years).min(as_of);
        let married = self.rng.day_between(married_from, married_by);

        let era = usize::from(wife_birth.year() >= 1970);
        let wanted = self.tables.children[era].pick(&mut self.rng);
        // The first child comes 9 months to 2½ years after the wedding, the next 1½ to 4½ years
        // later, until the mother is 42 or the observation day is reached.
        let last = add_years(wife_birth, 42).min(as_of);
        let mut births = Vec::with_capacity(wanted);
        let mut next = married + Days::new(self.rng.between(270, 900) as u64);
        while births.len() < wanted && next <= last {
            births.push(next);
            next = next + Days::new(self.rng.between(550, 1640) as u64);
        }

        let home_province = if self.rng.chance(0.85) {
            husband_province
        } else {
            self.tables.big_cities.pick(&mut self.rng)
        };
        let home = self.residence(home_province);
        let religion = self.religion(husband_group);
        let husband_origin = self.origin(husband_province);
        let wife_origin = self.origin(wife_province);

        let mut husband = self.adult(
            husband_group,
            Sex::Male,
            husband_birth,
            husband_province,
            husband_origin,
            home.clone(),
        );
        husband.religion = religion;
        let mut wife = self.adult(
            wife_group,
            Sex::Female,
            wife_birth,
            wife_province,
            wife_origin,
            home.clone(),
        );
        wife.religion = religion;
        husband.spouse = Some(wife.id);
        wife.spouse = Some(husband.id);

        let mut children: Vec<Member> = Vec::with_capacity(births.len());
        for birth in births {
            let sex = if self.rng.chance(0.512) {
                Sex::Male
            } else {
                Sex::Female
            };
            let id = self.serials.issue(home_province, sex, birth.year());
            let (mut middle, mut given) = self.names(ETHNICITIES[husband_group].style, sex, birth);
            // Parents do not give two children the same name.
            for _ in 0..4 {
                if !children.iter().any(|c| c.given == given) {
                    break;
                }
                (middle, given) = self.names(ETHNICITIES[husband_group].style, sex, birth);
            }
            let adult = add_years(birth, 18) <= as_of;
            let current = if adult {
                self.elsewhere(home_province)
            } else {
                wife.current.clone()
            };
            children.push(Member {
                id,
                sex,
                birth,
                family: husband.family,
                middle,
                given,
                ethnicity: husband.ethnicity,
                religion,
                // The place of origin passes from father to child.
                origin: husband.origin.clone(),
                permanent: home.clone(),
                current,
                father: Some(husband.id),
                mother: Some(wife.id),
                spouse: None,
                death: None,
            });
        }

        let youngest = children.last().map_or(married, |c| c.birth.max(married));
        husband.death = self.death(husband_birth, youngest);
        wife.death = self.death(wife_birth, youngest);
        for child in &mut children {
            child.death = self.death(child.birth, child.birth);
        }
        let mut members = vec![husband, wife];
        members.extend(children);
        members
    }

    /// An adult living without a spouse in the data: a young single person or a widow(er).
    fn single(&mut self) -> Member {
        let group = self.tables.ethnicities.pick(&mut self.rng);
        let province = self.birth_province(group);
        let (lo, hi) = self.tables.single_ages.pick(&mut self.rng);
        let birth = self.born_aged(lo, hi);
        // Women outlive men, so more of the old who live alone are widows.
        let female_share = if lo >= 60 { 0.65 } else { 0.47 };
        let sex = if self.rng.chance(female_share) {
            Sex::Female
        } else {
            Sex::Male
        };
        // The young move to the cities for study and work.
        let move_share = if lo < 30 { 0.35 } else { 0.15 };
        let home_province = if self.rng.chance(move_share) {
            self.tables.big_cities.pick(&mut self.rng)
        } else {
            province
        };
        let home = self.residence(home_province);
        let origin = self.origin(province);
        let mut person = self.adult(group, sex, birth, province, origin, home);
        person.religion = self.religion(group);
        person.death = self.death(birth, birth);
        person
    }

    /// An adult born in `province`, with name, number and current residence.
    fn adult(
        &mut self,
        group: usize,
        sex: Sex,
        birth: NaiveDate,
        province: Province,
        origin: String,
        permanent: String,
    ) -> Member {
        let id = self.serials.issue(province, sex, birth.year());
        let family = self.tables.family[group].pick(&mut self.rng);
        let (middle, given) = self.names(ETHNICITIES[group].style, sex, birth);
        let current = self.elsewhere(province);
        Member {
            id,
            sex,
            birth,
            family,
            middle,
            given,
            ethnicity: ETHNICITIES[group].name,
            religion: "Không",
            origin,
            permanent,
            current,
            father: None,
            mother: None,
            spouse: None,
            death: None,
        }
    }

    /// Middle and given name, in the fashion of the person's generation.
    fn names(
        &mut self,
        style: NameStyle,
        sex: Sex,
        birth: NaiveDate,
    ) -> (&'static str, &'static str) {
        let tables = match sex {
            Sex::Male => &self.tables.male,
            Sex::Female => &self.tables.female,
        };
        if style == NameStyle::Mong {
            return (
                tables.mong_middle.pick(&mut self.rng),
                tables.mong_given.pick(&mut self.rng),
            );
        }
        // Born 1960 or earlier: the old fashion; 2005 or later: the new; in between, a blend.
        let old = f64::from(2005 - birth.year()) / 45.0;
        let era = usize::from(!self.rng.chance(old));
        let middle = tables.middle[era].pick(&mut self.rng);
        let mut given = tables.given[era].pick(&mut self.rng);
        // "Văn Minh Minh" is not a name: the given name differs from the middle name's last word.
        while middle.rsplit(' ').next() == Some(given) {
            given = tables.given[era].pick(&mut self.rng);
        }
        (middle, given)
    }

    /// A birth date so that the age on `as_of` is at least `lo` and below `hi` years.
    fn born_aged(&mut self, lo: u32, hi: u32) -> NaiveDate {
        let earliest = (sub_years(self.as_of, hi) + Days::new(1)).max(EARLIEST_BIRTH);
        let latest = sub_years(self.as_of, lo).max(earliest);
        self.rng.day_between(earliest, latest)
    }

    /// Where someone of this group was born: their homeland mostly, anywhere by population else.
    fn birth_province(&mut self, group: usize) -> Province {
        match &self.tables.homelands[group] {
            Some(homeland) if self.rng.chance(0.9) => homeland.pick(&mut self.rng),
            Some(_) => self.tables.all_provinces.pick(&mut self.rng),
            None => self.tables.kinh_provinces.pick(&mut self.rng),
        }
    }

    /// A religion by census share; most Khmer are Theravada Buddhists.
    fn religion(&mut self, group: usize) -> &'static str {
        if group == KHMER && self.rng.chance(0.9) {
            return "Phật giáo";
        }
        self.tables.religions.pick(&mut self.rng)
    }

    /// A home address in the province, in a city or a village by the province's urban share.
    fn residence(&mut self, province: Province) -> String {
        let urban_share = match province.code() {
            79 => 0.8,
            31 | 48 | 92 => 0.6,
            1 | 74 | 75 | 77 => 0.5,
            _ => 0.3,
        };
        let urban = self.rng.chance(urban_share);
        let index = province_index(province.code());
        self.tables
            .places
            .residence(&mut self.rng, province, index, urban)
    }

    /// A place of origin: mostly in the province of birth, otherwise anywhere.
    fn origin(&mut self, born_in: Province) -> String {
        let province = if self.rng.chance(0.75) {
            born_in
        } else {
            self.tables.all_provinces.pick(&mut self.rng)
        };
        let index = province_index(province.code());
        self.tables.places.origin(&mut self.rng, province, index)
    }

    /// `None` for the 85 % who live at their permanent address; another address otherwise.
    fn elsewhere(&mut self, home: Province) -> Option<String> {
        if self.rng.chance(0.85) {
            return None;
        }
        let province = if self.rng.chance(0.6) {
            self.tables.big_cities.pick(&mut self.rng)
        } else {
            home
        };
        Some(self.residence(province))
    }

    /// A date of death for about 0.6 % of people, mostly the old, never before `not_before`.
    fn death(&mut self, birth: NaiveDate, not_before: NaiveDate) -> Option<NaiveDate> {
        let age = self.as_of.years_since(birth).unwrap_or(0);
        let p = match age {
            0..50 => 0.001,
            50..65 => 0.005,
            65..75 => 0.025,
            75..85 => 0.065,
            _ => 0.15,
        };
        if !self.rng.chance(p) {
            return None;
        }
        let earliest = not_before.max(sub_years(self.as_of, 10)).min(self.as_of);
        Some(self.rng.day_between(earliest, self.as_of))
    }

    /// The finished text row, with the identity card settled now that death is known.
    fn row(&mut self, m: &Member) -> PersonRow {
        let card = self.cards.card(&mut self.rng, m.id, m.birth, m.death);
        let id = |v: Option<PersonalId>| v.map(|i| i.to_string()).unwrap_or_default();
        let (card_number, issued, expires) = match card {
            Some(c) => (c.number, iso(c.issued), c.expires.map(iso)),
            None => (String::new(), String::new(), None),
        };
        PersonRow {
            personal_id: m.id.to_string(),
            family_name: m.family.to_owned(),
            middle_name: m.middle.to_owned(),
            given_name: m.given.to_owned(),
            birth_date: iso(m.birth),
            sex: m.sex.as_str().to_owned(),
            place_of_origin: m.origin.clone(),
            permanent_residence: m.permanent.clone(),
            current_residence: m.current.clone().unwrap_or_else(|| m.permanent.clone()),
            nationality: "VN".to_owned(),
            ethnicity: m.ethnicity.to_owned(),
            religion: m.religion.to_owned(),
            father_id: id(m.father),
            mother_id: id(m.mother),
            spouse_id: id(m.spouse),
            id_card_number: card_number,
            id_card_issued: issued,
            id_card_expires: expires.unwrap_or_default(),
            status: if m.death.is_some() {
                "deceased"
            } else {
                "living"
            }
            .to_owned(),
            death_date: m.death.map(iso).unwrap_or_default(),
        }
    }
}

impl Iterator for Persons {
    type Item = PersonRow;

    fn next(&mut self) -> Option<PersonRow> {
        if self.pending.is_empty() {
            if self.remaining == 0 {
                return None;
            }
            self.household(self.remaining);
            self.remaining -= self.pending.len() as u64;
        }
        self.pending.pop()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.remaining)
            .unwrap_or(usize::MAX)
            .saturating_add(self.pending.len());
        (left, Some(left))
    }
}

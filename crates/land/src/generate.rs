//! Deterministic demo data: parcels and certificates for persons and organizations that exist in
//! the population registry.
//!
//! Demos, load tests and the data-sharing exchange need land records that look like Vietnam and
//! pass the land database's own rules. Given personal IDs (with the married couples among them)
//! and tax codes, [`generate`] gives about 55% of adults (and most of their spouses, through a
//! joint home) one to three parcels — a home, then farm land — has most couples hold their home
//! together on one certificate with both names, lets a
//! few siblings hold farm land in shares, and gives organizations one or two large leased
//! parcels for trade or production. Homes are small and urban in the five centrally-run cities,
//! larger with a garden in the country; farm land follows the region (rice in the deltas, fish
//! ponds in the Mekong, forest and annual crops in the uplands). Records made from 1 July 2025
//! use the two-level administration. A few certificates were replaced by a newer one, fewer
//! were revoked. These shares are demo assumptions, not published statistics.
//!
//! The same options and owners give the same data forever: the generator uses its own
//! SplitMix64 generator, as the registry's does, never `rand`, whose algorithms may change.

mod places;
mod rng;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::io::Write;

use chrono::{Datelike, Days, Months, NaiveDate};
use dinhdanh_domain::{PersonalId, Province, TaxCode};

use crate::certificate::{
    Certificate, CertificateSerial, CertificateStatus, CoveredParcels, Holder, HolderShare,
    Holders, RegistryBookNumber, Share,
};
use crate::origin::{Acquisition, StateGrant, UseOrigin};
use crate::parcel::{
    Area, MapSheet, Parcel, ParcelKey, ParcelNumber, PurposeArea, Purposes, UseTerm,
};
use crate::place::{CommuneName, DistrictName, Locality};
use crate::purpose::LandUseCode;
use crate::row::{CertificateRow, ParcelRow};

use self::rng::{Rng, mix};

/// Settings for demo land data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateOptions {
    /// The seed: the same seed, date and owners give the same data.
    pub seed: u64,
    /// The day the data is observed: no certificate is issued after it.
    pub as_of: NaiveDate,
}

/// Who may hold land: persons and organizations that exist in the registry.
#[derive(Debug, Clone, Copy, Default)]
pub struct Owners<'a> {
    /// Persons, in any order.
    pub persons: &'a [PersonalId],
    /// Married couples among them, who may hold their home together.
    pub couples: &'a [(PersonalId, PersonalId)],
    /// Organizations.
    pub organizations: &'a [TaxCode],
}

/// Generated parcels and the certificates covering them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LandData {
    /// Parcels, in generation order.
    pub parcels: Vec<Parcel>,
    /// Certificates, in generation order (a replaced certificate before its replacement).
    pub certificates: Vec<Certificate>,
}

/// Writes the data as `parcels.csv` and `certificates.csv` in the import layout.
pub fn write_csv(
    data: &LandData,
    parcels: impl Write,
    certificates: impl Write,
) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(parcels);
    for p in &data.parcels {
        w.serialize(ParcelRow::from(p))?;
    }
    w.flush()?;
    let mut w = csv::Writer::from_writer(certificates);
    for c in &data.certificates {
        w.serialize(CertificateRow::from(c))?;
    }
    w.flush()?;
    Ok(())
}

/// Generates land for the owners; see the module documentation.
pub fn generate(options: &GenerateOptions, owners: &Owners<'_>) -> LandData {
    let mut g = Generator::new(options);
    let spouse: HashMap<PersonalId, PersonalId> = owners
        .couples
        .iter()
        .flat_map(|&(a, b)| [(a, b), (b, a)])
        .collect();
    let adults: Vec<PersonalId> = owners
        .persons
        .iter()
        .copied()
        .filter(|id| g.is_adult(*id))
        .collect();
    let mut done: HashSet<PersonalId> = HashSet::new();
    for &id in &adults {
        if done.contains(&id) {
            continue;
        }
        let mut rng = Rng::new(options.seed, id.as_u64());
        if !rng.chance(0.55) {
            continue;
        }
        let partner = spouse
            .get(&id)
            .copied()
            .filter(|s| g.is_adult(*s) && !done.contains(s));
        g.person_land(&mut rng, id, partner, &adults);
        done.insert(id);
        if let Some(p) = partner {
            done.insert(p);
        }
    }
    for code in owners.organizations {
        let key = code
            .as_str()
            .bytes()
            .fold(0u64, |h, b| mix(h, u64::from(b)));
        let mut rng = Rng::new(options.seed, key);
        g.organization_land(&mut rng, code);
    }
    g.data
}

/// What a parcel is for, which sets its purposes, size and origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    Home,
    Farm,
    Business,
}

struct Generator {
    as_of: NaiveDate,
    seed: u64,
    numbering: HashMap<Locality, u64>,
    serials: u64,
    book: u64,
    data: LandData,
}

/// The day the two-level administration began (see [`crate::place`]).
const TWO_LEVEL_FROM: NaiveDate = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
/// The day the form of Circular 10/2024/TT-BTNMT took effect (see [`crate::certificate`]).
const NEW_FORM_FROM: NaiveDate = NaiveDate::from_ymd_opt(2024, 8, 1).unwrap();
/// The earliest issue date of demo certificates.
const FIRST_ISSUE: NaiveDate = NaiveDate::from_ymd_opt(1995, 1, 1).unwrap();

impl Generator {
    fn new(options: &GenerateOptions) -> Generator {
        Generator {
            as_of: options.as_of,
            seed: options.seed,
            numbering: HashMap::new(),
            serials: 0,
            book: 0,
            data: LandData::default(),
        }
    }

    fn is_adult(&self, id: PersonalId) -> bool {
        id.birth_year() + 18 <= self.as_of.year()
    }

    /// A person's (or couple's) home and farm land.
    fn person_land(
        &mut self,
        rng: &mut Rng,
        id: PersonalId,
        partner: Option<PersonalId>,
        adults: &[PersonalId],
    ) {
        let count = match rng.unit() {
            x if x < 0.65 => 1,
            x if x < 0.90 => 2,
            _ => 3,
        };
        let home_province = if rng.chance(0.85) {
            id.province()
        } else {
            self.any_province(rng)
        };
        let youngest = partner.map_or(id.birth_year(), |p| p.birth_year().max(id.birth_year()));
        let joint = partner.filter(|_| rng.chance(0.8));
        let mut home_holders = vec![holder(id, None)];
        if let Some(p) = joint {
            home_holders.push(holder(p, None));
        }
        let issued = self.issue_date(rng, youngest);
        let urban = rng.chance(if places::is_central_city(home_province) {
            0.85
        } else {
            0.2
        });
        let home = self.parcel(rng, home_province, urban, issued, Use::Home);
        self.certify(rng, vec![home], home_holders, issued);

        // Farm land lies in one rural commune; two farm parcels there may share a certificate.
        let farm_province = home_province;
        let farm_place = (rng.below(6), rng.below(12) + 1);
        let mut farms = Vec::new();
        for _ in 1..count {
            let issued = self.issue_date(rng, id.birth_year());
            let parcel = self.parcel_at(rng, farm_province, false, issued, Use::Farm, farm_place);
            farms.push((parcel, issued));
        }
        let shared =
            farms.len() == 2 && rng.chance(0.3) && farms[0].0.locality == farms[1].0.locality;
        if shared {
            let issued = farms[0].1.max(farms[1].1);
            let keys = farms.into_iter().map(|(k, _)| k).collect();
            self.certify(rng, keys, vec![holder(id, None)], issued);
            return;
        }
        for (key, issued) in farms {
            // A few farm parcels are inherited by siblings and held in shares.
            let sibling = rng.pick(adults);
            let of_age = sibling.birth_year() + 18 <= issued.year();
            let holders =
                if rng.chance(0.08) && of_age && *sibling != id && Some(*sibling) != partner {
                    let (mine, theirs) = if rng.chance(0.5) {
                        ((1, 2), (1, 2))
                    } else {
                        ((2, 3), (1, 3))
                    };
                    vec![holder(id, Some(mine)), holder(*sibling, Some(theirs))]
                } else {
                    vec![holder(id, None)]
                };
            self.certify(rng, vec![key], holders, issued);
        }
    }

    /// An organization's leased land for trade or production.
    fn organization_land(&mut self, rng: &mut Rng, code: &TaxCode) {
        let count = if rng.chance(0.7) { 1 } else { 2 };
        for _ in 0..count {
            let province = self.any_province(rng);
            let issued = self.issue_date(rng, 1977);
            let urban = rng.chance(0.4);
            let key = self.parcel(rng, province, urban, issued, Use::Business);
            let holders = vec![HolderShare {
                holder: Holder::Organization(code.clone()),
                share: None,
            }];
            self.certify(rng, vec![key], holders, issued);
        }
    }

    /// A province weighted by population.
    fn any_province(&self, rng: &mut Rng) -> Province {
        let total: u64 = Province::all()
            .map(|p| u64::from(p.population_thousands()))
            .sum();
        let mut pick = rng.below(total);
        for p in Province::all() {
            let weight = u64::from(p.population_thousands());
            if pick < weight {
                return p;
            }
            pick -= weight;
        }
        Province::all()
            .last()
            .expect("the province table is not empty")
    }

    /// An issue date after the holder turned 18 (and after 1995), not after `as_of`.
    fn issue_date(&self, rng: &mut Rng, birth_year: i32) -> NaiveDate {
        let adult = NaiveDate::from_ymd_opt(birth_year + 18, 1, 1).unwrap_or(FIRST_ISSUE);
        let from = adult.max(FIRST_ISSUE).min(self.as_of);
        let span = (self.as_of - from).num_days().max(0) as u64;
        from + Days::new(rng.below(span + 1))
    }

    fn parcel(
        &mut self,
        rng: &mut Rng,
        province: Province,
        urban: bool,
        issued: NaiveDate,
        use_: Use,
    ) -> ParcelKey {
        let place = (rng.below(if urban { 4 } else { 6 }), rng.below(12));
        self.parcel_at(rng, province, urban, issued, use_, place)
    }

    /// Creates a parcel in the given (district, commune) of the province and returns its key.
    fn parcel_at(
        &mut self,
        rng: &mut Rng,
        province: Province,
        urban: bool,
        issued: NaiveDate,
        use_: Use,
        (district, commune): (u64, u64),
    ) -> ParcelKey {
        let locality = if issued < TWO_LEVEL_FROM {
            let (d, c) = places::three_level(province, urban, district, commune);
            let district = DistrictName::parse(&d).expect("generated district names parse");
            let commune = CommuneName::parse(&c).expect("generated commune names parse");
            Locality::new(province, Some(district), commune)
        } else {
            let c = places::two_level(province, urban, district * 16 + commune);
            Locality::new(
                province,
                None,
                CommuneName::parse(&c).expect("generated names parse"),
            )
        }
        .expect("generated localities follow the era rules");
        // Numbers run on through each commune's sheets with small gaps, so keys never repeat
        // and any number of parcels fits (400 to a sheet, up to MAX_MAP_SHEET sheets).
        let next = self.numbering.entry(locality.clone()).or_insert(0);
        *next += 1 + rng.below(4);
        let key = ParcelKey {
            locality,
            map_sheet: MapSheet::parse(&(*next / 400 + 1).to_string()).expect("in range"),
            number: ParcelNumber::parse(&(*next % 400 + 1).to_string()).expect("in range"),
        };
        let term_end = UseTerm::Until(add_years(issued, 50));
        let mut purposes = Vec::new();
        let (grant, acquired_by) = match use_ {
            Use::Home => {
                let (code, low, high) = if urban {
                    (LandUseCode::UrbanResidential, 40, 150)
                } else {
                    (LandUseCode::RuralResidential, 150, 400)
                };
                purposes.push(purpose(code, area(rng, low, high), UseTerm::LongTerm));
                if !urban && rng.chance(0.5) {
                    purposes.push(purpose(
                        LandUseCode::PerennialCrops,
                        area(rng, 100, 800),
                        term_end,
                    ));
                }
                let grant = *rng.pick(&[
                    StateGrant::RecognisedWithLevy,
                    StateGrant::RecognisedWithLevy,
                    StateGrant::AllocatedWithLevy,
                    StateGrant::RecognisedWithoutLevy,
                ]);
                (
                    grant,
                    pick_acquisition(
                        rng,
                        &[
                            (0.30, Acquisition::Transfer),
                            (0.15, Acquisition::Inheritance),
                            (0.10, Acquisition::Gift),
                        ],
                    ),
                )
            }
            Use::Farm => {
                let (code, low, high) = places::farm_use(rng, places::region(province));
                purposes.push(purpose(code, area(rng, low, high), term_end));
                let grant = if rng.chance(0.75) {
                    StateGrant::AllocatedWithoutLevy
                } else {
                    StateGrant::RecognisedWithoutLevy
                };
                (
                    grant,
                    pick_acquisition(
                        rng,
                        &[
                            (0.15, Acquisition::Inheritance),
                            (0.10, Acquisition::Transfer),
                            (0.05, Acquisition::Exchange),
                        ],
                    ),
                )
            }
            Use::Business => {
                let code = if rng.chance(0.6) {
                    LandUseCode::TradeAndServices
                } else {
                    LandUseCode::NonAgriculturalProduction
                };
                purposes.push(purpose(code, area(rng, 2_000, 60_000), term_end));
                let grant = if rng.chance(0.6) {
                    StateGrant::LeasedAnnualRent
                } else {
                    StateGrant::LeasedOneOffRent
                };
                (
                    grant,
                    pick_acquisition(rng, &[(0.10, Acquisition::Transfer)]),
                )
            }
        };
        self.data.parcels.push(Parcel {
            key: key.clone(),
            street_address: places::address(rng, urban || use_ == Use::Business, province)
                .filter(|_| use_ != Use::Farm),
            purposes: Purposes::new(purposes).expect("generated purposes follow the rules"),
            origin: UseOrigin { grant, acquired_by },
        });
        key
    }

    /// Issues a certificate; a few are later replaced by a new one, fewer revoked.
    fn certify(
        &mut self,
        rng: &mut Rng,
        parcels: Vec<ParcelKey>,
        holders: Vec<HolderShare>,
        issued: NaiveDate,
    ) {
        let parcels = CoveredParcels::new(parcels).expect("generated parcels share a commune");
        let holders = Holders::new(holders).expect("generated holders follow the rules");
        let authority = self.authority(&parcels, issued);
        let mut certificate = Certificate {
            serial: self.serial(issued),
            registry_book_number: self.book_number(&holders),
            issued_on: issued,
            issued_by: authority,
            parcels,
            holders,
            status: CertificateStatus::Valid,
        };
        let roll = rng.unit();
        if roll < 0.01 {
            certificate.status = CertificateStatus::Revoked;
        } else if roll < 0.07 && issued < self.as_of {
            let span = (self.as_of - issued).num_days() as u64;
            let reissued = issued + Days::new(1 + rng.below(span));
            let mut newer = certificate.clone();
            newer.serial = self.serial(reissued);
            newer.registry_book_number = self.book_number(&newer.holders);
            newer.issued_on = reissued;
            newer.issued_by = self.authority(&newer.parcels, reissued);
            certificate.status = CertificateStatus::Superseded {
                by: Some(newer.serial.clone()),
            };
            self.data.certificates.push(certificate);
            self.data.certificates.push(newer);
            return;
        }
        self.data.certificates.push(certificate);
    }

    /// A serial of the form in use on the issue date, unique across the data: the counter gives
    /// the digits and, past each million (hundred million on the 2024 form), the next letter
    /// pair, so serials stay unique up to 676 million certificates.
    fn serial(&mut self, issued: NaiveDate) -> CertificateSerial {
        self.serials += 1;
        let n = self.serials;
        let (block, digits) = if issued >= NEW_FORM_FROM {
            (n / 100_000_000, format!("{:08}", n % 100_000_000))
        } else {
            (n / 1_000_000, format!("{:06}", n % 1_000_000))
        };
        // The seed only shifts where the letter pairs start.
        let pair = (block + self.seed % 676) % 676;
        let letters = [b'A' + (pair / 26) as u8, b'A' + (pair % 26) as u8];
        let letters = std::str::from_utf8(&letters).expect("ASCII letters");
        CertificateSerial::parse(&format!("{letters} {digits}")).expect("generated serials parse")
    }

    /// A registry-book number: "CH" and a sequence for persons, "CT" for organizations (a demo
    /// convention; the prefixes on real certificates vary by issuing office).
    fn book_number(&mut self, holders: &Holders) -> RegistryBookNumber {
        self.book += 1;
        let prefix = match holders.as_slice()[0].holder {
            Holder::Person(_) => "CH",
            Holder::Organization(_) => "CT",
        };
        RegistryBookNumber::parse(&format!("{prefix} {:05}", self.book % 100_000))
            .expect("generated book numbers parse")
    }

    /// A plausible issuing authority for the place and date (demo text, not a rule of competence).
    fn authority(&self, parcels: &CoveredParcels, issued: NaiveDate) -> String {
        let locality = &parcels.as_slice()[0].locality;
        match (issued < TWO_LEVEL_FROM, locality.district()) {
            (true, Some(d)) => format!("Ủy ban nhân dân {}", lower_kind(&d.to_string())),
            _ => format!("Văn phòng đăng ký đất đai {}", locality.province().name()),
        }
    }
}

fn lower_kind(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

fn holder(id: PersonalId, share: Option<(u32, u32)>) -> HolderShare {
    HolderShare {
        holder: Holder::Person(id),
        share: share.map(|(n, d)| Share::new(n, d).expect("generated shares are fractions of 1")),
    }
}

fn purpose(code: LandUseCode, area: Area, term: UseTerm) -> PurposeArea {
    PurposeArea { code, area, term }
}

/// An area in `low..=high` m², to one decimal as cadastral surveys give it.
fn area(rng: &mut Rng, low: i64, high: i64) -> Area {
    let tenths = rng.between(low * 10, high * 10) as u64;
    Area::from_centi_m2(tenths * 10)
}

fn pick_acquisition(rng: &mut Rng, odds: &[(f64, Acquisition)]) -> Option<Acquisition> {
    let mut roll = rng.unit();
    for &(p, a) in odds {
        if roll < p {
            return Some(a);
        }
        roll -= p;
    }
    None
}

fn add_years(date: NaiveDate, years: u32) -> NaiveDate {
    date.checked_add_months(Months::new(years * 12))
        .unwrap_or(date)
}

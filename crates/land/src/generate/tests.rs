//! The generator is deterministic, its output passes the land database's own rules, and it
//! looks like the country it claims to describe.

use std::collections::HashSet;

use chrono::NaiveDate;
use dinhdanh_domain::{PersonalId, Province, Sex, TaxCode, check_digit_for};

use super::*;

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
}

/// 2,000 persons born 1940–2015 across provinces, couples among consecutive adults.
fn persons() -> (Vec<PersonalId>, Vec<(PersonalId, PersonalId)>) {
    let provinces: Vec<Province> = Province::all().collect();
    let ids: Vec<PersonalId> = (0..2_000u32)
        .map(|i| {
            let sex = if i % 2 == 0 { Sex::Male } else { Sex::Female };
            let year = 1940 + (i * 7 % 76) as i32;
            PersonalId::from_parts(provinces[i as usize % 63], sex, year, i).unwrap()
        })
        .collect();
    let couples = ids
        .chunks(2)
        .step_by(3)
        .map(|pair| (pair[0], pair[1]))
        .collect();
    (ids, couples)
}

fn tax_codes(n: u32) -> Vec<TaxCode> {
    (1..)
        .filter_map(|i: u32| {
            let prefix = format!("01{:07}", 100_000 + i);
            check_digit_for(&prefix).map(|d| TaxCode::parse(&format!("{prefix}{d}")).unwrap())
        })
        .take(n as usize)
        .collect()
}

fn data(seed: u64) -> LandData {
    let (ids, couples) = persons();
    let orgs = tax_codes(50);
    generate(
        &GenerateOptions {
            seed,
            as_of: as_of(),
        },
        &Owners {
            persons: &ids,
            couples: &couples,
            organizations: &orgs,
        },
    )
}

#[test]
fn the_same_seed_gives_the_same_data_and_another_seed_other_data() {
    let a = data(7);
    assert_eq!(a, data(7));
    assert_ne!(a, data(8));
    let (mut p1, mut c1, mut p2, mut c2) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    write_csv(&a, &mut p1, &mut c1).unwrap();
    write_csv(&data(7), &mut p2, &mut c2).unwrap();
    assert_eq!((p1, c1), (p2, c2), "byte-identical files");
}

#[test]
fn every_generated_row_passes_the_import_rules_and_round_trips_through_csv() {
    let data = data(1);
    let (mut parcels, mut certificates) = (Vec::new(), Vec::new());
    write_csv(&data, &mut parcels, &mut certificates).unwrap();
    let read_parcels: Vec<Parcel> = csv::Reader::from_reader(parcels.as_slice())
        .deserialize::<ParcelRow>()
        .map(|r| r.unwrap().parse().unwrap())
        .collect();
    assert_eq!(read_parcels, data.parcels);
    let read_certificates: Vec<Certificate> = csv::Reader::from_reader(certificates.as_slice())
        .deserialize::<CertificateRow>()
        .map(|r| r.unwrap().parse(as_of()).unwrap())
        .collect();
    assert_eq!(read_certificates, data.certificates);
}

#[test]
fn the_data_is_consistent() {
    let data = data(2);
    let (ids, _) = persons();
    let known: HashSet<PersonalId> = ids.into_iter().collect();
    let keys: HashSet<&ParcelKey> = data.parcels.iter().map(|p| &p.key).collect();
    assert_eq!(keys.len(), data.parcels.len(), "parcel keys are unique");
    let serials: HashSet<&CertificateSerial> =
        data.certificates.iter().map(|c| &c.serial).collect();
    assert_eq!(serials.len(), data.certificates.len(), "serials are unique");
    let mut covered = HashSet::new();
    for c in &data.certificates {
        for key in c.parcels.as_slice() {
            assert!(keys.contains(key), "{} names an unknown parcel", c.serial);
            covered.insert(key);
        }
        for h in c.holders.as_slice() {
            if let Holder::Person(id) = h.holder {
                assert!(known.contains(&id), "{id} is not one of the owners");
                assert!(
                    id.birth_year() + 18 <= c.issued_on.year(),
                    "{id} was a minor"
                );
            }
        }
        if let CertificateStatus::Superseded { by: Some(by) } = &c.status {
            assert!(
                serials.contains(by),
                "{} is replaced by an unknown serial",
                c.serial
            );
        }
        let new_form = c.issued_on >= NEW_FORM_FROM;
        assert_eq!(
            c.serial.form() == crate::CertificateForm::Circular10Of2024,
            new_form
        );
    }
    assert_eq!(covered.len(), keys.len(), "every parcel has a certificate");
}

#[test]
fn the_data_looks_like_the_country() {
    let data = data(3);
    let (ids, _) = persons();
    let adults = ids.iter().filter(|id| id.birth_year() + 18 <= 2026).count();
    let holders: HashSet<&Holder> = data
        .certificates
        .iter()
        .flat_map(|c| c.holders.as_slice().iter().map(|h| &h.holder))
        .collect();
    let persons_with_land = holders
        .iter()
        .filter(|h| matches!(h, Holder::Person(_)))
        .count();
    let share = persons_with_land as f64 / adults as f64;
    assert!(
        (0.45..0.75).contains(&share),
        "{share:.2} of adults hold land"
    );
    assert_eq!(
        holders.len() - persons_with_land,
        50,
        "every organization holds land"
    );

    let joint = data
        .certificates
        .iter()
        .filter(|c| c.holders.as_slice().len() == 2)
        .count();
    let shares = data
        .certificates
        .iter()
        .filter(|c| c.holders.as_slice().iter().any(|h| h.share.is_some()))
        .count();
    let multi = data
        .certificates
        .iter()
        .filter(|c| c.parcels.as_slice().len() > 1)
        .count();
    let statuses: HashSet<&str> = data.certificates.iter().map(|c| c.status.code()).collect();
    assert!(
        joint > 100 && shares > 0 && multi > 0,
        "{joint} joint, {shares} in shares, {multi} multi-parcel"
    );
    assert_eq!(statuses.len(), 3, "valid, superseded and revoked all occur");

    let median = |mut v: Vec<u64>| {
        v.sort_unstable();
        v[v.len() / 2]
    };
    let business = |p: &Parcel| {
        matches!(
            p.purposes.as_slice()[0].code,
            LandUseCode::TradeAndServices | LandUseCode::NonAgriculturalProduction
        )
    };
    let urban_homes: Vec<u64> = data
        .parcels
        .iter()
        .filter(|p| p.purposes.as_slice()[0].code == LandUseCode::UrbanResidential)
        .map(|p| p.area().centi_m2())
        .collect();
    let companies: Vec<u64> = data
        .parcels
        .iter()
        .filter(|p| business(p))
        .map(|p| p.area().centi_m2())
        .collect();
    assert!(median(companies) > 20 * median(urban_homes));

    let two_level = data
        .parcels
        .iter()
        .filter(|p| p.key.locality.is_two_level())
        .count();
    assert!(
        two_level > 0 && two_level < data.parcels.len() / 5,
        "{two_level} two-level records"
    );
}

//! A realistic, deterministic synthetic population: persons in households, and organizations
//! whose legal representatives are among them.
//!
//! Imports, benchmarks, demos and load tests need millions of records that look like Vietnam —
//! Nguyễn for over a third of people, the real province sizes, couples and children linked by
//! number, identity cards whose dates follow the law — and that pass the registry's own rules
//! ([`PersonRow::parse`], [`OrganizationRow::parse`]). The same options give byte-identical
//! output forever: the generator uses its own SplitMix64 generator rather than `rand`, whose
//! algorithms may change between releases, and its output never depends on hash-map order.
//!
//! The data lives in `generate/`: `names` (family, middle and given names), `census` (ethnic
//! groups, religions, age structure) and `places` (addresses), drawn through `tables`.
//! `household` builds families, `identity` their numbers and cards, `companies` organizations.

use chrono::{Datelike, Months, NaiveDate};

use crate::organization::OrganizationRow;
use crate::row::PersonRow;

mod census;
mod companies;
mod household;
mod identity;
mod names;
mod places;
mod tables;
#[cfg(test)]
mod tests;

/// Settings for a synthetic population.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateOptions {
    /// How many persons to generate.
    pub count: u64,
    /// The seed: the same seed and date give the same rows, and a smaller count gives the first
    /// rows of a larger one (the last row may lack its `spouse_id` if the wife was cut off).
    pub seed: u64,
    /// The day the population is observed: ages, identity cards and deaths are as of this day.
    pub as_of: NaiveDate,
}

/// An iterator over exactly `count` persons, whole households at a time, each a valid row.
///
/// Memory stays bounded: one household is held at a time, plus a counter per province, sex and
/// birth year that makes personal IDs unique without remembering them.
///
/// # Panics
/// If `as_of` is before 1960 or after 2399, which a personal ID cannot describe together with
/// births from 1920.
pub fn persons(options: &GenerateOptions) -> impl Iterator<Item = PersonRow> + use<> {
    household::Persons::new(options)
}

/// An iterator over `count` valid organizations with unique tax codes, some of them branches
/// (`NNNNNNNNNN-001`), represented by living adults over 25 from [`persons`] with the same
/// options: pass the persons count in `options.count`, so every representative is in that file.
///
/// Yields nothing when the person stream has no living adult over 25 to represent them.
pub fn organizations(
    options: &GenerateOptions,
    count: u64,
) -> impl Iterator<Item = OrganizationRow> + use<> {
    companies::Organizations::new(options, count)
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 output function: a bijective mixer of 64 bits.
fn finalize(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hashes two words into one: keys for independent streams and permutations.
fn mix(a: u64, b: u64) -> u64 {
    finalize(a ^ finalize(b.wrapping_add(GOLDEN)))
}

/// SplitMix64 (Steele, Lea and Flood, 2014): small, fast, and fixed here forever.
#[derive(Debug, Clone)]
struct Rng {
    state: u64,
}

impl Rng {
    /// A generator for one purpose (`stream`) under one seed, independent of other streams.
    fn new(seed: u64, stream: u64) -> Rng {
        Rng {
            state: mix(seed, stream),
        }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        finalize(self.state)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the bias is below 2⁻³² for our sizes).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `0.0..1.0`, from the top 53 bits.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Uniform in the inclusive range; `lo` when the range is empty.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// A uniformly chosen day in the inclusive range; `lo` when the range is empty.
    fn day_between(&mut self, lo: NaiveDate, hi: NaiveDate) -> NaiveDate {
        let span = (hi - lo).num_days();
        lo + chrono::Days::new(self.between(0, span) as u64)
    }
}

/// A bijection of `0..a*b` keyed by `key`: three rounds of an unbalanced Feistel network over
/// ℤa × ℤb, each round invertible by subtraction, so distinct inputs give distinct outputs.
///
/// Counting 0, 1, 2 … through it yields unique numbers that look random, with no set to keep.
fn permute(x: u64, a: u64, b: u64, key: u64) -> u64 {
    let (mut left, mut right) = (x / b, x % b);
    for round in 0..3 {
        left = (left + mix(key ^ round, right) % a) % a;
        right = (right + mix(key ^ (round + 16), left) % b) % b;
    }
    left * b + right
}

/// Items with integer weights, drawn by binary search over the running totals.
#[derive(Debug, Clone)]
struct Weighted<T> {
    items: Vec<T>,
    cumulative: Vec<u64>,
}

impl<T: Copy> Weighted<T> {
    /// Builds the table; zero weights are left out. The caller ensures some weight is positive.
    fn new(pairs: impl IntoIterator<Item = (T, u64)>) -> Weighted<T> {
        let mut items = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0;
        for (item, weight) in pairs {
            if weight > 0 {
                total += weight;
                items.push(item);
                cumulative.push(total);
            }
        }
        assert!(total > 0, "a weighted table needs a positive weight");
        Weighted { items, cumulative }
    }

    fn pick(&self, rng: &mut Rng) -> T {
        let total = *self.cumulative.last().expect("tables are never empty");
        let r = rng.below(total);
        self.items[self.cumulative.partition_point(|&c| c <= r)]
    }
}

fn add_years(date: NaiveDate, years: u32) -> NaiveDate {
    // Adding months clamps 29 February to the 28th, as a birthday in a common year falls.
    date.checked_add_months(Months::new(years * 12))
        .expect("generated dates stay far inside chrono's range")
}

fn sub_years(date: NaiveDate, years: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(years * 12))
        .expect("generated dates stay far inside chrono's range")
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a valid calendar date")
}

/// Writes `YYYY-MM-DD` without going through the formatting machinery (a hot path).
fn iso(date: NaiveDate) -> String {
    // Years are 1900..=2399 here (checked in `persons`), so four digits always suffice.
    let (y, m, d) = (date.year().unsigned_abs(), date.month(), date.day());
    let digit = |v: u32| b'0' + (v % 10) as u8;
    let bytes = [
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        b'-',
        digit(m / 10),
        digit(m),
        b'-',
        digit(d / 10),
        digit(d),
    ];
    String::from_utf8(bytes.to_vec()).expect("ASCII digits and dashes")
}

/// Index of a province in `Province::all()` order, for per-province tables.
fn province_index(code: u16) -> usize {
    static INDEX: std::sync::OnceLock<[u8; 100]> = std::sync::OnceLock::new();
    let table = INDEX.get_or_init(|| {
        let mut table = [u8::MAX; 100];
        for (i, p) in dinhdanh_domain::Province::all().enumerate() {
            table[usize::from(p.code())] = i as u8;
        }
        table
    });
    usize::from(table[usize::from(code)])
}

/// Imports the population of [`persons`] into `registry` when it holds fewer than `count`
/// persons, through the registry's own import, and says what it did on standard error. The
/// file depends only on the options, so an interrupted import resumes its run and rows already
/// present count as unchanged. For benchmarks and load tests; returns the import's summary, or
/// `None` when the registry was already large enough.
pub async fn ensure_population(
    registry: &crate::Registry,
    options: &GenerateOptions,
    today: NaiveDate,
) -> Result<Option<crate::import::ImportSummary>, crate::RegistryError> {
    use std::io::Write;
    let have = registry.counts().await?.persons;
    if have >= options.count {
        return Ok(None);
    }
    eprintln!(
        "the registry has {have} persons; importing {} generated persons …",
        options.count
    );
    let started = std::time::Instant::now();
    let dir = std::env::temp_dir().join("dinhdanh-generated");
    let file = dir.join(format!(
        "persons-{}-{}-{}.jsonl",
        options.count, options.seed, options.as_of
    ));
    let io = |source| crate::RegistryError::Io {
        path: file.display().to_string(),
        source,
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file).map_err(io)?);
        for row in persons(options) {
            serde_json::to_writer(&mut out, &row).map_err(|e| io(e.into()))?;
            out.write_all(b"\n").map_err(io)?;
        }
        out.flush().map_err(io)?;
    }
    let summary = crate::import::import_file(
        registry.store(),
        &file,
        &crate::import::ImportOptions {
            kind: crate::ImportKind::Persons,
            format: None,
            batch_size: 5000,
            today,
            reject_report: Some(dir.join("rejects.csv")),
        },
        None,
    )
    .await?;
    let _ = std::fs::remove_file(&file);
    eprintln!(
        "imported in {:.0} s: {} new, {} unchanged, {} rejected",
        started.elapsed().as_secs_f64(),
        summary.outcome.inserted,
        summary.outcome.unchanged,
        summary.rejected
    );
    Ok(Some(summary))
}

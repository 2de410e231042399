//! Our tax-code rules agree with python-stdnum's `stdnum.vn.mst` on a large random sample.
//!
//! The Python interpreter comes from `DINHDANH_PYTHON` (set by `scripts/test` to a virtual
//! environment with python-stdnum installed), else `python3`.

use std::io::Write;
use std::process::Command;

use dinhdanh_domain::{TaxCode, check_digit_for};

/// A small deterministic generator (SplitMix64), so a failure can be reproduced.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + (self.next() % 10) as u8))
            .collect()
    }
}

/// Candidates: random strings, strings with a correct check digit, and the edge cases
/// (zero sequence, zero suffix), as 10 and 13 digits.
fn candidates(count: usize) -> Vec<String> {
    let mut rng = SplitMix(20261128);
    let mut out = vec![
        "0100233488".to_owned(),
        "0314409058002".to_owned(),
        "0100233480".to_owned(),
    ];
    while out.len() < count {
        let mut prefix = rng.digits(9);
        if rng.next().is_multiple_of(10) {
            prefix.replace_range(2..9, "0000000");
        }
        let check = match (rng.next() % 3, check_digit_for(&prefix)) {
            (0 | 1, Some(d)) => char::from(b'0' + d),
            _ => char::from(b'0' + (rng.next() % 10) as u8),
        };
        let ten = format!("{prefix}{check}");
        match rng.next() % 4 {
            0 => out.push(format!("{ten}000")),
            1 => out.push(format!("{ten}{}", rng.digits(3))),
            _ => out.push(ten),
        }
    }
    out
}

#[test]
fn tax_codes_agree_with_python_stdnum() {
    let codes = candidates(200_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("codes.txt");
    let mut f = std::fs::File::create(&path).unwrap();
    for c in &codes {
        writeln!(f, "{c}").unwrap();
    }
    drop(f);
    let python = std::env::var("DINHDANH_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../interop/stdnum_mst.py");
    let out = Command::new(&python)
        .arg(script)
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}; run the suite with scripts/test"));
    assert!(
        out.status.success(),
        "{python} {script} failed (is python-stdnum installed? scripts/test installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts: Vec<bool> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l == "1")
        .collect();
    assert_eq!(verdicts.len(), codes.len());
    let mut valid = 0;
    for (code, stdnum) in codes.iter().zip(&verdicts) {
        let ours = TaxCode::parse(code).is_ok();
        assert_eq!(ours, *stdnum, "{code}: ours {ours}, stdnum {stdnum}");
        valid += usize::from(ours);
    }
    // The sample must exercise both verdicts in quantity, or the agreement means little.
    assert!(
        valid > 40_000 && valid < 160_000,
        "{valid} valid of {}",
        codes.len()
    );
}

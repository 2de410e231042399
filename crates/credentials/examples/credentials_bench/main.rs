//! Verifiable-credential throughput, with no HTTP: credentials issued per second through
//! OpenID4VCI, and presentations verified per second.
//!
//! ```text
//! credentials_bench issue  <database-url> [tasks] [seconds]
//! credentials_bench verify [seconds] [threads]
//! ```
//!
//! `issue` migrates the database (`sqlite://…` or `postgres://…`) and builds the capability as
//! the server does (accounts, registry, clock, the access ledger, the SQLite write gate), with
//! the issuer `https://id.example.vn/credentials`. An issuing agency then records a driving
//! licence for each of 10 000 persons (generated valid personal IDs) and each person, as a
//! level-2 active account, integrates theirs. One whole issuance is made untimed (it creates the
//! issuer's key and starts the ledger's writer). Then two phases of `seconds` (default 10) each,
//! with `tasks` (default 32) tokio tasks at a time, each task being one wallet with its own
//! P-256 key:
//!
//! - `credential endpoint`: access tokens are prepared beforehand, untimed (offer, then the
//!   token endpoint with the offer's pre-authorized code and transaction code), as many as
//!   `max(20 000, 3 000 × seconds)`. Each timed iteration takes one: a `c_nonce` from the nonce
//!   endpoint, the wallet signs its proof JWT, and the credential endpoint checks token, proof and
//!   nonce, signs the SD-JWT VC, stores it and records it in the ledger.
//! - `whole flow`: each iteration is a whole issuance for a random holder: offer, token, nonce,
//!   proof, credential.
//!
//! Each phase's count is checked afterwards against the rows of `credentials_issued`, the
//! ledger's checkpoint size and its `credential.issued` entries. `BREAKDOWN` gives the mean time
//! of each step per iteration (under the phase's concurrency, so it includes waiting for the
//! database, its pool and the SQLite write gate).
//!
//! `verify` needs no database: an issuer's ES256 key, its JWK Set as a verifier trusts it, a
//! status list of `LIST_SIZE` (2²⁰) entries with about 1 % revoked, signed as a status list token
//! and read once with `verify::read_list` (as a verifier holds it for its `ttl`), and 1 000
//! distinct driving-licence credentials, each bound to its own holder key, pointing at a valid
//! entry of the list and presented with 3 of its 7 fields disclosed and a key-binding JWT for the
//! verifier's own nonce. Then `threads` OS threads (default 2) verify the presentations in turn
//! for `seconds` (default 5) with `verify::verify` (issuer signature, disclosures, validity,
//! key binding, status in the list held); every one must verify.

mod issue;
mod verify;

use std::time::Duration;

const USAGE: &str = "usage: credentials_bench issue  <database-url> [tasks] [seconds]\n       \
                     credentials_bench verify [seconds] [threads]";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let number = |i: usize, default: u64| -> u64 {
        args.get(i).map_or(default, |a| {
            a.parse().unwrap_or_else(|_| {
                eprintln!("{USAGE}");
                std::process::exit(2)
            })
        })
    };
    match args.get(1).map(String::as_str) {
        Some("issue") => {
            let Some(url) = args.get(2) else {
                eprintln!("{USAGE}");
                std::process::exit(2);
            };
            let tasks = number(3, 32).max(1);
            let seconds = number(4, 10).max(1);
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime")
                .block_on(issue::run(url, tasks, seconds));
        }
        Some("verify") => {
            let seconds = number(2, 5).max(1);
            let threads = number(3, 2).max(1);
            if !verify::run(seconds, threads as usize) {
                std::process::exit(1);
            }
        }
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    }
}

/// The latency at quantile `p` of `sorted`, in milliseconds.
fn millis(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// A well-mixed 64-bit value of `n` (SplitMix64), to pick holders.
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

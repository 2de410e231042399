#!/usr/bin/env bash
# Sign-in benchmarks: password logins per second through HTTP next to raw Argon2id verifications
# at the same parameters (m=19456 KiB, t=2, p=1), and passkey logins per second — on SQLite and
# PostgreSQL. The server and the load generator share this machine.
#
#   benches/accounts.sh [SECONDS] [CONCURRENCY]      default: 10 16
#
# Environment: BENCH_PG (default postgres://postgres@127.0.0.1:5432/postgres; "" skips PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
concurrency=${2:-16}
pg=${BENCH_PG-postgres://postgres@127.0.0.1:5432/postgres}
cargo build --release --locked -q -p dinhdanh-server --example accounts_bench
./target/release/examples/accounts_bench "$seconds" "$concurrency"
if [ -n "$pg" ]; then
  DINHDANH_BENCH_PG=$pg ./target/release/examples/accounts_bench "$seconds" "$concurrency"
fi

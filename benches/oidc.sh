#!/usr/bin/env bash
# OpenID provider benchmarks, beside the Node.js oidc-provider doing the same work on this machine
# in the same run: client-credentials grants (private_key_jwt), refresh-token grants with rotation,
# complete code flows for a signed-in user (authorize -> token -> userinfo), and the server's
# resident memory under that load — dinhdanh on SQLite and on PostgreSQL, oidc-provider in memory.
# Each server is its own process; the load generator (crates/server/examples/oidc_bench.rs) shares
# the machine with it.
#
#   benches/oidc.sh [SECONDS] [CONCURRENCY]      default: 10 32
#
# Environment: BENCH_PG (default postgres://postgres@127.0.0.1:5432/postgres, an admin URL: a fresh
# database is created next to it and dropped afterwards; "" skips PostgreSQL), BENCH_ONLY (a subset
# of sqlite,pg,node), and those read by oidc_bench.rs (DINHDANH_BENCH_WARMUP, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
concurrency=${2:-32}
pg=${BENCH_PG-postgres://postgres@127.0.0.1:5432/postgres}
cargo build --release --locked -q -p dinhdanh-cli
cargo build --release --locked -q -p dinhdanh-server --example oidc_bench
if [ ! -d interop/oidc/node_modules/oidc-provider ]; then
  (cd interop/oidc && npm ci --no-audit --no-fund --silent)
fi
DINHDANH_BIN=$PWD/target/release/dinhdanh DINHDANH_BENCH_PG=$pg DINHDANH_BENCH_ONLY=${BENCH_ONLY-} \
  ./target/release/examples/oidc_bench "$seconds" "$concurrency"

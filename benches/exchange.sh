#!/usr/bin/env bash
# Exchange reads over HTTP, the way an agency makes them: a client-credentials access token
# (checked on every call), the policy decision, the registry fetch and the durable data.read entry
# in the ledger before each answer — on SQLite and PostgreSQL, each in a fresh database.
#
#   benches/exchange.sh [PERSONS]          default: 100000
#
# Environment: BENCH_PG (an admin URL, default postgres://postgres@127.0.0.1:5432/postgres; the
# database exchange_http is dropped and created there; "" skips PostgreSQL), BENCH_DIR (default
# bench-out), BENCH_SECONDS (wrk duration, default 10), BENCH_CONNECTIONS (default 64).
set -euo pipefail
cd "$(dirname "$0")/.."

count=${1:-100000}
out=${BENCH_DIR:-bench-out}
pg=${BENCH_PG-postgres://postgres@127.0.0.1:5432/postgres}
seconds=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-64}
mkdir -p "$out"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked -q -p dinhdanh-cli
bin=$PWD/target/release/dinhdanh
export DINHDANH_LOG=warn

persons=$out/exchange-persons-$count.csv
[ -f "$persons" ] || $bin registry generate --count "$count" --seed 1 -o "$persons" 2>/dev/null
tail -n +2 "$persons" | cut -d, -f1 | shuf -n 100000 --random-source=<(yes) > "$out/exchange-ids.txt"

cat > "$out/exchange-agency.json" <<'JSON'
{"client_id": "bhxh.bench", "name": {"vi": "Bảo hiểm xã hội", "en": "Social Security"},
 "purpose": {"vi": "Đăng ký bảo hiểm", "en": "Enrolment"}, "redirect_uris": [],
 "token_endpoint_auth_method": "client_secret_basic", "scopes": ["exchange.read"],
 "grant_types": ["client_credentials"], "security_level": 3,
 "lifetimes": {"access_token": 3600, "id_token": 300, "refresh_token": 86400}}
JSON
cat > "$out/exchange-policy.json" <<'JSON'
{"rules": [{"id": "bhxh-enrolment", "agency": "bhxh.bench", "service": "population",
  "fields": ["full_name", "birth_date", "sex", "permanent_residence"],
  "purposes": ["social-insurance-enrolment"],
  "basis": {"law": "social-insurance-law-41-2024"}, "min_security_level": 3}]}
JSON

bench_backend() { # name database-url
  local name=$1 url=$2
  local dir=$out/exchange-$name
  local cli=($bin --data-dir "$dir" --database-url "$url")
  "${cli[@]}" registry import "$persons" --batch-size 10000 >/dev/null 2>&1
  local secret
  secret=$("${cli[@]}" clients add --file "$out/exchange-agency.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])')
  "${cli[@]}" exchange set-policy "$out/exchange-policy.json" --note benchmark 2>/dev/null
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${cli[@]}" serve --listen "127.0.0.1:$port" --public-url "http://localhost:$port" >"$out/exchange-$name.log" 2>&1 &
  local server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  local token
  token=$(curl -sf -u "bhxh.bench:$secret" -d grant_type=client_credentials -d scope=exchange.read \
    "http://127.0.0.1:$port/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  local result
  result=$(DINHDANH_BENCH_TOKEN=$token wrk -t2 -c"$conns" -d"${seconds}s" -s benches/exchange.lua \
    "http://127.0.0.1:$port" -- "$out/exchange-ids.txt" | grep '^RESULT')
  echo "RESULT exchange_http $name persons=$count connections=$conns ${result#RESULT }" | tee -a "$out/results.txt"
  kill "$server"; wait "$server" 2>/dev/null || true
}

rm -rf "$out/exchange-sqlite"
bench_backend sqlite "sqlite://$out/exchange-sqlite/dinhdanh.db"
if [ -n "$pg" ]; then
  psql "$pg" -qc 'DROP DATABASE IF EXISTS exchange_http' -c 'CREATE DATABASE exchange_http'
  bench_backend postgres "${pg%/*}/exchange_http"
fi

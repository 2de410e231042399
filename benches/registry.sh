#!/usr/bin/env bash
# Registry benchmarks: import rate, lookup throughput and latency over HTTP, folded-name search
# latency, and bytes on disk per person — on SQLite and PostgreSQL. Lookups and searches are made
# with an agency officer's session (benches/staff_session.py sets one up).
#
#   benches/registry.sh [COUNT ...]        default: 1000000 10000000
#
# Environment: BENCH_PG (default postgres://postgres@127.0.0.1:5432/postgres; set to "" to skip
# PostgreSQL), BENCH_DIR (default bench-out), BENCH_SECONDS (wrk duration, default 20),
# BENCH_CONNECTIONS (wrk connection counts for lookups, default "16 64"). Installs wrk from Debian's packages when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1000000 10000000)
out=${BENCH_DIR:-bench-out}
pg=${BENCH_PG-postgres://postgres@127.0.0.1:5432/postgres}
seconds=${BENCH_SECONDS:-20}
conns=${BENCH_CONNECTIONS:-16 64}
mkdir -p "$out"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked -q
bin=target/release/dinhdanh
export DINHDANH_LOG=warn

report() { echo "RESULT $*" | tee -a "$out/results.txt"; }

bench_backend() { # name url count file
  local name=$1 url=$2 count=$3 file=$4
  local start end
  start=$(date +%s.%N)
  $bin --database-url "$url" registry import "$file" --batch-size 10000 2>"$out/import-$name-$count.log" || true
  end=$(date +%s.%N)
  tail -1 "$out/import-$name-$count.log"
  sync # let writeback of the import finish before measuring reads
  report "$name count=$count import_seconds=$(python3 -c "print(round($end - $start, 1))") rows_per_second=$(python3 -c "print(round($count / ($end - $start)))")"

  if [ "$name" = sqlite ]; then
    local db=${url#sqlite://}
    sqlite_bytes=$(python3 - "$db" <<'PY'
import sqlite3, sys, os
c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
pages, free, size = (c.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "freelist_count", "page_size"))
c.close()
# Pages in use: a staged initial load leaves its emptied staging pages on the free list,
# where later writes reuse them.
print((pages - free) * size, os.path.getsize(sys.argv[1]))
PY
)
    read -r used file_bytes <<<"$sqlite_bytes"
    report "$name count=$count bytes_in_use=$used bytes_per_person=$((used / count)) file_bytes=$file_bytes"
  else
    local bytes
    bytes=$(psql "$url" -Atc "select sum(pg_total_relation_size(c.oid)) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r'")
    report "$name count=$count bytes=$bytes bytes_per_person=$((bytes / count))"
  fi

  DINHDANH_MAX_CONNECTIONS=8 \
    $bin --database-url "$url" serve --listen 127.0.0.1:18080 2>"$out/serve-$name.log" &
  local pid=$!
  for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18080/readyz >/dev/null && break; sleep 0.2; done
  # Lookups are made by an agency officer's session, as in production.
  DINHDANH_BENCH_TOKEN=$(python3 benches/staff_session.py "$bin" "$url" http://127.0.0.1:18080 "$file")
  export DINHDANH_BENCH_TOKEN
  wrk -t2 -c16 -d5s -s benches/lookup.lua http://127.0.0.1:18080 -- "$out/ids.txt" >/dev/null # warm-up
  local r
  for c in $conns; do
    r=$(wrk -t2 -c"$c" -d"${seconds}s" --latency -s benches/lookup.lua http://127.0.0.1:18080 -- "$out/ids.txt" | grep '^RESULT')
    report "$name count=$count lookup(c=$c) ${r#RESULT }"
  done
  r=$(wrk -t1 -c4 -d"${seconds}s" --latency -s benches/search.lua http://127.0.0.1:18080 -- "$out/names.txt" | grep '^RESULT')
  report "$name count=$count search(c=4) ${r#RESULT }"
  kill "$pid"; wait "$pid" || true
}

for count in "${counts[@]}"; do
  file="$out/population-$count.csv"
  if [ ! -s "$file" ]; then
    $bin registry generate --count "$count" --seed 1 -o "$file"
  fi
  # 100k numbers to look up and 2,000 name prefixes to search, sampled evenly from the file.
  awk -F, -v n="$count" 'NR > 1 && (NR % int(n / 100000 + 1)) == 0 { print $1 }' "$file" > "$out/ids.txt"
  python3 - "$file" "$out/names.txt" <<'PY'
import csv, sys, unicodedata, urllib.parse
def fold(s):
    s = unicodedata.normalize("NFD", s.lower()).replace("đ", "d")
    return "".join(c for c in s if not unicodedata.combining(c))
names = []
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    for i, row in enumerate(csv.DictReader(f)):
        if i % 997 == 0:
            names.append(" ".join(p for p in (row["family_name"], row["middle_name"], row["given_name"]) if p))
        if len(names) >= 2000:
            break
with open(sys.argv[2], "w") as out:
    for n in names:
        out.write(urllib.parse.quote(fold(n)) + "\n")
PY
  rm -f "$out/bench.db" "$out/bench.db-wal" "$out/bench.db-shm"
  bench_backend sqlite "sqlite://$out/bench.db" "$count" "$file"
  if [ -n "$pg" ]; then
    psql "$pg" -qc "drop database if exists dinhdanh_bench" -qc "create database dinhdanh_bench"
    bench_backend postgres "${pg%/*}/dinhdanh_bench" "$count" "$file"
  fi
done
echo "all results: $out/results.txt"

#!/usr/bin/env bash
# End-to-end tests in a real headless Chromium: the e-ID account pages, a public-service
# application from sign-in to a signed result, and a relying party on another origin.
#
#   tests/e2e/run.sh                      # from anywhere; the binary is built by the caller
#   DINHDANH_BIN=target/release/dinhdanh tests/e2e/run.sh
#
# Idempotent setup, then the run: Debian's chromium when /usr/bin/chromium is missing, `npm ci`
# when node_modules is missing or older than package-lock.json. Exits with the test runner's code.
# Extra arguments go to `node --test` (e.g. --test-reporter=spec).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

# The binary under test: ${DINHDANH_BIN:-target/debug/dinhdanh}; a relative path is taken from the
# caller's directory when it exists there, otherwise from the repository root.
bin="${DINHDANH_BIN:-target/debug/dinhdanh}"
if [[ "$bin" != /* ]]; then
  if [[ -e "$PWD/$bin" ]]; then bin="$PWD/$bin"; else bin="$root/$bin"; fi
fi
if [[ ! -x "$bin" ]]; then
  echo "e2e: the binary under test is missing or not executable: $bin" >&2
  echo "e2e: build it first (cargo build) or set DINHDANH_BIN" >&2
  exit 1
fi
export DINHDANH_BIN="$bin"

if [[ "$(id -u)" -eq 0 ]]; then sudo=(); else sudo=(sudo); fi

if [[ ! -x /usr/bin/chromium ]]; then
  echo "e2e: installing Debian's chromium" >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "e2e: $tool is required (Node.js 20 or newer)" >&2
    exit 1
  fi
done

# npm records what it installed in node_modules/.package-lock.json: reinstall when that is missing
# or older than the committed lock file.
if [[ ! -f "$here/node_modules/.package-lock.json" || "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]]; then
  echo "e2e: npm ci" >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

cd "$root"
set +e
node --test "$@" "$here/ledger-verify.test.mjs" "$here/accounts.test.mjs" "$here/services.test.mjs" \
  "$here/external-rp.test.mjs"
status=$?
set -e
exit "$status"

#!/usr/bin/env bash
# Benchmark of the approval computations: release build, a fresh database (SQLite by default,
# or DATABASE_URL), ORDERS lab orders seeded through the API, latencies of the heavy reads.
# Results go to standard output; BENCHMARKS.md keeps the ones we recorded.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/approvals/target}"
cargo build --release --locked -q -p api
bin="$CARGO_TARGET_DIR/release/approvals"
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
export DATABASE_URL="${DATABASE_URL:-sqlite://$work/bench.db?mode=rwc}" BIND_ADDR="127.0.0.1:$port" LOG_LEVEL=warn
code="B$((RANDOM % 90000 + 10000))"
"$bin" tenant create --code "$code" --name "Bench" >/dev/null
token=$("$bin" token --tenant "$code" --role ADMIN --role CLINICIAN --role COORDINATOR)
"$bin" serve >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
after=""
case "$DATABASE_URL" in postgres*) after="psql '$DATABASE_URL' -qc ANALYZE" ;; esac
python3 scripts/bench.py --base "http://127.0.0.1:$port" --token "$token" --orders "${ORDERS:-2000}" --after-seed "$after"

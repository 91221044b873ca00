#!/usr/bin/env bash
# Schemathesis against a live `approvals` server: every check, every phase (examples, coverage,
# fuzzing, stateful), bounded in time. Exits non-zero when Schemathesis finds a failure.
#
#   scripts/schemathesis.sh [BINARY]          # default: target/debug/approvals
#
# - Installs the Schemathesis pinned in scripts/schemathesis/requirements.txt into
#   scripts/schemathesis/.venv (once; again when the pin changes).
# - Copies BINARY into a temp dir and serves it on a free loopback port, on a fresh SQLite file,
#   or, when DATABASE_URL is a postgres:// URL, on a fresh database created on that server (and
#   dropped afterwards).
# - Creates two tenants (GH, the one under test, and OH, a peer for the cross-tenant
#   object-level authorization probes) and a token for each, then seeds GH through the API
#   (scripts/schemathesis/seed.py): providers, patients with coverages, medications, orders of
#   every kind, approval requests, a template, communications and documents. The seed writes a
#   schemathesis.toml that binds the id parameters to those real ids most of the time.
# - Runs `schemathesis run` against the served /api-docs/openapi.json with `--checks all` and the
#   four phases. The token goes as `Authorization: Bearer` through a Web Fuzzing Commons auth file
#   (two identities: GH is used for every request, OH only for the cross-tenant probes).
#   A 412 (a well-formed but stale If-Match) and a 422 (a rule the schema cannot state) count as
#   acceptable answers to schema-valid data unless SCHEMATHESIS_STRICT=1.
# - Prints the failures grouped by kind (scripts/schemathesis/summarize.py).
# - Stops the server, drops the temp database; keeps the reports.
#
# Environment:
#   SCHEMATHESIS_SECONDS        overall budget of the run (default 180)
#   SCHEMATHESIS_MAX_EXAMPLES   test cases per operation and phase (default 50)
#   SCHEMATHESIS_TIMEOUT        per-request timeout in seconds (default 10)
#   SCHEMATHESIS_MAX_RESPONSE_TIME  seconds a response may take before `max_response_time` fails it (default 2;
#                               the debug build answers within 0.2 s)
#   SCHEMATHESIS_WORKERS        concurrent workers (default 1: generation is CPU-bound under the GIL, and
#                               Hypothesis' lambda descriptions are not thread-safe: "AST constructor
#                               recursion depth mismatch" runtime errors with 2)
#   SCHEMATHESIS_STRICT=1       positive_data_acceptance with Schemathesis' default statuses (2xx, 3xx,
#                               401, 403, 404, 409, 429); by default 412 and 422 are accepted as well
#   SCHEMATHESIS_ID_PROBABILITY how often a bound id parameter takes a seeded id (default 0.8)
#   SCHEMATHESIS_SEED           Hypothesis seed, for a repeatable run (default: random)
#   SCHEMATHESIS_REPORT_DIR     where the JUnit, cassette and NDJSON reports go (default: a new temp dir)
#   SCHEMATHESIS_ARGS           extra arguments for `schemathesis run` (e.g. --include-operation-id get_patient)
#   DATABASE_URL                postgres://USER@HOST:PORT/DB to run on PostgreSQL (a fresh database is created)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
st="$here/schemathesis"
bin_src="${1:-$repo/target/debug/approvals}"
[ -x "$bin_src" ] || { echo "schemathesis.sh: no executable at $bin_src (cargo build -p api)" >&2; exit 2; }

seconds="${SCHEMATHESIS_SECONDS:-180}"
max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-50}"
timeout="${SCHEMATHESIS_TIMEOUT:-10}"
max_response_time="${SCHEMATHESIS_MAX_RESPONSE_TIME:-2}"
workers="${SCHEMATHESIS_WORKERS:-1}"

# ---- Schemathesis, pinned ------------------------------------------------------------------------
venv="$st/.venv"
if ! cmp -s "$st/requirements.txt" "$venv/.installed-requirements.txt" 2>/dev/null; then
  echo "== installing $(tr '\n' ' ' <"$st/requirements.txt")into $venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$st/requirements.txt"
  cp "$st/requirements.txt" "$venv/.installed-requirements.txt"
fi
echo "== $("$venv/bin/schemathesis" --version)"

# ---- A fresh server -------------------------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/approvals-st.XXXXXX")"
reports="${SCHEMATHESIS_REPORT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/approvals-st-reports.XXXXXX")}"
mkdir -p "$reports"
cp "$bin_src" "$work/approvals"
bin="$work/approvals"
server="" pg_admin_url="" pg_db=""

cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  if [ -n "$pg_db" ]; then
    psql "$pg_admin_url" -qAt -c "DROP DATABASE IF EXISTS \"$pg_db\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  [ -f "$work/serve.log" ] && cp "$work/serve.log" "$reports/serve.log"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

case "${DATABASE_URL:-}" in
  "")
    db_url="sqlite://$work/approvals.db?mode=rwc" db_kind=sqlite ;;
  postgres://*|postgresql://*)
    # Same server and credentials, a database of our own.
    pg_admin_url="$DATABASE_URL"
    pg_db="approvals_st_$$_$RANDOM"
    psql "$pg_admin_url" -qAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$pg_db\"" >/dev/null
    db_url="$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$DATABASE_URL" "$pg_db")"
    db_kind=postgres ;;
  *)
    echo "schemathesis.sh: DATABASE_URL must be a postgres:// URL (or unset for SQLite)" >&2; exit 2 ;;
esac

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
# Run from the temp dir so that no `.env` of the checkout is read; the development JWT key.
unset JWT_SECRET JWT_PUBLIC_KEY_FILE JWT_PRIVATE_KEY_FILE JWT_ISSUER JWT_AUDIENCE
export DATABASE_URL="$db_url" BIND_ADDR="127.0.0.1:$port" LOG_LEVEL="${LOG_LEVEL:-warn}" LOG_FORMAT=text
cd "$work"
"$bin" serve >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 150); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$base/readyz" >/dev/null || { echo "schemathesis.sh: the server did not start:" >&2; cat "$work/serve.log" >&2; exit 1; }
echo "== serving $bin_src on $base ($db_kind)"

cli() { "$bin" "$@" 2>>"$work/cli.log" || { echo "schemathesis.sh: approvals $1 failed:" >&2; cat "$work/cli.log" >&2; exit 1; }; }
cli tenant create --code GH --name "General Hospital" >/dev/null
cli tenant create --code OH --name "Other Hospital" >/dev/null
ttl=$(( seconds / 60 + 60 ))
ST_TOKEN="$(cli token --tenant GH --role ADMIN --role CLINICIAN --role COORDINATOR --sub schemathesis --ttl-minutes "$ttl" | tail -n 1)"
ST_PEER_TOKEN="$(cli token --tenant OH --role ADMIN --role CLINICIAN --role COORDINATOR --sub schemathesis-peer --ttl-minutes "$ttl" | tail -n 1)"
export ST_TOKEN ST_PEER_TOKEN
echo "== seeding: $(python3 "$st/seed.py" "$base" "$work")"
cp "$work/schemathesis.toml" "$work/ids.json" "$reports/"

# The document as served, without its If-Match parameters: Schemathesis generates header values
# from letters and digits only, so it cannot write an entity tag (`"3"`) and reads every 400
# `invalid_if_match` as a valid request refused. If-Match is tested in tests/tests/api
# (hardening.rs: malformed values, weak tags, lists, `*`; every write's 412).
curl -fsS "$base/api-docs/openapi.json" | python3 -c '
import json, sys
document = json.load(sys.stdin)
for item in document["paths"].values():
    for operation in item.values():
        if isinstance(operation, dict) and "parameters" in operation:
            operation["parameters"] = [p for p in operation["parameters"] if p.get("name") != "If-Match"]
json.dump(document, sys.stdout)' >"$work/openapi.json"
cp "$work/openapi.json" "$reports/"

# ---- Schemathesis ---------------------------------------------------------------------------------
args=(
  --config-file "$work/schemathesis.toml"
  run "$work/openapi.json"
  --url "$base"
  --checks all
  --phases examples,coverage,fuzzing,stateful
  --max-examples "$max_examples"
  --max-time "$seconds"
  --request-timeout "$timeout"
  --max-response-time "$max_response_time"
  --workers "$workers"
  --report junit,vcr,ndjson
  --report-dir "$reports"
  --no-color
)
[ -n "${SCHEMATHESIS_SEED:-}" ] && args+=(--seed "$SCHEMATHESIS_SEED")
# shellcheck disable=SC2206
[ -n "${SCHEMATHESIS_ARGS:-}" ] && args+=($SCHEMATHESIS_ARGS)
echo "== schemathesis ${args[*]}"
status=0
start=$SECONDS
"$venv/bin/schemathesis" "${args[@]}" || status=$?
echo "== schemathesis exited $status after $((SECONDS - start)) s"

if ! kill -0 "$server" 2>/dev/null; then
  echo "schemathesis.sh: the server died during the run" >&2
  status=1
fi
python3 "$st/summarize.py" "$reports" || true
echo "== reports in $reports (junit-*.xml, vcr-*.yaml cassette, ndjson-*.ndjson events, serve.log, the generated schemathesis.toml)"
echo "   regroup them with: python3 scripts/schemathesis/summarize.py $reports --curl"
exit "$status"

#!/usr/bin/env bash
# The README's quickstart, run for real against the built `approvals` binary on a fresh SQLite
# file: the command line (tenant create, token, migrate), serve, the curl calls, and a graceful
# stop on SIGTERM. Prints "N passed, N failed" and fails on any failure.
set -euo pipefail

bin="${1:?usage: scripts/smoke.sh PATH/TO/approvals}"
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
export DATABASE_URL="sqlite://$work/approvals.db?mode=rwc" BIND_ADDR="127.0.0.1:$port" LOG_LEVEL=warn
unset JWT_SECRET JWT_PUBLIC_KEY_FILE JWT_PRIVATE_KEY_FILE JWT_ISSUER JWT_AUDIENCE
passed=0 failed=0
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

check() { # description, expected, actual
  if [ "$2" = "$3" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $1: expected [$2], got [$3]" >&2; fi
}

# The command line.
total=$("$bin" migrate status 2>/dev/null | grep -c ' pending$')
check "migrate status lists pending migrations" "yes" "$([ "$total" -ge 4 ] && echo yes || echo "$total")"
check "migrate up applies every migration" "$total" "$("$bin" migrate up 2>/dev/null | tail -n 1)"
check "migrate status" "$total" "$("$bin" migrate status 2>/dev/null | grep -c ' applied$')"
check "migrate down -n 2" "2" "$("$bin" migrate down -n 2 2>/dev/null | tail -n 1)"
check "migrate up again" "2" "$("$bin" migrate up 2>/dev/null | tail -n 1)"
check "migrate fresh" "$total" "$("$bin" migrate fresh 2>/dev/null | tail -n 1)"
tenant_id=$("$bin" tenant create --code GH --name "General Hospital" --time-zone America/New_York 2>/dev/null | tail -n 1)
check "tenant create prints a UUID" "36" "${#tenant_id}"
if "$bin" tenant create --code GH --name "Again" >/dev/null 2>&1; then check "a duplicate tenant code is refused" "exit 1" "exit 0"; else check "a duplicate tenant code is refused" "x" "x"; fi
if "$bin" token --tenant NOPE --role ADMIN >/dev/null 2>&1; then check "a token for an unknown tenant is refused" "exit 1" "exit 0"; else check "a token for an unknown tenant is refused" "x" "x"; fi
check "expire-approvals with nothing to expire" "0" "$("$bin" expire-approvals 2>/dev/null | tail -n 1)"
TOKEN=$("$bin" token --tenant GH --role CLINICIAN --role ADMIN --sub smoke 2>/dev/null | tail -n 1)
check "token prints a JWT" "3" "$(tr '.' '\n' <<<"$TOKEN" | wc -l | tr -d ' ')"

# serve with no configuration at all: the development key, shared with `token`.
# Debug logs: the most the service ever writes, checked below for patient data.
LOG_LEVEL=debug "$bin" serve >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
check "serve warns about the development key" "1" "$(grep -c 'DEVELOPMENT JWT KEY' "$work/serve.log" || true)"
check "readyz" "200" "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz")"
check "swagger ui" "200" "$(curl -s -o /dev/null -w '%{http_code}' "$base/swagger-ui/")"
check "openapi document" "200" "$(curl -s -o /dev/null -w '%{http_code}' "$base/api-docs/openapi.json")"

# The README quickstart.
patient=$(curl -s -X POST "$base/api/v1/patients" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"mrn": "MRN-000123", "given_name": "Maria", "family_name": "Lopez", "birth_date": "1984-03-12", "sex": "FEMALE"}')
patient_id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' <<<"$patient")
check "create a patient" "36" "${#patient_id}"
check "add a coverage" "201" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/api/v1/patients/$patient_id/insurance" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"payer_name": "Acme Health", "payer_id": "ACME01", "member_id": "XJ4471902", "priority": "PRIMARY", "effective_date": "2026-01-01"}')"
total=$(curl -s "$base/api/v1/patients?name=lopez" -H "Authorization: Bearer $TOKEN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
check "list patients" "1" "$total"
check "no token is 401" "401" "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/patients")"
check "the access log has a line per request" "yes" "$([ "$(grep -c 'request served' "$work/serve.log")" -ge 6 ] && echo yes || echo no)"
check "patient data never reaches the logs" "0" "$(grep -c -E 'Lopez|lopez|Maria|MRN-000123|1984-03-12' "$work/serve.log" || true)"

# Graceful stop.
kill -TERM "$server"
status=0
wait "$server" || status=$?
server=""
check "SIGTERM stops serve cleanly" "0" "$status"

echo "smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

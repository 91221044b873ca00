#!/usr/bin/env bash
# Swagger UI in a real browser: starts `approvals serve` (BINARY, default the debug build) on a
# free port of 127.0.0.1 and a new SQLite file, creates a tenant and a token, then drives Debian's
# Chromium through /swagger-ui/ with scripts/browser/swagger-ui-check.js (playwright-core): the
# operations are listed, Authorize takes the token, GET /api/v1/patients answers 200 and
# POST /api/v1/patients answers 201 through "Try it out". With DATABASE_URL set it uses that
# database instead, with a new tenant code, and leaves it in place.
#
#   scripts/browser-check.sh [BINARY]
#
# Installs what it lacks from package registries only: Debian's chromium (apt-get, as root) when
# /usr/bin/chromium is missing, playwright-core (npm ci, pinned in scripts/browser/package-lock.json);
# no browser is downloaded. Quiet on success but for one closing line; on failure it prints the
# step that failed, the path of a screenshot and the server's log, and exits non-zero.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
js="$root/scripts/browser"
bin="${1:-${CARGO_TARGET_DIR:-$root/target}/debug/approvals}"
chromium=/usr/bin/chromium
[ $# -le 1 ] || { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ -x "$bin" ] || { echo "browser-check.sh: no executable at $bin (cargo build -p api)" >&2; exit 1; }

if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "browser-check.sh: $chromium is missing: apt-get install chromium (as root)" >&2
    exit 1
  fi
  timeout 900 apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "browser-check.sh: node and npm are needed (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi
if ! cmp -s "$js/package-lock.json" "$js/node_modules/.installed-package-lock.json"; then
  (cd "$js" && timeout 600 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$js/package-lock.json" "$js/node_modules/.installed-package-lock.json"
fi

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
if [ -n "${DATABASE_URL:-}" ]; then
  code="UI$(date +%s | tail -c 8)$((RANDOM % 100))" # a new tenant in a database that stays
else
  export DATABASE_URL="sqlite://$work/approvals.db?mode=rwc"
  code="GH"
fi
export BIND_ADDR="127.0.0.1:$port" LOG_LEVEL=warn EXPIRY_SWEEP_INTERVAL_SECONDS=0
unset JWT_SECRET JWT_PUBLIC_KEY_FILE JWT_PRIVATE_KEY_FILE JWT_ISSUER JWT_AUDIENCE

"$bin" serve >"$work/serve.log" 2>&1 &
server=$!
ready=""
for _ in $(seq 1 300); do # up to 30 s: serve migrates first
  if curl -fsS -m 2 "$base/readyz" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "browser-check.sh: the server did not become ready on $base" >&2
  cat "$work/serve.log" >&2
  exit 1
fi

"$bin" tenant create --code "$code" --name "Browser check" --time-zone UTC >/dev/null 2>"$work/cli.log" ||
  { cat "$work/cli.log" >&2; exit 1; }
token=$("$bin" token --tenant "$code" --role ADMIN --role CLINICIAN --role COORDINATOR 2>"$work/cli.log" | tail -n 1) ||
  { cat "$work/cli.log" >&2; exit 1; }

status=0
CHROMIUM="$chromium" timeout 300 node "$js/swagger-ui-check.js" "$base" "$token" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log" >&2
  cat "$work/serve.log" >&2
  exit 1
fi

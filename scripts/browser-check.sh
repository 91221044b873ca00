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

# shellcheck source=lib/live-server.sh
source "$root/scripts/lib/live-server.sh"
start_live_server "$bin" GH "Browser check"

status=0
CHROMIUM="$chromium" timeout 300 node "$js/swagger-ui-check.js" "$base" "$token" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log" >&2
  cat "$work/serve.log" >&2
  exit 1
fi

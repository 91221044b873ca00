#!/usr/bin/env bash
# The API's Postman collections, in openapi/postman/:
#
#   scripts/postman.sh generate            write approvals.generated.postman_collection.json from
#                                          openapi/openapi.json (openapi-to-postmanv2); run it
#                                          whenever the document changes
#   scripts/postman.sh check               fail if that file is not what `generate` would write
#   scripts/postman.sh workflow [BINARY]   run approvals.workflow.postman_collection.json with newman
#                                          against a fresh server of BINARY (default: the debug
#                                          build); fails on any failed assertion
#
# `workflow` starts `approvals serve` on a free port of 127.0.0.1 and a new SQLite file, creates
# a tenant and a token, runs the collection and stops the server. With DATABASE_URL set (e.g.
# postgres://postgres@127.0.0.1:5432/test) it uses that database instead, with a new tenant code,
# and leaves the database in place. Quiet on success but for one closing line; on failure it
# prints newman's report and the server's log.
#
# newman and openapi-to-postmanv2 come from the npm registry, pinned in scripts/newman/
# package-lock.json, installed with `npm ci` into scripts/newman/node_modules when missing or stale.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
js="$root/scripts/newman"
spec="$root/openapi/openapi.json"
generated="$root/openapi/postman/approvals.generated.postman_collection.json"
workflow="$root/openapi/postman/approvals.workflow.postman_collection.json"

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# npm ci into scripts/newman when node_modules does not match the lockfile.
npm_install() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "postman.sh: node and npm are needed (Debian: apt-get install nodejs npm)" >&2
    exit 1
  fi
  if ! cmp -s "$js/package-lock.json" "$js/node_modules/.installed-package-lock.json"; then
    (cd "$js" && timeout 600 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$js/package-lock.json" "$js/node_modules/.installed-package-lock.json"
  fi
}

generate() { # OUTPUT
  timeout 300 node "$js/generate.js" "$spec" "$1"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
generate)
  [ $# -eq 0 ] || usage
  npm_install
  mkdir -p "$(dirname "$generated")"
  generate "$generated"
  echo "wrote ${generated#"$root"/}"
  ;;

check)
  [ $# -eq 0 ] || usage
  npm_install
  tmp=$(mktemp)
  trap 'rm -f "$tmp"' EXIT
  generate "$tmp"
  if ! cmp -s "$tmp" "$generated"; then
    echo "postman.sh: ${generated#"$root"/} is not current: run scripts/postman.sh generate" >&2
    diff -u "$generated" "$tmp" | head -n 40 >&2 || true
    exit 1
  fi
  ;;

workflow)
  [ $# -le 1 ] || usage
  bin="${1:-${CARGO_TARGET_DIR:-$root/target}/debug/approvals}"
  [ -x "$bin" ] || { echo "postman.sh: no executable at $bin (cargo build -p api)" >&2; exit 1; }
  npm_install

  # shellcheck source=lib/live-server.sh
  source "$root/scripts/lib/live-server.sh"
  start_live_server "$bin" GH "Postman workflow"

  status=0
  FORCE_COLOR=0 timeout 600 "$js/node_modules/.bin/newman" run "$workflow" \
    --env-var "baseUrl=$base" --env-var "token=$token" \
    --timeout-request 30000 --color off \
    --reporters cli,json --reporter-json-export "$work/report.json" \
    >"$work/newman.log" 2>&1 || status=$?
  # shellcheck disable=SC2016 # JavaScript, not shell
  summary=$(node -e '
    const r = require(process.argv[1]).run;
    const a = r.stats.assertions;
    console.log(`${a.total - a.failed} passed, ${a.failed} failed`);
  ' "$work/report.json" 2>/dev/null || echo "no report")
  if [ "$status" -ne 0 ]; then
    cat "$work/newman.log" >&2
    echo "--- server log" >&2
    cat "$work/serve.log" >&2
    echo "newman: FAILED (exit $status): $summary" >&2
    exit 1
  fi
  echo "newman: $summary"
  ;;

*)
  usage
  ;;
esac

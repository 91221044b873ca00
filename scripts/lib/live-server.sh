# Sourced by the live checks (postman.sh workflow, browser-check.sh, python-client/run.sh):
# starts `approvals serve` on a free port of 127.0.0.1 with the development JWT key, on a new
# SQLite file (or, with DATABASE_URL set, on that database, left in place), then creates a tenant
# and an ADMIN + CLINICIAN + COORDINATOR token for it. The server and the scratch folder go away
# when the calling script exits.
#
#   start_live_server BINARY CODE_PREFIX TENANT_NAME
#
# Sets: work (scratch folder, with serve.log), server (pid), base (http://127.0.0.1:PORT),
# code (the tenant; CODE_PREFIX alone on SQLite, with a timestamp on a database that stays) and
# token. Exits with the server's log when it does not become ready within 30 s.

_live_server_cleanup() {
  if [ -n "${server:-}" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  [ -z "${work:-}" ] || rm -rf "$work"
}

start_live_server() {
  local bin prefix=$2 name=$3 port ready=""
  bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
  work=$(mktemp -d)
  server=""
  trap _live_server_cleanup EXIT
  trap 'exit 130' INT TERM

  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  base="http://127.0.0.1:$port"
  if [ -n "${DATABASE_URL:-}" ]; then
    code="$prefix$(date +%s | tail -c 8)$((RANDOM % 100))" # a new tenant in a database that stays
  else
    export DATABASE_URL="sqlite://$work/approvals.db?mode=rwc"
    code="$prefix"
  fi
  export BIND_ADDR="127.0.0.1:$port" LOG_LEVEL=warn EXPIRY_SWEEP_INTERVAL_SECONDS=0
  unset JWT_SECRET JWT_PUBLIC_KEY_FILE JWT_PRIVATE_KEY_FILE JWT_ISSUER JWT_AUDIENCE

  (cd "$work" && exec "$bin" serve) >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do # up to 30 s: serve migrates first
    if curl -fsS -m 2 "$base/readyz" >/dev/null 2>&1; then ready=1; break; fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$ready" ]; then
    echo "$(basename "$0"): the server did not become ready on $base" >&2
    cat "$work/serve.log" >&2
    exit 1
  fi

  "$bin" tenant create --code "$code" --name "$name" --time-zone UTC >/dev/null 2>"$work/cli.log" ||
    { cat "$work/cli.log" >&2; exit 1; }
  token=$("$bin" token --tenant "$code" --role ADMIN --role CLINICIAN --role COORDINATOR 2>"$work/cli.log" | tail -n 1) ||
    { cat "$work/cli.log" >&2; exit 1; }
}

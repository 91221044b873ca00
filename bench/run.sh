#!/usr/bin/env bash
# Load benchmark of the approvals service. Regenerates docs/BENCHMARKS.md entirely.
#
#   bash bench/run.sh
#
# Knobs (environment):
#   BENCH_SECONDS    seconds per measured run (default 10; each scenario runs twice)
#   BENCH_DATABASES  comma-separated, among postgres and sqlite (default postgres,sqlite)
#   BENCH_SCALE      size of the main tenant, x 100,000 orders (default 1)
#   BENCH_WARMUP     seconds of unrecorded load before each scenario (default 2)
#   CARGO_TARGET_DIR where cargo builds (default <repo>/target, the shared build cache)
#
# Needs: cargo, python3, curl, wrk (installed with apt-get when missing), and for PostgreSQL a
# server on 127.0.0.1:5432 that user postgres reaches without a password, psql and pgbench.
#
# For each database: a fresh database, tenants filled by `approvals seed`, the server started
# (time to ready), the id lists for the scenarios, the scale comparison (single client, before
# any write), the wrk scenarios (saturation, then half that rate), peak memory; on PostgreSQL,
# pgbench -S on the same server afterwards as a yardstick. Every tool's output stays in a
# directory named at the end; the databases and scratch files are removed.
set -euo pipefail
export LC_ALL=C  # decimal points in $EPOCHREALTIME, awk and the tools' output

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench="$repo/bench"
cd "$repo"

BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_DATABASES=${BENCH_DATABASES:-postgres,sqlite}
BENCH_SCALE=${BENCH_SCALE:-1}
BENCH_WARMUP=${BENCH_WARMUP:-2}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo/target}
bin="$CARGO_TARGET_DIR/release/approvals"

PG_HOST=127.0.0.1 PG_PORT=5432 PG_USER=postgres
CONNECTIONS=32 THREADS=2
ROLES=(--role ADMIN --role CLINICIAN --role COORDINATOR)
SCALE_PATHS=("/api/v1/lab-orders?limit=50&approval_status=APPROVED" "/api/v1/work-queue?limit=50")

raw=$(mktemp -d "${TMPDIR:-/tmp}/approvals-bench.XXXXXX")       # kept: the raw log
scratch=$(mktemp -d "${TMPDIR:-/tmp}/approvals-bench-scratch.XXXXXX")  # removed: databases, id lists
run_id="$(date +%Y%m%d%H%M%S)_$RANDOM"
server_pid=""
poller_pid=""
pg_databases=()
started_at=$(date +%s)

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres "$@"; }

stop_server() {
  [[ -n $server_pid ]] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    # actix drains for up to 30 s on SIGTERM; give it a little more, then insist.
    for _ in $(seq 1 350); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [[ -z $poller_pid ]] || kill "$poller_pid" 2>/dev/null || true
  stop_server
  for name in "${pg_databases[@]}"; do
    psql_admin -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >>"$raw/cleanup.log" 2>&1 ||
      log "could not drop database $name (see $raw/cleanup.log)"
  done
  rm -rf "$scratch"
  log "raw logs: $raw"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Tools

command -v python3 >/dev/null || die "python3 is required"
command -v curl >/dev/null || die "curl is required"
command -v cargo >/dev/null || die "cargo is required"
if ! command -v wrk >/dev/null; then
  # The one download the harness allows itself: the load generator, from the distribution.
  log "wrk is missing: installing it with apt-get"
  { apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }; } >"$raw/apt-wrk.log" 2>&1 ||
    die "could not install wrk (see $raw/apt-wrk.log)"
fi
if [[ ,$BENCH_DATABASES, == *,postgres,* ]]; then
  command -v psql >/dev/null && command -v pgbench >/dev/null || die "psql and pgbench are required for postgres"
  pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 10 || die "no PostgreSQL on $PG_HOST:$PG_PORT"
fi

# ---------------------------------------------------------------------------------------------
# Build

log "building the release binary (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
cargo build --release --locked -p api >"$raw/cargo-build.log" 2>&1 || die "build failed (see $raw/cargo-build.log)"
[[ -x $bin ]] || die "no binary at $bin"
"$bin" seed --help >/dev/null 2>&1 || die "this build has no 'approvals seed' subcommand"

# ---------------------------------------------------------------------------------------------
# The machine, for the report header

{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "nproc=$(nproc)"
  echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
  echo "memory=$(free -g | awk '/^Mem:/ {print $2 " GiB total, " $7 " GiB available"}')"
  echo "kernel=$(uname -r)"
  echo "loadavg_at_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)"
  echo "rustc=$(rustc --version 2>/dev/null || echo unknown)"
  echo "wrk=$(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2)"
  echo "seconds=$BENCH_SECONDS"
  echo "warmup=$BENCH_WARMUP"
  echo "scale=$BENCH_SCALE"
  echo "connections=$CONNECTIONS"
  echo "threads=$THREADS"
  if [[ ,$BENCH_DATABASES, == *,postgres,* ]]; then
    echo "postgres=$(psql_admin -Atc 'SHOW server_version')"
  fi
} >"$raw/machine.env"
free -g >"$raw/free.txt"

# ---------------------------------------------------------------------------------------------
# Steps

# seed DIR URL SCALE CODE: a new tenant; prints its code (the last line of the command's output).
seed() {
  local dir=$1 url=$2 scale=$3 code=$4 t0 t1
  log "seeding $code at scale $scale"
  t0=$(date +%s%N)
  DATABASE_URL=$url LOG_LEVEL=warn "$bin" seed --scale "$scale" --tenant "$code" \
    >"$dir/seed-$code.out" 2>"$dir/seed-$code.err" || die "seed failed (see $dir/seed-$code.err)"
  t1=$(date +%s%N)
  echo "seed_ms_$code=$(( (t1 - t0) / 1000000 ))" >>"$dir/meta.env"
  tail -n1 "$dir/seed-$code.out"
}

# token URL CODE: a two-hour token with every role the scenarios need.
token() {
  DATABASE_URL=$1 LOG_LEVEL=warn "$bin" token --tenant "$2" "${ROLES[@]}" --ttl-minutes 120 | tail -n1
}

# same_scale A B: true when the two scales are the same number (1 and 1.0, say).
same_scale() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 == b + 0) }'; }

run_database() {
  local kind=$1 dir="$raw/$kind" data="$scratch/$kind" url name port base t0 ready_ms
  mkdir -p "$dir" "$data"
  : >"$dir/meta.env"
  case $kind in
    postgres)
      name="approvals_bench_$run_id"
      psql_admin -c "CREATE DATABASE \"$name\"" >/dev/null
      pg_databases+=("$name")
      url="postgres://$PG_USER@$PG_HOST:$PG_PORT/$name"
      ;;
    sqlite)
      url="sqlite://$data/approvals.db?mode=rwc"
      ;;
    *) die "unknown database '$kind' in BENCH_DATABASES (postgres, sqlite)" ;;
  esac
  log "== $kind: $url"

  # The main tenant; the scale comparison reuses it when it has one of the two sizes (it is
  # measured before any scenario writes to it).
  local main small large
  main=$(seed "$dir" "$url" "$BENCH_SCALE" BENCHMAIN)
  if same_scale "$BENCH_SCALE" 0.1; then small=$main; else small=$(seed "$dir" "$url" 0.1 BENCH10K); fi
  if same_scale "$BENCH_SCALE" 1; then large=$main; else large=$(seed "$dir" "$url" 1 BENCH100K); fi
  {
    echo "tenant=$main"
    echo "tenant_small=$small"
    echo "tenant_large=$large"
  } >>"$dir/meta.env"
  case $kind in
    postgres) psql -X -At "$url" -c "SELECT count(*) FROM lab_orders o JOIN tenants t ON t.id = o.tenant_id WHERE t.code = '$main'" ;;
    sqlite) python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM lab_orders o JOIN tenants t ON t.id = o.tenant_id WHERE t.code = ?", (sys.argv[2],)).fetchone()[0])' "$data/approvals.db" "$main" ;;
  esac | sed 's/^/lab_orders=/' >>"$dir/meta.env"

  local token_main token_small token_large
  token_main=$(token "$url" "$main")
  token_small=$(token "$url" "$small")
  token_large=$(token "$url" "$large")

  # Start to ready: from the spawn to the first 200 of /readyz (the migrations are already
  # applied by the seed, so this is connecting, checking them and binding). The poller starts
  # first and polls every millisecond; the spawn time is bash's clock, no process in between.
  port=$(python3 "$bench/common.py" free-port)
  base="http://127.0.0.1:$port"
  python3 "$bench/common.py" poll-ready "$base/readyz" "$data/ready" 60 &
  poller_pid=$!
  for _ in $(seq 1 1000); do [[ -e $data/ready.started ]] && break; sleep 0.01; done
  [[ -e $data/ready.started ]] || die "the readiness poller did not start"
  t0=$EPOCHREALTIME
  DATABASE_URL=$url BIND_ADDR="127.0.0.1:$port" LOG_LEVEL=warn EXPIRY_SWEEP_INTERVAL_SECONDS=0 \
    "$bin" serve >"$dir/serve.log" 2>&1 &
  server_pid=$!
  wait "$poller_pid" || { poller_pid=""; die "the server was not ready within 60 s (see $dir/serve.log)"; }
  poller_pid=""
  kill -0 "$server_pid" 2>/dev/null || die "the server exited (see $dir/serve.log)"
  ready_ms=$(awk -v a="$t0" -v b="$(cat "$data/ready")" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
  echo "ready_ms=$ready_ms" >>"$dir/meta.env"
  log "$kind: ready in $ready_ms ms on port $port (pid $server_pid)"

  log "$kind: preparing id lists"
  python3 "$bench/prepare.py" --database-url "$url" --code "$main" --base "$base" \
    --token "$token_main" --out "$data" >"$dir/prepare.log" 2>&1 || die "prepare failed (see $dir/prepare.log)"

  log "$kind: scale comparison (single client)"
  python3 "$bench/latency.py" --base "$base" --token "$token_small" --label 10k \
    --out "$dir/scale-10k.json" "${SCALE_PATHS[@]}" >>"$dir/scale.log" 2>&1 || die "see $dir/scale.log"
  python3 "$bench/latency.py" --base "$base" --token "$token_large" --label 100k \
    --out "$dir/scale-100k.json" "${SCALE_PATHS[@]}" >>"$dir/scale.log" 2>&1 || die "see $dir/scale.log"

  log "$kind: load scenarios (${BENCH_SECONDS}s each, twice, after ${BENCH_WARMUP}s of warm-up)"
  local pg_flag=()
  [[ $kind == postgres ]] && pg_flag=(--postgres --postgres-db "$name")
  python3 "$bench/load.py" --url "$base" --token "$token_main" --data "$data" --out "$dir" \
    --server-pid "$server_pid" --seconds "$BENCH_SECONDS" --warmup "$BENCH_WARMUP" \
    --connections "$CONNECTIONS" --threads "$THREADS" "${pg_flag[@]}" 2>&1 | tee "$dir/load.log" >&2

  # Peak resident memory over the whole run, seeds excluded (they are separate processes).
  grep -E '^(VmHWM|VmRSS)' "/proc/$server_pid/status" | awk '{print tolower($1) "_kb=" $2}' |
    tr -d ':' >>"$dir/meta.env"
  stop_server

  if [[ $kind == postgres ]]; then
    # The same server's ceiling for trivial reads, with the service stopped: pgbench's
    # select-only script (one primary-key lookup per transaction) with as many clients.
    local pgb="pgbench_$run_id"
    log "postgres: pgbench -S -c $CONNECTIONS -j $THREADS -T $BENCH_SECONDS"
    psql_admin -c "CREATE DATABASE \"$pgb\"" >/dev/null
    pg_databases+=("$pgb")
    pgbench -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -i -s 10 -q "$pgb" >"$dir/pgbench-init.log" 2>&1 ||
      die "pgbench -i failed (see $dir/pgbench-init.log)"
    pgbench -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -S -c "$CONNECTIONS" -j "$THREADS" -T "$BENCH_SECONDS" \
      "$pgb" >"$dir/pgbench.log" 2>&1 || die "pgbench failed (see $dir/pgbench.log)"
    sed -n 's/^tps = \([0-9.]*\) (without initial connection time).*/pgbench_tps=\1/p' "$dir/pgbench.log" >>"$dir/meta.env"
    psql_admin -c "DROP DATABASE IF EXISTS \"$pgb\" WITH (FORCE)" >/dev/null
  fi
}

IFS=, read -r -a databases <<<"$BENCH_DATABASES"
for kind in "${databases[@]}"; do
  run_database "$kind"
done

{
  echo "duration_seconds=$(( $(date +%s) - started_at ))"
  echo "loadavg_at_end=$(cut -d' ' -f1-3 /proc/loadavg)"
} >>"$raw/machine.env"
python3 "$bench/report.py" --raw "$raw" --databases "$BENCH_DATABASES" --out "$repo/docs/BENCHMARKS.md"
log "wrote docs/BENCHMARKS.md in $(( $(date +%s) - started_at )) s"
cat "$repo/docs/BENCHMARKS.md"

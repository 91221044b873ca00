#!/usr/bin/env python3
"""Runs the wrk scenarios against a running service and records throughput, latency, errors and
CPU per request.

    load.py --url http://127.0.0.1:PORT --token JWT --data DIR --out DIR --server-pid PID
            [--postgres] [--seconds 10] [--warmup 2] [--scenarios get_one,list,...]

For each scenario, in order:
1. a warm-up at full speed (connection pools, caches), not recorded;
2. saturation: 32 connections on 2 threads as fast as answers come back;
3. paced: the same connections at half the saturation throughput, for the latency.
Around runs 2 and 3 the CPU time of the server process (and, with --postgres, of every process
named `postgres`) is read from /proc, so CPU per request includes everything the database did
for those requests. Everything on the machine shares the cores, wrk included.

Writes DIR/<scenario>.json; wrk's own output goes to DIR/wrk.log.
"""

import argparse
import json
import os
import subprocess
import time

from common import Api, cpu_seconds, postgres_pids

SCENARIOS = ["get_one", "list", "filtered", "queue", "create_order", "transition", "create_request"]
HERE = os.path.dirname(os.path.abspath(__file__))


def record_transition_statuses(args):
    """Writes `id status` lines for the transition scenario: a run starts where the last one left
    each request (DRAFT or PENDING_SUBMISSION), as read from the service."""
    api = Api(args.url, args.token)
    with open(os.path.join(args.data, "transition_requests.txt")) as f:
        ids = [line.split()[0] for line in f if line.strip()]

    def read():
        return [api.call("GET", "/api/v1/approval-requests/" + request_id)["status"] for request_id in ids]

    # wrk exits with requests in flight, which the server still completes: read until two reads
    # a moment apart agree.
    statuses = read()
    for _ in range(20):
        time.sleep(0.3)
        again = read()
        if again == statuses:
            break
        statuses = again
    for request_id, status in zip(ids, statuses):
        if status not in ("DRAFT", "PENDING_SUBMISSION"):
            raise SystemExit("transition request %s is in %s" % (request_id, status))
    with open(os.path.join(args.data, "transition_state.txt"), "w") as f:
        f.writelines("%s %s\n" % pair for pair in zip(ids, statuses))


def run_wrk(args, scenario, seconds, rate, out_json):
    if scenario == "transition":
        record_transition_statuses(args)
    env = dict(os.environ, BENCH_SCENARIO=scenario, BENCH_TOKEN=args.token, BENCH_DATA=args.data,
               BENCH_RATE=str(rate), BENCH_THREADS=str(args.threads), BENCH_OUT=out_json)
    command = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", "%ds" % seconds,
               # A slow answer is a data point, not a socket error: wrk's default is 2 s.
               "--timeout", "30s", "-s", os.path.join(HERE, "scenario.lua"), args.url]
    # PostgreSQL's processes are listed again after the run: backends may come and go.
    db_pids = postgres_pids if args.postgres else list
    server_before, db_before = cpu_seconds([args.server_pid]), cpu_seconds(db_pids())
    with open("/proc/loadavg") as f:
        loadavg_before = float(f.read().split()[0])  # other work on the machine shows here
    started = time.monotonic()
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    server_cpu = cpu_seconds([args.server_pid]) - server_before
    db_cpu = cpu_seconds(db_pids()) - db_before
    with open(os.path.join(args.out, "wrk.log"), "a") as log:
        log.write("### %s rate=%s %s\n%s%s\n" % (scenario, rate, " ".join(command), result.stdout, result.stderr))
    if result.returncode != 0 or not os.path.exists(out_json):
        raise SystemExit("wrk failed for %s (see %s/wrk.log):\n%s" % (scenario, args.out, result.stderr))
    with open(out_json) as f:
        summary = json.load(f)
    requests = max(summary["requests"], 1)
    summary["errors"] = summary["non2xx"] + sum(summary["socket_errors"].values())
    summary["wall_s"] = round(wall, 3)
    summary["loadavg_before"] = loadavg_before
    summary["server_cpu_s"] = round(server_cpu, 3)
    summary["server_cpu_ms_per_request"] = round(server_cpu * 1000 / requests, 4)
    if args.postgres:
        summary["postgres_cpu_s"] = round(db_cpu, 3)
        summary["postgres_cpu_ms_per_request"] = round(db_cpu * 1000 / requests, 4)
    return summary


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    for scenario in args.scenarios.split(","):
        scratch = os.path.join(args.out, scenario + ".wrk.json")
        if args.warmup > 0:
            run_wrk(args, scenario, args.warmup, 0, scratch)
        saturation = run_wrk(args, scenario, args.seconds, 0, scratch)
        # Half the measured throughput, at least one request a second.
        paced = run_wrk(args, scenario, args.seconds, max(saturation["rps"] / 2, 1.0), scratch)
        os.remove(scratch)
        with open(os.path.join(args.out, scenario + ".json"), "w") as f:
            json.dump({"scenario": scenario, "saturation": saturation, "paced": paced}, f, indent=2)
        print("%-15s %8.1f req/s saturated (%d errors); at %.1f req/s: p50 %.2f ms, p99 %.2f ms (%d errors)" % (
            scenario, saturation["rps"], saturation["errors"], paced["rps"],
            paced["latency_ms"]["p50"], paced["latency_ms"]["p99"], paced["errors"]), flush=True)


if __name__ == "__main__":
    main()

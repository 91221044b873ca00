#!/usr/bin/env python3
"""Runs the wrk scenarios against a running service and records throughput, latency, errors and
CPU per request.

    load.py --url http://127.0.0.1:PORT --token JWT --data DIR --out DIR --server-pid PID
            [--postgres] [--seconds 10] [--warmup 2] [--scenarios get_one,list,...]

For each scenario, in order:
1. saturation: 32 connections on 2 threads as fast as answers come back;
2. paced: half the saturation throughput, for the latency.
Each is one wrk run whose first --warmup seconds are not recorded (see scenario.lua). Between
runs the harness waits for the server (and PostgreSQL) to go idle: wrk abandons its requests in
flight when it stops, and the server still serves them.

CPU per request: the CPU time of the server process (and, with --postgres, of every process named
`postgres`) read from /proc at the end of the warm-up and at the end of the run, over the answers
counted in between. Everything on the machine shares the cores, wrk included.

Writes DIR/<scenario>.json; wrk's own output goes to DIR/wrk.log.
"""

import argparse
import json
import math
import os
import subprocess
import time

from common import CLK_TCK, Api, cpu_seconds, cpu_ticks, foreign_backend, postgres_processes

SCENARIOS = ["get_one", "list", "filtered", "queue", "create_order", "transition", "create_request"]
HERE = os.path.dirname(os.path.abspath(__file__))
# The service closes a keep-alive connection idle for 5 s (and answers 408 to a new one that
# sends nothing for 5 s). Paced runs use as many connections as keep each one sending at least
# every ~2 s, up to the saturation run's count.
PACED_SECONDS_PER_CONNECTION = 2.0
MIN_PACED_RATE = 0.5


class Load:
    def __init__(self, args):
        self.args = args

    def snapshot(self):
        """CPU seconds so far: the server; every postgres process (the postmaster's children
        times included); and, per pid, the backends of other databases, whose share of the
        PostgreSQL figure must be flagged (another user of the same server)."""
        processes = postgres_processes() if self.args.postgres else {}
        return {
            "server": cpu_seconds([self.args.server_pid]),
            "postgres": cpu_seconds(processes),
            "foreign": {pid: cpu_ticks(pid, children=False) for pid, title in processes.items()
                        if foreign_backend(title, self.args.postgres_db)},
        }

    def busy(self):
        """CPU seconds of the server and of PostgreSQL minus other databases' backends, children
        times left out (the postmaster collects those of every database's exiting backends)."""
        processes = postgres_processes() if self.args.postgres else {}
        ours = [pid for pid, title in processes.items() if not foreign_backend(title, self.args.postgres_db)]
        return cpu_seconds([self.args.server_pid]) + cpu_seconds(ours, children=False)

    def settle(self, quiet=0.05, window=0.5, limit=120):
        """Waits until the server and the database use under `quiet` of a core over `window`
        seconds (at most `limit` seconds): abandoned requests must not eat into the next run."""
        deadline = time.monotonic() + limit
        before = self.busy()
        while time.monotonic() < deadline:
            time.sleep(window)
            after = self.busy()
            if after - before < quiet * window:
                return
            before = after
        print("warning: still busy after %d s" % limit, flush=True)

    def record_transition_statuses(self):
        """Writes `id status` lines for the transition scenario: a run starts where the last one
        left each request (DRAFT or PENDING_SUBMISSION), as the service has it."""
        api = Api(self.args.url, self.args.token)
        with open(os.path.join(self.args.data, "transition_requests.txt")) as f:
            ids = [line.split()[0] for line in f if line.strip()]
        statuses = [api.call("GET", "/api/v1/approval-requests/" + i)["status"] for i in ids]
        for request_id, status in zip(ids, statuses):
            if status not in ("DRAFT", "PENDING_SUBMISSION"):
                raise SystemExit("transition request %s is in %s" % (request_id, status))
        with open(os.path.join(self.args.data, "transition_state.txt"), "w") as f:
            f.writelines("%s %s\n" % pair for pair in zip(ids, statuses))

    def run(self, scenario, rate, connections, threads, out_json):
        args = self.args
        self.settle()
        if scenario == "transition":
            self.record_transition_statuses()
        env = dict(os.environ, BENCH_SCENARIO=scenario, BENCH_TOKEN=args.token, BENCH_DATA=args.data,
                   BENCH_RATE=str(rate), BENCH_THREADS=str(threads), BENCH_WARMUP=str(args.warmup),
                   BENCH_OUT=out_json)
        command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", "%ds" % (args.warmup + args.seconds),
                   # A slow answer is a data point, not a socket error: wrk's default is 2 s.
                   "--timeout", "60s", "-s", os.path.join(HERE, "scenario.lua"), args.url]
        with open("/proc/loadavg") as f:
            loadavg = float(f.read().split()[0])  # other work on the machine shows here
        if os.path.exists(out_json):
            os.remove(out_json)
        wrk = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(args.warmup)
        before = self.snapshot()
        stdout, stderr = wrk.communicate()
        after = self.snapshot()
        with open(os.path.join(args.out, "wrk.log"), "a") as log:
            log.write("### %s rate=%s %s\n%s%s\n" % (scenario, rate, " ".join(command), stdout, stderr))
        if wrk.returncode != 0 or not os.path.exists(out_json):
            raise SystemExit("wrk failed for %s (see %s/wrk.log):\n%s" % (scenario, args.out, stderr))
        with open(out_json) as f:
            summary = json.load(f)
        os.remove(out_json)
        answers = max(summary["requests"], 1)
        summary.update(connections=connections, threads=threads, loadavg_before=loadavg)
        summary["errors"] = summary["non2xx"] + sum(summary["socket_errors"].values())
        server = after["server"] - before["server"]
        summary["server_cpu_s"] = round(server, 3)
        summary["server_cpu_ms_per_request"] = round(server * 1000 / answers, 4)
        if args.postgres:
            db = after["postgres"] - before["postgres"]
            summary["postgres_cpu_s"] = round(db, 3)
            summary["postgres_cpu_ms_per_request"] = round(db * 1000 / answers, 4)
            # Other databases' backends: CPU of those alive at the end, and how many came or went.
            old, new = before["foreign"], after["foreign"]
            summary["postgres_foreign_cpu_s"] = round(sum(new[p] - old.get(p, 0) for p in new) / CLK_TCK, 3)
            summary["postgres_foreign_backends_changed"] = len(set(old) ^ set(new))
        return summary


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--postgres-db", default="", help="the service's database (to tell other users apart)")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    load = Load(args)

    for scenario in args.scenarios.split(","):
        scratch = os.path.join(args.out, scenario + ".wrk.json")
        saturation = load.run(scenario, 0, args.connections, args.threads, scratch)
        rate = max(saturation["rps"] / 2, MIN_PACED_RATE)
        connections = min(args.connections, max(1, math.ceil(rate * PACED_SECONDS_PER_CONNECTION)))
        paced = load.run(scenario, rate, connections, min(args.threads, connections), scratch)
        with open(os.path.join(args.out, scenario + ".json"), "w") as f:
            json.dump({"scenario": scenario, "saturation": saturation, "paced": paced}, f, indent=2)
        print("%-15s %8.1f req/s saturated (%d errors); at %.1f req/s on %d connections: "
              "p50 %.2f ms, p99 %.2f ms (%d errors)" % (
                  scenario, saturation["rps"], saturation["errors"], paced["rps"], connections,
                  paced["latency_ms"]["p50"], paced["latency_ms"]["p99"], paced["errors"]), flush=True)
    load.settle()


if __name__ == "__main__":
    main()

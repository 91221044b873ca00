#!/usr/bin/env python3
"""Single-client latency of a few GETs for one tenant: N sequential requests on one keep-alive
connection, after a short warm-up. Used for the scale comparison (10,000 vs 100,000 orders),
where the question is how a request's cost grows with the tenant, not throughput.

    latency.py --base http://127.0.0.1:PORT --token JWT --label 10k --out FILE.json \
               [--requests 200] [--max-seconds 120] PATH...

Prints and writes {"label": ..., "paths": {PATH: {"n", "median_ms", "p99_ms", "mean_ms", "max_ms"}}}.
A path stops early after --max-seconds, so a pathological case cannot stall the run; n says how
many requests were timed.
"""

import argparse
import json
import math
import statistics
import time

from common import Api

WARMUP = 5


def percentile(sorted_samples, p):
    # Nearest rank: the smallest sample with at least p% of the samples at or below it.
    return sorted_samples[max(math.ceil(p / 100 * len(sorted_samples)) - 1, 0)]


def measure(api, path, requests, max_seconds):
    for _ in range(WARMUP):
        api.call("GET", path)
    samples = []
    deadline = time.monotonic() + max_seconds
    while len(samples) < requests and time.monotonic() < deadline:
        started = time.perf_counter()
        status, _ = api.raw("GET", path)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise SystemExit("GET %s answered %d" % (path, status))
        samples.append(elapsed)
    samples.sort()
    return {
        "n": len(samples),
        "median_ms": round(statistics.median(samples), 3),
        "p99_ms": round(percentile(samples, 99), 3),
        "mean_ms": round(statistics.fmean(samples), 3),
        "max_ms": round(samples[-1], 3),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--max-seconds", type=float, default=120)
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    api = Api(args.base, args.token)
    result = {"label": args.label, "paths": {}}
    for path in args.paths:
        result["paths"][path] = measure(api, path, args.requests, args.max_seconds)
        print("%-5s %-55s %s" % (args.label, path, result["paths"][path]), flush=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Measures the order endpoints that compute approval fields, against a running service.

Seeds one tenant's worth of orders through the API (a share of them with approved requests),
then times the lab order list (200 per page, with and without the computed-field filters), the
work queue and the metrics report. Standard library only. Prints a Markdown table.

    python3 scripts/bench.py --base http://127.0.0.1:8080 --token "$TOKEN" --orders 2000
"""

import argparse
import concurrent.futures
import datetime
import json
import statistics
import time
import urllib.request


def call(base, token, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + token)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"null")


def seed(base, token, orders):
    today = datetime.date.today()
    patient = call(base, token, "POST", "/api/v1/patients", {
        "mrn": "BENCH-%d" % time.time_ns(), "given_name": "Bench", "family_name": "Patient",
        "birth_date": "1970-01-01", "sex": "UNKNOWN"})
    call(base, token, "POST", "/api/v1/patients/%s/insurance" % patient["id"], {
        "payer_name": "Acme", "payer_id": "A", "member_id": "M", "priority": "PRIMARY", "effective_date": "2020-01-01"})
    provider = call(base, token, "POST", "/api/v1/providers", {
        "name": "Dr. Bench", "licence_number": "B-%d" % time.time_ns(), "role": "PHYSICIAN"})

    def one(index):
        order = call(base, token, "POST", "/api/v1/lab-orders", {
            "patient_id": patient["id"], "ordering_provider_id": provider["id"],
            "tests": [{"test_name": "CBC", "cpt_code": "85025"}], "diagnosis_code": "D64.9",
            "clinical_indication": "Anemia", "priority": ["ROUTINE", "URGENT", "STAT"][index % 3]})
        if index % 4 == 0:
            request = call(base, token, "POST", "/api/v1/lab-orders/%s/approval-requests" % order["id"], {})
            call(base, token, "POST", "/api/v1/approval-requests/%s/transitions" % request["id"], {"to_status": "SUBMITTED"})
            call(base, token, "POST", "/api/v1/approval-requests/%s/transitions" % request["id"], {
                "to_status": "APPROVED", "authorization_number": "A-%d" % index,
                "expiration_date": (today + datetime.timedelta(days=30)).isoformat()})

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(one, range(orders)))


def measure(base, token, path, rounds):
    call(base, token, "GET", path)  # warm up
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        call(base, token, "GET", path)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8080")
    parser.add_argument("--token", required=True)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--after-seed", default="", help="a shell command to run once seeded")
    args = parser.parse_args()
    started = time.perf_counter()
    seed(args.base, args.token, args.orders)
    print("seeded %d lab orders in %.1f s" % (args.orders, time.perf_counter() - started))
    if args.after_seed:
        # PostgreSQL plans with table statistics; right after a bulk load they are stale until
        # autovacuum runs, so the benchmark refreshes them the way autovacuum would.
        import subprocess
        subprocess.run(args.after_seed, shell=True, check=True)
    print()
    print("| request | median ms | p95 ms |")
    print("|---|---|---|")
    for path in [
        "/api/v1/lab-orders?limit=200",
        "/api/v1/lab-orders?limit=200&requires_approval=true",
        "/api/v1/lab-orders?limit=50&approval_status=APPROVED",
        "/api/v1/work-queue?limit=200",
        "/api/v1/reports/approval-metrics",
    ]:
        median, p95 = measure(args.base, args.token, path, args.rounds)
        print("| `GET %s` | %.1f | %.1f |" % (path, median, p95))


if __name__ == "__main__":
    main()

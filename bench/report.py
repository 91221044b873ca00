#!/usr/bin/env python3
"""Turns the raw results of bench/run.sh into docs/BENCHMARKS.md (rewritten entirely).

    report.py --raw RAW_DIR --databases postgres,sqlite --out docs/BENCHMARKS.md

RAW_DIR holds machine.env and, per database, DIR/<db>/meta.env, <scenario>.json (load.py) and
scale-10k.json / scale-100k.json (latency.py).
"""

import argparse
import json
import os
import re

SCENARIOS = [
    ("get_one", "GET one lab order", "`GET /lab-orders/{id}`, random ids"),
    ("list", "list, 50 lab orders", "`GET /lab-orders?limit=50`"),
    ("filtered", "filtered list", "`GET /lab-orders?limit=50&approval_status=APPROVED`"),
    ("queue", "work queue", "`GET /work-queue?limit=50`"),
    ("create_order", "create a lab order", "`POST /lab-orders`"),
    ("transition", "transition", "`POST /approval-requests/{id}/transitions`, DRAFT <-> PENDING_SUBMISSION, 64 requests"),
    ("create_request", "create a request from an order", "`POST /lab-orders/{id}/approval-requests` `{}`"),
]
SCALE_PATHS = [
    ("/api/v1/lab-orders?limit=50&approval_status=APPROVED", "filtered list"),
    ("/api/v1/work-queue?limit=50", "work queue"),
]
TITLES = {"postgres": "PostgreSQL", "sqlite": "SQLite"}


def read_env(path):
    values = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                key, sep, value = line.rstrip("\n").partition("=")
                if sep:
                    values[key] = value
    return values


def read_json(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def num(value, digits=1):
    """A number with thousands separators; small values keep more digits."""
    if value is None:
        return "n/a"
    if abs(value) >= 100:
        return "{:,.0f}".format(value)
    if abs(value) >= 10 or digits == 0:
        return "{:,.{d}f}".format(value, d=min(digits, 1))
    return "{:.{d}f}".format(value, d=max(digits, 2))


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def database_section(raw, kind, machine):
    meta = read_env(os.path.join(raw, kind, "meta.env"))
    postgres = kind == "postgres"
    out = ["## %s" % TITLES.get(kind, kind), ""]
    scale = float(machine.get("scale", "1"))
    seed_ms = meta.get("seed_ms_" + meta.get("tenant", ""))
    out.append("Tenant `%s`: %s orders (`approvals seed --scale %s`), %s of them lab orders; seeded in %s s." % (
        meta.get("tenant", "?"), "{:,.0f}".format(scale * 100_000), machine.get("scale", "1"),
        "{:,}".format(int(meta["lab_orders"])) if meta.get("lab_orders") else "?",
        num(int(seed_ms) / 1000) if seed_ms else "?"))
    out.append("")

    header = ["scenario", "saturated req/s", "paced at req/s (connections)", "p50 ms", "p99 ms", "errors (sat. / paced)",
              "server CPU ms/req"]
    if postgres:
        header.append("PostgreSQL CPU ms/req")
    header.append("load avg")
    rows = []
    results = {}
    for key, name, request in SCENARIOS:
        result = read_json(os.path.join(raw, kind, key + ".json"))
        if result is None:
            rows.append([name + ": " + request] + ["n/a"] * (len(header) - 1))
            continue
        results[key] = result
        sat, paced = result["saturation"], result["paced"]
        row = [
            "%s: %s" % (name, request),
            num(sat["rps"]),
            "%s (%s)" % (num(paced["rps"]), paced.get("connections", "?")),
            num(paced["latency_ms"]["p50"], 2),
            num(paced["latency_ms"]["p99"], 2),
            "%d / %d" % (sat["errors"], paced["errors"]),
            num(sat["server_cpu_ms_per_request"], 2),
        ]
        if postgres:
            row.append(num(sat.get("postgres_cpu_ms_per_request"), 2))
        row.append("%.1f" % sat.get("loadavg_before", 0))
        rows.append(row)
    out += [table(header, rows), ""]

    notes, shared = [], []
    for key, result in results.items():
        for phase in ("saturation", "paced"):
            run = result[phase]
            foreign_cpu = run.get("postgres_foreign_cpu_s", 0)
            churn = run.get("postgres_foreign_backends_changed", 0)
            if postgres and phase == "saturation" and (
                    churn or foreign_cpu > 0.05 * max(run.get("postgres_cpu_s", 0), 0.01)):
                shared.append("%s (%d came or went, %.2f s CPU)" % (key, churn, foreign_cpu))
            other = {s: n for s, n in run.get("statuses", {}).items() if not s.startswith("2")}
            sockets = {kind: n for kind, n in run["socket_errors"].items() if n}
            if other or sockets:
                parts = ["%d answered %s" % (n, status) for status, n in sorted(other.items())]
                parts += ["%d socket errors (%s)" % (n, kind) for kind, n in sorted(sockets.items())]
                codes = sorted({m.group(1) for sample in run.get("error_samples", [])
                                for m in [re.search(r'"code":"([a-z_]+)"', sample)] if m})
                notes.append("%s (%s): %s%s" % (key, phase, ", ".join(parts),
                                                " (`%s`)" % "`, `".join(codes) if codes else ""))
            if phase == "paced" and run["requests"]:
                held = run["rps"] >= 0.95 * run["target_rps"]
                if not held or run.get("late", 0) > 0.05 * run["requests"]:
                    notes.append("%s (paced): %s req/s of %s targeted; %d of %d sends more than 1 ms behind "
                                 "their slot%s" % (key, num(run["rps"]), num(run["target_rps"]), run["late"],
                                                   run["requests"], "" if held else ": the rate was not held"))
    if shared:
        notes.append("other databases' backends were active on the PostgreSQL server during the "
                     "saturation runs of " + ", ".join(shared) + ": the PostgreSQL CPU per request "
                     "of those rows includes some of their work")
    if notes:
        out += ["Notes:", ""] + ["- " + note for note in notes] + [""]

    if postgres and meta.get("pgbench_tps"):
        tps = float(meta["pgbench_tps"])
        line = "pgbench on the same server, `pgbench -S -c %s -j %s -T %s` (scale 10, service stopped): **%s TPS**." % (
            machine.get("connections"), machine.get("threads"), machine.get("seconds"), num(tps))
        if "get_one" in results:
            rps = results["get_one"]["saturation"]["rps"]
            line += " GET one lab order at saturation: %s req/s, **%.1f %%** of pgbench's TPS (ratio %.3f)." % (
                num(rps), 100 * rps / tps, rps / tps)
        out += [line, ""]

    memory = meta.get("vmhwm_kb")
    out.append("Start to ready (spawn to the first 200 of `/readyz`, migrations already applied): **%s ms**. "
               "Peak resident memory of the server over the run (VmHWM): **%s MiB**%s." % (
                   meta.get("ready_ms", "?"),
                   num(int(memory) / 1024) if memory else "?",
                   " (%s MiB at the end)" % num(int(meta["vmrss_kb"]) / 1024) if meta.get("vmrss_kb") else ""))
    out.append("")
    return out


def scale_section(raw, databases):
    out = ["## Scale: 10,000 vs 100,000 orders", "",
           "One tenant seeded at `--scale 0.1` and one at `--scale 1` in the same database, measured "
           "before any load: one client, 200 sequential requests per line on one keep-alive connection "
           "after 5 unrecorded ones (fewer if they take over 120 s: n says how many); ms. The two "
           "tenants share the tables, so a cost that follows the table rather than the tenant weighs "
           "on both columns alike.", ""]
    header = ["database", "request", "10k median", "10k p99", "100k median", "100k p99",
              "100k/10k median", "100k/10k p99"]
    rows = []
    for kind in databases:
        small = read_json(os.path.join(raw, kind, "scale-10k.json"))
        large = read_json(os.path.join(raw, kind, "scale-100k.json"))
        if not small or not large:
            continue
        for path, name in SCALE_PATHS:
            a, b = small["paths"].get(path), large["paths"].get(path)
            if not a or not b:
                continue
            rows.append([TITLES.get(kind, kind), "%s `%s`" % (name, path.replace("/api/v1", "")),
                         num(a["median_ms"], 2), num(a["p99_ms"], 2), num(b["median_ms"], 2), num(b["p99_ms"], 2),
                         "%.2f" % (b["median_ms"] / a["median_ms"]), "%.2f" % (b["p99_ms"] / a["p99_ms"])])
            if a["n"] < 200 or b["n"] < 200:
                rows[-1][1] += " (n = %d / %d: time cap)" % (a["n"], b["n"])
    out += [table(header, rows) if rows else "(no scale results)", ""]
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw", required=True)
    parser.add_argument("--databases", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    machine = read_env(os.path.join(args.raw, "machine.env"))
    databases = [d for d in args.databases.split(",") if d]
    seconds, warmup = machine.get("seconds", "?"), machine.get("warmup", "?")
    duration = int(machine.get("duration_seconds", "0"))

    out = [
        "# Benchmarks",
        "",
        "<!-- Generated by bench/run.sh: every run rewrites this whole file. Do not edit by hand. -->",
        "",
        "This file is written by `bash bench/run.sh` (knobs: `BENCH_SECONDS`, `BENCH_DATABASES`, "
        "`BENCH_SCALE`, `BENCH_WARMUP`); each run replaces it entirely. Run of %s, %d min %02d s in all." % (
            machine.get("date", "?"), duration // 60, duration % 60),
        "",
        "## Machine",
        "",
        table(["", ""], [
            ["CPU", "%s, %s cores (`nproc`)" % (machine.get("cpu", "?"), machine.get("nproc", "?"))],
            ["memory (`free -g`)", machine.get("memory", "?")],
            ["kernel", machine.get("kernel", "?")],
            ["PostgreSQL", machine.get("postgres", "not measured")],
            ["build", "release, commit `%s`, %s" % (machine.get("commit", "?"), machine.get("rustc", "?"))],
            ["load generator", "%s on the same machine: %s connections, %s threads" % (
                machine.get("wrk", "wrk"), machine.get("connections"), machine.get("threads"))],
            ["load average (1, 5, 15 min)", "%s at start, %s at the end" % (
                machine.get("loadavg_at_start", "?"), machine.get("loadavg_at_end", "?"))],
        ]),
        "",
        "The service, the database and wrk share these cores, with whatever else the machine runs "
        "(the load average before each saturation run is in the tables: above the core count, other "
        "work competed). The figures compare runs on one machine; they are not a capacity statement.",
        "",
        "## Method",
        "",
        "- Each database is fresh; tenants are filled by `approvals seed --scale S` (S x 100,000 orders "
        "across the four kinds, a third as many approval requests in every state). The server runs "
        "`approvals serve` with `LOG_LEVEL=warn` and `EXPIRY_SWEEP_INTERVAL_SECONDS=0`; every request "
        "carries a token with the roles ADMIN, CLINICIAN and COORDINATOR; paths are under `/api/v1`.",
        "- Per scenario: **saturation**, %s connections on %s threads as fast as answers come, then "
        "**paced**, half the saturation throughput, where p50 and p99 are taken; each a wrk run whose "
        "first %s s are a warm-up left out of the figures, then %s s measured (throughput: answers in "
        "those %s s). Between runs the harness waits for the server and PostgreSQL to go idle (wrk "
        "abandons its requests in flight). A paced run uses one connection per 2 requests/s, at most "
        "32, so that none sits idle long enough for the service to close it (5 s). Plain wrk has no rate option: each wrk "
        "thread keeps a send schedule in Lua (`delay()`), a free connection claims the next slot and "
        "waits for it, so sends follow the clock, not the answers. Latency runs from the write of a "
        "request to its full answer, measured in the script (the send time travels in `X-Request-Id`, "
        "which the service echoes), without wrk's coordinated-omission correction of its own "
        "histogram, which would count phantom sends here." % (
            machine.get("connections"), machine.get("threads"), warmup, seconds, seconds),
        "- Errors: answers outside 2xx plus socket errors (connect, read, write, 60 s timeout).",
        "- CPU per request, at saturation: user + system time of the server process (and, on "
        "PostgreSQL, of every `postgres` process, the exited ones through the postmaster's children "
        "times) from `/proc/<pid>/stat` at the end of the warm-up and at the end, over the answers "
        "counted in between. If other databases on the same PostgreSQL server were busy meanwhile, "
        "a note says so.",
        "- Write scenarios add rows as they go (new lab orders, new requests); the read scenarios run "
        "first. The transition scenario moves 64 requests created in DRAFT beforehand, each lent to one "
        "connection at a time, between DRAFT and PENDING_SUBMISSION. Requests are created only from "
        "lab orders whose patient has a coverage in force on the order's date.",
        "",
    ]
    for kind in databases:
        out += database_section(args.raw, kind, machine)
    out += scale_section(args.raw, databases)
    # The reading of the figures against the targets is written by hand (it needs profiles and
    # query plans); it is copied in from bench/targets.md with every run.
    targets = os.path.join(os.path.dirname(os.path.abspath(__file__)), "targets.md")
    if os.path.exists(targets):
        with open(targets) as f:
            out += [f.read().rstrip(), ""]
    out += ["Raw output of every tool for this run: `%s` (a temporary directory, not kept in the repository)." % args.raw, ""]

    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(out))
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Concurrency and crash checks against the real binary, on SQLite or PostgreSQL.

    python3 scripts/stress.py BINARY [--database-url postgres://...] [--seconds 20] [--crashes 3]

1. Concurrency: 64 clients mix reads (order lists, the work queue, single orders), lab-order
   creations and approval-request transitions for a bounded time against one server. Then:
   no answer was a 5xx; every request's history holds exactly its creation plus the
   transitions that were answered 200; lab-order numbers run 1..N without a gap; every row of
   the approval read model equals the rules computed from scratch (`approvals read-model
   verify`).
2. Two instances on one database (PostgreSQL only): the same mix spread over two servers,
   with the same checks.
3. Crash: a write load (creations and transitions, 16 clients) runs while the server is killed
   with SIGKILL; the server restarts on the same database. Every write that was acknowledged is
   there (with its audit event), none is half-written (history and status agree, numbers stay
   gapless, the read model equals the rules). Repeated --crashes times.

Exit status 0 when every check holds; 1 with the failures listed otherwise. Uses only the
Python standard library.
"""

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

FAILURES = []


def fail(message):
    FAILURES.append(message)
    print(f"FAIL: {message}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One `approvals serve` process."""

    def __init__(self, binary, env, log_path):
        self.binary = binary
        self.env = env
        self.port = free_port()
        self.log_path = log_path
        self.process = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        env = dict(self.env, BIND_ADDR=f"127.0.0.1:{self.port}")
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [self.binary, "serve"], env=env, stdout=log, stderr=log
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited early; see {self.log_path}")
            time.sleep(0.1)
        raise SystemExit(f"the server did not become ready; see {self.log_path}")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def call(base, method, path, token, body=None, headers=None, timeout=30):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            return error.code, json.loads(text) if text else None
        except ValueError:
            return error.code, text.decode(errors="replace")


def cli(binary, env, *args):
    out = subprocess.run(
        [binary, *args], env=env, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"approvals {' '.join(args)} failed:\n{out.stderr}")
    return out.stdout.strip().splitlines()[-1]


class Clinic:
    """A tenant with a provider and patients with coverage."""

    def __init__(self, base, token):
        self.token = token
        status, provider = call(base, "POST", "/api/v1/providers", token,
                                {"name": "Dr. Load Test", "licence_number": "LIC-STRESS", "role": "PHYSICIAN"})
        assert status == 201, provider
        self.provider = provider["id"]
        self.patients = []
        for n in range(8):
            status, patient = call(base, "POST", "/api/v1/patients", token, {
                "mrn": f"MRN-STRESS-{n}", "given_name": "Test", "family_name": f"Patient{n}",
                "birth_date": "1980-01-01", "sex": "OTHER"})
            assert status == 201, patient
            status, coverage = call(base, "POST", f"/api/v1/patients/{patient['id']}/insurance", token, {
                "payer_name": "Acme Health", "payer_id": "ACME01", "member_id": f"M{n}",
                "priority": "PRIMARY", "effective_date": "2020-01-01"})
            assert status == 201, coverage
            self.patients.append(patient["id"])

    def lab_body(self):
        return {"patient_id": random.choice(self.patients), "ordering_provider_id": self.provider,
                "tests": [{"test_name": "Hemoglobin A1c", "cpt_code": "83036"}],
                "diagnosis_code": "E11.9", "clinical_indication": "Load test",
                "priority": random.choice(["ROUTINE", "URGENT", "STAT"])}


# The moves a client tries, from each status (others answer 409, which is fine).
NEXT = {
    "DRAFT": [{"to_status": "PENDING_SUBMISSION"}],
    "PENDING_SUBMISSION": [{"to_status": "SUBMITTED", "submission_method": "PORTAL"},
                           {"to_status": "DRAFT"}],
    "SUBMITTED": [{"to_status": "UNDER_REVIEW"}],
    "UNDER_REVIEW": [{"to_status": "MORE_INFO_REQUIRED", "reason": "notes"},
                     {"to_status": "DENIED", "denial_reason": "Not necessary", "denial_code": "CO-50"}],
    "MORE_INFO_REQUIRED": [{"to_status": "SUBMITTED"}],
    "DENIED": [{"to_status": "APPEAL_SUBMITTED", "reason": "appeal"}],
    "APPEAL_SUBMITTED": [{"to_status": "APPEAL_DENIED", "denial_reason": "upheld", "denial_code": "CO-50"}],
}


class Ledger:
    """What the clients were told."""

    def __init__(self):
        self.lock = threading.Lock()
        self.server_errors = []
        self.created_orders = set()
        self.created_requests = {}  # id -> acknowledged transitions
        self.counts = {}

    def count(self, what):
        with self.lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    def answer(self, what, status, body):
        self.count(f"{what} {status}")
        if status >= 500:
            with self.lock:
                self.server_errors.append(f"{what}: {status} {body}")


def create_request(base, clinic, ledger, idempotent=False):
    headers = {"Idempotency-Key": str(uuid.uuid4())} if idempotent else None
    status, order = call(base, "POST", "/api/v1/lab-orders", clinic.token, clinic.lab_body(), headers)
    ledger.answer("create order", status, order)
    if status != 201:
        return None
    with ledger.lock:
        ledger.created_orders.add(order["id"])
    status, request = call(base, "POST", f"/api/v1/lab-orders/{order['id']}/approval-requests",
                           clinic.token, {"status": "DRAFT"}, headers and {"Idempotency-Key": str(uuid.uuid4())})
    ledger.answer("create request", status, request)
    if status != 201:
        return None
    with ledger.lock:
        ledger.created_requests[request["id"]] = 0
    return request["id"]


def transition(base, clinic, ledger, request_id):
    status, current = call(base, "GET", f"/api/v1/approval-requests/{request_id}", clinic.token)
    ledger.answer("read request", status, current)
    if status != 200 or current["status"] not in NEXT:
        return
    body = random.choice(NEXT[current["status"]])
    status, moved = call(base, "POST", f"/api/v1/approval-requests/{request_id}/transitions",
                         clinic.token, body, {"If-Match": f"\"{current['version']}\""})
    ledger.answer("transition", status, moved)
    if status == 200:
        with ledger.lock:
            ledger.created_requests[request_id] += 1


def mixed_client(bases, clinic, ledger, pool, stop):
    rng = random.Random()
    while not stop.is_set():
        base = rng.choice(bases)
        roll = rng.random()
        if roll < 0.4:
            path = rng.choice(["/api/v1/lab-orders?limit=50", "/api/v1/work-queue?limit=50",
                               "/api/v1/lab-orders?approval_status=APPROVAL_REQUIRED&limit=50",
                               "/api/v1/approval-requests?limit=50"])
            status, body = call(base, "GET", path, clinic.token)
            ledger.answer("read", status, body)
        elif roll < 0.65 or not pool:
            request_id = create_request(base, clinic, ledger)
            if request_id:
                with ledger.lock:
                    pool.append(request_id)
        else:
            with ledger.lock:
                request_id = rng.choice(pool)
            transition(base, clinic, ledger, request_id)


def run_clients(n, target, *args, seconds):
    stop = threading.Event()
    crashed = []

    def guarded():
        try:
            target(*args, stop)
        except Exception as error:  # a client that dies is a failed check, not a quiet one
            crashed.append(repr(error))

    threads = [threading.Thread(target=guarded, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    if crashed:
        fail(f"{len(crashed)} clients died, e.g. {crashed[:3]}")


def all_pages(base, token, path):
    items, offset = [], 0
    while True:
        sep = "&" if "?" in path else "?"
        status, page = call(base, "GET", f"{path}{sep}limit=200&offset={offset}", token)
        if status != 200:
            fail(f"GET {path}: {status} {page}")
            return items
        items += page["items"]
        offset += 200
        if offset >= page["total"]:
            return items


def check(base, clinic, ledger, binary, env, label):
    """The invariants, read through the API and the read-model verifier."""
    if not ledger.counts:
        fail(f"{label}: no client got an answer: the load did not run")
    if ledger.server_errors:
        fail(f"{label}: {len(ledger.server_errors)} answers were 5xx, e.g. {ledger.server_errors[:3]}")
    orders = all_pages(base, clinic.token, "/api/v1/lab-orders?sort=order_number")
    numbers = [int(o["order_number"].rsplit("-", 1)[1]) for o in orders]
    if numbers != list(range(1, len(numbers) + 1)):
        gaps = sorted(set(range(1, max(numbers or [0]) + 1)) - set(numbers))
        fail(f"{label}: lab-order numbers are not 1..{len(numbers)} (missing {gaps[:10]})")
    present = {o["id"] for o in orders}
    lost = ledger.created_orders - present
    if lost:
        fail(f"{label}: {len(lost)} acknowledged orders are missing, e.g. {sorted(lost)[:3]}")
    for request_id, moves in list(ledger.created_requests.items()):
        status, request = call(base, "GET", f"/api/v1/approval-requests/{request_id}", clinic.token)
        if status != 200:
            fail(f"{label}: acknowledged request {request_id} answers {status}")
            continue
        history = all_pages(base, clinic.token, f"/api/v1/approval-requests/{request_id}/history?sort=seq")
        if len(history) < 1 + moves:
            fail(f"{label}: request {request_id} has {len(history)} history rows for {moves} acknowledged moves")
        if history and history[-1]["to_status"] != request["status"]:
            fail(f"{label}: request {request_id} is {request['status']} but its history ends at {history[-1]['to_status']}")
        if [h["seq"] for h in history] != list(range(1, len(history) + 1)):
            fail(f"{label}: request {request_id} history is not seq 1..n")
    sample = list(ledger.created_orders)[:20]
    for order_id in sample:
        status, events = call(base, "GET", f"/api/v1/audit-events?resource_id={order_id}", clinic.token)
        if status != 200 or not any(e["action"] == "CREATE" for e in events["items"]):
            fail(f"{label}: order {order_id} has no audit event of its creation")
    verify = subprocess.run([binary, "read-model", "verify"], env=env, capture_output=True, text=True)
    if verify.returncode != 0:
        fail(f"{label}: the read model differs from the rules:\n{verify.stdout}{verify.stderr}")
    print(f"{label}: {len(orders)} lab orders, {len(ledger.created_requests)} requests, "
          f"answers {dict(sorted(ledger.counts.items()))}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("--database-url", help="postgres://... (a fresh database is created on that server)")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--crashes", type=int, default=3)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="approvals-stress.")
    binary = os.path.join(work, "approvals")
    shutil.copy(args.binary, binary)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "JWT_"))}
    env.update(JWT_SECRET="stress-secret-stress-secret-stress-01", RUST_LOG="warn",
               EXPIRY_SWEEP_INTERVAL_SECONDS="2", TENANT_CACHE_TTL_MS="2000")
    admin_url, database = None, None
    if args.database_url:
        admin_url = args.database_url
        database = f"approvals_stress_{os.getpid()}"
        subprocess.run(["psql", admin_url, "-qAtc", f'CREATE DATABASE "{database}"'], check=True)
        env["DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + "/" + database
    else:
        env["DATABASE_URL"] = f"sqlite://{work}/stress.db?mode=rwc"
    servers = []
    try:
        cli(binary, env, "migrate", "up")
        cli(binary, env, "tenant", "create", "--code", "LOAD", "--name", "Load Hospital", "--time-zone", "America/New_York")
        token = cli(binary, env, "token", "--tenant", "LOAD", "--role", "ADMIN", "--role", "CLINICIAN",
                    "--role", "COORDINATOR", "--sub", "load.tester", "--ttl-minutes", "120")
        server = Server(binary, env, os.path.join(work, "server.log"))
        servers.append(server)
        server.start()
        clinic = Clinic(server.base, token)
        ledger = Ledger()
        pool = []

        print(f"== {args.clients} clients for {args.seconds:.0f} s", flush=True)
        run_clients(args.clients, mixed_client, [server.base], clinic, ledger, pool, seconds=args.seconds)
        check(server.base, clinic, ledger, binary, env, "concurrency")

        if args.database_url:
            print("== two instances on one database", flush=True)
            second = Server(binary, env, os.path.join(work, "server2.log"))
            servers.append(second)
            second.start()
            run_clients(args.clients, mixed_client, [server.base, second.base], clinic, ledger, pool,
                        seconds=args.seconds / 2)
            check(server.base, clinic, ledger, binary, env, "two instances")
            second.stop()

        for crash in range(1, args.crashes + 1):
            print(f"== crash {crash}: SIGKILL under a write load", flush=True)
            acknowledged = Ledger()

            def writer(base, stop):
                while not stop.is_set():
                    try:
                        request_id = create_request(base, clinic, acknowledged, idempotent=True)
                        if request_id:
                            with acknowledged.lock:
                                pool.append(request_id)
                            transition(base, clinic, acknowledged, request_id)
                    except (urllib.error.URLError, ConnectionError, OSError, TimeoutError):
                        time.sleep(0.05)

            stop = threading.Event()
            threads = [threading.Thread(target=writer, args=(server.base, stop), daemon=True) for _ in range(16)]
            for t in threads:
                t.start()
            time.sleep(2 + random.random() * 2)
            server.kill()
            stop.set()
            for t in threads:
                t.join(timeout=60)
            server.start()
            for order_id in acknowledged.created_orders:
                ledger.created_orders.add(order_id)
            for request_id, moves in acknowledged.created_requests.items():
                ledger.created_requests[request_id] = ledger.created_requests.get(request_id, 0) + moves
            check(server.base, clinic, acknowledged, binary, env, f"crash {crash}")
        check(server.base, clinic, ledger, binary, env, "after every crash")
    finally:
        for server in servers:
            server.stop()
        if admin_url and database:
            subprocess.run(["psql", admin_url, "-qAtc", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'],
                           check=False)
        if not FAILURES:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"server logs kept in {work}", flush=True)
    if FAILURES:
        print(f"{len(FAILURES)} failures", flush=True)
        sys.exit(1)
    print("stress: every check held", flush=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the id lists the wrk scenarios draw from, for one seeded tenant of a running service.

    prepare.py --database-url URL --code CODE --base http://127.0.0.1:PORT --token JWT --out DIR

Files written in DIR, one value a line:

- lab_orders.txt           random lab orders of the tenant (GET one)
- covered_lab_orders.txt   random lab orders whose patient has a coverage in force on the order's
                           date that matters (max of today and the service date): creating a
                           request from any other answers 422, which would count as an error
- patients.txt, providers.txt   ids for the body of a new lab order
- transition_requests.txt  64 requests created here in DRAFT on distinct lab orders, which the
                           transition scenario toggles DRAFT <-> PENDING_SUBMISSION

Ids are read with SQL (sqlite3 module, or psql for PostgreSQL): paging through the API would
take minutes at 100,000 orders. Patients and providers come from the API, as a client sees them.
"""

import argparse
import os
import sqlite3
import subprocess
import urllib.parse
import uuid

from common import Api

SAMPLE = 20_000
TRANSITION_REQUESTS = 64


def lab_orders_sql(today, greatest, covered):
    """The tenant's lab orders in random order; `covered` keeps those a request can be made for."""
    sql = "SELECT o.id FROM lab_orders o JOIN tenants t ON t.id = o.tenant_id WHERE t.code = {code}"
    if covered:
        d = "%s(%s, COALESCE(o.service_date, %s))" % (greatest, today, today)
        sql += (
            " AND o.status <> 'CANCELLED' AND EXISTS (SELECT 1 FROM insurance_info i"
            " WHERE i.tenant_id = o.tenant_id AND i.patient_id = o.patient_id"
            " AND i.effective_date <= {d} AND (i.termination_date IS NULL OR i.termination_date >= {d}))"
        ).replace("{d}", d)
    return sql + " ORDER BY random() LIMIT %d" % SAMPLE


def as_uuid(value):
    # SQLite stores uuids as 16-byte blobs, PostgreSQL answers text.
    return str(uuid.UUID(bytes=value)) if isinstance(value, bytes) else str(uuid.UUID(str(value)))


def query_ids(database_url, code, covered):
    if database_url.startswith("sqlite:"):
        path = urllib.parse.urlsplit(database_url).path
        sql = lab_orders_sql("date('now')", "max", covered).replace("{code}", "?")
        with sqlite3.connect("file:%s?mode=ro" % path, uri=True) as db:
            return [as_uuid(row[0]) for row in db.execute(sql, (code,))]
    # The code is checked by the service (^[A-Z0-9]{2,16}$); quote it anyway.
    literal = "'" + code.replace("'", "''") + "'"
    sql = lab_orders_sql("current_date", "GREATEST", covered).replace("{code}", literal)
    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", database_url, "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [as_uuid(line) for line in out.split()]


def write(out, name, values):
    with open(os.path.join(out, name), "w") as f:
        f.write("".join(value + "\n" for value in values))
    print("%s: %d" % (name, len(values)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--code", required=True)
    parser.add_argument("--base", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    api = Api(args.base, args.token)

    lab = query_ids(args.database_url, args.code, covered=False)
    covered = query_ids(args.database_url, args.code, covered=True)
    if not lab or len(covered) < TRANSITION_REQUESTS + 1:
        raise SystemExit("tenant %s: %d lab orders, %d with coverage: too few" % (args.code, len(lab), len(covered)))
    write(args.out, "lab_orders.txt", lab)

    patients = [p["id"] for p in api.call("GET", "/api/v1/patients?limit=50")["items"]]
    providers = [p["id"] for p in api.call("GET", "/api/v1/providers?limit=50")["items"]]
    if not patients or not providers:
        raise SystemExit("tenant %s has no patients or no providers" % args.code)
    write(args.out, "patients.txt", patients)
    write(args.out, "providers.txt", providers)

    # The transition scenario's requests take the first orders of the covered sample; the
    # create-request scenario draws from the rest, so the two never share an order.
    requests = []
    for order_id in covered[:TRANSITION_REQUESTS]:
        created = api.call("POST", "/api/v1/lab-orders/%s/approval-requests" % order_id, {"status": "DRAFT"})
        if created.get("status") != "DRAFT":
            raise SystemExit("request %s was created in %s, not DRAFT" % (created.get("id"), created.get("status")))
        requests.append(created["id"])
    write(args.out, "transition_requests.txt", requests)
    write(args.out, "covered_lab_orders.txt", covered[TRANSITION_REQUESTS:])


if __name__ == "__main__":
    main()

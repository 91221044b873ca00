#!/usr/bin/env python3
"""Seed a running approvals server through its API and write the Schemathesis configuration.

Usage: seed.py BASE_URL OUT_DIR

Reads the tokens from the environment: ST_TOKEN (the tenant under test, every role) and
ST_PEER_TOKEN (a second tenant, for the cross-tenant `object_level_authorization` probes).

Creates, for the tenant under test: providers, patients with coverages, medications, orders of
every kind, approval requests (standalone and from each order), a template, communications and
documents. Then writes into OUT_DIR:

- `ids.json`: every id created, by resource;
- `wfc-auth.json`: the two identities as Web Fuzzing Commons fixed `Authorization` headers;
- `schemathesis.toml`: dictionaries of the real ids, bound to the path, query and body parameters
  that take them, and of valid ICD-10-CM, CPT/HCPCS, NDC, NPI and time-zone values, bound to the
  fields that take those (each with a probability, so Schemathesis still fuzzes the rest); the
  auth; every check; the four phases (stateful with link inference from `Location` headers and
  dependency analysis, since the document has no `links`); error feedback off; no NUL bytes.

Standard library only: it runs with any Python 3.11+.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request

BASE = sys.argv[1].rstrip("/")
OUT = sys.argv[2]
TOKEN = os.environ["ST_TOKEN"]
PEER_TOKEN = os.environ["ST_PEER_TOKEN"]
# How often a bound parameter takes a real id rather than a generated value.
PROBABILITY = float(os.environ.get("SCHEMATHESIS_ID_PROBABILITY", "0.8"))
# Strict: Schemathesis' own idea of which answers a schema-valid request may get (2xx, 3xx, 401,
# 403, 404, 409, 429). By default 412 (a well-formed but stale If-Match) and 422 (a rule the schema
# cannot state: an unknown reference, a date in the future, a lifecycle step) are accepted too.
STRICT = os.environ.get("SCHEMATHESIS_STRICT", "0") not in ("", "0")


def call(method: str, path: str, body: object | None = None, expect: int = 201) -> dict:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {TOKEN}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, text = resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        status, text = err.code, err.read().decode()
    if status != expect:
        sys.exit(f"seed: {method} {path} answered {status}, expected {expect}: {text}")
    return json.loads(text) if text else {}


ids: dict[str, list[str]] = {}


def keep(kind: str, obj: dict) -> str:
    ids.setdefault(kind, []).append(obj["id"])
    return obj["id"]


# Providers: NPIs with a valid Luhn check digit (over 80840 + the NPI).
def npi(prefix: str) -> str:
    digits = "80840" + prefix
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return prefix + str((10 - total % 10) % 10)


providers = [
    keep("provider", call("POST", "/api/v1/providers", {"name": f"Dr. Seed {i}", "npi": npi(f"12345678{i}"), "role": role}))
    for i, role in enumerate(["PHYSICIAN", "SURGEON", "PHYSICIAN"])
]
# One provider nobody refers to, so that deleting it can succeed.
keep("provider", call("POST", "/api/v1/providers", {"name": "Dr. Unused", "licence_number": "LIC-UNUSED", "role": "NURSE"}))

patients = []
coverages = []
for i in range(3):
    pid = keep("patient", call("POST", "/api/v1/patients", {
        "mrn": f"MRN-SEED-{i}", "given_name": "Maria", "family_name": f"Lopez{i}",
        "birth_date": "1984-03-12", "sex": ["FEMALE", "MALE", "OTHER"][i % 3]}))
    patients.append(pid)
    cov = call("POST", f"/api/v1/patients/{pid}/insurance", {
        "payer_name": "Acme Health", "payer_id": "ACME01", "member_id": f"XJ447190{i}", "group_number": "GRP-2231",
        "plan_name": "Acme Gold PPO", "priority": "PRIMARY", "effective_date": "2025-01-01"})
    coverages.append(cov["id"])
    ids.setdefault("coverage", []).append(cov["id"])
    if i == 0:
        # The first patient has one coverage of each priority: the coverage operations use
        # this patient, so that the patient and coverage ids they draw belong together.
        ids.setdefault("coverage_patient", []).append(pid)
        ids.setdefault("coverage_of_first_patient", []).append(cov["id"])
        for priority, member in [("SECONDARY", "SEC-1"), ("TERTIARY", "TER-1")]:
            more = call("POST", f"/api/v1/patients/{pid}/insurance", {
                "payer_name": "Other Payer", "payer_id": "OTH02", "member_id": member, "priority": priority,
                "effective_date": "2025-06-01", "termination_date": "2027-12-31"})
            ids["coverage"].append(more["id"])
            ids["coverage_of_first_patient"].append(more["id"])
# A patient with nothing attached, so that deleting it can succeed.
keep("patient", call("POST", "/api/v1/patients", {
    "mrn": "MRN-SEED-LONE", "given_name": "Lone", "family_name": "Patient", "birth_date": "1990-01-01", "sex": "UNKNOWN"}))

medications = [
    keep("medication", call("POST", "/api/v1/medications", {
        "display_name": "Humira 40 mg/0.4 mL pen", "generic_name": "adalimumab", "ndc_number": "0074-0554-02",
        "formulary_status": "PRIOR_AUTH", "is_controlled_substance": False})),
    keep("medication", call("POST", "/api/v1/medications", {
        "display_name": "Metformin 500 mg", "ndc_number": "00093-1048-01", "formulary_status": "FORMULARY"})),
]

for i, pid in enumerate(patients):
    doctor, surgeon = providers[0], providers[1]
    keep("lab_order", call("POST", "/api/v1/lab-orders", {
        "patient_id": pid, "ordering_provider_id": doctor, "diagnosis_code": "E11.9",
        "clinical_indication": "Type 2 diabetes follow-up", "priority": "ROUTINE",
        "tests": [{"test_name": "Hemoglobin A1c", "cpt_code": "83036"}, {"test_name": "Lipid panel", "cpt_code": "80061"}]}))
    keep("imaging_order", call("POST", "/api/v1/imaging-orders", {
        "patient_id": pid, "ordering_provider_id": doctor, "modality": "MR", "study_description": "MRI brain",
        "body_part": "Brain", "diagnosis_code": "G43.909", "clinical_indication": "Refractory migraine",
        "requested_datetime": "2026-12-28T14:00:00Z", "cpt_codes": ["70553"]}))
    keep("prescription", call("POST", "/api/v1/prescriptions", {
        "patient_id": pid, "prescriber_id": doctor, "medication_id": medications[i % 2], "quantity_prescribed": 2,
        "quantity_unit": "pen", "diagnosis_code": "M05.79", "indication": "Rheumatoid arthritis",
        "prior_authorization_required": True}))
    keep("surgical_case", call("POST", "/api/v1/surgical-cases", {
        "patient_id": pid, "primary_surgeon_id": surgeon, "primary_procedure": "Total knee arthroplasty, right",
        "procedure_codes": ["27447"], "diagnosis": "Primary osteoarthritis, right knee", "diagnosis_codes": ["M17.11"],
        "scheduled_start": "2026-12-03T13:00:00Z"}))

template = keep("template", call("POST", "/api/v1/approval-templates", {
    "name": "Power wheelchair, Acme Health", "request_type": "DME", "payer_name": "Acme Health",
    "procedure_codes": ["K0823"], "service_description": "Power wheelchair, group 2",
    "required_documents": ["Physician order"], "typical_turnaround_days": 5}))
keep("template", call("POST", "/api/v1/approval-templates", {"name": "Unused template", "request_type": "RADIOLOGY"}))

# Requests: standalone ones, from a template, and one from each order (only the first patient's
# orders, so the other patients' orders have none and stay deletable).
for i, pid in enumerate(patients):
    keep("approval_request", call("POST", "/api/v1/approval-requests", {
        "patient_id": pid, "request_type": "DME", "procedure_codes": ["K0823"], "diagnosis_codes": ["G35"],
        "service_description": "Power wheelchair, group 2", "clinical_justification": "Multiple sclerosis",
        "requesting_provider_id": providers[0], "requested_quantity": 1, "status": ["DRAFT", "PENDING_SUBMISSION", "DRAFT"][i]}))
keep("approval_request", call("POST", "/api/v1/approval-requests", {"patient_id": patients[0], "template_id": template}))
for kind, path in [("lab_order", "lab-orders"), ("imaging_order", "imaging-orders"),
                   ("prescription", "prescriptions"), ("surgical_case", "surgical-cases")]:
    keep("approval_request", call("POST", f"/api/v1/{path}/{ids[kind][0]}/approval-requests", {}))

# Move one request forward so that transitions, history and the work queue have states to show.
moved = ids["approval_request"][1]
call("POST", f"/api/v1/approval-requests/{moved}/transitions", {"to_status": "SUBMITTED", "submission_method": "PORTAL"}, expect=200)
call("POST", f"/api/v1/approval-requests/{moved}/transitions", {"to_status": "UNDER_REVIEW"}, expect=200)
for rid in ids["approval_request"][:2]:
    keep("communication", call("POST", f"/api/v1/approval-requests/{rid}/communications", {
        "channel": "PHONE", "direction": "OUTBOUND", "summary": "Asked for status", "contact_name": "J. Smith",
        "follow_up_date": "2026-12-27"}))
    keep("document", call("POST", f"/api/v1/approval-requests/{rid}/documents", {
        "title": "Clinic note", "kind": "CLINICAL_NOTE", "reference": "dms://notes/88121",
        "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}))

os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "ids.json"), "w") as fd:
    json.dump(ids, fd, indent=2)

with open(os.path.join(OUT, "wfc-auth.json"), "w") as fd:
    json.dump({"schemaVersion": "0.2.0", "auth": [
        {"name": "gh", "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {TOKEN}"}]},
        {"name": "oh", "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {PEER_TOKEN}"}]},
    ]}, fd, indent=2)


# ---- schemathesis.toml --------------------------------------------------------------------------

def q(value: object) -> str:
    """A TOML value: JSON strings, numbers, booleans and arrays are valid TOML."""
    return json.dumps(value)


def binding(dictionary: str) -> str:
    return f"{{ dictionary = {q(dictionary)}, probability = {PROBABILITY} }}"


lines = [
    "# Written by scripts/schemathesis/seed.py for one run; not kept.",
    'warnings = { enabled = true }',
    "# Every case of an operation runs even after one fails: one defect does not hide the next.",
    "continue-on-failure = true",
    "",
    "[auth.wfc]",
    f"path = {q(os.path.join(OUT, 'wfc-auth.json'))}",
    'user = "gh"',
    'peers = ["gh", "oh"]',
    "",
    "[checks]",
    "enabled = true",
    *([] if STRICT else [
        "[checks.positive_data_acceptance]",
        'expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429"]',
    ]),
    "",
    "[generation]",
    "# NUL is refused on purpose (400 in a query, 422 in a body: PostgreSQL text cannot hold it).",
    "allow-x00 = false",
    "",
    "[phases.coverage]",
    "enabled = true",
    "[phases.fuzzing]",
    "enabled = true",
    "extra-data-sources = { responses = true }",
    "# Off: it reads a 422 `blank` on an optional field as `required` and then counts bodies",
    "# without that field as negative data, and it widened closed objects (additionalProperties:",
    "# false) with fields named in other answers: false ST201/ST202 failures.",
    "error-feedback = { enabled = false }",
    "[phases.stateful]",
    "enabled = true",
    'inference = { algorithms = ["location-headers", "dependency-analysis"] }',
    "",
    "[dictionaries]",
]
for kind, values in sorted(ids.items()):
    lines.append(f"{kind} = {{ values = {q(values)} }}")

# Valid codes, so that generated bodies get past the code checks (ICD-10-CM, CPT/HCPCS, NDC,
# NPI, IANA time zones) often enough to reach the rules behind them.
CODES = {
    "icd10": ["E11.9", "G43.909", "M05.79", "M17.11", "G35", "I10", "J45.909", "C50.911"],
    "cpt": ["83036", "80061", "70553", "27447", "K0823", "J1745", "99213", "0001U"],
    "ndc": ["0074-0554-02", "00093-1048-01", "0002-8215-01", "50242-0040-62", "0003089321"],
    "npi": [npi(f"98765432{i}") for i in range(5)],
    "time_zone": ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"],
    "quantity": [1, 2, 2.5, 30, 90.125],
}
for name, values in CODES.items():
    lines.append(f"{name} = {{ values = {q(values)} }}")

# Parameters whose name says which resource they take, wherever they appear.
lines += ["", "[parameters]"]
global_bindings = {
    "path.patient_id": "patient", "query.patient_id": "patient", "body.patient_id": "patient",
    "path.coverage_id": "coverage", "body.insurance_info_id": "coverage",
    "body.ordering_provider_id": "provider", "query.ordering_provider_id": "provider",
    "body.prescriber_id": "provider", "query.prescriber_id": "provider",
    "body.primary_surgeon_id": "provider", "query.primary_surgeon_id": "provider",
    "body.requesting_provider_id": "provider",
    "body.medication_id": "medication", "query.medication_id": "medication",
    "body.template_id": "template",
}
global_bindings.update({
    "body.diagnosis_code": "icd10", "body.diagnosis_codes[*]": "icd10",
    "body.procedure_codes[*]": "cpt", "body.cpt_codes[*]": "cpt", "body.tests[*].cpt_code": "cpt",
    "body.ndc_number": "ndc", "query.ndc_number": "ndc", "body.npi": "npi", "query.npi": "npi",
    "body.time_zone": "time_zone", "body.quantity_prescribed": "quantity",
})
for key, kind in global_bindings.items():
    lines.append(f"{q(key)} = {binding(kind)}")

# `{id}` means a different resource on each path.
path_ids = [
    (r"^/api/v1/providers/\{id\}", "provider"),
    (r"^/api/v1/patients/\{id\}", "patient"),
    (r"^/api/v1/medications/\{id\}", "medication"),
    (r"^/api/v1/lab-orders/\{id\}", "lab_order"),
    (r"^/api/v1/imaging-orders/\{id\}", "imaging_order"),
    (r"^/api/v1/prescriptions/\{id\}", "prescription"),
    (r"^/api/v1/surgical-cases/\{id\}", "surgical_case"),
    (r"^/api/v1/approval-requests/\{id\}", "approval_request"),
    (r"^/api/v1/approval-templates/\{id\}", "template"),
]
lines += ["", "[[operations]]", r'include-path-regex = "^/api/v1/patients/\\{patient_id\\}/insurance/\\{coverage_id\\}$"',
          f'parameters = {{ "path.patient_id" = {binding("coverage_patient")}, "path.coverage_id" = {binding("coverage_of_first_patient")} }}']
for regex, kind in path_ids:
    lines += ["", "[[operations]]", f"include-path-regex = {q(regex)}", f'parameters = {{ "path.id" = {binding(kind)} }}']
# `order_id` of the request list: any order.
orders = [i for k in ("lab_order", "imaging_order", "prescription", "surgical_case") for i in ids[k]]
lines[lines.index("[dictionaries]") + 1:lines.index("[dictionaries]") + 1] = [f"order = {{ values = {q(orders)} }}"]
lines += ["", "[[operations]]", 'include-operation-id = "list_approval_requests"',
          f'parameters = {{ "query.order_id" = {binding("order")} }}']
# The metrics period is at most ten years and `from` is not after `to`: a rule between two
# parameters that JSON Schema cannot state, so a 400 `invalid_query` there is expected.
if not STRICT:
    lines += ["", "[[operations]]", 'include-operation-id = "get_approval_metrics"',
              "[operations.checks.positive_data_acceptance]",
              'expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "412", "422", "429"]']

with open(os.path.join(OUT, "schemathesis.toml"), "w") as fd:
    fd.write("\n".join(lines) + "\n")

print(json.dumps({k: len(v) for k, v in ids.items()}))

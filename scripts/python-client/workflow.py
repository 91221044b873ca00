#!/usr/bin/env python3
"""The prior-approval workflow for every order kind, through a client generated from
openapi/openapi.json by openapi-python-client, against a live server.

Only the generated typed API is used: every call goes through an operation module's
`sync_detailed`, and every answer must have the expected status and a parsed model.

Environment: APPROVALS_BASE_URL (e.g. http://127.0.0.1:8393), APPROVALS_TOKEN (a JWT with the
ADMIN, CLINICIAN and COORDINATOR roles). The generated package `insurance_approvals_api_client`
must be importable (run.sh puts it on PYTHONPATH).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import uuid
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from insurance_approvals_api_client import AuthenticatedClient
from insurance_approvals_api_client.api.approval_requests import (
    create_imaging_order_approval_request,
    create_lab_order_approval_request,
    create_prescription_approval_request,
    create_surgical_case_approval_request,
    get_imaging_order_approval_summary,
    get_lab_order_approval_summary,
    get_prescription_approval_summary,
    get_surgical_case_approval_summary,
    list_approval_history,
    list_imaging_order_approval_requests,
    list_lab_order_approval_requests,
    list_prescription_approval_requests,
    list_surgical_case_approval_requests,
    transition_approval_request,
)
from insurance_approvals_api_client.api.imaging_orders import (
    create_imaging_order,
    get_imaging_order,
    list_imaging_orders,
)
from insurance_approvals_api_client.api.insurance import create_insurance
from insurance_approvals_api_client.api.lab_orders import (
    create_lab_order,
    get_lab_order,
    list_lab_orders,
)
from insurance_approvals_api_client.api.medications import create_medication
from insurance_approvals_api_client.api.patients import create_patient
from insurance_approvals_api_client.api.prescriptions import (
    create_prescription,
    get_prescription,
    list_prescriptions,
)
from insurance_approvals_api_client.api.providers import create_provider
from insurance_approvals_api_client.api.surgical_cases import (
    create_surgical_case,
    get_surgical_case,
    list_surgical_cases,
)
from insurance_approvals_api_client.api.tenant import get_tenant
from insurance_approvals_api_client.models import (
    ApprovalRequestView,
    ApprovalStatus,
    ApprovalSummary,
    CoveragePriority,
    CreateFromOrder,
    CreateImagingOrder,
    CreateInsurance,
    CreateLabOrder,
    CreateMedication,
    CreatePatient,
    CreatePrescription,
    CreateProvider,
    CreateSurgicalCase,
    FormularyStatus,
    ImagingOrderView,
    InsuranceView,
    LabOrderView,
    LabTest,
    MedicationView,
    Modality,
    OrderApprovalStatus,
    PageApprovalRequestView,
    PageHistoryView,
    PageImagingOrderView,
    PageLabOrderView,
    PagePrescriptionView,
    PageSurgicalCaseView,
    PatientView,
    PrescriptionView,
    Problem,
    ProblemCode,
    ProviderRole,
    ProviderView,
    Sex,
    SubmissionMethod,
    SurgicalCaseView,
    TenantView,
    TransitionRequest,
)
from insurance_approvals_api_client.types import Response

STEP = 0


def call(label: str, op: ModuleType, expected: int, model: type, **kwargs: Any) -> Response[Any]:
    """One operation through its generated `sync_detailed`; the answer must have the expected
    status and parse into `model`."""
    global STEP
    STEP += 1
    resp = op.sync_detailed(client=CLIENT, **kwargs)
    body = resp.content.decode(errors="replace")[:600]
    assert resp.status_code == expected, (
        f"step {STEP} {label}: expected HTTP {expected}, got {int(resp.status_code)}: {body}"
    )
    assert resp.parsed is not None, f"step {STEP} {label}: answer did not parse: {body}"
    assert isinstance(resp.parsed, model), (
        f"step {STEP} {label}: parsed {type(resp.parsed).__name__}, expected {model.__name__}: {body}"
    )
    print(f"[{STEP:3d}] {label}: HTTP {int(resp.status_code)} -> {type(resp.parsed).__name__}", flush=True)
    return resp


def etag_of(resp: Response[Any]) -> str:
    """The ETag of an answer; it must be the quoted version of the parsed resource."""
    etag = resp.headers.get("etag")
    assert etag, f"no ETag on {resp.parsed!r}"
    assert etag == f'"{resp.parsed.version}"', f"ETag {etag} is not the version {resp.parsed.version}"
    return etag


def number(order: Any) -> str:
    """The order's number: order_number, prescription_number or case_number by kind."""
    for field in ("order_number", "prescription_number", "case_number"):
        if hasattr(order, field):
            return getattr(order, field)
    raise AssertionError(f"no number on {order!r}")


def key() -> str:
    return str(uuid.uuid4())


@dataclass
class Kind:
    name: str
    create: ModuleType
    get: ModuleType
    list_: ModuleType
    view: type
    page: type
    create_request: ModuleType
    list_requests: ModuleType
    summary: ModuleType
    required_status: OrderApprovalStatus
    body: Any  # a function () -> Create* body


def check_order(kind: Kind, order: Any, status: OrderApprovalStatus, requires: bool, valid: bool) -> None:
    assert order.approval_status == status, f"{kind.name}: approval_status {order.approval_status}, want {status}"
    assert isinstance(order.approval_status, OrderApprovalStatus)
    assert order.requires_approval is requires, f"{kind.name}: requires_approval {order.requires_approval}"
    assert order.has_valid_approval is valid, f"{kind.name}: has_valid_approval {order.has_valid_approval}"
    assert order.patient.id == PATIENT.id, f"{kind.name}: patient.id {order.patient.id}"
    assert order.patient.mrn == PATIENT.mrn, f"{kind.name}: patient.mrn {order.patient.mrn}"
    want_name = f"{PATIENT.given_name} {PATIENT.family_name}"
    assert order.patient.name == want_name, f"{kind.name}: patient.name {order.patient.name!r}"


def transition(label: str, request: Response[Any], body: TransitionRequest) -> Response[Any]:
    """A transition sent with If-Match: the ETag of the request's latest answer."""
    resp = call(
        label,
        transition_approval_request,
        200,
        ApprovalRequestView,
        id=request.parsed.id,
        body=body,
        if_match=etag_of(request),
        idempotency_key=key(),
    )
    assert resp.parsed.status == body.to_status, f"{label}: status {resp.parsed.status}"
    assert resp.parsed.version == request.parsed.version + 1, f"{label}: version did not move"
    return resp


def submit(kind: Kind, request: Response[Any]) -> Response[Any]:
    resp = transition(
        f"{kind.name}: request -> SUBMITTED",
        request,
        TransitionRequest(
            to_status=ApprovalStatus.SUBMITTED,
            submission_method=SubmissionMethod.PORTAL,
            payer_reference=f"PY-{kind.name}-{request.parsed.approval_number}",
        ),
    )
    assert resp.parsed.submitted_at is not None
    return resp


def read_order(kind: Kind, order_id: uuid.UUID, label: str) -> Response[Any]:
    resp = call(f"{kind.name}: get order ({label})", kind.get, 200, kind.view, id=order_id)
    etag_of(resp)
    return resp


def create_order_and_request(kind: Kind) -> tuple[Response[Any], Response[Any]]:
    order = call(f"{kind.name}: create order", kind.create, 201, kind.view, body=kind.body(), idempotency_key=key())
    etag_of(order)
    check_order(kind, order.parsed, kind.required_status, requires=True, valid=False)
    print(
        f"      {number(order.parsed)}: {order.parsed.approval_status}, requires_approval=True, "
        f"patient {order.parsed.patient.mrn}",
        flush=True,
    )

    request = call(
        f"{kind.name}: create approval request from the order",
        kind.create_request,
        201,
        ApprovalRequestView,
        id=order.parsed.id,
        body=CreateFromOrder(),
        idempotency_key=key(),
    )
    etag_of(request)
    assert request.parsed.order_id == order.parsed.id
    assert request.parsed.patient_id == PATIENT.id
    assert request.parsed.insurance_info_id == COVERAGE.id, "request not linked to the coverage in force"
    assert request.parsed.status == ApprovalStatus.PENDING_SUBMISSION, request.parsed.status
    assert ApprovalStatus.SUBMITTED in request.parsed.allowed_transitions
    print(
        f"      {request.parsed.approval_number}: {request.parsed.status}, type {request.parsed.request_type}",
        flush=True,
    )

    again = read_order(kind, order.parsed.id, "request pending")
    check_order(kind, again.parsed, OrderApprovalStatus.PENDING_SUBMISSION, requires=True, valid=False)
    return order, request


def approve_path(kind: Kind) -> None:
    order, request = create_order_and_request(kind)
    request = submit(kind, request)
    check_order(kind, read_order(kind, order.parsed.id, "submitted").parsed, OrderApprovalStatus.SUBMITTED, True, False)

    approved = transition(
        f"{kind.name}: request -> APPROVED",
        request,
        TransitionRequest(
            to_status=ApprovalStatus.APPROVED,
            authorization_number=f"AUTH-{kind.name.upper()}-1",
            effective_date=TODAY,
            expiration_date=TODAY + dt.timedelta(days=90),
        ),
    )
    assert approved.parsed.holds_grant is True
    assert approved.parsed.effective_date == TODAY
    assert approved.parsed.expiration_date == TODAY + dt.timedelta(days=90)

    final = read_order(kind, order.parsed.id, "approved")
    check_order(kind, final.parsed, OrderApprovalStatus.APPROVED, requires=False, valid=True)
    active = final.parsed.active_approval
    assert active is not None and active.id == approved.parsed.id, f"active_approval {active!r}"
    assert active.authorization_number == f"AUTH-{kind.name.upper()}-1"

    summary = call(f"{kind.name}: approval summary", kind.summary, 200, ApprovalSummary, id=order.parsed.id)
    assert summary.parsed.has_insurance is True and summary.parsed.can_proceed is True
    assert summary.parsed.approval_status == OrderApprovalStatus.APPROVED

    requests = call(
        f"{kind.name}: list the order's approval requests",
        kind.list_requests,
        200,
        PageApprovalRequestView,
        id=order.parsed.id,
    )
    assert [r.id for r in requests.parsed.items] == [approved.parsed.id]

    history = call(f"{kind.name}: request history", list_approval_history, 200, PageHistoryView, id=approved.parsed.id)
    assert [h.to_status for h in history.parsed.items] == [
        ApprovalStatus.PENDING_SUBMISSION,
        ApprovalStatus.SUBMITTED,
        ApprovalStatus.APPROVED,
    ], [h.to_status for h in history.parsed.items]

    listed = call(
        f"{kind.name}: list orders approval_status=[APPROVED] patient_id=...",
        kind.list_,
        200,
        kind.page,
        approval_status=[OrderApprovalStatus.APPROVED],
        patient_id=PATIENT.id,
    )
    assert order.parsed.id in [o.id for o in listed.parsed.items]
    assert all(o.approval_status == OrderApprovalStatus.APPROVED for o in listed.parsed.items)
    print(f"      {number(final.parsed)}: APPROVED, has_valid_approval=True", flush=True)


def denial_path(kind: Kind) -> None:
    order, request = create_order_and_request(kind)
    request = submit(kind, request)
    denied = transition(
        f"{kind.name}: request -> DENIED",
        request,
        TransitionRequest(
            to_status=ApprovalStatus.DENIED,
            denial_reason="Not medically necessary per policy 4.2",
            denial_code="CO-50",
        ),
    )
    assert denied.parsed.denial_reason == "Not medically necessary per policy 4.2"
    assert denied.parsed.holds_grant is False
    check_order(kind, read_order(kind, order.parsed.id, "denied").parsed, OrderApprovalStatus.DENIED, True, False)

    denied_list = call(
        f"{kind.name}: list orders approval_status=[DENIED]",
        kind.list_,
        200,
        kind.page,
        approval_status=[OrderApprovalStatus.DENIED],
        patient_id=PATIENT.id,
    )
    assert [o.id for o in denied_list.parsed.items] == [order.parsed.id]
    assert denied_list.parsed.total == 1

    appeal = transition(
        f"{kind.name}: request -> APPEAL_SUBMITTED",
        denied,
        TransitionRequest(
            to_status=ApprovalStatus.APPEAL_SUBMITTED,
            reason="Peer-to-peer review: conservative therapy failed",
        ),
    )
    check_order(
        kind, read_order(kind, order.parsed.id, "appealed").parsed, OrderApprovalStatus.APPEAL_SUBMITTED, True, False
    )

    won = transition(
        f"{kind.name}: request -> APPEAL_APPROVED",
        appeal,
        TransitionRequest(
            to_status=ApprovalStatus.APPEAL_APPROVED,
            authorization_number=f"AUTH-{kind.name.upper()}-APPEAL",
            effective_date=TODAY,
            expiration_date=TODAY + dt.timedelta(days=90),
        ),
    )
    assert won.parsed.holds_grant is True
    assert won.parsed.appeal_decided_at is not None

    final = read_order(kind, order.parsed.id, "appeal approved")
    check_order(kind, final.parsed, OrderApprovalStatus.APPROVED, requires=False, valid=True)
    assert final.parsed.active_approval is not None and final.parsed.active_approval.id == won.parsed.id

    # The stale ETag of the APPEAL_SUBMITTED answer must now be refused with a parsed 412 Problem.
    stale = call(
        f"{kind.name}: transition with a stale If-Match (expect 412)",
        transition_approval_request,
        412,
        Problem,
        id=won.parsed.id,
        body=TransitionRequest(to_status=ApprovalStatus.CANCELLED, reason="stale"),
        if_match=etag_of(appeal),
    )
    assert stale.parsed.code == ProblemCode.PRECONDITION_FAILED, stale.parsed.code
    print(f"      {number(final.parsed)}: DENIED -> APPEAL_SUBMITTED -> APPEAL_APPROVED: APPROVED", flush=True)


def main() -> int:
    global CLIENT, PATIENT, COVERAGE, TODAY
    base_url = os.environ["APPROVALS_BASE_URL"]
    CLIENT = AuthenticatedClient(
        base_url=base_url, token=os.environ["APPROVALS_TOKEN"], raise_on_unexpected_status=True
    )

    tenant = call("get tenant", get_tenant, 200, TenantView)
    etag_of(tenant)
    if tenant.parsed.time_zone in ("UTC", "Etc/UTC"):
        zone: dt.tzinfo = dt.UTC
    else:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(tenant.parsed.time_zone)
    TODAY = dt.datetime.now(zone).date()
    print(f"      tenant {tenant.parsed.code} ({tenant.parsed.time_zone}), today {TODAY}", flush=True)

    run = uuid.uuid4().hex[:8].upper()
    physician = call(
        "create provider (PHYSICIAN)",
        create_provider,
        201,
        ProviderView,
        body=CreateProvider(name="Dr. Ada Osei", role=ProviderRole.PHYSICIAN, licence_number=f"LIC-{run}"),
        idempotency_key=key(),
    ).parsed
    surgeon = call(
        "create provider (SURGEON)",
        create_provider,
        201,
        ProviderView,
        body=CreateProvider(name="Dr. Bo Lindqvist", role=ProviderRole.SURGEON, licence_number=f"LIC-S-{run}"),
        idempotency_key=key(),
    ).parsed
    patient_resp = call(
        "create patient",
        create_patient,
        201,
        PatientView,
        body=CreatePatient(
            mrn=f"PY-{run}",
            given_name="Maria",
            family_name="Lopez",
            birth_date=dt.date(1984, 3, 12),
            sex=Sex.FEMALE,
        ),
        idempotency_key=key(),
    )
    etag_of(patient_resp)
    PATIENT = patient_resp.parsed
    COVERAGE = call(
        "create coverage (in force today)",
        create_insurance,
        201,
        InsuranceView,
        patient_id=PATIENT.id,
        body=CreateInsurance(
            payer_name="Acme Health",
            payer_id="ACME01",
            member_id="XJ4471902",
            priority=CoveragePriority.PRIMARY,
            effective_date=TODAY - dt.timedelta(days=30),
        ),
        idempotency_key=key(),
    ).parsed
    medication = call(
        "create medication (PRIOR_AUTH)",
        create_medication,
        201,
        MedicationView,
        body=CreateMedication(
            display_name="Humira 40 mg/0.4 mL pen",
            generic_name="adalimumab",
            ndc_number=f"0074-{int(run[:4], 16) % 10000:04d}-02",
            formulary_status=FormularyStatus.PRIOR_AUTH,
        ),
        idempotency_key=key(),
    ).parsed
    assert medication.formulary_status == FormularyStatus.PRIOR_AUTH

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    kinds = [
        Kind(
            "lab",
            create_lab_order,
            get_lab_order,
            list_lab_orders,
            LabOrderView,
            PageLabOrderView,
            create_lab_order_approval_request,
            list_lab_order_approval_requests,
            get_lab_order_approval_summary,
            OrderApprovalStatus.APPROVAL_REQUIRED,
            lambda: CreateLabOrder(
                patient_id=PATIENT.id,
                ordering_provider_id=physician.id,
                tests=[
                    LabTest(test_name="Hemoglobin A1c", cpt_code="83036"),
                    LabTest(test_name="Lipid panel", cpt_code="80061"),
                ],
                diagnosis_code="E11.9",
                clinical_indication="Type 2 diabetes follow-up",
            ),
        ),
        Kind(
            "imaging",
            create_imaging_order,
            get_imaging_order,
            list_imaging_orders,
            ImagingOrderView,
            PageImagingOrderView,
            create_imaging_order_approval_request,
            list_imaging_order_approval_requests,
            get_imaging_order_approval_summary,
            OrderApprovalStatus.APPROVAL_REQUIRED,
            lambda: CreateImagingOrder(
                patient_id=PATIENT.id,
                ordering_provider_id=physician.id,
                modality=Modality.MR,
                study_description="MRI brain with and without contrast",
                body_part="Brain",
                diagnosis_code="G43.909",
                clinical_indication="Refractory migraine with new aura",
                requested_datetime=now + dt.timedelta(days=3),
                cpt_codes=["70553"],
            ),
        ),
        Kind(
            "prescription",
            create_prescription,
            get_prescription,
            list_prescriptions,
            PrescriptionView,
            PagePrescriptionView,
            create_prescription_approval_request,
            list_prescription_approval_requests,
            get_prescription_approval_summary,
            OrderApprovalStatus.PRIOR_AUTH_REQUIRED,
            lambda: CreatePrescription(
                patient_id=PATIENT.id,
                prescriber_id=physician.id,
                medication_id=medication.id,
                quantity_prescribed=2,
                quantity_unit="pen",
                diagnosis_code="M05.79",
                indication="Rheumatoid arthritis, methotrexate failure",
            ),
        ),
        Kind(
            "surgical",
            create_surgical_case,
            get_surgical_case,
            list_surgical_cases,
            SurgicalCaseView,
            PageSurgicalCaseView,
            create_surgical_case_approval_request,
            list_surgical_case_approval_requests,
            get_surgical_case_approval_summary,
            OrderApprovalStatus.EMERGENCY_APPROVAL_REQUIRED,
            lambda: CreateSurgicalCase(
                patient_id=PATIENT.id,
                primary_surgeon_id=surgeon.id,
                primary_procedure="Appendectomy, laparoscopic",
                procedure_codes=["44970"],
                diagnosis="Acute appendicitis",
                diagnosis_codes=["K35.80"],
                scheduled_start=now,
                is_emergency=True,
            ),
        ),
    ]

    for kind in kinds:
        print(f"--- {kind.name}: create, request, submit, approve", flush=True)
        approve_path(kind)

    # A non-emergency surgical case answers the plain APPROVAL_REQUIRED.
    surgical = kinds[3]
    planned = call(
        "surgical (planned): create order",
        surgical.create,
        201,
        SurgicalCaseView,
        body=CreateSurgicalCase(
            patient_id=PATIENT.id,
            primary_surgeon_id=surgeon.id,
            primary_procedure="Total knee arthroplasty, right",
            procedure_codes=["27447"],
            diagnosis="Primary osteoarthritis, right knee",
            diagnosis_codes=["M17.11"],
            scheduled_start=now + dt.timedelta(days=14),
        ),
        idempotency_key=key(),
    )
    check_order(surgical, planned.parsed, OrderApprovalStatus.APPROVAL_REQUIRED, requires=True, valid=False)

    imaging = kinds[1]
    print(f"--- {imaging.name}: create, request, submit, deny, appeal, appeal approved", flush=True)
    denial_path(imaging)

    # Lists with the generated enum list parameter, one value each.
    for kind in kinds:
        page = call(
            f"{kind.name}: list orders approval_status=[{kind.required_status}]",
            kind.list_,
            200,
            kind.page,
            approval_status=[kind.required_status],
            limit=200,
        )
        assert all(o.approval_status == kind.required_status for o in page.parsed.items)
        page = call(
            f"{kind.name}: list orders requires_approval=False",
            kind.list_,
            200,
            kind.page,
            requires_approval=False,
            limit=200,
        )
        assert page.parsed.total >= 1 and all(o.has_valid_approval for o in page.parsed.items)

    # Several values of one list filter. The document says style=form, explode=false (comma-separated),
    # which openapi-python-client 0.29 ignores: it repeats the key (openapi-python-client issue #197).
    # The service takes both forms.
    multi = [OrderApprovalStatus.APPROVED, OrderApprovalStatus.APPROVAL_REQUIRED]
    global STEP
    STEP += 1
    resp = list_lab_orders.sync_detailed(client=CLIENT, approval_status=multi)
    assert resp.status_code == 200 and isinstance(resp.parsed, PageLabOrderView), resp.content
    assert resp.parsed.total >= 1, resp.content
    assert all(o.approval_status in multi for o in resp.parsed.items), resp.content
    print(f"[{STEP:3d}] lab: list orders approval_status={[str(m) for m in multi]}: HTTP 200 -> PageLabOrderView", flush=True)

    print(f"workflow passed: {len(kinds)} order kinds approved, 1 denial/appeal, {STEP} calls")
    return 0


CLIENT: AuthenticatedClient
PATIENT: PatientView
COVERAGE: InsuranceView
TODAY: dt.date

if __name__ == "__main__":
    sys.exit(main())

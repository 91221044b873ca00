//! The approval workflow through HTTP: the full path with its history, every from × to pair of
//! docs/domain.md (states and transitions), what each transition requires and records, roles, editing and deleting,
//! tenants, the race, and the expiry sweep.

use chrono::{Days, NaiveDate, TimeDelta};
use futures_util::future::join_all;
use serde_json::{Value, json};
use tests::{Clinic, TestApp, api_tests, coverage_body};

const STATUSES: [&str; 13] = [
    "DRAFT",
    "PENDING_SUBMISSION",
    "SUBMITTED",
    "UNDER_REVIEW",
    "MORE_INFO_REQUIRED",
    "APPROVED",
    "PARTIALLY_APPROVED",
    "DENIED",
    "APPEAL_SUBMITTED",
    "APPEAL_APPROVED",
    "APPEAL_DENIED",
    "EXPIRED",
    "CANCELLED",
];

fn today() -> NaiveDate {
    tests::clock::now().date_naive()
}

fn in_days(days: u64) -> String {
    (today() + Days::new(days)).to_string()
}

/// A clinic whose patient has an open-ended PRIMARY coverage.
async fn insured_clinic(app: &TestApp, code: &str) -> Clinic {
    let clinic = app.clinic(code, "UTC").await;
    app.create_coverage(&clinic.token, &clinic.patient_id, coverage_body())
        .await;
    clinic
}

/// A standalone DME request in DRAFT, complete enough to be submitted, asking for 4 units.
async fn draft(app: &TestApp, clinic: &Clinic) -> Value {
    app.create(
        &clinic.token,
        "/api/v1/approval-requests",
        json!({
            "patient_id": clinic.patient_id, "request_type": "DME",
            "service_description": "Power wheelchair, group 2", "procedure_codes": ["K0823"],
            "diagnosis_codes": ["G35"], "clinical_justification": "Progressive weakness from multiple sclerosis",
            "requesting_provider_id": clinic.provider_id, "requested_quantity": 4, "status": "DRAFT"
        }),
    )
    .await
}

/// A body that satisfies the requirements of moving to `status`.
fn body_for(status: &str) -> Value {
    match status {
        "MORE_INFO_REQUIRED" => {
            json!({"to_status": status, "reason": "Payer asks for the last clinic note"})
        }
        "APPEAL_SUBMITTED" => {
            json!({"to_status": status, "reason": "Peer-to-peer: conservative therapy failed"})
        }
        "CANCELLED" => json!({"to_status": status, "reason": "No longer needed"}),
        "APPROVED" | "APPEAL_APPROVED" => {
            json!({"to_status": status, "authorization_number": "AUTH-1", "expiration_date": in_days(90)})
        }
        "PARTIALLY_APPROVED" => {
            json!({"to_status": status, "authorization_number": "AUTH-P", "expiration_date": in_days(90), "approved_quantity": 2})
        }
        "DENIED" | "APPEAL_DENIED" => {
            json!({"to_status": status, "denial_reason": "Not medically necessary", "denial_code": "CO-50"})
        }
        _ => json!({"to_status": status}),
    }
}

/// The transitions that bring a new DRAFT to `status` (EXPIRED after backdating the grant).
fn path_to(status: &str) -> Vec<&'static str> {
    match status {
        "DRAFT" => vec![],
        "PENDING_SUBMISSION" => vec!["PENDING_SUBMISSION"],
        "SUBMITTED" => vec!["PENDING_SUBMISSION", "SUBMITTED"],
        "UNDER_REVIEW" => vec!["PENDING_SUBMISSION", "SUBMITTED", "UNDER_REVIEW"],
        "MORE_INFO_REQUIRED" => vec!["PENDING_SUBMISSION", "SUBMITTED", "MORE_INFO_REQUIRED"],
        "APPROVED" => vec!["PENDING_SUBMISSION", "SUBMITTED", "APPROVED"],
        "PARTIALLY_APPROVED" => vec!["PENDING_SUBMISSION", "SUBMITTED", "PARTIALLY_APPROVED"],
        "DENIED" => vec!["PENDING_SUBMISSION", "SUBMITTED", "DENIED"],
        // Appealing a partial approval: the partial grant is still held.
        "APPEAL_SUBMITTED" => vec![
            "PENDING_SUBMISSION",
            "SUBMITTED",
            "PARTIALLY_APPROVED",
            "APPEAL_SUBMITTED",
        ],
        "APPEAL_APPROVED" => vec![
            "PENDING_SUBMISSION",
            "SUBMITTED",
            "DENIED",
            "APPEAL_SUBMITTED",
            "APPEAL_APPROVED",
        ],
        "APPEAL_DENIED" => vec![
            "PENDING_SUBMISSION",
            "SUBMITTED",
            "PARTIALLY_APPROVED",
            "APPEAL_SUBMITTED",
            "APPEAL_DENIED",
        ],
        "EXPIRED" => vec!["PENDING_SUBMISSION", "SUBMITTED", "APPROVED", "EXPIRED"],
        "CANCELLED" => vec!["CANCELLED"],
        other => panic!("no path to {other}"),
    }
}

/// The table of docs/domain.md (states and transitions), for requests reached by [`path_to`].
fn allowed_from(status: &str) -> Vec<&'static str> {
    match status {
        "DRAFT" => vec!["PENDING_SUBMISSION", "CANCELLED"],
        "PENDING_SUBMISSION" => vec!["SUBMITTED", "DRAFT", "CANCELLED"],
        "SUBMITTED" => vec![
            "UNDER_REVIEW",
            "MORE_INFO_REQUIRED",
            "APPROVED",
            "PARTIALLY_APPROVED",
            "DENIED",
            "CANCELLED",
        ],
        "UNDER_REVIEW" => vec![
            "MORE_INFO_REQUIRED",
            "APPROVED",
            "PARTIALLY_APPROVED",
            "DENIED",
            "CANCELLED",
        ],
        "MORE_INFO_REQUIRED" => vec!["SUBMITTED", "CANCELLED"],
        "APPROVED" => vec!["EXPIRED", "CANCELLED"],
        "PARTIALLY_APPROVED" => vec!["APPEAL_SUBMITTED", "EXPIRED", "CANCELLED"],
        "DENIED" => vec!["APPEAL_SUBMITTED"],
        "APPEAL_SUBMITTED" => vec!["APPEAL_APPROVED", "APPEAL_DENIED", "CANCELLED", "EXPIRED"],
        "APPEAL_APPROVED" => vec!["EXPIRED", "CANCELLED"],
        "APPEAL_DENIED" => vec!["EXPIRED"],
        _ => vec![],
    }
}

/// A new request brought to `status` by an ADMIN.
async fn request_in(app: &TestApp, clinic: &Clinic, status: &str) -> Value {
    let mut request = draft(app, clinic).await;
    let id = request["id"].as_str().expect("id").to_owned();
    for step in path_to(status) {
        if step == "EXPIRED" {
            app.backdate_grant(&id, today() - Days::new(30), today() - Days::new(1))
                .await;
        }
        let reply = app.transition(&clinic.token, &id, body_for(step)).await;
        assert_eq!(
            reply.status, 200,
            "{step} on the way to {status}: {}",
            reply.body
        );
        request = reply.body;
    }
    request
}

async fn history_of(app: &TestApp, clinic: &Clinic, id: &str) -> Vec<Value> {
    let reply = app
        .get(&format!("/api/v1/approval-requests/{id}/history?limit=200"))
        .token(&clinic.token)
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["items"].as_array().expect("items").clone()
}

api_tests! {
    async fn a_coordinator_takes_a_request_from_draft_to_appeal_approved_and_expired(app: TestApp) {
        let clinic = insured_clinic(&app, "GH").await;
        let coordinator = app.token(&clinic.tenant, &["COORDINATOR"]);
        let clinician = app.token(&clinic.tenant, &["CLINICIAN"]);
        let request = draft(&app, &clinic).await;
        assert_eq!(request["approval_number"], "APR-GH-000001");
        assert_eq!(request["status"], "DRAFT");
        assert_eq!(request["allowed_transitions"], json!(["PENDING_SUBMISSION", "CANCELLED"]));
        let id = request["id"].as_str().expect("id").to_owned();
        let steps = [
            (&clinician, json!({"to_status": "PENDING_SUBMISSION"})),
            (&coordinator, json!({"to_status": "SUBMITTED", "submission_method": "PORTAL", "payer_reference": "ACME-1"})),
            (&coordinator, json!({"to_status": "UNDER_REVIEW"})),
            (&coordinator, json!({"to_status": "DENIED", "denial_reason": "Not medically necessary", "denial_code": "CO-50"})),
            (&coordinator, json!({"to_status": "APPEAL_SUBMITTED", "reason": "Peer-to-peer review"})),
            (&coordinator, json!({"to_status": "APPEAL_APPROVED", "authorization_number": "AUTH-77", "expiration_date": in_days(60)})),
        ];
        let mut last = request.clone();
        for (token, body) in steps {
            let reply = app.transition(token, &id, body.clone()).await;
            assert_eq!(reply.status, 200, "{body}: {}", reply.body);
            assert_eq!(reply.body["version"], last["version"].as_i64().expect("version") + 1);
            assert_eq!(reply.etag(), format!("\"{}\"", reply.body["version"]));
            last = reply.body;
        }
        assert_eq!(last["status"], "APPEAL_APPROVED");
        assert_eq!(last["holds_grant"], true);
        assert_eq!(last["authorization_number"], "AUTH-77");
        assert_eq!(last["approved_quantity"], 4);
        assert_eq!(last["submission_method"], "PORTAL");
        assert_eq!(last["payer_reference"], "ACME-1");
        assert_eq!(last["denial_reason"], "Not medically necessary");
        assert!(last["decided_at"].is_string() && last["appeal_decided_at"].is_string());
        assert_eq!(app.get(&format!("/api/v1/approval-requests/{id}")).token(&coordinator).send().await.body, last);

        app.backdate_grant(&id, today() - Days::new(60), today() - Days::new(1)).await;
        let expired = app.transition(&coordinator, &id, json!({"to_status": "EXPIRED"})).await;
        assert_eq!(expired.status, 200, "{}", expired.body);
        assert_eq!(expired.body["status"], "EXPIRED");
        assert_eq!(expired.body["holds_grant"], false);
        assert_eq!(expired.body["allowed_transitions"], json!([]));

        let history = history_of(&app, &clinic, &id).await;
        let moves: Vec<(Value, Value)> = history.iter().map(|h| (h["from_status"].clone(), h["to_status"].clone())).collect();
        assert_eq!(moves, vec![
            (json!(null), json!("DRAFT")),
            (json!("DRAFT"), json!("PENDING_SUBMISSION")),
            (json!("PENDING_SUBMISSION"), json!("SUBMITTED")),
            (json!("SUBMITTED"), json!("UNDER_REVIEW")),
            (json!("UNDER_REVIEW"), json!("DENIED")),
            (json!("DENIED"), json!("APPEAL_SUBMITTED")),
            (json!("APPEAL_SUBMITTED"), json!("APPEAL_APPROVED")),
            (json!("APPEAL_APPROVED"), json!("EXPIRED")),
        ]);
        let seqs: Vec<i64> = history.iter().map(|h| h["seq"].as_i64().expect("seq")).collect();
        assert_eq!(seqs, (1..=8).collect::<Vec<_>>());
        assert_eq!(history[0]["changed_by"], "user-1");
        assert_eq!(history[4]["reason"], "Not medically necessary");
        assert_eq!(history[5]["reason"], "Peer-to-peer review");
    }

    async fn every_from_to_pair_follows_the_table(app: TestApp) {
        let clinic = insured_clinic(&app, "GH").await;
        for from in STATUSES {
            let allowed = allowed_from(from);
            let shared = request_in(&app, &clinic, from).await;
            let shared_id = shared["id"].as_str().expect("id").to_owned();
            assert_eq!(shared["allowed_transitions"], json!(allowed), "allowed_transitions of {from}");
            for to in STATUSES {
                if allowed.contains(&to) {
                    let request = request_in(&app, &clinic, from).await;
                    let id = request["id"].as_str().expect("id").to_owned();
                    if to == "EXPIRED" {
                        app.backdate_grant(&id, today() - Days::new(30), today() - Days::new(1)).await;
                    }
                    let reply = app.transition(&clinic.token, &id, body_for(to)).await;
                    assert_eq!(reply.status, 200, "{from} -> {to}: {}", reply.body);
                    assert_eq!(reply.body["status"], to, "{from} -> {to}");
                    let last = history_of(&app, &clinic, &id).await.pop().expect("a history row");
                    assert_eq!((last["from_status"].as_str(), last["to_status"].as_str()), (Some(from), Some(to)));
                } else {
                    let reply = app.transition(&clinic.token, &shared_id, body_for(to)).await;
                    reply.problem(409, "transition_not_allowed");
                    assert_eq!(reply.body["allowed"], json!(allowed), "{from} -> {to}");
                }
            }
            let after = app.get(&format!("/api/v1/approval-requests/{shared_id}")).token(&clinic.token).send().await;
            assert_eq!(after.body, shared, "refused moves from {from} changed nothing");
        }
        // Appealing a denial holds no grant: no EXPIRED after it, and APPEAL_DENIED is final.
        let request = draft(&app, &clinic).await;
        let id = request["id"].as_str().expect("id");
        for step in ["PENDING_SUBMISSION", "SUBMITTED", "DENIED", "APPEAL_SUBMITTED"] {
            assert_eq!(app.transition(&clinic.token, id, body_for(step)).await.status, 200);
        }
        let appeal = app.get(&format!("/api/v1/approval-requests/{id}")).token(&clinic.token).send().await;
        assert_eq!(appeal.body["allowed_transitions"], json!(["APPEAL_APPROVED", "APPEAL_DENIED", "CANCELLED"]));
        assert_eq!(appeal.body["holds_grant"], false);
        let denied = app.transition(&clinic.token, id, body_for("APPEAL_DENIED")).await;
        assert_eq!(denied.body["allowed_transitions"], json!([]));
        app.transition(&clinic.token, id, body_for("EXPIRED")).await.problem(409, "transition_not_allowed");
    }

    async fn submission_requires_its_data_and_starts_the_clock(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let bare = app.create(&clinic.token, "/api/v1/approval-requests", json!({"patient_id": clinic.patient_id, "request_type": "THERAPY"})).await;
        assert_eq!(bare["status"], "PENDING_SUBMISSION");
        assert_eq!(bare["insurance_info_id"], json!(null), "no coverage in force");
        let id = bare["id"].as_str().expect("id");
        let reply = app.transition(&clinic.token, id, json!({"to_status": "SUBMITTED"})).await;
        let mut fields = reply.invalid_fields();
        fields.sort();
        assert_eq!(fields, ["clinical_justification", "diagnosis_codes", "insurance_info_id", "procedure_codes"]);
        let coverage = app.create_coverage(&clinic.token, &clinic.patient_id, coverage_body()).await;
        let patched = app.patch(&format!("/api/v1/approval-requests/{id}")).token(&clinic.token)
            .json(json!({"insurance_info_id": coverage["id"], "diagnosis_codes": ["M54.5"], "service_description": "Physical therapy, 12 sessions", "clinical_justification": "Chronic low back pain", "priority": "URGENT"}))
            .send().await;
        assert_eq!(patched.status, 200, "{}", patched.body);
        let submitted = app.transition(&clinic.token, id, json!({"to_status": "SUBMITTED"})).await;
        assert_eq!(submitted.status, 200, "{}", submitted.body);
        let at = chrono::DateTime::parse_from_rfc3339(submitted.body["submitted_at"].as_str().expect("submitted_at")).expect("instant");
        let due = chrono::DateTime::parse_from_rfc3339(submitted.body["decision_due_at"].as_str().expect("due")).expect("instant");
        assert_eq!(due - at, TimeDelta::hours(72), "URGENT is expedited");
        // Back for more information, then resubmitted: same first submission, a new clock.
        app.transition(&clinic.token, id, body_for("MORE_INFO_REQUIRED")).await;
        app.patch(&format!("/api/v1/approval-requests/{id}")).token(&clinic.token).json(json!({"priority": "ROUTINE"})).send().await;
        let again = app.transition(&clinic.token, id, json!({"to_status": "SUBMITTED"})).await;
        assert_eq!(again.body["submitted_at"], submitted.body["submitted_at"]);
        let due = chrono::DateTime::parse_from_rfc3339(again.body["decision_due_at"].as_str().expect("due")).expect("instant");
        let resubmitted = tests::clock::now();
        assert!(due > resubmitted + TimeDelta::days(7) - TimeDelta::minutes(5) && due <= resubmitted + TimeDelta::days(7), "standard clock: {due}");
    }

    async fn every_transition_requirement_is_enforced(app: TestApp) {
        let clinic = insured_clinic(&app, "GH").await;
        let submitted = request_in(&app, &clinic, "SUBMITTED").await;
        let id = submitted["id"].as_str().expect("id");
        let cases: Vec<(Value, Vec<&str>)> = vec![
            (json!({"to_status": "MORE_INFO_REQUIRED"}), vec!["reason"]),
            (json!({"to_status": "CANCELLED"}), vec!["reason"]),
            (json!({"to_status": "APPROVED"}), vec!["authorization_number", "expiration_date"]),
            (json!({"to_status": "APPROVED", "authorization_number": "A", "expiration_date": (today() - Days::new(1)).to_string()}), vec!["expiration_date"]),
            (json!({"to_status": "APPROVED", "authorization_number": "A", "effective_date": in_days(30), "expiration_date": in_days(10)}), vec!["expiration_date"]),
            (json!({"to_status": "APPROVED", "authorization_number": "A", "expiration_date": in_days(10), "approved_quantity": 3}), vec!["approved_quantity"]),
            (json!({"to_status": "APPROVED", "authorization_number": "A", "expiration_date": in_days(10), "approved_quantity": 0}), vec!["approved_quantity"]),
            // A partial approval gives a quantity below the requested one, or says what was cut.
            (json!({"to_status": "PARTIALLY_APPROVED", "authorization_number": "A", "expiration_date": in_days(10)}), vec!["approved_quantity", "reason"]),
            (json!({"to_status": "PARTIALLY_APPROVED", "authorization_number": "A", "expiration_date": in_days(10), "approved_quantity": 4}), vec!["approved_quantity"]),
            (json!({"to_status": "DENIED"}), vec!["denial_reason"]),
            (json!({"to_status": "DENIED", "denial_reason": "No", "authorization_number": "A"}), vec!["authorization_number"]),
            (json!({"to_status": "UNDER_REVIEW", "denial_code": "CO-1"}), vec!["denial_code"]),
            (json!({"to_status": "APPROVED", "authorization_number": "A", "expiration_date": in_days(10), "mood": "good"}), vec!["mood"]),
            (json!({"to_status": "APPROVED", "authorization_number": " ", "expiration_date": in_days(10)}), vec!["authorization_number"]),
        ];
        for (body, expected) in cases {
            let reply = app.transition(&clinic.token, id, body.clone()).await;
            let mut fields = reply.invalid_fields();
            fields.sort();
            fields.dedup();
            assert_eq!(fields, expected, "{body}: {}", reply.body);
        }
        let unchanged = app.get(&format!("/api/v1/approval-requests/{id}")).token(&clinic.token).send().await;
        assert_eq!(unchanged.body, submitted, "refused transitions change nothing");
        assert_eq!(history_of(&app, &clinic, id).await.len(), 3);

        // Defaults of an approval: effective today, the requested quantity.
        let approved = app.transition(&clinic.token, id, json!({"to_status": "APPROVED", "authorization_number": "AUTH-9", "expiration_date": today().to_string()})).await;
        assert_eq!(approved.status, 200, "{}", approved.body);
        assert_eq!(approved.body["effective_date"], today().to_string());
        assert_eq!(approved.body["expiration_date"], today().to_string(), "expiring today is allowed");
        assert_eq!(approved.body["approved_quantity"], 4);
        assert!(approved.body["decided_at"].is_string());
        app.transition(&clinic.token, id, json!({"to_status": "EXPIRED"})).await.invalid_fields();
        let early = app.transition(&clinic.token, id, json!({"to_status": "EXPIRED"})).await;
        assert_eq!(early.body["errors"][0]["code"], "not_lapsed");

        // A partial approval, appealed: the partial grant is kept; the appeal's approval keeps its
        // authorization number and dates when none are given.
        let partial = request_in(&app, &clinic, "PARTIALLY_APPROVED").await;
        assert_eq!(partial["approved_quantity"], 2);
        assert_eq!(partial["holds_grant"], true);
        let pid = partial["id"].as_str().expect("id");
        app.transition(&clinic.token, pid, json!({"to_status": "APPEAL_SUBMITTED"})).await.invalid_fields();
        let appeal = app.transition(&clinic.token, pid, body_for("APPEAL_SUBMITTED")).await;
        assert_eq!(appeal.body["holds_grant"], true);
        let won = app.transition(&clinic.token, pid, json!({"to_status": "APPEAL_APPROVED"})).await;
        assert_eq!(won.status, 200, "{}", won.body);
        assert_eq!(won.body["authorization_number"], "AUTH-P");
        assert_eq!(won.body["expiration_date"], partial["expiration_date"]);
        assert_eq!(won.body["approved_quantity"], 4);
        assert_eq!(won.body["decided_at"], partial["decided_at"]);

        // Without a requested quantity, a partial approval says what was cut.
        let open = app.create(&clinic.token, "/api/v1/approval-requests", json!({
            "patient_id": clinic.patient_id, "request_type": "THERAPY", "service_description": "Physical therapy",
            "diagnosis_codes": ["M54.5"], "clinical_justification": "Low back pain"
        })).await;
        let oid = open["id"].as_str().expect("id");
        app.transition(&clinic.token, oid, json!({"to_status": "SUBMITTED"})).await;
        let cut = json!({"to_status": "PARTIALLY_APPROVED", "authorization_number": "A", "expiration_date": in_days(10)});
        assert_eq!(app.transition(&clinic.token, oid, cut.clone()).await.invalid_fields(), vec!["reason"]);
        let mut with_reason = cut;
        with_reason["reason"] = json!("Approved 6 sessions instead of 12");
        assert_eq!(app.transition(&clinic.token, oid, with_reason.clone()).await.status, 200);

        // With a requested quantity, a cut that is not a quantity rests on a reason too.
        let counted = app.create(&clinic.token, "/api/v1/approval-requests", json!({
            "patient_id": clinic.patient_id, "request_type": "RADIOLOGY", "procedure_codes": ["70551", "70553"],
            "diagnosis_codes": ["G43.909"], "clinical_justification": "Migraine", "requested_quantity": 2
        })).await;
        let cid = counted["id"].as_str().expect("id");
        app.transition(&clinic.token, cid, json!({"to_status": "SUBMITTED"})).await;
        with_reason["reason"] = json!("Approved 70551 only, without contrast");
        let partial = app.transition(&clinic.token, cid, with_reason).await;
        assert_eq!(partial.status, 200, "{}", partial.body);
        assert_eq!(partial.body["approved_quantity"], 2);
        assert_eq!(partial.body["status"], "PARTIALLY_APPROVED");
    }

    async fn roles_decide_who_moves_a_request(app: TestApp) {
        let clinic = insured_clinic(&app, "GH").await;
        let clinician = app.token(&clinic.tenant, &["CLINICIAN"]);
        let viewer = app.token(&clinic.tenant, &["VIEWER"]);
        let coordinator = app.token(&clinic.tenant, &["COORDINATOR"]);
        // CLINICIAN creates and moves between DRAFT and PENDING_SUBMISSION.
        let request = app.create(&clinician, "/api/v1/approval-requests", json!({
            "patient_id": clinic.patient_id, "request_type": "DME", "procedure_codes": ["K0823"],
            "diagnosis_codes": ["G35"], "clinical_justification": "MS", "status": "DRAFT"
        })).await;
        let id = request["id"].as_str().expect("id");
        assert_eq!(app.transition(&clinician, id, json!({"to_status": "PENDING_SUBMISSION"})).await.status, 200);
        assert_eq!(app.transition(&clinician, id, json!({"to_status": "DRAFT"})).await.status, 200);
        // 403 comes before 409: a clinician asking for an approval is refused for the role.
        app.transition(&clinician, id, body_for("APPROVED")).await.problem(403, "forbidden");
        app.transition(&viewer, id, json!({"to_status": "PENDING_SUBMISSION"})).await.problem(403, "forbidden");
        app.post("/api/v1/approval-requests").token(&viewer).json(json!({"patient_id": clinic.patient_id, "request_type": "DME"})).send().await.problem(403, "forbidden");
        app.post("/api/v1/approval-requests").token(&coordinator).json(json!({"patient_id": clinic.patient_id, "request_type": "DME"})).send().await.problem(403, "forbidden");
        app.transition(&clinician, id, json!({"to_status": "PENDING_SUBMISSION"})).await;
        app.transition(&clinician, id, json!({"to_status": "SUBMITTED"})).await.problem(403, "forbidden");
        assert_eq!(app.transition(&coordinator, id, json!({"to_status": "SUBMITTED"})).await.status, 200);
        app.transition(&clinician, id, body_for("CANCELLED")).await.problem(403, "forbidden");
        // A clinician cancels any draft of the tenant, whoever created it (as they may delete it).
        let own = app.create(&clinician, "/api/v1/approval-requests", json!({"patient_id": clinic.patient_id, "request_type": "DME", "status": "DRAFT"})).await;
        assert_eq!(app.transition(&clinician, own["id"].as_str().expect("id"), body_for("CANCELLED")).await.status, 200);
        let mut other_claims = app.claims(&clinic.tenant, &["CLINICIAN"]);
        other_claims.sub = "another-clinician".into();
        let other = jsonwebtoken::encode(&jsonwebtoken::Header::default(), &other_claims, &jsonwebtoken::EncodingKey::from_secret(tests::TEST_SECRET.as_bytes())).expect("token");
        let theirs = app.create(&clinician, "/api/v1/approval-requests", json!({"patient_id": clinic.patient_id, "request_type": "DME", "status": "DRAFT"})).await;
        assert_eq!(app.transition(&other, theirs["id"].as_str().expect("id"), body_for("CANCELLED")).await.status, 200);
        // 412 before 409: a stale If-Match is reported even for a move that is not allowed.
        let stale = app.post(&format!("/api/v1/approval-requests/{id}/transitions")).token(&coordinator).header("if-match", "\"1\"").json(body_for("DRAFT")).send().await;
        stale.problem(412, "precondition_failed");
        let current = app.get(&format!("/api/v1/approval-requests/{id}")).token(&coordinator).send().await;
        let fresh = app.post(&format!("/api/v1/approval-requests/{id}/transitions")).token(&coordinator).header("if-match", &current.etag()).json(json!({"to_status": "UNDER_REVIEW"})).send().await;
        assert_eq!(fresh.status, 200, "{}", fresh.body);
    }

    async fn content_is_edited_only_while_open_and_drafts_are_deleted(app: TestApp) {
        let clinic = insured_clinic(&app, "GH").await;
        let coordinator = app.token(&clinic.tenant, &["COORDINATOR"]);
        let viewer = app.token(&clinic.tenant, &["VIEWER"]);
        let request = draft(&app, &clinic).await;
        let id = request["id"].as_str().expect("id");
        let path = format!("/api/v1/approval-requests/{id}");
        let edited = app.patch(&path).token(&clinic.token).header("if-match", "\"1\"").json(json!({"service_description": "Manual wheelchair", "procedure_codes": ["K0001"], "service_end_date": null})).send().await;
        assert_eq!(edited.status, 200, "{}", edited.body);
        assert_eq!(edited.body["procedure_codes"], json!(["K0001"]));
        assert_eq!(edited.body["version"], 2);
        app.patch(&path).token(&coordinator).json(json!({"service_description": "X"})).send().await.problem(403, "forbidden");
        app.patch(&path).token(&viewer).json(json!({"service_description": "X"})).send().await.problem(403, "forbidden");
        assert_eq!(app.patch(&path).token(&clinic.token).json(json!({"status": "APPROVED"})).send().await.invalid_fields(), vec!["status"]);
        // The patient never changes; sending back the one it has is a no-op (merge patch).
        let other = app.create_patient(&clinic.token, "MRN-OTHER").await;
        assert_eq!(app.patch(&path).token(&clinic.token).json(json!({"patient_id": other["id"]})).send().await.invalid_fields(), vec!["patient_id"]);
        assert_eq!(app.patch(&path).token(&clinic.token).json(json!({"patient_id": clinic.patient_id})).send().await.status, 200);
        assert_eq!(app.patch(&path).token(&clinic.token).json(json!({"procedure_codes": ["wheelchair"]})).send().await.invalid_fields(), vec!["procedure_codes[0]"]);
        assert_eq!(app.patch(&path).token(&clinic.token).json(json!({"service_start_date": "2026-12-10", "service_end_date": "2026-12-01"})).send().await.invalid_fields(), vec!["service_end_date"]);
        app.transition(&clinic.token, id, json!({"to_status": "PENDING_SUBMISSION"})).await;
        assert_eq!(app.patch(&path).token(&clinic.token).json(json!({"requested_quantity": 2})).send().await.status, 200);
        app.delete(&path).token(&clinic.token).send().await.problem(409, "not_deletable");
        app.transition(&clinic.token, id, json!({"to_status": "SUBMITTED"})).await;
        app.patch(&path).token(&clinic.token).json(json!({"requested_quantity": 3})).send().await.problem(409, "not_editable");
        app.transition(&clinic.token, id, body_for("MORE_INFO_REQUIRED")).await;
        let by_coordinator = app.patch(&path).token(&coordinator).json(json!({"clinical_justification": "Added the clinic note"})).send().await;
        assert_eq!(by_coordinator.status, 200, "{}", by_coordinator.body);
        let read = app.get(&path).token(&viewer).send().await;
        assert_eq!(read.body["clinical_justification"], "Added the clinic note");
        assert_eq!(read.body["requested_quantity"], 2);

        // A never-submitted DRAFT is deleted with its history and documents.
        let doomed = draft(&app, &clinic).await;
        let doomed_id = doomed["id"].as_str().expect("id");
        app.create(&clinic.token, &format!("/api/v1/approval-requests/{doomed_id}/documents"), json!({"title": "Note", "kind": "CLINICAL_NOTE", "reference": "dms://1"})).await;
        app.delete(&format!("/api/v1/approval-requests/{doomed_id}")).token(&viewer).send().await.problem(403, "forbidden");
        app.delete(&format!("/api/v1/approval-requests/{doomed_id}")).token(&clinic.token).header("if-match", "\"7\"").send().await.problem(412, "precondition_failed");
        assert_eq!(app.delete(&format!("/api/v1/approval-requests/{doomed_id}")).token(&clinic.token).send().await.status, 204);
        app.get(&format!("/api/v1/approval-requests/{doomed_id}")).token(&clinic.token).send().await.problem(404, "not_found");
        app.get(&format!("/api/v1/approval-requests/{doomed_id}/history")).token(&clinic.token).send().await.problem(404, "not_found");
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let orphans = entity::approval_status_history::Entity::find()
            .filter(entity::approval_status_history::Column::ApprovalRequestId.eq(uuid::Uuid::parse_str(doomed_id).expect("uuid")))
            .count(&app.db).await.expect("count");
        assert_eq!(orphans, 0);
    }

    async fn another_tenants_requests_are_invisible_and_unchangeable(app: TestApp) {
        let clinic = insured_clinic(&app, "GH").await;
        let other = insured_clinic(&app, "SM").await;
        let request = draft(&app, &clinic).await;
        let id = request["id"].as_str().expect("id");
        let base = format!("/api/v1/approval-requests/{id}");
        app.get(&base).token(&other.token).send().await.problem(404, "not_found");
        app.patch(&base).token(&other.token).json(json!({"service_description": "X"})).send().await.problem(404, "not_found");
        app.delete(&base).token(&other.token).send().await.problem(404, "not_found");
        app.transition(&other.token, id, json!({"to_status": "PENDING_SUBMISSION"})).await.problem(404, "not_found");
        // 404 comes before the body is judged.
        app.transition(&other.token, id, json!({"to_status": "SOMEWHERE"})).await.problem(404, "not_found");
        app.transition(&other.token, id, json!({"to_status": "APPROVED"})).await.problem(404, "not_found");
        for companion in ["history", "communications", "documents"] {
            app.get(&format!("{base}/{companion}")).token(&other.token).send().await.problem(404, "not_found");
        }
        app.post(&format!("{base}/documents")).token(&other.token).json(json!({"title": "T", "kind": "K", "reference": "R"})).send().await.problem(404, "not_found");
        assert_eq!(app.get("/api/v1/approval-requests").token(&other.token).send().await.body["total"], 0);
        // References into another tenant, or to another patient's coverage, are refused.
        let foreign = app.post("/api/v1/approval-requests").token(&other.token).json(json!({"patient_id": clinic.patient_id, "request_type": "DME"})).send().await;
        assert_eq!(foreign.invalid_fields(), vec!["patient_id"]);
        let second_patient = app.create_patient(&clinic.token, "MRN-2").await;
        let their_coverage = app.create_coverage(&clinic.token, second_patient["id"].as_str().expect("id"), coverage_body()).await;
        let wrong = app.patch(&base).token(&clinic.token).json(json!({"insurance_info_id": their_coverage["id"]})).send().await;
        assert_eq!(wrong.invalid_fields(), vec!["insurance_info_id"]);
        assert_eq!(wrong.body["errors"][0]["code"], "other_patient");
        let numbered = draft(&app, &other).await;
        assert_eq!(numbered["approval_number"], "APR-SM-000001");
        assert_eq!(app.get(&base).token(&clinic.token).send().await.body, request);
    }

    async fn twenty_racing_transitions_make_one_change(app: TestApp) {
        let clinic = insured_clinic(&app, "GH").await;
        let request = request_in(&app, &clinic, "PENDING_SUBMISSION").await;
        let id = request["id"].as_str().expect("id").to_owned();
        let replies = join_all((0..20).map(|_| app.transition(&clinic.token, &id, json!({"to_status": "SUBMITTED"})))).await;
        let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
        for reply in replies.iter().filter(|r| r.status != 200) {
            reply.problem(409, if reply.body["code"] == "edit_conflict" { "edit_conflict" } else { "transition_not_allowed" });
        }
        let history = history_of(&app, &clinic, &id).await;
        assert_eq!(history.iter().filter(|h| h["to_status"] == "SUBMITTED").count(), 1);
        let read = app.get(&format!("/api/v1/approval-requests/{id}")).token(&clinic.token).send().await;
        assert_eq!(read.body["version"], request["version"].as_i64().expect("v") + 1);
        // With If-Match, the losers hear 412.
        let version = read.etag();
        let replies = join_all((0..20).map(|_| {
            app.post(&format!("/api/v1/approval-requests/{id}/transitions")).token(&clinic.token).header("if-match", &version).json(json!({"to_status": "UNDER_REVIEW"})).send()
        })).await;
        let ok = replies.iter().filter(|r| r.status == 200).count();
        assert_eq!(ok, 1);
        assert!(replies.iter().filter(|r| r.status != 200).all(|r| r.status == 412 || r.status == 409), "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
        assert_eq!(history_of(&app, &clinic, &id).await.len(), history.len() + 1);
    }

    async fn the_expiry_sweep_expires_lapsed_grants_once_by_each_tenants_today(app: TestApp) {
        // Kiritimati (UTC+14) is always at least a day ahead of Pago Pago (UTC-11).
        let ahead = app.clinic("KI", "Pacific/Kiritimati").await;
        let behind = app.clinic("PP", "Pacific/Pago_Pago").await;
        app.create_coverage(&ahead.token, &ahead.patient_id, coverage_body()).await;
        app.create_coverage(&behind.token, &behind.patient_id, coverage_body()).await;
        let ahead_today = tests::clock::now().with_timezone(&chrono_tz::Pacific::Kiritimati).date_naive();
        let lapsed_day = ahead_today - Days::new(1);
        let a = request_in(&app, &ahead, "APPROVED").await;
        let b = request_in(&app, &behind, "APPROVED").await;
        let kept = request_in(&app, &ahead, "APPROVED").await;
        let partial_appeal = request_in(&app, &ahead, "APPEAL_SUBMITTED").await;
        let denied_appeal = request_in(&app, &ahead, "DENIED").await;
        for request in [&a, &b, &partial_appeal, &denied_appeal] {
            app.backdate_grant(request["id"].as_str().expect("id"), lapsed_day - Days::new(30), lapsed_day).await;
        }
        // Until the sweep runs the lapsed grant is not offered as expiring soon.
        let soon = app.get("/api/v1/approval-requests?expiring_within_days=365").token(&ahead.token).send().await;
        let soon_ids: Vec<&str> = soon.body["items"].as_array().expect("items").iter().map(|r| r["id"].as_str().expect("id")).collect();
        assert_eq!(soon_ids, [kept["id"].as_str().expect("id")]);

        let coordinator = app.token(&ahead.tenant, &["COORDINATOR"]);
        let viewer = app.token(&ahead.tenant, &["VIEWER"]);
        app.post("/api/v1/expiry-sweeps").token(&viewer).send().await.problem(403, "forbidden");
        let swept = app.post("/api/v1/expiry-sweeps").token(&coordinator).send().await;
        assert_eq!(swept.status, 200, "{}", swept.body);
        assert_eq!(swept.body, json!({"expired": 2}), "the approval and the appealed partial grant");
        assert_eq!(app.post("/api/v1/expiry-sweeps").token(&coordinator).send().await.body, json!({"expired": 0}), "idempotent");
        let read = |r: &Value| app.get(&format!("/api/v1/approval-requests/{}", r["id"].as_str().expect("id"))).token(&ahead.token).send();
        assert_eq!(read(&a).await.body["status"], "EXPIRED");
        assert_eq!(read(&partial_appeal).await.body["status"], "EXPIRED");
        assert_eq!(read(&kept).await.body["status"], "APPROVED");
        assert_eq!(read(&denied_appeal).await.body["status"], "DENIED", "a denial holds no grant");
        let last = history_of(&app, &ahead, a["id"].as_str().expect("id")).await.pop().expect("row");
        assert_eq!(last["changed_by"], "system");
        assert_eq!(last["from_status"], "APPROVED");
        // The same date has not passed yet in Pago Pago, and the sweep of all tenants agrees.
        assert_eq!(app.sweep().await, 0);
        let b_now = app.get(&format!("/api/v1/approval-requests/{}", b["id"].as_str().expect("id"))).token(&behind.token).send().await;
        assert_eq!(b_now.body["status"], "APPROVED");
    }

    async fn request_lists_filter(app: TestApp) {
        let clinic = insured_clinic(&app, "GH").await;
        let submitted = request_in(&app, &clinic, "SUBMITTED").await;
        let approved = request_in(&app, &clinic, "APPROVED").await;
        let drafted = draft(&app, &clinic).await;
        let ids = |reply: &tests::Reply| -> Vec<String> {
            reply.body["items"].as_array().expect("items").iter().map(|r| r["approval_number"].as_str().expect("n").to_owned()).collect()
        };
        let reply = app.get("/api/v1/approval-requests?status=SUBMITTED,DRAFT&sort=approval_number").token(&clinic.token).send().await;
        assert_eq!(ids(&reply), [submitted["approval_number"].as_str().expect("n"), drafted["approval_number"].as_str().expect("n")]);
        assert_eq!(app.get("/api/v1/approval-requests?overdue=true").token(&clinic.token).send().await.body["total"], 0);
        // Make the submitted one overdue.
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        entity::approval_request::Entity::update_many()
            .col_expr(entity::approval_request::Column::DecisionDueAt, Expr::value(tests::clock::now() - TimeDelta::hours(1)))
            .filter(entity::approval_request::Column::Id.eq(uuid::Uuid::parse_str(submitted["id"].as_str().expect("id")).expect("uuid")))
            .exec(&app.db).await.expect("update");
        let overdue = app.get("/api/v1/approval-requests?overdue=true").token(&clinic.token).send().await;
        assert_eq!(ids(&overdue), [submitted["approval_number"].as_str().expect("n")]);
        assert_eq!(app.get("/api/v1/approval-requests?overdue=false").token(&clinic.token).send().await.body["total"], 2);
        let expiring = app.get("/api/v1/approval-requests?expiring_within_days=90").token(&clinic.token).send().await;
        assert_eq!(ids(&expiring), [approved["approval_number"].as_str().expect("n")]);
        assert_eq!(app.get("/api/v1/approval-requests?expiring_within_days=89").token(&clinic.token).send().await.body["total"], 0);
        assert_eq!(app.get("/api/v1/approval-requests?request_type=DME&priority=ROUTINE").token(&clinic.token).send().await.body["total"], 3);
        assert_eq!(app.get(&format!("/api/v1/approval-requests?patient_id={}", clinic.patient_id)).token(&clinic.token).send().await.body["total"], 3);
        assert_eq!(app.get("/api/v1/approval-requests?order_kind=LAB").token(&clinic.token).send().await.body["total"], 0);
        app.get("/api/v1/approval-requests?expiring_within_days=400").token(&clinic.token).send().await.problem(400, "invalid_query");
        app.get("/api/v1/approval-requests?status=DONE").token(&clinic.token).send().await.problem(400, "invalid_query");
    }

    async fn concurrent_sweeps_expire_each_grant_once(app: TestApp) {
        let clinic = insured_clinic(&app, "GH").await;
        let mut ids = Vec::new();
        for _ in 0..6 {
            let request = request_in(&app, &clinic, "APPROVED").await;
            let id = request["id"].as_str().expect("id").to_owned();
            app.backdate_grant(&id, today() - Days::new(20), today() - Days::new(1)).await;
            ids.push(id);
        }
        // Two instances sweeping the same database at once.
        let (first, second) = futures_util::future::join(app.sweep(), app.sweep()).await;
        assert_eq!(first + second, 6);
        for id in &ids {
            let history = history_of(&app, &clinic, id).await;
            assert_eq!(history.iter().filter(|h| h["to_status"] == "EXPIRED").count(), 1, "{id}");
        }
        assert_eq!(app.sweep().await, 0);
    }

    async fn approval_numbers_stay_gapless_under_concurrency(app: TestApp) {
        let clinic = insured_clinic(&app, "GH").await;
        let body = json!({"patient_id": clinic.patient_id, "request_type": "DME"});
        let replies = join_all((0..20).map(|_| app.post("/api/v1/approval-requests").token(&clinic.token).json(body.clone()).send())).await;
        let mut numbers: Vec<String> = replies
            .iter()
            .map(|r| {
                assert_eq!(r.status, 201, "{}", r.body);
                r.body["approval_number"].as_str().expect("number").to_owned()
            })
            .collect();
        numbers.sort();
        assert_eq!(numbers, (1..=20).map(|n| format!("APR-GH-{n:06}")).collect::<Vec<_>>());
    }
}

//! The audit trail: every change of a patient, coverage, order or request (and of the other
//! resources) is recorded with who, when and which fields moved from what to what, in the
//! transaction of the change; ADMIN reads it, nobody edits it.

use serde_json::{Value, json};
use tests::{TestApp, api_tests, coverage_body};

async fn events(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let reply = app
        .get(&format!(
            "/api/v1/audit-events?limit=200&sort=occurred_at{query}"
        ))
        .token(token)
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["items"].as_array().expect("items").clone()
}

api_tests! {
    async fn every_change_is_recorded_with_who_when_and_what(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let nurse = app.token_as(&clinic.tenant, &["CLINICIAN"], "nurse.kim");
        let patient = app.post("/api/v1/patients").token(&nurse).header("x-request-id", "req-42").json(json!({
            "mrn": "MRN-A1", "given_name": "Maria", "family_name": "Lopez", "birth_date": "1984-03-12", "sex": "FEMALE"
        })).send().await;
        assert_eq!(patient.status, 201);
        let patient_id = patient.body["id"].as_str().expect("id").to_owned();
        let path = format!("/api/v1/patients/{patient_id}");
        assert_eq!(app.patch(&path).token(&nurse).json(json!({"given_name": "María", "family_name": "Lopez"})).send().await.status, 200);
        let trail = events(&app, &clinic.token, &format!("&resource_id={patient_id}")).await;
        assert_eq!(trail.len(), 2, "{trail:?}");
        assert_eq!(trail[0]["action"], "CREATE");
        assert_eq!(trail[0]["actor"], "nurse.kim");
        assert_eq!(trail[0]["resource_type"], "patient");
        assert_eq!(trail[0]["request_id"], "req-42");
        assert_eq!(trail[0]["changes"]["mrn"], json!({"from": null, "to": "MRN-A1"}));
        assert_eq!(trail[0]["changes"]["birth_date"], json!({"from": null, "to": "1984-03-12"}));
        assert!(trail[0]["changes"].get("version").is_none(), "bookkeeping is left out");
        assert_eq!(trail[1]["action"], "UPDATE");
        // Only what changed: the family name was sent unchanged.
        assert_eq!(trail[1]["changes"], json!({"given_name": {"from": "Maria", "to": "María"}}));
        assert!(trail[1]["occurred_at"].as_str().is_some());

        // Coverage, an order, a request with a transition, deletions.
        let coverage = app.create_coverage(&clinic.token, &patient_id, coverage_body()).await;
        let coverage_path = format!("{path}/insurance/{}", coverage["id"].as_str().expect("id"));
        assert_eq!(app.patch(&coverage_path).token(&clinic.token).json(json!({"member_id": "NEW-1"})).send().await.status, 200);
        let order = app.create(&clinic.token, "/api/v1/lab-orders", json!({
            "patient_id": patient_id, "ordering_provider_id": clinic.provider_id,
            "tests": [{"test_name": "A1c", "cpt_code": "83036"}], "diagnosis_code": "E11.9", "clinical_indication": "Follow-up"
        })).await;
        let order_id = order["id"].as_str().expect("id");
        let request = app.create(&clinic.token, &format!("/api/v1/lab-orders/{order_id}/approval-requests"), json!({"status": "DRAFT"})).await;
        let request_id = request["id"].as_str().expect("id");
        assert_eq!(app.transition(&clinic.token, request_id, json!({"to_status": "PENDING_SUBMISSION"})).await.status, 200);
        let moves = events(&app, &clinic.token, &format!("&resource_id={request_id}")).await;
        assert_eq!(moves.iter().map(|e| e["action"].as_str().expect("action")).collect::<Vec<_>>(), ["CREATE", "TRANSITION"]);
        assert_eq!(moves[1]["changes"]["status"], json!({"from": "DRAFT", "to": "PENDING_SUBMISSION"}));
        assert_eq!(app.transition(&clinic.token, request_id, json!({"to_status": "DRAFT"})).await.status, 200);
        assert_eq!(app.delete(&format!("/api/v1/approval-requests/{request_id}")).token(&clinic.token).send().await.status, 204);
        assert_eq!(app.delete(&coverage_path).token(&clinic.token).send().await.status, 204);
        let deleted = events(&app, &clinic.token, "&resource_type=insurance_coverage").await;
        assert_eq!(deleted.iter().map(|e| e["action"].as_str().expect("action")).collect::<Vec<_>>(), ["CREATE", "UPDATE", "DELETE"]);
        assert_eq!(deleted[2]["changes"]["member_id"], json!({"from": "NEW-1", "to": null}));

        // Filters: by type (several), by actor, by time.
        let orders = events(&app, &clinic.token, "&resource_type=lab_order,approval_request").await;
        assert_eq!(orders.len(), 1 + 4, "the order's creation; the request's creation, two moves and deletion");
        let by_nurse = events(&app, &clinic.token, "&actor=nurse.kim").await;
        assert_eq!(by_nurse.len(), 2);
        let first = trail[0]["occurred_at"].as_str().expect("instant");
        let after_first = events(&app, &clinic.token, &format!("&from={}", first.replace('+', "%2B"))).await;
        let all = events(&app, &clinic.token, "").await;
        assert!(after_first.len() < all.len() && !after_first.is_empty());
        assert!(events(&app, &clinic.token, &format!("&to={}", first.replace('+', "%2B"))).await.len() < all.len());
        // Newest first by default.
        let newest = app.get("/api/v1/audit-events?limit=1").token(&clinic.token).send().await;
        assert_eq!(newest.body["items"][0]["action"], "DELETE");
    }

    async fn a_refused_write_leaves_no_trace_and_the_sweep_is_system(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let path = format!("/api/v1/patients/{}", clinic.patient_id);
        let before = events(&app, &clinic.token, "").await.len();
        app.patch(&path).token(&clinic.token).header("if-match", "\"9\"").json(json!({"given_name": "X"})).send().await.problem(412, "precondition_failed");
        app.patch(&path).token(&clinic.token).json(json!({"birth_date": "2999-01-01"})).send().await.problem(422, "validation_failed");
        assert_eq!(events(&app, &clinic.token, "").await.len(), before, "nothing recorded for refused writes");
        // A grant that lapses is expired by the sweep: recorded as the system's transition.
        app.create_coverage(&clinic.token, &clinic.patient_id, coverage_body()).await;
        let request = app.create(&clinic.token, "/api/v1/approval-requests", json!({
            "patient_id": clinic.patient_id, "request_type": "DME", "procedure_codes": ["K0823"],
            "diagnosis_codes": ["G35"], "clinical_justification": "MS", "service_description": "Wheelchair"
        })).await;
        let id = request["id"].as_str().expect("id");
        for body in [json!({"to_status": "SUBMITTED"}), json!({"to_status": "UNDER_REVIEW"}),
                     json!({"to_status": "APPROVED", "authorization_number": "A-1", "expiration_date": app.today("UTC").to_string()})] {
            let reply = app.transition(&clinic.token, id, body).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
        }
        app.clock.advance_days(2);
        assert_eq!(app.sweep().await, 1);
        let trail = events(&app, &clinic.token, &format!("&resource_id={id}&actor=system")).await;
        assert_eq!(trail.len(), 1, "{trail:?}");
        assert_eq!(trail[0]["action"], "TRANSITION");
        assert_eq!(trail[0]["changes"]["status"], json!({"from": "APPROVED", "to": "EXPIRED"}));
    }

    async fn the_trail_is_for_admins_and_never_edited(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        for role in ["VIEWER", "CLINICIAN", "COORDINATOR"] {
            let token = app.token(&clinic.tenant, &[role]);
            app.get("/api/v1/audit-events").token(&token).send().await.problem(403, "forbidden");
        }
        let admin = app.token(&clinic.tenant, &["ADMIN"]);
        for method in ["POST", "PATCH", "DELETE", "PUT"] {
            let reply = app.request(method.parse().expect("method"), "/api/v1/audit-events").token(&admin).json(json!({})).send().await;
            reply.problem(405, "method_not_allowed");
            assert_eq!(reply.header("allow"), Some("GET"));
        }
        // Another tenant's trail is invisible.
        let other = app.clinic("SM", "UTC").await;
        let theirs = events(&app, &other.token, &format!("&resource_id={}", clinic.patient_id)).await;
        assert!(theirs.is_empty());
        app.get("/api/v1/audit-events?from=yesterday").token(&admin).send().await.problem(400, "invalid_query");
    }
}

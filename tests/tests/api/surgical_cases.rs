use serde_json::{Value, json};
use tests::{Clinic, TestApp, api_tests};

fn case_body(clinic: &Clinic, start: &str) -> Value {
    json!({
        "patient_id": clinic.patient_id, "primary_surgeon_id": clinic.provider_id,
        "primary_procedure": "Total knee arthroplasty, right", "procedure_codes": ["27447"],
        "diagnosis": "Primary osteoarthritis, right knee", "diagnosis_codes": ["M17.11"],
        "scheduled_start": start
    })
}

async fn move_to(app: &TestApp, clinic: &Clinic, path: &str, status: &str) -> tests::Reply {
    app.patch(path)
        .token(&clinic.token)
        .json(json!({"status": status}))
        .send()
        .await
}

api_tests! {
    async fn surgical_cases_are_numbered_per_day_of_the_tenant(app: TestApp) {
        let clinic = app.clinic("GH", "America/New_York").await;
        let first = app.create(&clinic.token, "/api/v1/surgical-cases", case_body(&clinic, "2026-12-03T13:00:00Z")).await;
        assert_eq!(first["case_number"], "SURG-20261203-0001");
        assert_eq!(first["status"], "SCHEDULED");
        assert_eq!(first["is_emergency"], false);
        assert_eq!(first["clinical_notes"], json!(null));
        let second = app.create(&clinic.token, "/api/v1/surgical-cases", case_body(&clinic, "2026-12-03T20:00:00Z")).await;
        assert_eq!(second["case_number"], "SURG-20261203-0002");
        // 02:00 UTC on 4 December is still 3 December in New York.
        let late = app.create(&clinic.token, "/api/v1/surgical-cases", case_body(&clinic, "2026-12-04T02:00:00Z")).await;
        assert_eq!(late["case_number"], "SURG-20261203-0003");
        let next_day = app.create(&clinic.token, "/api/v1/surgical-cases", case_body(&clinic, "2026-12-04T15:00:00Z")).await;
        assert_eq!(next_day["case_number"], "SURG-20261204-0001");
        let other = app.clinic("SM", "America/New_York").await;
        let theirs = app.create(&other.token, "/api/v1/surgical-cases", case_body(&other, "2026-12-03T13:00:00Z")).await;
        assert_eq!(theirs["case_number"], "SURG-20261203-0001", "each tenant numbers its own cases");
        let reply = app.get("/api/v1/surgical-cases?from=2026-12-03&to=2026-12-03&sort=case_number").token(&clinic.token).send().await;
        assert_eq!(reply.body["total"], 3);
    }

    async fn surgical_cases_are_read_updated_and_deleted(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let case = app.create(&clinic.token, "/api/v1/surgical-cases", case_body(&clinic, "2026-12-03T13:00:00Z")).await;
        let path = format!("/api/v1/surgical-cases/{}", case["id"].as_str().expect("id"));
        assert_eq!(app.get(&path).token(&clinic.token).send().await.body, case);
        let patched = app.patch(&path).token(&clinic.token)
            .json(json!({"is_emergency": true, "procedure_codes": ["27447", "20985"], "diagnosis_codes": null, "clinical_notes": "Fall at home", "scheduled_start": "2026-12-05T08:00:00Z"}))
            .send().await;
        assert_eq!(patched.status, 200, "{}", patched.body);
        assert_eq!(patched.body["is_emergency"], true);
        assert_eq!(patched.body["procedure_codes"], json!(["27447", "20985"]));
        assert_eq!(patched.body["diagnosis_codes"], json!([]));
        assert_eq!(patched.body["case_number"], "SURG-20261203-0001", "a number never changes");
        assert_eq!(app.get(&path).token(&clinic.token).send().await.body, patched.body);
        let other = app.clinic("SM", "UTC").await;
        app.get(&path).token(&other.token).send().await.problem(404, "not_found");
        app.patch(&path).token(&other.token).json(json!({"status": "CANCELLED"})).send().await.problem(404, "not_found");
        app.delete(&path).token(&other.token).send().await.problem(404, "not_found");
        assert_eq!(app.delete(&path).token(&clinic.token).send().await.status, 204);
    }

    async fn surgical_case_validation(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let other = app.clinic("SM", "UTC").await;
        let cases: Vec<(&str, Value, &str)> = vec![
            ("patient_id", json!(other.patient_id), "patient_id"),
            ("primary_surgeon_id", json!(other.provider_id), "primary_surgeon_id"),
            ("primary_procedure", json!(""), "primary_procedure"),
            ("procedure_codes", json!(["27447", "knee"]), "procedure_codes[1]"),
            ("diagnosis_codes", json!(["M1711"]), "diagnosis_codes[0]"),
            ("diagnosis", json!(" "), "diagnosis"),
            ("scheduled_start", json!("2026-12-32T10:00:00Z"), "scheduled_start"),
            ("scheduled_start", json!(null), "scheduled_start"),
            ("is_emergency", json!(1), "is_emergency"),
        ];
        for (field, value, expected) in cases {
            let mut body = case_body(&clinic, "2026-12-03T13:00:00Z");
            body[field] = value.clone();
            let reply = app.post("/api/v1/surgical-cases").token(&clinic.token).json(body).send().await;
            assert!(reply.invalid_fields().contains(&expected.to_owned()), "{field} = {value}: {}", reply.body);
        }
        assert_eq!(app.get("/api/v1/surgical-cases").token(&clinic.token).send().await.body["total"], 0);
    }

    async fn surgical_case_transitions(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let create = || app.create(&clinic.token, "/api/v1/surgical-cases", case_body(&clinic, "2026-12-03T13:00:00Z"));
        let path_of = |case: &Value| format!("/api/v1/surgical-cases/{}", case["id"].as_str().expect("id"));

        // The happy path, with a delay on the way.
        let case = create().await;
        let path = path_of(&case);
        for status in ["CONFIRMED", "DELAYED", "PREP", "IN_PROGRESS"] {
            let reply = move_to(&app, &clinic, &path, status).await;
            assert_eq!(reply.status, 200, "{status}: {}", reply.body);
            assert_eq!(reply.body["status"], status);
        }
        // Once IN_PROGRESS: no cancelling, no postponing.
        for status in ["CANCELLED", "POSTPONED", "SCHEDULED"] {
            let reply = move_to(&app, &clinic, &path, status).await;
            reply.problem(409, "transition_not_allowed");
            assert_eq!(reply.body["allowed"], json!(["COMPLETED"]));
        }
        assert_eq!(move_to(&app, &clinic, &path, "COMPLETED").await.body["status"], "COMPLETED");
        for status in ["CANCELLED", "POSTPONED", "IN_PROGRESS"] {
            move_to(&app, &clinic, &path, status).await.problem(409, "order_closed");
        }
        assert_eq!(app.get(&path).token(&clinic.token).send().await.body["status"], "COMPLETED");

        // Skipping steps is refused; postponing and rescheduling is allowed.
        let case = create().await;
        let path = path_of(&case);
        move_to(&app, &clinic, &path, "IN_PROGRESS").await.problem(409, "transition_not_allowed");
        move_to(&app, &clinic, &path, "COMPLETED").await.problem(409, "transition_not_allowed");
        assert_eq!(move_to(&app, &clinic, &path, "POSTPONED").await.body["status"], "POSTPONED");
        move_to(&app, &clinic, &path, "PREP").await.problem(409, "transition_not_allowed");
        assert_eq!(move_to(&app, &clinic, &path, "SCHEDULED").await.body["status"], "SCHEDULED");
        assert_eq!(move_to(&app, &clinic, &path, "CANCELLED").await.body["status"], "CANCELLED");
        move_to(&app, &clinic, &path, "SCHEDULED").await.problem(409, "order_closed");
    }
}

//! The defects an attack found, each with the test that failed before its fix: derived text
//! that overflowed its column, a derived quantity above the API's own bound, lax parsing, roles
//! checked after the body, methods a path does not have.

use serde_json::json;
use tests::{TestApp, api_tests, coverage_body};

api_tests! {
    async fn derived_text_fits_its_column(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        app.create_coverage(&clinic.token, &clinic.patient_id, coverage_body()).await;
        let tests: Vec<_> = (0..10).map(|n| json!({"test_name": format!("{n}{}", "x".repeat(199))})).collect();
        let order = app.create(&clinic.token, "/api/v1/lab-orders", json!({
            "patient_id": clinic.patient_id, "ordering_provider_id": clinic.provider_id, "tests": tests,
            "diagnosis_code": "E11.9", "clinical_indication": "x"
        })).await;
        let path = format!("/api/v1/lab-orders/{}/approval-requests", order["id"].as_str().expect("id"));
        let request = app.create(&clinic.token, &path, json!({})).await;
        let description = request["service_description"].as_str().expect("description");
        assert_eq!(description.chars().count(), 2000, "shortened to the field's maximum");
        assert!(description.starts_with("Lab tests: 0xxx") && description.ends_with('…'));
    }

    async fn a_derived_quantity_respects_the_apis_bound(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        app.create_coverage(&clinic.token, &clinic.patient_id, coverage_body()).await;
        let medication = app.create(&clinic.token, "/api/v1/medications", json!({
            "display_name": "Saline", "ndc_number": "0409-4888-02", "formulary_status": "PRIOR_AUTH", "is_controlled_substance": false
        })).await;
        let rx = app.create(&clinic.token, "/api/v1/prescriptions", json!({
            "patient_id": clinic.patient_id, "prescriber_id": clinic.provider_id, "medication_id": medication["id"],
            "quantity_prescribed": 999_999_999, "quantity_unit": "ml", "diagnosis_code": "E86.0"
        })).await;
        let path = format!("/api/v1/prescriptions/{}/approval-requests", rx["id"].as_str().expect("id"));
        let refused = app.post(&path).token(&clinic.token).json(json!({})).send().await;
        assert_eq!(refused.invalid_fields(), vec!["requested_quantity"]);
        let given = app.post(&path).token(&clinic.token).json(json!({"requested_quantity": 1000})).send().await;
        assert_eq!(given.status, 201, "{}", given.body);
        assert_eq!(given.body["requested_quantity"], 1000);
    }
}

api_tests! {
    async fn days_are_written_yyyy_mm_dd_and_nothing_else(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let patient = |birth_date: &str| json!({"mrn": "MRN-D", "given_name": "A", "family_name": "B", "birth_date": birth_date, "sex": "FEMALE"});
        for lax in ["1984-3-12", "1984-03-2", " 1984-03-12", "1984-03-12 ", "1984-02-30", "19840312"] {
            let reply = app.post("/api/v1/patients").token(&clinic.token).json(patient(lax)).send().await;
            assert_eq!(reply.invalid_fields(), vec!["birth_date"], "{lax:?}");
            assert_eq!(reply.body["errors"][0]["code"], "invalid_date", "{lax:?}");
        }
        assert_eq!(app.post("/api/v1/patients").token(&clinic.token).json(patient("1984-03-12")).send().await.status, 201);
        // A PATCH's nullable day, and a transition's.
        let coverage = app.create_coverage(&clinic.token, &clinic.patient_id, coverage_body()).await;
        let path = format!("/api/v1/patients/{}/insurance/{}", clinic.patient_id, coverage["id"].as_str().expect("id"));
        assert_eq!(app.patch(&path).token(&clinic.token).json(json!({"termination_date": "2027-1-31"})).send().await.invalid_fields(), vec!["termination_date"]);
        // Query strings: 400 naming the parameter.
        let reply = app.get("/api/v1/lab-orders?from=2026-1-01").token(&clinic.token).send().await;
        reply.problem(400, "invalid_query");
        assert!(reply.body["detail"].as_str().expect("detail").starts_with("from:"), "{}", reply.body);
        app.get("/api/v1/reports/approval-metrics?to=%202026-11-01").token(&clinic.token).send().await.problem(400, "invalid_query");
        assert_eq!(app.get("/api/v1/lab-orders?from=2026-01-01").token(&clinic.token).send().await.status, 200);
        // A filter of known values takes one or more of them: an empty one is named in a 400.
        for query in ["approval_status=", "approval_status=APPROVED,", "status=,PENDING"] {
            let reply = app.get(&format!("/api/v1/lab-orders?{query}")).token(&clinic.token).send().await;
            let detail = reply.problem(400, "invalid_query")["detail"].as_str().expect("detail").to_owned();
            assert!(detail.contains("empty value"), "{query}: {detail}");
        }
        app.get("/api/v1/work-queue?kind=").token(&clinic.token).send().await.problem(400, "invalid_query");
        // Several values comma-separated or as repeated keys (as generated clients send arrays);
        // a parameter of one value named twice stays a 400.
        app.create(&clinic.token, "/api/v1/lab-orders", json!({
            "patient_id": clinic.patient_id, "ordering_provider_id": clinic.provider_id,
            "tests": [{"test_name": "A1c"}], "diagnosis_code": "E11.9", "clinical_indication": "x"
        })).await;
        let commas = app.get("/api/v1/lab-orders?approval_status=NO_INSURANCE,APPROVAL_REQUIRED").token(&clinic.token).send().await;
        let repeated = app.get("/api/v1/lab-orders?approval_status=NO_INSURANCE&approval_status=APPROVAL_REQUIRED").token(&clinic.token).send().await;
        assert_eq!(repeated.status, 200, "{}", repeated.body);
        assert_eq!(repeated.body, commas.body);
        assert_eq!(repeated.body["total"], 1);
        app.get("/api/v1/lab-orders?limit=1&limit=2").token(&clinic.token).send().await.problem(400, "invalid_query");
        // Free text is taken as sent: an empty MRN is one no patient has.
        let none = app.get("/api/v1/patients?mrn=").token(&clinic.token).send().await;
        assert_eq!(none.status, 200, "{}", none.body);
        assert_eq!(none.body["total"], 0);
        let listed = app.get("/api/v1/patients?mrn=,MRN-NONE").token(&clinic.token).send().await;
        assert_eq!(listed.body["total"], 0);
    }

    async fn a_key_named_twice_is_refused(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let body = r#"{"mrn": "MRN-TWICE", "given_name": "A", "family_name": "B", "birth_date": "1984-03-12", "sex": "FEMALE", "sex": "MALE"}"#;
        let reply = app.post("/api/v1/patients").token(&clinic.token).raw("application/json", body).send().await;
        reply.problem(400, "duplicate_key");
        assert!(reply.body["detail"].as_str().expect("detail").contains("`sex`"), "{}", reply.body);
        let nested = r#"{"patient_id": "x", "tests": [{"test_name": "A", "test_name": "B"}]}"#;
        app.post("/api/v1/lab-orders").token(&clinic.token).raw("application/json", nested).send().await.problem(400, "duplicate_key");
        let listed = app.get("/api/v1/patients?mrn=MRN-TWICE").token(&clinic.token).send().await;
        assert_eq!(listed.body["total"], 0, "nothing was created");
    }
}

api_tests! {
    async fn a_method_a_path_does_not_have_answers_405_with_allow(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let document = tests::world::document();
        // Every documented path, with a method it lacks and with TRACE.
        for (template, item) in document["paths"].as_object().expect("paths") {
            let path = template.split('/').map(|s| if s.starts_with('{') { uuid::Uuid::new_v4().to_string() } else { s.to_owned() }).collect::<Vec<_>>().join("/");
            let declared: Vec<String> = ["get", "post", "put", "patch", "delete"].iter().filter(|m| item.get(**m).is_some()).map(|m| m.to_uppercase()).collect();
            for method in ["TRACE", "PUT", "PATCH", "DELETE", "POST"] {
                if declared.iter().any(|m| m == method) {
                    continue;
                }
                let reply = app.request(method.parse().expect("method"), &path).token(&clinic.token).send().await;
                let name = format!("{method} {template}");
                reply.problem(405, "method_not_allowed");
                assert_eq!(reply.header("allow"), Some(declared.join(", ").as_str()), "{name}");
            }
        }
        let reply = app.request(actix_web::http::Method::PUT, "/swagger-ui/").send().await;
        reply.problem(405, "method_not_allowed");
        // A path the service does not have stays 404, whatever the method.
        app.request(actix_web::http::Method::TRACE, "/api/v1/nothing-here").send().await.problem(404, "no_route");
        app.get("/api/v1/patients/").token(&clinic.token).send().await.problem(404, "no_route");
    }
}

api_tests! {
    async fn a_slow_client_or_a_stuck_request_cannot_hold_the_service(app: TestApp) {
        use sea_orm::{ConnectionTrait, TransactionTrait};
        let clinic = app.clinic("GH", "UTC").await;
        let quick = app.another_instance_with(api::base::state::Limits {
            body_read: std::time::Duration::from_millis(300),
            handler: std::time::Duration::from_secs(1),
        }).await;
        // A body that starts and never ends: 408, the connection closed.
        let reply = quick.post("/api/v1/patients").token(&clinic.token).stalled_body(b"{\"mrn\": ").send().await;
        reply.problem(408, "request_timeout");
        assert_eq!(reply.header("connection"), Some("close"));
        // A request stuck behind a lock past the limit: abandoned, 503, nothing written.
        let lock = app.db.begin().await.expect("begin");
        let statement = match app.backend {
            tests::Backend::Postgres => format!("SELECT id FROM patients WHERE id = '{}' FOR UPDATE", clinic.patient_id),
            tests::Backend::Sqlite => "UPDATE patients SET version = version".to_owned(),
        };
        lock.execute_unprepared(&statement).await.expect("locking the patient");
        let path = format!("/api/v1/patients/{}/insurance", clinic.patient_id);
        let reply = quick.post(&path).token(&clinic.token).json(coverage_body()).send().await;
        reply.problem(503, "service_unavailable");
        assert!(reply.body["detail"].as_str().expect("detail").contains("took longer than 1 s"), "{}", reply.body);
        assert_eq!(reply.header("retry-after"), Some("2"));
        lock.rollback().await.expect("rollback");
        let coverages = app.get(&path).token(&clinic.token).send().await;
        assert_eq!(coverages.body["total"], 0, "the abandoned request wrote nothing");
        // The service answers as before.
        assert_eq!(quick.post(&path).token(&clinic.token).json(coverage_body()).send().await.status, 201);
    }
}

api_tests! {
    async fn what_schemathesis_found(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        app.create_coverage(&clinic.token, &clinic.patient_id, coverage_body()).await;
        let order = app.create(&clinic.token, "/api/v1/lab-orders", json!({
            "patient_id": clinic.patient_id, "ordering_provider_id": clinic.provider_id,
            "tests": [{"test_name": "A1c", "cpt_code": "83036"}], "diagnosis_code": "E11.9", "clinical_indication": "x"
        })).await;
        let order_path = format!("/api/v1/lab-orders/{}", order["id"].as_str().expect("id"));
        // A JSON null body where the body is optional stands for no body.
        let from_order = app.post(&format!("{order_path}/approval-requests")).token(&clinic.token).raw("application/json", "null").send().await;
        assert_eq!(from_order.status, 201, "{}", from_order.body);
        // A whole number written with a decimal point is that integer.
        let template = app.post("/api/v1/approval-templates").token(&clinic.token).raw("application/json", r#"{"name": "T", "request_type": "DME", "typical_turnaround_days": 5.0}"#).send().await;
        assert_eq!(template.status, 201, "{}", template.body);
        assert_eq!(template.body["typical_turnaround_days"], 5);
        let half = app.post("/api/v1/approval-templates").token(&clinic.token).raw("application/json", r#"{"name": "U", "request_type": "DME", "typical_turnaround_days": 5.5}"#).send().await;
        assert_eq!(half.invalid_fields(), vec!["typical_turnaround_days"]);
        // A quantity far out of range is a range error, named as such.
        let medication = app.create(&clinic.token, "/api/v1/medications", json!({"display_name": "Saline", "ndc_number": "0409-4888-02", "formulary_status": "FORMULARY"})).await;
        let huge = app.post("/api/v1/prescriptions").token(&clinic.token).raw("application/json", format!(
            r#"{{"patient_id": "{}", "prescriber_id": "{}", "medication_id": "{}", "quantity_prescribed": 1e308, "quantity_unit": "ml", "diagnosis_code": "E86.0"}}"#,
            clinic.patient_id, clinic.provider_id, medication["id"].as_str().expect("id"))).send().await;
        assert_eq!(huge.invalid_fields(), vec!["quantity_prescribed"]);
        assert_eq!(huge.body["errors"][0]["code"], "range", "{}", huge.body);
        // A list's length is counted in items.
        let empty = app.patch(&order_path).token(&clinic.token).json(json!({"tests": []})).send().await;
        assert_eq!(empty.invalid_fields(), vec!["tests"]);
        assert!(empty.body["errors"][0]["message"].as_str().expect("message").contains("items"), "{}", empty.body);
        // The sort keys are listed once each.
        let sorted = app.get("/api/v1/prescriptions?sort=x").token(&clinic.token).send().await;
        let detail = sorted.problem(400, "invalid_query")["detail"].as_str().expect("detail").to_owned();
        assert_eq!(detail.matches("prescription_number").count(), 1, "{detail}");
        // Sending back the patient an order has changes nothing; another patient is refused.
        let same = app.patch(&order_path).token(&clinic.token).json(json!({"patient_id": clinic.patient_id, "clinical_indication": "y"})).send().await;
        assert_eq!(same.status, 200, "{}", same.body);
        let other = app.create_patient(&clinic.token, "MRN-OTHER").await;
        let moved = app.patch(&order_path).token(&clinic.token).json(json!({"patient_id": other["id"]})).send().await;
        assert_eq!(moved.invalid_fields(), vec!["patient_id"]);
        let request_path = format!("/api/v1/approval-requests/{}", from_order.body["id"].as_str().expect("id"));
        let echoed = app.patch(&request_path).token(&clinic.token).json(json!({"status": from_order.body["status"], "patient_id": clinic.patient_id})).send().await;
        assert_eq!(echoed.status, 200, "{}", echoed.body);
        assert_eq!(app.patch(&request_path).token(&clinic.token).json(json!({"status": "APPROVED"})).send().await.invalid_fields(), vec!["status"]);
    }

    async fn if_match_is_an_entity_tag_or_400(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let path = format!("/api/v1/patients/{}", clinic.patient_id);
        for malformed in ["1", "null", "kqO", "TRUE", "", "\"1", "W/1"] {
            let reply = app.patch(&path).token(&clinic.token).header("if-match", malformed).json(json!({"given_name": "X"})).send().await;
            reply.problem(400, "invalid_if_match");
        }
        // Well-formed tags this service never issued never match.
        app.patch(&path).token(&clinic.token).header("if-match", "\"abc\"").json(json!({"given_name": "X"})).send().await.problem(412, "precondition_failed");
        // Weak tags and lists are read as RFC 9110 says.
        let weak = app.patch(&path).token(&clinic.token).header("if-match", "W/\"1\"").json(json!({"given_name": "X"})).send().await;
        assert_eq!(weak.status, 200, "{}", weak.body);
        let listed = app.patch(&path).token(&clinic.token).header("if-match", "\"7\", \"2\"").json(json!({"given_name": "Y"})).send().await;
        assert_eq!(listed.status, 200, "{}", listed.body);
        assert_eq!(app.patch(&path).token(&clinic.token).header("if-match", "*").json(json!({"given_name": "Z"})).send().await.status, 200);
    }
}

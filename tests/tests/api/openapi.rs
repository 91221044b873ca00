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

/// Every operation of the document, as (name, path, method, operation).
fn operations(document: &Value) -> Vec<(String, String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let name = format!("{} {path}", method.to_uppercase());
            out.push((name, path.clone(), method.clone(), operation.clone()));
        }
    }
    out
}

/// `value`, or what it refers to when it is a `$ref` of the document.
fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(reference) => document
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{reference} resolves")),
        None => value,
    }
}

/// A query parameter of `operation`.
fn query_parameter<'a>(operation: &'a Value, name: &str) -> Option<&'a Value> {
    operation["parameters"]
        .as_array()?
        .iter()
        .find(|p| p["in"] == "query" && p["name"] == name)
}

#[test]
fn every_operation_has_a_description() {
    let document = generated();
    for (name, _, _, operation) in operations(&document) {
        let description = operation["description"].as_str().unwrap_or_default();
        assert!(!description.trim().is_empty(), "{name} has a description");
    }
}

#[test]
fn the_document_stands_on_its_own() {
    let text = api::openapi::render();
    for outside in ["DOMAIN.md", "API.md", "§", "seeds"] {
        assert!(!text.contains(outside), "the document mentions {outside}");
    }
    let document = generated();
    assert_eq!(
        document["servers"][0]["url"], "/",
        "a server: the host serving it"
    );
}

#[test]
fn every_answer_documents_its_headers() {
    let document = generated();
    let headers = document["components"]["headers"]
        .as_object()
        .expect("components.headers");
    for (name, path, _, operation) in operations(&document) {
        let responses = operation["responses"].as_object().expect("responses");
        if path.starts_with("/api/") {
            assert_eq!(
                responses.get("503").and_then(|r| r["$ref"].as_str()),
                Some("#/components/responses/UnavailableProblem"),
                "{name} documents 503"
            );
        }
        for (status, response) in responses {
            let response = resolve(&document, response);
            let declared = response["headers"].as_object().expect("headers");
            let mut wanted = vec!["X-Request-Id"];
            match status.as_str() {
                "201" => wanted.extend(["Location", "ETag"]),
                "401" => wanted.push("WWW-Authenticate"),
                "503" => wanted.push("Retry-After"),
                _ => {}
            }
            for header in wanted {
                assert!(declared.contains_key(header), "{name} {status}: {header}");
            }
            for (header, value) in declared {
                let reference = value["$ref"].as_str().unwrap_or_default();
                assert_eq!(
                    reference,
                    format!("#/components/headers/{header}"),
                    "{name}"
                );
                assert!(headers.contains_key(header), "{header} is a component");
            }
        }
    }
}

#[test]
fn pages_refer_to_their_items() {
    let document = generated();
    let schemas = document["components"]["schemas"]
        .as_object()
        .expect("schemas");
    let mut pages = 0;
    for (name, schema) in schemas {
        let Some(item) = name.strip_prefix("Page_") else {
            continue;
        };
        pages += 1;
        assert_eq!(
            schema["properties"]["items"],
            serde_json::json!({"type": "array", "items": {"$ref": format!("#/components/schemas/{item}")}}),
            "{name}"
        );
    }
    assert!(pages >= 10, "{pages} pages");
}

#[test]
fn lists_publish_their_bounds_and_sort_keys() {
    let document = generated();
    let mut lists = 0;
    for (name, _, _, operation) in operations(&document) {
        if let Some(offset) = query_parameter(&operation, "offset") {
            assert_eq!(
                offset["schema"]["maximum"],
                api::request::list::MAX_OFFSET,
                "{name}: offset"
            );
        }
        let Some(sort) = query_parameter(&operation, "sort") else {
            continue;
        };
        lists += 1;
        let keys: Vec<&str> = sort["schema"]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: sort has an enum"))
            .iter()
            .map(|key| key.as_str().expect("a key"))
            .collect();
        assert!(!keys.is_empty(), "{name}");
        for pair in keys.chunks(2) {
            assert_eq!(
                format!("-{}", pair[0]),
                pair[1],
                "{name}: each key both ways"
            );
        }
        let default = sort["schema"]["default"].as_str().expect("a default");
        assert!(
            keys.contains(&default),
            "{name}: the default {default} is a key"
        );
        assert_eq!(
            sort["example"], default,
            "{name}: the example is the default"
        );
    }
    assert!(lists >= 18, "{lists} lists");
}

#[test]
fn filters_of_known_values_are_arrays_of_their_enum() {
    let document = generated();
    let enumerated = [
        "status",
        "priority",
        "request_type",
        "order_kind",
        "kind",
        "order_status",
        "modality",
        "role",
        "formulary_status",
        "approval_status",
    ];
    let mut filters = 0;
    for (name, _, method, operation) in operations(&document) {
        if method != "get" {
            continue;
        }
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            let parameter_name = parameter["name"].as_str().expect("name");
            let list_example = ["limit", "offset", "sort"].contains(&parameter_name);
            if parameter["in"] == "query"
                && !list_example
                && query_parameter(&operation, "limit").is_some()
            {
                assert!(
                    parameter.get("example").is_none()
                        && parameter["schema"].get("example").is_none(),
                    "{name}: the filter {parameter_name} has no example (try-it-out would narrow the list)"
                );
            }
            if parameter["schema"]["type"] != "array" {
                assert!(
                    !enumerated.contains(&parameter_name) || parameter["in"] != "query",
                    "{name}: {parameter_name} is an array"
                );
                continue;
            }
            filters += 1;
            assert_eq!(parameter["style"], "form", "{name}: {parameter_name}");
            assert_eq!(parameter["explode"], false, "{name}: {parameter_name}");
            let items = &parameter["schema"]["items"];
            if enumerated.contains(&parameter_name) {
                let schema = resolve(&document, items);
                assert!(
                    items["$ref"].is_string() && schema["enum"].is_array(),
                    "{name}: {parameter_name} lists an enum schema"
                );
            }
        }
    }
    assert!(filters >= 15, "{filters} array filters");
}

#[test]
fn status_enums_carry_labels() {
    let document = generated();
    let schemas = &document["components"]["schemas"];
    for name in [
        "ApprovalStatus",
        "OrderApprovalStatus",
        "ServiceOrderStatus",
        "PrescriptionStatus",
        "SurgicalCaseStatus",
        "OrderStatus",
        "RequestType",
        "RequestPriority",
        "LabPriority",
        "CoveragePriority",
        "ProviderRole",
        "OrderKind",
        "FormularyStatus",
        "Modality",
        "Urgency",
    ] {
        let schema = &schemas[name];
        let values = schema["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} enum"));
        let labels = schema["x-enum-descriptions"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} has x-enum-descriptions"));
        assert_eq!(labels.len(), values.len(), "{name}: a label per value");
        let by_value = schema["x-enumDescriptions"].as_object().expect("a map");
        let description = schema["description"].as_str().expect("a description");
        for (value, label) in values.iter().zip(labels) {
            let value = value.as_str().expect("a value");
            let label = label.as_str().expect("a label");
            assert_eq!(by_value[value], label, "{name}.{value}");
            assert!(
                description.contains(&format!("- `{value}`: {label}")),
                "{name}'s description lists {value}"
            );
        }
    }
}

#[test]
fn transition_examples_read_in_workflow_order() {
    let document = generated();
    let examples = document["paths"]["/api/v1/approval-requests/{id}/transitions"]["post"]
        ["requestBody"]["content"]["application/json"]["examples"]
        .as_object()
        .expect("examples");
    let order: Vec<&str> = examples.keys().map(String::as_str).collect();
    assert_eq!(
        order,
        [
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
            "CANCELLED",
            "DRAFT",
            "EXPIRED"
        ]
    );
}

#[test]
fn links_lead_to_operations_that_take_what_they_pass() {
    let document = generated();
    let operations = operations(&document);
    let by_id = |id: &str| {
        operations
            .iter()
            .find(|(_, _, _, op)| op["operationId"] == id)
            .unwrap_or_else(|| panic!("no operation {id}"))
    };
    let mut count = 0;
    for (name, _, _, operation) in &operations {
        for (status, response) in operation["responses"].as_object().expect("responses") {
            for (key, link) in response["links"].as_object().into_iter().flatten() {
                count += 1;
                let target_id = link["operationId"].as_str().expect("operationId");
                assert_eq!(key, target_id, "{name} {status}: keyed by operationId");
                let (target, target_path, _, target_op) = by_id(target_id);
                let parameters = link["parameters"].as_object().expect("parameters");
                let path_ids: Vec<String> = target_path
                    .split('/')
                    .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                    .map(|id| format!("path.{id}"))
                    .collect();
                for id in &path_ids {
                    assert!(parameters.contains_key(id), "{name} → {target}: {id}");
                }
                for (parameter, expression) in parameters {
                    let expression = expression.as_str().expect("an expression");
                    if parameter == "header.If-Match" {
                        assert_eq!(expression, "$response.header.ETag");
                        let takes = target_op["parameters"].as_array().is_some_and(|ps| {
                            ps.iter()
                                .any(|p| p["in"] == "header" && p["name"] == "If-Match")
                        });
                        assert!(takes, "{name} → {target}: If-Match");
                    } else {
                        assert!(
                            path_ids.contains(parameter),
                            "{name} → {target}: {parameter}"
                        );
                        assert!(
                            expression == "$response.body#/id"
                                || expression.starts_with("$request.path."),
                            "{name} → {target}: {expression}"
                        );
                    }
                }
            }
        }
    }
    assert!(count >= 60, "{count} links");
    let links_of = |path: &str, method: &str, status: &str| -> Vec<String> {
        document["paths"][path][method]["responses"][status]["links"]
            .as_object()
            .map(|links| links.keys().cloned().collect())
            .unwrap_or_default()
    };
    let created_patient = links_of("/api/v1/patients", "post", "201");
    for id in [
        "get_patient",
        "update_patient",
        "delete_patient",
        "list_insurance",
        "create_insurance",
    ] {
        assert!(
            created_patient.iter().any(|l| l == id),
            "a new patient links to {id}"
        );
    }
    let created_order = links_of("/api/v1/lab-orders", "post", "201");
    for id in [
        "get_lab_order",
        "get_lab_order_approval_summary",
        "list_lab_order_approval_requests",
        "create_lab_order_approval_request",
    ] {
        assert!(
            created_order.iter().any(|l| l == id),
            "a new lab order links to {id}"
        );
    }
    let created_request = links_of("/api/v1/lab-orders/{id}/approval-requests", "post", "201");
    for id in [
        "get_approval_request",
        "transition_approval_request",
        "list_approval_history",
        "list_approval_communications",
        "create_approval_document",
    ] {
        assert!(
            created_request.iter().any(|l| l == id),
            "a new request links to {id}"
        );
    }
    let read_patient = links_of("/api/v1/patients/{id}", "get", "200");
    assert_eq!(read_patient, ["update_patient", "delete_patient"]);
    assert_eq!(
        document["paths"]["/api/v1/patients/{id}"]["get"]["responses"]["200"]["links"]["delete_patient"]
            ["parameters"],
        serde_json::json!({"path.id": "$request.path.id", "header.If-Match": "$response.header.ETag"})
    );
}

/// The world's path of `template`, with `query`.
fn with_query(world: &tests::world::World, template: &str, query: &str) -> String {
    format!("{}?{query}", world.path(template))
}

api_tests! {
    async fn every_sort_key_of_every_list_answers(app: TestApp) {
        let world = tests::world::World::build(&app, "SORTS").await;
        let document = world.document().clone();
        let mut lists = 0;
        for operation in tests::world::operations(&document) {
            let Some(sort) = query_parameter(&operation.spec, "sort") else {
                continue;
            };
            lists += 1;
            let keys: Vec<&str> = sort["schema"]["enum"]
                .as_array()
                .expect("an enum of keys")
                .iter()
                .map(|key| key.as_str().expect("a key"))
                .collect();
            for key in &keys {
                let path = with_query(&world, &operation.template, &format!("sort={key}"));
                let reply = app.get(&path).token(&world.token).send().await;
                assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
            }
            let path = with_query(&world, &operation.template, "sort=zz_bogus");
            let reply = app.get(&path).token(&world.token).send().await;
            let problem = reply.problem(400, "invalid_query");
            let ascending: Vec<&str> = keys.iter().copied().filter(|k| !k.starts_with('-')).collect();
            assert_eq!(
                problem["detail"],
                format!("sort must be one of {} (prefix - for descending)", ascending.join(", ")),
                "{}: the server's keys are the document's",
                operation.name()
            );
        }
        assert!(lists >= 18, "{lists} lists");
    }

    async fn examples_of_list_parameters_do_not_narrow_the_list(app: TestApp) {
        let world = tests::world::World::build(&app, "TRYIT").await;
        let document = world.document().clone();
        for operation in tests::world::operations(&document) {
            if operation.method != actix_web::http::Method::GET
                || query_parameter(&operation.spec, "limit").is_none()
            {
                continue;
            }
            let examples: Vec<String> = operation.spec["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| {
                    let example = p.get("example")?;
                    let value = example.as_str().map_or_else(|| example.to_string(), str::to_owned);
                    Some(format!("{}={value}", p["name"].as_str()?))
                })
                .collect();
            let bare = app.get(&world.path(&operation.template)).token(&world.token).send().await;
            assert_eq!(bare.status, 200, "{}: {}", operation.name(), bare.body);
            let path = with_query(&world, &operation.template, &examples.join("&"));
            let tried = app.get(&path).token(&world.token).send().await;
            assert_eq!(tried.status, 200, "GET {path}: {}", tried.body);
            assert_eq!(tried.body["total"], bare.body["total"], "GET {path} narrows nothing");
        }
    }

    async fn every_answer_sends_the_headers_the_document_states(app: TestApp) {
        let world = tests::world::World::build(&app, "HEADS").await;
        let document = world.document().clone();
        for operation in tests::world::operations(&document) {
            if operation.method != actix_web::http::Method::GET {
                continue;
            }
            let path = world.path(&operation.template);
            let reply = app.get(&path).token(&world.token).send().await;
            assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
            assert!(reply.header("x-request-id").is_some(), "GET {path}: X-Request-Id");
            let documented = operation.spec["responses"]["200"]["headers"].get("ETag").is_some();
            assert_eq!(
                reply.header("etag").is_some(),
                documented,
                "GET {path}: an ETag is sent exactly when the document says so"
            );
        }
        let anonymous = app.get("/api/v1/patients").send().await;
        assert_eq!(anonymous.status, 401);
        assert!(anonymous.header("www-authenticate").is_some());
        assert!(anonymous.header("x-request-id").is_some());
    }
}

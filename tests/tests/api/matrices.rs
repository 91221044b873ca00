//! Matrices walked over every operation of the OpenAPI document, so that an operation added
//! later is covered without anyone remembering: who may call it (the role table below mirrors
//! the README's roles table), and that another tenant can neither see nor change anything.

use actix_web::http::Method;
use serde_json::{Value, json};
use tests::world::{Operation, World, operations};
use tests::{TestApp, api_tests};

const ROLES: [&str; 4] = ["VIEWER", "CLINICIAN", "COORDINATOR", "ADMIN"];
const READ: &[&str] = &ROLES;
const CLINICAL: &[&str] = &["CLINICIAN", "ADMIN"];
const COORDINATE: &[&str] = &["COORDINATOR", "ADMIN"];
const ADMIN: &[&str] = &["ADMIN"];
const DOCUMENTS: &[&str] = &["CLINICIAN", "COORDINATOR", "ADMIN"];
/// Roles that may move some request (which moves, the status table below says).
const TRANSITIONS: &[&str] = &["CLINICIAN", "COORDINATOR", "ADMIN"];

/// Who may call what. A GET not listed is [`READ`]: every role reads everything of its tenant.
const WRITES: &[(&str, &str, &[&str])] = &[
    ("GET", "/api/v1/audit-events", ADMIN),
    ("PATCH", "/api/v1/tenant", ADMIN),
    ("POST", "/api/v1/providers", ADMIN),
    ("PATCH", "/api/v1/providers/{id}", ADMIN),
    ("DELETE", "/api/v1/providers/{id}", ADMIN),
    ("POST", "/api/v1/medications", ADMIN),
    ("PATCH", "/api/v1/medications/{id}", ADMIN),
    ("POST", "/api/v1/approval-templates", ADMIN),
    ("PATCH", "/api/v1/approval-templates/{id}", ADMIN),
    ("DELETE", "/api/v1/approval-templates/{id}", ADMIN),
    ("POST", "/api/v1/patients", CLINICAL),
    ("PATCH", "/api/v1/patients/{id}", CLINICAL),
    ("DELETE", "/api/v1/patients/{id}", CLINICAL),
    ("POST", "/api/v1/patients/{patient_id}/insurance", CLINICAL),
    (
        "PATCH",
        "/api/v1/patients/{patient_id}/insurance/{coverage_id}",
        CLINICAL,
    ),
    (
        "DELETE",
        "/api/v1/patients/{patient_id}/insurance/{coverage_id}",
        CLINICAL,
    ),
    ("POST", "/api/v1/lab-orders", CLINICAL),
    ("PATCH", "/api/v1/lab-orders/{id}", CLINICAL),
    ("DELETE", "/api/v1/lab-orders/{id}", CLINICAL),
    (
        "POST",
        "/api/v1/lab-orders/{id}/approval-requests",
        CLINICAL,
    ),
    ("POST", "/api/v1/imaging-orders", CLINICAL),
    ("PATCH", "/api/v1/imaging-orders/{id}", CLINICAL),
    ("DELETE", "/api/v1/imaging-orders/{id}", CLINICAL),
    (
        "POST",
        "/api/v1/imaging-orders/{id}/approval-requests",
        CLINICAL,
    ),
    ("POST", "/api/v1/prescriptions", CLINICAL),
    ("PATCH", "/api/v1/prescriptions/{id}", CLINICAL),
    ("DELETE", "/api/v1/prescriptions/{id}", CLINICAL),
    (
        "POST",
        "/api/v1/prescriptions/{id}/approval-requests",
        CLINICAL,
    ),
    ("POST", "/api/v1/surgical-cases", CLINICAL),
    ("PATCH", "/api/v1/surgical-cases/{id}", CLINICAL),
    ("DELETE", "/api/v1/surgical-cases/{id}", CLINICAL),
    (
        "POST",
        "/api/v1/surgical-cases/{id}/approval-requests",
        CLINICAL,
    ),
    ("POST", "/api/v1/approval-requests", CLINICAL),
    // A DRAFT request; in MORE_INFO_REQUIRED COORDINATOR edits too (the status table below).
    ("PATCH", "/api/v1/approval-requests/{id}", CLINICAL),
    ("DELETE", "/api/v1/approval-requests/{id}", CLINICAL),
    (
        "POST",
        "/api/v1/approval-requests/{id}/transitions",
        TRANSITIONS,
    ),
    (
        "POST",
        "/api/v1/approval-requests/{id}/communications",
        COORDINATE,
    ),
    (
        "POST",
        "/api/v1/approval-requests/{id}/documents",
        DOCUMENTS,
    ),
    ("POST", "/api/v1/expiry-sweeps", COORDINATE),
];

fn allowed(operation: &Operation) -> &'static [&'static str] {
    let listed = WRITES
        .iter()
        .find(|(method, template, _)| {
            *method == operation.method.as_str() && *template == operation.template
        })
        .map(|(_, _, roles)| *roles);
    if operation.method == Method::GET {
        return listed.unwrap_or(READ);
    }
    listed.unwrap_or_else(|| {
        panic!(
            "{} is not in the role table: add it to WRITES",
            operation.name()
        )
    })
}

/// The kind of resource a DELETE removes: the collection before the last id.
fn deleted_kind(template: &str) -> &'static str {
    let segments: Vec<&str> = template.split('/').collect();
    let collection = segments[segments.len() - 2];
    tests::world::KINDS
        .iter()
        .find(|k| **k == collection)
        .copied()
        .unwrap_or_else(|| panic!("no kind for {template}"))
}

/// A request for `operation` at `path` with `token`: an invalid body (an unknown field) when
/// the operation takes one, so that a refused role shows the role is checked first.
async fn call_with_invalid_body(
    app: &TestApp,
    operation: &Operation,
    path: &str,
    token: &str,
) -> tests::Reply {
    let call = app.request(operation.method.clone(), path).token(token);
    if operation.body_schema().is_some() || operation.spec.get("requestBody").is_some() {
        call.json(json!({"zz_not_a_field": true})).send().await
    } else {
        call.send().await
    }
}

/// The TransitionRequest example of the document for `status`.
fn transition_body(world: &World, status: &str) -> Value {
    world.document()["paths"]["/api/v1/approval-requests/{id}/transitions"]["post"]["requestBody"]
        ["content"]["application/json"]["examples"][status]["value"]
        .clone()
}

/// A new request of `world`, moved by the world's ADMIN through `path` of statuses.
async fn request_at(app: &TestApp, world: &World, path: &[&str]) -> String {
    let id = world.create(app, "approval-requests").await;
    for status in path {
        let reply = app
            .transition(&world.token, &id, transition_body(world, status))
            .await;
        assert_eq!(reply.status, 200, "to {status}: {}", reply.body);
    }
    id
}

api_tests! {
    async fn every_operation_answers_each_role_as_the_role_table_says(app: TestApp) {
        let world = World::build(&app, "GH").await;
        let all = operations(world.document());
        // The table has no row for an operation that does not exist.
        for (method, template, _) in WRITES {
            assert!(all.iter().any(|o| o.method.as_str() == *method && o.template == *template), "{method} {template} is in the role table but not in the document");
        }
        for operation in &all {
            let roles = allowed(operation);
            for role in ROLES {
                let token = app.token_as(&world.tenant, &[role], "role-matrix");
                let path = if operation.method == Method::DELETE {
                    let kind = deleted_kind(&operation.template);
                    let fresh = world.create(&app, kind).await;
                    world.path_with(&operation.template, |k| if k == kind { fresh.clone() } else { world.ids[k].clone() })
                } else {
                    world.path(&operation.template)
                };
                let reply = call_with_invalid_body(&app, operation, &path, &token).await;
                let name = format!("{role} {}", operation.name());
                if !roles.contains(&role) {
                    assert_eq!(reply.status, 403, "{name}: {}", reply.body);
                    reply.problem(403, "forbidden");
                    continue;
                }
                let expected = match operation.method {
                    Method::GET => 200,
                    Method::DELETE => 204,
                    _ if operation.spec.get("requestBody").is_some() => 422,
                    _ => 200,
                };
                assert_eq!(reply.status, expected, "{name}: {}", reply.body);
                if expected == 422 {
                    assert_eq!(reply.body["errors"][0]["field"], "zz_not_a_field", "{name}: {}", reply.body);
                }
            }
        }
    }

    async fn transitions_and_edits_answer_each_role_by_status(app: TestApp) {
        let world = World::build(&app, "GH").await;
        // (statuses to reach, target, roles allowed), as the roles table says.
        let moves: &[(&[&str], &str, &[&str])] = &[
            (&[], "PENDING_SUBMISSION", TRANSITIONS),
            (&["PENDING_SUBMISSION"], "DRAFT", TRANSITIONS),
            // Any request of the tenant: the requests are created by another user.
            (&[], "CANCELLED", TRANSITIONS),
            (&["PENDING_SUBMISSION"], "CANCELLED", TRANSITIONS),
            (&["PENDING_SUBMISSION"], "SUBMITTED", COORDINATE),
            (&["PENDING_SUBMISSION", "SUBMITTED"], "UNDER_REVIEW", COORDINATE),
            (&["PENDING_SUBMISSION", "SUBMITTED"], "CANCELLED", COORDINATE),
            (&["PENDING_SUBMISSION", "SUBMITTED", "UNDER_REVIEW"], "APPROVED", COORDINATE),
            (&["PENDING_SUBMISSION", "SUBMITTED", "UNDER_REVIEW"], "DENIED", COORDINATE),
            (&["PENDING_SUBMISSION", "SUBMITTED", "UNDER_REVIEW", "DENIED"], "APPEAL_SUBMITTED", COORDINATE),
        ];
        for (path, target, roles) in moves {
            for role in ROLES {
                let id = request_at(&app, &world, path).await;
                let token = app.token_as(&world.tenant, &[role], "role-matrix");
                let reply = app.transition(&token, &id, transition_body(&world, target)).await;
                let name = format!("{role} {path:?} -> {target}");
                if roles.contains(&role) {
                    assert_eq!(reply.status, 200, "{name}: {}", reply.body);
                    assert_eq!(reply.body["status"], *target, "{name}");
                } else {
                    assert_eq!(reply.status, 403, "{name}: {}", reply.body);
                    reply.problem(403, "forbidden");
                }
            }
        }
        // Editing content: DRAFT by CLINICIAN and ADMIN; MORE_INFO_REQUIRED by COORDINATOR too.
        let edits: &[(&[&str], &[&str])] = &[
            (&[], CLINICAL),
            (&["PENDING_SUBMISSION"], CLINICAL),
            (&["PENDING_SUBMISSION", "SUBMITTED", "UNDER_REVIEW", "MORE_INFO_REQUIRED"], TRANSITIONS),
        ];
        for (path, roles) in edits {
            for role in ROLES {
                let id = request_at(&app, &world, path).await;
                let token = app.token_as(&world.tenant, &[role], "role-matrix");
                let reply = app.patch(&format!("/api/v1/approval-requests/{id}")).token(&token).json(json!({"service_description": "Edited by the role matrix"})).send().await;
                let name = format!("{role} edits after {path:?}");
                if roles.contains(&role) {
                    assert_eq!(reply.status, 200, "{name}: {}", reply.body);
                } else {
                    assert_eq!(reply.status, 403, "{name}: {}", reply.body);
                    reply.problem(403, "forbidden");
                }
            }
        }
    }

    async fn another_tenant_sees_and_changes_nothing_through_any_operation(app: TestApp) {
        let victim = World::build(&app, "GH").await;
        let attacker = World::build(&app, "SM").await;
        let before = victim.snapshot(&app).await;
        let document = victim.document().clone();
        for operation in operations(&document) {
            let name = operation.name();
            let schema = operation.body_schema();
            if operation.has_path_ids() {
                // This tenant's ids in the path: 404, whatever the method and body.
                let path = victim.path(&operation.template);
                let body = schema.as_deref().map(|s| victim.valid_body(s));
                let call = app.request(operation.method.clone(), &path).token(&attacker.token);
                let reply = match body {
                    Some(body) => call.json(body).send().await,
                    None => call.send().await,
                };
                assert_eq!(reply.status, 404, "{name}: {}", reply.body);
                reply.problem(404, "not_found");
                // The attacker's own resource with this tenant's ids in the body: 422 on them.
                if let Some(schema) = schema.as_deref() {
                    let references = reference_fields(&attacker, schema);
                    if !references.is_empty() {
                        let mut body = json!({});
                        for field in &references {
                            let kind = World::kind_of_reference(field).expect("a reference");
                            body[field] = json!(victim.ids[kind]);
                        }
                        let own = attacker.path(&operation.template);
                        let reply = app.request(operation.method.clone(), &own).token(&attacker.token).json(body).send().await;
                        assert_unknown_references(&reply, &references, &name);
                    }
                }
                continue;
            }
            match operation.method {
                Method::GET => {
                    let path = victim.path(&operation.template);
                    let reply = app.get(&path).token(&attacker.token).send().await;
                    assert_eq!(reply.status, 200, "{name}: {}", reply.body);
                    // Filters naming this tenant's rows find nothing.
                    let filters = uuid_filters(&operation, &victim);
                    if !filters.is_empty() {
                        let query: Vec<String> = filters.iter().map(|(k, v)| format!("{k}={v}")).collect();
                        let path = format!("{path}?{}", query.join("&"));
                        let reply = app.get(&path).token(&attacker.token).send().await;
                        assert_eq!(reply.status, 200, "{name}: {}", reply.body);
                        assert_eq!(reply.body["items"], json!([]), "{path}");
                        assert_eq!(reply.body["total"], 0, "{path}");
                        for (filter, value) in &filters {
                            let one = format!("{}?{filter}={value}", victim.path(&operation.template));
                            let reply = app.get(&one).token(&attacker.token).send().await;
                            assert_eq!(reply.body["items"], json!([]), "{one}");
                        }
                    }
                }
                _ => {
                    let path = attacker.path(&operation.template);
                    let Some(schema) = schema else {
                        // The expiry sweep: the caller's tenant only.
                        let reply = app.request(operation.method.clone(), &path).token(&attacker.token).send().await;
                        assert!(reply.status < 300, "{name}: {}", reply.body);
                        continue;
                    };
                    let references = reference_fields(&attacker, &schema);
                    let mut body = attacker.valid_body(&schema);
                    for field in &references {
                        let kind = World::kind_of_reference(field).expect("a reference");
                        body[field] = json!(victim.ids[kind]);
                    }
                    let reply = app.request(operation.method.clone(), &path).token(&attacker.token).json(body).send().await;
                    if references.is_empty() {
                        // Nothing of the other tenant named: it acts on the caller's own.
                        assert!(reply.status < 300, "{name}: {}", reply.body);
                    } else {
                        assert_unknown_references(&reply, &references, &name);
                    }
                }
            }
        }
        assert_eq!(victim.snapshot(&app).await, before, "the other tenant's calls changed nothing");
    }
}

/// The body fields of `schema` that name another resource by id.
fn reference_fields(world: &World, schema: &str) -> Vec<String> {
    let schema = world.schema(schema);
    let Some(properties) = schema["properties"].as_object() else {
        return Vec::new();
    };
    properties
        .iter()
        .filter(|(_, p)| p["format"] == "uuid")
        .map(|(name, _)| {
            assert!(
                World::kind_of_reference(name).is_some(),
                "{name} is a reference the matrix does not know: add it to World::kind_of_reference"
            );
            name.clone()
        })
        .collect()
}

fn assert_unknown_references(reply: &tests::Reply, references: &[String], name: &str) {
    assert_eq!(reply.status, 422, "{name}: {}", reply.body);
    let fields = reply.invalid_fields();
    assert!(!fields.is_empty(), "{name}");
    for field in fields {
        assert!(
            references.contains(&field),
            "{name}: {field} is not one of the references sent: {}",
            reply.body
        );
    }
}

/// The query parameters of `operation` that filter by another resource's id, with `world`'s.
fn uuid_filters(operation: &Operation, world: &World) -> Vec<(String, String)> {
    let Some(parameters) = operation.spec["parameters"].as_array() else {
        return Vec::new();
    };
    parameters
        .iter()
        .filter(|p| p["in"] == "query" && p["schema"]["format"] == "uuid")
        .map(|p| {
            let name = p["name"].as_str().expect("name").to_owned();
            let kind = World::kind_of_reference(&name)
                .unwrap_or_else(|| panic!("{name}: add it to World::kind_of_reference"));
            (name, world.ids[kind].clone())
        })
        .collect()
}

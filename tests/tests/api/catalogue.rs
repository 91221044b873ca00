//! The bad-input catalogue, derived from the OpenAPI document: for every operation that takes a
//! body, every property gets the wrong type, NUL, an unknown enum value, an impossible date, an
//! out-of-range number, a malformed UUID; bodies get unknown fields, lose required fields, grow
//! past the size limit, nest deeper than any parser should follow, and carry invalid UTF-8;
//! paths get malformed ids. Every answer is a problem document below 500, and afterwards the
//! tenant reads exactly as before.

use serde_json::{Value, json};
use tests::world::{Operation, World, operations};
use tests::{Reply, TestApp, api_tests};

/// The schema of `property`, following a `$ref` and the non-null branch of a nullable union.
fn resolve<'a>(world: &'a World, schema: &'a Value, holder: &'a mut Value) -> &'a Value {
    if let Some(name) = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        *holder = world.schema(name);
        return holder;
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(option) = schema[key]
            .as_array()
            .and_then(|options| options.iter().find(|o| o["type"] != "null"))
        {
            if let Some(name) = option["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
                *holder = world.schema(name);
                return holder;
            }
            return option;
        }
    }
    schema
}

fn types_of(schema: &Value) -> Vec<String> {
    match &schema["type"] {
        Value::String(t) => vec![t.clone()],
        Value::Array(ts) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// Values of a property that its schema forbids, each with what it tries.
fn bad_values(schema: &Value) -> Vec<(&'static str, Value)> {
    let types = types_of(schema);
    let mut out = Vec::new();
    if types.iter().any(|t| t == "string") {
        out.push(("wrong type", json!(12345)));
        out.push(("NUL", json!("a\u{0}b")));
        match schema["format"].as_str() {
            Some("uuid") => out.push(("malformed uuid", json!("not-a-uuid"))),
            Some("date") => out.push(("impossible date", json!("2025-02-30"))),
            Some("date-time") => out.push(("impossible instant", json!("2025-02-30T10:00:00Z"))),
            _ => {}
        }
        if schema.get("enum").is_some() {
            out.push(("unknown enum value", json!("NOT_A_VALUE")));
        }
    } else if schema.get("enum").is_some() {
        out.push(("unknown enum value", json!("NOT_A_VALUE")));
    }
    if types.iter().any(|t| t == "integer" || t == "number") {
        out.push(("wrong type", json!("seven")));
        if let Some(min) = schema["minimum"].as_f64() {
            out.push(("below minimum", json!(min - 1.0)));
        }
        if let Some(min) = schema["exclusiveMinimum"].as_f64() {
            out.push(("at exclusive minimum", json!(min)));
        }
        if let Some(max) = schema["maximum"].as_f64() {
            out.push(("above maximum", json!(max + 1.0)));
        }
        out.push(("huge", json!(1e300)));
    }
    if types.iter().any(|t| t == "boolean") {
        out.push(("wrong type", json!("yes")));
    }
    if types.iter().any(|t| t == "array") {
        out.push(("wrong type", json!("not-a-list")));
        out.push(("wrong item type", json!([{"nested": true}])));
    }
    out
}

/// Where the operation is called and the valid body its invalid variants start from.
fn target(world: &World, operation: &Operation, schema: &str) -> (String, Value) {
    let path = world.path(&operation.template);
    let body = if operation.template.ends_with("/transitions") {
        json!({"to_status": "PENDING_SUBMISSION"})
    } else if operation.method == actix_web::http::Method::PATCH {
        json!({})
    } else {
        let example = world.example(schema);
        if example.is_null() {
            json!({})
        } else {
            world.valid_body(schema)
        }
    };
    (path, body)
}

fn assert_refused(reply: &Reply, what: &str) {
    assert!(
        (400..500).contains(&reply.status),
        "{what}: {} {}",
        reply.status,
        reply.body
    );
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json"),
        "{what}: {}",
        reply.body
    );
    assert_eq!(reply.body["status"], reply.status, "{what}");
    assert!(reply.body["code"].is_string(), "{what}");
}

api_tests! {
    async fn every_body_refuses_every_kind_of_bad_input_and_changes_nothing(app: TestApp) {
        let world = World::build(&app, "GH").await;
        let before = world.snapshot(&app).await;
        let document = world.document().clone();
        let mut cases = 0;
        for operation in operations(&document) {
            let Some(schema_name) = operation.body_schema() else { continue };
            let schema = world.schema(&schema_name);
            let (path, valid) = target(&world, &operation, &schema_name);
            let name = operation.name();
            let send = |body: Value| app.request(operation.method.clone(), &path).token(&world.token).json(body).send();
            let properties = schema["properties"].as_object().cloned().unwrap_or_default();
            for (property, property_schema) in &properties {
                let mut holder = Value::Null;
                let resolved = resolve(&world, property_schema, &mut holder).clone();
                for (what, value) in bad_values(&resolved) {
                    let mut body = valid.clone();
                    body[property] = value;
                    let reply = send(body).await;
                    let case = format!("{name} {property}: {what}");
                    assert_refused(&reply, &case);
                    if reply.status == 422 {
                        let fields = reply.invalid_fields();
                        assert!(fields.iter().any(|f| f == property || f.starts_with(&format!("{property}[")) || f.starts_with(&format!("{property}."))), "{case}: {}", reply.body);
                    }
                    cases += 1;
                }
            }
            // An unknown field.
            let mut body = valid.clone();
            body["zz_unknown"] = json!(1);
            let reply = send(body).await;
            assert_refused(&reply, &format!("{name}: unknown field"));
            assert_eq!(reply.invalid_fields(), vec!["zz_unknown"], "{name}");
            // Each required field missing (a create's body; a patch requires nothing).
            for required in schema["required"].as_array().cloned().unwrap_or_default() {
                let required = required.as_str().expect("name");
                let mut body = valid.clone();
                if body.as_object_mut().expect("object").remove(required).is_none() {
                    continue;
                }
                let reply = send(body).await;
                assert_refused(&reply, &format!("{name}: without {required}"));
                cases += 1;
            }
            // Not an object, oversized, nested past any sane depth, invalid UTF-8.
            for (what, content) in [
                ("a list", b"[1, 2]".to_vec()),
                ("a string", b"\"text\"".to_vec()),
                ("oversized", format!("{{\"x\": \"{}\"}}", "x".repeat(300 * 1024)).into_bytes()),
                ("deeply nested", format!("{{\"x\": {}{}}}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes()),
                ("invalid UTF-8", b"{\"x\": \"\xff\xfe\"}".to_vec()),
                ("truncated", b"{\"x\": ".to_vec()),
            ] {
                let reply = app.request(operation.method.clone(), &path).token(&world.token).raw("application/json", content).send().await;
                assert_refused(&reply, &format!("{name}: {what}"));
                cases += 1;
            }
            cases += 1;
        }
        // Malformed ids in every path that takes one.
        for operation in operations(&document) {
            if !operation.has_path_ids() {
                continue;
            }
            let path = world.path_with(&operation.template, |_| "not-a-uuid".to_owned());
            let call = app.request(operation.method.clone(), &path).token(&world.token);
            let reply = if operation.spec.get("requestBody").is_some() { call.json(json!({})).send().await } else { call.send().await };
            assert_refused(&reply, &format!("{}: malformed id", operation.name()));
            assert_eq!(reply.body["code"], "invalid_path", "{}", operation.name());
            cases += 1;
        }
        assert!(cases > 500, "{cases} cases");
        assert_eq!(world.snapshot(&app).await, before, "no bad input changed anything");
    }
}

//! Every stored string has one declared maximum: the document publishes it (`maxLength` on the
//! string, `maxItems` on its list), the service enforces it (422 `length` naming the field) and
//! the column holds it (the PostgreSQL half writes every field at its maximum). Walked over
//! every request body of the document, so a string or list added later without a bound fails
//! here.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use actix_web::http::Method;
use serde_json::{Value, json};
use tests::world::{Operation, World, document, operations};
use tests::{TestApp, api_tests};

/// One step into a body: a property, or the first item of a list (and the component the items
/// are, when they are one).
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    First(Option<String>),
}

/// A bounded string of a request body.
#[derive(Debug, Clone)]
struct Bounded {
    path: Vec<Step>,
    max: usize,
    pattern: Option<String>,
    /// The component whose schema the string is (`DiagnosisCode`…), if any.
    component: Option<String>,
}

/// A field as a 422 names it: `name`, `procedure_codes[0]`, `tests[0].test_name`.
fn field_name(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(key) if out.is_empty() => out.push_str(key),
            Step::Key(key) => {
                out.push('.');
                out.push_str(key);
            }
            Step::First(_) => out.push_str("[0]"),
        }
    }
    out
}

impl Bounded {
    fn field(&self) -> String {
        field_name(&self.path)
    }

    /// The top-level property the string is in.
    fn property(&self) -> &str {
        match &self.path[0] {
            Step::Key(key) => key,
            Step::First(_) => panic!("a body is an object"),
        }
    }
}

/// The name of the schema of `operation`'s body (a `$ref`, or the `$ref` of an optional body).
fn body_schema(operation: &Operation) -> Option<String> {
    let content = operation.spec["requestBody"]["content"].as_object()?;
    let schema = &content.values().next()?["schema"];
    let reference = schema["$ref"].as_str().or_else(|| {
        schema["oneOf"]
            .as_array()?
            .iter()
            .find_map(|s| s["$ref"].as_str())
    });
    let name = reference
        .and_then(|r| r.rsplit('/').next())
        .map(str::to_owned);
    assert!(
        name.is_some(),
        "{}: the body is not a named schema",
        operation.name()
    );
    name
}

fn types(schema: &Value) -> Vec<&str> {
    match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

/// Collects the bounded strings of `schema` into `out`, and into `unbounded` every string
/// without `maxLength`, list without `maxItems` and value without a type.
fn walk(
    document: &Value,
    schema: &Value,
    component: Option<&str>,
    path: &mut Vec<Step>,
    out: &mut Vec<Bounded>,
    unbounded: &mut Vec<String>,
) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().expect("a schema name");
        let target = &document["components"]["schemas"][name];
        walk(document, target, Some(name), path, out, unbounded);
        return;
    }
    let mut composed = false;
    for key in ["oneOf", "anyOf", "allOf"] {
        for part in schema[key].as_array().into_iter().flatten() {
            composed = true;
            walk(document, part, component, path, out, unbounded);
        }
    }
    let types = types(schema);
    if types.is_empty() && !composed && schema.get("enum").is_none() {
        unbounded.push(format!("{} (no type)", field_name(path)));
    }
    if types.contains(&"string") && schema.get("enum").is_none() {
        let fixed = matches!(
            schema["format"].as_str(),
            Some("uuid" | "date" | "date-time")
        );
        match schema["maxLength"].as_u64() {
            Some(max) => out.push(Bounded {
                path: path.clone(),
                max: usize::try_from(max).expect("a small bound"),
                pattern: schema["pattern"].as_str().map(str::to_owned),
                component: component.map(str::to_owned),
            }),
            None if fixed => {}
            None => unbounded.push(format!("{} (string without maxLength)", field_name(path))),
        }
    }
    if types.contains(&"array") {
        if schema.get("maxItems").is_none() {
            unbounded.push(format!("{} (list without maxItems)", field_name(path)));
        }
        let items = &schema["items"];
        let item = items["$ref"]
            .as_str()
            .and_then(|r| r.rsplit('/').next())
            .map(str::to_owned);
        path.push(Step::First(item));
        walk(document, items, None, path, out, unbounded);
        path.pop();
    }
    if let Some(properties) = schema["properties"].as_object() {
        for (key, property) in properties {
            path.push(Step::Key(key.clone()));
            walk(document, property, None, path, out, unbounded);
            path.pop();
        }
    }
}

/// The bounded strings of the body schema `name`, and what is not bounded.
fn bounded_strings(document: &Value, name: &str) -> (Vec<Bounded>, Vec<String>) {
    let (mut out, mut unbounded) = (Vec::new(), Vec::new());
    let schema = &document["components"]["schemas"][name];
    assert!(schema.is_object(), "no schema {name}");
    walk(
        document,
        schema,
        Some(name),
        &mut Vec::new(),
        &mut out,
        &mut unbounded,
    );
    (out, unbounded)
}

/// `value` put at `path` of `body`; a list keeps only its first item (or gets one: the
/// example of the item's component, when the item is an object).
fn set(body: &mut Value, path: &[Step], value: Value, world: &World) {
    match path {
        [] => *body = value,
        [Step::Key(key), rest @ ..] => {
            if body.is_null() {
                *body = json!({});
            }
            let child = body
                .as_object_mut()
                .expect("an object")
                .entry(key.clone())
                .or_insert(Value::Null);
            set(child, rest, value, world);
        }
        [Step::First(item), rest @ ..] => {
            let mut first = body
                .as_array()
                .and_then(|items| items.first())
                .cloned()
                .or_else(|| item.as_deref().map(|name| world.example(name)))
                .unwrap_or(Value::Null);
            set(&mut first, rest, value, world);
            *body = json!([first]);
        }
    }
}

/// What a reply shows at `path`, if it shows it.
fn lookup<'a>(value: &'a Value, path: &[Step]) -> Option<&'a Value> {
    match path {
        [] => Some(value),
        [Step::Key(key), rest @ ..] => lookup(value.get(key)?, rest),
        [Step::First(_), rest @ ..] => lookup(value.as_array()?.first()?, rest),
    }
}

/// An NPI whose check digit is right (Luhn over `80840` and the 10 digits), unique by `n`.
fn npi(n: u32) -> String {
    let base = format!("{:09}", 100_000_000 + n);
    (0..10)
        .map(|check| format!("{base}{check}"))
        .find(|candidate| {
            let sum: u32 = format!("80840{candidate}")
                .bytes()
                .rev()
                .enumerate()
                .map(|(i, b)| {
                    let d = u32::from(b - b'0');
                    match (i % 2 == 1, d * 2) {
                        (true, doubled) if doubled > 9 => doubled - 9,
                        (true, doubled) => doubled,
                        (false, _) => d,
                    }
                })
                .sum();
            sum.is_multiple_of(10)
        })
        .expect("one check digit fits")
}

/// The longest NDC form (5-4-2, 13 characters), unique by `n`.
fn ndc(n: u32) -> String {
    format!("{:05}-{:04}-{:02}", 10_000 + n, n % 10_000, n % 100)
}

/// Makes the values: each one unique, so that unique fields (MRN, NDC, NPI, template name)
/// take them too.
struct Values {
    serial: Cell<u32>,
}

impl Values {
    fn next(&self) -> u32 {
        self.serial.set(self.serial.get() + 1);
        self.serial.get()
    }

    /// A valid value of exactly `bounded.max` characters, or `None` when the field has none.
    fn longest(&self, schema: &str, bounded: &Bounded) -> Option<String> {
        let n = self.next();
        let value = match (bounded.pattern.as_deref(), bounded.component.as_deref()) {
            (Some(r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$"), _) => "S72.001A".to_owned(),
            (Some("^([0-9]{4}[0-9A-Z]|[A-V][0-9]{4})$"), _) => "J1745".to_owned(),
            (Some(pattern), _) if pattern.starts_with("^([0-9]{10,11}|") => ndc(n),
            (Some("^[0-9]{10}$"), _) => npi(n),
            (Some("^[0-9a-f]{64}$"), _) => "0123456789abcdef".repeat(4),
            (Some(pattern), _) => panic!(
                "{schema}.{}: no value for the pattern {pattern}: add one",
                bounded.field()
            ),
            // A CPT/HCPCS code or, for PHARMACY, an NDC: the longest is an NDC.
            (None, Some("ProcedureOrNdcCode")) => ndc(n),
            // No IANA time zone is as long as the column; the bound is tested from above only.
            (None, _) if schema == "UpdateTenant" && bounded.field() == "time_zone" => {
                return None;
            }
            // Free text: two bytes a character in UTF-8, so the bound is in characters.
            (None, _) => {
                let prefix = n.to_string();
                format!("{prefix}{}", "é".repeat(bounded.max - prefix.len()))
            }
        };
        assert_eq!(
            value.chars().count(),
            bounded.max,
            "{schema}.{}: the longest value",
            bounded.field()
        );
        Some(value)
    }

    /// A value one character longer than the bound.
    fn too_long(&self, schema: &str, bounded: &Bounded) -> String {
        let value = match self.longest(schema, bounded) {
            Some(longest) => format!("{longest}1"),
            None => "é".repeat(bounded.max + 1),
        };
        assert_eq!(value.chars().count(), bounded.max + 1);
        value
    }
}

/// What else a body needs for `bounded` to be accepted at its maximum.
fn context(schema: &str, bounded: &Bounded) -> Value {
    let mut extra = json!({});
    // NDC numbers are procedure codes of PHARMACY requests and templates.
    if bounded.component.as_deref() == Some("ProcedureOrNdcCode") && schema != "CreateFromOrder" {
        extra["request_type"] = json!("PHARMACY");
    }
    // A recorded prior authorization has its number and its expiry.
    if bounded.property() == "prior_authorization_number" {
        extra["prior_authorization_expiry"] = json!("2027-05-31");
    }
    extra
}

/// The TransitionRequest examples of the document, in order: (target status, body).
fn transition_examples(document: &Value) -> Vec<(String, Value)> {
    document["paths"]["/api/v1/approval-requests/{id}/transitions"]["post"]["requestBody"]
        ["content"]["application/json"]["examples"]
        .as_object()
        .expect("transition examples")
        .iter()
        .map(|(status, example)| (status.clone(), example["value"].clone()))
        .collect()
}

/// The moves that bring a new (DRAFT) request to where a move to `target` is allowed, for the
/// targets reached most simply.
fn route_to(target: &str) -> Option<&'static [&'static str]> {
    const SUBMITTED: &[&str] = &["PENDING_SUBMISSION", "SUBMITTED"];
    Some(match target {
        "PENDING_SUBMISSION" | "CANCELLED" => &[],
        "DRAFT" | "SUBMITTED" => &["PENDING_SUBMISSION"],
        "UNDER_REVIEW" | "MORE_INFO_REQUIRED" | "APPROVED" | "PARTIALLY_APPROVED" | "DENIED" => {
            SUBMITTED
        }
        _ => return None,
    })
}

/// A request of `world` moved along `route` with the document's examples.
async fn request_at(app: &TestApp, world: &World, route: &[&str]) -> String {
    let examples: BTreeMap<String, Value> =
        transition_examples(world.document()).into_iter().collect();
    let id = world.create(app, "approval-requests").await;
    for status in route {
        let reply = app
            .transition(&world.token, &id, examples[*status].clone())
            .await;
        assert_eq!(reply.status, 200, "to {status}: {}", reply.body);
    }
    id
}

/// `template` with a fresh resource for each id (a POST under it then meets no earlier one).
async fn fresh_path(app: &TestApp, world: &World, template: &str) -> String {
    let kinds = RefCell::new(Vec::new());
    world.path_with(template, |kind| {
        kinds.borrow_mut().push(kind.to_owned());
        String::new()
    });
    let mut ids = BTreeMap::new();
    for kind in kinds.into_inner() {
        let id = world.create(app, &kind).await;
        ids.insert(kind, id);
    }
    world.path_with(template, |kind| ids[kind].clone())
}

/// The request `operation` makes with `bounded` set to `value`: a valid body around it (the
/// world's example for a POST, the field alone for a PATCH, a move that takes the field for a
/// transition).
async fn send(
    app: &TestApp,
    world: &World,
    operation: &Operation,
    schema: &str,
    bounded: &Bounded,
    value: &str,
) -> tests::Reply {
    let (path, mut body) = if schema == "TransitionRequest" {
        // The document's example of the most easily reached move that takes the field.
        let (route, example) = transition_examples(world.document())
            .into_iter()
            .filter(|(_, example)| example.get(bounded.property()).is_some())
            .filter_map(|(target, example)| Some((route_to(&target)?, example)))
            .min_by_key(|(route, _)| route.len())
            .unwrap_or_else(|| panic!("no transition example gives {}", bounded.field()));
        let id = request_at(app, world, route).await;
        (
            world.path_with(&operation.template, |_| id.clone()),
            example,
        )
    } else if operation.method == Method::PATCH {
        (world.path(&operation.template), json!({}))
    } else {
        (
            fresh_path(app, world, &operation.template).await,
            world.valid_body(schema),
        )
    };
    for (key, extra) in context(schema, bounded).as_object().expect("an object") {
        body[key] = extra.clone();
    }
    set(&mut body, &bounded.path, json!(value), world);
    app.request(operation.method.clone(), &path)
        .token(&world.token)
        .json(body)
        .send()
        .await
}

/// Every operation with a body, with its schema's bounded strings.
fn bounded_operations(document: &Value) -> Vec<(Operation, String, Vec<Bounded>)> {
    let mut out = Vec::new();
    for operation in operations(document) {
        if operation.spec.get("requestBody").is_none() {
            continue;
        }
        let schema = body_schema(&operation).expect("a body schema");
        let (bounded, unbounded) = bounded_strings(document, &schema);
        assert!(
            unbounded.is_empty(),
            "{} ({schema}): {unbounded:?}",
            operation.name()
        );
        out.push((operation, schema, bounded));
    }
    out
}

#[test]
fn every_string_and_list_of_every_request_body_is_bounded() {
    let document = document();
    let all = bounded_operations(&document);
    // Every body was walked, and holds the strings the service stores.
    let fields: usize = all.iter().map(|(_, _, bounded)| bounded.len()).sum();
    assert!(all.len() >= 25, "{} operations with a body", all.len());
    assert!(fields >= 100, "{fields} bounded strings");
    // A list of codes publishes its items' bound and pattern.
    let (bounded, _) = bounded_strings(&document, "UpdateSurgicalCase");
    let diagnosis = bounded
        .iter()
        .find(|b| b.field() == "diagnosis_codes[0]")
        .expect("diagnosis codes");
    assert_eq!(diagnosis.max, 8);
    assert!(diagnosis.pattern.is_some());
}

api_tests! {
    async fn every_string_is_accepted_at_its_maximum_and_refused_above_it(app: TestApp) {
        let world = World::build(&app, "GH").await;
        let values = Values { serial: Cell::new(0) };
        let document = world.document().clone();
        let mut cases = 0;
        for (operation, schema, bounded) in bounded_operations(&document) {
            for field in &bounded {
                let name = format!("{} {schema}.{}", operation.name(), field.field());
                // Orders other than a prescription take CPT/HCPCS codes only (5 characters):
                // the NDC bound of their procedure codes is tested from above only.
                let ndc_refused = schema == "CreateFromOrder"
                    && field.component.as_deref() == Some("ProcedureOrNdcCode")
                    && !operation.template.starts_with("/api/v1/prescriptions/");
                let longest = values.longest(&schema, field).filter(|_| !ndc_refused);
                if let Some(value) = longest {
                    let reply = send(&app, &world, &operation, &schema, field, &value).await;
                    assert!(reply.status < 300, "{name} at its maximum ({} characters): {}", field.max, reply.body);
                    if let Some(shown) = lookup(&reply.body, &field.path) {
                        assert_eq!(shown, &json!(value), "{name} is kept whole");
                    }
                    cases += 1;
                }
                let value = values.too_long(&schema, field);
                let reply = send(&app, &world, &operation, &schema, field, &value).await;
                assert_eq!(reply.status, 422, "{name} above its maximum: {}", reply.body);
                reply.problem(422, "validation_failed");
                let named = reply.body["errors"].as_array().expect("errors").iter().any(|error| {
                    error["field"] == field.field() && error["code"] == "length"
                });
                assert!(named, "{name} above its maximum names the field with `length`: {}", reply.body);
                cases += 1;
            }
        }
        assert!(cases >= 200, "{cases} cases");
    }
}

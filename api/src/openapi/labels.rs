//! The labels of the enums (see [`Labelled`]), published three ways: a `VALUE: label` list in
//! the enum's description for people, `x-enum-descriptions` (a list beside `enum`, read by
//! OpenAPI Generator) and `x-enumDescriptions` (a map, read by Redoc). Also `OrderStatus`, the
//! statuses of every order kind at once (the work queue's `order_status`), and the examples
//! that read best in an order of their own.

use serde_json::{Map, Value, json};
use strum::IntoEnumIterator;
use utoipa::ToSchema;

use super::at;
use crate::domain::approval::fields::OrderApprovalStatus;
use crate::domain::approval::values::{ApprovalStatus, RequestPriority, RequestType};
use crate::domain::labels::Labelled;
use crate::domain::orders::OrderKind;
use crate::domain::orders::lifecycle::{
    PrescriptionStatus, ServiceOrderStatus, SurgicalCaseStatus,
};
use crate::http::approval_requests::transitions::TRANSITION_EXAMPLES;
use crate::http::insurance::CoveragePriority;
use crate::http::medications::FormularyStatus;
use crate::http::orders::imaging::Modality;
use crate::http::orders::lab::LabPriority;
use crate::http::providers::ProviderRole;
use crate::http::work_queue::Urgency;

/// The schema of any order kind's status.
pub const ORDER_STATUS: &str = "OrderStatus";

pub fn add(document: &mut Value) {
    let schemas = &mut document["components"]["schemas"];
    label::<ApprovalStatus>(schemas);
    label::<OrderApprovalStatus>(schemas);
    label::<ServiceOrderStatus>(schemas);
    label::<PrescriptionStatus>(schemas);
    label::<SurgicalCaseStatus>(schemas);
    label::<RequestType>(schemas);
    label::<RequestPriority>(schemas);
    label::<LabPriority>(schemas);
    label::<CoveragePriority>(schemas);
    label::<ProviderRole>(schemas);
    label::<OrderKind>(schemas);
    label::<FormularyStatus>(schemas);
    label::<Modality>(schemas);
    label::<Urgency>(schemas);
    order_status(schemas);
    examples_in_order(document);
}

/// Labels the schema of `T`.
fn label<T: Labelled + ToSchema>(schemas: &mut Value) {
    if let Some(schema) = schemas.get_mut(T::name().as_ref()) {
        publish(schema, &T::labels());
    }
}

/// Adds `labels` to an enum schema whose values they are (an enum of other values is left
/// alone: a test finds it).
fn publish(schema: &mut Value, labels: &[(String, &'static str)]) {
    let values: Vec<&str> = labels.iter().map(|(value, _)| value.as_str()).collect();
    let declared: Vec<&str> = schema["enum"]
        .as_array()
        .map(|values| values.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if declared != values {
        return;
    }
    let list: Vec<String> = labels
        .iter()
        .map(|(value, label)| format!("- `{value}`: {label}"))
        .collect();
    let description = schema["description"].as_str().unwrap_or_default();
    let description = format!("{description}\n\n{}", list.join("\n"));
    schema["description"] = json!(description.trim_start());
    schema["x-enum-descriptions"] = json!(labels.iter().map(|(_, l)| l).collect::<Vec<_>>());
    schema["x-enumDescriptions"] = Value::Object(
        labels
            .iter()
            .map(|(value, label)| (value.clone(), json!(label)))
            .collect::<Map<String, Value>>(),
    );
}

/// `OrderStatus`: every status of any order kind, each once, in the kinds' order.
fn order_status(schemas: &mut Value) {
    let mut labels: Vec<(String, &'static str)> = Vec::new();
    let all = ServiceOrderStatus::labels()
        .into_iter()
        .chain(PrescriptionStatus::labels())
        .chain(SurgicalCaseStatus::labels());
    for (value, label) in all {
        if !labels.iter().any(|(seen, _)| *seen == value) {
            labels.push((value, label));
        }
    }
    let values: Vec<&str> = labels.iter().map(|(value, _)| value.as_str()).collect();
    schemas[ORDER_STATUS] = json!({
        "type": "string",
        "description": format!(
            "The status of an order of any kind: `{}` for lab and imaging orders, `{}` for \
    prescriptions, `{}` for surgical cases.",
            ServiceOrderStatus::name(),
            PrescriptionStatus::name(),
            SurgicalCaseStatus::name()
        ),
        "enum": values,
    });
    publish(&mut schemas[ORDER_STATUS], &labels);
}

/// Examples whose order is the story they tell rather than their names': the transitions in
/// workflow order, the lab orders in the order of `approval_status`'s values.
fn examples_in_order(document: &mut Value) {
    let transitions = TRANSITION_EXAMPLES.map(|status| status.as_ref().to_owned());
    let examples = ["requestBody", "content", "application/json", "examples"];
    let path = [
        "paths",
        "/api/v1/approval-requests/{id}/transitions",
        "post",
    ];
    reorder(
        at(document, &[&path[..], &examples[..]].concat()),
        &transitions,
    );
    let statuses: Vec<String> = OrderApprovalStatus::iter()
        .map(|status| status.as_ref().to_owned())
        .collect();
    let path = [
        "paths",
        "/api/v1/lab-orders/{id}",
        "get",
        "responses",
        "200",
    ];
    reorder(
        at(document, &[&path[..], &examples[1..]].concat()),
        &statuses,
    );
}

/// `object`'s keys in `order` (keys it does not name keep their place after them).
fn reorder(object: Option<&mut Value>, order: &[String]) {
    let Some(map) = object.and_then(Value::as_object_mut) else {
        return;
    };
    let mut rest = std::mem::take(map);
    for key in order {
        if let Some(value) = rest.shift_remove(key) {
            map.insert(key.clone(), value);
        }
    }
    map.extend(rest);
}

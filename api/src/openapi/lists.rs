//! The lists of the document: what each one sorts on (an enum of its keys, each also with a
//! leading `-`, and its default), the largest `offset`, the status enum of the filters whose
//! statuses depend on the order kind, and page schemas that refer to their item's schema.

use serde_json::{Value, json};
use utoipa::ToSchema;

use super::labels::ORDER_STATUS;
use super::{for_each_operation, reference};
use crate::http::orders::imaging::ImagingOrders;
use crate::http::orders::lab::LabOrders;
use crate::http::orders::prescriptions::Prescriptions;
use crate::http::orders::surgical::SurgicalCases;
use crate::http::orders::{self, OrderResource};
use crate::http::{
    approval_companions, approval_requests, approval_templates, audit_events, insurance,
    medications, order_approvals, patients, providers,
};
use crate::request::list::{DEFAULT_SORT, MAX_OFFSET};

/// What one list sorts on.
struct Sorting {
    operation_id: &'static str,
    /// The keys, ascending (`-key` sorts descending), as the handler's `400` names them.
    keys: Vec<&'static str>,
    /// The order when the request names none.
    default: &'static str,
}

fn sorting(operation_id: &'static str, keys: Vec<&'static str>, default: &'static str) -> Sorting {
    Sorting {
        operation_id,
        keys,
        default,
    }
}

/// The names of a handler's sort fields.
fn names<C>(fields: &[(&'static str, C)]) -> Vec<&'static str> {
    fields.iter().map(|(name, _)| *name).collect()
}

/// Every list of the API, by operationId, with what it sorts on: the one place that pairs the
/// document's lists with the fields their handlers sort on (a test asks the server each key).
fn sortings() -> Vec<Sorting> {
    use approval_requests::transitions;
    let by_order = names(order_approvals::SORT_FIELDS);
    vec![
        sorting(
            "list_providers",
            names(providers::SORT_FIELDS),
            DEFAULT_SORT,
        ),
        sorting("list_patients", names(patients::SORT_FIELDS), DEFAULT_SORT),
        sorting(
            "list_insurance",
            names(insurance::SORT_FIELDS),
            DEFAULT_SORT,
        ),
        sorting(
            "list_medications",
            names(medications::SORT_FIELDS),
            DEFAULT_SORT,
        ),
        sorting(
            "list_lab_orders",
            orders::sort_keys::<LabOrders>(),
            DEFAULT_SORT,
        ),
        sorting(
            "list_imaging_orders",
            orders::sort_keys::<ImagingOrders>(),
            DEFAULT_SORT,
        ),
        sorting(
            "list_prescriptions",
            orders::sort_keys::<Prescriptions>(),
            DEFAULT_SORT,
        ),
        sorting(
            "list_surgical_cases",
            orders::sort_keys::<SurgicalCases>(),
            DEFAULT_SORT,
        ),
        sorting(
            "list_approval_requests",
            names(approval_requests::SORT_FIELDS),
            DEFAULT_SORT,
        ),
        sorting(
            "list_approval_history",
            names(transitions::HISTORY_SORT_FIELDS),
            transitions::HISTORY_DEFAULT_SORT,
        ),
        sorting(
            "list_lab_order_approval_requests",
            by_order.clone(),
            DEFAULT_SORT,
        ),
        sorting(
            "list_imaging_order_approval_requests",
            by_order.clone(),
            DEFAULT_SORT,
        ),
        sorting(
            "list_prescription_approval_requests",
            by_order.clone(),
            DEFAULT_SORT,
        ),
        sorting(
            "list_surgical_case_approval_requests",
            by_order,
            DEFAULT_SORT,
        ),
        sorting(
            "list_approval_communications",
            names(approval_companions::COMMUNICATION_SORT_FIELDS),
            DEFAULT_SORT,
        ),
        sorting(
            "list_approval_documents",
            names(approval_companions::DOCUMENT_SORT_FIELDS),
            DEFAULT_SORT,
        ),
        sorting(
            "list_approval_templates",
            names(approval_templates::SORT_FIELDS),
            DEFAULT_SORT,
        ),
        sorting(
            "list_audit_events",
            names(audit_events::SORT_FIELDS),
            audit_events::DEFAULT_SORT,
        ),
    ]
}

/// The status enum of an order kind.
fn status_of<R: OrderResource>() -> String
where
    R::Status: ToSchema,
{
    <R::Status as ToSchema>::name().into_owned()
}

/// The filters whose items are an enum the handler's type cannot name: (operationId, parameter,
/// schema).
fn enum_filters() -> Vec<(&'static str, &'static str, String)> {
    vec![
        ("list_lab_orders", "status", status_of::<LabOrders>()),
        (
            "list_imaging_orders",
            "status",
            status_of::<ImagingOrders>(),
        ),
        ("list_prescriptions", "status", status_of::<Prescriptions>()),
        (
            "list_surgical_cases",
            "status",
            status_of::<SurgicalCases>(),
        ),
        ("get_work_queue", "order_status", ORDER_STATUS.to_owned()),
    ]
}

pub fn add(document: &mut Value) {
    let sortings = sortings();
    let filters = enum_filters();
    for_each_operation(document, |_, _, operation| {
        let id = operation["operationId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let sorting = sortings.iter().find(|s| s.operation_id == id);
        let parameters = operation
            .get_mut("parameters")
            .and_then(Value::as_array_mut);
        for parameter in parameters.into_iter().flatten() {
            if parameter["in"] != "query" {
                continue;
            }
            let name = parameter["name"].as_str().unwrap_or_default().to_owned();
            if name == "offset" {
                parameter["schema"]["maximum"] = json!(MAX_OFFSET);
            }
            if name == "sort"
                && let Some(sorting) = sorting
            {
                sort(parameter, sorting);
            }
            if let Some((_, _, schema)) = filters.iter().find(|f| f.0 == id && f.1 == name) {
                parameter["schema"]["items"] = reference("schemas", schema);
            }
        }
    });
    page_items(document);
}

/// The `sort` parameter of a list: its keys, ascending and descending, and its default.
fn sort(parameter: &mut Value, sorting: &Sorting) {
    let keys: Vec<String> = sorting
        .keys
        .iter()
        .flat_map(|key| [(*key).to_owned(), format!("-{key}")])
        .collect();
    let description = parameter["description"].as_str().unwrap_or_default();
    parameter["description"] = json!(format!("{description} Without it, `{}`.", sorting.default));
    parameter["schema"] = json!({"type": "string", "enum": keys, "default": sorting.default});
    parameter["example"] = json!(sorting.default);
}

/// `Page_X`'s items refer to the schema `X` rather than repeating it (utoipa inlines a generic
/// argument).
fn page_items(document: &mut Value) {
    let Some(schemas) = document["components"]["schemas"].as_object_mut() else {
        return;
    };
    let pages: Vec<(String, String)> = schemas
        .keys()
        .filter_map(|name| {
            let item = name.strip_prefix("Page_")?;
            schemas
                .contains_key(item)
                .then(|| (name.clone(), item.to_owned()))
        })
        .collect();
    for (page, item) in pages {
        let inline = &schemas[&page]["properties"]["items"]["items"];
        // Only the same schema is replaced by a reference to it.
        if inline.get("$ref").is_none() && *inline == schemas[&item] {
            schemas[&page]["properties"]["items"]["items"] = reference("schemas", &item);
        }
    }
}

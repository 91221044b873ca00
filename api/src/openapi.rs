//! The OpenAPI document's frame: info, tags, the bearer security scheme and the reusable problem
//! responses. The paths come from the handlers themselves (utoipa-actix-web collects every
//! `.service(handler)`), so the document cannot drift from the router. [`finish`] then adds
//! what the handlers' attributes cannot say: the headers every answer carries, each list's sort
//! keys, the links between operations, the labels of the enums.

mod labels;
mod links;
mod lists;
mod responses;

use serde_json::{Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::base::error::{FieldError, ProblemCode};
use crate::http::problems::*;
use crate::request::problem::Problem;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Insurance approvals API",
        description = "Payer prior approval for hospital lab orders, imaging orders, prescriptions \
and surgical cases.\n\nAuthenticate with a bearer JWT (`approvals token --tenant CODE --role ADMIN` \
mints one for local use) through the **Authorize** button. Errors are `application/problem+json` \
with a stable `code`; lists are `{items, total, limit, offset}`; every resource answers with an \
`ETag` that `PATCH` and `DELETE` accept in `If-Match`; every answer carries an `X-Request-Id`.",
        contact(name = "The insurance approvals service's maintainers")
    ),
    servers((url = "/", description = "This server: the host that serves this document")),
    modifiers(&BearerAuth),
    security(("bearer_auth" = [])),
    components(
        schemas(Problem, FieldError, ProblemCode),
        responses(
            BadRequestProblem,
            UnauthorizedProblem,
            ForbiddenProblem,
            NotFoundProblem,
            ConflictProblem,
            PreconditionFailedProblem,
            PayloadTooLargeProblem,
            UnsupportedMediaTypeProblem,
            ValidationProblem,
            UnavailableProblem
        )
    ),
    tags(
        (name = "documentation", description = "The way to this documentation: `/` and `/swagger-ui` lead to the Swagger UI."),
        (name = "health", description = "Liveness and readiness probes, and metrics for Prometheus."),
        (name = "tenant", description = "The caller's tenant and its settings."),
        (name = "providers", description = "Clinicians and staff who order, prescribe, operate and request approvals."),
        (name = "patients", description = "Patients of the tenant."),
        (name = "insurance", description = "A patient's insurance coverages (stored as `insurance_info`)."),
        (name = "medications", description = "The tenant's formulary."),
        (name = "lab-orders", description = "Laboratory orders and their tests."),
        (name = "imaging-orders", description = "Imaging (radiology) orders."),
        (name = "prescriptions", description = "Prescriptions of formulary medications."),
        (name = "surgical-cases", description = "Surgical cases (operating theatre bookings)."),
        (name = "approval-requests", description = "Payer prior-approval requests, their transitions and history."),
        (name = "approval-companions", description = "The communication log and supporting documents of a request."),
        (name = "approval-templates", description = "Reusable starting points for requests."),
        (name = "work-queue", description = "Orders waiting for approval work, most urgent first."),
        (name = "reports", description = "Approval metrics (CMS-0057-F figures, seen from the provider's side)."),
        (name = "audit", description = "The audit trail: who changed what, when, from what to what (ADMIN, read-only).")
    )
)]
struct ApiDoc;

/// The document's frame, before the handlers' paths are added.
pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The whole document, exactly as `/api-docs/openapi.json` serves it.
pub fn document() -> Value {
    finish(
        actix_web::App::new()
            .into_utoipa_app()
            .openapi(base())
            .configure(crate::http::configure)
            .split_for_parts()
            .1,
    )
}

/// What is added once the handlers' paths are in: the `Idempotency-Key` header on every write,
/// an example lab order for every value of `approval_status`, then, on the document as JSON
/// (whose objects keep their order, which utoipa's sorted maps would not): the answers'
/// headers and the 503 of every API operation, each list's sort keys and enum filters, page
/// schemas that refer to their item, the enums' labels, the links between operations, and the
/// transition examples in workflow order.
pub fn finish(mut document: utoipa::openapi::OpenApi) -> Value {
    idempotency_keys(&mut document);
    if_match_headers(&mut document);
    lab_order_examples(&mut document);
    let mut document =
        serde_json::to_value(&document).unwrap_or_else(|error| json!({"error": error.to_string()}));
    responses::add(&mut document);
    lists::add(&mut document);
    labels::add(&mut document);
    links::add(&mut document);
    document
}

/// The methods an operation may have, in the order a path item lists them.
const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

/// Calls `each(path, method, operation)` for every operation of `document`.
fn for_each_operation(document: &mut Value, mut each: impl FnMut(&str, &str, &mut Value)) {
    let Some(paths) = document["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        for method in METHODS {
            if let Some(operation) = item.get_mut(method) {
                each(path, method, operation);
            }
        }
    }
}

/// The value at `keys` under `value`, if there is one.
fn at<'a>(value: &'a mut Value, keys: &[&str]) -> Option<&'a mut Value> {
    keys.iter()
        .try_fold(value, |value, key| value.get_mut(*key))
}

/// `{"$ref": "#/components/{kind}/{name}"}`.
fn reference(kind: &str, name: &str) -> Value {
    json!({ "$ref": format!("#/components/{kind}/{name}") })
}

/// `Idempotency-Key` on every POST, PATCH and DELETE of the API, with the answers it adds.
fn idempotency_keys(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{Ref, Required};
    for (path, item) in document.paths.paths.iter_mut() {
        if !path.starts_with("/api/") {
            continue;
        }
        for operation in [&mut item.post, &mut item.patch, &mut item.delete]
            .into_iter()
            .flatten()
        {
            let parameter = ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "Makes a retry safe: the same key and request within 24 hours answers the \
first answer again (with `Idempotent-Replayed: true`) instead of acting twice. Scoped to your \
tenant, user, method and path. The same key with another request answers 422; while the first \
request still runs, 409 `idempotency_key_in_use` with `Retry-After`. Any 1 to 255 printable ASCII \
characters; a new UUID per logical request is the usual choice.",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .max_length(Some(255))
                        .pattern(Some("^[\\x21-\\x7E]+$")),
                ))
                .example(Some(json!("5f0c6a58-8f5e-4a51-9d1e-3c1b1e0f2a77")))
                .build();
            operation
                .parameters
                .get_or_insert_with(Vec::new)
                .push(parameter);
            for (status, response) in [
                ("400", "BadRequestProblem"),
                ("409", "ConflictProblem"),
                ("422", "ValidationProblem"),
            ] {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name(response)));
            }
        }
    }
}

/// `If-Match` as what it is: `*` or entity tags as `ETag` gives them (a malformed value is 400).
fn if_match_headers(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    for item in document.paths.paths.values_mut() {
        for operation in [&mut item.patch, &mut item.delete, &mut item.post]
            .into_iter()
            .flatten()
        {
            for parameter in operation.parameters.iter_mut().flatten() {
                if parameter.name != "If-Match" {
                    continue;
                }
                parameter.schema = Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some(IF_MATCH_PATTERN))
                        .examples([json!("\"3\"")])
                        .into(),
                );
                parameter.description = Some(
                    "The `ETag` of the version you read, quotes included (`\"3\"`; `W/\"3\"` \
and lists are accepted; `*` means any version). When the resource has changed since, 412 \
`precondition_failed`; a value that is not an entity tag, 400 `invalid_if_match`. Without it the \
write applies to whatever version is current."
                        .to_owned(),
                );
            }
        }
    }
}

/// `*`, or one or more entity tags (RFC 9110, section 8.8.3), comma-separated, in the ASCII
/// the RFC allows (spaces and tabs around the commas, visible characters but `"` inside).
const IF_MATCH_PATTERN: &str = r#"^[ \t]*(\*|(W/)?"[!#-~]*"([ \t]*,[ \t]*(W/)?"[!#-~]*")*)[ \t]*$"#;

/// An example lab order for every value of `approval_status`, on `GET /api/v1/lab-orders/{id}`.
fn lab_order_examples(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::example::ExampleBuilder;
    let Some(operation) = document
        .paths
        .paths
        .get_mut("/api/v1/lab-orders/{id}")
        .and_then(|item| item.get.as_mut())
    else {
        return;
    };
    let Some(RefOr::T(response)) = operation.responses.responses.get_mut("200") else {
        return;
    };
    let Some(content) = response.content.get_mut("application/json") else {
        return;
    };
    use strum::IntoEnumIterator;
    for status in crate::domain::approval::fields::OrderApprovalStatus::iter() {
        let status: &str = status.as_ref();
        let valid = matches!(status, "APPROVED" | "PARTIALLY_APPROVED");
        let requires = !crate::domain::approval::order_state::NOT_REQUIRING.contains(&status);
        let active = valid.then(|| {
            json!({
                "id": "0193a4d2-e290-7e99-9b0a-9d0e1f2a3b40", "approval_number": "APR-GH-000001",
                "authorization_number": "AUTH-99812", "status": status, "effective_date": "2026-11-25",
                "expiration_date": "2027-02-28", "approved_quantity": if status == "APPROVED" { 2 } else { 1 },
                "source": "REQUEST"
            })
        });
        let order = json!({
            "id": "0193a4d2-ae50-7a55-9d6c-5f6a7b8c9d00", "order_number": "LAB-GH-000001",
            "patient_id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70",
            "patient": {"id": "0193a4d2-7b20-7d22-9a3f-2c3d4e5f6a70", "mrn": "MRN-000123", "name": "Maria Lopez"},
            "ordering_provider_id": "0193a4d2-6a10-7c11-8f2e-1b2c3d4e5f60",
            "tests": [{"test_name": "Hemoglobin A1c", "cpt_code": "83036"}, {"test_name": "Lipid panel", "cpt_code": "80061"}],
            "diagnosis_code": "E11.9", "clinical_indication": "Type 2 diabetes follow-up",
            "collection_datetime": "2026-11-26T08:00:00Z", "priority": "ROUTINE",
            "status": if status == "NOT_REQUIRED" { "CANCELLED" } else { "PENDING" },
            "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-25T09:30:00Z", "version": 1,
            "requires_approval": requires, "has_valid_approval": valid, "approval_status": status,
            "active_approval": active
        });
        content.examples.insert(
            status.to_owned(),
            RefOr::T(
                ExampleBuilder::new()
                    .summary(format!("A lab order whose approval_status is {status}"))
                    .value(Some(order))
                    .build(),
            ),
        );
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer_auth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT with claims sub, tenant_id, roles, exp, iat, iss, aud.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document as committed in `openapi/openapi.json`: pretty JSON with a final newline.
pub fn render() -> String {
    let mut text = serde_json::to_string_pretty(&document())
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"));
    text.push('\n');
    text
}

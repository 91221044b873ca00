//! One tenant holding one of every resource, built from the OpenAPI document's own examples,
//! and the document's operations with their paths resolved to that tenant's ids: what the
//! matrices (roles, isolation, bad input) walk, so an operation added later is covered without
//! anyone remembering.

use std::cell::Cell;
use std::collections::BTreeMap;

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::{Reply, Tenant, TestApp};

/// One operation of the OpenAPI document.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: Method,
    /// The path template, as in the document (`/api/v1/patients/{id}`).
    pub template: String,
    /// The operation object.
    pub spec: Value,
}

impl Operation {
    /// `GET /api/v1/patients/{id}`.
    pub fn name(&self) -> String {
        format!("{} {}", self.method, self.template)
    }

    /// The name of the request body's schema, if it takes one.
    pub fn body_schema(&self) -> Option<String> {
        let content = self.spec["requestBody"]["content"].as_object()?;
        let schema = &content.values().next()?["schema"];
        schema["$ref"]
            .as_str()
            .and_then(|r| r.rsplit('/').next())
            .map(str::to_owned)
    }

    /// Whether the path names one resource (or something under it) by id.
    pub fn has_path_ids(&self) -> bool {
        self.template.contains('{')
    }
}

/// The generated OpenAPI document.
pub fn document() -> Value {
    serde_json::from_str(&api::openapi::render()).expect("the document is JSON")
}

/// Every operation of the document under `/api/`, in the document's order.
pub fn operations(document: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    for (template, item) in document["paths"].as_object().expect("paths") {
        if !template.starts_with("/api/") {
            continue;
        }
        for (method, spec) in item.as_object().expect("path item") {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            out.push(Operation {
                method,
                template: template.clone(),
                spec: spec.clone(),
            });
        }
    }
    out
}

/// The kinds of resource a world holds, by the collection path segment that names them.
pub const KINDS: &[&str] = &[
    "providers",
    "patients",
    "insurance",
    "medications",
    "lab-orders",
    "imaging-orders",
    "prescriptions",
    "surgical-cases",
    "approval-requests",
    "approval-templates",
];

/// A tenant with one of every resource.
pub struct World {
    pub tenant: Tenant,
    /// A token with every role.
    pub token: String,
    /// The id of the world's resource of each kind (see [`KINDS`]).
    pub ids: BTreeMap<&'static str, String>,
    document: Value,
    serial: Cell<u32>,
}

impl World {
    /// Builds the tenant `code` and one resource of every kind in it.
    pub async fn build(app: &TestApp, code: &str) -> World {
        let tenant = app.tenant(code, "UTC").await;
        let token = app.token(&tenant, &["ADMIN", "CLINICIAN", "COORDINATOR"]);
        let mut world = World {
            tenant,
            token,
            ids: BTreeMap::new(),
            document: document(),
            serial: Cell::new(0),
        };
        for kind in KINDS {
            let id = world.create(app, kind).await;
            world.ids.insert(kind, id);
        }
        world
    }

    /// The example of the schema `name` in the document.
    pub fn example(&self, name: &str) -> Value {
        self.document["components"]["schemas"][name]["example"].clone()
    }

    /// The schema `name` of the document.
    pub fn schema(&self, name: &str) -> Value {
        self.document["components"]["schemas"][name].clone()
    }

    /// The document this world was built from.
    pub fn document(&self) -> &Value {
        &self.document
    }

    /// Which resource kind a reference field points to.
    pub fn kind_of_reference(field: &str) -> Option<&'static str> {
        Some(match field {
            // The audit trail's filter: any resource; the patient stands for them.
            "patient_id" | "resource_id" => "patients",
            "ordering_provider_id"
            | "prescriber_id"
            | "primary_surgeon_id"
            | "requesting_provider_id"
            | "provider_id" => "providers",
            "medication_id" => "medications",
            "insurance_info_id" | "coverage_id" => "insurance",
            "template_id" => "approval-templates",
            "order_id" => "lab-orders",
            _ => return None,
        })
    }

    /// `body` with every reference field pointing to this world's resources.
    pub fn bind(&self, mut body: Value) -> Value {
        if let Some(object) = body.as_object_mut() {
            for (field, value) in object.iter_mut() {
                if let Some(id) = Self::kind_of_reference(field).and_then(|k| self.ids.get(k)) {
                    *value = json!(id);
                }
            }
        }
        body
    }

    /// The example body of `schema`, bound to this world, with its unique fields made unique.
    pub fn valid_body(&self, schema: &str) -> Value {
        let mut body = self.bind(self.example(schema));
        let n = self.serial.get() + 1;
        self.serial.set(n);
        let object = body.as_object_mut().expect("an object example");
        if object.contains_key("mrn") {
            object.insert("mrn".into(), json!(format!("MRN-W{n:05}")));
        }
        if object.contains_key("ndc_number") {
            object.insert("ndc_number".into(), json!(format!("0074-{n:04}-02")));
        }
        if schema == "CreateTemplate" {
            object.insert("name".into(), json!(format!("Template {n}")));
        }
        // The NPI is unique in a tenant; a licence number stands in for it.
        if object.remove("npi").is_some() {
            object.insert("licence_number".into(), json!(format!("LIC-W{n:05}")));
        }
        body
    }

    /// Creates one more resource of `kind` (see [`KINDS`]) and answers its id.
    pub async fn create(&self, app: &TestApp, kind: &str) -> String {
        let (path, schema) = match kind {
            "providers" => ("/api/v1/providers".to_owned(), "CreateProvider"),
            "patients" => ("/api/v1/patients".to_owned(), "CreatePatient"),
            "insurance" => (
                format!("/api/v1/patients/{}/insurance", self.ids["patients"]),
                "CreateInsurance",
            ),
            "medications" => ("/api/v1/medications".to_owned(), "CreateMedication"),
            "lab-orders" => ("/api/v1/lab-orders".to_owned(), "CreateLabOrder"),
            "imaging-orders" => ("/api/v1/imaging-orders".to_owned(), "CreateImagingOrder"),
            "prescriptions" => ("/api/v1/prescriptions".to_owned(), "CreatePrescription"),
            "surgical-cases" => ("/api/v1/surgical-cases".to_owned(), "CreateSurgicalCase"),
            "approval-requests" => (
                "/api/v1/approval-requests".to_owned(),
                "CreateApprovalRequest",
            ),
            "approval-templates" => ("/api/v1/approval-templates".to_owned(), "CreateTemplate"),
            other => panic!("no resource kind {other}"),
        };
        let created = app
            .create(&self.token, &path, self.valid_body(schema))
            .await;
        created["id"].as_str().expect("id").to_owned()
    }

    /// `template` with its ids replaced by this world's.
    pub fn path(&self, template: &str) -> String {
        self.path_with(template, |kind| self.ids[kind].clone())
    }

    /// `template` with each id chosen by `id_of(kind)`.
    pub fn path_with(&self, template: &str, id_of: impl Fn(&str) -> String) -> String {
        let segments: Vec<&str> = template.split('/').collect();
        let mut out = Vec::with_capacity(segments.len());
        for (index, segment) in segments.iter().enumerate() {
            if segment.starts_with('{') {
                let kind = match *segment {
                    "{patient_id}" => "patients",
                    "{coverage_id}" => "insurance",
                    _ => {
                        let collection = segments[index - 1];
                        KINDS
                            .iter()
                            .find(|k| **k == collection)
                            .unwrap_or_else(|| panic!("no kind for {template}"))
                    }
                };
                out.push(id_of(kind));
            } else {
                out.push((*segment).to_owned());
            }
        }
        out.join("/")
    }

    /// What this tenant's ADMIN sees on every GET of the document, by path: a snapshot that
    /// changes when any row or version of the tenant changes.
    pub async fn snapshot(&self, app: &TestApp) -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        for operation in operations(&self.document) {
            if operation.method != Method::GET {
                continue;
            }
            let path = self.path(&operation.template);
            let reply: Reply = app.get(&path).token(&self.token).send().await;
            assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
            out.insert(path, reply.body);
        }
        out
    }
}

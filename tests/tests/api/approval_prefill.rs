//! Requests created from orders (docs/domain.md, a request from an order, field by field, for each kind), from templates,
//! and what the link to an order means for the order.

use chrono::Days;
use serde_json::{Value, json};
use tests::{Clinic, TestApp, api_tests, coverage_body};

fn today() -> chrono::NaiveDate {
    tests::clock::now().date_naive()
}

async fn insured(app: &TestApp, code: &str) -> (Clinic, Value) {
    let clinic = app.clinic(code, "UTC").await;
    let coverage = app
        .create_coverage(&clinic.token, &clinic.patient_id, coverage_body())
        .await;
    (clinic, coverage)
}

async fn from_order(
    app: &TestApp,
    clinic: &Clinic,
    path: &str,
    order: &Value,
    body: Option<Value>,
) -> tests::Reply {
    let call = app
        .post(&format!(
            "/api/v1/{path}/{}/approval-requests",
            order["id"].as_str().expect("id")
        ))
        .token(&clinic.token);
    match body {
        Some(body) => call.json(body).send().await,
        None => call.send().await,
    }
}

/// Asserts `request` has every `expected` field.
fn assert_fields(request: &Value, expected: &Value) {
    for (field, value) in expected.as_object().expect("object") {
        assert_eq!(&request[field], value, "{field} of {request}");
    }
}

api_tests! {
    async fn a_lab_order_fills_its_request(app: TestApp) {
        let (clinic, coverage) = insured(&app, "GH").await;
        let collection = today() + Days::new(3);
        let order = app.create(&clinic.token, "/api/v1/lab-orders", json!({
            "patient_id": clinic.patient_id, "ordering_provider_id": clinic.provider_id,
            "tests": [{"test_name": "Hemoglobin A1c", "cpt_code": "83036"}, {"test_name": "Vitamin D"}, {"test_name": "Lipid panel", "cpt_code": "80061"}],
            "diagnosis_code": "E11.9", "clinical_indication": "Diabetes follow-up",
            "collection_datetime": format!("{collection}T08:00:00Z"), "priority": "URGENT"
        })).await;
        let reply = from_order(&app, &clinic, "lab-orders", &order, None).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        assert_fields(&reply.body, &json!({
            "request_type": "LABORATORY", "order_kind": "LAB", "order_id": order["id"], "patient_id": clinic.patient_id,
            "service_description": "Lab tests: Hemoglobin A1c, Vitamin D, Lipid panel",
            "procedure_codes": ["83036", "80061"], "diagnosis_codes": ["E11.9"],
            "clinical_justification": "Diabetes follow-up", "requesting_provider_id": clinic.provider_id,
            "service_start_date": collection.to_string(), "priority": "URGENT", "is_expedited": false,
            "requested_quantity": 3, "insurance_info_id": coverage["id"], "status": "PENDING_SUBMISSION",
            "approval_number": "APR-GH-000001"
        }));
        assert_eq!(reply.header("location"), Some(format!("/api/v1/approval-requests/{}", reply.body["id"].as_str().expect("id")).as_str()));
        let listed = app.get(&format!("/api/v1/lab-orders/{}/approval-requests", order["id"].as_str().expect("id"))).token(&clinic.token).send().await;
        assert_eq!(listed.body["total"], 1);
        assert_eq!(listed.body["items"][0], reply.body);
        let filtered = app.get(&format!("/api/v1/approval-requests?order_kind=LAB&order_id={}", order["id"].as_str().expect("id"))).token(&clinic.token).send().await;
        assert_eq!(filtered.body["total"], 1);
    }

    async fn an_imaging_order_fills_its_request(app: TestApp) {
        let (clinic, coverage) = insured(&app, "GH").await;
        let order = app.create(&clinic.token, "/api/v1/imaging-orders", json!({
            "patient_id": clinic.patient_id, "ordering_provider_id": clinic.provider_id, "modality": "MR",
            "study_description": "MRI brain with and without contrast", "body_part": "Brain",
            "diagnosis_code": "G43.909", "clinical_indication": "Refractory migraine", "is_stat": true
        })).await;
        let reply = from_order(&app, &clinic, "imaging-orders", &order, Some(json!({}))).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        assert_fields(&reply.body, &json!({
            "request_type": "RADIOLOGY", "order_kind": "IMAGING", "order_id": order["id"],
            "service_description": "MRI brain with and without contrast", "procedure_codes": [],
            "diagnosis_codes": ["G43.909"], "clinical_justification": "Refractory migraine",
            "requesting_provider_id": clinic.provider_id, "service_start_date": today().to_string(),
            "priority": "URGENT", "is_expedited": false, "requested_quantity": 1, "insurance_info_id": coverage["id"]
        }));
    }

    async fn a_prescription_fills_its_request(app: TestApp) {
        let (clinic, coverage) = insured(&app, "GH").await;
        let medication = app.create(&clinic.token, "/api/v1/medications", json!({
            "display_name": "Oxycodone 5 mg tablet", "ndc_number": "00406-0552-01", "formulary_status": "RESTRICTED", "is_controlled_substance": true
        })).await;
        let order = app.create(&clinic.token, "/api/v1/prescriptions", json!({
            "patient_id": clinic.patient_id, "prescriber_id": clinic.provider_id, "medication_id": medication["id"],
            "quantity_prescribed": 12.5, "quantity_unit": "tablet", "diagnosis_code": "G89.29", "date_written": "2026-11-20"
        })).await;
        let reply = from_order(&app, &clinic, "prescriptions", &order, None).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        assert_fields(&reply.body, &json!({
            "request_type": "PHARMACY", "order_kind": "PHARMACY", "order_id": order["id"],
            "service_description": "Oxycodone 5 mg tablet - 12.5 tablet", "procedure_codes": ["00406-0552-01"],
            "diagnosis_codes": ["G89.29"], "clinical_justification": "As prescribed",
            "requesting_provider_id": clinic.provider_id, "service_start_date": "2026-11-20",
            "priority": "URGENT", "is_expedited": false, "requested_quantity": 13, "insurance_info_id": coverage["id"]
        }));
        // A whole quantity prints without decimals; an indication is the justification.
        let plain = app.create(&clinic.token, "/api/v1/medications", json!({"display_name": "Humira 40 mg pen", "ndc_number": "0074-0554-02", "formulary_status": "PRIOR_AUTH"})).await;
        let order = app.create(&clinic.token, "/api/v1/prescriptions", json!({
            "patient_id": clinic.patient_id, "prescriber_id": clinic.provider_id, "medication_id": plain["id"],
            "quantity_prescribed": 2, "quantity_unit": "pen", "diagnosis_code": "M05.79", "indication": "Rheumatoid arthritis"
        })).await;
        let reply = from_order(&app, &clinic, "prescriptions", &order, None).await;
        assert_fields(&reply.body, &json!({
            "service_description": "Humira 40 mg pen - 2 pen", "clinical_justification": "Rheumatoid arthritis",
            "priority": "ROUTINE", "requested_quantity": 2
        }));
    }

    async fn a_surgical_case_fills_its_request(app: TestApp) {
        let (clinic, coverage) = insured(&app, "GH").await;
        let start = today() + Days::new(10);
        let order = app.create(&clinic.token, "/api/v1/surgical-cases", json!({
            "patient_id": clinic.patient_id, "primary_surgeon_id": clinic.provider_id,
            "primary_procedure": "Open reduction of hip fracture", "procedure_codes": ["27236"],
            "diagnosis": "Fracture of femoral neck", "diagnosis_codes": ["S72.001A"],
            "scheduled_start": format!("{start}T07:30:00Z"), "is_emergency": true
        })).await;
        let reply = from_order(&app, &clinic, "surgical-cases", &order, None).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        assert_fields(&reply.body, &json!({
            "request_type": "SURGERY", "order_kind": "SURGERY", "order_id": order["id"],
            "service_description": "Open reduction of hip fracture", "procedure_codes": ["27236"],
            "diagnosis_codes": ["S72.001A"], "clinical_justification": "Surgical intervention required for Fracture of femoral neck",
            "requesting_provider_id": clinic.provider_id, "service_start_date": start.to_string(),
            "priority": "STAT", "is_expedited": true, "requested_quantity": 1, "insurance_info_id": coverage["id"]
        }));
        // PROCEDURE may replace SURGERY; nothing else may.
        let procedure = from_order(&app, &clinic, "surgical-cases", &order, Some(json!({"request_type": "PROCEDURE", "status": "DRAFT"}))).await;
        assert_eq!(procedure.status, 201, "{}", procedure.body);
        assert_eq!(procedure.body["request_type"], "PROCEDURE");
        assert_eq!(procedure.body["status"], "DRAFT");
        let wrong = from_order(&app, &clinic, "surgical-cases", &order, Some(json!({"request_type": "DME"}))).await;
        assert_eq!(wrong.invalid_fields(), vec!["request_type"]);
        let id = procedure.body["id"].as_str().expect("id");
        let swap = app.patch(&format!("/api/v1/approval-requests/{id}")).token(&clinic.token).json(json!({"request_type": "SURGERY"})).send().await;
        assert_eq!(swap.body["request_type"], "SURGERY");
        let bad = app.patch(&format!("/api/v1/approval-requests/{id}")).token(&clinic.token).json(json!({"request_type": "THERAPY"})).send().await;
        assert_eq!(bad.invalid_fields(), vec!["request_type"]);
    }

    async fn the_body_overrides_and_only_what_it_may(app: TestApp) {
        let (clinic, _) = insured(&app, "GH").await;
        let order = app.create(&clinic.token, "/api/v1/imaging-orders", json!({
            "patient_id": clinic.patient_id, "ordering_provider_id": clinic.provider_id, "modality": "CT",
            "study_description": "CT chest", "body_part": "Chest", "diagnosis_code": "R91.8", "clinical_indication": "Nodule"
        })).await;
        let second = app.create_coverage(&clinic.token, &clinic.patient_id, json!({
            "payer_name": "Second Health", "payer_id": "SH1", "member_id": "M2", "priority": "SECONDARY", "effective_date": "2026-01-01"
        })).await;
        let overridden = from_order(&app, &clinic, "imaging-orders", &order, Some(json!({
            "service_description": "Low-dose CT chest", "procedure_codes": ["71271"], "diagnosis_codes": ["R91.1"],
            "clinical_justification": "8 mm nodule, follow-up per guideline", "service_start_date": "2026-12-01",
            "service_end_date": "2026-12-31", "priority": "EMERGENCY", "is_expedited": true, "requested_quantity": 2,
            "insurance_info_id": second["id"], "status": "DRAFT"
        }))).await;
        assert_eq!(overridden.status, 201, "{}", overridden.body);
        assert_fields(&overridden.body, &json!({
            "service_description": "Low-dose CT chest", "procedure_codes": ["71271"], "diagnosis_codes": ["R91.1"],
            "clinical_justification": "8 mm nodule, follow-up per guideline", "service_start_date": "2026-12-01",
            "service_end_date": "2026-12-31", "priority": "EMERGENCY", "is_expedited": true, "requested_quantity": 2,
            "insurance_info_id": second["id"], "status": "DRAFT", "request_type": "RADIOLOGY"
        }));
        for (field, value) in [("authorization_number", json!("A")), ("patient_id", json!(clinic.patient_id)), ("status", json!("APPROVED")), ("request_type", json!("LABORATORY")), ("procedure_codes", json!(["CT"])), ("requested_quantity", json!(0))] {
            let reply = from_order(&app, &clinic, "imaging-orders", &order, Some(json!({field: value}))).await;
            let fields = reply.invalid_fields();
            assert!(fields.iter().any(|f| f.starts_with(field)), "{field}: {}", reply.body);
        }
        app.post(&format!("/api/v1/imaging-orders/{}/approval-requests", order["id"].as_str().expect("id"))).token(&clinic.token)
            .raw("text/plain", "hello").send().await.problem(415, "unsupported_media_type");
        let other = app.clinic("SM", "UTC").await;
        from_order(&app, &other, "imaging-orders", &order, None).await.problem(404, "not_found");
        app.post(&format!("/api/v1/imaging-orders/{}/approval-requests", order["id"].as_str().expect("id"))).token(&app.token(&clinic.tenant, &["VIEWER"])).send().await.problem(403, "forbidden");
    }

    async fn coverage_is_chosen_on_the_date_that_matters(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let surgery_day = today() + Days::new(40);
        let case = app.create(&clinic.token, "/api/v1/surgical-cases", json!({
            "patient_id": clinic.patient_id, "primary_surgeon_id": clinic.provider_id, "primary_procedure": "Knee arthroplasty",
            "diagnosis": "Osteoarthritis", "scheduled_start": format!("{surgery_day}T09:00:00Z")
        })).await;
        // No coverage at all: 422 unless the body names one.
        let none = from_order(&app, &clinic, "surgical-cases", &case, None).await;
        assert_eq!(none.invalid_fields(), vec!["insurance_info_id"]);
        assert_eq!(none.body["errors"][0]["code"], "no_coverage_in_force");
        // Today's coverage ends before the surgery; next month's starts before it.
        let ending = app.create_coverage(&clinic.token, &clinic.patient_id, json!({
            "payer_name": "Old Payer", "payer_id": "OP", "member_id": "1", "priority": "PRIMARY",
            "effective_date": "2020-01-01", "termination_date": (today() + Days::new(5)).to_string()
        })).await;
        let starting = app.create_coverage(&clinic.token, &clinic.patient_id, json!({
            "payer_name": "New Payer", "payer_id": "NP", "member_id": "2", "priority": "PRIMARY",
            "effective_date": (today() + Days::new(20)).to_string()
        })).await;
        app.create_coverage(&clinic.token, &clinic.patient_id, json!({
            "payer_name": "Backup", "payer_id": "BK", "member_id": "3", "priority": "SECONDARY", "effective_date": "2020-01-01"
        })).await;
        let chosen = from_order(&app, &clinic, "surgical-cases", &case, None).await;
        assert_eq!(chosen.body["insurance_info_id"], starting["id"], "PRIMARY in force on the surgery day");
        // For an order served today, today's PRIMARY is chosen.
        let lab = app.create(&clinic.token, "/api/v1/lab-orders", json!({
            "patient_id": clinic.patient_id, "ordering_provider_id": clinic.provider_id,
            "tests": [{"test_name": "CBC"}], "diagnosis_code": "D64.9", "clinical_indication": "Anemia"
        })).await;
        let today_choice = from_order(&app, &clinic, "lab-orders", &lab, None).await;
        assert_eq!(today_choice.body["insurance_info_id"], ending["id"]);
        assert_eq!(today_choice.body["procedure_codes"], json!([]), "tests without a CPT code are skipped");
    }

    async fn templates_fill_requests_and_are_kept_by_admins(app: TestApp) {
        let (clinic, _) = insured(&app, "GH").await;
        let viewer = app.token(&clinic.tenant, &["VIEWER"]);
        let body = json!({
            "name": "Power wheelchair, Acme", "request_type": "DME", "payer_name": "Acme Health",
            "procedure_codes": ["K0823"], "service_description": "Power wheelchair, group 2",
            "clinical_justification": "Cannot self-propel a manual wheelchair",
            "required_documents": ["Face-to-face exam note"], "typical_turnaround_days": 10
        });
        app.post("/api/v1/approval-templates").token(&viewer).json(body.clone()).send().await.problem(403, "forbidden");
        let template = app.create(&clinic.token, "/api/v1/approval-templates", body.clone()).await;
        assert_eq!(template["is_active"], true);
        app.post("/api/v1/approval-templates").token(&clinic.token).json(body.clone()).send().await.problem(409, "duplicate_name");
        let mut bad = body.clone();
        bad["name"] = json!("Other");
        bad["procedure_codes"] = json!(["wheelchair"]);
        assert_eq!(app.post("/api/v1/approval-templates").token(&clinic.token).json(bad).send().await.invalid_fields(), vec!["procedure_codes[0]"]);
        assert_eq!(app.get("/api/v1/approval-templates?request_type=DME").token(&viewer).send().await.body["total"], 1);

        let request = app.create(&clinic.token, "/api/v1/approval-requests", json!({
            "patient_id": clinic.patient_id, "template_id": template["id"], "diagnosis_codes": ["G35"],
            "clinical_justification": "MS, progressive weakness"
        })).await;
        assert_fields(&request, &json!({
            "request_type": "DME", "procedure_codes": ["K0823"], "service_description": "Power wheelchair, group 2",
            "clinical_justification": "MS, progressive weakness", "template_id": template["id"]
        }));
        // On an order, the template comes after the body and before the order.
        let order = app.create(&clinic.token, "/api/v1/imaging-orders", json!({
            "patient_id": clinic.patient_id, "ordering_provider_id": clinic.provider_id, "modality": "MR",
            "study_description": "MRI brain", "body_part": "Brain", "diagnosis_code": "G43.909", "clinical_indication": "Migraine"
        })).await;
        let mri = app.create(&clinic.token, "/api/v1/approval-templates", json!({"name": "MRI brain", "request_type": "RADIOLOGY", "procedure_codes": ["70553"], "clinical_justification": "Template justification"})).await;
        let from_template = from_order(&app, &clinic, "imaging-orders", &order, Some(json!({"template_id": mri["id"], "clinical_justification": "Body justification"}))).await;
        assert_fields(&from_template.body, &json!({
            "procedure_codes": ["70553"], "clinical_justification": "Body justification", "service_description": "MRI brain", "template_id": mri["id"]
        }));
        // An inactive template cannot be used, and a used one cannot be deleted.
        let path = format!("/api/v1/approval-templates/{}", template["id"].as_str().expect("id"));
        let off = app.patch(&path).token(&clinic.token).json(json!({"is_active": false})).send().await;
        assert_eq!(off.body["is_active"], false);
        let refused = app.post("/api/v1/approval-requests").token(&clinic.token).json(json!({"patient_id": clinic.patient_id, "template_id": template["id"]})).send().await;
        assert_eq!(refused.invalid_fields(), vec!["template_id"]);
        app.delete(&path).token(&clinic.token).send().await.problem(409, "template_in_use");
        let unused = app.create(&clinic.token, "/api/v1/approval-templates", json!({"name": "Unused", "request_type": "OTHER"})).await;
        assert_eq!(app.delete(&format!("/api/v1/approval-templates/{}", unused["id"].as_str().expect("id"))).token(&clinic.token).send().await.status, 204);
        let other = app.clinic("SM", "UTC").await;
        app.get(&path).token(&other.token).send().await.problem(404, "not_found");
        let foreign = app.post("/api/v1/approval-requests").token(&other.token).json(json!({"patient_id": other.patient_id, "template_id": mri["id"]})).send().await;
        assert_eq!(foreign.invalid_fields(), vec!["template_id"]);
    }

    async fn an_order_with_requests_cannot_be_deleted(app: TestApp) {
        let (clinic, coverage) = insured(&app, "GH").await;
        let order = app.create(&clinic.token, "/api/v1/lab-orders", json!({
            "patient_id": clinic.patient_id, "ordering_provider_id": clinic.provider_id,
            "tests": [{"test_name": "CBC", "cpt_code": "85025"}], "diagnosis_code": "D64.9", "clinical_indication": "Anemia"
        })).await;
        let request = from_order(&app, &clinic, "lab-orders", &order, Some(json!({"status": "DRAFT"}))).await.body;
        let path = format!("/api/v1/lab-orders/{}", order["id"].as_str().expect("id"));
        let refused = app.delete(&path).token(&clinic.token).send().await;
        refused.problem(409, "order_in_use");
        assert!(refused.body["detail"].as_str().unwrap_or_default().contains("cancel"));
        let coverage_path = format!("/api/v1/patients/{}/insurance/{}", clinic.patient_id, coverage["id"].as_str().expect("id"));
        app.delete(&coverage_path).token(&clinic.token).send().await.problem(409, "in_use");
        assert_eq!(app.get(&path).token(&clinic.token).send().await.status, 200);
        // Once the only request (a never-submitted draft) is gone, the order can go too.
        assert_eq!(app.delete(&format!("/api/v1/approval-requests/{}", request["id"].as_str().expect("id"))).token(&clinic.token).send().await.status, 204);
        assert_eq!(app.delete(&path).token(&clinic.token).send().await.status, 204);
    }

    async fn communications_and_documents(app: TestApp) {
        let (clinic, _) = insured(&app, "GH").await;
        let request = app.create(&clinic.token, "/api/v1/approval-requests", json!({"patient_id": clinic.patient_id, "request_type": "DME"})).await;
        let base = format!("/api/v1/approval-requests/{}", request["id"].as_str().expect("id"));
        let clinician = app.token(&clinic.tenant, &["CLINICIAN"]);
        let coordinator = app.token(&clinic.tenant, &["COORDINATOR"]);
        let viewer = app.token(&clinic.tenant, &["VIEWER"]);
        let entry = json!({"channel": "PHONE", "direction": "OUTBOUND", "contact_name": "J. Smith", "summary": "Asked for status", "outcome": "In review", "follow_up_date": "2026-12-01"});
        app.post(&format!("{base}/communications")).token(&clinician).json(entry.clone()).send().await.problem(403, "forbidden");
        let logged = app.create(&coordinator, &format!("{base}/communications"), entry.clone()).await;
        assert_fields(&logged, &json!({"channel": "PHONE", "direction": "OUTBOUND", "summary": "Asked for status", "author": "user-1", "follow_up_date": "2026-12-01"}));
        let mut bad = entry.clone();
        bad["channel"] = json!("PIGEON");
        assert_eq!(app.post(&format!("{base}/communications")).token(&coordinator).json(bad).send().await.invalid_fields(), vec!["channel"]);
        let list = app.get(&format!("{base}/communications")).token(&viewer).send().await;
        assert_eq!(list.body["total"], 1);
        assert_eq!(list.body["items"][0], logged);

        let document = json!({"title": "Clinic note", "kind": "CLINICAL_NOTE", "reference": "dms://notes/1", "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"});
        app.post(&format!("{base}/documents")).token(&viewer).json(document.clone()).send().await.problem(403, "forbidden");
        let added = app.create(&clinician, &format!("{base}/documents"), document.clone()).await;
        assert_eq!(added["title"], "Clinic note");
        let mut bad = document.clone();
        bad["sha256"] = json!("xyz");
        assert_eq!(app.post(&format!("{base}/documents")).token(&clinician).json(bad).send().await.invalid_fields(), vec!["sha256"]);
        let list = app.get(&format!("{base}/documents")).token(&viewer).send().await;
        assert_eq!(list.body["items"], json!([added]));
        // History is read-only.
        app.post(&format!("{base}/history")).token(&clinic.token).json(json!({})).send().await.problem(405, "method_not_allowed");
    }
}

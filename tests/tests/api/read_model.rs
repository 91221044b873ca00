//! The approval read model and the rule refinements that came with it: numbers past 999999 sort
//! by their counter, the work queue lists open orders, imaging orders carry their CPT codes, a
//! grant counts only once started, rows follow the dates without any write, and every write
//! that can change an order's fields changes them.

use chrono::Days;
use serde_json::{Value, json};
use tests::{Clinic, TestApp, api_tests, coverage_body};

async fn insured(app: &TestApp, code: &str) -> Clinic {
    let clinic = app.clinic(code, "UTC").await;
    app.create_coverage(&clinic.token, &clinic.patient_id, coverage_body())
        .await;
    clinic
}

fn lab(clinic: &Clinic, extra: Value) -> Value {
    let mut body = json!({
        "patient_id": clinic.patient_id, "ordering_provider_id": clinic.provider_id,
        "tests": [{"test_name": "A1c", "cpt_code": "83036"}], "diagnosis_code": "E11.9",
        "clinical_indication": "Follow-up"
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    body
}

async fn read(app: &TestApp, clinic: &Clinic, path: &str) -> Value {
    let reply = app.get(path).token(&clinic.token).send().await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    reply.body
}

/// A request from order `path`, submitted, then decided with `decision`.
async fn decided(app: &TestApp, clinic: &Clinic, order_path: &str, decision: Value) -> Value {
    let request = app
        .create(
            &clinic.token,
            &format!("{order_path}/approval-requests"),
            json!({}),
        )
        .await;
    let id = request["id"].as_str().expect("id");
    let submitted = app
        .transition(&clinic.token, id, json!({"to_status": "SUBMITTED"}))
        .await;
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    let reply = app.transition(&clinic.token, id, decision).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

api_tests! {
    async fn seeded_tenants_show_what_the_rules_compute(app: TestApp) {
        let orders = api::seed::run(&app.db, "SEEDED", 0.003).await.expect("seeding");
        assert_eq!(orders, 300);
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let tenant = entity::tenant::Entity::find()
            .filter(entity::tenant::Column::Code.eq("SEEDED"))
            .one(&app.db).await.expect("query").expect("the seeded tenant");
        let tenant = tests::Tenant { id: tenant.id, code: tenant.code };
        let clinic = Clinic { token: app.token(&tenant, &["ADMIN"]), tenant, patient_id: String::new(), provider_id: String::new() };
        let queue = read(&app, &clinic, "/api/v1/work-queue").await;
        assert!(queue["total"].as_u64().expect("total") > 0);
        let requests = read(&app, &clinic, "/api/v1/approval-requests?limit=200").await;
        let total = requests["total"].as_u64().expect("total");
        assert!((80..=100).contains(&total), "about a third of the orders (of insured patients) have a request: {total}");
        assert_matches_oracle(&app, &clinic).await;

        // `approvals read-model verify`: nothing differs; a row changed behind the service's
        // back is named, and verifying changes nothing.
        use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
        let tenant = &clinic.tenant;
        let zone = entity::tenant::Entity::find_by_id(tenant.id).one(&app.db).await.expect("query").expect("the tenant").time_zone;
        let now = api::base::clock::now(app.clock.as_ref());
        let today = api::base::clock::today(api::base::clock::zone(&zone).expect("a zone"), now);
        let differing = api::domain::approval::read_model::verify(&app.db, tenant.id, today, now).await.expect("verifying");
        assert_eq!(differing, Vec::<uuid::Uuid>::new());
        let row = entity::order_approval_state::Entity::find()
            .filter(entity::order_approval_state::Column::TenantId.eq(tenant.id))
            .filter(entity::order_approval_state::Column::RecheckOn.is_null())
            .one(&app.db).await.expect("query").expect("a row");
        let wrong = if row.approval_status == "NOT_REQUIRED" { "NO_INSURANCE" } else { "NOT_REQUIRED" };
        let mut active = row.clone().into_active_model();
        active.approval_status = Set(wrong.to_owned());
        active.update(&app.db).await.expect("corrupting a row");
        let differing = api::domain::approval::read_model::verify(&app.db, tenant.id, today, now).await.expect("verifying");
        assert_eq!(differing, vec![row.order_id]);
        let kept = entity::order_approval_state::Entity::find_by_id(row.order_id).one(&app.db).await.expect("query").expect("the row");
        assert_eq!(kept.approval_status, wrong, "verifying reads only");
    }

    async fn numbers_grow_past_six_digits_and_sort_by_their_counter(app: TestApp) {
        let clinic = insured(&app, "GH").await;
        let first = app.create(&clinic.token, "/api/v1/lab-orders", lab(&clinic, json!({}))).await;
        assert_eq!(first["order_number"], "LAB-GH-000001");
        use sea_orm::{ConnectionTrait, Statement};
        let backend = app.db.get_database_backend();
        app.db.execute_raw(Statement::from_string(
            backend,
            "UPDATE number_sequences SET last_value = 999998 WHERE kind = 'LAB'".to_owned(),
        )).await.expect("moving the counter");
        let mut numbers = Vec::new();
        for _ in 0..3 {
            numbers.push(app.create(&clinic.token, "/api/v1/lab-orders", lab(&clinic, json!({}))).await["order_number"].clone());
        }
        assert_eq!(numbers, [json!("LAB-GH-999999"), json!("LAB-GH-1000000"), json!("LAB-GH-1000001")]);
        let sorted = read(&app, &clinic, "/api/v1/lab-orders?sort=order_number").await;
        let listed: Vec<&Value> = sorted["items"].as_array().expect("items").iter().map(|o| &o["order_number"]).collect();
        assert_eq!(listed, [&json!("LAB-GH-000001"), &json!("LAB-GH-999999"), &json!("LAB-GH-1000000"), &json!("LAB-GH-1000001")]);
        let backwards = read(&app, &clinic, "/api/v1/lab-orders?sort=-order_number&limit=1").await;
        assert_eq!(backwards["items"][0]["order_number"], "LAB-GH-1000001");
        // Requests too: the newest request is the one with the highest counter.
        app.db.execute_raw(Statement::from_string(
            backend,
            "INSERT INTO number_sequences (tenant_id, kind, scope, last_value) SELECT id, 'APR', '', 999999 FROM tenants".to_owned(),
        )).await.expect("moving the request counter");
        let order_path = format!("/api/v1/lab-orders/{}", first["id"].as_str().expect("id"));
        let request = app.create(&clinic.token, &format!("{order_path}/approval-requests"), json!({})).await;
        assert_eq!(request["approval_number"], "APR-GH-1000000");
        let requests = read(&app, &clinic, "/api/v1/approval-requests?sort=-approval_number").await;
        assert_eq!(requests["items"][0]["approval_number"], "APR-GH-1000000");
    }

    async fn the_work_queue_lists_open_orders_unless_asked_otherwise(app: TestApp) {
        let clinic = insured(&app, "GH").await;
        let open = app.create(&clinic.token, "/api/v1/lab-orders", lab(&clinic, json!({}))).await;
        let done = app.create(&clinic.token, "/api/v1/lab-orders", lab(&clinic, json!({}))).await;
        let path = format!("/api/v1/lab-orders/{}", done["id"].as_str().expect("id"));
        for status in ["IN_PROGRESS", "COMPLETED"] {
            let moved = app.patch(&path).token(&clinic.token).json(json!({"status": status})).send().await;
            assert_eq!(moved.status, 200, "{}", moved.body);
        }
        let queue = read(&app, &clinic, "/api/v1/work-queue").await;
        assert_eq!(queue["total"], 1, "{queue}");
        assert_eq!(queue["items"][0]["order_id"], open["id"]);
        let performed = read(&app, &clinic, "/api/v1/work-queue?order_status=COMPLETED").await;
        assert_eq!(performed["total"], 1);
        assert_eq!(performed["items"][0]["order_id"], done["id"], "a performed order still waiting for its retrospective approval");
        let both = read(&app, &clinic, "/api/v1/work-queue?order_status=PENDING,COMPLETED").await;
        assert_eq!(both["total"], 2);
        app.get("/api/v1/work-queue?order_status=FINISHED").token(&clinic.token).send().await.problem(400, "invalid_query");
    }

    async fn imaging_orders_carry_their_cpt_codes_into_requests(app: TestApp) {
        let clinic = insured(&app, "GH").await;
        let body = json!({
            "patient_id": clinic.patient_id, "ordering_provider_id": clinic.provider_id, "modality": "MR",
            "study_description": "MRI brain", "body_part": "Brain", "diagnosis_code": "G43.909",
            "clinical_indication": "Migraine", "cpt_codes": ["70553"]
        });
        let order = app.create(&clinic.token, "/api/v1/imaging-orders", body.clone()).await;
        assert_eq!(order["cpt_codes"], json!(["70553"]));
        let path = format!("/api/v1/imaging-orders/{}", order["id"].as_str().expect("id"));
        let request = app.create(&clinic.token, &format!("{path}/approval-requests"), json!({})).await;
        assert_eq!(request["procedure_codes"], json!(["70553"]));
        let changed = app.patch(&path).token(&clinic.token).json(json!({"cpt_codes": ["70551", "70552"]})).send().await;
        assert_eq!(changed.body["cpt_codes"], json!(["70551", "70552"]));
        let bad = app.patch(&path).token(&clinic.token).json(json!({"cpt_codes": ["7055"]})).send().await;
        assert_eq!(bad.invalid_fields(), vec!["cpt_codes[0]"]);
        let mut invalid = body;
        invalid["cpt_codes"] = json!(["MRI"]);
        let refused = app.post("/api/v1/imaging-orders").token(&clinic.token).json(invalid).send().await;
        assert_eq!(refused.invalid_fields(), vec!["cpt_codes[0]"]);
    }

    async fn a_grant_counts_once_started_and_rows_follow_the_dates(app: TestApp) {
        let clinic = insured(&app, "GH").await;
        let today = app.today("UTC");
        let order = app.create(&clinic.token, "/api/v1/lab-orders", lab(&clinic, json!({}))).await;
        let path = format!("/api/v1/lab-orders/{}", order["id"].as_str().expect("id"));
        decided(&app, &clinic, &path, json!({
            "to_status": "APPROVED", "authorization_number": "A-1",
            "effective_date": (today + Days::new(2)).to_string(), "expiration_date": (today + Days::new(5)).to_string()
        })).await;
        // Starts the day after tomorrow: not valid for an order performed today.
        let now = read(&app, &clinic, &path).await;
        assert_eq!((now["approval_status"].as_str(), now["has_valid_approval"].as_bool()), (Some("APPROVAL_REQUIRED"), Some(false)));
        // Two days later, without any write: valid.
        app.clock.advance_days(2);
        let started = read(&app, &clinic, &path).await;
        assert_eq!((started["approval_status"].as_str(), started["requires_approval"].as_bool()), (Some("APPROVED"), Some(false)));
        let listed = read(&app, &clinic, "/api/v1/lab-orders?approval_status=APPROVED").await;
        assert_eq!(listed["total"], 1);
        // The day after its expiry: lapsed, in the list, the queue and the summary alike.
        app.clock.advance_days(4);
        assert_eq!(read(&app, &clinic, &path).await["approval_status"], "EXPIRED");
        assert_eq!(read(&app, &clinic, "/api/v1/lab-orders?approval_status=EXPIRED").await["total"], 1);
        assert_eq!(read(&app, &clinic, "/api/v1/work-queue").await["items"][0]["approval_status"], "EXPIRED");
        assert_eq!(read(&app, &clinic, &format!("{path}/approval-summary")).await["approval_status"], "EXPIRED");
    }

    async fn every_write_that_changes_an_order_changes_what_it_shows(app: TestApp) {
        let clinic = insured(&app, "GH").await;
        let admin = &clinic.token;
        // A medication's formulary status decides whether its prescriptions ask for approval.
        let medication = app.create(admin, "/api/v1/medications", json!({
            "display_name": "Humira 40 mg pen", "ndc_number": "0074-4339-02", "formulary_status": "FORMULARY",
            "is_controlled_substance": false
        })).await;
        let rx = app.create(admin, "/api/v1/prescriptions", json!({
            "patient_id": clinic.patient_id, "prescriber_id": clinic.provider_id,
            "medication_id": medication["id"], "quantity_prescribed": 2, "quantity_unit": "pen",
            "diagnosis_code": "M05.79"
        })).await;
        assert_eq!(rx["approval_status"], "NOT_REQUIRED");
        let rx_path = format!("/api/v1/prescriptions/{}", rx["id"].as_str().expect("id"));
        let med_path = format!("/api/v1/medications/{}", medication["id"].as_str().expect("id"));
        let restricted = app.patch(&med_path).token(admin).json(json!({"formulary_status": "PRIOR_AUTH", "is_controlled_substance": true})).send().await;
        assert_eq!(restricted.status, 200, "{}", restricted.body);
        assert_eq!(read(&app, &clinic, &rx_path).await["approval_status"], "PRIOR_AUTH_REQUIRED");
        let queued = read(&app, &clinic, "/api/v1/work-queue?kind=PHARMACY").await;
        assert_eq!(queued["items"][0]["urgency"], "URGENT", "a controlled substance");
        // A recorded prior authorization on the prescription.
        let expiry = (app.today("UTC") + Days::new(30)).to_string();
        let recorded = app.patch(&rx_path).token(admin).json(json!({"prior_authorization_number": "PA-1", "prior_authorization_expiry": expiry})).send().await;
        assert_eq!(recorded.body["approval_status"], "APPROVED");
        assert_eq!(recorded.body["active_approval"]["source"], "PRESCRIPTION");
        // A coverage ending yesterday leaves the patient's orders uninsured.
        let order = app.create(admin, "/api/v1/lab-orders", lab(&clinic, json!({}))).await;
        let order_path = format!("/api/v1/lab-orders/{}", order["id"].as_str().expect("id"));
        let coverages = read(&app, &clinic, &format!("/api/v1/patients/{}/insurance", clinic.patient_id)).await;
        let coverage_path = format!("/api/v1/patients/{}/insurance/{}", clinic.patient_id, coverages["items"][0]["id"].as_str().expect("id"));
        let yesterday = (app.today("UTC") - Days::new(1)).to_string();
        let ended = app.patch(&coverage_path).token(admin).json(json!({"termination_date": yesterday})).send().await;
        assert_eq!(ended.status, 200, "{}", ended.body);
        assert_eq!(read(&app, &clinic, &order_path).await["approval_status"], "NO_INSURANCE");
        assert_eq!(read(&app, &clinic, &rx_path).await["approval_status"], "NO_INSURANCE");
        let deleted = app.delete(&coverage_path).token(admin).send().await;
        assert_eq!(deleted.status, 204);
        app.create_coverage(admin, &clinic.patient_id, coverage_body()).await;
        assert_eq!(read(&app, &clinic, &order_path).await["approval_status"], "APPROVAL_REQUIRED");
        // Cancelling the order, then deleting a never-submitted draft of another.
        let cancelled = app.patch(&order_path).token(admin).json(json!({"status": "CANCELLED"})).send().await;
        assert_eq!(cancelled.body["approval_status"], "NOT_REQUIRED");
        let other = app.create(admin, "/api/v1/lab-orders", lab(&clinic, json!({}))).await;
        let other_path = format!("/api/v1/lab-orders/{}", other["id"].as_str().expect("id"));
        let draft = app.create(admin, &format!("{other_path}/approval-requests"), json!({"status": "DRAFT"})).await;
        assert_eq!(read(&app, &clinic, &other_path).await["approval_status"], "DRAFT");
        let gone = app.delete(&format!("/api/v1/approval-requests/{}", draft["id"].as_str().expect("id"))).token(admin).send().await;
        assert_eq!(gone.status, 204);
        assert_eq!(read(&app, &clinic, &other_path).await["approval_status"], "APPROVAL_REQUIRED");
        // Deleting an order takes its row with it: the queue no longer lists it.
        assert_eq!(app.delete(&other_path).token(admin).send().await.status, 204);
        let queue = read(&app, &clinic, "/api/v1/work-queue?kind=LAB").await;
        assert!(queue["items"].as_array().expect("items").iter().all(|i| i["order_id"] != other["id"]));
        // Every order's fields equal the oracle's, computed from scratch.
        assert_matches_oracle(&app, &clinic).await;
    }
}

/// Every order of the clinic's tenant shows what the SQL oracle computes from scratch.
pub async fn assert_matches_oracle(app: &TestApp, clinic: &Clinic) {
    let expected = tests::oracle::expected(&app.db, clinic.tenant.id, app.today("UTC")).await;
    for path in [
        "lab-orders",
        "imaging-orders",
        "prescriptions",
        "surgical-cases",
    ] {
        let page = read(app, clinic, &format!("/api/v1/{path}?limit=200")).await;
        for order in page["items"].as_array().expect("items") {
            let id: uuid::Uuid = order["id"].as_str().expect("id").parse().expect("uuid");
            let oracle = expected.get(&id).expect("the oracle knows every order");
            assert_eq!(
                order["approval_status"],
                json!(oracle.approval_status),
                "{path} {id}"
            );
            assert_eq!(
                order["requires_approval"],
                json!(oracle.requires_approval),
                "{path} {id}"
            );
            let active = order["active_approval"]["id"]
                .as_str()
                .map(|s| s.parse::<uuid::Uuid>().expect("uuid"));
            assert_eq!(active, oracle.active_request_id, "{path} {id}");
        }
    }
}

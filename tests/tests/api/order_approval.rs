//! What every order shows (docs/domain.md (the computed fields, metrics)), table-driven over the four kinds: the computed
//! fields through every branch, the approval summary, list filters at a constant query count,
//! the work queue and the metrics.

use chrono::{Days, NaiveDate, TimeDelta, Utc};
use serde_json::{Value, json};
use tests::{Clinic, TestApp, api_tests, coverage_body};

#[derive(Clone, Copy, Debug)]
enum Kind {
    Lab,
    Imaging,
    Rx,
    Surgery,
}

const KINDS: [Kind; 4] = [Kind::Lab, Kind::Imaging, Kind::Rx, Kind::Surgery];

impl Kind {
    fn path(self) -> &'static str {
        match self {
            Kind::Lab => "lab-orders",
            Kind::Imaging => "imaging-orders",
            Kind::Rx => "prescriptions",
            Kind::Surgery => "surgical-cases",
        }
    }

    /// What an order of this kind shows before any request.
    fn required(self) -> &'static str {
        match self {
            Kind::Rx => "PRIOR_AUTH_REQUIRED",
            _ => "APPROVAL_REQUIRED",
        }
    }
}

fn utc_today() -> NaiveDate {
    tests::clock::now().date_naive()
}

/// Creates an order of `kind` for the clinic's patient; `extra` overrides body fields.
async fn order(app: &TestApp, clinic: &Clinic, kind: Kind, extra: Value) -> Value {
    let mut body = match kind {
        Kind::Lab => json!({
            "patient_id": clinic.patient_id, "ordering_provider_id": clinic.provider_id,
            "tests": [{"test_name": "CBC", "cpt_code": "85025"}], "diagnosis_code": "D64.9", "clinical_indication": "Anemia"
        }),
        Kind::Imaging => json!({
            "patient_id": clinic.patient_id, "ordering_provider_id": clinic.provider_id, "modality": "CT",
            "study_description": "CT chest", "body_part": "Chest", "diagnosis_code": "R91.8", "clinical_indication": "Nodule"
        }),
        Kind::Rx => {
            let medication = app
                .get("/api/v1/medications?ndc_number=0074-0554-02")
                .token(&clinic.token)
                .send()
                .await;
            let id = match medication.body["items"].get(0) {
                Some(existing) => existing["id"].clone(),
                None => app.create(&clinic.token, "/api/v1/medications", json!({"display_name": "Humira 40 mg pen", "ndc_number": "0074-0554-02", "formulary_status": "PRIOR_AUTH"})).await["id"].clone(),
            };
            json!({
                "patient_id": clinic.patient_id, "prescriber_id": clinic.provider_id, "medication_id": id,
                "quantity_prescribed": 2, "quantity_unit": "pen", "diagnosis_code": "M05.79"
            })
        }
        Kind::Surgery => json!({
            "patient_id": clinic.patient_id, "primary_surgeon_id": clinic.provider_id, "primary_procedure": "Knee arthroplasty",
            "procedure_codes": ["27447"], "diagnosis": "Osteoarthritis", "diagnosis_codes": ["M17.11"],
            "scheduled_start": format!("{}T15:00:00Z", utc_today())
        }),
    };
    for (key, value) in extra.as_object().expect("object") {
        body[key] = value.clone();
    }
    app.create(&clinic.token, &format!("/api/v1/{}", kind.path()), body)
        .await
}

async fn read(app: &TestApp, clinic: &Clinic, kind: Kind, order: &Value) -> Value {
    let reply = app
        .get(&format!(
            "/api/v1/{}/{}",
            kind.path(),
            order["id"].as_str().expect("id")
        ))
        .token(&clinic.token)
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

async fn summary(app: &TestApp, clinic: &Clinic, kind: Kind, order: &Value) -> Value {
    let reply = app
        .get(&format!(
            "/api/v1/{}/{}/approval-summary",
            kind.path(),
            order["id"].as_str().expect("id")
        ))
        .token(&clinic.token)
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

/// A request for `order`, submitted.
async fn submitted(app: &TestApp, clinic: &Clinic, kind: Kind, order: &Value) -> String {
    submitted_with(app, clinic, kind, order, json!({})).await
}

/// A request for `order`, with `body` overriding the prefill, submitted.
async fn submitted_with(
    app: &TestApp,
    clinic: &Clinic,
    kind: Kind,
    order: &Value,
    body: Value,
) -> String {
    let reply = app
        .post(&format!(
            "/api/v1/{}/{}/approval-requests",
            kind.path(),
            order["id"].as_str().expect("id")
        ))
        .token(&clinic.token)
        .json(body)
        .send()
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id = reply.body["id"].as_str().expect("id").to_owned();
    let sent = app
        .transition(&clinic.token, &id, json!({"to_status": "SUBMITTED"}))
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    id
}

async fn decide(app: &TestApp, clinic: &Clinic, request: &str, body: Value) -> Value {
    let reply = app.transition(&clinic.token, request, body.clone()).await;
    assert_eq!(reply.status, 200, "{body}: {}", reply.body);
    reply.body
}

fn approve(expiration: NaiveDate) -> Value {
    json!({"to_status": "APPROVED", "authorization_number": "AUTH-1", "expiration_date": expiration.to_string()})
}

fn status_of(view: &Value) -> (&str, bool, bool) {
    (
        view["approval_status"].as_str().expect("approval_status"),
        view["requires_approval"]
            .as_bool()
            .expect("requires_approval"),
        view["has_valid_approval"]
            .as_bool()
            .expect("has_valid_approval"),
    )
}

async fn insured_clinic(app: &TestApp, code: &str, zone: &str) -> Clinic {
    let clinic = app.clinic(code, zone).await;
    app.create_coverage(&clinic.token, &clinic.patient_id, coverage_body())
        .await;
    clinic
}

api_tests! {
    async fn the_seeds_workflow_for_every_kind(app: TestApp) {
        let clinic = insured_clinic(&app, "GH", "UTC").await;
        for kind in KINDS {
            let order = order(&app, &clinic, kind, json!({})).await;
            assert_eq!(status_of(&order), (kind.required(), true, false), "{kind:?} on creation");
            assert_eq!(order["active_approval"], json!(null));
            let before = summary(&app, &clinic, kind, &order).await;
            assert_eq!(before["can_proceed"], false, "{kind:?}");
            assert_eq!(before["has_insurance"], true);
            let request = submitted(&app, &clinic, kind, &order).await;
            assert_eq!(status_of(&read(&app, &clinic, kind, &order).await), ("SUBMITTED", true, false), "{kind:?}");
            let expiration = utc_today() + Days::new(60);
            let approved = decide(&app, &clinic, &request, approve(expiration)).await;
            let view = read(&app, &clinic, kind, &order).await;
            assert_eq!(status_of(&view), ("APPROVED", false, true), "{kind:?}");
            assert_eq!(view["active_approval"], json!({
                "id": request, "approval_number": approved["approval_number"], "authorization_number": "AUTH-1",
                "status": "APPROVED", "effective_date": utc_today().to_string(), "expiration_date": expiration.to_string(),
                "approved_quantity": approved["approved_quantity"], "source": "REQUEST"
            }));
            let after = summary(&app, &clinic, kind, &order).await;
            assert_eq!(after, json!({
                "order_status": order["status"], "has_insurance": true, "requires_approval": false,
                "approval_status": "APPROVED", "can_proceed": true, "active_approval": view["active_approval"]
            }));
        }
    }

    async fn coverage_decides_on_the_date_that_matters(app: TestApp) {
        for kind in KINDS {
            let clinic = app.clinic(&format!("C{}", kind as u8), "UTC").await;
            let order = order(&app, &clinic, kind, json!({})).await;
            assert_eq!(status_of(&order), ("NO_INSURANCE", false, false), "{kind:?} without coverage");
            let ended = app.create_coverage(&clinic.token, &clinic.patient_id, json!({
                "payer_name": "Old", "payer_id": "O", "member_id": "1", "priority": "PRIMARY",
                "effective_date": "2020-01-01", "termination_date": (utc_today() - Days::new(1)).to_string()
            })).await;
            assert_eq!(status_of(&read(&app, &clinic, kind, &order).await).0, "NO_INSURANCE", "{kind:?}: coverage ended yesterday");
            let starting = app.create_coverage(&clinic.token, &clinic.patient_id, json!({
                "payer_name": "New", "payer_id": "N", "member_id": "2", "priority": "PRIMARY",
                "effective_date": (utc_today() + Days::new(1)).to_string()
            })).await;
            assert_eq!(status_of(&read(&app, &clinic, kind, &order).await).0, "NO_INSURANCE", "{kind:?}: coverage starts tomorrow");
            let summary = summary(&app, &clinic, kind, &order).await;
            assert_eq!((summary["has_insurance"].as_bool(), summary["can_proceed"].as_bool()), (Some(false), Some(true)));
            // Moving the coverage's end to today makes the patient insured today.
            app.patch(&format!("/api/v1/patients/{}/insurance/{}", clinic.patient_id, ended["id"].as_str().expect("id"))).token(&clinic.token)
                .json(json!({"termination_date": utc_today().to_string()})).send().await;
            assert_eq!(status_of(&read(&app, &clinic, kind, &order).await).0, kind.required(), "{kind:?}: coverage ends today");
            let _ = starting;
        }
        // A service booked in the future is judged on its own date (D), not today.
        let clinic = app.clinic("FU", "UTC").await;
        let later = utc_today() + Days::new(30);
        app.create_coverage(&clinic.token, &clinic.patient_id, json!({
            "payer_name": "Future", "payer_id": "F", "member_id": "3", "priority": "PRIMARY", "effective_date": (utc_today() + Days::new(20)).to_string()
        })).await;
        let case = order(&app, &clinic, Kind::Surgery, json!({"scheduled_start": format!("{later}T10:00:00Z")})).await;
        assert_eq!(status_of(&case).0, "APPROVAL_REQUIRED");
        let lab = order(&app, &clinic, Kind::Lab, json!({})).await;
        assert_eq!(status_of(&lab).0, "NO_INSURANCE");
    }

    async fn approvals_expire_and_partial_grants_show(app: TestApp) {
        let clinic = insured_clinic(&app, "GH", "UTC").await;
        for kind in KINDS {
            // Expiring today: still valid. Lapsed yesterday: EXPIRED, before any sweep.
            let order_a = order(&app, &clinic, kind, json!({})).await;
            let request = submitted(&app, &clinic, kind, &order_a).await;
            decide(&app, &clinic, &request, approve(utc_today())).await;
            assert_eq!(status_of(&read(&app, &clinic, kind, &order_a).await), ("APPROVED", false, true), "{kind:?} expiring today");
            app.backdate_grant(&request, utc_today() - Days::new(30), utc_today() - Days::new(1)).await;
            let lapsed = read(&app, &clinic, kind, &order_a).await;
            assert_eq!(status_of(&lapsed), ("EXPIRED", true, false), "{kind:?} lapsed yesterday");
            assert_eq!(lapsed["active_approval"], json!(null));

            // A partial approval.
            let order_b = order(&app, &clinic, kind, json!({})).await;
            let request = submitted_with(&app, &clinic, kind, &order_b, json!({"requested_quantity": 3})).await;
            let partial = json!({"to_status": "PARTIALLY_APPROVED", "authorization_number": "P-1", "expiration_date": (utc_today() + Days::new(30)).to_string(), "approved_quantity": 2});
            decide(&app, &clinic, &request, partial).await;
            let view = read(&app, &clinic, kind, &order_b).await;
            assert_eq!(status_of(&view), ("PARTIALLY_APPROVED", false, true), "{kind:?} partial");
            assert_eq!(view["active_approval"]["status"], "PARTIALLY_APPROVED");
        }
    }

    async fn denials_appeals_and_cancellations(app: TestApp) {
        let clinic = insured_clinic(&app, "GH", "UTC").await;
        for kind in KINDS {
            let order_a = order(&app, &clinic, kind, json!({})).await;
            let request = submitted(&app, &clinic, kind, &order_a).await;
            decide(&app, &clinic, &request, json!({"to_status": "DENIED", "denial_reason": "No"})).await;
            assert_eq!(status_of(&read(&app, &clinic, kind, &order_a).await), ("DENIED", true, false), "{kind:?} denied");
            decide(&app, &clinic, &request, json!({"to_status": "APPEAL_SUBMITTED", "reason": "Appeal"})).await;
            assert_eq!(status_of(&read(&app, &clinic, kind, &order_a).await).0, "APPEAL_SUBMITTED");
            decide(&app, &clinic, &request, json!({"to_status": "APPEAL_APPROVED", "authorization_number": "AP-1", "expiration_date": (utc_today() + Days::new(10)).to_string()})).await;
            assert_eq!(status_of(&read(&app, &clinic, kind, &order_a).await), ("APPROVED", false, true), "{kind:?} appeal approved");

            // A cancelled request after an approved one: the approval still counts.
            let newer = app.post(&format!("/api/v1/{}/{}/approval-requests", kind.path(), order_a["id"].as_str().expect("id"))).token(&clinic.token).send().await;
            decide(&app, &clinic, newer.body["id"].as_str().expect("id"), json!({"to_status": "CANCELLED", "reason": "Duplicate"})).await;
            let view = read(&app, &clinic, kind, &order_a).await;
            assert_eq!(status_of(&view), ("APPROVED", false, true), "{kind:?} cancelled after approved");
            assert_eq!(view["active_approval"]["id"], json!(request));
            // Cancelling the approval itself voids it.
            decide(&app, &clinic, &request, json!({"to_status": "CANCELLED", "reason": "Voided"})).await;
            assert_eq!(status_of(&read(&app, &clinic, kind, &order_a).await), (kind.required(), true, false), "{kind:?} approval cancelled");

            // A cancelled order needs nothing and cannot proceed.
            let order_b = order(&app, &clinic, kind, json!({})).await;
            let path = format!("/api/v1/{}/{}", kind.path(), order_b["id"].as_str().expect("id"));
            let cancelled = app.patch(&path).token(&clinic.token).json(json!({"status": "CANCELLED"})).send().await;
            assert_eq!(status_of(&cancelled.body), ("NOT_REQUIRED", false, false), "{kind:?} cancelled order");
            assert_eq!(summary(&app, &clinic, kind, &order_b).await["can_proceed"], false);
        }
    }

    async fn prescription_and_surgical_rules(app: TestApp) {
        let clinic = insured_clinic(&app, "GH", "UTC").await;
        let formulary = app.create(&clinic.token, "/api/v1/medications", json!({"display_name": "Metformin", "ndc_number": "00093-1048-01", "formulary_status": "FORMULARY"})).await;
        let plain = order(&app, &clinic, Kind::Rx, json!({"medication_id": formulary["id"]})).await;
        assert_eq!(status_of(&plain), ("NOT_REQUIRED", false, false));
        let flagged = order(&app, &clinic, Kind::Rx, json!({"medication_id": formulary["id"], "prior_authorization_required": true})).await;
        assert_eq!(status_of(&flagged), ("PRIOR_AUTH_REQUIRED", true, false));
        let expiry = utc_today() + Days::new(90);
        let recorded = order(&app, &clinic, Kind::Rx, json!({"prior_authorization_number": "PA-778812", "prior_authorization_expiry": expiry.to_string()})).await;
        assert_eq!(status_of(&recorded), ("APPROVED", false, true));
        assert_eq!(recorded["active_approval"], json!({
            "id": null, "approval_number": null, "authorization_number": "PA-778812", "status": "APPROVED",
            "effective_date": null, "expiration_date": expiry.to_string(), "approved_quantity": null, "source": "PRESCRIPTION"
        }));
        // Without coverage in force the order needs nothing, but the authorization is still valid.
        let uninsured = app.clinic("NI", "UTC").await;
        let medication = app.create(&uninsured.token, "/api/v1/medications", json!({"display_name": "Humira", "ndc_number": "0074-0554-02", "formulary_status": "PRIOR_AUTH"})).await;
        let covered_elsewhere = app.create(&uninsured.token, "/api/v1/prescriptions", json!({
            "patient_id": uninsured.patient_id, "prescriber_id": uninsured.provider_id, "medication_id": medication["id"],
            "quantity_prescribed": 1, "quantity_unit": "pen", "diagnosis_code": "M05.79",
            "prior_authorization_number": "PA-9", "prior_authorization_expiry": expiry.to_string()
        })).await;
        assert_eq!(status_of(&covered_elsewhere), ("NO_INSURANCE", false, true));
        assert_eq!(covered_elsewhere["active_approval"]["source"], "PRESCRIPTION");
        let lapsed = order(&app, &clinic, Kind::Rx, json!({"prior_authorization_number": "PA-1", "prior_authorization_expiry": (utc_today() - Days::new(1)).to_string()})).await;
        assert_eq!(status_of(&lapsed), ("PRIOR_AUTH_EXPIRED", true, false));
        // A request takes over from the lapsed recorded authorization.
        submitted(&app, &clinic, Kind::Rx, &lapsed).await;
        assert_eq!(status_of(&read(&app, &clinic, Kind::Rx, &lapsed).await).0, "SUBMITTED");

        let emergency = order(&app, &clinic, Kind::Surgery, json!({"is_emergency": true})).await;
        assert_eq!(status_of(&emergency), ("EMERGENCY_APPROVAL_REQUIRED", true, false));
        let summary = summary(&app, &clinic, Kind::Surgery, &emergency).await;
        assert_eq!((summary["requires_approval"].as_bool(), summary["can_proceed"].as_bool()), (Some(true), Some(true)));
    }

    async fn the_tenants_date_decides_not_utcs(app: TestApp) {
        // Kiritimati is UTC+14, Pago Pago UTC-11: between them, one of the two dates differs
        // from UTC's at any hour.
        for (code, zone) in [("KI", chrono_tz::Pacific::Kiritimati), ("PP", chrono_tz::Pacific::Pago_Pago)] {
            let clinic = app.clinic(code, zone.name()).await;
            let local_today = tests::clock::now().with_timezone(&zone).date_naive();
            app.create_coverage(&clinic.token, &clinic.patient_id, json!({
                "payer_name": "Local", "payer_id": "L", "member_id": "1", "priority": "PRIMARY",
                "effective_date": local_today.to_string(), "termination_date": local_today.to_string()
            })).await;
            // Noon of the local today, for the kinds with a service instant.
            let noon = chrono::TimeZone::from_local_datetime(&zone, &local_today.and_hms_opt(12, 0, 0).expect("noon"))
                .single()
                .expect("noon exists")
                .with_timezone(&Utc)
                .to_rfc3339();
            for kind in KINDS {
                let extra = match kind {
                    Kind::Lab => json!({"collection_datetime": noon}),
                    Kind::Imaging => json!({"requested_datetime": noon}),
                    Kind::Rx => json!({}),
                    Kind::Surgery => json!({"scheduled_start": noon}),
                };
                let order = order(&app, &clinic, kind, extra).await;
                assert_eq!(status_of(&order).0, kind.required(), "{code} {kind:?}: insured on the local today only");
                let request = submitted(&app, &clinic, kind, &order).await;
                decide(&app, &clinic, &request, approve(local_today)).await;
                assert_eq!(status_of(&read(&app, &clinic, kind, &order).await).0, "APPROVED", "{code} {kind:?}: expires on the local today");
                app.backdate_grant(&request, local_today - Days::new(10), local_today - Days::new(1)).await;
                assert_eq!(status_of(&read(&app, &clinic, kind, &order).await).0, "EXPIRED", "{code} {kind:?}: lapsed on the local yesterday");
            }
        }
    }

    async fn lists_filter_on_the_computed_fields_before_paging(app: TestApp) {
        let clinic = insured_clinic(&app, "GH", "UTC").await;
        for kind in KINDS {
            let path = kind.path();
            let mut required = Vec::new();
            for _ in 0..3 {
                required.push(order(&app, &clinic, kind, json!({})).await);
            }
            let approved = order(&app, &clinic, kind, json!({})).await;
            let request = submitted(&app, &clinic, kind, &approved).await;
            decide(&app, &clinic, &request, approve(utc_today() + Days::new(5))).await;
            let pending = order(&app, &clinic, kind, json!({})).await;
            submitted(&app, &clinic, kind, &pending).await;
            let page = app.get(&format!("/api/v1/{path}?requires_approval=true&limit=2")).token(&clinic.token).send().await;
            assert_eq!(page.body["total"], 4, "{kind:?}: three required, one submitted");
            assert_eq!(page.body["items"].as_array().expect("items").len(), 2);
            assert!(page.body["items"].as_array().expect("items").iter().all(|o| o["requires_approval"] == true));
            let rest = app.get(&format!("/api/v1/{path}?requires_approval=true&limit=2&offset=2")).token(&clinic.token).send().await;
            assert_eq!(rest.body["items"].as_array().expect("items").len(), 2);
            let not = app.get(&format!("/api/v1/{path}?requires_approval=false")).token(&clinic.token).send().await;
            let ids: Vec<&Value> = not.body["items"].as_array().expect("items").iter().map(|o| &o["id"]).collect();
            assert_eq!(ids, vec![&approved["id"]], "{kind:?}");
            let by_status = app.get(&format!("/api/v1/{path}?approval_status=SUBMITTED,APPROVED&sort=created_at")).token(&clinic.token).send().await;
            let ids: Vec<&Value> = by_status.body["items"].as_array().expect("items").iter().map(|o| &o["id"]).collect();
            assert_eq!(ids, vec![&approved["id"], &pending["id"]], "{kind:?}");
            assert_eq!(by_status.body["total"], 2);
            // With a filter on the order itself too, the count is of the orders that meet both.
            let own = app.get(&format!("/api/v1/{path}?approval_status=SUBMITTED,APPROVED&patient_id={}", clinic.patient_id)).token(&clinic.token).send().await;
            assert_eq!(own.body["total"], 2, "{kind:?}: {}", own.body);
            let nobody = app.create_patient(&clinic.token, &format!("MRN-NOBODY-{path}")).await;
            let none = app.get(&format!("/api/v1/{path}?approval_status=SUBMITTED,APPROVED&patient_id={}", nobody["id"].as_str().expect("id"))).token(&clinic.token).send().await;
            assert_eq!(none.body["total"], 0, "{kind:?}: {}", none.body);
            assert_eq!(none.body["items"], json!([]));
            let required_only = app.get(&format!("/api/v1/{path}?approval_status={}", kind.required())).token(&clinic.token).send().await;
            assert_eq!(required_only.body["total"], json!(required.len()));
            app.get(&format!("/api/v1/{path}?approval_status=MAYBE")).token(&clinic.token).send().await.problem(400, "invalid_query");
        }
    }

    async fn order_lists_cost_a_constant_number_of_queries(app: TestApp) {
        let clinic = insured_clinic(&app, "GH", "UTC").await;
        for (kind, count) in [(Kind::Lab, 200), (Kind::Imaging, 12), (Kind::Rx, 12), (Kind::Surgery, 12)] {
            let mut orders = Vec::new();
            for _ in 0..count {
                orders.push(order(&app, &clinic, kind, json!({})).await);
            }
            // Some with requests, some approved, so that every part of the computation has rows.
            for order in orders.iter().take(4) {
                let request = submitted(&app, &clinic, kind, order).await;
                decide(&app, &clinic, &request, approve(utc_today() + Days::new(3))).await;
            }
            let mut costs = Vec::new();
            for limit in [1, 5, count] {
                let before = app.statement_count();
                let reply = app.get(&format!("/api/v1/{}?limit={limit}", kind.path())).token(&clinic.token).send().await;
                assert_eq!(reply.status, 200);
                let items = reply.body["items"].as_array().expect("items");
                assert_eq!(items.len(), limit);
                // Each order names its patient, so a list needs no call per row.
                for item in items {
                    assert_eq!(item["patient"]["id"], item["patient_id"], "{kind:?}");
                    assert_eq!(item["patient"]["name"], "Maria Lopez", "{kind:?}");
                    assert!(item["patient"]["mrn"].as_str().is_some_and(|mrn| !mrn.is_empty()), "{kind:?}");
                }
                costs.push(app.statement_count() - before);
            }
            assert!(costs.iter().all(|c| *c == costs[0]), "{kind:?}: statements per page size {costs:?}");
            assert!(costs[0] <= 3, "{kind:?}: {} statements for a page", costs[0]);
            // One order: its row and its read-model row.
            let id = orders[0]["id"].as_str().expect("id");
            let before = app.statement_count();
            let one = app.get(&format!("/api/v1/{}/{id}", kind.path())).token(&clinic.token).send().await;
            assert_eq!(one.status, 200, "{}", one.body);
            assert_eq!(one.body["patient"]["id"], orders[0]["patient_id"]);
            assert_eq!(one.body["patient"], orders[0]["patient"], "{kind:?}: the view of its creation names the patient too");
            assert!(app.statement_count() - before <= 2, "{kind:?}: {} statements for one order", app.statement_count() - before);
            let before = app.statement_count();
            let filtered = app.get(&format!("/api/v1/{}?limit={count}&requires_approval=true", kind.path())).token(&clinic.token).send().await;
            assert_eq!(filtered.body["total"], json!(count - 4));
            assert_eq!(app.statement_count() - before, costs[0], "{kind:?}: filters cost nothing extra");
        }
        let before = app.statement_count();
        let queue = app.get("/api/v1/work-queue?limit=200").token(&clinic.token).send().await;
        assert_eq!(queue.status, 200, "{}", queue.body);
        assert!(app.statement_count() - before <= 3, "work queue: {} statements", app.statement_count() - before);
    }

    async fn the_work_queue_puts_the_most_urgent_first(app: TestApp) {
        let clinic = insured_clinic(&app, "GH", "UTC").await;
        let soon = utc_today() + Days::new(2);
        let later = utc_today() + Days::new(9);
        let controlled = app.create(&clinic.token, "/api/v1/medications", json!({"display_name": "Oxycodone 5 mg", "ndc_number": "00406-0552-01", "formulary_status": "RESTRICTED", "is_controlled_substance": true})).await;
        let routine_lab = order(&app, &clinic, Kind::Lab, json!({"collection_datetime": format!("{later}T08:00:00Z")})).await;
        let urgent_lab = order(&app, &clinic, Kind::Lab, json!({"priority": "URGENT", "collection_datetime": format!("{later}T08:00:00Z")})).await;
        let stat_imaging = order(&app, &clinic, Kind::Imaging, json!({"is_stat": true, "requested_datetime": format!("{later}T08:00:00Z")})).await;
        let stat_lab_soon = order(&app, &clinic, Kind::Lab, json!({"priority": "STAT", "collection_datetime": format!("{soon}T08:00:00Z")})).await;
        let emergency = order(&app, &clinic, Kind::Surgery, json!({"is_emergency": true, "scheduled_start": format!("{later}T08:00:00Z")})).await;
        let controlled_rx = order(&app, &clinic, Kind::Rx, json!({"medication_id": controlled["id"]})).await;
        let routine_case = order(&app, &clinic, Kind::Surgery, json!({"scheduled_start": format!("{soon}T08:00:00Z")})).await;
        // Not in the queue: approved, cancelled, not requiring approval.
        let approved = order(&app, &clinic, Kind::Imaging, json!({})).await;
        let request = submitted(&app, &clinic, Kind::Imaging, &approved).await;
        decide(&app, &clinic, &request, approve(utc_today() + Days::new(30))).await;
        let cancelled = order(&app, &clinic, Kind::Lab, json!({})).await;
        app.patch(&format!("/api/v1/lab-orders/{}", cancelled["id"].as_str().expect("id"))).token(&clinic.token).json(json!({"status": "CANCELLED"})).send().await;

        let queue = app.get("/api/v1/work-queue").token(&clinic.token).send().await;
        assert_eq!(queue.status, 200, "{}", queue.body);
        let ids: Vec<&Value> = queue.body["items"].as_array().expect("items").iter().map(|i| &i["order_id"]).collect();
        assert_eq!(ids, vec![
            &emergency["id"], &stat_lab_soon["id"], &stat_imaging["id"], &controlled_rx["id"], &urgent_lab["id"],
            &routine_case["id"], &routine_lab["id"],
        ]);
        assert_eq!(queue.body["total"], 7);
        let first = &queue.body["items"][0];
        assert_eq!(first["kind"], "SURGERY");
        assert_eq!(first["urgency"], "EMERGENCY");
        assert_eq!(first["approval_status"], "EMERGENCY_APPROVAL_REQUIRED");
        assert_eq!(first["href"], format!("/api/v1/surgical-cases/{}", emergency["id"].as_str().expect("id")));
        assert_eq!(first["order_number"], emergency["case_number"]);
        assert_eq!(first["patient"], json!({"id": clinic.patient_id, "mrn": "GH-MRN-1", "name": "Maria Lopez"}));
        assert_eq!(first["coverage"]["payer_name"], "Acme Health");
        assert_eq!(first["service_date"], later.to_string());
        let rx = &queue.body["items"][3];
        assert_eq!((rx["kind"].as_str(), rx["urgency"].as_str(), rx["service_date"].as_str()), (Some("PHARMACY"), Some("URGENT"), Some(utc_today().to_string().as_str())));
        let labs = app.get("/api/v1/work-queue?kind=LAB,IMAGING&limit=2&offset=1").token(&clinic.token).send().await;
        let ids: Vec<&Value> = labs.body["items"].as_array().expect("items").iter().map(|i| &i["order_id"]).collect();
        assert_eq!(ids, vec![&stat_imaging["id"], &urgent_lab["id"]]);
        assert_eq!(labs.body["total"], 4);
        app.get("/api/v1/work-queue?kind=DENTAL").token(&clinic.token).send().await.problem(400, "invalid_query");
        let other = app.clinic("SM", "UTC").await;
        assert_eq!(app.get("/api/v1/work-queue").token(&other.token).send().await.body["total"], 0);
    }

    async fn metrics_match_a_hand_computed_fixture(app: TestApp) {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        let clinic = insured_clinic(&app, "GH", "UTC").await;
        let new_request = |priority: &'static str| {
            let app = &app;
            let clinic = &clinic;
            async move {
                let request = app.create(&clinic.token, "/api/v1/approval-requests", json!({
                    "patient_id": clinic.patient_id, "request_type": "DME", "procedure_codes": ["K0823"], "diagnosis_codes": ["G35"],
                    "clinical_justification": "MS", "requested_quantity": 4, "priority": priority
                })).await;
                let id = request["id"].as_str().expect("id").to_owned();
                app.transition(&clinic.token, &id, json!({"to_status": "SUBMITTED"})).await;
                id
            }
        };
        let expire = (utc_today() + Days::new(30)).to_string();
        // Standard: approved in 10 h, approved in 30 h (late), denied in 20 h then appeal approved.
        // Expedited: partially approved in 50 h (late), denied in 4 h then appeal denied.
        let fixture: Vec<(String, f64, bool)> = vec![
            (new_request("ROUTINE").await, 10.0, false),
            (new_request("ROUTINE").await, 30.0, true),
            (new_request("ROUTINE").await, 20.0, false),
            (new_request("URGENT").await, 50.0, true),
            (new_request("STAT").await, 4.0, false),
        ];
        decide(&app, &clinic, &fixture[0].0, json!({"to_status": "APPROVED", "authorization_number": "A", "expiration_date": expire})).await;
        decide(&app, &clinic, &fixture[1].0, json!({"to_status": "APPROVED", "authorization_number": "B", "expiration_date": expire})).await;
        decide(&app, &clinic, &fixture[2].0, json!({"to_status": "DENIED", "denial_reason": "No"})).await;
        decide(&app, &clinic, &fixture[2].0, json!({"to_status": "APPEAL_SUBMITTED", "reason": "Appeal"})).await;
        decide(&app, &clinic, &fixture[2].0, json!({"to_status": "APPEAL_APPROVED", "authorization_number": "C", "expiration_date": expire})).await;
        decide(&app, &clinic, &fixture[3].0, json!({"to_status": "PARTIALLY_APPROVED", "authorization_number": "D", "expiration_date": expire, "approved_quantity": 2})).await;
        decide(&app, &clinic, &fixture[4].0, json!({"to_status": "DENIED", "denial_reason": "No"})).await;
        decide(&app, &clinic, &fixture[4].0, json!({"to_status": "APPEAL_SUBMITTED", "reason": "Appeal"})).await;
        decide(&app, &clinic, &fixture[4].0, json!({"to_status": "APPEAL_DENIED", "denial_reason": "Still no"})).await;
        // A request decided outside the period is not counted.
        let outside = new_request("ROUTINE").await;
        decide(&app, &clinic, &outside, json!({"to_status": "DENIED", "denial_reason": "No"})).await;
        // Pin the instants: submitted on the 10th at 08:00 UTC, decided `hours` later; due after
        // 24 h for the late ones, after 100 h for the others.
        let submitted_at = chrono::DateTime::parse_from_rfc3339("2026-10-10T08:00:00Z").expect("instant").with_timezone(&Utc);
        for (id, hours, late) in &fixture {
            let decided = submitted_at + TimeDelta::minutes((hours * 60.0) as i64);
            let due = submitted_at + TimeDelta::hours(if *late { 24 } else { 100 });
            entity::approval_request::Entity::update_many()
                .col_expr(entity::approval_request::Column::SubmittedAt, Expr::value(submitted_at))
                .col_expr(entity::approval_request::Column::DecidedAt, Expr::value(decided))
                .col_expr(entity::approval_request::Column::DecisionDueAt, Expr::value(due))
                .filter(entity::approval_request::Column::Id.eq(uuid::Uuid::parse_str(id).expect("uuid")))
                .exec(&app.db).await.expect("pinning");
        }
        entity::approval_request::Entity::update_many()
            .col_expr(entity::approval_request::Column::DecidedAt, Expr::value(submitted_at + TimeDelta::days(40)))
            .filter(entity::approval_request::Column::Id.eq(uuid::Uuid::parse_str(&outside).expect("uuid")))
            .exec(&app.db).await.expect("pinning");

        let reply = app.get("/api/v1/reports/approval-metrics?from=2026-10-01&to=2026-10-31").token(&clinic.token).send().await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["standard"], json!({
            "first_decisions": 3, "approved": 2, "partially_approved": 0, "denied": 1,
            "approval_rate": 0.6667, "denial_rate": 0.3333, "appeal_decisions": 1, "appeal_approved": 1,
            "approved_after_appeal_rate": 1.0, "mean_hours_to_decision": 20.0, "median_hours_to_decision": 20.0,
            "decided_past_due": 1, "past_due_share": 0.3333
        }));
        assert_eq!(reply.body["expedited"], json!({
            "first_decisions": 2, "approved": 0, "partially_approved": 1, "denied": 1,
            "approval_rate": 0.5, "denial_rate": 0.5, "appeal_decisions": 1, "appeal_approved": 0,
            "approved_after_appeal_rate": 0.0, "mean_hours_to_decision": 27.0, "median_hours_to_decision": 27.0,
            "decided_past_due": 1, "past_due_share": 0.5
        }));
        assert_eq!(reply.body["overall"], json!({
            "first_decisions": 5, "approved": 2, "partially_approved": 1, "denied": 2,
            "approval_rate": 0.6, "denial_rate": 0.4, "appeal_decisions": 2, "appeal_approved": 1,
            "approved_after_appeal_rate": 0.5, "mean_hours_to_decision": 22.8, "median_hours_to_decision": 20.0,
            "decided_past_due": 2, "past_due_share": 0.4
        }));
        let empty = app.get("/api/v1/reports/approval-metrics?from=2025-01-01&to=2025-01-31").token(&clinic.token).send().await;
        assert_eq!(empty.body["overall"]["first_decisions"], 0);
        assert_eq!(empty.body["overall"]["approval_rate"], json!(null));
        assert_eq!(empty.body["overall"]["median_hours_to_decision"], json!(null));
        app.get("/api/v1/reports/approval-metrics?from=2026-11-02&to=2026-11-01").token(&clinic.token).send().await.problem(400, "invalid_query");
    }

    async fn a_new_time_zone_moves_service_dates(app: TestApp) {
        let clinic = insured_clinic(&app, "GH", "UTC").await;
        let lab = order(&app, &clinic, Kind::Lab, json!({"collection_datetime": "2026-12-03T02:00:00Z"})).await;
        let on = |day: &'static str| {
            let app = &app;
            let token = clinic.token.clone();
            async move { app.get(&format!("/api/v1/lab-orders?from={day}&to={day}")).token(&token).send().await.body["total"].clone() }
        };
        assert_eq!(on("2026-12-03").await, 1);
        let moved = app.patch("/api/v1/tenant").token(&clinic.token).json(json!({"time_zone": "America/New_York"})).send().await;
        assert_eq!(moved.status, 200, "{}", moved.body);
        assert_eq!(on("2026-12-02").await, 1, "02:00 UTC is the evening before in New York");
        assert_eq!(on("2026-12-03").await, 0);
        let _ = lab;
    }

    async fn the_newest_open_request_speaks_for_the_order(app: TestApp) {
        let clinic = insured_clinic(&app, "GH", "UTC").await;
        for kind in KINDS {
            let order = order(&app, &clinic, kind, json!({})).await;
            let created = app.post(&format!("/api/v1/{}/{}/approval-requests", kind.path(), order["id"].as_str().expect("id"))).token(&clinic.token).send().await;
            let first = created.body["id"].as_str().expect("id").to_owned();
            assert_eq!(status_of(&read(&app, &clinic, kind, &order).await).0, "PENDING_SUBMISSION", "{kind:?}");
            for (body, expected) in [
                (json!({"to_status": "DRAFT"}), "DRAFT"),
                (json!({"to_status": "PENDING_SUBMISSION"}), "PENDING_SUBMISSION"),
                (json!({"to_status": "SUBMITTED"}), "SUBMITTED"),
                (json!({"to_status": "UNDER_REVIEW"}), "UNDER_REVIEW"),
                (json!({"to_status": "MORE_INFO_REQUIRED", "reason": "Notes"}), "MORE_INFO_REQUIRED"),
                (json!({"to_status": "SUBMITTED"}), "SUBMITTED"),
                (json!({"to_status": "DENIED", "denial_reason": "No"}), "DENIED"),
                (json!({"to_status": "APPEAL_SUBMITTED", "reason": "Appeal"}), "APPEAL_SUBMITTED"),
                (json!({"to_status": "APPEAL_DENIED", "denial_reason": "Still no"}), "APPEAL_DENIED"),
            ] {
                decide(&app, &clinic, &first, body).await;
                let view = read(&app, &clinic, kind, &order).await;
                assert_eq!(status_of(&view), (expected, true, false), "{kind:?}");
            }
            // A newer request speaks for the order; cancelled ones are skipped.
            let newer = app.post(&format!("/api/v1/{}/{}/approval-requests", kind.path(), order["id"].as_str().expect("id"))).token(&clinic.token).json(json!({"status": "DRAFT"})).send().await;
            assert_eq!(status_of(&read(&app, &clinic, kind, &order).await).0, "DRAFT", "{kind:?}");
            decide(&app, &clinic, newer.body["id"].as_str().expect("id"), json!({"to_status": "CANCELLED", "reason": "Duplicate"})).await;
            assert_eq!(status_of(&read(&app, &clinic, kind, &order).await).0, "APPEAL_DENIED", "{kind:?}");
        }
        // An approval expired by the sweep: EXPIRED.
        let order = order(&app, &clinic, Kind::Imaging, json!({})).await;
        let request = submitted(&app, &clinic, Kind::Imaging, &order).await;
        decide(&app, &clinic, &request, approve(utc_today() + Days::new(1))).await;
        app.backdate_grant(&request, utc_today() - Days::new(9), utc_today() - Days::new(2)).await;
        let swept = app.post("/api/v1/expiry-sweeps").token(&clinic.token).send().await;
        assert_eq!(swept.body["expired"], 1);
        assert_eq!(status_of(&read(&app, &clinic, Kind::Imaging, &order).await), ("EXPIRED", true, false));
    }
}

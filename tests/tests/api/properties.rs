//! The approval read model is derived state: a property test proves it equal to the
//! from-scratch computation. Random sequences of operations through the API (orders of each
//! kind, requests and their transitions, coverages and formulary changes, recorded prior
//! authorizations, time-zone changes, deletions, sweeps) and advances of the service's clock;
//! after every step, every order's fields as the API shows them equal the SQL oracle's, and the
//! stored rows equal the rule function run from scratch.
//!
//! Cases per database: `PROPTEST_CASES` (default 24), deterministic unless `PROPTEST_RANDOM=1`.
//! A failure proptest finds is written to
//! `tests/tests/proptest-regressions/properties.txt` and replayed first on every run; keep
//! those seeds committed.

use chrono::Days;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};
use serde_json::{Value, json};
use tests::{Backend, Clinic, TestApp};

/// One step of a sequence.
#[derive(Debug, Clone)]
enum Op {
    /// An order of kind `kind` (0 lab, 1 imaging, 2 prescription, 3 surgical case) for patient
    /// `patient`, with its service `days` from today (none: no instant), urgent or not.
    Order {
        kind: u8,
        patient: u8,
        days: Option<i8>,
        flag: bool,
        medication: u8,
    },
    /// A request filled from order `order`, as a DRAFT or not.
    Request { order: u8, draft: bool },
    /// Request `request` moved to its `choice`-th allowed status, with dates from today.
    Transition {
        request: u8,
        choice: u8,
        start: i8,
        end: u8,
    },
    /// A coverage for patient `patient`.
    Cover {
        patient: u8,
        priority: u8,
        start: i8,
        end: Option<i8>,
    },
    /// Coverage `coverage`'s end moved (or removed), or the coverage deleted.
    Uncover {
        coverage: u8,
        end: Option<i8>,
        delete: bool,
    },
    /// Medication `medication`'s formulary status and controlled flag.
    Formulary {
        medication: u8,
        status: u8,
        controlled: bool,
    },
    /// A recorded prior authorization on prescription `order` (or none).
    PriorAuth { order: u8, expiry: Option<i8> },
    /// Order `order` moved along its lifecycle, or its service instant moved, or deleted.
    Change { order: u8, what: u8, days: i8 },
    /// A never-submitted draft deleted.
    Discard { request: u8 },
    /// The tenant's time zone.
    Zone { zone: u8 },
    /// Days pass.
    Advance { days: u8 },
    /// The expiry sweep runs.
    Sweep,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..4, 0u8..3, proptest::option::of(-10i8..20), any::<bool>(), 0u8..3)
            .prop_map(|(kind, patient, days, flag, medication)| Op::Order { kind, patient, days, flag, medication }),
        4 => (any::<u8>(), any::<bool>()).prop_map(|(order, draft)| Op::Request { order, draft }),
        6 => (any::<u8>(), any::<u8>(), -5i8..5, 0u8..30)
            .prop_map(|(request, choice, start, end)| Op::Transition { request, choice, start, end }),
        2 => (0u8..3, 0u8..3, -40i8..10, proptest::option::of(-10i8..30))
            .prop_map(|(patient, priority, start, end)| Op::Cover { patient, priority, start, end }),
        2 => (any::<u8>(), proptest::option::of(-5i8..20), any::<bool>())
            .prop_map(|(coverage, end, delete)| Op::Uncover { coverage, end, delete }),
        1 => (0u8..3, 0u8..4, any::<bool>())
            .prop_map(|(medication, status, controlled)| Op::Formulary { medication, status, controlled }),
        1 => (any::<u8>(), proptest::option::of(-5i8..20)).prop_map(|(order, expiry)| Op::PriorAuth { order, expiry }),
        2 => (any::<u8>(), 0u8..4, -5i8..20).prop_map(|(order, what, days)| Op::Change { order, what, days }),
        1 => any::<u8>().prop_map(|request| Op::Discard { request }),
        1 => (0u8..4).prop_map(|zone| Op::Zone { zone }),
        2 => (0u8..12).prop_map(|days| Op::Advance { days }),
        1 => Just(Op::Sweep),
    ]
}

const ZONES: [&str; 4] = [
    "UTC",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "America/New_York",
];
const PATHS: [&str; 4] = [
    "lab-orders",
    "imaging-orders",
    "prescriptions",
    "surgical-cases",
];

/// What a sequence has made so far.
#[derive(Default)]
struct World {
    zone: usize,
    patients: Vec<String>,
    medications: Vec<String>,
    orders: Vec<(usize, String)>,
    requests: Vec<String>,
    coverages: Vec<(String, String)>,
}

fn pick<T>(items: &[T], index: u8) -> Option<&T> {
    (!items.is_empty()).then(|| &items[usize::from(index) % items.len()])
}

/// A client never causes a 500.
fn no_server_error(reply: &tests::Reply, what: &str) {
    assert!(
        reply.status < 500,
        "{what}: {} {}",
        reply.status,
        reply.body
    );
}

async fn setup(app: &TestApp) -> (Clinic, World) {
    let clinic = app.clinic("PT", "UTC").await;
    let token = app.token(&clinic.tenant, &["ADMIN", "CLINICIAN", "COORDINATOR"]);
    let clinic = Clinic { token, ..clinic };
    let mut world = World::default();
    world.patients.push(clinic.patient_id.clone());
    for n in 0..2 {
        let patient = app.create(&clinic.token, "/api/v1/patients", json!({
            "mrn": format!("PT-{n}"), "given_name": "Prop", "family_name": "Test", "birth_date": "1970-01-01", "sex": "OTHER"
        })).await;
        world
            .patients
            .push(patient["id"].as_str().expect("id").to_owned());
    }
    // Two of the three patients start insured.
    for patient in world.patients.clone().iter().take(2) {
        let coverage = app
            .create_coverage(&clinic.token, patient, tests::coverage_body())
            .await;
        world.coverages.push((
            patient.clone(),
            coverage["id"].as_str().expect("id").to_owned(),
        ));
    }
    for (n, status) in ["FORMULARY", "RESTRICTED", "PRIOR_AUTH"].iter().enumerate() {
        let medication = app.create(&clinic.token, "/api/v1/medications", json!({
            "display_name": format!("Medication {n}"), "ndc_number": format!("1234{n}-678-90"),
            "formulary_status": status, "is_controlled_substance": n == 1
        })).await;
        world
            .medications
            .push(medication["id"].as_str().expect("id").to_owned());
    }
    (clinic, world)
}

async fn step(app: &TestApp, clinic: &Clinic, world: &mut World, op: &Op) {
    let today = app.today(ZONES[world.zone]);
    let day = |offset: i64| {
        if offset >= 0 {
            today + Days::new(offset as u64)
        } else {
            today - Days::new(offset.unsigned_abs())
        }
    };
    let instant = |offset: i64| format!("{}T12:00:00Z", day(offset));
    let token = &clinic.token;
    match op {
        Op::Order {
            kind,
            patient,
            days,
            flag,
            medication,
        } => {
            let patient = pick(&world.patients, *patient).cloned().unwrap_or_default();
            let kind = usize::from(*kind);
            let mut body = match kind {
                0 => {
                    json!({"ordering_provider_id": clinic.provider_id, "tests": [{"test_name": "A1c"}], "diagnosis_code": "E11.9",
                            "clinical_indication": "x", "priority": if *flag { "STAT" } else { "ROUTINE" }})
                }
                1 => {
                    json!({"ordering_provider_id": clinic.provider_id, "modality": "CT", "study_description": "CT head", "body_part": "Head",
                            "diagnosis_code": "R51.9", "clinical_indication": "x", "is_stat": flag})
                }
                2 => {
                    json!({"prescriber_id": clinic.provider_id, "medication_id": pick(&world.medications, *medication),
                            "quantity_prescribed": 1, "quantity_unit": "pen", "diagnosis_code": "M05.79", "prior_authorization_required": flag})
                }
                _ => {
                    json!({"primary_surgeon_id": clinic.provider_id, "primary_procedure": "Knee", "diagnosis": "OA",
                            "scheduled_start": instant(i64::from(days.unwrap_or(3))), "is_emergency": flag})
                }
            };
            body["patient_id"] = json!(patient);
            if let Some(days) = days {
                match kind {
                    0 => body["collection_datetime"] = json!(instant(i64::from(*days))),
                    1 => body["requested_datetime"] = json!(instant(i64::from(*days))),
                    _ => {}
                }
            }
            let reply = app
                .post(&format!("/api/v1/{}", PATHS[kind]))
                .token(token)
                .json(body)
                .send()
                .await;
            assert_eq!(reply.status, 201, "creating an order: {}", reply.body);
            world
                .orders
                .push((kind, reply.body["id"].as_str().expect("id").to_owned()));
        }
        Op::Request { order, draft } => {
            let Some((kind, id)) = pick(&world.orders, *order).cloned() else {
                return;
            };
            let body = if *draft {
                json!({"status": "DRAFT"})
            } else {
                json!({})
            };
            let reply = app
                .post(&format!("/api/v1/{}/{id}/approval-requests", PATHS[kind]))
                .token(token)
                .json(body)
                .send()
                .await;
            no_server_error(&reply, "a request from an order");
            if reply.status == 201 {
                world
                    .requests
                    .push(reply.body["id"].as_str().expect("id").to_owned());
            }
        }
        Op::Transition {
            request,
            choice,
            start,
            end,
        } => {
            let Some(id) = pick(&world.requests, *request).cloned() else {
                return;
            };
            let current = app
                .get(&format!("/api/v1/approval-requests/{id}"))
                .token(token)
                .send()
                .await;
            if current.status != 200 {
                return;
            }
            let allowed: Vec<String> = current.body["allowed_transitions"]
                .as_array()
                .expect("allowed")
                .iter()
                .map(|s| s.as_str().expect("status").to_owned())
                .collect();
            let Some(to) = pick(&allowed, *choice) else {
                return;
            };
            let effective = day(i64::from(*start)).to_string();
            let expiration = day(i64::from(*end)).to_string();
            let body = match to.as_str() {
                "APPROVED" | "APPEAL_APPROVED" => {
                    json!({"to_status": to, "authorization_number": "AUTH", "effective_date": effective, "expiration_date": expiration})
                }
                "PARTIALLY_APPROVED" => {
                    json!({"to_status": to, "authorization_number": "AUTH", "effective_date": effective, "expiration_date": expiration, "reason": "cut"})
                }
                "DENIED" | "APPEAL_DENIED" => json!({"to_status": to, "denial_reason": "no"}),
                "MORE_INFO_REQUIRED" | "APPEAL_SUBMITTED" | "CANCELLED" => {
                    json!({"to_status": to, "reason": "why"})
                }
                _ => json!({"to_status": to}),
            };
            let reply = app.transition(token, &id, body).await;
            no_server_error(&reply, "a transition");
        }
        Op::Cover {
            patient,
            priority,
            start,
            end,
        } => {
            let Some(patient) = pick(&world.patients, *patient).cloned() else {
                return;
            };
            let priority = ["PRIMARY", "SECONDARY", "TERTIARY"][usize::from(*priority)];
            let mut body = json!({"payer_name": "P", "payer_id": "P", "member_id": "M",
                "priority": priority, "effective_date": day(i64::from(*start)).to_string()});
            if let Some(end) = end {
                body["termination_date"] = json!(day(i64::from((*end).max(*start))).to_string());
            }
            let reply = app
                .post(&format!("/api/v1/patients/{patient}/insurance"))
                .token(token)
                .json(body)
                .send()
                .await;
            assert_eq!(reply.status, 201, "a coverage: {}", reply.body);
            world
                .coverages
                .push((patient, reply.body["id"].as_str().expect("id").to_owned()));
        }
        Op::Uncover {
            coverage,
            end,
            delete,
        } => {
            let Some((patient, id)) = pick(&world.coverages, *coverage).cloned() else {
                return;
            };
            let path = format!("/api/v1/patients/{patient}/insurance/{id}");
            let reply = if *delete {
                app.delete(&path).token(token).send().await
            } else {
                let end = end.map(|end| day(i64::from(end)).to_string());
                app.patch(&path)
                    .token(token)
                    .json(json!({"termination_date": end}))
                    .send()
                    .await
            };
            no_server_error(&reply, "changing a coverage");
            if *delete && reply.status == 204 {
                world.coverages.retain(|(_, c)| *c != id);
            }
        }
        Op::Formulary {
            medication,
            status,
            controlled,
        } => {
            let Some(id) = pick(&world.medications, *medication).cloned() else {
                return;
            };
            let status =
                ["FORMULARY", "NON_FORMULARY", "RESTRICTED", "PRIOR_AUTH"][usize::from(*status)];
            let reply = app
                .patch(&format!("/api/v1/medications/{id}"))
                .token(token)
                .json(json!({"formulary_status": status, "is_controlled_substance": controlled}))
                .send()
                .await;
            assert_eq!(reply.status, 200, "a formulary change: {}", reply.body);
        }
        Op::PriorAuth { order, expiry } => {
            let prescriptions: Vec<&(usize, String)> =
                world.orders.iter().filter(|(k, _)| *k == 2).collect();
            let Some((_, id)) = pick(&prescriptions, *order).copied() else {
                return;
            };
            let body = match expiry {
                Some(expiry) => {
                    json!({"prior_authorization_number": "PA", "prior_authorization_expiry": day(i64::from(*expiry)).to_string()})
                }
                None => {
                    json!({"prior_authorization_number": null, "prior_authorization_expiry": null})
                }
            };
            let reply = app
                .patch(&format!("/api/v1/prescriptions/{id}"))
                .token(token)
                .json(body)
                .send()
                .await;
            no_server_error(&reply, "a prior authorization");
        }
        Op::Change { order, what, days } => {
            let Some((kind, id)) = pick(&world.orders, *order).cloned() else {
                return;
            };
            let path = format!("/api/v1/{}/{id}", PATHS[kind]);
            let reply = match what {
                0 => {
                    let status = match kind {
                        2 => "DISPENSED",
                        3 => "CONFIRMED",
                        _ => "SCHEDULED",
                    };
                    app.patch(&path)
                        .token(token)
                        .json(json!({"status": status}))
                        .send()
                        .await
                }
                1 => {
                    app.patch(&path)
                        .token(token)
                        .json(json!({"status": "CANCELLED"}))
                        .send()
                        .await
                }
                2 => {
                    let body = match kind {
                        0 => json!({"collection_datetime": instant(i64::from(*days))}),
                        1 => json!({"requested_datetime": instant(i64::from(*days))}),
                        2 => json!({"prior_authorization_required": days % 2 == 0}),
                        _ => json!({"scheduled_start": instant(i64::from(*days))}),
                    };
                    app.patch(&path).token(token).json(body).send().await
                }
                _ => {
                    let reply = app.delete(&path).token(token).send().await;
                    if reply.status == 204 {
                        world.orders.retain(|(_, o)| *o != id);
                    }
                    reply
                }
            };
            no_server_error(&reply, "changing an order");
        }
        Op::Discard { request } => {
            let Some(id) = pick(&world.requests, *request).cloned() else {
                return;
            };
            let reply = app
                .delete(&format!("/api/v1/approval-requests/{id}"))
                .token(token)
                .send()
                .await;
            no_server_error(&reply, "deleting a request");
            if reply.status == 204 {
                world.requests.retain(|r| *r != id);
            }
        }
        Op::Zone { zone } => {
            world.zone = usize::from(*zone);
            let reply = app
                .patch("/api/v1/tenant")
                .token(token)
                .json(json!({"time_zone": ZONES[world.zone]}))
                .send()
                .await;
            assert_eq!(reply.status, 200, "a time zone: {}", reply.body);
        }
        Op::Advance { days } => app.clock.advance_days(i64::from(*days)),
        Op::Sweep => {
            let reply = app.post("/api/v1/expiry-sweeps").token(token).send().await;
            assert_eq!(reply.status, 200, "the sweep: {}", reply.body);
        }
    }
}

/// Every order's fields as the API shows them equal the oracle's; the stored read model
/// equals the rule function run from scratch.
async fn check(app: &TestApp, clinic: &Clinic, world: &World, after: &Op) {
    let today = app.today(ZONES[world.zone]);
    let mut shown = std::collections::HashMap::new();
    for path in PATHS {
        let page = app
            .get(&format!("/api/v1/{path}?limit=200"))
            .token(&clinic.token)
            .send()
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        for order in page.body["items"].as_array().expect("items") {
            shown.insert(
                order["id"]
                    .as_str()
                    .expect("id")
                    .parse::<uuid::Uuid>()
                    .expect("uuid"),
                order.clone(),
            );
        }
    }
    let expected = tests::oracle::expected(&app.db, clinic.tenant.id, today).await;
    assert_eq!(
        shown.len(),
        expected.len(),
        "after {after:?}: every order is listed"
    );
    for (id, oracle) in &expected {
        let order: &Value = &shown[id];
        let active = order["active_approval"]["id"]
            .as_str()
            .map(|s| s.parse::<uuid::Uuid>().expect("uuid"));
        assert_eq!(
            (
                order["approval_status"].as_str().expect("status"),
                order["requires_approval"].as_bool().expect("bool"),
                active
            ),
            (
                oracle.approval_status.as_str(),
                oracle.requires_approval,
                oracle.active_request_id
            ),
            "after {after:?}: order {id} on {today}: {order}"
        );
    }
    tests::oracle::assert_read_model_fresh(app, clinic.tenant.id, &format!("after {after:?}"))
        .await;
}

fn run_cases(backend: Backend) {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(24);
    let config = Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::SourceParallel(
            "proptest-regressions",
        ))),
        source_file: Some(file!()),
        ..Config::default()
    };
    // Deterministic by default, so that CI replays the same sequences; `PROPTEST_RANDOM=1`
    // explores new ones (a failure found is persisted as a regression seed).
    let mut runner = if std::env::var("PROPTEST_RANDOM").is_ok_and(|v| v == "1") {
        TestRunner::new(config)
    } else {
        TestRunner::new_with_rng(
            config,
            proptest::test_runner::TestRng::deterministic_rng(
                proptest::test_runner::RngAlgorithm::ChaCha,
            ),
        )
    };
    let result = runner.run(&proptest::collection::vec(op(), 5..30), |ops| {
        actix_web::rt::System::new().block_on(async {
            let app = TestApp::spawn(backend).await;
            let (clinic, mut world) = setup(&app).await;
            for op in &ops {
                step(&app, &clinic, &mut world, op).await;
                check(&app, &clinic, &world, op).await;
            }
        });
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

#[test]
fn the_read_model_equals_the_rules_from_scratch_on_sqlite() {
    run_cases(Backend::Sqlite);
}

#[test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set TEST_DATABASE_URL to run the PostgreSQL half"
)]
fn the_read_model_equals_the_rules_from_scratch_on_postgres() {
    run_cases(Backend::Postgres);
}

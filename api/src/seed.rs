//! `approvals seed --scale N`: a new tenant with N × 100,000 orders across the four kinds and
//! about a third as many approval requests in every state, with their history, for benchmarks
//! and capacity tests. Rows are generated in memory and inserted in batches, one transaction
//! per batch; the read model is filled by the same rule function the service uses
//! ([`order_state::compute`]). A progress bar shows on a terminal, a line per stage otherwise.
//!
//! The data is synthetic and deterministic (a fixed seed): names like `Patient 000123`, MRNs
//! `SEED-000123`, no real person.
//!
//! `approvals seed --demo` is the other seed: a small, fictional hospital written through the
//! service's own functions (see [`demo`]).

mod demo;
pub use demo::{DEMO_TENANT, DemoSummary, demo};

use std::collections::HashMap;
use std::io::IsTerminal;

use anyhow::Context;
use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use entity::{
    approval_request, approval_status_history as history, imaging_order, insurance_info, lab_order,
    medication, number_sequence, order_approval_state as state, patient, prescription, provider,
    surgical_case,
};
use indicatif::{ProgressBar, ProgressStyle};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait,
    IntoActiveModel, TransactionTrait,
};
use uuid::Uuid;

use crate::base::clock::{self, SystemClock};
use crate::domain::approval::order_state::{self, OrderFacts, RequestFacts, Urgency};
use crate::domain::approval::policy::{FULL, PARTIAL};
use crate::domain::approval::values::ApprovalStatus;
use crate::domain::orders::OrderKind;
use crate::domain::orders::numbering::{day_number, day_number_value, tenant_number};

/// Orders per unit of scale.
const ORDERS_PER_SCALE: f64 = 100_000.0;
/// Orders a day: about a year of a mid-sized hospital per unit of scale.
const ORDERS_PER_DAY: f64 = 275.0;

/// The states a request of a closed order rests in.
const SETTLED: [ApprovalStatus; 7] = [
    ApprovalStatus::Approved,
    ApprovalStatus::PartiallyApproved,
    ApprovalStatus::Denied,
    ApprovalStatus::AppealApproved,
    ApprovalStatus::AppealDenied,
    ApprovalStatus::Expired,
    ApprovalStatus::Cancelled,
];

/// Shows how far the seed has come: a bar on a terminal, a line per stage otherwise.
struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    fn new() -> Self {
        Self { bar: None }
    }

    fn stage(&mut self, name: &str, total: u64) {
        if let Some(bar) = self.bar.take() {
            bar.finish();
        }
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(total);
            if let Ok(style) =
                ProgressStyle::with_template("{msg:>22} [{bar:40}] {pos}/{len} {per_sec}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(name.to_owned());
            self.bar = Some(bar);
        } else {
            eprintln!("seed: {name}: {total}");
        }
    }

    fn advance(&self, by: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(by);
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish();
        }
    }
}

/// One generated order of any kind, as inserted and as the rules read it.
struct Seeded {
    facts: OrderFacts,
    requests: Vec<RequestFacts>,
}

/// Seeds a new tenant `code` with `scale` × 100,000 orders; answers how many orders were made.
pub async fn run(db: &DatabaseConnection, code: &str, scale: f64) -> anyhow::Result<u64> {
    anyhow::ensure!(
        scale > 0.0 && scale <= 100.0,
        "--scale must be above 0 and at most 100 (100 is ten million orders)"
    );
    let total = (scale * ORDERS_PER_SCALE).round().max(1.0) as u64;
    let now = clock::now(&SystemClock);
    let tenant = crate::cli::insert_tenant(db, code, &format!("Seed {code}"), "UTC").await?;
    let tenant_id = tenant.id;
    let today = now.date_naive();
    let mut rng = fastrand::Rng::with_seed(20_261_129);
    let mut progress = Progress::new();

    // People and the formulary.
    let provider_count = 50.max(total / 2_000) as usize;
    let patient_count = 10.max(total / 5) as usize;
    let providers: Vec<provider::Model> = (0..provider_count)
        .map(|n| provider::Model {
            id: Uuid::now_v7(),
            tenant_id,
            name: format!("Dr. Seed {n:04}"),
            npi: None,
            licence_number: Some(format!("LIC-{n:06}")),
            role: ["PHYSICIAN", "SURGEON", "RADIOLOGIST", "PHARMACIST"][n % 4].to_owned(),
            created_at: now,
            updated_at: now,
            version: 1,
        })
        .collect();
    let medications: Vec<medication::Model> = (0..60)
        .map(|n| medication::Model {
            id: Uuid::now_v7(),
            tenant_id,
            display_name: format!("Seedamab {n} mg"),
            generic_name: Some(format!("seedamab-{n}")),
            ndc_number: format!("{:05}-{:04}-{:02}", 10_000 + n, n, n % 100),
            formulary_status: ["FORMULARY", "NON_FORMULARY", "RESTRICTED", "PRIOR_AUTH"][n % 4]
                .to_owned(),
            is_controlled_substance: n % 7 == 0,
            created_at: now,
            updated_at: now,
            version: 1,
        })
        .collect();
    progress.stage("patients", patient_count as u64);
    let patients: Vec<patient::Model> = (0..patient_count)
        .map(|n| patient::Model {
            id: Uuid::now_v7(),
            tenant_id,
            mrn: format!("SEED-{n:07}"),
            given_name: format!("Patient{}", n % 997),
            family_name: format!("Seed{n:07}"),
            birth_date: NaiveDate::from_ymd_opt(
                1940 + (n % 80) as i32,
                1 + (n % 12) as u32,
                1 + (n % 28) as u32,
            )
            .unwrap_or(today),
            sex: ["FEMALE", "MALE", "OTHER", "UNKNOWN"][n % 4].to_owned(),
            created_at: now,
            updated_at: now,
            version: 1,
        })
        .collect();
    // Nine in ten patients have a primary coverage since two years ago; one in five also a
    // secondary; one in twenty a coverage that ended last year.
    let mut coverages: Vec<insurance_info::Model> = Vec::new();
    for (n, p) in patients.iter().enumerate() {
        let coverage =
            |priority: &str, start: NaiveDate, end: Option<NaiveDate>| insurance_info::Model {
                id: Uuid::now_v7(),
                tenant_id,
                patient_id: p.id,
                payer_name: ["Acme Health", "Blue Plan", "Unity Care"][n % 3].to_owned(),
                payer_id: format!("PAYER{}", n % 3),
                plan_name: None,
                member_id: format!("M{n:08}"),
                group_number: None,
                priority: priority.to_owned(),
                effective_date: start,
                termination_date: end,
                created_at: now,
                updated_at: now,
                version: 1,
            };
        if n % 10 != 0 {
            coverages.push(coverage("PRIMARY", today - Days::new(730), None));
        }
        if n % 5 == 1 {
            coverages.push(coverage("SECONDARY", today - Days::new(365), None));
        }
        if n % 20 == 3 {
            coverages.push(coverage(
                "PRIMARY",
                today - Days::new(1_000),
                Some(today - Days::new(400)),
            ));
        }
    }
    let mut by_patient: HashMap<Uuid, Vec<insurance_info::Model>> = HashMap::new();
    for c in &coverages {
        by_patient.entry(c.patient_id).or_default().push(c.clone());
    }
    insert_all(db, providers.clone()).await?;
    insert_all(db, medications.clone()).await?;
    insert_all(db, patients.clone()).await?;
    insert_all(db, coverages).await?;

    // Orders, a batch at a time, with a third of them getting a request.
    let period_minutes = ((total as f64 / ORDERS_PER_DAY) * 1_440.0).max(1_440.0) as i64;
    progress.stage("orders", total);
    let mut counters: HashMap<(&'static str, String), i64> = HashMap::new();
    let statuses = [
        ApprovalStatus::Draft,
        ApprovalStatus::PendingSubmission,
        ApprovalStatus::Submitted,
        ApprovalStatus::UnderReview,
        ApprovalStatus::MoreInfoRequired,
        ApprovalStatus::Approved,
        ApprovalStatus::PartiallyApproved,
        ApprovalStatus::Denied,
        ApprovalStatus::AppealSubmitted,
        ApprovalStatus::AppealApproved,
        ApprovalStatus::AppealDenied,
        ApprovalStatus::Expired,
        ApprovalStatus::Cancelled,
    ];
    let mut made = 0u64;
    let mut request_counter = 0i64;
    const BATCH: u64 = 2_000;
    while made < total {
        let size = BATCH.min(total - made);
        let mut labs = Vec::new();
        let mut imagings = Vec::new();
        let mut rxs = Vec::new();
        let mut surgeries = Vec::new();
        let mut requests = Vec::new();
        let mut histories = Vec::new();
        let mut seeded = Vec::new();
        for i in 0..size {
            let n = made + i;
            let patient = &patients[rng.usize(0..patients.len())];
            let provider = &providers[rng.usize(0..providers.len())];
            // Orders arrive at a steady rate over a period that grows with the scale (a larger
            // tenant is a longer history); each is performed within three weeks of being
            // ordered. Those performed more than two days ago are closed.
            let created_at = now - TimeDelta::minutes(rng.i64(0..period_minutes));
            let service_at =
                created_at + TimeDelta::days(rng.i64(0..21)) + TimeDelta::minutes(rng.i64(0..600));
            let open = service_at > now - TimeDelta::days(2);
            let cancelled = !open && rng.u8(0..100) < 10;
            let service_day = service_at.date_naive();
            let pick = rng.u8(0..100);
            let kind = match pick {
                0..40 => OrderKind::Lab,
                40..65 => OrderKind::Imaging,
                65..85 => OrderKind::Pharmacy,
                _ => OrderKind::Surgery,
            };
            let prefix = kind.info().number_prefix;
            let scope = if kind == OrderKind::Surgery {
                service_day.format("%Y%m%d").to_string()
            } else {
                String::new()
            };
            let counter = {
                let entry = counters.entry((prefix, scope.clone())).or_insert(0);
                *entry += 1;
                *entry
            };
            let (number, number_value) = if kind == OrderKind::Surgery {
                (
                    day_number(prefix, &scope, counter),
                    day_number_value(&scope, counter),
                )
            } else {
                (tenant_number(prefix, code, counter), counter)
            };
            let id = Uuid::now_v7();
            let mut facts = OrderFacts {
                kind,
                id,
                tenant_id,
                number_value,
                order_number: number.clone(),
                patient_id: patient.id,
                status: String::new(),
                cancelled,
                urgency: Urgency::Routine,
                service_date: Some(service_day),
                is_emergency: false,
                rule_asks: true,
                recorded: None,
                created_at,
            };
            match kind {
                OrderKind::Lab => {
                    let status = if open {
                        ["PENDING", "SCHEDULED", "IN_PROGRESS"][rng.usize(0..3)]
                    } else if cancelled {
                        "CANCELLED"
                    } else {
                        "COMPLETED"
                    };
                    let priority =
                        ["ROUTINE", "ROUTINE", "ROUTINE", "URGENT", "STAT"][rng.usize(0..5)];
                    facts.urgency = match priority {
                        "STAT" => Urgency::Stat,
                        "URGENT" => Urgency::Urgent,
                        _ => Urgency::Routine,
                    };
                    facts.status = status.to_owned();
                    labs.push(lab_order::Model {
                        id, tenant_id, order_number: number, number_value, patient_id: patient.id,
                        ordering_provider_id: provider.id,
                        tests: serde_json::json!([{"test_name": "Hemoglobin A1c", "cpt_code": "83036"}, {"test_name": "Lipid panel", "cpt_code": "80061"}]),
                        diagnosis_code: "E11.9".to_owned(), clinical_indication: "Diabetes follow-up".to_owned(),
                        collection_datetime: Some(service_at), service_date: Some(service_day),
                        priority: priority.to_owned(), status: status.to_owned(),
                        created_at, updated_at: created_at, version: 1,
                    });
                }
                OrderKind::Imaging => {
                    let status = if open {
                        ["PENDING", "SCHEDULED"][rng.usize(0..2)]
                    } else if cancelled {
                        "CANCELLED"
                    } else {
                        "COMPLETED"
                    };
                    let is_stat = rng.u8(0..10) == 0;
                    facts.urgency = if is_stat {
                        Urgency::Stat
                    } else {
                        Urgency::Routine
                    };
                    facts.status = status.to_owned();
                    imagings.push(imaging_order::Model {
                        id,
                        tenant_id,
                        order_number: number,
                        number_value,
                        patient_id: patient.id,
                        ordering_provider_id: provider.id,
                        modality: "MR".to_owned(),
                        study_description: "MRI brain with and without contrast".to_owned(),
                        body_part: "Brain".to_owned(),
                        diagnosis_code: "G43.909".to_owned(),
                        clinical_indication: "Migraine with aura".to_owned(),
                        requested_datetime: Some(service_at),
                        service_date: Some(service_day),
                        is_stat,
                        cpt_codes: serde_json::json!(["70553"]),
                        status: status.to_owned(),
                        created_at,
                        updated_at: created_at,
                        version: 1,
                    });
                }
                OrderKind::Pharmacy => {
                    let medication = &medications[rng.usize(0..medications.len())];
                    let status = if open {
                        ["ACTIVE", "DISPENSED"][rng.usize(0..2)]
                    } else if cancelled {
                        "CANCELLED"
                    } else {
                        "COMPLETED"
                    };
                    let required = rng.u8(0..4) == 0;
                    facts.service_date = None;
                    facts.status = status.to_owned();
                    facts.urgency = if medication.is_controlled_substance {
                        Urgency::Urgent
                    } else {
                        Urgency::Routine
                    };
                    facts.rule_asks = required
                        || matches!(
                            medication.formulary_status.as_str(),
                            "RESTRICTED" | "PRIOR_AUTH"
                        );
                    rxs.push(prescription::Model {
                        id,
                        tenant_id,
                        prescription_number: number,
                        number_value,
                        patient_id: patient.id,
                        prescriber_id: provider.id,
                        medication_id: medication.id,
                        quantity_prescribed: Decimal::new(30, 0),
                        quantity_unit: "tablet".to_owned(),
                        diagnosis_code: "M05.79".to_owned(),
                        indication: None,
                        date_written: created_at.date_naive(),
                        prior_authorization_required: required,
                        prior_authorization_number: None,
                        prior_authorization_expiry: None,
                        status: status.to_owned(),
                        created_at,
                        updated_at: created_at,
                        version: 1,
                    });
                }
                OrderKind::Surgery => {
                    let status = if open {
                        ["SCHEDULED", "CONFIRMED", "PREP", "DELAYED", "POSTPONED"][rng.usize(0..5)]
                    } else if cancelled {
                        "CANCELLED"
                    } else {
                        "COMPLETED"
                    };
                    let is_emergency = rng.u8(0..20) == 0;
                    facts.urgency = if is_emergency {
                        Urgency::Emergency
                    } else {
                        Urgency::Routine
                    };
                    facts.is_emergency = is_emergency;
                    facts.status = status.to_owned();
                    surgeries.push(surgical_case::Model {
                        id,
                        tenant_id,
                        case_number: number,
                        number_value,
                        patient_id: patient.id,
                        primary_surgeon_id: provider.id,
                        primary_procedure: "Total knee arthroplasty".to_owned(),
                        procedure_codes: serde_json::json!(["27447"]),
                        diagnosis: "Osteoarthritis, knee".to_owned(),
                        diagnosis_codes: serde_json::json!(["M17.11"]),
                        clinical_notes: None,
                        scheduled_start: service_at,
                        service_date: Some(service_day),
                        is_emergency,
                        status: status.to_owned(),
                        created_at,
                        updated_at: created_at,
                        version: 1,
                    });
                }
            }
            // A third of the orders get a request, in a status chosen in turn.
            let covered = by_patient.get(&patient.id).and_then(|c| c.first());
            if n.is_multiple_of(3)
                && let Some(coverage) = covered
            {
                request_counter += 1;
                // Requests of closed orders were settled; those of open orders are in every
                // state.
                let status = if open {
                    statuses[(request_counter as usize) % statuses.len()]
                } else {
                    SETTLED[(request_counter as usize) % SETTLED.len()]
                };
                let (request, rows) = request_of(
                    tenant_id,
                    code,
                    request_counter,
                    &facts,
                    coverage.id,
                    provider.id,
                    status,
                    now,
                    today,
                    &mut rng,
                );
                requests.push(request.clone());
                histories.extend(rows);
                seeded.push(Seeded {
                    facts,
                    requests: vec![request_facts(&request)],
                });
            } else {
                seeded.push(Seeded {
                    facts,
                    requests: Vec::new(),
                });
            }
        }
        let rows: Vec<state::Model> = seeded
            .iter()
            .map(|s| {
                order_state::compute(
                    &s.facts,
                    &s.requests,
                    by_patient
                        .get(&s.facts.patient_id)
                        .map_or(&[][..], Vec::as_slice),
                    today,
                )
            })
            .collect();
        let txn = db.begin().await?;
        insert_batch(&txn, labs).await?;
        insert_batch(&txn, imagings).await?;
        insert_batch(&txn, rxs).await?;
        insert_batch(&txn, surgeries).await?;
        insert_batch(&txn, requests).await?;
        insert_batch(&txn, histories).await?;
        insert_batch(&txn, rows).await?;
        txn.commit().await?;
        made += size;
        progress.advance(size);
    }
    // The counters continue from the seeded numbers.
    let mut sequences: Vec<number_sequence::Model> = counters
        .into_iter()
        .map(|((kind, scope), last)| number_sequence::Model {
            tenant_id,
            kind: kind.to_owned(),
            scope,
            last_value: last,
        })
        .collect();
    sequences.push(number_sequence::Model {
        tenant_id,
        kind: "APR".to_owned(),
        scope: String::new(),
        last_value: request_counter,
    });
    insert_all(db, sequences).await?;
    progress.finish();
    if db.get_database_backend() == DatabaseBackend::Postgres {
        // Table statistics as autovacuum would soon have them after a bulk load.
        db.execute_unprepared("ANALYZE")
            .await
            .context("analyzing")?;
    }
    Ok(total)
}

/// A request of `facts`'s order in `status`, with the history that led there.
#[expect(clippy::too_many_arguments, reason = "each is one part of the request")]
fn request_of(
    tenant_id: Uuid,
    code: &str,
    counter: i64,
    facts: &OrderFacts,
    coverage_id: Uuid,
    provider_id: Uuid,
    status: ApprovalStatus,
    now: DateTime<Utc>,
    today: NaiveDate,
    rng: &mut fastrand::Rng,
) -> (approval_request::Model, Vec<history::Model>) {
    use ApprovalStatus::*;
    // Half the appeals are of a partial approval (the grant survives the appeal).
    let partial_appeal = counter % 2 == 0;
    let path: Vec<ApprovalStatus> = match status {
        Draft => vec![Draft],
        PendingSubmission => vec![PendingSubmission],
        Submitted => vec![PendingSubmission, Submitted],
        UnderReview => vec![PendingSubmission, Submitted, UnderReview],
        MoreInfoRequired => vec![PendingSubmission, Submitted, MoreInfoRequired],
        Approved => vec![PendingSubmission, Submitted, UnderReview, Approved],
        PartiallyApproved => vec![PendingSubmission, Submitted, PartiallyApproved],
        Denied => vec![PendingSubmission, Submitted, Denied],
        AppealSubmitted if partial_appeal => {
            vec![
                PendingSubmission,
                Submitted,
                PartiallyApproved,
                AppealSubmitted,
            ]
        }
        AppealSubmitted => vec![PendingSubmission, Submitted, Denied, AppealSubmitted],
        AppealApproved => vec![
            PendingSubmission,
            Submitted,
            Denied,
            AppealSubmitted,
            AppealApproved,
        ],
        AppealDenied if partial_appeal => {
            vec![
                PendingSubmission,
                Submitted,
                PartiallyApproved,
                AppealSubmitted,
                AppealDenied,
            ]
        }
        AppealDenied => vec![
            PendingSubmission,
            Submitted,
            Denied,
            AppealSubmitted,
            AppealDenied,
        ],
        Expired => vec![PendingSubmission, Submitted, Approved, Expired],
        Cancelled => vec![PendingSubmission, Cancelled],
    };
    let created_at = facts.created_at + TimeDelta::hours(1);
    let at = |step: usize| created_at + TimeDelta::hours(6 * step as i64);
    let step_of = |wanted: ApprovalStatus| path.iter().position(|s| *s == wanted);
    let submitted_at = step_of(Submitted).map(at);
    let decision = path
        .iter()
        .position(|s| matches!(s, Approved | PartiallyApproved | Denied))
        .map(at);
    let appeal_decision = path
        .iter()
        .position(|s| matches!(s, AppealApproved | AppealDenied))
        .map(at);
    let grant_kind = if path.contains(&AppealApproved) || path.contains(&Approved) {
        Some(FULL)
    } else if path.contains(&PartiallyApproved) {
        Some(PARTIAL)
    } else {
        None
    };
    // A grant starts when it is decided and lasts one to six months; an EXPIRED one has ended.
    let (effective, expiration) = match grant_kind {
        Some(_) => {
            let start = decision.unwrap_or(created_at).date_naive();
            let end = start + Days::new(rng.u64(30..180));
            let end = if status == Expired {
                end.min(today - Days::new(1))
            } else {
                end
            };
            (Some(start), Some(end.max(start)))
        }
        None => (None, None),
    };
    let (kind, order_id) = (facts.kind, facts.id);
    let mut request = approval_request::Model {
        id: Uuid::now_v7(),
        tenant_id,
        approval_number: tenant_number("APR", code, counter),
        number_value: counter,
        patient_id: facts.patient_id,
        insurance_info_id: Some(coverage_id),
        template_id: None,
        request_type: kind.info().request_type.to_owned(),
        lab_order_id: None,
        imaging_order_id: None,
        prescription_id: None,
        surgical_case_id: None,
        service_description: Some(format!("Seeded request for {}", facts.order_number)),
        procedure_codes: serde_json::json!(["70553"]),
        diagnosis_codes: serde_json::json!(["E11.9"]),
        clinical_justification: Some("Medically necessary (seeded)".to_owned()),
        requesting_provider_id: Some(provider_id),
        service_start_date: facts.service_date,
        service_end_date: None,
        priority: "ROUTINE".to_owned(),
        is_expedited: false,
        status: status.to_string(),
        grant_kind: grant_kind.map(str::to_owned),
        submission_method: submitted_at.map(|_| "PORTAL".to_owned()),
        payer_reference: None,
        authorization_number: grant_kind.map(|_| format!("AUTH-{counter:08}")),
        effective_date: effective,
        expiration_date: expiration,
        requested_quantity: Some(2),
        approved_quantity: grant_kind.map(|g| if g == PARTIAL { 1 } else { 2 }),
        denial_reason: path
            .iter()
            .any(|s| matches!(s, Denied | AppealDenied))
            .then(|| "Not medically necessary (seeded)".to_owned()),
        denial_code: None,
        submitted_at,
        decision_due_at: submitted_at.map(|at| at + TimeDelta::days(7)),
        decided_at: decision,
        appeal_decided_at: appeal_decision,
        created_by: "seed".to_owned(),
        created_at,
        updated_at: at(path.len()).min(now),
        version: path.len() as i32,
    };
    kind.set_link(&mut request, order_id);
    let rows = path
        .iter()
        .enumerate()
        .map(|(step, to)| history::Model {
            id: Uuid::now_v7(),
            tenant_id,
            approval_request_id: request.id,
            seq: step as i32 + 1,
            from_status: step.checked_sub(1).map(|before| path[before].to_string()),
            to_status: to.to_string(),
            changed_by: "seed".to_owned(),
            changed_at: at(step),
            reason: None,
        })
        .collect();
    (request, rows)
}

/// What the rules read of a seeded request.
fn request_facts(request: &approval_request::Model) -> RequestFacts {
    RequestFacts {
        id: request.id,
        number_value: request.number_value,
        approval_number: request.approval_number.clone(),
        status: request.status.parse().unwrap_or(ApprovalStatus::Draft),
        grant_kind: request.grant_kind.clone(),
        authorization_number: request.authorization_number.clone(),
        effective_date: request.effective_date,
        expiration_date: request.expiration_date,
        approved_quantity: request.approved_quantity,
        decided_at: request.appeal_decided_at.or(request.decided_at),
    }
}

/// Inserts `rows` in one transaction, in batches.
async fn insert_all<M>(db: &DatabaseConnection, rows: Vec<M>) -> anyhow::Result<()>
where
    M: sea_orm::ModelTrait + IntoActiveModel<<M::Entity as EntityTrait>::ActiveModel> + Clone,
    <M::Entity as EntityTrait>::ActiveModel: ActiveModelTrait<Entity = M::Entity> + Send,
{
    let txn = db.begin().await?;
    insert_batch(&txn, rows).await?;
    txn.commit().await?;
    Ok(())
}

/// Inserts `rows` inside `txn`, in statements of at most 20,000 bound values (SQLite's limit is
/// 32,766).
async fn insert_batch<C, M>(txn: &C, rows: Vec<M>) -> anyhow::Result<()>
where
    C: ConnectionTrait,
    M: sea_orm::ModelTrait + IntoActiveModel<<M::Entity as EntityTrait>::ActiveModel> + Clone,
    <M::Entity as EntityTrait>::ActiveModel: ActiveModelTrait<Entity = M::Entity> + Send,
{
    use sea_orm::Iterable;
    if rows.is_empty() {
        return Ok(());
    }
    let columns = <M::Entity as EntityTrait>::Column::iter().count().max(1);
    let per_statement = (20_000 / columns).max(1);
    for chunk in rows.chunks(per_statement) {
        <M::Entity as EntityTrait>::insert_many(
            chunk
                .iter()
                .cloned()
                .map(IntoActiveModel::into_active_model),
        )
        .exec_without_returning(txn)
        .await
        .context("inserting seeded rows")?;
    }
    Ok(())
}

//! `approvals seed --demo`: a small, realistic and wholly fictional hospital to try the API on.
//!
//! Everything is written through the service's own domain and data functions, as the API
//! writes it: numbers from the gapless counters, requests filled from their orders and moved by
//! the state machine (each step with its history row), companions and the audit trail as the
//! handlers record them, and the approval read model refreshed by every write (and once more
//! for the whole tenant at the end, on the real today). The story is told over the past months:
//! each step happens at its own instant and is judged on that day, so a grant recorded in the
//! spring can have lapsed by now, as grants do.
//!
//! The result shows every value of an order's `approval_status` and every status of a request.
//! People, payers and medications are made up and say so (`Alice Example`, `Acme Demo Health`,
//! `Examplostatin`); the codes (ICD-10-CM, CPT/HCPCS) are real code shapes.
//!
//! A tenant that already has data is refused: the demo is for an empty tenant, and running it
//! twice would double everything.

use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use entity::{
    approval_communication as communication, approval_document as document, approval_request,
    approval_template, imaging_order, insurance_info, lab_order, medication, patient, prescription,
    provider, surgical_case,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, Set, TransactionTrait,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::base::clock::{self, Clock};
use crate::base::context;
use crate::base::error::Error;
use crate::data::audit;
use crate::data::db::{TenantOwned, find_in_tenant, insert_audited, save_patch, scoped};
use crate::domain::approval::prefill::Order;
use crate::domain::approval::read_model::{self, Scope};
use crate::domain::approval::service::{
    self, Actor, Content, TemplateFill, active_template, coverage_in_force, new_row,
};
use crate::domain::approval::state::TransitionRequest;
use crate::domain::approval::values::{ApprovalStatus, InitialStatus, SubmissionMethod};
use crate::domain::orders::lifecycle::{
    Lifecycle, PrescriptionStatus, ServiceOrderStatus, SurgicalCaseStatus,
};
use crate::domain::orders::numbering::{day_number, day_number_value, next_number, tenant_number};
use crate::domain::orders::{OrderKind, service_date};
use crate::http::orders::OrderRow;

mod cast;
mod clinical;
mod medication_and_surgery;
mod writer;

use cast::Cast;

/// The tenant `seed --demo` fills unless told another.
pub const DEMO_TENANT: &str = "DEMO";
/// The name and time zone of a tenant the demo creates.
pub const DEMO_TENANT_NAME: &str = "Demo Valley General Hospital (fictional)";
pub const DEMO_TIME_ZONE: &str = "America/New_York";

/// The users the demo acts as (a token's `sub`): they show in the history and the audit trail.
const PHYSICIAN: &str = "dr.testwell";
const SURGEON: &str = "dr.sample";
const PHARMACIST: &str = "phil.macy";
const COORDINATOR: &str = "cora.ordinator";
const ADMIN: &str = "demo.admin";

/// What the demo made.
#[derive(Debug, Clone, Default)]
pub struct DemoSummary {
    pub tenant_id: Uuid,
    pub code: String,
    /// Whether the tenant was created by this run (else it existed, empty).
    pub tenant_created: bool,
    pub providers: usize,
    pub patients: usize,
    pub coverages: usize,
    pub medications: usize,
    pub templates: usize,
    pub orders: usize,
    pub requests: usize,
    pub transitions: usize,
    pub communications: usize,
    pub documents: usize,
}

impl std::fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} providers, {} patients ({} coverages), {} medications, {} templates, {} orders, \
             {} approval requests ({} transitions), {} communications, {} documents",
            self.providers,
            self.patients,
            self.coverages,
            self.medications,
            self.templates,
            self.orders,
            self.requests,
            self.transitions,
            self.communications,
            self.documents
        )
    }
}

/// Fills tenant `code` with the demo data set, the clock's now being the present. The tenant is
/// created (named [`DEMO_TENANT_NAME`], in [`DEMO_TIME_ZONE`]) when missing; an existing tenant
/// must be empty. Refuses, changing nothing, when the tenant already has data.
pub async fn demo(
    db: &DatabaseConnection,
    code: &str,
    clock: &dyn Clock,
) -> anyhow::Result<DemoSummary> {
    let existing = entity::tenant::Entity::find()
        .filter(entity::tenant::Column::Code.eq(code))
        .one(db)
        .await?;
    let (tenant, created) = match existing {
        Some(tenant) => {
            if has_data(db, tenant.id).await? {
                bail!(
                    "tenant {code} already has data (demo data from an earlier `approvals seed --demo`, \
                     or data of its own); nothing was changed. To start over, seed another tenant \
                     (`approvals seed --demo --tenant CODE`) or empty the whole database with \
                     `approvals migrate fresh` (this drops every tenant's data)"
                );
            }
            (tenant, false)
        }
        None => (
            crate::cli::insert_tenant(db, code, DEMO_TENANT_NAME, DEMO_TIME_ZONE).await?,
            true,
        ),
    };
    let zone = clock::zone(&tenant.time_zone).map_err(|e| anyhow!("{e}"))?;
    let now = clock::now(clock);
    let mut demo = Demo {
        db,
        tenant_id: tenant.id,
        code: tenant.code.clone(),
        zone,
        now,
        today: clock::today(zone, now),
        summary: DemoSummary {
            tenant_id: tenant.id,
            code: tenant.code.clone(),
            tenant_created: created,
            ..DemoSummary::default()
        },
    };
    // The writes carry the demo's users into the audit trail (outside a request they would
    // all be `system`'s); the audit rows name `seed-demo` as their request.
    context::scope("seed-demo".to_owned(), Box::pin(demo.run())).await?;
    // The read model as of the real today (each write computed its rows on the day it
    // happened).
    let txn = db.begin().await?;
    read_model::refresh(&txn, tenant.id, now, Scope::Tenant)
        .await
        .map_err(|e| failed("refreshing the read model", e))?;
    txn.commit().await?;
    Ok(demo.summary)
}

/// Whether the tenant has any rows of its own.
async fn has_data(db: &DatabaseConnection, tenant_id: Uuid) -> anyhow::Result<bool> {
    Ok(scoped::<provider::Entity>(tenant_id)
        .one(db)
        .await?
        .is_some()
        || scoped::<patient::Entity>(tenant_id)
            .one(db)
            .await?
            .is_some()
        || scoped::<medication::Entity>(tenant_id)
            .one(db)
            .await?
            .is_some()
        || scoped::<approval_template::Entity>(tenant_id)
            .one(db)
            .await?
            .is_some()
        || scoped::<approval_request::Entity>(tenant_id)
            .one(db)
            .await?
            .is_some())
}

/// A domain error as an error of the command, with every detail (a 422's fields).
fn failed(what: &str, error: Error) -> anyhow::Error {
    match &error {
        Error::Invalid { errors } => anyhow!("{what}: {error}: {errors:?}"),
        _ => anyhow!("{what}: {error}"),
    }
}

/// An NPI with a valid check digit (the Luhn check over `80840` and the ten digits) from nine
/// digits.
fn npi(first_nine: &str) -> anyhow::Result<String> {
    let digits: Vec<u32> = format!("80840{first_nine}")
        .chars()
        .map(|c| c.to_digit(10).context("an NPI is digits"))
        .collect::<anyhow::Result<_>>()?;
    // The rightmost digit before the check digit is doubled, and every second one leftwards.
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                *d
            }
        })
        .sum();
    let value = format!("{first_nine}{}", (10 - sum % 10) % 10);
    crate::domain::validate::npi(&value).map_err(|e| anyhow!("NPI {value}: {e}"))?;
    Ok(value)
}

/// The hex SHA-256 of `text` (standing in for a document's content).
fn sha256_of(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// A transition to `to` with nothing else.
fn to(to_status: ApprovalStatus) -> TransitionRequest {
    TransitionRequest {
        to_status,
        reason: None,
        authorization_number: None,
        effective_date: None,
        expiration_date: None,
        approved_quantity: None,
        denial_reason: None,
        denial_code: None,
        payer_reference: None,
        submission_method: None,
    }
}

/// A transition to `to` with a reason.
fn because(to_status: ApprovalStatus, reason: &str) -> TransitionRequest {
    TransitionRequest {
        reason: Some(reason.to_owned()),
        ..to(to_status)
    }
}

/// A submission by `method` with the payer's case reference.
fn submit(method: SubmissionMethod, reference: &str) -> TransitionRequest {
    TransitionRequest {
        submission_method: Some(method),
        payer_reference: Some(reference.to_owned()),
        ..to(ApprovalStatus::Submitted)
    }
}

/// A grant (`to` APPROVED, PARTIALLY_APPROVED or APPEAL_APPROVED) lasting until `until`.
fn grant(to_status: ApprovalStatus, authorization: &str, until: NaiveDate) -> TransitionRequest {
    TransitionRequest {
        authorization_number: Some(authorization.to_owned()),
        expiration_date: Some(until),
        ..to(to_status)
    }
}

/// A denial (`to` DENIED or APPEAL_DENIED).
fn denial(to_status: ApprovalStatus, reason: &str, code: &str) -> TransitionRequest {
    TransitionRequest {
        denial_reason: Some(reason.to_owned()),
        denial_code: Some(code.to_owned()),
        ..to(to_status)
    }
}

/// An entry of the communication log.
struct Note<'a> {
    channel: &'a str,
    direction: &'a str,
    contact: Option<&'a str>,
    summary: &'a str,
    outcome: Option<&'a str>,
    follow_up: Option<NaiveDate>,
}

/// How a request about an order starts.
#[derive(Default)]
struct Start {
    draft: bool,
    coverage: Option<Uuid>,
    template: Option<Uuid>,
}

/// The demo being written. The helpers that write box their work: the story awaits dozens
/// of them in one function, and unboxed, their futures add up to more than a test thread's
/// stack holds in a debug build.
struct Demo<'a> {
    db: &'a DatabaseConnection,
    tenant_id: Uuid,
    code: String,
    zone: Tz,
    now: DateTime<Utc>,
    today: NaiveDate,
    summary: DemoSummary,
}

#[cfg(test)]
mod tests {
    use super::npi;

    #[test]
    fn npis_get_their_check_digit() {
        assert_eq!(npi("123456789").expect("an NPI"), "1234567893");
    }
}

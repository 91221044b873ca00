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
use crate::data::audit::{self, Action};
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

impl Demo<'_> {
    /// The day `offset` days from today (negative: in the past).
    fn day(&self, offset: i64) -> NaiveDate {
        self.today + TimeDelta::days(offset)
    }

    /// `hour:minute` of the tenant's day `offset` days from today.
    fn local(&self, offset: i64, hour: u32, minute: u32) -> DateTime<Utc> {
        let day = self.day(offset);
        day.and_hms_opt(hour, minute, 0)
            .and_then(|local| self.zone.from_local_datetime(&local).earliest())
            .map_or_else(|| clock::day_start(self.zone, day), |at| at.to_utc())
    }

    /// `hour:minute` of the tenant's day `days` days ago (at least one: today's steps use
    /// [`Self::minutes_ago`], which stays in the past whatever the hour).
    fn ago(&self, days: i64, hour: u32, minute: u32) -> DateTime<Utc> {
        self.local(-days.max(1), hour, minute)
    }

    fn minutes_ago(&self, minutes: i64) -> DateTime<Utc> {
        self.now - TimeDelta::minutes(minutes)
    }

    /// Inserts a row through the audited insert, as `user` at `at`.
    async fn insert<A>(&mut self, user: &str, at: DateTime<Utc>, row: A) -> anyhow::Result<Uuid>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        A::Entity: TenantOwned,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        Box::pin(async move {
            context::set_actor(user);
            let model = insert_audited(self.db, self.tenant_id, at, row)
                .await
                .map_err(|e| failed("inserting a demo row", e))?;
            Ok(<A::Entity as TenantOwned>::id_of(&model))
        })
        .await
    }

    /// Creates an order of `kind` as `POST /{orders}` does: its number and row in one
    /// transaction with its read-model row. `number_day` is a surgical case's day.
    async fn order<A>(
        &mut self,
        kind: OrderKind,
        number_day: Option<NaiveDate>,
        user: &str,
        at: DateTime<Utc>,
        build: impl FnOnce(Uuid, String, i64) -> A,
    ) -> anyhow::Result<Uuid>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        A::Entity: TenantOwned,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        Box::pin(async move {
            let prefix = kind.info().number_prefix;
            let scope = number_day.map(|day| day.format("%Y%m%d").to_string());
            let txn = self.db.begin().await?;
            let counter = next_number(&txn, self.tenant_id, prefix, scope.as_deref().unwrap_or(""))
                .await
                .map_err(|e| failed("numbering an order", e))?;
            let (number, value) = match &scope {
                Some(day) => (
                    day_number(prefix, day, counter),
                    day_number_value(day, counter),
                ),
                None => (tenant_number(prefix, &self.code, counter), counter),
            };
            let id = Uuid::now_v7();
            context::set_actor(user);
            insert_audited(&txn, self.tenant_id, at, build(id, number, value))
                .await
                .map_err(|e| failed("inserting an order", e))?;
            read_model::refresh_in(
                &txn,
                self.tenant_id,
                self.zone,
                at,
                Scope::Orders(vec![(kind, id)]),
            )
            .await
            .map_err(|e| failed("refreshing an order's approval state", e))?;
            txn.commit().await?;
            self.summary.orders += 1;
            Ok(id)
        })
        .await
    }

    /// Moves order `id` to `status` along its lifecycle, with `changes` (as `PATCH` does: a
    /// versioned, audited write and the order's read-model row).
    async fn move_order<E, S>(
        &mut self,
        kind: OrderKind,
        id: Uuid,
        status: S,
        user: &str,
        at: DateTime<Utc>,
        mut changes: E::ActiveModel,
    ) -> anyhow::Result<()>
    where
        E: TenantOwned,
        E::Model: Clone + OrderRow,
        S: Lifecycle,
    {
        Box::pin(async move {
            let before = find_in_tenant::<E, _>(self.db, self.tenant_id, id)
                .await
                .map_err(|e| failed("reading an order", e))?;
            let from = S::parse_stored(before.status()).map_err(|e| failed("an order", e))?;
            from.ensure_open()
                .and_then(|()| from.check(status))
                .map_err(|e| failed("moving an order", e))?;
            let column: E::Column = "status"
                .parse()
                .map_err(|_| anyhow!("an order table without status"))?;
            changes.try_set(column, status.as_ref().to_owned().into())?;
            let mut model = before.clone();
            context::set_actor(user);
            let txn = self.db.begin().await?;
            save_patch(
                &txn,
                self.tenant_id,
                &before,
                &mut model,
                false,
                at,
                changes,
            )
            .await
            .map_err(|e| failed("changing an order", e))?;
            read_model::refresh(&txn, self.tenant_id, at, Scope::Orders(vec![(kind, id)]))
                .await
                .map_err(|e| failed("refreshing an order's approval state", e))?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    /// Creates a request about an order as `POST /{orders}/{id}/approval-requests` does: filled
    /// from the order (then the template), under the coverage in force on the date that
    /// matters unless `start` names one, numbered, with history row 1.
    async fn request(
        &mut self,
        kind: OrderKind,
        order_id: Uuid,
        user: &str,
        at: DateTime<Utc>,
        start: Start,
    ) -> anyhow::Result<approval_request::Model> {
        Box::pin(async move {
            let today = clock::today(self.zone, at);
            let order = Order::load(self.db, self.tenant_id, kind, order_id)
                .await
                .map_err(|e| failed("reading an order", e))?;
            let prefill = order
                .prefill(self.zone, today)
                .map_err(|e| failed("filling a request", e))?;
            let template = match start.template {
                Some(id) => Some(
                    active_template(self.db, self.tenant_id, id)
                        .await
                        .map_err(|e| failed("reading a template", e))?,
                ),
                None => None,
            };
            let fill = TemplateFill::of(template.as_ref()).map_err(|e| failed("a template", e))?;
            let coverage = match start.coverage {
                Some(id) => id,
                None => {
                    let day = order.date_that_matters(self.zone, today);
                    coverage_in_force(self.db, self.tenant_id, order.patient_id(), day)
                        .await
                        .map_err(|e| failed("choosing a coverage", e))?
                        .map(|c| c.id)
                        .with_context(|| format!("the demo patient has no coverage on {day}"))?
                }
            };
            let content = Content {
                request_type: prefill.request_type.to_owned(),
                insurance_info_id: Some(coverage),
                service_description: fill
                    .service_description
                    .or(Some(prefill.service_description)),
                procedure_codes: fill.procedure_codes.unwrap_or(prefill.procedure_codes),
                diagnosis_codes: prefill.diagnosis_codes,
                clinical_justification: fill
                    .clinical_justification
                    .or(Some(prefill.clinical_justification)),
                requesting_provider_id: Some(prefill.requesting_provider_id),
                service_start_date: Some(prefill.service_start_date),
                service_end_date: None,
                priority: prefill.priority,
                is_expedited: prefill.is_expedited,
                requested_quantity: Some(prefill.requested_quantity),
            };
            content
                .check(self.db, self.tenant_id, order.patient_id())
                .await
                .map_err(|e| failed("checking a request", e))?;
            let status = if start.draft {
                InitialStatus::Draft
            } else {
                InitialStatus::PendingSubmission
            };
            let mut row = self.new_request(user, at, order.patient_id(), start.template, status);
            content.write(&mut row);
            kind.set_link(&mut row, order.id());
            self.create_request(user, at, row).await
        })
        .await
    }

    fn new_request(
        &self,
        user: &str,
        at: DateTime<Utc>,
        patient_id: Uuid,
        template_id: Option<Uuid>,
        status: InitialStatus,
    ) -> approval_request::Model {
        let actor = Actor {
            tenant_id: self.tenant_id,
            tenant_code: &self.code,
            user,
            now: at,
        };
        new_row(&actor, patient_id, template_id, status)
    }

    async fn create_request(
        &mut self,
        user: &str,
        at: DateTime<Utc>,
        row: approval_request::Model,
    ) -> anyhow::Result<approval_request::Model> {
        Box::pin(async move {
            let actor = Actor {
                tenant_id: self.tenant_id,
                tenant_code: &self.code,
                user,
                now: at,
            };
            context::set_actor(user);
            let model = service::create(self.db, &actor, row)
                .await
                .map_err(|e| failed("creating a request", e))?;
            self.summary.requests += 1;
            Ok(model)
        })
        .await
    }

    /// Moves `request` as `POST /approval-requests/{id}/transitions` does, as `user` at `at`
    /// (judged on that day).
    async fn step(
        &mut self,
        request: &mut approval_request::Model,
        user: &str,
        at: DateTime<Utc>,
        transition: TransitionRequest,
    ) -> anyhow::Result<()> {
        Box::pin(async move {
            let today = clock::today(self.zone, at);
            context::set_actor(user);
            *request = service::transition(self.db, request, &transition, user, today, at, false)
                .await
                .map_err(|e| {
                    failed(
                        &format!(
                            "moving {} to {}",
                            request.approval_number, transition.to_status
                        ),
                        e,
                    )
                })?;
            self.summary.transitions += 1;
            Ok(())
        })
        .await
    }

    /// Logs an exchange with the payer about `request`, as the communication endpoint does.
    async fn note(
        &mut self,
        request: &approval_request::Model,
        user: &str,
        at: DateTime<Utc>,
        note: Note<'_>,
    ) -> anyhow::Result<()> {
        Box::pin(async move {
            context::set_actor(user);
            let txn = self.db.begin().await?;
            let model = communication::ActiveModel {
                id: Set(Uuid::now_v7()),
                tenant_id: Set(self.tenant_id),
                approval_request_id: Set(request.id),
                channel: Set(note.channel.to_owned()),
                direction: Set(note.direction.to_owned()),
                contact_name: Set(note.contact.map(str::to_owned)),
                summary: Set(note.summary.to_owned()),
                outcome: Set(note.outcome.map(str::to_owned)),
                follow_up_date: Set(note.follow_up),
                author: Set(user.to_owned()),
                created_at: Set(at),
            }
            .insert(&txn)
            .await?;
            audit::record(
                &txn,
                self.tenant_id,
                at,
                Action::Create,
                "approval_communication",
                model.id,
                audit::created(&model),
            )
            .await
            .map_err(|e| failed("auditing a communication", e))?;
            txn.commit().await?;
            self.summary.communications += 1;
            Ok(())
        })
        .await
    }

    /// Attaches a document's metadata to `request`, as the documents endpoint does.
    async fn attach(
        &mut self,
        request: &approval_request::Model,
        user: &str,
        at: DateTime<Utc>,
        (title, kind, reference): (&str, &str, &str),
    ) -> anyhow::Result<()> {
        Box::pin(async move {
            context::set_actor(user);
            let txn = self.db.begin().await?;
            let model = document::ActiveModel {
                id: Set(Uuid::now_v7()),
                tenant_id: Set(self.tenant_id),
                approval_request_id: Set(request.id),
                title: Set(title.to_owned()),
                kind: Set(kind.to_owned()),
                reference: Set(reference.to_owned()),
                sha256: Set(Some(sha256_of(&format!("{title}\n{reference}")))),
                author: Set(user.to_owned()),
                created_at: Set(at),
            }
            .insert(&txn)
            .await?;
            audit::record(
                &txn,
                self.tenant_id,
                at,
                Action::Create,
                "approval_document",
                model.id,
                audit::created(&model),
            )
            .await
            .map_err(|e| failed("auditing a document", e))?;
            txn.commit().await?;
            self.summary.documents += 1;
            Ok(())
        })
        .await
    }

    async fn provider(
        &mut self,
        name: &str,
        role: &str,
        npi: Option<String>,
        licence: Option<&str>,
    ) -> anyhow::Result<Uuid> {
        let at = self.ago(400, 9, 0);
        let id = self
            .insert(
                ADMIN,
                at,
                provider::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    tenant_id: Set(self.tenant_id),
                    name: Set(name.to_owned()),
                    npi: Set(npi),
                    licence_number: Set(licence.map(str::to_owned)),
                    role: Set(role.to_owned()),
                    created_at: Set(at),
                    updated_at: Set(at),
                    version: Set(1),
                },
            )
            .await?;
        self.summary.providers += 1;
        Ok(id)
    }

    async fn patient(
        &mut self,
        number: u32,
        (given, family): (&str, &str),
        birth: (i32, u32, u32),
        sex: &str,
    ) -> anyhow::Result<Uuid> {
        let at = self.ago(380, 10, number);
        let birth_date = NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2)
            .with_context(|| format!("birth date of {given} {family}"))?;
        let id = self
            .insert(
                PHYSICIAN,
                at,
                patient::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    tenant_id: Set(self.tenant_id),
                    mrn: Set(format!("DEMO-{number:06}")),
                    given_name: Set(given.to_owned()),
                    family_name: Set(family.to_owned()),
                    birth_date: Set(birth_date),
                    sex: Set(sex.to_owned()),
                    created_at: Set(at),
                    updated_at: Set(at),
                    version: Set(1),
                },
            )
            .await?;
        self.summary.patients += 1;
        Ok(id)
    }

    /// A coverage of `patient`: `payer` is (name, payer id, plan), in force from `from` days
    /// ago, until `until` days from today when given (negative: it ended).
    async fn coverage(
        &mut self,
        patient_id: Uuid,
        payer: (&str, &str, &str),
        (member, priority): (&str, &str),
        from: i64,
        until: Option<i64>,
    ) -> anyhow::Result<Uuid> {
        let at = self.ago(from.clamp(1, 370), 11, 0);
        let id = self
            .insert(
                PHYSICIAN,
                at,
                insurance_info::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    tenant_id: Set(self.tenant_id),
                    patient_id: Set(patient_id),
                    payer_name: Set(payer.0.to_owned()),
                    payer_id: Set(payer.1.to_owned()),
                    plan_name: Set(Some(payer.2.to_owned())),
                    member_id: Set(member.to_owned()),
                    group_number: Set(Some(format!("GRP-{}", &member[member.len() - 3..]))),
                    priority: Set(priority.to_owned()),
                    effective_date: Set(self.day(-from)),
                    termination_date: Set(until.map(|days| self.day(days))),
                    created_at: Set(at),
                    updated_at: Set(at),
                    version: Set(1),
                },
            )
            .await?;
        self.summary.coverages += 1;
        Ok(id)
    }

    async fn medication(
        &mut self,
        (display, generic): (&str, &str),
        ndc: &str,
        formulary_status: &str,
        controlled: bool,
    ) -> anyhow::Result<Uuid> {
        crate::domain::validate::ndc(ndc).map_err(|e| anyhow!("NDC {ndc}: {e}"))?;
        let at = self.ago(390, 9, 30);
        let id = self
            .insert(
                ADMIN,
                at,
                medication::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    tenant_id: Set(self.tenant_id),
                    display_name: Set(display.to_owned()),
                    generic_name: Set(Some(generic.to_owned())),
                    ndc_number: Set(ndc.to_owned()),
                    formulary_status: Set(formulary_status.to_owned()),
                    is_controlled_substance: Set(controlled),
                    created_at: Set(at),
                    updated_at: Set(at),
                    version: Set(1),
                },
            )
            .await?;
        self.summary.medications += 1;
        Ok(id)
    }

    async fn template(
        &mut self,
        (name, request_type, payer): (&str, &str, Option<&str>),
        (codes, description, justification): (&[&str], &str, &str),
        documents: &[&str],
        turnaround_days: i32,
    ) -> anyhow::Result<Uuid> {
        let at = self.ago(300, 14, 0);
        let id = self
            .insert(
                ADMIN,
                at,
                approval_template::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    tenant_id: Set(self.tenant_id),
                    name: Set(name.to_owned()),
                    request_type: Set(request_type.to_owned()),
                    payer_name: Set(payer.map(str::to_owned)),
                    procedure_codes: Set(serde_json::json!(codes)),
                    service_description: Set(Some(description.to_owned())),
                    clinical_justification: Set(Some(justification.to_owned())),
                    required_documents: Set(serde_json::json!(documents)),
                    typical_turnaround_days: Set(Some(turnaround_days)),
                    is_active: Set(true),
                    created_at: Set(at),
                    updated_at: Set(at),
                    version: Set(1),
                },
            )
            .await?;
        self.summary.templates += 1;
        Ok(id)
    }

    #[expect(clippy::too_many_arguments, reason = "each is a field of the order")]
    async fn lab(
        &mut self,
        (patient_id, provider_id): (Uuid, Uuid),
        tests: &[(&str, Option<&str>)],
        (diagnosis, indication): (&str, &str),
        collection: Option<DateTime<Utc>>,
        priority: &str,
        user: &str,
        at: DateTime<Utc>,
    ) -> anyhow::Result<Uuid> {
        let tests: Vec<serde_json::Value> = tests
            .iter()
            .map(|(name, code)| serde_json::json!({"test_name": name, "cpt_code": code}))
            .collect();
        let zone = self.zone;
        let (tenant_id, diagnosis, indication, priority) = (
            self.tenant_id,
            diagnosis.to_owned(),
            indication.to_owned(),
            priority.to_owned(),
        );
        self.order(OrderKind::Lab, None, user, at, |id, number, value| {
            lab_order::ActiveModel {
                id: Set(id),
                tenant_id: Set(tenant_id),
                order_number: Set(number),
                number_value: Set(value),
                patient_id: Set(patient_id),
                ordering_provider_id: Set(provider_id),
                tests: Set(serde_json::Value::Array(tests)),
                diagnosis_code: Set(diagnosis),
                clinical_indication: Set(indication),
                collection_datetime: Set(collection),
                service_date: Set(service_date(zone, collection)),
                priority: Set(priority),
                status: Set(ServiceOrderStatus::INITIAL.as_ref().to_owned()),
                created_at: Set(at),
                updated_at: Set(at),
                version: Set(1),
            }
        })
        .await
    }

    #[expect(clippy::too_many_arguments, reason = "each is a field of the order")]
    async fn imaging(
        &mut self,
        (patient_id, provider_id): (Uuid, Uuid),
        (modality, study, body_part, code): (&str, &str, &str, &str),
        (diagnosis, indication): (&str, &str),
        requested: DateTime<Utc>,
        is_stat: bool,
        user: &str,
        at: DateTime<Utc>,
    ) -> anyhow::Result<Uuid> {
        let zone = self.zone;
        let tenant_id = self.tenant_id;
        let (modality, study, body_part, code) = (
            modality.to_owned(),
            study.to_owned(),
            body_part.to_owned(),
            code.to_owned(),
        );
        let (diagnosis, indication) = (diagnosis.to_owned(), indication.to_owned());
        self.order(OrderKind::Imaging, None, user, at, |id, number, value| {
            imaging_order::ActiveModel {
                id: Set(id),
                tenant_id: Set(tenant_id),
                order_number: Set(number),
                number_value: Set(value),
                patient_id: Set(patient_id),
                ordering_provider_id: Set(provider_id),
                modality: Set(modality),
                study_description: Set(study),
                body_part: Set(body_part),
                diagnosis_code: Set(diagnosis),
                clinical_indication: Set(indication),
                requested_datetime: Set(Some(requested)),
                service_date: Set(service_date(zone, Some(requested))),
                is_stat: Set(is_stat),
                cpt_codes: Set(serde_json::json!([code])),
                status: Set(ServiceOrderStatus::INITIAL.as_ref().to_owned()),
                created_at: Set(at),
                updated_at: Set(at),
                version: Set(1),
            }
        })
        .await
    }

    /// A prescription; `recorded` is a prior authorization obtained outside the service
    /// (number, expiry).
    #[expect(clippy::too_many_arguments, reason = "each is a field of the order")]
    async fn prescription(
        &mut self,
        (patient_id, prescriber_id, medication_id): (Uuid, Uuid, Uuid),
        (quantity, unit): (i64, &str),
        (diagnosis, indication): (&str, Option<&str>),
        required: bool,
        recorded: Option<(&str, NaiveDate)>,
        user: &str,
        at: DateTime<Utc>,
    ) -> anyhow::Result<Uuid> {
        let tenant_id = self.tenant_id;
        let written = clock::today(self.zone, at);
        let (unit, diagnosis, indication) = (
            unit.to_owned(),
            diagnosis.to_owned(),
            indication.map(str::to_owned),
        );
        self.order(OrderKind::Pharmacy, None, user, at, |id, number, value| {
            prescription::ActiveModel {
                id: Set(id),
                tenant_id: Set(tenant_id),
                prescription_number: Set(number),
                number_value: Set(value),
                patient_id: Set(patient_id),
                prescriber_id: Set(prescriber_id),
                medication_id: Set(medication_id),
                quantity_prescribed: Set(Decimal::new(quantity, 0)),
                quantity_unit: Set(unit),
                diagnosis_code: Set(diagnosis),
                indication: Set(indication),
                date_written: Set(written),
                prior_authorization_required: Set(required),
                prior_authorization_number: Set(recorded.map(|(n, _)| n.to_owned())),
                prior_authorization_expiry: Set(recorded.map(|(_, day)| day)),
                status: Set(PrescriptionStatus::INITIAL.as_ref().to_owned()),
                created_at: Set(at),
                updated_at: Set(at),
                version: Set(1),
            }
        })
        .await
    }

    #[expect(clippy::too_many_arguments, reason = "each is a field of the order")]
    async fn surgery(
        &mut self,
        (patient_id, surgeon_id): (Uuid, Uuid),
        (procedure, code): (&str, &str),
        (diagnosis, diagnosis_code): (&str, &str),
        scheduled: DateTime<Utc>,
        is_emergency: bool,
        user: &str,
        at: DateTime<Utc>,
    ) -> anyhow::Result<Uuid> {
        let zone = self.zone;
        let tenant_id = self.tenant_id;
        let day = clock::local_date(zone, scheduled);
        let (procedure, code, diagnosis, diagnosis_code) = (
            procedure.to_owned(),
            code.to_owned(),
            diagnosis.to_owned(),
            diagnosis_code.to_owned(),
        );
        self.order(
            OrderKind::Surgery,
            Some(day),
            user,
            at,
            |id, number, value| surgical_case::ActiveModel {
                id: Set(id),
                tenant_id: Set(tenant_id),
                case_number: Set(number),
                number_value: Set(value),
                patient_id: Set(patient_id),
                primary_surgeon_id: Set(surgeon_id),
                primary_procedure: Set(procedure),
                procedure_codes: Set(serde_json::json!([code])),
                diagnosis: Set(diagnosis),
                diagnosis_codes: Set(serde_json::json!([diagnosis_code])),
                clinical_notes: Set(None),
                scheduled_start: Set(scheduled),
                service_date: Set(Some(day)),
                is_emergency: Set(is_emergency),
                status: Set(SurgicalCaseStatus::INITIAL.as_ref().to_owned()),
                created_at: Set(at),
                updated_at: Set(at),
                version: Set(1),
            },
        )
        .await
    }

    async fn lab_status(
        &mut self,
        id: Uuid,
        status: ServiceOrderStatus,
        at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        self.move_order::<lab_order::Entity, _>(
            OrderKind::Lab,
            id,
            status,
            PHYSICIAN,
            at,
            Default::default(),
        )
        .await
    }

    async fn imaging_status(
        &mut self,
        id: Uuid,
        status: ServiceOrderStatus,
        at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        self.move_order::<imaging_order::Entity, _>(
            OrderKind::Imaging,
            id,
            status,
            PHYSICIAN,
            at,
            Default::default(),
        )
        .await
    }

    async fn prescription_status(
        &mut self,
        id: Uuid,
        status: PrescriptionStatus,
        at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        self.move_order::<prescription::Entity, _>(
            OrderKind::Pharmacy,
            id,
            status,
            PHARMACIST,
            at,
            Default::default(),
        )
        .await
    }

    async fn surgery_status(
        &mut self,
        id: Uuid,
        status: SurgicalCaseStatus,
        at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        self.move_order::<surgical_case::Entity, _>(
            OrderKind::Surgery,
            id,
            status,
            SURGEON,
            at,
            Default::default(),
        )
        .await
    }

    /// The whole story.
    async fn run(&mut self) -> anyhow::Result<()> {
        use ApprovalStatus::*;
        use SubmissionMethod::{Fax, Mail, Phone, Portal};

        // Providers: physicians, a surgeon, a radiologist, a pharmacist and the desk's
        // coordinator (staff: a licence, no NPI).
        let testwell = self
            .provider(
                "Dr. Ima Testwell",
                "PHYSICIAN",
                Some(npi("190000001")?),
                Some("DEMO-MD-1001"),
            )
            .await?;
        let placeholder = self
            .provider(
                "Dr. Hugo Placeholder",
                "PHYSICIAN",
                Some(npi("190000002")?),
                None,
            )
            .await?;
        let sample = self
            .provider(
                "Dr. Seymour Sample",
                "SURGEON",
                Some(npi("190000003")?),
                Some("DEMO-MD-1003"),
            )
            .await?;
        self.provider(
            "Dr. Rae Diograph",
            "RADIOLOGIST",
            Some(npi("190000004")?),
            None,
        )
        .await?;
        self.provider(
            "Phil Macy, PharmD (demo)",
            "PHARMACIST",
            None,
            Some("DEMO-RPH-2001"),
        )
        .await?;
        self.provider(
            "Cora Ordinator (demo coordinator)",
            "COORDINATOR",
            None,
            Some("DEMO-STAFF-3001"),
        )
        .await?;

        // Payers (made up).
        let acme = ("Acme Demo Health", "ACMEDEMO", "Acme Demo Gold PPO");
        let mutual = (
            "Example Mutual Insurance",
            "EXMUTUAL",
            "Example Mutual Standard HMO",
        );
        let care = ("Placeholder Care Plan", "PHCARE", "Placeholder Care Senior");

        // Patients: most with a primary coverage, some with a secondary too, one with none,
        // one whose only coverage ended, one who changed payers this year.
        let alice = self
            .patient(1, ("Alice", "Example"), (1958, 4, 12), "FEMALE")
            .await?;
        let alice_primary = self
            .coverage(alice, acme, ("ADH-4410001", "PRIMARY"), 730, None)
            .await?;
        let alice_secondary = self
            .coverage(alice, mutual, ("EXM-7700101", "SECONDARY"), 365, None)
            .await?;
        let bruno = self
            .patient(2, ("Bruno", "Placeholder"), (1971, 9, 3), "MALE")
            .await?;
        self.coverage(bruno, mutual, ("EXM-7700202", "PRIMARY"), 540, None)
            .await?;
        let carla = self
            .patient(3, ("Carla", "Sampleton"), (1990, 1, 27), "FEMALE")
            .await?;
        self.coverage(carla, acme, ("ADH-4410003", "PRIMARY"), 400, None)
            .await?;
        let dmitri = self
            .patient(4, ("Dmitri", "Testcase"), (1949, 11, 30), "MALE")
            .await?;
        self.coverage(dmitri, care, ("PCP-5500004", "PRIMARY"), 900, None)
            .await?;
        let erin = self
            .patient(5, ("Erin", "Dummyworth"), (1985, 6, 8), "FEMALE")
            .await?;
        let felix = self
            .patient(6, ("Felix", "Fakenbury"), (2001, 2, 14), "MALE")
            .await?;
        self.coverage(felix, mutual, ("EXM-7700606", "PRIMARY"), 1_000, Some(-120))
            .await?;
        self.coverage(felix, acme, ("ADH-4410006", "PRIMARY"), 119, None)
            .await?;
        let gina = self
            .patient(7, ("Gina", "Mockwell"), (1966, 8, 19), "FEMALE")
            .await?;
        self.coverage(gina, acme, ("ADH-4410007", "PRIMARY"), 600, None)
            .await?;
        let hector = self
            .patient(8, ("Hector", "Notreal"), (1979, 3, 5), "MALE")
            .await?;
        self.coverage(hector, mutual, ("EXM-7700808", "PRIMARY"), 800, None)
            .await?;
        self.coverage(hector, care, ("PCP-5500008", "SECONDARY"), 200, None)
            .await?;
        let ivy = self
            .patient(9, ("Ivy", "Unreal"), (1995, 12, 1), "OTHER")
            .await?;
        self.coverage(ivy, care, ("PCP-5500009", "PRIMARY"), 300, None)
            .await?;
        let jonas = self
            .patient(10, ("Jonas", "Specimen"), (1962, 7, 22), "UNKNOWN")
            .await?;
        self.coverage(jonas, acme, ("ADH-4410010", "PRIMARY"), 700, Some(-30))
            .await?;

        // The formulary (made-up medications; NDCs in a labeler range no real product uses).
        let examplostatin = self
            .medication(
                ("Examplostatin 20 mg tablet", "examplostatin"),
                "99999-0101-01",
                "FORMULARY",
                false,
            )
            .await?;
        self.medication(
            ("Demoprazole 40 mg capsule", "demoprazole"),
            "99999-0102-01",
            "FORMULARY",
            false,
        )
        .await?;
        let fictumab = self
            .medication(
                ("Fictumab 100 mg/mL injection", "fictumab"),
                "99999-0201-10",
                "PRIOR_AUTH",
                false,
            )
            .await?;
        let samplinib = self
            .medication(
                ("Samplinib 150 mg tablet", "samplinib"),
                "99999-0202-30",
                "PRIOR_AUTH",
                false,
            )
            .await?;
        let mockcodone = self
            .medication(
                ("Mockcodone 5 mg tablet", "mockcodone"),
                "99999-0301-20",
                "RESTRICTED",
                true,
            )
            .await?;
        let placebrex = self
            .medication(
                ("Placebrex 200 mg capsule", "placebrex"),
                "99999-0401-60",
                "NON_FORMULARY",
                false,
            )
            .await?;

        // Templates.
        let mri_template = self
            .template(
                (
                    "MRI brain - Acme Demo Health",
                    "RADIOLOGY",
                    Some("Acme Demo Health"),
                ),
                (
                    &["70553"],
                    "MRI brain without and with contrast",
                    "New or changing neurological symptoms not explained by prior imaging",
                ),
                &["Neurology clinic note", "Prior imaging report, if any"],
                5,
            )
            .await?;
        let knee_template = self
            .template(
                ("Total knee arthroplasty", "SURGERY", None),
                (
                    &["27447"],
                    "Total knee arthroplasty",
                    "End-stage osteoarthritis with pain and loss of function despite at least 12 weeks of conservative treatment",
                ),
                &[
                    "Orthopedic consult note",
                    "Weight-bearing knee X-ray report",
                    "Physical therapy record (12+ weeks)",
                ],
                10,
            )
            .await?;
        self.template(
            ("Biologic therapy - Fictumab", "PHARMACY", None),
            (
                &["99999-0201-10"],
                "Fictumab 100 mg/mL injection",
                "Moderate to severe disease despite two conventional therapies",
            ),
            &[
                "Specialist note",
                "History of failed conventional therapies",
            ],
            7,
        )
        .await?;

        // ---- Lab orders ----
        // APPROVAL_REQUIRED: nothing asked yet.
        self.lab(
            (alice, testwell),
            &[
                ("Hemoglobin A1c", Some("83036")),
                ("Lipid panel", Some("80061")),
            ],
            ("E11.9", "Type 2 diabetes follow-up"),
            Some(self.local(3, 8, 0)),
            "ROUTINE",
            PHYSICIAN,
            self.minutes_ago(90),
        )
        .await?;
        // NO_INSURANCE: a self-pay patient.
        self.lab(
            (erin, placeholder),
            &[("Complete blood count", Some("85025"))],
            ("D64.9", "Fatigue; rule out anemia"),
            Some(self.local(1, 7, 30)),
            "ROUTINE",
            PHYSICIAN,
            self.minutes_ago(80),
        )
        .await?;
        // DRAFT: a genetic panel the physician is still writing up.
        let panel = self
            .lab(
                (bruno, testwell),
                &[("Hereditary cancer gene panel", Some("81162"))],
                (
                    "Z80.3",
                    "Family history of breast cancer; genetic counseling completed",
                ),
                Some(self.local(10, 9, 0)),
                "ROUTINE",
                PHYSICIAN,
                self.ago(2, 10, 15),
            )
            .await?;
        self.request(
            OrderKind::Lab,
            panel,
            PHYSICIAN,
            self.ago(2, 10, 40),
            Start {
                draft: true,
                ..Start::default()
            },
        )
        .await?;
        // PENDING_SUBMISSION: ready for the desk; the order is scheduled.
        let vitamin_d = self
            .lab(
                (carla, placeholder),
                &[("Vitamin D, 25-hydroxy", Some("82306"))],
                ("E55.9", "Suspected vitamin D deficiency"),
                Some(self.local(5, 8, 15)),
                "ROUTINE",
                PHYSICIAN,
                self.ago(1, 11, 0),
            )
            .await?;
        self.lab_status(vitamin_d, ServiceOrderStatus::Scheduled, self.ago(1, 11, 5))
            .await?;
        self.request(
            OrderKind::Lab,
            vitamin_d,
            PHYSICIAN,
            self.ago(1, 11, 20),
            Start::default(),
        )
        .await?;
        // NOT_REQUIRED (cancelled order) with a CANCELLED request.
        let thyroid = self
            .lab(
                (dmitri, testwell),
                &[("Thyroid stimulating hormone", Some("84443"))],
                ("R53.83", "Fatigue"),
                Some(self.local(-15, 8, 0)),
                "ROUTINE",
                PHYSICIAN,
                self.ago(20, 9, 0),
            )
            .await?;
        let mut thyroid_request = self
            .request(
                OrderKind::Lab,
                thyroid,
                PHYSICIAN,
                self.ago(20, 9, 30),
                Start::default(),
            )
            .await?;
        self.lab_status(thyroid, ServiceOrderStatus::Cancelled, self.ago(18, 14, 0))
            .await?;
        self.step(
            &mut thyroid_request,
            PHYSICIAN,
            self.ago(18, 14, 5),
            because(
                Cancelled,
                "Order cancelled: TSH was drawn at an outside clinic last week",
            ),
        )
        .await?;
        // SUBMITTED: an urgent panel sent through the portal this morning.
        let metabolic = self
            .lab(
                (gina, testwell),
                &[
                    ("Comprehensive metabolic panel", Some("80053")),
                    ("Magnesium", Some("83735")),
                ],
                ("E87.6", "Hypokalemia on diuretics"),
                Some(self.local(2, 7, 45)),
                "URGENT",
                PHYSICIAN,
                self.minutes_ago(300),
            )
            .await?;
        let mut metabolic_request = self
            .request(
                OrderKind::Lab,
                metabolic,
                PHYSICIAN,
                self.minutes_ago(290),
                Start::default(),
            )
            .await?;
        self.step(
            &mut metabolic_request,
            COORDINATOR,
            self.minutes_ago(240),
            submit(Portal, "ADH-CASE-880411"),
        )
        .await?;
        self.note(
            &metabolic_request,
            COORDINATOR,
            self.minutes_ago(238),
            Note {
                channel: "PORTAL",
                direction: "OUTBOUND",
                contact: None,
                summary: "Submitted through the Acme Demo Health provider portal as urgent",
                outcome: Some("Case ADH-CASE-880411 opened"),
                follow_up: Some(self.day(1)),
            },
        )
        .await?;

        // ---- Imaging orders ----
        // UNDER_REVIEW: from the MRI template, with a clinic note and two calls.
        let mri = self
            .imaging(
                (alice, testwell),
                (
                    "MR",
                    "MRI brain without and with contrast",
                    "Brain",
                    "70553",
                ),
                ("G43.909", "Migraine with new visual aura"),
                self.local(7, 13, 0),
                false,
                PHYSICIAN,
                self.ago(6, 10, 0),
            )
            .await?;
        let mut mri_request = self
            .request(
                OrderKind::Imaging,
                mri,
                PHYSICIAN,
                self.ago(6, 10, 20),
                Start {
                    template: Some(mri_template),
                    ..Start::default()
                },
            )
            .await?;
        self.attach(
            &mri_request,
            PHYSICIAN,
            self.ago(6, 10, 25),
            (
                "Neurology clinic note (demo)",
                "CLINICAL_NOTE",
                "dms://demo/notes/10001",
            ),
        )
        .await?;
        self.step(
            &mut mri_request,
            COORDINATOR,
            self.ago(5, 9, 10),
            submit(Portal, "ADH-CASE-870022"),
        )
        .await?;
        self.note(
            &mri_request,
            COORDINATOR,
            self.ago(5, 9, 12),
            Note {
                channel: "PORTAL",
                direction: "OUTBOUND",
                contact: None,
                summary: "Submitted with the neurology note attached",
                outcome: Some("Case ADH-CASE-870022 opened"),
                follow_up: None,
            },
        )
        .await?;
        self.step(
            &mut mri_request,
            COORDINATOR,
            self.ago(3, 15, 0),
            to(UnderReview),
        )
        .await?;
        self.note(
            &mri_request,
            COORDINATOR,
            self.ago(3, 15, 5),
            Note {
                channel: "PHONE",
                direction: "INBOUND",
                contact: Some("Nurse reviewer (Acme Demo Health)"),
                summary: "Case assigned to a nurse reviewer; no further information needed for now",
                outcome: Some("Decision expected within five business days"),
                follow_up: Some(self.day(2)),
            },
        )
        .await?;
        // MORE_INFO_REQUIRED: the payer wants the ultrasound report; it is attached, not yet
        // resubmitted.
        let ct = self
            .imaging(
                (bruno, placeholder),
                (
                    "CT",
                    "CT abdomen and pelvis with contrast",
                    "Abdomen",
                    "74177",
                ),
                ("R10.9", "Persistent abdominal pain"),
                self.local(4, 10, 30),
                false,
                PHYSICIAN,
                self.ago(8, 9, 0),
            )
            .await?;
        let mut ct_request = self
            .request(
                OrderKind::Imaging,
                ct,
                PHYSICIAN,
                self.ago(8, 9, 20),
                Start::default(),
            )
            .await?;
        self.step(
            &mut ct_request,
            COORDINATOR,
            self.ago(7, 10, 0),
            submit(Fax, "EXM-PA-22190"),
        )
        .await?;
        self.step(
            &mut ct_request,
            COORDINATOR,
            self.ago(2, 16, 0),
            because(
                MoreInfoRequired,
                "Payer asks for the abdominal ultrasound report of last month",
            ),
        )
        .await?;
        self.note(
            &ct_request,
            COORDINATOR,
            self.ago(2, 16, 5),
            Note {
                channel: "FAX",
                direction: "INBOUND",
                contact: Some("Utilization management, Example Mutual"),
                summary: "Request for additional information: prior ultrasound report",
                outcome: Some("Report requested from radiology"),
                follow_up: Some(self.day(1)),
            },
        )
        .await?;
        self.attach(
            &ct_request,
            PHYSICIAN,
            self.ago(1, 9, 30),
            (
                "Abdominal ultrasound report (demo)",
                "IMAGING_REPORT",
                "dms://demo/reports/20417",
            ),
        )
        .await?;
        // APPROVED: an MRI approved yesterday, now scheduled.
        let spine = self
            .imaging(
                (hector, placeholder),
                (
                    "MR",
                    "MRI lumbar spine without contrast",
                    "Lumbar spine",
                    "72148",
                ),
                (
                    "M54.16",
                    "Lumbar radiculopathy after six weeks of physical therapy",
                ),
                self.local(2, 11, 0),
                false,
                PHYSICIAN,
                self.ago(9, 14, 0),
            )
            .await?;
        let mut spine_request = self
            .request(
                OrderKind::Imaging,
                spine,
                PHYSICIAN,
                self.ago(9, 14, 30),
                Start::default(),
            )
            .await?;
        self.step(
            &mut spine_request,
            COORDINATOR,
            self.ago(8, 10, 0),
            submit(Portal, "EXM-PA-22001"),
        )
        .await?;
        self.step(
            &mut spine_request,
            COORDINATOR,
            self.ago(1, 12, 0),
            grant(Approved, "EXM-AUTH-55012", self.day(90)),
        )
        .await?;
        self.imaging_status(spine, ServiceOrderStatus::Scheduled, self.ago(1, 12, 30))
            .await?;
        // APPEAL_SUBMITTED: a cardiac MRI denied, then appealed with the echo report.
        let cardiac = self
            .imaging(
                (hector, testwell),
                ("MR", "Cardiac MRI with contrast", "Heart", "75561"),
                (
                    "I42.9",
                    "Cardiomyopathy, etiology unclear on echocardiogram",
                ),
                self.local(14, 9, 0),
                false,
                PHYSICIAN,
                self.ago(16, 9, 0),
            )
            .await?;
        let mut cardiac_request = self
            .request(
                OrderKind::Imaging,
                cardiac,
                PHYSICIAN,
                self.ago(16, 9, 20),
                Start::default(),
            )
            .await?;
        self.step(
            &mut cardiac_request,
            COORDINATOR,
            self.ago(15, 10, 0),
            submit(Portal, "EXM-PA-21877"),
        )
        .await?;
        self.step(
            &mut cardiac_request,
            COORDINATOR,
            self.ago(12, 11, 0),
            denial(
                Denied,
                "Not medically necessary: echocardiogram findings do not support cardiac MRI",
                "MN-01",
            ),
        )
        .await?;
        self.attach(
            &cardiac_request,
            PHYSICIAN,
            self.ago(5, 9, 0),
            (
                "Echocardiogram report (demo)",
                "IMAGING_REPORT",
                "dms://demo/reports/19980",
            ),
        )
        .await?;
        self.step(
            &mut cardiac_request,
            COORDINATOR,
            self.ago(4, 10, 0),
            because(
                AppealSubmitted,
                "Echocardiogram inconclusive (report attached); cardiology needs tissue characterization",
            ),
        )
        .await?;
        self.note(
            &cardiac_request,
            COORDINATOR,
            self.ago(4, 10, 10),
            Note {
                channel: "MAIL",
                direction: "OUTBOUND",
                contact: Some("Appeals department, Example Mutual"),
                summary: "Letter of appeal with the echocardiogram report",
                outcome: None,
                follow_up: Some(self.day(10)),
            },
        )
        .await?;

        // ---- Prescriptions ----
        // NOT_REQUIRED: a formulary medication, filled long ago.
        let statin = self
            .prescription(
                (alice, testwell, examplostatin),
                (90, "tablet"),
                ("E78.5", Some("Hyperlipidemia")),
                false,
                None,
                PHYSICIAN,
                self.ago(60, 10, 0),
            )
            .await?;
        self.prescription_status(statin, PrescriptionStatus::Dispensed, self.ago(60, 15, 0))
            .await?;
        self.prescription_status(statin, PrescriptionStatus::Completed, self.ago(30, 9, 0))
            .await?;
        // PRIOR_AUTH_REQUIRED: a biologic, nothing asked yet.
        self.prescription(
            (bruno, placeholder, fictumab),
            (2, "syringe"),
            ("L40.50", Some("Psoriatic arthritis despite methotrexate")),
            false,
            None,
            PHYSICIAN,
            self.minutes_ago(60),
        )
        .await?;
        // APPROVED by a prior authorization recorded on the prescription.
        let samplinib_rx = self
            .prescription(
                (dmitri, testwell, samplinib),
                (30, "tablet"),
                ("C61", Some("Metastatic prostate cancer")),
                false,
                Some(("PCP-PA-7781", self.day(120))),
                PHYSICIAN,
                self.ago(10, 11, 0),
            )
            .await?;
        self.prescription_status(
            samplinib_rx,
            PrescriptionStatus::Dispensed,
            self.ago(9, 10, 0),
        )
        .await?;
        // PRIOR_AUTH_EXPIRED: the recorded authorization ran out two weeks ago.
        self.prescription(
            (felix, placeholder, fictumab),
            (2, "syringe"),
            ("L40.0", Some("Plaque psoriasis")),
            false,
            Some(("EXM-PA-30112", self.day(-15))),
            PHYSICIAN,
            self.ago(100, 10, 0),
        )
        .await?;
        // PARTIALLY_APPROVED: a controlled medication, five days granted of ten.
        let opioid = self
            .prescription(
                (carla, sample, mockcodone),
                (20, "tablet"),
                ("G89.18", Some("Acute postoperative pain")),
                false,
                None,
                SURGEON,
                self.ago(4, 16, 0),
            )
            .await?;
        let mut opioid_request = self
            .request(
                OrderKind::Pharmacy,
                opioid,
                PHYSICIAN,
                self.ago(4, 16, 20),
                Start::default(),
            )
            .await?;
        self.step(
            &mut opioid_request,
            COORDINATOR,
            self.ago(4, 17, 0),
            submit(Phone, "ADH-RX-99812"),
        )
        .await?;
        self.step(
            &mut opioid_request,
            COORDINATOR,
            self.ago(3, 10, 0),
            TransitionRequest {
                approved_quantity: Some(10),
                reason: Some("Payer approved a five-day supply".to_owned()),
                ..grant(PartiallyApproved, "ADH-AUTH-61200", self.day(27))
            },
        )
        .await?;
        // DENIED: a non-formulary medication the prescriber flagged for authorization.
        let placebrex_rx = self
            .prescription(
                (hector, testwell, placebrex),
                (60, "capsule"),
                ("K21.9", None),
                true,
                None,
                PHYSICIAN,
                self.ago(11, 10, 0),
            )
            .await?;
        let mut placebrex_request = self
            .request(
                OrderKind::Pharmacy,
                placebrex_rx,
                PHYSICIAN,
                self.ago(11, 10, 15),
                Start::default(),
            )
            .await?;
        self.step(
            &mut placebrex_request,
            COORDINATOR,
            self.ago(10, 9, 0),
            submit(Fax, "EXM-RX-41020"),
        )
        .await?;
        self.step(
            &mut placebrex_request,
            COORDINATOR,
            self.ago(6, 14, 0),
            denial(
                Denied,
                "Formulary alternative (Demoprazole) not tried",
                "STEP-02",
            ),
        )
        .await?;
        // APPEAL_APPROVED (the order APPROVED): a biologic denied for step therapy, then
        // approved on appeal.
        let biologic = self
            .prescription(
                (ivy, placeholder, fictumab),
                (2, "syringe"),
                (
                    "M05.79",
                    Some("Rheumatoid arthritis, failed two conventional therapies"),
                ),
                false,
                None,
                PHYSICIAN,
                self.ago(40, 9, 0),
            )
            .await?;
        let mut biologic_request = self
            .request(
                OrderKind::Pharmacy,
                biologic,
                PHYSICIAN,
                self.ago(40, 9, 30),
                Start::default(),
            )
            .await?;
        self.step(
            &mut biologic_request,
            COORDINATOR,
            self.ago(39, 10, 0),
            submit(Portal, "PCP-RX-18830"),
        )
        .await?;
        self.step(
            &mut biologic_request,
            COORDINATOR,
            self.ago(30, 11, 0),
            denial(Denied, "Step therapy not documented", "ST-01"),
        )
        .await?;
        self.attach(
            &biologic_request,
            PHYSICIAN,
            self.ago(26, 15, 0),
            (
                "Rheumatology note with treatment history (demo)",
                "CLINICAL_NOTE",
                "dms://demo/notes/10442",
            ),
        )
        .await?;
        self.step(
            &mut biologic_request,
            COORDINATOR,
            self.ago(25, 9, 0),
            because(
                AppealSubmitted,
                "Methotrexate and a second conventional therapy failed; see the rheumatology note",
            ),
        )
        .await?;
        self.step(
            &mut biologic_request,
            COORDINATOR,
            self.ago(10, 13, 0),
            grant(AppealApproved, "PCP-AUTH-30417", self.day(170)),
        )
        .await?;
        self.note(
            &biologic_request,
            COORDINATOR,
            self.ago(10, 13, 5),
            Note {
                channel: "PHONE",
                direction: "INBOUND",
                contact: Some("Appeals nurse, Placeholder Care Plan"),
                summary: "Appeal approved for six months",
                outcome: Some("Authorization PCP-AUTH-30417"),
                follow_up: None,
            },
        )
        .await?;
        self.prescription_status(biologic, PrescriptionStatus::Dispensed, self.ago(9, 11, 0))
            .await?;

        // ---- Surgical cases ----
        // APPROVED: the first request went to the secondary coverage by mistake and was
        // cancelled; the second, from the knee template, was approved. The case is confirmed.
        let knee = self
            .surgery(
                (alice, sample),
                ("Total knee arthroplasty, right", "27447"),
                ("Primary osteoarthritis, right knee", "M17.11"),
                self.local(21, 7, 30),
                false,
                SURGEON,
                self.ago(15, 9, 0),
            )
            .await?;
        let mut knee_first = self
            .request(
                OrderKind::Surgery,
                knee,
                SURGEON,
                self.ago(14, 9, 0),
                Start {
                    coverage: Some(alice_secondary),
                    ..Start::default()
                },
            )
            .await?;
        self.step(
            &mut knee_first,
            SURGEON,
            self.ago(13, 8, 30),
            because(
                Cancelled,
                "Made under the secondary coverage; asked again under the primary",
            ),
        )
        .await?;
        let mut knee_request = self
            .request(
                OrderKind::Surgery,
                knee,
                SURGEON,
                self.ago(13, 8, 45),
                Start {
                    coverage: Some(alice_primary),
                    template: Some(knee_template),
                    ..Start::default()
                },
            )
            .await?;
        for (title, kind, reference) in [
            (
                "Orthopedic consult note (demo)",
                "CLINICAL_NOTE",
                "dms://demo/notes/10871",
            ),
            (
                "Weight-bearing knee X-ray report (demo)",
                "IMAGING_REPORT",
                "dms://demo/reports/21003",
            ),
        ] {
            self.attach(
                &knee_request,
                SURGEON,
                self.ago(13, 9, 0),
                (title, kind, reference),
            )
            .await?;
        }
        self.step(
            &mut knee_request,
            COORDINATOR,
            self.ago(12, 10, 0),
            submit(Portal, "ADH-CASE-861100"),
        )
        .await?;
        self.step(
            &mut knee_request,
            COORDINATOR,
            self.ago(2, 11, 0),
            TransitionRequest {
                payer_reference: Some("ADH-CASE-861100".to_owned()),
                ..grant(Approved, "ADH-AUTH-77310", self.day(60))
            },
        )
        .await?;
        self.surgery_status(knee, SurgicalCaseStatus::Confirmed, self.ago(2, 11, 30))
            .await?;
        // EMERGENCY_APPROVAL_REQUIRED: an emergency case going ahead now; approval afterwards.
        let appendix = self
            .surgery(
                (felix, sample),
                ("Laparoscopic appendectomy", "44970"),
                ("Acute appendicitis", "K35.80"),
                self.now + TimeDelta::minutes(45),
                true,
                SURGEON,
                self.minutes_ago(120),
            )
            .await?;
        self.surgery_status(
            appendix,
            SurgicalCaseStatus::Confirmed,
            self.minutes_ago(100),
        )
        .await?;
        self.surgery_status(appendix, SurgicalCaseStatus::Prep, self.minutes_ago(30))
            .await?;
        // APPEAL_DENIED: denied, appealed, and denied again.
        let gallbladder = self
            .surgery(
                (gina, sample),
                ("Laparoscopic cholecystectomy", "47562"),
                ("Calculus of gallbladder without obstruction", "K80.20"),
                self.local(30, 8, 0),
                false,
                SURGEON,
                self.ago(35, 10, 0),
            )
            .await?;
        let mut gallbladder_request = self
            .request(
                OrderKind::Surgery,
                gallbladder,
                SURGEON,
                self.ago(35, 10, 30),
                Start::default(),
            )
            .await?;
        self.step(
            &mut gallbladder_request,
            COORDINATOR,
            self.ago(34, 9, 0),
            submit(Portal, "ADH-CASE-850031"),
        )
        .await?;
        self.step(
            &mut gallbladder_request,
            COORDINATOR,
            self.ago(25, 15, 0),
            denial(
                Denied,
                "Asymptomatic gallstones: surgery not indicated",
                "MN-04",
            ),
        )
        .await?;
        self.step(
            &mut gallbladder_request,
            COORDINATOR,
            self.ago(20, 10, 0),
            because(
                AppealSubmitted,
                "Two documented episodes of biliary colic in three months",
            ),
        )
        .await?;
        self.step(
            &mut gallbladder_request,
            COORDINATOR,
            self.ago(6, 16, 0),
            denial(
                AppealDenied,
                "Appeal reviewed: criteria for elective cholecystectomy not met",
                "MN-04",
            ),
        )
        .await?;
        self.note(
            &gallbladder_request,
            COORDINATOR,
            self.ago(6, 16, 10),
            Note {
                channel: "PHONE",
                direction: "OUTBOUND",
                contact: Some("Appeals department, Acme Demo Health"),
                summary: "Asked about a peer-to-peer review after the appeal denial",
                outcome: Some("Peer-to-peer offered; surgeon to call"),
                follow_up: Some(self.day(3)),
            },
        )
        .await?;
        // EXPIRED: approved in the spring, postponed, and the grant lapsed before the new date;
        // the expiry sweep (`system`) recorded it.
        let shoulder = self
            .surgery(
                (hector, sample),
                ("Arthroscopic rotator cuff repair, right", "29827"),
                ("Rotator cuff tear, right shoulder", "M75.121"),
                self.local(-150, 8, 0),
                false,
                SURGEON,
                self.ago(210, 10, 0),
            )
            .await?;
        let mut shoulder_request = self
            .request(
                OrderKind::Surgery,
                shoulder,
                SURGEON,
                self.ago(210, 10, 30),
                Start::default(),
            )
            .await?;
        self.step(
            &mut shoulder_request,
            COORDINATOR,
            self.ago(209, 9, 0),
            submit(Portal, "EXM-PA-10011"),
        )
        .await?;
        self.step(
            &mut shoulder_request,
            COORDINATOR,
            self.ago(200, 14, 0),
            grant(Approved, "EXM-AUTH-40550", self.day(-10)),
        )
        .await?;
        self.surgery_status(shoulder, SurgicalCaseStatus::Postponed, self.ago(160, 9, 0))
            .await?;
        self.step(
            &mut shoulder_request,
            service::SYSTEM,
            self.ago(9, 0, 5),
            to(Expired),
        )
        .await?;
        let new_start = self.local(45, 8, 0);
        self.move_order::<surgical_case::Entity, _>(
            OrderKind::Surgery,
            shoulder,
            SurgicalCaseStatus::Scheduled,
            SURGEON,
            self.ago(5, 10, 0),
            surgical_case::ActiveModel {
                scheduled_start: Set(new_start),
                service_date: Set(Some(clock::local_date(self.zone, new_start))),
                ..Default::default()
            },
        )
        .await?;

        // ---- A request without an order: durable medical equipment ----
        let wheelchair_at = self.ago(3, 11, 0);
        let coverage = coverage_in_force(self.db, self.tenant_id, dmitri, self.today)
            .await
            .map_err(|e| failed("choosing a coverage", e))?
            .map(|c| c.id);
        let content = Content {
            request_type: "DME".to_owned(),
            insurance_info_id: coverage,
            service_description: Some("Power wheelchair, group 2".to_owned()),
            procedure_codes: vec!["K0823".to_owned()],
            diagnosis_codes: vec!["G35".to_owned()],
            clinical_justification: Some(
                "Cannot self-propel a manual wheelchair; home assessment completed".to_owned(),
            ),
            requesting_provider_id: Some(testwell),
            service_start_date: Some(self.day(14)),
            service_end_date: None,
            priority: "ROUTINE".to_owned(),
            is_expedited: false,
            requested_quantity: Some(1),
        };
        content
            .check(self.db, self.tenant_id, dmitri)
            .await
            .map_err(|e| failed("checking a request", e))?;
        let mut row = self.new_request(
            PHYSICIAN,
            wheelchair_at,
            dmitri,
            None,
            InitialStatus::PendingSubmission,
        );
        content.write(&mut row);
        let mut wheelchair = self.create_request(PHYSICIAN, wheelchair_at, row).await?;
        self.step(
            &mut wheelchair,
            COORDINATOR,
            self.ago(2, 9, 0),
            submit(Mail, "PCP-DME-4471"),
        )
        .await?;
        self.note(
            &wheelchair,
            COORDINATOR,
            self.ago(2, 9, 5),
            Note {
                channel: "MAIL",
                direction: "OUTBOUND",
                contact: Some("DME unit, Placeholder Care Plan"),
                summary: "Mailed the request with the home assessment",
                outcome: None,
                follow_up: Some(self.day(7)),
            },
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::npi;

    #[test]
    fn npis_get_their_check_digit() {
        assert_eq!(npi("123456789").expect("an NPI"), "1234567893");
    }
}

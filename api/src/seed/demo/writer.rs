//! The demo's writing helpers: each writes one thing as the API would, at its own instant.

use super::*;

impl Demo<'_> {
    /// The day `offset` days from today (negative: in the past).
    pub(super) fn day(&self, offset: i64) -> NaiveDate {
        self.today + TimeDelta::days(offset)
    }

    /// `hour:minute` of the tenant's day `offset` days from today.
    pub(super) fn local(&self, offset: i64, hour: u32, minute: u32) -> DateTime<Utc> {
        let day = self.day(offset);
        day.and_hms_opt(hour, minute, 0)
            .and_then(|local| self.zone.from_local_datetime(&local).earliest())
            .map_or_else(|| clock::day_start(self.zone, day), |at| at.to_utc())
    }

    /// `hour:minute` of the tenant's day `days` days ago (at least one: today's steps use
    /// [`Self::minutes_ago`], which stays in the past whatever the hour).
    pub(super) fn ago(&self, days: i64, hour: u32, minute: u32) -> DateTime<Utc> {
        self.local(-days.max(1), hour, minute)
    }

    pub(super) fn minutes_ago(&self, minutes: i64) -> DateTime<Utc> {
        self.now - TimeDelta::minutes(minutes)
    }

    /// Inserts a row through the audited insert, as `user` at `at`.
    pub(super) async fn insert<A>(
        &mut self,
        user: &str,
        at: DateTime<Utc>,
        row: A,
    ) -> anyhow::Result<Uuid>
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
    pub(super) async fn order<A>(
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
    pub(super) async fn move_order<E, S>(
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
    pub(super) async fn request(
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

    pub(super) fn new_request(
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

    pub(super) async fn create_request(
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
    pub(super) async fn step(
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
    pub(super) async fn note(
        &mut self,
        request: &approval_request::Model,
        user: &str,
        at: DateTime<Utc>,
        note: Note<'_>,
    ) -> anyhow::Result<()> {
        Box::pin(async move {
            context::set_actor(user);
            let row = communication::ActiveModel {
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
            };
            audit::insert_created(
                self.db,
                self.tenant_id,
                at,
                "approval_communication",
                row,
                |m| m.id,
            )
            .await
            .map_err(|e| failed("recording a communication", e))?;
            self.summary.communications += 1;
            Ok(())
        })
        .await
    }

    /// Attaches a document's metadata to `request`, as the documents endpoint does.
    pub(super) async fn attach(
        &mut self,
        request: &approval_request::Model,
        user: &str,
        at: DateTime<Utc>,
        (title, kind, reference): (&str, &str, &str),
    ) -> anyhow::Result<()> {
        Box::pin(async move {
            context::set_actor(user);
            let row = document::ActiveModel {
                id: Set(Uuid::now_v7()),
                tenant_id: Set(self.tenant_id),
                approval_request_id: Set(request.id),
                title: Set(title.to_owned()),
                kind: Set(kind.to_owned()),
                reference: Set(reference.to_owned()),
                sha256: Set(Some(sha256_of(&format!("{title}\n{reference}")))),
                author: Set(user.to_owned()),
                created_at: Set(at),
            };
            audit::insert_created(self.db, self.tenant_id, at, "approval_document", row, |m| {
                m.id
            })
            .await
            .map_err(|e| failed("recording a document", e))?;
            self.summary.documents += 1;
            Ok(())
        })
        .await
    }

    pub(super) async fn provider(
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

    pub(super) async fn patient(
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
    pub(super) async fn coverage(
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

    pub(super) async fn medication(
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

    pub(super) async fn template(
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
    pub(super) async fn lab(
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
    pub(super) async fn imaging(
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
    pub(super) async fn prescription(
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
    pub(super) async fn surgery(
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

    pub(super) async fn lab_status(
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

    pub(super) async fn imaging_status(
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

    pub(super) async fn prescription_status(
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

    pub(super) async fn surgery_status(
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
}

//! The demo's prescriptions, surgical cases and a request without an order.

use super::*;

impl Demo<'_> {
    /// Prescriptions: formulary, prior authorizations recorded on them, partial grants, appeals.
    pub(super) async fn prescriptions(&mut self, cast: &Cast) -> anyhow::Result<()> {
        use ApprovalStatus::*;
        use SubmissionMethod::{Fax, Phone, Portal};
        let Cast {
            alice,
            bruno,
            carla,
            dmitri,
            examplostatin,
            felix,
            fictumab,
            hector,
            ivy,
            mockcodone,
            placebrex,
            placeholder,
            sample,
            samplinib,
            testwell,
            ..
        } = *cast;
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

        Ok(())
    }

    /// Surgical cases: a corrected coverage, an emergency, a lost appeal, a lapsed grant.
    pub(super) async fn surgical_cases(&mut self, cast: &Cast) -> anyhow::Result<()> {
        use ApprovalStatus::*;
        use SubmissionMethod::Portal;
        let Cast {
            alice,
            alice_primary,
            alice_secondary,
            felix,
            gina,
            hector,
            knee_template,
            sample,
            ..
        } = *cast;
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

        Ok(())
    }

    /// A request without an order: durable medical equipment.
    pub(super) async fn equipment(&mut self, cast: &Cast) -> anyhow::Result<()> {
        use SubmissionMethod::Mail;
        let Cast {
            dmitri, testwell, ..
        } = *cast;
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

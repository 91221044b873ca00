//! The demo's lab and imaging orders, with their requests.

use super::*;

impl Demo<'_> {
    /// Lab orders, one per approval status the kind shows.
    pub(super) async fn lab_orders(&mut self, cast: &Cast) -> anyhow::Result<()> {
        use ApprovalStatus::*;
        use SubmissionMethod::Portal;
        let Cast {
            alice,
            bruno,
            carla,
            dmitri,
            erin,
            gina,
            placeholder,
            testwell,
            ..
        } = *cast;
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

        Ok(())
    }

    /// Imaging orders, with templates, notes, calls and an appeal.
    pub(super) async fn imaging_orders(&mut self, cast: &Cast) -> anyhow::Result<()> {
        use ApprovalStatus::*;
        use SubmissionMethod::{Fax, Portal};
        let Cast {
            alice,
            bruno,
            hector,
            mri_template,
            placeholder,
            testwell,
            ..
        } = *cast;
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

        Ok(())
    }
}

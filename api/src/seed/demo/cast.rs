//! The demo's people, payers, formulary and templates, and the order of the story.

use super::*;

/// What the story's later chapters refer to: the ids of its people and things.
#[derive(Clone, Copy)]
pub(super) struct Cast {
    pub(super) alice: Uuid,
    pub(super) alice_primary: Uuid,
    pub(super) alice_secondary: Uuid,
    pub(super) bruno: Uuid,
    pub(super) carla: Uuid,
    pub(super) dmitri: Uuid,
    pub(super) erin: Uuid,
    pub(super) examplostatin: Uuid,
    pub(super) felix: Uuid,
    pub(super) fictumab: Uuid,
    pub(super) gina: Uuid,
    pub(super) hector: Uuid,
    pub(super) ivy: Uuid,
    pub(super) knee_template: Uuid,
    pub(super) mockcodone: Uuid,
    pub(super) mri_template: Uuid,
    pub(super) placebrex: Uuid,
    pub(super) placeholder: Uuid,
    pub(super) sample: Uuid,
    pub(super) samplinib: Uuid,
    pub(super) testwell: Uuid,
}

impl Demo<'_> {
    /// The whole story: the cast, then the orders of each kind with their requests.
    pub(super) async fn run(&mut self) -> anyhow::Result<()> {
        let cast = Box::pin(self.cast()).await?;
        Box::pin(self.lab_orders(&cast)).await?;
        Box::pin(self.imaging_orders(&cast)).await?;
        Box::pin(self.prescriptions(&cast)).await?;
        Box::pin(self.surgical_cases(&cast)).await?;
        Box::pin(self.equipment(&cast)).await
    }

    /// Providers, payers, patients with their coverages, the formulary and the templates.
    async fn cast(&mut self) -> anyhow::Result<Cast> {
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

        Ok(Cast {
            alice,
            alice_primary,
            alice_secondary,
            bruno,
            carla,
            dmitri,
            erin,
            examplostatin,
            felix,
            fictumab,
            gina,
            hector,
            ivy,
            knee_template,
            mockcodone,
            mri_template,
            placebrex,
            placeholder,
            sample,
            samplinib,
            testwell,
        })
    }
}

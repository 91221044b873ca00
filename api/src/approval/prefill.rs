//! Filling a new approval request from an order, as DOMAIN.md §4's table says, and choosing the
//! patient's coverage.

use chrono::NaiveDate;
use entity::{imaging_order, insurance_info, lab_order, medication, prescription, surgical_case};
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::orders::local_date;

/// The kind of order a request is linked to.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    strum::AsRefStr,
    strum::EnumString,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderKind {
    Lab,
    Imaging,
    Pharmacy,
    Surgery,
}

impl OrderKind {
    /// The order's path under `/api/v1`.
    pub fn path(self) -> &'static str {
        match self {
            Self::Lab => "lab-orders",
            Self::Imaging => "imaging-orders",
            Self::Pharmacy => "prescriptions",
            Self::Surgery => "surgical-cases",
        }
    }

    /// The request type a request linked to this kind has.
    pub fn request_type(self) -> &'static str {
        match self {
            Self::Lab => "LABORATORY",
            Self::Imaging => "RADIOLOGY",
            Self::Pharmacy => "PHARMACY",
            Self::Surgery => "SURGERY",
        }
    }
}

/// An order of any kind, with what prefilling it needs.
#[derive(Debug, Clone)]
pub enum Order {
    Lab(lab_order::Model),
    Imaging(imaging_order::Model),
    Pharmacy(prescription::Model, medication::Model),
    Surgery(surgical_case::Model),
}

/// The values a new request takes from its order.
#[derive(Debug, Clone)]
pub struct Prefill {
    pub request_type: &'static str,
    pub service_description: String,
    pub procedure_codes: Vec<String>,
    pub diagnosis_codes: Vec<String>,
    pub clinical_justification: String,
    pub requesting_provider_id: Uuid,
    pub service_start_date: NaiveDate,
    pub priority: String,
    pub is_expedited: bool,
    pub requested_quantity: i32,
}

impl Order {
    pub fn kind(&self) -> OrderKind {
        match self {
            Self::Lab(_) => OrderKind::Lab,
            Self::Imaging(_) => OrderKind::Imaging,
            Self::Pharmacy(..) => OrderKind::Pharmacy,
            Self::Surgery(_) => OrderKind::Surgery,
        }
    }

    pub fn id(&self) -> Uuid {
        match self {
            Self::Lab(o) => o.id,
            Self::Imaging(o) => o.id,
            Self::Pharmacy(o, _) => o.id,
            Self::Surgery(o) => o.id,
        }
    }

    /// The order's own status.
    pub fn status(&self) -> &str {
        match self {
            Self::Lab(o) => &o.status,
            Self::Imaging(o) => &o.status,
            Self::Pharmacy(o, _) => &o.status,
            Self::Surgery(o) => &o.status,
        }
    }

    /// Whether the order is an emergency surgical case (which may proceed before approval).
    pub fn is_emergency(&self) -> bool {
        matches!(self, Self::Surgery(o) if o.is_emergency)
    }

    pub fn patient_id(&self) -> Uuid {
        match self {
            Self::Lab(o) => o.patient_id,
            Self::Imaging(o) => o.patient_id,
            Self::Pharmacy(o, _) => o.patient_id,
            Self::Surgery(o) => o.patient_id,
        }
    }

    /// The service date (DOMAIN.md §1): the tenant-local date of the order's collection,
    /// requested or scheduled instant; for a prescription, or when that is missing, today.
    pub fn service_date(&self, zone: chrono_tz::Tz, today: NaiveDate) -> NaiveDate {
        let instant = match self {
            Self::Lab(o) => o.collection_datetime,
            Self::Imaging(o) => o.requested_datetime,
            Self::Pharmacy(..) => None,
            Self::Surgery(o) => Some(o.scheduled_start),
        };
        instant.map_or(today, |instant| local_date(zone, instant))
    }

    /// The date that matters, D: the later of today and the service date.
    pub fn date_that_matters(&self, zone: chrono_tz::Tz, today: NaiveDate) -> NaiveDate {
        self.service_date(zone, today).max(today)
    }

    /// DOMAIN.md §4, column by column.
    pub fn prefill(&self, zone: chrono_tz::Tz, today: NaiveDate) -> Prefill {
        let service_date = self.service_date(zone, today);
        match self {
            Self::Lab(order) => {
                let tests: Vec<LabTestRow> =
                    serde_json::from_value(order.tests.clone()).unwrap_or_default();
                Prefill {
                    request_type: "LABORATORY",
                    service_description: format!(
                        "Lab tests: {}",
                        tests
                            .iter()
                            .map(|t| t.test_name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    procedure_codes: tests.iter().filter_map(|t| t.cpt_code.clone()).collect(),
                    diagnosis_codes: vec![order.diagnosis_code.clone()],
                    clinical_justification: order.clinical_indication.clone(),
                    requesting_provider_id: order.ordering_provider_id,
                    service_start_date: service_date,
                    priority: order.priority.clone(),
                    is_expedited: false,
                    requested_quantity: i32::try_from(tests.len()).unwrap_or(i32::MAX),
                }
            }
            Self::Imaging(order) => Prefill {
                request_type: "RADIOLOGY",
                service_description: order.study_description.clone(),
                procedure_codes: Vec::new(),
                diagnosis_codes: vec![order.diagnosis_code.clone()],
                clinical_justification: order.clinical_indication.clone(),
                requesting_provider_id: order.ordering_provider_id,
                service_start_date: service_date,
                priority: if order.is_stat { "URGENT" } else { "ROUTINE" }.to_owned(),
                is_expedited: false,
                requested_quantity: 1,
            },
            Self::Pharmacy(order, medication) => {
                let quantity = order.quantity_prescribed.normalize();
                Prefill {
                    request_type: "PHARMACY",
                    service_description: format!(
                        "{} - {} {}",
                        medication.display_name, quantity, order.quantity_unit
                    ),
                    procedure_codes: vec![medication.ndc_number.clone()],
                    diagnosis_codes: vec![order.diagnosis_code.clone()],
                    clinical_justification: order
                        .indication
                        .clone()
                        .filter(|i| !i.trim().is_empty())
                        .unwrap_or_else(|| "As prescribed".to_owned()),
                    requesting_provider_id: order.prescriber_id,
                    service_start_date: order.date_written,
                    priority: if medication.is_controlled_substance {
                        "URGENT"
                    } else {
                        "ROUTINE"
                    }
                    .to_owned(),
                    is_expedited: false,
                    requested_quantity: quantity.ceil().to_i32().unwrap_or(i32::MAX),
                }
            }
            Self::Surgery(order) => Prefill {
                request_type: "SURGERY",
                service_description: order.primary_procedure.clone(),
                procedure_codes: serde_json::from_value(order.procedure_codes.clone())
                    .unwrap_or_default(),
                diagnosis_codes: serde_json::from_value(order.diagnosis_codes.clone())
                    .unwrap_or_default(),
                clinical_justification: order
                    .clinical_notes
                    .clone()
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| {
                        format!("Surgical intervention required for {}", order.diagnosis)
                    }),
                requesting_provider_id: order.primary_surgeon_id,
                service_start_date: service_date,
                priority: if order.is_emergency {
                    "STAT"
                } else {
                    "ROUTINE"
                }
                .to_owned(),
                is_expedited: order.is_emergency,
                requested_quantity: 1,
            },
        }
    }
}

#[derive(Debug, Deserialize)]
struct LabTestRow {
    test_name: String,
    cpt_code: Option<String>,
}

/// The coverage in force on `day` that a request should use: PRIMARY before SECONDARY before
/// TERTIARY, then the latest effective date.
pub fn choose_coverage(
    coverages: &[insurance_info::Model],
    day: NaiveDate,
) -> Option<&insurance_info::Model> {
    let rank = |priority: &str| match priority {
        "PRIMARY" => 0,
        "SECONDARY" => 1,
        _ => 2,
    };
    coverages
        .iter()
        .filter(|c| c.effective_date <= day && c.termination_date.is_none_or(|end| end >= day))
        .min_by(|a, b| {
            rank(&a.priority)
                .cmp(&rank(&b.priority))
                .then(b.effective_date.cmp(&a.effective_date))
        })
}

//! Filling a new approval request from an order: what each kind of order gives the request
//! (`docs/domain.md`, "Creating a request from an order").

use chrono::NaiveDate;
use entity::{imaging_order, lab_order, medication, prescription, surgical_case};
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use uuid::Uuid;

use crate::base::clock::local_date;
use sea_orm::ConnectionTrait;

use crate::base::error::Error;
use crate::data::db::find_in_tenant;
use crate::domain::orders::OrderKind;

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
    /// Order `id` of `kind` in the tenant, with what prefilling it needs (a prescription's
    /// medication); 404 when the tenant has no such order.
    pub async fn load<C: ConnectionTrait>(
        db: &C,
        tenant_id: Uuid,
        kind: OrderKind,
        id: Uuid,
    ) -> Result<Self, Error> {
        Ok(match kind {
            OrderKind::Lab => {
                Self::Lab(find_in_tenant::<lab_order::Entity, _>(db, tenant_id, id).await?)
            }
            OrderKind::Imaging => {
                Self::Imaging(find_in_tenant::<imaging_order::Entity, _>(db, tenant_id, id).await?)
            }
            OrderKind::Pharmacy => {
                let rx = find_in_tenant::<prescription::Entity, _>(db, tenant_id, id).await?;
                let medication =
                    find_in_tenant::<medication::Entity, _>(db, tenant_id, rx.medication_id)
                        .await?;
                Self::Pharmacy(rx, medication)
            }
            OrderKind::Surgery => {
                Self::Surgery(find_in_tenant::<surgical_case::Entity, _>(db, tenant_id, id).await?)
            }
        })
    }

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

    /// The service date (docs/domain.md, the date that matters): the tenant-local date of the order's collection,
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

    /// The request's values, column by column, from the order.
    pub fn prefill(&self, zone: chrono_tz::Tz, today: NaiveDate) -> Result<Prefill, Error> {
        let service_date = self.service_date(zone, today);
        Ok(match self {
            Self::Lab(order) => {
                let tests: Vec<LabTestRow> =
                    stored_list(&order.tests, "reading a lab order's tests")?;
                Prefill {
                    request_type: OrderKind::Lab.info().request_type,
                    service_description: fit(
                        &format!(
                            "Lab tests: {}",
                            tests
                                .iter()
                                .map(|t| t.test_name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        MAX_SERVICE_DESCRIPTION,
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
                request_type: OrderKind::Imaging.info().request_type,
                service_description: order.study_description.clone(),
                procedure_codes: stored_list(&order.cpt_codes, "reading an imaging order's codes")?,
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
                    request_type: OrderKind::Pharmacy.info().request_type,
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
                request_type: OrderKind::Surgery.info().request_type,
                service_description: order.primary_procedure.clone(),
                procedure_codes: stored_list(
                    &order.procedure_codes,
                    "reading a surgical case's procedure codes",
                )?,
                diagnosis_codes: stored_list(
                    &order.diagnosis_codes,
                    "reading a surgical case's diagnosis codes",
                )?,
                clinical_justification: order
                    .clinical_notes
                    .clone()
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| {
                        fit(
                            &format!("Surgical intervention required for {}", order.diagnosis),
                            MAX_CLINICAL_JUSTIFICATION,
                        )
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
        })
    }
}

/// The longest service description a request holds.
pub const MAX_SERVICE_DESCRIPTION: usize = 2000;
/// The longest clinical justification a request holds.
pub const MAX_CLINICAL_JUSTIFICATION: usize = 4000;

/// `text` shortened to at most `max` characters: when it is longer, its first `max - 1`
/// characters and an ellipsis (`…`). Text a request takes from its order always fits its field
/// this way (fifty tests of 200-character names make a longer description than the field
/// holds).
pub fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

/// A list stored as JSON (codes, tests): a value this code wrote; one that does not read back
/// is an error, never silently an empty list.
pub fn stored_list<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
    what: &'static str,
) -> Result<Vec<T>, Error> {
    serde_json::from_value(value.clone()).map_err(|error| Error::internal_from(what, error))
}

#[derive(Debug, Deserialize)]
struct LabTestRow {
    test_name: String,
    cpt_code: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn derived_text_fits_its_field() {
        assert_eq!(fit("short", 10), "short");
        let long = "x".repeat(2029);
        let fitted = fit(&long, 2000);
        assert_eq!(fitted.chars().count(), 2000);
        assert!(fitted.ends_with('…'));
        assert_eq!(fit("ééééé", 3), "éé…");
    }
}

//! The four order kinds and the one place that maps a kind to its table, its columns, the
//! name of its resource and its number: every `match` on a kind's storage or naming is here.

use entity::approval_request;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The kind of order a request is linked to.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    strum::AsRefStr,
    strum::EnumString,
    strum::EnumIter,
    strum::Display,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderKind {
    Lab,
    Imaging,
    Pharmacy,
    Surgery,
}

/// What the service stores and names for one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindInfo {
    /// The order table.
    pub table: &'static str,
    /// The column of `approval_requests` that links a request to an order of this kind.
    pub link_column: &'static str,
    /// The column holding the order's number.
    pub number_column: &'static str,
    /// The number's prefix, also the counter's name (`LAB-GH-000001`).
    pub number_prefix: &'static str,
    /// The resource's name in paths (`/api/v1/lab-orders`).
    pub resource: &'static str,
    /// The request type of a request linked to an order of this kind.
    pub request_type: &'static str,
    /// The kind's name in messages.
    pub noun: &'static str,
    /// The instant whose tenant-local date is the service date (a prescription has none: its
    /// service date is always today).
    pub service_instant_column: Option<&'static str>,
}

impl crate::domain::labels::Labelled for OrderKind {
    fn label(&self) -> &'static str {
        match self {
            Self::Lab => "Lab order",
            Self::Imaging => "Imaging order",
            Self::Pharmacy => "Prescription",
            Self::Surgery => "Surgical case",
        }
    }
}

impl OrderKind {
    /// Every kind, in the order lists show them.
    pub const ALL: [OrderKind; 4] = [Self::Lab, Self::Imaging, Self::Pharmacy, Self::Surgery];

    /// The kind's storage and names.
    pub const fn info(self) -> KindInfo {
        match self {
            Self::Lab => KindInfo {
                table: "lab_orders",
                link_column: "lab_order_id",
                number_column: "order_number",
                number_prefix: "LAB",
                resource: "lab-orders",
                request_type: "LABORATORY",
                noun: "lab order",
                service_instant_column: Some("collection_datetime"),
            },
            Self::Imaging => KindInfo {
                table: "imaging_orders",
                link_column: "imaging_order_id",
                number_column: "order_number",
                number_prefix: "IMG",
                resource: "imaging-orders",
                request_type: "RADIOLOGY",
                noun: "imaging order",
                service_instant_column: Some("requested_datetime"),
            },
            Self::Pharmacy => KindInfo {
                table: "prescriptions",
                link_column: "prescription_id",
                number_column: "prescription_number",
                number_prefix: "RX",
                resource: "prescriptions",
                request_type: "PHARMACY",
                noun: "prescription",
                service_instant_column: None,
            },
            Self::Surgery => KindInfo {
                table: "surgical_cases",
                link_column: "surgical_case_id",
                number_column: "case_number",
                number_prefix: "SURG",
                resource: "surgical-cases",
                request_type: "SURGERY",
                noun: "surgical case",
                service_instant_column: Some("scheduled_start"),
            },
        }
    }

    /// The column of `approval_requests` linking a request to an order of this kind.
    pub fn link(self) -> approval_request::Column {
        match self {
            Self::Lab => approval_request::Column::LabOrderId,
            Self::Imaging => approval_request::Column::ImagingOrderId,
            Self::Pharmacy => approval_request::Column::PrescriptionId,
            Self::Surgery => approval_request::Column::SurgicalCaseId,
        }
    }

    /// The order a request is linked to, if any.
    pub fn linked(request: &approval_request::Model) -> Option<(OrderKind, uuid::Uuid)> {
        Self::ALL
            .into_iter()
            .find_map(|kind| kind.link_of(request).map(|id| (kind, id)))
    }

    /// The id of the order of this kind `request` is linked to.
    pub fn link_of(self, request: &approval_request::Model) -> Option<uuid::Uuid> {
        match self {
            Self::Lab => request.lab_order_id,
            Self::Imaging => request.imaging_order_id,
            Self::Pharmacy => request.prescription_id,
            Self::Surgery => request.surgical_case_id,
        }
    }

    /// Links `request` to order `id` of this kind.
    pub fn set_link(self, request: &mut approval_request::Model, id: uuid::Uuid) {
        let slot = match self {
            Self::Lab => &mut request.lab_order_id,
            Self::Imaging => &mut request.imaging_order_id,
            Self::Pharmacy => &mut request.prescription_id,
            Self::Surgery => &mut request.surgical_case_id,
        };
        *slot = Some(id);
    }

    /// Whether a request about an order of this kind may have `request_type` (its own type;
    /// a surgical case may also use PROCEDURE).
    pub fn allows_request_type(self, request_type: &str) -> bool {
        request_type == self.info().request_type
            || (self == Self::Surgery && request_type == "PROCEDURE")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_round_trip() {
        let mut request = crate::domain::approval::service::blank_request();
        for kind in OrderKind::ALL {
            let mut linked = request.clone();
            let id = uuid::Uuid::now_v7();
            kind.set_link(&mut linked, id);
            assert_eq!(OrderKind::linked(&linked), Some((kind, id)));
            assert_eq!(
                <approval_request::Column as sea_orm::IdenStatic>::as_str(&kind.link()),
                kind.info().link_column
            );
        }
        request.lab_order_id = None;
        assert_eq!(OrderKind::linked(&request), None);
    }
}

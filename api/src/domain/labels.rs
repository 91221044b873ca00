//! Labels for people: every value of an enum the API shows has one, written once beside the
//! enum (an exhaustive `match`, so a new value cannot go without one). The OpenAPI document
//! publishes them (`x-enum-descriptions` and the enum's description), so a client can show
//! "Ready to submit" rather than `PENDING_SUBMISSION`.

use strum::IntoEnumIterator;

/// An enum of the API whose every value has a label for people.
pub trait Labelled: IntoEnumIterator + AsRef<str> {
    /// The value's label, a short phrase: `MORE_INFO_REQUIRED` → "The payer asks for more
    /// information".
    fn label(&self) -> &'static str;

    /// Every value as the API writes it, with its label, in the enum's order.
    fn labels() -> Vec<(String, &'static str)> {
        Self::iter()
            .map(|value| (value.as_ref().to_owned(), value.label()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Labelled;
    use crate::domain::approval::fields::OrderApprovalStatus;
    use crate::domain::approval::values::ApprovalStatus;
    use crate::domain::orders::lifecycle::{
        PrescriptionStatus, ServiceOrderStatus, SurgicalCaseStatus,
    };

    fn check<T: Labelled>() {
        let labels = T::labels();
        assert!(!labels.is_empty());
        for (value, label) in labels {
            assert!(!label.is_empty(), "{value} has a label");
            assert!(
                !label.ends_with('.'),
                "{value}: a label is a phrase, not a sentence"
            );
        }
    }

    #[test]
    fn every_value_has_a_label() {
        check::<ApprovalStatus>();
        check::<OrderApprovalStatus>();
        check::<ServiceOrderStatus>();
        check::<PrescriptionStatus>();
        check::<SurgicalCaseStatus>();
    }

    /// A status that several order kinds share reads the same for each (the work queue
    /// filters on any kind's statuses at once).
    #[test]
    fn shared_order_statuses_read_the_same() {
        let mut seen = std::collections::BTreeMap::new();
        let all = ServiceOrderStatus::labels()
            .into_iter()
            .chain(PrescriptionStatus::labels())
            .chain(SurgicalCaseStatus::labels());
        for (value, label) in all {
            let first = *seen.entry(value.clone()).or_insert(label);
            assert_eq!(first, label, "{value}");
        }
    }
}

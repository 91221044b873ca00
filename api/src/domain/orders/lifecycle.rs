//! Each order kind's statuses and the moves between them, defined once: the status enum is
//! the list of statuses (its variants), and [`Lifecycle::moves`] the moves. A status with no
//! moves is final (COMPLETED, CANCELLED): a final order no longer changes.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use strum::IntoEnumIterator;
use utoipa::ToSchema;

use crate::base::error::{Error, ProblemCode};
use crate::domain::labels::Labelled;

/// The statuses of one order kind and the moves between them.
pub trait Lifecycle:
    Copy + Eq + FromStr + AsRef<str> + IntoEnumIterator + Send + Sync + 'static
{
    /// The status a new order starts in.
    const INITIAL: Self;
    /// The cancelled status (an order in it never requires approval).
    const CANCELLED: Self;

    /// The statuses an order in `self` may move to; empty for a final status.
    fn moves(self) -> &'static [Self];

    /// Whether an order in this status is closed.
    fn is_final(self) -> bool {
        self.moves().is_empty()
    }

    /// A status as stored (a value only this code writes; anything else is an error).
    fn parse_stored(stored: &str) -> Result<Self, Error> {
        stored
            .parse()
            .map_err(|_| Error::unreadable("reading an order's status", stored))
    }

    /// 409 listing the allowed targets unless `self` may move to `to` (staying is allowed).
    fn check(self, to: Self) -> Result<(), Error> {
        if self == to || self.moves().contains(&to) {
            return Ok(());
        }
        Err(Error::TransitionNotAllowed {
            from: self.as_ref().to_owned(),
            to: to.as_ref().to_owned(),
            allowed: self.moves().iter().map(|s| s.as_ref().to_owned()).collect(),
        })
    }

    /// 409 when the order is closed: its fields no longer change.
    fn ensure_open(self) -> Result<(), Error> {
        if self.is_final() {
            return Err(Error::conflict(
                ProblemCode::OrderClosed,
                format!(
                    "the order is {}; a closed order cannot be changed or reopened",
                    self.as_ref()
                ),
            ));
        }
        Ok(())
    }

    /// The status a merge patch asks for, checked against the lifecycle; None when the patch
    /// leaves the status alone.
    fn next(self, requested: Option<Option<Self>>) -> Result<Option<Self>, Error> {
        let Some(requested) = requested else {
            return Ok(None);
        };
        let requested =
            requested.ok_or_else(|| Error::invalid("status", "required", "cannot be null"))?;
        self.check(requested)?;
        Ok(Some(requested))
    }
}

/// Where a lab or imaging order stands: PENDING → SCHEDULED → IN_PROGRESS → COMPLETED, or
/// CANCELLED; COMPLETED and CANCELLED are final.
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
    strum::EnumIter,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceOrderStatus {
    Pending,
    Scheduled,
    InProgress,
    Completed,
    Cancelled,
}

impl Labelled for ServiceOrderStatus {
    fn label(&self) -> &'static str {
        match self {
            Self::Pending => "Ordered, not yet scheduled",
            Self::Scheduled => "Scheduled",
            Self::InProgress => "In progress",
            Self::Completed => "Completed (final)",
            Self::Cancelled => "Cancelled (final)",
        }
    }
}

impl Lifecycle for ServiceOrderStatus {
    const INITIAL: Self = Self::Pending;
    const CANCELLED: Self = Self::Cancelled;

    fn moves(self) -> &'static [Self] {
        use ServiceOrderStatus::*;
        match self {
            Pending => &[Scheduled, InProgress, Cancelled],
            Scheduled => &[Pending, InProgress, Cancelled],
            InProgress => &[Completed, Cancelled],
            Completed | Cancelled => &[],
        }
    }
}

/// Where a prescription stands: ACTIVE → DISPENSED → COMPLETED, or CANCELLED; COMPLETED and
/// CANCELLED are final.
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
    strum::EnumIter,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum PrescriptionStatus {
    Active,
    Dispensed,
    Completed,
    Cancelled,
}

impl Labelled for PrescriptionStatus {
    fn label(&self) -> &'static str {
        match self {
            Self::Active => "Written, not yet dispensed",
            Self::Dispensed => "Dispensed by the pharmacy",
            Self::Completed => "Completed (final)",
            Self::Cancelled => "Cancelled (final)",
        }
    }
}

impl Lifecycle for PrescriptionStatus {
    const INITIAL: Self = Self::Active;
    const CANCELLED: Self = Self::Cancelled;

    fn moves(self) -> &'static [Self] {
        use PrescriptionStatus::*;
        match self {
            Active => &[Dispensed, Completed, Cancelled],
            Dispensed => &[Completed, Cancelled],
            Completed | Cancelled => &[],
        }
    }
}

/// Where a surgical case stands: SCHEDULED → CONFIRMED → PREP → IN_PROGRESS → COMPLETED, with
/// DELAYED and POSTPONED on the way, or CANCELLED. Once IN_PROGRESS it can only complete.
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
    strum::EnumIter,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum SurgicalCaseStatus {
    Scheduled,
    Confirmed,
    Prep,
    Delayed,
    InProgress,
    Completed,
    Cancelled,
    Postponed,
}

impl Labelled for SurgicalCaseStatus {
    fn label(&self) -> &'static str {
        match self {
            Self::Scheduled => "Scheduled",
            Self::Confirmed => "Booking confirmed",
            Self::Prep => "Patient in preparation",
            Self::Delayed => "Delayed",
            Self::InProgress => "In progress",
            Self::Completed => "Completed (final)",
            Self::Cancelled => "Cancelled (final)",
            Self::Postponed => "Postponed to another day",
        }
    }
}

impl Lifecycle for SurgicalCaseStatus {
    const INITIAL: Self = Self::Scheduled;
    const CANCELLED: Self = Self::Cancelled;

    fn moves(self) -> &'static [Self] {
        use SurgicalCaseStatus::*;
        match self {
            Scheduled => &[Confirmed, Delayed, Postponed, Cancelled],
            Confirmed => &[Prep, Delayed, Postponed, Cancelled],
            Prep => &[InProgress, Delayed, Postponed, Cancelled],
            Delayed => &[Scheduled, Confirmed, Prep, InProgress, Postponed, Cancelled],
            Postponed => &[Scheduled, Cancelled],
            InProgress => &[Completed],
            Completed | Cancelled => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycles() {
        use SurgicalCaseStatus as S;
        assert!(S::Scheduled.check(S::Confirmed).is_ok());
        assert!(S::InProgress.check(S::Cancelled).is_err());
        assert!(S::InProgress.check(S::Postponed).is_err());
        assert!(S::Completed.is_final());
        assert!(
            ServiceOrderStatus::Cancelled
                .check(ServiceOrderStatus::Pending)
                .is_err()
        );
        assert!(
            PrescriptionStatus::Active
                .check(PrescriptionStatus::Active)
                .is_ok()
        );
    }

    #[test]
    fn only_completed_and_cancelled_are_final() {
        fn finals<S: Lifecycle>() -> Vec<String> {
            S::iter()
                .filter(|s| s.is_final())
                .map(|s| s.as_ref().to_owned())
                .collect()
        }
        for list in [
            finals::<ServiceOrderStatus>(),
            finals::<PrescriptionStatus>(),
            finals::<SurgicalCaseStatus>(),
        ] {
            assert_eq!(list, ["COMPLETED", "CANCELLED"]);
        }
    }
}

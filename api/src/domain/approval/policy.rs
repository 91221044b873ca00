//! Two rules every part of the approval domain asks: whether a request holds a grant, and
//! whether it is expedited. Each is defined once, here, in Rust; where a query needs it as SQL,
//! the SQL is generated from the same constants (a test holds both forms to the same answers).

use sea_orm::ColumnTrait;
use sea_orm::sea_query::Condition;

use super::values::{ApprovalStatus, RequestPriority};
use entity::approval_request;

/// The kind of a decided grant: FULL (APPROVED, APPEAL_APPROVED) or PARTIAL
/// (PARTIALLY_APPROVED).
pub const FULL: &str = "FULL";
pub const PARTIAL: &str = "PARTIAL";

/// The statuses in which a request holds a grant whatever its kind.
pub const GRANT_STATUSES: [ApprovalStatus; 3] = [
    ApprovalStatus::Approved,
    ApprovalStatus::PartiallyApproved,
    ApprovalStatus::AppealApproved,
];
/// The statuses in which a request still holds a partial grant it had before its appeal.
pub const APPEAL_STATUSES: [ApprovalStatus; 2] = [
    ApprovalStatus::AppealSubmitted,
    ApprovalStatus::AppealDenied,
];

/// The priorities that put a request on the 72-hour clock (with `is_expedited`).
pub const EXPEDITED_PRIORITIES: [RequestPriority; 3] = [
    RequestPriority::Urgent,
    RequestPriority::Stat,
    RequestPriority::Emergency,
];

/// Whether a request in `status` with `grant_kind` holds a grant: from APPROVED,
/// PARTIALLY_APPROVED or APPEAL_APPROVED until CANCELLED or EXPIRED; a partial grant survives
/// APPEAL_SUBMITTED and APPEAL_DENIED.
pub fn holds_grant(status: ApprovalStatus, grant_kind: Option<&str>) -> bool {
    GRANT_STATUSES.contains(&status)
        || (APPEAL_STATUSES.contains(&status) && grant_kind == Some(PARTIAL))
}

/// [`holds_grant`] as SQL over the request row aliased `r`.
pub fn holds_grant_sql(r: &str) -> String {
    format!(
        "({r}.status IN ({grants}) OR ({r}.status IN ({appeals}) AND {r}.grant_kind = '{PARTIAL}'))",
        grants = quoted(GRANT_STATUSES.iter().map(AsRef::as_ref)),
        appeals = quoted(APPEAL_STATUSES.iter().map(AsRef::as_ref)),
    )
}

/// [`holds_grant`] as a condition on `approval_requests`.
pub fn holds_grant_condition() -> Condition {
    Condition::any()
        .add(approval_request::Column::Status.is_in(GRANT_STATUSES.iter().map(AsRef::as_ref)))
        .add(
            Condition::all()
                .add(
                    approval_request::Column::Status
                        .is_in(APPEAL_STATUSES.iter().map(AsRef::as_ref)),
                )
                .add(approval_request::Column::GrantKind.eq(PARTIAL)),
        )
}

/// Whether `priority` and `is_expedited` put a request on the 72-hour clock.
pub fn is_expedited(priority: &str, is_expedited: bool) -> bool {
    is_expedited || EXPEDITED_PRIORITIES.iter().any(|p| p.as_ref() == priority)
}

/// [`is_expedited`] as SQL over the request row aliased `r`.
pub fn is_expedited_sql(r: &str) -> String {
    format!(
        "({r}.is_expedited OR {r}.priority IN ({}))",
        quoted(EXPEDITED_PRIORITIES.iter().map(AsRef::as_ref))
    )
}

/// `'A', 'B', 'C'`: values this code defines (never client text), quoted for SQL.
pub fn quoted<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    values
        .into_iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn grants_are_held_until_cancelled_or_expired() {
        for status in ApprovalStatus::iter() {
            let full = holds_grant(status, Some(FULL));
            assert_eq!(full, GRANT_STATUSES.contains(&status), "{status}");
        }
        assert!(holds_grant(ApprovalStatus::AppealSubmitted, Some(PARTIAL)));
        assert!(!holds_grant(ApprovalStatus::AppealSubmitted, None));
        assert!(!holds_grant(ApprovalStatus::Cancelled, Some(FULL)));
    }

    #[test]
    fn expedited_priorities() {
        assert!(is_expedited("ROUTINE", true));
        assert!(is_expedited("STAT", false));
        assert!(!is_expedited("ROUTINE", false));
    }
}

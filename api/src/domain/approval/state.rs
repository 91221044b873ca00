//! The approval request state machine of docs/domain.md (states and transitions): which moves are allowed, what each
//! requires and what it records. Pure: it reads a request and a transition and answers the
//! request as it must become, or why not.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use entity::approval_request::Model;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::policy::{FULL, PARTIAL, is_expedited};
use super::values::{ApprovalStatus, SubmissionMethod};
use crate::base::error::{Error, FieldError};

use ApprovalStatus::*;

/// Statuses whose content fields may be edited.
pub const EDITABLE: [ApprovalStatus; 3] = [Draft, PendingSubmission, MoreInfoRequired];

/// Parses a stored status (a value only this code writes).
pub fn status_of(model: &Model) -> Result<ApprovalStatus, Error> {
    ApprovalStatus::parse_stored(&model.status)
}

/// The statuses a request may move to from `status`.
pub fn allowed_targets(status: ApprovalStatus, grant_kind: Option<&str>) -> Vec<ApprovalStatus> {
    let partial = grant_kind == Some(PARTIAL);
    match status {
        Draft => vec![PendingSubmission, Cancelled],
        PendingSubmission => vec![Submitted, Draft, Cancelled],
        Submitted => vec![
            UnderReview,
            MoreInfoRequired,
            Approved,
            PartiallyApproved,
            Denied,
            Cancelled,
        ],
        UnderReview => vec![
            MoreInfoRequired,
            Approved,
            PartiallyApproved,
            Denied,
            Cancelled,
        ],
        MoreInfoRequired => vec![Submitted, Cancelled],
        Approved => vec![Expired, Cancelled],
        PartiallyApproved => vec![AppealSubmitted, Expired, Cancelled],
        Denied => vec![AppealSubmitted],
        AppealSubmitted if partial => vec![AppealApproved, AppealDenied, Cancelled, Expired],
        AppealSubmitted => vec![AppealApproved, AppealDenied, Cancelled],
        AppealApproved => vec![Expired, Cancelled],
        AppealDenied if partial => vec![Expired],
        AppealDenied | Expired | Cancelled => vec![],
    }
}

/// A transition asked for: `POST /approval-requests/{id}/transitions`.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "to_status": "APPROVED", "authorization_number": "AUTH-99812",
    "effective_date": "2026-11-25", "expiration_date": "2027-02-28", "approved_quantity": 2,
    "payer_reference": "ACME-REF-5521", "reason": "Approved by phone, reviewer J. Smith"
}))]
pub struct TransitionRequest {
    /// The status to move to.
    pub to_status: ApprovalStatus,
    /// Why: required for MORE_INFO_REQUIRED (what the payer asked for), APPEAL_SUBMITTED (the
    /// appeal's argument), CANCELLED, and PARTIALLY_APPROVED without a requested quantity.
    #[validate(
        length(min = 1, max = 2000),
        custom(function = "crate::domain::validate::not_blank")
    )]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
    /// The payer's authorization number (APPROVED, PARTIALLY_APPROVED, APPEAL_APPROVED).
    #[validate(
        length(min = 1, max = 100),
        custom(function = "crate::domain::validate::not_blank")
    )]
    #[schema(min_length = 1, max_length = 100)]
    pub authorization_number: Option<String>,
    /// First day the grant covers; default today.
    pub effective_date: Option<NaiveDate>,
    /// Last day the grant covers: on or after `effective_date` and today.
    pub expiration_date: Option<NaiveDate>,
    /// Units granted; default the requested quantity (less is a partial approval).
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub approved_quantity: Option<i32>,
    /// Why the payer denied (DENIED, APPEAL_DENIED).
    #[validate(
        length(min = 1, max = 2000),
        custom(function = "crate::domain::validate::not_blank")
    )]
    #[schema(min_length = 1, max_length = 2000)]
    pub denial_reason: Option<String>,
    /// The payer's denial code.
    #[validate(
        length(min = 1, max = 32),
        custom(function = "crate::domain::validate::not_blank")
    )]
    #[schema(min_length = 1, max_length = 32)]
    pub denial_code: Option<String>,
    /// The payer's reference for the case.
    #[validate(
        length(min = 1, max = 100),
        custom(function = "crate::domain::validate::not_blank")
    )]
    #[schema(min_length = 1, max_length = 100)]
    pub payer_reference: Option<String>,
    /// How the request went to the payer.
    pub submission_method: Option<SubmissionMethod>,
}

/// The request after `transition`, checked against docs/domain.md (states and transitions): 409 listing the allowed
/// targets when the move is not allowed, then 422 naming every unmet requirement. `today` is
/// the tenant's date.
pub fn apply(
    current: &Model,
    transition: &TransitionRequest,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Model, Error> {
    let from = status_of(current)?;
    let to = transition.to_status;
    let allowed = allowed_targets(from, current.grant_kind.as_deref());
    if !allowed.contains(&to) {
        return Err(Error::TransitionNotAllowed {
            from: from.to_string(),
            to: to.to_string(),
            allowed: allowed.iter().map(ToString::to_string).collect(),
        });
    }
    let mut next = current.clone();
    let mut errors = Vec::new();
    let is_grant = matches!(to, Approved | PartiallyApproved | AppealApproved);
    let is_denial = matches!(to, Denied | AppealDenied);
    let mut not_applicable = Vec::new();
    if !is_grant {
        for (field, given) in [
            (
                "authorization_number",
                transition.authorization_number.is_some(),
            ),
            ("effective_date", transition.effective_date.is_some()),
            ("expiration_date", transition.expiration_date.is_some()),
            ("approved_quantity", transition.approved_quantity.is_some()),
        ] {
            if given {
                not_applicable.push(field);
            }
        }
    }
    if !is_denial {
        for (field, given) in [
            ("denial_reason", transition.denial_reason.is_some()),
            ("denial_code", transition.denial_code.is_some()),
        ] {
            if given {
                not_applicable.push(field);
            }
        }
    }
    match to {
        Draft | PendingSubmission | UnderReview => {}
        Submitted => {
            if current.insurance_info_id.is_none() {
                missing(
                    &mut errors,
                    "insurance_info_id",
                    "a coverage is required to submit",
                );
            }
            if json_list_is_empty(&current.diagnosis_codes) {
                missing(
                    &mut errors,
                    "diagnosis_codes",
                    "at least one diagnosis code is required to submit",
                );
            }
            if json_list_is_empty(&current.procedure_codes)
                && is_blank(current.service_description.as_deref())
            {
                missing(
                    &mut errors,
                    "procedure_codes",
                    "procedure codes or a service description are required to submit",
                );
            }
            if is_blank(current.clinical_justification.as_deref()) {
                missing(
                    &mut errors,
                    "clinical_justification",
                    "a clinical justification is required to submit",
                );
            }
            next.submitted_at = current.submitted_at.or(Some(now));
            let clock = if is_expedited(&current.priority, current.is_expedited) {
                TimeDelta::hours(72)
            } else {
                TimeDelta::hours(7 * 24)
            };
            next.decision_due_at = Some(now + clock);
        }
        MoreInfoRequired => {
            if transition.reason.is_none() {
                missing(&mut errors, "reason", "say what the payer asked for");
            }
        }
        AppealSubmitted => {
            if transition.reason.is_none() {
                missing(&mut errors, "reason", "give the appeal's argument");
            }
        }
        Cancelled => {
            if transition.reason.is_none() {
                missing(&mut errors, "reason", "say why the request is cancelled");
            }
        }
        Approved | PartiallyApproved | AppealApproved => {
            let keeps = to == AppealApproved;
            let authorization = transition.authorization_number.clone().or_else(|| {
                if keeps {
                    current.authorization_number.clone()
                } else {
                    None
                }
            });
            if authorization.is_none() {
                missing(
                    &mut errors,
                    "authorization_number",
                    "the payer's authorization number is required",
                );
            }
            let effective = transition
                .effective_date
                .or(if keeps { current.effective_date } else { None })
                .unwrap_or(today);
            let expiration =
                transition
                    .expiration_date
                    .or(if keeps { current.expiration_date } else { None });
            match expiration {
                None => missing(
                    &mut errors,
                    "expiration_date",
                    "the last day of the grant is required",
                ),
                Some(end) if end < effective || end < today => errors.push(FieldError::new(
                    "expiration_date",
                    "before_effective_date_or_today",
                    "must be on or after both effective_date and today",
                )),
                Some(_) => {}
            }
            let quantity = match (to, current.requested_quantity, transition.approved_quantity) {
                (PartiallyApproved, Some(requested), Some(given))
                    if given >= 1 && given < requested =>
                {
                    Some(given)
                }
                // A given quantity must be a cut: from 1 to one below the requested.
                (PartiallyApproved, Some(requested), Some(_)) => {
                    errors.push(FieldError::new(
                        "approved_quantity",
                        "partial_quantity",
                        format!(
                            "a partial approval grants from 1 to {} units; for a cut that is not a quantity, give no approved_quantity and say what was cut in reason",
                            requested.saturating_sub(1)
                        ),
                    ));
                    None
                }
                // A cut that is not a quantity (one of several codes, fewer days, a cheaper
                // alternative): the reason says what was cut; the quantity stays the requested.
                (PartiallyApproved, requested, None) => {
                    if transition.reason.is_none() {
                        if let Some(requested) = requested.filter(|r| *r > 1) {
                            errors.push(FieldError::new(
                                "approved_quantity",
                                "partial_quantity",
                                format!(
                                    "give from 1 to {} units, or say in reason what else was cut",
                                    requested - 1
                                ),
                            ));
                        }
                        missing(
                            &mut errors,
                            "reason",
                            "say what the payer cut from the request",
                        );
                    }
                    requested
                }
                (PartiallyApproved, None, Some(given)) => {
                    if transition.reason.is_none() {
                        missing(
                            &mut errors,
                            "reason",
                            "say what the payer cut from the request",
                        );
                    }
                    Some(given)
                }
                (_, Some(requested), Some(given)) if given < requested => {
                    errors.push(FieldError::new(
                        "approved_quantity",
                        "below_requested",
                        format!("less than the {requested} requested is a partial approval: use PARTIALLY_APPROVED"),
                    ));
                    None
                }
                (_, requested, given) => given.or(requested),
            };
            next.authorization_number = authorization;
            next.effective_date = Some(effective);
            next.expiration_date = expiration;
            next.approved_quantity = quantity;
            next.grant_kind = Some(
                if to == PartiallyApproved {
                    PARTIAL
                } else {
                    FULL
                }
                .to_owned(),
            );
            if to == AppealApproved {
                next.appeal_decided_at = Some(now);
            } else {
                next.decided_at = current.decided_at.or(Some(now));
            }
        }
        Denied | AppealDenied => {
            if transition.denial_reason.is_none() {
                missing(
                    &mut errors,
                    "denial_reason",
                    "the payer's reason for the denial is required",
                );
            }
            next.denial_reason = transition.denial_reason.clone();
            next.denial_code = transition.denial_code.clone();
            if to == AppealDenied {
                next.appeal_decided_at = Some(now);
            } else {
                next.decided_at = current.decided_at.or(Some(now));
            }
        }
        Expired => {
            if current.expiration_date.is_none_or(|end| end >= today) {
                errors.push(FieldError::new(
                    "expiration_date",
                    "not_lapsed",
                    "a grant expires only once its expiration_date is before today; to void it earlier, cancel it",
                ));
            }
        }
    }
    for field in not_applicable {
        errors.push(FieldError::new(
            field,
            "not_applicable",
            format!("is not used when moving to {to}"),
        ));
    }
    if !errors.is_empty() {
        errors.sort_by(|a, b| a.field.cmp(&b.field));
        return Err(Error::Invalid { errors });
    }
    if let Some(method) = transition.submission_method {
        next.submission_method = Some(method.as_ref().to_owned());
    }
    if let Some(reference) = &transition.payer_reference {
        next.payer_reference = Some(reference.clone());
    }
    next.status = to.to_string();
    Ok(next)
}

fn missing(errors: &mut Vec<FieldError>, field: &str, message: &str) {
    errors.push(FieldError::new(field, "required", message));
}

fn json_list_is_empty(value: &serde_json::Value) -> bool {
    value.as_array().is_none_or(Vec::is_empty)
}

fn is_blank(value: Option<&str>) -> bool {
    value.is_none_or(|v| v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(status: ApprovalStatus) -> Model {
        let now = Utc::now();
        Model {
            id: uuid::Uuid::nil(),
            tenant_id: uuid::Uuid::nil(),
            approval_number: "APR-T-000001".into(),
            number_value: 1,
            patient_id: uuid::Uuid::nil(),
            insurance_info_id: Some(uuid::Uuid::nil()),
            template_id: None,
            request_type: "RADIOLOGY".into(),
            lab_order_id: None,
            imaging_order_id: None,
            prescription_id: None,
            surgical_case_id: None,
            service_description: Some("MRI brain".into()),
            procedure_codes: serde_json::json!(["70553"]),
            diagnosis_codes: serde_json::json!(["G43.909"]),
            clinical_justification: Some("Refractory migraine".into()),
            requesting_provider_id: None,
            service_start_date: None,
            service_end_date: None,
            priority: "ROUTINE".into(),
            is_expedited: false,
            status: status.to_string(),
            grant_kind: None,
            submission_method: None,
            payer_reference: None,
            authorization_number: None,
            effective_date: None,
            expiration_date: None,
            requested_quantity: Some(4),
            approved_quantity: None,
            denial_reason: None,
            denial_code: None,
            submitted_at: None,
            decision_due_at: None,
            decided_at: None,
            appeal_decided_at: None,
            created_by: "u".into(),
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    fn to(status: ApprovalStatus) -> TransitionRequest {
        TransitionRequest {
            to_status: status,
            reason: None,
            authorization_number: None,
            effective_date: None,
            expiration_date: None,
            approved_quantity: None,
            denial_reason: None,
            denial_code: None,
            payer_reference: None,
            submission_method: None,
        }
    }

    #[test]
    fn final_states_have_no_way_out() {
        for status in [Expired, Cancelled] {
            assert!(allowed_targets(status, Some(FULL)).is_empty());
        }
        assert!(allowed_targets(AppealDenied, None).is_empty());
        assert_eq!(allowed_targets(AppealDenied, Some(PARTIAL)), vec![Expired]);
        assert!(!allowed_targets(Denied, None).contains(&Cancelled));
    }

    #[test]
    fn submission_sets_the_clocks() {
        let now = Utc::now();
        let today = now.date_naive();
        let next = apply(&request(PendingSubmission), &to(Submitted), today, now).expect("submits");
        assert_eq!(next.submitted_at, Some(now));
        assert_eq!(next.decision_due_at, Some(now + TimeDelta::days(7)));
        let mut urgent = request(PendingSubmission);
        urgent.priority = "URGENT".into();
        let next = apply(&urgent, &to(Submitted), today, now).expect("submits");
        assert_eq!(next.decision_due_at, Some(now + TimeDelta::hours(72)));
        // A resubmission keeps the first submission instant and restarts the clock.
        let mut again = request(MoreInfoRequired);
        let first = now - TimeDelta::days(3);
        again.submitted_at = Some(first);
        let next = apply(&again, &to(Submitted), today, now).expect("resubmits");
        assert_eq!(next.submitted_at, Some(first));
        assert_eq!(next.decision_due_at, Some(now + TimeDelta::days(7)));
    }

    #[test]
    fn approval_defaults_and_partial_rules() {
        let now = Utc::now();
        let today = now.date_naive();
        let mut approve = to(Approved);
        approve.authorization_number = Some("A1".into());
        approve.expiration_date = Some(today);
        let next = apply(&request(Submitted), &approve, today, now).expect("approves");
        assert_eq!(next.effective_date, Some(today));
        assert_eq!(next.approved_quantity, Some(4));
        assert_eq!(next.grant_kind.as_deref(), Some(FULL));
        approve.approved_quantity = Some(3);
        assert!(apply(&request(Submitted), &approve, today, now).is_err());
        let mut partial = approve.clone();
        partial.to_status = PartiallyApproved;
        let next = apply(&request(Submitted), &partial, today, now).expect("partial");
        assert_eq!(next.grant_kind.as_deref(), Some(PARTIAL));
        partial.approved_quantity = Some(4);
        assert!(apply(&request(Submitted), &partial, today, now).is_err());
        // A cut that is not a quantity rests on a reason.
        partial.approved_quantity = None;
        assert!(apply(&request(Submitted), &partial, today, now).is_err());
        partial.reason = Some("Payer approved the MRI without contrast only".into());
        let next = apply(&request(Submitted), &partial, today, now).expect("partial by reason");
        assert_eq!(next.approved_quantity, Some(4));
    }
}

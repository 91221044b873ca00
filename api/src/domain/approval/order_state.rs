//! What an order shows about its approval, computed by one function from the order, its
//! requests, its patient's coverages (and a prescription's medication) and today: the four
//! computed fields, the active approval, the coverage that applies, the work queue's urgency,
//! and the first date on which a date rule could change the answer. The read model stores this
//! row; every read shows it (`docs/domain.md`, "Computed fields of every order").

use chrono::{DateTime, Days, NaiveDate, Utc};
use entity::{insurance_info, order_approval_state};
use uuid::Uuid;

use super::coverage;
use super::policy::{FULL, holds_grant};
use super::values::ApprovalStatus;
use crate::domain::orders::OrderKind;

/// How urgent a queued order is, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Urgency {
    /// An emergency surgical case.
    Emergency = 0,
    /// A STAT lab or imaging order.
    Stat = 1,
    /// An urgent lab order or a controlled substance.
    Urgent = 2,
    Routine = 3,
}

impl Urgency {
    /// The stored rank.
    pub fn rank(self) -> i16 {
        self as i16
    }

    /// The urgency of a stored rank.
    pub fn of_rank(rank: i16) -> Self {
        match rank {
            0 => Self::Emergency,
            1 => Self::Stat,
            2 => Self::Urgent,
            _ => Self::Routine,
        }
    }
}

/// `approval_status` values for which an order does not require approval.
pub const NOT_REQUIRING: [&str; 4] = [
    "NOT_REQUIRED",
    "NO_INSURANCE",
    "APPROVED",
    "PARTIALLY_APPROVED",
];

/// The request statuses that speak for their order as they are (rule 4).
pub const SPEAKING: [ApprovalStatus; 8] = [
    ApprovalStatus::Draft,
    ApprovalStatus::PendingSubmission,
    ApprovalStatus::Submitted,
    ApprovalStatus::UnderReview,
    ApprovalStatus::MoreInfoRequired,
    ApprovalStatus::Denied,
    ApprovalStatus::AppealSubmitted,
    ApprovalStatus::AppealDenied,
];

/// What the rules read of an order.
#[derive(Debug, Clone)]
pub struct OrderFacts {
    pub kind: OrderKind,
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub number_value: i64,
    pub order_number: String,
    pub patient_id: Uuid,
    /// The order's own status.
    pub status: String,
    pub cancelled: bool,
    pub urgency: Urgency,
    /// The stored service date (none: today).
    pub service_date: Option<NaiveDate>,
    /// An emergency surgical case.
    pub is_emergency: bool,
    /// Whether the kind's rule asks for approval (a prescription: its medication's formulary
    /// status, or `prior_authorization_required`).
    pub rule_asks: bool,
    /// A prescription's recorded prior authorization: number and expiry, both set.
    pub recorded: Option<(String, NaiveDate)>,
    pub created_at: DateTime<Utc>,
}

/// What the rules read of one of the order's requests.
#[derive(Debug, Clone)]
pub struct RequestFacts {
    pub id: Uuid,
    pub number_value: i64,
    pub approval_number: String,
    pub status: ApprovalStatus,
    pub grant_kind: Option<String>,
    pub authorization_number: Option<String>,
    pub effective_date: Option<NaiveDate>,
    pub expiration_date: Option<NaiveDate>,
    pub approved_quantity: Option<i32>,
    /// The latest decision: the appeal's, else the first.
    pub decided_at: Option<DateTime<Utc>>,
}

impl RequestFacts {
    fn holds_grant(&self) -> bool {
        holds_grant(self.status, self.grant_kind.as_deref())
    }

    /// A grant in force on `day`: held, started by `day`, not yet expired.
    fn valid_on(&self, day: NaiveDate) -> bool {
        self.holds_grant()
            && self.effective_date.is_none_or(|start| start <= day)
            && self.expiration_date.is_some_and(|end| end >= day)
    }

    fn is_full(&self) -> bool {
        self.grant_kind.as_deref() == Some(FULL)
    }
}

/// The order's row of the read model on `today`.
pub fn compute(
    order: &OrderFacts,
    requests: &[RequestFacts],
    coverages: &[insurance_info::Model],
    today: NaiveDate,
) -> order_approval_state::Model {
    // D, the date that matters: the later of today and the service date.
    let day = order
        .service_date
        .map_or(today, |service| service.max(today));
    let applies = coverage::choose(coverages, day);
    // The active approval: a valid grant, full before partial, then the latest expiration,
    // then the latest decided, then the newest.
    let active = requests.iter().filter(|r| r.valid_on(day)).max_by(|a, b| {
        a.is_full()
            .cmp(&b.is_full())
            .then(a.expiration_date.cmp(&b.expiration_date))
            .then(a.decided_at.cmp(&b.decided_at))
            .then(a.number_value.cmp(&b.number_value))
    });
    let recorded_valid = order.recorded.as_ref().filter(|(_, expiry)| *expiry >= day);
    let mut row = order_approval_state::Model {
        order_id: order.id,
        tenant_id: order.tenant_id,
        kind: order.kind.as_ref().to_owned(),
        number_value: order.number_value,
        order_number: order.order_number.clone(),
        patient_id: order.patient_id,
        order_status: order.status.clone(),
        urgency: order.urgency.rank(),
        service_date: order.service_date,
        order_created_at: order.created_at,
        has_insurance: applies.is_some(),
        requires_approval: false,
        has_valid_approval: active.is_some() || recorded_valid.is_some(),
        approval_status: String::new(),
        coverage_id: applies.map(|c| c.id),
        active_source: None,
        active_request_id: None,
        active_grant_kind: None,
        active_approval_number: None,
        active_authorization_number: None,
        active_status: None,
        active_effective_date: None,
        active_expiration_date: None,
        active_approved_quantity: None,
        recheck_on: recheck_on(order, requests, coverages, today),
    };
    if let Some(request) = active {
        row.active_source = Some("REQUEST".to_owned());
        row.active_request_id = Some(request.id);
        row.active_grant_kind = request.grant_kind.clone();
        row.active_approval_number = Some(request.approval_number.clone());
        row.active_authorization_number = request.authorization_number.clone();
        row.active_status = Some(request.status.to_string());
        row.active_effective_date = request.effective_date;
        row.active_expiration_date = request.expiration_date;
        row.active_approved_quantity = request.approved_quantity;
    } else if let Some((number, expiry)) = recorded_valid {
        row.active_source = Some("PRESCRIPTION".to_owned());
        row.active_authorization_number = Some(number.clone());
        row.active_status = Some(ApprovalStatus::Approved.to_string());
        row.active_expiration_date = Some(*expiry);
    }
    row.approval_status = approval_status(
        order,
        requests,
        active,
        recorded_valid.is_some(),
        row.has_insurance,
        day,
    )
    .to_owned();
    row.requires_approval = !NOT_REQUIRING.contains(&row.approval_status.as_str());
    row
}

/// `approval_status`: the first rule that applies.
fn approval_status(
    order: &OrderFacts,
    requests: &[RequestFacts],
    active: Option<&RequestFacts>,
    recorded_valid: bool,
    has_insurance: bool,
    day: NaiveDate,
) -> &'static str {
    if order.cancelled {
        return "NOT_REQUIRED";
    }
    if !has_insurance {
        return "NO_INSURANCE";
    }
    if !order.rule_asks {
        return "NOT_REQUIRED";
    }
    match active {
        Some(request) if request.is_full() => return "APPROVED",
        Some(_) => return "PARTIALLY_APPROVED",
        None if recorded_valid => return "APPROVED",
        None => {}
    }
    // The newest request that is not CANCELLED.
    let newest = requests
        .iter()
        .filter(|r| r.status != ApprovalStatus::Cancelled)
        .max_by_key(|r| r.number_value);
    if let Some(request) = newest {
        if SPEAKING.contains(&request.status) {
            return request.status.into();
        }
        let lapsed = request.holds_grant() && request.expiration_date.is_some_and(|end| end < day);
        if request.status == ApprovalStatus::Expired || lapsed {
            return "EXPIRED";
        }
    }
    if order.kind == OrderKind::Pharmacy {
        let lapsed_recorded = order
            .recorded
            .as_ref()
            .is_some_and(|(_, expiry)| *expiry < day);
        if newest.is_none() && lapsed_recorded {
            return "PRIOR_AUTH_EXPIRED";
        }
        return "PRIOR_AUTH_REQUIRED";
    }
    if order.is_emergency {
        "EMERGENCY_APPROVAL_REQUIRED"
    } else {
        "APPROVAL_REQUIRED"
    }
}

/// The first date after `today` on which a date rule could change the row: a grant's start or
/// the day after its end, a coverage's start or the day after its end, the day after a recorded
/// prior authorization's expiry, the service date. None when no date can change it.
fn recheck_on(
    order: &OrderFacts,
    requests: &[RequestFacts],
    coverages: &[insurance_info::Model],
    today: NaiveDate,
) -> Option<NaiveDate> {
    let after = |day: NaiveDate| day.checked_add_days(Days::new(1));
    let grants = requests
        .iter()
        .filter(|r| r.holds_grant())
        .flat_map(|r| [r.effective_date, r.expiration_date.and_then(after)]);
    let covered = coverages
        .iter()
        .flat_map(|c| [Some(c.effective_date), c.termination_date.and_then(after)]);
    let recorded = order
        .recorded
        .as_ref()
        .and_then(|(_, expiry)| after(*expiry));
    grants
        .chain(covered)
        .chain([recorded, order.service_date])
        .flatten()
        .filter(|day| *day > today)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(offset: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).expect("date") + chrono::TimeDelta::days(offset)
    }

    fn order(kind: OrderKind) -> OrderFacts {
        OrderFacts {
            kind,
            id: Uuid::now_v7(),
            tenant_id: Uuid::nil(),
            number_value: 1,
            order_number: "LAB-T-000001".into(),
            patient_id: Uuid::nil(),
            status: "PENDING".into(),
            cancelled: false,
            urgency: Urgency::Routine,
            service_date: None,
            is_emergency: false,
            rule_asks: true,
            recorded: None,
            created_at: Utc::now(),
        }
    }

    fn coverage(start: i64, end: Option<i64>) -> insurance_info::Model {
        insurance_info::Model {
            id: Uuid::now_v7(),
            tenant_id: Uuid::nil(),
            patient_id: Uuid::nil(),
            payer_name: "P".into(),
            payer_id: "P".into(),
            plan_name: None,
            member_id: "M".into(),
            group_number: None,
            priority: "PRIMARY".into(),
            effective_date: day(start),
            termination_date: end.map(day),
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
        }
    }

    fn grant(number: i64, start: i64, end: i64, kind: &str) -> RequestFacts {
        RequestFacts {
            id: Uuid::now_v7(),
            number_value: number,
            approval_number: format!("APR-T-{number:06}"),
            status: ApprovalStatus::Approved,
            grant_kind: Some(kind.into()),
            authorization_number: Some("A".into()),
            effective_date: Some(day(start)),
            expiration_date: Some(day(end)),
            approved_quantity: Some(1),
            decided_at: Some(Utc::now()),
        }
    }

    #[test]
    fn a_grant_counts_only_once_started_and_until_it_ends() {
        let covered = [coverage(-100, None)];
        let future = grant(1, 5, 30, FULL);
        let row = compute(
            &order(OrderKind::Lab),
            std::slice::from_ref(&future),
            &covered,
            day(0),
        );
        assert_eq!(row.approval_status, "APPROVAL_REQUIRED");
        assert!(row.requires_approval);
        assert_eq!(row.recheck_on, Some(day(5)));
        let row = compute(&order(OrderKind::Lab), &[future], &covered, day(5));
        assert_eq!(row.approval_status, "APPROVED");
        assert_eq!(row.recheck_on, Some(day(31)));
        let lapsed = grant(2, -30, -1, FULL);
        let row = compute(&order(OrderKind::Lab), &[lapsed], &covered, day(0));
        assert_eq!(row.approval_status, "EXPIRED");
    }

    #[test]
    fn precedence_of_the_first_rules() {
        let mut cancelled = order(OrderKind::Surgery);
        cancelled.cancelled = true;
        assert_eq!(
            compute(&cancelled, &[], &[], day(0)).approval_status,
            "NOT_REQUIRED"
        );
        assert_eq!(
            compute(&order(OrderKind::Lab), &[], &[], day(0)).approval_status,
            "NO_INSURANCE"
        );
        let covered = [coverage(0, None)];
        let mut emergency = order(OrderKind::Surgery);
        emergency.is_emergency = true;
        assert_eq!(
            compute(&emergency, &[], &covered, day(0)).approval_status,
            "EMERGENCY_APPROVAL_REQUIRED"
        );
        let mut rx = order(OrderKind::Pharmacy);
        rx.rule_asks = false;
        assert_eq!(
            compute(&rx, &[], &covered, day(0)).approval_status,
            "NOT_REQUIRED"
        );
        rx.rule_asks = true;
        rx.recorded = Some(("PA".into(), day(-1)));
        assert_eq!(
            compute(&rx, &[], &covered, day(0)).approval_status,
            "PRIOR_AUTH_EXPIRED"
        );
        rx.recorded = Some(("PA".into(), day(0)));
        let row = compute(&rx, &[], &covered, day(0));
        assert_eq!(
            (row.approval_status.as_str(), row.active_source.as_deref()),
            ("APPROVED", Some("PRESCRIPTION"))
        );
        assert_eq!(row.recheck_on, Some(day(1)));
    }

    #[test]
    fn full_grants_win_over_partial_ones() {
        let covered = [coverage(-10, None)];
        let partial = grant(2, -1, 90, "PARTIAL");
        let full = grant(1, -1, 10, FULL);
        let row = compute(
            &order(OrderKind::Imaging),
            &[partial, full.clone()],
            &covered,
            day(0),
        );
        assert_eq!(row.approval_status, "APPROVED");
        assert_eq!(row.active_request_id, Some(full.id));
    }
}

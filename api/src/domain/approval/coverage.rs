//! Which coverage applies: of a patient's coverages in force on a day, PRIMARY before SECONDARY
//! before TERTIARY, then the latest effective date, then the lowest id. A total order, defined
//! once here; the SQL form is generated from the same ranking (a test holds both to the same
//! answers).

use std::cmp::Ordering;

use chrono::NaiveDate;
use entity::insurance_info;

/// The rank of each coverage priority: lower is chosen first.
pub const PRIORITY_RANK: [(&str, i32); 3] = [("PRIMARY", 0), ("SECONDARY", 1), ("TERTIARY", 2)];

fn rank(priority: &str) -> i32 {
    PRIORITY_RANK
        .iter()
        .find(|(name, _)| *name == priority)
        .map_or(i32::MAX, |(_, rank)| *rank)
}

/// Whether a coverage is in force on `day`.
pub fn in_force(coverage: &insurance_info::Model, day: NaiveDate) -> bool {
    coverage.effective_date <= day && coverage.termination_date.is_none_or(|end| end >= day)
}

/// The order of preference between two coverages (the preferred one is `Less`).
pub fn preference(a: &insurance_info::Model, b: &insurance_info::Model) -> Ordering {
    rank(&a.priority)
        .cmp(&rank(&b.priority))
        .then(b.effective_date.cmp(&a.effective_date))
        .then(a.id.cmp(&b.id))
}

/// The coverage that applies on `day`, if any is in force.
pub fn choose(
    coverages: &[insurance_info::Model],
    day: NaiveDate,
) -> Option<&insurance_info::Model> {
    coverages
        .iter()
        .filter(|c| in_force(c, day))
        .min_by(|a, b| preference(a, b))
}

/// [`in_force`] as SQL over the coverage row aliased `c`, for a date expression `day`.
pub fn in_force_sql(c: &str, day: &str) -> String {
    format!(
        "({c}.effective_date <= {day} AND ({c}.termination_date IS NULL OR {c}.termination_date >= {day}))"
    )
}

/// [`preference`] as an SQL `ORDER BY` list over the coverage row aliased `c`.
pub fn preference_sql(c: &str) -> String {
    let ranks: String = PRIORITY_RANK
        .iter()
        .map(|(name, rank)| format!(" WHEN '{name}' THEN {rank}"))
        .collect();
    format!(
        "CASE {c}.priority{ranks} ELSE {} END, {c}.effective_date DESC, {c}.id",
        i32::MAX
    )
}

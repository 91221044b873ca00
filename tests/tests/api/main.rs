//! Black-box tests of the HTTP API, all in one binary (one link step for the whole suite).
//! Each test runs on SQLite, and on PostgreSQL too when `TEST_DATABASE_URL` is set.

mod approval_prefill;
mod approval_workflow;
mod audit;
mod auth;
mod catalogue;
mod concurrency;
mod demo_seed;
mod errors;
mod hardening;
mod health;
mod idempotency;
mod imaging_orders;
mod insurance;
mod lab_orders;
mod limits;
mod matrices;
mod medications;
mod metrics;
mod numbering;
mod openapi;
mod order_approval;
mod patients;
mod prescriptions;
mod properties;
mod providers;
mod read_model;
mod rules;
mod surgical_cases;
mod tenant;

/// CI must exercise PostgreSQL: a run with `CI=true` and no PostgreSQL fails here instead of
/// passing on SQLite alone.
#[test]
fn postgres_is_covered_in_ci() {
    if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        assert!(
            tests::database::postgres_url().is_some(),
            "CI=true but TEST_DATABASE_URL is not set: the PostgreSQL half of the suite would not run"
        );
    }
}

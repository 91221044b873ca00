//! Turns on the PostgreSQL half of the API tests (`cfg(postgres_tests)`) when the build has a
//! `TEST_DATABASE_URL`; without one, those tests are reported as ignored.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    println!("cargo::rerun-if-env-changed=TEST_DATABASE_URL");
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.trim().is_empty()) {
        println!("cargo::rustc-cfg=postgres_tests");
    }
}

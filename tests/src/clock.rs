//! The tests' clock: every application of a test run counts from noon (UTC) of the day the run
//! started, plus the real time elapsed, plus what a test advanced it by. A test never crosses
//! midnight by accident, and the test and the service agree on "today" in every time zone.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

struct Origin {
    noon: DateTime<Utc>,
    started: Instant,
}

fn origin() -> &'static Origin {
    static ORIGIN: OnceLock<Origin> = OnceLock::new();
    ORIGIN.get_or_init(|| {
        let today = Utc::now().date_naive();
        Origin {
            noon: today.and_hms_opt(12, 0, 0).expect("noon exists").and_utc(),
            started: Instant::now(),
        }
    })
}

/// The run's current instant (without any test's advance).
pub fn now() -> DateTime<Utc> {
    let origin = origin();
    origin.noon + TimeDelta::from_std(origin.started.elapsed()).unwrap_or_default()
}

/// Today in `zone` by the run's clock (without any test's advance).
pub fn today_in(zone: &str) -> NaiveDate {
    let zone: chrono_tz::Tz = zone.parse().expect("a known time zone");
    now().with_timezone(&zone).date_naive()
}

/// Today in UTC by the run's clock.
pub fn utc_today() -> NaiveDate {
    today_in("UTC")
}

/// One application's clock: the run's clock, moved by whole seconds when a test lets time pass.
#[derive(Debug, Default)]
pub struct TestClock {
    offset_seconds: AtomicI64,
}

impl TestClock {
    /// Lets `days` pass for this application.
    pub fn advance_days(&self, days: i64) {
        self.offset_seconds
            .fetch_add(days * 86_400, Ordering::SeqCst);
    }

    /// Lets `seconds` pass for this application.
    pub fn advance_seconds(&self, seconds: i64) {
        self.offset_seconds.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl api::base::clock::Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        now() + TimeDelta::seconds(self.offset_seconds.load(Ordering::SeqCst))
    }
}

//! Time: the current instant (from an injectable [`Clock`], so tests can let days pass), a
//! tenant's time zone, and "today", which every date rule of the service is judged on: the
//! current date in the tenant's time zone, never the server's.

use std::fmt::Debug;
use std::sync::Arc;

use chrono::{DateTime, DurationRound, NaiveDate, TimeDelta, TimeZone, Utc};

use super::error::Error;

/// Where the current instant comes from.
pub trait Clock: Debug + Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A shared clock.
pub type SharedClock = Arc<dyn Clock>;

/// `instant` at microsecond precision: what PostgreSQL keeps, so that what a POST answers and
/// what a later GET answers agree on every database.
pub fn micros(instant: DateTime<Utc>) -> DateTime<Utc> {
    instant
        .duration_trunc(TimeDelta::microseconds(1))
        .unwrap_or(instant)
}

/// The current instant of `clock`, at microsecond precision (see [`micros`]).
pub fn now(clock: &dyn Clock) -> DateTime<Utc> {
    micros(clock.now())
}

/// A tenant's stored time zone. A name this build does not know is an error (logged), never a
/// silent fallback to UTC: every date of the tenant would shift.
pub fn zone(name: &str) -> Result<chrono_tz::Tz, Error> {
    name.parse()
        .map_err(|_| Error::unreadable("reading the tenant's time zone", name))
}

/// The date of `instant` in `zone`.
pub fn local_date(zone: chrono_tz::Tz, instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&zone).date_naive()
}

/// Today in `zone` at `now`.
pub fn today(zone: chrono_tz::Tz, now: DateTime<Utc>) -> NaiveDate {
    local_date(zone, now)
}

/// The first instant of `day` in `zone` (after a daylight-saving gap at midnight, the first
/// instant that exists).
pub fn day_start(zone: chrono_tz::Tz, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_time(chrono::NaiveTime::MIN);
    (0..24)
        .find_map(|hour| {
            zone.from_local_datetime(&(midnight + TimeDelta::hours(hour)))
                .earliest()
        })
        .map(|local| local.with_timezone(&Utc))
        .unwrap_or_else(|| midnight.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_starts_in_a_zone() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 8).expect("date");
        let start = day_start(chrono_tz::America::New_York, day);
        assert_eq!(start.to_rfc3339(), "2026-03-08T05:00:00+00:00");
        // Midnight does not exist in Santiago on its spring-forward day.
        let gap = NaiveDate::from_ymd_opt(2026, 9, 6).expect("date");
        assert_eq!(
            day_start(chrono_tz::America::Santiago, gap).to_rfc3339(),
            "2026-09-06T04:00:00+00:00"
        );
    }

    #[test]
    fn unknown_zones_are_errors() {
        assert!(zone("Europe/Berlin").is_ok());
        assert!(zone("Mars/Olympus").is_err());
    }
}

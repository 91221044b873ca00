//! Shape checks for domain values, used by request types through `validator`'s `custom`
//! attribute. Each returns a `ValidationError` whose code is stable and whose message says what
//! is expected.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;
use validator::ValidationError;

static TENANT_CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Z0-9]{2,16}$").expect("a valid pattern"));

fn error(code: &'static str, message: &'static str) -> ValidationError {
    let mut error = ValidationError::new(code);
    error.message = Some(Cow::Borrowed(message));
    error
}

/// A tenant code: `^[A-Z0-9]{2,16}$`.
pub fn is_tenant_code(code: &str) -> bool {
    TENANT_CODE.is_match(code)
}

/// Text that is not empty or only blanks.
pub fn not_blank(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(error("blank", "must not be empty or blank"));
    }
    Ok(())
}

/// A US National Provider Identifier: 10 digits whose Luhn check over `80840` followed by the
/// 10 digits holds (e.g. `1234567893`).
pub fn npi(value: &str) -> Result<(), ValidationError> {
    let invalid = || error("npi", "must be a 10-digit NPI with a valid check digit");
    if value.len() != 10 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let digits = "80840"
        .bytes()
        .chain(value.bytes())
        .map(|b| u32::from(b - b'0'));
    let sum: u32 = digits
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    if sum.is_multiple_of(10) {
        Ok(())
    } else {
        Err(invalid())
    }
}

/// An IANA time zone name known to the tz database (e.g. `America/New_York`).
pub fn time_zone(value: &str) -> Result<(), ValidationError> {
    value.parse::<chrono_tz::Tz>().map(|_| ()).map_err(|_| {
        error(
            "time_zone",
            "must be an IANA time zone such as Europe/Berlin",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npi_luhn() {
        assert!(npi("1234567893").is_ok());
        assert!(npi("1234567890").is_err());
        assert!(npi("123456789").is_err());
        assert!(npi("12345678a3").is_err());
    }

    #[test]
    fn tenant_codes() {
        assert!(is_tenant_code("GH"));
        assert!(is_tenant_code("GENERAL01"));
        assert!(!is_tenant_code("g1"));
        assert!(!is_tenant_code("A"));
        assert!(!is_tenant_code("ABCDEFGHIJKLMNOPQ"));
    }

    #[test]
    fn blanks_and_zones() {
        assert!(not_blank("  ").is_err());
        assert!(not_blank(" a ").is_ok());
        assert!(time_zone("Europe/Berlin").is_ok());
        assert!(time_zone("Mars/Olympus").is_err());
    }
}

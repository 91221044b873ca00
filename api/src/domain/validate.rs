//! Shape checks for domain values (codes, identifiers, zones), used by request types through `validator`'s `custom`
//! attribute. Each returns a `ValidationError` whose code is stable and whose message says what
//! is expected: `length` when the value is longer than any value of its kind can be (the
//! `maxLength` the document publishes), else the kind's own code (`icd10`, `ndc`…).
//!
//! The schemas of list items (`DiagnosisCode`, `ProcedureCode`…) are here too, beside the
//! patterns and bounds they publish.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use validator::ValidationError;

static TENANT_CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Z0-9]{2,16}$").expect("a valid pattern"));

/// ICD-10-CM: a letter (not U), a digit, a digit or letter, then optionally a dot and 1 to 4
/// digits or letters (`E11.9`, `S72.001A`).
pub const ICD10_PATTERN: &str = r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$";
/// The longest ICD-10-CM code (`S72.001A`).
pub const ICD10_MAX_LENGTH: usize = 8;
static ICD10: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(ICD10_PATTERN).expect("a valid pattern"));

/// CPT (five digits, or four digits and a letter for category II/III and PLA codes) or HCPCS
/// level II (a letter A to V and four digits).
pub const CPT_HCPCS_PATTERN: &str = r"^([0-9]{4}[0-9A-Z]|[A-V][0-9]{4})$";
/// Every CPT/HCPCS code has five characters.
pub const CPT_HCPCS_MAX_LENGTH: usize = 5;
static CPT_HCPCS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(CPT_HCPCS_PATTERN).expect("a valid pattern"));

/// NDC: 10 or 11 digits, bare or in the 4-4-2, 5-3-2, 5-4-1 or 5-4-2 segment forms.
pub const NDC_PATTERN: &str = r"^([0-9]{10,11}|[0-9]{4}-[0-9]{4}-[0-9]{2}|[0-9]{5}-[0-9]{3}-[0-9]{2}|[0-9]{5}-[0-9]{4}-[0-9]{1,2})$";
/// The longest NDC: 5-4-2 with its dashes (`12345-6789-01`).
pub const NDC_MAX_LENGTH: usize = 13;
static NDC: LazyLock<Regex> = LazyLock::new(|| Regex::new(NDC_PATTERN).expect("a valid pattern"));

/// An NPI has 10 digits.
pub const NPI_MAX_LENGTH: usize = 10;

/// A SHA-256 digest has 64 hexadecimal digits.
pub const SHA256_MAX_LENGTH: usize = 64;
/// The longest time zone name kept (the tenant column's size; IANA names are far shorter).
pub const TIME_ZONE_MAX_LENGTH: usize = 64;
/// The longest name of a template's required document (a document's title holds as much).
pub const REQUIRED_DOCUMENT_MAX_LENGTH: usize = 300;

fn error(code: &'static str, message: &'static str) -> ValidationError {
    let mut error = ValidationError::new(code);
    error.message = Some(Cow::Borrowed(message));
    error
}

/// `length` when `value` has more than `max` characters (characters, not bytes, as
/// `validator`'s own `length` counts).
fn at_most(value: &str, max: usize) -> Result<(), ValidationError> {
    if value.chars().count() > max {
        let mut error = ValidationError::new("length");
        error.add_param(Cow::Borrowed("max"), &max);
        error.message = Some(Cow::Owned(format!("must be at most {max} characters long")));
        return Err(error);
    }
    Ok(())
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
    at_most(value, NPI_MAX_LENGTH)?;
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

/// An ICD-10-CM diagnosis code such as `E11.9`.
pub fn icd10(value: &str) -> Result<(), ValidationError> {
    at_most(value, ICD10_MAX_LENGTH)?;
    if ICD10.is_match(value) {
        Ok(())
    } else {
        Err(error("icd10", "must be an ICD-10-CM code such as E11.9"))
    }
}

/// A CPT or HCPCS procedure code: five characters such as `70553` or `J1745`.
pub fn cpt_hcpcs(value: &str) -> Result<(), ValidationError> {
    at_most(value, CPT_HCPCS_MAX_LENGTH)?;
    if CPT_HCPCS.is_match(value) {
        Ok(())
    } else {
        Err(error(
            "cpt_hcpcs",
            "must be a CPT or HCPCS code such as 70553 or J1745",
        ))
    }
}

/// An NDC number: 10 or 11 digits, with or without dashes.
pub fn ndc(value: &str) -> Result<(), ValidationError> {
    at_most(value, NDC_MAX_LENGTH)?;
    if NDC.is_match(value) {
        Ok(())
    } else {
        Err(error(
            "ndc",
            "must be an NDC of 10 or 11 digits, with or without dashes (0002-8215-01)",
        ))
    }
}

/// Checks every code of a list with `check`; the errors name each bad element
/// (`procedure_codes[1]`).
pub fn each_code(
    field: &str,
    codes: &[String],
    check: impl Fn(&str) -> Result<(), ValidationError>,
) -> Result<(), crate::base::error::Error> {
    let errors: Vec<crate::base::error::FieldError> = codes
        .iter()
        .enumerate()
        .filter_map(|(index, code)| {
            check(code).err().map(|error| {
                crate::base::error::FieldError::new(
                    format!("{field}[{index}]"),
                    error.code.to_string(),
                    error.message.map(|m| m.to_string()).unwrap_or_default(),
                )
            })
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(crate::base::error::Error::Invalid { errors })
    }
}

/// Checks that every text of a list has at most `max` characters; the errors name each long
/// element (`required_documents[1]`, code `length`).
pub fn each_at_most(
    field: &str,
    values: &[String],
    max: usize,
) -> Result<(), crate::base::error::Error> {
    each_code(field, values, |value| at_most(value, max))
}

/// A SHA-256 digest: 64 lower-case hexadecimal digits.
pub fn sha256(value: &str) -> Result<(), ValidationError> {
    at_most(value, SHA256_MAX_LENGTH)?;
    if value.len() == 64
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err(error("sha256", "must be 64 lower-case hexadecimal digits"))
    }
}

/// An IANA time zone name known to the tz database (e.g. `America/New_York`).
pub fn time_zone(value: &str) -> Result<(), ValidationError> {
    at_most(value, TIME_ZONE_MAX_LENGTH)?;
    value.parse::<chrono_tz::Tz>().map(|_| ()).map_err(|_| {
        error(
            "time_zone",
            "must be an IANA time zone such as Europe/Berlin",
        )
    })
}

/// Declares the schema of a string list item: a type that only stands for the item in the
/// OpenAPI document (`#[schema(value_type = Vec<DiagnosisCode>)]`), the list itself staying
/// `Vec<String>` (its items are checked by [`each_code`]).
macro_rules! item_schema {
    ($(#[doc = $doc:literal])+ $name:ident, max_length = $max:expr $(, pattern = $pattern:expr)?) => {
        $(#[doc = $doc])+
        #[derive(Debug)]
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some(
                        [$($doc),+].map(str::trim).join(" "),
                    ))
                    .max_length(Some($max))
                    $(.pattern(Some($pattern)))?
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

item_schema! {
    /// An ICD-10-CM diagnosis code such as `E11.9`.
    DiagnosisCode, max_length = ICD10_MAX_LENGTH, pattern = ICD10_PATTERN
}

item_schema! {
    /// A CPT or HCPCS procedure code such as `70553` or `J1745`.
    ProcedureCode, max_length = CPT_HCPCS_MAX_LENGTH, pattern = CPT_HCPCS_PATTERN
}

item_schema! {
    /// A CPT or HCPCS procedure code such as `70553`; for a PHARMACY request, an NDC number
    /// such as `0002-8215-01` (10 or 11 digits, with or without dashes).
    ProcedureOrNdcCode, max_length = NDC_MAX_LENGTH
}

item_schema! {
    /// The name of a document the payer asks for, such as `Prior CT report`.
    RequiredDocument, max_length = REQUIRED_DOCUMENT_MAX_LENGTH
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
    fn code_shapes() {
        for good in ["E11.9", "S72.001A", "I10", "Z00.00"] {
            assert!(icd10(good).is_ok(), "{good}");
        }
        for bad in ["e11.9", "U07.1", "E1", "E11.", "E11.12345", "11.9"] {
            assert!(icd10(bad).is_err(), "{bad}");
        }
        for good in ["70553", "J1745", "0001U", "99213"] {
            assert!(cpt_hcpcs(good).is_ok(), "{good}");
        }
        for bad in ["7055", "705531", "W1745", "j1745", "ABCDE"] {
            assert!(cpt_hcpcs(bad).is_err(), "{bad}");
        }
        for good in [
            "0002-8215-01",
            "0002821501",
            "0002821501",
            "12345-678-90",
            "12345-6789-0",
        ] {
            assert!(ndc(good).is_ok(), "{good}");
        }
        for bad in ["0002-8215-0", "000282150", "000282150123", "0002_8215_01"] {
            assert!(ndc(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn too_long_is_length() {
        let code = |result: Result<(), ValidationError>| result.expect_err("refused").code;
        // The longest value of each kind passes; one character more is `length`.
        assert!(icd10("S72.001A").is_ok());
        assert_eq!(code(icd10("S72.001AB")), "length");
        assert!(cpt_hcpcs("J1745").is_ok());
        assert_eq!(code(cpt_hcpcs("J17450")), "length");
        assert!(ndc("12345-6789-01").is_ok());
        assert_eq!(code(ndc("12345-6789-012")), "length");
        assert_eq!(code(npi("12345678931")), "length");
        assert!(sha256(&"a".repeat(64)).is_ok());
        assert_eq!(code(sha256(&"a".repeat(65))), "length");
        assert_eq!(code(time_zone(&"A".repeat(65))), "length");
        // Characters, not bytes.
        assert!(at_most(&"é".repeat(300), REQUIRED_DOCUMENT_MAX_LENGTH).is_ok());
        assert_eq!(
            code(at_most(&"é".repeat(301), REQUIRED_DOCUMENT_MAX_LENGTH)),
            "length"
        );
        // Shorter but malformed values keep their own code.
        assert_eq!(code(icd10("E11.")), "icd10");
        assert_eq!(code(npi("1234567890")), "npi");
    }

    #[test]
    fn blanks_and_zones() {
        assert!(not_blank("  ").is_err());
        assert!(not_blank(" a ").is_ok());
        assert!(time_zone("Europe/Berlin").is_ok());
        assert!(time_zone("Mars/Olympus").is_err());
    }
}

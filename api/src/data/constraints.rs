//! The one mapping from database errors to [`Error`]s.
//!
//! A constraint violation is recognised by the constraint's name, which PostgreSQL reports.
//! SQLite reports a unique violation by its columns (`UNIQUE constraint failed: patients.tenant_id,
//! patients.mrn`), which the table below maps to the same constraint; it reports a foreign-key
//! violation with no name at all, so a delete names the constraint it can break (the table's
//! "still referred to" answer). A busy or unreachable database is 503; anything else is an
//! internal error carrying its cause.

use sea_orm::sqlx::Error as Sqlx;
use sea_orm::{DbErr, RuntimeErr};

use crate::base::error::{Error, ProblemCode};

/// The constraints whose violation a client can cause, and what each answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter)]
pub enum Constraint {
    /// `ux_patients_tenant_mrn`.
    PatientMrn,
    /// `ux_providers_tenant_npi`.
    ProviderNpi,
    /// `ux_medications_tenant_ndc`.
    MedicationNdc,
    /// `ux_approval_templates_tenant_name`.
    TemplateName,
    /// `ux_tenants_code`.
    TenantCode,
    /// A foreign key to an order (approval requests refer to it).
    OrderReferenced,
    /// A foreign key to a patient.
    PatientReferenced,
    /// A foreign key to a coverage.
    CoverageReferenced,
    /// A foreign key to a provider.
    ProviderReferenced,
    /// A foreign key to a medication.
    MedicationReferenced,
    /// A foreign key to a template.
    TemplateReferenced,
    /// A foreign key to an approval request.
    RequestReferenced,
    /// A constraint the database did not name (SQLite foreign keys) and the caller did not
    /// either.
    Unnamed,
}

/// Unique constraints: the PostgreSQL name and the columns SQLite names.
const UNIQUE: &[(Constraint, &str, &str)] = &[
    (
        Constraint::PatientMrn,
        "ux_patients_tenant_mrn",
        "patients.tenant_id, patients.mrn",
    ),
    (
        Constraint::ProviderNpi,
        "ux_providers_tenant_npi",
        "providers.tenant_id, providers.npi",
    ),
    (
        Constraint::MedicationNdc,
        "ux_medications_tenant_ndc",
        "medications.tenant_id, medications.ndc_number",
    ),
    (
        Constraint::TemplateName,
        "ux_approval_templates_tenant_name",
        "approval_templates.tenant_id, approval_templates.name",
    ),
    (Constraint::TenantCode, "ux_tenants_code", "tenants.code"),
];

/// Foreign keys, by PostgreSQL name.
const FOREIGN: &[(&str, Constraint)] = &[
    (
        "fk_approval_requests_lab_order",
        Constraint::OrderReferenced,
    ),
    (
        "fk_approval_requests_imaging_order",
        Constraint::OrderReferenced,
    ),
    (
        "fk_approval_requests_prescription",
        Constraint::OrderReferenced,
    ),
    (
        "fk_approval_requests_surgical_case",
        Constraint::OrderReferenced,
    ),
    (
        "fk_approval_requests_template",
        Constraint::TemplateReferenced,
    ),
    (
        "fk_approval_requests_insurance_info",
        Constraint::CoverageReferenced,
    ),
    (
        "fk_approval_requests_patient",
        Constraint::PatientReferenced,
    ),
    ("fk_insurance_info_patient", Constraint::PatientReferenced),
    ("fk_lab_orders_patient", Constraint::PatientReferenced),
    ("fk_imaging_orders_patient", Constraint::PatientReferenced),
    ("fk_prescriptions_patient", Constraint::PatientReferenced),
    ("fk_surgical_cases_patient", Constraint::PatientReferenced),
    (
        "fk_approval_requests_requesting_provider",
        Constraint::ProviderReferenced,
    ),
    (
        "fk_lab_orders_ordering_provider",
        Constraint::ProviderReferenced,
    ),
    (
        "fk_imaging_orders_ordering_provider",
        Constraint::ProviderReferenced,
    ),
    (
        "fk_prescriptions_prescriber",
        Constraint::ProviderReferenced,
    ),
    (
        "fk_surgical_cases_primary_surgeon",
        Constraint::ProviderReferenced,
    ),
    (
        "fk_prescriptions_medication",
        Constraint::MedicationReferenced,
    ),
];

impl Constraint {
    /// What a violation of this constraint answers.
    pub fn error(self) -> Error {
        let (code, detail) = match self {
            Self::PatientMrn => (
                ProblemCode::DuplicateMrn,
                "a patient with this MRN already exists",
            ),
            Self::ProviderNpi => (
                ProblemCode::DuplicateNpi,
                "a provider with this NPI already exists",
            ),
            Self::MedicationNdc => (
                ProblemCode::DuplicateNdc,
                "a medication with this NDC already exists",
            ),
            Self::TemplateName => (
                ProblemCode::DuplicateName,
                "a template with this name already exists",
            ),
            Self::TenantCode => (
                ProblemCode::Duplicate,
                "a tenant with this code already exists",
            ),
            Self::OrderReferenced => (
                ProblemCode::OrderInUse,
                "approval requests refer to this order; cancel the order instead of deleting it",
            ),
            Self::PatientReferenced => (
                ProblemCode::InUse,
                "the patient has insurance coverages or orders; delete those first",
            ),
            Self::CoverageReferenced => (
                ProblemCode::InUse,
                "approval requests refer to this coverage; give it a termination date instead",
            ),
            Self::ProviderReferenced => (
                ProblemCode::InUse,
                "orders or approval requests refer to this provider",
            ),
            Self::MedicationReferenced => {
                (ProblemCode::InUse, "prescriptions refer to this medication")
            }
            Self::TemplateReferenced => (
                ProblemCode::TemplateInUse,
                "approval requests were made from this template; deactivate it instead of deleting it",
            ),
            Self::RequestReferenced | Self::Unnamed => (
                ProblemCode::InUse,
                "other resources refer to this one or it refers to a missing one",
            ),
        };
        Error::conflict(code, detail)
    }

    /// The constraint PostgreSQL names `name`.
    fn named(name: &str) -> Option<Self> {
        UNIQUE
            .iter()
            .find(|(_, pg, _)| *pg == name)
            .map(|(constraint, _, _)| *constraint)
            .or_else(|| {
                FOREIGN
                    .iter()
                    .find(|(pg, _)| *pg == name)
                    .map(|(_, constraint)| *constraint)
            })
    }

    /// The unique constraint SQLite describes as `UNIQUE constraint failed: <columns>`.
    fn sqlite_unique(message: &str) -> Option<Self> {
        let columns = message.split("UNIQUE constraint failed: ").nth(1)?.trim();
        UNIQUE
            .iter()
            .find(|(_, _, sqlite)| *sqlite == columns)
            .map(|(constraint, _, _)| *constraint)
    }
}

/// The [`Error`] of a database error. `unnamed_foreign_key` is the constraint a foreign-key
/// violation stands for when the database does not say (SQLite).
pub fn classify(error: DbErr, unnamed_foreign_key: Constraint) -> Error {
    if let Some(database) = database_error(&error) {
        let kind = database.kind();
        if matches!(kind, sea_orm::sqlx::error::ErrorKind::UniqueViolation) {
            let constraint = database
                .constraint()
                .and_then(Constraint::named)
                .or_else(|| Constraint::sqlite_unique(database.message()));
            return match constraint {
                Some(constraint) => constraint.error(),
                None => Error::conflict(
                    ProblemCode::Duplicate,
                    "a resource with these unique values already exists",
                ),
            };
        }
        // SQLite reports a RESTRICT foreign key as extended code 787 (FOREIGN KEY) or 1811
        // (trigger), the latter not classified as a foreign-key violation by sqlx.
        let sqlite_foreign_key = database
            .try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>()
            .is_some()
            && matches!(database.code().as_deref(), Some("787" | "1811"));
        if matches!(kind, sea_orm::sqlx::error::ErrorKind::ForeignKeyViolation)
            || sqlite_foreign_key
        {
            return database
                .constraint()
                .and_then(Constraint::named)
                .unwrap_or(unnamed_foreign_key)
                .error();
        }
    }
    if is_unavailable(&error) {
        return Error::Unavailable {
            source: Box::new(error),
        };
    }
    Error::internal_from("querying the database", error)
}

fn database_error(error: &DbErr) -> Option<&dyn sea_orm::sqlx::error::DatabaseError> {
    match error {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            match e.as_ref() {
                Sqlx::Database(database) => Some(database.as_ref()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether a database error means "try again later": no connection, pool exhausted or closed,
/// a lock held too long (SQLite BUSY/LOCKED, PostgreSQL lock timeout, deadlock, serialization
/// failure), too many connections, or the server shutting down.
fn is_unavailable(error: &DbErr) -> bool {
    let sqlx = match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            e.as_ref()
        }
        _ => return false,
    };
    match sqlx {
        Sqlx::Io(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed
        | Sqlx::Tls(_) => true,
        Sqlx::Database(database) => {
            let code = database.code().unwrap_or_default();
            // SQLite: 5 BUSY, 6 LOCKED and their extended codes (low byte 5 or 6).
            let sqlite = database
                .try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>()
                .is_some();
            let sqlite_busy =
                sqlite && code.parse::<u32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6));
            sqlite_busy
                || matches!(
                    code.as_ref(),
                    "55P03" | "57P01" | "57P02" | "57P03" | "53300" | "40001" | "40P01"
                )
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_unique_messages_name_their_constraint() {
        assert_eq!(
            Constraint::sqlite_unique("UNIQUE constraint failed: patients.tenant_id, patients.mrn"),
            Some(Constraint::PatientMrn)
        );
        assert_eq!(
            Constraint::sqlite_unique("UNIQUE constraint failed: lab_orders.id"),
            None
        );
        assert_eq!(
            Constraint::named("fk_approval_requests_surgical_case"),
            Some(Constraint::OrderReferenced)
        );
    }
}

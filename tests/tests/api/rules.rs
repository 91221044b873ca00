//! Where a rule exists both in Rust and as SQL generated from the same constants (holding a
//! grant, being expedited, the coverage that applies), both forms give the same answer on the
//! same rows, on each database.

use api::domain::approval::coverage;
use api::domain::approval::policy::{self, FULL, PARTIAL};
use api::domain::approval::values::{ApprovalStatus, RequestPriority};
use chrono::{Days, NaiveDate};
use sea_orm::{ActiveModelTrait, ConnectionTrait, IntoActiveModel, Statement};
use strum::IntoEnumIterator;
use tests::{TestApp, api_tests};
use uuid::Uuid;

/// Inserts requests of the clinic's patient, one per `(status, grant_kind, priority, expedited)`.
async fn insert_requests(
    app: &TestApp,
    tenant_id: Uuid,
    patient_id: Uuid,
    rows: &[(ApprovalStatus, Option<&str>, RequestPriority, bool)],
) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for (n, (status, grant, priority, expedited)) in rows.iter().enumerate() {
        let mut row = api::domain::approval::service::blank_request();
        row.id = Uuid::now_v7();
        row.tenant_id = tenant_id;
        row.patient_id = patient_id;
        row.approval_number = format!("APR-T-{n:06}");
        row.request_type = "DME".to_owned();
        row.status = status.to_string();
        row.grant_kind = grant.map(str::to_owned);
        row.priority = priority.as_ref().to_owned();
        row.is_expedited = *expedited;
        row.created_at = tests::clock::now();
        row.updated_at = row.created_at;
        row.clone()
            .into_active_model()
            .reset_all()
            .insert(&app.db)
            .await
            .expect("inserting a request");
        ids.push(row.id);
    }
    ids
}

/// The ids of `approval_requests` rows (aliased `r`) of the tenant where `condition` holds.
async fn matching(app: &TestApp, tenant_id: Uuid, condition: &str) -> Vec<Uuid> {
    let backend = app.db.get_database_backend();
    let parameter = if backend == sea_orm::DatabaseBackend::Postgres {
        "$1"
    } else {
        "?1"
    };
    let rows = app
        .db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!("SELECT r.id FROM approval_requests r WHERE r.tenant_id = {parameter} AND {condition} ORDER BY r.id"),
            [tenant_id.into()],
        ))
        .await
        .expect("querying");
    rows.iter()
        .map(|row| row.try_get("", "id").expect("id"))
        .collect()
}

api_tests! {
    async fn holding_a_grant_and_being_expedited_agree_in_rust_and_sql(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let tenant_id = clinic.tenant.id;
        let patient_id: Uuid = clinic.patient_id.parse().expect("uuid");
        let mut rows = Vec::new();
        for status in ApprovalStatus::iter() {
            for grant in [None, Some(FULL), Some(PARTIAL)] {
                for (priority, expedited) in [(RequestPriority::Routine, false), (RequestPriority::Routine, true), (RequestPriority::Urgent, false), (RequestPriority::Stat, false), (RequestPriority::Emergency, false)] {
                    rows.push((status, grant, priority, expedited));
                }
            }
        }
        let ids = insert_requests(&app, tenant_id, patient_id, &rows).await;
        let mut holding: Vec<Uuid> = ids.iter().zip(&rows)
            .filter(|(_, (status, grant, _, _))| policy::holds_grant(*status, *grant))
            .map(|(id, _)| *id).collect();
        holding.sort();
        assert!(!holding.is_empty() && holding.len() < ids.len());
        assert_eq!(matching(&app, tenant_id, &policy::holds_grant_sql("r")).await, holding, "holds_grant_sql");
        let mut by_condition: Vec<Uuid> = {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
            entity::approval_request::Entity::find()
                .select_only().column(entity::approval_request::Column::Id)
                .filter(entity::approval_request::Column::TenantId.eq(tenant_id))
                .filter(policy::holds_grant_condition())
                .into_tuple().all(&app.db).await.expect("querying")
        };
        by_condition.sort();
        assert_eq!(by_condition, holding, "holds_grant_condition");
        let mut expedited: Vec<Uuid> = ids.iter().zip(&rows)
            .filter(|(_, (_, _, priority, flag))| policy::is_expedited(priority.as_ref(), *flag))
            .map(|(id, _)| *id).collect();
        expedited.sort();
        assert!(!expedited.is_empty() && expedited.len() < ids.len());
        assert_eq!(matching(&app, tenant_id, &policy::is_expedited_sql("r")).await, expedited, "is_expedited_sql");
    }

    async fn the_coverage_that_applies_agrees_in_rust_and_sql(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let base = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        // Ties on purpose: two PRIMARY coverages starting the same day, a SECONDARY starting
        // later, a TERTIARY, one that ends, one that starts in the future.
        let plans = [
            ("PRIMARY", 0, None), ("PRIMARY", 0, None), ("SECONDARY", 10, None), ("TERTIARY", 0, None),
            ("PRIMARY", 20, Some(40)), ("SECONDARY", 60, None), ("PRIMARY", 5, Some(5)),
        ];
        for (priority, start, end) in plans {
            let mut body = serde_json::json!({
                "payer_name": "P", "payer_id": "P1", "member_id": "M", "priority": priority,
                "effective_date": (base + Days::new(start)).to_string()
            });
            if let Some(end) = end {
                body["termination_date"] = serde_json::json!((base + Days::new(end)).to_string());
            }
            app.create_coverage(&clinic.token, &clinic.patient_id, body).await;
        }
        let coverages = {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            entity::insurance_info::Entity::find()
                .filter(entity::insurance_info::Column::TenantId.eq(clinic.tenant.id))
                .all(&app.db).await.expect("coverages")
        };
        let backend = app.db.get_database_backend();
        for offset in [0, 4, 5, 6, 10, 25, 41, 60, 100] {
            let day = base + Days::new(offset);
            let rust = coverage::choose(&coverages, day).map(|c| c.id);
            let literal = if backend == sea_orm::DatabaseBackend::Postgres { format!("DATE '{day}'") } else { format!("'{day}'") };
            let parameter = if backend == sea_orm::DatabaseBackend::Postgres { "$1" } else { "?1" };
            let row = app.db.query_one_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT c.id FROM insurance_info c WHERE c.tenant_id = {parameter} AND {} ORDER BY {} LIMIT 1",
                    coverage::in_force_sql("c", &literal),
                    coverage::preference_sql("c")
                ),
                [clinic.tenant.id.into()],
            )).await.expect("querying");
            let sql: Option<Uuid> = row.map(|r| r.try_get("", "id").expect("id"));
            assert_eq!(sql, rust, "day {day}");
        }
    }
}

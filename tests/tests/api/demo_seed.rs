//! `approvals seed --demo`: the demo tenant shows every order approval status and every request
//! status through the API, with consistent histories and a fresh read model; a second run is
//! refused and changes nothing.

use api::domain::approval::fields::OrderApprovalStatus;
use api::domain::approval::values::ApprovalStatus;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde_json::Value;
use strum::IntoEnumIterator;
use tests::oracle::assert_read_model_fresh;
use tests::{Tenant, TestApp, api_tests};

const ORDER_PATHS: [&str; 4] = [
    "/api/v1/lab-orders",
    "/api/v1/imaging-orders",
    "/api/v1/prescriptions",
    "/api/v1/surgical-cases",
];

/// The tables the demo writes, each counted for the tenant.
const TABLES: [&str; 16] = [
    "providers",
    "patients",
    "insurance_info",
    "medications",
    "approval_templates",
    "lab_orders",
    "imaging_orders",
    "prescriptions",
    "surgical_cases",
    "approval_requests",
    "approval_status_history",
    "approval_communications",
    "approval_documents",
    "order_approval_states",
    "audit_events",
    "number_sequences",
];

/// Rows of each table for the tenant, the counters' values, and the number of tenants.
async fn snapshot(app: &TestApp, tenant_id: uuid::Uuid) -> Vec<(String, i64)> {
    let backend = app.db.get_database_backend();
    let parameter = if backend == DatabaseBackend::Postgres {
        "$1"
    } else {
        "?1"
    };
    let mut rows = Vec::new();
    let mut queries: Vec<(String, String)> = TABLES
        .iter()
        .map(|table| {
            (
                (*table).to_owned(),
                format!("SELECT COUNT(*) AS n FROM {table} WHERE tenant_id = {parameter}"),
            )
        })
        .collect();
    queries.push((
        "counters".to_owned(),
        format!(
            "SELECT CAST(COALESCE(SUM(last_value), 0) AS BIGINT) AS n FROM number_sequences WHERE tenant_id = {parameter}"
        ),
    ));
    for (name, sql) in queries {
        let row = app
            .db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [tenant_id.into()],
            ))
            .await
            .expect("counting")
            .expect("a count");
        rows.push((name, row.try_get::<i64>("", "n").expect("n")));
    }
    let tenants = app
        .db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM tenants",
        ))
        .await
        .expect("counting")
        .expect("a count");
    rows.push(("tenants".to_owned(), tenants.try_get("", "n").expect("n")));
    rows
}

async fn total(app: &TestApp, token: &str, path: &str) -> u64 {
    let reply = app.get(path).token(token).send().await;
    assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
    reply.body["total"].as_u64().expect("total")
}

api_tests! {
    async fn the_demo_shows_every_status_and_refuses_a_second_run(app: TestApp) {
        let summary = api::seed::demo(&app.db, api::seed::DEMO_TENANT, app.clock.as_ref())
            .await
            .expect("the demo seeds");
        assert!(summary.tenant_created);
        assert_eq!(summary.code, "DEMO");
        let tenant = Tenant { id: summary.tenant_id, code: summary.code.clone() };
        let token = app.token(&tenant, &["ADMIN"]);

        // The tenant as the CLI creates it.
        let settings = app.get("/api/v1/tenant").token(&token).send().await;
        assert_eq!(settings.status, 200, "{}", settings.body);
        assert_eq!(settings.body["time_zone"], "America/New_York");

        // Every value of an order's approval_status, through the order lists' filter.
        for status in OrderApprovalStatus::iter() {
            let mut found = 0;
            for path in ORDER_PATHS {
                found += total(&app, &token, &format!("{path}?approval_status={}", status.as_ref())).await;
            }
            assert!(found > 0, "no order is {}", status.as_ref());
        }
        // Orders of all four kinds.
        for path in ORDER_PATHS {
            assert!(total(&app, &token, path).await > 0, "no order at {path}");
        }

        // Every request status, and each request's history leads to its status.
        for status in ApprovalStatus::iter() {
            let found = total(&app, &token, &format!("/api/v1/approval-requests?status={status}")).await;
            assert!(found > 0, "no request is {status}");
        }
        let requests = app.get("/api/v1/approval-requests?limit=100").token(&token).send().await;
        assert_eq!(requests.status, 200);
        let requests = requests.body["items"].as_array().expect("items").clone();
        assert_eq!(requests.len(), summary.requests);
        for request in &requests {
            let id = request["id"].as_str().expect("id");
            let history = app
                .get(&format!("/api/v1/approval-requests/{id}/history?limit=100"))
                .token(&token)
                .send()
                .await;
            assert_eq!(history.status, 200, "{}", history.body);
            let rows = history.body["items"].as_array().expect("items");
            assert!(!rows.is_empty(), "a history for {id}");
            assert_eq!(rows[0]["from_status"], Value::Null);
            for (n, row) in rows.iter().enumerate() {
                assert_eq!(row["seq"], n + 1);
                if n > 0 {
                    assert_eq!(row["from_status"], rows[n - 1]["to_status"], "history of {id}");
                }
            }
            assert_eq!(rows[rows.len() - 1]["to_status"], request["status"], "history of {id}");
        }

        // Companions and templates.
        let mut communications = 0;
        let mut documents = 0;
        for request in &requests {
            let id = request["id"].as_str().expect("id");
            communications += total(&app, &token, &format!("/api/v1/approval-requests/{id}/communications")).await;
            documents += total(&app, &token, &format!("/api/v1/approval-requests/{id}/documents")).await;
        }
        assert_eq!(communications as usize, summary.communications);
        assert_eq!(documents as usize, summary.documents);
        assert!(communications > 0 && documents > 0);
        assert!(total(&app, &token, "/api/v1/approval-templates").await >= 2);
        assert!(total(&app, &token, "/api/v1/audit-events").await > 0);

        // The read model equals the rules run from scratch.
        assert_read_model_fresh(&app, tenant.id, "after the demo seed").await;

        // A second run is refused and changes nothing.
        let before = snapshot(&app, tenant.id).await;
        let error = api::seed::demo(&app.db, "DEMO", app.clock.as_ref())
            .await
            .expect_err("a second run is refused");
        let message = format!("{error:#}");
        assert!(message.contains("already has data"), "{message}");
        assert!(message.contains("migrate fresh"), "{message}");
        assert_eq!(snapshot(&app, tenant.id).await, before);

        // An empty tenant made by an operator is filled, beside the first, in its own zone.
        let other = app.tenant("EMPTY", "Europe/Berlin").await;
        let filled = api::seed::demo(&app.db, "EMPTY", app.clock.as_ref())
            .await
            .expect("an empty tenant is filled");
        assert!(!filled.tenant_created);
        assert_eq!(filled.orders, summary.orders);
        assert_read_model_fresh(&app, other.id, "after the second tenant's demo").await;
        // The first tenant's rows are untouched (only the count of tenants grew).
        let after = snapshot(&app, tenant.id).await;
        assert_eq!(after[..after.len() - 1], before[..before.len() - 1]);
    }
}

//! Writers racing on the same orders, from two instances of the service on one database: each
//! order's read-model row ends computed from every committed change, and no order keeps a
//! service date of a time zone the tenant left.

use chrono::Days;
use futures_util::future::join_all;
use serde_json::{Value, json};
use tests::{Clinic, TestApp, api_tests, coverage_body};

async fn insured(app: &TestApp) -> (Clinic, String) {
    let clinic = app.clinic("GH", "UTC").await;
    let token = app.token(&clinic.tenant, &["ADMIN", "CLINICIAN", "COORDINATOR"]);
    let clinic = Clinic { token, ..clinic };
    let coverage = app
        .create_coverage(&clinic.token, &clinic.patient_id, coverage_body())
        .await;
    let path = format!(
        "/api/v1/patients/{}/insurance/{}",
        clinic.patient_id,
        coverage["id"].as_str().expect("id")
    );
    (clinic, path)
}

fn lab(clinic: &Clinic, at: &str) -> Value {
    json!({
        "patient_id": clinic.patient_id, "ordering_provider_id": clinic.provider_id,
        "tests": [{"test_name": "A1c"}], "diagnosis_code": "E11.9", "clinical_indication": "x",
        "collection_datetime": at
    })
}

api_tests! {
    async fn transitions_and_coverage_changes_at_once_leave_every_row_right(app: TestApp) {
        let (clinic, coverage) = insured(&app).await;
        let other = app.another_instance().await;
        let today = app.today("UTC");
        let mut requests = Vec::new();
        for _ in 0..6 {
            let order = app.create(&clinic.token, "/api/v1/lab-orders", lab(&clinic, &format!("{today}T11:00:00Z"))).await;
            let path = format!("/api/v1/lab-orders/{}/approval-requests", order["id"].as_str().expect("id"));
            let request = app.create(&clinic.token, &path, json!({})).await;
            requests.push(request["id"].as_str().expect("id").to_owned());
        }
        let steps = [
            json!({"to_status": "SUBMITTED"}),
            json!({"to_status": "UNDER_REVIEW"}),
            json!({"to_status": "APPROVED", "authorization_number": "A-1", "expiration_date": (today + Days::new(9)).to_string()}),
            json!({"to_status": "CANCELLED", "reason": "race"}),
        ];
        let ends = [json!((today - Days::new(1)).to_string()), json!(null), json!((today + Days::new(3)).to_string()), json!(null)];
        for (step, end) in steps.iter().zip(ends) {
            // Every request moves on this instance while the patient's coverage changes on the
            // other, all at once.
            let transitions = join_all(requests.iter().map(|id| app.transition(&clinic.token, id, step.clone())));
            let coverage_changes = join_all((0..3).map(|_| other.patch(&coverage).token(&clinic.token).json(json!({"termination_date": end.clone()})).send()));
            let (moved, changed) = futures_util::future::join(transitions, coverage_changes).await;
            for reply in moved.iter().chain(changed.iter()) {
                assert!(matches!(reply.status, 200 | 409 | 422), "{} {}", reply.status, reply.body);
            }
            tests::oracle::assert_read_model_fresh(&app, clinic.tenant.id, &format!("after {step}")).await;
        }
    }

    async fn a_time_zone_change_while_orders_are_created_leaves_no_old_date(app: TestApp) {
        let (clinic, _) = insured(&app).await;
        let other = app.another_instance().await;
        let today = app.today("UTC");
        // 11:00 UTC is still today in UTC but already tomorrow in Kiritimati (UTC+14).
        let at = format!("{today}T11:00:00Z");
        let zones = ["Pacific/Kiritimati", "UTC", "Pacific/Kiritimati", "UTC", "Pacific/Kiritimati"];
        let creates = join_all((0..40).map(|n| {
            let body = lab(&clinic, &at);
            let token = clinic.token.clone();
            let app = &app;
            let other = &other;
            async move {
                if n % 2 == 0 {
                    app.post("/api/v1/lab-orders").token(&token).json(body).send().await
                } else {
                    other.post("/api/v1/lab-orders").token(&token).json(body).send().await
                }
            }
        }));
        let changes = async {
            let mut replies = Vec::new();
            for zone in zones {
                replies.push(app.patch("/api/v1/tenant").token(&clinic.token).json(json!({"time_zone": zone})).send().await);
            }
            replies
        };
        let (created, changed) = futures_util::future::join(creates, changes).await;
        for reply in &created {
            assert!(matches!(reply.status, 201 | 503), "{} {}", reply.status, reply.body);
        }
        assert!(created.iter().filter(|r| r.status == 201).count() >= 30, "most creations went through");
        for reply in changed {
            assert!(matches!(reply.status, 200 | 409), "{} {}", reply.status, reply.body);
        }
        let zone: chrono_tz::Tz = app.get("/api/v1/tenant").token(&clinic.token).send().await.body["time_zone"]
            .as_str().expect("zone").parse().expect("a zone");
        let instant = chrono::DateTime::parse_from_rfc3339(&at).expect("instant").with_timezone(&zone).date_naive();
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let orders = entity::lab_order::Entity::find()
            .filter(entity::lab_order::Column::TenantId.eq(clinic.tenant.id))
            .all(&app.db).await.expect("orders");
        let stale = orders.iter().filter(|o| o.service_date != Some(instant)).count();
        assert_eq!(stale, 0, "{stale} of {} orders kept a service date of the old zone", orders.len());
        tests::oracle::assert_read_model_fresh(&app, clinic.tenant.id, "after the zone changes").await;
    }
}

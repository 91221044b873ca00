//! `Idempotency-Key` on writes: a retry gets the first answer instead of acting twice.

use serde_json::{Value, json};
use tests::{Clinic, TestApp, api_tests};

fn lab_body(clinic: &Clinic, indication: &str) -> Value {
    json!({
        "patient_id": clinic.patient_id, "ordering_provider_id": clinic.provider_id,
        "tests": [{"test_name": "Hemoglobin A1c", "cpt_code": "83036"}],
        "diagnosis_code": "E11.9", "clinical_indication": indication
    })
}

async fn lab_order_count(app: &TestApp, token: &str) -> u64 {
    let reply = app.get("/api/v1/lab-orders").token(token).send().await;
    reply.body["total"].as_u64().expect("total")
}

api_tests! {
    async fn the_same_key_and_request_answer_the_first_answer_again(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let send = |key: &'static str, indication: &'static str| {
            app.post("/api/v1/lab-orders").token(&clinic.token).header("idempotency-key", key).json(lab_body(&clinic, indication)).send()
        };
        let first = send("key-1", "Diabetes").await;
        assert_eq!(first.status, 201, "{}", first.body);
        assert_eq!(first.header("idempotent-replayed"), None);
        let again = send("key-1", "Diabetes").await;
        assert_eq!(again.status, 201);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.body, first.body);
        assert_eq!(again.header("location"), first.header("location"));
        assert_eq!(again.header("etag"), first.header("etag"));
        assert_eq!(again.header("content-type"), Some("application/json"));
        assert_eq!(lab_order_count(&app, &clinic.token).await, 1, "one order, not two");
        // Another request with the same key: 422 naming the header, nothing created.
        let other = send("key-1", "Something else").await;
        assert_eq!(other.invalid_fields(), vec!["Idempotency-Key"]);
        assert_eq!(lab_order_count(&app, &clinic.token).await, 1);
        // Another key acts again.
        assert_eq!(send("key-2", "Diabetes").await.status, 201);
        assert_eq!(lab_order_count(&app, &clinic.token).await, 2);
        // Without a key, every request acts.
        app.create(&clinic.token, "/api/v1/lab-orders", lab_body(&clinic, "Diabetes")).await;
        assert_eq!(lab_order_count(&app, &clinic.token).await, 3);
    }

    async fn keys_are_scoped_to_tenant_user_method_and_path(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let other_tenant = app.clinic("SM", "UTC").await;
        let colleague = app.token_as(&clinic.tenant, &["CLINICIAN"], "another-clinician");
        let post = |token: &str, clinic: &Clinic| app.post("/api/v1/lab-orders").token(token).header("idempotency-key", "shared").json(lab_body(clinic, "Diabetes")).send();
        assert_eq!(post(&clinic.token, &clinic).await.status, 201);
        let by_colleague = post(&colleague, &clinic).await;
        assert_eq!(by_colleague.status, 201);
        assert_eq!(by_colleague.header("idempotent-replayed"), None, "another user's key is their own");
        let elsewhere = post(&other_tenant.token, &other_tenant).await;
        assert_eq!(elsewhere.status, 201);
        assert_eq!(elsewhere.header("idempotent-replayed"), None);
        assert_eq!(lab_order_count(&app, &clinic.token).await, 2);
        // The same key on another path is another key.
        let patient = app.post("/api/v1/patients").token(&clinic.token).header("idempotency-key", "shared").json(json!({"mrn": "MRN-K", "given_name": "A", "family_name": "B", "birth_date": "1990-01-01", "sex": "FEMALE"})).send().await;
        assert_eq!(patient.status, 201, "{}", patient.body);
    }

    async fn transitions_patches_and_deletes_are_not_repeated(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let request = app.create(&clinic.token, "/api/v1/approval-requests", json!({"patient_id": clinic.patient_id, "request_type": "DME", "status": "DRAFT"})).await;
        let id = request["id"].as_str().expect("id");
        let transitions = format!("/api/v1/approval-requests/{id}/transitions");
        for _ in 0..2 {
            let reply = app.post(&transitions).token(&clinic.token).header("idempotency-key", "t-1").json(json!({"to_status": "PENDING_SUBMISSION"})).send().await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            assert_eq!(reply.body["version"], 2);
        }
        let history = app.get(&format!("/api/v1/approval-requests/{id}/history")).token(&clinic.token).send().await;
        assert_eq!(history.body["total"], 2, "creation and one move");
        // A DELETE answered 204 answers 204 again instead of 404.
        let path = format!("/api/v1/approval-requests/{id}");
        let other = app.create(&clinic.token, "/api/v1/approval-requests", json!({"patient_id": clinic.patient_id, "request_type": "DME", "status": "DRAFT"})).await;
        let other_path = format!("/api/v1/approval-requests/{}", other["id"].as_str().expect("id"));
        for _ in 0..2 {
            let reply = app.delete(&other_path).token(&clinic.token).header("idempotency-key", "d-1").send().await;
            assert_eq!(reply.status, 204, "{}", reply.body);
        }
        // Refusals are kept too: the same request would be refused again.
        for replayed in [None, Some("true")] {
            let reply = app.patch(&path).token(&clinic.token).header("idempotency-key", "p-1").json(json!({"status": "APPROVED"})).send().await;
            assert_eq!(reply.invalid_fields(), vec!["status"]);
            assert_eq!(reply.header("idempotent-replayed"), replayed);
        }
    }

    async fn abandoned_keys_are_taken_over_and_keys_are_forgotten_after_a_day(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let body = lab_body(&clinic, "Diabetes");
        let first = app.post("/api/v1/lab-orders").token(&clinic.token).header("idempotency-key", "k").json(body.clone()).send().await;
        assert_eq!(first.status, 201);
        // A first request that never answered (its instance died mid-request) holds its key for
        // two minutes (here with another fingerprint: the retry is refused as another request),
        // then a retry may take the key over.
        let scope = api::data::idempotency::Scope {
            tenant_id: clinic.tenant.id, user: "user-1".into(), method: "POST".into(),
            path: "/api/v1/lab-orders".into(), key: "abandoned".into(),
        };
        let now = api::base::clock::Clock::now(app.clock.as_ref());
        let claim = api::data::idempotency::claim(&app.db, &scope, &"0".repeat(64), now).await.expect("claim");
        assert!(matches!(claim, api::data::idempotency::Claim::Fresh));
        let held = app.post("/api/v1/lab-orders").token(&clinic.token).header("idempotency-key", "abandoned").json(body.clone()).send().await;
        assert_eq!(held.invalid_fields(), vec!["Idempotency-Key"]);
        app.clock.advance_seconds(3 * 60);
        let taken_over = app.post("/api/v1/lab-orders").token(&clinic.token).header("idempotency-key", "abandoned").json(body.clone()).send().await;
        assert_eq!(taken_over.status, 201, "{}", taken_over.body);
        // A day later the key is forgotten: the same request acts again.
        app.clock.advance_days(1);
        let again = app.post("/api/v1/lab-orders").token(&clinic.token).header("idempotency-key", "k").json(body).send().await;
        assert_eq!(again.status, 201);
        assert_eq!(again.header("idempotent-replayed"), None);
        assert_ne!(again.body["id"], first.body["id"]);
        assert_eq!(lab_order_count(&app, &clinic.token).await, 3);
        // Expired keys are purged.
        let later = api::base::clock::Clock::now(app.clock.as_ref()) + chrono::Duration::days(2);
        let purged = api::data::idempotency::purge(&app.db, later).await.expect("purge");
        assert_eq!(purged, 2, "the two keys, \"k\" and \"abandoned\"");
    }

    async fn the_running_state_answers_409_with_retry_after(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        // Learn the fingerprint of a request by sending it once with a key, then mark that key
        // running again as if the first request had not answered yet.
        let body = lab_body(&clinic, "Diabetes");
        let first = app.post("/api/v1/lab-orders").token(&clinic.token).header("idempotency-key", "r").json(body.clone()).send().await;
        assert_eq!(first.status, 201);
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        entity::idempotency_key::Entity::update_many()
            .col_expr(entity::idempotency_key::Column::ResponseStatus, Expr::value(Option::<i16>::None))
            .filter(entity::idempotency_key::Column::Key.eq("r"))
            .exec(&app.db).await.expect("marking running");
        let reply = app.post("/api/v1/lab-orders").token(&clinic.token).header("idempotency-key", "r").json(body).send().await;
        reply.problem(409, "idempotency_key_in_use");
        assert_eq!(reply.header("retry-after"), Some("1"));
        assert_eq!(lab_order_count(&app, &clinic.token).await, 1);
    }

    async fn a_retry_reaching_another_instance_is_recognised(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let other = app.another_instance().await;
        let body = lab_body(&clinic, "Diabetes");
        let first = app.post("/api/v1/lab-orders").token(&clinic.token).header("idempotency-key", "x").json(body.clone()).send().await;
        let again = other.post("/api/v1/lab-orders").token(&clinic.token).header("idempotency-key", "x").json(body).send().await;
        assert_eq!(again.status, 201);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.body, first.body);
        assert_eq!(lab_order_count(&app, &clinic.token).await, 1);
    }

    async fn bad_keys_and_unauthenticated_requests(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let body = lab_body(&clinic, "Diabetes");
        for key in ["".to_owned(), "k".repeat(256), "with space".to_owned(), "é".to_owned()] {
            let reply = app.post("/api/v1/lab-orders").token(&clinic.token).header("idempotency-key", &key).json(body.clone()).send().await;
            reply.problem(400, "invalid_idempotency_key");
        }
        assert_eq!(app.post("/api/v1/lab-orders").token(&clinic.token).header("idempotency-key", &"k".repeat(255)).json(body.clone()).send().await.status, 201);
        // Without a valid token: 401, and nothing is kept under the key.
        let reply = app.post("/api/v1/lab-orders").token("not-a-token").header("idempotency-key", "u").json(body.clone()).send().await;
        reply.problem(401, "invalid_token");
        let reply = app.post("/api/v1/lab-orders").token(&clinic.token).header("idempotency-key", "u").json(body).send().await;
        assert_eq!(reply.status, 201);
        assert_eq!(reply.header("idempotent-replayed"), None);
        // Reads ignore the header.
        let read = app.get("/api/v1/lab-orders").token(&clinic.token).header("idempotency-key", "u").send().await;
        assert_eq!(read.status, 200);
    }
}

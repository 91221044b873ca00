use serde_json::json;
use tests::{TestApp, api_tests, coverage_body};

api_tests! {
    async fn coverages_are_created_read_updated_and_deleted(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let token = app.token(&tenant, &["CLINICIAN"]);
        let patient = app.create_patient(&token, "M-1").await;
        let pid = patient["id"].as_str().expect("id");
        let created = app.post(&format!("/api/v1/patients/{pid}/insurance")).token(&token)
            .json(json!({
                "payer_name": "Acme Health", "payer_id": "ACME01", "plan_name": "Gold PPO", "member_id": "XJ1",
                "group_number": "G-7", "priority": "PRIMARY", "effective_date": "2026-01-01", "termination_date": "2026-12-31"
            })).send().await;
        assert_eq!(created.status, 201, "{}", created.body);
        let cid = created.body["id"].as_str().expect("id").to_owned();
        assert_eq!(created.header("location"), Some(format!("/api/v1/patients/{pid}/insurance/{cid}").as_str()));
        assert_eq!(created.body["patient_id"], pid);
        assert_eq!(created.body["termination_date"], "2026-12-31");

        let read = app.get(&format!("/api/v1/patients/{pid}/insurance/{cid}")).token(&token).send().await;
        assert_eq!(read.body, created.body);
        let patched = app.patch(&format!("/api/v1/patients/{pid}/insurance/{cid}")).token(&token).header("if-match", &read.etag())
            .json(json!({"termination_date": null, "priority": "SECONDARY", "group_number": null})).send().await;
        assert_eq!(patched.status, 200, "{}", patched.body);
        assert_eq!(patched.body["termination_date"], json!(null));
        assert_eq!(patched.body["group_number"], json!(null));
        assert_eq!(patched.body["priority"], "SECONDARY");
        assert_eq!(patched.body["plan_name"], "Gold PPO");
        let list = app.get(&format!("/api/v1/patients/{pid}/insurance")).token(&token).send().await;
        assert_eq!(list.body["total"], 1);
        assert_eq!(list.body["items"][0], patched.body);
        let deleted = app.delete(&format!("/api/v1/patients/{pid}/insurance/{cid}")).token(&token).header("if-match", "\"2\"").send().await;
        assert_eq!(deleted.status, 204);
        app.get(&format!("/api/v1/patients/{pid}/insurance/{cid}")).token(&token).send().await.problem(404, "not_found");
    }

    async fn coverage_dates_must_be_in_order(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let token = app.token(&tenant, &["CLINICIAN"]);
        let patient = app.create_patient(&token, "M-1").await;
        let pid = patient["id"].as_str().expect("id");
        let mut body = coverage_body();
        body["termination_date"] = json!("2025-12-31");
        let reply = app.post(&format!("/api/v1/patients/{pid}/insurance")).token(&token).json(body).send().await;
        assert_eq!(reply.invalid_fields(), vec!["termination_date"]);
        let coverage = app.create_coverage(&token, pid, coverage_body()).await;
        let cid = coverage["id"].as_str().expect("id");
        let reply = app.patch(&format!("/api/v1/patients/{pid}/insurance/{cid}")).token(&token)
            .json(json!({"effective_date": "2027-01-01", "termination_date": "2026-06-30"})).send().await;
        assert_eq!(reply.invalid_fields(), vec!["termination_date"]);
        let mut bad_priority = coverage_body();
        bad_priority["priority"] = json!("QUATERNARY");
        let reply = app.post(&format!("/api/v1/patients/{pid}/insurance")).token(&token).json(bad_priority).send().await;
        assert_eq!(reply.invalid_fields(), vec!["priority"]);
        let list = app.get(&format!("/api/v1/patients/{pid}/insurance")).token(&token).send().await;
        assert_eq!(list.body["total"], 1);
        assert_eq!(list.body["items"][0]["effective_date"], "2026-01-01");
    }

    async fn coverage_lists_filter_by_priority_and_date_in_force(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let token = app.token(&tenant, &["CLINICIAN"]);
        let patient = app.create_patient(&token, "M-1").await;
        let pid = patient["id"].as_str().expect("id");
        for (payer, priority, from, to) in [("Old", "PRIMARY", "2020-01-01", Some("2024-12-31")), ("Current", "PRIMARY", "2025-01-01", None), ("Extra", "SECONDARY", "2025-06-01", Some("2025-06-30"))] {
            let mut body = coverage_body();
            body["payer_name"] = json!(payer);
            body["priority"] = json!(priority);
            body["effective_date"] = json!(from);
            body["termination_date"] = json!(to);
            app.create_coverage(&token, pid, body).await;
        }
        let payers = |reply: &tests::Reply| -> Vec<String> {
            reply.body["items"].as_array().expect("items").iter().map(|c| c["payer_name"].as_str().expect("payer").to_owned()).collect()
        };
        let reply = app.get(&format!("/api/v1/patients/{pid}/insurance?in_force_on=2025-06-30&sort=payer_name")).token(&token).send().await;
        assert_eq!(payers(&reply), ["Current", "Extra"]);
        let reply = app.get(&format!("/api/v1/patients/{pid}/insurance?in_force_on=2024-12-31")).token(&token).send().await;
        assert_eq!(payers(&reply), ["Old"]);
        let reply = app.get(&format!("/api/v1/patients/{pid}/insurance?priority=PRIMARY&sort=effective_date")).token(&token).send().await;
        assert_eq!(payers(&reply), ["Old", "Current"]);
    }

    async fn coverages_are_reached_only_through_their_own_patient_and_tenant(app: TestApp) {
        let gh = app.tenant("GH", "UTC").await;
        let sm = app.tenant("SM", "UTC").await;
        let token = app.token(&gh, &["CLINICIAN"]);
        let first = app.create_patient(&token, "M-1").await;
        let second = app.create_patient(&token, "M-2").await;
        let pid = first["id"].as_str().expect("id");
        let other_pid = second["id"].as_str().expect("id");
        let coverage = app.create_coverage(&token, pid, coverage_body()).await;
        let cid = coverage["id"].as_str().expect("id");
        // Under another patient of the same tenant: not there.
        app.get(&format!("/api/v1/patients/{other_pid}/insurance/{cid}")).token(&token).send().await.problem(404, "not_found");
        app.delete(&format!("/api/v1/patients/{other_pid}/insurance/{cid}")).token(&token).send().await.problem(404, "not_found");
        // Another tenant sees neither the patient nor the coverage, and cannot add one.
        let intruder = app.token(&sm, &["ADMIN"]);
        app.get(&format!("/api/v1/patients/{pid}/insurance")).token(&intruder).send().await.problem(404, "not_found");
        app.get(&format!("/api/v1/patients/{pid}/insurance/{cid}")).token(&intruder).send().await.problem(404, "not_found");
        app.patch(&format!("/api/v1/patients/{pid}/insurance/{cid}")).token(&intruder).json(json!({"member_id": "X"})).send().await.problem(404, "not_found");
        app.delete(&format!("/api/v1/patients/{pid}/insurance/{cid}")).token(&intruder).send().await.problem(404, "not_found");
        app.post(&format!("/api/v1/patients/{pid}/insurance")).token(&intruder).json(coverage_body()).send().await.problem(404, "not_found");
        let read = app.get(&format!("/api/v1/patients/{pid}/insurance/{cid}")).token(&token).send().await;
        assert_eq!(read.body, coverage);
    }
}

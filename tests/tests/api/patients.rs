use serde_json::json;
use tests::{TestApp, api_tests, coverage_body};

api_tests! {
    async fn patients_are_created_read_updated_and_deleted(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let clinician = app.token(&tenant, &["CLINICIAN"]);
        let created = app.create_patient(&clinician, "MRN-1").await;
        let id = created["id"].as_str().expect("id");
        assert_eq!(created["mrn"], "MRN-1");
        assert_eq!(created["birth_date"], "1984-03-12");
        assert_eq!(created["sex"], "FEMALE");
        let created_at = created["created_at"].as_str().expect("created_at");
        assert!(created_at.ends_with('Z'), "{created_at}");

        let read = app.get(&format!("/api/v1/patients/{id}")).token(&clinician).send().await;
        assert_eq!(read.body, created, "a GET answers what the POST answered");

        let patched = app.patch(&format!("/api/v1/patients/{id}")).token(&clinician).header("if-match", "\"1\"")
            .json(json!({"family_name": "Lopez Garcia", "sex": "OTHER"})).send().await;
        assert_eq!(patched.status, 200, "{}", patched.body);
        assert_eq!(patched.body["family_name"], "Lopez Garcia");
        assert_eq!(patched.body["given_name"], "Maria");
        assert_eq!(patched.body["sex"], "OTHER");
        assert_eq!(patched.body["created_at"], created["created_at"]);
        assert_ne!(patched.body["updated_at"], created["updated_at"]);
        let read = app.get(&format!("/api/v1/patients/{id}")).token(&clinician).send().await;
        assert_eq!(read.body, patched.body);

        let stale = app.patch(&format!("/api/v1/patients/{id}")).token(&clinician).header("if-match", "\"1\"")
            .json(json!({"given_name": "Marie"})).send().await;
        stale.problem(412, "precondition_failed");
        let null = app.patch(&format!("/api/v1/patients/{id}")).token(&clinician).json(json!({"mrn": null})).send().await;
        assert_eq!(null.invalid_fields(), vec!["mrn"]);
        let read = app.get(&format!("/api/v1/patients/{id}")).token(&clinician).send().await;
        assert_eq!(read.body["given_name"], "Maria");
        assert_eq!(read.body["version"], 2);

        let deleted = app.delete(&format!("/api/v1/patients/{id}")).token(&clinician).send().await;
        assert_eq!(deleted.status, 204);
        app.get(&format!("/api/v1/patients/{id}")).token(&clinician).send().await.problem(404, "not_found");
    }

    async fn birth_dates_are_real_and_not_in_the_future(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let token = app.token(&tenant, &["CLINICIAN"]);
        let tomorrow = (tests::clock::now().date_naive() + chrono::Days::new(2)).to_string();
        for (birth_date, code) in [(tomorrow.as_str(), "in_future"), ("1899-12-31", "too_early"), ("2023-02-29", "invalid_date")] {
            let reply = app.post("/api/v1/patients").token(&token)
                .json(json!({"mrn": "M", "given_name": "A", "family_name": "B", "birth_date": birth_date, "sex": "MALE"})).send().await;
            assert_eq!(reply.invalid_fields(), vec!["birth_date"], "{birth_date}");
            assert_eq!(reply.body["errors"][0]["code"], code, "{birth_date}");
        }
        let leap = app.post("/api/v1/patients").token(&token)
            .json(json!({"mrn": "M", "given_name": "A", "family_name": "B", "birth_date": "2024-02-29", "sex": "MALE"})).send().await;
        assert_eq!(leap.status, 201);
    }

    async fn an_mrn_is_unique_within_a_tenant_only(app: TestApp) {
        let gh = app.tenant("GH", "UTC").await;
        let sm = app.tenant("SM", "UTC").await;
        let gh_token = app.token(&gh, &["CLINICIAN"]);
        app.create_patient(&gh_token, "MRN-1").await;
        let other = app.create_patient(&gh_token, "MRN-2").await;
        let duplicate = app.post("/api/v1/patients").token(&gh_token)
            .json(json!({"mrn": "MRN-1", "given_name": "A", "family_name": "B", "birth_date": "1990-01-01", "sex": "MALE"})).send().await;
        duplicate.problem(409, "duplicate_mrn");
        let renamed = app.patch(&format!("/api/v1/patients/{}", other["id"].as_str().expect("id"))).token(&gh_token)
            .json(json!({"mrn": "MRN-1"})).send().await;
        renamed.problem(409, "duplicate_mrn");
        app.create_patient(&app.token(&sm, &["CLINICIAN"]), "MRN-1").await;
        let list = app.get("/api/v1/patients").token(&gh_token).send().await;
        assert_eq!(list.body["total"], 2);
    }

    async fn patient_lists_filter_by_mrn_and_name(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let token = app.token(&tenant, &["CLINICIAN"]);
        for (mrn, given, family, birth) in [("A1", "Maria", "Lopez", "1984-03-12"), ("A2", "Mario", "Rossi", "1970-01-01"), ("A3", "Ann", "Marsh", "2001-07-04")] {
            let reply = app.post("/api/v1/patients").token(&token)
                .json(json!({"mrn": mrn, "given_name": given, "family_name": family, "birth_date": birth, "sex": "UNKNOWN"})).send().await;
            assert_eq!(reply.status, 201);
        }
        let mrns = |reply: &tests::Reply| -> Vec<String> {
            reply.body["items"].as_array().expect("items").iter().map(|p| p["mrn"].as_str().expect("mrn").to_owned()).collect()
        };
        let reply = app.get("/api/v1/patients?mrn=A1,A3&sort=mrn").token(&token).send().await;
        assert_eq!(mrns(&reply), ["A1", "A3"]);
        let reply = app.get("/api/v1/patients?name=mar&sort=mrn").token(&token).send().await;
        assert_eq!(mrns(&reply), ["A1", "A2", "A3"]);
        let reply = app.get("/api/v1/patients?name=maria%20lopez").token(&token).send().await;
        assert_eq!(mrns(&reply), ["A1"]);
        let reply = app.get("/api/v1/patients?birth_date=1970-01-01").token(&token).send().await;
        assert_eq!(mrns(&reply), ["A2"]);
        let reply = app.get("/api/v1/patients?sort=-birth_date").token(&token).send().await;
        assert_eq!(mrns(&reply), ["A3", "A1", "A2"]);
        assert_eq!(reply.body["total"], 3);
    }

    async fn a_patient_with_coverage_cannot_be_deleted(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let token = app.token(&tenant, &["CLINICIAN"]);
        let patient = app.create_patient(&token, "M-1").await;
        let id = patient["id"].as_str().expect("id");
        let coverage = app.create_coverage(&token, id, coverage_body()).await;
        let refused = app.delete(&format!("/api/v1/patients/{id}")).token(&token).send().await;
        refused.problem(409, "in_use");
        app.get(&format!("/api/v1/patients/{id}")).token(&token).send().await;
        let coverage_id = coverage["id"].as_str().expect("id");
        let removed = app.delete(&format!("/api/v1/patients/{id}/insurance/{coverage_id}")).token(&token).send().await;
        assert_eq!(removed.status, 204);
        let deleted = app.delete(&format!("/api/v1/patients/{id}")).token(&token).send().await;
        assert_eq!(deleted.status, 204);
    }

    async fn another_tenants_patient_is_invisible_and_unchangeable(app: TestApp) {
        let gh = app.tenant("GH", "UTC").await;
        let sm = app.tenant("SM", "UTC").await;
        let patient = app.create_patient(&app.token(&gh, &["CLINICIAN"]), "M-1").await;
        let id = patient["id"].as_str().expect("id");
        let intruder = app.token(&sm, &["ADMIN"]);
        app.get(&format!("/api/v1/patients/{id}")).token(&intruder).send().await.problem(404, "not_found");
        app.patch(&format!("/api/v1/patients/{id}")).token(&intruder).json(json!({"given_name": "X"})).send().await.problem(404, "not_found");
        app.delete(&format!("/api/v1/patients/{id}")).token(&intruder).send().await.problem(404, "not_found");
        let list = app.get("/api/v1/patients?mrn=M-1").token(&intruder).send().await;
        assert_eq!(list.body["total"], 0);
        let read = app.get(&format!("/api/v1/patients/{id}")).token(&app.token(&gh, &["VIEWER"])).send().await;
        assert_eq!(read.body, patient);
    }
}

use serde_json::json;
use tests::{TestApp, api_tests};

api_tests! {
    async fn the_formulary_is_kept_by_admins_and_read_by_everyone(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let admin = app.token(&tenant, &["ADMIN"]);
        let body = json!({"display_name": "Humira 40 mg pen", "generic_name": "adalimumab", "ndc_number": "0074-0554-02", "formulary_status": "PRIOR_AUTH"});
        let created = app.post("/api/v1/medications").token(&admin).json(body.clone()).send().await;
        assert_eq!(created.status, 201, "{}", created.body);
        assert_eq!(created.body["is_controlled_substance"], false);
        let id = created.body["id"].as_str().expect("id");
        for role in ["VIEWER", "CLINICIAN", "COORDINATOR"] {
            let token = app.token(&tenant, &[role]);
            let read = app.get(&format!("/api/v1/medications/{id}")).token(&token).send().await;
            assert_eq!(read.body, created.body, "{role} reads");
            app.post("/api/v1/medications").token(&token).json(body.clone()).send().await.problem(403, "forbidden");
            app.patch(&format!("/api/v1/medications/{id}")).token(&token).json(json!({"formulary_status": "FORMULARY"})).send().await.problem(403, "forbidden");
        }
        let duplicate = app.post("/api/v1/medications").token(&admin).json(body.clone()).send().await;
        duplicate.problem(409, "duplicate_ndc");
        let patched = app.patch(&format!("/api/v1/medications/{id}")).token(&admin).header("if-match", "\"1\"")
            .json(json!({"formulary_status": "RESTRICTED", "is_controlled_substance": true, "generic_name": null})).send().await;
        assert_eq!(patched.status, 200, "{}", patched.body);
        assert_eq!(patched.body["formulary_status"], "RESTRICTED");
        assert_eq!(patched.body["is_controlled_substance"], true);
        assert_eq!(patched.body["generic_name"], json!(null));
        app.patch(&format!("/api/v1/medications/{id}")).token(&admin).header("if-match", "\"1\"")
            .json(json!({"display_name": "X"})).send().await.problem(412, "precondition_failed");
        // No DELETE: prescriptions refer to formulary entries.
        let refused = app.delete(&format!("/api/v1/medications/{id}")).token(&admin).send().await;
        refused.problem(405, "method_not_allowed");
        assert_eq!(refused.header("allow"), Some("GET, PATCH"));
    }

    async fn medication_validation_and_filters(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let admin = app.token(&tenant, &["ADMIN"]);
        for (field, value) in [("ndc_number", json!("12345")), ("ndc_number", json!("0074-0554-0X")), ("formulary_status", json!("MAYBE")), ("display_name", json!(" ")), ("is_controlled_substance", json!("yes"))] {
            let mut body = json!({"display_name": "A", "ndc_number": "0074-0554-02", "formulary_status": "FORMULARY"});
            body[field] = value.clone();
            let reply = app.post("/api/v1/medications").token(&admin).json(body).send().await;
            assert_eq!(reply.invalid_fields(), vec![field.to_owned()], "{field} = {value}");
        }
        for (name, ndc, status, controlled) in [("Oxycodone 5 mg", "00406-0552-01", "RESTRICTED", true), ("Metformin 500 mg", "00093-1048-01", "FORMULARY", false), ("Ozempic 1 mg", "0169-4132-12", "PRIOR_AUTH", false)] {
            app.create(&admin, "/api/v1/medications", json!({"display_name": name, "ndc_number": ndc, "formulary_status": status, "is_controlled_substance": controlled})).await;
        }
        let names = |reply: &tests::Reply| -> Vec<String> {
            reply.body["items"].as_array().expect("items").iter().map(|m| m["display_name"].as_str().expect("name").to_owned()).collect()
        };
        let reply = app.get("/api/v1/medications?formulary_status=RESTRICTED,PRIOR_AUTH&sort=display_name").token(&admin).send().await;
        assert_eq!(names(&reply), ["Oxycodone 5 mg", "Ozempic 1 mg"]);
        let reply = app.get("/api/v1/medications?is_controlled_substance=true").token(&admin).send().await;
        assert_eq!(names(&reply), ["Oxycodone 5 mg"]);
        let reply = app.get("/api/v1/medications?name=metf").token(&admin).send().await;
        assert_eq!(names(&reply), ["Metformin 500 mg"]);
        let other = app.tenant("SM", "UTC").await;
        let theirs = app.get("/api/v1/medications").token(&app.token(&other, &["ADMIN"])).send().await;
        assert_eq!(theirs.body["total"], 0);
        let id = reply.body["items"][0]["id"].as_str().expect("id");
        app.get(&format!("/api/v1/medications/{id}")).token(&app.token(&other, &["ADMIN"])).send().await.problem(404, "not_found");
        app.patch(&format!("/api/v1/medications/{id}")).token(&app.token(&other, &["ADMIN"])).json(json!({"display_name": "X"})).send().await.problem(404, "not_found");
    }
}

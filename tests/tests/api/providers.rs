use serde_json::json;
use tests::{TestApp, api_tests};

api_tests! {
    async fn providers_are_created_read_updated_and_deleted(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let admin = app.token(&tenant, &["ADMIN"]);
        let created = app.post("/api/v1/providers").token(&admin)
            .json(json!({"name": "  Dr. Ada Osei ", "npi": "1234567893", "role": "PHYSICIAN"})).send().await;
        assert_eq!(created.status, 201, "{}", created.body);
        let id = created.body["id"].as_str().expect("id").to_owned();
        assert_eq!(created.header("location"), Some(format!("/api/v1/providers/{id}").as_str()));
        assert_eq!(created.etag(), "\"1\"");
        assert_eq!(created.body["name"], "Dr. Ada Osei");
        assert_eq!(created.body["licence_number"], json!(null));
        assert_eq!(created.body["version"], 1);

        let read = app.get(&format!("/api/v1/providers/{id}")).token(&admin).send().await;
        assert_eq!(read.status, 200);
        assert_eq!(read.body, created.body, "a GET answers what the POST answered");
        assert_eq!(read.etag(), "\"1\"");

        // Merge patch: null clears, absent keeps.
        let patched = app.patch(&format!("/api/v1/providers/{id}")).token(&admin)
            .raw("application/merge-patch+json", r#"{"licence_number": "MD-44871", "npi": null, "role": "SURGEON"}"#).send().await;
        assert_eq!(patched.status, 200, "{}", patched.body);
        assert_eq!(patched.body["npi"], json!(null));
        assert_eq!(patched.body["licence_number"], "MD-44871");
        assert_eq!(patched.body["role"], "SURGEON");
        assert_eq!(patched.body["name"], "Dr. Ada Osei");
        assert_eq!(patched.body["version"], 2);
        assert_eq!(patched.etag(), "\"2\"");
        let read = app.get(&format!("/api/v1/providers/{id}")).token(&admin).send().await;
        assert_eq!(read.body, patched.body);

        // Clearing both identifiers is refused and changes nothing.
        let refused = app.patch(&format!("/api/v1/providers/{id}")).token(&admin)
            .json(json!({"licence_number": null})).send().await;
        assert_eq!(refused.invalid_fields(), vec!["npi"]);
        let read = app.get(&format!("/api/v1/providers/{id}")).token(&admin).send().await;
        assert_eq!(read.body["licence_number"], "MD-44871");
        assert_eq!(read.body["version"], 2);

        let stale = app.delete(&format!("/api/v1/providers/{id}")).token(&admin).header("if-match", "\"1\"").send().await;
        stale.problem(412, "precondition_failed");
        let deleted = app.delete(&format!("/api/v1/providers/{id}")).token(&admin).header("if-match", "\"2\"").send().await;
        assert_eq!(deleted.status, 204);
        let gone = app.get(&format!("/api/v1/providers/{id}")).token(&admin).send().await;
        gone.problem(404, "not_found");
        let again = app.delete(&format!("/api/v1/providers/{id}")).token(&admin).send().await;
        again.problem(404, "not_found");
    }

    async fn provider_validation(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let admin = app.token(&tenant, &["ADMIN"]);
        let cases = [
            (json!({"name": "A", "npi": "1234567890", "role": "PHYSICIAN"}), "npi"),
            (json!({"name": "A", "npi": "123456789", "role": "PHYSICIAN"}), "npi"),
            (json!({"name": "A", "role": "PHYSICIAN"}), "npi"),
            (json!({"name": "", "npi": "1234567893", "role": "PHYSICIAN"}), "name"),
            (json!({"name": "A".repeat(201), "npi": "1234567893", "role": "PHYSICIAN"}), "name"),
            (json!({"name": "A", "npi": "1234567893", "role": "WIZARD"}), "role"),
            (json!({"name": "A", "licence_number": "", "role": "NURSE"}), "licence_number"),
        ];
        for (body, field) in cases {
            let reply = app.post("/api/v1/providers").token(&admin).json(body.clone()).send().await;
            assert!(reply.invalid_fields().contains(&field.to_owned()), "{body}: {}", reply.body);
        }
        let ok = app.post("/api/v1/providers").token(&admin).json(json!({"name": "Nurse Joy", "licence_number": "RN-1", "role": "NURSE"})).send().await;
        assert_eq!(ok.status, 201, "{}", ok.body);
    }

    async fn an_npi_is_unique_within_a_tenant_only(app: TestApp) {
        let gh = app.tenant("GH", "UTC").await;
        let sm = app.tenant("SM", "UTC").await;
        let body = json!({"name": "Dr. A", "npi": "1234567893", "role": "PHYSICIAN"});
        app.create_provider(&app.token(&gh, &["ADMIN"]), body.clone()).await;
        let duplicate = app.post("/api/v1/providers").token(&app.token(&gh, &["ADMIN"])).json(body.clone()).send().await;
        duplicate.problem(409, "duplicate_npi");
        app.create_provider(&app.token(&sm, &["ADMIN"]), body).await;
    }

    async fn provider_lists_filter_sort_and_page(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let admin = app.token(&tenant, &["ADMIN"]);
        for (name, role) in [("Carla Diaz", "SURGEON"), ("Ben Ito", "PHYSICIAN"), ("Ann Bell", "SURGEON"), ("Dan Fox", "NURSE")] {
            app.create_provider(&admin, json!({"name": name, "licence_number": format!("L-{name}"), "role": role})).await;
        }
        let reply = app.get("/api/v1/providers?sort=name&limit=2").token(&admin).send().await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body["total"], 4);
        assert_eq!(reply.body["limit"], 2);
        assert_eq!(reply.body["offset"], 0);
        let names: Vec<&str> = reply.body["items"].as_array().expect("items").iter().map(|p| p["name"].as_str().expect("name")).collect();
        assert_eq!(names, ["Ann Bell", "Ben Ito"]);
        let reply = app.get("/api/v1/providers?sort=name&limit=2&offset=2").token(&admin).send().await;
        let names: Vec<&str> = reply.body["items"].as_array().expect("items").iter().map(|p| p["name"].as_str().expect("name")).collect();
        assert_eq!(names, ["Carla Diaz", "Dan Fox"]);
        let reply = app.get("/api/v1/providers?sort=-name&role=SURGEON,NURSE").token(&admin).send().await;
        let names: Vec<&str> = reply.body["items"].as_array().expect("items").iter().map(|p| p["name"].as_str().expect("name")).collect();
        assert_eq!(names, ["Dan Fox", "Carla Diaz", "Ann Bell"]);
        assert_eq!(reply.body["total"], 3);
        let reply = app.get("/api/v1/providers?name=DIAZ").token(&admin).send().await;
        assert_eq!(reply.body["total"], 1);
        assert_eq!(reply.body["items"][0]["name"], "Carla Diaz");
        // `%` and `_` are literal in a name filter.
        let reply = app.get("/api/v1/providers?name=%25").token(&admin).send().await;
        assert_eq!(reply.body["total"], 0);
        // Default order: newest first.
        let reply = app.get("/api/v1/providers").token(&admin).send().await;
        assert_eq!(reply.body["items"][0]["name"], "Dan Fox");
    }

    async fn another_tenants_provider_is_invisible_and_unchangeable(app: TestApp) {
        let gh = app.tenant("GH", "UTC").await;
        let sm = app.tenant("SM", "UTC").await;
        let provider = app.create_provider(&app.token(&gh, &["ADMIN"]), json!({"name": "Dr. A", "npi": "1234567893", "role": "PHYSICIAN"})).await;
        let id = provider["id"].as_str().expect("id");
        let intruder = app.token(&sm, &["ADMIN"]);
        app.get(&format!("/api/v1/providers/{id}")).token(&intruder).send().await.problem(404, "not_found");
        app.patch(&format!("/api/v1/providers/{id}")).token(&intruder).json(json!({"name": "Hacked"})).send().await.problem(404, "not_found");
        app.delete(&format!("/api/v1/providers/{id}")).token(&intruder).send().await.problem(404, "not_found");
        let list = app.get("/api/v1/providers").token(&intruder).send().await;
        assert_eq!(list.body["total"], 0);
        let owner = app.get(&format!("/api/v1/providers/{id}")).token(&app.token(&gh, &["VIEWER"])).send().await;
        assert_eq!(owner.body["name"], "Dr. A");
        assert_eq!(owner.body["version"], 1);
    }
}

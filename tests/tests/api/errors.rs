//! The API's error shape for everything a client can get wrong, framework rejections included.

use serde_json::json;
use tests::{TestApp, api_tests};

api_tests! {
    async fn unreadable_bodies_are_400_415_413(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let token = app.token(&tenant, &["ADMIN"]);
        let reply = app.post("/api/v1/patients").token(&token).raw("application/json", "{\"mrn\": ").send().await;
        reply.problem(400, "malformed_json");
        let reply = app.post("/api/v1/patients").token(&token).raw("application/json", "").send().await;
        reply.problem(400, "malformed_json");
        let reply = app.post("/api/v1/patients").token(&token).raw("application/json", "{} {}").send().await;
        reply.problem(400, "malformed_json");
        let reply = app.post("/api/v1/patients").token(&token).raw("text/plain", "{}").send().await;
        reply.problem(415, "unsupported_media_type");
        let reply = app.post("/api/v1/patients").token(&token).raw("application/xml", "<a/>").send().await;
        reply.problem(415, "unsupported_media_type");
        let big = format!("{{\"mrn\": \"{}\"}}", "x".repeat(300 * 1024));
        let reply = app.post("/api/v1/patients").token(&token).raw("application/json", big).send().await;
        reply.problem(413, "payload_too_large");
        // Nothing was created by any of these.
        let list = app.get("/api/v1/patients").token(&token).send().await;
        assert_eq!(list.body["total"], 0);
    }

    async fn wrong_values_are_422_naming_the_field(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let token = app.token(&tenant, &["ADMIN"]);
        let valid = json!({"mrn": "M-1", "given_name": "Ann", "family_name": "Lee", "birth_date": "1990-01-01", "sex": "FEMALE"});
        let cases = [
            ("mrn", json!(null), "invalid_type"),
            ("given_name", json!(42), "invalid_type"),
            ("sex", json!("ROBOT"), "unknown_value"),
            ("birth_date", json!("1990-02-30"), "invalid_date"),
            ("birth_date", json!("01/02/1990"), "invalid_date"),
            ("family_name", json!("   "), "blank"),
        ];
        for (field, value, code) in cases {
            let mut body = valid.clone();
            body[field] = value.clone();
            let reply = app.post("/api/v1/patients").token(&token).json(body).send().await;
            assert_eq!(reply.invalid_fields().first().map(String::as_str), Some(field), "{field} = {value}: {}", reply.body);
            let codes: Vec<&str> = reply.body["errors"].as_array().expect("errors").iter().filter_map(|e| e["code"].as_str()).collect();
            assert!(codes.contains(&code), "{field} = {value}: {}", reply.body);
        }
        let mut missing = valid.clone();
        missing.as_object_mut().expect("object").remove("sex");
        let reply = app.post("/api/v1/patients").token(&token).json(missing).send().await;
        assert_eq!(reply.invalid_fields(), vec!["sex"]);
        assert_eq!(reply.body["errors"][0]["code"], "required");
        let mut unknown = valid.clone();
        unknown["nickname"] = json!("Annie");
        let reply = app.post("/api/v1/patients").token(&token).json(unknown).send().await;
        assert_eq!(reply.invalid_fields(), vec!["nickname"]);
        assert_eq!(reply.body["errors"][0]["code"], "unknown_field");
        let reply = app.post("/api/v1/patients").token(&token).json(json!([1, 2])).send().await;
        assert_eq!(reply.invalid_fields(), vec!["body"]);
        let list = app.get("/api/v1/patients").token(&token).send().await;
        assert_eq!(list.body["total"], 0);
    }

    async fn bad_query_and_path_values_are_400(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let token = app.token(&tenant, &["VIEWER"]);
        for query in ["limit=0", "limit=201", "limit=ten", "offset=-1", "offset=18446744073709551615", "sort=shoe_size", "sort=-", "birth_date=1990-02-30"] {
            let reply = app.get(&format!("/api/v1/patients?{query}")).token(&token).send().await;
            reply.problem(400, "invalid_query");
        }
        let reply = app.get("/api/v1/patients?limit=ten").token(&token).send().await;
        assert!(reply.body["detail"].as_str().unwrap_or_default().starts_with("limit: "), "{}", reply.body);
        let reply = app.get("/api/v1/providers?role=ASTRONAUT").token(&token).send().await;
        reply.problem(400, "invalid_query");
        let reply = app.get("/api/v1/patients/not-a-uuid").token(&token).send().await;
        reply.problem(400, "invalid_path");
    }

    async fn the_root_leads_to_the_documentation_and_bad_ids_are_named(app: TestApp) {
        for path in ["/", "/swagger-ui"] {
            let reply = app.get(path).send().await;
            assert_eq!(reply.status, 302, "{path}");
            assert_eq!(reply.header("location"), Some("/swagger-ui/"));
            // Routed like every operation: in the document, and another method is a 405.
            let other = app.post(path).send().await;
            other.problem(405, "method_not_allowed");
            assert_eq!(other.header("allow"), Some("GET"));
        }
        let token = app.token(&app.tenant("GH", "UTC").await, &["VIEWER"]);
        let reply = app.get("/api/v1/patients/not-a-uuid").token(&token).send().await;
        let detail = reply.problem(400, "invalid_path")["detail"].as_str().expect("detail").to_owned();
        assert!(detail.starts_with("`not-a-uuid` is not a valid id"), "{detail}");
        assert!(!detail.contains("deserialize"), "{detail}");
    }

    async fn unknown_routes_are_404_problems(app: TestApp) {
        let reply = app.get("/api/v1/nothing-here").send().await;
        reply.problem(404, "no_route");
        // A path the service has, with a method it does not: 405 naming those it has.
        let reply = app.delete("/healthz").send().await;
        reply.problem(405, "method_not_allowed");
        assert_eq!(reply.header("allow"), Some("GET"));
    }

    async fn every_response_carries_a_request_id(app: TestApp) {
        let reply = app.get("/healthz").send().await;
        let generated = reply.header("x-request-id").expect("X-Request-Id").to_owned();
        assert!(uuid::Uuid::parse_str(&generated).is_ok(), "{generated}");
        let reply = app.get("/api/v1/patients").header("x-request-id", "trace-42.abc").send().await;
        assert_eq!(reply.status, 401);
        assert_eq!(reply.header("x-request-id"), Some("trace-42.abc"));
        // An unusable id is replaced, not echoed.
        let reply = app.get("/healthz").header("x-request-id", "bad id with spaces").send().await;
        assert_ne!(reply.header("x-request-id"), Some("bad id with spaces"));
    }

    async fn nul_characters_are_refused_before_any_database_sees_them(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let token = app.token(&tenant, &["ADMIN"]);
        let reply = app.post("/api/v1/patients").token(&token)
            .json(json!({"mrn": "M-1", "given_name": "A\u{0}B", "family_name": "Lee", "birth_date": "1990-01-01", "sex": "FEMALE"})).send().await;
        assert_eq!(reply.invalid_fields(), vec!["given_name"]);
        assert_eq!(reply.body["errors"][0]["code"], "nul_character");
        let reply = app.post("/api/v1/lab-orders").token(&token)
            .json(json!({"tests": [{"test_name": "x\u{0}"}]})).send().await;
        assert_eq!(reply.invalid_fields(), vec!["tests[0].test_name"]);
        app.get("/api/v1/patients?name=a%00b").token(&token).send().await.problem(400, "invalid_query");
        app.get("/api/v1/patients?mrn=%00").token(&token).send().await.problem(400, "invalid_query");
        assert_eq!(app.get("/api/v1/patients").token(&token).send().await.body["total"], 0);
    }
}

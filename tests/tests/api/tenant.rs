use serde_json::json;
use tests::{TestApp, api_tests};

api_tests! {
    async fn admins_change_the_time_zone_with_if_match(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let admin = app.token(&tenant, &["ADMIN"]);
        let current = app.get("/api/v1/tenant").token(&admin).send().await;
        assert_eq!(current.status, 200);
        assert_eq!(current.etag(), "\"1\"");
        assert_eq!(current.body["time_zone"], "UTC");

        let reply = app.patch("/api/v1/tenant").token(&admin).header("if-match", "\"1\"")
            .json(json!({"time_zone": "Pacific/Auckland"})).send().await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["time_zone"], "Pacific/Auckland");
        assert_eq!(reply.body["version"], 2);
        assert_eq!(reply.etag(), "\"2\"");

        let stale = app.patch("/api/v1/tenant").token(&admin).header("if-match", "\"1\"")
            .json(json!({"name": "Renamed"})).send().await;
        stale.problem(412, "precondition_failed");

        let invalid = app.patch("/api/v1/tenant").token(&admin).json(json!({"time_zone": "Mars/Olympus"})).send().await;
        assert_eq!(invalid.invalid_fields(), vec!["time_zone"]);
        let cleared = app.patch("/api/v1/tenant").token(&admin).json(json!({"time_zone": null})).send().await;
        assert_eq!(cleared.invalid_fields(), vec!["time_zone"]);
        let code = app.patch("/api/v1/tenant").token(&admin).json(json!({"code": "XX"})).send().await;
        assert_eq!(code.invalid_fields(), vec!["code"]);

        let after = app.get("/api/v1/tenant").token(&admin).send().await;
        assert_eq!(after.body["time_zone"], "Pacific/Auckland");
        assert_eq!(after.body["name"], "GH Hospital");
        assert_eq!(after.body["version"], 2);
    }
}

api_tests! {
    async fn operators_deactivate_and_activate_a_tenant(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let fresh = app.another_instance().await;
        async fn patients(instance: &tests::Instance, token: &str) -> tests::Reply {
            instance.get("/api/v1/patients").token(token).send().await
        }
        assert_eq!(patients(&fresh, &clinic.token).await.status, 200);
        api::cli::set_tenant_active(&app.db, "GH", false).await.expect("deactivating");
        // An instance that has not cached the tenant refuses its tokens at once.
        let other = app.another_instance().await;
        let refused = patients(&other, &clinic.token).await;
        refused.problem(401, "invalid_token");
        api::cli::set_tenant_active(&app.db, "GH", true).await.expect("activating");
        let again = app.another_instance().await;
        let reply = patients(&again, &clinic.token).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["total"], 1, "the tenant's data is untouched");
        assert!(api::cli::set_tenant_active(&app.db, "NOPE", false).await.is_err());
    }
}

use tests::{TestApp, api_tests};

api_tests! {
    async fn liveness_and_readiness_answer_without_a_token(app: TestApp) {
        let live = app.get("/healthz").send().await;
        assert_eq!(live.status, 200);
        assert_eq!(live.body["status"], "ok");
        let ready = app.get("/readyz").send().await;
        assert_eq!(ready.status, 200);
        assert_eq!(ready.body["status"], "ready");
    }

    async fn readiness_fails_with_503_when_the_database_is_gone(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let token = app.token(&tenant, &["VIEWER"]);
        app.db.clone().close().await.expect("closing the pool");
        let reply = app.get("/api/v1/patients").token(&token).send().await;
        reply.problem(503, "service_unavailable");
        assert_eq!(reply.header("retry-after"), Some("2"));
        let ready = app.get("/readyz").send().await;
        ready.problem(503, "service_unavailable");
        assert!(ready.header("retry-after").is_some());
    }
}

//! `GET /metrics`: open like the probes, in the Prometheus text format; requests counted and
//! timed by route pattern, method and status; approval requests by tenant and status; never a
//! concrete id, path or query string.

use serde_json::json;
use tests::{TestApp, api_tests, coverage_body};

async fn scrape(app: &TestApp) -> String {
    let reply = app.get("/metrics").send().await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; version=0.0.4")
    );
    reply.body.as_str().expect("a text body").to_owned()
}

/// The value of the sample `series` (name and labels exactly as exposed).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.parse().expect("a number"))
}

api_tests! {
    async fn metrics_count_requests_by_route_and_requests_by_status(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        app.create_coverage(&clinic.token, &clinic.patient_id, coverage_body()).await;
        let order = app
            .create(
                &clinic.token,
                "/api/v1/lab-orders",
                json!({
                    "patient_id": clinic.patient_id, "ordering_provider_id": clinic.provider_id,
                    "tests": [{"test_name": "A1c", "cpt_code": "83036"}],
                    "diagnosis_code": "E11.9", "clinical_indication": "Follow-up"
                }),
            )
            .await;
        let order_id = order["id"].as_str().expect("id").to_owned();
        let request = app
            .create(
                &clinic.token,
                &format!("/api/v1/lab-orders/{order_id}/approval-requests"),
                json!({}),
            )
            .await;
        let request_id = request["id"].as_str().expect("id").to_owned();
        for _ in 0..2 {
            let reply = app
                .get(&format!("/api/v1/lab-orders/{order_id}"))
                .token(&clinic.token)
                .send()
                .await;
            assert_eq!(reply.status, 200);
        }
        let listed = app
            .get(&format!(
                "/api/v1/lab-orders?patient_id={}&approval_status=SUBMITTED",
                clinic.patient_id
            ))
            .token(&clinic.token)
            .send()
            .await;
        assert_eq!(listed.status, 200);
        let missing = app.get(&format!("/api/v1/nowhere/{order_id}")).send().await;
        assert_eq!(missing.status, 404);
        let unauthorized = app.get(&format!("/api/v1/approval-requests/{request_id}")).send().await;
        assert_eq!(unauthorized.status, 401);

        let text = scrape(&app).await;
        // Counters per route pattern, method and status.
        let get_order = r#"method="GET",route="/api/v1/lab-orders/{id}",status="200""#;
        assert_eq!(sample(&text, &format!("http_requests_total{{{get_order}}}")), Some(2.0), "{text}");
        assert_eq!(
            sample(&text, r#"http_requests_total{method="POST",route="/api/v1/lab-orders",status="201"}"#),
            Some(1.0)
        );
        assert_eq!(
            sample(&text, r#"http_requests_total{method="POST",route="/api/v1/lab-orders/{id}/approval-requests",status="201"}"#),
            Some(1.0)
        );
        assert_eq!(
            sample(&text, r#"http_requests_total{method="GET",route="/api/v1/lab-orders",status="200"}"#),
            Some(1.0)
        );
        assert_eq!(
            sample(&text, r#"http_requests_total{method="GET",route="/api/v1/approval-requests/{id}",status="401"}"#),
            Some(1.0)
        );
        assert_eq!(
            sample(&text, r#"http_requests_total{method="GET",route="(no route)",status="404"}"#),
            Some(1.0)
        );
        // The latency histogram.
        assert!(text.contains("# TYPE http_request_duration_seconds histogram"));
        assert_eq!(
            sample(&text, &format!("http_request_duration_seconds_bucket{{{get_order},le=\"+Inf\"}}")),
            Some(2.0)
        );
        assert_eq!(sample(&text, &format!("http_request_duration_seconds_count{{{get_order}}}")), Some(2.0));
        assert!(sample(&text, &format!("http_request_duration_seconds_sum{{{get_order}}}")).is_some());
        // The pool.
        assert!(sample(&text, r#"db_pool_connections{state="idle"}"#).is_some(), "{text}");
        assert!(sample(&text, r#"db_pool_connections{state="in_use"}"#).is_some());
        assert!(sample(&text, "db_pool_max_connections").is_some_and(|max| max >= 1.0));
        // Approval requests by tenant and status: every status shows, 0 when none.
        assert_eq!(
            sample(&text, r#"approval_requests{status="PENDING_SUBMISSION",tenant="GH"}"#),
            Some(1.0),
            "{text}"
        );
        assert_eq!(sample(&text, r#"approval_requests{status="APPROVED",tenant="GH"}"#), Some(0.0));
        // No concrete id, path or query string, and nothing of the patient.
        for id in [&order_id, &request_id, &clinic.patient_id, &clinic.provider_id] {
            assert!(!text.contains(id.as_str()), "{id} in the metrics");
        }
        assert!(!text.contains(&clinic.tenant.id.to_string()));
        assert!(!text.contains('?') && !text.contains("approval_status=") && !text.contains("nowhere"));
        assert!(!text.contains("Lopez") && !text.contains("GH-MRN-1"));

        // The counts are reused for a few seconds, then counted again.
        let moved = app.transition(&clinic.token, &request_id, json!({"to_status": "DRAFT"})).await;
        assert_eq!(moved.status, 200, "{}", moved.body);
        let cached = scrape(&app).await;
        assert_eq!(
            sample(&cached, r#"approval_requests{status="PENDING_SUBMISSION",tenant="GH"}"#),
            Some(1.0)
        );
        // The scrape itself is counted, by its pattern.
        assert_eq!(
            sample(&cached, r#"http_requests_total{method="GET",route="/metrics",status="200"}"#),
            Some(1.0)
        );
    }
}

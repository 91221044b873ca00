//! Order numbers under concurrent creation: distinct, consecutive, gapless.

use futures_util::future::join_all;
use serde_json::json;
use tests::{TestApp, api_tests};

api_tests! {
    async fn fifty_concurrent_creates_get_fifty_consecutive_numbers(app: TestApp) {
        let clinic = app.clinic("GH", "UTC").await;
        let body = json!({
            "patient_id": clinic.patient_id, "ordering_provider_id": clinic.provider_id,
            "tests": [{"test_name": "CBC", "cpt_code": "85025"}], "diagnosis_code": "D64.9",
            "clinical_indication": "Anemia work-up"
        });
        let replies = join_all((0..50).map(|_| app.post("/api/v1/lab-orders").token(&clinic.token).json(body.clone()).send())).await;
        let mut numbers: Vec<String> = replies
            .iter()
            .map(|reply| {
                assert_eq!(reply.status, 201, "{}", reply.body);
                reply.body["order_number"].as_str().expect("number").to_owned()
            })
            .collect();
        numbers.sort();
        let expected: Vec<String> = (1..=50).map(|n| format!("LAB-GH-{n:06}")).collect();
        assert_eq!(numbers, expected);
        let list = app.get("/api/v1/lab-orders?limit=200").token(&clinic.token).send().await;
        assert_eq!(list.body["total"], 50);
    }
}

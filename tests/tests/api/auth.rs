//! Every way a token is refused (401 with `WWW-Authenticate`), and the role rules (403).

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;
use tests::{Reply, TestApp, api_tests, fixture};

fn sign_hs256(claims: &impl serde::Serialize, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("signing")
}

fn sign_rs256(claims: &impl serde::Serialize, key_file: &str) -> String {
    let pem = std::fs::read(fixture(key_file)).expect("key fixture");
    let key = EncodingKey::from_rsa_pem(&pem).expect("RSA key");
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), claims, &key).expect("signing")
}

/// Unpadded base64url, as JWTs use.
fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn assert_401(reply: &Reply, code: &str) {
    reply.problem(401, code);
    let challenge = reply.header("www-authenticate").expect("WWW-Authenticate");
    assert!(challenge.starts_with("Bearer"), "{challenge}");
}

api_tests! {
    async fn a_valid_token_reaches_its_own_tenant(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let reply = app.get("/api/v1/tenant").token(&app.token(&tenant, &["VIEWER"])).send().await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["id"], tenant.id.to_string());
        assert_eq!(reply.body["code"], "GH");
    }

    async fn no_token_or_a_malformed_header_is_401(app: TestApp) {
        let reply = app.get("/api/v1/patients").send().await;
        assert_401(&reply, "missing_token");
        assert_eq!(reply.header("www-authenticate"), Some(r#"Bearer realm="approvals""#));
        for header in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "token abc"] {
            let reply = app.get("/api/v1/patients").header("authorization", header).send().await;
            assert_401(&reply, "invalid_token");
        }
        let reply = app.get("/api/v1/patients").token("not.a.jwt").send().await;
        assert_401(&reply, "invalid_token");
        let reply = app.get("/api/v1/patients").token("garbage").send().await;
        assert_401(&reply, "invalid_token");
    }

    async fn expired_badly_signed_and_foreign_tokens_are_401(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;

        let mut expired = app.claims(&tenant, &["ADMIN"]);
        expired.exp = chrono::Utc::now().timestamp() - 3600;
        expired.iat = expired.exp - 3600;
        let reply = app.get("/api/v1/tenant").token(&sign_hs256(&expired, tests::TEST_SECRET)).send().await;
        assert_401(&reply, "token_expired");

        let claims = app.claims(&tenant, &["ADMIN"]);
        let reply = app
            .get("/api/v1/tenant")
            .token(&sign_hs256(&claims, "another-secret-another-secret-0123456789"))
            .send()
            .await;
        assert_401(&reply, "invalid_token");

        let mut wrong_issuer = app.claims(&tenant, &["ADMIN"]);
        wrong_issuer.iss = "someone-else".into();
        let reply = app.get("/api/v1/tenant").token(&sign_hs256(&wrong_issuer, tests::TEST_SECRET)).send().await;
        assert_401(&reply, "invalid_token");
        assert!(reply.body["detail"].as_str().unwrap_or_default().contains("issuer"));

        let mut wrong_audience = app.claims(&tenant, &["ADMIN"]);
        wrong_audience.aud = "another-api".into();
        let reply = app.get("/api/v1/tenant").token(&sign_hs256(&wrong_audience, tests::TEST_SECRET)).send().await;
        assert_401(&reply, "invalid_token");
        assert!(reply.body["detail"].as_str().unwrap_or_default().contains("audience"));

        // A token without `sub` is not a caller.
        let mut without_sub = serde_json::to_value(app.claims(&tenant, &["ADMIN"])).expect("claims");
        without_sub.as_object_mut().expect("object").remove("sub");
        let reply = app.get("/api/v1/tenant").token(&sign_hs256(&without_sub, tests::TEST_SECRET)).send().await;
        assert_401(&reply, "invalid_token");

        // A tampered payload breaks the signature.
        let token = app.token(&tenant, &["VIEWER"]);
        let parts: Vec<&str> = token.split('.').collect();
        let mut payload = app.claims(&tenant, &["ADMIN"]);
        payload.sub = "intruder".into();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            base64_url(&serde_json::to_vec(&payload).expect("json")),
            parts[2]
        );
        let reply = app.get("/api/v1/tenant").token(&forged).send().await;
        assert_401(&reply, "invalid_token");
    }

    async fn alg_none_is_refused(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let claims = app.claims(&tenant, &["ADMIN"]);
        let header = base64_url(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = base64_url(&serde_json::to_vec(&claims).expect("json"));
        for token in [format!("{header}.{payload}."), format!("{header}.{payload}")] {
            let reply = app.get("/api/v1/tenant").token(&token).send().await;
            assert_401(&reply, "invalid_token");
        }
    }

    async fn rs256_tokens_are_checked_against_the_configured_public_key(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let claims = app.claims(&tenant, &["VIEWER"]);
        let good = sign_rs256(&claims, "jwt-rs256-private.pem");
        let reply = app.get("/api/v1/tenant").token(&good).send().await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let other = sign_rs256(&claims, "jwt-rs256-other-private.pem");
        let reply = app.get("/api/v1/tenant").token(&other).send().await;
        assert_401(&reply, "invalid_token");
    }

    async fn unknown_and_inactive_tenants_are_401(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let ghost = tests::Tenant { id: uuid::Uuid::new_v4(), code: "ZZ".into() };
        let reply = app.get("/api/v1/tenant").token(&app.token(&ghost, &["ADMIN"])).send().await;
        assert_401(&reply, "invalid_token");

        let token = app.token(&tenant, &["ADMIN"]);
        let model = entity::tenant::Entity::find_by_id(tenant.id).one(&app.db).await.expect("query").expect("tenant");
        let mut inactive: entity::tenant::ActiveModel = model.into();
        inactive.is_active = Set(false);
        inactive.update(&app.db).await.expect("deactivating");
        let reply = app.get("/api/v1/tenant").token(&token).send().await;
        assert_401(&reply, "invalid_token");
    }

    async fn roles_decide_what_a_caller_may_do(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let patient = json!({"mrn": "M-1", "given_name": "Ann", "family_name": "Lee", "birth_date": "1990-01-01", "sex": "FEMALE"});
        let provider = json!({"name": "Dr. Who", "npi": "1234567893", "role": "PHYSICIAN"});

        for role in ["VIEWER", "COORDINATOR"] {
            let token = app.token(&tenant, &[role]);
            let reply = app.post("/api/v1/patients").token(&token).json(patient.clone()).send().await;
            reply.problem(403, "forbidden");
            let reply = app.get("/api/v1/patients").token(&token).send().await;
            assert_eq!(reply.status, 200, "{role} reads patients");
        }
        let clinician = app.token(&tenant, &["CLINICIAN"]);
        let reply = app.post("/api/v1/providers").token(&clinician).json(provider.clone()).send().await;
        reply.problem(403, "forbidden");
        let reply = app.patch("/api/v1/tenant").token(&clinician).json(json!({"time_zone": "Europe/Berlin"})).send().await;
        reply.problem(403, "forbidden");

        // Roles add up: VIEWER + CLINICIAN may write patients.
        let both = app.token(&tenant, &["VIEWER", "CLINICIAN"]);
        let reply = app.post("/api/v1/patients").token(&both).json(patient).send().await;
        assert_eq!(reply.status, 201, "{}", reply.body);

        // Unknown role names grant nothing.
        let unknown = app.token(&tenant, &["SUPERUSER"]);
        let reply = app.get("/api/v1/patients").token(&unknown).send().await;
        reply.problem(403, "forbidden");
        let nothing = app.token(&tenant, &[]);
        let reply = app.get("/api/v1/tenant").token(&nothing).send().await;
        reply.problem(403, "forbidden");

        let admin = app.token(&tenant, &["ADMIN"]);
        let reply = app.post("/api/v1/providers").token(&admin).json(provider).send().await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }

    async fn the_tenant_comes_from_the_token_only(app: TestApp) {
        let gh = app.tenant("GH", "UTC").await;
        let sm = app.tenant("SM", "UTC").await;
        let gh_admin = app.token(&gh, &["ADMIN"]);
        let sm_admin = app.token(&sm, &["ADMIN"]);
        let patient = app.create_patient(&gh_admin, "M-1").await;
        // A body naming another tenant is refused, not obeyed.
        let reply = app
            .post("/api/v1/patients")
            .token(&sm_admin)
            .json(json!({"tenant_id": gh.id, "mrn": "M-2", "given_name": "A", "family_name": "B", "birth_date": "1990-01-01", "sex": "MALE"}))
            .send()
            .await;
        assert_eq!(reply.invalid_fields(), vec!["tenant_id"]);
        let reply = app.get("/api/v1/patients").token(&sm_admin).send().await;
        assert_eq!(reply.body["total"], 0);
        let reply = app.get(&format!("/api/v1/patients/{}", patient["id"].as_str().expect("id"))).token(&sm_admin).send().await;
        reply.problem(404, "not_found");
    }
}

api_tests! {
    async fn the_authentication_matrix(app: TestApp) {
        let tenant = app.tenant("GH", "UTC").await;
        let base = serde_json::to_value(app.claims(&tenant, &["ADMIN", "CLINICIAN"])).expect("claims");
        let signed = |claims: &serde_json::Value| sign_hs256(claims, tests::TEST_SECRET);
        let with = |field: &str, value: serde_json::Value| {
            let mut claims = base.clone();
            claims[field] = value;
            signed(&claims)
        };
        let without = |field: &str| {
            let mut claims = base.clone();
            claims.as_object_mut().expect("object").remove(field);
            signed(&claims)
        };
        let now = chrono::Utc::now().timestamp();
        let public_key = std::fs::read_to_string(fixture("jwt-rs256-public.pem")).expect("public key");
        let header = base64_url(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = base64_url(serde_json::to_string(&base).expect("json").as_bytes());
        let cases: Vec<(&str, Option<String>, &str)> = vec![
            ("no token", None, "missing_token"),
            ("alg none", Some(format!("{header}.{payload}.")), "invalid_token"),
            ("HS256 signed with the RS256 public key", Some(sign_hs256(&base, &public_key)), "invalid_token"),
            ("another secret", Some(sign_hs256(&base, "another-secret-another-secret-0000")), "invalid_token"),
            ("another issuer", Some(with("iss", json!("someone-else"))), "invalid_token"),
            ("another audience", Some(with("aud", json!("another-api"))), "invalid_token"),
            ("audiences without ours", Some(with("aud", json!(["a", "b"]))), "invalid_token"),
            ("no exp", Some(without("exp")), "invalid_token"),
            ("no iat", Some(without("iat")), "invalid_token"),
            ("no iss", Some(without("iss")), "invalid_token"),
            ("no aud", Some(without("aud")), "invalid_token"),
            ("no sub", Some(without("sub")), "invalid_token"),
            ("expired", Some(with("exp", json!(now - 3600))), "token_expired"),
            ("exp -1", Some(with("exp", json!(-1))), "token_expired"),
            ("not valid before an hour from now", Some(with("nbf", json!(now + 3600))), "invalid_token"),
            ("a sub of 201 characters", Some(with("sub", json!("u".repeat(201)))), "invalid_token"),
            ("a sub with a NUL", Some(with("sub", json!("user\u{0}1"))), "invalid_token"),
            ("an empty sub", Some(with("sub", json!(""))), "invalid_token"),
            ("an unknown tenant", Some(with("tenant_id", json!(uuid::Uuid::new_v4()))), "invalid_token"),
            ("a tenant id that is not a UUID", Some(with("tenant_id", json!("GH"))), "invalid_token"),
        ];
        for (case, token, code) in cases {
            let mut call = app.get("/api/v1/patients");
            if let Some(token) = &token {
                call = call.token(token);
            }
            let reply = call.send().await;
            assert_eq!(reply.status, 401, "{case}: {}", reply.body);
            assert_401(&reply, code);
            let detail = reply.body["detail"].as_str().unwrap_or_default();
            for internal in ["Error", "sqlx", "DbErr", "panicked", ".rs"] {
                assert!(!detail.contains(internal), "{case}: the detail tells nothing internal: {detail}");
            }
        }
        // What is accepted: an audience list that includes ours, a valid nbf, a sub of 200
        // characters (recorded with a change on every database).
        for (case, token) in [
            ("audiences with ours", with("aud", json!(["other-api", tests::AUDIENCE]))),
            ("valid since a minute ago", with("nbf", json!(now - 60))),
            ("a sub of 200 characters", with("sub", json!("u".repeat(200)))),
        ] {
            let reply = app.get("/api/v1/patients").token(&token).send().await;
            assert_eq!(reply.status, 200, "{case}: {}", reply.body);
        }
        let long_user = with("sub", json!("ü".repeat(200)));
        let patient = app.create(&long_user, "/api/v1/patients", json!({
            "mrn": "M-LONG", "given_name": "Ann", "family_name": "Lee", "birth_date": "1990-01-01", "sex": "FEMALE"
        })).await;
        let request = app.create(&long_user, "/api/v1/approval-requests", json!({
            "patient_id": patient["id"], "request_type": "DME", "status": "DRAFT"
        })).await;
        assert_eq!(request["created_by"], "ü".repeat(200));
    }
}

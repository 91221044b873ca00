//! Test support: each test gets the real application (`api::startup::build_app`) on a fresh,
//! migrated database of its own, and talks to it through HTTP requests in-process.
//!
//! Every API test runs on SQLite, and also on PostgreSQL when `TEST_DATABASE_URL` names a
//! PostgreSQL server (`.ci/run` sets it). On PostgreSQL the schema is migrated once into a
//! template database, and each test's database is a copy of it (milliseconds, not a second).

pub mod clock;
pub mod database;
pub mod http;
pub mod oracle;
pub mod world;

use std::sync::Arc;

use actix_web::web;
use api::base::config::JwtArgs;
use api::base::state::AppState;
use api::base::tokens::{Claims, JwtKeys};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use uuid::Uuid;

pub use clock::{TestClock, today_in, utc_today};
pub use database::{Backend, TestDatabase, backends};
pub use http::{Call, Reply};

/// The HS256 secret of the test application.
pub const TEST_SECRET: &str = "test-secret-test-secret-test-secret-0123";
pub const ISSUER: &str = "approvals";
pub const AUDIENCE: &str = "approvals-api";

/// Path of a file under `tests/fixtures`.
pub fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// One running application on its own database.
pub struct TestApp {
    pub backend: Backend,
    pub db: DatabaseConnection,
    /// Statements sent to the database so far (by the service and the tests alike).
    pub statements: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    pub service: http::AppService,
    /// The JWT configuration, for another instance of the service.
    args: JwtArgs,
    /// The database's URL, for another instance's pool.
    url: String,
    /// The application's clock: `app.clock.advance_days(n)` lets days pass.
    pub clock: Arc<TestClock>,
    keys: JwtKeys,
    _database: TestDatabase,
}

/// Another instance of the service (see [`TestApp::another_instance`]).
pub struct Instance {
    service: http::AppService,
}

impl Instance {
    pub fn get(&self, path: &str) -> Call<'_> {
        Call::new(&self.service, actix_web::http::Method::GET, path)
    }

    pub fn post(&self, path: &str) -> Call<'_> {
        Call::new(&self.service, actix_web::http::Method::POST, path)
    }

    pub fn patch(&self, path: &str) -> Call<'_> {
        Call::new(&self.service, actix_web::http::Method::PATCH, path)
    }
}

/// A tenant made for a test.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: Uuid,
    pub code: String,
}

impl TestApp {
    /// The application on a fresh database of `backend`, accepting HS256 tokens signed with
    /// [`TEST_SECRET`] and RS256 tokens signed with `fixtures/jwt-rs256-private.pem`.
    /// Set `TEST_LOG=debug` (any log filter) to see the service's logs in a failing test.
    pub async fn spawn(backend: Backend) -> TestApp {
        if let Ok(level) = std::env::var("TEST_LOG") {
            api::base::telemetry::init(&level, api::base::telemetry::LogFormat::Text);
        }
        let database = TestDatabase::create(backend).await;
        let mut db = database.connect().await;
        let statements = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = statements.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        });
        let args = JwtArgs {
            jwt_secret: Some(TEST_SECRET.to_owned()),
            jwt_public_key_file: Some(fixture("jwt-rs256-public.pem")),
            jwt_private_key_file: None,
            jwt_issuer: ISSUER.to_owned(),
            jwt_audience: AUDIENCE.to_owned(),
        };
        let keys = JwtKeys::from_args(&args).expect("test JWT configuration");
        let clock = Arc::new(TestClock::default());
        let state = web::Data::new(AppState::new(
            db.clone(),
            JwtKeys::from_args(&args).expect("test JWT configuration"),
            clock.clone(),
            // The tenant cache as in production (a test that changes a tenant behind the
            // service's back does so before its first request with that tenant).
            std::time::Duration::from_secs(60),
        ));
        let service = http::init(state).await;
        let url = database.url().to_owned();
        TestApp {
            backend,
            db,
            statements,
            service,
            args,
            url,
            clock,
            keys,
            _database: database,
        }
    }

    /// Another instance of the service on the same database: its own pool, its own tenant
    /// cache, the same clock.
    pub async fn another_instance(&self) -> Instance {
        self.another_instance_with(api::base::state::Limits::default())
            .await
    }

    /// As [`TestApp::another_instance`], with other time limits.
    pub async fn another_instance_with(&self, limits: api::base::state::Limits) -> Instance {
        let db = api::data::db::connect(&self.url)
            .await
            .expect("connecting another instance");
        let state = web::Data::new(
            AppState::new(
                db,
                JwtKeys::from_args(&self.args).expect("test JWT configuration"),
                self.clock.clone(),
                std::time::Duration::from_secs(60),
            )
            .with_limits(limits),
        );
        Instance {
            service: http::init(state).await,
        }
    }

    /// Creates a tenant the way operators do (`approvals tenant create`).
    pub async fn tenant(&self, code: &str, time_zone: &str) -> Tenant {
        let tenant =
            api::cli::insert_tenant(&self.db, code, &format!("{code} Hospital"), time_zone)
                .await
                .expect("creating a tenant");
        Tenant {
            id: tenant.id,
            code: tenant.code,
        }
    }

    /// The claims of a valid token for `tenant` with `roles`, to be altered by auth tests.
    pub fn claims(&self, tenant: &Tenant, roles: &[&str]) -> Claims {
        let now = chrono::Utc::now().timestamp();
        Claims {
            sub: "user-1".to_owned(),
            tenant_id: tenant.id,
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            exp: now + 3600,
            iat: now,
            iss: ISSUER.to_owned(),
            nbf: None,
            aud: AUDIENCE.into(),
        }
    }

    /// A valid HS256 token for `tenant` with `roles`, acting as the user `sub`.
    pub fn token_as(&self, tenant: &Tenant, roles: &[&str], sub: &str) -> String {
        let mut claims = self.claims(tenant, roles);
        claims.sub = sub.to_owned();
        self.keys.sign(&claims).expect("signing")
    }

    /// A valid HS256 token for `tenant` with `roles`.
    pub fn token(&self, tenant: &Tenant, roles: &[&str]) -> String {
        self.keys
            .sign(&self.claims(tenant, roles))
            .expect("signing")
    }

    /// Today in `zone` by this application's clock.
    pub fn today(&self, zone: &str) -> chrono::NaiveDate {
        let zone: chrono_tz::Tz = zone.parse().expect("a known time zone");
        api::base::clock::Clock::now(self.clock.as_ref())
            .with_timezone(&zone)
            .date_naive()
    }

    /// How many statements the database received so far.
    pub fn statement_count(&self) -> usize {
        self.statements.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn get(&self, path: &str) -> Call<'_> {
        Call::new(&self.service, actix_web::http::Method::GET, path)
    }

    pub fn post(&self, path: &str) -> Call<'_> {
        Call::new(&self.service, actix_web::http::Method::POST, path)
    }

    pub fn patch(&self, path: &str) -> Call<'_> {
        Call::new(&self.service, actix_web::http::Method::PATCH, path)
    }

    /// A request with any method.
    pub fn request(&self, method: actix_web::http::Method, path: &str) -> Call<'_> {
        Call::new(&self.service, method, path)
    }

    pub fn delete(&self, path: &str) -> Call<'_> {
        Call::new(&self.service, actix_web::http::Method::DELETE, path)
    }

    /// Creates a patient through the API and returns its JSON.
    pub async fn create_patient(&self, token: &str, mrn: &str) -> Value {
        let reply = self
            .post("/api/v1/patients")
            .token(token)
            .json(json!({
                "mrn": mrn, "given_name": "Maria", "family_name": "Lopez",
                "birth_date": "1984-03-12", "sex": "FEMALE"
            }))
            .send()
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body
    }

    /// Adds a coverage to a patient through the API and returns its JSON.
    pub async fn create_coverage(&self, token: &str, patient_id: &str, body: Value) -> Value {
        let reply = self
            .post(&format!("/api/v1/patients/{patient_id}/insurance"))
            .token(token)
            .json(body)
            .send()
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body
    }

    /// Creates a provider through the API and returns its JSON.
    pub async fn create_provider(&self, token: &str, body: Value) -> Value {
        let reply = self
            .post("/api/v1/providers")
            .token(token)
            .json(body)
            .send()
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body
    }
}

/// What orders need: a tenant, an ADMIN + CLINICIAN token, a patient and a provider.
#[derive(Debug, Clone)]
pub struct Clinic {
    pub tenant: Tenant,
    pub token: String,
    pub patient_id: String,
    pub provider_id: String,
}

impl TestApp {
    /// A tenant `code` with a patient and a provider, and a token that may write everything.
    pub async fn clinic(&self, code: &str, time_zone: &str) -> Clinic {
        let tenant = self.tenant(code, time_zone).await;
        let token = self.token(&tenant, &["CLINICIAN", "ADMIN"]);
        let patient = self.create_patient(&token, &format!("{code}-MRN-1")).await;
        let provider = self
            .create_provider(
                &token,
                json!({"name": "Dr. Ada Osei", "npi": "1234567893", "role": "PHYSICIAN"}),
            )
            .await;
        Clinic {
            tenant,
            patient_id: patient["id"].as_str().expect("id").to_owned(),
            provider_id: provider["id"].as_str().expect("id").to_owned(),
            token,
        }
    }

    /// POSTs `body` to `path` and returns the created resource, asserting 201.
    pub async fn create(&self, token: &str, path: &str, body: Value) -> Value {
        let reply = self.post(path).token(token).json(body).send().await;
        assert_eq!(reply.status, 201, "POST {path}: {}", reply.body);
        reply.body
    }
}

impl TestApp {
    /// Moves a request's grant dates into the past, directly in the database: how the tests let
    /// time pass (a grant cannot be recorded with a past expiration through the API).
    pub async fn backdate_grant(
        &self,
        request_id: &str,
        effective: chrono::NaiveDate,
        expiration: chrono::NaiveDate,
    ) {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        let id = uuid::Uuid::parse_str(request_id).expect("uuid");
        let result = entity::approval_request::Entity::update_many()
            .col_expr(
                entity::approval_request::Column::EffectiveDate,
                Expr::value(effective),
            )
            .col_expr(
                entity::approval_request::Column::ExpirationDate,
                Expr::value(expiration),
            )
            .filter(entity::approval_request::Column::Id.eq(id))
            .exec(&self.db)
            .await
            .expect("backdating");
        assert_eq!(result.rows_affected, 1);
        // A write the service did not make: its order's read-model row is recomputed as the
        // service's own writes do.
        let request = entity::approval_request::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .expect("reading the request")
            .expect("the request");
        let now = api::base::clock::Clock::now(self.clock.as_ref());
        api::domain::approval::service::refresh_order_of(&self.db, &request, now)
            .await
            .expect("refreshing the read model");
    }

    /// Runs the expiry sweep over every tenant, as `serve` does periodically; answers how many
    /// requests expired.
    pub async fn sweep(&self) -> u64 {
        let clock: api::base::clock::SharedClock = self.clock.clone();
        let report = api::domain::approval::sweep::run(&self.db, &clock, None)
            .await
            .expect("the sweep runs");
        assert_eq!(report.failed_tenants, 0, "no tenant's sweep failed");
        report.expired
    }

    /// `POST /api/v1/approval-requests/{id}/transitions` with `body`.
    pub async fn transition(&self, token: &str, request_id: &str, body: Value) -> Reply {
        self.post(&format!(
            "/api/v1/approval-requests/{request_id}/transitions"
        ))
        .token(token)
        .json(body)
        .send()
        .await
    }
}

/// A minimal valid coverage body.
pub fn coverage_body() -> Value {
    json!({
        "payer_name": "Acme Health", "payer_id": "ACME01", "member_id": "XJ4471902",
        "priority": "PRIMARY", "effective_date": "2026-01-01"
    })
}

/// Declares async tests, each as a module with one test per database: `name::sqlite` and
/// `name::postgres`, each on a fresh database, so a failure on one never hides the other. The
/// PostgreSQL half is reported as ignored when the build has no `TEST_DATABASE_URL` (the
/// tests crate's build script decides), never as passed.
#[macro_export]
macro_rules! api_tests {
    ($(async fn $name:ident($app:ident: $app_type:ty) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $app_type) $body

            #[actix_web::test]
            async fn sqlite() {
                run($crate::TestApp::spawn($crate::Backend::Sqlite).await).await;
            }

            #[actix_web::test]
            #[cfg_attr(not(postgres_tests), ignore = "set TEST_DATABASE_URL to run the PostgreSQL half")]
            async fn postgres() {
                run($crate::TestApp::spawn($crate::Backend::Postgres).await).await;
            }
        }
    )*};
}

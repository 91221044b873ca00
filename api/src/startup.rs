//! Builds the application (one [`build_app`] for `serve` and the tests) and runs the server.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use migration::MigratorTrait;
use tracing::Instrument;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::base::clock::{SharedClock, SystemClock};
use crate::base::config::{GlobalArgs, ServeArgs};
use crate::base::metrics::NO_ROUTE;
use crate::base::state::{AppState, Limits};
use crate::base::tokens::JwtKeys;
use crate::data::db;
use crate::request::extract;
use crate::request::problem::ApiError;
use crate::{http, openapi};

/// The request id header, taken from the request when it is a sane token, else made here.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The application: every route (registered once, feeding both the router and the OpenAPI
/// document), Swagger UI, the API's error shape for unknown routes and unparsable parameters,
/// and the request-id and access-log middleware.
pub fn build_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, document) = App::new()
        .into_utoipa_app()
        .openapi(openapi::base())
        .configure(http::configure)
        .split_for_parts();
    app.app_data(state)
        .app_data(web::Data::new(http::RouteTable::of(&document)))
        .app_data(extract::path_config())
        .service(
            SwaggerUi::new("/swagger-ui/{_:.*}")
                .external_url_unchecked("/api-docs/openapi.json", openapi::finish(document)),
        )
        .default_service(web::to(http::no_route))
        .wrap(from_fn(crate::request::idempotency::idempotency))
        .wrap(from_fn(deadline))
        .wrap(from_fn(request_context))
}

/// Abandons a request that runs past the handler limit (its future is dropped, so an open
/// transaction rolls back); the server answers the error, a 503 problem. (The request is not
/// kept for building the answer here: a clone of it alive during routing is not allowed.)
async fn deadline(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map_or_else(|| Limits::default().handler, |state| state.limits.handler);
    match tokio::time::timeout(limit, next.call(req)).await {
        Ok(response) => response,
        Err(_) => Err(ApiError::HandlerTimeout {
            seconds: limit.as_secs(),
        }
        .into()),
    }
}

/// Gives every request an id (echoed in `X-Request-Id`), writes one access-log line and records
/// the request in the metrics. Only the route pattern is logged and counted, never the concrete
/// path or query string: a filter such as `?name=...` would otherwise put patient data in the
/// logs.
async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|value| {
            !value.is_empty()
                && value.len() <= 128
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let method = req.method().clone();
    let span = tracing::info_span!("request", request_id = %request_id, method = %method);
    let started = std::time::Instant::now();
    // For the metrics: the state, and the route as known before routing (for an abandoned
    // request, which leaves no response to read it from).
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let pattern = req.match_pattern();
    let result =
        crate::base::context::scope(request_id.clone(), next.call(req).instrument(span.clone()))
            .await;
    let mut response = match result {
        Ok(response) => response,
        Err(error) => {
            // Answered by the server from the error (the request timed out).
            let status = error.as_response_error().status_code().as_u16();
            if let Some(state) = &state {
                let route = pattern.as_deref().unwrap_or(NO_ROUTE);
                state
                    .metrics
                    .observe_request(method.as_str(), route, status, started.elapsed());
            }
            span.in_scope(|| {
                tracing::info!(
                    status,
                    elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
                    "request abandoned"
                );
            });
            return Err(error);
        }
    };
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| NO_ROUTE.to_owned());
    let status = response.status().as_u16();
    if let Some(state) = &state {
        state
            .metrics
            .observe_request(method.as_str(), &route, status, started.elapsed());
    }
    span.in_scope(|| {
        tracing::info!(
            route = %route,
            status,
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "request served"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(response)
}

/// `approvals serve`: connect, apply pending migrations, serve until SIGINT or SIGTERM (actix
/// stops accepting, lets running requests finish for up to 30 s, then exits).
pub async fn serve(global: &GlobalArgs, args: ServeArgs) -> anyhow::Result<()> {
    let jwt = JwtKeys::from_args(&args.jwt)?;
    if jwt.is_development() {
        tracing::warn!(
            "RUNNING WITH THE PUBLIC DEVELOPMENT JWT KEY: anyone can mint tokens for this server. \
             Set JWT_SECRET (32+ bytes) or JWT_PUBLIC_KEY_FILE before exposing it."
        );
    }
    let db = db::connect(&global.database_url)
        .await
        .context("connecting to the database (check DATABASE_URL)")?;
    migration::Migrator::up(&db, None)
        .await
        .context("applying migrations")?;
    let clock: SharedClock = std::sync::Arc::new(SystemClock);
    // Orders without a row of the approval read model (older than it, or loaded by hand).
    let filled = crate::domain::approval::read_model::fill_missing(
        &db,
        crate::base::clock::now(clock.as_ref()),
    )
    .await
    .map_err(|error| anyhow::anyhow!("filling the approval read model: {error}"))?;
    if filled > 0 {
        tracing::info!(
            filled,
            "approval read model: rows of existing orders computed"
        );
    }
    if args.expiry_sweep_interval_seconds > 0 {
        crate::domain::approval::sweep::spawn_periodic(
            db.clone(),
            clock.clone(),
            std::time::Duration::from_secs(args.expiry_sweep_interval_seconds),
        );
    }
    spawn_idempotency_purge(db.clone(), clock.clone());
    let state = web::Data::new(
        AppState::new(
            db,
            jwt,
            clock,
            std::time::Duration::from_millis(args.tenant_cache_ttl_ms),
        )
        .with_limits(Limits {
            body_read: std::time::Duration::from_secs(args.body_timeout_seconds),
            handler: std::time::Duration::from_secs(args.request_timeout_seconds),
        }),
    );
    let mut server = HttpServer::new(move || build_app(state.clone()))
        .shutdown_timeout(30)
        .client_request_timeout(std::time::Duration::from_secs(args.header_timeout_seconds))
        .client_disconnect_timeout(std::time::Duration::from_secs(1))
        .max_connections(args.max_connections)
        .bind(&args.bind_addr)
        .with_context(|| format!("binding {}", args.bind_addr))?;
    if let Some(workers) = args.workers {
        server = server.workers(workers);
    }
    tracing::info!(
        bind_addr = %args.bind_addr,
        "serving; Swagger UI at http://{}/swagger-ui/",
        args.bind_addr
    );
    server.run().await.context("serving")?;
    tracing::info!("stopped");
    Ok(())
}

/// Deletes expired idempotency keys every ten minutes.
fn spawn_idempotency_purge(db: sea_orm::DatabaseConnection, clock: SharedClock) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            ticker.tick().await;
            let now = crate::base::clock::now(clock.as_ref());
            match crate::data::idempotency::purge(&db, now).await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "expired idempotency keys deleted"),
                Err(error) => tracing::warn!(error = %error, "purging idempotency keys failed"),
            }
        }
    });
}

//! The `approvals` command line (README.md, "Command line"). Logs go to standard error; what a
//! command answers goes to standard output, its value alone on the last line.

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use migration::MigratorTrait;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::base::clock::{self, SharedClock, SystemClock};
use crate::base::config::{GlobalArgs, JwtArgs, ServeArgs};
use crate::base::tokens::{Claims, JwtKeys};
use crate::data::db;
use crate::request::auth::Role;
use migration::Migrator;

/// Insurance prior-approval service for hospital orders.
#[derive(Debug, Parser)]
#[command(
    name = "approvals",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// With no subcommand, `approvals` serves with these settings.
    #[command(flatten)]
    pub serve: ServeArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands; with none, `serve`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve the API.
    Serve(ServeArgs),
    /// Manage the database schema.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Manage tenants.
    Tenant {
        #[command(subcommand)]
        action: TenantAction,
    },
    /// Print a signed JWT for a tenant, for local use.
    Token(TokenArgs),
    /// Run the expiry sweep once over every tenant; prints how many requests expired.
    ExpireApprovals,
    /// Fill a tenant with generated data (`--scale N`) or a small fictional demo (`--demo`);
    /// prints the tenant's code.
    Seed(SeedArgs),
    /// Inspect the approval read model.
    ReadModel {
        #[command(subcommand)]
        action: ReadModelAction,
    },
}

/// `approvals read-model ...`
#[derive(Debug, Subcommand)]
pub enum ReadModelAction {
    /// Compare every stored row with the rules computed from scratch (reads only). Prints one
    /// line per differing order, `<tenant code> <order id>`, then the number of differing
    /// orders; exits non-zero when there is any.
    Verify {
        /// Only this tenant (default: every tenant).
        #[arg(long)]
        tenant: Option<String>,
    },
}

/// `approvals seed ...`
#[derive(Debug, Clone, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["scale", "demo"])))]
pub struct SeedArgs {
    /// Bulk data: N × 100,000 orders across the four kinds and a third as many approval
    /// requests in every state, with their history (N may be fractional: 0.1 is 10,000).
    #[arg(long)]
    pub scale: Option<f64>,
    /// A small, fictional hospital to try the API on: providers, patients, a formulary,
    /// templates, orders in every approval status and requests in every state with their
    /// history, communications and documents. The tenant is created when missing; one that
    /// already has data is refused.
    #[arg(long)]
    pub demo: bool,
    /// The tenant's code (default `SEED` and four digits; `DEMO` with `--demo`).
    #[arg(long)]
    pub tenant: Option<String>,
}

/// `approvals migrate ...`
#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply pending migrations; prints how many were applied.
    Up {
        /// Apply at most N.
        #[arg(short = 'n', long)]
        n: Option<u32>,
    },
    /// Roll back the last N migrations (default 1); prints how many were rolled back.
    Down {
        #[arg(short = 'n', long, default_value_t = 1)]
        n: u32,
    },
    /// One line per migration: `<name> applied|pending`.
    Status,
    /// Drop every table and apply all migrations; prints how many were applied.
    Fresh,
}

/// `approvals tenant ...`
#[derive(Debug, Subcommand)]
pub enum TenantAction {
    /// Create a tenant; prints its id.
    Create {
        /// Short code, `^[A-Z0-9]{2,16}$`, used in order numbers.
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// IANA time zone, e.g. `Europe/Berlin`.
        #[arg(long, default_value = "UTC")]
        time_zone: String,
    },
    /// Deactivate a tenant: its tokens answer 401 (within the tenant cache's TTL on running
    /// instances); its data is untouched. Prints the tenant's id.
    Deactivate {
        #[arg(long)]
        code: String,
    },
    /// Activate a tenant again. Prints the tenant's id.
    Activate {
        #[arg(long)]
        code: String,
    },
}

/// `approvals token ...`
#[derive(Debug, Clone, clap::Args)]
pub struct TokenArgs {
    /// The tenant's code.
    #[arg(long)]
    pub tenant: String,
    /// A role (VIEWER, CLINICIAN, COORDINATOR, ADMIN); repeat for several.
    #[arg(long = "role", required = true)]
    pub roles: Vec<String>,
    /// The acting user (`sub`).
    #[arg(long, default_value = "cli-user")]
    pub sub: String,
    /// Lifetime in minutes.
    #[arg(long, default_value_t = 60)]
    pub ttl_minutes: i64,
    #[command(flatten)]
    pub jwt: JwtArgs,
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let global = cli.global;
    match cli.command {
        None => crate::startup::serve(&global, cli.serve).await,
        Some(Command::Serve(args)) => crate::startup::serve(&global, args).await,
        Some(Command::Migrate { action }) => migrate(&global, action).await,
        Some(Command::Tenant {
            action:
                TenantAction::Create {
                    code,
                    name,
                    time_zone,
                },
        }) => create_tenant(&global, &code, &name, &time_zone).await,
        Some(Command::Tenant {
            action: TenantAction::Deactivate { code },
        }) => set_active(&global, &code, false).await,
        Some(Command::Tenant {
            action: TenantAction::Activate { code },
        }) => set_active(&global, &code, true).await,
        Some(Command::Token(args)) => token(&global, args).await,
        Some(Command::Seed(args)) => {
            let conn = db::connect(&global.database_url).await?;
            Migrator::up(&conn, None).await?;
            let Some(scale) = args.scale else {
                return seed_demo(&conn, args.tenant.as_deref()).await;
            };
            let code = match args.tenant {
                Some(code) => code,
                None => format!("SEED{:04}", fastrand::u16(0..10_000)),
            };
            let started = std::time::Instant::now();
            let orders = crate::seed::run(&conn, &code, scale).await?;
            tracing::info!(
                orders,
                seconds = started.elapsed().as_secs_f64(),
                "seeded tenant {code}"
            );
            println!("{code}");
            Ok(())
        }
        Some(Command::ReadModel {
            action: ReadModelAction::Verify { tenant },
        }) => verify_read_model(&global, tenant.as_deref()).await,
        Some(Command::ExpireApprovals) => {
            let conn = db::connect(&global.database_url).await?;
            Migrator::up(&conn, None).await?;
            let clock: SharedClock = std::sync::Arc::new(SystemClock);
            let report = crate::domain::approval::sweep::run(&conn, &clock, None)
                .await
                .map_err(|error| anyhow::anyhow!("expiry sweep failed: {error}"))?;
            if report.failed_tenants > 0 {
                bail!(
                    "the sweep expired {} requests but failed for {} tenants (see the log)",
                    report.expired,
                    report.failed_tenants
                );
            }
            println!("{}", report.expired);
            Ok(())
        }
    }
}

/// `approvals read-model verify`: each tenant is compared on its own today.
async fn verify_read_model(global: &GlobalArgs, only: Option<&str>) -> anyhow::Result<()> {
    use crate::domain::approval::read_model;
    use entity::tenant;
    let conn = db::connect(&global.database_url).await?;
    Migrator::up(&conn, None).await?;
    let mut tenants = tenant::Entity::find();
    if let Some(code) = only {
        tenants = tenants.filter(tenant::Column::Code.eq(code));
    }
    let tenants = tenants.all(&conn).await?;
    if let Some(code) = only
        && tenants.is_empty()
    {
        bail!("no tenant has the code {code}");
    }
    let now = clock::now(&SystemClock);
    let mut differing = 0usize;
    for tenant in tenants {
        let zone = clock::zone(&tenant.time_zone)
            .with_context(|| format!("the time zone of tenant {}", tenant.code))?;
        let today = clock::today(zone, now);
        let orders = read_model::verify(&conn, tenant.id, today, now)
            .await
            .with_context(|| format!("verifying tenant {}", tenant.code))?;
        for order in &orders {
            println!("{} {order}", tenant.code);
        }
        differing += orders.len();
    }
    println!("{differing}");
    if differing > 0 {
        bail!("{differing} orders differ from the rules computed from scratch");
    }
    Ok(())
}

/// `approvals seed --demo`: fills the tenant, then says how to get a token for it; the code
/// alone on the last line.
async fn seed_demo(conn: &sea_orm::DatabaseConnection, tenant: Option<&str>) -> anyhow::Result<()> {
    let code = tenant.unwrap_or(crate::seed::DEMO_TENANT);
    let started = std::time::Instant::now();
    let summary = crate::seed::demo(conn, code, &SystemClock).await?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        created = summary.tenant_created,
        "seeded the demo tenant {code}"
    );
    println!("Demo data in tenant {code}: {summary}.");
    println!("A token for it (every role; the server's JWT settings apply):");
    println!(
        "  approvals token --tenant {code} --role ADMIN --role COORDINATOR --role CLINICIAN --sub demo.admin"
    );
    println!("{code}");
    Ok(())
}

async fn migrate(global: &GlobalArgs, action: MigrateAction) -> anyhow::Result<()> {
    let conn = db::connect(&global.database_url).await?;
    match action {
        MigrateAction::Up { n } => {
            let before = Migrator::get_pending_migrations(&conn).await?.len();
            Migrator::up(&conn, n).await?;
            let after = Migrator::get_pending_migrations(&conn).await?.len();
            println!("{}", before - after);
        }
        MigrateAction::Down { n } => {
            let before = Migrator::get_applied_migrations(&conn).await?.len();
            Migrator::down(&conn, Some(n)).await?;
            let after = Migrator::get_applied_migrations(&conn).await?.len();
            println!("{}", before - after);
        }
        MigrateAction::Status => {
            for migration in Migrator::get_migration_with_status(&conn).await? {
                let status = match migration.status() {
                    migration::MigrationStatus::Applied => "applied",
                    migration::MigrationStatus::Pending => "pending",
                };
                println!("{} {status}", migration.name());
            }
        }
        MigrateAction::Fresh => {
            Migrator::fresh(&conn).await?;
            println!("{}", Migrator::get_applied_migrations(&conn).await?.len());
        }
    }
    Ok(())
}

async fn create_tenant(
    global: &GlobalArgs,
    code: &str,
    name: &str,
    time_zone: &str,
) -> anyhow::Result<()> {
    let conn = db::connect(&global.database_url).await?;
    Migrator::up(&conn, None).await?;
    let tenant = insert_tenant(&conn, code, name, time_zone).await?;
    tracing::info!(tenant_id = %tenant.id, code = %tenant.code, "tenant created");
    println!("{}", tenant.id);
    Ok(())
}

/// Creates an active tenant after checking its code, name and time zone. Tenants are made by
/// operators (this command line), never through the API: a token always belongs to one.
pub async fn insert_tenant(
    conn: &impl sea_orm::ConnectionTrait,
    code: &str,
    name: &str,
    time_zone: &str,
) -> anyhow::Result<entity::tenant::Model> {
    if !crate::domain::validate::is_tenant_code(code) {
        bail!("tenant code must match ^[A-Z0-9]{{2,16}}$, got {code:?}");
    }
    if name.trim().is_empty() || name.chars().count() > 200 {
        bail!("tenant name must be 1 to 200 characters");
    }
    if time_zone.parse::<chrono_tz::Tz>().is_err() {
        bail!("unknown IANA time zone {time_zone:?}");
    }
    let exists = entity::tenant::Entity::find()
        .filter(entity::tenant::Column::Code.eq(code))
        .one(conn)
        .await?;
    if exists.is_some() {
        bail!("a tenant with code {code} already exists");
    }
    let now = clock::now(&SystemClock);
    let tenant = entity::tenant::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        code: Set(code.to_owned()),
        name: Set(name.trim().to_owned()),
        time_zone: Set(time_zone.to_owned()),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(conn)
    .await
    .context("creating the tenant")?;
    Ok(tenant)
}

async fn set_active(global: &GlobalArgs, code: &str, active: bool) -> anyhow::Result<()> {
    let conn = db::connect(&global.database_url).await?;
    Migrator::up(&conn, None).await?;
    let tenant = set_tenant_active(&conn, code, active).await?;
    tracing::info!(tenant_id = %tenant.id, code = %tenant.code, active, "tenant updated");
    println!("{}", tenant.id);
    Ok(())
}

/// Sets tenant `code` active or not (a versioned change, like every change of a tenant).
pub async fn set_tenant_active(
    conn: &(impl sea_orm::ConnectionTrait + sea_orm::TransactionTrait),
    code: &str,
    active: bool,
) -> anyhow::Result<entity::tenant::Model> {
    let tenant = entity::tenant::Entity::find()
        .filter(entity::tenant::Column::Code.eq(code))
        .one(conn)
        .await?
        .with_context(|| format!("no tenant with code {code}"))?;
    let changes = entity::tenant::ActiveModel {
        is_active: Set(active),
        ..Default::default()
    };
    let mut model = tenant.clone();
    db::save_patch(
        conn,
        model.id,
        &tenant,
        &mut model,
        false,
        clock::now(&SystemClock),
        changes,
    )
    .await
    .map_err(|error| anyhow::anyhow!("updating the tenant: {error}"))?;
    model.is_active = active;
    Ok(model)
}

async fn token(global: &GlobalArgs, args: TokenArgs) -> anyhow::Result<()> {
    let mut roles = Vec::with_capacity(args.roles.len());
    for role in &args.roles {
        let parsed: Role = role.parse().map_err(|_| {
            anyhow::anyhow!("unknown role {role:?}: use VIEWER, CLINICIAN, COORDINATOR or ADMIN")
        })?;
        roles.push(parsed.to_string());
    }
    if args.ttl_minutes <= 0 {
        bail!("--ttl-minutes must be positive");
    }
    let keys = JwtKeys::from_args(&args.jwt)?;
    let conn = db::connect(&global.database_url).await?;
    let tenant = entity::tenant::Entity::find()
        .filter(entity::tenant::Column::Code.eq(&args.tenant))
        .one(&conn)
        .await?
        .with_context(|| format!("no tenant with code {}", args.tenant))?;
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: args.sub,
        tenant_id: tenant.id,
        roles,
        iat: now,
        exp: now + args.ttl_minutes * 60,
        iss: keys.issuer().to_owned(),
        nbf: None,
        aud: keys.audience().into(),
    };
    println!("{}", keys.sign(&claims)?);
    Ok(())
}

//! A fresh, migrated database for each test, on SQLite or PostgreSQL.

use std::path::PathBuf;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use tokio::sync::{Mutex, OnceCell};

/// The environment variable naming a PostgreSQL server for the tests (a database URL whose
/// user may create databases, e.g. `postgres://postgres@127.0.0.1:5432/test`).
pub const POSTGRES_URL_VAR: &str = "TEST_DATABASE_URL";

/// A database engine the tests run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backends this run covers: SQLite always; PostgreSQL when `TEST_DATABASE_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Sqlite];
    if postgres_url().is_some() {
        backends.push(Backend::Postgres);
    }
    backends
}

/// The configured PostgreSQL server, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// A database that exists for one test and is removed when dropped.
pub struct TestDatabase {
    backend: Backend,
    url: String,
    name: String,
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();
static SQLITE_TEMPLATE: OnceCell<PathBuf> = OnceCell::const_new();
/// `CREATE DATABASE ... TEMPLATE` fails when two run at once from one template.
static CREATE_LOCK: Mutex<()> = Mutex::const_new(());

impl TestDatabase {
    /// A new database with every migration applied.
    pub async fn create(backend: Backend) -> TestDatabase {
        Self::create_with(backend, true).await
    }

    /// A new database, migrated or empty.
    pub async fn create_with(backend: Backend, migrated: bool) -> TestDatabase {
        let name = format!("approvals_test_{}", uuid::Uuid::new_v4().simple());
        match backend {
            Backend::Sqlite => {
                let path = sqlite_dir().join(format!("{name}.db"));
                if migrated {
                    let template = SQLITE_TEMPLATE
                        .get_or_init(build_sqlite_template)
                        .await
                        .clone();
                    std::fs::copy(&template, &path).expect("copying the SQLite template");
                }
                let url = format!("sqlite://{}?mode=rwc", path.display());
                TestDatabase { backend, url, name }
            }
            Backend::Postgres => {
                let server = postgres_url().expect("TEST_DATABASE_URL is set");
                let admin = connect(&server).await;
                let statement = if migrated {
                    let template = TEMPLATE
                        .get_or_init(|| build_template(server.clone()))
                        .await
                        .clone();
                    format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"")
                } else {
                    format!("CREATE DATABASE \"{name}\"")
                };
                {
                    let _guard = CREATE_LOCK.lock().await;
                    admin
                        .execute_unprepared(&statement)
                        .await
                        .expect("creating the PostgreSQL test database");
                }
                admin.close().await.ok();
                TestDatabase {
                    backend,
                    url: with_database(&server, &name),
                    name,
                }
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The database URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// One connection on this database: for schema changes checked step by step, where a
    /// pooled SQLite connection could still read the schema as it was before the last step.
    pub async fn connect_one(&self) -> DatabaseConnection {
        let mut options = sea_orm::ConnectOptions::new(self.url.clone());
        options
            .max_connections(1)
            .min_connections(1)
            .sqlx_logging(false);
        sea_orm::Database::connect(options)
            .await
            .expect("connecting to the test database")
    }

    /// A pool on this database, configured as the service configures its own.
    pub async fn connect(&self) -> DatabaseConnection {
        api::data::db::connect(&self.url)
            .await
            .expect("connecting to the test database")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self.backend {
            Backend::Sqlite => {
                let path = sqlite_dir().join(format!("{}.db", self.name));
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Backend::Postgres => {
                let Some(server) = postgres_url() else { return };
                let name = self.name.clone();
                // Drop runs inside the test's runtime; the cleanup gets a runtime of its own.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    if let Ok(runtime) = runtime {
                        runtime.block_on(async {
                            let admin = connect(&server).await;
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                ))
                                .await;
                            admin.close().await.ok();
                        });
                    }
                })
                .join();
            }
        }
    }
}

fn sqlite_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("approvals-tests");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

async fn connect(url: &str) -> DatabaseConnection {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    Database::connect(options).await.unwrap_or_else(|error| {
        panic!("cannot reach the PostgreSQL server of {POSTGRES_URL_VAR}: {error}")
    })
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let server = match base.rfind('/') {
        Some(slash) if slash > "postgres://".len() => &base[..slash],
        _ => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

/// A hash of every migration's source (FNV-1a: stable across runs and builds).
fn migrations_fingerprint() -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for source in migration::SOURCES {
        for byte in source.bytes().chain([0]) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// Migrates an SQLite template file once per migration fingerprint (in the system's temporary
/// folder); each test copies it. The file appears under its final name only once complete, so
/// concurrent test processes either find it whole or build their own copy.
async fn build_sqlite_template() -> PathBuf {
    let path = sqlite_dir().join(format!("approvals_tpl_{}.db", migrations_fingerprint()));
    if path.exists() {
        return path;
    }
    let building = sqlite_dir().join(format!(
        "approvals_tpl_{}.{}.building",
        migrations_fingerprint(),
        uuid::Uuid::new_v4().simple()
    ));
    let url = format!("sqlite://{}?mode=rwc", building.display());
    // One connection in the default (rollback) journal mode: once closed, the file alone
    // holds the whole schema.
    let db = connect(&url).await;
    Migrator::up(&db, None)
        .await
        .expect("migrating the SQLite template");
    db.close().await.ok();
    std::fs::rename(&building, &path).expect("publishing the SQLite template");
    path
}

/// Migrates a template database once per migration fingerprint; concurrent test processes
/// agree through an advisory lock, and the template appears under its final name only once
/// complete.
async fn build_template(server: String) -> String {
    let template = format!("approvals_tpl_{}", migrations_fingerprint());
    let admin = connect(&server).await;
    admin
        .execute_unprepared("SELECT pg_advisory_lock(72817001)")
        .await
        .expect("taking the template lock");
    let exists = admin
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            format!("SELECT 1 AS one FROM pg_database WHERE datname = '{template}'"),
        ))
        .await
        .expect("looking for the template")
        .is_some();
    if !exists {
        let building = format!("{template}_building");
        admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"
            ))
            .await
            .expect("dropping a half-built template");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{building}\""))
            .await
            .expect("creating the template");
        let db = connect(&with_database(&server, &building)).await;
        Migrator::up(&db, None)
            .await
            .expect("migrating the template");
        db.close().await.ok();
        admin
            .execute_unprepared(&format!(
                "ALTER DATABASE \"{building}\" RENAME TO \"{template}\""
            ))
            .await
            .expect("publishing the template");
        // Templates of other fingerprints are left alone: another checkout (or branch)
        // sharing this server may still be using them.
    }
    admin
        .execute_unprepared("SELECT pg_advisory_unlock(72817001)")
        .await
        .expect("releasing the template lock");
    admin.close().await.ok();
    template
}

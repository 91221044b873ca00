//! Migrations and the schema's own guarantees, on SQLite and (when configured) PostgreSQL:
//! every migration goes up, down and up again and leaves the schema as it found it; every
//! foreign key is indexed; foreign keys are enforced and never cross tenants.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use tests::{Backend, TestDatabase, backends};

/// A text description of the schema (tables, columns, indexes, constraints), without the
/// migration bookkeeping table.
async fn schema(db: &DatabaseConnection, backend: Backend) -> Vec<String> {
    let queries: &[&str] = match backend {
        Backend::Sqlite => &[
            "SELECT type || ' ' || name || ' ' || tbl_name || ' ' || coalesce(sql, '') AS line \
             FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND tbl_name <> 'seaql_migrations' \
             ORDER BY type, name",
        ],
        Backend::Postgres => &[
            "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' \
             || coalesce(column_default, '') AS line FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name <> 'seaql_migrations' ORDER BY table_name, column_name",
            "SELECT tablename || ' ' || indexname || ' ' || indexdef AS line FROM pg_indexes \
             WHERE schemaname = 'public' AND tablename <> 'seaql_migrations' ORDER BY tablename, indexname",
            "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS line \
             FROM pg_constraint WHERE connamespace = 'public'::regnamespace \
             AND conrelid::regclass::text <> 'seaql_migrations' ORDER BY 1",
        ],
    };
    let mut lines = Vec::new();
    for query in queries {
        let rows = db
            .query_all_raw(Statement::from_string(db.get_database_backend(), *query))
            .await
            .expect("reading the schema");
        for row in rows {
            lines.push(row.try_get::<String>("", "line").expect("line"));
        }
    }
    lines
}

#[tokio::test]
async fn every_migration_goes_up_down_and_up_again() {
    for backend in backends() {
        eprintln!("--- on {backend:?}");
        let database = TestDatabase::create_with(backend, false).await;
        let db = database.connect_one().await;
        let empty = schema(&db, backend).await;
        assert!(empty.is_empty(), "a new database is empty: {empty:?}");
        let names: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        for name in &names {
            let before = schema(&db, backend).await;
            Migrator::up(&db, Some(1))
                .await
                .unwrap_or_else(|e| panic!("{name} up: {e}"));
            let after = schema(&db, backend).await;
            assert_ne!(before, after, "{name} changes the schema");
            Migrator::down(&db, Some(1))
                .await
                .unwrap_or_else(|e| panic!("{name} down: {e}"));
            assert_eq!(
                schema(&db, backend).await,
                before,
                "{name} down restores the schema"
            );
            Migrator::up(&db, Some(1))
                .await
                .unwrap_or_else(|e| panic!("{name} up again: {e}"));
            assert_eq!(
                schema(&db, backend).await,
                after,
                "{name} up again gives the same schema"
            );
        }
        assert!(
            Migrator::get_pending_migrations(&db)
                .await
                .expect("status")
                .is_empty()
        );
        Migrator::down(&db, None).await.expect("all the way down");
        assert_eq!(
            schema(&db, backend).await,
            empty,
            "every down together leaves an empty schema"
        );
        assert_eq!(
            Migrator::get_applied_migrations(&db)
                .await
                .expect("status")
                .len(),
            0
        );
        Migrator::up(&db, None).await.expect("all the way up again");
        assert_eq!(
            Migrator::get_applied_migrations(&db)
                .await
                .expect("status")
                .len(),
            names.len()
        );
        db.close().await.ok();
    }
}

#[tokio::test]
async fn every_foreign_key_is_indexed() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let db = database.connect().await;
        // (table, foreign key columns) without an index whose leading columns are exactly those.
        let query = match backend {
            Backend::Postgres => {
                "SELECT c.conrelid::regclass::text || ' ' || c.conname AS line FROM pg_constraint c \
                 WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace AND NOT EXISTS ( \
                   SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid \
                   AND (string_to_array(i.indkey::text, ' ')::int2[])[1:array_length(c.conkey, 1)] = c.conkey)"
            }
            Backend::Sqlite => {
                "WITH fk AS ( \
                   SELECT m.name AS tbl, f.id AS id, group_concat(f.\"from\", ',') AS cols \
                   FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
                   WHERE m.type = 'table' GROUP BY m.name, f.id), \
                 ix AS ( \
                   SELECT m.name AS tbl, l.name AS idx, group_concat(i.name, ',') AS cols \
                   FROM sqlite_master m JOIN pragma_index_list(m.name) l JOIN pragma_index_info(l.name) i \
                   WHERE m.type = 'table' GROUP BY m.name, l.name) \
                 SELECT fk.tbl || ' ' || fk.cols AS line FROM fk WHERE NOT EXISTS ( \
                   SELECT 1 FROM ix WHERE ix.tbl = fk.tbl AND (ix.cols = fk.cols OR ix.cols LIKE fk.cols || ',%'))"
            }
        };
        let rows = db
            .query_all_raw(Statement::from_string(db.get_database_backend(), query))
            .await
            .expect("listing foreign keys");
        let unindexed: Vec<String> = rows
            .iter()
            .map(|r| r.try_get::<String>("", "line").expect("line"))
            .collect();
        assert!(
            unindexed.is_empty(),
            "{backend:?}: foreign keys without an index: {unindexed:?}"
        );
        db.close().await.ok();
    }
}

#[tokio::test]
async fn foreign_keys_are_enforced_and_never_cross_tenants() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let db = database.connect().await;
        let gh = api::cli::insert_tenant(&db, "GH", "GH", "UTC")
            .await
            .expect("tenant");
        let sm = api::cli::insert_tenant(&db, "SM", "SM", "UTC")
            .await
            .expect("tenant");
        let patient = uuid::Uuid::new_v4();
        let uuid = |id: uuid::Uuid| match backend {
            Backend::Postgres => format!("'{id}'"),
            // sqlx stores a UUID in SQLite as its 16 bytes.
            Backend::Sqlite => format!("X'{}'", id.simple()),
        };
        let now = match backend {
            Backend::Postgres => "now()",
            Backend::Sqlite => "'2026-01-01T00:00:00Z'",
        };
        db.execute_unprepared(&format!(
            "INSERT INTO patients (id, tenant_id, mrn, given_name, family_name, birth_date, sex, created_at, updated_at, version) \
             VALUES ({}, {}, 'M1', 'A', 'B', '1990-01-01', 'FEMALE', {now}, {now}, 1)",
            uuid(patient),
            uuid(gh.id)
        ))
        .await
        .expect("a patient of GH");
        let coverage = |tenant: uuid::Uuid, patient: uuid::Uuid| {
            format!(
                "INSERT INTO insurance_info (id, tenant_id, patient_id, payer_name, payer_id, member_id, priority, effective_date, created_at, updated_at, version) \
                 VALUES ({}, {}, {}, 'P', 'P1', 'M', 'PRIMARY', '2026-01-01', {now}, {now}, 1)",
                uuid(uuid::Uuid::new_v4()),
                uuid(tenant),
                uuid(patient)
            )
        };
        assert!(
            db.execute_unprepared(&coverage(gh.id, uuid::Uuid::new_v4()))
                .await
                .is_err(),
            "{backend:?}: a coverage of a missing patient"
        );
        assert!(
            db.execute_unprepared(&coverage(sm.id, patient))
                .await
                .is_err(),
            "{backend:?}: a coverage of SM pointing at GH's patient"
        );
        db.execute_unprepared(&coverage(gh.id, patient))
            .await
            .expect("a coverage of GH's patient");
        assert!(
            db.execute_unprepared(&format!(
                "DELETE FROM patients WHERE id = {}",
                uuid(patient)
            ))
            .await
            .is_err(),
            "{backend:?}: a patient with coverage cannot be deleted"
        );
        db.close().await.ok();
    }
}

#[test]
fn every_migration_source_is_fingerprinted() {
    // lib.rs and one file per migration.
    assert_eq!(migration::SOURCES.len(), Migrator::migrations().len() + 1);
    for migration in Migrator::migrations() {
        let name = migration.name().to_owned();
        assert!(
            migration::SOURCES
                .iter()
                .any(|source| source.contains(&format!("{name}::Migration"))
                    || source.contains("DeriveMigrationName")),
            "{name}"
        );
    }
}

//! Numbers sort by their counter's value, not their text (`LAB-GH-1000000` comes after
//! `LAB-GH-999999`): every numbered table gains `number_value` (the counter; for a surgical case
//! `YYYYMMDD × 1,000,000 + the day's counter`), filled from the existing numbers, with an index
//! per tenant. Imaging orders gain `cpt_codes`, the CPT/HCPCS codes of the study (a JSON list,
//! empty for existing orders).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The numbered tables, their number column, and whether the number is per day.
const NUMBERED: [(&str, &str, bool); 5] = [
    ("lab_orders", "order_number", false),
    ("imaging_orders", "order_number", false),
    ("prescriptions", "prescription_number", false),
    ("surgical_cases", "case_number", true),
    ("approval_requests", "approval_number", false),
];

/// The sort value of a number's text: its counter, or for a per-day number the day and the
/// counter (`SURG-20261203-0007` → 20261203000007). Unreadable text sorts first (0).
pub fn number_value(text: &str, per_day: bool) -> i64 {
    let mut parts = text.rsplit('-');
    let counter: i64 = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
    if per_day {
        let day: i64 = parts.next().and_then(|d| d.parse().ok()).unwrap_or(0);
        day * 1_000_000 + counter
    } else {
        counter
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        for (table, number, per_day) in NUMBERED {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(
                            ColumnDef::new(Alias::new("number_value"))
                                .big_integer()
                                .not_null()
                                .default(0),
                        )
                        .to_owned(),
                )
                .await?;
            let rows = db
                .query_all_raw(Statement::from_string(
                    backend,
                    format!("SELECT id, {number} AS number FROM {table}"),
                ))
                .await?;
            for row in rows {
                let id: uuid::Uuid = row.try_get("", "id")?;
                let text: String = row.try_get("", "number")?;
                let value = number_value(&text, per_day);
                let sql = match backend {
                    sea_orm_migration::sea_orm::DatabaseBackend::Postgres => {
                        format!("UPDATE {table} SET number_value = $1 WHERE id = $2")
                    }
                    _ => format!("UPDATE {table} SET number_value = ?1 WHERE id = ?2"),
                };
                db.execute_raw(Statement::from_sql_and_values(
                    backend,
                    sql,
                    [value.into(), id.into()],
                ))
                .await?;
            }
            manager
                .create_index(
                    Index::create()
                        .name(format!("ix_{table}_tenant_number_value"))
                        .table(Alias::new(table))
                        .col(Alias::new("tenant_id"))
                        .col(Alias::new("number_value"))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("imaging_orders"))
                    .add_column(
                        ColumnDef::new(Alias::new("cpt_codes"))
                            .json()
                            .not_null()
                            .default(Expr::cust("'[]'")),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("imaging_orders"))
                    .drop_column(Alias::new("cpt_codes"))
                    .to_owned(),
            )
            .await?;
        for (table, _, _) in NUMBERED {
            manager
                .drop_index(
                    Index::drop()
                        .name(format!("ix_{table}_tenant_number_value"))
                        .table(Alias::new(table))
                        .to_owned(),
                )
                .await?;
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new("number_value"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::number_value;

    #[test]
    fn numbers_sort_by_their_counter() {
        assert_eq!(number_value("LAB-GH-000042", false), 42);
        assert_eq!(number_value("LAB-GH-1000000", false), 1_000_000);
        assert_eq!(number_value("SURG-20261203-0007", true), 20_261_203_000_007);
        assert_eq!(number_value("garbled", false), 0);
    }
}

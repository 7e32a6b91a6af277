//! The schema and the code agree: every unique index says what breaking it means to a user,
//! so a new table's constraint cannot fall back to a field-less "That already exists".

use sqlx::PgPool;

#[sqlx::test]
async fn every_unique_index_of_the_schema_has_a_message_in_db(pool: PgPool) {
    let indexes: Vec<String> = sqlx::query_scalar(
        "select c.relname::text from pg_index i
           join pg_class c on c.oid = i.indexrelid
           join pg_namespace n on n.oid = c.relnamespace
          where i.indisunique and n.nspname = 'public'
          order by 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(indexes.iter().any(|i| i == "regions_organization_name_key"));
    let missing: Vec<&String> = indexes
        .iter()
        .filter(|name| meridian::db::errors::constraint(name).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "unique indexes with no entry in a db module's CONSTRAINTS: {missing:?}"
    );
}

#[sqlx::test]
async fn every_listed_constraint_exists(pool: PgPool) {
    let names: Vec<String> = sqlx::query_scalar(
        "select conname::text from pg_constraint c join pg_namespace n on n.oid = c.connamespace
          where n.nspname = 'public'
         union select c.relname::text from pg_index i join pg_class c on c.oid = i.indexrelid",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for module in meridian::db::errors::CONSTRAINTS {
        for constraint in *module {
            assert!(
                names.iter().any(|n| n == constraint.name),
                "{} is listed but not in the schema",
                constraint.name
            );
        }
    }
}

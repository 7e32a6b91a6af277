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

/// The data inventory (Settings > Data residency, and the API) lists every table and column of
/// the control plane's database, and nothing that is not there: a column added without saying
/// what it holds and whether it can hold personal data fails here.
#[sqlx::test]
async fn every_table_and_column_is_in_the_data_inventory(pool: PgPool) {
    use meridian::domain::inventory::CONTROL_PLANE;
    let stored: Vec<(String, String)> = sqlx::query_as(
        "select table_name::text, column_name::text from information_schema.columns
          where table_schema = 'public' and table_name <> '_sqlx_migrations'
          order by 1, 2",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(
        stored
            .iter()
            .any(|(t, c)| t == "workspaces" && c == "region_id")
    );
    let listed: Vec<(String, String)> = CONTROL_PLANE
        .iter()
        .flat_map(|t| {
            t.columns
                .iter()
                .map(|c| (t.name.to_owned(), c.name.to_owned()))
        })
        .collect();
    let unlisted: Vec<_> = stored.iter().filter(|s| !listed.contains(s)).collect();
    assert!(
        unlisted.is_empty(),
        "columns missing from domain::inventory::CONTROL_PLANE (say what each holds): {unlisted:?}"
    );
    let gone: Vec<_> = listed.iter().filter(|l| !stored.contains(l)).collect();
    assert!(
        gone.is_empty(),
        "listed in the inventory but not stored: {gone:?}"
    );
    let mut unique = listed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), listed.len(), "a column is listed twice");
}

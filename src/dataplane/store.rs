//! The data plane's own store: the region's secrets and configuration, and what it must know
//! to keep serving while the control plane is away (its region, the control plane's keys).
//! Every data plane of a region points at the same Postgres (`DATAPLANE_DATABASE_URL`) or,
//! alone, at a private embedded one; the control plane never reads it.

use sqlx::{PgExecutor, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

/// The store's schema, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/dataplane");

/// Where a change to a workspace's secrets or configuration is announced (the payload is the
/// workspace id), so every data plane sharing the store drops what it keeps of it.
pub const CHANGES_CHANNEL: &str = "meridian_dataplane_workspaces";

/// Announces, when the transaction commits, that `workspace_id`'s secrets or configuration
/// changed.
async fn announce(conn: &mut sqlx::PgConnection, workspace_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "select pg_notify($1, $2)",
        CHANGES_CHANNEL,
        workspace_id.to_string()
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A secret as listed: never its value.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SecretName {
    pub name: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// One configuration value.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ConfigEntry {
    pub key: String,
    pub value: String,
}

pub async fn secret_names(
    db: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<Vec<SecretName>, sqlx::Error> {
    sqlx::query_as!(
        SecretName,
        "select name, created_at, updated_at from workspace_secrets
         where workspace_id = $1 order by name",
        workspace_id
    )
    .fetch_all(db)
    .await
}

/// Stores a secret's sealed value; returns whether it was new.
pub async fn put_secret(
    pool: &PgPool,
    workspace_id: Uuid,
    name: &str,
    sealed: &[u8],
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let created = sqlx::query_scalar!(
        r#"insert into workspace_secrets as s (workspace_id, name, value_encrypted)
           values ($1, $2, $3)
           on conflict (workspace_id, name) do update
               set value_encrypted = excluded.value_encrypted, updated_at = now()
           returning (s.xmax = 0) as "created!""#,
        workspace_id,
        name,
        sealed
    )
    .fetch_one(&mut *tx)
    .await?;
    announce(&mut tx, workspace_id).await?;
    tx.commit().await?;
    Ok(created)
}

pub async fn delete_secret(
    pool: &PgPool,
    workspace_id: Uuid,
    name: &str,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query!(
        "delete from workspace_secrets where workspace_id = $1 and name = $2",
        workspace_id,
        name
    )
    .execute(&mut *tx)
    .await?;
    announce(&mut tx, workspace_id).await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

pub async fn config(
    db: impl PgExecutor<'_>,
    workspace_id: Uuid,
) -> Result<Vec<ConfigEntry>, sqlx::Error> {
    sqlx::query_as!(
        ConfigEntry,
        "select key, value from workspace_config where workspace_id = $1 order by key",
        workspace_id
    )
    .fetch_all(db)
    .await
}

pub async fn put_config(
    pool: &PgPool,
    workspace_id: Uuid,
    key: &str,
    value: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "insert into workspace_config (workspace_id, key, value) values ($1, $2, $3)
         on conflict (workspace_id, key) do update set value = excluded.value, updated_at = now()",
        workspace_id,
        key,
        value
    )
    .execute(&mut *tx)
    .await?;
    announce(&mut tx, workspace_id).await?;
    tx.commit().await
}

pub async fn delete_config(
    pool: &PgPool,
    workspace_id: Uuid,
    key: &str,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query!(
        "delete from workspace_config where workspace_id = $1 and key = $2",
        workspace_id,
        key
    )
    .execute(&mut *tx)
    .await?;
    announce(&mut tx, workspace_id).await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// The control plane's public keys as last fetched: (kid, public key).
pub async fn control_plane_keys(
    db: impl PgExecutor<'_>,
) -> Result<Vec<(String, Vec<u8>)>, sqlx::Error> {
    let rows = sqlx::query!("select kid, public_key from control_plane_keys")
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.kid, r.public_key)).collect())
}

/// Remembers the control plane's keys (keys are only added: a key the control plane stops
/// publishing may still sign tokens that have not expired).
pub async fn remember_control_plane_keys(
    pool: &PgPool,
    keys: &[(String, Vec<u8>)],
) -> Result<(), sqlx::Error> {
    let (kids, public_keys): (Vec<String>, Vec<Vec<u8>>) = keys.iter().cloned().unzip();
    sqlx::query!(
        "insert into control_plane_keys (kid, public_key)
         select * from unnest($1::text[], $2::bytea[])
         on conflict (kid) do update set fetched_at = now()",
        &kids,
        &public_keys
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The region this store belongs to, recorded by the first data plane that registered; `None`
/// before that.
pub async fn region(db: impl PgExecutor<'_>) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!("select region_id from store_region")
        .fetch_optional(db)
        .await
}

/// Records the region of the data plane using the store; `Err` when the store already belongs
/// to another region (a data plane pointed at another region's database).
pub async fn claim_region(
    db: impl PgExecutor<'_>,
    region_id: Uuid,
) -> Result<Result<(), Uuid>, sqlx::Error> {
    let owner = sqlx::query_scalar!(
        r#"with claimed as (
               insert into store_region (only_row, region_id) values (true, $1)
               on conflict (only_row) do nothing
               returning region_id)
           select coalesce((select region_id from claimed),
                           (select region_id from store_region)) as "region!""#,
        region_id
    )
    .fetch_one(db)
    .await?;
    Ok(if owner == region_id {
        Ok(())
    } else {
        Err(owner)
    })
}

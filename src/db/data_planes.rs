//! Data planes and their client credentials.

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::domain::{DataPlane, Name};

/// Every data plane of an organization, grouped by region, in one query.
pub async fn list_for_organization(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
) -> Result<Vec<DataPlane>, sqlx::Error> {
    sqlx::query_as!(
        DataPlane,
        "select d.id, d.region_id, d.name, d.enabled, d.created_at, d.updated_at, d.revision, d.last_heartbeat_at
         from data_planes d join regions r on r.id = d.region_id
         where r.organization_id = $1
         order by d.region_id, lower(d.name), d.id",
        organization_id
    )
    .fetch_all(db)
    .await
}

pub async fn list_for_region(
    db: impl PgExecutor<'_>,
    region_id: Uuid,
) -> Result<Vec<DataPlane>, sqlx::Error> {
    sqlx::query_as!(
        DataPlane,
        "select id, region_id, name, enabled, created_at, updated_at, revision, last_heartbeat_at
         from data_planes where region_id = $1
         order by lower(name), id",
        region_id
    )
    .fetch_all(db)
    .await
}

/// A data plane of a region of `organization_id`; anything else is as good as missing.
pub async fn get(
    db: impl PgExecutor<'_>,
    organization_id: Uuid,
    id: Uuid,
) -> Result<Option<DataPlane>, sqlx::Error> {
    sqlx::query_as!(
        DataPlane,
        "select d.id, d.region_id, d.name, d.enabled, d.created_at, d.updated_at, d.revision, d.last_heartbeat_at
         from data_planes d join regions r on r.id = d.region_id
         where r.organization_id = $1 and d.id = $2",
        organization_id,
        id
    )
    .fetch_optional(db)
    .await
}

/// Like [`get`], and locks the row until the transaction ends.
pub async fn lock(
    conn: &mut sqlx::PgConnection,
    organization_id: Uuid,
    id: Uuid,
) -> Result<Option<DataPlane>, sqlx::Error> {
    sqlx::query_as!(
        DataPlane,
        "select d.id, d.region_id, d.name, d.enabled, d.created_at, d.updated_at, d.revision, d.last_heartbeat_at
         from data_planes d join regions r on r.id = d.region_id
         where r.organization_id = $1 and d.id = $2
         for update of d",
        organization_id,
        id
    )
    .fetch_optional(conn)
    .await
}

pub async fn create(
    db: impl PgExecutor<'_>,
    region_id: Uuid,
    name: &Name,
    enabled: bool,
) -> Result<DataPlane, sqlx::Error> {
    sqlx::query_as!(
        DataPlane,
        "insert into data_planes (id, region_id, name, enabled) values ($1, $2, $3, $4)
         returning id, region_id, name, enabled, created_at, updated_at, revision, last_heartbeat_at",
        Uuid::new_v4(),
        region_id,
        name.as_str(),
        enabled
    )
    .fetch_one(db)
    .await
}

/// Changes name and/or enabled (`None` keeps the value) when the data plane is still at
/// `revision`; `None` otherwise.
pub async fn update(
    db: impl PgExecutor<'_>,
    id: Uuid,
    name: Option<&Name>,
    enabled: Option<bool>,
    revision: i32,
) -> Result<Option<DataPlane>, sqlx::Error> {
    sqlx::query_as!(
        DataPlane,
        "update data_planes set name = coalesce($2, name), enabled = coalesce($3, enabled),
                updated_at = now(), revision = revision + 1
         where id = $1 and revision = $4
         returning id, region_id, name, enabled, created_at, updated_at, revision, last_heartbeat_at",
        id,
        name.map(Name::as_str),
        enabled,
        revision
    )
    .fetch_optional(db)
    .await
}

/// Deletes a data plane and its credentials.
pub async fn delete(db: impl PgExecutor<'_>, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!("delete from data_planes where id = $1", id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores a new credential; only the secret's hash is kept.
pub async fn add_credential(
    db: impl PgExecutor<'_>,
    data_plane_id: Uuid,
    client_id: &str,
    secret_hash: &[u8],
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::new_v4();
    sqlx::query!(
        "insert into data_plane_credentials (id, data_plane_id, client_id, secret_hash) values ($1, $2, $3, $4)",
        id,
        data_plane_id,
        client_id,
        secret_hash
    )
    .execute(db)
    .await?;
    Ok(id)
}

/// The organization a data plane belongs to (through its region).
pub async fn organization_of(
    db: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "select r.organization_id from data_planes d join regions r on r.id = d.region_id
         where d.id = $1",
        id
    )
    .fetch_optional(db)
    .await
}

/// Data planes `user_id` may see (all for instance admins), optionally only those of
/// `region_ids`, by region and name.
pub async fn list_visible(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    is_instance_admin: bool,
    region_ids: &[Uuid],
) -> Result<Vec<DataPlane>, sqlx::Error> {
    sqlx::query_as!(
        DataPlane,
        "select d.id, d.region_id, d.name, d.enabled, d.created_at, d.updated_at, d.revision, d.last_heartbeat_at
         from data_planes d join regions r on r.id = d.region_id
         where (cardinality($3::uuid[]) = 0 or d.region_id = any($3))
           and ($2 or r.organization_id in
                (select organization_id from organization_members where user_id = $1))
         order by r.organization_id, lower(r.name), d.region_id, lower(d.name), d.id",
        user_id,
        is_instance_admin,
        region_ids
    )
    .fetch_all(db)
    .await
}

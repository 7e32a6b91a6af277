//! Creating data planes (with their first client credentials), changing and deleting them.

use uuid::Uuid;

use crate::auth::{
    OrgAccess,
    secrets::{ClientSecret, SecretHasher, generate_client_id},
};
use crate::db::{self, audit::Event};
use crate::domain::{DataPlane, Name, OrgRole, Region};
use crate::error::{AppError, AppResult};

/// Prefix of data plane client ids, so a leaked id says what it belongs to.
pub const CLIENT_ID_PREFIX: &str = "dp_";

/// A data plane just created, with its credentials in the clear: shown once, then forgotten.
pub struct Created {
    pub data_plane: DataPlane,
    pub region: Region,
    pub client_id: String,
    pub client_secret: ClientSecret,
}

/// What a change asks for; `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct DataPlaneChange {
    pub name: Option<Name>,
    pub enabled: Option<bool>,
}

/// Creates a data plane in a region of the caller's organization, with its first credential.
pub async fn create(
    pool: &sqlx::PgPool,
    hasher: &SecretHasher,
    access: &OrgAccess,
    region_id: Uuid,
    name: &Name,
    enabled: bool,
) -> AppResult<Created> {
    access.require(OrgRole::Admin)?;
    let mut tx = pool.begin().await?;
    let region = db::regions::get(&mut *tx, access.organization_id, region_id)
        .await?
        .ok_or_else(|| AppError::not_found("region"))?;
    let data_plane = db::data_planes::create(&mut *tx, region.id, name, enabled).await?;
    let client_id = generate_client_id(CLIENT_ID_PREFIX);
    let client_secret = ClientSecret::generate();
    db::data_planes::add_credential(
        &mut *tx,
        data_plane.id,
        &client_id,
        &hasher.hash(&client_id, client_secret.expose()),
    )
    .await?;
    db::audit::record(
        &mut tx,
        &access.actor,
        Event::new(
            Some(access.organization_id),
            "dataplane.create",
            "dataplane",
            Some(data_plane.id),
            &data_plane.name,
        )
        .after(&data_plane),
    )
    .await?;
    tx.commit().await?;
    Ok(Created {
        data_plane,
        region,
        client_id,
        client_secret,
    })
}

/// Renames a data plane and/or turns it on or off; see [`super::regions::update`] for
/// `revision` and the answer.
pub async fn update(
    pool: &sqlx::PgPool,
    access: &OrgAccess,
    data_plane_id: Uuid,
    change: DataPlaneChange,
    revision: Option<i32>,
) -> AppResult<(DataPlane, DataPlane)> {
    access.require(OrgRole::Admin)?;
    let mut tx = pool.begin().await?;
    let before = db::data_planes::lock(&mut tx, access.organization_id, data_plane_id)
        .await?
        .ok_or_else(|| AppError::not_found("data plane"))?;
    let renamed = change
        .name
        .as_ref()
        .is_some_and(|n| n.as_str() != before.name);
    let toggled = change.enabled.is_some_and(|e| e != before.enabled);
    if !renamed && !toggled {
        if revision.is_some_and(|r| r != before.revision) {
            return Err(AppError::stale("data plane"));
        }
        return Ok((before.clone(), before));
    }
    let after = db::data_planes::update(
        &mut *tx,
        data_plane_id,
        change.name.as_ref(),
        change.enabled,
        revision.unwrap_or(before.revision),
    )
    .await?
    .ok_or_else(|| AppError::stale("data plane"))?;
    let action = match (before.enabled, after.enabled) {
        (false, true) => "dataplane.enable",
        (true, false) => "dataplane.disable",
        _ => "dataplane.rename",
    };
    db::audit::record(
        &mut tx,
        &access.actor,
        Event::new(
            Some(access.organization_id),
            action,
            "dataplane",
            Some(data_plane_id),
            &after.name,
        )
        .before(&before)
        .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok((before, after))
}

/// Deletes a data plane; its credentials stop working at once.
pub async fn delete(
    pool: &sqlx::PgPool,
    access: &OrgAccess,
    data_plane_id: Uuid,
) -> AppResult<DataPlane> {
    access.require(OrgRole::Admin)?;
    let mut tx = pool.begin().await?;
    let plane = db::data_planes::lock(&mut tx, access.organization_id, data_plane_id)
        .await?
        .ok_or_else(|| AppError::not_found("data plane"))?;
    db::data_planes::delete(&mut *tx, data_plane_id).await?;
    db::audit::record(
        &mut tx,
        &access.actor,
        Event::new(
            Some(access.organization_id),
            "dataplane.delete",
            "dataplane",
            Some(data_plane_id),
            &plane.name,
        )
        .before(&plane),
    )
    .await?;
    tx.commit().await?;
    Ok(plane)
}

//! Data planes of a region: create (revealing the client credentials once), enable or
//! disable, delete.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{
    auth::{self, secrets::ClientSecret},
    db,
    db::audit::Event,
    domain::OrgRole,
    server_fns::context::{Ctx, enabled_or_current, name_or_current, parse_name},
};

/// Credentials of a new data plane, shown exactly once.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct NewCredentials {
    pub data_plane_id: Uuid,
    pub data_plane_name: String,
    pub region_id: Uuid,
    pub region_name: String,
    pub client_id: String,
    pub client_secret: String,
    /// The control plane's address as the agent should reach it.
    pub public_url: String,
}

impl std::fmt::Debug for NewCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewCredentials")
            .field("data_plane_id", &self.data_plane_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// Prefix of data plane client ids, so a leaked id says what it belongs to.
pub const CLIENT_ID_PREFIX: &str = "dp_";

/// Creates a data plane with its first credential in the caller's transaction. Returns the
/// data plane and its secret in the clear, which the caller shows once and forgets.
#[cfg(feature = "ssr")]
pub async fn create_with_credentials(
    tx: &mut sqlx::PgConnection,
    actor: &db::audit::Actor,
    region: &crate::domain::Region,
    name: &crate::domain::Name,
) -> crate::error::AppResult<(crate::domain::DataPlane, String, ClientSecret)> {
    let plane = db::data_planes::create(&mut *tx, region.id, name, true).await?;
    let client_id = auth::secrets::generate_client_id(CLIENT_ID_PREFIX);
    let secret = ClientSecret::generate();
    db::data_planes::add_credential(&mut *tx, plane.id, &client_id, &secret.hash()).await?;
    db::audit::record(
        tx,
        actor,
        Event::new(
            Some(region.organization_id),
            "dataplane.create",
            "dataplane",
            Some(plane.id),
            &plane.name,
        )
        .after(&plane),
    )
    .await?;
    Ok((plane, client_id, secret))
}

#[server(endpoint = "dataplanes/create")]
pub async fn create_data_plane(
    organization_id: Uuid,
    region_id: Uuid,
    name: String,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let parsed = parse_name("name", &name)?;
    let mut tx = ctx.pool().begin().await?;
    let region = db::regions::get(&mut *tx, organization_id, region_id)
        .await?
        .ok_or_else(|| AppError::not_found("region"))?;
    let (plane, client_id, secret) =
        create_with_credentials(&mut tx, &access.actor, &region, &parsed)
            .await
            .map_err(|e| e.with_input([("name", name.as_str())]))?;
    tx.commit().await?;
    let reveal = NewCredentials {
        data_plane_id: plane.id,
        data_plane_name: plane.name.clone(),
        region_id,
        region_name: region.name.clone(),
        client_id,
        client_secret: secret.expose().to_owned(),
        public_url: ctx.public_url().await,
    };
    auth::session::stash_once(&ctx.session, &reveal).await?;
    leptos_axum::redirect(&crate::paths::credentials(
        organization_id,
        region_id,
        plane.id,
    ));
    Ok(())
}

/// The credentials of a data plane just created, once: the first call takes them out of the
/// session, so a reload, the back button or a second visit gets `None`.
#[server(endpoint = "dataplanes/reveal")]
pub async fn reveal_credentials(
    organization_id: Uuid,
    data_plane_id: Uuid,
) -> Result<Option<NewCredentials>, AppError> {
    let ctx = Ctx::load().await?;
    ctx.access(organization_id, OrgRole::Admin).await?;
    let pending: Option<NewCredentials> = auth::session::take_once(&ctx.session).await?;
    match pending {
        Some(c) if c.data_plane_id == data_plane_id => Ok(Some(c)),
        // Credentials of another data plane stay stashed for their own page.
        Some(other) => {
            auth::session::stash_once(&ctx.session, &other).await?;
            Ok(None)
        }
        None => Ok(None),
    }
}

#[server(endpoint = "dataplanes/update")]
pub async fn update_data_plane(
    organization_id: Uuid,
    data_plane_id: Uuid,
    revision: i32,
    name: Option<String>,
    enabled: Option<String>,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let mut tx = ctx.pool().begin().await?;
    let before = db::data_planes::get(&mut *tx, organization_id, data_plane_id)
        .await?
        .ok_or_else(|| AppError::not_found("data plane"))?;
    let echo = name.as_deref().unwrap_or_default();
    let new_name = name_or_current(name.as_deref(), &before.name)?;
    let new_enabled = enabled_or_current(enabled.as_deref(), before.enabled)?;
    let after = db::data_planes::update(&mut *tx, data_plane_id, &new_name, new_enabled, revision)
        .await
        .map_err(|e| AppError::from(e).with_input([("name", echo)]))?
        .ok_or_else(|| AppError::stale("data plane").with_input([("name", echo)]))?;
    let (action, notice) = match (before.enabled, after.enabled) {
        (false, true) => (
            "dataplane.enable",
            format!("Data plane {} enabled.", after.name),
        ),
        (true, false) => (
            "dataplane.disable",
            format!(
                "Data plane {} disabled. It stops taking work at its next heartbeat.",
                after.name
            ),
        ),
        _ => (
            "dataplane.rename",
            format!("Data plane renamed to {}.", after.name),
        ),
    };
    db::audit::record(
        &mut tx,
        &access.actor,
        Event::new(
            Some(organization_id),
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
    ctx.redirect_with_notice(
        &crate::paths::region(organization_id, after.region_id),
        notice,
    )
    .await
}

#[server(endpoint = "dataplanes/delete")]
pub async fn delete_data_plane(organization_id: Uuid, data_plane_id: Uuid) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let mut tx = ctx.pool().begin().await?;
    let plane = db::data_planes::get(&mut *tx, organization_id, data_plane_id)
        .await?
        .ok_or_else(|| AppError::not_found("data plane"))?;
    db::data_planes::delete(&mut *tx, data_plane_id).await?;
    db::audit::record(
        &mut tx,
        &access.actor,
        Event::new(
            Some(organization_id),
            "dataplane.delete",
            "dataplane",
            Some(data_plane_id),
            &plane.name,
        )
        .before(&plane),
    )
    .await?;
    tx.commit().await?;
    ctx.redirect_with_notice(
        &crate::paths::region(organization_id, plane.region_id),
        format!(
            "Data plane {} deleted; its credentials no longer work.",
            plane.name
        ),
    )
    .await
}

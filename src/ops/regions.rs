//! Creating, changing and deleting regions.

use uuid::Uuid;

use crate::auth::OrgAccess;
use crate::db::{self, audit::Event};
use crate::domain::{Name, OrgRole, Region};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What a change asks for; `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct RegionChange {
    pub name: Option<Name>,
    pub enabled: Option<bool>,
}

pub async fn create(
    state: &AppState,
    access: &OrgAccess,
    name: &Name,
    enabled: bool,
) -> AppResult<Region> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let region = db::regions::create(&mut *tx, access.organization_id, name, enabled).await?;
    db::audit::record(
        &mut tx,
        &access.actor,
        Event::new(
            Some(access.organization_id),
            "region.create",
            "region",
            Some(region.id),
            &region.name,
        )
        .after(&region),
    )
    .await?;
    commit(state, tx, access.organization_id).await?;
    Ok(region)
}

/// Renames a region and/or turns it on or off. `revision` is the version the caller saw (a
/// form); without one (the API) the change applies to the current version, waiting for any
/// change in progress (the row is locked) rather than failing. Returns the region
/// before and after; an empty change records nothing.
pub async fn update(
    state: &AppState,
    access: &OrgAccess,
    region_id: Uuid,
    change: RegionChange,
    revision: Option<i32>,
) -> AppResult<(Region, Region)> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let before = db::regions::lock(&mut tx, access.organization_id, region_id)
        .await?
        .ok_or_else(|| AppError::not_found("region"))?;
    let renamed = change
        .name
        .as_ref()
        .is_some_and(|n| n.as_str() != before.name);
    let toggled = change.enabled.is_some_and(|e| e != before.enabled);
    if !renamed && !toggled {
        if revision.is_some_and(|r| r != before.revision) {
            return Err(AppError::stale("region"));
        }
        return Ok((before.clone(), before));
    }
    let after = db::regions::update(
        &mut *tx,
        access.organization_id,
        region_id,
        change.name.as_ref(),
        change.enabled,
        revision.unwrap_or(before.revision),
    )
    .await?
    .ok_or_else(|| AppError::stale("region"))?;
    let action = match (before.enabled, after.enabled) {
        (false, true) => "region.enable",
        (true, false) => "region.disable",
        _ => "region.rename",
    };
    db::audit::record(
        &mut tx,
        &access.actor,
        Event::new(
            Some(access.organization_id),
            action,
            "region",
            Some(region_id),
            &after.name,
        )
        .before(&before)
        .after(&after),
    )
    .await?;
    commit(state, tx, access.organization_id).await?;
    Ok((before, after))
}

/// Deletes a region and its data planes; refused while workspaces are assigned to it.
pub async fn delete(state: &AppState, access: &OrgAccess, region_id: Uuid) -> AppResult<Region> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let region = db::regions::lock(&mut tx, access.organization_id, region_id)
        .await?
        .ok_or_else(|| AppError::not_found("region"))?;
    let in_use = db::workspaces::count_in_region(&mut *tx, region_id).await?;
    if in_use > 0 {
        let noun = if in_use == 1 {
            "workspace is"
        } else {
            "workspaces are"
        };
        return Err(AppError::conflict(
            None,
            format!(
                "Region {} can't be deleted: {in_use} {noun} assigned to it. Move them to another region first.",
                region.name
            ),
        ));
    }
    // The foreign key still refuses if a workspace is assigned meanwhile.
    db::regions::delete(&mut *tx, access.organization_id, region_id).await?;
    db::audit::record(
        &mut tx,
        &access.actor,
        Event::new(
            Some(access.organization_id),
            "region.delete",
            "region",
            Some(region_id),
            &region.name,
        )
        .before(&region),
    )
    .await?;
    commit(state, tx, access.organization_id).await?;
    Ok(region)
}

/// Commits a change to an organization's regions and announces it, so cached region lists
/// are dropped here at once and on other replicas when the notification arrives.
async fn commit(
    state: &AppState,
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    organization_id: Uuid,
) -> AppResult<()> {
    db::regions::notify_changed(&mut tx, organization_id).await?;
    tx.commit().await?;
    state.region_lists.invalidate(organization_id);
    Ok(())
}

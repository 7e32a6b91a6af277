//! Creating, changing and deleting regions.

use uuid::Uuid;

use super::change;
use crate::auth::OrgAccess;
use crate::db;
use crate::domain::{Action, Name, OrgRole, Place, Region};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What a change asks for; `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct RegionChange {
    pub name: Option<Name>,
    pub enabled: Option<bool>,
    /// Provider, location and jurisdiction, replaced together.
    pub place: Option<Place>,
}

impl RegionChange {
    /// Whether it changes anything of `region`.
    fn changes(&self, region: &Region) -> bool {
        let moved = self.place.as_ref().is_some_and(|p| {
            let given = |v: Option<&str>, now: &Option<String>| v != now.as_deref();
            given(p.provider.as_ref().map(|v| v.as_str()), &region.provider)
                || given(p.location.as_ref().map(|v| v.as_str()), &region.location)
                || given(
                    p.jurisdiction.as_ref().map(|v| v.as_str()),
                    &region.jurisdiction,
                )
        });
        self.name
            .as_ref()
            .is_some_and(|n| n.as_str() != region.name)
            || self.enabled.is_some_and(|e| e != region.enabled)
            || moved
    }
}

pub async fn create(
    state: &AppState,
    access: &OrgAccess,
    name: &Name,
    enabled: bool,
    place: &Place,
) -> AppResult<Region> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let region =
        db::regions::create(&mut *tx, access.organization_id, name, enabled, place).await?;
    change::record_created(&mut tx, access, Action::RegionCreate, &region).await?;
    commit(state, tx, access.organization_id).await?;
    Ok(region)
}

/// Renames a region and/or turns it on or off. `revision` is the version the caller saw (a
/// form); without one (the API) the change applies to the current version (see
/// [`change`]). Returns the region before and after; an empty change records nothing.
pub async fn update(
    state: &AppState,
    access: &OrgAccess,
    region_id: Uuid,
    change: RegionChange,
    revision: Option<i32>,
) -> AppResult<(Region, Region)> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let before =
        change::found(db::regions::lock(&mut tx, access.organization_id, region_id).await?)?;
    let changes = change.changes(&before);
    let Some(at) = change::revision_to_write(&before, revision, changes)? else {
        return Ok((before.clone(), before));
    };
    let written = db::regions::update(
        &mut *tx,
        access.organization_id,
        region_id,
        change.name.as_ref(),
        change.enabled,
        change.place.as_ref(),
        at,
    )
    .await?;
    let after = change::record_update(&mut tx, access, &before, written, |b, a| {
        if b.name == a.name && b.enabled == a.enabled {
            return Action::RegionPlace;
        }
        change::toggle_or_rename(
            b.enabled,
            a.enabled,
            [
                Action::RegionEnable,
                Action::RegionDisable,
                Action::RegionRename,
            ],
        )
    })
    .await?;
    commit(state, tx, access.organization_id).await?;
    Ok((before, after))
}

/// Deletes a region and its data planes; refused while workspaces are assigned to it.
pub async fn delete(state: &AppState, access: &OrgAccess, region_id: Uuid) -> AppResult<Region> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let region =
        change::found(db::regions::lock(&mut tx, access.organization_id, region_id).await?)?;
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
    change::record_deleted(&mut tx, access, Action::RegionDelete, &region).await?;
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

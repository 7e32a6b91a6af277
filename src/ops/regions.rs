//! Creating, changing and deleting regions.

use uuid::Uuid;

use super::change;
use crate::auth::OrgAccess;
use crate::db;
use crate::domain::{Action, DEFAULT_ORGANIZATION_ID, Name, OrgRole, Place, Region};
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

/// Creates a self-managed region of the caller's organization, or (`managed`, instance admins
/// only, in the default organization) a managed region every organization may use.
pub async fn create(
    state: &AppState,
    access: &OrgAccess,
    name: &Name,
    enabled: bool,
    place: &Place,
    managed: bool,
) -> AppResult<Region> {
    access.require(OrgRole::Admin)?;
    if managed {
        require_operator(access)?;
    }
    let mut tx = state.pool.begin().await?;
    let region = db::regions::create(
        &mut *tx,
        access.organization_id,
        name,
        enabled,
        place,
        managed,
    )
    .await?;
    change::record_created(&mut tx, access, Action::RegionCreate, &region).await?;
    commit(state, tx, &region).await?;
    Ok(region)
}

/// Managed regions are run by the instance's operators: instance admins acting in the
/// default organization.
fn require_operator(access: &OrgAccess) -> AppResult<()> {
    if access.user.is_instance_admin && access.organization_id == DEFAULT_ORGANIZATION_ID {
        Ok(())
    } else {
        Err(AppError::forbidden().with_message(
            "Managed regions are created and changed by the instance's operators only.",
        ))
    }
}

/// The region about to change, locked: the caller's own, or a managed one for operators. Any
/// other organization may see a managed region but not change it.
async fn changeable(
    tx: &mut sqlx::PgConnection,
    access: &OrgAccess,
    region_id: Uuid,
) -> AppResult<Region> {
    if let Some(seen) = db::regions::get(&mut *tx, access.organization_id, region_id).await?
        && seen.is_borrowed_by(access.organization_id)
    {
        return Err(AppError::forbidden().with_message(format!(
            "Region {} is managed by the instance's operators: it can be used, not changed.",
            seen.name
        )));
    }
    let region = change::found(db::regions::lock(tx, access.organization_id, region_id).await?)?;
    if region.managed {
        require_operator(access)?;
    }
    Ok(region)
}

/// Names the managed region new workspaces go to when none is named (the API), or none
/// (`None`: each organization's own `auto`). Instance admins only.
pub async fn set_default_for_new_workspaces(
    state: &AppState,
    access: &OrgAccess,
    region_id: Option<Uuid>,
) -> AppResult<Option<Region>> {
    require_operator(access)?;
    let mut tx = state.pool.begin().await?;
    let region = match region_id {
        Some(id) => {
            let region = changeable(&mut tx, access, id).await?;
            if !region.managed {
                return Err(AppError::invalid(
                    "region_id",
                    "Only a managed region can be where every organization's new workspaces go.",
                ));
            }
            Some(region)
        }
        None => None,
    };
    db::regions::set_default_for_new_workspaces(&mut tx, region_id).await?;
    if let Some(region) = &region {
        let event = super::event(access, Action::RegionDefault, region.id, &region.name);
        super::record(&mut tx, access, event.after(region)).await?;
    }
    db::regions::notify_changed(&mut tx, None).await?;
    tx.commit().await?;
    state.region_lists.clear();
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
    let before = changeable(&mut tx, access, region_id).await?;
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
    commit(state, tx, &after).await?;
    Ok((before, after))
}

/// Deletes a region and its data planes; refused while workspaces are assigned to it.
pub async fn delete(state: &AppState, access: &OrgAccess, region_id: Uuid) -> AppResult<Region> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let region = changeable(&mut tx, access, region_id).await?;
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
    commit(state, tx, &region).await?;
    Ok(region)
}

/// Commits a change to a region and announces it, so cached region lists are dropped here at
/// once and on other replicas when the notification arrives: the owner's, or every
/// organization's for a managed region.
async fn commit(
    state: &AppState,
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    region: &Region,
) -> AppResult<()> {
    let owner = (!region.managed).then_some(region.organization_id);
    db::regions::notify_changed(&mut tx, owner).await?;
    tx.commit().await?;
    match owner {
        Some(organization_id) => state.region_lists.invalidate(organization_id),
        None => state.region_lists.clear(),
    }
    Ok(())
}

//! Creating workspaces in a region, renaming them, moving them to another region (a
//! residency change) and deleting them. Creating needs an organization admin; the rest needs a
//! role on the workspace itself (see [`WorkspaceRole`]).

use sqlx::PgConnection;
use uuid::Uuid;

use super::change;
use crate::auth::OrgAccess;
use crate::db;
use crate::domain::{Action, Classification, Name, OrgRole, Region, Workspace, WorkspaceRole};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What a change asks for; `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct WorkspaceChange {
    pub name: Option<Name>,
    pub region_id: Option<Uuid>,
    pub classifications: Option<Vec<Classification>>,
    /// Locking or unlocking it; applied after a move asked for with it, so a locked workspace
    /// cannot be unlocked and moved in one step.
    pub locked: Option<bool>,
}

/// The region a workspace is being assigned to: it must exist in the organization and be
/// enabled. Locks it until the transaction ends so it cannot be disabled meanwhile.
async fn assignable_region(
    tx: &mut PgConnection,
    organization_id: Uuid,
    region_id: Uuid,
) -> AppResult<Region> {
    let region = db::regions::get_for_assignment(tx, organization_id, region_id)
        .await?
        .ok_or_else(|| AppError::invalid("region_id", "Choose a region of this organization."))?;
    if !region.enabled {
        return Err(AppError::invalid(
            "region_id",
            format!(
                "Region {} is disabled; workspaces can't be assigned to it.",
                region.name
            ),
        ));
    }
    Ok(region)
}

/// Refuses a placement the organization's residency policy forbids, naming the rule; `field`
/// is what the caller changed (the region or the classifications). The policy stays locked
/// until the transaction ends (see [`db::policies::get_for_check`]).
async fn check_policy(
    tx: &mut PgConnection,
    organization_id: Uuid,
    classifications: &[String],
    region: &Region,
    field: &str,
) -> AppResult<()> {
    let policy = db::policies::get_for_check(tx, organization_id).await?;
    match policy.breach(classifications, region) {
        Some(breach) => Err(AppError::invalid(field, breach.message)),
        None => Ok(()),
    }
}

pub async fn create(
    state: &AppState,
    access: &OrgAccess,
    name: &Name,
    region_id: Uuid,
    classifications: &[Classification],
) -> AppResult<Workspace> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let region = assignable_region(&mut tx, access.organization_id, region_id).await?;
    check_policy(
        &mut tx,
        access.organization_id,
        &Classification::words(classifications),
        &region,
        "region_id",
    )
    .await?;
    let id = db::workspaces::create(
        &mut *tx,
        access.organization_id,
        name,
        region.id,
        classifications,
    )
    .await?;
    let workspace = db::workspaces::get(&mut *tx, access.organization_id, id)
        .await?
        .ok_or_else(AppError::internal)?;
    change::record_created(&mut tx, access, Action::WorkspaceCreate, &workspace).await?;
    tx.commit().await?;
    Ok(workspace)
}

/// Renames a workspace, moves it to another enabled region, changes its classifications
/// and/or locks or unlocks it. Moves and classifications must satisfy the residency policy; a
/// locked workspace does not move. Returns the workspace before and after; an empty change
/// records nothing.
pub async fn update(
    state: &AppState,
    access: &OrgAccess,
    workspace_id: Uuid,
    change: WorkspaceChange,
    revision: Option<i32>,
) -> AppResult<(Workspace, Workspace)> {
    let mut tx = state.pool.begin().await?;
    let before = locked(&mut tx, access, workspace_id).await?;
    let moving = change.region_id.is_some_and(|id| id != before.region_id);
    let classifications = change
        .classifications
        .as_deref()
        .map(Classification::words)
        .filter(|c| *c != before.classifications);
    let locking = change.locked.filter(|l| *l != before.locked);
    // Renaming needs an editor; changing where the data lives, what it is said to hold or
    // whether it may move needs the workspace's admin; locking needs an organization admin.
    let needed = if moving || classifications.is_some() {
        WorkspaceRole::Admin
    } else {
        WorkspaceRole::Editor
    };
    access
        .require_workspace(&mut *tx, workspace_id, needed)
        .await?;
    if locking.is_some() {
        access.require(OrgRole::Admin)?;
    }
    if moving && before.locked {
        return Err(AppError::conflict(
            Some("region_id"),
            format!(
                "Workspace {} is locked to region {}. An organization admin must unlock it before it can move.",
                before.name, before.region_name
            ),
        ));
    }
    let target = match change.region_id {
        Some(id) if moving => Some(assignable_region(&mut tx, access.organization_id, id).await?),
        _ => None,
    };
    if target.is_some() || classifications.is_some() {
        let region = match &target {
            Some(region) => region.clone(),
            None => db::regions::get(&mut *tx, access.organization_id, before.region_id)
                .await?
                .ok_or_else(AppError::internal)?,
        };
        let field = if target.is_some() {
            "region_id"
        } else {
            "classifications"
        };
        let carried = classifications.as_ref().unwrap_or(&before.classifications);
        check_policy(&mut tx, access.organization_id, carried, &region, field).await?;
    }
    let renamed = change
        .name
        .as_ref()
        .is_some_and(|n| n.as_str() != before.name);
    let changes = renamed || moving || classifications.is_some() || locking.is_some();
    let Some(at) = change::revision_to_write(&before, revision, changes)? else {
        return Ok((before.clone(), before));
    };
    let target = target.map(|r| r.id);
    let write = db::workspaces::WorkspaceWrite {
        name: change.name.as_ref(),
        region_id: target,
        classifications: classifications
            .is_some()
            .then_some(change.classifications.as_deref())
            .flatten(),
        locked: locking,
    };
    let written =
        if db::workspaces::update(&mut *tx, access.organization_id, workspace_id, write, at).await?
        {
            db::workspaces::get(&mut *tx, access.organization_id, workspace_id).await?
        } else {
            None
        };
    if let Some(region_id) = target {
        // Runs still waiting go where the workspace now lives.
        db::work::follow_workspace(&mut tx, workspace_id, region_id).await?;
    }
    let after = change::record_update(&mut tx, access, &before, written, |b, a| {
        if a.region_id != b.region_id {
            Action::WorkspaceMove
        } else if a.name != b.name {
            Action::WorkspaceRename
        } else if a.classifications != b.classifications {
            Action::WorkspaceClassify
        } else if a.locked {
            Action::WorkspaceLock
        } else {
            Action::WorkspaceUnlock
        }
    })
    .await?;
    tx.commit().await?;
    if let Some(region_id) = target {
        state.wakeups.announce(region_id);
    }
    Ok((before, after))
}

/// A workspace of the caller's organization, locked until the transaction ends.
async fn locked(
    tx: &mut PgConnection,
    access: &OrgAccess,
    workspace_id: Uuid,
) -> AppResult<Workspace> {
    change::found(db::workspaces::lock(tx, access.organization_id, workspace_id).await?)
}

pub async fn delete(
    state: &AppState,
    access: &OrgAccess,
    workspace_id: Uuid,
    revision: Option<i32>,
) -> AppResult<Workspace> {
    let mut tx = state.pool.begin().await?;
    let workspace = locked(&mut tx, access, workspace_id).await?;
    access
        .require_workspace(&mut *tx, workspace_id, WorkspaceRole::Admin)
        .await?;
    let revision = revision.unwrap_or(workspace.revision);
    if !db::workspaces::delete(&mut *tx, access.organization_id, workspace_id, revision).await? {
        return Err(AppError::stale("workspace"));
    }
    change::record_deleted(&mut tx, access, Action::WorkspaceDelete, &workspace).await?;
    tx.commit().await?;
    Ok(workspace)
}

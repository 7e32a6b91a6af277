//! Creating workspaces in a region, renaming them, moving them to another region (a
//! residency change) and deleting them. Creating needs an organization admin; the rest needs a
//! role on the workspace itself (see [`WorkspaceRole`]).

use sqlx::PgConnection;
use uuid::Uuid;

use super::change;
use crate::auth::OrgAccess;
use crate::db;
use crate::domain::{Action, Name, OrgRole, Region, Workspace, WorkspaceRole};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What a change asks for; `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct WorkspaceChange {
    pub name: Option<Name>,
    pub region_id: Option<Uuid>,
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

pub async fn create(
    state: &AppState,
    access: &OrgAccess,
    name: &Name,
    region_id: Uuid,
) -> AppResult<Workspace> {
    access.require(OrgRole::Admin)?;
    let mut tx = state.pool.begin().await?;
    let region = assignable_region(&mut tx, access.organization_id, region_id).await?;
    let id = db::workspaces::create(&mut *tx, access.organization_id, name, region.id).await?;
    let workspace = db::workspaces::get(&mut *tx, access.organization_id, id)
        .await?
        .ok_or_else(AppError::internal)?;
    change::record_created(&mut tx, access, Action::WorkspaceCreate, &workspace).await?;
    tx.commit().await?;
    Ok(workspace)
}

/// Renames a workspace and/or moves it to another enabled region. Returns the workspace before
/// and after; an empty change records nothing.
pub async fn update(
    state: &AppState,
    access: &OrgAccess,
    workspace_id: Uuid,
    change: WorkspaceChange,
    revision: Option<i32>,
) -> AppResult<(Workspace, Workspace)> {
    let mut tx = state.pool.begin().await?;
    let before = locked(&mut tx, access, workspace_id).await?;
    // Renaming needs an editor; changing where the data lives needs the workspace's admin.
    let moving = change.region_id.is_some_and(|id| id != before.region_id);
    let needed = if moving {
        WorkspaceRole::Admin
    } else {
        WorkspaceRole::Editor
    };
    access
        .require_workspace(&mut *tx, workspace_id, needed)
        .await?;
    let target = match change.region_id {
        Some(id) if moving => Some(
            assignable_region(&mut tx, access.organization_id, id)
                .await?
                .id,
        ),
        _ => None,
    };
    let renamed = change
        .name
        .as_ref()
        .is_some_and(|n| n.as_str() != before.name);
    let Some(at) = change::revision_to_write(&before, revision, renamed || moving)? else {
        return Ok((before.clone(), before));
    };
    let written = if db::workspaces::update(
        &mut *tx,
        access.organization_id,
        workspace_id,
        change.name.as_ref(),
        target,
        at,
    )
    .await?
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
        } else {
            Action::WorkspaceRename
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

//! Creating workspaces in a region, renaming them, moving them to another region (a
//! residency change) and deleting them. Creating needs an organization admin; the rest needs a
//! role on the workspace itself (see [`WorkspaceRole`]).

use sqlx::PgConnection;
use uuid::Uuid;

use crate::auth::OrgAccess;
use crate::db::{self, audit::Event};
use crate::domain::{Name, OrgRole, Region, Workspace, WorkspaceRole};
use crate::error::{AppError, AppResult};

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
    pool: &sqlx::PgPool,
    access: &OrgAccess,
    name: &Name,
    region_id: Uuid,
) -> AppResult<Workspace> {
    access.require(OrgRole::Admin)?;
    let mut tx = pool.begin().await?;
    let region = assignable_region(&mut tx, access.organization_id, region_id).await?;
    let id = db::workspaces::create(&mut *tx, access.organization_id, name, region.id).await?;
    let workspace = db::workspaces::get(&mut *tx, access.organization_id, id)
        .await?
        .ok_or_else(AppError::internal)?;
    db::audit::record(
        &mut tx,
        &access.actor,
        Event::new(
            Some(access.organization_id),
            "workspace.create",
            "workspace",
            Some(id),
            &workspace.name,
        )
        .after(&workspace),
    )
    .await?;
    tx.commit().await?;
    Ok(workspace)
}

/// Renames a workspace and/or moves it to another enabled region. Returns the workspace before
/// and after; an empty change records nothing.
pub async fn update(
    pool: &sqlx::PgPool,
    access: &OrgAccess,
    workspace_id: Uuid,
    change: WorkspaceChange,
    revision: Option<i32>,
) -> AppResult<(Workspace, Workspace)> {
    let mut tx = pool.begin().await?;
    let before = db::workspaces::lock(&mut tx, access.organization_id, workspace_id)
        .await?
        .ok_or_else(|| AppError::not_found("workspace"))?;
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
        Some(id) if id != before.region_id => Some(
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
    if !renamed && target.is_none() {
        if revision.is_some_and(|r| r != before.revision) {
            return Err(AppError::stale("workspace"));
        }
        return Ok((before.clone(), before));
    }
    let updated = db::workspaces::update(
        &mut *tx,
        access.organization_id,
        workspace_id,
        change.name.as_ref(),
        target,
        revision.unwrap_or(before.revision),
    )
    .await?;
    if !updated {
        return Err(AppError::stale("workspace"));
    }
    let after = db::workspaces::get(&mut *tx, access.organization_id, workspace_id)
        .await?
        .ok_or_else(AppError::internal)?;
    let action = if after.region_id != before.region_id {
        "workspace.move"
    } else {
        "workspace.rename"
    };
    db::audit::record(
        &mut tx,
        &access.actor,
        Event::new(
            Some(access.organization_id),
            action,
            "workspace",
            Some(workspace_id),
            &after.name,
        )
        .before(&before)
        .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok((before, after))
}

pub async fn delete(
    pool: &sqlx::PgPool,
    access: &OrgAccess,
    workspace_id: Uuid,
    revision: Option<i32>,
) -> AppResult<Workspace> {
    let mut tx = pool.begin().await?;
    let workspace = db::workspaces::lock(&mut tx, access.organization_id, workspace_id)
        .await?
        .ok_or_else(|| AppError::not_found("workspace"))?;
    access
        .require_workspace(&mut *tx, workspace_id, WorkspaceRole::Admin)
        .await?;
    let revision = revision.unwrap_or(workspace.revision);
    if !db::workspaces::delete(&mut *tx, access.organization_id, workspace_id, revision).await? {
        return Err(AppError::stale("workspace"));
    }
    db::audit::record(
        &mut tx,
        &access.actor,
        Event::new(
            Some(access.organization_id),
            "workspace.delete",
            "workspace",
            Some(workspace_id),
            &workspace.name,
        )
        .before(&workspace),
    )
    .await?;
    tx.commit().await?;
    Ok(workspace)
}

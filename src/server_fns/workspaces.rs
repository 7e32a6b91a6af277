//! Settings > Workspaces: list, create in a region, rename, move to another region, delete.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::Workspace;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::paths;
use crate::server_fns::PageMeta;
use crate::server_fns::regions::RegionOverview;
#[cfg(feature = "ssr")]
use crate::{
    db,
    db::audit::Event,
    domain::{OrgRole, Region},
    error::AppResult,
    server_fns::context::{Ctx, name_or_current, parse_id, parse_name},
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkspacesData {
    pub meta: PageMeta,
    pub workspaces: Vec<Workspace>,
    /// Regions with their data planes, for the region picker and its warnings.
    pub regions: Vec<RegionOverview>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceData {
    pub meta: PageMeta,
    pub workspace: Workspace,
    pub regions: Vec<RegionOverview>,
}

#[server(endpoint = "workspaces/page")]
pub async fn workspaces_page(organization_id: Uuid) -> Result<WorkspacesData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let (workspaces, regions) = tokio::try_join!(
        async { Ok::<_, AppError>(db::workspaces::list(ctx.pool(), organization_id).await?) },
        crate::server_fns::regions::overviews(ctx.pool(), organization_id),
    )?;
    Ok(WorkspacesData {
        meta: PageMeta::load(&ctx, &access, &paths::workspaces(organization_id)).await?,
        workspaces,
        regions,
    })
}

#[server(endpoint = "workspaces/detail")]
pub async fn workspace_page(
    organization_id: Uuid,
    workspace_id: Uuid,
) -> Result<WorkspaceData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let workspace = db::workspaces::get(ctx.pool(), organization_id, workspace_id)
        .await?
        .ok_or_else(|| AppError::not_found("workspace"))?;
    let regions = crate::server_fns::regions::overviews(ctx.pool(), organization_id).await?;
    Ok(WorkspaceData {
        meta: PageMeta::load(
            &ctx,
            &access,
            &paths::workspace(organization_id, workspace_id),
        )
        .await?,
        workspace,
        regions,
    })
}

/// The region a workspace is being assigned to: it must exist in the organization and be
/// enabled. Locks it until the transaction ends so it cannot be disabled meanwhile.
#[cfg(feature = "ssr")]
async fn assignable_region(
    tx: &mut sqlx::PgConnection,
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

#[server(endpoint = "workspaces/create")]
pub async fn create_workspace(
    organization_id: Uuid,
    name: String,
    region_id: String,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let echo = [("name", name.as_str()), ("region_id", region_id.as_str())];
    let parsed_name = parse_name("name", &name);
    let parsed_region = parse_id("region_id", &region_id, "region");
    let (parsed_name, region_id) = match (parsed_name, parsed_region) {
        (Ok(n), Ok(r)) => (n, r),
        (n, r) => {
            let merged = AppError::merge([n.err(), r.err()].into_iter().flatten())
                .unwrap_or_else(AppError::internal);
            return Err(merged.with_input(echo));
        }
    };
    let mut tx = ctx.pool().begin().await?;
    let region = assignable_region(&mut tx, organization_id, region_id)
        .await
        .map_err(|e| e.with_input(echo))?;
    let id = db::workspaces::create(&mut *tx, organization_id, &parsed_name, region.id)
        .await
        .map_err(|e| AppError::from(e).with_input(echo))?;
    let workspace = db::workspaces::get(&mut *tx, organization_id, id)
        .await?
        .ok_or_else(AppError::internal)?;
    db::audit::record(
        &mut tx,
        &access.actor,
        Event::new(
            Some(organization_id),
            "workspace.create",
            "workspace",
            Some(id),
            &workspace.name,
        )
        .after(&workspace),
    )
    .await?;
    tx.commit().await?;
    ctx.redirect_with_notice(
        &paths::workspaces(organization_id),
        format!(
            "Workspace {} created in region {}.",
            workspace.name, region.name
        ),
    )
    .await
}

#[server(endpoint = "workspaces/rename")]
pub async fn rename_workspace(
    organization_id: Uuid,
    workspace_id: Uuid,
    revision: i32,
    name: String,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let parsed = parse_name("name", &name)?;
    let echo = [("name", name.as_str())];
    let mut tx = ctx.pool().begin().await?;
    let before = db::workspaces::get(&mut *tx, organization_id, workspace_id)
        .await?
        .ok_or_else(|| AppError::not_found("workspace"))?;
    let updated = db::workspaces::update(
        &mut *tx,
        organization_id,
        workspace_id,
        &parsed,
        before.region_id,
        revision,
    )
    .await
    .map_err(|e| AppError::from(e).with_input(echo))?;
    if !updated {
        return Err(AppError::stale("workspace").with_input(echo));
    }
    let after = db::workspaces::get(&mut *tx, organization_id, workspace_id)
        .await?
        .ok_or_else(AppError::internal)?;
    db::audit::record(
        &mut tx,
        &access.actor,
        Event::new(
            Some(organization_id),
            "workspace.rename",
            "workspace",
            Some(workspace_id),
            &after.name,
        )
        .before(&before)
        .after(&after),
    )
    .await?;
    tx.commit().await?;
    ctx.redirect_with_notice(
        &paths::workspace(organization_id, workspace_id),
        format!("Workspace renamed to {}.", after.name),
    )
    .await
}

/// Moves a workspace to another region: a residency change, so the page asks first.
#[server(endpoint = "workspaces/move")]
pub async fn move_workspace(
    organization_id: Uuid,
    workspace_id: Uuid,
    revision: i32,
    region_id: String,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let region_id = parse_id("region_id", &region_id, "region")?;
    let mut tx = ctx.pool().begin().await?;
    let before = db::workspaces::get(&mut *tx, organization_id, workspace_id)
        .await?
        .ok_or_else(|| AppError::not_found("workspace"))?;
    let target = assignable_region(&mut tx, organization_id, region_id).await?;
    if target.id == before.region_id {
        return Err(AppError::invalid(
            "region_id",
            format!("{} is already in region {}.", before.name, target.name),
        ));
    }
    let name = name_or_current(None, &before.name)?;
    if !db::workspaces::update(
        &mut *tx,
        organization_id,
        workspace_id,
        &name,
        target.id,
        revision,
    )
    .await?
    {
        return Err(AppError::stale("workspace"));
    }
    let after = db::workspaces::get(&mut *tx, organization_id, workspace_id)
        .await?
        .ok_or_else(AppError::internal)?;
    db::audit::record(
        &mut tx,
        &access.actor,
        Event::new(
            Some(organization_id),
            "workspace.move",
            "workspace",
            Some(workspace_id),
            &after.name,
        )
        .before(&before)
        .after(&after),
    )
    .await?;
    tx.commit().await?;
    ctx.redirect_with_notice(
        &paths::workspaces(organization_id),
        format!(
            "Workspace {} moved from {} to {}.",
            after.name, before.region_name, after.region_name
        ),
    )
    .await
}

#[server(endpoint = "workspaces/delete")]
pub async fn delete_workspace(
    organization_id: Uuid,
    workspace_id: Uuid,
    revision: i32,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let mut tx = ctx.pool().begin().await?;
    let workspace = db::workspaces::get(&mut *tx, organization_id, workspace_id)
        .await?
        .ok_or_else(|| AppError::not_found("workspace"))?;
    if !db::workspaces::delete(&mut *tx, organization_id, workspace_id, revision).await? {
        return Err(AppError::stale("workspace"));
    }
    db::audit::record(
        &mut tx,
        &access.actor,
        Event::new(
            Some(organization_id),
            "workspace.delete",
            "workspace",
            Some(workspace_id),
            &workspace.name,
        )
        .before(&workspace),
    )
    .await?;
    tx.commit().await?;
    ctx.redirect_with_notice(
        &paths::workspaces(organization_id),
        format!("Workspace {} deleted.", workspace.name),
    )
    .await
}

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
    domain::OrgRole,
    ops::{self, workspaces::WorkspaceChange},
    server_fns::context::{Ctx, parse_id, parse_name},
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
    let workspace = ops::workspaces::create(ctx.pool(), &access, &parsed_name, region_id)
        .await
        .map_err(|e| e.with_input(echo))?;
    ctx.redirect_with_notice(
        &paths::workspaces(organization_id),
        format!(
            "Workspace {} created in region {}.",
            workspace.name, workspace.region_name
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
    let echo = [("name", name.as_str())];
    let change = WorkspaceChange {
        name: Some(parse_name("name", &name)?),
        region_id: None,
    };
    let (_, after) =
        ops::workspaces::update(ctx.pool(), &access, workspace_id, change, Some(revision))
            .await
            .map_err(|e| e.with_input(echo))?;
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
    let change = WorkspaceChange {
        name: None,
        region_id: Some(region_id),
    };
    let (before, after) =
        ops::workspaces::update(ctx.pool(), &access, workspace_id, change, Some(revision)).await?;
    if before.region_id == after.region_id {
        // Nothing was changed; say why rather than announce a move.
        return Err(AppError::invalid(
            "region_id",
            format!("{} is already in region {}.", after.name, after.region_name),
        ));
    }
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
    let workspace =
        ops::workspaces::delete(ctx.pool(), &access, workspace_id, Some(revision)).await?;
    ctx.redirect_with_notice(
        &paths::workspaces(organization_id),
        format!("Workspace {} deleted.", workspace.name),
    )
    .await
}

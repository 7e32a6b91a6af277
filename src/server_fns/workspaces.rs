//! Settings > Workspaces: list, create in a region, rename, move to another region, delete.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{Workspace, WorkspaceRole};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::paths;
use crate::read::regions::RegionOverview;
use crate::server_fns::PageMeta;
#[cfg(feature = "ssr")]
use crate::{
    auth, db,
    domain::OrgRole,
    ops::{self, workspaces::WorkspaceChange},
    server_fns::context::{Ctx, parse_id, parse_name},
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkspacesData {
    pub meta: PageMeta,
    pub workspaces: Vec<Workspace>,
    /// The caller's role on each workspace, in the same order.
    pub roles: Vec<WorkspaceRole>,
    /// Regions with their data planes, for the region picker and its warnings.
    pub regions: Vec<RegionOverview>,
}

/// Someone given a role on a workspace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GrantView {
    pub permission_id: Uuid,
    pub email: String,
    pub role: WorkspaceRole,
}

/// A member who may be given a role on a workspace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberChoice {
    pub user_id: Uuid,
    pub email: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceData {
    pub meta: PageMeta,
    pub workspace: Workspace,
    /// The caller's role on this workspace.
    pub role: WorkspaceRole,
    /// Who was given a role on it.
    pub grants: Vec<GrantView>,
    /// The organization's members without a role here yet, for the workspace's admins to
    /// choose from (empty for everyone else).
    pub grantable: Vec<MemberChoice>,
    pub regions: Vec<RegionOverview>,
}

#[server(endpoint = "workspaces/page")]
pub async fn workspaces_page(organization_id: Uuid) -> Result<WorkspacesData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let (workspaces, granted, regions) = tokio::try_join!(
        async { Ok::<_, AppError>(db::workspaces::list(ctx.pool(), organization_id).await?) },
        async {
            Ok::<_, AppError>(
                db::permissions::workspace_roles(ctx.pool(), organization_id, access.user.id)
                    .await?,
            )
        },
        crate::read::regions::overviews(ctx.pool(), organization_id),
    )?;
    let roles = workspaces
        .iter()
        .map(|w| {
            let given = granted.iter().find(|(id, _)| *id == w.id).map(|(_, r)| *r);
            auth::effective_workspace_role(access.role, given)
        })
        .collect();
    Ok(WorkspacesData {
        meta: PageMeta::load(&ctx, &access, &paths::workspaces(organization_id)).await?,
        workspaces,
        roles,
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
    let role = access.workspace_role(ctx.pool(), workspace_id).await?;
    let (grants, members, regions) = tokio::try_join!(
        async {
            Ok::<_, AppError>(db::permissions::workspace_grants(ctx.pool(), workspace_id).await?)
        },
        async {
            Ok::<_, AppError>(if role == WorkspaceRole::Admin {
                db::organizations::members(ctx.pool(), organization_id).await?
            } else {
                Vec::new()
            })
        },
        crate::read::regions::overviews(ctx.pool(), organization_id),
    )?;
    // Organization admins hold every role already; the rest may be given one.
    let grantable = members
        .into_iter()
        .filter(|m| m.role == OrgRole::Member && !grants.iter().any(|g| g.user_id == m.user_id))
        .map(|m| MemberChoice {
            user_id: m.user_id,
            email: m.email,
        })
        .collect();
    let grants = grants
        .into_iter()
        .map(|g| GrantView {
            permission_id: g.id,
            email: g.email,
            role: g.role,
        })
        .collect();
    Ok(WorkspaceData {
        meta: PageMeta::load(
            &ctx,
            &access,
            &paths::workspace(organization_id, workspace_id),
        )
        .await?,
        workspace,
        role,
        grants,
        grantable,
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
    let workspace = ops::workspaces::create(&ctx.state, &access, &parsed_name, region_id)
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
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let echo = [("name", name.as_str())];
    let change = WorkspaceChange {
        name: Some(parse_name("name", &name)?),
        region_id: None,
    };
    let (_, after) =
        ops::workspaces::update(&ctx.state, &access, workspace_id, change, Some(revision))
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
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let region_id = parse_id("region_id", &region_id, "region")?;
    let change = WorkspaceChange {
        name: None,
        region_id: Some(region_id),
    };
    let (before, after) =
        ops::workspaces::update(&ctx.state, &access, workspace_id, change, Some(revision)).await?;
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
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let workspace =
        ops::workspaces::delete(&ctx.state, &access, workspace_id, Some(revision)).await?;
    ctx.redirect_with_notice(
        &paths::workspaces(organization_id),
        format!("Workspace {} deleted.", workspace.name),
    )
    .await
}

#[cfg(feature = "ssr")]
fn parse_workspace_role(raw: &str) -> Result<WorkspaceRole, AppError> {
    WorkspaceRole::parse(raw).map_err(|m| AppError::invalid("role", m))
}

/// Gives a member of the organization a role on the workspace.
#[server(endpoint = "workspaces/grant")]
pub async fn grant_workspace_role(
    organization_id: Uuid,
    workspace_id: Uuid,
    user_id: String,
    role: String,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let user_id = parse_id("user_id", &user_id, "member")?;
    let role = parse_workspace_role(&role)?;
    let grant = ops::permissions::grant(&ctx.state, &access, workspace_id, user_id, role).await?;
    ctx.redirect_with_notice(
        &paths::workspace(organization_id, workspace_id),
        format!("{} is now {} of this workspace.", grant.email, role),
    )
    .await
}

/// Changes the role a workspace permission gives.
#[server(endpoint = "workspaces/set-role")]
pub async fn set_workspace_role(
    organization_id: Uuid,
    workspace_id: Uuid,
    permission_id: Uuid,
    role: String,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let role = parse_workspace_role(&role)?;
    let grant =
        ops::permissions::set_role(&ctx.state, &access, permission_id, Some(workspace_id), role)
            .await?;
    ctx.redirect_with_notice(
        &paths::workspace(organization_id, workspace_id),
        format!("{} is now {} of this workspace.", grant.email, role),
    )
    .await
}

/// Takes a workspace permission away.
#[server(endpoint = "workspaces/revoke")]
pub async fn revoke_workspace_role(
    organization_id: Uuid,
    workspace_id: Uuid,
    permission_id: Uuid,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let (permission, _) =
        ops::permissions::revoke(&ctx.state, &access, permission_id, Some(workspace_id)).await?;
    ctx.redirect_with_notice(
        &paths::workspace(organization_id, workspace_id),
        format!(
            "{} no longer has a role on this workspace.",
            permission.email
        ),
    )
    .await
}

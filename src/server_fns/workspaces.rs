//! Settings > Workspaces: list, create in a region, rename, move to another region, delete.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{ResidencyPolicy, Workspace, WorkspaceRole};
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
    server_fns::context::{Ctx, parse_classifications, parse_id, parse_name},
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkspacesData {
    pub meta: PageMeta,
    /// The search and region filter asked for, as given.
    pub search: String,
    pub region: Option<Uuid>,
    pub paging: super::Paging,
    /// One page of the workspaces that match.
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
    /// What stays in the workspace's region, as the page frames it (when asked for).
    pub regional: Option<RegionalConsole>,
    /// The organization's residency policy, to say before a move whether it allows the target.
    pub policy: ResidencyPolicy,
}

/// The workspace page's window onto what stays in the region: the console of one of the
/// region's data planes, framed with a scoped token so the browser talks to the data plane
/// directly and the control plane never receives a value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionalConsole {
    pub region_name: String,
    /// The console to frame, its scoped token included; `None` when no data plane of the
    /// region serves a regional API and reported in lately.
    pub console_url: Option<String>,
    /// Where the console is served (for the page to name it).
    pub dataplane_url: Option<String>,
    /// Whether the caller's role lets them change secrets and configuration.
    pub can_write: bool,
}

/// A scoped token for the caller on one workspace: for scripts in the browser that talk to the
/// region's data planes directly. (Every issue is audited.)
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopedTokenGrant {
    pub token: String,
    /// RFC 3339.
    pub expires_at: String,
    pub workspace_id: Uuid,
    pub region_id: Uuid,
    pub access: Vec<String>,
    pub dataplane_urls: Vec<String>,
}

impl std::fmt::Debug for ScopedTokenGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopedTokenGrant")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("workspace_id", &self.workspace_id)
            .field("region_id", &self.region_id)
            .finish_non_exhaustive()
    }
}

#[server(endpoint = "workspaces/scoped-token")]
pub async fn scoped_token(
    organization_id: Uuid,
    workspace_id: Uuid,
) -> Result<ScopedTokenGrant, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let grant = ops::scoped_tokens::issue(&ctx.state, &access, workspace_id).await?;
    Ok(ScopedTokenGrant {
        access: grant.access_names(),
        token: grant.token,
        expires_at: grant
            .expires_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        workspace_id: grant.workspace_id,
        region_id: grant.region_id,
        dataplane_urls: grant.dataplane_urls,
    })
}

/// Issues the page's scoped token and points the frame at the freshest data plane that serves
/// a regional API, allowing the page to frame it.
#[cfg(feature = "ssr")]
async fn regional_console(
    ctx: &Ctx,
    access: &auth::OrgAccess,
    workspace_id: Uuid,
) -> Result<RegionalConsole, AppError> {
    let grant = ops::scoped_tokens::issue(&ctx.state, access, workspace_id).await?;
    let can_write = grant
        .access
        .contains(&crate::dataplane::scoped::Access::Write);
    let reachable = grant
        .dataplane_urls
        .iter()
        .take(grant.live)
        .find_map(|raw| crate::domain::RegionalUrl::parse(raw).ok());
    let console_url = reachable.as_ref().map(|url| {
        ctx.allow_frames_from(url.origin());
        format!(
            "{}/v1/workspaces/{workspace_id}/console?token={}",
            url.as_str(),
            grant.token
        )
    });
    Ok(RegionalConsole {
        region_name: grant.region_name,
        console_url,
        dataplane_url: reachable.map(|u| u.as_str().to_owned()),
        can_write,
    })
}

#[server(endpoint = "workspaces/page")]
pub async fn workspaces_page(
    organization_id: Uuid,
    // Part of the name, regardless of case.
    #[server(default)] search: String,
    #[server(default)] region: Option<Uuid>,
    // 0-based.
    #[server(default)] page: i64,
) -> Result<WorkspacesData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let mut paging = super::Paging::new(page, super::PAGE_SIZE, 0);
    let ((workspaces, total), granted, regions) = tokio::try_join!(
        async {
            Ok::<_, AppError>(
                db::workspaces::search_page(
                    ctx.pool(),
                    organization_id,
                    super::search_text(&search).as_deref(),
                    region,
                    paging.size,
                    paging.offset(),
                )
                .await?,
            )
        },
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
        search,
        region,
        paging: {
            paging.total = total;
            paging
        },
        workspaces,
        roles,
        regions,
    })
}

#[server(endpoint = "workspaces/detail")]
pub async fn workspace_page(
    organization_id: Uuid,
    workspace_id: Uuid,
    // Only the workspace page asks (see `RegionalConsole`); absent means no.
    #[server(default)] regional: bool,
) -> Result<WorkspaceData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let workspace = db::workspaces::get(ctx.pool(), organization_id, workspace_id)
        .await?
        .ok_or_else(|| AppError::not_found("workspace"))?;
    let role = access.workspace_role(ctx.pool(), workspace_id).await?;
    let (grants, members, regions, regional, policy) = tokio::try_join!(
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
        async {
            if regional {
                regional_console(&ctx, &access, workspace_id)
                    .await
                    .map(Some)
            } else {
                Ok(None)
            }
        },
        async { Ok::<_, AppError>(db::policies::get(ctx.pool(), organization_id).await?) },
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
        regional,
        policy: policy.policy,
    })
}

#[server(endpoint = "workspaces/create")]
pub async fn create_workspace(
    organization_id: Uuid,
    name: String,
    region_id: String,
    // Comma-separated, e.g. "pii, phi".
    #[server(default)] classifications: String,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let echo = [
        ("name", name.as_str()),
        ("region_id", region_id.as_str()),
        ("classifications", classifications.as_str()),
    ];
    let parsed_name = parse_name("name", &name);
    let parsed_region = parse_id("region_id", &region_id, "region");
    let parsed_classes = parse_classifications(&classifications);
    let (parsed_name, region_id, classes) = match (parsed_name, parsed_region, parsed_classes) {
        (Ok(n), Ok(r), Ok(c)) => (n, r, c),
        (n, r, c) => {
            let merged = AppError::merge([n.err(), r.err(), c.err()].into_iter().flatten())
                .unwrap_or_else(AppError::internal);
            return Err(merged.with_input(echo));
        }
    };
    let workspace = ops::workspaces::create(&ctx.state, &access, &parsed_name, region_id, &classes)
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

/// Says what kind of data a workspace holds (`pii`, `phi`, ...): what the residency policy's
/// rules look at.
#[server(endpoint = "workspaces/classify")]
pub async fn classify_workspace(
    organization_id: Uuid,
    workspace_id: Uuid,
    revision: i32,
    // Comma-separated; empty for none.
    #[server(default)] classifications: String,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let echo = [("classifications", classifications.as_str())];
    let change = WorkspaceChange {
        classifications: Some(
            parse_classifications(&classifications).map_err(|e| e.with_input(echo))?,
        ),
        ..Default::default()
    };
    let (_, after) =
        ops::workspaces::update(&ctx.state, &access, workspace_id, change, Some(revision))
            .await
            .map_err(|e| e.with_input(echo))?;
    let notice = if after.classifications.is_empty() {
        format!("Workspace {} carries no classification.", after.name)
    } else {
        format!(
            "Workspace {} is classified {}.",
            after.name,
            after.classifications.join(", ")
        )
    };
    ctx.redirect_with_notice(&paths::workspace(organization_id, workspace_id), notice)
        .await
}

/// Locks a workspace to its region (moving it then needs an unlock first) or unlocks it.
#[server(endpoint = "workspaces/lock")]
pub async fn lock_workspace(
    organization_id: Uuid,
    workspace_id: Uuid,
    revision: i32,
    locked: bool,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let change = WorkspaceChange {
        locked: Some(locked),
        ..Default::default()
    };
    let (_, after) =
        ops::workspaces::update(&ctx.state, &access, workspace_id, change, Some(revision)).await?;
    let notice = if after.locked {
        format!(
            "Workspace {} is locked to region {}: it can't move until unlocked.",
            after.name, after.region_name
        )
    } else {
        format!(
            "Workspace {} is unlocked: its admins may move it.",
            after.name
        )
    };
    ctx.redirect_with_notice(&paths::workspace(organization_id, workspace_id), notice)
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
        ..Default::default()
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
        region_id: Some(region_id),
        ..Default::default()
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

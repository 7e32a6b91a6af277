//! Settings > General: the organization itself and where its workspaces live; creating
//! organizations (instance admins).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{Organization, Workspace};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::paths;
use crate::server_fns::PageMeta;
#[cfg(feature = "ssr")]
use crate::{
    db,
    domain::OrgRole,
    ops, read,
    server_fns::context::{Ctx, parse_name},
};

/// Workspaces shown per page of the Regions section.
pub const WORKSPACES_PER_PAGE: i64 = 200;

/// How many workspaces use one region.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionUsage {
    pub region_id: Uuid,
    pub region_name: String,
    pub enabled: bool,
    pub workspace_count: i64,
    /// Data planes taking the region's work now (enabled and healthy).
    pub healthy_planes: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeneralData {
    pub meta: PageMeta,
    pub organization: Organization,
    /// Workspaces per region: residency at a glance.
    pub usage: Vec<RegionUsage>,
    /// One page of workspaces with their region, by name.
    pub workspaces: Vec<Workspace>,
    pub total_workspaces: i64,
    /// Zero-based page number.
    pub page: i64,
}

#[server(endpoint = "general/page")]
pub async fn general_page(
    organization_id: Uuid,
    page: Option<i64>,
) -> Result<GeneralData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    // Bounded, so a page number from the address bar cannot overflow the offset.
    let page = page
        .unwrap_or(0)
        .clamp(0, i64::MAX / WORKSPACES_PER_PAGE - 1);
    let (organization, regions, workspaces) = tokio::try_join!(
        async { Ok::<_, AppError>(db::organizations::get(ctx.pool(), organization_id).await?) },
        read::regions::overviews(ctx.pool(), organization_id),
        async {
            Ok(db::workspaces::list_page(
                ctx.pool(),
                organization_id,
                WORKSPACES_PER_PAGE,
                page * WORKSPACES_PER_PAGE,
            )
            .await?)
        },
    )?;
    let organization = organization.ok_or_else(|| AppError::not_found("organization"))?;
    let meta = PageMeta::load(&ctx, &access, &paths::general(organization_id)).await?;
    let usage: Vec<RegionUsage> = regions
        .into_iter()
        .map(|r| RegionUsage {
            healthy_planes: r.healthy_planes(meta.now, &meta.thresholds),
            workspace_count: r.workspace_count,
            region_id: r.region.id,
            region_name: r.region.name,
            enabled: r.region.enabled,
        })
        .collect();
    let total_workspaces = usage.iter().map(|u| u.workspace_count).sum();
    Ok(GeneralData {
        meta,
        organization,
        usage,
        workspaces,
        total_workspaces,
        page,
    })
}

#[server(endpoint = "general/rename-organization")]
pub async fn rename_organization(
    organization_id: Uuid,
    name: String,
    revision: i32,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let echo = [("name", name.as_str())];
    let new_name = parse_name("name", &name)?;
    ops::organizations::rename(&ctx.state, &access, &new_name, revision)
        .await
        .map_err(|e| e.with_input(echo))?;
    ctx.redirect_with_notice(&paths::general(organization_id), "Organization renamed.")
        .await
}

/// Creates an organization with the caller as its admin. Instance admins only.
#[server(endpoint = "organizations/create")]
pub async fn create_organization(name: String) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let user = ctx.user().await?;
    if !user.is_instance_admin {
        return Err(AppError::forbidden());
    }
    let name = parse_name("name", &name)?;
    let organization =
        ops::organizations::create(&ctx.state, &user, ctx.source_ip.clone(), &name).await?;
    ctx.redirect_with_notice(
        &paths::general(organization.id),
        format!("Organization {} created.", organization.name),
    )
    .await
}

//! Settings > Regions: regions with their data planes; create, rename, enable or disable,
//! and delete (refused while workspaces use the region).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{DataPlane, Region};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::paths;
use crate::server_fns::PageMeta;
#[cfg(feature = "ssr")]
use crate::{
    db,
    domain::OrgRole,
    ops::{self, regions::RegionChange},
    server_fns::context::{Ctx, parse_enabled, parse_name},
};

/// A region with what the Regions page shows about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionOverview {
    pub region: Region,
    pub data_planes: Vec<DataPlane>,
    pub workspace_count: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionsData {
    pub meta: PageMeta,
    pub regions: Vec<RegionOverview>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionData {
    pub meta: PageMeta,
    pub overview: RegionOverview,
}

/// All regions of an organization with their data planes and workspace counts, in three
/// queries whatever the number of regions.
#[cfg(feature = "ssr")]
pub async fn overviews(
    pool: &sqlx::PgPool,
    organization_id: Uuid,
) -> crate::error::AppResult<Vec<RegionOverview>> {
    use std::collections::HashMap;
    let (regions, planes, counts) = tokio::try_join!(
        db::regions::list(pool, organization_id),
        db::data_planes::list_for_organization(pool, organization_id),
        db::regions::workspace_counts(pool, organization_id),
    )?;
    let counts: HashMap<Uuid, i64> = counts.into_iter().collect();
    let mut planes_by_region: HashMap<Uuid, Vec<DataPlane>> = HashMap::new();
    for plane in planes {
        planes_by_region
            .entry(plane.region_id)
            .or_default()
            .push(plane);
    }
    Ok(regions
        .into_iter()
        .map(|region| RegionOverview {
            data_planes: planes_by_region.remove(&region.id).unwrap_or_default(),
            workspace_count: counts.get(&region.id).copied().unwrap_or(0),
            region,
        })
        .collect())
}

#[server(endpoint = "regions/page")]
pub async fn regions_page(organization_id: Uuid) -> Result<RegionsData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let regions = overviews(ctx.pool(), organization_id).await?;
    Ok(RegionsData {
        meta: PageMeta::load(&ctx, &access, &paths::regions(organization_id)).await?,
        regions,
    })
}

#[server(endpoint = "regions/detail")]
pub async fn region_page(organization_id: Uuid, region_id: Uuid) -> Result<RegionData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let region = db::regions::get(ctx.pool(), organization_id, region_id)
        .await?
        .ok_or_else(|| AppError::not_found("region"))?;
    let (data_planes, workspace_count) = tokio::try_join!(
        db::data_planes::list_for_region(ctx.pool(), region_id),
        db::workspaces::count_in_region(ctx.pool(), region_id),
    )?;
    Ok(RegionData {
        meta: PageMeta::load(&ctx, &access, &paths::region(organization_id, region_id)).await?,
        overview: RegionOverview {
            region,
            data_planes,
            workspace_count,
        },
    })
}

#[server(endpoint = "regions/create")]
pub async fn create_region(organization_id: Uuid, name: String) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let parsed = parse_name("name", &name)?;
    let region = ops::regions::create(&ctx.state, &access, &parsed, true)
        .await
        .map_err(|e| e.with_input([("name", name.as_str())]))?;
    ctx.redirect_with_notice(
        &paths::region(organization_id, region.id),
        format!(
            "Region {} created. Add a data plane to run its workspaces.",
            region.name
        ),
    )
    .await
}

/// Renames a region or turns it on or off. `enabled` comes from a hidden field or a checkbox
/// (absent when unchecked), so the form always says what it wants.
#[server(endpoint = "regions/update")]
pub async fn update_region(
    organization_id: Uuid,
    region_id: Uuid,
    revision: i32,
    name: Option<String>,
    enabled: Option<String>,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let echo = name.as_deref().unwrap_or_default();
    let change = RegionChange {
        name: name.as_deref().map(|n| parse_name("name", n)).transpose()?,
        enabled: parse_enabled(enabled.as_deref())?,
    };
    let (before, after) =
        ops::regions::update(&ctx.state, &access, region_id, change, Some(revision))
            .await
            .map_err(|e| e.with_input([("name", echo)]))?;
    let notice = if before.enabled != after.enabled {
        if after.enabled {
            format!("Region {} enabled.", after.name)
        } else {
            format!(
                "Region {} disabled. New workspaces can't be assigned to it.",
                after.name
            )
        }
    } else {
        format!("Region renamed to {}.", after.name)
    };
    ctx.redirect_with_notice(&paths::region(organization_id, region_id), notice)
        .await
}

#[server(endpoint = "regions/delete")]
pub async fn delete_region(organization_id: Uuid, region_id: Uuid) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let region = ops::regions::delete(&ctx.state, &access, region_id).await?;
    ctx.redirect_with_notice(
        &paths::regions(organization_id),
        format!("Region {} deleted.", region.name),
    )
    .await
}

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
    pub liveness: Liveness,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionData {
    pub meta: PageMeta,
    pub overview: RegionOverview,
    pub liveness: Liveness,
}

/// How far back sparklines look.
pub const SPARKLINE_WINDOW: time::Duration = time::Duration::minutes(5);

/// What the dashboard shows of an organization's data planes being alive: each one's last
/// report and recent heartbeats, judged at `now`. Polled by the Regions pages while hydrated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Liveness {
    #[serde(with = "time::serde::rfc3339")]
    pub now: time::OffsetDateTime,
    pub thresholds: crate::domain::HealthThresholds,
    /// The control plane's own version, to spot data planes running another one.
    pub control_plane_version: String,
    pub planes: Vec<DataPlane>,
    /// Heartbeat times within [`SPARKLINE_WINDOW`], by data plane.
    pub beats: std::collections::HashMap<Uuid, Vec<i64>>,
}

impl Liveness {
    /// A data plane's heartbeats as seconds before `now`, newest last.
    pub fn beats_of(&self, plane: Uuid) -> &[i64] {
        self.beats.get(&plane).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Only what concerns one region's data planes.
    pub fn for_region(&self, region_id: Uuid) -> Liveness {
        let planes: Vec<DataPlane> = self
            .planes
            .iter()
            .filter(|p| p.region_id == region_id)
            .cloned()
            .collect();
        let beats = planes
            .iter()
            .filter_map(|p| self.beats.get(&p.id).map(|b| (p.id, b.clone())))
            .collect();
        Liveness {
            planes,
            beats,
            ..self.clone()
        }
    }
}

/// The liveness of an organization's data planes, in two queries.
#[cfg(feature = "ssr")]
pub async fn liveness(
    state: &crate::state::AppState,
    organization_id: Uuid,
) -> crate::error::AppResult<Liveness> {
    let planes = db::data_planes::list_for_organization(&state.pool, organization_id).await?;
    liveness_of(state, organization_id, planes).await
}

/// The liveness of data planes already loaded: their recent heartbeats, in one query.
#[cfg(feature = "ssr")]
async fn liveness_of(
    state: &crate::state::AppState,
    organization_id: Uuid,
    planes: Vec<DataPlane>,
) -> crate::error::AppResult<Liveness> {
    let now = time::OffsetDateTime::now_utc();
    let beats =
        db::data_planes::beats_since(&state.pool, organization_id, now - SPARKLINE_WINDOW).await?;
    let mut by_plane: std::collections::HashMap<Uuid, Vec<i64>> = Default::default();
    for (plane, at) in beats {
        by_plane
            .entry(plane)
            .or_default()
            .push((now - at).whole_seconds());
    }
    Ok(Liveness {
        now,
        thresholds: state.health,
        control_plane_version: env!("CARGO_PKG_VERSION").to_owned(),
        planes,
        beats: by_plane,
    })
}

/// The liveness of one region's data planes, which is all a polling table needs.
#[server(endpoint = "regions/liveness")]
pub async fn region_liveness(organization_id: Uuid, region_id: Uuid) -> Result<Liveness, AppError> {
    let ctx = Ctx::load().await?;
    ctx.access(organization_id, OrgRole::Member).await?;
    Ok(liveness(&ctx.state, organization_id)
        .await?
        .for_region(region_id))
}

/// All regions of an organization with their data planes and workspace counts, in three
/// queries whatever the number of regions.
#[cfg(feature = "ssr")]
pub async fn overviews(
    pool: &sqlx::PgPool,
    organization_id: Uuid,
) -> crate::error::AppResult<Vec<RegionOverview>> {
    let (regions, planes, counts) = tokio::try_join!(
        db::regions::list(pool, organization_id),
        db::data_planes::list_for_organization(pool, organization_id),
        db::regions::workspace_counts(pool, organization_id),
    )?;
    Ok(assemble(regions, planes, counts))
}

/// Regions with their data planes and workspace counts, from what was loaded.
#[cfg(feature = "ssr")]
fn assemble(
    regions: Vec<Region>,
    planes: Vec<DataPlane>,
    counts: Vec<(Uuid, i64)>,
) -> Vec<RegionOverview> {
    use std::collections::HashMap;
    let counts: HashMap<Uuid, i64> = counts.into_iter().collect();
    let mut planes_by_region: HashMap<Uuid, Vec<DataPlane>> = HashMap::new();
    for plane in planes {
        planes_by_region
            .entry(plane.region_id)
            .or_default()
            .push(plane);
    }
    regions
        .into_iter()
        .map(|region| RegionOverview {
            data_planes: planes_by_region.remove(&region.id).unwrap_or_default(),
            workspace_count: counts.get(&region.id).copied().unwrap_or(0),
            region,
        })
        .collect()
}

#[server(endpoint = "regions/page")]
pub async fn regions_page(organization_id: Uuid) -> Result<RegionsData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    // The data planes are loaded once, for both the overviews and their liveness.
    let (regions, planes, counts) = tokio::try_join!(
        db::regions::list(ctx.pool(), organization_id),
        db::data_planes::list_for_organization(ctx.pool(), organization_id),
        db::regions::workspace_counts(ctx.pool(), organization_id),
    )?;
    let liveness = liveness_of(&ctx.state, organization_id, planes.clone()).await?;
    let regions = assemble(regions, planes, counts);
    Ok(RegionsData {
        meta: PageMeta::load(&ctx, &access, &paths::regions(organization_id)).await?,
        regions,
        liveness,
    })
}

#[server(endpoint = "regions/detail")]
pub async fn region_page(organization_id: Uuid, region_id: Uuid) -> Result<RegionData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    let region = db::regions::get(ctx.pool(), organization_id, region_id)
        .await?
        .ok_or_else(|| AppError::not_found("region"))?;
    let (workspace_count, liveness) = tokio::try_join!(
        async { Ok::<_, AppError>(db::workspaces::count_in_region(ctx.pool(), region_id).await?) },
        liveness(&ctx.state, organization_id),
    )?;
    // The region's data planes are among those the liveness already loaded.
    let data_planes = liveness.for_region(region_id).planes;
    Ok(RegionData {
        liveness,
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

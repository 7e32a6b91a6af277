//! Settings > Regions: regions with their data planes; create, rename, enable or disable,
//! and delete (refused while workspaces use the region).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::fragments::LiveFragment;
#[cfg(feature = "ssr")]
use crate::paths;
use crate::read::regions::{Liveness, RegionOverview};
use crate::server_fns::PageMeta;
#[cfg(feature = "ssr")]
use crate::{
    db,
    domain::OrgRole,
    ops, read,
    server_fns::context::{Ctx, parse_name, parse_name_and_enabled, parse_place},
};

/// Region cards per page: each holds a table of data planes.
pub const REGIONS_PER_PAGE: i64 = 20;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionsData {
    pub meta: PageMeta,
    /// The search asked for, as given.
    pub search: String,
    /// The jurisdiction filter asked for, as given (empty: all).
    pub jurisdiction: String,
    /// Every jurisdiction the organization's regions are in, for the filter.
    pub jurisdictions: Vec<String>,
    /// Whether the caller runs the instance's managed regions (an instance admin in the
    /// default organization).
    pub can_operate: bool,
    pub paging: super::Paging,
    /// One page of the regions that match.
    pub regions: Vec<RegionOverview>,
    pub liveness: Liveness,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionData {
    pub meta: PageMeta,
    /// Whether the caller runs the instance's managed regions.
    pub can_operate: bool,
    pub overview: RegionOverview,
    pub liveness: Liveness,
    /// The first of its workspaces, by name ([`super::WORKSPACES_LISTED`]).
    pub workspaces: Vec<super::WorkspaceLink>,
}

/// A region's data planes (or `only` one of them) with their health, rendered as they are
/// now: for the pages that keep them current. Admins get their links on the region's table.
#[server(endpoint = "regions/data-planes")]
pub async fn data_planes_fragment(
    organization_id: Uuid,
    region_id: Uuid,
    #[server(default)] only: Option<Uuid>,
) -> Result<LiveFragment, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    // A region of another organization is not found (its id would otherwise come back in the
    // answer's links).
    let (region, liveness) = tokio::try_join!(
        async {
            Ok::<_, AppError>(db::regions::get(ctx.pool(), organization_id, region_id).await?)
        },
        read::regions::liveness(&ctx.state, organization_id),
    )?;
    let region = region.ok_or_else(|| AppError::not_found("region"))?;
    let liveness = liveness.for_region(region_id);
    // A data plane's own page has its actions elsewhere on the page; a managed region's are
    // the operators' to run.
    let manage =
        access.role == OrgRole::Admin && only.is_none() && !region.is_borrowed_by(organization_id);
    Ok(LiveFragment::data_planes(
        organization_id,
        region_id,
        only,
        &liveness,
        manage,
    ))
}

#[server(endpoint = "regions/page")]
pub async fn regions_page(
    organization_id: Uuid,
    // Part of the name, regardless of case.
    #[server(default)] search: String,
    // Only regions in this jurisdiction (or country); empty for all.
    #[server(default)] jurisdiction: String,
    // 0-based.
    #[server(default)] page: i64,
) -> Result<RegionsData, AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Member).await?;
    // An organization has regions by the handful (one per jurisdiction or cloud region), and
    // their health needs every data plane anyway: filtered here rather than in SQL.
    let (mut regions, liveness) =
        read::regions::overviews_with_liveness(&ctx.state, organization_id).await?;
    let mut jurisdictions: Vec<String> = regions
        .iter()
        .filter_map(|r| r.region.jurisdiction.clone())
        .collect();
    jurisdictions.sort();
    jurisdictions.dedup();
    if let Some(wanted) = super::search_text(&search) {
        let wanted = wanted.to_lowercase();
        regions.retain(|r| r.region.name.to_lowercase().contains(&wanted));
    }
    if let Some(wanted) = super::search_text(&jurisdiction) {
        // A code that cannot be a jurisdiction matches nothing rather than failing the page.
        match crate::domain::Jurisdiction::parse(&wanted) {
            Ok(wanted) => regions.retain(|r| r.region.is_in(&wanted)),
            Err(_) => regions.clear(),
        }
    }
    let paging = super::Paging::new(page, REGIONS_PER_PAGE, regions.len() as i64);
    let regions = regions
        .into_iter()
        .skip(paging.offset() as usize)
        .take(paging.size as usize)
        .collect();
    Ok(RegionsData {
        meta: PageMeta::load(&ctx, &access, &paths::regions(organization_id)).await?,
        search,
        jurisdiction,
        jurisdictions,
        can_operate: operates(&access),
        paging,
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
    let (workspace_count, liveness, workspaces) = tokio::try_join!(
        async {
            Ok::<_, AppError>(
                db::workspaces::count_in_region_of(ctx.pool(), organization_id, region_id).await?,
            )
        },
        read::regions::liveness(&ctx.state, organization_id),
        async {
            Ok::<_, AppError>(
                db::workspaces::list_in_region(
                    ctx.pool(),
                    organization_id,
                    region_id,
                    super::WORKSPACES_LISTED,
                )
                .await?,
            )
        },
    )?;
    // The region's data planes are among those the liveness already loaded.
    let data_planes = liveness.for_region(region_id).planes;
    let mut meta =
        PageMeta::load(&ctx, &access, &paths::region(organization_id, region_id)).await?;
    // Managed regions are used by every organization and changed by the operators only.
    meta.can_manage &= !region.is_borrowed_by(organization_id);
    Ok(RegionData {
        can_operate: operates(&access),
        liveness,
        workspaces: workspaces.into_iter().map(Into::into).collect(),
        meta,
        overview: RegionOverview {
            region,
            data_planes,
            workspace_count,
        },
    })
}

/// Whether the caller runs the instance's managed regions.
#[cfg(feature = "ssr")]
fn operates(access: &crate::auth::OrgAccess) -> bool {
    access.user.is_instance_admin
        && access.organization_id == crate::domain::DEFAULT_ORGANIZATION_ID
}

#[server(endpoint = "regions/create")]
pub async fn create_region(
    organization_id: Uuid,
    name: String,
    #[server(default)] provider: String,
    #[server(default)] location: String,
    #[server(default)] jurisdiction: String,
    // A checkbox (operators only): every organization may use it.
    #[server(default)] managed: Option<String>,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let echo = [
        ("name", name.as_str()),
        ("provider", provider.as_str()),
        ("location", location.as_str()),
        ("jurisdiction", jurisdiction.as_str()),
    ];
    let (parsed, place) = match (
        parse_name("name", &name),
        parse_place(&provider, &location, &jurisdiction),
    ) {
        (Ok(n), Ok(p)) => (n, p),
        (n, p) => {
            return Err(AppError::merge([n.err(), p.err()].into_iter().flatten())
                .unwrap_or_else(AppError::internal)
                .with_input(echo));
        }
    };
    let region = ops::regions::create(
        &ctx.state,
        &access,
        &parsed,
        true,
        &place,
        managed.is_some(),
    )
    .await
    .map_err(|e| e.with_input(echo))?;
    ctx.redirect_with_notice(
        &paths::region(organization_id, region.id),
        format!(
            "Region {} created. Add a data plane to run its workspaces.",
            region.name
        ),
    )
    .await
}

/// Says where a region is: its provider, location and jurisdiction (empty fields unknown; a
/// location without a jurisdiction gets the location's).
#[server(endpoint = "regions/place")]
pub async fn set_region_place(
    organization_id: Uuid,
    region_id: Uuid,
    revision: i32,
    #[server(default)] provider: String,
    #[server(default)] location: String,
    #[server(default)] jurisdiction: String,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let echo = [
        ("provider", provider.as_str()),
        ("location", location.as_str()),
        ("jurisdiction", jurisdiction.as_str()),
    ];
    let place = parse_place(&provider, &location, &jurisdiction).map_err(|e| e.with_input(echo))?;
    let change = ops::regions::RegionChange {
        place: Some(place),
        ..Default::default()
    };
    let (_, after) = ops::regions::update(&ctx.state, &access, region_id, change, Some(revision))
        .await
        .map_err(|e| e.with_input(echo))?;
    let place = after.place_summary();
    let notice = if place.is_empty() {
        format!("Region {} no longer says where it is.", after.name)
    } else {
        format!("Region {} is now {place}.", after.name)
    };
    ctx.redirect_with_notice(&paths::region(organization_id, region_id), notice)
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
    let asked = parse_name_and_enabled(name.as_deref(), enabled.as_deref())?;
    let change = ops::regions::RegionChange {
        name: asked.name,
        enabled: asked.enabled,
        place: None,
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

/// Makes a managed region where new workspaces go when none is named, or (`clear`) stops it
/// being that. Instance admins only.
#[server(endpoint = "regions/default")]
pub async fn set_default_region(
    organization_id: Uuid,
    region_id: Uuid,
    #[server(default)] clear: bool,
) -> Result<(), AppError> {
    let ctx = Ctx::load().await?;
    let access = ctx.access(organization_id, OrgRole::Admin).await?;
    let chosen = (!clear).then_some(region_id);
    let region = ops::regions::set_default_for_new_workspaces(&ctx.state, &access, chosen).await?;
    let notice = match region {
        Some(r) => format!(
            "New workspaces of every organization go to region {} unless another is named.",
            r.name
        ),
        None => "New workspaces go to each organization's own region auto unless another is named."
            .to_owned(),
    };
    ctx.redirect_with_notice(&paths::region(organization_id, region_id), notice)
        .await
}

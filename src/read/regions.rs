//! An organization's regions with their data planes and workspace counts, and the liveness of
//! its data planes: shown by the Regions, region, data plane and workspace pages.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

use crate::domain::{DataPlane, HealthThresholds, Region};
#[cfg(feature = "ssr")]
use crate::{db, error::AppResult, state::AppState};

/// A region with what the Regions page shows about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegionOverview {
    pub region: Region,
    pub data_planes: Vec<DataPlane>,
    pub workspace_count: i64,
}

impl RegionOverview {
    /// Data planes that take this region's work now: enabled, in an enabled region, and
    /// healthy at `now`.
    pub fn healthy_planes(
        &self,
        now: time::OffsetDateTime,
        thresholds: &HealthThresholds,
    ) -> usize {
        self.data_planes
            .iter()
            .filter(|d| {
                d.is_usable(&self.region)
                    && d.health_at(now, thresholds) == crate::domain::Health::Healthy
            })
            .count()
    }
}

/// How far back sparklines look.
pub const SPARKLINE_WINDOW: time::Duration = time::Duration::minutes(5);

/// What the dashboard shows of an organization's data planes being alive: each one's last
/// report and recent heartbeats, judged at `now`. Polled by the Regions pages while hydrated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Liveness {
    #[serde(with = "time::serde::rfc3339")]
    pub now: time::OffsetDateTime,
    pub thresholds: HealthThresholds,
    /// The control plane's own version, to spot data planes running another one.
    pub control_plane_version: String,
    pub planes: Vec<DataPlane>,
    /// Heartbeat times within [`SPARKLINE_WINDOW`], by data plane.
    pub beats: HashMap<Uuid, Vec<i64>>,
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
pub async fn liveness(state: &AppState, organization_id: Uuid) -> AppResult<Liveness> {
    let planes = db::data_planes::list_for_organization(&state.pool, organization_id).await?;
    liveness_of(state, organization_id, planes).await
}

/// The liveness of data planes already loaded: their recent heartbeats, in one query.
#[cfg(feature = "ssr")]
pub async fn liveness_of(
    state: &AppState,
    organization_id: Uuid,
    planes: Vec<DataPlane>,
) -> AppResult<Liveness> {
    let now = time::OffsetDateTime::now_utc();
    let beats =
        db::data_planes::beats_since(&state.pool, organization_id, now - SPARKLINE_WINDOW).await?;
    let mut by_plane: HashMap<Uuid, Vec<i64>> = HashMap::new();
    for (plane, at) in beats {
        by_plane
            .entry(plane)
            .or_default()
            .push((now - at).whole_seconds());
    }
    Ok(Liveness {
        now,
        thresholds: state.config.health,
        control_plane_version: env!("CARGO_PKG_VERSION").to_owned(),
        planes,
        beats: by_plane,
    })
}

/// All regions of an organization with their data planes and workspace counts, in three
/// queries whatever the number of regions.
#[cfg(feature = "ssr")]
pub async fn overviews(
    pool: &sqlx::PgPool,
    organization_id: Uuid,
) -> AppResult<Vec<RegionOverview>> {
    let (regions, planes, counts) = tokio::try_join!(
        db::regions::list(pool, organization_id),
        db::data_planes::list_for_organization(pool, organization_id),
        db::regions::workspace_counts(pool, organization_id),
    )?;
    Ok(assemble(regions, planes, counts))
}

/// The overviews and the liveness of their data planes, loading the data planes once.
#[cfg(feature = "ssr")]
pub async fn overviews_with_liveness(
    state: &AppState,
    organization_id: Uuid,
) -> AppResult<(Vec<RegionOverview>, Liveness)> {
    let (regions, planes, counts) = tokio::try_join!(
        db::regions::list(&state.pool, organization_id),
        db::data_planes::list_for_organization(&state.pool, organization_id),
        db::regions::workspace_counts(&state.pool, organization_id),
    )?;
    let liveness = liveness_of(state, organization_id, planes.clone()).await?;
    Ok((assemble(regions, planes, counts), liveness))
}

/// Regions with their data planes and workspace counts, from what was loaded.
#[cfg(feature = "ssr")]
fn assemble(
    regions: Vec<Region>,
    planes: Vec<DataPlane>,
    counts: Vec<(Uuid, i64)>,
) -> Vec<RegionOverview> {
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

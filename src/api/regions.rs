//! `/regions`: an organization's regions (Airbyte's "data plane groups").

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{Caller, JsonBody, Params, PathParams, name_field, path_id};
use super::problem::{ApiError, ApiResult};
use super::timestamp;
use crate::db;
use crate::domain::{Jurisdiction, Name, OrgRole, Place, Region};
use crate::error::AppError;
use crate::ops::{self, regions::RegionChange};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegionResponse {
    pub region_id: Uuid,
    pub name: String,
    pub organization_id: Uuid,
    pub enabled: bool,
    /// The cloud provider it runs on (`AWS`, `On-premises`, ...), when known.
    pub provider: Option<String>,
    /// ISO 3166 country code, optionally with a subdivision (`DE`, `US-CA`), when known.
    pub location: Option<String>,
    /// The jurisdiction its data is under (`EU`, `US`, ...): what residency policies check.
    pub jurisdiction: Option<String>,
    /// Read-only. Run by the instance's operators and usable by every organization (which
    /// cannot change it); `false` for the organization's own, self-managed regions.
    pub managed: bool,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl From<Region> for RegionResponse {
    fn from(r: Region) -> Self {
        RegionResponse {
            region_id: r.id,
            name: r.name,
            organization_id: r.organization_id,
            enabled: r.enabled,
            provider: r.provider,
            location: r.location,
            jurisdiction: r.jurisdiction,
            managed: r.managed,
            created_at: timestamp(r.created_at),
            updated_at: timestamp(r.updated_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RegionsResponse {
    pub data: Vec<RegionResponse>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegionCreateRequest {
    /// 1 to 64 characters: letters, digits, spaces, '-', '_' and '.' (unique regardless of case).
    #[schema(min_length = 1, max_length = 64)]
    pub name: String,
    pub organization_id: Uuid,
    /// Defaults to true.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// The cloud provider it runs on, 1 to 64 characters.
    #[serde(default)]
    pub provider: Option<String>,
    /// ISO 3166 country code, optionally with a subdivision: `DE`, `US-CA`.
    #[serde(default)]
    pub location: Option<String>,
    /// 2 to 8 letters (`EU`, `US`); defaults to the location's (`EU` for member states).
    #[serde(default)]
    pub jurisdiction: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegionPatchRequest {
    /// 1 to 64 characters: letters, digits, spaces, '-', '_' and '.' (unique regardless of case).
    #[schema(min_length = 1, max_length = 64)]
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Absent keeps it; `null` or empty clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub provider: Option<Option<String>>,
    /// Absent keeps it; `null` or empty clears it. A new location without a jurisdiction
    /// also sets the location's jurisdiction.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub location: Option<Option<String>>,
    /// Absent keeps it (unless the location changes); `null` or empty clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub jurisdiction: Option<Option<String>>,
}

/// Tells a field sent as `null` (`Some(None)`) from one not sent (`None`, by `default`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl RegionPatchRequest {
    /// The region's place after this patch, when it says anything about it.
    fn place(&self, region: &Region) -> ApiResult<Option<Place>> {
        if self.provider.is_none() && self.location.is_none() && self.jurisdiction.is_none() {
            return Ok(None);
        }
        let pick = |asked: &Option<Option<String>>, now: &Option<String>| match asked {
            None => now.clone().unwrap_or_default(),
            Some(given) => given.clone().unwrap_or_default(),
        };
        // A new location brings its own jurisdiction unless one is given with it.
        let jurisdiction = if self.location.is_some() && self.jurisdiction.is_none() {
            String::new()
        } else {
            pick(&self.jurisdiction, &region.jurisdiction)
        };
        Ok(Some(place(
            &pick(&self.provider, &region.provider),
            &pick(&self.location, &region.location),
            &jurisdiction,
        )?))
    }
}

/// A place from the API's fields, every field's error at once.
fn place(provider: &str, location: &str, jurisdiction: &str) -> Result<Place, AppError> {
    Place::parse(provider, location, jurisdiction).map_err(|errors| {
        AppError::merge(errors.into_iter().map(|(f, m)| AppError::invalid(f, m)))
            .unwrap_or_else(AppError::internal)
    })
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RegionListParams {
    /// The organization whose regions to list.
    #[param(rename = "organizationId")]
    organization_id: Uuid,
    /// Only the regions in this jurisdiction or country (`EU`, `DE`).
    jurisdiction: Option<String>,
}

/// A region the caller may act on with `needed`, found by id.
pub(super) async fn load(
    state: &AppState,
    caller: &Caller,
    raw_id: &str,
    needed: OrgRole,
) -> ApiResult<(Region, crate::auth::OrgAccess)> {
    let id = path_id("region_id", raw_id)?;
    let region = db::regions::find_any_org(&state.pool, id)
        .await?
        .ok_or_else(|| AppError::not_found("region"))?;
    // A managed region is every organization's to see and use: the caller acts in its own
    // organization, and changing it is refused there (only its operators may).
    if region.managed {
        let home = caller.home(state).await?;
        if region.is_borrowed_by(home.organization_id) {
            home.require(needed.min(OrgRole::Member))?;
            return Ok((region, home));
        }
    }
    let access = caller
        .access_object(state, region.organization_id, needed, "region")
        .await?;
    Ok((region, access))
}

/// List the regions of an organization.
#[utoipa::path(get, path = "/regions", tag = "Regions", params(RegionListParams),
    responses((status = 200, body = RegionsResponse)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<impl IntoResponse> {
    let organization_id = params.required_uuid("organizationId")?;
    caller
        .access_named(&state, organization_id, OrgRole::Member)
        .await?;
    let jurisdiction = params.text("jurisdiction");
    if !jurisdiction.trim().is_empty() {
        let wanted =
            Jurisdiction::parse(&jurisdiction).map_err(|m| ApiError::invalid("jurisdiction", m))?;
        let mut regions = db::regions::list(&state.pool, organization_id).await?;
        regions.retain(|r| r.is_in(&wanted));
        let body = RegionsResponse {
            data: regions.into_iter().map(Into::into).collect(),
        };
        return Ok(Json(body).into_response());
    }
    // Clients poll this; see `crate::cache` for how the copy stays current.
    let body = state
        .region_lists
        .get_or_load(organization_id, || async {
            let regions = db::regions::list(&state.pool, organization_id).await?;
            let response = RegionsResponse {
                data: regions.into_iter().map(Into::into).collect(),
            };
            serde_json::to_vec(&response)
                .map(Bytes::from)
                .map_err(|_| ApiError::from(AppError::internal()))
        })
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Create a region.
#[utoipa::path(post, path = "/regions", tag = "Regions", request_body = RegionCreateRequest,
    responses((status = 200, body = RegionResponse)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<RegionCreateRequest>,
) -> ApiResult<Json<RegionResponse>> {
    let access = caller
        .access_named(&state, body.organization_id, OrgRole::Admin)
        .await?;
    let name = Name::parse(&body.name).map_err(|m| AppError::invalid("name", m));
    let given = |v: &Option<String>| v.clone().unwrap_or_default();
    let place = place(
        &given(&body.provider),
        &given(&body.location),
        &given(&body.jurisdiction),
    );
    let (name, place) = match (name, place) {
        (Ok(n), Ok(p)) => (n, p),
        (n, p) => {
            return Err(AppError::merge([n.err(), p.err()].into_iter().flatten())
                .unwrap_or_else(AppError::internal)
                .into());
        }
    };
    // Managed regions are created by the operators in the dashboard, not through the API.
    let region = ops::regions::create(
        &state,
        &access,
        &name,
        body.enabled.unwrap_or(true),
        &place,
        false,
    )
    .await?;
    Ok(Json(region.into()))
}

/// Get a region.
#[utoipa::path(get, path = "/regions/{regionId}", tag = "Regions",
    params(("regionId" = Uuid, Path)), responses((status = 200, body = RegionResponse)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(region_id): PathParams<String>,
) -> ApiResult<Json<RegionResponse>> {
    let (region, _) = load(&state, &caller, &region_id, OrgRole::Member).await?;
    Ok(Json(region.into()))
}

/// Rename a region, turn it on or off, or say where it is.
#[utoipa::path(patch, path = "/regions/{regionId}", tag = "Regions",
    params(("regionId" = Uuid, Path)), request_body = RegionPatchRequest,
    responses((status = 200, body = RegionResponse)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(region_id): PathParams<String>,
    JsonBody(body): JsonBody<RegionPatchRequest>,
) -> ApiResult<Json<RegionResponse>> {
    let (region, access) = load(&state, &caller, &region_id, OrgRole::Admin).await?;
    let change = RegionChange {
        name: body
            .name
            .as_deref()
            .map(|n| name_field("name", n))
            .transpose()?,
        enabled: body.enabled,
        place: body.place(&region)?,
    };
    let (_, after) = ops::regions::update(&state, &access, region.id, change, None).await?;
    Ok(Json(after.into()))
}

/// Delete a region and its data planes. Refused (409) while workspaces are assigned to it.
#[utoipa::path(delete, path = "/regions/{regionId}", tag = "Regions",
    params(("regionId" = Uuid, Path)), responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(region_id): PathParams<String>,
) -> ApiResult<StatusCode> {
    let (region, access) = load(&state, &caller, &region_id, OrgRole::Admin).await?;
    ops::regions::delete(&state, &access, region.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

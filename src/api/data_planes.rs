//! Data planes, in both forms the Airbyte API has used: nested under their region
//! (`/regions/{regionId}/dataplanes`, as in the multi-region guide) and flat (`/dataplanes`,
//! as in the current API reference).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{Caller, JsonBody, Params, PathParams, name_field, path_id};
use super::problem::ApiResult;
use super::timestamp;
use crate::auth::OrgAccess;
use crate::db;
use crate::domain::{DataPlane, HealthThresholds, OrgRole};
use crate::error::AppError;
use crate::ops::{self, data_planes::DataPlaneChange};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataplaneResponse {
    pub dataplane_id: Uuid,
    pub region_id: Uuid,
    pub name: String,
    pub enabled: bool,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    pub health: DataplaneHealth,
    /// Where clients reach this data plane's regional API (secrets, configuration), as its
    /// agent reports it; null until an agent serving one reports in.
    pub url: Option<String>,
    /// Finishing the runs it has and taking no new ones.
    pub draining: bool,
    /// Draining, and nothing left running: safe to stop.
    pub drained: bool,
    /// How many runs it is running now.
    pub running_runs: i64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataplaneHealth {
    /// HEALTHY (last heartbeat at most 60 s ago), DEGRADED (at most 5 minutes), UNHEALTHY
    /// (older), UNKNOWN (never connected).
    #[schema(pattern = "^(HEALTHY|DEGRADED|UNHEALTHY|UNKNOWN)$")]
    pub status: String,
    /// RFC 3339; null until the data plane first reports in.
    pub last_heartbeat_at: Option<String>,
    /// The agent's version as it last reported; null until known.
    pub version: Option<String>,
}

impl DataplaneResponse {
    fn new(d: DataPlane, thresholds: &HealthThresholds) -> Self {
        let health = DataplaneHealth {
            status: d
                .health_at(time::OffsetDateTime::now_utc(), thresholds)
                .as_str()
                .into(),
            last_heartbeat_at: d.last_heartbeat_at.map(timestamp),
            version: d.version.clone(),
        };
        let drained = d.is_drained();
        DataplaneResponse {
            dataplane_id: d.id,
            region_id: d.region_id,
            name: d.name,
            enabled: d.enabled,
            created_at: timestamp(d.created_at),
            updated_at: timestamp(d.updated_at),
            health,
            drained,
            draining: d.draining,
            running_runs: d.running,
            url: d.url,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DataplanesResponse {
    pub data: Vec<DataplaneResponse>,
}

/// The only answer that ever holds the client secret.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataplaneCreateResponse {
    pub dataplane_id: Uuid,
    pub region_id: Uuid,
    pub client_id: String,
    /// Shown once: Meridian keeps only a hash.
    pub client_secret: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegionDataplaneCreateRequest {
    /// 1 to 64 characters: letters, digits, spaces, '-', '_' and '.' (unique regardless of case).
    #[schema(min_length = 1, max_length = 64)]
    pub name: String,
    /// Defaults to true.
    #[serde(default)]
    pub enabled: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataplaneCreateRequest {
    pub region_id: Uuid,
    /// 1 to 64 characters: letters, digits, spaces, '-', '_' and '.' (unique regardless of case).
    #[schema(min_length = 1, max_length = 64)]
    pub name: String,
    /// Defaults to true.
    #[serde(default)]
    pub enabled: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataplanePatchRequest {
    /// 1 to 64 characters: letters, digits, spaces, '-', '_' and '.' (unique regardless of case).
    #[schema(min_length = 1, max_length = 64)]
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
    /// True: finish the runs it has and take no new ones; false: take work again.
    #[serde(default)]
    pub draining: Option<bool>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct DataplaneListParams {
    /// Only the data planes of these regions; all the caller may see when absent.
    #[param(rename = "regionIds")]
    region_ids: Option<Vec<Uuid>>,
}

/// A data plane the caller may act on with `needed`; when reached through a region's path,
/// it must belong to that region.
async fn load(
    state: &AppState,
    caller: &Caller,
    raw_id: &str,
    region_id: Option<Uuid>,
    needed: OrgRole,
) -> ApiResult<(DataPlane, OrgAccess)> {
    let id = path_id("dataplane_id", raw_id)?;
    let missing = || AppError::not_found("data plane");
    let organization_id = db::data_planes::organization_of(&state.pool, id)
        .await?
        .ok_or_else(missing)?;
    let access = caller
        .access_object(state, organization_id, needed, "data plane")
        .await?;
    let plane = db::data_planes::get(&state.pool, organization_id, id)
        .await?
        .filter(|p| region_id.is_none_or(|r| r == p.region_id))
        .ok_or_else(missing)?;
    Ok((plane, access))
}

async fn create_in(
    state: &AppState,
    caller: &Caller,
    region_id: Uuid,
    name: &str,
    enabled: Option<bool>,
) -> ApiResult<Json<DataplaneCreateResponse>> {
    let region = db::regions::find_any_org(&state.pool, region_id)
        .await?
        .ok_or_else(|| AppError::not_found("region"))?;
    let access = caller
        .access_object(state, region.organization_id, OrgRole::Admin, "region")
        .await?;
    let name = name_field("name", name)?;
    let created =
        ops::data_planes::create(state, &access, region.id, &name, enabled.unwrap_or(true)).await?;
    Ok(Json(DataplaneCreateResponse {
        dataplane_id: created.data_plane.id,
        region_id: created.region.id,
        client_id: created.client_id,
        client_secret: created.client_secret.expose().to_owned(),
    }))
}

async fn list_in(
    state: &AppState,
    caller: &Caller,
    region_ids: &[Uuid],
) -> ApiResult<Json<DataplanesResponse>> {
    let access = caller.home(state).await?;
    let planes =
        db::data_planes::list_visible(&state.pool, access.organization_id, region_ids).await?;
    Ok(Json(DataplanesResponse {
        data: planes
            .into_iter()
            .map(|p| DataplaneResponse::new(p, &state.config.health))
            .collect(),
    }))
}

async fn update_one(
    state: &AppState,
    caller: &Caller,
    raw_id: &str,
    region_id: Option<Uuid>,
    body: DataplanePatchRequest,
) -> ApiResult<Json<DataplaneResponse>> {
    let (plane, access) = load(state, caller, raw_id, region_id, OrgRole::Admin).await?;
    let change = DataPlaneChange {
        name: body
            .name
            .as_deref()
            .map(|n| name_field("name", n))
            .transpose()?,
        enabled: body.enabled,
    };
    let (_, mut after) = ops::data_planes::update(state, &access, plane.id, change, None).await?;
    if let Some(draining) = body.draining {
        after = ops::data_planes::set_draining(state, &access, plane.id, draining, None).await?;
    }
    Ok(Json(DataplaneResponse::new(after, &state.config.health)))
}

async fn delete_one(
    state: &AppState,
    caller: &Caller,
    raw_id: &str,
    region_id: Option<Uuid>,
) -> ApiResult<StatusCode> {
    let (plane, access) = load(state, caller, raw_id, region_id, OrgRole::Admin).await?;
    ops::data_planes::delete(state, &access, plane.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The region of a nested path, which must exist and be visible to the caller.
async fn region_of_path(state: &AppState, caller: &Caller, raw: &str) -> ApiResult<Uuid> {
    let (region, _) = super::regions::load(state, caller, raw, OrgRole::Member).await?;
    Ok(region.id)
}

/// Create a data plane in a region. The answer holds its client secret, shown only here.
#[utoipa::path(post, path = "/regions/{regionId}/dataplanes", tag = "Data planes",
    params(("regionId" = Uuid, Path)), request_body = RegionDataplaneCreateRequest,
    responses((status = 200, body = DataplaneCreateResponse)))]
pub async fn create_nested(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(region_id): PathParams<String>,
    JsonBody(body): JsonBody<RegionDataplaneCreateRequest>,
) -> ApiResult<Json<DataplaneCreateResponse>> {
    let region_id = path_id("region_id", &region_id)?;
    create_in(&state, &caller, region_id, &body.name, body.enabled).await
}

/// List the data planes of a region.
#[utoipa::path(get, path = "/regions/{regionId}/dataplanes", tag = "Data planes",
    params(("regionId" = Uuid, Path)), responses((status = 200, body = DataplanesResponse)))]
pub async fn list_nested(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(region_id): PathParams<String>,
) -> ApiResult<Json<DataplanesResponse>> {
    let region_id = region_of_path(&state, &caller, &region_id).await?;
    let planes = db::data_planes::list_for_region(&state.pool, region_id).await?;
    Ok(Json(DataplanesResponse {
        data: planes
            .into_iter()
            .map(|p| DataplaneResponse::new(p, &state.config.health))
            .collect(),
    }))
}

/// Get a data plane of a region.
#[utoipa::path(get, path = "/regions/{regionId}/dataplanes/{dataplaneId}", tag = "Data planes",
    params(("regionId" = Uuid, Path), ("dataplaneId" = Uuid, Path)),
    responses((status = 200, body = DataplaneResponse)))]
pub async fn get_nested(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((region_id, id)): PathParams<(String, String)>,
) -> ApiResult<Json<DataplaneResponse>> {
    let region_id = path_id("region_id", &region_id)?;
    let (plane, _) = load(&state, &caller, &id, Some(region_id), OrgRole::Member).await?;
    Ok(Json(DataplaneResponse::new(plane, &state.config.health)))
}

/// Rename a data plane of a region, or turn it on or off.
#[utoipa::path(patch, path = "/regions/{regionId}/dataplanes/{dataplaneId}", tag = "Data planes",
    params(("regionId" = Uuid, Path), ("dataplaneId" = Uuid, Path)),
    request_body = DataplanePatchRequest, responses((status = 200, body = DataplaneResponse)))]
pub async fn update_nested(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((region_id, id)): PathParams<(String, String)>,
    JsonBody(body): JsonBody<DataplanePatchRequest>,
) -> ApiResult<Json<DataplaneResponse>> {
    let region_id = path_id("region_id", &region_id)?;
    update_one(&state, &caller, &id, Some(region_id), body).await
}

/// Delete a data plane of a region; its credentials stop working at once.
#[utoipa::path(delete, path = "/regions/{regionId}/dataplanes/{dataplaneId}", tag = "Data planes",
    params(("regionId" = Uuid, Path), ("dataplaneId" = Uuid, Path)),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_nested(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((region_id, id)): PathParams<(String, String)>,
) -> ApiResult<StatusCode> {
    let region_id = path_id("region_id", &region_id)?;
    delete_one(&state, &caller, &id, Some(region_id)).await
}

/// Create a data plane. The answer holds its client secret, shown only here.
#[utoipa::path(post, path = "/dataplanes", tag = "Data planes",
    request_body = DataplaneCreateRequest, responses((status = 200, body = DataplaneCreateResponse)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<DataplaneCreateRequest>,
) -> ApiResult<Json<DataplaneCreateResponse>> {
    create_in(&state, &caller, body.region_id, &body.name, body.enabled).await
}

/// List the data planes the caller may see, optionally of some regions only.
#[utoipa::path(get, path = "/dataplanes", tag = "Data planes", params(DataplaneListParams),
    responses((status = 200, body = DataplanesResponse)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Params,
) -> ApiResult<Json<DataplanesResponse>> {
    let region_ids = params.uuids("regionIds")?;
    list_in(&state, &caller, &region_ids).await
}

/// Get a data plane.
#[utoipa::path(get, path = "/dataplanes/{dataplaneId}", tag = "Data planes",
    params(("dataplaneId" = Uuid, Path)), responses((status = 200, body = DataplaneResponse)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<DataplaneResponse>> {
    let (plane, _) = load(&state, &caller, &id, None, OrgRole::Member).await?;
    Ok(Json(DataplaneResponse::new(plane, &state.config.health)))
}

/// Rename a data plane, or turn it on or off.
#[utoipa::path(patch, path = "/dataplanes/{dataplaneId}", tag = "Data planes",
    params(("dataplaneId" = Uuid, Path)), request_body = DataplanePatchRequest,
    responses((status = 200, body = DataplaneResponse)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<DataplanePatchRequest>,
) -> ApiResult<Json<DataplaneResponse>> {
    update_one(&state, &caller, &id, None, body).await
}

/// Delete a data plane; its credentials stop working at once.
#[utoipa::path(delete, path = "/dataplanes/{dataplaneId}", tag = "Data planes",
    params(("dataplaneId" = Uuid, Path)), responses((status = 204, description = "Deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<StatusCode> {
    delete_one(&state, &caller, &id, None).await
}

/// A data plane's secret as listed (never the secret itself).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecretResponse {
    pub secret_id: Uuid,
    pub client_id: String,
    /// `…` and the secret's last four characters, to tell two live secrets apart; null for
    /// secrets issued before hints were kept.
    pub secret_hint: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; null until first used for a token exchange.
    pub last_used_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SecretsResponse {
    pub data: Vec<SecretResponse>,
}

/// The only answer that holds a rotated secret.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecretCreateResponse {
    pub secret_id: Uuid,
    pub dataplane_id: Uuid,
    pub client_id: String,
    /// Shown once: Meridian keeps only a hash.
    pub client_secret: String,
}

/// List a data plane's live secrets.
#[utoipa::path(get, path = "/dataplanes/{dataplaneId}/secrets", tag = "Data planes",
    params(("dataplaneId" = Uuid, Path)), responses((status = 200, body = SecretsResponse)))]
pub async fn list_secrets(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<SecretsResponse>> {
    let (plane, _) = load(&state, &caller, &id, None, OrgRole::Member).await?;
    let secrets = db::data_planes::credentials_of(&state.pool, plane.id).await?;
    Ok(Json(SecretsResponse {
        data: secrets
            .into_iter()
            .map(|c| SecretResponse {
                secret_id: c.id,
                client_id: c.client_id,
                secret_hint: c.secret_hint,
                created_at: timestamp(c.created_at),
                last_used_at: c.last_used_at.map(timestamp),
            })
            .collect(),
    }))
}

/// Issue a second secret for a data plane (rotation): the current one keeps working until it
/// is revoked. At most two live secrets.
#[utoipa::path(post, path = "/dataplanes/{dataplaneId}/secrets", tag = "Data planes",
    params(("dataplaneId" = Uuid, Path)), responses((status = 200, body = SecretCreateResponse)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> ApiResult<Json<SecretCreateResponse>> {
    let (plane, access) = load(&state, &caller, &id, None, OrgRole::Admin).await?;
    let issued = ops::data_planes::rotate_secret(&state, &access, plane.id).await?;
    Ok(Json(SecretCreateResponse {
        secret_id: issued.credential_id,
        dataplane_id: plane.id,
        client_id: issued.client_id,
        client_secret: issued.client_secret.expose().to_owned(),
    }))
}

/// Revoke a secret: an agent using it is refused at its next heartbeat or token exchange.
#[utoipa::path(delete, path = "/dataplanes/{dataplaneId}/secrets/{secretId}", tag = "Data planes",
    params(("dataplaneId" = Uuid, Path), ("secretId" = Uuid, Path)),
    responses((status = 204, description = "Revoked")))]
pub async fn revoke_secret(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((id, secret)): PathParams<(String, String)>,
) -> ApiResult<StatusCode> {
    let (plane, access) = load(&state, &caller, &id, None, OrgRole::Admin).await?;
    let secret = path_id("secret_id", &secret)?;
    ops::data_planes::revoke_secret(&state, &access, plane.id, secret).await?;
    Ok(StatusCode::NO_CONTENT)
}

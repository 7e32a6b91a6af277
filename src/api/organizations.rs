//! `/organizations`: the organizations the caller belongs to, and what the control plane
//! keeps about one of them (its data inventory).

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::{Caller, PathParams, path_id};
use super::problem::ApiResult;
use crate::db;
use crate::domain::OrgRole;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationResponse {
    pub organization_id: Uuid,
    pub organization_name: String,
    /// Meridian keeps no contact address per organization: the caller's own email.
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrganizationsResponse {
    pub data: Vec<OrganizationResponse>,
}

/// The organization the caller's application acts in (an application is created for one).
#[utoipa::path(get, path = "/organizations", tag = "Organizations",
    responses((status = 200, body = OrganizationsResponse)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<OrganizationsResponse>> {
    let access = caller.home(&state).await?;
    let organization = db::organizations::get(&state.pool, access.organization_id)
        .await?
        .ok_or_else(|| crate::error::AppError::not_found("organization"))?;
    Ok(Json(OrganizationsResponse {
        data: vec![OrganizationResponse {
            organization_id: organization.id,
            organization_name: organization.name,
            email: access.user.email,
        }],
    }))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoredColumnResponse {
    pub name: String,
    /// What it holds.
    pub holds: String,
    pub personal_data: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoredTableResponse {
    pub table: String,
    /// Why the control plane keeps it.
    pub purpose: String,
    /// `organization` (rows belong to one organization or its members) or `instance` (keys
    /// and counters of the whole instance).
    pub scope: String,
    pub personal_data: bool,
    pub columns: Vec<StoredColumnResponse>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegionalDataResponse {
    pub what: String,
    /// Where and how the region keeps it.
    pub kept: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataInventoryResponse {
    pub organization_id: Uuid,
    /// Every table and column of the control plane's database.
    pub control_plane: Vec<StoredTableResponse>,
    /// What stays in the organization's regions and never reaches the control plane.
    pub data_planes: Vec<RegionalDataResponse>,
}

/// What the control plane stores about the organization, table by table and column by column,
/// and what stays in its regions' data planes.
#[utoipa::path(get, path = "/organizations/{organizationId}/data-inventory", tag = "Organizations",
    params(("organizationId" = Uuid, Path)),
    responses((status = 200, body = DataInventoryResponse)))]
pub async fn data_inventory(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(raw_id): PathParams<String>,
) -> ApiResult<Json<DataInventoryResponse>> {
    use crate::domain::inventory::{CONTROL_PLANE, IN_DATA_PLANES, Scope};
    let organization_id = path_id("organization_id", &raw_id)?;
    caller
        .access_object(&state, organization_id, OrgRole::Member, "organization")
        .await?;
    Ok(Json(DataInventoryResponse {
        organization_id,
        control_plane: CONTROL_PLANE
            .iter()
            .map(|t| StoredTableResponse {
                table: t.name.to_owned(),
                purpose: t.purpose.to_owned(),
                scope: match t.scope {
                    Scope::Organization => "organization",
                    Scope::Instance => "instance",
                }
                .to_owned(),
                personal_data: t.personal_data(),
                columns: t
                    .columns
                    .iter()
                    .map(|c| StoredColumnResponse {
                        name: c.name.to_owned(),
                        holds: c.holds.to_owned(),
                        personal_data: c.personal_data,
                    })
                    .collect(),
            })
            .collect(),
        data_planes: IN_DATA_PLANES
            .iter()
            .map(|d| RegionalDataResponse {
                what: d.what.to_owned(),
                kept: d.kept.to_owned(),
            })
            .collect(),
    }))
}

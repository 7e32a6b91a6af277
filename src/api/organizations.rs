//! `/organizations`: the organizations the caller belongs to.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::Caller;
use super::problem::ApiResult;
use crate::db;
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

/// List the organizations of the caller.
#[utoipa::path(get, path = "/organizations", tag = "Organizations",
    responses((status = 200, body = OrganizationsResponse)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<OrganizationsResponse>> {
    let owner = caller.owner(&state).await?;
    let memberships = db::organizations::memberships(&state.pool, owner.id).await?;
    Ok(Json(OrganizationsResponse {
        data: memberships
            .into_iter()
            .map(|m| OrganizationResponse {
                organization_id: m.organization_id,
                organization_name: m.organization_name,
                email: owner.email.clone(),
            })
            .collect(),
    }))
}
